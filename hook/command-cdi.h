/* SPDX-License-Identifier: Apache-2.0 */
/*
 * command-cdi.h: the `cdi` command. Runtimes that speak the Container Device Interface (podman, CRI-O,
 * containerd, Docker 25+) inject without any hook: this prints a CDI spec with one device per config,
 * from the host's facts as the plan finds them. Device nodes become deviceNodes (permission "rw");
 * binaries, libraries, files and mounts become read-only bind mounts; a library's symlinks and the ld
 * cache are made by a createContainer hook that runs this binary's `ldcache` entry point. CDI cannot
 * make folders or load modules: those parts of a config are left out, with a line saying so.
 */
#pragma once

#include "macro.h"

/*
 * The version written by default: the oldest that has every field the hook writes (hostPath of device
 * nodes, mount types, hooks), as the CDI library's own MinimumRequiredVersion would pick; podman 4.3
 * (Debian 12) reads no spec newer than 0.5.0. --cdi-version writes a newer one for tools that need it.
 */
#define OIH_CDI_VERSION "0.5.0"
#define OIH_CDI_CLASS   "config"

/* True for the versions that may be written: 0.5.0 to 0.8.0 mean the same for what the hook writes. */
bool oih_cdi_version_ok(const char *version);

/*
 * Writes the spec of the configs of `dirs` to out, the kind being VENDOR/config and each device named
 * after its config file. Returns how many configs had to be left out (each logged), or a negative errno.
 */
int oih_command_cdi(char *const *dirs, const char *vendor, const char *version, FILE *out);
