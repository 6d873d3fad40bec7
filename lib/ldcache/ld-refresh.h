/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ld-refresh.h: making the injected libraries known to the container's dynamic loader, in its own files,
 * as the plan's ld cache step says (ld-step.h): its ld configuration lists their folders (so that an
 * ldconfig run later in the container keeps them), and its ld cache gets their entries, merged into the
 * image's /etc/ld.so.cache (ldso-cache.h) where it has one the hook can read; else the host's ldconfig runs
 * (ldconfig.h). The image's files are read as the container would (rootfs.h, oih_root_read_image_file) and
 * written through the writer.
 */
#pragma once

#include "error.h"
#include "ld-step.h"
#include "ldso-cache.h"
#include "writer.h"

/* The image's ld cache. */
#define OIH_LDSO_CACHE_FILE "/etc/ld.so.cache"

/* Where the root's ld configuration for injected folders goes. */
#define OIH_LDCONF_FILE "/etc/ld.so.conf.d/000-oci-injector-hook.conf"

/* True when the root has glibc: an /etc/ld.so.cache, or a glibc dynamic loader. */
bool oih_root_has_glibc(int rootfd);

/* Makes sure `dirs` are searched (OIH_LDCONF_FILE, and an include line in /etc/ld.so.conf). */
int oih_ldconf_ensure(struct oih_writer *p, char *const *dirs, oih_error **err);

/*
 * Adds the injected libraries to the image's ld cache (ldso-cache.h), replacing the file as the hook
 * replaces any: atomically, and put back on rollback. -ENOENT: the image has no cache; -EPROTONOSUPPORT:
 * one this hook cannot merge into. Either way the caller runs ldconfig.
 */
int oih_ldcache_merge(struct oih_writer *p, const struct oih_ldso_cache_entry *entries, size_t n);

/*
 * Carries out the ld cache step in the root the writer writes to, once the operations are done: nothing
 * where the root has no glibc; else the folders in the ld configuration, and the entries merged or (where
 * the step says so, or the image's cache cannot be merged into) ldconfig_fd, the host's ldconfig
 * (oih_ldconfig_open()), run on the root. `label` names what asked for it in messages.
 */
int oih_ld_refresh(struct oih_writer *w, const struct oih_ld_step *ld, int ldconfig_fd, const char *label,
                   oih_error **err);
