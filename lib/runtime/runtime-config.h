/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime-config.h: what oci-injector-runtime, the OCI runtime shim, reads from its own config file:
 * the real runtime to run and the hook registration to add. Never from the container or the
 * environment. Without a file, the defaults are this build's installed hook and runc.
 *
 *   { "runtime": "runc",
 *     "hook": { "path": "/usr/bin/oci-injector-hook", "args": ["oci-injector-hook"],
 *               "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "timeout": 30 } }
 */
#pragma once

#include <sys/stat.h>

#include "spec-edit.h"

struct oih_runtime_config {
        char *runtime; /* a path, or a name looked up on OIH_PROGRAM_PATH */
        struct oih_hook_entry hook;
};

void oih_runtime_config_done(struct oih_runtime_config *c);

/* The defaults: runc, and the hook at `hook_path` with args [basename] and env [PATH=...]. */
int oih_runtime_config_defaults(const char *hook_path, struct oih_runtime_config *ret);

/*
 * Reads the config file at `path` over the defaults already in *c (keys it leaves out keep them).
 * The file must be a regular file owned by root (or by the user running the shim) and writable by no one
 * else: it decides what runs as root for every container. Returns -ENOENT (with a message) when there
 * is no file, or another negative errno with a message naming the file and the key.
 */
int oih_runtime_config_load(const char *path, struct oih_runtime_config *c, oih_error **err);

/*
 * Finds the real runtime: `name` as it is when it has a slash, else the first executable `name` in
 * OIH_PROGRAM_PATH. A file that is `self` (the shim's own /proc/self/exe: same device and inode) is
 * skipped, so that the shim installed as "runc" ahead of the real one does not run itself for ever.
 */
int oih_runtime_find(const char *name, const struct stat *self, char **ret, oih_error **err);
