/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "caps.h"
#include "elf-library.h"
#include "ldconfig.h"
#include "ldso-cache.h"
#include "log.h"
#include "mountinfo.h"
#include "spawn.h"
#include "util.h"

/* Debian ships a wrapper script at /sbin/ldconfig on some releases and the binary as ldconfig.real. */
static const char *const ldconfig_paths[] = { "/sbin/ldconfig.real", "/sbin/ldconfig",
                                              "/usr/sbin/ldconfig" };

/* A "#!" script (Debian's ldconfig wrapper), not the program. */
static bool is_script(int fd)
{
        char magic[2];
        return pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) && magic[0] == '#' &&
               magic[1] == '!';
}

int oih_ldconfig_open(int *ret_fd, oih_error **err)
{
        for (size_t i = 0; i < ELEMENTSOF(ldconfig_paths); i++) {
                const char *path = ldconfig_paths[i];
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                bool is_static = false;

                if (fd < 0)
                        continue;
                int r = oih_elf_program_is_static(fd, &is_static);
                if (r == -ENOEXEC && is_script(fd))
                        continue; /* a wrapper script: look for the binary */
                if (r == -ENOEXEC)
                        return oih_error_set(err, ENOEXEC,
                                             "the host's ldconfig \"%s\" is not an ELF program", path);
                if (r < 0)
                        return oih_error_set_errno(err, -r, "cannot read the host's ldconfig \"%s\"", path);
                if (!is_static)
                        return oih_error_set(
                                err, ENOEXEC,
                                "the host's ldconfig \"%s\" is dynamically linked: run in the container's root it would load the image's libc; install a statically linked ldconfig (glibc builds it so)",
                                path);
                log_debug("using the host's ldconfig \"%s\"", path);
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
        return oih_error_set(
                err, ENOENT,
                "no ldconfig on the host (looked for /sbin/ldconfig and /usr/sbin/ldconfig); install glibc's, or inject libraries into images without glibc only");
}

int oih_ldconfig_seal(int fd, int *ret_memfd, oih_error **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return oih_error_set_errno(err, errno, "cannot stat the host's ldconfig");
        _cleanup_close_ int mfd = memfd_create("ldconfig", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return oih_error_set_errno(err, errno, "memfd_create");

        /* Copied by the kernel, page cache to memfd: no buffer of the hook's is touched. */
        off_t offset = 0;
        while (offset < st.st_size) {
                ssize_t n = sendfile(mfd, fd, &offset, (size_t)(st.st_size - offset));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return oih_error_set_errno(err, n < 0 ? errno : EIO,
                                                   "cannot copy ldconfig into memory");
        }
        if (fchmod(mfd, 0555) < 0 ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return oih_error_set_errno(err, errno, "cannot seal the copy of ldconfig");
        *ret_memfd = TAKE_FD(mfd);
        return 0;
}

static _noreturn_ void child_fail(int fd, const char *what, int code)
{
        dprintf(fd, "oci-injector-hook: ldconfig child: %s: %s\n", what, strerror(code));
        _exit(126);
}

/* The per-mount flags a remount must repeat to keep them (MS_REMOUNT sets all of them at once). */
static unsigned long kept_mount_flags(const struct statvfs *sv)
{
        unsigned long f = 0;
        if (sv->f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv->f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        else if (sv->f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        else
                f |= MS_STRICTATIME;
        if (sv->f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        return f;
}

/* A library file bound into one of the root's library folders: the mount, and its container path. */
struct bound_library {
        int fd;
        char *path;
};

/*
 * The library files bound into the root's library folders (by the hook, or by the runtime from a CDI spec)
 * are mounts too, and not in the view: they are bound into it, so that ldconfig sees them. Only regular
 * files right in those folders, with names ldconfig takes; a folder on another mount (a volume) is left
 * out. Collected on `lower`, the root with the runtime's mounts, before the view covers it: ".." back up
 * to a covered folder would lead into the view.
 */
static size_t collect_libraries(int lower, char *const *dirs, struct bound_library **ret, int err_fd)
{
        struct bound_library *libs = NULL;
        size_t n = 0;

        STRV_FOREACH (d, dirs) {
                int dfd = -1;
                uint64_t dir_mnt;
                if (oih_root_open_same_mount(lower, *d, O_RDONLY | O_DIRECTORY, &dfd) < 0)
                        continue;
                _cleanup_closedir_ DIR *dir = fdopendir(dfd);
                if (!dir) {
                        safe_close(dfd);
                        child_fail(err_fd, "reading a library folder", errno);
                }
                if (oih_fd_mount_id(dirfd(dir), &dir_mnt) < 0)
                        continue;
                for (struct dirent *de; (de = readdir(dir));) {
                        struct stat st;
                        uint64_t mnt;
                        if (!oih_ldso_cache_name_ok(de->d_name))
                                continue;
                        /* A mount point is looked up to what is mounted there, O_NOFOLLOW or not. */
                        _cleanup_close_ int fd =
                                openat(dirfd(dir), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                            oih_fd_mount_id(fd, &mnt) < 0 || mnt == dir_mnt)
                                continue;
                        struct bound_library *m = reallocarray(libs, n + 1, sizeof(*libs));
                        if (!m)
                                child_fail(err_fd, "collecting the injected libraries", ENOMEM);
                        libs = m;
                        libs[n].path = path_join(*d, de->d_name);
                        if (!libs[n].path)
                                child_fail(err_fd, "collecting the injected libraries", ENOMEM);
                        libs[n++].fd = TAKE_FD(fd);
                }
        }
        *ret = libs;
        return n;
}

static void bind_libraries(int view, const struct bound_library *libs, size_t n, int err_fd)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int dst = -1;
                struct stat st;
                char from[64], to[64];

                if (oih_root_open(view, libs[i].path, O_PATH | O_NOFOLLOW, &dst) < 0 ||
                    fstat(dst, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                snprintf(from, sizeof(from), "/proc/self/fd/%d", libs[i].fd);
                snprintf(to, sizeof(to), "/proc/self/fd/%d", dst);
                if (mount(from, to, NULL, MS_BIND, NULL) < 0)
                        child_fail(err_fd, "binding an injected library into the view", errno);
        }
}

/*
 * In the child's private mount namespace: makes the working folder a view of the root's own filesystem
 * alone, where no device node opens and nothing runs, and checks that it is. `root` is the root's path in
 * this namespace. A bind that is not recursive copies one mount without anything mounted below it: the
 * container's procfs (before pivot_root its /proc/1/root is the host's root), sysfs, /dev, the volumes
 * and every other mount the runtime made are not there, and the image's own folders underneath are. On
 * that copy nodev, nosuid and noexec: an image's device node named lib*.so* (or reached by a link, or
 * `include`d by ld.so.conf) cannot be opened, whatever its mode.
 */
static void confine_view(int rootfd, const char *root, char *const *dirs, int err_fd)
{
        struct stat root_st, st;
        struct statvfs sv;
        uint64_t below, view_mnt;

        /* rootfd is a mount of the container's namespace, not of this copy of it: work by the path here. */
        _cleanup_close_ int copy = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (copy < 0 || fstat(copy, &st) < 0 || fstat(rootfd, &root_st) < 0)
                child_fail(err_fd, "opening the root", errno);
        if (st.st_dev != root_st.st_dev || st.st_ino != root_st.st_ino)
                child_fail(err_fd, "the root's path names another folder", EXDEV);
        int r = oih_fd_mount_id(copy, &below);
        if (r < 0)
                child_fail(err_fd, "the mount id of the root", -r);
        /* Kept until exec, which closes their fds (O_CLOEXEC) and frees the rest. */
        struct bound_library *libs = NULL;
        size_t n_libs = collect_libraries(copy, dirs, &libs, err_fd);
        if (mount(root, root, NULL, MS_BIND, NULL) < 0)
                child_fail(err_fd, "a view of the root without its mounts", errno);
        if (chdir(root) < 0)
                child_fail(err_fd, "entering the view of the root", errno);
        _cleanup_close_ int view = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (view < 0)
                child_fail(err_fd, "entering the view of the root", errno);
        bind_libraries(view, libs, n_libs, err_fd);

        struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC };
        if (syscall(SYS_mount_setattr, AT_FDCWD, ".", AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
                if (errno != ENOSYS && errno != EPERM)
                        child_fail(err_fd, "nodev on the view of the root", errno);
                /* Before Linux 5.12: a remount, which sets every per-mount flag at once. */
                if (statvfs(".", &sv) < 0)
                        child_fail(err_fd, "statvfs of the view of the root", errno);
                if (mount(NULL, ".", NULL,
                          MS_REMOUNT | MS_BIND | MS_NODEV | MS_NOSUID | MS_NOEXEC | kept_mount_flags(&sv),
                          NULL) < 0)
                        child_fail(err_fd, "nodev on the view of the root", errno);
        }

        /* The working folder is the image's root, on the new mount (not the one below it, with the
         * runtime's mounts), and that mount is nodev. */
        if (fstat(view, &st) < 0 || statvfs(".", &sv) < 0)
                child_fail(err_fd, "checking the view of the root", errno);
        if (st.st_dev != root_st.st_dev || st.st_ino != root_st.st_ino)
                child_fail(err_fd, "the view of the root is another folder", EXDEV);
        r = oih_fd_mount_id(view, &view_mnt);
        if (r < 0)
                child_fail(err_fd, "the mount id of the view of the root", -r);
        if (view_mnt == below)
                child_fail(err_fd, "the view of the root still has the runtime's mounts", EBUSY);
        if (!(sv.f_flag & ST_NODEV) || !(sv.f_flag & ST_NOSUID))
                child_fail(err_fd, "the view of the root is not nodev", EPERM);
}

/*
 * A container with a user namespace: its mount namespace belongs to that user namespace, and a copy of it
 * made from outside (unshare by the hook's child, in the host's user namespace) gets every mount locked to
 * the ones around it (the kernel keeps a less privileged namespace from seeing what mounts hide), so that
 * no mount could be taken alone. The child joins the owner first: then the copy is made by its owner, and
 * the container's root user is uid 0 there. Returns whether it joined.
 */
static bool join_mount_owner(int err_fd)
{
        struct stat theirs, ours;

        _cleanup_close_ int mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (mnt < 0)
                child_fail(err_fd, "opening the mount namespace", errno);
        _cleanup_close_ int owner = ioctl(mnt, NS_GET_USERNS);
        if (owner < 0)
                child_fail(err_fd, "the owner of the mount namespace", errno);
        if (fstat(owner, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
                child_fail(err_fd, "comparing user namespaces", errno);
        if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
                return false;
        if (setns(owner, CLONE_NEWUSER) < 0)
                child_fail(err_fd, "joining the container's user namespace", errno);
        return true;
}

/* Far above what ldconfig needs (a few MiB and milliseconds for an image of a thousand libraries), far
 * below what would cost the runtime: it runs in the hook's cgroups, not the container's. */
static void limit_resources(int err_fd)
{
        static const struct {
                int resource;
                rlim_t limit;
        } limits[] = {
                { RLIMIT_CPU, OIH_LDCONFIG_TIMEOUT_SEC },
                { RLIMIT_AS, 256ULL * 1024 * 1024 },
                { RLIMIT_FSIZE, 64ULL * 1024 * 1024 },
                { RLIMIT_NOFILE, 64 },
                { RLIMIT_CORE, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                struct rlimit rl;
                if (getrlimit(limits[i].resource, &rl) < 0)
                        continue;
                rlim_t v = limits[i].limit;
                if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
                        v = rl.rlim_max;
                rl.rlim_cur = rl.rlim_max = v;
                if (setrlimit(limits[i].resource, &rl) < 0)
                        child_fail(err_fd, "setrlimit", errno);
        }
}

static _noreturn_ void run_child(int rootfd, int ldconfig_fd, const struct oih_owner *owner,
                                 char *const *dirs, int err_fd)
{
        _cleanup_free_ char *root = NULL;
        char fdlink[64];

        if (dup2(err_fd, STDERR_FILENO) < 0)
                _exit(126);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                (void)dup2(null, STDIN_FILENO);
                (void)dup2(null, STDOUT_FILENO);
        }

        /* The root's path as this namespace knows it: where the view of it is mounted. */
        snprintf(fdlink, sizeof(fdlink), "/proc/self/fd/%d", rootfd);
        int r = readlink_malloc(fdlink, &root);
        if (r < 0)
                child_fail(STDERR_FILENO, "readlink of the root", -r);

        /* No supplementary group of the hook's goes along: in the container's user namespace setgroups
         * may be denied. */
        if (setgroups(0, NULL) < 0)
                child_fail(STDERR_FILENO, "dropping the supplementary groups", errno);
        bool joined = join_mount_owner(STDERR_FILENO);
        if (unshare(CLONE_NEWNS) < 0)
                child_fail(STDERR_FILENO, "unshare", errno);
        if (mount("", "/", "", MS_REC | MS_PRIVATE, NULL) < 0)
                child_fail(STDERR_FILENO, "making the mounts private", errno);
        confine_view(rootfd, root, dirs, STDERR_FILENO);
        if (chroot(".") < 0 || chdir("/") < 0)
                child_fail(STDERR_FILENO, "chroot into the container's root", errno);
        limit_resources(STDERR_FILENO);

        r = joined ? oih_caps_drop_all(0, 0) : oih_caps_drop_all(owner->uid, owner->gid);
        if (r < 0)
                child_fail(STDERR_FILENO, "dropping privileges", -r);
        /* The new ids made the kernel forget the parent-death signal: ask again. */
        r = oih_helper_die_with_parent();
        if (r < 0)
                child_fail(STDERR_FILENO, "dying with the hook", -r);

        char *const argv[] = { (char *)"ldconfig", NULL };
        char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        syscall(SYS_execveat, ldconfig_fd, "", argv, envp, AT_EMPTY_PATH);
        child_fail(STDERR_FILENO, "executing ldconfig", errno);
}

struct ldconfig_child {
        int rootfd, ldconfig_fd;
        const struct oih_owner *owner;
        char *const *dirs;
};

static void ldconfig_child(void *userdata, int err_fd)
{
        const struct ldconfig_child *c = userdata;
        run_child(c->rootfd, c->ldconfig_fd, c->owner, c->dirs, err_fd);
}

int oih_ldconfig_run(int rootfd, int ldconfig_fd, const struct oih_owner *owner, char *const *dirs,
                     oih_error **err)
{
        struct ldconfig_child c = {
                .rootfd = rootfd, .ldconfig_fd = ldconfig_fd, .owner = owner, .dirs = dirs
        };
        struct oih_helper_result result;
        char how[64];

        int r = oih_helper_run(ldconfig_child, &c, OIH_LDCONFIG_TIMEOUT_SEC, &result);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot run ldconfig");
        if (!oih_helper_ok(&result))
                return oih_error_set(err, result.timed_out ? ETIMEDOUT : EIO, "ldconfig failed (%s)%s%s",
                                     oih_helper_describe(&result, how, sizeof(how)),
                                     *result.last_line ? ": " : "", result.last_line);
        return 0;
}
