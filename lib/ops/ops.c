/* SPDX-License-Identifier: Apache-2.0 */
#include "mount-options.h"
#include "op.h"

/* The table. A switch rather than an array, so that the compiler (-Werror=switch-enum) names a type
 * without an entry. */
const struct oih_op_vtable *oih_op_vtable(enum oih_op_type type)
{
        switch (type) {
        case OIH_OP_MODULE:
                return &oih_op_module;
        case OIH_OP_MKDIR:
                return &oih_op_mkdir;
        case OIH_OP_MOUNT:
                return &oih_op_mount;
        case OIH_OP_DEVICE:
                return &oih_op_device;
        case OIH_OP_BIND:
                return &oih_op_bind;
        case OIH_OP_SYMLINK:
                return &oih_op_symlink;
        case OIH_OP_COPY:
                return &oih_op_copy;
        case _OIH_OP_MAX:
                break;
        }
        return NULL;
}

const char *oih_op_type_name(enum oih_op_type type)
{
        const struct oih_op_vtable *vt = oih_op_vtable(type);
        return vt ? vt->name : "?";
}

const char *oih_op_source(const struct oih_op *op)
{
        const struct oih_op_vtable *vt = OP_VTABLE(op);
        const char *s = vt->source ? vt->source(op) : NULL;
        return s ?: "-";
}

void oih_op_done(struct oih_op *op)
{
        const struct oih_op_vtable *vt = OP_VTABLE(op);
        free(op->config);
        free(op->target);
        free(op->lookup);
        if (vt && vt->done)
                vt->done(op);
}

void oih_library_facts_done(struct oih_library_facts *f)
{
        free(f->soname);
        *f = (struct oih_library_facts){};
}

bool oih_host_file_same(const struct oih_host_file *a, const struct oih_host_file *b)
{
        if (a->ino != 0 || b->ino != 0)
                return a->dev == b->dev && a->ino == b->ino;
        return streq_ptr(a->path, b->path);
}

char *oih_op_mode_string(mode_t mode)
{
        char *s = NULL;
        return asprintf(&s, "%04o", mode & 07777) < 0 ? NULL : s;
}

void oih_op_file_merge(struct oih_op *kept, struct oih_op_file *kept_file, const struct oih_op *other,
                       struct oih_op_file *other_file)
{
        /* The ld cache needs it. */
        if (other->kind != OIH_KIND_LIBRARY || kept->kind == OIH_KIND_LIBRARY)
                return;
        kept->kind = OIH_KIND_LIBRARY;
        oih_library_facts_done(&kept_file->library);
        kept_file->library = other_file->library;
        other_file->library = (struct oih_library_facts){};
}

void oih_op_cdi_write_bind(oih_json_writer *w, const char *source, const char *target, unsigned flags)
{
        _cleanup_free_ char *opts = oih_mount_flags_to_string(flags);
        char *save = NULL;

        oih_json_write_object_open(w);
        oih_json_write_pair(w, "hostPath", source);
        oih_json_write_pair(w, "containerPath", target);
        oih_json_write_pair(w, "type", "bind");
        oih_json_write_string(w, "options");
        oih_json_write_array_open(w);
        for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
                oih_json_write_string(w, o);
        if (!(flags & OIH_MOUNT_RECURSIVE))
                oih_json_write_string(w, "bind");
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
}
