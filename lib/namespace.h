/* SPDX-License-Identifier: Apache-2.0 */
/*
 * namespace.h: reaching the container. Registered as prestart or createRuntime, the hook runs in the
 * host's namespaces; the container's root is mounted at root.path inside the container's own mount
 * namespace only (its /dev is a tmpfs there). The hook enters that namespace (THREATS.md item 6).
 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "rootfs.h"
#include "spec.h"

/*
 * Opens the mount namespace of the container's process. Fails with a message when the process has
 * exited, or when the hook already runs inside that namespace (registered as createContainer).
 */
int oih_container_mntns_open(pid_t pid, int *ret_fd, oih_error **err);

int oih_mntns_enter(int nsfd, oih_error **err);

/*
 * The host uid and gid of the container's root user: from /proc/PID/uid_map and gid_map when the
 * container has a user namespace (falling back to the spec's mappings), else 0.
 */
int oih_container_root_owner(pid_t pid, const struct oih_spec *spec, struct oih_owner *ret, oih_error **err);
