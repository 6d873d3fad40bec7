/* SPDX-License-Identifier: Apache-2.0 */
#include "config-load.h"
#include "log.h"
#include "match.h"
#include "command-plan.h"

int oih_container_plan(char *const *dirs, const struct oih_state *state, const char *bundle,
                       unsigned activation, struct oih_spec **ret_spec, struct oih_plan **ret_plan,
                       oih_error **err)
{
        _cleanup_spec_ struct oih_spec *spec = NULL;
        _cleanup_config_set_ struct oih_config_set *set = NULL;
        _cleanup_free_ struct oih_config **activated = NULL;
        _cleanup_plan_ struct oih_plan *plan = NULL;
        size_t n = 0;
        int r;

        r = oih_spec_read(state ? state->bundle : bundle, &spec, err);
        if (r < 0)
                return r;

        r = oih_config_set_load(dirs, &set);
        if (r < 0)
                return oih_error_set(err, -r, "out of memory");

        r = oih_match(set, spec, state, activation, &activated, &n, err);
        if (r < 0)
                return r;

        if (n == 0) {
                log_debug("no config is activated by this container");
                r = oih_plan_new(&plan);
                if (r < 0)
                        return oih_error_set(err, -r, "out of memory");
        } else {
                r = oih_plan_build(activated, n, &plan, err);
                if (r < 0)
                        return r;
        }

        *ret_spec = TAKE_PTR(spec);
        *ret_plan = TAKE_PTR(plan);
        return 0;
}

int oih_command_plan(char *const *dirs, const struct oih_state *state, const char *bundle,
                     unsigned activation, bool json, FILE *out, oih_error **err)
{
        _cleanup_spec_ struct oih_spec *spec = NULL;
        _cleanup_plan_ struct oih_plan *plan = NULL;

        int r = oih_container_plan(dirs, state, bundle, activation, &spec, &plan, err);
        if (r < 0)
                return r;
        r = oih_plan_print(plan, json, out);
        if (r < 0)
                return oih_error_set(err, -r, "out of memory");
        if (fflush(out) != 0 || ferror(out))
                return oih_error_set_errno(err, errno ?: EIO, "cannot write the plan");
        return 0;
}
