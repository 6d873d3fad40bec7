/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config-load.h: the config folders. Files "*.json" are read in name order; a file in a later folder
 * replaces the file of the same name in an earlier one (the CDI rule for /etc/cdi and /var/run/cdi).
 * A folder or file owned by anyone but root (or the user the hook runs as), or writable by group or
 * others, is refused: these files decide which host files enter containers (THREATS.md item 9). In a
 * user namespace other than the initial one, where the hook has only its user's privileges, an owner
 * shown as the overflow uid (host root's files, there) is accepted.
 */
#pragma once

#include "config.h"

/* Config files larger than this are refused: a config lists paths, it is never this large. */
#define OIH_CONFIG_MAX_SIZE (1024 * 1024)

struct oih_config_set {
        struct oih_config **items; /* in file name order */
        size_t n;
        char **problems; /* about folders: "DIR: what is wrong" */
};

/* The default config folders, in order of precedence (a later one's file replaces an earlier one's). */
extern char *const oih_default_config_dirs[];

/*
 * Loads every config of `dirs`. A folder that does not exist is skipped; it is one of the set's
 * problems unless it is a default folder (/run/oci-injector-hook usually is not there). Fails only
 * when out of memory.
 */
int oih_config_set_load(char *const *dirs, struct oih_config_set **ret);
void oih_config_set_free(struct oih_config_set *s);

static inline void oih_config_set_freep(struct oih_config_set **s)
{
        oih_config_set_free(*s);
        *s = NULL;
}
#define _cleanup_config_set_ _cleanup_(oih_config_set_freep)
