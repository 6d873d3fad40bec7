/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execution.h: what carrying out a plan holds while it runs (execute.c), and the pieces the operation
 * types' take() and apply() (lib/ops/op-TYPE.c) share: the one way to word a failure, and binds.
 */
#pragma once

#include "cgroup.h"
#include "mount.h"
#include "namespace.h"
#include "plan.h"
#include "undo.h"
#include "writer.h"

/* What take() took for one operation, for its apply(). */
struct oih_source {
        struct oih_mount_source mount; /* a bind's source */
        bool has_mount;
        int fd; /* a copy's source, open for reading */
};

struct oih_execution {
        const struct oih_plan *plan;
        const struct oih_spec *spec;
        struct oih_source *sources; /* one per operation */
        int ldconfig_fd;            /* the host's ldconfig, for the ld cache step */
        bool userns;                /* the hook or the container is in a user namespace */
        struct oih_writer writer;
        struct oih_undo undo;
        struct oih_shared_mounts shared;
        struct oih_cgroup cgroup;
        struct oih_container container;
};

/* "CONFIG: cannot WHAT "SOURCE" at "TARGET" in the container: why, and what to do", set in err. */
int oih_execution_op_error(const struct oih_execution *ex, oih_error **err, const struct oih_op *op, int r,
                           const char *what);

/*
 * In the host's namespaces: takes `host` to bind (a detached copy), checked against the planned identity.
 * flags (OIH_MOUNT_*) are the ones oih_execution_bind() will be given: the copy gets them as it is taken
 * where the kernel can do that.
 */
int oih_execution_take_bind(const struct oih_op *op, const struct oih_host_file *host, unsigned flags,
                            struct oih_source *s, oih_error **err);

/*
 * In the container's: binds what s took onto the operation's target with OIH_MOUNT_* flags, recorded for
 * undo. A target that is that very file already (bound by an earlier run of the hook) is left as it is.
 */
int oih_execution_bind(struct oih_execution *ex, const struct oih_op *op, const struct oih_host_file *host,
                       unsigned flags, struct oih_source *s, oih_error **err);
