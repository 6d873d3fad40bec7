/* SPDX-License-Identifier: Apache-2.0 */
/*
 * namespace.h: reaching the container. Registered as prestart or createRuntime, the hook runs in the
 * host's namespaces; the container's root is mounted at root.path inside the container's own mount
 * namespace only (its /dev is a tmpfs there). The hook enters that namespace (THREATS.md item 6).
 *
 * The state's pid is not trusted blindly: the process is held by a pidfd from the start (so its number
 * cannot name another process later), and before anything is changed it must be what the spec
 * describes: its mount namespace holds a mount at root.path (runtimes bind the root onto itself before
 * the hooks run), and it is in linux.cgroupsPath when the spec sets one.
 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "rootfs.h"
#include "spec.h"

struct oih_container {
        pid_t pid;
        int pidfd;              /* -1 where pidfd_open is missing (kernels before 5.3) */
        int mntns_fd;           /* its mount namespace, opened while the pidfd showed the process alive */
        char *cgroup;           /* its /proc/PID/cgroup, as read */
        bool hook_userns;       /* the hook runs in a user namespace other than the initial one (rootless) */
        bool userns;            /* the hook or the container does: mknod of devices is refused, or useless */
        struct oih_owner owner; /* the container's root user, as ids of the hook's user namespace */
        struct oih_owner host_owner; /* the same, as ids outside the hook's user namespace */
};

/*
 * Takes hold of the state's process and checks it against the spec. Fails with one line when the
 * process has exited, when the hook already runs inside its mount namespace (registered as
 * createContainer), or when it is not the container the spec describes.
 */
int oih_container_open(pid_t pid, const struct oih_spec *spec, struct oih_container *ret, oih_error **err);
void oih_container_done(struct oih_container *c);

/* Enters the container's mount namespace: through the pidfd where setns takes one (5.8+). */
int oih_container_enter(const struct oih_container *c, oih_error **err);
