#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/corpus/make-ldso-cache-seeds.sh LIBINJTEST: writes the seeds of fuzz-ldso-cache, caches made
# by the host's ldconfig for small roots of copies of the test library (build/tests/helpers/
# libinjtest.so.1.2.3), with their sonames changed: no library of the system is in them.
#   empty.cache    a root without libraries
#   hwcaps.cache   four libraries, one also in glibc-hwcaps/x86-64-v2 (the hwcaps extension section)
#   compat.cache   hwcaps.cache behind a glibc < 2.32 header ("ld.so-1.7.0", two old entries)
#   overlap.cache  hwcaps.cache with its generator section made a second glibc-hwcaps section on the same
#                  bytes (refused: the merge would relocate them twice)
set -euo pipefail
lib=${1:?usage: $0 LIBINJTEST}
out=$(dirname "$0")/fuzz-ldso-cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/empty/etc" "$work/root/etc" "$work/root/usr/lib/glibc-hwcaps/x86-64-v2"
copy() { # copy DIR SONAME: the library with the 15-character soname SONAME
    sed "s/libinjtest\.so\.1/$2/g" "$lib" >"$1/$2.0"
}
for s in libinjtaaa.so.1 libinjtbbb.so.1 libinjtest.so.1 libinjt010.so.1; do
    copy "$work/root/usr/lib" "$s"
done
copy "$work/root/usr/lib/glibc-hwcaps/x86-64-v2" libinjtbbb.so.1
ldconfig -r "$work/empty"
ldconfig -r "$work/root"
cp "$work/empty/etc/ld.so.cache" "$out/empty.cache"
cp "$work/root/etc/ld.so.cache" "$out/hwcaps.cache"
python3 - "$out/hwcaps.cache" "$out/compat.cache" <<'PY'
import struct, sys
new = open(sys.argv[1], 'rb').read()
old = b'ld.so-1.7.0\0' + struct.pack('<I', 2) + struct.pack('<iII', 0x303, 0, 0) * 2
old += b'\0' * (-len(old) % 8)
open(sys.argv[2], 'wb').write(old + new)
PY
python3 - "$out/hwcaps.cache" "$out/overlap.cache" <<'PY'
import struct, sys
c = bytearray(open(sys.argv[1], 'rb').read())
ext = struct.unpack_from('<I', c, 32)[0]
count = struct.unpack_from('<I', c, ext + 4)[0]
sections = [struct.unpack_from('<IIII', c, ext + 8 + 16 * i) for i in range(count)]
gen = next(i for i, s in enumerate(sections) if s[0] == 0)
hw = next(s for s in sections if s[0] == 1)
struct.pack_into('<IIII', c, ext + 8 + 16 * gen, 1, 0, hw[2], hw[3])
open(sys.argv[2], 'wb').write(c)
PY
