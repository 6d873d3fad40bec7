/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldso-cache.h: adding injected libraries to a container's /etc/ld.so.cache without running ldconfig.
 *
 * The image's cache already knows the image's libraries; the hook knows the ones it injects (their sonames
 * read from the host's files when planning). Merging the two is a few microseconds of memory work where a
 * confined ldconfig costs a process start and a scan of every library folder of the image. The format is
 * glibc's "glibc-ld.so.cache1.1" (written by every glibc since 2.32, read by every ld.so since 2.2):
 *
 *   header (48 bytes)  magic and version, nlibs, len_strings, endianness flags, extension_offset
 *   nlibs entries      of 24 bytes: flags, key (soname), value (path), osversion, hwcap; string fields
 *                      are offsets from the start of the header; sorted by soname, descending in
 *                      oih_ldso_libcmp() order (ld.so does a binary search)
 *   strings
 *   extension          (glibc >= 2.33) a table of sections: the generator's name, the glibc-hwcaps
 *                      subfolder names (string offsets)
 *
 * An older file ("ld.so-1.7.0" followed by the new format, glibc < 2.32) is merged from its new part and
 * written in the new format only. The new entries go before the image's entries of the same soname, so that
 * ld.so takes them (it takes the first entry of the right flags). Anything this code does not know (big
 * endian, an extension section it cannot relocate, offsets out of bounds) is -EPROTONOSUPPORT: the caller
 * runs ldconfig instead. The input is the image's file: every field is checked before use.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oih_ldso_cache_entry {
        char *soname;  /* the key ld.so looks up */
        char *path;    /* the library in the container, by its soname link */
        int32_t flags; /* ld.so's type flags, oih_ldso_cache_flags() */
};

/* glibc's order of library names: digit runs compare as numbers ("libfoo.so.10" > "libfoo.so.9"). */
int oih_ldso_libcmp(const char *a, const char *b);

/* The flags ld.so expects for a shared library of this ELF machine and class: -EOPNOTSUPP for a kind this
 * code does not know the flags of (the caller runs ldconfig). */
int oih_ldso_cache_flags(uint16_t machine, uint8_t elf_class, int32_t *ret);

/* True when ldconfig would put a file of this name into the cache ("lib*" or "ld-*", with ".so"). */
bool oih_ldso_cache_name_ok(const char *name);

/*
 * The cache `old` (len bytes) with `add` merged in: returns a new malloc'ed file in *ret, or NULL when
 * `old` has every entry already (a second run of the hook: nothing to write). An entry of `add` replaces an
 * old one of the same soname, path and flags; other old entries of the same soname stay, after it. `add`
 * need not be sorted. -EPROTONOSUPPORT: `old` is not a cache this code can merge into; -ENOMEM; -EINVAL for
 * an entry without soname or path.
 */
int oih_ldso_cache_merge(const void *old, size_t len, const struct oih_ldso_cache_entry *add, size_t n_add,
                         void **ret, size_t *ret_len);

/* The flags of the libraries of the machine this code was built for, the host's: -EOPNOTSUPP where this
 * code does not know them. */
int oih_ldso_cache_host_flags(int32_t *ret);

/*
 * Looks up `soname` with ld.so flags `flags` in the cache `data` (len bytes; the host's /etc/ld.so.cache),
 * as ld.so would: the first entry of that soname and flags, the one outside any glibc-hwcaps subfolder
 * when there is one. Returns 0 and a new string with the library's path, -ENOENT when the cache has no
 * such entry, -EPROTONOSUPPORT for a file this code cannot read, or -ENOMEM.
 */
int oih_ldso_cache_lookup(const void *data, size_t len, const char *soname, int32_t flags, char **ret);
