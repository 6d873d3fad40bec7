/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container path resolver (rootfs.h, THREATS.md item 1). Each input builds a small tree of folders,
 * files and symlinks in a temporary root, then resolves paths in it with oih_root_open (openat2 and the
 * user-space walk), oih_root_mkdir and oih_root_open_parent. What must hold whatever the tree:
 *
 *   - every fd the resolver hands out refers to the root or something below it: the path the kernel
 *     gives for it (readlink /proc/self/fd/N) starts with the root's real path;
 *   - nothing is created outside the root: a sentinel folder next to the root stays empty, the folders
 *     above the root hold nothing new, and no name from the input appears in the host's "/";
 *   - no fd is leaked, on any path.
 *
 * The input is text, one operation a line (tests/fuzz/corpus/fuzz-rootfs/ has examples):
 *
 *   d PATH              make folder PATH (and its parents) in the tree
 *   f PATH              make an empty file
 *   l PATH TARGET       make symlink PATH -> TARGET (TARGET is the rest of the line, spaces included)
 *   c N PATH TARGET     a chain of N+1 links: PATH -> PATH.1 -> ... -> PATH.N -> TARGET
 *   o FLAGS PATH        oih_root_open(PATH); FLAGS: P O_PATH, D O_DIRECTORY, N O_NOFOLLOW, B
 *                       O_NONBLOCK|O_NOCTTY (without P: O_RDONLY); K openat2 only, W the walk only
 *                       (default: both, and their answers compared)
 *   m FLAGS PATH        oih_root_mkdir(PATH) (K or W: the first lookup; default: alternating)
 *   a FLAGS PATH        oih_root_open_parent(PATH)
 *   # ...               a comment
 *
 * The tree's PATH is relative to the root and is made without ever following a link or "..", so
 * building the tree cannot leave the root; "proc" is left alone. In TARGET and in the PATH of o, m and
 * a, "@R" stands for the root's real path, "@S" for the sentinel's, "@U" for the folder that holds
 * both, and "@P" for this process's pid (so "/proc/@P/root" is a magic link).
 *
 * As root, the fuzzer runs in a mount namespace of its own, with a tmpfs holding the root and the
 * sentinel, and a procfs mounted at <root>/proc as runtimes do before the hooks run, so that magic
 * links are real. Resolutions run with the sentinel as the working folder, so that an escape through
 * /proc/self/cwd lands where it is seen.
 *
 * openat2 and the walk must agree: one failing where the other opens, or the two opening different
 * files, is a crash too, even without an escape (but for the entries of a process's fd folder in procfs,
 * which list what the process holds at that moment: the walk holds fds of its own on the way down).
 * OIH_FUZZ_NAIVE=1 swaps in a string-joining resolver, for one input file, to show that the checks catch an
 * escape.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>

#include "fuzz.h"
#include "rootfs.h"
#include "util.h"

/* Enough for any interesting tree, few enough that each input stays fast. */
#define MAX_LINES       64
#define MAX_RESOLUTIONS 16
#define MAX_CHAIN       60
#define MAX_ARG         1024
/* The fds that exist between inputs are all below this. */
#define FD_SCAN 256

static char *base;     /* $TMPDIR/oih-fuzz-rootfs.XXXXXX, real path */
static char *up;       /* base/up: holds root and sentinel (a tmpfs, as root) */
static char *root;     /* up/root, real path */
static char *sentinel; /* up/sentinel, real path */
static char pid_text[16];
static int rootfd = -1, sentinelfd = -1, cwdfd = -1;
static dev_t root_dev;
static ino_t root_ino;
static bool up_mounted, proc_mounted;
static struct timespec slash_mtime;
static uint64_t fds_open[FD_SCAN / 64];

static _noreturn_ void setup_failed(const char *what)
{
        fprintf(stderr, "fuzz-rootfs: cannot set up: %s: %s\n", what, strerror(errno));
        abort();
}

static void snapshot_fds(uint64_t *set)
{
        memset(set, 0, sizeof(fds_open));
        for (int fd = 0; fd < FD_SCAN; fd++)
                if (fcntl(fd, F_GETFD) >= 0)
                        set[fd / 64] |= UINT64_C(1) << (fd % 64);
}

/*
 * Removes everything below the root (but the procfs), holding a constant number of fds however deep
 * the tree is: down into the first subfolder, up through ".." once a folder holds no more folders.
 * Only real folders are entered (O_NOFOLLOW), so ".." leads back the way we came.
 */
static void clean_root(void)
{
        int cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                setup_failed("open root");

        for (;;) {
                struct stat cur_st, st;
                if (fstat(cur, &cur_st) < 0)
                        setup_failed("fstat");

                /* Not a dup(): that would share (and start from) the position of the last reading. */
                int dfd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
                if (!d)
                        setup_failed("fdopendir");
                char *sub = NULL;
                bool unlinked = false;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        if (fstatat(cur, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                setup_failed("fstatat");
                        if (!S_ISDIR(st.st_mode)) {
                                if (unlinkat(cur, de->d_name, 0) < 0)
                                        setup_failed("unlinkat");
                                unlinked = true;
                        } else if (st.st_dev == cur_st.st_dev && !sub) {
                                /* A folder on another file system is a mount point (the procfs). */
                                sub = strdup(de->d_name);
                                if (!sub)
                                        setup_failed("strdup");
                        }
                }
                closedir(d);

                if (sub) {
                        int next = openat(cur, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (next < 0)
                                setup_failed("open subfolder");
                        free(sub);
                        close(cur);
                        cur = next;
                        continue;
                }
                /* Entries removed while reading may hide others from the same reading: read again. */
                if (unlinked)
                        continue;
                if (cur_st.st_dev == root_dev && cur_st.st_ino == root_ino)
                        break;

                int parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (parent < 0)
                        setup_failed("open ..");
                dfd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                d = dfd >= 0 ? fdopendir(dfd) : NULL;
                if (!d)
                        setup_failed("fdopendir ..");
                bool removed = false;
                while (!removed && (de = readdir(d)))
                        if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                            fstatat(parent, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            st.st_dev == cur_st.st_dev && st.st_ino == cur_st.st_ino) {
                                if (unlinkat(parent, de->d_name, AT_REMOVEDIR) < 0)
                                        setup_failed("rmdir");
                                removed = true;
                        }
                closedir(d);
                if (!removed)
                        setup_failed("find a folder in its parent");
                close(cur);
                cur = parent;
        }
        close(cur);
}

/* The root holds nothing but its procfs (as root) before an input runs. */
static void check_root_empty(void)
{
        int dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d)
                setup_failed("opendir root");
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && !streq(de->d_name, "proc")) {
                        fprintf(stderr, "fuzz-rootfs: \"%s\" is in the root before the input runs\n",
                                de->d_name);
                        fuzz_fail(__FILE__, __LINE__, "each input starts from an empty tree");
                }
        closedir(d);
}

static void teardown(void)
{
        if (!base)
                return;
        if (rootfd >= 0)
                clean_root();
        _cleanup_free_ char *proc = path_join(root, "proc");
        if (proc_mounted)
                (void)umount2(proc, MNT_DETACH);
        (void)rmdir(proc);
        (void)rmdir(root);
        (void)rmdir(sentinel);
        if (up_mounted)
                (void)umount2(up, MNT_DETACH);
        (void)rmdir(up);
        (void)rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;

        const char *tmp = getenv("TMPDIR");
        _cleanup_free_ char *templ = NULL, *made = NULL;
        if (asprintf(&templ, "%s/oih-fuzz-rootfs.XXXXXX", isempty(tmp) ? "/tmp" : tmp) < 0)
                setup_failed("asprintf");
        if (!mkdtemp(templ))
                setup_failed("mkdtemp");
        base = realpath(templ, NULL);
        if (!base || chmod(base, 0755) < 0)
                setup_failed("realpath");
        up = path_join(base, "up");
        root = path_join(up, "root");
        sentinel = path_join(up, "sentinel");
        if (!up || !root || !sentinel)
                setup_failed("path_join");
        snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
        atexit(teardown);

        if (mkdir(up, 0755) < 0)
                setup_failed("mkdir up");
        if (geteuid() == 0) {
                /* Mounts of our own, gone with the process however it ends. */
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        setup_failed("mount namespace");
                if (mount("tmpfs", up, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                        setup_failed("mount tmpfs");
                up_mounted = true;
        } else
                fprintf(stderr, "fuzz-rootfs: not root: no procfs in the root, magic links are not tried\n");
        if (mkdir(root, 0755) < 0 || mkdir(sentinel, 0755) < 0)
                setup_failed("mkdir root");
        if (geteuid() == 0) {
                made = path_join(root, "proc");
                if (!made || mkdir(made, 0555) < 0)
                        setup_failed("mkdir proc");
                if (mount("proc", made, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                        setup_failed("mount proc");
                proc_mounted = true;
        }

        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        sentinelfd = open(sentinel, O_PATH | O_DIRECTORY | O_CLOEXEC);
        cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0 || sentinelfd < 0 || cwdfd < 0)
                setup_failed("open");
        struct stat st;
        if (fstat(rootfd, &st) < 0)
                setup_failed("fstat root");
        root_dev = st.st_dev;
        root_ino = st.st_ino;
        if (stat("/", &st) < 0)
                setup_failed("stat /");
        slash_mtime = st.st_mtim;
        snapshot_fds(fds_open);
        return 0;
}

/* The input, split into operations. */
struct op {
        char code;
        char *flags; /* o, m, a; c: the count */
        char *path;
        char *target; /* l, c */
};

/* "@R", "@S", "@U", "@P" replaced; NULL when the result is too long. */
static char *expand(const char *s)
{
        size_t n = 0, allocated = strlen(s) + 1;
        char *out = malloc(allocated);
        if (!out)
                abort();
        for (; *s; s++) {
                const char *with = NULL;
                if (s[0] == '@' && s[1] == 'R')
                        with = root;
                else if (s[0] == '@' && s[1] == 'S')
                        with = sentinel;
                else if (s[0] == '@' && s[1] == 'U')
                        with = up;
                else if (s[0] == '@' && s[1] == 'P')
                        with = pid_text;
                size_t l = with ? strlen(with) : 1;
                if (n + l + 1 > MAX_ARG) {
                        free(out);
                        return NULL;
                }
                if (n + l + 1 > allocated) {
                        allocated = (n + l + 1) * 2;
                        char *m = realloc(out, allocated);
                        if (!m)
                                abort();
                        out = m;
                }
                memcpy(out + n, with ?: s, l);
                n += l;
                if (with)
                        s++;
        }
        out[n] = 0;
        return out;
}

/* Splits "WORD rest" at the first space: returns WORD (new) and points *rest after the space. */
static char *word(const char *s, const char **rest)
{
        size_t l = strcspn(s, " ");
        *rest = s[l] ? s + l + 1 : s + l;
        char *w = strndup(s, l);
        if (!w)
                abort();
        return w;
}

static void op_free(struct op *o)
{
        free(o->flags);
        free(o->path);
        free(o->target);
}

static size_t parse_input(const char *text, size_t size, struct op *ops)
{
        size_t n = 0;
        for (const char *p = text, *end = text + size; p < end && n < MAX_LINES;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                _cleanup_free_ char *line = strndup(p, l); /* stops at a NUL too */
                if (!line)
                        abort();
                p += l + (nl ? 1 : 0);
                if (!line[0] || line[0] == '#')
                        continue;

                struct op o = { .code = line[0] };
                const char *rest = line[1] == ' ' ? line + 2 : line + 1;
                switch (o.code) {
                case 'd':
                case 'f':
                        o.path = strdup(rest);
                        break;
                case 'l':
                        o.path = word(rest, &rest);
                        o.target = expand(rest);
                        break;
                case 'c':
                        o.flags = word(rest, &rest);
                        o.path = word(rest, &rest);
                        o.target = expand(rest);
                        break;
                case 'o':
                case 'm':
                case 'a':
                        o.flags = word(rest, &rest);
                        o.path = expand(rest);
                        break;
                default:
                        continue;
                }
                if (!o.path || (strchr("lc", o.code) && !o.target)) {
                        op_free(&o);
                        continue;
                }
                ops[n++] = o;
        }
        return n;
}

/*
 * Opens the folder that holds `rel` in the tree, making the folders on the way when mk. Links and ".."
 * are never followed: the tree is built inside the root, whatever the input says.
 */
static int tree_parent(const char *rel, bool mk, int *ret_fd, char **ret_name)
{
        _cleanup_strv_free_ char **comps = NULL;
        for (const char *s = rel; *s;) {
                size_t l = strcspn(s, "/");
                if (l > 0 && !(l == 1 && s[0] == '.') && !(l == 2 && s[0] == '.' && s[1] == '.'))
                        if (strv_consume(&comps, strndup(s, l)) < 0)
                                abort();
                s += l;
                while (*s == '/')
                        s++;
        }
        size_t n = strv_length(comps);
        if (n == 0 || streq(comps[0], "proc"))
                return -EINVAL;

        int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                abort();
        for (size_t i = 0; i + 1 < n; i++) {
                if (mk && mkdirat(cur, comps[i], 0755) < 0 && errno != EEXIST) {
                        close(cur);
                        return -errno;
                }
                int next = openat(cur, comps[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(cur);
                if (next < 0)
                        return -errno;
                cur = next;
        }
        *ret_name = strdup(comps[n - 1]);
        if (!*ret_name)
                abort();
        *ret_fd = cur;
        return 0;
}

static void build(const struct op *o)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *name = NULL;

        if (tree_parent(o->path, true, &dfd, &name) < 0)
                return;
        switch (o->code) {
        case 'd':
                (void)mkdirat(dfd, name, 0755);
                break;
        case 'f': {
                int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        (void)!write(fd, "a file in the root\n", 19);
                        close(fd);
                }
                break;
        }
        case 'l':
                (void)symlinkat(o->target, dfd, name);
                break;
        case 'c': {
                int count = atoi(o->flags);
                if (count < 0 || count > MAX_CHAIN)
                        count = MAX_CHAIN;
                for (int i = 0; i <= count; i++) {
                        _cleanup_free_ char *link = NULL, *next = NULL;
                        if ((i == 0 ? asprintf(&link, "%s", name) : asprintf(&link, "%s.%d", name, i)) < 0 ||
                            (i < count && asprintf(&next, "%s.%d", name, i + 1) < 0))
                                abort();
                        (void)symlinkat(i < count ? next : o->target, dfd, link);
                }
                break;
        }
        }
}

/* The path the kernel has for fd (readlink of /proc/self/fd/N): 0 and *ret, or -errno. */
static int fd_target(int fd, char **ret)
{
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        return readlink_malloc(proc, ret);
}

/* The path the kernel has for fd must be the root or below it. */
static void check_inside(int fd, const char *what, const char *path)
{
        _cleanup_free_ char *target = NULL;

        int r = fd_target(fd, &target);
        if (r < 0) {
                fprintf(stderr, "fuzz-rootfs: readlink /proc/self/fd/%d: %s\n", fd, strerror(-r));
                abort();
        }
        const char *after = startswith(target, root);
        if (!after || (*after && *after != '/')) {
                fprintf(stderr, "fuzz-rootfs: %s(\"%s\") gave an fd outside the root %s: %s\n", what, path,
                        root, target);
                fuzz_fail(__FILE__, __LINE__, "a resolved fd is at or below the root");
        }
}

/* Lists a folder; aborts when it holds anything but the names given. */
static void check_holds_only(const char *dir, const char *a, const char *b, const char *input_path)
{
        DIR *d = opendir(dir);
        if (!d)
                setup_failed(dir);
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && !streq_ptr(de->d_name, a) &&
                    !streq_ptr(de->d_name, b)) {
                        fprintf(stderr, "fuzz-rootfs: after \"%s\", \"%s/%s\" exists outside the root\n",
                                input_path, dir, de->d_name);
                        fuzz_fail(__FILE__, __LINE__, "nothing is created outside the root");
                }
        closedir(d);
}

static void check_outside(const uint8_t *data, size_t size, time_t started, const char *path)
{
        check_holds_only(sentinel, NULL, NULL, path);
        check_holds_only(up, "root", "sentinel", path);
        check_holds_only(base, "up", NULL, path);

        /* The host's "/": what a resolver that forgot the root would write to. Someone else may change
         * it meanwhile, so only a new entry whose name is in the input counts. */
        struct stat st;
        if (stat("/", &st) < 0)
                setup_failed("stat /");
        if (st.st_mtim.tv_sec == slash_mtime.tv_sec && st.st_mtim.tv_nsec == slash_mtime.tv_nsec)
                return;
        slash_mtime = st.st_mtim;
        DIR *d = opendir("/");
        if (!d)
                setup_failed("opendir /");
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ctime >= started &&
                    l > 0 && memmem(data, size, de->d_name, l)) {
                        fprintf(stderr, "fuzz-rootfs: after \"%s\", \"/%s\" appeared on the host\n", path,
                                de->d_name);
                        fuzz_fail(__FILE__, __LINE__, "nothing is created outside the root");
                }
        }
        closedir(d);
}

static void diverged(const char *fmt, ...) _printf_(1, 2);
static void diverged(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("fuzz-rootfs: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        fuzz_fail(__FILE__, __LINE__, "openat2 and the walk agree");
}

static bool same_inode(int a, int b)
{
        struct stat sa, sb;
        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

struct created {
        unsigned count;
};

static int on_created(void *userdata, const char *path, bool directory)
{
        struct created *c = userdata;
        c->count++;
        fuzz_assert(directory);
        fuzz_assert(path && path[0] == '/');
        {
                /* Reported by its resolved path: below the root, through no link, a folder. */
                struct open_how how = {
                        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
                };
                int fd = (int)syscall(SYS_openat2, rootfd, path[1] ? path + 1 : ".", &how, sizeof(how));
                if (fd < 0 && errno != ENOSYS) {
                        fprintf(stderr, "fuzz-rootfs: created() was told \"%s\", not a folder's path: %s\n",
                                path, strerror(errno));
                        fuzz_fail(__FILE__, __LINE__, "created() gets the resolved path of a new folder");
                }
                safe_close(fd);
        }
        return 0;
}

/*
 * With OIH_FUZZ_NAIVE=1, the string-joining resolver of CVE-2024-0134 replaces the library's, to show
 * that the checks above catch an escape (tests/fuzz/README.md): "rootfs + path", then open or mkdir.
 */
static bool naive(void)
{
        static int on = -1;
        if (on < 0)
                on = streq_ptr(getenv("OIH_FUZZ_NAIVE"), "1");
        return on;
}

static int naive_open(const char *path, int flags, int *ret_fd)
{
        _cleanup_free_ char *joined = path_join(root, path);
        int fd = joined ? open(joined, flags | O_CLOEXEC) : -1;
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

static int naive_mkdir_p(const char *path, int *ret_fd)
{
        _cleanup_free_ char *joined = path_join(root, path);
        if (!joined)
                return -ENOMEM;
        for (char *s = joined + strlen(root) + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        (void)mkdir(joined, 0755);
                        *s = '/';
                }
        (void)mkdir(joined, 0755);
        return naive_open(path, O_PATH | O_DIRECTORY, ret_fd);
}

static int open_flags(const char *flags)
{
        int f = 0;
        for (const char *c = flags; *c; c++)
                f |= *c == 'P'   ? O_PATH
                     : *c == 'D' ? O_DIRECTORY
                     : *c == 'N' ? O_NOFOLLOW
                     : *c == 'B' ? O_NONBLOCK | O_NOCTTY /* as ld-refresh.c reads the cache */
                                 : 0;
        return f;
}

/*
 * Whether fd is an entry of a process's fd or fdinfo folder in procfs. Those folders list the fds the
 * process has at that moment: the walk holds a few of its own on the way down, openat2 none, so what the
 * two find there ("/proc/self/fd/6") differs without either being wrong.
 */
static bool in_proc_fd_folder(int fd)
{
        _cleanup_free_ char *target = NULL;
        struct statfs sfs;

        if (fd < 0 || fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC || fd_target(fd, &target) < 0)
                return false;
        return strstr(target, "/fd/") || strstr(target, "/fdinfo/");
}

static void resolve_open(const struct op *o)
{
        int flags = open_flags(o->flags);
        bool kernel = !strchr(o->flags, 'W') || strchr(o->flags, 'K');
        bool walk = !strchr(o->flags, 'K') || strchr(o->flags, 'W');
        int fd[2] = { -1, -1 }, r[2] = { 1, 1 };

        for (int mode = 0; mode < 2; mode++) {
                if (!(mode == 0 ? kernel : walk))
                        continue;
                oih_rootfs_force_fallback(mode == 1);
                r[mode] = naive() ? naive_open(o->path, flags, &fd[mode])
                                  : oih_root_open(rootfd, o->path, flags, &fd[mode]);
                fuzz_assert(r[mode] <= 0);
                if (r[mode] == 0) {
                        check_inside(fd[mode], mode == 0 ? "oih_root_open/openat2" : "oih_root_open/walk",
                                     o->path);
                        fuzz_assert((fcntl(fd[mode], F_GETFD) & FD_CLOEXEC) != 0);
                } else
                        fd[mode] = -1;
        }
        oih_rootfs_force_fallback(false);

        if (kernel && walk && !in_proc_fd_folder(fd[0]) && !in_proc_fd_folder(fd[1])) {
                if ((r[0] == 0) != (r[1] == 0))
                        diverged("open(\"%s\", %s): openat2 says %s, the walk %s", o->path, o->flags,
                                 r[0] == 0 ? "ok" : strerror(-r[0]), r[1] == 0 ? "ok" : strerror(-r[1]));
                else if (r[0] == 0 && !same_inode(fd[0], fd[1]))
                        diverged("open(\"%s\", %s): openat2 and the walk opened different files", o->path,
                                 o->flags);
        }
        safe_close(fd[0]);
        safe_close(fd[1]);
}

static void resolve_mkdir(const struct op *o, unsigned index)
{
        bool walk = strchr(o->flags, 'W') || (!strchr(o->flags, 'K') && index % 2);
        struct oih_owner owner = { .uid = geteuid(), .gid = getegid() };
        struct created created = {};
        _cleanup_close_ int fd = -1;

        oih_rootfs_force_fallback(walk);
        struct oih_root_mkdir mk = {
                .mode = 0755, .owner = &owner, .created = on_created, .userdata = &created
        };
        int r = naive() ? naive_mkdir_p(o->path, &fd) : oih_root_mkdir(rootfd, o->path, &mk, &fd);
        fuzz_assert(r <= 0);
        if (r == 0) {
                check_inside(fd, "oih_root_mkdir", o->path);
                {
                        /* What was made is there when looked up again (with openat2, usually). */
                        _cleanup_close_ int again = -1;
                        int k = oih_root_open(rootfd, o->path, O_PATH | O_DIRECTORY, &again);
                        if (k < 0 || !same_inode(fd, again))
                                diverged("mkdir_p(\"%s\") gave a folder that open() %s", o->path,
                                         k < 0 ? "cannot find" : "finds elsewhere");
                }
        } else
                fd = -1;
        oih_rootfs_force_fallback(false);
}

static void resolve_parent(const struct op *o, unsigned index)
{
        bool walk = strchr(o->flags, 'W') || (!strchr(o->flags, 'K') && index % 2);
        struct oih_owner owner = { .uid = geteuid(), .gid = getegid() };
        struct created created = {};
        _cleanup_close_ int fd = -1;
        const char *name = NULL;

        oih_rootfs_force_fallback(walk);
        struct oih_root_mkdir mk = {
                .mode = 0755, .owner = &owner, .created = on_created, .userdata = &created
        };
        int r = oih_root_open_parent(rootfd, o->path, &mk, &fd, &name);
        fuzz_assert(r <= 0);
        if (r == 0) {
                check_inside(fd, "oih_root_open_parent", o->path);
                fuzz_assert(name && name >= o->path && name < o->path + strlen(o->path) + 1);
                fuzz_assert(!strchr(name, '/'));
        } else
                fd = -1;
        oih_rootfs_force_fallback(false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The naive resolver writes wherever the links say, as root: never on mutated inputs. */
        static unsigned naive_inputs;
        if (naive() && naive_inputs++ > 0 && size > 0) {
                fprintf(stderr,
                        "fuzz-rootfs: OIH_FUZZ_NAIVE=1 runs one input file, not a fuzzing session\n");
                exit(EXIT_FAILURE);
        }

        /* Each input starts from the same state, so that a crash file reproduces alone: an empty tree
         * (whatever an earlier input left, however it ended), openat2 in use. */
        oih_rootfs_force_fallback(false);
        clean_root();
        check_root_empty();

        struct op ops[MAX_LINES];
        size_t n = parse_input((const char *)data, size, ops);
        time_t started = time(NULL);
        unsigned resolutions = 0;

        for (size_t i = 0; i < n; i++) {
                const struct op *o = &ops[i];
                if (strchr("dflc", o->code)) {
                        build(o);
                        continue;
                }
                if (resolutions++ >= MAX_RESOLUTIONS)
                        continue;

                /* From the sentinel: an escape through /proc/self/cwd lands where it is seen. */
                if (fchdir(sentinelfd) < 0)
                        setup_failed("fchdir");
                if (o->code == 'o')
                        resolve_open(o);
                else if (o->code == 'm')
                        resolve_mkdir(o, resolutions);
                else
                        resolve_parent(o, resolutions);
                if (fchdir(cwdfd) < 0)
                        setup_failed("fchdir back");

                if (o->code != 'o')
                        check_outside(data, size, started, o->path);
        }
        check_outside(data, size, started, "(the whole input)");

        for (size_t i = 0; i < n; i++)
                op_free(&ops[i]);
        clean_root();

        uint64_t now[FD_SCAN / 64];
        snapshot_fds(now);
        for (int fd = 0; fd < FD_SCAN; fd++)
                if ((now[fd / 64] ^ fds_open[fd / 64]) & (UINT64_C(1) << (fd % 64))) {
                        _cleanup_free_ char *what = NULL;
                        (void)fd_target(fd, &what);
                        fprintf(stderr, "fuzz-rootfs: fd %d (%s) is %s after this input\n", fd, what ?: "?",
                                now[fd / 64] & (UINT64_C(1) << (fd % 64)) ? "open" : "closed");
                        fuzz_fail(__FILE__, __LINE__, "no fd leaks");
                }
        return 0;
}
