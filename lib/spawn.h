/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spawn.h: waiting for a helper the hook started (ldconfig, the kernel module loader): with a time
 * limit after which it is killed, keeping the end of what it wrote for the error message.
 */
#pragma once

#include <sys/types.h>

#include "macro.h"

struct oih_helper_result {
        int status;     /* as waitpid() gives it */
        bool timed_out; /* killed after the time limit */
        char last_line[512];
};

/*
 * Forks; the child runs child(userdata, err_fd), which must not return (it execs or _exits), with
 * err_fd the write end of a pipe for its error output. The parent reads that pipe until it closes or
 * timeout_sec pass (then the child is killed), and reaps the child.
 */
int oih_helper_run(void (*child)(void *userdata, int err_fd), void *userdata, int timeout_sec,
                   struct oih_helper_result *ret);

/* "exit status 3", "signal 9" or "killed after 60 s", for messages. */
const char *oih_helper_describe(const struct oih_helper_result *r, char *buf, size_t size);

static inline bool oih_helper_ok(const struct oih_helper_result *r)
{
        return !r->timed_out && r->status == 0;
}
