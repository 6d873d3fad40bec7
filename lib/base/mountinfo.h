/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mountinfo.h: a mount table (/proc/self/mountinfo of the current mount namespace, or another
 * process's), one parsed line at a time. Paths are unescaped ("\040" is a space).
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "macro.h"

struct oih_mount_entry {
        uint64_t id;
        uint64_t parent;        /* the mount this one is mounted on */
        const char *root;       /* what of the filesystem is mounted */
        const char *mountpoint; /* where */
        const char *optional;   /* "shared:2 master:1", or "" */
        const char *fstype;
        const char *superopts;
};

/* Calls fn for each mount until it returns non-zero (which is then returned), or all were seen (0). */
int oih_mountinfo_foreach(int (*fn)(const struct oih_mount_entry *e, void *userdata), void *userdata);

/*
 * The id of the mount that holds fd, as /proc/self/mountinfo numbers it: statx(STATX_MNT_ID), or the
 * fd's fdinfo where statx does not know it (before Linux 5.8, or filtered by seccomp).
 */
int oih_fd_mount_id(int fd, uint64_t *ret);
/* The same for a mount table open as f (another process's /proc/PID/mountinfo), or given as text. */
int oih_mountinfo_foreach_file(FILE *f, int (*fn)(const struct oih_mount_entry *e, void *userdata),
                               void *userdata);
int oih_mountinfo_foreach_text(const char *text, int (*fn)(const struct oih_mount_entry *e, void *userdata),
                               void *userdata);
