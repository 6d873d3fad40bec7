/* SPDX-License-Identifier: Apache-2.0 */
#include "execute.h"
#include "hook.h"
#include "pipeline.h"

int oih_hook_run(const struct oih_options *options, const struct oih_state *state, oih_error **err)
{
        _cleanup_spec_ struct oih_spec *spec = NULL;
        _cleanup_plan_ struct oih_plan *plan = NULL;

        int r = oih_container_plan(options->config_dirs, state, NULL, &spec, &plan, err);
        if (r < 0)
                return r;
        if (plan->n == 0)
                return 0;
        return oih_execute(plan, spec, state, options->modules_dir, err);
}
