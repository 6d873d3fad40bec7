/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the benchmark programs share: temporary folders removed at exit, fixtures (config files, a
 * config.json as runtimes write them, busybox roots), timed runs of a program, medians, stand-in
 * containers, and a check that the host's mount table is the same at the end as at the start.
 * Every figure is a ratio of medians measured side by side in one run: the machine's speed cancels out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Prints the message (and errno's text when the format ends with ':') and exits 1; cleanup runs. */
_Noreturn void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Installs the cleanup (at exit and on SIGINT/SIGTERM/SIGHUP) and snapshots the host's mount table. */
void bench_init(const char *name);
/* Exits (cleaning up) when a signal asked for it since the last check. */
void bench_check_interrupted(void);
/* Compares the host's mount table with the snapshot; prints a warning when it changed. */
void bench_check_mounts(void);
/* Exit status 77 (meson's "skipped") with a line saying why, when not root. */
void bench_require_root(void);

/* A new temporary folder (mode 0755: the hook refuses config folders that others can write), removed
 * at exit with everything below it. */
char *bench_tmpdir(void);
/* The same, in folder base rather than /tmp. */
char *bench_tmpdir_in(const char *base);

void write_text(const char *path, const char *text, mode_t mode);
char *read_text(const char *path, size_t *len);
void mkdir_p(const char *path, mode_t mode);
void copy_file(const char *src, const char *dst, mode_t mode);
/* Copies a tree (folders, files, symlinks, modes) from src to dst, which must not exist. */
void copy_tree(const char *src, const char *dst);
/* The same, with hard links for the regular files: a root to work in costs its folders and links only. Fine
 * where nothing writes into a file in place (the hook and ldconfig replace files by rename). */
void link_tree(const char *src, const char *dst);
/* Removes a tree; never crosses into another file system. */
void remove_tree(const char *path);
/* The name of the file system type path is on ("ext4", "tmpfs", ...). */
const char *fs_name(const char *path);
char *path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* count configs such as a host would have, in folder dir (made), none activated by OCI_BENCH. */
void make_configs(const char *dir, int count);
/* A config.json of about 10 KB in bundle, as runtimes write them, activating nothing; and
 * bundle/state.json naming it (pid 1). Returns the size of config.json. */
size_t make_big_bundle(const char *bundle);
/* A busybox root in dir: busybox-static with its applets; with glibc, the host's loader and libc too. */
void make_rootfs(const char *dir, bool glibc);
/* conf/50-bench.json: `head` (the object's first keys, each line ending in ",\n"), then a "libraries"
 * list of the first count libraries make_libraries() made in lib, by their soname links. */
void write_library_config(const char *conf, const char *head, const char *lib, int count);
/* A glibc root in dir with the ld.so.cache `ldconfig -r dir` makes for it, as every glibc image has. */
void make_rootfs_with_cache(const char *dir, const char *ldconfig);

/* count distinct libraries in folder lib (made): copies of the test library libinjtest with the soname
 * rewritten to "libinjtNNN.so.1" (the same length), each as libinjtNNN.so.1.2.3 with its soname link, as a
 * real driver stack has them. count is at most 1000. */
void make_libraries(const char *lib, const char *libinjtest, int count);
/* The bundle of one round, made before any round is timed: dir/NAME-ROUND with a config.json (a mount
 * namespace, OCI_BENCH=1) and a root hard-linked from dir/TEMPLATE. Returns "NAME-ROUND". Nothing is
 * removed while rounds are timed: on ext4 without a journal, each new inode scans past recently deleted
 * ones, which would make a round pay for the previous round's deletions. */
char *prepare_bundle(const char *dir, const char *name, int round, const char *tmpl);
/* Mounts in pid's mount table at or below root. */
int count_mounts(pid_t pid, const char *root);
/* Exits unless root's etc/ld.so.cache was written with want (a library path) in it; who: for the message. */
void check_ld_cache(const char *root, const char *want, const char *who);

/* Runs argv with stdin from stdin_path (or /dev/null) and stdout, stderr to out_path (or /dev/null),
 * waits with wait4. Returns the wall time in microseconds; ru gets the rusage of the child (wait4's:
 * the child's, or of a child it waited for when larger, for ru_maxrss); exits when the program fails
 * unless status is given. */
double run_timed(char *const argv[], const char *stdin_path, const char *out_path, struct rusage *ru,
                 int *status);

/* The peak resident set of argv in KiB, measured through the small static launcher peak-rss (built beside
 * the benchmarks): run_timed()'s ru_maxrss would count this benchmark program's own pages too. Not timed. */
double peak_rss_kib(char *const argv[], const char *stdin_path);

double now_us(void);
double median(const double *v, int n);
/* The lower and upper quartiles of v, for the spread of a figure. */
void quartiles(const double *v, int n, double *ret_q1, double *ret_q3);

/* A stand-in for a container: a child in its own mount namespace (mounts private), waiting. */
struct standin {
        pid_t pid;
        int release_fd; /* closing it lets the stand-in exit */
        char *cgroup;   /* its own devices cgroup (v1), when the host has one */
};
/* A process in a mount namespace of its own, with root (when not NULL) bound onto itself there. */
void standin_start(struct standin *s, const char *root);
void standin_stop(struct standin *s);

/* fork(), with stdout flushed first; the child dies with this process and leaves the cleanup at exit
 * to it. Returns the child's pid in the parent and 0 in the child, as fork() does. */
pid_t bench_fork_tied(void);
/* Registers a pid that the cleanup kills (SIGKILL) and reaps if it is still there at exit. */
void bench_track_pid(pid_t pid);
void bench_untrack_pid(pid_t pid);
