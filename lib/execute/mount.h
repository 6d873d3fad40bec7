/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mount.h: bind mounts from the host into the container, done on fds (THREATS.md item 2).
 *
 * The source is taken in the host's mount namespace: open_tree(OPEN_TREE_CLONE) makes a detached copy
 * of it, checked against the device and inode the plan recorded; mount_setattr() gives it its flags
 * while nobody can see it yet; after entering the container's mount namespace, move_mount() attaches
 * it onto the target fd. Where the kernel lacks that API (before 5.2, or 5.12 for mount_setattr), the
 * source is opened again by its host path inside the container's namespace (which, before pivot_root,
 * still shows the host's tree), checked against the same identity, and mounted with mount(2) through
 * /proc/self/fd. Every mount made is private: nothing propagates to the host (THREATS.md item 7).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* For tests: behave as if the kernel had no open_tree/move_mount/mount_setattr. */
void oih_mount_force_fallback(bool force);

struct oih_mount_source {
        int fd;     /* open_tree() copy, or an O_PATH fd on the fallback */
        bool tree;  /* fd is a detached mount */
        char *path; /* host path, for messages and for the fallback */
        dev_t dev;  /* what the plan saw, checked again */
        ino_t ino;
        bool flags_set; /* the detached copy has its flags already: attr_flags */
        unsigned attr_flags;
};

/*
 * In the host's mount namespace: takes the source and checks it is still the file the plan saw. flags
 * (OIH_MOUNT_*) are the ones the bind will get: OIH_MOUNT_RECURSIVE takes the tree below a folder, and
 * where the kernel can give a copy its flags as it makes it (open_tree_attr, Linux 6.15), it does, so
 * that attaching it with the same flags is one system call.
 */
int oih_mount_source_open(const char *host_path, dev_t dev, ino_t ino, unsigned flags,
                          struct oih_mount_source *ret, oih_error **err);
void oih_mount_source_done(struct oih_mount_source *s);

/*
 * Where a bind is attached: an fd on the mount point (from the root's resolution), or, for a file the
 * writer has just made there (nothing can be bound on it yet, and making it needed no fd), the folder
 * that holds it (an fd) and its name. move_mount() looks that one name up in that folder itself,
 * following no symlink and triggering no automount: the bind lands in that folder, whatever happens to
 * the path above it.
 */
struct oih_mount_point {
        int fd; /* owned by whoever holds the mount point; -1: dfd and name */
        int dfd;
        const char *name;
        bool fresh; /* just made: nothing is bound there yet */
};

/*
 * In the container's mount namespace: attaches the source onto the mount point with OIH_MOUNT_* flags
 * (set on the copy before it is attached, unless it has them from oih_mount_source_open()). On success
 * src->fd refers to the new mount's root (to detach it again), and is closed with the source.
 * `target` is the container path, for messages and for the fallback's check.
 */
int oih_mount_attach(struct oih_mount_source *src, int rootfd, const char *target,
                     const struct oih_mount_point *mp, unsigned flags, oih_error **err);

/* Detaches the mount whose root fd refers to (used to undo). */
int oih_mount_detach(int fd);

/*
 * The mount ids of every shared mount in our current mount namespace: a mount attached below one of
 * them would propagate to its peers, possibly the host's. Read once after entering the container.
 */
struct oih_shared_mounts {
        uint64_t *ids;
        size_t n;
};
int oih_shared_mounts_read(struct oih_shared_mounts *ret);
void oih_shared_mounts_done(struct oih_shared_mounts *s);
/* True when the mount holding fd is shared. */
int oih_fd_on_shared_mount(const struct oih_shared_mounts *s, int fd, bool *ret);
