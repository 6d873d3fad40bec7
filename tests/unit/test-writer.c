/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Putting files, symlinks and device nodes into a root: what the image had at the path (a symlink to
 * the outside, a file) is replaced and never written through; a folder in the way is an error; and the
 * undo journal puts everything back, or keeps it and drops the originals. Nothing is made inside a volume
 * (a bind mount from the host), in a private mount namespace of the test's own.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "writer.h"
#include "tap.h"
#include "util.h"

static char *root, *outside;
static struct oih_undo undo;
static struct oih_writer place;

static char *at(const char *rel)
{
        static char buf[4][512];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
        return buf[i];
}

static char *read_text(const char *path)
{
        char *text = NULL;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || read_full_fd(fd, 4096, &text, NULL) < 0)
                text = NULL;
        safe_close(fd);
        return text;
}

static char *link_text(const char *path)
{
        char *t = NULL;
        return readlink_malloc(path, &t) < 0 ? NULL : t;
}

/* Names left in a folder that start with ".oih-": temporaries or kept originals. */
static int temporaries(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;
        while (d && (de = readdir(d)))
                if (startswith(de->d_name, ".oih-"))
                        n++;
        return n;
}

static void setup(void)
{
        root = tmpdir_new();
        outside = tmpdir_new();
        free(write_file(outside, "shadow", "outside secret\n", 0600));
        if (mkdir(at("etc"), 0755) < 0)
                tap_bail("mkdir");
        char target[512];
        snprintf(target, sizeof(target), "%s/shadow", outside);
        if (symlink(target, at("etc/evil")) < 0)
                tap_bail("symlink");
        free(write_file(root, "etc/existing", "the image's file\n", 0644));
        if (mkdir(at("etc/folder"), 0755) < 0)
                tap_bail("mkdir");
        undo = (struct oih_undo){ .rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC) };
        place = (struct oih_writer){
                .rootfd = undo.rootfd,
                .owner = { .uid = 1234, .gid = 5678 },
                .undo = &undo,
                .cached_fd = -1,
        };
        oih_writer_prepare(&place);
        if (oih_writer_limit_mounts(&place, NULL) < 0)
                tap_bail("oih_writer_limit_mounts");
}

static void test_replace_symlink_and_commit(void)
{
        _cleanup_free_ char *src_path = write_file(outside, "source", "injected content\n", 0755);
        _cleanup_close_ int src = open(src_path, O_RDONLY | O_CLOEXEC);
        struct stat st;

        ok(oih_writer_copy(&place, "/etc/evil", src, 04755) == 0, "copy onto a symlink to the outside");
        _cleanup_free_ char *secret = NULL, *copied = NULL;
        char p[512];
        snprintf(p, sizeof(p), "%s/shadow", outside);
        secret = read_text(p);
        is_str(secret, "outside secret\n", "the symlink's target outside is untouched");
        copied = read_text(at("etc/evil"));
        is_str(copied, "injected content\n", "the root has the copy in the symlink's place");
        ok(lstat(at("etc/evil"), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0755,
           "a regular file, mode 0755 without the set-uid bit (got %o)", st.st_mode & 07777);
        ok(st.st_uid == 1234 && st.st_gid == 5678, "owned by the container's root user");
        is_int(temporaries(at("etc")), 1, "the replaced symlink is kept aside until commit");

        oih_undo_commit(&undo);
        is_int(temporaries(at("etc")), 0, "commit drops what was kept aside");
        ok(lstat(at("etc/evil"), &st) == 0 && S_ISREG(st.st_mode), "the copy stays after commit");
}

static void test_rollback(void)
{
        _cleanup_free_ char *after = NULL;

        ok(oih_writer_data(&place, "/etc/existing", "new\n", 4, 0644) == 0, "replace an existing file");
        ok(oih_writer_data(&place, "/new/deep/file", "made\n", 5, 0600) == 0, "a new file in new folders");
        ok(oih_writer_symlink(&place, "/etc/link", "existing") == 0, "a new symlink");
        ok(access(at("new/deep/file"), F_OK) == 0, "the new file is there before the rollback");

        oih_undo_rollback(&undo);
        after = read_text(at("etc/existing"));
        is_str(after, "the image's file\n", "rollback puts the original file back");
        ok(access(at("new"), F_OK) < 0, "rollback removes the new file and the folders made for it");
        ok(access(at("etc/link"), F_OK) < 0 && errno == ENOENT, "rollback removes the new symlink");
        is_int(temporaries(at("etc")), 0, "no temporary is left after the rollback");
}

static void test_symlinks(void)
{
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;

        ok(oih_writer_symlink(&place, "/lib/libfoo.so.1", "libfoo.so.1.2.3") == 0,
           "a library's soname link");
        t1 = link_text(at("lib/libfoo.so.1"));
        is_str(t1, "libfoo.so.1.2.3", "with the host's text");
        size_t n = undo.n;
        ok(oih_writer_symlink(&place, "/lib/libfoo.so.1", "libfoo.so.1.2.3") == 0 && undo.n == n,
           "the same link again changes nothing and records nothing");
        ok(oih_writer_symlink(&place, "/lib/libfoo.so.1", "/elsewhere/libfoo") == 0,
           "another text replaces it");
        t2 = link_text(at("lib/libfoo.so.1"));
        is_str(t2, "/elsewhere/libfoo", "with the new text");
        oih_undo_commit(&undo);
}

static void test_folder_in_the_way(void)
{
        ok(oih_writer_data(&place, "/etc/folder", "x", 1, 0644) == -EISDIR,
           "a folder in the way is -EISDIR");
        struct stat st;
        ok(lstat(at("etc/folder"), &st) == 0 && S_ISDIR(st.st_mode), "and the folder is still there");
        is_int(temporaries(at("etc")), 0, "no temporary is left behind");

        struct oih_mount_point mp;
        ok(oih_writer_mount_point_file(&place, "/etc/folder", &mp) == -EISDIR,
           "no file mount point on a folder");
        ok(oih_writer_data(&place, "/etc/existing/below", "x", 1, 0644) == -ENOTDIR,
           "below a regular file is -ENOTDIR");
        oih_undo_rollback(&undo);
}

static void test_mount_points(void)
{
        struct oih_mount_point a, b, c;
        struct stat st;
        char target[512];

        snprintf(target, sizeof(target), "%s/shadow", outside);
        if (symlink(target, at("etc/evil-mp")) < 0)
                tap_bail("symlink");

        ok(oih_writer_mount_point_file(&place, "/usr/bin/tool", &a) == 0, "a missing mount point is made");
        ok(a.fresh && a.fd < 0 && streq_ptr(a.name, "tool"), "it is returned as just made, by its name");
        ok(fstatat(a.dfd, a.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
                   (st.st_mode & 07777) == 0644,
           "an empty file of mode 0644, in the folder returned");
        ok(stat(at("usr/bin/tool"), &st) == 0 && S_ISREG(st.st_mode), "at the path in the root");
        ok(oih_writer_mount_point_file(&place, "/etc/evil-mp", &b) == 0 && b.fresh && b.fd >= 0 &&
                   fstat(b.fd, &st) == 0 && S_ISREG(st.st_mode),
           "a symlink as mount point is replaced by an empty file");
        safe_close(b.fd);
        _cleanup_free_ char *secret = NULL;
        secret = read_text(target);
        is_str(secret, "outside secret\n", "the symlink's target is untouched");
        ok(oih_writer_mount_point_file(&place, "/etc/existing", &c) == 0 && !c.fresh && c.fd >= 0 &&
                   fstat(c.fd, &st) == 0 && st.st_size > 0,
           "an existing file is used as it is");
        safe_close(c.fd);
        oih_undo_rollback(&undo);
        ok(access(at("usr"), F_OK) < 0, "rollback removes the mount point and its folders");
        _cleanup_free_ char *restored = link_text(at("etc/evil-mp"));
        is_str(restored, target, "rollback puts the image's symlink back");
}

static void test_device_nodes(void)
{
        struct stat st;
        dev_t null_dev = makedev(1, 3);

        ok(oih_writer_node(&place, "/dev/null", S_IFCHR | 0666, null_dev, 0, 5) == 0,
           "a character device node");
        ok(lstat(at("dev/null"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null_dev &&
                   (st.st_mode & 07777) == 0666 && st.st_gid == 5,
           "with type, number, mode (not the umask's) and owner");
        size_t n = undo.n;
        ok(oih_writer_node(&place, "/dev/null", S_IFCHR | 0666, null_dev, 0, 5) == 0 && undo.n == n,
           "the same node again is left alone");
        free(write_file(root, "dev/fuse", "not a device", 0644));
        ok(oih_writer_node(&place, "/dev/fuse", S_IFCHR | 0600, makedev(10, 229), 0, 0) == 0 &&
                   lstat(at("dev/fuse"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 229),
           "a regular file in the way is replaced by the node");
        oih_undo_rollback(&undo);
        _cleanup_free_ char *text = read_text(at("dev/fuse"));
        is_str(text, "not a device", "rollback restores what was there");
}

/* dir + rel, in one of four buffers that take turns. */
static char *in(const char *dir, const char *rel)
{
        static char buf[4][512];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%s%s", dir, rel);
        return buf[i];
}

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags)
{
        if (mount(src, dst, type, flags, NULL) < 0)
                tap_bail(dst);
}

static void test_volumes(void)
{
        _cleanup_free_ char *vroot = tmpdir_new(), *host = tmpdir_new();
        struct oih_undo u = {};
        _cleanup_error_ oih_error *err = NULL;
        struct stat st;

        /* A container's view: the root, its own /dev and /dev/shm tmpfs, a volume (a host folder) at /vol,
         * and a host tmpfs bound whole over /run, a tmpfs of the spec. Mounted in a namespace of our own. */
        if (unshare(CLONE_NEWNS) < 0)
                tap_bail("unshare");
        must_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE);
        must_mount(vroot, vroot, NULL, MS_BIND);
        free(write_file(host, "secret", "host file\n", 0600));
        char q[512]; /* the host's tmpfs */
        snprintf(q, sizeof(q), "%s/tmpfs", host);
        if (mkdir(in(host, "/sub"), 0755) < 0 || mkdir(q, 0755) < 0)
                tap_bail("mkdir");
        must_mount("tmpfs", q, "tmpfs", 0);
        const char *dirs[] = { "/dev", "/vol", "/run", "/etc" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(AT_FDCWD, in(vroot, dirs[i]), 0755) < 0)
                        tap_bail("mkdir");
        must_mount("tmpfs", in(vroot, "/dev"), "tmpfs", 0);
        if (mkdir(in(vroot, "/dev/shm"), 0755) < 0)
                tap_bail("mkdir");
        must_mount("tmpfs", in(vroot, "/dev/shm"), "tmpfs", 0);
        must_mount(host, in(vroot, "/vol"), NULL, MS_BIND);
        must_mount("tmpfs", in(vroot, "/run"), "tmpfs", 0);
        must_mount(q, in(vroot, "/run"), NULL, MS_BIND);
        if (symlink("/vol/sub", in(vroot, "/etc/link")) < 0)
                tap_bail("symlink");

        u.rootfd = open(vroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct oih_writer v = {
                .rootfd = u.rootfd, .owner = { 0, 0 }, .undo = &u, .cached_fd = -1, .err = &err
        };
        oih_writer_prepare(&v);
        char *tmpfs[] = { (char *)"/dev", (char *)"/dev/shm", (char *)"/run", NULL };
        ok(oih_writer_limit_mounts(&v, tmpfs) == 0, "the writable mounts are known");
        is_int(v.n_writable_mounts, 3, "the root, /dev and /dev/shm; not /run, covered by a host tmpfs");

        v.label = "vol.json";
        ok(oih_writer_data(&v, "/vol/secret", "x", 1, 0644) == -EXDEV, "a file in the volume is refused");
        ok(err && strstr(oih_error_message(err), "vol.json: ") == oih_error_message(err) &&
                   strstr(oih_error_message(err), "\"/vol/secret\"") &&
                   strstr(oih_error_message(err), "the volume mounted at \"/vol\""),
           "the line names the config, the destination and the volume: %s", oih_error_message(err));
        _cleanup_free_ char *kept = read_text(in(host, "/secret"));
        is_str(kept, "host file\n", "the host's file behind the volume is unchanged");
        oih_error_freep(&err);

        ok(oih_writer_data(&v, "/vol/new/deep/file", "x", 1, 0644) == -EXDEV &&
                   access(in(host, "/new"), F_OK) < 0,
           "no folder is made in the volume on the way to a destination");
        oih_error_freep(&err);
        ok(oih_writer_symlink(&v, "/etc/link/libx.so.1", "libx.so.1.0") == -EXDEV,
           "a symlink in the image leading into the volume is refused too");
        oih_error_freep(&err);
        int fd = -1;
        struct oih_mount_point mp;
        ok(oih_writer_mount_point_file(&v, "/vol/tool", &mp) == -EXDEV,
           "a mount point in the volume is refused");
        oih_error_freep(&err);
        ok(oih_writer_dir(&v, "/vol/sub", 0755, &fd) == -EXDEV,
           "a folder destination inside the volume is refused");
        oih_error_freep(&err);
        ok(oih_writer_dir(&v, "/vol", 0755, &fd) == 0,
           "the volume's own mount point is a destination the hook may bind onto");
        safe_close(fd);
        ok(oih_writer_node(&v, "/run/fuse", S_IFCHR | 0600, makedev(10, 229), 0, 0) == -EXDEV &&
                   lstat(in(q, "/fuse"), &st) < 0,
           "a host tmpfs bound over a tmpfs of the spec is a volume too");
        oih_error_freep(&err);
        ok(oih_writer_check(&v, "/etc/link/ld.so.cache") == -EXDEV,
           "oih_writer_check says so without making anything");
        oih_error_freep(&err);

        ok(oih_writer_node(&v, "/dev/fuse", S_IFCHR | 0600, makedev(10, 229), 0, 0) == 0 &&
                   lstat(in(vroot, "/dev/fuse"), &st) == 0 && S_ISCHR(st.st_mode),
           "the container's own /dev tmpfs gets its device node");
        ok(oih_writer_data(&v, "/dev/shm/x", "x", 1, 0644) == 0, "and its /dev/shm tmpfs a file");
        ok(oih_writer_data(&v, "/etc/new/file", "x", 1, 0644) == 0, "the root gets files and folders");
        is_int(err ? 1 : 0, 0, "no error was reported for those");
        oih_undo_rollback(&u);
        ok(lstat(in(vroot, "/etc/new"), &st) < 0, "rollback removes them");

        oih_writer_done(&v);
        safe_close(u.rootfd);
        const char *mounts[] = { "/run", "/run", "/vol", "/dev/shm", "/dev", "" };
        for (size_t i = 0; i < ELEMENTSOF(mounts); i++)
                (void)umount2(in(vroot, mounts[i]), MNT_DETACH);
        (void)umount2(q, MNT_DETACH);
        tmpdir_remove(TAKE_PTR(vroot));
        tmpdir_remove(TAKE_PTR(host));
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (chown, mknod)");
        setup();
        test_replace_symlink_and_commit();
        test_rollback();
        test_symlinks();
        test_folder_in_the_way();
        test_mount_points();
        test_device_nodes();
        oih_writer_done(&place);
        safe_close(undo.rootfd);
        tmpdir_remove(root);
        tmpdir_remove(outside);
        test_volumes(); /* last: it leaves the test in a mount namespace of its own */
        return tap_finish();
}
