/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modules.h: loading the kernel modules that configs list, before their devices are injected.
 *
 * libkmod brings libcrypto, liblzma and libzstd; the hook, which every container start pays for, never
 * maps them. Modules are loaded by a small helper, oih-kmod (hook/kmod-helper.c with lib/devices/kmod.c),
 * that the hook runs only when a config lists modules, with an empty environment and a time limit.
 */
#pragma once

#include "error.h"

/* How long loading the modules may take. */
#define OIH_MODULES_TIMEOUT_SEC 60

/*
 * Loads every module of `names` with the helper, honouring the host's modprobe configuration. A module
 * that is loaded already or built in is fine; one that cannot be found is an error naming it.
 * `modules_dir` replaces /lib/modules/$(uname -r) (tests); NULL for the kernel's.
 */
int oih_modules_load(char *const *names, const char *modules_dir, oih_error **err);

/* The same lookup without loading anything (validate): an error names the first module not found. */
int oih_modules_check(char *const *names, const char *modules_dir, oih_error **err);

/* For tests that are not beside the helper: use this one. */
void oih_modules_set_helper(const char *path);
