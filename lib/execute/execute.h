/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execute.h: carrying out a plan, the only part of the hook that changes anything.
 *
 * take_sources: in the host's namespaces, load modules, open the container's cgroup, take every source
 *   (each operation type's take(), op.h: open_tree copies of what is bound, fds of what is copied), each
 *   checked against the device and inode the plan saw, and open the host's ldconfig for the ld cache step.
 * enter: enter the container's mount namespace and open its root once.
 * apply: apply every operation relative to that root fd (each type's apply()), recording what changed,
 *   then the plan's ld cache step (ld-refresh.h).
 * allow devices: in the container's cgroup, exactly the injected devices' major:minor, "rw".
 * On any failure, what was done is undone and one line names the config file and the path; on success,
 * it is kept. Doing the same plan twice (a hook registered for two stages) changes nothing the second time.
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
