/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "spawn.h"

static int64_t monotonic_ms(void)
{
        struct timespec ts;
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The hook, as its helpers see it: set before fork, for oih_helper_die_with_parent(). */
static pid_t hook_pid;

int oih_helper_die_with_parent(void)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return negative_errno();
        /* Died between fork and the request: the child is now another process's. */
        if (getppid() != hook_pid)
                return -ESRCH;
        return 0;
}

/* Reads the child's error output until it closes the pipe or the deadline passes. */
static int helper_read(int out_fd, int timeout_sec, char *out, size_t size, size_t *ret_len,
                       bool *ret_timed_out)
{
        size_t len = 0;
        int64_t deadline = monotonic_ms() + (int64_t)timeout_sec * 1000;

        *ret_timed_out = false;
        for (;;) {
                int64_t left = deadline - monotonic_ms();
                if (left <= 0) {
                        *ret_timed_out = true;
                        break;
                }
                struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
                int k = poll(&pfd, 1, (int)left);
                if (k < 0 && errno != EINTR)
                        return negative_errno();
                if (k <= 0)
                        continue;
                ssize_t m = read(out_fd, out + len, size - 1 - len);
                if (m < 0 && errno == EINTR)
                        continue;
                if (m <= 0)
                        break;
                len += (size_t)m;
                if (len >= size - 1) {
                        /* Keep the newest text only. */
                        memmove(out, out + len / 2, len - len / 2);
                        len -= len / 2;
                }
        }
        out[len] = 0;
        *ret_len = len;
        return 0;
}

int oih_helper_run(void (*child)(void *userdata, int err_fd), void *userdata, int timeout_sec,
                   struct oih_helper_result *ret)
{
        struct oih_helper_result result = {};
        struct rusage ru = {};
        char out[4096];
        size_t len = 0;
        int pipefd[2];

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        _cleanup_close_ int rd = pipefd[0], wr = pipefd[1];

        /* Nothing buffered may be written twice, by the parent and by the child. */
        (void)fflush(stdout);
        (void)fflush(stderr);
        hook_pid = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                if (setpgid(0, 0) < 0 || oih_helper_die_with_parent() < 0)
                        _exit(126);
                child(userdata, wr);
                _exit(127);
        }
        /* Both sides make the group, so that it exists whichever runs first. */
        (void)setpgid(pid, pid);
        wr = safe_close(wr);

        int r = helper_read(rd, timeout_sec, out, sizeof(out), &len, &result.timed_out);
        if (r >= 0 && !result.timed_out) {
                /* It closed its output: it is exiting. Wait for that without reaping it yet. */
                siginfo_t si;
                while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
                        ;
        }

        /* Every way out: the group goes (the child, and anything it started), then the child is reaped.
         * Not reaped yet, the child holds the group's id: no other group can have it. */
        (void)kill(-pid, SIGKILL);
        (void)kill(pid, SIGKILL);
        int status = 0;
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR) {
                        r = r < 0 ? r : negative_errno();
                        break;
                }
        if (r < 0)
                return r;
        result.status = status;
        result.max_rss_kib = ru.ru_maxrss;

        while (len > 0 && out[len - 1] == '\n')
                out[--len] = 0;
        if (*out)
                log_debug("helper %d said: %s", (int)pid, out);
        log_debug("helper %d: %s, peak memory %ld KiB, CPU %ld ms", (int)pid,
                  result.timed_out ? "killed after its time limit" : "ended", result.max_rss_kib,
                  (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                          (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
        const char *last = strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out;
        size_t l = strnlen(last, sizeof(result.last_line) - 1);
        memcpy(result.last_line, last, l);
        result.last_line[l] = 0;
        *ret = result;
        return 0;
}

const char *oih_helper_describe(const struct oih_helper_result *r, char *buf, size_t size)
{
        if (r->timed_out)
                snprintf(buf, size, "killed after its time limit");
        else if (WIFEXITED(r->status))
                snprintf(buf, size, "exit status %d", WEXITSTATUS(r->status));
        else if (WIFSIGNALED(r->status))
                snprintf(buf, size, "signal %d", WTERMSIG(r->status));
        else
                snprintf(buf, size, "status %d", r->status);
        return buf;
}
