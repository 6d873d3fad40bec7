/* SPDX-License-Identifier: Apache-2.0 */
/*
 * soname-cache.h: what planning read of the host's libraries (each one's soname and ld.so's flags), kept
 * between runs of the hook, so that a library's ELF file is read at the first container start that asks
 * for it and not at every one, as ldconfig keeps its aux-cache. An entry is found by the file's identity
 * as lstat() gives it: device, inode, size and change time (writing to the file, renaming it or changing
 * its mode changes the last; a new file has a new one).
 *
 * The cache is the hook's own: one text file, "sonames", in a folder of mode 0700 (OIH_SONAME_CACHE_DIR,
 * under /run: gone at reboot). It is used only when the file and the folder are this user's and nobody
 * else can write them. Its lines are sorted by identity, so a run reads the file once and finds each of
 * its libraries by a binary search, whatever else the file holds; a line is checked whole before it is
 * used (one that is not is read again, and left out when the file is written). It is written whole, in
 * order, under a new name and renamed into
 * place, so that a reader sees the old file or the new one. Hook mode alone uses it; a cache that cannot be
 * read or written costs the ELF reads it would have saved, and nothing else.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hashmap.h"
#include "op.h"

/* What this run read and the file did not have. */
struct oih_soname_cache_entry {
        char *key; /* "DEV INO SIZE CTIME_SEC CTIME_NSEC" */
        char *soname;
        int32_t flags;
};

struct oih_soname_cache {
        char *dir; /* NULL: no cache */
        bool loaded, dirty;
        char *text; /* the file as read */
        size_t text_len;
        size_t *used, n_used; /* where the lines start that this run found */
        struct oih_soname_cache_entry *added;
        size_t n_added;
        struct oih_hashmap added_by_key;
};

/* A cache in folder `dir` (NULL: none); nothing is read until the first lookup. */
int oih_soname_cache_init(struct oih_soname_cache *c, const char *dir);
void oih_soname_cache_done(struct oih_soname_cache *c);

/* 1 with *ret (a copy) when the library that st describes is known; 0 when it is not; -ENOMEM. */
int oih_soname_cache_get(struct oih_soname_cache *c, const struct stat *st, struct oih_library_facts *ret);

/* Notes what was read of the library that st describes: 0, or -ENOMEM. */
int oih_soname_cache_put(struct oih_soname_cache *c, const struct stat *st,
                         const struct oih_library_facts *facts);

/* Writes the cache when this run added to it. Failures are said at debug level and change nothing. */
void oih_soname_cache_save(struct oih_soname_cache *c);
