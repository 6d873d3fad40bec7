/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enosys SYSCALL[+SYSCALL...] PROGRAM [ARG...]: runs PROGRAM with a seccomp filter that makes the named
 * system calls fail with ENOSYS, as an old kernel would. The tests use it to run the hook with openat2,
 * or the new mount API, missing, so that the fallbacks are exercised for real.
 * "renameat2-exchange" makes renameat2 with RENAME_EXCHANGE fail with EINVAL, as on a filesystem that
 * cannot exchange names (NFS, most FUSE filesystems); other renameat2 calls go through.
 * enosys SYSCALL[+SYSCALL...] --check: installs the filter and calls each named system call, exiting 0
 * only if every one failed as said (proof that the filter works on this kernel).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/fs.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
        const char *name;
        long nr;
        int error;     /* 0: ENOSYS */
        int flags_arg; /* with flags: only calls whose argument number flags_arg has one of these bits */
        unsigned flags;
} known[] = {
        { "openat2", SYS_openat2 },
        { "open_tree", SYS_open_tree },
        { "move_mount", SYS_move_mount },
        { "mount_setattr", SYS_mount_setattr },
        { "fsopen", SYS_fsopen },
        { "statx", SYS_statx },
        { "linkat", SYS_linkat },
        { "renameat2-exchange", SYS_renameat2, EINVAL, 4, RENAME_EXCHANGE },
};

int main(int argc, char **argv)
{
        struct sock_filter filter[64];
        size_t n = 0;

        if (argc < 3) {
                fprintf(stderr, "usage: enosys SYSCALL[+SYSCALL...] PROGRAM [ARG...]\n");
                return 2;
        }

        filter[n++] =
                (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
        filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

        char *list = strdup(argv[1]), *save = NULL;
        for (char *s = strtok_r(list, "+,", &save); s; s = strtok_r(NULL, "+,", &save)) {
                size_t i;
                for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                        if (strcmp(s, known[i].name) == 0)
                                break;
                if (i == sizeof(known) / sizeof(known[0]) || n + 6 > sizeof(filter) / sizeof(filter[0])) {
                        fprintf(stderr, "enosys: unknown system call \"%s\"\n", s);
                        return 2;
                }
                /* Each rule loads the number again: a rule on flags leaves an argument in the accumulator.
                 */
                unsigned error = (unsigned)(known[i].error ?: ENOSYS);
                filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                           offsetof(struct seccomp_data, nr));
                if (known[i].flags) {
                        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                                   (unsigned)known[i].nr, 0, 3);
                        filter[n++] = (struct sock_filter)BPF_STMT(
                                BPF_LD | BPF_W | BPF_ABS,
                                offsetof(struct seccomp_data, args[known[i].flags_arg]));
                        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
                                                                   known[i].flags, 0, 1);
                } else
                        filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                                   (unsigned)known[i].nr, 0, 1);
                filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | error);
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
                list = strdup(argv[1]);
                for (char *s = strtok_r(list, "+,", &save); s; s = strtok_r(NULL, "+,", &save))
                        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                                if (strcmp(s, known[i].name) == 0 &&
                                    (syscall(known[i].nr, -1, NULL, -1, NULL, (long)known[i].flags) >= 0 ||
                                     errno != (known[i].error ?: ENOSYS))) {
                                        fprintf(stderr, "enosys: %s did not fail with %s\n", s,
                                                strerror(known[i].error ?: ENOSYS));
                                        return 1;
                                }
                return 0;
        }
        execv(argv[2], argv + 2);
        perror("enosys: exec");
        return 127;
}
