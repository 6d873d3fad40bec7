/* SPDX-License-Identifier: Apache-2.0 */
/*
 * command-plan.h: from a container to its plan, the part that hook mode and the `plan` command share:
 * state -> spec -> configs -> match -> plan. Nothing here changes anything.
 */
#pragma once

#include "plan.h"
#include "spec.h"
#include "state.h"

/*
 * Reads the container's config.json (from state->bundle, or `bundle` when state is NULL), loads the
 * configs of `dirs`, matches them (by the OIH_ACTIVATION_* ways in `activation`) and plans what they ask
 * for. A container that activates nothing gets an empty plan (no operation, no config).
 */
int oih_container_plan(char *const *dirs, const struct oih_state *state, const char *bundle,
                       unsigned activation, struct oih_spec **ret_spec, struct oih_plan **ret_plan,
                       oih_error **err);

/* The `plan` command: the container's plan, printed as text or JSON. */
int oih_command_plan(char *const *dirs, const struct oih_state *state, const char *bundle,
                     unsigned activation, bool json, FILE *out, oih_error **err);
