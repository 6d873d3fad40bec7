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

#include <linux/bpf.h>
#include <stdint.h>

#include "error.h"

struct oih_device_rule {
        char type; /* 'c' or 'b' */
        uint32_t major;
        uint32_t minor;
        const char *config; /* for messages, may be NULL: the config that injects the device */
        const char *path;   /* and the device's host path */
};

/*
 * The device programs of the cgroup folder cgroup_fd: attached to it directly (*ret_direct), and all
 * that apply to it, its parents' included (*ret_effective). Returns 0 or a negative errno (-EPERM
 * without CAP_SYS_ADMIN or CAP_NET_ADMIN in the initial user namespace).
 */
int oih_bpf_devices_query(int cgroup_fd, uint32_t *ret_direct, uint32_t *ret_effective);

/*
 * Whether instructions that BPF_OBJ_GET_INFO_BY_FD handed back can be a loaded program: NULL when they
 * can, else why not (a static string). A zeroed buffer, the blinding register of a program hardened by
 * net.core.bpf_jit_harden, a jump out of the program or a last instruction that is no exit all mean
 * the kernel did not give the program back as it runs.
 */
const char *oih_bpf_dump_problem(const struct bpf_insn *insns, size_t n);

/*
 * Extends every device program attached directly to the cgroup folder cgroup_fd. *ret_extended says
 * how many there were: 0 means the cgroup restricts no device access itself. A program that already
 * starts with this very prefix (the hook ran for an earlier stage) is left alone. On failure, every
 * replacement already made is undone.
 */
int oih_bpf_devices_allow(int cgroup_fd, const struct oih_device_rule *rules, size_t n, size_t *ret_extended,
                          oih_error **err);
