/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's /etc/ld.so.cache, into which the hook merges the injected libraries (oih_ldso_cache_merge).
 * The file is the image's: whatever it holds, the merge reads nothing outside it (ASan sees the input as
 * it came, without a NUL added), refuses it or writes a file that it can read back, and merging the same
 * entries into that file again has nothing to add (a second start of the container changes nothing).
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

        r = oih_ldso_cache_merge(out, out_len, entries, n, &again, &again_len);
        fuzz_assert(r == 0 || r == -ENOMEM);
        fuzz_assert(r < 0 || !again);
        free(out);
        return 0;
}
