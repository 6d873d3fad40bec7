/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/fsuid.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "writer.h"
#include "log.h"
#include "mountinfo.h"
#include "util.h"

/* Makes an object at dirfd/name, exclusively: -EEXIST when something is there. */
typedef int (*make_fn)(const struct oih_writer *p, int dirfd, const char *name, void *userdata);

static void temp_name(char buf[static 32])
{
        static unsigned counter;
        uint64_t r = 0;

        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
                r = ((uint64_t)getpid() << 32) ^ ++counter;
        snprintf(buf, 32, ".oih-%016llx", (unsigned long long)r);
}

/*
 * Puts a new object at dfd/name: right there when nothing is (the usual case), else under a temporary
 * name and then exchanged with what is there, which is kept aside for undoing.
 */
static int place_in(const struct oih_writer *p, int dfd, const char *path, const char *name, make_fn make,
                    void *userdata)
{
        char tmp[32];
        struct stat st;
        int r;

        r = make(p, dfd, name, userdata);
        if (r >= 0)
                return oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);
        if (r != -EEXIST)
                return r;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;

        for (int tries = 0;; tries++) {
                temp_name(tmp);
                r = make(p, dfd, tmp, userdata);
                if (r != -EEXIST || tries >= 8)
                        break;
        }
        if (r < 0)
                return r;

        if (renameat2(dfd, tmp, dfd, name, RENAME_EXCHANGE) >= 0)
                /* The original now sits under the temporary name, until commit or rollback. */
                return oih_undo_add(p->undo, OIH_UNDO_REPLACED, path, tmp, 0, 0);
        if (errno != EINVAL) {
                r = negative_errno();
                goto fail;
        }

        /*
         * A filesystem without RENAME_EXCHANGE (NFS, most FUSE filesystems): the original is kept by a
         * second name, a hard link, and the new one renamed over it. Both names stay in the same folder,
         * as with an exchange, and rollback renames the kept one back. Where no hard link can be made
         * either, the original could not come back on rollback: refuse.
         */
        log_debug("\"%s\": the filesystem cannot exchange names; keeping the original by a hard link", path);
        char backup[32];
        for (int tries = 0;; tries++) {
                temp_name(backup);
                r = linkat(dfd, name, dfd, backup, 0) < 0 ? negative_errno() : 0;
                if (r != -EEXIST || tries >= 8)
                        break;
        }
        if (r < 0) {
                (void)unlinkat(dfd, tmp, 0);
                return oih_error_set(
                        p->err, EOPNOTSUPP,
                        "%s%scannot replace \"%s\" in the container: its filesystem can neither exchange two names (RENAME_EXCHANGE) nor keep the original by a hard link (%s), so the original could not be put back if the injection failed; refusing: set \"container_path\" to a place where the image has nothing, or keep the container's root on a filesystem that can",
                        p->label ?: "", p->label ? ": " : "", path, strerror(-r));
        }
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = negative_errno();
                (void)unlinkat(dfd, backup, 0);
                goto fail;
        }
        return oih_undo_add(p->undo, OIH_UNDO_REPLACED, path, backup, 0, 0);

fail:
        (void)unlinkat(dfd, tmp, 0);
        return r;
}

void oih_writer_prepare(struct oih_writer *p)
{
        /* setfsuid() with an invalid id changes nothing and returns the current one. */
        uid_t fsuid = (uid_t)setfsuid((uid_t)-1);
        gid_t fsgid = (gid_t)setfsgid((gid_t)-1);
        p->creator_is_owner = fsuid == p->owner.uid && fsgid == p->owner.gid;
        p->umask = umask(0);
        (void)umask(p->umask);
}

static void forget_cached(struct oih_writer *p)
{
        free(p->cached_dir);
        p->cached_dir = NULL;
        p->cached_fd = safe_close(p->cached_fd);
}

void oih_writer_done(struct oih_writer *p)
{
        forget_cached(p);
        free(p->writable_mounts);
        p->writable_mounts = NULL;
        p->n_writable_mounts = 0;
}

static bool writable(const struct oih_writer *p, uint64_t id)
{
        for (size_t i = 0; i < p->n_writable_mounts; i++)
                if (p->writable_mounts[i] == id)
                        return true;
        return false;
}

static int add_writable(struct oih_writer *p, uint64_t id)
{
        if (writable(p, id))
                return 0;
        uint64_t *m = reallocarray(p->writable_mounts, p->n_writable_mounts + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        p->writable_mounts = m;
        p->writable_mounts[p->n_writable_mounts++] = id;
        return 0;
}

/* What the mount table says of the mounts that may be the container's own tmpfs. */
struct mount_row {
        uint64_t id, parent;
        bool fresh_tmpfs; /* a tmpfs mounted whole: its root is the filesystem's */
};

struct mount_rows {
        struct mount_row *rows;
        size_t n;
};

static int collect_row(const struct oih_mount_entry *e, void *userdata)
{
        struct mount_rows *t = userdata;
        struct mount_row *m = reallocarray(t->rows, t->n + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        t->rows = m;
        t->rows[t->n++] =
                (struct mount_row){ .id = e->id,
                                    .parent = e->parent,
                                    .fresh_tmpfs = streq(e->fstype, "tmpfs") && streq(e->root, "/") };
        return 0;
}

static const struct mount_row *find_row(const struct mount_rows *t, uint64_t id)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->rows[i].id == id)
                        return &t->rows[i];
        return NULL;
}

int oih_writer_limit_mounts(struct oih_writer *p, char *const *tmpfs_destinations)
{
        _cleanup_free_ uint64_t *candidates = NULL;
        struct mount_rows table = {};
        size_t n = 0;
        uint64_t id;

        int r = oih_fd_mount_id(p->rootfd, &id);
        if (r < 0)
                return r;
        if ((r = add_writable(p, id)) < 0)
                return r;
        if (!tmpfs_destinations)
                return 0;

        /* What is mounted at each destination now: the spec's tmpfs, or what a later mount put on it. */
        candidates = calloc(strv_length(tmpfs_destinations) ?: 1, sizeof(*candidates));
        if (!candidates)
                return -ENOMEM;
        STRV_FOREACH (d, tmpfs_destinations) {
                _cleanup_close_ int fd = -1;
                if (oih_root_open(p->rootfd, *d, O_PATH | O_DIRECTORY, &fd) < 0 ||
                    oih_fd_mount_id(fd, &candidates[n]) < 0)
                        continue;
                n++;
        }

        r = oih_mountinfo_foreach(collect_row, &table);
        /*
         * A tmpfs of the spec counts only where it is mounted whole, directly on the root's mount or on
         * another such tmpfs. A volume bound over it (or over a folder above it) is the one the
         * destination leads to, and sits on the tmpfs it hides or on the volume: never writable. The
         * mounts are few; going over them until nothing changes settles /dev before /dev/shm.
         */
        for (bool changed = r >= 0; changed;) {
                changed = false;
                for (size_t i = 0; i < n && r >= 0; i++) {
                        const struct mount_row *m = find_row(&table, candidates[i]);
                        if (!m || !m->fresh_tmpfs || writable(p, m->id) || !writable(p, m->parent))
                                continue;
                        r = add_writable(p, m->id);
                        changed = true;
                }
        }
        free(table.rows);
        return r < 0 ? r : 0;
}

/* The container path of the mount `id` (its mount point without the root's own path), or NULL. */
struct mount_point_lookup {
        uint64_t id;
        const char *root;
        char *found;
        char *fstype;
};

static int find_mount_point(const struct oih_mount_entry *e, void *userdata)
{
        struct mount_point_lookup *l = userdata;
        if (e->id != l->id)
                return 0;
        const char *rest = startswith(e->mountpoint, l->root);
        if (streq(l->root, "/"))
                rest = e->mountpoint;
        else if (rest && *rest != '/' && *rest)
                rest = NULL;
        l->found = strdup(rest ? (*rest ? rest : "/") : e->mountpoint);
        l->fstype = strdup(e->fstype);
        return l->found && l->fstype ? 1 : -ENOMEM;
}

/* The kernel's own filesystems a runtime mounts for the container: named as such, they are no volume. */
static const char *kernel_fs_name(const char *fstype)
{
        static const struct {
                const char *type, *name;
        } names[] = {
                { "proc", "procfs" },
                { "sysfs", "sysfs" },
                { "cgroup", "cgroup filesystem" },
                { "cgroup2", "cgroup filesystem" },
                { "devpts", "devpts" },
                { "mqueue", "mqueue filesystem" },
        };
        for (size_t i = 0; fstype && i < ELEMENTSOF(names); i++)
                if (streq(fstype, names[i].type))
                        return names[i].name;
        return NULL;
}

/* Refuses to put p->current into the container: the folder for it is on the mount `id`, a volume. */
static int refuse(struct oih_writer *p, uint64_t id)
{
        _cleanup_free_ char *root = NULL;
        char fdlink[64];

        snprintf(fdlink, sizeof(fdlink), "/proc/self/fd/%d", p->rootfd);
        struct mount_point_lookup l = { .id = id, .root = readlink_malloc(fdlink, &root) >= 0 ? root : "/" };
        (void)oih_mountinfo_foreach(find_mount_point, &l);
        _cleanup_free_ char *volume = l.found, *fstype = l.fstype;

        const char *kernel_fs = kernel_fs_name(fstype);
        if (kernel_fs)
                return oih_error_set(
                        p->err, EXDEV,
                        "%s%scannot put \"%s\" into the container: it is on the container's %s (mounted at \"%s\"), not on its root, and the hook creates files only on the container's own root and tmpfs mounts; %s",
                        p->label ?: "", p->label ? ": " : "", p->current ?: "?", kernel_fs, volume ?: "?",
                        p->label
                                ? "set \"container_path\" to a place on the container's root, or fix the image's symbolic link that leads there"
                                : "fix the image's symbolic link that leads there");
        return oih_error_set(
                p->err, EXDEV,
                "%s%scannot put \"%s\" into the container: it is inside the volume mounted at \"%s\" (a host folder the container's user may not be allowed to write to), and the hook creates files only on the container's own root and tmpfs mounts; %s",
                p->label ?: "", p->label ? ": " : "", p->current ?: "?", volume ?: "?",
                p->label
                        ? "set \"container_path\" to a place outside the volume, or mount the volume elsewhere"
                        : "mount the volume elsewhere");
}

/* Refuses work in folder dfd unless it is on a mount the hook may write to. */
static int check_folder(struct oih_writer *p, int dfd)
{
        uint64_t id;
        int r = oih_fd_mount_id(dfd, &id);
        if (r < 0)
                return r;
        return writable(p, id) ? 0 : refuse(p, id);
}

static int may_create(void *userdata, int dirfd)
{
        return check_folder(userdata, dirfd);
}

static int created(void *userdata, const char *path, bool directory)
{
        const struct oih_writer *p = userdata;
        return oih_undo_created(p->undo, path, directory);
}

/* How the writer makes missing folders: checked, recorded for undo. */
static struct oih_root_mkdir writer_mkdir(struct oih_writer *p, mode_t mode)
{
        return (struct oih_root_mkdir){
                .mode = mode, .owner = &p->owner, .may_create = may_create, .created = created, .userdata = p
        };
}

int oih_writer_dir(struct oih_writer *p, const char *path, mode_t mode, int *ret_fd)
{
        _cleanup_close_ int fd = -1, up = -1;
        struct oih_root_mkdir mk = writer_mkdir(p, mode);
        uint64_t id, up_id;

        p->current = path;
        int r = oih_root_mkdir(p->rootfd, path, &mk, &fd);
        if (r < 0)
                return r;
        if ((r = oih_fd_mount_id(fd, &id)) < 0)
                return r;
        if (!writable(p, id)) {
                /* The folder may be the volume itself: what holds it then is the root, or the runtime's
                 * tmpfs.
                 * ".." from a mount's root leads to the folder it is mounted on, past any mounts in between.
                 */
                up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (up < 0)
                        return negative_errno();
                if ((r = oih_fd_mount_id(up, &up_id)) < 0)
                        return r;
                if (up_id == id || !writable(p, up_id))
                        return refuse(p, id);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int oih_writer_check(struct oih_writer *p, const char *path)
{
        _cleanup_free_ char *dir = path_dirname(path);
        _cleanup_close_ int fd = -1;

        if (!dir)
                return -ENOMEM;
        p->current = path;
        int r = oih_root_open(p->rootfd, dir, O_PATH | O_DIRECTORY, &fd);
        if (r == -ENOENT)
                return 0; /* nothing can be made there */
        if (r < 0)
                return r;
        return check_folder(p, fd);
}

/*
 * The folder that holds path (made, and recorded for undoing, where missing), borrowed: it stays
 * cached for the next path in the same folder. A folder resolved once cannot change under the cache:
 * what the hook makes later is a leaf, never a part of a folder's path it has resolved.
 */
static int open_parent(struct oih_writer *p, const char *path, int *ret_dfd, const char **ret_name)
{
        _cleanup_free_ char *dir = path_dirname(path);
        struct oih_root_mkdir mk = writer_mkdir(p, 0755);
        const char *name = path_basename(path);
        struct stat st;
        int fd = -1;

        if (!dir)
                return -ENOMEM;
        p->current = path;
        if (p->cached_fd >= 0 && *name && streq_ptr(p->cached_dir, dir)) {
                *ret_dfd = p->cached_fd;
                *ret_name = name;
                return 0;
        }

        int r = oih_root_open_parent(p->rootfd, path, &mk, &fd, &name);
        if (r < 0)
                return r;
        r = check_folder(p, fd);
        if (r >= 0 && fstat(fd, &st) < 0)
                r = negative_errno();
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        forget_cached(p);
        p->cached_dir = TAKE_PTR(dir);
        p->cached_fd = fd;
        p->cached_setgid = st.st_mode & S_ISGID;
        *ret_dfd = fd;
        *ret_name = name;
        return 0;
}

/* New files have the creator's ids already, unless a set-group-id folder gave them its group. */
static int settle_owner(const struct oih_writer *p, int dfd, const char *name, int fd)
{
        if (p->creator_is_owner && !p->cached_setgid)
                return 0;
        int r = fd >= 0 ? fchown(fd, p->owner.uid, p->owner.gid)
                        : fchownat(dfd, name, p->owner.uid, p->owner.gid, AT_SYMLINK_NOFOLLOW);
        return r < 0 ? negative_errno() : 0;
}

static int place(struct oih_writer *p, const char *path, make_fn make, void *userdata)
{
        int dfd;
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

static int make_file(const struct oih_writer *p, int dfd, const char *name, void *userdata)
{
        const struct content *c = userdata;
        mode_t mode = c->mode & 0777; /* never a set-id bit */
        _cleanup_close_ int fd =
                openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
        int r = 0;

        if (fd < 0)
                return negative_errno();
        if (c->src_fd >= 0)
                r = copy_fd(c->src_fd, fd);
        else if (c->len > 0 && write(fd, c->data, c->len) != (ssize_t)c->len)
                r = errno ? negative_errno() : -EIO;
        if (r >= 0)
                r = settle_owner(p, dfd, name, fd);
        if (r >= 0 && (p->umask & mode) && fchmod(fd, mode) < 0)
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dfd, name, 0);
        return r;
}

int oih_writer_copy(struct oih_writer *p, const char *path, int src_fd, mode_t mode)
{
        struct content c = { .src_fd = src_fd, .mode = mode };
        return place(p, path, make_file, &c);
}

int oih_writer_data(struct oih_writer *p, const char *path, const char *data, size_t len, mode_t mode)
{
        struct content c = { .src_fd = -1, .data = data, .len = len, .mode = mode };
        return place(p, path, make_file, &c);
}

static int make_symlink(const struct oih_writer *p, int dfd, const char *name, void *userdata)
{
        if (symlinkat(userdata, dfd, name) < 0)
                return negative_errno();
        int r = settle_owner(p, dfd, name, -1);
        if (r < 0)
                (void)unlinkat(dfd, name, 0);
        return r;
}

int oih_writer_symlink(struct oih_writer *p, const char *path, const char *text)
{
        const char *name;
        int dfd;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;
        r = make_symlink(p, dfd, name, (void *)text);
        if (r >= 0)
                return oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);
        if (r != -EEXIST)
                return r;

        /* Something is there: the same link is left alone (a second run of the hook). */
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

static int make_node(const struct oih_writer *p, int dfd, const char *name, void *userdata)
{
        const struct node *n = userdata;
        int r = 0;

        if (mknodat(dfd, name, n->mode, n->rdev) < 0)
                return negative_errno();
        /* The host node's owner, not the container root's; the mode exactly, whatever the umask. */
        if (fchownat(dfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
                r = negative_errno();
        else if ((p->umask & n->mode & 0777) && fchmodat(dfd, name, n->mode & 07777, 0) < 0)
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dfd, name, 0);
        return r;
}

int oih_writer_node(struct oih_writer *p, const char *path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid)
{
        const char *name;
        struct stat st;
        int dfd;

        int r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && (st.st_mode & S_IFMT) == (mode & S_IFMT) &&
            st.st_rdev == rdev)
                return 0;

        struct node n = { .mode = mode, .rdev = rdev, .uid = uid, .gid = gid };
        return place_in(p, dfd, path, name, make_node, &n);
}

static int make_empty(const struct oih_writer *p, int dfd, const char *name, void *userdata)
{
        struct content c = { .src_fd = -1, .mode = 0644 };
        return make_file(p, dfd, name, &c);
}

/* A mount point made just now (its fd, or -1 where it was made by name): its owner settled and its undo
 * noted, or removed again where either fails. */
static int mount_point_made(struct oih_writer *p, int dfd, const char *name, const char *path, int fd)
{
        int r = settle_owner(p, dfd, name, fd);
        if (r >= 0)
                r = oih_undo_add(p->undo, OIH_UNDO_CREATED_FILE, path, NULL, 0, 0);
        if (r < 0) {
                safe_close(fd);
                (void)unlinkat(dfd, name, 0);
        }
        return r;
}

int oih_writer_mount_point_file(struct oih_writer *p, const char *path, struct oih_mount_point *ret)
{
        const char *name;
        struct stat st;
        int dfd, r;

        r = open_parent(p, path, &dfd, &name);
        if (r < 0)
                return r;

        /* Usually nothing is there: a new empty file, attached onto by its name in this folder. Where
         * mknod is refused altogether (a sandbox, a seccomp profile), the file is made as any other. */
        if (mknodat(dfd, name, S_IFREG | 0644, 0) >= 0) {
                r = mount_point_made(p, dfd, name, path, -1);
                if (r >= 0)
                        *ret = (struct oih_mount_point){ .fd = -1, .dfd = dfd, .name = name, .fresh = true };
                return r;
        }
        int fd = -1;
        if (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP)
                fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
                r = mount_point_made(p, dfd, name, path, fd);
                if (r >= 0)
                        *ret = (struct oih_mount_point){ .fd = fd, .dfd = -1, .fresh = true };
                return r;
        }
        if (errno != EEXIST)
                return negative_errno();

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        bool replaced = false;
        if (S_ISLNK(st.st_mode)) {
                /* Never mount through the image's symlink: put an empty file in its place. */
                r = place_in(p, dfd, path, name, make_empty, NULL);
                if (r < 0)
                        return r;
                replaced = true;
        }

        fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
                safe_close(fd);
                return -EAGAIN;
        }
        *ret = (struct oih_mount_point){ .fd = fd, .dfd = -1, .fresh = replaced };
        return 0;
}

int oih_writer_mount_point_dir(struct oih_writer *p, const char *path, struct oih_mount_point *ret)
{
        *ret = (struct oih_mount_point){ .fd = -1, .dfd = -1 };
        return oih_writer_dir(p, path, 0755, &ret->fd);
}
