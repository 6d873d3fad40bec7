/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs.h: container paths, resolved inside the container's root (THREATS.md items 1 and 2).
 *
 * The root is opened once as an O_PATH directory fd. Every container path is resolved relative to it
 * as if it were "/": symlinks (absolute or relative) stay inside, ".." stops at the root, magic links
 * (/proc/self/root and friends) are refused. openat2(RESOLVE_IN_ROOT) does this in the kernel; where
 * it is missing (before Linux 5.6, or filtered by seccomp), a walk of one O_PATH|O_NOFOLLOW component
 * at a time does the same in user space. Then all work is done on the fds this returns.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* For tests: forget that openat2 works and use the walk (the first ENOSYS does the same). */
void oih_rootfs_force_fallback(bool force);

/*
 * Opens `path` (absolute, as seen in the container) below rootfd, with open flags among O_PATH,
 * O_RDONLY, O_DIRECTORY and O_NOFOLLOW (the last applies to the final component only; symlinks
 * before it are always followed inside the root). Returns 0 and an O_CLOEXEC fd, or a negative errno.
 */
int oih_root_open(int rootfd, const char *path, int flags, int *ret_fd);

/*
 * As oih_root_open(), and the path must not cross into another mount than the root's: a component that
 * is a mount point (the container's procfs, sysfs, /dev, a volume) ends the lookup with -EXDEV
 * (openat2's RESOLVE_NO_XDEV, or the walk comparing mount ids). For the image's own files.
 */
int oih_root_open_same_mount(int rootfd, const char *path, int flags, int *ret_fd);

/* Who owns what the hook creates in the container: the container's root user, on the host's side. */
struct oih_owner {
        uid_t uid;
        gid_t gid;
};

/* Called for each folder that oih_root_mkdir() creates, with its container path. */
typedef int (*oih_created_fn)(void *userdata, const char *path, bool directory);

/* Called before oih_root_mkdir() creates a folder in dirfd: a negative errno stops it there. */
typedef int (*oih_may_create_fn)(void *userdata, int dirfd);

/* How oih_root_mkdir() makes the folders that are missing. */
struct oih_root_mkdir {
        mode_t mode; /* exactly, whatever the umask */
        const struct oih_owner *owner;
        oih_may_create_fn may_create; /* asked before each folder is made, or NULL */
        oih_created_fn created;       /* told of each folder made, or NULL */
        void *userdata;               /* for both */
};

/*
 * Opens folder `path`, creating it and every missing parent as mk says. An existing component that is
 * not a folder (or a symlink to one inside the root) is an error (-ENOTDIR). Returns an O_PATH|O_DIRECTORY
 * fd.
 */
int oih_root_mkdir(int rootfd, const char *path, const struct oih_root_mkdir *mk, int *ret_fd);

/*
 * Opens the folder that holds `path` (not "/", not ending in "/") as an O_PATH|O_DIRECTORY fd, and
 * returns it with the last component of path, which points into path. With mk, a missing folder is
 * created as oih_root_mkdir() does; without, it is -ENOENT.
 */
int oih_root_open_parent(int rootfd, const char *path, const struct oih_root_mkdir *mk, int *ret_dirfd,
                         const char **ret_name);

/*
 * The one way the hook reads a file of the image (its /etc/ld.so.conf, its /etc/ld.so.cache): image
 * content is data the container could read itself, so it is read as the container would. `path` is
 * resolved on the root's own mount (oih_root_open_same_mount(): -EXDEV), must be a regular file (-EBADF;
 * nothing else is ever opened for reading) of at most `max` bytes (-EFBIG), and is opened and read as
 * `reader` (the container's root user) without capabilities (caps.h, oih_caps_image_enter()): -EACCES
 * where that user may not read it. The hook's credentials are back when this returns.
 */
int oih_root_read_image_file(int rootfd, const char *path, size_t max, const struct oih_owner *reader,
                             char **ret, size_t *ret_len);
