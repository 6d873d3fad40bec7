/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plan.h: the plan, plain data: the ordered list of operations that the activated configs ask for,
 * built from the host's facts (each host path stat'ed, globs expanded, device numbers read from the
 * host node, library symlink chains followed) without touching the container. Executing it is the only
 * thing that changes anything; `oci-injector-hook plan` prints it.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "ldso-cache.h"

/* Operations run in this order: modules before devices, folders before what goes into them. */
enum oih_op_type {
        OIH_OP_MODULE,  /* load kernel module `source` */
        OIH_OP_MKDIR,   /* create folder `target` (and its parents) */
        OIH_OP_MOUNT,   /* bind host folder, file or socket `source` onto `target` */
        OIH_OP_DEVICE,  /* make device node `target` like host node `source` */
        OIH_OP_BIND,    /* bind host file `source` read-only onto `target` */
        OIH_OP_SYMLINK, /* make symlink `target` pointing to `source` (the link text) */
        OIH_OP_COPY,    /* copy host file `source` to `target` */
        OIH_OP_PRESENT, /* library `target` is in place already (bound by the runtime, CDI): the ld
                         * cache step counts it, executing does nothing */
        OIH_OP_LDCACHE, /* refresh the container's ld cache, searching `dirs` */
        _OIH_OP_MAX,
};

struct oih_op {
        enum oih_op_type type;
        enum oih_kind kind; /* the config list it came from */
        char *config;       /* the file that asked for it */
        char *source;       /* see enum oih_op_type; NULL for LDCACHE */
        char *target;       /* container path; NULL for MODULE and LDCACHE */
        mode_t mode;        /* file type and permissions on the host (MKDIR: the folder to make) */
        dev_t rdev;         /* DEVICE: the host node's device number */
        dev_t dev;          /* identity of the host file, checked again when executing */
        ino_t ino;
        uid_t uid; /* DEVICE: the host node's owner */
        gid_t gid;
        unsigned mount_flags; /* MOUNT and BIND: OIH_MOUNT_* */
        char **dirs;          /* LDCACHE: container folders that hold injected libraries */

        /* BIND and COPY of a library: what its ELF file says (soname NULL: it has none, ld.so knows it by
         * its file name); ld_flags 0: a file the hook cannot describe to ld.so (not ELF, or a kind of
         * library it does not know), which leaves the ld cache to ldconfig. */
        char *soname;
        int32_t ld_flags;

        /* The bare name the source was found by, or NULL: a library in the host's ld cache, a binary in
         * the host's PATH. */
        char *lookup;

        /* LDCACHE: when ld_merge, the entries to merge into the image's ld.so.cache (ldconfig runs only if
         * the image has none, or one this hook cannot read); otherwise ldconfig runs. */
        bool ld_merge;
        struct oih_ldso_cache_entry *ld_entries; /* strings owned by the plan */
        size_t n_ld_entries;
};

struct oih_plan {
        struct oih_op *ops;
        size_t n;
        char **configs; /* the activated config files, in order */

        /* While planning: the host's ld cache, read once for bare library names, and how many entries of
         * each kind were dropped as optional. */
        char *host_ldso_cache;
        size_t host_ldso_cache_len;
        size_t dropped[_OIH_KIND_MAX];
};

const char *oih_op_type_name(enum oih_op_type type);

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

/* Puts the operations in execution order and appends the ld cache step when libraries are injected. */
int oih_plan_finish(struct oih_plan *plan);

/* All of the above for the activated configs. */
int oih_plan_build(struct oih_config *const *configs, size_t n, struct oih_plan **ret, oih_error **err);

/* One operation per line ("bind SOURCE TARGET OPTIONS"), or one JSON document. */
int oih_plan_print(const struct oih_plan *p, bool json, FILE *out);

/*
 * For the ldcache entry point (CDI): a symlink to make at `target` with link text `text`; a library the
 * runtime bound at `target` already, its soname and kind read from `fd` (the file, opened in the root);
 * and folders the ld cache must search. `label` names what asked for them in messages. Then
 * oih_plan_finish() plans the ld cache step exactly as for hook mode.
 */
int oih_plan_add_symlink(struct oih_plan *p, const char *label, const char *target, const char *text);
int oih_plan_add_present_library(struct oih_plan *p, const char *label, const char *target, int fd);
int oih_plan_add_ldcache(struct oih_plan *p, char *const *dirs);
