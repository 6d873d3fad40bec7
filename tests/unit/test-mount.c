/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binds land on the fd that was resolved, never on a path resolved again (THREATS.md item 2): after the
 * target is opened, the test swaps its folder for a symlink to the outside, as a racing container
 * would, and the bind must still land on the original file. Also: the identity check of sources, the
 * flags of the new mount, its privacy, the shared-mount test, and the mount(2) fallback. Runs in a
 * private mount namespace of its own.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "mount-options.h"
#include "mount.h"
#include "rootfs.h"
#include "tap.h"
#include "util.h"

static char *read_text(const char *path)
{
        char *text = NULL;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, 4096, &text, NULL) < 0)
                text = NULL;
        safe_close(fd);
        return text;
}

static char *path_in(const char *dir, const char *rel)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, rel) < 0)
                tap_bail("asprintf");
        return p;
}

/* A root with d/target, a host source file and an outside folder with its own target. */
struct fixture {
        char *root, *host, *outside;
        int rootfd;
        struct stat src_st;
};

static void fixture_new(struct fixture *f)
{
        f->root = tmpdir_new();
        f->host = tmpdir_new();
        f->outside = tmpdir_new();
        _cleanup_free_ char *d = path_in(f->root, "d");
        if (mkdir(d, 0755) < 0)
                tap_bail("mkdir");
        free(write_file(d, "target", "original\n", 0644));
        free(write_file(f->outside, "target", "outside\n", 0644));
        _cleanup_free_ char *src = write_file(f->host, "source", "from the host\n", 0644);
        if (stat(src, &f->src_st) < 0)
                tap_bail("stat");
        f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void fixture_done(struct fixture *f)
{
        _cleanup_free_ char *a = path_in(f->root, "d/target"), *b = path_in(f->root, "moved/target");
        (void)umount2(a, MNT_DETACH | UMOUNT_NOFOLLOW);
        (void)umount2(b, MNT_DETACH | UMOUNT_NOFOLLOW);
        safe_close(f->rootfd);
        tmpdir_remove(f->root);
        tmpdir_remove(f->host);
        tmpdir_remove(f->outside);
}

/* The container swaps d for a symlink to the outside after the hook resolved d/target. */
static void swap_folder(struct fixture *f)
{
        _cleanup_free_ char *d = path_in(f->root, "d"), *moved = path_in(f->root, "moved");
        if (rename(d, moved) < 0 || symlink(f->outside, d) < 0)
                tap_bail("swap");
}

/* False where a seccomp filter refuses move_mount (test-mount-no-move-mount): attaching falls back to
 * mount(2) even for a detached copy. */
static bool move_mount_works;

/* The mount point as the writer gives it: an fd on d/target, or (by_name) the folder d and the name. */
static void mount_point_resolve(struct fixture *f, bool by_name, struct oih_mount_point *mp,
                                const char *mode)
{
        *mp = (struct oih_mount_point){ .fd = -1, .dfd = -1 };
        if (by_name) {
                ok(oih_root_open(f->rootfd, "/d", O_PATH | O_DIRECTORY, &mp->dfd) == 0,
                   "%s: the target's folder is resolved", mode);
                mp->name = "target";
                mp->fresh = true;
        } else
                ok(oih_root_open(f->rootfd, "/d/target", O_PATH | O_NOFOLLOW, &mp->fd) == 0,
                   "%s: the target is resolved", mode);
}

static void test_bind_lands_on_fd(const char *mode, bool by_name)
{
        _cleanup_error_ oih_error *err = NULL;
        struct fixture f = {};
        struct oih_mount_source src = { .fd = -1 };
        struct oih_mount_point mp;

        fixture_new(&f);
        _cleanup_free_ char *src_path = path_in(f.host, "source");
        ok(oih_mount_source_open(src_path, f.src_st.st_dev, f.src_st.st_ino, false, &src, &err) == 0,
           "%s: the source is taken", mode);
        mount_point_resolve(&f, by_name, &mp, mode);

        swap_folder(&f);
        int r = oih_mount_attach(&src, f.rootfd, "/d/target", &mp, OIH_MOUNT_FILE_DEFAULTS, &err);

        _cleanup_free_ char *outside_target = path_in(f.outside, "target"),
                            *moved = path_in(f.root, "moved/target");
        _cleanup_free_ char *out = read_text(outside_target), *in = read_text(moved);
        is_str(out, "outside\n", "%s: the outside file is untouched", mode);
        if (src.tree && move_mount_works) {
                ok(r == 0, "%s: the bind succeeded (%s)", mode, r < 0 ? oih_error_message(err) : "ok");
                is_str(in, "from the host\n", "%s: it landed on the original file, through the fd", mode);
                int w = open(moved, O_WRONLY | O_CLOEXEC);
                ok(w < 0 && errno == EROFS, "%s: the new mount is read-only", mode);
                safe_close(w);
        } else {
                /* The fallback resolves the path again to set the flags: it must notice the swap. */
                ok(r < 0, "%s: the swap is noticed and the bind refused", mode);
                contains(err ? oih_error_message(err) : NULL, "/d/target",
                         "%s: the message names the target", mode);
                is_str(in, "original\n", "%s: and no bind is left behind on the original file", mode);
        }

        safe_close(mp.fd);
        safe_close(mp.dfd);
        oih_mount_source_done(&src);
        fixture_done(&f);
}

/* A mount point made by name, then replaced by a symlink to the outside before the bind: the name is
 * not followed. */
static void test_name_not_followed(const char *mode)
{
        _cleanup_error_ oih_error *err = NULL;
        struct fixture f = {};
        struct oih_mount_source src = { .fd = -1 };
        struct oih_mount_point mp;

        fixture_new(&f);
        _cleanup_free_ char *src_path = path_in(f.host, "source"), *t = path_in(f.root, "d/target"),
                            *outside_target = path_in(f.outside, "target");
        ok(oih_mount_source_open(src_path, f.src_st.st_dev, f.src_st.st_ino, false, &src, &err) == 0,
           "%s: the source is taken", mode);
        mount_point_resolve(&f, true, &mp, mode);
        if (unlink(t) < 0 || symlink(outside_target, t) < 0)
                tap_bail("symlink");

        int r = oih_mount_attach(&src, f.rootfd, "/d/target", &mp, OIH_MOUNT_FILE_DEFAULTS, &err);
        printf("# %s: attaching onto the symlink: %s\n", mode, r < 0 ? oih_error_message(err) : "done");
        _cleanup_free_ char *out = read_text(outside_target);
        is_str(out, "outside\n", "%s: the file the symlink points to is untouched", mode);
        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        bool outside_mounted = false;
        while (mi && getline(&line, &size, mi) > 0)
                outside_mounted = outside_mounted || strstr(line, f.outside);
        ok(!outside_mounted, "%s: nothing is mounted outside the root", mode);

        safe_close(mp.dfd);
        oih_mount_source_done(&src);
        fixture_done(&f);
}

/* The flags of the new mount: set on the detached copy as it is taken (source_flags the same as the
 * bind's, where the kernel has open_tree_attr), or when it is attached. */
static void test_bind_flags_and_privacy(const char *mode, unsigned source_flags)
{
        const unsigned flags = OIH_MOUNT_FILE_DEFAULTS | OIH_MOUNT_NOEXEC;
        _cleanup_error_ oih_error *err = NULL;
        struct fixture f = {};
        struct oih_mount_source src = { .fd = -1 };
        struct oih_mount_point mp;

        fixture_new(&f);
        _cleanup_free_ char *src_path = path_in(f.host, "source"), *t = path_in(f.root, "d/target");
        ok(oih_mount_source_open(src_path, f.src_st.st_dev, f.src_st.st_ino, source_flags, &src, &err) == 0,
           "%s: the source is taken (%s)", mode, err ? oih_error_message(err) : "ok");
        if (src.flags_set) {
                /* Nobody sees the copy yet, and it has the flags it was taken with already. */
                struct statvfs sv;
                unsigned long want = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
                ok(fstatvfs(src.fd, &sv) == 0, "%s: statvfs of the detached copy", mode);
                unsigned long expected = (source_flags & OIH_MOUNT_RDONLY ? ST_RDONLY : 0) |
                                         (source_flags & OIH_MOUNT_NOSUID ? ST_NOSUID : 0) |
                                         (source_flags & OIH_MOUNT_NODEV ? ST_NODEV : 0) |
                                         (source_flags & OIH_MOUNT_NOEXEC ? ST_NOEXEC : 0);
                ok((sv.f_flag & want) == expected, "%s: the detached copy has the source's flags (0x%lx)",
                   mode, sv.f_flag & want);
        }
        mount_point_resolve(&f, false, &mp, mode);
        ok(oih_mount_attach(&src, f.rootfd, "/d/target", &mp, flags, &err) == 0,
           "%s: bind with ro,nosuid,nodev,noexec (%s)", mode, err ? oih_error_message(err) : "ok");

        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL, *found = NULL;
        size_t size = 0;
        while (mi && getline(&line, &size, mi) > 0)
                if (strstr(line, t))
                        found = strdup(line);
        contains(found, " ro,nosuid,nodev,noexec", "%s: mountinfo shows the flags", mode);
        ok(found && !strstr(found, "shared:"), "%s: the mount is not shared", mode);
        ok(found && !strstr(found, "master:"), "%s: the mount is no slave", mode);

        struct stat st;
        ok(fstat(src.fd, &st) == 0 && st.st_ino == f.src_st.st_ino,
           "%s: the source's fd is the new mount's root", mode);
        ok(oih_mount_detach(src.fd) == 0, "%s: detach", mode);
        _cleanup_free_ char *text = read_text(t);
        is_str(text, "original\n", "%s: after detaching, the original file shows again", mode);

        safe_close(mp.fd);
        oih_mount_source_done(&src);
        fixture_done(&f);
}

/* Linux 6.15 has open_tree_attr: where the kernel has it, the copy gets its flags as it is made. */
static void test_flags_at_clone(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct fixture f = {};
        struct oih_mount_source src = { .fd = -1 };
        struct utsname u;
        int major = 0, minor = 0;

        if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
                tap_bail("uname");
        bool has_it = major > 6 || (major == 6 && minor >= 15);
        fixture_new(&f);
        _cleanup_free_ char *src_path = path_in(f.host, "source");
        ok(oih_mount_source_open(src_path, f.src_st.st_dev, f.src_st.st_ino, OIH_MOUNT_FILE_DEFAULTS, &src,
                                 &err) == 0,
           "the source is taken");
        ok(src.flags_set == has_it, "the copy has its flags from the start %s (kernel %s)",
           has_it ? "where the kernel has open_tree_attr" : "only with open_tree_attr", u.release);
        oih_mount_source_done(&src);
        fixture_done(&f);
}

static void test_source_identity(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct fixture f = {};
        struct oih_mount_source src = { .fd = -1 };

        fixture_new(&f);
        _cleanup_free_ char *src_path = path_in(f.host, "source");
        int r = oih_mount_source_open(src_path, f.src_st.st_dev, f.src_st.st_ino + 1, false, &src, &err);
        ok(r == -ESTALE, "a source that is not the planned file is refused");
        contains(err ? oih_error_message(err) : NULL, "changed on the host", "the message says it changed");
        fixture_done(&f);
}

static void test_shared_detection(void)
{
        struct fixture f = {};
        struct oih_shared_mounts shared = {};
        bool is_shared = true;

        fixture_new(&f);
        _cleanup_free_ char *d = path_in(f.root, "d"), *t = path_in(f.root, "d/target");
        _cleanup_close_ int plain = open(t, O_PATH | O_CLOEXEC);
        ok(oih_shared_mounts_read(&shared) == 0 && oih_fd_on_shared_mount(&shared, plain, &is_shared) == 0 &&
                   !is_shared,
           "a file on a private mount is not on a shared one");
        oih_shared_mounts_done(&shared);

        if (mount(d, d, NULL, MS_BIND, NULL) < 0 || mount(NULL, d, NULL, MS_SHARED, NULL) < 0)
                tap_bail("make shared");
        _cleanup_close_ int on_shared = open(t, O_PATH | O_CLOEXEC);
        ok(oih_shared_mounts_read(&shared) == 0 &&
                   oih_fd_on_shared_mount(&shared, on_shared, &is_shared) == 0 && is_shared,
           "a file on a shared bind mount is seen as shared");
        oih_shared_mounts_done(&shared);
        (void)umount2(d, MNT_DETACH);
        fixture_done(&f);
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (mount namespaces)");
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                tap_bail("private mount namespace");

        move_mount_works = syscall(SYS_move_mount, -1, "", -1, "", 0) < 0 && errno != ENOSYS;
        printf("# move_mount %s\n",
               move_mount_works ? "works" : "is refused: attaching falls back to mount(2)");

        /* A refused move_mount makes the library fall back for good: each test starts afresh. */
        test_bind_lands_on_fd("open_tree", false);
        oih_mount_force_fallback(false);
        test_bind_lands_on_fd("open_tree, by name", true);
        oih_mount_force_fallback(false);
        test_name_not_followed("open_tree");
        oih_mount_force_fallback(false);
        test_bind_flags_and_privacy("flags when attached", 0);
        oih_mount_force_fallback(false);
        test_bind_flags_and_privacy("flags when taken", OIH_MOUNT_FILE_DEFAULTS | OIH_MOUNT_NOEXEC);
        oih_mount_force_fallback(false);
        test_bind_flags_and_privacy("other flags when taken", OIH_MOUNT_NOSUID);
        oih_mount_force_fallback(false);
        test_flags_at_clone();
        test_source_identity();
        test_shared_detection();

        oih_mount_force_fallback(true);
        test_bind_lands_on_fd("mount(2)", false);
        test_bind_lands_on_fd("mount(2), by name", true);
        test_name_not_followed("mount(2)");
        test_bind_flags_and_privacy("mount(2)", OIH_MOUNT_FILE_DEFAULTS | OIH_MOUNT_NOEXEC);
        return tap_finish();
}
