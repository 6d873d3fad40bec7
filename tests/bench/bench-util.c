/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

extern char **environ;

static const char *prog = "bench";
static char *mounts_before;
static char *tmpdirs[16];
static int n_tmpdirs;
static pid_t pids[64];
static int n_pids;
static struct standin *standins[8];
static int n_standins;

void bench_track_pid(pid_t pid)
{
        for (int i = 0; i < n_pids; i++)
                if (pids[i] == 0) {
                        pids[i] = pid;
                        return;
                }
        if (n_pids < (int)(sizeof(pids) / sizeof(pids[0])))
                pids[n_pids++] = pid;
}

void bench_untrack_pid(pid_t pid)
{
        for (int i = 0; i < n_pids; i++)
                if (pids[i] == pid)
                        pids[i] = 0;
}

static pid_t main_pid;

pid_t bench_fork_tied(void)
{
        fflush(stdout);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
                bench_die("fork:");
        if (pid == 0) {
                main_pid = -1;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(1);
        }
        return pid;
}

static void cleanup(void)
{
        if (getpid() != main_pid)
                return;
        for (int i = 0; i < n_pids; i++)
                if (pids[i] > 0) {
                        kill(pids[i], SIGKILL);
                        waitpid(pids[i], NULL, 0);
                        pids[i] = 0;
                }
        for (int i = 0; i < n_standins; i++)
                if (standins[i] && standins[i]->pid > 0)
                        standin_stop(standins[i]);
        for (int i = 0; i < n_tmpdirs; i++)
                if (tmpdirs[i]) {
                        remove_tree(tmpdirs[i]);
                        free(tmpdirs[i]);
                        tmpdirs[i] = NULL;
                }
}

static volatile sig_atomic_t interrupted;

/* The first signal lets the program that runs finish (a hook half-way through a root would race the
 * removal of that root), and the benchmark stops at the next check; a second one exits at once. */
static void on_signal(int sig)
{
        (void)sig;
        if (interrupted || getpid() != main_pid)
                _exit(130);
        interrupted = 1;
}

void bench_check_interrupted(void)
{
        if (interrupted && getpid() == main_pid) {
                fprintf(stderr, "%s: interrupted, cleaning up\n", prog);
                exit(130);
        }
}

_Noreturn void bench_die(const char *fmt, ...)
{
        int e = errno;
        va_list ap;
        fflush(stdout);
        fprintf(stderr, "%s: ", prog);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        size_t l = strlen(fmt);
        if (l > 0 && fmt[l - 1] == ':')
                fprintf(stderr, " %s", strerror(e));
        fputc('\n', stderr);
        exit(1);
}

void bench_init(const char *name)
{
        prog = name;
        main_pid = getpid();
        setvbuf(stdout, NULL, _IOLBF, 0);
        atexit(cleanup);
        struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        mounts_before = read_text("/proc/self/mountinfo", NULL);
}

void bench_check_mounts(void)
{
        char *now = read_text("/proc/self/mountinfo", NULL);
        if (strcmp(now, mounts_before) != 0)
                printf("WARNING (%s): the host's mount table changed during the run (another program "
                       "mounting at the same time, or a leak)\n",
                       prog);
        free(now);
}

void bench_require_root(void)
{
        if (geteuid() != 0) {
                printf("%s: skipped, needs root (namespaces, mounts, runc)\n", prog);
                exit(77);
        }
}

char *bench_tmpdir(void)
{
        return bench_tmpdir_in("/tmp");
}

char *bench_tmpdir_in(const char *base)
{
        char *d = path_printf("%s/oih-bench.XXXXXX", base);
        if (!d || !mkdtemp(d))
                bench_die("mkdtemp:");
        chmod(d, 0755);
        if (n_tmpdirs < (int)(sizeof(tmpdirs) / sizeof(tmpdirs[0])))
                tmpdirs[n_tmpdirs++] = strdup(d);
        return d;
}

const char *fs_name(const char *path)
{
        static const struct {
                unsigned long magic;
                const char *name;
        } types[] = {
                { 0xEF53, "ext4" },      { 0x01021994, "tmpfs" },   { 0x58465342, "xfs" },
                { 0x9123683E, "btrfs" }, { 0x794c7630, "overlay" },
        };
        struct statfs st;
        if (statfs(path, &st) < 0)
                return "?";
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if ((unsigned long)st.f_type == types[i].magic)
                        return types[i].name;
        return "another file system";
}

char *path_printf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                bench_die("out of memory");
        va_end(ap);
        return s;
}

void write_text(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0 || close(fd) < 0)
                bench_die("cannot write %s:", path);
}

char *read_text(const char *path, size_t *ret_len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t size = 4096, len = 0;
        char *buf = malloc(size);
        if (fd < 0 || !buf)
                bench_die("cannot read %s:", path);
        for (;;) {
                if (len + 1 >= size && !(buf = realloc(buf, size *= 2)))
                        bench_die("out of memory");
                ssize_t n = read(fd, buf + len, size - len - 1);
                if (n < 0)
                        bench_die("cannot read %s:", path);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        close(fd);
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        return buf;
}

void mkdir_p(const char *path, mode_t mode)
{
        char *p = strdup(path);
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        bench_die("mkdir %s:", p);
                *s = c;
                if (!c)
                        break;
        }
        free(p);
}

void copy_file(const char *src, const char *dst, mode_t mode)
{
        int in = open(src, O_RDONLY | O_CLOEXEC);
        int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        struct stat st;
        if (in < 0 || out < 0 || fstat(in, &st) < 0)
                bench_die("cannot copy %s to %s:", src, dst);
        for (off_t left = st.st_size; left > 0;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
                        n = sendfile(out, in, NULL, (size_t)left);
                if (n <= 0)
                        bench_die("cannot copy %s to %s:", src, dst);
                left -= n;
        }
        if (fchmod(out, mode) < 0 || close(out) < 0)
                bench_die("cannot copy %s to %s:", src, dst);
        close(in);
}

static const char *tree_src, *tree_dst;
static bool tree_link;

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)ftw;
        char *dst = path_printf("%s%s", tree_dst, path + strlen(tree_src));
        if (type == FTW_D) {
                if (mkdir(dst, st->st_mode & 07777) < 0)
                        bench_die("mkdir %s:", dst);
        } else if (type == FTW_SL) {
                char target[4096];
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n < 0)
                        bench_die("readlink %s:", path);
                target[n] = 0;
                if (symlink(target, dst) < 0)
                        bench_die("symlink %s:", dst);
        } else if (type == FTW_F && S_ISREG(st->st_mode) && tree_link) {
                if (link(path, dst) < 0)
                        bench_die("link %s:", dst);
        } else if (type == FTW_F && S_ISREG(st->st_mode)) {
                copy_file(path, dst, st->st_mode & 07777);
        } else
                bench_die("copy_tree: cannot copy %s", path);
        free(dst);
        return 0;
}

static void walk_tree(const char *src, const char *dst, bool link_files)
{
        tree_src = src;
        tree_dst = dst;
        tree_link = link_files;
        if (nftw(src, copy_one, 32, FTW_PHYS) != 0)
                bench_die("cannot copy %s:", src);
}

void copy_tree(const char *src, const char *dst)
{
        walk_tree(src, dst, false);
}

void link_tree(const char *src, const char *dst)
{
        walk_tree(src, dst, true);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
                fprintf(stderr, "%s: cannot remove %s: %s\n", prog, path, strerror(errno));
        return 0;
}

void remove_tree(const char *path)
{
        if (access(path, F_OK) == 0)
                nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Configs as a host has them: devices, tools, libraries, a folder and a file each; none activated. */
void make_configs(const char *dir, int count)
{
        static const char *const names[] = { "dri", "fuse", "kvm", "nvidia", "onload",
                                             "snd", "tun",  "x11", "fpga",   "infiniband" };
        char text[2048];

        mkdir_p(dir, 0755);
        chmod(dir, 0755);
        for (int i = 0; i < count; i++) {
                char name[64];
                if (count <= 10)
                        snprintf(name, sizeof(name), "%s", names[i % 10]);
                else
                        snprintf(name, sizeof(name), "%s%d", names[i % 10], i / 10);
                char *p = path_printf("%s/%04d-%s.json", dir, i, name);
                snprintf(text, sizeof(text),
                         "{ \"description\": \"%s for the containers that ask\",\n"
                         "  \"activation_flag\": \"OCI_INJECT_%s\",\n"
                         "  \"devices\": [\"/dev/%s0\", {\"path\": \"/dev/%s/*\", \"optional\": true}],\n"
                         "  \"binaries\": [\"/usr/bin/%s-smi\", \"/usr/bin/%s-debugdump\"],\n"
                         "  \"libraries\": [\"/usr/lib/x86_64-linux-gnu/lib%s.so.1\", "
                         "\"/usr/lib/x86_64-linux-gnu/lib%s-ml.so.1\"],\n"
                         "  \"directories\": [\"/etc/%s\"],\n"
                         "  \"miscellaneous\": [\"/etc/%s/%s.conf\"] }\n",
                         name, name, name, name, name, name, name, name, name, name, name);
                write_text(p, text, 0644);
                free(p);
        }
}

size_t make_big_bundle(const char *bundle)
{
        size_t size = 65536, len = 0;
        char *t = malloc(size);

#define ADD(...) (len += (size_t)snprintf(t + len, size - len, __VA_ARGS__))
        ADD("{\"ociVersion\": \"1.0.2\", \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": "
            "0},"
            " \"args\": [\"sh\"], \"env\": "
            "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"");
        for (int i = 0; i < 85; i++)
                ADD(", \"APP_SETTING_%02d=value-%08d-with-some-length\"", i, i * 7919);
        ADD("], \"cwd\": \"/\", \"capabilities\": {\"bounding\": [");
        for (int i = 0; i < 14; i++)
                ADD("%s\"CAP_%02d\"", i ? ", " : "", i);
        ADD("]}, \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}]},"
            " \"root\": {\"path\": \"rootfs\", \"readonly\": true}, \"hostname\": \"bench\", \"mounts\": [");
        for (int i = 0; i < 30; i++)
                ADD("%s{\"destination\": \"/mnt/volume-%02d\", \"type\": \"bind\", \"source\": "
                    "\"/var/lib/volumes/volume-%02d/_data\", \"options\": [\"rbind\", \"rprivate\"]}",
                    i ? ", " : "", i, i);
        ADD("], \"annotations\": {");
        for (int i = 0; i < 20; i++)
                ADD("%s\"io.example.annotation-%02d\": \"value-%02d\"", i ? ", " : "", i, i);
        ADD("}, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": "
            "\"ipc\"},"
            " {\"type\": \"uts\"}, {\"type\": \"mount\"}], \"maskedPaths\": [\"/proc/acpi\", "
            "\"/proc/kcore\","
            " \"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/sched_debug\"],"
            " \"cgroupsPath\": \"/bench\"}}\n");
#undef ADD
        char *p = path_printf("%s/config.json", bundle);
        write_text(p, t, 0644);
        free(p);
        p = path_printf("%s/state.json", bundle);
        char *state = path_printf("{\"ociVersion\": \"1.0.2\", \"id\": \"bench\", \"status\": \"created\", "
                                  "\"pid\": 1, \"bundle\": \"%s\"}",
                                  bundle);
        write_text(p, state, 0644);
        free(p);
        free(state);
        free(t);
        return len;
}

/* Like tests/integration/helpers.bash make_rootfs. */
void make_rootfs(const char *dir, bool glibc)
{
        static const char *const dirs[] = { "bin", "sbin", "etc",     "proc",    "sys", "dev",
                                            "tmp", "opt",  "usr/bin", "usr/lib", "lib", "root" };
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char *p = path_printf("%s/%s", dir, dirs[i]);
                mkdir_p(p, 0755);
                free(p);
        }
        char *bb = path_printf("%s/bin/busybox", dir);
        copy_file("/bin/busybox", bb, 0755);
        char *cmd = path_printf("'%s' --list", bb);
        FILE *f = popen(cmd, "re");
        char line[256];
        int applets = 0;
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                char *p = path_printf("%s/bin/%s", dir, line);
                if (*line && access(p, F_OK) != 0 && symlink("busybox", p) == 0)
                        applets++;
                free(p);
        }
        if (!f || pclose(f) != 0 || applets == 0)
                bench_die("cannot list the applets of /bin/busybox (busybox-static installed?)");
        free(cmd);
        free(bb);
        char *p = path_printf("%s/etc/passwd", dir);
        write_text(p, "root:x:0:0:root:/root:/bin/sh\n", 0644);
        free(p);
        p = path_printf("%s/etc/group", dir);
        write_text(p, "root:x:0:\n", 0644);
        free(p);
        if (glibc) {
                p = path_printf("%s/lib64", dir);
                mkdir_p(p, 0755);
                free(p);
                p = path_printf("%s/lib/x86_64-linux-gnu", dir);
                mkdir_p(p, 0755);
                free(p);
                p = path_printf("%s/lib64/ld-linux-x86-64.so.2", dir);
                copy_file("/lib64/ld-linux-x86-64.so.2", p, 0755);
                free(p);
                p = path_printf("%s/lib/x86_64-linux-gnu/libc.so.6", dir);
                copy_file("/lib/x86_64-linux-gnu/libc.so.6", p, 0755);
                free(p);
        }
}

void write_library_config(const char *conf, const char *head, const char *lib, int count)
{
        size_t size = strlen(head) + 64 + (size_t)count * (strlen(lib) + 32), len = 0;
        char *t = malloc(size);
        if (!t)
                bench_die("out of memory");
        len += (size_t)snprintf(t + len, size - len, "%s  \"libraries\": [", head);
        for (int i = 0; i < count; i++)
                len += (size_t)snprintf(t + len, size - len, "%s\n    \"%s/libinjt%03d.so.1\"", i ? "," : "",
                                        lib, i);
        snprintf(t + len, size - len, "] }\n");
        char *p = path_printf("%s/50-bench.json", conf);
        write_text(p, t, 0644);
        free(p);
        free(t);
}

void make_rootfs_with_cache(const char *dir, const char *ldconfig)
{
        make_rootfs(dir, true);
        char *argv[] = { (char *)ldconfig, (char *)"-r", (char *)dir, NULL };
        int status;
        run_timed(argv, NULL, NULL, NULL, &status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bench_die("%s -r %s failed", ldconfig, dir);
}

double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

double run_timed(char *const argv[], const char *stdin_path, const char *out_path, struct rusage *ru,
                 int *ret_status)
{
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
        int null = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                            : open("/dev/null", O_WRONLY | O_CLOEXEC);
        struct rusage r;
        int status;
        if (in < 0 || null < 0)
                bench_die("open:");
        fflush(stdout);
        double a = now_us();
        pid_t pid = vfork();
        if (pid == 0) {
                dup2(in, 0);
                dup2(null, 1);
                dup2(null, 2);
                if (strchr(argv[0], '/'))
                        execve(argv[0], argv, environ);
                else
                        execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &r) < 0)
                bench_die("cannot run %s:", argv[0]);
        double b = now_us();
        close(in);
        close(null);
        bench_check_interrupted();
        if (ru)
                *ru = r;
        if (ret_status)
                *ret_status = status;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bench_die("%s failed (status 0x%x)", argv[0], status);
        return b - a;
}

double peak_rss_kib(char *const argv[], const char *stdin_path)
{
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0)
                bench_die("readlink /proc/self/exe:");
        self[n] = 0;
        *strrchr(self, '/') = 0;
        char *launcher = path_printf("%s/peak-rss", self);
        static char *out_dir;
        if (!out_dir)
                out_dir = bench_tmpdir();
        char *out = path_printf("%s/peak-rss.out", out_dir);
        int count = 0;
        while (argv[count])
                count++;
        char **full = calloc((size_t)count + 3, sizeof(char *));
        full[0] = launcher;
        full[1] = out;
        memcpy(full + 2, argv, (size_t)count * sizeof(char *));
        run_timed(full, stdin_path, NULL, NULL, NULL);
        char *text = read_text(out, NULL);
        double kib = atof(text);
        unlink(out);
        free(text);
        free(full);
        free(out);
        free(launcher);
        return kib;
}

static int cmp_double(const void *x, const void *y)
{
        double a = *(const double *)x, b = *(const double *)y;
        return (a > b) - (a < b);
}

double median(const double *v, int n)
{
        double *c = malloc((size_t)n * sizeof(double));
        memcpy(c, v, (size_t)n * sizeof(double));
        qsort(c, (size_t)n, sizeof(double), cmp_double);
        double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
        free(c);
        return m;
}

void quartiles(const double *v, int n, double *ret_q1, double *ret_q3)
{
        double *c = malloc((size_t)n * sizeof(double));
        memcpy(c, v, (size_t)n * sizeof(double));
        qsort(c, (size_t)n, sizeof(double), cmp_double);
        *ret_q1 = c[n / 4];
        *ret_q3 = c[(3 * n) / 4 < n ? (3 * n) / 4 : n - 1];
        free(c);
}

/* The cgroup hierarchies a runtime would put a container in: v1 devices, and cgroup2 (hybrid or not). */
static const char *devices_hierarchy(void)
{
        return access("/sys/fs/cgroup/devices/devices.allow", F_OK) == 0 ? "/sys/fs/cgroup/devices" : NULL;
}

void standin_start(struct standin *s, const char *root)
{
        int ready[2], release[2];
        bench_check_interrupted();
        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
                bench_die("pipe:");
        pid_t pid = bench_fork_tied();
        if (pid == 0) {
                close(ready[0]);
                close(release[1]);
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(1);
                /* As runtimes do before they run hooks (the hook checks for this mount). */
                if (root && mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                        _exit(1);
                if (write(ready[1], "r", 1) != 1)
                        _exit(1);
                char c;
                while (read(release[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(ready[1]);
        close(release[0]);
        s->pid = pid;
        s->release_fd = release[1];
        s->cgroup = NULL;
        /* Registered while it runs (the struct lives on the caller's stack until standin_stop). */
        for (int i = 0; i < (int)(sizeof(standins) / sizeof(standins[0])); i++)
                if (!standins[i]) {
                        standins[i] = s;
                        if (i >= n_standins)
                                n_standins = i + 1;
                        break;
                }
        char c;
        if (read(ready[0], &c, 1) != 1)
                bench_die("the stand-in did not start");
        close(ready[0]);

        /* Its own devices cgroup that allows nothing, as a runtime makes one: the hook allows the injected
         * devices there, and never touches the cgroup the benchmark runs in. */
        const char *h = devices_hierarchy();
        if (h) {
                char *cg = path_printf("%s/oih-bench-%d", h, (int)pid);
                if (mkdir(cg, 0755) == 0) {
                        s->cgroup = cg;
                        char *f = path_printf("%s/devices.deny", cg);
                        write_text(f, "a", 0644);
                        free(f);
                        f = path_printf("%s/cgroup.procs", cg);
                        char pidtext[32];
                        snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
                        write_text(f, pidtext, 0644);
                        free(f);
                } else
                        free(cg);
        }
}

void standin_stop(struct standin *s)
{
        for (int i = 0; i < n_standins; i++)
                if (standins[i] == s)
                        standins[i] = NULL;
        if (s->pid <= 0)
                return;
        close(s->release_fd);
        int status;
        waitpid(s->pid, &status, 0);
        s->pid = 0;
        if (s->cgroup) {
                for (int i = 0; i < 100 && rmdir(s->cgroup) < 0 && errno == EBUSY; i++)
                        usleep(1000);
                free(s->cgroup);
                s->cgroup = NULL;
        }
}

void make_libraries(const char *lib, const char *libinjtest, int count)
{
        static const char soname[] = "libinjtest.so.1";
        size_t len;
        char *data = read_text(libinjtest, &len);
        size_t at[16], hits = 0;

        if (count > 1000)
                bench_die("make_libraries: at most 1000 libraries (three digits in the soname)");
        for (char *p = data;
             hits < 16 && (p = memmem(p, len - (size_t)(p - data), soname, sizeof(soname))) != NULL;
             p += sizeof(soname))
                at[hits++] = (size_t)(p - data);
        if (hits == 0)
                bench_die("no soname %s found to rewrite in %s", soname, libinjtest);
        mkdir_p(lib, 0755);
        for (int i = 0; i < count; i++) {
                char name[32];
                snprintf(name, sizeof(name), "libinjt%03d.so.1", i);
                for (size_t j = 0; j < hits; j++)
                        memcpy(data + at[j], name, sizeof(soname));
                char *real = path_printf("%s/libinjt%03d.so.1.2.3", lib, i);
                int fd = open(real, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
                if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
                        bench_die("cannot write %s:", real);
                char *link = path_printf("%s/%s", lib, name);
                char *target = path_printf("libinjt%03d.so.1.2.3", i);
                if (symlink(target, link) < 0)
                        bench_die("symlink %s:", link);
                free(real);
                free(link);
                free(target);
        }
        free(data);
}

char *prepare_bundle(const char *dir, const char *name, int round, const char *tmpl)
{
        static const char config_json[] =
                "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"env\":[\"OCI_BENCH=1\"]},"
                "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}\n";
        char *bundle = path_printf("%s-%d", name, round);
        char *p = path_printf("%s/%s", dir, bundle);
        mkdir_p(p, 0755);
        free(p);
        p = path_printf("%s/%s/config.json", dir, bundle);
        write_text(p, config_json, 0644);
        free(p);
        p = path_printf("%s/%s/rootfs", dir, bundle);
        char *src = path_printf("%s/%s", dir, tmpl);
        link_tree(src, p);
        free(src);
        free(p);
        return bundle;
}

int count_mounts(pid_t pid, const char *root)
{
        char *p = path_printf("/proc/%d/mountinfo", (int)pid);
        char *text = read_text(p, NULL);
        size_t rl = strlen(root);
        int n = 0;
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strncmp(mp, root, rl) == 0 &&
                    mp[rl] == '/')
                        n++;
        }
        free(text);
        free(p);
        return n;
}

void check_ld_cache(const char *root, const char *want, const char *who)
{
        char *p = path_printf("%s/etc/ld.so.cache", root);
        size_t len;
        if (access(p, F_OK) != 0)
                bench_die("%s: no %s after the run", who, p);
        char *data = read_text(p, &len);
        if (!memmem(data, len, want, strlen(want)))
                bench_die("%s: %s does not name %s", who, p, want);
        free(data);
        free(p);
}
