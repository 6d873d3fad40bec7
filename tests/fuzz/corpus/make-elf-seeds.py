#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz-elf: small hand-made ELF shared objects, valid and broken.

    tests/fuzz/corpus/make-elf-seeds.py [OUTPUT_DIR]    (default: fuzz-elf/ next to this script)

Each file is laid out as a linker would, in miniature: the ELF header, the program headers (a PT_LOAD
for the headers and the dynamic section, a PT_LOAD mapping the string table at an address other than
its file offset, a PT_DYNAMIC), the dynamic section (DT_FLAGS, DT_STRTAB, DT_STRSZ, DT_SONAME, DT_NULL),
then the string table. Little-endian, as on the hosts the fuzzer runs on; the output is the same on
every run, so the committed files can be checked against it.
"""

import os
import struct
import sys

ET_EXEC, ET_DYN = 2, 3
EM_386, EM_X86_64, EM_AARCH64 = 3, 62, 183
PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_STRTAB, DT_SONAME, DT_STRSZ, DT_FLAGS = 0, 5, 14, 10, 30
PF_R = 4


def build(
    is64=True,
    machine=None,
    soname=b"libseed.so.1",
    etype=ET_DYN,
    phoff=None,
    phnum=None,
    dynoff=0x200,
    stroff=0x300,
    strtab=None,
    truncate=0,
):
    """Returns the bytes of one file; the keyword arguments change what a valid file would hold."""
    machine = machine if machine is not None else (EM_X86_64 if is64 else EM_386)
    ehsize, phentsize, dynent = (64, 56, 16) if is64 else (52, 32, 8)
    phoff = phoff if phoff is not None else ehsize
    str_vaddr = 0x7000 + stroff

    table = b"\0" + (soname + b"\0" if soname is not None else b"")
    dyn = [(DT_FLAGS, 0), (DT_STRTAB, strtab if strtab is not None else str_vaddr), (DT_STRSZ, len(table))]
    if soname is not None:
        dyn.append((DT_SONAME, 1))
    dyn.append((DT_NULL, 0))

    phdrs = [
        (PT_LOAD, 0, 0, stroff),
        (PT_LOAD, stroff, str_vaddr, len(table)),
        (PT_DYNAMIC, dynoff, dynoff, len(dyn) * dynent),
    ]

    size = max(stroff + len(table), phoff + len(phdrs) * phentsize, dynoff + len(dyn) * dynent)
    out = bytearray(size)

    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1]) + bytes(9)
    if is64:
        header = ident + struct.pack(
            "<HHIQQQIHHHHHH", etype, machine, 1, 0, phoff, 0, 0, ehsize, phentsize,
            phnum if phnum is not None else len(phdrs), 0, 0, 0)
    else:
        header = ident + struct.pack(
            "<HHIIIIIHHHHHH", etype, machine, 1, 0, phoff, 0, 0, ehsize, phentsize,
            phnum if phnum is not None else len(phdrs), 0, 0, 0)
    out[0:ehsize] = header

    for i, (ptype, offset, vaddr, filesz) in enumerate(phdrs):
        at = phoff + i * phentsize
        if is64:
            entry = struct.pack("<IIQQQQQQ", ptype, PF_R, offset, vaddr, vaddr, filesz, filesz, 8)
        else:
            entry = struct.pack("<IIIIIIII", ptype, offset, vaddr, vaddr, filesz, filesz, PF_R, 4)
        out[at:at + phentsize] = entry

    for i, (tag, val) in enumerate(dyn):
        at = dynoff + i * dynent
        out[at:at + dynent] = struct.pack("<qQ" if is64 else "<iI", tag, val)

    out[stroff:stroff + len(table)] = table
    return bytes(out[:size - truncate])


SEEDS = {
    "lib64-soname.so": build(),
    "lib32-soname.so": build(is64=False, soname=b"libseed32.so.2"),
    "lib64-aarch64.so": build(machine=EM_AARCH64, soname=b"libarm.so"),
    "lib64-no-soname.so": build(soname=None),
    "lib32-no-soname.so": build(is64=False, soname=None),
    # The program headers past the first 4 KiB, the dynamic section and strings further: more reads.
    "lib64-far-phdrs.so": build(phoff=4500, stroff=5000),
    "lib64-far-dynamic.so": build(dynoff=6001, stroff=7000),
    "bad-exec.so": build(etype=ET_EXEC),
    "bad-phnum.so": build(phnum=0xFFFF),
    "bad-strtab-outside.so": build(strtab=0x900000),
    "bad-soname-slash.so": build(soname=b"../libc.so.6"),
    "bad-no-nul.so": build(truncate=1),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fuzz-elf")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
