/* SPDX-License-Identifier: Apache-2.0 */
/*
 * caps.h: capabilities. The hook keeps only those its work needs; a helper it starts (ldconfig) gets
 * none at all, no way back to them (bounding set, securebits) and no_new_privs.
 */
#pragma once

#include "macro.h"

/* Reduces the permitted and effective sets to what executing a plan needs. */
int oih_caps_limit_to_hook(void);

/*
 * For a child about to run a helper as uid/gid: drops every capability for good, switches to the
 * ids and sets no_new_privs. After this the process cannot regain privileges, not even through exec.
 */
int oih_caps_drop_all(uid_t uid, gid_t gid);
