/* SPDX-License-Identifier: Apache-2.0 */
/*
 * caps.h: capabilities. The hook keeps only those its work needs; a helper it starts (ldconfig) gets
 * none at all, no way back to them (bounding set, securebits) and no_new_privs.
 */
#pragma once

#include <sys/types.h>

#include "macro.h"

/* Reduces the permitted and effective sets to what executing a plan needs. */
int oih_caps_limit_to_hook(void);

/*
 * For a child about to run a helper as uid/gid: drops every capability for good, switches to the
 * ids and sets no_new_privs. After this the process cannot regain privileges, not even through exec.
 */
int oih_caps_drop_all(uid_t uid, gid_t gid);

/*
 * The credentials the hook reads the image's files with: the container's root user as fsuid and fsgid
 * (and its group as the only supplementary group), and an empty effective set, so that no capability
 * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SYS_ADMIN, CAP_SYS_PTRACE...) widens what the
 * image's content may name: procfs decides what a reader sees by the opener's capabilities
 * (/proc/iomem shows zeros without CAP_SYS_ADMIN) and by ptrace access (/proc/PID/environ).
 * oih_caps_image_leave() puts back what oih_caps_image_enter() saved; a process without CAP_SETUID and
 * CAP_SETGID (not root) keeps its ids, it has no others to take.
 */
struct oih_image_creds {
        void *caps; /* cap_t, as it was */
        uid_t fsuid;
        gid_t fsgid;
        gid_t *groups;
        int n_groups;
        bool ids_changed, groups_changed;
};

int oih_caps_image_enter(uid_t uid, gid_t gid, struct oih_image_creds *ret_saved);
int oih_caps_image_leave(struct oih_image_creds *saved);
