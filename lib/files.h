/* SPDX-License-Identifier: Apache-2.0 */
/*
 * files.h: putting things at container paths. A new file, symlink or device node is made under a
 * temporary name in the destination's folder and renamed into place, so that whatever the image has at
 * that path (a symlink to the host's /etc/shadow, say) is replaced, never written through. The original
 * is kept aside (RENAME_EXCHANGE) until the whole plan succeeded, and put back if it failed.
 * Every function returns 0 or a negative errno; -EISDIR means the image has a folder at the path.
 */
#pragma once

#include <sys/types.h>

#include "rootfs.h"
#include "undo.h"

struct oih_place {
        int rootfd;
        struct oih_owner owner; /* of folders and files the hook creates */
        struct oih_undo *undo;
};

/* Copies the content of src_fd to path, with mode's permission bits (set-id bits dropped). */
int oih_place_copy(const struct oih_place *p, const char *path, int src_fd, mode_t mode);

/* Writes data to path. */
int oih_place_data(const struct oih_place *p, const char *path, const char *data, size_t len, mode_t mode);

/* Makes path a symlink to text; an existing symlink with the same text is left alone. */
int oih_place_symlink(const struct oih_place *p, const char *path, const char *text);

/*
 * Makes path a device node of type and permissions `mode`, number rdev and the given owner; an
 * existing node with the same type and number is left alone.
 */
int oih_place_node(const struct oih_place *p, const char *path, mode_t mode, dev_t rdev, uid_t uid,
                   gid_t gid);

/*
 * The mount point for binding a file, socket or device onto path: an existing non-folder is used as
 * it is (a bind mount covers it), a missing one is created empty, a symlink is replaced by an empty
 * file. Returns an O_PATH fd on it.
 */
int oih_mount_point_file(const struct oih_place *p, const char *path, int *ret_fd);

/* The mount point for binding a folder: path and its parents are created as needed. */
int oih_mount_point_dir(const struct oih_place *p, const char *path, int *ret_fd);
