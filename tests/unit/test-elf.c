/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a shared library's soname, machine and class (elf-library.h): real libraries (the test library of
 * tests/helpers, the C library, a gconv module without soname, this program), shared objects written
 * here byte by byte in both classes, and every way of breaking one that the reader must refuse. Then the
 * same reader's answer to whether a program is statically linked (the host's ldconfig must be).
 */
#include <glob.h>
#include <elf.h>
#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

#include "elf-library.h"
#include "tap.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DATA_NATIVE ELFDATA2LSB
#define DATA_OTHER  ELFDATA2MSB
#else
#define DATA_NATIVE ELFDATA2MSB
#define DATA_OTHER  ELFDATA2LSB
#endif

#define HOST_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

static char *dir;
static unsigned files, reads, offset_moved, sized_differs;

/*
 * A shared object as a linker would lay it out, small: the ELF header, the program headers (a PT_LOAD
 * for the headers and the dynamic section, a second PT_LOAD holding the string table at an address that
 * differs from its file offset, a PT_DYNAMIC), the dynamic section (an unknown tag, DT_STRTAB, DT_STRSZ,
 * DT_SONAME, DT_NULL, and a second DT_SONAME after DT_NULL that a reader must not see), then the string
 * table at the end of the file. The *_field members, when not 0, replace what is written in a header
 * or entry, to break it.
 */
struct spec {
        uint8_t elf_class;
        uint8_t data;    /* EI_DATA; 0: native */
        uint8_t version; /* EI_VERSION; 0: EV_CURRENT */
        uint16_t type;   /* 0: ET_DYN */
        uint16_t machine;
        const char *magic; /* 0: ELFMAG */
        uint64_t phoff;    /* where the program headers are; 0: right after the ELF header */
        uint64_t phoff_field;
        uint32_t phnum_field;
        uint16_t phentsize_field;
        bool no_dynamic, two_dynamic;
        uint64_t dynoff; /* 0: 0x200 */
        uint64_t dyn_offset_field, dyn_filesz_field;
        size_t dyn_padding; /* zero bytes (DT_NULL entries) added at the end of the dynamic section */
        bool no_null, two_sonames;
        uint64_t stroff;                               /* 0: 0x300 */
        uint64_t str_vaddr;                            /* 0: 0x7000 + stroff */
        uint64_t load_offset_field, load_filesz_field; /* of the string table's PT_LOAD */
        uint64_t load0_filesz_field;                   /* of the first PT_LOAD */
        uint64_t note_vaddr; /* when not 0: a PT_NOTE mapping the string table there */
        bool interp;         /* a PT_INTERP naming a dynamic loader (the string table), as a program has */
        bool no_strtab;
        uint64_t strtab_field;
        const char *soname; /* NULL: no DT_SONAME */
        uint64_t soname_field;
        int64_t strsz_field; /* -1: no DT_STRSZ */
        uint64_t size;       /* of the file; 0: up to the end of the string table */
};

static void put(uint8_t *buf, size_t cap, uint64_t off, const void *p, size_t len)
{
        if (off > cap || len > cap - off) {
                errno = EOVERFLOW;
                tap_bail("a crafted ELF file does not fit its buffer");
        }
        memcpy(buf + off, p, len);
}

static void put_phdr(uint8_t *buf, size_t cap, const struct spec *s, uint64_t at, uint32_t type,
                     uint64_t offset, uint64_t vaddr, uint64_t filesz)
{
        if (s->elf_class == ELFCLASS64) {
                Elf64_Phdr ph = { .p_type = type,
                                  .p_offset = offset,
                                  .p_vaddr = vaddr,
                                  .p_paddr = vaddr,
                                  .p_filesz = filesz,
                                  .p_memsz = filesz,
                                  .p_flags = PF_R,
                                  .p_align = 8 };
                put(buf, cap, at, &ph, sizeof(ph));
        } else {
                Elf32_Phdr ph = { .p_type = type,
                                  .p_offset = (Elf32_Off)offset,
                                  .p_vaddr = (Elf32_Addr)vaddr,
                                  .p_paddr = (Elf32_Addr)vaddr,
                                  .p_filesz = (Elf32_Word)filesz,
                                  .p_memsz = (Elf32_Word)filesz,
                                  .p_flags = PF_R,
                                  .p_align = 4 };
                put(buf, cap, at, &ph, sizeof(ph));
        }
}

static uint64_t put_dyn(uint8_t *buf, size_t cap, const struct spec *s, uint64_t at, int64_t tag,
                        uint64_t val)
{
        if (s->elf_class == ELFCLASS64) {
                Elf64_Dyn d = { .d_tag = tag, .d_un.d_val = val };
                put(buf, cap, at, &d, sizeof(d));
                return at + sizeof(d);
        }
        Elf32_Dyn d = { .d_tag = (Elf32_Sword)tag, .d_un.d_val = (Elf32_Word)val };
        put(buf, cap, at, &d, sizeof(d));
        return at + sizeof(d);
}

static uint64_t field(uint64_t value, uint64_t dflt)
{
        return value ? value : dflt;
}

/* Builds the file, returns it in a new buffer of *ret_size bytes. */
static uint8_t *build(const struct spec *s, size_t *ret_size)
{
        bool is64 = s->elf_class == ELFCLASS64;
        size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
        size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
        size_t dynsize = is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
        uint64_t phoff = field(s->phoff, ehsize), dynoff = field(s->dynoff, 0x200);
        uint64_t stroff = field(s->stroff, 0x300), str_vaddr = field(s->str_vaddr, 0x7000 + stroff);
        size_t cap = 4 * 1024 * 1024;

        uint8_t *buf = calloc(1, cap);
        if (!buf)
                tap_bail("calloc");

        /* The string table: the soname at offset 1, as linkers put the first name. */
        size_t soname_len = s->soname ? strlen(s->soname) : 0;
        uint64_t strsz = 1 + (s->soname ? soname_len + 1 : 0);
        if (s->soname)
                put(buf, cap, stroff + 1, s->soname, soname_len + 1);

        uint64_t at = put_dyn(buf, cap, s, dynoff, DT_FLAGS, 0);
        if (!s->no_strtab)
                at = put_dyn(buf, cap, s, at, DT_STRTAB, field(s->strtab_field, str_vaddr));
        if (s->strsz_field >= 0)
                at = put_dyn(buf, cap, s, at, DT_STRSZ, field((uint64_t)s->strsz_field, strsz));
        if (s->soname) {
                at = put_dyn(buf, cap, s, at, DT_SONAME, field(s->soname_field, 1));
                if (s->two_sonames)
                        at = put_dyn(buf, cap, s, at, DT_SONAME, 1);
        }
        if (!s->no_null) {
                at = put_dyn(buf, cap, s, at, DT_NULL, 0);
                /* Past the end of the entries: a reader that goes on sees a second DT_SONAME. */
                at = put_dyn(buf, cap, s, at, DT_SONAME, 0);
        }
        at += s->dyn_padding / dynsize * dynsize;
        uint64_t dyn_filesz = at - dynoff;

        uint32_t phnum = 0;
        put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_LOAD, 0, 0, field(s->load0_filesz_field, stroff));
        put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_LOAD, field(s->load_offset_field, stroff),
                 str_vaddr, field(s->load_filesz_field, strsz));
        if (!s->no_dynamic)
                put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_DYNAMIC,
                         field(s->dyn_offset_field, dynoff), dynoff, field(s->dyn_filesz_field, dyn_filesz));
        if (s->two_dynamic)
                put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_DYNAMIC, dynoff, dynoff, dyn_filesz);
        if (s->note_vaddr)
                put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_NOTE, stroff, s->note_vaddr, strsz);
        if (s->interp)
                put_phdr(buf, cap, s, phoff + phnum++ * phsize, PT_INTERP, stroff, str_vaddr, strsz);

        uint8_t ident[EI_NIDENT] = { 0 };
        memcpy(ident, s->magic ?: ELFMAG, SELFMAG);
        ident[EI_CLASS] = s->elf_class;
        ident[EI_DATA] = s->data ?: DATA_NATIVE;
        ident[EI_VERSION] = s->version ?: EV_CURRENT;
        if (is64) {
                Elf64_Ehdr eh = { .e_type = s->type ?: ET_DYN,
                                  .e_machine = s->machine,
                                  .e_version = EV_CURRENT,
                                  .e_phoff = field(s->phoff_field, phoff),
                                  .e_ehsize = sizeof(Elf64_Ehdr),
                                  .e_phentsize = (uint16_t)field(s->phentsize_field, phsize),
                                  .e_phnum = (uint16_t)field(s->phnum_field, phnum) };
                memcpy(eh.e_ident, ident, EI_NIDENT);
                put(buf, cap, 0, &eh, sizeof(eh));
        } else {
                Elf32_Ehdr eh = { .e_type = s->type ?: ET_DYN,
                                  .e_machine = s->machine,
                                  .e_version = EV_CURRENT,
                                  .e_phoff = (Elf32_Off)field(s->phoff_field, phoff),
                                  .e_ehsize = sizeof(Elf32_Ehdr),
                                  .e_phentsize = (uint16_t)field(s->phentsize_field, phsize),
                                  .e_phnum = (uint16_t)field(s->phnum_field, phnum) };
                memcpy(eh.e_ident, ident, EI_NIDENT);
                put(buf, cap, 0, &eh, sizeof(eh));
        }

        *ret_size = (size_t)field(s->size, stroff + strsz);
        if (*ret_size > cap)
                tap_bail("a crafted ELF file is too big");
        return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len)
                tap_bail(path);
}

/* Reads the file at path as the hook does, with the file offset set somewhere to see that it is unused.
 * Read again with its size given, as planning gives lstat's: the same result (sized_differs counts
 * where not). */
static int read_path(const char *path, struct oih_elf_library *ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                tap_bail(path);
        if (lseek(fd, 7, SEEK_SET) != 7)
                tap_bail("lseek");
        int r = oih_elf_library_read(fd, -1, ret);
        reads++;
        if (lseek(fd, 0, SEEK_CUR) != 7)
                offset_moved++;
        if (!S_ISREG(st.st_mode))
                return r;

        struct oih_elf_library sized = {};
        int rs = oih_elf_library_read(fd, st.st_size, &sized);
        if (rs != r || (r == 0 && (!streq_ptr(sized.soname, ret->soname) || sized.machine != ret->machine ||
                                   sized.elf_class != ret->elf_class)))
                sized_differs++;
        oih_elf_library_done(&sized);
        return r;
}

static int read_bytes(const void *data, size_t len, struct oih_elf_library *ret)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/file%u.so", dir, files++) < 0)
                tap_bail("asprintf");
        write_bytes(path, data, len);
        return read_path(path, ret);
}

static int read_spec(const struct spec *s, struct oih_elf_library *ret)
{
        size_t size;
        _cleanup_free_ uint8_t *buf = build(s, &size);
        return read_bytes(buf, size, ret);
}

/* What *ret holds before a call that must fail, and must still hold after it. */
static char marker_text[] = "untouched";
static const struct oih_elf_library marker = { .soname = marker_text, .machine = 0xbeef, .elf_class = 0xaa };

static bool is_marker(const struct oih_elf_library *l)
{
        return l->soname == marker.soname && l->machine == marker.machine &&
               l->elf_class == marker.elf_class;
}

static void check_error(int r, struct oih_elf_library *l, int error, const char *what)
{
        is_int(r, error, "%s: %s", what, strerror(-error));
        ok(is_marker(l), "%s: nothing returned", what);
        if (r == 0 && !is_marker(l))
                oih_elf_library_done(l);
}

static void expect_error(const struct spec *s, int error, const char *what)
{
        struct oih_elf_library l = marker;
        int r = read_spec(s, &l);
        check_error(r, &l, error, what);
}

static void expect_bytes_error(const void *data, size_t len, const char *what)
{
        struct oih_elf_library l = marker;
        int r = read_bytes(data, len, &l);
        check_error(r, &l, -ENOEXEC, what);
}

static void check_library(int r, struct oih_elf_library *l, const char *soname, uint16_t machine,
                          uint8_t elf_class, const char *what)
{
        is_int(r, 0, "%s: read", what);
        is_str(r == 0 ? l->soname : NULL, soname, "%s: soname %s%.40s%s%s", what, soname ? "\"" : "",
               soname ?: "none", soname && strlen(soname) > 40 ? "..." : "", soname ? "\"" : "");
        is_int(l->machine, machine, "%s: machine %u", what, machine);
        is_int(l->elf_class, elf_class, "%s: class %u", what, elf_class);
        if (r == 0)
                oih_elf_library_done(l);
}

static void expect_library(const struct spec *s, const char *soname, const char *what)
{
        struct oih_elf_library l = {};
        int r = read_spec(s, &l);
        check_library(r, &l, soname, s->machine, s->elf_class, what);
}

static void test_crafted_valid(void)
{
        expect_library(
                &(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .soname = "libfoo.so.1" },
                "libfoo.so.1", "a minimal 64-bit shared object");
        expect_library(&(struct spec){ .elf_class = ELFCLASS32, .machine = EM_386, .soname = "libbar.so.2" },
                       "libbar.so.2", "a minimal 32-bit shared object");
        expect_library(
                &(struct spec){ .elf_class = ELFCLASS64, .machine = EM_AARCH64, .soname = "libarm.so" },
                "libarm.so", "another machine's library: its machine is told, not judged");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64 }, NULL,
                       "a 64-bit shared object without DT_SONAME");
        expect_library(&(struct spec){ .elf_class = ELFCLASS32, .machine = EM_386 }, NULL,
                       "a 32-bit shared object without DT_SONAME");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libnostrsz.so.1",
                                       .strsz_field = -1 },
                       "libnostrsz.so.1", "no DT_STRSZ: the string is bounded by its segment and the file");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libfar.so.1",
                                       .phoff = 5001,
                                       .stroff = 6000 },
                       "libfar.so.1", "program headers beyond the first 4 KiB, unaligned");
        expect_library(&(struct spec){ .elf_class = ELFCLASS32,
                                       .machine = EM_386,
                                       .soname = "libfar32.so.1",
                                       .phoff = 4090,
                                       .stroff = 8000 },
                       "libfar32.so.1", "program headers across the 4 KiB boundary (32-bit)");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libdyn.so.1",
                                       .dynoff = 20003,
                                       .stroff = 30000 },
                       "libdyn.so.1", "the dynamic section and the strings beyond 4 KiB, unaligned");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libfoo.so.1",
                                       .load_offset_field = 0x301 },
                       "ibfoo.so.1", "the string is read at p_offset + (address - p_vaddr) of its PT_LOAD");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libodd.so.1",
                                       .dyn_filesz_field = 5 * sizeof(Elf64_Dyn) + 3 },
                       "libodd.so.1", "a dynamic section with a partial entry at its end");
        expect_library(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .soname = "libbig.so.1",
                                       .stroff = 1024 * 1024 + 0x300,
                                       .dyn_padding = 1024 * 1024 - 6 * sizeof(Elf64_Dyn) },
                       "libbig.so.1", "a dynamic section of exactly 1 MiB");

        char name[NAME_MAX + 2];
        memset(name, 'a', sizeof(name));
        memcpy(name, "lib", 3);
        name[NAME_MAX] = 0;
        expect_library(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .soname = name }, name,
                       "a soname of NAME_MAX bytes");
        expect_library(
                &(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .soname = "libé.so.1" },
                "libé.so.1", "a soname in UTF-8");
}

static void test_crafted_broken(void)
{
        const struct spec good = { .elf_class = ELFCLASS64, .machine = EM_X86_64, .soname = "libfoo.so.1" };
        struct spec s;
        size_t size;

        /* The header. */
        expect_bytes_error("", 0, "an empty file");
        expect_bytes_error("\177EL", 3, "3 bytes");
        {
                _cleanup_free_ uint8_t *buf = build(&good, &size);
                expect_bytes_error(buf, EI_NIDENT, "the identification only");
                expect_bytes_error(buf, sizeof(Elf64_Ehdr) - 1, "a header cut short");
        }
        s = good, s.magic = "\177ELG";
        expect_error(&s, -ENOEXEC, "wrong magic");
        s = good, s.type = ET_EXEC;
        expect_error(&s, -ENOEXEC, "ET_EXEC");
        s = good, s.type = ET_REL;
        expect_error(&s, -ENOEXEC, "ET_REL");
        s = good, s.data = DATA_OTHER;
        expect_error(&s, -ENOEXEC, "the other byte order");
        s = good, s.data = 3;
        expect_error(&s, -ENOEXEC, "an unknown EI_DATA");
        s = good, s.version = 2;
        expect_error(&s, -ENOEXEC, "EI_VERSION 2");
        {
                _cleanup_free_ uint8_t *buf = build(&good, &size);
                buf[EI_CLASS] = ELFCLASSNONE;
                expect_bytes_error(buf, size, "ELFCLASSNONE");
                buf[EI_CLASS] = ELFCLASS32; /* a 64-bit layout read as 32-bit */
                expect_bytes_error(buf, size, "a 64-bit file marked ELFCLASS32");
        }

        /* The program headers. */
        s = good, s.phoff_field = 1024 * 1024;
        expect_error(&s, -ENOEXEC, "e_phoff beyond the file");
        s = good, s.phoff_field = UINT64_MAX - 8;
        expect_error(&s, -ENOEXEC, "e_phoff + e_phnum * e_phentsize wraps");
        /* Files big enough to hold them all, the ones past the third being PT_NULL. */
        s = good, s.phnum_field = 0xffff, s.size = 4 * 1024 * 1024;
        expect_error(&s, -ENOEXEC, "e_phnum PN_XNUM");
        s = good, s.phnum_field = 4097, s.size = 4 * 1024 * 1024;
        expect_error(&s, -ENOEXEC, "e_phnum above 4096");
        s = good, s.phnum_field = 4096, s.size = 4 * 1024 * 1024;
        expect_library(&s, "libfoo.so.1", "e_phnum 4096");
        s = good, s.phnum_field = 40;
        expect_error(&s, -ENOEXEC, "program headers running past the end of the file");
        s = good, s.phentsize_field = sizeof(Elf64_Phdr) + 8;
        expect_error(&s, -ENOEXEC, "e_phentsize not sizeof(Elf64_Phdr)");
        s = good, s.elf_class = ELFCLASS32, s.phentsize_field = sizeof(Elf64_Phdr);
        expect_error(&s, -ENOEXEC, "e_phentsize not sizeof(Elf32_Phdr)");

        /* The dynamic section. */
        s = good, s.no_dynamic = true;
        expect_error(&s, -ENOEXEC, "no PT_DYNAMIC");
        s = good, s.two_dynamic = true;
        expect_error(&s, -ENOEXEC, "two PT_DYNAMIC");
        s = good, s.dyn_offset_field = 1024 * 1024;
        expect_error(&s, -ENOEXEC, "PT_DYNAMIC beyond the file");
        s = good, s.dyn_filesz_field = 0x10000;
        expect_error(&s, -ENOEXEC, "PT_DYNAMIC running past the end of the file");
        s = good, s.dyn_offset_field = UINT64_MAX - 16;
        expect_error(&s, -ENOEXEC, "PT_DYNAMIC's end wraps");
        s = good, s.dyn_filesz_field = sizeof(Elf64_Dyn) - 1;
        expect_error(&s, -ENOEXEC, "PT_DYNAMIC smaller than one entry");
        s = good, s.stroff = 1024 * 1024 + 0x300, s.dyn_padding = 1024 * 1024 - 5 * sizeof(Elf64_Dyn);
        expect_error(&s, -ENOEXEC, "a dynamic section of 1 MiB and one entry");
        s = good, s.no_null = true;
        expect_error(&s, -ENOEXEC, "no DT_NULL");
        s = good, s.two_sonames = true;
        expect_error(&s, -ENOEXEC, "two DT_SONAME");

        /* The string table and the soname. */
        s = good, s.strtab_field = 0x900000;
        expect_error(&s, -ENOEXEC, "DT_STRTAB outside every PT_LOAD");
        s = good, s.strtab_field = 0x300;
        expect_error(&s, -ENOEXEC, "DT_STRTAB written as a file offset, not an address");
        s = good, s.note_vaddr = 0x9000, s.strtab_field = 0x9000;
        expect_error(&s, -ENOEXEC, "DT_STRTAB in a PT_NOTE only");
        /* The soname's offset taken as an address would find "libfoo.so.1" in the first PT_LOAD. */
        s = good, s.no_strtab = true, s.strsz_field = -1, s.load0_filesz_field = 0x400,
        s.soname_field = 0x301;
        expect_error(&s, -ENOEXEC, "DT_SONAME without DT_STRTAB");
        s = good, s.strsz_field = 1;
        expect_error(&s, -ENOEXEC, "the soname's offset at DT_STRSZ");
        s = good, s.soname_field = 100;
        expect_error(&s, -ENOEXEC, "the soname's offset beyond DT_STRSZ and the segment");
        s = good, s.strsz_field = 1, s.soname_field = 2;
        expect_error(&s, -ENOEXEC, "the soname's offset beyond DT_STRSZ, a valid name there");
        s = good, s.strsz_field = -1, s.load_filesz_field = 1, s.soname_field = 2;
        expect_error(&s, -ENOEXEC, "the soname starting past its PT_LOAD's p_filesz, a valid name there");
        s = good, s.strsz_field = -1, s.load_offset_field = (uint64_t)INT64_MAX + 1;
        expect_error(&s, -ENOEXEC, "a string table past the end of the file and of off_t");
        s = good, s.strsz_field = 6;
        expect_error(&s, -ENOEXEC, "the soname not ending within DT_STRSZ");
        s = good, s.strsz_field = -1, s.soname_field = UINT64_MAX;
        expect_error(&s, -ENOEXEC, "DT_STRTAB + DT_SONAME wraps");
        s = good, s.strsz_field = -1, s.load_filesz_field = 6;
        expect_error(&s, -ENOEXEC, "the soname running past its PT_LOAD's p_filesz");
        /* Without the check, the offset would wrap around to the soname's real place. */
        s = good, s.strsz_field = -1, s.load_offset_field = UINT64_MAX - 0x100, s.load_filesz_field = 0x1000,
        s.soname_field = 0x402;
        expect_error(&s, -ENOEXEC, "a PT_LOAD whose end wraps");
        s = good, s.strsz_field = -1, s.size = 0x300 + 1 + strlen("libfoo.so.1");
        expect_error(&s, -ENOEXEC, "the soname without NUL before the end of the file");

        const char *const bad_names[] = {
                "", ".", "..", "lib/foo.so.1", "../libc.so.6", "lib\nfoo.so", "lib\tx", "lib\177x"
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                char what[64];
                snprintf(what, sizeof(what), "soname \"%s\"", bad_names[i]);
                for (char *c = what; *c; c++)
                        if ((unsigned char)*c < 0x20 || *c == 0x7f)
                                *c = '?';
                s = good, s.soname = bad_names[i];
                expect_error(&s, -ENOEXEC, what);
        }
        char name[NAME_MAX + 2];
        memset(name, 'a', sizeof(name));
        name[NAME_MAX + 1] = 0;
        s = good, s.soname = name;
        expect_error(&s, -ENOEXEC, "a soname of NAME_MAX + 1 bytes");
}

static void expect_fd_error(int fd, int error, const char *what)
{
        struct oih_elf_library l = marker;
        int r = oih_elf_library_read(fd, -1, &l);
        check_error(r, &l, error, what);
}

static void test_not_files(void)
{
        _cleanup_free_ char *fifo = NULL, *plain = NULL;

        if (asprintf(&fifo, "%s/fifo", dir) < 0 || asprintf(&plain, "%s/plain.so", dir) < 0)
                tap_bail("asprintf");
        if (mkfifo(fifo, 0600) < 0)
                tap_bail("mkfifo");
        {
                _cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        tap_bail(fifo);
                expect_fd_error(fd, -ENOEXEC, "a FIFO");
        }
        {
                _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        tap_bail(dir);
                expect_fd_error(fd, -ENOEXEC, "a folder");
        }
        {
                _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        tap_bail("/dev/null");
                expect_fd_error(fd, -ENOEXEC, "a character device");
        }

        size_t size;
        _cleanup_free_ uint8_t *buf = build(
                &(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .soname = "libfoo.so.1" },
                &size);
        write_bytes(plain, buf, size);
        {
                _cleanup_close_ int fd = open(plain, O_PATH | O_CLOEXEC);
                if (fd < 0)
                        tap_bail(plain);
                expect_fd_error(fd, -EBADF, "an O_PATH fd: the failed read's errno");
        }
        expect_fd_error(-1, -EBADF, "no fd");
}

/* The host's e_machine, from this program's own header (it runs here, so it is the host's). */
static uint16_t own_header(uint16_t *ret_type)
{
        uint8_t h[sizeof(Elf64_Ehdr)];
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
                tap_bail("/proc/self/exe");
        /* e_type and e_machine are at the same place in both classes. */
        uint16_t type, machine;
        memcpy(&type, h + offsetof(Elf64_Ehdr, e_type), sizeof(type));
        memcpy(&machine, h + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
        *ret_type = type;
        return machine;
}

/* The path of the C library this program runs with, from its mappings. */
static char *mapped_libc(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
        _cleanup_free_ char *line = NULL;
        size_t n = 0;

        if (!f)
                tap_bail("/proc/self/maps");
        while (getline(&line, &n, f) > 0) {
                char *p = strchr(line, '/');
                if (!p)
                        continue;
                p[strcspn(p, "\n")] = 0;
                if (endswith(p, "/libc.so.6"))
                        return strdup(p);
        }
        return NULL;
}

static void test_real(void)
{
        uint16_t own_type, machine = own_header(&own_type);
        struct oih_elf_library l = {};
        int r;

#if defined(__x86_64__)
        is_int(machine, EM_X86_64, "this program is an x86-64 ELF file");
#elif defined(__aarch64__)
        is_int(machine, EM_AARCH64, "this program is an AArch64 ELF file");
#endif

        const char *libinjtest = getenv("OIH_TEST_LIBINJTEST");
        if (!libinjtest)
                ok(false, "the test needs OIH_TEST_LIBINJTEST (meson test sets it)");
        else {
                r = read_path(libinjtest, &l);
                check_library(r, &l, "libinjtest.so.1", machine, HOST_CLASS,
                              "tests/helpers' libinjtest.so.1.2.3");
        }

        /* A PIE program is ET_DYN with a PT_DYNAMIC, and has no soname: it passes for a library. */
        if (own_type == ET_DYN) {
                r = read_path("/proc/self/exe", &l);
                check_library(r, &l, NULL, machine, HOST_CLASS, "this program, a PIE (ET_DYN)");
        } else {
                l = marker;
                r = read_path("/proc/self/exe", &l);
                check_error(r, &l, -ENOEXEC, "this program, not a PIE (ET_EXEC)");
        }

#ifdef __GLIBC__
        _cleanup_free_ char *libc = mapped_libc();
        ok(libc, "the C library is mapped: %s", libc ?: "not found");
        if (libc) {
                r = read_path(libc, &l);
                check_library(r, &l, "libc.so.6", machine, HOST_CLASS, "the C library");
        }

        /* glibc's gconv modules are loaded with dlopen() by path and have no soname: a real library
         * without one, on any host with glibc's locales support. */
        glob_t g = {};
        if (glob("/usr/lib*/*/gconv/UTF-16.so", 0, NULL, &g) == 0 ||
            glob("/usr/lib*/gconv/UTF-16.so", 0, NULL, &g) == 0) {
                r = read_path(g.gl_pathv[0], &l);
                check_library(r, &l, NULL, machine, HOST_CLASS, "a gconv module, built without soname");
        } else
                printf("# no gconv module on this host: the crafted objects without soname stand alone\n");
        globfree(&g);
#endif
}

/* oih_elf_program_is_static() on a crafted file: 0 with the answer, or the error with *ret untouched. */
static void expect_program(const struct spec *s, int error, bool is_static, const char *what)
{
        _cleanup_free_ char *path = NULL;
        size_t size;
        _cleanup_free_ uint8_t *buf = build(s, &size);

        if (asprintf(&path, "%s/program%u", dir, files++) < 0)
                tap_bail("asprintf");
        write_bytes(path, buf, size);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                tap_bail(path);
        bool got = !is_static; /* a value a success must overwrite */
        int r = oih_elf_program_is_static(fd, &got);
        is_int(r, error, "%s: %s", what, error ? strerror(-error) : "read");
        if (error == 0)
                ok(got == is_static, "%s: %s", what, is_static ? "static" : "dynamically linked");
        else
                ok(got == !is_static, "%s: nothing returned", what);
}

static void test_programs(void)
{
        expect_program(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .type = ET_EXEC }, 0,
                       true, "a 64-bit ET_EXEC without PT_INTERP");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .type = ET_EXEC,
                                       .soname = "/lib64/ld-linux-x86-64.so.2",
                                       .interp = true },
                       0, false, "a 64-bit ET_EXEC with PT_INTERP");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .interp = true }, 0,
                       false, "a PIE (ET_DYN) with PT_INTERP");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64 }, 0, true,
                       "a static PIE (ET_DYN without PT_INTERP)");
        expect_program(
                &(struct spec){
                        .elf_class = ELFCLASS32, .machine = EM_386, .type = ET_EXEC, .interp = true },
                0, false, "a 32-bit ET_EXEC with PT_INTERP");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64, .machine = EM_X86_64, .type = ET_REL },
                       -ENOEXEC, true, "an object file (ET_REL)");
        expect_program(
                &(struct spec){
                        .elf_class = ELFCLASS64, .machine = EM_X86_64, .type = ET_EXEC, .magic = "\177ELG" },
                -ENOEXEC, true, "a broken magic");
        expect_program(
                &(struct spec){
                        .elf_class = ELFCLASS64, .machine = EM_X86_64, .type = ET_EXEC, .data = DATA_OTHER },
                -ENOEXEC, true, "the other byte order");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .type = ET_EXEC,
                                       .phoff_field = 0x7fffffff },
                       -ENOEXEC, true, "program headers past the end of the file");
        expect_program(&(struct spec){ .elf_class = ELFCLASS64,
                                       .machine = EM_X86_64,
                                       .type = ET_EXEC,
                                       .phentsize_field = 4 },
                       -ENOEXEC, true, "program headers of the wrong size");

        _cleanup_free_ char *script = NULL;
        if (asprintf(&script, "%s/script", dir) < 0)
                tap_bail("asprintf");
        static const char text[] = "#!/bin/sh\nexec /sbin/ldconfig.real \"$@\"\n";
        write_bytes(script, text, strlen(text));
        _cleanup_close_ int fd = open(script, O_RDONLY | O_CLOEXEC);
        bool got = false;
        is_int(oih_elf_program_is_static(fd, &got), -ENOEXEC, "a script is no ELF program");

        /* This program is linked dynamically (meson links tests against the C library's ld.so). */
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        got = true;
        is_int(oih_elf_program_is_static(self, &got), 0, "this program is read");
        ok(!got, "this program is dynamically linked");

        /* glibc's ldconfig is linked statically: the one the hook runs in a container's root. */
        static const char *const ldconfigs[] = { "/sbin/ldconfig.real", "/sbin/ldconfig",
                                                 "/usr/sbin/ldconfig" };
        bool found = false;
        for (size_t i = 0; i < ELEMENTSOF(ldconfigs) && !found; i++) {
                _cleanup_close_ int lfd = open(ldconfigs[i], O_RDONLY | O_CLOEXEC);
                if (lfd < 0)
                        continue;
                int r = oih_elf_program_is_static(lfd, &got);
                if (r == -ENOEXEC)
                        continue; /* a wrapper script */
                is_int(r, 0, "the host's ldconfig %s is read", ldconfigs[i]);
                ok(got, "the host's ldconfig %s is static", ldconfigs[i]);
                found = true;
        }
        ok(found, "the host has glibc's ldconfig (Debian's libc-bin, always installed)");
}

int main(void)
{
        dir = tmpdir_new();

        test_crafted_valid();
        test_crafted_broken();
        test_not_files();
        test_real();
        test_programs();
        ok(reads > 0, "the files were read (%u reads)", reads);
        is_int(offset_moved, 0, "the file offset is never used (%u of %u reads moved it)", offset_moved,
               reads);
        is_int(sized_differs, 0, "each file read with its size given reads the same (%u of %u differ)",
               sized_differs, reads);

        tmpdir_remove(dir);
        return tap_finish();
}
