/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader of a shared library's soname, machine and class (oih_elf_library_read), on the input written
 * into a memfd, exactly its bytes: a read past the end of the file is a short pread the reader must
 * handle. What must hold whatever the file:
 *
 *   - the answer is 0, -ENOEXEC or -ENOMEM (a memfd read does not fail otherwise);
 *   - on failure, the output is untouched;
 *   - on success, the file is an ELF shared object: magic, class, machine and ET_DYN as its header says;
 *     the soname is NULL or a file name (1 to NAME_MAX bytes, no '/' or control character, not "." or
 *     ".."), and the file holds it, NUL-terminated;
 *   - the file offset is not used, and nothing leaks (LeakSanitizer).
 *
 * Then, on the same file, whether it is a statically linked program (oih_elf_program_is_static, the check
 * of the host's ldconfig):
 *
 *   - the answer is 0, -ENOEXEC or -ENOMEM, and on failure the output is untouched;
 *   - on success, the file is an ELF ET_EXEC or ET_DYN file of this machine's byte order whose program
 *     headers lie in it, and the answer is what a plain scan of them for PT_INTERP finds;
 *   - a file the library reader takes is taken here too (both read the same header the same way).
 */
#include <elf.h>
#include <limits.h>
#include <stddef.h>
#include <sys/mman.h>

#include "elf-library.h"
#include "fuzz.h"

static int memfd = -1;

static void write_input(const uint8_t *data, size_t size)
{
        if (memfd < 0) {
                memfd = memfd_create("fuzz-elf", MFD_CLOEXEC);
                if (memfd < 0)
                        abort();
        }
        if (ftruncate(memfd, 0) < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
                if (n <= 0)
                        abort();
                done += (size_t)n;
        }
        /* Somewhere the reader must not care about. */
        if (lseek(memfd, 5, SEEK_SET) != 5)
                abort();
}

static bool soname_ok(const char *s)
{
        size_t l = strlen(s);
        if (l == 0 || l > NAME_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (*c == '/' || (unsigned char)*c < 0x20 || *c == 0x7f)
                        return false;
        return true;
}

/*
 * Whether the program headers that the ELF header of data names have a PT_INTERP; false when they are
 * not all in data. p_type is the first 32-bit field of a program header in both classes.
 */
static bool scan_for_interp(const uint8_t *data, size_t size)
{
        uint64_t phoff;
        uint16_t phnum, phentsize;

        if (data[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr eh;
                memcpy(&eh, data, sizeof(eh));
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        } else {
                Elf32_Ehdr eh;
                memcpy(&eh, data, sizeof(eh));
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        }
        for (uint64_t i = 0; i < phnum; i++) {
                uint64_t at = phoff + i * phentsize;
                uint32_t type;
                if (at > size || size - at < sizeof(type))
                        return false;
                memcpy(&type, data + at, sizeof(type));
                if (type == PT_INTERP)
                        return true;
        }
        return false;
}

static void check_program(const uint8_t *data, size_t size, bool library_ok)
{
        bool is_static = true;
        int r = oih_elf_program_is_static(memfd, &is_static);
        fuzz_assert(lseek(memfd, 0, SEEK_CUR) == 5);
        fuzz_assert(r == 0 || r == -ENOEXEC || r == -ENOMEM);
        if (library_ok)
                fuzz_assert(r != -ENOEXEC);
        if (r < 0) {
                /* Untouched, whichever value it held. */
                fuzz_assert(is_static);
                is_static = false;
                fuzz_assert(oih_elf_program_is_static(memfd, &is_static) == r);
                fuzz_assert(!is_static);
                return;
        }

        fuzz_assert(size >= sizeof(Elf32_Ehdr) && memcmp(data, ELFMAG, SELFMAG) == 0);
        fuzz_assert(data[EI_CLASS] == ELFCLASS32 ||
                    (data[EI_CLASS] == ELFCLASS64 && size >= sizeof(Elf64_Ehdr)));
        uint16_t type;
        memcpy(&type, data + offsetof(Elf64_Ehdr, e_type), sizeof(type));
        fuzz_assert(type == ET_EXEC || type == ET_DYN);
        fuzz_assert(is_static == !scan_for_interp(data, size));
}

/* Read again as planning reads (the size lstat saw given): the same. With a size larger than the file's,
 * as if it had shrunk since: declared ranges are checked against that size, but every byte used is read
 * from the file: refused, or a soname that is in the file. */
static void check_sized(const uint8_t *data, size_t size, int r, const struct oih_elf_library *l)
{
        struct oih_elf_library sized = {}, shrunk = {};
        int rs = oih_elf_library_read(memfd, (int64_t)size, &sized);
        fuzz_assert(rs == r || rs == -ENOMEM || r == -ENOMEM);
        if (r == 0 && rs == 0)
                fuzz_assert(streq_ptr(sized.soname, l->soname) && sized.machine == l->machine &&
                            sized.elf_class == l->elf_class);
        int rk = oih_elf_library_read(memfd, (int64_t)size + 1 + (size > 0 ? data[0] % 64 : 0), &shrunk);
        fuzz_assert(rk == 0 || rk == -ENOEXEC || rk == -ENOMEM);
        if (rk == 0 && shrunk.soname)
                fuzz_assert(soname_ok(shrunk.soname) &&
                            memmem(data, size, shrunk.soname, strlen(shrunk.soname) + 1));
        oih_elf_library_done(&sized);
        oih_elf_library_done(&shrunk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char marker_text[] = "untouched";
        struct oih_elf_library l = { .soname = marker_text, .machine = 0xbeef, .elf_class = 0xaa };

        write_input(data, size);
        int r = oih_elf_library_read(memfd, -1, &l);
        fuzz_assert(lseek(memfd, 0, SEEK_CUR) == 5);
        fuzz_assert(r == 0 || r == -ENOEXEC || r == -ENOMEM);
        check_program(data, size, r == 0);
        check_sized(data, size, r, &l);

        if (r < 0) {
                fuzz_assert(l.soname == marker_text && l.machine == 0xbeef && l.elf_class == 0xaa);
                return 0;
        }

        fuzz_assert(size >= sizeof(Elf32_Ehdr) && memcmp(data, ELFMAG, SELFMAG) == 0);
        fuzz_assert(l.elf_class == data[EI_CLASS]);
        fuzz_assert(l.elf_class == ELFCLASS32 || (l.elf_class == ELFCLASS64 && size >= sizeof(Elf64_Ehdr)));
        /* e_type and e_machine are at the same place in both classes. */
        uint16_t type, machine;
        memcpy(&type, data + offsetof(Elf64_Ehdr, e_type), sizeof(type));
        memcpy(&machine, data + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
        fuzz_assert(type == ET_DYN);
        fuzz_assert(l.machine == machine);
        if (l.soname) {
                fuzz_assert(l.soname != marker_text);
                fuzz_assert(soname_ok(l.soname));
                fuzz_assert(memmem(data, size, l.soname, strlen(l.soname) + 1));
        }
        oih_elf_library_done(&l);
        fuzz_assert(!l.soname);
        return 0;
}
