/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer.h: the one way the hook writes into the container's root: files, symlinks, device nodes, folders
 * and mount points at container paths, each recorded for undo. Where nothing is at the path, a new file,
 * symlink or device node is made right there, exclusively (O_EXCL, symlinkat, mknodat: they never follow a
 * link). Where something is (a symlink to the host's /etc/shadow, say), the new one is made under a
 * temporary name in the same folder and renamed over it, so the original is replaced, never written through;
 * it is kept aside (RENAME_EXCHANGE, or a hard link where the filesystem cannot exchange names) until the
 * whole plan succeeded, and put back if it failed. Where it can do neither, replacing is refused.
 *
 * Files are made with the ids they must have (the caller runs with the container's root user as its
 * fsuid in a user namespace, and as root otherwise) and exact modes (execution runs with umask 0); an
 * explicit chown is left for folders with the set-group-id bit, whose group new files inherit.
 * Every function returns 0 or a negative errno; -EISDIR means the image has a folder at the path.
 *
 * Nothing is created or replaced in a volume: a folder the hook puts something in, or creates something
 * in, must be on the container's root mount or on a tmpfs the runtime made for the container (its /dev,
 * /dev/shm). A bind mount from the host is the host's folder: the container's user may have no right to
 * write there, the hook always has. Such a destination is refused with -EXDEV and one line in p->err
 * naming the destination and the volume's place in the container.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "mount.h"
#include "rootfs.h"
#include "undo.h"

struct oih_writer {
        int rootfd;
        struct oih_owner owner; /* of folders and files the hook creates */
        struct oih_undo *undo;
        /* The folder of the last path: plans put many files in one folder, in a row. */
        char *cached_dir;
        int cached_fd;
        bool cached_setgid;
        /* What new files get by themselves (oih_writer_prepare): a chown or chmod only makes up the rest. */
        bool creator_is_owner;
        mode_t umask;
        /* The mounts the hook may create files on (oih_writer_limit_mounts): none until then. */
        uint64_t *writable_mounts;
        size_t n_writable_mounts;
        /* Where a refusal is explained, and the config that message names (NULL: the caller adds it). */
        oih_error **err;
        const char *label;
        const char *current; /* the destination being placed, for that message */
};

/*
 * Notes the mounts the hook may create files on: the root's, and those of the spec's own tmpfs
 * mounts (their destinations) that are still what the runtime mounted there. Call it once, inside the
 * container's mount namespace, after rootfd is open.
 */
int oih_writer_limit_mounts(struct oih_writer *p, char *const *tmpfs_destinations);

/* Returns 0 when the hook may create or replace path (the folder that holds it is not in a volume). */
int oih_writer_check(struct oih_writer *p, const char *path);

/* Opens folder path, creating it and its missing parents with mode (made folders are recorded for undo). */
int oih_writer_dir(struct oih_writer *p, const char *path, mode_t mode, int *ret_fd);

/* Notes the creator's ids and umask; call it once the process has the fsuid it creates files with. */
void oih_writer_prepare(struct oih_writer *p);

/* Closes the cached folder and frees what the writer holds. */
void oih_writer_done(struct oih_writer *p);

/* Copies the content of src_fd to path, with mode's permission bits (set-id bits dropped). */
int oih_writer_copy(struct oih_writer *p, const char *path, int src_fd, mode_t mode);

/* Writes data to path. */
int oih_writer_data(struct oih_writer *p, const char *path, const char *data, size_t len, mode_t mode);

/* Makes path a symlink to text; an existing symlink with the same text is left alone. */
int oih_writer_symlink(struct oih_writer *p, const char *path, const char *text);

/*
 * Makes path a device node of type and permissions `mode`, number rdev and the given owner; an
 * existing node with the same type and number is left alone.
 */
int oih_writer_node(struct oih_writer *p, const char *path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid);

/*
 * The mount point for binding a file, socket or device onto path: an existing non-folder is used as
 * it is (a bind mount covers it), a missing one is created empty, a symlink is replaced by an empty
 * file. One just made is returned by its folder (the writer's, valid until its next call) and name;
 * any other by an O_PATH fd that the caller closes.
 */
int oih_writer_mount_point_file(struct oih_writer *p, const char *path, struct oih_mount_point *ret);

/* The mount point for binding a folder: path and its parents are created as needed. */
int oih_writer_mount_point_dir(struct oih_writer *p, const char *path, struct oih_mount_point *ret);
