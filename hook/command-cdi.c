/* SPDX-License-Identifier: Apache-2.0 */
#include "command-cdi.h"
#include "config-load.h"
#include "json.h"
#include "log.h"
#include "plan.h"

/*
 * CDI's qualified names, as the CDI library checks them (a runtime refuses a whole spec file with one bad
 * name): a vendor or class has ASCII letters, digits, '_', '-' and '.', starts with a letter and ends
 * with a letter or digit; a device name may also have ':', and starts and ends with a letter or digit.
 */
static bool cdi_name_ok(const char *s, bool device)
{
        return string_is_name(s, device ? "_-.:" : "_-.") && ascii_is_alnum(s[strlen(s) - 1]) &&
               (device ? ascii_is_alnum(s[0]) : ascii_is_letter(s[0]));
}

/* The device of a config is named after its file, without ".json". */
static char *device_name(const char *file_name)
{
        char *n = strdup(file_name);
        if (n && endswith(n, ".json"))
                n[strlen(n) - 5] = 0;
        return n;
}

static bool has_form(const struct oih_plan *p, enum oih_cdi_form form)
{
        for (size_t i = 0; i < p->n; i++)
                if (OP_VTABLE(&p->ops[i])->cdi_form == form)
                        return true;
        return false;
}

/* The entries of one part of containerEdits: every operation of that form, each written by its type. */
static void write_section(oih_json_writer *w, const struct oih_plan *p, const char *key,
                          enum oih_cdi_form form)
{
        if (!has_form(p, form))
                return;
        oih_json_write_string(w, key);
        oih_json_write_array_open(w);
        for (size_t i = 0; i < p->n; i++)
                if (OP_VTABLE(&p->ops[i])->cdi_form == form)
                        OP_VTABLE(&p->ops[i])->cdi_write(&p->ops[i], w);
        oih_json_write_array_close(w);
}

/* The createContainer hook that makes the symlinks and carries out the ld cache step, if any are needed. */
static void write_hook(oih_json_writer *w, const struct oih_plan *p, const char *self)
{
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "hookName", "createContainer");
        oih_json_write_pair(w, "path", self);
        oih_json_write_string(w, "args");
        oih_json_write_array_open(w);
        oih_json_write_string(w, "oci-injector-hook");
        oih_json_write_string(w, "ldcache");
        /* The libraries first: the entry point reads their sonames in the root, for the ld cache. */
        for (size_t i = 0; i < p->n; i++) {
                const struct oih_op *o = &p->ops[i];
                if (o->kind == OIH_KIND_LIBRARY && OP_VTABLE(o)->library) {
                        oih_json_write_string(w, "--library");
                        oih_json_write_string(w, o->target);
                }
        }
        for (size_t i = 0; i < p->n; i++)
                if (OP_VTABLE(&p->ops[i])->cdi_form == OIH_CDI_HOOK)
                        OP_VTABLE(&p->ops[i])->cdi_write(&p->ops[i], w);
        STRV_FOREACH (d, p->ld.dirs) {
                oih_json_write_string(w, "--folder");
                oih_json_write_string(w, *d);
        }
        oih_json_write_array_close(w);
        oih_json_write_string(w, "env");
        oih_json_write_array_open(w);
        oih_json_write_string(w, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
}

static void write_device(oih_json_writer *w, const char *name, const struct oih_plan *p, const char *self)
{
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "name", name);
        oih_json_write_string(w, "containerEdits");
        oih_json_write_object_open(w);
        write_section(w, p, "deviceNodes", OIH_CDI_DEVICE_NODE);
        write_section(w, p, "mounts", OIH_CDI_MOUNT);
        if (has_form(p, OIH_CDI_HOOK) || p->ld.dirs) {
                oih_json_write_string(w, "hooks");
                oih_json_write_array_open(w);
                write_hook(w, p, self);
                oih_json_write_array_close(w);
        }
        oih_json_write_object_close(w);
        oih_json_write_object_close(w);
}

/* What CDI cannot do of this plan, said once per operation; false when nothing is left to export. */
static bool exportable(const struct oih_plan *p)
{
        bool any = false;
        for (size_t i = 0; i < p->n; i++) {
                const struct oih_op_vtable *vt = OP_VTABLE(&p->ops[i]);
                switch (vt->cdi_form) {
                case OIH_CDI_LEFT_OUT:
                        vt->cdi_left_out(&p->ops[i]);
                        break;
                case OIH_CDI_DEVICE_NODE:
                case OIH_CDI_MOUNT:
                case OIH_CDI_HOOK:
                        any = true;
                        break;
                }
        }
        return any;
}

bool oih_cdi_version_ok(const char *version)
{
        return streq(version, "0.5.0") || streq(version, "0.6.0") || streq(version, "0.7.0") ||
               streq(version, "0.8.0");
}

int oih_command_cdi(char *const *dirs, const char *vendor, const char *version, FILE *out)
{
        _cleanup_config_set_ struct oih_config_set *set = NULL;
        _cleanup_free_ char *self = NULL, *kind = NULL;
        int left_out = 0, exported = 0;

        if (!cdi_name_ok(vendor, false)) {
                log_error(
                        "cdi: --vendor \"%s\" is not a CDI vendor name: ASCII letters, digits, '_', '-' and '.', starting with a letter and ending with a letter or digit, such as \"example.com\"; no spec written",
                        vendor);
                return 1;
        }
        int r = readlink_malloc("/proc/self/exe", &self);
        if (r < 0)
                return r;
        if (asprintf(&kind, "%s/%s", vendor, OIH_CDI_CLASS) < 0)
                return -ENOMEM;
        r = oih_config_set_load(dirs, &set);
        if (r < 0)
                return r;
        STRV_FOREACH (p, set->problems)
                log_warning("%s", *p);

        oih_json_writer *w = oih_json_writer_new(out, true);
        if (!w)
                return -ENOMEM;
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "cdiVersion", version);
        oih_json_write_pair(w, "kind", kind);
        oih_json_write_string(w, "devices");
        oih_json_write_array_open(w);

        for (size_t i = 0; i < set->n; i++) {
                struct oih_config *c = set->items[i];
                _cleanup_error_ oih_error *err = NULL;
                _cleanup_plan_ struct oih_plan *plan = NULL;
                _cleanup_free_ char *name = NULL;

                name = device_name(c->name);
                if (!name) {
                        oih_json_writer_free(w);
                        return -ENOMEM;
                }
                if (!cdi_name_ok(name, true)) {
                        log_error(
                                "%s: \"%s\" is not a CDI device name (ASCII letters, digits, '_', '-', '.' and ':', starting and ending with a letter or digit); left out of the CDI spec: rename the file",
                                c->file, name);
                        left_out++;
                        continue;
                }
                if (!oih_config_is_valid(c)) {
                        log_error("%s: %s; left out of the CDI spec", c->file, c->problems[0]);
                        left_out++;
                        continue;
                }
                if (oih_plan_build(&c, 1, &plan, &err) < 0) {
                        log_error("%s; left out of the CDI spec", oih_error_message(err));
                        left_out++;
                        continue;
                }
                if (!exportable(plan)) {
                        log_warning("%s: nothing of it can be expressed in CDI; left out", c->file);
                        left_out++;
                        continue;
                }
                write_device(w, name, plan, self);
                exported++;
        }

        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        fputc('\n', out);
        if (exported == 0)
                log_error("no config could be exported: a CDI spec needs at least one device");
        return exported == 0 ? left_out + 1 : left_out;
}
