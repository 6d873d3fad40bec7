/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h: which configs a container activates. `activation_flag` "VAR" activates when VAR is in the
 * container's process.env with any value (empty too), "VAR=value" only when its value is exactly "value";
 * `activation_annotation` does the same on the container's OCI annotations. Kubernetes sandbox (pause)
 * containers never activate anything.
 */
#pragma once

#include "config-load.h"
#include "spec.h"
#include "state.h"

enum oih_activated_by {
        OIH_NOT_ACTIVATED,
        OIH_ACTIVATED_BY_FLAG,
        OIH_ACTIVATED_BY_ANNOTATION,
};

/* state may be NULL (the plan command with --bundle). */
enum oih_activated_by oih_config_activation(const struct oih_config *c, const struct oih_spec *spec,
                                            const struct oih_state *state);

bool oih_container_is_sandbox(const struct oih_spec *spec, const struct oih_state *state);

/*
 * The configs this container activates, in file name order (borrowed from set). An invalid config
 * that the container activates is an error: serving the valid half of it would inject half of what
 * it lists. An invalid config that it does not activate is logged as a warning and skipped, so that
 * one broken file does not stop every container on the host.
 */
int oih_match(const struct oih_config_set *set, const struct oih_spec *spec, const struct oih_state *state,
              struct oih_config ***ret, size_t *ret_n, oih_error **err);
