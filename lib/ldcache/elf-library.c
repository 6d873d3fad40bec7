/* SPDX-License-Identifier: Apache-2.0 */
#include <elf.h>
#include <limits.h>
#include <sys/stat.h>

#include "elf-library.h"
#include "macro.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ELFDATA_NATIVE ELFDATA2LSB
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ELFDATA_NATIVE ELFDATA2MSB
#else
#error "unknown byte order"
#endif

/* The first read: the ELF header and, in every library a linker made, the program headers after it. */
#define HEAD_SIZE 4096
/* Far more than any linker writes (a few dozen program headers, a few hundred dynamic entries). */
#define MAX_PHNUM        4096
#define MAX_DYNAMIC_SIZE (1024 * 1024)

/* The fields this file uses, whatever the class. */
struct phdr {
        uint32_t type;
        uint64_t offset, vaddr, filesz;
};

struct elf_file {
        int fd;
        uint64_t size;
        uint8_t elf_class;
        const uint8_t *head; /* the first head_len bytes of the file */
        size_t head_len;
};

/* [off, off + len) lies within [0, size), without overflowing. */
static bool range_in(uint64_t off, uint64_t len, uint64_t size)
{
        return off <= size && len <= size - off;
}

/* Reads exactly len bytes at off. The file ending early means it shrank after its size was taken: -ENOEXEC.
 */
static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pread(fd, p, len, (off_t)off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -ENOEXEC;
                p += n, len -= (size_t)n, off += (uint64_t)n;
        }
        return 0;
}

/*
 * Points *ret at the len bytes at off, in the first read when they are in it, else read into a new
 * buffer that *ret_buf owns. The caller has checked the range against the file's size.
 */
static int get_range(const struct elf_file *f, uint64_t off, size_t len, uint8_t **ret_buf,
                     const uint8_t **ret)
{
        if (range_in(off, len, f->head_len)) {
                *ret_buf = NULL;
                *ret = f->head + off;
                return 0;
        }

        _cleanup_free_ uint8_t *buf = malloc(len > 0 ? len : 1);
        if (!buf)
                return -ENOMEM;
        int r = pread_full(f->fd, buf, len, off);
        if (r < 0)
                return r;
        *ret = buf;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

static size_t phdr_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

static size_t dyn_size(uint8_t elf_class)
{
        return elf_class == ELFCLASS64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
}

/* Entries are copied out: nothing in the file promises alignment. */
static void get_phdr(uint8_t elf_class, const uint8_t *p, struct phdr *ret)
{
        if (elf_class == ELFCLASS64) {
                Elf64_Phdr ph;
                memcpy(&ph, p, sizeof(ph));
                *ret = (struct phdr){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_filesz };
        } else {
                Elf32_Phdr ph;
                memcpy(&ph, p, sizeof(ph));
                *ret = (struct phdr){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_filesz };
        }
}

static void get_dyn(uint8_t elf_class, const uint8_t *p, int64_t *ret_tag, uint64_t *ret_val)
{
        if (elf_class == ELFCLASS64) {
                Elf64_Dyn d;
                memcpy(&d, p, sizeof(d));
                *ret_tag = d.d_tag;
                *ret_val = d.d_un.d_val;
        } else {
                Elf32_Dyn d;
                memcpy(&d, p, sizeof(d));
                *ret_tag = d.d_tag;
                *ret_val = d.d_un.d_val;
        }
}

/* Opens the regular file at fd as an ELF file: its size (size, or fstat's where it is negative), and its
 * first bytes read into head. */
static int elf_open(int fd, int64_t size, uint8_t *head, struct elf_file *ret)
{
        struct stat st;

        if (size < 0) {
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                if (!S_ISREG(st.st_mode) || st.st_size < 0)
                        return -ENOEXEC;
                size = st.st_size;
        }
        *ret = (struct elf_file){
                .fd = fd,
                .size = (uint64_t)size,
                .head = head,
                .head_len = (uint64_t)size < HEAD_SIZE ? (size_t)size : HEAD_SIZE,
        };
        return pread_full(fd, head, ret->head_len, 0);
}

/*
 * Checks the ELF header; returns where the program headers are and how many. A library is ET_DYN; a
 * program is ET_EXEC (linked at a fixed address) or ET_DYN (position independent).
 */
static int parse_header(struct elf_file *f, bool program, uint16_t *ret_machine, uint64_t *ret_phoff,
                        size_t *ret_phnum)
{
        const uint8_t *h = f->head;
        uint64_t phoff;
        uint16_t type, machine, phentsize, phnum;

        if (f->head_len < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0 || h[EI_DATA] != ELFDATA_NATIVE ||
            h[EI_VERSION] != EV_CURRENT)
                return -ENOEXEC;
        f->elf_class = h[EI_CLASS];
        if (f->elf_class == ELFCLASS64 && f->head_len >= sizeof(Elf64_Ehdr)) {
                Elf64_Ehdr eh;
                memcpy(&eh, h, sizeof(eh));
                type = eh.e_type, machine = eh.e_machine, phoff = eh.e_phoff;
                phentsize = eh.e_phentsize, phnum = eh.e_phnum;
        } else if (f->elf_class == ELFCLASS32 && f->head_len >= sizeof(Elf32_Ehdr)) {
                Elf32_Ehdr eh;
                memcpy(&eh, h, sizeof(eh));
                type = eh.e_type, machine = eh.e_machine, phoff = eh.e_phoff;
                phentsize = eh.e_phentsize, phnum = eh.e_phnum;
        } else
                return -ENOEXEC;

        /* ET_EXEC is a program linked at a fixed address, not a library. A PIE program is ET_DYN like a
         * library, and passes (without a soname, usually). e_phnum PN_XNUM (the real count kept in
         * section 0) is above the bound as well. */
        if (!(type == ET_DYN || (program && type == ET_EXEC)) || phentsize != phdr_size(f->elf_class) ||
            phnum == 0 || phnum > MAX_PHNUM || !range_in(phoff, (uint64_t)phnum * phentsize, f->size))
                return -ENOEXEC;

        *ret_machine = machine;
        *ret_phoff = phoff;
        *ret_phnum = phnum;
        return 0;
}

/* Opens fd as an ELF file (elf_open) and reads its program headers, checked: in the first read, or in a
 * buffer *ret_buf owns. */
static int read_program_headers(int fd, int64_t size, uint8_t *head, struct elf_file *f, bool program,
                                uint16_t *ret_machine, uint8_t **ret_buf, const uint8_t **ret_phdrs,
                                size_t *ret_phnum)
{
        uint64_t phoff;
        size_t phnum;

        int r = elf_open(fd, size, head, f);
        if (r < 0)
                return r;
        r = parse_header(f, program, ret_machine, &phoff, &phnum);
        if (r < 0)
                return r;
        r = get_range(f, phoff, phnum * phdr_size(f->elf_class), ret_buf, ret_phdrs);
        if (r < 0)
                return r;
        *ret_phnum = phnum;
        return 0;
}

/* The file offset of virtual address addr, through the PT_LOAD segment holding it, and how many of the
 * segment's bytes in the file follow it. */
static int vaddr_to_offset(const struct elf_file *f, const uint8_t *phdrs, size_t phnum, uint64_t addr,
                           uint64_t *ret_offset, uint64_t *ret_avail)
{
        for (size_t i = 0; i < phnum; i++) {
                struct phdr ph;
                get_phdr(f->elf_class, phdrs + i * phdr_size(f->elf_class), &ph);
                if (ph.type != PT_LOAD || addr < ph.vaddr || addr - ph.vaddr >= ph.filesz)
                        continue;
                if (ph.offset > UINT64_MAX - ph.filesz)
                        return -ENOEXEC;
                uint64_t delta = addr - ph.vaddr;
                *ret_offset = ph.offset + delta;
                *ret_avail = ph.filesz - delta;
                return 0;
        }
        return -ENOEXEC;
}

bool oih_elf_soname_is_valid(const char *s, size_t len)
{
        if (len == 0 || len > NAME_MAX || (len == 1 && s[0] == '.') ||
            (len == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '/' || c < 0x20 || c == 0x7f)
                        return false;
        }
        return true;
}

/*
 * The NUL-terminated string at offset name of the string table at strtab_addr. The table is found through
 * the PT_LOAD segment that holds its start (as ldconfig does since glibc bug 25087, for tables in a
 * segment of their own); the string must start in the file part of that segment (past p_filesz, ld.so
 * would see zeroes) and end within it, within DT_STRSZ when present, within the file and within
 * NAME_MAX + 1 bytes.
 */
static int read_soname(const struct elf_file *f, const uint8_t *phdrs, size_t phnum, uint64_t strtab_addr,
                       uint64_t strsz, bool have_strsz, uint64_t name, char **ret)
{
        uint64_t strtab_offset, avail;

        if (have_strsz && name >= strsz)
                return -ENOEXEC;
        int r = vaddr_to_offset(f, phdrs, phnum, strtab_addr, &strtab_offset, &avail);
        if (r < 0)
                return r;
        if (name >= avail)
                return -ENOEXEC;
        avail -= name;
        uint64_t offset = strtab_offset + name; /* below the segment's end, which does not wrap */
        if (offset >= f->size)
                return -ENOEXEC;

        uint64_t len = NAME_MAX + 1;
        if (avail < len)
                len = avail;
        if (have_strsz && strsz - name < len)
                len = strsz - name;
        if (f->size - offset < len)
                len = f->size - offset;

        _cleanup_free_ uint8_t *buf = NULL;
        const uint8_t *s;
        r = get_range(f, offset, (size_t)len, &buf, &s);
        if (r < 0)
                return r;
        const uint8_t *nul = memchr(s, 0, (size_t)len);
        if (!nul || !oih_elf_soname_is_valid((const char *)s, (size_t)(nul - s)))
                return -ENOEXEC;

        char *soname = strndup((const char *)s, (size_t)(nul - s));
        if (!soname)
                return -ENOMEM;
        *ret = soname;
        return 0;
}

/* The one PT_DYNAMIC, checked to lie in the file. Two would make which one counts depend on the reader. */
static int find_dynamic(const struct elf_file *f, const uint8_t *phdrs, size_t phnum, struct phdr *ret)
{
        bool found = false;

        for (size_t i = 0; i < phnum; i++) {
                struct phdr ph;
                get_phdr(f->elf_class, phdrs + i * phdr_size(f->elf_class), &ph);
                if (ph.type != PT_DYNAMIC)
                        continue;
                if (found)
                        return -ENOEXEC;
                *ret = ph;
                found = true;
        }
        if (!found || ret->filesz < dyn_size(f->elf_class) || ret->filesz > MAX_DYNAMIC_SIZE ||
            !range_in(ret->offset, ret->filesz, f->size))
                return -ENOEXEC;
        return 0;
}

/* What the dynamic section says of the soname, up to DT_NULL (ld.so reads no further). */
struct dynamic_info {
        uint64_t strtab, strsz, soname;
        bool have_strtab, have_strsz, have_soname;
};

/* Each of the tags read given twice: which one counts would depend on the reader. */
static int scan_dynamic(const struct elf_file *f, const uint8_t *dyn, size_t ndyn, struct dynamic_info *ret)
{
        struct dynamic_info d = {};

        for (size_t i = 0; i < ndyn; i++) {
                int64_t tag;
                uint64_t val;
                get_dyn(f->elf_class, dyn + i * dyn_size(f->elf_class), &tag, &val);
                switch (tag) {
                case DT_NULL:
                        *ret = d;
                        return 0;
                case DT_STRTAB:
                        if (d.have_strtab)
                                return -ENOEXEC;
                        d.strtab = val, d.have_strtab = true;
                        break;
                case DT_STRSZ:
                        if (d.have_strsz)
                                return -ENOEXEC;
                        d.strsz = val, d.have_strsz = true;
                        break;
                case DT_SONAME:
                        if (d.have_soname)
                                return -ENOEXEC;
                        d.soname = val, d.have_soname = true;
                        break;
                }
        }
        return -ENOEXEC; /* no DT_NULL */
}

int oih_elf_library_read(int fd, int64_t size, struct oih_elf_library *ret)
{
        uint8_t head[HEAD_SIZE];
        struct elf_file f;
        uint16_t machine;
        size_t phnum;

        _cleanup_free_ uint8_t *phdrs_buf = NULL;
        const uint8_t *phdrs;
        int r = read_program_headers(fd, size, head, &f, false, &machine, &phdrs_buf, &phdrs, &phnum);
        if (r < 0)
                return r;

        struct phdr dynamic = {};
        r = find_dynamic(&f, phdrs, phnum, &dynamic);
        if (r < 0)
                return r;
        _cleanup_free_ uint8_t *dyn_buf = NULL;
        const uint8_t *dyn;
        size_t ndyn = (size_t)dynamic.filesz / dyn_size(f.elf_class);
        r = get_range(&f, dynamic.offset, ndyn * dyn_size(f.elf_class), &dyn_buf, &dyn);
        if (r < 0)
                return r;
        struct dynamic_info d;
        r = scan_dynamic(&f, dyn, ndyn, &d);
        if (r < 0)
                return r;

        _cleanup_free_ char *soname = NULL;
        if (d.have_soname) {
                if (!d.have_strtab)
                        return -ENOEXEC;
                r = read_soname(&f, phdrs, phnum, d.strtab, d.strsz, d.have_strsz, d.soname, &soname);
                if (r < 0)
                        return r;
        }

        *ret = (struct oih_elf_library){
                .soname = TAKE_PTR(soname),
                .machine = machine,
                .elf_class = f.elf_class,
        };
        return 0;
}

int oih_elf_program_is_static(int fd, bool *ret)
{
        uint8_t head[HEAD_SIZE];
        struct elf_file f;
        uint16_t machine;
        size_t phnum;

        _cleanup_free_ uint8_t *phdrs_buf = NULL;
        const uint8_t *phdrs;
        int r = read_program_headers(fd, -1, head, &f, true, &machine, &phdrs_buf, &phdrs, &phnum);
        if (r < 0)
                return r;

        for (size_t i = 0; i < phnum; i++) {
                struct phdr ph;
                get_phdr(f.elf_class, phdrs + i * phdr_size(f.elf_class), &ph);
                if (ph.type == PT_INTERP) {
                        *ret = false;
                        return 0;
                }
        }
        *ret = true;
        return 0;
}

void oih_elf_library_done(struct oih_elf_library *l)
{
        if (!l)
                return;
        free(l->soname);
        l->soname = NULL;
}
