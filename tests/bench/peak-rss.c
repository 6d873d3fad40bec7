/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peak-rss OUT PROGRAM [ARGS...]: runs PROGRAM (stdin, stdout and stderr as given) and writes its peak
 * resident set in KiB (wait4's ru_maxrss) to the file OUT; exits with PROGRAM's status.
 *
 * Linked static and small on purpose. A child's ru_maxrss is the high-water mark of every address space it
 * had, the one it inherited from fork (or shared through vfork) included: exec records the old one's mark
 * before it drops it. Measured from a big benchmark program, the figure is that program's own size; measured
 * from this launcher, whose address space is a few pages, it is the program's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct rusage ru;
        int status;

        if (argc < 3) {
                fputs("usage: peak-rss OUT PROGRAM [ARGS...]\n", stderr);
                return 2;
        }
        pid_t pid = fork();
        if (pid < 0)
                return 127;
        if (pid == 0) {
                execv(argv[2], argv + 2);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return 127;
        int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dprintf(fd, "%ld\n", ru.ru_maxrss) < 0 || close(fd) < 0)
                return 127;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
