/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hook.h: hook mode, what runc, crun, podman and CRI-O run before a container starts: from the state
 * on stdin to an injected container, or one error line that names the config file and the path.
 */
#pragma once

#include "state.h"

int oih_hook_run(char *const *dirs, const struct oih_state *state, oih_error **err);
