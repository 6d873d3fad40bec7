/* SPDX-License-Identifier: Apache-2.0 */
/* A host file copied to the target with its mode: miscellaneous files, and binaries and libraries of a
 * config with "inject": "copy". */
#include <fcntl.h>
#include <sys/stat.h>

#include "execution.h"
#include "mount-options.h"
#include "op.h"

static void copy_done(struct oih_op *op)
{
        free(op->copy.host.path);
        oih_library_facts_done(&op->copy.library);
}

static bool copy_same(const struct oih_op *a, const struct oih_op *b)
{
        return oih_host_file_same(&a->copy.host, &b->copy.host);
}

static void copy_merge(struct oih_op *kept, struct oih_op *other)
{
        oih_op_file_merge(kept, &kept->copy, other, &other->copy);
}

static const struct oih_library_facts *copy_library(const struct oih_op *op)
{
        return &op->copy.library;
}

static const char *copy_source(const struct oih_op *op)
{
        return op->copy.host.path;
}

static char *copy_detail(const struct oih_op *op)
{
        return oih_op_mode_string(op->copy.host.mode);
}

static void copy_json(const struct oih_op *op, oih_json_writer *w)
{
        _cleanup_free_ char *mode = oih_op_mode_string(op->copy.host.mode);
        oih_json_write_pair(w, "mode", mode ?: "");
}

/* CDI has no copies: the file is bound read-only instead. */
static void copy_cdi_write(const struct oih_op *op, oih_json_writer *w)
{
        oih_op_cdi_write_bind(w, op->copy.host.path, op->target, OIH_MOUNT_FILE_DEFAULTS);
}

static int copy_take(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                     oih_error **err)
{
        const struct oih_host_file *h = &op->copy.host;
        struct stat st;

        s->fd = open(h->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (s->fd < 0)
                return oih_error_set_errno(err, errno, "%s: cannot open \"%s\" on the host", op->config,
                                           h->path);
        if (fstat(s->fd, &st) < 0 || st.st_dev != h->dev || st.st_ino != h->ino)
                return oih_error_set(
                        err, ESTALE,
                        "%s: \"%s\" changed on the host since it was planned; start the container again",
                        op->config, h->path);
        return 0;
}

static int copy_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                      oih_error **err)
{
        int r = oih_writer_copy(&ex->writer, op->target, s->fd, op->copy.host.mode);
        return r < 0 ? oih_execution_op_error(ex, err, op, r, "copy") : 0;
}

const struct oih_op_vtable oih_op_copy = {
        .name = "copy",
        .done = copy_done,
        .same = copy_same,
        .merge = copy_merge,
        .library = copy_library,
        .source = copy_source,
        .source_key = "source",
        .has_kind = true,
        .detail = copy_detail,
        .json = copy_json,
        .cdi_form = OIH_CDI_MOUNT,
        .cdi_write = copy_cdi_write,
        .take = copy_take,
        .apply = copy_apply,
};
