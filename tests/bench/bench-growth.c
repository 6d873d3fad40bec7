/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-growth HOOK [ROUNDS]: how the no-match path grows with the number of config files. Folders of
 * 1, 10, 100 and 1000 configs such as a host has (none activated), the same config.json of about 10 KB;
 * each round runs the hook once on every folder, in an order that rotates from round to round. Prints
 * the median time for each count and its ratio to the time with one config.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench-util.h"

int main(int argc, char **argv)
{
        static const int counts[] = { 1, 10, 100, 1000 };
        enum { N = sizeof(counts) / sizeof(counts[0]) };

        if (argc < 2) {
                fprintf(stderr, "usage: bench-growth HOOK [ROUNDS]\n");
                return 2;
        }
        bench_init("bench-growth");
        int rounds = argc > 2 ? atoi(argv[2]) : 300;
        if (rounds < 1)
                rounds = 1;
        char *dir = bench_tmpdir();
        char *state = path_printf("%s/state.json", dir);
        char *conf[N];
        char *hook[N][4];
        double *t[N], *rss[N];
        size_t size = make_big_bundle(dir);

        for (int k = 0; k < N; k++) {
                conf[k] = path_printf("%s/conf-%d", dir, counts[k]);
                make_configs(conf[k], counts[k]);
                hook[k][0] = argv[1];
                hook[k][1] = (char *)"--config-dir";
                hook[k][2] = conf[k];
                hook[k][3] = NULL;
                t[k] = calloc((size_t)rounds, sizeof(double));
                rss[k] = calloc(10, sizeof(double));
        }
        printf("[2] growth of the no-match path with the number of config files (config.json of %zu "
               "bytes, none activated)\n",
               size);
        for (int i = 0; i < 10; i++)
                for (int k = 0; k < N; k++)
                        run_timed(hook[k], state, NULL, NULL, NULL);
        for (int i = 0; i < rounds; i++)
                for (int j = 0; j < N; j++) {
                        int k = (i + j) % N;
                        t[k][i] = run_timed(hook[k], state, NULL, NULL, NULL);
                }
        for (int k = 0; k < N; k++)
                for (int i = 0; i < 10; i++)
                        rss[k][i] = peak_rss_kib(hook[k], state);
        double base = median(t[0], rounds);
        printf("    median of %d rounds, the counts alternating:\n", rounds);
        for (int k = 0; k < N; k++) {
                double m = median(t[k], rounds);
                printf("    %4d config files: hook %6.0f us, ratio to 1 file %.2f, %5.1f us per file beyond "
                       "the first, peak RSS %.0f KiB\n",
                       counts[k], m, m / base, k ? (m - base) / (counts[k] - 1) : 0.0, median(rss[k], 10));
        }
        bench_check_mounts();
        return 0;
}
