/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-runc HOOK TRIVIAL [ROUNDS]: what the hook adds to a whole container start. `runc run` of a
 * busybox container (static root, `true` as its command; the bundle from `runc spec`, terminal off)
 * with the hook registered as prestart and not activated (10 config files, none matching), against the
 * same container without the hook, alternately, ROUNDS times each. Prints the medians and their ratio;
 * and, measured in the same rotation, the container with the trivial C program as its prestart hook:
 * what runc pays for running any hook at all.
 * Before the rounds, a bundle whose hook is given a wrong option must fail to start: proof that runc
 * runs the registration as written.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

static char *dir, *conf;

static void replace_once(char **text, const char *from, const char *to, const char *what)
{
        char *at = strstr(*text, from);
        if (!at)
                bench_die("runc spec wrote no %s (%s): a format this benchmark does not know", what, from);
        char *n = path_printf("%.*s%s%s", (int)(at - *text), *text, to, at + strlen(from));
        free(*text);
        *text = n;
}

/* A bundle from `runc spec`: terminal off, `true` as the command, a copy of the static root, and the
 * hook with these extra arguments when hook is given. */
static char *make_bundle(const char *name, const char *hook, const char *extra)
{
        char *b = path_printf("%s/%s", dir, name);
        mkdir_p(b, 0755);
        char *spec[] = { (char *)"runc", (char *)"spec", (char *)"--bundle", b, NULL };
        run_timed(spec, NULL, NULL, NULL, NULL);
        char *p = path_printf("%s/config.json", b);
        char *text = read_text(p, NULL);
        replace_once(&text, "\"terminal\": true", "\"terminal\": false", "terminal");
        replace_once(&text, "\"sh\"", "\"true\"", "args");
        if (hook) {
                char *hooks = path_printf("{\n\t\"hooks\": {\"prestart\": [{\"path\": \"%s\", \"args\": "
                                          "[\"oci-injector-hook\", \"--config-dir\", \"%s\"%s], \"env\": "
                                          "[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]}]},",
                                          hook, conf, extra);
                replace_once(&text, "{", hooks, "opening brace");
                free(hooks);
        }
        write_text(p, text, 0644);
        free(text);
        free(p);
        p = path_printf("%s/rootfs", b);
        char *tmpl = path_printf("%s/tmpl", dir);
        copy_tree(tmpl, p);
        free(tmpl);
        free(p);
        return b;
}

static void runc_delete(const char *id)
{
        int status;
        char *argv[] = { (char *)"runc", (char *)"delete", (char *)"-f", (char *)id, NULL };
        run_timed(argv, NULL, NULL, NULL, &status);
}

static double runc_run(const char *bundle, const char *kind, int round, int *status)
{
        char id[64];
        snprintf(id, sizeof(id), "oih-bench-%d-%s-%d", (int)getpid(), kind, round);
        char *argv[] = { (char *)"runc", (char *)"run", (char *)"--bundle", (char *)bundle, id, NULL };
        char *out = path_printf("%s/runc.out", dir);
        int st;
        double us = run_timed(argv, NULL, out, NULL, &st);
        if (status)
                *status = st;
        else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                char *msg = read_text(out, NULL);
                runc_delete(id);
                bench_die("runc run of %s failed (status 0x%x):\n%s", bundle, st, msg);
        }
        if (status && *status != 0)
                runc_delete(id);
        free(out);
        return us;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: bench-runc HOOK TRIVIAL [ROUNDS]\n");
                return 2;
        }
        bench_require_root();
        bench_init("bench-runc");
        int rounds = argc > 3 ? atoi(argv[3]) : 20;
        if (rounds < 1)
                rounds = 1;
        char hook[PATH_MAX], trivial[PATH_MAX];
        if (!realpath(argv[1], hook) || !realpath(argv[2], trivial))
                bench_die("%s:", argv[1]);

        dir = bench_tmpdir();
        conf = path_printf("%s/conf", dir);
        make_configs(conf, 10);
        char *tmpl = path_printf("%s/tmpl", dir);
        make_rootfs(tmpl, false);
        char *with = make_bundle("with-hook", hook, "");
        char *without = make_bundle("without-hook", NULL, NULL);
        char *with_trivial = make_bundle("trivial-hook", trivial, "");
        char *check = make_bundle("check", hook, ", \"--log-level\", \"no-such-level\"");
        printf("[4] container start: runc run of a busybox container (static root, `true`), the hook "
               "registered as prestart and not activated (10 config files) vs no hook\n");

        int status;
        runc_run(check, "check", 0, &status);
        if (status == 0)
                bench_die("runc started a container whose hook was given a wrong option: the hook does "
                          "not run, the figure would mean nothing");

        double *h = calloc((size_t)rounds, sizeof(double)), *n = calloc((size_t)rounds, sizeof(double));
        double *t = calloc((size_t)rounds, sizeof(double));
        for (int i = 0; i < 2; i++) { /* warm the caches */
                runc_run(with, "warm-h", i, NULL);
                runc_run(without, "warm-n", i, NULL);
                runc_run(with_trivial, "warm-t", i, NULL);
        }
        for (int i = 0; i < rounds; i++)
                for (int j = 0; j < 3; j++)
                        switch ((i + j) % 3) {
                        case 0:
                                h[i] = runc_run(with, "h", i, NULL);
                                break;
                        case 1:
                                n[i] = runc_run(without, "n", i, NULL);
                                break;
                        default:
                                t[i] = runc_run(with_trivial, "t", i, NULL);
                        }
        double mh = median(h, rounds), mn = median(n, rounds), mt = median(t, rounds);
        printf("    median of %d alternating runs: with the hook %.1f ms, without %.1f ms (difference %.1f "
               "ms)\n",
               rounds, mh / 1000, mn / 1000, (mh - mn) / 1000);
        printf("    ratio with / without: %.3f (goal: at most 1.05)\n", mh / mn);
        printf("    for information: with the trivial C program as the prestart hook %.1f ms; "
               "with the hook / with the trivial hook: %.3f\n",
               mt / 1000, mh / mt);
        bench_check_mounts();
        return 0;
}
