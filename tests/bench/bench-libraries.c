/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-libraries HOOK LIBINJTEST [ROUNDS] [--base DIR]: how the matched path grows with the number of
 * libraries. Three configs, each activated by the container's OCI_BENCH in a config folder of its own, ask
 * for 10, 100 and 1000 libraries (distinct copies of the test library, each with its own soname and soname
 * link, as in bench-matched); nothing else. Each round runs the hook once for each count, in an order that
 * rotates from round to round, into a glibc root of its own (with the ld.so.cache the host's ldconfig
 * makes for it) and a fresh stand-in, every root made before the first round is timed. Every run is
 * checked: the hook exits 0, its binds are in the stand-in's mount table, the root's ld.so.cache knows the
 * last library.
 *
 * Prints, for each count, the median time and the time per library; the cost of one more library between
 * the counts (10 to 100, 100 to 1000: the fixed costs cancel out) and the ratio of the two, with the
 * quartiles of that ratio over the rounds (flat growth is 1.0). Then the system calls per bound library:
 * one more run for each count under `strace -f -c` (untimed), the difference between 100 and 1000
 * libraries divided by 900, in all and by system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

enum { N = 3, MAX_SYSCALLS = 512 };
static const int counts[N] = { 10, 100, 1000 };
static const char *ldconfig = "/sbin/ldconfig";
static const char *strace = "/usr/bin/strace";

static char *dir, *host_lib;

static void make_fixture(const char *libinjtest)
{
        host_lib = path_printf("%s/host/lib", dir);
        make_libraries(host_lib, libinjtest, counts[N - 1]);
        for (int k = 0; k < N; k++) {
                char *conf = path_printf("%s/conf-%d", dir, counts[k]);
                mkdir_p(conf, 0755);
                size_t size = 65536, len = 0;
                char *t = malloc(size);
#define ADD(...) (len += (size_t)snprintf(t + len, size - len, __VA_ARGS__))
                ADD("{ \"description\": \"%d libraries\",\n  \"activation_flag\": \"OCI_BENCH\",\n"
                    "  \"libraries\": [",
                    counts[k]);
                for (int i = 0; i < counts[k]; i++)
                        ADD("%s\n    \"%s/libinjt%03d.so.1\"", i ? "," : "", host_lib, i);
                ADD("] }\n");
#undef ADD
                char *p = path_printf("%s/50-bench.json", conf);
                write_text(p, t, 0644);
                free(p);
                free(t);
                free(conf);
        }
        char *tmpl = path_printf("%s/tmpl-glibc", dir);
        make_rootfs(tmpl, true);
        char *ld_argv[] = { (char *)ldconfig, (char *)"-r", tmpl, NULL };
        int status;
        run_timed(ld_argv, NULL, NULL, NULL, &status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bench_die("%s -r %s failed", ldconfig, tmpl);
        free(tmpl);
}

/* One run of the hook with count k's config on a prepared root and a fresh stand-in, checked; timed, or
 * (strace_out) counted under strace -f -c into that file. */
static double run_hook(const char *hook, int k, const char *bundle, const char *strace_out)
{
        struct standin s;
        char *root = path_printf("%s/%s/rootfs", dir, bundle);
        char *conf = path_printf("%s/conf-%d", dir, counts[k]);
        char *state = path_printf("%s/%s/state.json", dir, bundle);
        char *err = path_printf("%s/%s/hook.stderr", dir, bundle);
        char *bdir = path_printf("%s/%s", dir, bundle);
        char *argv[] = { (char *)hook, (char *)"--config-dir", conf, NULL };
        char *traced[] = { (char *)strace,
                           (char *)"-f",
                           (char *)"-c",
                           (char *)"-U",
                           (char *)"name,calls",
                           (char *)"-o",
                           (char *)strace_out,
                           (char *)hook,
                           (char *)"--config-dir",
                           conf,
                           NULL };
        int status = 0;

        standin_start(&s, root);
        char *text = path_printf("{\"ociVersion\": \"1.0.2\", \"id\": \"bench\", \"status\": \"created\", "
                                 "\"pid\": %d, \"bundle\": \"%s\"}",
                                 (int)s.pid, bdir);
        write_text(state, text, 0644);
        double us = run_timed(strace_out ? traced : argv, state, err, NULL, &status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char *msg = read_text(err, NULL);
                bench_die("the hook failed (status 0x%x) with %d libraries:\n%s", status, counts[k], msg);
        }
        int n = count_mounts(s.pid, root);
        if (n != counts[k])
                bench_die("the hook exited 0 but the stand-in has %d mounts in %s, not %d", n, root,
                          counts[k]);
        char *want = path_printf("%s/libinjt%03d.so.1", host_lib, counts[k] - 1);
        check_ld_cache(root, want, "the hook");
        standin_stop(&s);
        free(want);
        free(text);
        free(root);
        free(conf);
        free(state);
        free(err);
        free(bdir);
        return us;
}

struct syscall_count {
        char name[64];
        long calls[N];
};

/* Reads strace -c -U name,calls output into the table (name, calls for count k). Returns the total. */
static long read_strace(const char *path, int k, struct syscall_count *table, int *n)
{
        char *text = read_text(path, NULL);
        long total = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char name[64];
                long calls;
                if (sscanf(line, "%63s %ld", name, &calls) != 2)
                        continue;
                if (strcmp(name, "total") == 0) {
                        total = calls;
                        continue;
                }
                int i = 0;
                while (i < *n && strcmp(table[i].name, name) != 0)
                        i++;
                if (i == *n) {
                        if (*n == MAX_SYSCALLS)
                                continue;
                        memset(&table[i], 0, sizeof(table[i]));
                        snprintf(table[i].name, sizeof(table[i].name), "%s", name);
                        (*n)++;
                }
                table[i].calls[k] = calls;
        }
        free(text);
        return total;
}

static int by_growth(const void *a, const void *b)
{
        const struct syscall_count *x = a, *y = b;
        long gx = x->calls[N - 1] - x->calls[N - 2], gy = y->calls[N - 1] - y->calls[N - 2];
        return (gx < gy) - (gx > gy);
}

static void count_syscalls(const char *hook, char **bundles)
{
        static struct syscall_count table[MAX_SYSCALLS];
        long total[N];
        int n = 0;

        if (access(strace, X_OK) != 0) {
                printf("    system calls per bound library: not counted, no %s (tests/deps.sh installs it)\n",
                       strace);
                return;
        }
        char *out = path_printf("%s/strace.out", dir);
        for (int k = 0; k < N; k++) {
                run_hook(hook, k, bundles[k], out);
                total[k] = read_strace(out, k, table, &n);
                unlink(out);
        }
        free(out);
        qsort(table, (size_t)n, sizeof(table[0]), by_growth);
        int span = counts[N - 1] - counts[N - 2];
        printf("    system calls (strace -f -c, one run each): %ld, %ld, %ld; per bound library (from %d to %d "
               "libraries): %.2f (goal: at most 8)\n      by call:",
               total[0], total[1], total[2], counts[N - 2], counts[N - 1],
               (double)(total[N - 1] - total[N - 2]) / span);
        for (int i = 0; i < n; i++) {
                double per = (double)(table[i].calls[N - 1] - table[i].calls[N - 2]) / span;
                if (per >= 0.005 || per <= -0.005)
                        printf(" %s %.2f", table[i].name, per);
        }
        printf("\n");
}

int main(int argc, char **argv)
{
        int rounds = 30;
        const char *base = "/dev/shm";
        for (int i = 3; i < argc; i++)
                if (strcmp(argv[i], "--base") == 0 && i + 1 < argc)
                        base = argv[++i];
                else if ((rounds = atoi(argv[i])) < 1)
                        argc = 0;
        if (argc < 3) {
                fprintf(stderr, "usage: bench-libraries HOOK LIBINJTEST [ROUNDS] [--base DIR]\n");
                return 2;
        }
        bench_require_root();
        bench_init("bench-libraries");
        if (access(ldconfig, X_OK) != 0)
                bench_die("no %s:", ldconfig);

        dir = bench_tmpdir_in(base);
        printf("[7] growth of the matched path with the number of libraries: one config activating 10, 100 "
               "or 1000 libraries into a glibc root of its own and a fresh stand-in each round; in %s "
               "(%s)\n",
               base, fs_name(dir));
        make_fixture(argv[2]);

        /* Every root first: 2 rounds to warm the caches, the timed ones, one for the count of calls. */
        enum { WARM = 2 };
        int total = WARM + rounds + 1;
        char **bundles[N];
        for (int k = 0; k < N; k++) {
                char *name = path_printf("libs%d", counts[k]);
                bundles[k] = calloc((size_t)total, sizeof(char *));
                for (int i = 0; i < total; i++)
                        bundles[k][i] = prepare_bundle(dir, name, i, "tmpl-glibc");
                free(name);
        }
        sync();

        double *t[N], *slope[N - 1], *ratio = calloc((size_t)rounds, sizeof(double));
        for (int k = 0; k < N; k++)
                t[k] = calloc((size_t)rounds, sizeof(double));
        for (int k = 0; k < N - 1; k++)
                slope[k] = calloc((size_t)rounds, sizeof(double));
        for (int i = 0; i < WARM; i++)
                for (int k = 0; k < N; k++)
                        run_hook(argv[1], k, bundles[k][i], NULL);
        for (int i = 0; i < rounds; i++) {
                for (int j = 0; j < N; j++) {
                        int k = (i + j) % N;
                        t[k][i] = run_hook(argv[1], k, bundles[k][WARM + i], NULL);
                }
                for (int k = 0; k < N - 1; k++)
                        slope[k][i] = (t[k + 1][i] - t[k][i]) / (counts[k + 1] - counts[k]);
                ratio[i] = slope[1][i] / slope[0][i];
        }

        printf("    median of %d rounds, the counts alternating:\n", rounds);
        for (int k = 0; k < N; k++) {
                double m = median(t[k], rounds), q1, q3;
                quartiles(t[k], rounds, &q1, &q3);
                printf("    %4d libraries: hook %7.0f us (quartiles %.0f to %.0f), %5.1f us per library\n",
                       counts[k], m, q1, q3, m / counts[k]);
        }
        double q1, q3;
        for (int k = 0; k < N - 1; k++) {
                quartiles(slope[k], rounds, &q1, &q3);
                printf("    one more library, from %d to %d: %5.1f us (quartiles %.1f to %.1f)\n", counts[k],
                       counts[k + 1], median(slope[k], rounds), q1, q3);
        }
        quartiles(ratio, rounds, &q1, &q3);
        printf("    ratio of the cost of one more library, 100 to 1000 / 10 to 100: %.2f (goal: flat, 1.0); "
               "per round: quartiles %.2f to %.2f\n",
               median(ratio, rounds), q1, q3);
        char *last[N];
        for (int k = 0; k < N; k++)
                last[k] = bundles[k][total - 1];
        count_syscalls(argv[1], last);
        bench_check_mounts();
        return 0;
}
