/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h: the OCI state that the runtime writes on the hook's stdin
 * (ociVersion, id, status, pid, bundle, annotations; the legacy key bundlePath is accepted too).
 */
#pragma once

#include <sys/types.h>

#include "annotations.h"

/* A state is a few hundred bytes; anything far larger is not one. */
#define OIH_STATE_MAX_SIZE (1024 * 1024)

struct oih_state {
        char *oci_version; /* may be NULL */
        char *id;
        char *status; /* may be NULL */
        pid_t pid;    /* 0 when the state names no process */
        char *bundle; /* absolute */
        struct oih_annotations annotations;
};

int oih_state_parse(const char *text, size_t len, struct oih_state **ret, oih_error **err);
/* Reads the state from fd (stdin in hook mode) and parses it. */
int oih_state_read(int fd, struct oih_state **ret, oih_error **err);
void oih_state_free(struct oih_state *s);

static inline void oih_state_freep(struct oih_state **s)
{
        oih_state_free(*s);
        *s = NULL;
}
#define _cleanup_state_ _cleanup_(oih_state_freep)
