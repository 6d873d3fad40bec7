/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-shim SHIM TRIVIAL [ROUNDS]: what the runtime shim adds to a container start. `runc run` of a
 * busybox container (static root, `true`) through oci-injector-runtime, which adds a prestart hook to a
 * config.json that has none and execs runc, against runc run directly on a config.json that has the same
 * hook written in already: both runs run the same hook (the trivial C program), so the difference is the
 * shim (its start, reading and rewriting config.json, the exec). Alternately, ROUNDS times each; the
 * shim's config.json is put back without the hook before each of its runs (not timed).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

static char *dir;

static void replace_once(char **text, const char *from, const char *to)
{
        char *at = strstr(*text, from);
        if (!at)
                bench_die("runc spec wrote no %s: a format this benchmark does not know", from);
        char *n = path_printf("%.*s%s%s", (int)(at - *text), *text, to, at + strlen(from));
        free(*text);
        *text = n;
}

/* A bundle from `runc spec` (terminal off, `true`), with the hook registered when hook is given;
 * returns the bundle and its config.json's text. */
static char *make_bundle(const char *name, const char *hook, char **ret_text)
{
        char *b = path_printf("%s/%s", dir, name);
        mkdir_p(b, 0755);
        char *spec[] = { (char *)"runc", (char *)"spec", (char *)"--bundle", b, NULL };
        run_timed(spec, NULL, NULL, NULL, NULL);
        char *p = path_printf("%s/config.json", b);
        char *text = read_text(p, NULL);
        replace_once(&text, "\"terminal\": true", "\"terminal\": false");
        replace_once(&text, "\"sh\"", "\"true\"");
        if (hook) {
                char *hooks =
                        path_printf("{\n\t\"hooks\": {\"prestart\": [{\"path\": \"%s\", \"args\": "
                                    "[\"trivial\"], \"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]}]},",
                                    hook);
                replace_once(&text, "{", hooks);
                free(hooks);
        }
        write_text(p, text, 0644);
        free(p);
        p = path_printf("%s/rootfs", b);
        char *tmpl = path_printf("%s/tmpl", dir);
        copy_tree(tmpl, p);
        free(tmpl);
        free(p);
        *ret_text = text;
        return b;
}

static double run(char **argv, const char *id)
{
        char *out = path_printf("%s/run.out", dir);
        int st;
        double us = run_timed(argv, NULL, out, NULL, &st);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                char *msg = read_text(out, NULL);
                char *del[] = { (char *)"runc", (char *)"delete", (char *)"-f", (char *)id, NULL };
                run_timed(del, NULL, NULL, NULL, &st);
                bench_die("%s run failed (status 0x%x):\n%s", argv[0], st, msg);
        }
        free(out);
        return us;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: bench-shim SHIM TRIVIAL [ROUNDS]\n");
                return 2;
        }
        bench_require_root();
        bench_init("bench-shim");
        int rounds = argc > 3 ? atoi(argv[3]) : 20;
        if (rounds < 1)
                rounds = 1;
        char shim[PATH_MAX], trivial[PATH_MAX];
        if (!realpath(argv[1], shim) || !realpath(argv[2], trivial))
                bench_die("%s:", argv[1]);

        dir = bench_tmpdir();
        char *tmpl = path_printf("%s/tmpl", dir);
        make_rootfs(tmpl, false);
        char *direct_text, *shim_text;
        char *direct = make_bundle("direct", trivial, &direct_text);
        char *shimmed = make_bundle("shimmed", NULL, &shim_text);
        char *shim_spec = path_printf("%s/config.json", shimmed);
        char *config = path_printf("%s/runtime.json", dir);
        char *config_text =
                path_printf("{\"runtime\": \"runc\", \"hook\": {\"path\": \"%s\", \"args\": [\"trivial\"], "
                            "\"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]}}",
                            trivial);
        write_text(config, config_text, 0644);
        printf("[6] container start through the runtime shim: runc run of a busybox container (static root, "
               "`true`) via oci-injector-runtime, which adds the prestart hook, vs runc run directly with "
               "the "
               "same hook written in\n");

        char id[64];
        double *s = calloc((size_t)rounds, sizeof(double)), *d = calloc((size_t)rounds, sizeof(double));
        for (int i = -2; i < rounds; i++) /* two rounds to warm the caches */
                for (int j = 0; j < 2; j++) {
                        bool via_shim = (i + j) % 2 == 0;
                        snprintf(id, sizeof(id), "oih-bench-%d-%s-%d", (int)getpid(), via_shim ? "s" : "d",
                                 i + 2);
                        double us;
                        if (via_shim) {
                                write_text(shim_spec, shim_text, 0644);
                                char *a[] = { shim,
                                              (char *)"--injector-config",
                                              config,
                                              (char *)"run",
                                              (char *)"--bundle",
                                              shimmed,
                                              id,
                                              NULL };
                                us = run(a, id);
                                char *after = read_text(shim_spec, NULL);
                                if (!strstr(after, trivial))
                                        bench_die("the shim did not register the hook in %s", shim_spec);
                                free(after);
                        } else {
                                char *a[] = {
                                        (char *)"runc", (char *)"run", (char *)"--bundle", direct, id, NULL
                                };
                                us = run(a, id);
                        }
                        if (i >= 0)
                                (via_shim ? s : d)[i] = us;
                        bench_check_interrupted();
                }
        double ms = median(s, rounds), md = median(d, rounds);
        printf("    median of %d alternating runs: via the shim %.1f ms, runc directly %.1f ms (difference "
               "%.2f ms)\n",
               rounds, ms / 1000, md / 1000, (ms - md) / 1000);
        printf("    ratio via the shim / directly: %.3f (goal: at most 1.05)\n", ms / md);
        free(direct_text);
        free(shim_text);
        bench_check_mounts();
        return 0;
}
