/* SPDX-License-Identifier: Apache-2.0 */
/* A symbolic link made at the target with the host's link text: the links of a library's chain, and the
 * soname links the ld cache step plans where ldconfig would make them. */
#include "execution.h"
#include "op.h"

static void symlink_done(struct oih_op *op)
{
        free(op->symlink.text);
}

static bool symlink_same(const struct oih_op *a, const struct oih_op *b)
{
        return streq(a->symlink.text, b->symlink.text);
}

static const char *symlink_source(const struct oih_op *op)
{
        return op->symlink.text;
}

/* The runtime makes no links from a CDI spec: the ldcache entry point does, as a createContainer hook. */
static void symlink_cdi_write(const struct oih_op *op, oih_json_writer *w)
{
        oih_json_write_string(w, "--symlink");
        oih_json_write_string(w, op->target);
        oih_json_write_string(w, op->symlink.text);
}

static int symlink_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                         oih_error **err)
{
        int r = oih_writer_symlink(&ex->writer, op->target, op->symlink.text);
        return r < 0 ? oih_execution_op_error(ex, err, op, r, "create symbolic link") : 0;
}

const struct oih_op_vtable oih_op_symlink = {
        .name = "symlink",
        .done = symlink_done,
        .same = symlink_same,
        .source = symlink_source,
        .source_key = "link",
        .has_kind = true,
        .cdi_form = OIH_CDI_HOOK,
        .cdi_write = symlink_cdi_write,
        .apply = symlink_apply,
};
