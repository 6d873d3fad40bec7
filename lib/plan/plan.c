/* SPDX-License-Identifier: Apache-2.0 */
/* The plan: made, freed, and built from the activated configs in execution order. */
#include "plan-private.h"

static const char *soname_cache_dir;

void oih_plan_use_soname_cache(const char *dir)
{
        soname_cache_dir = dir;
}

int oih_plan_new(struct oih_plan **ret)
{
        struct oih_plan *p = calloc(1, sizeof(*p));
        if (!p || oih_soname_cache_init(&p->sonames, soname_cache_dir) < 0) {
                free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

void oih_plan_free(struct oih_plan *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                oih_op_done(&p->ops[i]);
        free(p->ops);
        strv_free(p->configs);
        oih_ld_step_done(&p->ld);
        oih_plan_index_clear(p);
        free(p->host_ldso_cache);
        oih_soname_cache_done(&p->sonames);
        free(p);
}

/* A stable sort by type: within a type, the order of the configs and of their entries. */
static int sort_by_type(struct oih_plan *p)
{
        size_t counts[_OIH_OP_MAX + 1] = {};
        struct oih_op *sorted = calloc(p->n ?: 1, sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;

        for (size_t i = 0; i < p->n; i++)
                counts[p->ops[i].type + 1]++;
        for (size_t t = 1; t <= _OIH_OP_MAX; t++)
                counts[t] += counts[t - 1];
        for (size_t i = 0; i < p->n; i++)
                sorted[counts[p->ops[i].type]++] = p->ops[i];
        free(p->ops);
        p->ops = sorted;
        p->n_allocated = p->n ?: 1;

        /* The operations moved: so does their index. */
        oih_plan_index_clear(p);
        for (size_t i = 0; i < p->n; i++) {
                int r = oih_plan_index_op(p, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

int oih_plan_build(struct oih_config *const *configs, size_t n, struct oih_plan **ret, oih_error **err)
{
        _cleanup_plan_ struct oih_plan *p = NULL;
        int r;

        if (oih_plan_new(&p) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                if ((r = oih_plan_add_config(p, configs[i], err)) < 0)
                        return r;
        if (oih_plan_ld_step(p, NULL, 0, NULL) < 0 || sort_by_type(p) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");

        *ret = TAKE_PTR(p);
        return 0;
}
