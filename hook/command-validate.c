/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>

#include "config-load.h"
#include "log.h"
#include "modules.h"
#include "plan.h"
#include "command-validate.h"

static void problem_line(FILE *out, const char *file, const char *text, size_t *problems)
{
        if (file) {
                fputs_printable(file, out);
                fputs(": ", out);
        }
        fputs_printable(text, out);
        fputc('\n', out);
        (*problems)++;
}

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
                if (r < 0)
                        problem_line(out, NULL, oih_error_message(err), problems);
        }
        return 0;
}

/* Each module on its own, so that every one not found is a line of its own. */
static void check_modules(const struct oih_config *c, const char *modules_dir, FILE *out, size_t *problems)
{
        size_t i = 0;
        STRV_FOREACH (m, c->modules) {
                _cleanup_error_ oih_error *err = NULL;
                char *one[] = { *m, NULL };
                if (oih_modules_check(one, modules_dir, &err) < 0) {
                        char where[32];
                        snprintf(where, sizeof(where), "modules[%zu]: ", i);
                        _cleanup_free_ char *text = NULL;
                        if (asprintf(&text, "%s%s", where, oih_error_message(err)) < 0)
                                text = NULL;
                        problem_line(out, c->file, text ?: oih_error_message(err), problems);
                }
                i++;
        }
}

/* Plans every valid config together: two that inject different things at one place are named. */
static void check_conflicts(const struct oih_config_set *set)
{
        _cleanup_plan_ struct oih_plan *all = NULL;

        if (oih_plan_new(&all) < 0)
                return;
        for (size_t i = 0; i < set->n; i++) {
                const struct oih_config *c = set->items[i];
                if (!oih_config_is_valid(c))
                        continue;
                for (size_t k = 0; k < c->n_entries; k++) {
                        _cleanup_error_ oih_error *err = NULL;
                        if (oih_plan_add_entry(all, c, &c->entries[k], &err) == -EEXIST)
                                log_warning("%s: a container that activates both cannot start",
                                            oih_error_message(err));
                }
        }
}

int oih_command_validate(char *const *dirs, const char *modules_dir, FILE *out, size_t *ret_files)
{
        _cleanup_config_set_ struct oih_config_set *set = NULL;
        size_t problems = 0;

        int r = oih_config_set_load(dirs, &set);
        if (r < 0)
                return r;

        STRV_FOREACH (p, set->problems)
                problem_line(out, NULL, *p, &problems);
        for (size_t i = 0; i < set->n; i++) {
                const struct oih_config *c = set->items[i];
                STRV_FOREACH (p, c->problems)
                        problem_line(out, c->file, *p, &problems);
                /* Hook mode ignores them with a warning; here they are typos to fix. */
                STRV_FOREACH (p, c->unknown_keys)
                        problem_line(out, c->file, *p, &problems);
                if (!oih_config_is_valid(c))
                        continue;
                if ((r = check_host_paths(c, out, &problems)) < 0)
                        return r;
                check_modules(c, modules_dir, out, &problems);
        }
        check_conflicts(set);

        *ret_files = set->n;
        return problems > INT_MAX ? INT_MAX : (int)problems;
}
