/* SPDX-License-Identifier: Apache-2.0 */
/*
 * undo.h: what an execution changed in the container, so that a failure leaves nothing half done
 * (THREATS.md item 8). Entries name container paths, resolved again inside the root when undoing (no
 * fd is held per entry, so a plan of a thousand libraries does not run out of descriptors). A file
 * that was replaced is kept aside under a temporary name until the whole plan has succeeded.
 */
#pragma once

#include <sys/types.h>

#include "macro.h"

enum oih_undo_kind {
        OIH_UNDO_CREATED_FILE, /* remove it */
        OIH_UNDO_CREATED_DIR,  /* remove it (when empty) */
        OIH_UNDO_REPLACED,     /* put `backup` (a name in the same folder) back */
        OIH_UNDO_MOUNTED,      /* detach the mount at path, if it is still ours */
};

struct oih_undo_entry {
        enum oih_undo_kind kind;
        char *path;
        char *backup;
        dev_t dev; /* OIH_UNDO_MOUNTED: the source's identity */
        ino_t ino;
};

struct oih_undo {
        int rootfd; /* borrowed */
        struct oih_undo_entry *entries;
        size_t n;
};

int oih_undo_add(struct oih_undo *u, enum oih_undo_kind kind, const char *path, const char *backup,
                 dev_t dev, ino_t ino);

/* A created-folder callback for oih_root_mkdir(); userdata is the struct oih_undo. */
int oih_undo_created(void *userdata, const char *path, bool directory);

/* Undoes everything, newest first. Failures are logged: undoing goes on. */
void oih_undo_rollback(struct oih_undo *u);

/* Keeps everything: drops the kept-aside originals. */
void oih_undo_commit(struct oih_undo *u);

void oih_undo_done(struct oih_undo *u);
