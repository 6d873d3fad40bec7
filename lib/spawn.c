/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

static int helper_wait(pid_t pid, int out_fd, int timeout_sec, struct oih_helper_result *ret)
{
        char out[4096];
        size_t len = 0;
        int64_t deadline = monotonic_ms() + (int64_t)timeout_sec * 1000;

        *ret = (struct oih_helper_result){};
        for (;;) {
                int64_t left = deadline - monotonic_ms();
                if (left <= 0) {
                        (void)kill(pid, SIGKILL);
                        ret->timed_out = true;
                        break;
                }
                struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
                int k = poll(&pfd, 1, (int)left);
                if (k < 0 && errno != EINTR)
                        return negative_errno();
                if (k <= 0)
                        continue;
                ssize_t m = read(out_fd, out + len, sizeof(out) - 1 - len);
                if (m < 0 && errno == EINTR)
                        continue;
                if (m <= 0)
                        break;
                len += (size_t)m;
                if (len >= sizeof(out) - 1) {
                        /* Keep the newest text only. */
                        memmove(out, out + len / 2, len - len / 2);
                        len -= len / 2;
                }
        }
        out[len] = 0;

        while (waitpid(pid, &ret->status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();

        while (len > 0 && out[len - 1] == '\n')
                out[--len] = 0;
        if (*out)
                log_debug("helper %d said: %s", (int)pid, out);
        const char *last = strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out;
        size_t l = strnlen(last, sizeof(ret->last_line) - 1);
        memcpy(ret->last_line, last, l);
        ret->last_line[l] = 0;
        return 0;
}

int oih_helper_run(void (*child)(void *userdata, int err_fd), void *userdata, int timeout_sec,
                   struct oih_helper_result *ret)
{
        int pipefd[2];

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        _cleanup_close_ int rd = pipefd[0], wr = pipefd[1];

        /* Nothing buffered may be written twice, by the parent and by the child. */
        (void)fflush(stdout);
        (void)fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                child(userdata, wr);
                _exit(127);
        }
        wr = safe_close(wr);
        return helper_wait(pid, rd, timeout_sec, ret);
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
