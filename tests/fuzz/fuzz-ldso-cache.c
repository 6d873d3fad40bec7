/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's /etc/ld.so.cache, into which the hook merges the injected libraries (oih_ldso_cache_merge).
 * The file is the image's: whatever it holds, the merge reads nothing outside it (ASan sees the input as
 * it came, without a NUL added), refuses it or writes a file that it can read back, in which every
 * glibc-hwcaps subfolder names the same string as in the input (each offset relocated exactly once), and
 * merging the same entries into that file again has nothing to add (a second start of the container
 * changes nothing).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ldso-cache.h"

/* Sonames that real caches have, and a few that sort at the edges. */
static const struct oih_ldso_cache_entry entries[] = {
        { "libc.so.6", "/opt/inj/lib/libc.so.6", 0x0303 },
        { "libinjtest.so.1", "/opt/inj/lib/libinjtest.so.1", 0x0303 },
        { "libinjtest.so.1", "/usr/lib/libinjtest.so.1", 0x0303 },
        { "libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", 0x0303 },
        { "ld-linux-x86-64.so.2", "/opt/inj/lib/ld-linux-x86-64.so.2", 0x0303 },
        { "libzzzzzz.so.999999999999", "/opt/inj/lib/libzzzzzz.so.999999999999", 0x0303 },
        { "lib0.so", "/lib0.so", 0x0303 },
};

static uint32_t get32(const uint8_t *p)
{
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
}

/* The new-format part of a cache the merge accepted or wrote (behind the old header, if any). */
static const uint8_t *new_part(const uint8_t *data, size_t size, size_t *ret_size)
{
        size_t off = 0;
        if (size >= 16 && memcmp(data, "ld.so-1.7.0", 11) == 0)
                off = (16 + (size_t)get32(data + 12) * 12 + 7) & ~(size_t)7;
        fuzz_assert(off + 48 <= size);
        *ret_size = size - off;
        return data + off;
}

/* The string at `off` of a cache, checked to lie inside it. */
static const char *string_at(const uint8_t *base, size_t size, uint32_t off)
{
        fuzz_assert(off < size && memchr(base + off, 0, size - off));
        return (const char *)base + off;
}

/* Each glibc-hwcaps subfolder of the output names the string it named in the input. */
static void check_hwcaps(const uint8_t *in, size_t in_size, const uint8_t *out, size_t out_size)
{
        size_t is, os;
        const uint8_t *i = new_part(in, in_size, &is), *o = new_part(out, out_size, &os);
        uint32_t iext = get32(i + 32), oext = get32(o + 32);

        fuzz_assert((iext == 0) == (oext == 0));
        if (iext == 0)
                return;
        fuzz_assert(oext <= os - 8 && get32(o + oext) == get32(i + iext));
        uint32_t count = get32(i + iext + 4);
        fuzz_assert(get32(o + oext + 4) == count && (size_t)count * 16 <= os - oext - 8);
        for (uint32_t k = 0; k < count; k++) {
                const uint8_t *is_ = i + iext + 8 + (size_t)k * 16, *os_ = o + oext + 8 + (size_t)k * 16;
                uint32_t size = get32(is_ + 12);
                fuzz_assert(get32(os_) == get32(is_) && get32(os_ + 12) == size);
                uint32_t ioff = get32(is_ + 8), ooff = get32(os_ + 8);
                fuzz_assert(ooff <= os && size <= os - ooff);
                if (get32(is_) != 1)
                        continue;
                for (uint32_t b = 0; b + 4 <= size; b += 4)
                        fuzz_assert(streq(string_at(i, is, get32(i + ioff + b)),
                                          string_at(o, os, get32(o + ooff + b))));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* How many entries to merge: none to all, chosen by the input's last byte. */
        size_t n = size > 0 ? data[size - 1] % (ELEMENTSOF(entries) + 1) : ELEMENTSOF(entries);
        void *out = (void *)data, *again = (void *)data;
        size_t out_len = 0, again_len = 0;

        int r = oih_ldso_cache_merge(data, size, entries, n, &out, &out_len);
        fuzz_assert(r == 0 || r == -EPROTONOSUPPORT || r == -ENOMEM);
        if (r < 0) {
                fuzz_assert(out == data); /* untouched */
                return 0;
        }
        if (!out) {
                fuzz_assert(out_len == 0);
                return 0;
        }
        fuzz_assert(out_len >= 48 && memcmp(out, "glibc-ld.so.cache1.1", 20) == 0);
        check_hwcaps(data, size, out, out_len);

        r = oih_ldso_cache_merge(out, out_len, entries, n, &again, &again_len);
        fuzz_assert(r == 0 || r == -ENOMEM);
        fuzz_assert(r < 0 || !again);
        free(out);
        return 0;
}
