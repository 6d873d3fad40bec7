/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf-devices.h: device access on cgroup v2, where the runtime attaches a BPF_CGROUP_DEVICE program
 * to the container's cgroup and every program attached along the way must allow an access.
 *
 * The hook does not stack a program of its own (it could only restrict further). For each program
 * attached to the container's cgroup it loads a new one made of a prefix that allows exactly the
 * injected devices, read and write (never mknod), followed by the old program's instructions, and
 * replaces the old one with it atomically (BPF_F_REPLACE). Anything else falls through to the
 * runtime's rules unchanged, so the container is allowed exactly what it was plus the injected devices.
 */
#pragma once

#include <stdint.h>

#include "error.h"

struct oih_device_rule {
        char type; /* 'c' or 'b' */
        uint32_t major;
        uint32_t minor;
};

/*
 * Extends every device program attached directly to the cgroup folder cgroup_fd. *ret_extended says
 * how many there were: 0 means the cgroup restricts no device access itself. A program that already
 * starts with this very prefix (the hook ran for an earlier stage) is left alone. On failure, every
 * replacement already made is undone.
 */
int oih_bpf_devices_allow(int cgroup_fd, const struct oih_device_rule *rules, size_t n, size_t *ret_extended,
                          oih_error **err);
