/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execute.h: carrying out a plan, the only part of the hook that changes anything.
 *
 * 1. In the host's namespaces: load modules, open the container's cgroup, take every source (open_tree
 * copies of what is bound, fds of what is copied, the host's ldconfig in a sealed memfd), each checked
 * against the device and inode the plan saw.
 * 2. Enter the container's mount namespace, open its root once, and do every operation relative to
 *    that root fd, recording what changed.
 * 3. Allow the injected devices in the container's cgroup (exactly their major:minor, "rw").
 * 4. On any failure, undo what was done and report one line naming the config file and the path; on
 *    success, keep it. Doing the same plan twice (a hook registered for two stages) changes nothing
 *    the second time.
 */
#pragma once

#include "plan.h"
#include "spec.h"
#include "state.h"

struct oih_execute_options {
        const char *modules_dir; /* where libkmod looks for modules (NULL: the running kernel's) */
        /*
         * Work in the current mount namespace instead of entering the container's: for the ldcache
         * entry point, which runtimes call as a createContainer hook (CDI), already inside it.
         */
        bool inside_container;
};

int oih_execute(const struct oih_plan *plan, const struct oih_spec *spec, const struct oih_state *state,
                const struct oih_execute_options *options, oih_error **err);
