/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-matched HOOK LIBINJTEST INJTEST [ROUNDS] [--base DIR] [--keep]: the matched path. One config,
 * activated by the container's OCI_BENCH, asks for 100 libraries (distinct copies of the test library, each
 * with its own soname and soname link, in one host folder), 5 binaries and 2 devices (/dev/fuse,
 * /dev/net/tun); ten more configs that nothing activates sit beside it. The container is a stand-in: a
 * process in a mount namespace of its own (and a devices cgroup of its own when the host has cgroup v1),
 * with a root of its own for every round: a glibc root (busybox-static, the host's ld-linux and libc, and
 * the ld.so.cache the host's ldconfig makes for it, as every glibc image has), its files hard-linked from a
 * template and every round's root made before the first round is timed.
 *
 * Against the floor, measured alternately in the same run: in a fresh stand-in-like mount namespace, a
 * minimal C loop of 107 bare bind mounts (mount(MS_BIND) of each host file onto a target made
 * beforehand in the root), the root's ld.so.conf.d entry written, and the host's ldconfig run on the
 * root (`ldconfig -r ROOT`). Also alternately, for information: the hook on the same request into a glibc
 * root without an ld.so.cache (where it runs ldconfig, confined, instead of adding to the image's cache),
 * and into a root without glibc (static busybox), where it has no ld cache to refresh. Every round is
 * checked: the hook exits 0, its binds are in the stand-in's mount table, the device nodes exist, and the
 * root's new ld.so.cache knows the libraries. Prints the medians, hook / floor with the quartiles of the
 * per-round ratio, and the hook's peak RSS (measured apart, through the static launcher peak-rss).
 *
 * Everything lives in a temporary folder in DIR (default /tmp): where the roots are changes the figure,
 * since the hook makes about 200 files in the root (mount points, library links) where the floor makes
 * the 100 links only (ldconfig does), its mount points being made beforehand. No root is removed while
 * rounds are timed: on ext4 without a journal, each new inode costs a scan past recently deleted ones, which
 * made the figure depend on the previous round's deletions.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

enum { NLIBS = 100, NBINS = 5, NDEVS = 2, NBINDS = NLIBS + NBINS + NDEVS };
static const char *const devices[NDEVS] = { "/dev/fuse", "/dev/net/tun" };
static const char *ldconfig = "/sbin/ldconfig";

static char *dir, *host_lib, *host_bin;

static void make_fixture(const char *libinjtest, const char *injtest)
{
        host_lib = path_printf("%s/host/lib", dir);
        host_bin = path_printf("%s/host/bin", dir);
        make_libraries(host_lib, libinjtest, NLIBS);
        mkdir_p(host_bin, 0755);
        for (int i = 0; i < NBINS; i++) {
                char *p = path_printf("%s/injtest%d", host_bin, i);
                copy_file(injtest, p, 0755);
                free(p);
        }
        for (int i = 0; i < NDEVS; i++) {
                struct stat st;
                if (stat(devices[i], &st) < 0 || !S_ISCHR(st.st_mode))
                        bench_die("the host has no device node %s:", devices[i]);
        }

        char *conf = path_printf("%s/conf", dir);
        make_configs(conf, 10);
        size_t size = 65536, len = 0;
        char *t = malloc(size);
#define ADD(...) (len += (size_t)snprintf(t + len, size - len, __VA_ARGS__))
        ADD("{ \"description\": \"a driver stack: 100 libraries, 5 tools, 2 devices\",\n"
            "  \"activation_flag\": \"OCI_BENCH\",\n  \"devices\": [\"%s\", \"%s\"],\n  \"binaries\": [",
            devices[0], devices[1]);
        for (int i = 0; i < NBINS; i++)
                ADD("%s\"%s/injtest%d\"", i ? ", " : "", host_bin, i);
        ADD("],\n");
#undef ADD
        write_library_config(conf, t, host_lib, NLIBS);
        free(t);
        free(conf);

        char *tmpl = path_printf("%s/tmpl-glibc", dir);
        make_rootfs_with_cache(tmpl, ldconfig);
        free(tmpl);
        tmpl = path_printf("%s/tmpl-nocache", dir);
        make_rootfs(tmpl, true);
        free(tmpl);
        tmpl = path_printf("%s/tmpl-static", dir);
        make_rootfs(tmpl, false);
        free(tmpl);
}

/* The root's ld.so.cache names the last library (and so was written after the libraries arrived). */
static void check_cache(const char *root, const char *who)
{
        char *want = path_printf("%s/libinjt%03d.so.1", host_lib, NLIBS - 1);
        check_ld_cache(root, want, who);
        free(want);
}

/* One run of the hook on a prepared root and a fresh stand-in: timed, or (rss) its peak memory measured. */
static double run_hook(const char *hook, const char *bundle, bool glibc, bool rss)
{
        struct standin s;
        char *root = path_printf("%s/%s/rootfs", dir, bundle);
        char *conf = path_printf("%s/conf", dir);
        char *state = path_printf("%s/%s/state.json", dir, bundle);
        char *err = path_printf("%s/%s/hook.stderr", dir, bundle);
        char *bdir = path_printf("%s/%s", dir, bundle);
        char *argv[] = { (char *)hook, (char *)"--config-dir", conf, NULL };
        int status = 0;

        standin_start(&s, root);
        char *text = path_printf("{\"ociVersion\": \"1.0.2\", \"id\": \"bench\", \"status\": \"created\", "
                                 "\"pid\": %d, \"bundle\": \"%s\"}",
                                 (int)s.pid, bdir);
        write_text(state, text, 0644);
        double us = rss ? peak_rss_kib(argv, state) : run_timed(argv, state, err, NULL, &status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char *msg = read_text(err, NULL);
                bench_die("the hook failed (status 0x%x) on the matched path:\n%s", status, msg);
        }
        int n = count_mounts(s.pid, root);
        if (n != NLIBS + NBINS)
                bench_die("the hook exited 0 but the stand-in has %d mounts in %s, not %d", n, root,
                          NLIBS + NBINS);
        for (int i = 0; i < NDEVS; i++) {
                char *p = path_printf("%s%s", root, devices[i]);
                struct stat st, host;
                if (stat(p, &st) < 0 || stat(devices[i], &host) < 0 || !S_ISCHR(st.st_mode) ||
                    st.st_rdev != host.st_rdev)
                        bench_die("the hook exited 0 but %s is not the device %s", p, devices[i]);
                free(p);
        }
        if (glibc)
                check_cache(root, "the hook");
        standin_stop(&s);
        free(text);
        free(root);
        free(conf);
        free(state);
        free(err);
        free(bdir);
        return us;
}

struct floor_result {
        double binds_us, ldconfig_us;
        int failed; /* 0, or the step that failed */
};

/* The floor: a prepared root with the targets made beforehand; in a fresh mount namespace, 107 binds, the
 * ld.so.conf.d entry, ldconfig -r. Timed from the go to the child's report. */
static double run_floor(const char *bundle, struct floor_result *res, double *targets_us)
{
        bench_check_interrupted();
        char *root = path_printf("%s/%s/rootfs", dir, bundle);
        char *src[NBINDS], *dst[NBINDS];
        int k = 0;

        for (int i = 0; i < NLIBS; i++)
                src[k++] = path_printf("%s/libinjt%03d.so.1.2.3", host_lib, i);
        for (int i = 0; i < NBINS; i++)
                src[k++] = path_printf("%s/injtest%d", host_bin, i);
        for (int i = 0; i < NDEVS; i++)
                src[k++] = strdup(devices[i]);
        /* Outside the floor's time, as its definition says; timed apart, for information: the hook has to
         * make these mount points itself. */
        double t_targets = now_us();
        char *d = path_printf("%s%s", root, host_lib);
        mkdir_p(d, 0755);
        free(d);
        d = path_printf("%s%s", root, host_bin);
        mkdir_p(d, 0755);
        free(d);
        d = path_printf("%s/dev/net", root);
        mkdir_p(d, 0755);
        free(d);
        for (int i = 0; i < NBINDS; i++) {
                dst[i] = path_printf("%s%s", root, src[i]);
                int fd = open(dst[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0)
                        bench_die("cannot make the target %s:", dst[i]);
                close(fd);
        }
        *targets_us = now_us() - t_targets;
        char *confd = path_printf("%s/etc/ld.so.conf.d", root);
        char *entry = path_printf("%s/000-oci-injector-hook.conf", confd);
        char *ldconf = path_printf("%s/etc/ld.so.conf", root);
        char *entry_text = path_printf("%s\n", host_lib);
        char *ld_argv[] = { (char *)ldconfig, (char *)"-r", root, NULL };

        int go[2], done[2];
        if (pipe2(go, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0)
                bench_die("pipe:");
        pid_t pid = bench_fork_tied();
        if (pid == 0) {
                struct floor_result r = { 0 };
                char c;
                close(go[1]);
                close(done[0]);
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        r.failed = 1;
                if (write(done[1], &r, sizeof(r)) != sizeof(r) || read(go[0], &c, 1) != 1)
                        _exit(1);
                double t0 = now_us();
                for (int i = 0; i < NBINDS && !r.failed; i++)
                        if (mount(src[i], dst[i], NULL, MS_BIND, NULL) < 0)
                                r.failed = 2;
                double t1 = now_us();
                if (!r.failed) {
                        if (mkdir(confd, 0755) < 0 && errno != EEXIST)
                                r.failed = 3;
                        int fd = open(entry, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                        if (fd < 0 || write(fd, entry_text, strlen(entry_text)) < 0 || close(fd) < 0)
                                r.failed = 3;
                        static const char include[] = "include /etc/ld.so.conf.d/*.conf\n";
                        fd = open(ldconf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                        if (fd < 0 || write(fd, include, sizeof(include) - 1) < 0 || close(fd) < 0)
                                r.failed = 3;
                }
                if (!r.failed) {
                        int status;
                        run_timed(ld_argv, NULL, NULL, NULL, &status);
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                                r.failed = 4;
                }
                double t2 = now_us();
                r.binds_us = t1 - t0;
                r.ldconfig_us = t2 - t1;
                if (write(done[1], &r, sizeof(r)) != sizeof(r))
                        _exit(1);
                while (read(go[0], &c, 1) > 0) /* until released: the binds stay for the check */
                        ;
                _exit(0);
        }
        bench_track_pid(pid);
        close(go[0]);
        close(done[1]);
        if (read(done[0], res, sizeof(*res)) != sizeof(*res) || res->failed)
                bench_die("the floor's mount namespace could not be made");

        double a = now_us();
        if (write(go[1], "g", 1) != 1 || read(done[0], res, sizeof(*res)) != sizeof(*res))
                bench_die("the floor's child died");
        double us = now_us() - a;
        static const char *const steps[] = { "", "unshare", "bind mount", "ld.so.conf", "ldconfig" };
        if (res->failed)
                bench_die("the floor failed at its %s step", steps[res->failed]);
        int n = count_mounts(pid, root);
        if (n != NBINDS)
                bench_die("the floor's namespace has %d mounts in %s, not %d", n, root, NBINDS);
        check_cache(root, "the floor");
        close(go[1]);
        close(done[0]);
        waitpid(pid, NULL, 0);
        bench_untrack_pid(pid);
        for (int i = 0; i < NBINDS; i++) {
                free(src[i]);
                free(dst[i]);
        }
        free(root);
        free(confd);
        free(entry);
        free(ldconf);
        free(entry_text);
        return us;
}

int main(int argc, char **argv)
{
        int rounds = 100;
        bool keep = false;
        const char *base = "/tmp";
        for (int i = 4; i < argc; i++)
                if (strcmp(argv[i], "--keep") == 0)
                        keep = true;
                else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc)
                        base = argv[++i];
                else if ((rounds = atoi(argv[i])) < 1)
                        argc = 0;
        if (argc < 4) {
                fprintf(stderr,
                        "usage: bench-matched HOOK LIBINJTEST INJTEST [ROUNDS] [--base DIR] [--keep]\n");
                return 2;
        }
        bench_require_root();
        bench_init("bench-matched");
        if (access(ldconfig, X_OK) != 0)
                bench_die("no %s:", ldconfig);

        dir = bench_tmpdir_in(base);
        printf("[3] matched path: one config activating %d libraries, %d binaries, %d devices (and 10 "
               "configs not activated), into a glibc root of its own and a fresh stand-in each round; "
               "in %s (%s)\n",
               NLIBS, NBINS, NDEVS, base, fs_name(dir));
        make_fixture(argv[2], argv[3]);

        /* Every root of every round first: 3 rounds to warm the caches, the timed ones, 5 for memory. */
        enum { WARM = 3, MEMORY = 5 };
        int total = WARM + rounds + MEMORY;
        static const char *const names[] = { "hook", "nocache", "static", "floor" };
        static const char *const templates[] = { "tmpl-glibc", "tmpl-nocache", "tmpl-static", "tmpl-glibc" };
        char **bundles[4];
        for (int v = 0; v < 4; v++) {
                bundles[v] = calloc((size_t)total, sizeof(char *));
                for (int i = 0; i < total; i++)
                        bundles[v][i] = prepare_bundle(dir, names[v], i, templates[v]);
        }
        sync();

        double *h = calloc((size_t)rounds, sizeof(double)), *s = calloc((size_t)rounds, sizeof(double));
        double *f = calloc((size_t)rounds, sizeof(double)), *fb = calloc((size_t)rounds, sizeof(double));
        double *fl = calloc((size_t)rounds, sizeof(double)), *ft = calloc((size_t)rounds, sizeof(double));
        double *nc = calloc((size_t)rounds, sizeof(double)), *ratio = calloc((size_t)rounds, sizeof(double));
        double targets;
        struct floor_result fr;

        for (int i = 0; i < WARM; i++) {
                run_hook(argv[1], bundles[0][i], true, false);
                run_hook(argv[1], bundles[1][i], true, false);
                run_hook(argv[1], bundles[2][i], false, false);
                run_floor(bundles[3][i], &fr, &targets);
        }
        for (int i = 0; i < rounds; i++) {
                int k = WARM + i;
                for (int j = 0; j < 4; j++)
                        switch ((i + j) % 4) {
                        case 0:
                                h[i] = run_hook(argv[1], bundles[0][k], true, false);
                                break;
                        case 1:
                                f[i] = run_floor(bundles[3][k], &fr, &ft[i]);
                                fb[i] = fr.binds_us;
                                fl[i] = fr.ldconfig_us;
                                break;
                        case 2:
                                nc[i] = run_hook(argv[1], bundles[1][k], true, false);
                                break;
                        default:
                                s[i] = run_hook(argv[1], bundles[2][k], false, false);
                        }
                ratio[i] = h[i] / f[i];
        }

        /* Memory, apart from the timed rounds: through the small launcher, so the figure is the hook's. */
        double hrss[MEMORY], ncrss[MEMORY], srss[MEMORY], lrss[MEMORY];
        for (int i = 0; i < MEMORY; i++) {
                int k = WARM + rounds + i;
                hrss[i] = run_hook(argv[1], bundles[0][k], true, true);
                ncrss[i] = run_hook(argv[1], bundles[1][k], true, true);
                srss[i] = run_hook(argv[1], bundles[2][k], false, true);
                char *root = path_printf("%s/%s/rootfs", dir, bundles[3][k]);
                char *ld_argv[] = { (char *)ldconfig, (char *)"-r", root, NULL };
                lrss[i] = peak_rss_kib(ld_argv, NULL);
                free(root);
        }

        double mh = median(h, rounds), mf = median(f, rounds), q1, q3;
        quartiles(ratio, rounds, &q1, &q3);
        printf("    median of %d alternating rounds (each checked: binds in the stand-in's mount table, "
               "device nodes, ld.so.cache):\n",
               rounds);
        printf("    hook, glibc root (adds to its ld.so.cache): %6.0f us\n", mh);
        printf("    floor: %d bare binds + ldconfig -r ROOT: %6.0f us (binds %.0f us, ld.so.conf + "
               "ldconfig %.0f us)\n",
               NBINDS, mf, median(fb, rounds), median(fl, rounds));
        double mt = median(ft, rounds);
        double mnc = median(nc, rounds);
        printf("    for information: hook into a glibc root without ld.so.cache (runs ldconfig, confined) "
               "%.0f us, %.2f of the floor; into a static root (no ld cache step) %.0f us; making the "
               "floor's "
               "%d targets (folders, empty files; not in the floor) %.0f us\n",
               mnc, mnc / mf, median(s, rounds), NBINDS, mt);
        const char *fs = fs_name(dir);
        printf("    ratio hook / floor (%s): %.2f (goal: at most 1.30); per round: quartiles %.2f to %.2f; "
               "hook / (floor + making its targets): %.2f\n",
               fs, mh / mf, q1, q3, mh / (mf + mt));
        printf("[5] peak memory of the hook on the matched path (%s), median of %d runs through a small "
               "static "
               "launcher: %.0f KiB\n"
               "    (for information: ldconfig -r alone %.0f KiB, the hook running ldconfig %.0f KiB (the "
               "larger of the two processes), into the static root %.0f KiB)\n",
               fs, MEMORY, median(hrss, MEMORY), median(lrss, MEMORY), median(ncrss, MEMORY),
               median(srss, MEMORY));
        if (keep) {
                printf("fixture kept in %s (remove it by hand)\n", dir);
                fflush(stdout);
                _exit(0);
        }
        bench_check_mounts();
        return 0;
}
