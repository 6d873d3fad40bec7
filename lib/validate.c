/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>

#include "config-load.h"
#include "plan.h"
#include "validate.h"

/* Plans each entry of a valid config on its own, so that every missing host path is reported. */
static int check_host_paths(const struct oih_config *c, FILE *out, size_t *problems)
{
        _cleanup_plan_ struct oih_plan *plan = NULL;

        if (oih_plan_new(&plan) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_entries; i++) {
                _cleanup_error_ oih_error *err = NULL;
                int r = oih_plan_add_entry(plan, c, &c->entries[i], &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fprintf(out, "%s\n", oih_error_message(err));
                        (*problems)++;
                }
        }
        return 0;
}

int oih_validate(char *const *dirs, FILE *out, size_t *ret_files)
{
        _cleanup_config_set_ struct oih_config_set *set = NULL;
        size_t problems = 0;

        int r = oih_config_set_load(dirs, &set);
        if (r < 0)
                return r;

        STRV_FOREACH (p, set->problems) {
                fprintf(out, "%s\n", *p);
                problems++;
        }
        for (size_t i = 0; i < set->n; i++) {
                const struct oih_config *c = set->items[i];
                STRV_FOREACH (p, c->problems) {
                        fprintf(out, "%s: %s\n", c->file, *p);
                        problems++;
                }
                if (oih_config_is_valid(c) && (r = check_host_paths(c, out, &problems)) < 0)
                        return r;
        }

        *ret_files = set->n;
        return problems > INT_MAX ? INT_MAX : (int)problems;
}
