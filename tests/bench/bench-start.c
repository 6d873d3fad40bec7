/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-start HOOK TRIVIAL [ROUNDS [--keep]]: the price every container on a host pays for the hook when it
 * asks for nothing. Makes 10 config files of which none match and a config.json of about 10 KB, then
 * starts the hook (with the state on stdin) and a trivial C program, alternately, ROUNDS times each,
 * and prints the median wall times and their ratio. Side by side in one run, so that the machine's
 * speed cancels out; a figure, not a pass/fail test.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char dir[] = "/tmp/oih-bench.XXXXXX";

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
        chmod(path, 0644);
}

/* 10 configs such as a host would have, none activated by the container below. */
static void make_configs(void)
{
        static const char *const names[] = { "dri", "fuse", "kvm", "nvidia", "onload",
                                             "snd", "tun",  "x11", "fpga",   "infiniband" };
        char p[512], text[2048];

        snprintf(p, sizeof(p), "%s/conf", dir);
        mkdir(p, 0755);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                snprintf(p, sizeof(p), "%s/conf/%02zu-%s.json", dir, i, names[i]);
                snprintf(text, sizeof(text),
                         "{ \"description\": \"%s for the containers that ask\",\n"
                         "  \"activation_flag\": \"OCI_INJECT_%s\",\n"
                         "  \"devices\": [\"/dev/%s0\", {\"path\": \"/dev/%s/*\", \"optional\": true}],\n"
                         "  \"binaries\": [\"/usr/bin/%s-smi\", \"/usr/bin/%s-debugdump\"],\n"
                         "  \"libraries\": [\"/usr/lib/x86_64-linux-gnu/lib%s.so.1\", "
                         "\"/usr/lib/x86_64-linux-gnu/lib%s-ml.so.1\"],\n"
                         "  \"directories\": [\"/etc/%s\"],\n"
                         "  \"miscellaneous\": [\"/etc/%s/%s.conf\"] }\n",
                         names[i], names[i], names[i], names[i], names[i], names[i], names[i], names[i],
                         names[i], names[i], names[i]);
                write_text(p, text);
        }
}

/* A config.json of about 10 KB, as runtimes write them: environment, mounts, capabilities, masks. */
static void make_bundle(void)
{
        char p[512];
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
        snprintf(p, sizeof(p), "%s/config.json", dir);
        write_text(p, t);
        snprintf(p, sizeof(p), "%s/state.json", dir);
        char state[1024];
        snprintf(state, sizeof(state),
                 "{\"ociVersion\": \"1.0.2\", \"id\": \"bench\", \"status\": \"created\", "
                 "\"pid\": 1, \"bundle\": \"%s\"}",
                 dir);
        write_text(p, state);
        printf("config.json: %zu bytes; 10 config files, none activated\n", len);
        free(t);
}

static double run_once(char *const argv[])
{
        char p[512];
        posix_spawn_file_actions_t fa;
        struct timespec a, b;
        pid_t pid;
        int status;

        snprintf(p, sizeof(p), "%s/state.json", dir);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, p, O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) < 0) {
                perror("spawn");
                exit(1);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        posix_spawn_file_actions_destroy(&fa);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "%s failed (status %d)\n", argv[0], status);
                exit(1);
        }
        return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static int cmp(const void *x, const void *y)
{
        double a = *(const double *)x, b = *(const double *)y;
        return (a > b) - (a < b);
}

static double median(double *v, int n)
{
        qsort(v, (size_t)n, sizeof(double), cmp);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: bench-start HOOK TRIVIAL [ROUNDS]\n");
                return 2;
        }
        int rounds = argc > 3 ? atoi(argv[3]) : 1000;
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        chmod(dir, 0755);
        make_configs();
        make_bundle();

        char conf[600];
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        char *hook[] = { argv[1], (char *)"--config-dir", conf, NULL };
        char *trivial[] = { argv[2], NULL };
        double *h = calloc((size_t)rounds, sizeof(double)), *t = calloc((size_t)rounds, sizeof(double));

        for (int i = 0; i < 20; i++) { /* warm the caches */
                run_once(hook);
                run_once(trivial);
        }
        for (int i = 0; i < rounds; i++) {
                t[i] = run_once(trivial);
                h[i] = run_once(hook);
        }
        double mh = median(h, rounds), mt = median(t, rounds);
        printf("no-match start, median of %d alternating runs: hook %.0f us, trivial C program %.0f us\n",
               rounds, mh, mt);
        printf("ratio hook / trivial: %.2f (goal: at most 1.30)\n", mh / mt);

        if (argc > 4 && strcmp(argv[4], "--keep") == 0) {
                printf("fixture kept in %s\n", dir);
                return 0;
        }
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}
