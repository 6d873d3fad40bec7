/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's config.json (oih_spec_parse), then what the hook asks of it: environment variables,
 * namespaces and id mappings. The bytes go in as they came, with their length.
 */
#include "fuzz.h"
#include "spec.h"
#include "util.h"

#define BUNDLE "/run/containers/bundle"

static void check_spec(const struct oih_spec *s)
{
        /* Never the host's root, however it is written ("/", "/.", "/tmp/..", "../../.." from the
         * bundle): the hook would inject into the host. */
        fuzz_assert(s->root_path && s->root_path[0] == '/');
        _cleanup_free_ char *simple = path_simplify(s->root_path);
        fuzz_assert(simple && !streq(simple, "/"));

        STRV_FOREACH (e, s->env) {
                /* Whatever the entry, looking its name up must work and give the last such entry. */
                size_t l = strcspn(*e, "=");
                _cleanup_free_ char *name = strndup(*e, l);
                fuzz_assert(name);
                const char *v = oih_spec_getenv(s, name);
                fuzz_assert(!(*e)[l] || v);
        }
        (void)oih_spec_getenv(s, "PATH");
        (void)oih_spec_getenv(s, "");

        for (size_t i = 0; i < s->n_namespaces; i++) {
                fuzz_assert(s->namespaces[i].type);
                fuzz_assert(oih_spec_has_namespace(s, s->namespaces[i].type));
        }
        (void)oih_spec_has_namespace(s, "user");

        for (size_t i = 0; i < s->annotations.n; i++)
                fuzz_assert(oih_annotations_get(&s->annotations, s->annotations.items[i].key));

        /* Every id at the edge of a mapping maps, or says it does not; mapping it never overflows. */
        uint32_t host;
        const uint32_t probes[] = { 0, 1, 65535, 65536, UINT32_MAX - 1, UINT32_MAX };
        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                int r = oih_spec_host_uid(s, probes[i], &host);
                fuzz_assert(r == 0 || r == -ERANGE);
                r = oih_spec_host_gid(s, probes[i], &host);
                fuzz_assert(r == 0 || r == -ERANGE);
        }
        for (size_t i = 0; i < s->n_uid_mappings; i++) {
                const struct oih_id_mapping *m = &s->uid_mappings[i];
                (void)oih_spec_host_uid(s, m->container_id, &host);
                (void)oih_spec_host_uid(s, m->container_id + m->size, &host);
                (void)oih_spec_host_uid(s, m->container_id + m->size - 1, &host);
        }
        for (size_t i = 0; i < s->n_gid_mappings; i++) {
                const struct oih_id_mapping *m = &s->gid_mappings[i];
                (void)oih_spec_host_gid(s, m->container_id, &host);
                (void)oih_spec_host_gid(s, m->container_id + m->size - 1, &host);
        }
        (void)strlen(s->cgroups_path ?: "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_spec_ struct oih_spec *s = NULL;

        int r = oih_spec_parse(text, size, BUNDLE, &s, &err);
        if (r < 0) {
                fuzz_assert(!s);
                fuzz_assert(err && err->code == -r);
                fuzz_assert(strlen(oih_error_message(err)) > 0);
        } else {
                fuzz_assert(r == 0 && s && !err);
                check_spec(s);
        }

        _cleanup_spec_ struct oih_spec *again = NULL;
        int r2 = oih_spec_parse(text, size, BUNDLE, &again, NULL);
        fuzz_assert(r2 == r);
        fuzz_assert(!again == !s);
        if (s)
                fuzz_assert(streq(again->root_path, s->root_path) &&
                            strv_length(again->env) == strv_length(s->env));
        return 0;
}
