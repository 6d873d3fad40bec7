/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A config file of /etc/oci-injector-hook (oih_config_parse), checked the way `validate` and hook mode
 * use it: every problem collected, whatever activation could be read kept, and the matching rules of
 * THREATS.md item 8 (an activated invalid config is an error, an unactivated one is skipped).
 */
#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "match.h"
#include "mount-options.h"
#include "util.h"

#define FILE_NAME "/etc/oci-injector-hook/fuzz.json"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        devnull = fopen("/dev/null", "we");
        if (!devnull)
                abort();
        /* Every log line is formatted (and its control characters replaced), then thrown away below. */
        oih_log_setup(OIH_LOG_DEBUG, OIH_LOG_STDERR);
        return 0;
}

static void check_entry(const struct oih_config *c, const struct oih_entry *e)
{
        fuzz_assert(e->kind < _OIH_KIND_MAX);
        /* What was kept is always normalized: a broken path is a problem, never a value. A bare library
         * or program name is a file name: no '/', not "." or "..", no control character, no glob. */
        if (e->bare) {
                fuzz_assert(e->kind == OIH_KIND_LIBRARY || e->kind == OIH_KIND_BINARY);
                fuzz_assert(e->path && *e->path && !strchr(e->path, '/') && !streq(e->path, ".") &&
                            !streq(e->path, "..") && strlen(e->path) <= NAME_MAX &&
                            !string_is_glob(e->path) && !e->glob);
                for (const char *ch = e->path; *ch; ch++)
                        fuzz_assert((unsigned char)*ch >= 0x20 && *ch != 0x7f);
        } else
                fuzz_assert(!e->path || fuzz_path_is_normalized(e->path));
        fuzz_assert(!e->container_path || fuzz_path_is_normalized(e->container_path));
        fuzz_assert(e->major >= -1 && e->major <= UINT32_MAX);
        fuzz_assert(e->minor >= -1 && e->minor <= UINT32_MAX);
        if (e->kind != OIH_KIND_DEVICE)
                fuzz_assert(e->major == -1 && e->minor == -1);
        if (e->kind != OIH_KIND_MOUNT)
                fuzz_assert(e->mount_flags == 0);
        if (e->glob)
                fuzz_assert(e->kind == OIH_KIND_DEVICE || e->kind == OIH_KIND_BINARY ||
                            e->kind == OIH_KIND_LIBRARY || e->kind == OIH_KIND_MISCELLANEOUS);

        if (!oih_config_is_valid(c))
                return;
        /* A valid config says exactly what goes where. */
        fuzz_assert(e->path);
        if (e->kind == OIH_KIND_MOUNT)
                fuzz_assert(e->container_path);
        fuzz_assert(!streq(e->container_path ?: e->path, "/"));
        if (e->glob)
                fuzz_assert(!e->container_path);
        if (e->kind == OIH_KIND_MOUNT) {
                _cleanup_free_ char *options = oih_mount_flags_to_string(e->mount_flags);
                fuzz_assert(options);
        }
}

static void check_config(const struct oih_config *c)
{
        fuzz_assert(streq(c->file, FILE_NAME));
        fuzz_assert(streq(c->name, "fuzz.json"));
        fuzz_assert(c->inject == OIH_INJECT_BIND || c->inject == OIH_INJECT_COPY);

        /* Every problem says something; `validate` prints each as one line ("FILE: problem"), so
         * a problem must not carry a newline, an escape sequence (C0 or C1) or invalid UTF-8 from the
         * file. */
        STRV_FOREACH (p, c->problems) {
                fuzz_assert(**p);
                _cleanup_free_ char *cleaned = string_printable(*p);
                fuzz_assert(cleaned && streq(cleaned, *p)); /* nothing left to escape */
                for (const char *ch = *p; *ch; ch++)
                        fuzz_assert((unsigned char)*ch >= 0x20 && *ch != 0x7f);
        }
        /* Unknown keys, which validate prints and hook mode names in a warning, likewise; one name
         * for each line. */
        fuzz_assert(strv_length(c->unknown_keys) == strv_length(c->ignored_keys));
        for (char **l = c->unknown_keys, **k = c->ignored_keys; l && *l; l++, k++) {
                fuzz_assert(strstr(*l, "unknown key \""));
                for (const char *ch = *l; *ch; ch++)
                        fuzz_assert((unsigned char)*ch >= 0x20 && *ch != 0x7f);
                for (const char *ch = *k; *ch; ch++)
                        fuzz_assert((unsigned char)*ch >= 0x20 && *ch != 0x7f);
        }

        const struct oih_activation *acts[] = { &c->flag, &c->annotation };
        for (size_t i = 0; i < ELEMENTSOF(acts); i++) {
                fuzz_assert(!acts[i]->value || acts[i]->name);
                fuzz_assert(!acts[i]->name || (*acts[i]->name && !strchr(acts[i]->name, '=')));
        }
        if (oih_config_is_valid(c)) {
                fuzz_assert(c->flag.name || c->annotation.name);
                /* A module name: ASCII letters, digits, '_' and '-' (said here without the library's
                 * string_is_name(), so that the two must agree). */
                STRV_FOREACH (m, c->modules)
                        fuzz_assert(
                                **m &&
                                strspn(*m,
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                                        strlen(*m));
        }

        size_t count[_OIH_KIND_MAX] = {};
        for (size_t i = 0; i < c->n_entries; i++) {
                check_entry(c, &c->entries[i]);
                /* Entries of one list keep their positions, for messages such as "devices[2]" (a list
                 * given twice is a problem, and then numbers repeat). */
                const struct oih_entry *e = &c->entries[i];
                if (oih_config_is_valid(c))
                        fuzz_assert(e->index == count[e->kind]);
                count[e->kind] = e->index + 1;
        }
}

/* One container: process.env and annotations as given; the state carries the same annotations. */
struct container {
        char *env[3];
        struct oih_kv annotations[2];
        size_t n_annotations;
};

static enum oih_activated_by activation(const struct oih_config *c, struct container *k, int *ret_match)
{
        struct oih_spec spec = {
                .root_path = (char *)"/run/bundle/rootfs",
                .env = k->env,
                .annotations = { .items = k->annotations, .n = k->n_annotations },
        };
        struct oih_state state = {
                .id = (char *)"fuzz",
                .bundle = (char *)"/run/bundle",
                .annotations = { .items = k->annotations, .n = k->n_annotations },
        };
        struct oih_config *items[] = { (struct oih_config *)c };
        struct oih_config_set set = { .items = items, .n = 1 };
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ struct oih_config **selected = NULL;
        size_t n = 0;

        enum oih_activated_by by = oih_config_activation(c, &spec, &state, OIH_ACTIVATION_DEFAULT);
        bool sandbox = oih_container_is_sandbox(&spec, &state);
        /* The state's annotations are the spec's here: without the state, the same answers. */
        fuzz_assert(oih_config_activation(c, &spec, NULL, OIH_ACTIVATION_DEFAULT) == by);
        fuzz_assert(oih_container_is_sandbox(&spec, NULL) == sandbox);
        /* With activation by annotations only, the environment never activates anything. */
        enum oih_activated_by by_annotation =
                oih_config_activation(c, &spec, &state, OIH_ACTIVATION_ANNOTATIONS);
        fuzz_assert(by_annotation != OIH_ACTIVATED_BY_FLAG);
        fuzz_assert(by != OIH_ACTIVATED_BY_ANNOTATION || by_annotation == OIH_ACTIVATED_BY_ANNOTATION);

        FILE *saved = stderr;
        stderr = devnull;
        int r = oih_match(&set, &spec, &state, OIH_ACTIVATION_DEFAULT, &selected, &n, &err);
        stderr = saved;

        bool activated = by != OIH_NOT_ACTIVATED && !sandbox;
        if (activated && !oih_config_is_valid(c)) {
                /* THREATS.md item 8: never half of an activated config. */
                fuzz_assert(r < 0 && err);
        } else {
                /* A broken config that this container did not ask for stops nothing. */
                fuzz_assert(r == 0 && !err);
                fuzz_assert(n == (activated ? 1u : 0u));
                fuzz_assert(n == 0 || selected[0] == c);
        }
        *ret_match = r;
        return by;
}

static void check_matching(const struct oih_config *c)
{
        _cleanup_free_ char *flag_eq = NULL, *flag_other = NULL;
        int r;

        /* No variable, no annotation: nothing activates. */
        struct container none = {};
        fuzz_assert(activation(c, &none, &r) == OIH_NOT_ACTIVATED);

        if (c->flag.name) {
                struct container k = {};
                if (asprintf(&flag_eq, "%s=%s", c->flag.name, c->flag.value ?: "") < 0)
                        abort();
                k.env[0] = flag_eq;
                fuzz_assert(activation(c, &k, &r) == OIH_ACTIVATED_BY_FLAG);

                /* A name without "=" defines nothing; a different value does not match "NAME=value". */
                k.env[0] = c->flag.name;
                fuzz_assert(activation(c, &k, &r) != OIH_ACTIVATED_BY_FLAG);
                if (c->flag.value) {
                        if (asprintf(&flag_other, "%s=%s.", c->flag.name, c->flag.value) < 0)
                                abort();
                        k.env[0] = flag_other;
                        fuzz_assert(activation(c, &k, &r) != OIH_ACTIVATED_BY_FLAG);
                }

                /* A Kubernetes sandbox container activates nothing. */
                k.env[0] = flag_eq;
                k.annotations[0] =
                        (struct oih_kv){ (char *)"io.kubernetes.cri.container-type", (char *)"sandbox" };
                k.n_annotations = 1;
                (void)activation(c, &k, &r);
                fuzz_assert(r == 0);
        }

        if (c->annotation.name) {
                struct container k = {};
                k.annotations[0] = (struct oih_kv){ c->annotation.name, c->annotation.value ?: (char *)"" };
                k.n_annotations = 1;
                enum oih_activated_by by = activation(c, &k, &r);
                fuzz_assert(by != OIH_NOT_ACTIVATED);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oih_config *c = NULL;

        int r = oih_config_parse(FILE_NAME, (const char *)data, size, &c);
        /* Only running out of memory fails; everything else is a problem inside the config. */
        fuzz_assert(r == 0 && c);

        check_config(c);
        check_matching(c);
        oih_config_free(c);
        return 0;
}
