/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mount-options.h: the options a config may give a `mounts` entry, as flags of our own that execution
 * turns into mount attributes. Only bind mounts exist here; propagation to the host is never allowed
 * (THREATS.md item 7), so "shared" is refused and every mount the hook makes is private.
 */
#pragma once

#include "macro.h"

enum {
        OIH_MOUNT_RDONLY = 1u << 0,
        OIH_MOUNT_NOSUID = 1u << 1,
        OIH_MOUNT_NODEV = 1u << 2,
        OIH_MOUNT_NOEXEC = 1u << 3,
        OIH_MOUNT_RECURSIVE = 1u << 4,
        OIH_MOUNT_NOATIME = 1u << 5,
        OIH_MOUNT_STRICTATIME = 1u << 6,
        OIH_MOUNT_NODIRATIME = 1u << 7,
};

/* What `mounts` entries get when their options say nothing else: a recursive bind, nosuid, nodev. */
#define OIH_MOUNT_DEFAULTS (OIH_MOUNT_RECURSIVE | OIH_MOUNT_NOSUID | OIH_MOUNT_NODEV)
/* Binaries and libraries: read-only, nosuid, nodev; exec is kept (a library is mapped executable). */
#define OIH_MOUNT_FILE_DEFAULTS (OIH_MOUNT_RDONLY | OIH_MOUNT_NOSUID | OIH_MOUNT_NODEV)

/* Applies one option to *flags. Returns 0; -EPERM for an option that would let mounts propagate
 * between the container and the host ("shared"), which is refused; -EINVAL for an unknown one. */
int oih_mount_option_apply(const char *option, unsigned *flags);

/* The options oih_mount_option_apply() takes, "ro, rw, ...", for messages; a new string. */
char *oih_mount_options_known(void);

/* "ro,nosuid,nodev" and so on ("rbind" last when recursive), for the plan's output; a new string. */
char *oih_mount_flags_to_string(unsigned flags);
