/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device node made in the container like the host's: same type, number and mode, owned by the
 * container's root user. Where mknod is refused (in a user namespace always; in a sandbox such as gVisor,
 * under a seccomp profile, without CAP_MKNOD), the host's node is bound instead, as runc does.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "execution.h"
#include "log.h"
#include "mount-options.h"
#include "op.h"
#include "userns.h"

/* A node bound from the host: usable as a device, never a way to set-id or to run a program. */
#define DEVICE_BIND_FLAGS (OIH_MOUNT_NOSUID | OIH_MOUNT_NOEXEC)

static void device_done(struct oih_op *op)
{
        free(op->device.host.path);
}

static bool device_same(const struct oih_op *a, const struct oih_op *b)
{
        return a->device.rdev == b->device.rdev && oih_host_file_same(&a->device.host, &b->device.host);
}

static const char *device_source(const struct oih_op *op)
{
        return op->device.host.path;
}

static char device_type(const struct oih_op *op)
{
        return S_ISBLK(op->device.host.mode) ? 'b' : 'c';
}

static char *device_detail(const struct oih_op *op)
{
        char *s = NULL;
        return asprintf(&s, "%c %u:%u %04o", device_type(op), major(op->device.rdev), minor(op->device.rdev),
                        op->device.host.mode & 07777) < 0
                       ? NULL
                       : s;
}

static void device_json(const struct oih_op *op, oih_json_writer *w)
{
        _cleanup_free_ char *mode = oih_op_mode_string(op->device.host.mode);
        oih_json_write_pair(w, "type", device_type(op) == 'b' ? "b" : "c");
        oih_json_write_string(w, "major");
        oih_json_write_integer(w, major(op->device.rdev));
        oih_json_write_string(w, "minor");
        oih_json_write_integer(w, minor(op->device.rdev));
        oih_json_write_pair(w, "mode", mode ?: "");
}

static void device_cdi_write(const struct oih_op *op, oih_json_writer *w)
{
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "path", op->target);
        oih_json_write_pair(w, "hostPath", op->device.host.path);
        oih_json_write_pair(w, "type", device_type(op) == 'b' ? "b" : "c");
        oih_json_write_string(w, "major");
        oih_json_write_integer(w, major(op->device.rdev));
        oih_json_write_string(w, "minor");
        oih_json_write_integer(w, minor(op->device.rdev));
        oih_json_write_string(w, "fileMode");
        oih_json_write_integer(w, op->device.host.mode & 0777);
        oih_json_write_pair(w, "permissions", "rw");
        oih_json_write_string(w, "uid");
        oih_json_write_integer(w, op->device.uid);
        oih_json_write_string(w, "gid");
        oih_json_write_integer(w, op->device.gid);
        oih_json_write_object_close(w);
}

static int device_take(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                       oih_error **err)
{
        const struct oih_host_file *h = &op->device.host;
        struct stat st;

        /* The node must still be the device the config named (THREATS.md item 5). */
        if (stat(h->path, &st) < 0)
                return oih_error_set_errno(err, errno, "%s: device \"%s\"", op->config, h->path);
        if ((st.st_mode & S_IFMT) != (h->mode & S_IFMT) || st.st_rdev != op->device.rdev)
                return oih_error_set(
                        err, ESTALE,
                        "%s: device \"%s\" is %u:%u on the host now, not the %u:%u planned; refusing it",
                        op->config, h->path, major(st.st_rdev), minor(st.st_rdev), major(op->device.rdev),
                        minor(op->device.rdev));
        /* Taken in any case: where mknod is refused, the host's node is bound instead. */
        return oih_execution_take_bind(op, h, DEVICE_BIND_FLAGS, s, err);
}

static int device_apply(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                        oih_error **err)
{
        const struct oih_host_file *h = &op->device.host;

        if (!ex->userns) {
                int r = oih_writer_node(&ex->writer, op->target, h->mode, op->device.rdev, op->device.uid,
                                        op->device.gid);
                if (r != -EPERM)
                        return r < 0 ? oih_execution_op_error(ex, err, op, r, "create device node") : 0;
                log_info("%s: mknod of \"%s\" is refused here; binding the host's node \"%s\" instead",
                         op->config, op->target, h->path);
                return oih_execution_bind(ex, op, h, DEVICE_BIND_FLAGS, s, err);
        }

        /* A device bound from the host in a user namespace: usable, never a way to set-id. The host node's
         * owner and mode apply there, and a bind cannot change them. */
        bool user_ok = op->device.uid == ex->writer.owner.uid && (h->mode & 0600) == 0600;
        bool group_ok = op->device.gid == ex->writer.owner.gid && (h->mode & 0060) == 0060;
        if (!user_ok && !group_ok && (h->mode & 0006) != 0006)
                log_warning(
                        "%s: device \"%s\" is bound from the host with mode %04o, owner %u:%u%s: the container's root user (host %u:%u) cannot open it; widen the host node's mode or group (a udev rule)",
                        op->config, h->path, h->mode & 07777, op->device.uid, op->device.gid,
                        ex->container.hook_userns && op->device.uid == oih_overflow_uid()
                                ? " (a host user this user namespace does not map, root perhaps)"
                                : "",
                        ex->container.host_owner.uid, ex->container.host_owner.gid);
        return oih_execution_bind(ex, op, h, DEVICE_BIND_FLAGS, s, err);
}

const struct oih_op_vtable oih_op_device = {
        .name = "device",
        .done = device_done,
        .same = device_same,
        .source = device_source,
        .source_key = "source",
        .has_kind = true,
        .detail = device_detail,
        .json = device_json,
        .cdi_form = OIH_CDI_DEVICE_NODE,
        .cdi_write = device_cdi_write,
        .take = device_take,
        .apply = device_apply,
};
