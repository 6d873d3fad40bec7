/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spawn.h: running a helper the hook starts (ldconfig, the kernel module loader) so that it cannot outlive
 * the hook or hold up the runtime: it gets a process group of its own, dies with the hook (the kernel's
 * parent-death signal, for a hook killed by its runtime), is killed with its whole group on every way out
 * of oih_helper_run(), and after its time limit. The end of what it wrote is kept for the error message.
 */
#pragma once

#include <sys/types.h>

#include "macro.h"

struct oih_helper_result {
        int status;       /* as waitpid() gives it */
        bool timed_out;   /* killed after the time limit */
        long max_rss_kib; /* its peak memory */
        char last_line[512];
};

/*
 * Forks; the child runs child(userdata, err_fd), which must not return (it execs or _exits), with
 * err_fd the write end of a pipe for its error output. The child is the leader of a new process group and
 * gets SIGKILL when the hook dies. The parent reads that pipe until it closes or timeout_sec pass (then
 * the child is killed), kills what is left of the group and reaps the child.
 */
int oih_helper_run(void (*child)(void *userdata, int err_fd), void *userdata, int timeout_sec,
                   struct oih_helper_result *ret);

/*
 * In the child: asks the kernel for SIGKILL when the hook dies, then checks that it has not died already
 * (the request covers only a death after it). The kernel forgets the request when the child changes its
 * ids: call it again after that, just before exec. Returns 0, or -ESRCH when the hook is gone.
 */
int oih_helper_die_with_parent(void);

/* "exit status 3", "signal 9" or "killed after its time limit", for messages. */
const char *oih_helper_describe(const struct oih_helper_result *r, char *buf, size_t size);

static inline bool oih_helper_ok(const struct oih_helper_result *r)
{
        return !r->timed_out && r->status == 0;
}
