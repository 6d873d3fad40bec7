/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "files.h"
#include "log.h"
#include "util.h"

typedef int (*make_fn)(const struct oih_place *p, int dirfd, const char *name, void *userdata);

static void temp_name(char buf[static 32])
{
        static unsigned counter;
        uint64_t r = 0;

        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
                r = ((uint64_t)getpid() << 32) ^ ++counter;
        snprintf(buf, 32, ".oih-%016llx", (unsigned long long)r);
}

/* Makes the object under a temporary name in dfd, then renames it to `name`, keeping any original aside. */
static int place_in(const struct oih_place *p, int dfd, const char *path, const char *name, make_fn make,
                    void *userdata)
{
        char tmp[32];
        struct stat st;
        int r;

        for (int tries = 0;; tries++) {
                temp_name(tmp);
                r = make(p, dfd, tmp, userdata);
                if (r != -EEXIST || tries >= 8)
                        break;
        }
        if (r < 0)
                return r;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT) {
                        r = negative_errno();
                        goto fail;
                }
                if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) < 0 &&
                    (errno != EINVAL || renameat(dfd, tmp, dfd, name) < 0)) {
                        r = negative_errno();
                        goto fail;
                }
                return oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);
        }

        if (S_ISDIR(st.st_mode)) {
                r = -EISDIR;
                goto fail;
        }
        if (renameat2(dfd, tmp, dfd, name, RENAME_EXCHANGE) >= 0)
                /* The original now sits under the temporary name, until commit or rollback. */
                return oih_undo_add(p->undo, OIH_UNDO_REPLACED, path, tmp, 0, 0);
        if (errno != EINVAL) {
                r = negative_errno();
                goto fail;
        }

        /* A filesystem without RENAME_EXCHANGE: replace, and the original cannot come back. */
        log_debug("\"%s\": the filesystem cannot exchange names; replacing the original for good", path);
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = negative_errno();
                goto fail;
        }
        return oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);

fail:
        (void)unlinkat(dfd, tmp, 0);
        return r;
}

/* The folder that holds path, made (and recorded for undoing) where missing. */
static int open_parent(const struct oih_place *p, const char *path, int *ret_dfd, const char **ret_name)
{
        return oih_root_open_parent(p->rootfd, path, &p->owner, oih_undo_created, p->undo, ret_dfd,
                                    ret_name);
}

static int place(const struct oih_place *p, const char *path, make_fn make, void *userdata)
{
        _cleanup_close_ int dfd = -1;
        const char *name;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;
        return place_in(p, dfd, path, name, make, userdata);
}

static int copy_fd(int in, int out)
{
        if (lseek(in, 0, SEEK_SET) < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = sendfile(out, in, NULL, 1U << 30);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EINVAL && errno != ENOSYS)
                        return negative_errno();
                break;
        }

        /* sendfile() refused this pair: plain reads and writes. */
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return 0;
                for (ssize_t o = 0; o < n;) {
                        ssize_t w = write(out, buf + o, (size_t)(n - o));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return negative_errno();
                        o += w;
                }
        }
}

struct content {
        int src_fd; /* or data */
        const char *data;
        size_t len;
        mode_t mode;
};

static int make_file(const struct oih_place *p, int dfd, const char *name, void *userdata)
{
        const struct content *c = userdata;
        _cleanup_close_ int fd =
                openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r = 0;

        if (fd < 0)
                return negative_errno();
        if (c->src_fd >= 0)
                r = copy_fd(c->src_fd, fd);
        else if (c->len > 0 && write(fd, c->data, c->len) != (ssize_t)c->len)
                r = errno ? negative_errno() : -EIO;
        /* Owner first: chown clears set-id bits, and none are wanted anyway. */
        if (r >= 0 && (fchown(fd, p->owner.uid, p->owner.gid) < 0 || fchmod(fd, c->mode & 0777) < 0))
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dfd, name, 0);
        return r;
}

int oih_place_copy(const struct oih_place *p, const char *path, int src_fd, mode_t mode)
{
        struct content c = { .src_fd = src_fd, .mode = mode };
        return place(p, path, make_file, &c);
}

int oih_place_data(const struct oih_place *p, const char *path, const char *data, size_t len, mode_t mode)
{
        struct content c = { .src_fd = -1, .data = data, .len = len, .mode = mode };
        return place(p, path, make_file, &c);
}

static int make_symlink(const struct oih_place *p, int dfd, const char *name, void *userdata)
{
        if (symlinkat(userdata, dfd, name) < 0)
                return negative_errno();
        if (fchownat(dfd, name, p->owner.uid, p->owner.gid, AT_SYMLINK_NOFOLLOW) < 0) {
                int r = negative_errno();
                (void)unlinkat(dfd, name, 0);
                return r;
        }
        return 0;
}

int oih_place_symlink(const struct oih_place *p, const char *path, const char *text)
{
        _cleanup_close_ int dfd = -1;
        const char *name;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;

        size_t l = strlen(text);
        _cleanup_free_ char *existing = malloc(l + 2);
        if (!existing)
                return -ENOMEM;
        ssize_t n = readlinkat(dfd, name, existing, l + 2);
        if (n >= 0 && (size_t)n == l && memcmp(existing, text, l) == 0)
                return 0;

        return place_in(p, dfd, path, name, make_symlink, (void *)text);
}

struct node {
        mode_t mode;
        dev_t rdev;
        uid_t uid;
        gid_t gid;
};

static int make_node(const struct oih_place *p, int dfd, const char *name, void *userdata)
{
        const struct node *n = userdata;
        if (mknodat(dfd, name, n->mode, n->rdev) < 0)
                return negative_errno();

        /* mknod applied the umask: set owner and mode on the node itself, not through a path. */
        _cleanup_close_ int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int r = 0;
        if (fd < 0)
                r = negative_errno();
        else if (fchownat(fd, "", n->uid, n->gid, AT_EMPTY_PATH) < 0)
                r = negative_errno();
        else if (fchmodat(dfd, name, n->mode & 07777, AT_SYMLINK_NOFOLLOW) < 0 && errno != EOPNOTSUPP)
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dfd, name, 0);
        return r;
}

int oih_place_node(const struct oih_place *p, const char *path, mode_t mode, dev_t rdev, uid_t uid,
                   gid_t gid)
{
        _cleanup_close_ int dfd = -1;
        const char *name;
        struct stat st;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && (st.st_mode & S_IFMT) == (mode & S_IFMT) &&
            st.st_rdev == rdev)
                return 0;

        struct node n = { .mode = mode, .rdev = rdev, .uid = uid, .gid = gid };
        return place_in(p, dfd, path, name, make_node, &n);
}

static int make_empty(const struct oih_place *p, int dfd, const char *name, void *userdata)
{
        struct content c = { .src_fd = -1, .mode = 0644 };
        return make_file(p, dfd, name, &c);
}

int oih_mount_point_file(const struct oih_place *p, const char *path, int *ret_fd)
{
        _cleanup_close_ int dfd = -1;
        const char *name;
        struct stat st;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return negative_errno();
                r = make_empty(p, dfd, name, NULL);
                if (r < 0)
                        return r;
                r = oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);
        } else if (S_ISDIR(st.st_mode))
                return -EISDIR;
        else if (S_ISLNK(st.st_mode))
                /* Never mount through the image's symlink: put an empty file in its place. */
                r = place_in(p, dfd, path, name, make_empty, NULL);
        if (r < 0)
                return r;

        int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
                safe_close(fd);
                return -EAGAIN;
        }
        *ret_fd = fd;
        return 0;
}

int oih_mount_point_dir(const struct oih_place *p, const char *path, int *ret_fd)
{
        return oih_root_mkdir_p(p->rootfd, path, 0755, &p->owner, oih_undo_created, p->undo, ret_fd);
}
