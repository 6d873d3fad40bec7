/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"
#include "match.h"

static bool activation_matches(const struct oih_activation *a, const char *value)
{
        if (!a->name || !value)
                return false;
        return !a->value || streq(a->value, value);
}

static const char *annotation(const struct oih_spec *spec, const struct oih_state *state, const char *key)
{
        const char *v = oih_annotations_get(&spec->annotations, key);
        if (!v && state)
                v = oih_annotations_get(&state->annotations, key);
        return v;
}

int oih_activation_from_string(const char *s, unsigned *ret)
{
        unsigned a = 0;

        for (const char *p = s; *p;) {
                size_t l = strcspn(p, ",");
                if (l == 3 && strncmp(p, "env", 3) == 0)
                        a |= OIH_ACTIVATION_ENV;
                else if (l == 11 && strncmp(p, "annotations", 11) == 0)
                        a |= OIH_ACTIVATION_ANNOTATIONS;
                else
                        return -EINVAL;
                p += l;
                if (*p == ',' && *++p == 0)
                        return -EINVAL;
        }
        if (a == 0)
                return -EINVAL;
        *ret = a;
        return 0;
}

static bool flag_matches(const struct oih_config *c, const struct oih_spec *spec)
{
        return c->flag.name && activation_matches(&c->flag, oih_spec_getenv(spec, c->flag.name));
}

enum oih_activated_by oih_config_activation(const struct oih_config *c, const struct oih_spec *spec,
                                            const struct oih_state *state, unsigned activation)
{
        if ((activation & OIH_ACTIVATION_ENV) && flag_matches(c, spec))
                return OIH_ACTIVATED_BY_FLAG;
        if ((activation & OIH_ACTIVATION_ANNOTATIONS) && c->annotation.name &&
            activation_matches(&c->annotation, annotation(spec, state, c->annotation.name)))
                return OIH_ACTIVATED_BY_ANNOTATION;
        return OIH_NOT_ACTIVATED;
}

bool oih_container_is_sandbox(const struct oih_spec *spec, const struct oih_state *state)
{
        /* containerd's CRI plugin and CRI-O mark the pod's pause container this way. */
        return streq_ptr(annotation(spec, state, "io.kubernetes.cri.container-type"), "sandbox") ||
               streq_ptr(annotation(spec, state, "io.kubernetes.cri-o.ContainerType"), "sandbox");
}

int oih_match(const struct oih_config_set *set, const struct oih_spec *spec, const struct oih_state *state,
              unsigned activation, struct oih_config ***ret, size_t *ret_n, oih_error **err)
{
        _cleanup_free_ struct oih_config **selected = NULL;
        size_t n = 0;

        STRV_FOREACH (p, set->problems)
                log_warning("%s", *p);

        bool sandbox = oih_container_is_sandbox(spec, state);
        if (sandbox)
                log_debug("Kubernetes sandbox container: no config is activated");

        for (size_t i = 0; i < set->n; i++) {
                const struct oih_config *c = set->items[i];
                enum oih_activated_by by =
                        sandbox ? OIH_NOT_ACTIVATED : oih_config_activation(c, spec, state, activation);

                if (!oih_config_is_valid(c)) {
                        size_t more = strv_length(c->problems) - 1;
                        if (by != OIH_NOT_ACTIVATED)
                                return oih_error_set(
                                        err, EINVAL,
                                        "config \"%s\" is activated by this container but invalid: %s%s; run 'oci-injector-hook validate' and fix it",
                                        c->file, c->problems[0], more ? " (and more problems)" : "");
                        log_warning("config \"%s\" is invalid, skipping it: %s%s", c->file, c->problems[0],
                                    more ? " (and more problems)" : "");
                        continue;
                }
                if (by == OIH_NOT_ACTIVATED) {
                        if (!sandbox && !(activation & OIH_ACTIVATION_ENV) && flag_matches(c, spec))
                                log_info(
                                        "config \"%s\": the container's environment has %s, but this host activates configs by annotation only (--activation annotations)",
                                        c->file, c->flag.name);
                        continue;
                }

                log_debug("config \"%s\" activated by %s \"%s\"", c->file,
                          by == OIH_ACTIVATED_BY_FLAG ? "variable" : "annotation",
                          by == OIH_ACTIVATED_BY_FLAG ? c->flag.name : c->annotation.name);

                struct oih_config **m = reallocarray(selected, n + 1, sizeof(*m));
                if (!m)
                        return oih_error_set(err, ENOMEM, "out of memory");
                selected = m;
                selected[n++] = set->items[i];
        }

        *ret = TAKE_PTR(selected);
        *ret_n = n;
        return 0;
}
