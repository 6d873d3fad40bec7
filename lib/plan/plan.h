/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plan.h: the plan, plain data: the ordered list of operations that the activated configs ask for (op.h),
 * and the ld cache step (ld-step.h), built from the host's facts (each host path stat'ed, globs expanded,
 * device numbers read from the host node, library symlink chains followed) without touching the
 * container. Executing it is the only thing that changes anything; `oci-injector-hook plan` prints it.
 *
 * The plan's files, by job: plan.c (the plan, built and put in order), host-facts.c (operations planned
 * from a config's entries and the host's files), dedup.c (one operation per place: duplicates and
 * conflicts), ld-step.c (the ld cache step), soname-cache.c (what earlier runs read of host libraries),
 * print.c (`plan`'s text and JSON).
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "hashmap.h"
#include "ld-step.h"
#include "op.h"
#include "soname-cache.h"

struct oih_plan {
        struct oih_op *ops;
        size_t n, n_allocated;
        char **configs;        /* the activated config files, in order */
        struct oih_ld_step ld; /* ld.dirs NULL: no ld cache step */

        /* Where each operation is in ops: by its target, or (modules) by its type and source (dedup.c). */
        struct oih_hashmap by_target;
        struct oih_hashmap by_source[_OIH_OP_MAX];

        /* While planning: the host's ld cache, read once for bare library names, and how many entries of
         * each kind were dropped as optional. */
        char *host_ldso_cache;
        size_t host_ldso_cache_len;
        size_t dropped[_OIH_KIND_MAX];
        /* What earlier runs read of host libraries (hook mode: oih_plan_use_soname_cache()). */
        struct oih_soname_cache sonames;
};

/* Plans made from now on look libraries up in the soname cache in folder dir (NULL: none, the default)
 * before they read them; the caller saves it (oih_soname_cache_save(&plan->sonames)). */
void oih_plan_use_soname_cache(const char *dir);

/* For tests: read the host's ld cache (for bare library names) from `path`; NULL: /etc/ld.so.cache. */
void oih_plan_host_ldso_cache_for_tests(const char *path);

int oih_plan_new(struct oih_plan **ret);
void oih_plan_free(struct oih_plan *p);

static inline void oih_plan_freep(struct oih_plan **p)
{
        oih_plan_free(*p);
        *p = NULL;
}
#define _cleanup_plan_ _cleanup_(oih_plan_freep)

/*
 * Adds the operations of one entry of config c. A host path that does not exist is an error, unless
 * the entry is optional: then it is dropped with a line at info level. An operation that another
 * config already asked for in the same way is kept once; the same destination from another source is
 * an error naming both files.
 */
int oih_plan_add_entry(struct oih_plan *plan, const struct oih_config *c, const struct oih_entry *e,
                       oih_error **err);

/* Adds the modules and every entry of c, stopping at the first error. */
int oih_plan_add_config(struct oih_plan *plan, const struct oih_config *c, oih_error **err);

/* All of the above for the activated configs, then the ld cache step, and the operations in order. */
int oih_plan_build(struct oih_config *const *configs, size_t n, struct oih_plan **ret, oih_error **err);

/*
 * Adds op, taking what it holds whatever happens, unless an operation at its place does the same
 * (struct oih_op_vtable says when): then it is dropped. A different operation at that place is -EEXIST,
 * set in err (which may be NULL) naming both configs.
 */
int oih_plan_add_op(struct oih_plan *plan, struct oih_op *op, oih_error **err);

/* The operation at container path `target`, or NULL. */
struct oih_op *oih_plan_op_at(const struct oih_plan *plan, const char *target);

/* Reads what ld.so needs of the library open at fd (path names it in messages; size as for
 * oih_elf_library_read()). A file the hook cannot describe is no error: its facts are empty, and ldconfig
 * decides what it is. 0; 1 where that is because the file could not be read (fd < 0, a failed read), which
 * another try may not repeat; -ENOMEM. */
int oih_library_facts_read(int fd, int64_t size, const char *path, struct oih_library_facts *ret);

/* One operation per line ("bind SOURCE TARGET OPTIONS") and the ld cache step, or one JSON document. */
int oih_plan_print(const struct oih_plan *p, bool json, FILE *out);
