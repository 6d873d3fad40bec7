/* SPDX-License-Identifier: Apache-2.0 */
/* One operation per place: a second config asking for the same is planned once, a different operation at
 * the same place is a conflict naming both configs. Places are looked up in a hash table: a plan of a
 * thousand libraries costs per library what a plan of ten does. */
#include "log.h"
#include "plan-private.h"

/* Where op is found again: the map and the key. */
static struct oih_hashmap *index_of(struct oih_plan *p, const struct oih_op *op, const char **ret_key)
{
        if (op->target) {
                *ret_key = op->target;
                return &p->by_target;
        }
        *ret_key = oih_op_source(op);
        return &p->by_source[op->type];
}

int oih_plan_index_op(struct oih_plan *p, size_t i)
{
        const char *key;
        struct oih_hashmap *m = index_of(p, &p->ops[i], &key);
        int r = oih_hashmap_put(m, key, i);
        return r < 0 ? r : 0;
}

void oih_plan_index_clear(struct oih_plan *p)
{
        oih_hashmap_clear(&p->by_target);
        for (size_t t = 0; t < _OIH_OP_MAX; t++)
                oih_hashmap_clear(&p->by_source[t]);
}

struct oih_op *oih_plan_op_at(const struct oih_plan *p, const char *target)
{
        size_t i;
        return oih_hashmap_get(&p->by_target, target, &i) ? &p->ops[i] : NULL;
}

static bool makes_folder(const struct oih_op *op)
{
        const struct oih_op_vtable *vt = OP_VTABLE(op);
        return vt->makes_folder && vt->makes_folder(op);
}

int oih_plan_add_op(struct oih_plan *p, struct oih_op *op, oih_error **err)
{
        const char *key;
        struct oih_hashmap *m = index_of(p, op, &key);
        size_t i;
        int r;

        if (oih_hashmap_get(m, key, &i)) {
                struct oih_op *o = &p->ops[i];

                /* A folder to make, and something that leaves a folder at the same place (a mount of a
                 * folder): that makes it. */
                if (o->type != op->type && (o->type == OIH_OP_MKDIR || op->type == OIH_OP_MKDIR) &&
                    makes_folder(o) && makes_folder(op)) {
                        if (o->type == OIH_OP_MKDIR) {
                                /* The index takes the new target's string before the old one is freed. */
                                r = oih_hashmap_put(m, op->target, i);
                                oih_op_done(o);
                                *o = *op;
                                return r < 0 ? oih_error_set(err, ENOMEM, "out of memory") : 0;
                        }
                        oih_op_done(op);
                        return 0;
                }
                if (o->type == op->type && OP_VTABLE(o)->same(o, op)) {
                        log_debug("%s: %s \"%s\" is already planned by \"%s\"", op->config,
                                  oih_op_type_name(op->type), op->target ?: oih_op_source(op), o->config);
                        if (OP_VTABLE(o)->merge)
                                OP_VTABLE(o)->merge(o, op);
                        oih_op_done(op);
                        return 0;
                }
                r = oih_error_set(
                        err, EEXIST,
                        "\"%s\" and \"%s\" both inject \"%s\", from \"%s\" (%s) and \"%s\" (%s); remove it from one of them",
                        o->config, op->config, op->target, oih_op_source(o), oih_op_type_name(o->type),
                        oih_op_source(op), oih_op_type_name(op->type));
                oih_op_done(op);
                return r;
        }

        if (p->n == p->n_allocated) {
                size_t n = p->n_allocated ? p->n_allocated * 2 : 16;
                struct oih_op *ops = reallocarray(p->ops, n, sizeof(*ops));
                if (!ops) {
                        oih_op_done(op);
                        return oih_error_set(err, ENOMEM, "out of memory");
                }
                p->ops = ops;
                p->n_allocated = n;
        }
        p->ops[p->n] = *op;
        if (oih_hashmap_put(m, key, p->n) < 0) {
                oih_op_done(&p->ops[p->n]);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        p->n++;
        return 0;
}
