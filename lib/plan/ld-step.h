/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ld-step.h: the plan's ld cache step: what makes the injected libraries known to the container's ld.so,
 * planned as ldconfig would do it. One function plans it, for hook mode (oih_plan_build) and for the
 * `ldcache` entry point (the createContainer hook of a CDI spec) alike; executing carries it out after the
 * operations (lib/ldcache/ld-refresh.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ldso-cache.h"
#include "op.h"

struct oih_plan;

struct oih_ld_step {
        /* The container folders that hold injected libraries, which the ld cache must search; NULL: the
         * plan has no ld cache step. */
        char **dirs;
        /* When merge: the entries to merge into the image's ld.so.cache (ldconfig runs only if the image has
         * none, or one this hook cannot read). Otherwise ldconfig runs. */
        bool merge;
        struct oih_ldso_cache_entry *entries;
        size_t n_entries;
};

void oih_ld_step_done(struct oih_ld_step *ld);

/* A library that is in the container already: the runtime bound it from a CDI spec's mounts. */
struct oih_ld_library {
        const char *config; /* what asked for it, in messages */
        const char *target; /* its container path */
        struct oih_library_facts facts;
};

/*
 * Plans p->ld for the libraries p's operations put in place and the `n_present` libraries `present`, in
 * the folders that hold them and in `folders`: each library's entry in the ld cache, and its soname link
 * where nothing in the plan makes one (added to p's operations, of the library's config). When a library
 * is one the hook cannot describe to ld.so, or something else is planned at a soname link's place, or
 * there are folders without libraries (a CDI spec written before --library), nothing is merged and ldconfig
 * refreshes the cache. Returns 0 or -ENOMEM.
 */
int oih_plan_ld_step(struct oih_plan *p, const struct oih_ld_library *present, size_t n_present,
                     char *const *folders);
