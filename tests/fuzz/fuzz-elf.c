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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char marker_text[] = "untouched";
        struct oih_elf_library l = { .soname = marker_text, .machine = 0xbeef, .elf_class = 0xaa };

        write_input(data, size);
        int r = oih_elf_library_read(memfd, &l);
        fuzz_assert(lseek(memfd, 0, SEEK_CUR) == 5);
        fuzz_assert(r == 0 || r == -ENOEXEC || r == -ENOMEM);

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
