/* SPDX-License-Identifier: Apache-2.0 */
/* `plan`'s output: a line per operation and one for the ld cache step, or one JSON document. */
#include "json.h"
#include "plan.h"

static const char *found_in(const struct oih_op *o)
{
        return o->kind == OIH_KIND_LIBRARY ? "ld cache" : "PATH";
}

static void json_strings(oih_json_writer *w, const char *key, char *const *l)
{
        oih_json_write_string(w, key);
        oih_json_write_array_open(w);
        STRV_FOREACH (s, l)
                oih_json_write_string(w, *s);
        oih_json_write_array_close(w);
}

static void json_op(oih_json_writer *w, const struct oih_op *o)
{
        const struct oih_op_vtable *vt = OP_VTABLE(o);
        const char *source = vt->source ? vt->source(o) : NULL;

        oih_json_write_object_open(w);
        oih_json_write_pair(w, "op", vt->name);
        oih_json_write_pair(w, "config", o->config);
        if (vt->has_kind)
                oih_json_write_pair(w, "kind", oih_kind_key(o->kind));
        if (source)
                oih_json_write_pair(w, vt->source_key, source);
        if (o->target)
                oih_json_write_pair(w, "destination", o->target);
        if (o->lookup) {
                /* A bare name, and where the host had it. */
                oih_json_write_pair(w, "found_by", o->lookup);
                oih_json_write_pair(w, "found_in", found_in(o));
        }
        if (vt->json)
                vt->json(o, w);
        oih_json_write_object_close(w);
}

/* The ld cache step: its folders, and what goes into the image's ld.so.cache ("merge": false, ldconfig
 * does it all). */
static void json_ld_step(oih_json_writer *w, const struct oih_ld_step *ld)
{
        oih_json_write_string(w, "ldcache");
        oih_json_write_object_open(w);
        json_strings(w, "dirs", ld->dirs);
        oih_json_write_string(w, "merge");
        oih_json_write_boolean(w, ld->merge);
        oih_json_write_string(w, "entries");
        oih_json_write_array_open(w);
        for (size_t k = 0; k < ld->n_entries; k++) {
                oih_json_write_object_open(w);
                oih_json_write_pair(w, "soname", ld->entries[k].soname);
                oih_json_write_pair(w, "path", ld->entries[k].path);
                oih_json_write_object_close(w);
        }
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
}

static int print_json(const struct oih_plan *p, FILE *out)
{
        oih_json_writer *w = oih_json_writer_new(out, true);
        if (!w)
                return -ENOMEM;

        oih_json_write_object_open(w);
        json_strings(w, "configs", p->configs);
        oih_json_write_string(w, "operations");
        oih_json_write_array_open(w);
        for (size_t i = 0; i < p->n; i++)
                json_op(w, &p->ops[i]);
        oih_json_write_array_close(w);
        if (p->ld.dirs)
                json_ld_step(w, &p->ld);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        return 0;
}

/* Paths come from configs and symlinks on the host: one line stays one line. */
static void print_line(const char *line, FILE *out)
{
        fputs_printable(line, out);
        fputc('\n', out);
}

static int print_op(const struct oih_op *o, FILE *out)
{
        const struct oih_op_vtable *vt = OP_VTABLE(o);
        _cleanup_free_ char *detail = NULL, *found = NULL, *line = NULL;

        if (vt->detail && !(detail = vt->detail(o)))
                return -ENOMEM;
        if (o->lookup && asprintf(&found, " (%s, found in the host's %s)", o->lookup, found_in(o)) < 0)
                return -ENOMEM;
        if (asprintf(&line, "%s %s %s%s%s%s", vt->name, oih_op_source(o), o->target ?: "-",
                     detail && *detail ? " " : "", detail ?: "", found ?: "") < 0)
                return -ENOMEM;
        print_line(line, out);
        return 0;
}

/* "ldcache - DIR:DIR...": the folders the ld cache searches. */
static int print_ld_step(const struct oih_ld_step *ld, FILE *out)
{
        size_t l = sizeof("ldcache - ");
        STRV_FOREACH (d, ld->dirs)
                l += strlen(*d) + 1;
        _cleanup_free_ char *line = malloc(l);
        if (!line)
                return -ENOMEM;
        char *e = stpcpy(line, "ldcache - ");
        STRV_FOREACH (d, ld->dirs)
                e = stpcpy(d == ld->dirs ? e : stpcpy(e, ":"), *d);
        print_line(line, out);
        return 0;
}

int oih_plan_print(const struct oih_plan *p, bool json, FILE *out)
{
        if (json)
                return print_json(p, out);

        for (size_t i = 0; i < p->n; i++) {
                int r = print_op(&p->ops[i], out);
                if (r < 0)
                        return r;
        }
        return p->ld.dirs ? print_ld_step(&p->ld, out) : 0;
}
