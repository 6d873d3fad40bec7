/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kmod.h: loading kernel modules with libkmod. Built into the helper oih-kmod only, never into the hook
 * (see modules.h).
 */
#pragma once

#include "error.h"

enum oih_kmod_outcome {
        OIH_KMOD_BUILTIN,
        OIH_KMOD_LOADED_ALREADY,
        OIH_KMOD_LOADED,
        OIH_KMOD_AVAILABLE, /* found, not loaded: what a check (no loading) says */
};

struct oih_kmod;

/* dirname: the modules folder (NULL: /lib/modules/$(uname -r)); the host's modprobe.d is honoured. */
int oih_kmod_new(const char *dirname, struct oih_kmod **ret, oih_error **err);
void oih_kmod_free(struct oih_kmod *k);

/* Resolves name (aliases too) and loads what is not there yet, with its dependencies; with
 * check_only, only says whether it could. */
int oih_kmod_load(struct oih_kmod *k, const char *name, bool check_only, enum oih_kmod_outcome *ret,
                  oih_error **err);
