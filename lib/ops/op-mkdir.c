/* SPDX-License-Identifier: Apache-2.0 */
/* A folder made in the container (and its missing parents), whatever the host has at that path. */
#include "execution.h"
#include "log.h"
#include "op.h"

static bool mkdir_same(const struct oih_op *a, const struct oih_op *b)
{
        return true;
}

static bool mkdir_makes_folder(const struct oih_op *op)
{
        return true;
}

static char *mkdir_detail(const struct oih_op *op)
{
        return oih_op_mode_string(op->mkdir.mode);
}

static void mkdir_json(const struct oih_op *op, oih_json_writer *w)
{
        _cleanup_free_ char *mode = oih_op_mode_string(op->mkdir.mode);
        oih_json_write_pair(w, "mode", mode ?: "");
}

static void mkdir_cdi_left_out(const struct oih_op *op)
{
        log_info("%s: CDI cannot make folders: \"%s\" is left out (a mount inside it makes it)", op->config,
                 op->target);
}

static int mkdir_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                       oih_error **err)
{
        _cleanup_close_ int fd = -1;
        int r = oih_writer_dir(&ex->writer, op->target, op->mkdir.mode & 07777, &fd);
        return r < 0 ? oih_execution_op_error(ex, err, op, r, "create folder") : 0;
}

const struct oih_op_vtable oih_op_mkdir = {
        .name = "mkdir",
        .same = mkdir_same,
        .makes_folder = mkdir_makes_folder,
        .has_kind = true,
        .detail = mkdir_detail,
        .json = mkdir_json,
        .cdi_form = OIH_CDI_LEFT_OUT,
        .cdi_left_out = mkdir_cdi_left_out,
        .apply = mkdir_apply,
};
