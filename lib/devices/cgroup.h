/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup.h: device permission in the container's own cgroup, as /proc/PID/cgroup of its process names
 * it: `devices.allow` on cgroup v1, the BPF device program on cgroup v2 (bpf-devices.h). Exactly the
 * injected major:minor, access "rw": never "m", never a wildcard (THREATS.md item 5).
 *
 * The layouts: cgroup v1 with the unified hierarchy beside it (hybrid), pure cgroup v2 (/sys/fs/cgroup
 * is the unified hierarchy, the container's line is "0::PATH"), and pure v1.
 *
 * Fail closed: where a device controller applies to the container (its own cgroup in a v1 devices
 * hierarchy, or its own cgroup v2 folder with a device program attached) and the hook cannot allow a
 * device there, the container must not start: it would get a node it cannot open. Only where none
 * applies (the root cgroups, a cgroup the container shares with the runtime that started the hook, a
 * cgroup v2 folder without a device program, a rootless runtime) do the nodes go in, with a warning.
 */
#pragma once

#include <sys/types.h>

#include "bpf-devices.h"

/* Where a process's cgroups are, in the v1 devices hierarchy and in the unified one. */
struct oih_cgroup_paths {
        char *v1;     /* its cgroup in the v1 devices hierarchy ("/x1"); NULL: no such line */
        char *v1_dir; /* that cgroup's folder in the mount table given; NULL: no mount shows it */
        char *v2;     /* its cgroup in the unified hierarchy (the line "0::PATH"); NULL: no such line */
        char *v2_dir;
};

/*
 * Reads a /proc/PID/cgroup text and, when mountinfo (a /proc/PID/mountinfo text) is not NULL, finds
 * the folder of each cgroup in that mount table. Returns 0, or -ENOMEM.
 */
int oih_cgroup_locate(const char *proc_cgroup, const char *mountinfo, struct oih_cgroup_paths *ret);
void oih_cgroup_paths_done(struct oih_cgroup_paths *p);

/*
 * True when a cgroup of the /proc/PID/cgroup text is the spec's linux.cgroupsPath, or below it: an
 * absolute path as it is, a relative one under any parent (runtimes put it below their own cgroup),
 * and the systemd form "slice:prefix:name" as the unit systemd makes of it
 * ("/a.slice/a-b.slice/prefix-name.scope").
 */
bool oih_cgroup_in_spec_path(const char *proc_cgroup, const char *cgroups_path);

struct oih_cgroup {
        struct oih_cgroup_paths container;
        struct oih_cgroup_paths hook; /* the hook's own, which is the runtime's */
        int v1_fd;                    /* the container's v1 devices folder, or -1 */
        int v2_fd;                    /* the container's cgroup v2 folder, or -1 */
};

/*
 * In the host's mount namespace: finds and opens the container's cgroup folders, from the text of its
 * /proc/PID/cgroup. Folders that cannot be found are no error here: allowing devices decides.
 */
int oih_cgroup_open(const char *proc_cgroup, struct oih_cgroup *ret, oih_error **err);
void oih_cgroup_done(struct oih_cgroup *cg);

/*
 * Grants read and write access to exactly these devices, in every device controller that applies to
 * the container (see above), or fails with one line naming the config, the device and why. Where none
 * applies it warns, once per device, and succeeds. hook_in_userns: the hook runs in a user namespace
 * other than the initial one (a rootless runtime), where it can change no cgroup and see no device
 * program.
 */
int oih_cgroup_allow_devices(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n,
                             bool hook_in_userns, oih_error **err);
