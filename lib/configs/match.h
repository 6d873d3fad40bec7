/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h: which configs a container activates. `activation_flag` "VAR" activates when VAR is in the
 * container's process.env with any value (empty too), "VAR=value" only when its value is exactly "value";
 * `activation_annotation` does the same on the container's OCI annotations. Kubernetes sandbox (pause)
 * containers never activate anything.
 *
 * process.env holds the image's own ENV as well as what the user of the runtime set: with activation by
 * environment, an image can ask for whatever the configs offer. The host decides which of the two ways
 * count (the hook's --activation): an admission policy can see a pod's annotations, never its image's ENV.
 */
#pragma once

#include "config-load.h"
#include "spec.h"
#include "state.h"

/* The ways a config may be activated on this host, as a set of bits. */
enum {
        OIH_ACTIVATION_ENV = 1U << 0,         /* activation_flag on process.env, the image's ENV included */
        OIH_ACTIVATION_ANNOTATIONS = 1U << 1, /* activation_annotation on the OCI annotations */
        OIH_ACTIVATION_DEFAULT = OIH_ACTIVATION_ENV | OIH_ACTIVATION_ANNOTATIONS,
};

/* Parses "env", "annotations" or both, comma-separated ("env,annotations"); -EINVAL for anything else. */
int oih_activation_from_string(const char *s, unsigned *ret);

enum oih_activated_by {
        OIH_NOT_ACTIVATED,
        OIH_ACTIVATED_BY_FLAG,
        OIH_ACTIVATED_BY_ANNOTATION,
};

/* state may be NULL (the plan command with --bundle); `activation`: the OIH_ACTIVATION_* ways that count. */
enum oih_activated_by oih_config_activation(const struct oih_config *c, const struct oih_spec *spec,
                                            const struct oih_state *state, unsigned activation);

bool oih_container_is_sandbox(const struct oih_spec *spec, const struct oih_state *state);

/*
 * The configs this container activates, in file name order (borrowed from set). An invalid config
 * that the container activates is an error: serving the valid half of it would inject half of what
 * it lists. An invalid config that it does not activate is logged as a warning and skipped, so that
 * one broken file does not stop every container on the host.
 */
int oih_match(const struct oih_config_set *set, const struct oih_spec *spec, const struct oih_state *state,
              unsigned activation, struct oih_config ***ret, size_t *ret_n, oih_error **err);
