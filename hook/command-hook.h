/* SPDX-License-Identifier: Apache-2.0 */
/*
 * command-hook.h: hook mode, what runc, crun, podman and CRI-O run before a container starts: from the state
 * on stdin to an injected container, or one error line that names the config file and the path.
 */
#pragma once

#include "state.h"

/* What the command line can change about hook mode. */
struct oih_options {
        char *const *config_dirs;
        const char *modules_dir; /* NULL: the running kernel's /lib/modules */
        unsigned activation;     /* OIH_ACTIVATION_*: what may activate a config on this host */
};

int oih_command_hook(const struct oih_options *options, const struct oih_state *state, oih_error **err);

/*
 * The ldcache entry point, which CDI specs run as a createContainer hook, in the current mount namespace
 * (at createContainer, the container's, before pivot_root): makes `symlinks` (pairs of container path and
 * link text) and plans the ld cache step as hook mode does, from `libraries` (container paths the spec's
 * mounts bound, read there for their sonames), merging into the image's ld cache or running ldconfig.
 * `folders` are searched too; given without libraries (specs written before), ldconfig runs.
 */
int oih_command_ldcache(const struct oih_state *state, char *const *folders, char *const *symlinks,
                        char *const *libraries, oih_error **err);
