/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup.h: device permission in the container's own cgroup, as /proc/PID/cgroup of its process
 * names it: `devices.allow` on cgroup v1, the BPF device program on cgroup v2 (bpf-devices.h). Exactly
 * the injected major:minor, access "rw": never "m", never a wildcard (THREATS.md item 5).
 */
#pragma once

#include <sys/types.h>

#include "bpf-devices.h"

struct oih_cgroup {
        int v1_fd; /* the devices controller's folder of the container, or -1 */
        int v2_fd; /* the container's folder in the unified hierarchy, or -1 */
        char *v1_path;
        char *v2_path;
};

/* In the host's namespaces: finds and opens the container's cgroup folders. Neither found is no error. */
int oih_cgroup_open(pid_t pid, struct oih_cgroup *ret, oih_error **err);
void oih_cgroup_done(struct oih_cgroup *cg);

/*
 * Grants read and write access to exactly these devices. Where that cannot be done (no devices
 * controller, no device program on cgroup v2, a rootless runtime's cgroup), it says so at info level
 * and succeeds: the nodes are injected all the same.
 */
int oih_cgroup_allow_devices(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n,
                             oih_error **err);

/* "c 10:229 rw": the line devices.allow takes, as a new string. */
char *oih_device_rule_to_string(const struct oih_device_rule *rule);
