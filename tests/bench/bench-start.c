/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-start HOOK TRIVIAL [ROUNDS [--keep]]: the price every container on a host pays for the hook when it
 * asks for nothing. Makes 10 config files of which none match and a config.json of about 10 KB, then
 * starts the hook (with the state on stdin) and a trivial C program, alternately, ROUNDS times each,
 * and prints the median wall times and their ratio. Side by side in one run, so that the machine's
 * speed cancels out; a figure, not a pass/fail test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: bench-start HOOK TRIVIAL [ROUNDS [--keep]]\n");
                return 2;
        }
        bench_init("bench-start");
        int rounds = argc > 3 ? atoi(argv[3]) : 1000;
        if (rounds < 1)
                rounds = 1;
        bool keep = argc > 4 && strcmp(argv[4], "--keep") == 0;
        char *dir = bench_tmpdir();
        char *conf = path_printf("%s/conf", dir);
        char *state = path_printf("%s/state.json", dir);
        make_configs(conf, 10);
        size_t size = make_big_bundle(dir);
        printf("[1] no-match path: config.json of %zu bytes, 10 config files, none activated\n", size);

        char *hook[] = { argv[1], (char *)"--config-dir", conf, NULL };
        char *trivial[] = { argv[2], NULL };
        double *h = calloc((size_t)rounds, sizeof(double)), *t = calloc((size_t)rounds, sizeof(double));
        double rss[20];

        for (int i = 0; i < 20; i++) { /* warm the caches */
                run_timed(hook, state, NULL, NULL, NULL);
                run_timed(trivial, state, NULL, NULL, NULL);
        }
        for (int i = 0; i < rounds; i++) {
                t[i] = run_timed(trivial, state, NULL, NULL, NULL);
                h[i] = run_timed(hook, state, NULL, NULL, NULL);
        }
        for (int i = 0; i < 20; i++)
                rss[i] = peak_rss_kib(hook, state);
        double mh = median(h, rounds), mt = median(t, rounds);
        printf("    median of %d alternating runs: hook %.0f us, trivial C program %.0f us "
               "(hook peak RSS %.0f KiB)\n",
               rounds, mh, mt, median(rss, 20));
        double *ratio = calloc((size_t)rounds, sizeof(double)), q1, q3;
        for (int i = 0; i < rounds; i++)
                ratio[i] = h[i] / t[i];
        quartiles(ratio, rounds, &q1, &q3);
        printf("    ratio hook / trivial: %.2f (goal: at most 1.30); per pair of runs: quartiles %.2f to "
               "%.2f\n",
               mh / mt, q1, q3);

        if (keep) {
                printf("fixture kept in %s (remove it by hand)\n", dir);
                fflush(stdout);
                _exit(0);
        }
        bench_check_mounts();
        return 0;
}
