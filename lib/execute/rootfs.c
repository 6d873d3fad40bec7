/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>

#include "caps.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "util.h"

/* As many links as the kernel follows in one lookup. */
#define MAX_LINKS 40

static bool openat2_missing;

void oih_rootfs_force_fallback(bool force)
{
        openat2_missing = force;
}

static int do_openat2(int rootfd, const char *path, int flags, uint64_t resolve)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
        };

        /* EAGAIN: a rename or mount raced with the lookup; the kernel asks us to try again. */
        for (int tries = 0; tries < 16; tries++) {
                int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN)
                        return negative_errno();
        }
        return -EAGAIN;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* What the walk creates when a component is missing (oih_root_mkdir_p), or NULL. */
struct mkdir_args {
        mode_t mode;
        const struct oih_owner *owner;
        oih_may_create_fn may_create;
        oih_created_fn created;
        void *userdata;
};

/* Gives a folder just created its mode (mkdirat applied the umask) and owner, without following links. */
static int settle_new_dir(int dirfd, const char *name, mode_t mode, const struct oih_owner *owner)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fchown(fd, owner->uid, owner->gid) < 0 || fchmod(fd, mode) < 0)
                return negative_errno();
        return 0;
}

/*
 * A magic link of procfs (/proc/PID/root, cwd, exe, fd/N, ns/...): the kernel jumps through them instead
 * of reading their text, and openat2 refuses them with RESOLVE_NO_MAGICLINKS; so does the walk. Their
 * text is absolute ("/", "/usr/bin/x") or an object ("pipe:[42]", "mnt:[4026531840]"), while procfs's
 * ordinary links (self, thread-self, mounts, net) point to a pid or to "self/...".
 */
static bool is_magic_link(int fd, const char *text)
{
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return true;
        return sfs.f_type == PROC_SUPER_MAGIC && (text[0] == '/' || strstr(text, ":["));
}

/* For the walk with `same_mount`: -EXDEV when fd is on another mount than the root's (as RESOLVE_NO_XDEV).
 */
static int check_mount(int fd, const uint64_t *root_mnt)
{
        uint64_t id;
        if (!root_mnt)
                return 0;
        int r = oih_fd_mount_id(fd, &id);
        if (r < 0)
                return r;
        return id == *root_mnt ? 0 : -EXDEV;
}

/* `resolved` tracks the container path of what the walk holds, for the created() callback. */
static int resolved_push(char **resolved, const char *comp)
{
        char *n = NULL;
        if (asprintf(&n, "%s%s%s", *resolved, streq(*resolved, "/") ? "" : "/", comp) < 0)
                return -ENOMEM;
        free(*resolved);
        *resolved = n;
        return 0;
}

static void resolved_pop(char *resolved)
{
        char *slash = strrchr(resolved, '/');
        if (slash == resolved)
                resolved[1] = 0;
        else if (slash)
                *slash = 0;
}

/*
 * The user-space walk: one component at a time, each opened O_PATH|O_NOFOLLOW relative to the last.
 * A symlink's text is spliced in front of what is left of the path, from the root when absolute;
 * ".." at the root stays at the root. Magic links are never jumped through: their text is followed
 * like any other, inside the root. With mk, a missing component is created as a folder, so that a
 * symlink to a place not yet in the root leads to that place being made inside the root (as runc
 * does for mount destinations).
 */
static int walk(int rootfd, const char *path, int flags, const struct mkdir_args *mk, bool same_mount,
                int *ret_fd)
{
        struct stat root_st, st;
        unsigned links = 0;
        uint64_t root_mnt_id;
        const uint64_t *root_mnt = NULL;

        if (fstat(rootfd, &root_st) < 0)
                return negative_errno();
        if (same_mount) {
                int r = oih_fd_mount_id(rootfd, &root_mnt_id);
                if (r < 0)
                        return r;
                root_mnt = &root_mnt_id;
        }

        /* As openat2: an empty path names nothing. */
        if (!*path)
                return -ENOENT;

        _cleanup_free_ char *todo = strdup(path), *resolved = strdup("/");
        _cleanup_close_ int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!todo || !resolved)
                return -ENOMEM;
        if (cur < 0)
                return negative_errno();

        const char *p = todo;
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p) {
                        /* Nothing left (the path named the root or ended in ".."): reopen what we hold. */
                        int fd = openat(cur, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
                        if (fd < 0)
                                return negative_errno();
                        *ret_fd = fd;
                        return 0;
                }

                size_t l = strcspn(p, "/");
                _cleanup_free_ char *comp = strndup(p, l);
                if (!comp)
                        return -ENOMEM;
                p += l;
                bool slash = *p == '/';
                while (*p == '/')
                        p++;
                bool last = !*p;
                /* A trailing slash names a folder: the last link is followed and the result must be one. */
                int want = last && slash ? (flags & ~O_NOFOLLOW) | O_DIRECTORY : flags;

                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        if (fstat(cur, &st) < 0)
                                return negative_errno();
                        if (same_inode(&st, &root_st))
                                continue;
                        int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (up < 0)
                                return negative_errno();
                        int r = check_mount(up, root_mnt);
                        if (r < 0) {
                                safe_close(up);
                                return r;
                        }
                        safe_close(cur);
                        cur = up;
                        resolved_pop(resolved);
                        continue;
                }

                int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && mk) {
                        int r;
                        if (mk->may_create && (r = mk->may_create(mk->userdata, cur)) < 0)
                                return r;
                        if (mkdirat(cur, comp, 0700) >= 0) {
                                _cleanup_free_ char *made = strdup(resolved);
                                if (!made || resolved_push(&made, comp) < 0)
                                        return -ENOMEM;
                                if ((r = settle_new_dir(cur, comp, mk->mode, mk->owner)) < 0)
                                        return r;
                                if (mk->created && (r = mk->created(mk->userdata, made, true)) < 0)
                                        return r;
                        } else if (errno != EEXIST)
                                return negative_errno();
                        fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0)
                        return negative_errno();
                if (fstat(fd, &st) < 0) {
                        safe_close(fd);
                        return negative_errno();
                }
                /* A mount point on the way (procfs, sysfs, a volume): what is below is not the root's. */
                int xr = check_mount(fd, root_mnt);
                if (xr < 0) {
                        safe_close(fd);
                        return xr;
                }

                if (S_ISLNK(st.st_mode) && !(last && (want & O_NOFOLLOW))) {
                        _cleanup_free_ char *target = NULL, *rest = NULL;
                        size_t size = 256;
                        ssize_t n;

                        if (++links > MAX_LINKS) {
                                safe_close(fd);
                                return -ELOOP;
                        }
                        for (;;) {
                                free(target);
                                target = malloc(size);
                                if (!target) {
                                        safe_close(fd);
                                        return -ENOMEM;
                                }
                                n = readlinkat(fd, "", target, size);
                                if (n < 0 || (size_t)n < size)
                                        break;
                                size *= 2;
                        }
                        if (n < 0) {
                                safe_close(fd);
                                return negative_errno();
                        }
                        target[n] = 0;
                        bool magic = is_magic_link(fd, target);
                        safe_close(fd);
                        if (magic)
                                return -ELOOP;
                        if (n == 0)
                                return -ENOENT;

                        /* What is left after the link goes after its text; a trailing slash stays one. */
                        if (asprintf(&rest, "%s%s%s", target, *p || slash ? "/" : "", p) < 0)
                                return -ENOMEM;
                        if (target[0] == '/') {
                                int r = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (r < 0)
                                        return negative_errno();
                                safe_close(cur);
                                cur = r;
                                resolved[1] = 0;
                        }
                        free(todo);
                        todo = TAKE_PTR(rest);
                        p = todo;
                        continue;
                }

                if (!last && !S_ISDIR(st.st_mode)) {
                        safe_close(fd);
                        return -ENOTDIR;
                }
                if (last) {
                        if ((want & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
                                safe_close(fd);
                                return -ENOTDIR;
                        }
                        if (want & O_PATH) {
                                *ret_fd = fd;
                                return 0;
                        }
                        /* Reopen with the caller's flags, and make sure it is still the same file. */
                        struct stat again;
                        int real = openat(cur, comp, want | O_NOFOLLOW | O_CLOEXEC);
                        safe_close(fd);
                        if (real < 0)
                                return negative_errno();
                        if (fstat(real, &again) < 0 || !same_inode(&st, &again)) {
                                safe_close(real);
                                return -EAGAIN;
                        }
                        *ret_fd = real;
                        return 0;
                }
                safe_close(cur);
                cur = fd;
                int r = resolved_push(&resolved, comp);
                if (r < 0)
                        return r;
        }
}

static int root_open(int rootfd, const char *path, int flags, bool same_mount, int *ret_fd)
{
        /* open(2) ignores the flags that mean nothing with O_PATH, openat2 refuses them with EINVAL:
         * drop them here, so that both resolvers answer the same. */
        if (flags & O_PATH)
                flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        if (!openat2_missing) {
                int fd = do_openat2(rootfd, path, flags, same_mount ? RESOLVE_NO_XDEV : 0);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                /* ENOSYS: an old kernel or a seccomp filter (older filters said EPERM); E2BIG: an
                 * open_how larger than the kernel knows. ELOOP: the kernel counts the links of one
                 * lookup once, across its RCU walk and the ref walk it restarts with when the RCU walk
                 * fails (a mount anywhere on the machine is enough): a path with more than 20 links can
                 * get ELOOP now and not a moment later. The walk counts each lookup's links alone, up to
                 * the same 40, and refuses what openat2 refuses (magic links, a last link with
                 * O_NOFOLLOW): its answer does not depend on the machine. Anything else is the lookup's
                 * answer. */
                if (fd != -ENOSYS && fd != -EPERM && fd != -E2BIG && fd != -ELOOP)
                        return fd;
                if (fd == -ENOSYS)
                        openat2_missing = true;
        }
        return walk(rootfd, path, flags, NULL, same_mount, ret_fd);
}

int oih_root_open(int rootfd, const char *path, int flags, int *ret_fd)
{
        return root_open(rootfd, path, flags, false, ret_fd);
}

int oih_root_open_same_mount(int rootfd, const char *path, int flags, int *ret_fd)
{
        return root_open(rootfd, path, flags, true, ret_fd);
}

/* The part of oih_root_read_image_file() that runs with the image reader's credentials. */
static int read_image_file(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int pfd = -1, fd = -1;
        struct stat st;
        char p[64];

        int r = oih_root_open_same_mount(rootfd, path, O_PATH, &pfd);
        if (r < 0)
                return r;
        if (fstat(pfd, &st) < 0)
                return negative_errno();
        /* Opened for reading only once it is known to be a regular file: opening a device node or a
         * FIFO the image put there can have effects of its own (a watchdog armed, a writer released). */
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;
        /* The O_PATH descriptor holds that very file: reopening it cannot land anywhere else. The
         * reopening is where the kernel checks the reader's permission to read it. */
        snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        return read_full_fd(fd, max, ret, ret_len);
}

int oih_root_read_image_file(int rootfd, const char *path, size_t max, const struct oih_owner *reader,
                             char **ret, size_t *ret_len)
{
        struct oih_image_creds saved;
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        int r = oih_caps_image_enter(reader->uid, reader->gid, &saved);
        if (r < 0)
                return r;
        r = read_image_file(rootfd, path, max, &data, &len);
        int k = oih_caps_image_leave(&saved);
        if (k < 0)
                return k;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(data);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int oih_root_mkdir_p(int rootfd, const char *path, mode_t mode, const struct oih_owner *owner,
                     oih_created_fn created, void *userdata, int *ret_fd)
{
        return oih_root_mkdir_checked(rootfd, path, mode, owner, NULL, created, userdata, ret_fd);
}

int oih_root_mkdir_checked(int rootfd, const char *path, mode_t mode, const struct oih_owner *owner,
                           oih_may_create_fn may_create, oih_created_fn created, void *userdata, int *ret_fd)
{
        struct mkdir_args mk = { .mode = mode,
                                 .owner = owner,
                                 .may_create = may_create,
                                 .created = created,
                                 .userdata = userdata };

        /* Usually everything is there already: one openat2 call. */
        int r = oih_root_open(rootfd, path, O_PATH | O_DIRECTORY, ret_fd);
        if (r != -ENOENT)
                return r;
        return walk(rootfd, path, O_PATH | O_DIRECTORY, &mk, false, ret_fd);
}

int oih_root_open_parent(int rootfd, const char *path, const struct oih_owner *owner, oih_created_fn created,
                         void *userdata, int *ret_dirfd, const char **ret_name)
{
        const char *name = path_basename(path);
        if (!*name || streq(path, "/"))
                return -EINVAL;

        _cleanup_free_ char *dir = path_dirname(path);
        if (!dir)
                return -ENOMEM;
        int r = oih_root_mkdir_p(rootfd, dir, 0755, owner, created, userdata, ret_dirfd);
        if (r < 0)
                return r;
        *ret_name = name;
        return 0;
}
