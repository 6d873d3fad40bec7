/* SPDX-License-Identifier: Apache-2.0 */
/* A host file (a program, a library) bound read-only onto the target. */
#include "execution.h"
#include "mount-options.h"
#include "op.h"

static void bind_done(struct oih_op *op)
{
        free(op->bind.host.path);
        oih_library_facts_done(&op->bind.library);
}

static bool bind_same(const struct oih_op *a, const struct oih_op *b)
{
        return oih_host_file_same(&a->bind.host, &b->bind.host);
}

static void bind_merge(struct oih_op *kept, struct oih_op *other)
{
        oih_op_file_merge(kept, &kept->bind, other, &other->bind);
}

static const struct oih_library_facts *bind_library(const struct oih_op *op)
{
        return &op->bind.library;
}

static const char *bind_source(const struct oih_op *op)
{
        return op->bind.host.path;
}

static char *bind_detail(const struct oih_op *op)
{
        return oih_mount_flags_to_string(OIH_MOUNT_FILE_DEFAULTS);
}

static void bind_json(const struct oih_op *op, oih_json_writer *w)
{
        _cleanup_free_ char *opts = oih_mount_flags_to_string(OIH_MOUNT_FILE_DEFAULTS);
        oih_json_write_pair(w, "options", opts ?: "");
}

static void bind_cdi_write(const struct oih_op *op, oih_json_writer *w)
{
        oih_op_cdi_write_bind(w, op->bind.host.path, op->target, OIH_MOUNT_FILE_DEFAULTS);
}

static int bind_take(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                     oih_error **err)
{
        return oih_execution_take_bind(op, &op->bind.host, OIH_MOUNT_FILE_DEFAULTS, s, err);
}

static int bind_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                      oih_error **err)
{
        return oih_execution_bind(ex, op, &op->bind.host, OIH_MOUNT_FILE_DEFAULTS, s, err);
}

const struct oih_op_vtable oih_op_bind = {
        .name = "bind",
        .done = bind_done,
        .same = bind_same,
        .merge = bind_merge,
        .library = bind_library,
        .source = bind_source,
        .source_key = "source",
        .has_kind = true,
        .detail = bind_detail,
        .json = bind_json,
        .cdi_form = OIH_CDI_MOUNT,
        .cdi_write = bind_cdi_write,
        .take = bind_take,
        .apply = bind_apply,
};
