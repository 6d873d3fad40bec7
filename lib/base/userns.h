/* SPDX-License-Identifier: Apache-2.0 */
/*
 * userns.h: which user namespace a process runs in, read from the kernel (/proc/PID/uid_map) rather
 * than from a spec. Rootless podman's spec lists no user namespace, yet its container shares podman's,
 * and so does the hook that runc starts from there. In a user namespace other than the initial one the
 * hook holds no more than the invoking user's privileges on the host, files of host users the namespace
 * does not map (root's among them) show the overflow id, and mknod of a device node is refused.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The id that `inside` maps to outside the namespace a map text describes (outside is the namespace of
 * whoever read the map, or the parent when the reader is inside it). -ERANGE when it is not mapped.
 */
int oih_id_map_outside(const char *text, uint32_t inside, uint32_t *ret);

/* True when the hook runs in the initial user namespace. A map that cannot be read counts as initial:
 * a kernel without user namespaces has only that one. */
bool oih_userns_self_initial(void);

/* The uid that owners a user namespace does not map show as there (/proc/sys/kernel/overflowuid; the
 * kernel's default, 65534, when that cannot be read). */
uint32_t oih_overflow_uid(void);
