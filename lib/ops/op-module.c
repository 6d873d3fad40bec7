/* SPDX-License-Identifier: Apache-2.0 */
/* A kernel module, loaded on the host before anything else (execute.c loads the plan's modules together,
 * in one run of the helper oih-kmod). */
#include "log.h"
#include "op.h"

static void module_done(struct oih_op *op)
{
        free(op->module.name);
}

static bool module_same(const struct oih_op *a, const struct oih_op *b)
{
        return streq(a->module.name, b->module.name);
}

static const char *module_source(const struct oih_op *op)
{
        return op->module.name;
}

static void module_cdi_left_out(const struct oih_op *op)
{
        log_warning("%s: CDI cannot load kernel modules: \"%s\" is left out; load it at boot", op->config,
                    op->module.name);
}

const struct oih_op_vtable oih_op_module = {
        .name = "module",
        .done = module_done,
        .same = module_same,
        .source = module_source,
        .source_key = "source",
        .cdi_form = OIH_CDI_LEFT_OUT,
        .cdi_left_out = module_cdi_left_out,
};
