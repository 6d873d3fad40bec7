/* SPDX-License-Identifier: Apache-2.0 */
/* A host folder, file or socket bound onto the target, with the mount options the config gives. */
#include <sys/stat.h>

#include "execution.h"
#include "mount-options.h"
#include "op.h"

static void mount_done(struct oih_op *op)
{
        free(op->mount.host.path);
}

static bool mount_same(const struct oih_op *a, const struct oih_op *b)
{
        return a->mount.flags == b->mount.flags && oih_host_file_same(&a->mount.host, &b->mount.host);
}

static bool mount_makes_folder(const struct oih_op *op)
{
        return S_ISDIR(op->mount.host.mode);
}

static const char *mount_source(const struct oih_op *op)
{
        return op->mount.host.path;
}

static char *mount_detail(const struct oih_op *op)
{
        return oih_mount_flags_to_string(op->mount.flags);
}

static void mount_json(const struct oih_op *op, oih_json_writer *w)
{
        _cleanup_free_ char *opts = oih_mount_flags_to_string(op->mount.flags);
        oih_json_write_pair(w, "options", opts ?: "");
}

static void mount_cdi_write(const struct oih_op *op, oih_json_writer *w)
{
        oih_op_cdi_write_bind(w, op->mount.host.path, op->target, op->mount.flags);
}

static int mount_take(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                      oih_error **err)
{
        return oih_execution_take_bind(op, &op->mount.host, op->mount.flags, s, err);
}

static int mount_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                       oih_error **err)
{
        return oih_execution_bind(ex, op, &op->mount.host, op->mount.flags, s, err);
}

const struct oih_op_vtable oih_op_mount = {
        .name = "mount",
        .done = mount_done,
        .same = mount_same,
        .makes_folder = mount_makes_folder,
        .source = mount_source,
        .source_key = "source",
        .has_kind = true,
        .detail = mount_detail,
        .json = mount_json,
        .cdi_form = OIH_CDI_MOUNT,
        .cdi_write = mount_cdi_write,
        .take = mount_take,
        .apply = mount_apply,
};
