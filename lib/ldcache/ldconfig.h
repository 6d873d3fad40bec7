/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldconfig.h: running the host's ldconfig for a container, where its ld cache cannot be merged into
 * (ld-refresh.h) (THREATS.md item 3).
 *
 * The host's ldconfig (statically linked: a dynamic one would load the image's libc) is opened while the
 * hook is still in the host's namespaces, and copied into a sealed memfd, from which it runs. It then runs
 * in a child confined to the container's root: a private mount namespace in which it sees the root's own
 * filesystem alone (no procfs, whose magic links lead out of the root before pivot_root, no sysfs, /dev
 * or volumes), nodev, nosuid and noexec; chroot, every capability dropped for good, the container's root
 * user, no_new_privs, rlimits of its own, a process group of its own, killed when the hook dies, and a
 * timeout. Nothing from the image is ever run.
 */
#pragma once

#include "error.h"
#include "rootfs.h"

/*
 * How long ldconfig may take before it is killed, with the container's start failing. ldconfig scans an
 * image of a thousand libraries in about 30 ms with a warm page cache and 1.2 s cold (measured here); what
 * holds it longer is an image stalling it (a FIFO named lib*.so* without a writer). Runtimes give a hook
 * far longer (runc and crun wait as long as the hook's `timeout` says, Kubernetes gives the whole
 * container creation 2 minutes): 10 s lets a slow disk finish and still fails with this hook's own line,
 * before any runtime kills the hook.
 */
#define OIH_LDCONFIG_TIMEOUT_SEC 10

/* In the host's namespaces: opens the host's ldconfig, checked to be a static ELF program. */
int oih_ldconfig_open(int *ret_fd, oih_error **err);

/* Copies it into a sealed memfd (only when a root with glibc needs it), the copy that then runs. */
int oih_ldconfig_seal(int fd, int *ret_memfd, oih_error **err);

/*
 * Runs ldconfig_fd confined to the root, as the container's root user `owner`. `dirs` are the folders of
 * the injected libraries: the library files bound there are the only mounts below the root it sees.
 */
int oih_ldconfig_run(int rootfd, int ldconfig_fd, const struct oih_owner *owner, char *const *dirs,
                     oih_error **err);
