/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf-library.h: the one ELF reader. What the ld cache needs to know of a shared library on the host (its
 * soname, its machine and its ELF class), and whether a program is statically linked (the host's
 * ldconfig, ldconfig.h), read from the file with a few bounded preads. The file is the host's, but a config
 * may name any file, and images ship libraries too: every field is checked before it is used, and anything
 * out of bounds is -ENOEXEC, after which the caller lets ldconfig decide.
 */

#pragma once

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oih_elf_library {
        char *soname;      /* DT_SONAME; NULL when the library has none */
        uint16_t machine;  /* e_machine (EM_X86_64, ...) */
        uint8_t elf_class; /* ELFCLASS32 or ELFCLASS64 */
};

/*
 * Reads the ELF header, program headers, PT_DYNAMIC and the DT_SONAME string of the shared object open
 * at fd (a regular file; pread only, the file offset is not used). size: the file's size where the
 * caller has just stat'ed it, or -1 (the reader then takes fstat's). Ranges the file declares are
 * checked against that size; every byte used is read from the file, and a read past its end (a file
 * that has shrunk since) is -ENOEXEC. 0 on success; -ENOEXEC when it is not an ELF shared object (ET_DYN) of
 * this machine's byte order, or anything in it is out of bounds or malformed; -ENOMEM; -errno of a
 * failed read. *ret is written on success only.
 *
 * A soname is a file name (ld.so looks it up in library folders): 1 to NAME_MAX bytes, without '/' or
 * control characters, neither "." nor "..". A library without DT_SONAME has soname NULL; a file
 * without PT_DYNAMIC is no shared library and -ENOEXEC.
 */
int oih_elf_library_read(int fd, int64_t size, struct oih_elf_library *ret);

/*
 * Whether the ELF program open at fd is statically linked: it names no program interpreter (PT_INTERP,
 * the dynamic loader), so running it loads nothing from the root it runs in. The same header checks
 * as above, for an ET_EXEC or ET_DYN file: 0 with *ret set; -ENOEXEC when it is not an ELF program of this
 * machine's byte order or its program headers are out of bounds; -ENOMEM; -errno of a failed read.
 */
int oih_elf_program_is_static(int fd, bool *ret);

/* Whether the len bytes at s make a soname as above. */
bool oih_elf_soname_is_valid(const char *s, size_t len);

/* Frees the soname; the structure may be read into again. */
void oih_elf_library_done(struct oih_elf_library *l);
