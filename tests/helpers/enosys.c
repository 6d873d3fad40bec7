/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enosys SYSCALL[+SYSCALL...] PROGRAM [ARG...]: runs PROGRAM with a seccomp filter that makes the named
 * system calls fail with ENOSYS, as an old kernel would. The tests use it to run the hook with openat2,
 * the new mount API or pidfd_open missing, so that the fallbacks are exercised for real.
 * A SYSCALL may add conditions, NAME@N=VALUE or NAME@N!=VALUE: only calls whose argument N (its low 32
 * bits) is (or is not) VALUE; and an answer, NAME:ERRNO (a number, or ENOSYS, EPERM, EACCES; 0 makes
 * the call succeed without doing anything). So "bpf@0=5:EPERM" refuses BPF_PROG_LOAD alone, as a
 * kernel policy might, and "prlimit64@1=8@2!=0:0" answers every setting of RLIMIT_MEMLOCK with success.
 * "renameat2-exchange" stands for "renameat2@4=2:EINVAL": renameat2 with RENAME_EXCHANGE alone fails with
 * EINVAL, as on a filesystem that cannot exchange names (NFS, most FUSE filesystems).
 * enosys SYSCALL[+SYSCALL...] --check: installs the filter and calls each named system call, exiting 0
 * only if every one failed with its errno (proof that the filter works on this kernel).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Linux 6.15; libcs learn of new system calls later (every architecture but alpha numbers it 467). */
#if !defined(SYS_open_tree_attr) && defined(SYS_open_tree) && SYS_open_tree == 428
#define SYS_open_tree_attr 467
#endif

static const struct {
        const char *name;
        long nr;
} known[] = {
        { "openat2", SYS_openat2 },
        { "open_tree", SYS_open_tree },
#ifdef SYS_open_tree_attr
        { "open_tree_attr", SYS_open_tree_attr },
#endif
        { "move_mount", SYS_move_mount },
        { "mount_setattr", SYS_mount_setattr },
        { "fsopen", SYS_fsopen },
        { "statx", SYS_statx },
        { "linkat", SYS_linkat },
        { "mknodat", SYS_mknodat },
        { "renameat2", SYS_renameat2 },
        { "bpf", SYS_bpf },
        { "pidfd_open", SYS_pidfd_open },
        { "prlimit64", SYS_prlimit64 },
        { "setrlimit", SYS_setrlimit },
};

static const struct {
        const char *name;
        int value;
} errnos[] = { { "ENOSYS", ENOSYS }, { "EPERM", EPERM }, { "EACCES", EACCES }, { "EINVAL", EINVAL } };

struct condition {
        int arg;    /* which argument; its low 32 bits are compared */
        bool equal; /* "=" or "!=" */
        unsigned int value;
};

struct rule {
        long nr;
        struct condition conditions[3];
        size_t n_conditions;
        int error;
};

/* "NAME[@N=VALUE|@N!=VALUE]...[:ERRNO]" */
static int parse_rule(char *s, struct rule *r)
{
        if (strcmp(s, "renameat2-exchange") == 0) {
                *r = (struct rule){ .nr = SYS_renameat2, .n_conditions = 1, .error = EINVAL };
                r->conditions[0] = (struct condition){ .arg = 4, .equal = true, .value = RENAME_EXCHANGE };
                return 0;
        }
        char *e = strchr(s, ':'), *a = strchr(s, '@');
        r->n_conditions = 0;
        r->error = ENOSYS;
        if (e) {
                *e++ = 0;
                r->error = -1;
                for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
                        if (strcmp(e, errnos[i].name) == 0)
                                r->error = errnos[i].value;
                if (r->error < 0) {
                        char *end = NULL;
                        long v = strtol(e, &end, 10);
                        if (!*e || *end || v < 0 || v > 4095)
                                return -1;
                        r->error = (int)v;
                }
        }
        if (a)
                *a++ = 0;
        while (a) {
                char *next = strchr(a, '@'), *end = NULL;
                if (next)
                        *next++ = 0;
                if (r->n_conditions == sizeof(r->conditions) / sizeof(r->conditions[0]))
                        return -1;
                struct condition *c = &r->conditions[r->n_conditions++];
                c->arg = (int)strtol(a, &end, 10);
                if (end == a || c->arg < 0 || c->arg > 5)
                        return -1;
                c->equal = *end == '=';
                if (strncmp(end, c->equal ? "=" : "!=", c->equal ? 1 : 2) != 0)
                        return -1;
                a = end + (c->equal ? 1 : 2);
                c->value = (unsigned int)strtoul(a, &end, 0);
                if (end == a || *end)
                        return -1;
                a = next;
        }
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (strcmp(s, known[i].name) == 0) {
                        r->nr = known[i].nr;
                        return 0;
                }
        return -1;
}

int main(int argc, char **argv)
{
        struct sock_filter filter[128];
        size_t n = 0;

        if (argc < 3) {
                fprintf(stderr, "usage: enosys SYSCALL[+SYSCALL...] PROGRAM [ARG...]\n");
                return 2;
        }

        filter[n++] =
                (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
        filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        filter[n++] =
                (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));

        struct rule rules[16];
        size_t n_rules = 0;
        char *list = strdup(argv[1]), *save = NULL;
        for (char *s = strtok_r(list, "+,", &save); s; s = strtok_r(NULL, "+,", &save)) {
                if (n_rules == sizeof(rules) / sizeof(rules[0]) || parse_rule(s, &rules[n_rules]) < 0) {
                        fprintf(stderr, "enosys: unknown system call or rule \"%s\"\n", s);
                        return 2;
                }
                n_rules++;
        }
        /* Per rule: the number, each condition on an argument, the answer, then the number loaded again
         * for the next rule (a mismatch on the number jumps straight there). */
        for (size_t i = 0; i < n_rules; i++) {
                const struct rule *r = &rules[i];
                uint8_t k = (uint8_t)r->n_conditions;
                filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)r->nr, 0,
                                                           k ? 2 * k + 2 : 1);
                for (uint8_t j = 0; j < k; j++) {
                        const struct condition *c = &r->conditions[j];
                        uint8_t to_reload = (uint8_t)(2 * k - 2 * j - 1);
                        filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                                   offsetof(struct seccomp_data, args[0]) +
                                                                           8 * (unsigned)c->arg);
                        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, c->value,
                                                                   c->equal ? 0 : to_reload,
                                                                   c->equal ? to_reload : 0);
                }
                filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                                           SECCOMP_RET_ERRNO | (uint32_t)r->error);
                if (k)
                        filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                                   offsetof(struct seccomp_data, nr));
        }
        filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        free(list);

        struct sock_fprog prog = { .len = (unsigned short)n, .filter = filter };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                perror("enosys: seccomp");
                return 1;
        }
        if (strcmp(argv[2], "--check") == 0) {
                for (size_t i = 0; i < n_rules; i++) {
                        long args[6] = { -1, 0, 0, 0, 0, 0 };
                        for (size_t j = 0; j < rules[i].n_conditions; j++) {
                                const struct condition *c = &rules[i].conditions[j];
                                args[c->arg] = c->equal ? (long)c->value : (long)c->value + 1;
                        }
                        errno = 0;
                        long k = syscall(rules[i].nr, args[0], args[1], args[2], args[3], args[4], args[5]);
                        if (rules[i].error != 0 && (k >= 0 || errno != rules[i].error)) {
                                fprintf(stderr, "enosys: system call %ld did not fail with errno %d\n",
                                        rules[i].nr, rules[i].error);
                                return 1;
                        }
                }
                return 0;
        }
        execv(argv[2], argv + 2);
        perror("enosys: exec");
        return 127;
}
