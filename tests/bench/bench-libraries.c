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
 * quartiles of that ratio over the rounds (flat growth is 1.0). The timed runs are repeat starts: the
 * hook finds the sonames it read in the warm-up rounds in its cache. Then the system calls per bound
 * library: one more run for each count under `strace -f` (untimed), the difference between 100 and 1000
 * libraries divided by 900, in all, by phase (planning, taking the sources, the work in the root) and by
 * system call; at a repeat start, and at a first one (every library given a new change time before each
 * run, so that the hook reads each ELF file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
                char *head = path_printf(
                        "{ \"description\": \"%d libraries\",\n  \"activation_flag\": \"OCI_BENCH\",\n",
                        counts[k]);
                write_library_config(conf, head, host_lib, counts[k]);
                free(head);
                free(conf);
        }
        char *tmpl = path_printf("%s/tmpl-glibc", dir);
        make_rootfs_with_cache(tmpl, ldconfig);
        free(tmpl);
}

/* One run of the hook with count k's config on a prepared root and a fresh stand-in, checked; timed, or
 * (strace_out) traced by strace -f into that file. */
static double run_hook(const char *hook, int k, const char *bundle, const char *strace_out)
{
        struct standin s;
        char *root = path_printf("%s/%s/rootfs", dir, bundle);
        char *conf = path_printf("%s/conf-%d", dir, counts[k]);
        char *state = path_printf("%s/%s/state.json", dir, bundle);
        char *err = path_printf("%s/%s/hook.stderr", dir, bundle);
        char *bdir = path_printf("%s/%s", dir, bundle);
        char *argv[] = { (char *)hook, (char *)"--config-dir", conf, NULL };
        char *traced[] = {
                (char *)strace, (char *)"-f",           (char *)"-qq", (char *)"-o", (char *)strace_out,
                (char *)hook,   (char *)"--config-dir", conf,          NULL
        };
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

/* The phases of a run, told apart in the trace by the first call of the next one: planning until the
 * hook opens the container's process (pidfd_open), taking the sources in the host's mount namespace
 * until it enters the container's (setns), then the work in the root. */
enum { PLAN, TAKE, APPLY, PHASES };
static const char *const phase_names[PHASES] = { "plan", "take sources", "in the root" };
static const char *const phase_ends[PHASES] = { "pidfd_open", "setns", NULL };

struct syscall_count {
        char name[64];
        long calls[N][PHASES];
};

static struct syscall_count *find_call(struct syscall_count *table, int *n, const char *name)
{
        for (int i = 0; i < *n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return &table[i];
        if (*n == MAX_SYSCALLS)
                return NULL;
        struct syscall_count *c = &table[(*n)++];
        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", name);
        return c;
}

/* Reads a trace (strace -f -qq -o: "[PID ]name(args) = result" a line) into the table for count k.
 * Returns false when a phase's end was not seen (the hook's flow changed: the phases are then wrong). */
static bool read_trace(const char *path, int k, struct syscall_count *table, int *n)
{
        char *text = read_text(path, NULL);
        int phase = PLAN;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char name[64];
                /* Lines start with the pid once a second process is traced. */
                const char *call = line + strspn(line, "0123456789 ");
                if (strstr(line, "resumed>") || sscanf(call, "%63[a-z0-9_]", name) != 1 ||
                    call[strlen(name)] != '(')
                        continue;
                /* strace before 6.15 knows open_tree_attr by its number only. */
                if (strcmp(name, "syscall_0x1d3") == 0)
                        snprintf(name, sizeof(name), "open_tree_attr");
                if (phase_ends[phase] && strcmp(name, phase_ends[phase]) == 0)
                        phase++;
                struct syscall_count *c = find_call(table, n, name);
                if (c)
                        c->calls[k][phase]++;
        }
        free(text);
        return phase == APPLY;
}

static long growth(const struct syscall_count *c, int phase)
{
        long g = 0;
        for (int ph = 0; ph < PHASES; ph++)
                if (phase < 0 || ph == phase)
                        g += c->calls[N - 1][ph] - c->calls[N - 2][ph];
        return g;
}

static int by_growth(const void *a, const void *b)
{
        long ga = growth(a, -1), gb = growth(b, -1);
        return (ga < gb) - (ga > gb);
}

/* Every library a new change time: the hook's soname cache knows none of them. */
static void renew_change_times(void)
{
        for (int i = 0; i < counts[N - 1]; i++) {
                char *p = path_printf("%s/libinjt%03d.so.1.2.3", host_lib, i);
                if (chmod(p, 0755) < 0)
                        bench_die("chmod %s:", p);
                free(p);
        }
}

/* One more run for each count, traced (untimed): the calls per library between the two larger counts, in
 * all and by phase and call. `first`: each run as the first start to ask for its libraries. */
static void count_syscalls(const char *hook, char **bundles, bool first)
{
        static struct syscall_count table[MAX_SYSCALLS];
        memset(table, 0, sizeof(table));
        long total[N] = { 0 };
        int n = 0;
        bool phases = true;

        if (access(strace, X_OK) != 0) {
                printf("    system calls per bound library: not counted, no %s (tests/deps.sh installs it)\n",
                       strace);
                return;
        }
        char *out = path_printf("%s/strace.out", dir);
        for (int k = 0; k < N; k++) {
                if (first)
                        renew_change_times();
                run_hook(hook, k, bundles[k], out);
                phases = read_trace(out, k, table, &n) && phases;
                unlink(out);
        }
        free(out);
        for (int i = 0; i < n; i++)
                for (int k = 0; k < N; k++)
                        for (int ph = 0; ph < PHASES; ph++)
                                total[k] += table[i].calls[k][ph];
        qsort(table, (size_t)n, sizeof(table[0]), by_growth);
        double span = counts[N - 1] - counts[N - 2];
        printf("    system calls at a %s (strace -f, one run each): %ld, %ld, %ld; per bound library (from %d "
               "to %d libraries): %.2f (goal: at most 8)\n",
               first ? "first start (each ELF file read)"
                     : "repeat start (the sonames from the hook's cache)",
               total[0], total[1], total[2], counts[N - 2], counts[N - 1],
               (double)(total[N - 1] - total[N - 2]) / span);
        for (int ph = 0; ph < PHASES; ph++) {
                long g = 0;
                for (int i = 0; i < n; i++)
                        g += growth(&table[i], ph);
                printf("      %s: %.2f:", phase_names[ph], (double)g / span);
                for (int i = 0; i < n; i++) {
                        double per = (double)growth(&table[i], ph) / span;
                        if (per >= 0.005 || per <= -0.005)
                                printf(" %s %.2f", table[i].name, per);
                }
                printf("\n");
        }
        if (!phases)
                printf("      (the phases are not told apart right: a run had no %s or no %s)\n",
                       phase_ends[0], phase_ends[1]);
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

        /* Every root first: 2 rounds to warm the caches, the timed ones, two for the counts of calls. */
        enum { WARM = 2 };
        int total = WARM + rounds + 2;
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
        char *repeat[N], *first[N];
        for (int k = 0; k < N; k++) {
                repeat[k] = bundles[k][total - 2];
                first[k] = bundles[k][total - 1];
        }
        count_syscalls(argv[1], repeat, false);
        count_syscalls(argv[1], first, true);
        bench_check_mounts();
        return 0;
}
