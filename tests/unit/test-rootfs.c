/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution inside a container root (THREATS.md item 1), on a temporary root full of hostile
 * symlinks, with a real procfs mounted inside it (as runtimes do before the hooks run). Every case runs
 * twice: with openat2 and with the user-space walk. meson also runs the whole program under a seccomp
 * filter that makes openat2 fail with ENOSYS, so that the fallback is reached the way it is in the field.
 * Reads of the image's files (oih_root_read_image_file) stay on the root's own mount (not its procfs, not a
 * volume bound into it), open regular files only, and read as the container's root user without
 * capabilities, giving the hook its credentials back.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "rootfs.h"
#include "tap.h"
#include "util.h"

static char *root, *outside;
static int rootfd = -1;

static void must(int r, const char *what)
{
        if (r < 0)
                tap_bail(what);
}

static void make_tree(void)
{
        char p[512];

        root = tmpdir_new();
        outside = tmpdir_new();
        free(write_file(outside, "marker", "outside the root\n", 0644));

#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", root, rel), p)
        must(mkdir(AT("e"), 0755), "mkdir e");
        must(mkdir(AT("e/f"), 0755), "mkdir e/f");
        must(mkdir(AT("etc"), 0755), "mkdir etc");
        must(mkdir(AT("proc"), 0755), "mkdir proc");
        free(write_file(root, "file", "a file in the root\n", 0644));
        must(symlink("/", AT("slash")), "symlink slash");
        must(symlink("../../../../../../../../etc", AT("up")), "symlink up");
        must(symlink("/proc/self/root/etc", AT("magic")), "symlink magic");
        char self_root[64];
        snprintf(self_root, sizeof(self_root), "/proc/%d/root", (int)getpid());
        must(symlink(self_root, AT("pidroot")), "symlink pidroot");
        must(symlink("/nonexistent/dangling", AT("dangling")), "symlink dangling");
        must(symlink("/made/by/mkdir", AT("dangling-mk")), "symlink dangling-mk");
        must(symlink("loop2", AT("loop1")), "symlink loop1");
        must(symlink("loop1", AT("loop2")), "symlink loop2");
        must(symlink("file", AT("tofile")), "symlink tofile");
        must(symlink(outside, AT("abs-outside")), "symlink abs-outside");
        /* The image's files that the hook reads, and links from them to what it must not read. */
        must(mkdir(AT("img"), 0755), "mkdir img");
        must(mkdir(AT("vol"), 0755), "mkdir vol");
        free(write_file(root, "img/conf", "image conf\n", 0644));
        free(write_file(root, "img/secret", "root's own\n", 0600));
        free(write_file(root, "img/users", "uid 1000's\n", 0600));
        must(chown(AT("img/users"), 1000, 1000), "chown users");
        free(write_file(root, "img/big", "0123456789abcdef\n", 0644));
        must(mkfifo(AT("img/fifo"), 0644), "mkfifo");
        must(symlink("../../../../../img/conf", AT("img/up-conf")), "symlink up-conf");
        must(symlink("/proc/iomem", AT("img/iomem")), "symlink iomem");
        must(symlink("/proc/self/environ", AT("img/environ")), "symlink environ");
        must(symlink("/proc", AT("img/proc")), "symlink proc");
        must(symlink("/vol/file", AT("img/vol-file")), "symlink vol-file");
        must(symlink("/vol", AT("img/vol")), "symlink vol");
        snprintf(p, sizeof(p), "../../../../../../../..%s", outside);
        char target[512];
        snprintf(target, sizeof(target), "%s", p);
        must(symlink(target, AT("rel-outside")), "symlink rel-outside");
        /* Chains of links at the kernel's limit: "edge" follows 40 (edge -> edge.1 -> ... -> edge.39 -> e),
         * "over" 41. */
        for (int i = 0; i < 41; i++) {
                char link[64], text[64];
                snprintf(link, sizeof(link), i == 0 ? "over" : "over.%d", i);
                snprintf(text, sizeof(text), i == 40 ? "e" : "over.%d", i + 1);
                must(symlink(text, AT(link)), "symlink over");
                if (i < 40) {
                        snprintf(link, sizeof(link), i == 0 ? "edge" : "edge.%d", i);
                        snprintf(text, sizeof(text), i == 39 ? "e" : "edge.%d", i + 1);
                        must(symlink(text, AT(link)), "symlink edge");
                }
        }
#undef AT

        /* A procfs inside the root, in a mount namespace of this test's own. */
        must(unshare(CLONE_NEWNS), "unshare");
        must(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make-rprivate");
        snprintf(p, sizeof(p), "%s/proc", root);
        must(mount("proc", p, "proc", 0, NULL), "mount proc");
        /* A volume: a folder of another filesystem bound into the root. */
        snprintf(p, sizeof(p), "%s/vol", root);
        must(mount("tmpfs", p, "tmpfs", 0, "mode=0755"), "mount tmpfs");
        free(write_file(p, "file", "a volume's file\n", 0644));

        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        must(rootfd, "open root");
}

static bool same_file(int fd, const char *rel)
{
        struct stat a, b;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return fstat(fd, &a) == 0 && lstat(p, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Resolves path and checks that it lands on root/rel (or fails with `error` when rel is NULL). */
static void resolves(const char *mode, const char *path, int flags, const char *rel, int error)
{
        _cleanup_close_ int fd = -1;
        int r = oih_root_open(rootfd, path, flags, &fd);
        if (rel)
                ok(r == 0 && same_file(fd, rel), "%s: \"%s\" resolves to <root>/%s (r=%d)", mode, path, rel,
                   r);
        else
                ok(r == -error, "%s: \"%s\" fails with %s (r=%d: %s)", mode, path, strerror(error), r,
                   strerror(r < 0 ? -r : 0));
}

static char **created;

static int record(void *userdata, const char *path, bool directory)
{
        (void)userdata;
        ok(directory, "created() is told \"%s\" is a folder", path);
        return strv_extend(&created, path);
}

/* The lines of /proc/self/status that say what this process may do: ids, groups, capabilities. */
static char *credentials(void)
{
        _cleanup_free_ char *status = NULL;
        char *out = NULL;
        size_t len = 0;
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, 65536, &status, NULL) < 0)
                tap_bail("/proc/self/status");
        close(fd);
        FILE *f = open_memstream(&out, &len);
        for (char *l = strtok(status, "\n"); l; l = strtok(NULL, "\n"))
                if (startswith(l, "Uid:") || startswith(l, "Gid:") || startswith(l, "Groups:") ||
                    startswith(l, "Cap"))
                        fprintf(f, "%s\n", l);
        fclose(f);
        return out;
}

/* Reads path of the image as `uid`, expecting `text` (or failing with `error`), with the process's
 * credentials the same before and after. */
static void reads(const char *mode, const char *path, uid_t uid, size_t max, const char *text, int error)
{
        _cleanup_free_ char *before = credentials(), *got = NULL, *after = NULL;
        struct oih_owner reader = { .uid = uid, .gid = uid };
        int r = oih_root_read_image_file(rootfd, path, max, &reader, &got, NULL);
        after = credentials();
        if (text)
                ok(r == 0 && streq_ptr(got, text),
                   "%s: image read of \"%s\" as uid %u gives the image's file (r=%d)", mode, path, uid, r);
        else
                ok(r == -error, "%s: image read of \"%s\" as uid %u fails with %s (r=%d: %s)", mode, path,
                   uid, strerror(error), r, strerror(r < 0 ? -r : 0));
        is_str(after, before, "%s: and the hook's ids, groups and capabilities are back", mode);
}

static void run_image_reads(const char *mode)
{
        reads(mode, "/img/conf", 0, 1024, "image conf\n", 0);
        reads(mode, "/img/up-conf", 1000, 1024, "image conf\n", 0);
        reads(mode, "/slash/img/conf", 0, 1024, "image conf\n", 0);
        /* Other mounts: the root's procfs and a volume, reached by the image's links or directly. */
        reads(mode, "/img/iomem", 0, 1 << 20, NULL, EXDEV);
        reads(mode, "/img/environ", 0, 1 << 20, NULL, EXDEV);
        reads(mode, "/img/proc/1/environ", 0, 1 << 20, NULL, EXDEV);
        reads(mode, "/proc/self/status", 0, 1 << 20, NULL, EXDEV);
        reads(mode, "/img/vol-file", 0, 1024, NULL, EXDEV);
        reads(mode, "/img/vol/file", 0, 1024, NULL, EXDEV);
        reads(mode, "/vol/file", 0, 1024, NULL, EXDEV);
        /* Not a regular file: never opened (a FIFO without a writer would block the open). */
        reads(mode, "/img/fifo", 0, 1024, NULL, EBADF);
        reads(mode, "/img", 0, 1024, NULL, EBADF);
        reads(mode, "/img/big", 0, 8, NULL, EFBIG);
        /* Permissions as the container's root user has them, without capabilities. */
        reads(mode, "/img/secret", 0, 1024, "root's own\n", 0);
        reads(mode, "/img/secret", 1000, 1024, NULL, EACCES);
        reads(mode, "/img/users", 1000, 1024, "uid 1000's\n", 0);
        reads(mode, "/img/users", 0, 1024, NULL, EACCES);
        reads(mode, "/img/missing", 0, 1024, NULL, ENOENT);

        _cleanup_close_ int fd = -1;
        ok(oih_root_open_same_mount(rootfd, "/img/conf", O_RDONLY, &fd) == 0 && same_file(fd, "img/conf"),
           "%s: oih_root_open_same_mount opens a file of the root's own mount", mode);
        ok(oih_root_open_same_mount(rootfd, "/vol", O_PATH, &fd) == -EXDEV, "%s: and refuses a mount point",
           mode);
}

static void run_cases(const char *mode)
{
        run_image_reads(mode);
        resolves(mode, "/e/f", O_PATH, "e/f", 0);
        resolves(mode, "/slash/e/f", O_PATH, "e/f", 0);
        resolves(mode, "/slash/slash/slash/file", O_RDONLY, "file", 0);
        resolves(mode, "/up", O_PATH | O_DIRECTORY, "etc", 0);
        resolves(mode, "/../../../e/f", O_PATH, "e/f", 0);
        resolves(mode, "/e/f/../../../../file", O_RDONLY, "file", 0);
        resolves(mode, "/abs-outside/marker", O_PATH, NULL, ENOENT);
        resolves(mode, "/rel-outside/marker", O_PATH, NULL, ENOENT);
        resolves(mode, "/magic", O_PATH, NULL, ELOOP);
        resolves(mode, "/pidroot/etc", O_PATH, NULL, ELOOP);
        resolves(mode, "/proc/self/root/etc", O_PATH, NULL, ELOOP);
        resolves(mode, "/proc/self/cwd", O_PATH, NULL, ELOOP);
        resolves(mode, "/dangling", O_PATH, NULL, ENOENT);
        resolves(mode, "/loop1", O_PATH, NULL, ELOOP);
        resolves(mode, "/edge", O_PATH | O_DIRECTORY, "e", 0);
        resolves(mode, "/edge/f", O_PATH, "e/f", 0);
        resolves(mode, "/over", O_PATH | O_DIRECTORY, NULL, ELOOP);
        resolves(mode, "/file/below", O_PATH, NULL, ENOTDIR);
        resolves(mode, "/tofile", O_RDONLY, "file", 0);
        resolves(mode, "/tofile", O_PATH | O_NOFOLLOW, "tofile", 0);
        resolves(mode, "/file", O_PATH | O_DIRECTORY, NULL, ENOTDIR);
        resolves(mode, "/", O_PATH | O_DIRECTORY, ".", 0);
        /* The walk answers as openat2 does (found by fuzzing, tests/fuzz). */
        resolves(mode, "", O_PATH, NULL, ENOENT);
        resolves(mode, "/file/", O_PATH, NULL, ENOTDIR);
        resolves(mode, "/tofile/", O_PATH | O_NOFOLLOW, NULL, ENOTDIR);
        resolves(mode, "/slash/", O_PATH | O_NOFOLLOW, ".", 0);
        resolves(mode, "/e/f/", O_PATH, "e/f", 0);
        /* open(2) ignores flags that mean nothing with O_PATH; openat2 alone would say EINVAL. */
        resolves(mode, "/e/f", O_PATH | O_NONBLOCK | O_NOCTTY, "e/f", 0);
        _cleanup_close_ int mounts = -1;
        ok(oih_root_open(rootfd, "/proc/mounts", O_RDONLY, &mounts) == 0,
           "%s: /proc/mounts (an ordinary procfs link, to self/mounts) opens", mode);

        /* The fd really reads the root's file, never the outside marker. */
        _cleanup_close_ int fd = -1;
        char buf[64] = {};
        ok(oih_root_open(rootfd, "/slash/tofile", O_RDONLY, &fd) == 0 &&
                   read(fd, buf, sizeof(buf) - 1) > 0 && streq(buf, "a file in the root\n"),
           "%s: reading through symlinks gives the root's file", mode);

        /* Creating folders: through a symlink to "/", and through a dangling one (made inside the root). */
        struct oih_owner owner = { .uid = 0, .gid = 0 };
        _cleanup_close_ int d1 = -1, d2 = -1, d3 = -1;
        char name[64];
        struct stat st;

        strv_free(created);
        created = NULL;
        snprintf(name, sizeof(name), "/slash/new-%s/deeper", mode);
        struct oih_root_mkdir mk750 = { .mode = 0750, .owner = &owner, .created = record };
        struct oih_root_mkdir mk = { .mode = 0755, .owner = &owner };
        ok(oih_root_mkdir(rootfd, name, &mk750, &d1) == 0, "%s: mkdir_p \"%s\"", mode, name);
        snprintf(name, sizeof(name), "new-%s/deeper", mode);
        ok(same_file(d1, name), "%s: it was made at <root>/%s", mode, name);
        ok(fstat(d1, &st) == 0 && (st.st_mode & 07777) == 0750,
           "%s: with the mode asked for (not the umask's)", mode);
        ok(strv_length(created) == 2, "%s: two folders reported as created", mode);
        snprintf(name, sizeof(name), "/new-%s/deeper", mode);
        ok(created && strv_contains(created, name), "%s: reported by their resolved path \"%s\"", mode,
           name);

        snprintf(name, sizeof(name), "/dangling-mk/made-%s", mode);
        ok(oih_root_mkdir(rootfd, name, &mk, &d2) == 0, "%s: mkdir_p through a dangling link", mode);
        snprintf(name, sizeof(name), "made/by/mkdir/made-%s", mode);
        ok(same_file(d2, name), "%s: made at <root>/%s, inside the root", mode, name);

        snprintf(name, sizeof(name), "/abs-outside/made-%s", mode);
        ok(oih_root_mkdir(rootfd, name, &mk, &d3) == 0,
           "%s: mkdir_p through an absolute link to the outside", mode);
        char outside_made[512];
        snprintf(outside_made, sizeof(outside_made), "%s/made-%s", outside, mode);
        ok(access(outside_made, F_OK) < 0, "%s: nothing was made outside the root", mode);

        _cleanup_close_ int bad = -1;
        ok(oih_root_mkdir(rootfd, "/file/sub", &mk, &bad) == -ENOTDIR,
           "%s: mkdir_p below a regular file fails with ENOTDIR", mode);
        ok(oih_root_mkdir(rootfd, "/magic/sub", &mk, &bad) == -ELOOP,
           "%s: mkdir_p through a magic link fails with ELOOP", mode);

        _cleanup_close_ int parent = -1;
        const char *last = NULL;
        ok(oih_root_open_parent(rootfd, "/slash/e/f/name", &mk, &parent, &last) == 0,
           "%s: open_parent of \"/slash/e/f/name\"", mode);
        ok(same_file(parent, "e/f"), "%s: open_parent gives <root>/e/f", mode);
        is_str(last, "name", "%s: and the name \"name\" in it", mode);
        ok(oih_root_open_parent(rootfd, "/", &mk, &parent, &last) == -EINVAL,
           "%s: open_parent refuses \"/\"", mode);

        /* Without mk (undoing), a missing folder is missing: nothing is made. */
        _cleanup_close_ int none = -1;
        snprintf(name, sizeof(name), "/slash/absent-%s/name", mode);
        ok(oih_root_open_parent(rootfd, name, NULL, &none, &last) == -ENOENT,
           "%s: open_parent without mkdir of \"%s\" fails with ENOENT", mode, name);
        char absent[512];
        snprintf(absent, sizeof(absent), "%s/absent-%s", root, mode);
        ok(access(absent, F_OK) < 0 && errno == ENOENT, "%s: and makes nothing", mode);
        ok(oih_root_open_parent(rootfd, "/e/f/name", NULL, &none, &last) == 0,
           "%s: open_parent without mkdir opens an existing folder", mode);
        ok(same_file(none, "e/f"), "%s: <root>/e/f", mode);
}

/*
 * The kernel's link count across an RCU walk that restarts (found by fuzzing, tests/fuzz): while another
 * process mounts and unmounts, openat2 alone sometimes says ELOOP for the 40 links of "/edge". The answer
 * of oih_root_open must not depend on that.
 */
static void test_link_count_under_mounts(void)
{
        enum { TRIES = 5000 };
        _cleanup_free_ char *mnt = tmpdir_new();
        pid_t child = fork();
        must(child, "fork");
        if (child == 0) {
                /* Each mount and unmount bumps the machine's mount sequence, which the RCU walk checks. */
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(1);
                for (;;)
                        if (mount("oih", mnt, "tmpfs", 0, NULL) < 0 || umount2(mnt, 0) < 0)
                                _exit(1);
        }
        unsigned raw_eloop = 0, failed = 0;
        struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        for (int i = 0; i < TRIES; i++) {
                int fd = (int)syscall(SYS_openat2, rootfd, "/edge", &how, sizeof(how));
                if (fd < 0 && errno == ELOOP)
                        raw_eloop++;
                safe_close(fd);
                fd = -1;
                if (oih_root_open(rootfd, "/edge", O_PATH | O_DIRECTORY, &fd) < 0)
                        failed++;
                safe_close(fd);
        }
        (void)kill(child, SIGKILL);
        (void)waitpid(child, NULL, 0);
        tmpdir_remove(TAKE_PTR(mnt));
        printf("# openat2 alone said ELOOP for \"/edge\" %u times in %d while mounts happened\n", raw_eloop,
               TRIES);
        ok(failed == 0, "40 links resolve every time, however the kernel's walk went (%u failures in %d)",
           failed, TRIES);
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (mount namespaces, procfs)");

        make_tree();
        test_link_count_under_mounts();
        run_cases("openat2");
        oih_rootfs_force_fallback(true);
        run_cases("walk");

        char marker[512];
        snprintf(marker, sizeof(marker), "%s/marker", outside);
        _cleanup_free_ char *text = NULL;
        int fd = open(marker, O_RDONLY | O_CLOEXEC);
        ok(fd >= 0 && read_full_fd(fd, 1024, &text, NULL) == 0 && streq(text, "outside the root\n"),
           "the outside marker is untouched");
        safe_close(fd);

        char p[512];
        snprintf(p, sizeof(p), "%s/proc", root);
        (void)umount2(p, MNT_DETACH);
        snprintf(p, sizeof(p), "%s/vol", root);
        (void)umount2(p, MNT_DETACH);
        tmpdir_remove(root);
        tmpdir_remove(outside);
        strv_free(created);
        return tap_finish();
}
