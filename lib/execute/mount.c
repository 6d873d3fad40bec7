/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "log.h"
#include "mount-options.h"
#include "mount.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "util.h"

/* Where the kernel numbers new system calls the same on every architecture (all since open_tree, but
 * alpha's), open_tree_attr (Linux 6.15) is 467; libcs learn of it later than kernels. */
#if !defined(SYS_open_tree_attr) && defined(SYS_open_tree) && SYS_open_tree == 428
#define SYS_open_tree_attr 467
#endif

static bool mount_api_missing, mount_setattr_missing, open_tree_attr_missing;

void oih_mount_force_fallback(bool force)
{
        mount_api_missing = force;
        mount_setattr_missing = force;
}

static char *fd_path(int fd)
{
        char *p = NULL;
        if (asprintf(&p, "/proc/self/fd/%d", fd) < 0)
                return NULL;
        return p;
}

static int check_identity(int fd, const struct oih_mount_source *s, oih_error **err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return oih_error_set_errno(err, errno, "\"%s\": cannot stat", s->path);
        if (st.st_dev != s->dev || st.st_ino != s->ino)
                return oih_error_set(
                        err, ESTALE,
                        "\"%s\" changed on the host since it was planned (another file is there now); start the container again",
                        s->path);
        return 0;
}

/* The OIH_MOUNT_* flags as the new mount API takes them; the copy is always private. */
static struct mount_attr tree_attr(unsigned flags)
{
        struct mount_attr attr = {
                .attr_set = MOUNT_ATTR_NOSUID * !!(flags & OIH_MOUNT_NOSUID) |
                            MOUNT_ATTR_NODEV * !!(flags & OIH_MOUNT_NODEV) |
                            MOUNT_ATTR_NOEXEC * !!(flags & OIH_MOUNT_NOEXEC) |
                            MOUNT_ATTR_RDONLY * !!(flags & OIH_MOUNT_RDONLY),
                .propagation = MS_PRIVATE,
        };

        if (flags & OIH_MOUNT_NOATIME)
                attr.attr_set |= MOUNT_ATTR_NOATIME;
        else if (flags & OIH_MOUNT_STRICTATIME)
                attr.attr_set |= MOUNT_ATTR_STRICTATIME;
        if (flags & (OIH_MOUNT_NOATIME | OIH_MOUNT_STRICTATIME))
                attr.attr_clr |= MOUNT_ATTR__ATIME;
        if (flags & OIH_MOUNT_NODIRATIME)
                attr.attr_set |= MOUNT_ATTR_NODIRATIME;
        return attr;
}

/*
 * A detached copy of host_path, with its flags where the kernel sets them as it makes the copy: then
 * s->flags_set. Returns the fd, or -errno of open_tree (-ENOSYS, -EPERM: no new mount API).
 */
static int clone_tree(const char *host_path, unsigned flags, struct oih_mount_source *s)
{
        unsigned at =
                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((flags & OIH_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0);
        int fd;

#ifdef SYS_open_tree_attr
        if (!open_tree_attr_missing && !mount_setattr_missing) {
                struct mount_attr attr = tree_attr(flags);
                fd = (int)syscall(SYS_open_tree_attr, AT_FDCWD, host_path, at, &attr, sizeof(attr));
                if (fd >= 0) {
                        s->flags_set = true;
                        s->attr_flags = flags;
                        return fd;
                }
                if (errno == ENOSYS || errno == EPERM)
                        open_tree_attr_missing = true;
                /* Whatever else went wrong, open_tree() says what is wrong with the path, and
                 * mount_setattr() when attaching what is wrong with the flags, as without it. */
        }
#endif
        fd = (int)syscall(SYS_open_tree, AT_FDCWD, host_path, at);
        return fd >= 0 ? fd : negative_errno();
}

int oih_mount_source_open(const char *host_path, dev_t dev, ino_t ino, unsigned flags,
                          struct oih_mount_source *ret, oih_error **err)
{
        struct oih_mount_source s = { .fd = -1, .dev = dev, .ino = ino };
        int r;

        s.path = strdup(host_path);
        if (!s.path)
                return oih_error_set(err, ENOMEM, "out of memory");

        if (!mount_api_missing) {
                r = clone_tree(host_path, flags, &s);
                if (r >= 0) {
                        s.fd = r;
                        s.tree = true;
                } else if (r == -ENOSYS || r == -EPERM) {
                        log_debug("open_tree: %s, falling back to mount(2)", strerror(-r));
                        mount_api_missing = true;
                } else {
                        r = oih_error_set_errno(err, -r, "\"%s\": cannot take it for a bind mount",
                                                host_path);
                        goto fail;
                }
        }
        if (s.fd < 0) {
                s.fd = open(host_path, O_PATH | O_CLOEXEC);
                if (s.fd < 0) {
                        r = oih_error_set_errno(err, errno, "\"%s\": cannot open", host_path);
                        goto fail;
                }
        }

        r = check_identity(s.fd, &s, err);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;

fail:
        oih_mount_source_done(&s);
        return r;
}

void oih_mount_source_done(struct oih_mount_source *s)
{
        s->fd = safe_close(s->fd);
        free(s->path);
        s->path = NULL;
}

static unsigned long ms_flags(unsigned flags)
{
        unsigned long f = 0;
        if (flags & OIH_MOUNT_RDONLY)
                f |= MS_RDONLY;
        if (flags & OIH_MOUNT_NOSUID)
                f |= MS_NOSUID;
        if (flags & OIH_MOUNT_NODEV)
                f |= MS_NODEV;
        if (flags & OIH_MOUNT_NOEXEC)
                f |= MS_NOEXEC;
        if (flags & OIH_MOUNT_NOATIME)
                f |= MS_NOATIME;
        if (flags & OIH_MOUNT_STRICTATIME)
                f |= MS_STRICTATIME;
        if (flags & OIH_MOUNT_NODIRATIME)
                f |= MS_NODIRATIME;
        return f;
}

/* Flags and propagation through mount(2) on an fd that refers to the root of the new mount. */
static int remount_fd(int fd, unsigned flags, const char *target, oih_error **err)
{
        _cleanup_free_ char *p = fd_path(fd);
        if (!p)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (mount("", p, "", MS_REMOUNT | MS_BIND | ms_flags(flags), NULL) < 0)
                return oih_error_set_errno(err, errno, "\"%s\": cannot set the mount's flags", target);
        if (mount("", p, "", MS_PRIVATE | ((flags & OIH_MOUNT_RECURSIVE) ? MS_REC : 0), NULL) < 0)
                return oih_error_set_errno(err, errno, "\"%s\": cannot make the mount private", target);
        return 0;
}

static int setattr_tree(int fd, unsigned flags)
{
        struct mount_attr attr = tree_attr(flags);
        unsigned at = AT_EMPTY_PATH | ((flags & OIH_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0);
        if (syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof(attr)) < 0)
                return negative_errno();
        return 0;
}

/* An fd on the mount point: its own, or the name opened in its folder (never through a symlink). */
static int mount_point_open(const struct oih_mount_point *mp, int *ret_fd, int *ret_owned)
{
        if (mp->fd >= 0) {
                *ret_fd = mp->fd;
                return 0;
        }
        *ret_owned = *ret_fd = openat(mp->dfd, mp->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        return *ret_fd < 0 ? negative_errno() : 0;
}

static int attach_fallback(struct oih_mount_source *src, int rootfd, const char *target,
                           const struct oih_mount_point *mp, unsigned flags, oih_error **err)
{
        _cleanup_close_ int source_fd = -1, top = -1, owned = -1;
        int target_fd, r;

        r = mount_point_open(mp, &target_fd, &owned);
        if (r < 0)
                return oih_error_set_errno(err, -r, "\"%s\": cannot open the mount point", target);

        /* Before pivot_root the container's namespace still shows the host's tree: take the source there
         * by its host path, and make sure it is the very file the plan saw. It is never in the rootfs. */
        source_fd = open(src->path, O_PATH | O_CLOEXEC);
        if (source_fd < 0)
                return oih_error_set_errno(err, errno, "\"%s\": cannot open in the container's namespace",
                                           src->path);
        if ((r = check_identity(source_fd, src, err)) < 0)
                return r;

        _cleanup_free_ char *from = fd_path(source_fd), *to = fd_path(target_fd);
        if (!from || !to)
                return oih_error_set(err, ENOMEM, "out of memory");
        unsigned long rec = (flags & OIH_MOUNT_RECURSIVE) ? MS_REC : 0;
        if (mount(from, to, "", MS_BIND | rec, NULL) < 0)
                return oih_error_set_errno(err, errno, "\"%s\": cannot bind \"%s\" there", target,
                                           src->path);

        /* target_fd still names what is under the new mount: resolve the path again for the mount's
         * root, and check that it is ours before changing its flags. If it is not (the path changed
         * under us), take the bind off target_fd again: umount through its magic link detaches the
         * mount stacked on it. */
        r = oih_root_open(rootfd, target, O_PATH | O_NOFOLLOW, &top);
        if (r < 0)
                r = oih_error_set_errno(err, -r, "\"%s\": cannot open the new mount", target);
        else if ((r = check_identity(top, src, err)) >= 0 &&
                 (r = remount_fd(top, flags, target, err)) >= 0) {
                safe_close(src->fd);
                src->fd = TAKE_FD(top);
                return 0;
        }
        if (umount2(to, MNT_DETACH) < 0)
                log_warning("\"%s\": cannot take the refused bind off again: %s, ignoring", target,
                            strerror(errno));
        return r;
}

static int move_tree(int tree_fd, const struct oih_mount_point *mp)
{
        long r = mp->fd >= 0
                         ? syscall(SYS_move_mount, tree_fd, "", mp->fd, "",
                                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                         : syscall(SYS_move_mount, tree_fd, "", mp->dfd, mp->name, MOVE_MOUNT_F_EMPTY_PATH);
        return r < 0 ? negative_errno() : 0;
}

static int attach_tree(struct oih_mount_source *src, int rootfd, const char *target,
                       const struct oih_mount_point *mp, unsigned flags, oih_error **err)
{
        bool flags_set = src->flags_set && src->attr_flags == flags;
        int r;

        /* Flags first, while the copy is detached and nobody can see it. */
        if (!flags_set && !mount_setattr_missing) {
                r = setattr_tree(src->fd, flags);
                if (r >= 0)
                        flags_set = true;
                else if (r == -ENOSYS || r == -EPERM)
                        mount_setattr_missing = true;
                else
                        return oih_error_set_errno(err, -r, "\"%s\": cannot set the mount's flags", target);
        }

        r = move_tree(src->fd, mp);
        if (r < 0) {
                if (r != -ENOSYS && r != -EPERM)
                        return oih_error_set_errno(err, -r, "\"%s\": cannot bind \"%s\" there", target,
                                                   src->path);
                /* A seccomp filter older than open_tree_attr lets it through and refuses the rest of the
                 * new mount API: do as where the kernel has none. */
                log_debug("move_mount: %s, falling back to mount(2)", strerror(-r));
                mount_api_missing = true;
                return attach_fallback(src, rootfd, target, mp, flags, err);
        }

        /* src->fd now refers to the root of the attached mount. */
        if (!flags_set && (r = remount_fd(src->fd, flags, target, err)) < 0) {
                (void)oih_mount_detach(src->fd);
                return r;
        }
        return 0;
}

int oih_mount_attach(struct oih_mount_source *src, int rootfd, const char *target,
                     const struct oih_mount_point *mp, unsigned flags, oih_error **err)
{
        if (src->tree)
                return attach_tree(src, rootfd, target, mp, flags, err);
        return attach_fallback(src, rootfd, target, mp, flags, err);
}

int oih_mount_detach(int fd)
{
        _cleanup_free_ char *p = fd_path(fd);
        if (!p)
                return -ENOMEM;
        if (umount2(p, MNT_DETACH) < 0)
                return negative_errno();
        return 0;
}

static int add_id(struct oih_shared_mounts *s, uint64_t id)
{
        uint64_t *m = reallocarray(s->ids, s->n + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        s->ids = m;
        s->ids[s->n++] = id;
        return 0;
}

static int collect_shared(const struct oih_mount_entry *e, void *userdata)
{
        if (strstr(e->optional, "shared:"))
                return add_id(userdata, e->id);
        return 0;
}

int oih_shared_mounts_read(struct oih_shared_mounts *ret)
{
        struct oih_shared_mounts s = {};
        int r = oih_mountinfo_foreach(collect_shared, &s);
        if (r < 0) {
                oih_shared_mounts_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void oih_shared_mounts_done(struct oih_shared_mounts *s)
{
        free(s->ids);
        *s = (struct oih_shared_mounts){};
}

int oih_fd_on_shared_mount(const struct oih_shared_mounts *s, int fd, bool *ret)
{
        uint64_t id;
        int r = oih_fd_mount_id(fd, &id);
        if (r < 0)
                return r;
        *ret = false;
        for (size_t i = 0; i < s->n; i++)
                if (s->ids[i] == id)
                        *ret = true;
        return 0;
}
