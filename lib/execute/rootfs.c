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

/*
 * The user-space walk: one component at a time, each opened O_PATH|O_NOFOLLOW relative to the last.
 * A symlink's text is spliced in front of what is left of the path, from the root when absolute;
 * ".." at the root stays at the root. Magic links are never jumped through: their text is followed
 * like any other, inside the root. With mk, a missing component is created as a folder, so that a
 * symlink to a place not yet in the root leads to that place being made inside the root (as runc
 * does for mount destinations).
 */
struct walk {
        int rootfd;
        struct stat root_st;
        const uint64_t *root_mnt; /* with same_mount: the root's mount id, which every component keeps */
        uint64_t root_mnt_id;
        const struct oih_root_mkdir *mk;
        int cur;    /* the folder reached so far */
        char *todo; /* what is left of the path, from p on */
        const char *p;
        char *resolved; /* the container path of cur, for mk->created */
        unsigned links;
};

static void walk_done(struct walk *w)
{
        w->cur = safe_close(w->cur);
        free(w->todo);
        free(w->resolved);
}

static int walk_start(struct walk *w, int rootfd, const char *path, const struct oih_root_mkdir *mk,
                      bool same_mount)
{
        *w = (struct walk){ .rootfd = rootfd, .mk = mk, .cur = -1 };
        if (fstat(rootfd, &w->root_st) < 0)
                return negative_errno();
        if (same_mount) {
                int r = oih_fd_mount_id(rootfd, &w->root_mnt_id);
                if (r < 0)
                        return r;
                w->root_mnt = &w->root_mnt_id;
        }

        /* As openat2: an empty path names nothing. */
        if (!*path)
                return -ENOENT;

        w->todo = strdup(path);
        w->resolved = strdup("/");
        if (!w->todo || !w->resolved)
                return -ENOMEM;
        w->p = w->todo;
        w->cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return w->cur < 0 ? negative_errno() : 0;
}

/* The next component in *ret (NULL: nothing is left); whether it is the last, and had a slash after it. */
static int next_component(struct walk *w, char **ret, bool *ret_last, bool *ret_slash)
{
        while (*w->p == '/')
                w->p++;
        if (!*w->p) {
                *ret = NULL;
                return 0;
        }
        size_t l = strcspn(w->p, "/");
        char *comp = strndup(w->p, l);
        if (!comp)
                return -ENOMEM;
        w->p += l;
        *ret_slash = *w->p == '/';
        while (*w->p == '/')
                w->p++;
        *ret_last = !*w->p;
        *ret = comp;
        return 0;
}

/* For the walk with `same_mount`: -EXDEV when fd is on another mount than the root's (as RESOLVE_NO_XDEV).
 */
static int check_mount(const struct walk *w, int fd)
{
        uint64_t id;
        if (!w->root_mnt)
                return 0;
        int r = oih_fd_mount_id(fd, &id);
        if (r < 0)
                return r;
        return id == *w->root_mnt ? 0 : -EXDEV;
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

/* "..": one folder up, except at the root, which is its own parent. */
static int step_up(struct walk *w)
{
        struct stat st;

        if (fstat(w->cur, &st) < 0)
                return negative_errno();
        if (same_inode(&st, &w->root_st))
                return 0;
        _cleanup_close_ int up = openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (up < 0)
                return negative_errno();
        int r = check_mount(w, up);
        if (r < 0)
                return r;
        safe_close(w->cur);
        w->cur = TAKE_FD(up);
        resolved_pop(w->resolved);
        return 0;
}

/* With mk: makes the missing folder comp in cur (someone else making it first is fine). */
static int make_component(struct walk *w, const char *comp)
{
        const struct oih_root_mkdir *mk = w->mk;
        int r;

        if (mk->may_create && (r = mk->may_create(mk->userdata, w->cur)) < 0)
                return r;
        if (mkdirat(w->cur, comp, 0700) < 0)
                return errno == EEXIST ? 0 : negative_errno();
        _cleanup_free_ char *made = strdup(w->resolved);
        if (!made || resolved_push(&made, comp) < 0)
                return -ENOMEM;
        if ((r = settle_new_dir(w->cur, comp, mk->mode, mk->owner)) < 0)
                return r;
        if (mk->created && (r = mk->created(mk->userdata, made, true)) < 0)
                return r;
        return 0;
}

/* Opens comp in cur without following it (made first where missing, with mk), on the root's mount. */
static int open_component(struct walk *w, const char *comp, int *ret_fd, struct stat *ret_st)
{
        _cleanup_close_ int fd = openat(w->cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0 && errno == ENOENT && w->mk) {
                if ((r = make_component(w, comp)) < 0)
                        return r;
                fd = openat(w->cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, ret_st) < 0)
                return negative_errno();
        /* A mount point on the way (procfs, sysfs, a volume): what is below is not the root's. */
        if ((r = check_mount(w, fd)) < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* The text of the symlink open at fd. */
static int read_link(int fd, char **ret, size_t *ret_len)
{
        for (size_t size = 256;; size *= 2) {
                _cleanup_free_ char *text = malloc(size);
                if (!text)
                        return -ENOMEM;
                ssize_t n = readlinkat(fd, "", text, size);
                if (n < 0)
                        return negative_errno();
                if ((size_t)n < size) {
                        text[n] = 0;
                        *ret = TAKE_PTR(text);
                        *ret_len = (size_t)n;
                        return 0;
                }
        }
}

/* The symlink open at fd: its text goes in front of what is left (a trailing slash stays one), and an
 * absolute one starts again from the root. Magic links are refused. */
static int follow_link(struct walk *w, int fd, bool slash)
{
        _cleanup_free_ char *target = NULL, *rest = NULL;
        size_t n;

        if (++w->links > MAX_LINKS)
                return -ELOOP;
        int r = read_link(fd, &target, &n);
        if (r < 0)
                return r;
        if (is_magic_link(fd, target))
                return -ELOOP;
        if (n == 0)
                return -ENOENT;

        if (asprintf(&rest, "%s%s%s", target, *w->p || slash ? "/" : "", w->p) < 0)
                return -ENOMEM;
        if (target[0] == '/') {
                int root = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return negative_errno();
                safe_close(w->cur);
                w->cur = root;
                w->resolved[1] = 0;
        }
        free(w->todo);
        w->todo = TAKE_PTR(rest);
        w->p = w->todo;
        return 0;
}

/* A folder on the way: the walk goes on from it. Takes fd. */
static int descend(struct walk *w, int fd, const char *comp)
{
        safe_close(w->cur);
        w->cur = fd;
        return resolved_push(&w->resolved, comp);
}

/* The last component, open O_PATH at *fd: handed out as it is, or reopened with the caller's flags and
 * checked to be the same file. */
static int open_last(struct walk *w, int *fd, const char *comp, const struct stat *st, int want, int *ret_fd)
{
        if ((want & O_DIRECTORY) && !S_ISDIR(st->st_mode))
                return -ENOTDIR;
        if (want & O_PATH) {
                *ret_fd = TAKE_FD(*fd);
                return 0;
        }
        struct stat again;
        _cleanup_close_ int real = openat(w->cur, comp, want | O_NOFOLLOW | O_CLOEXEC);
        if (real < 0)
                return negative_errno();
        if (fstat(real, &again) < 0 || !same_inode(st, &again))
                return -EAGAIN;
        *ret_fd = TAKE_FD(real);
        return 0;
}

static int walk(int rootfd, const char *path, int flags, const struct oih_root_mkdir *mk, bool same_mount,
                int *ret_fd)
{
        _cleanup_(walk_done) struct walk w = { .cur = -1 };

        int r = walk_start(&w, rootfd, path, mk, same_mount);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_free_ char *comp = NULL;
                _cleanup_close_ int fd = -1;
                bool last = false, slash = false;
                struct stat st;

                if ((r = next_component(&w, &comp, &last, &slash)) < 0)
                        return r;
                if (!comp) {
                        /* Nothing left (the path named the root or ended in ".."): reopen what we hold. */
                        int top = openat(w.cur, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
                        if (top < 0)
                                return negative_errno();
                        *ret_fd = top;
                        return 0;
                }
                /* A trailing slash names a folder: the last link is followed and the result must be one. */
                int want = last && slash ? (flags & ~O_NOFOLLOW) | O_DIRECTORY : flags;

                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        if ((r = step_up(&w)) < 0)
                                return r;
                        continue;
                }
                if ((r = open_component(&w, comp, &fd, &st)) < 0)
                        return r;
                if (S_ISLNK(st.st_mode) && !(last && (want & O_NOFOLLOW))) {
                        if ((r = follow_link(&w, fd, slash)) < 0)
                                return r;
                        continue;
                }
                if (last)
                        return open_last(&w, &fd, comp, &st, want, ret_fd);
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                if ((r = descend(&w, TAKE_FD(fd), comp)) < 0)
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

int oih_root_mkdir(int rootfd, const char *path, const struct oih_root_mkdir *mk, int *ret_fd)
{
        /* Usually everything is there already: one openat2 call. */
        int r = oih_root_open(rootfd, path, O_PATH | O_DIRECTORY, ret_fd);
        if (r != -ENOENT || !mk)
                return r;
        return walk(rootfd, path, O_PATH | O_DIRECTORY, mk, false, ret_fd);
}

int oih_root_open_parent(int rootfd, const char *path, const struct oih_root_mkdir *mk, int *ret_dirfd,
                         const char **ret_name)
{
        const char *name = path_basename(path);
        if (!*name || streq(path, "/"))
                return -EINVAL;

        _cleanup_free_ char *dir = path_dirname(path);
        if (!dir)
                return -ENOMEM;
        int r = oih_root_mkdir(rootfd, dir, mk, ret_dirfd);
        if (r < 0)
                return r;
        *ret_name = name;
        return 0;
}
