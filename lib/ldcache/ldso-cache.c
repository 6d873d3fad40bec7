/* SPDX-License-Identifier: Apache-2.0 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ldso-cache.h"
#include "util.h"

#define MAGIC_NEW       "glibc-ld.so.cache1.1"
#define MAGIC_OLD       "ld.so-1.7.0"
#define EXTENSION_MAGIC 0xeaa42174u

enum {
        HEADER_SIZE = 48,
        ENTRY_SIZE = 24,
        OLD_HEADER_SIZE = 16, /* magic, padding, nlibs */
        OLD_ENTRY_SIZE = 12,
        EXTENSION_HEADER_SIZE = 8, /* magic, count */
        SECTION_SIZE = 16,         /* tag, flags, offset, size */
        MAX_SECTIONS = 16,

        /* Header fields. */
        H_NLIBS = 20,
        H_LEN_STRINGS = 24,
        H_FLAGS = 28,
        H_EXTENSION = 32,

        /* Entry fields. */
        E_FLAGS = 0,
        E_KEY = 4,
        E_VALUE = 8,

        TAG_GENERATOR = 0,
        TAG_GLIBC_HWCAPS = 1,

        ENDIAN_UNSET = 0,
        ENDIAN_LITTLE = 2,
        ENDIAN_BIG = 3,

        /* ld.so's flags: FLAG_ELF_LIBC6 and the x86-64 ABI. */
        FLAGS_X86_64_LIBC6 = 0x0303,
};

static uint32_t get32(const uint8_t *p)
{
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
}

static void put32(uint8_t *p, uint32_t v)
{
        memcpy(p, &v, sizeof(v));
}

/* n rounded up to a multiple of a power of two. */
static size_t align_to(size_t n, size_t a)
{
        return (n + a - 1) & ~(a - 1);
}

/* "/usr/lib/libfoo.so.1" ends with the name "libfoo.so.1". */
static bool path_ends_with_name(const char *path, const char *name)
{
        size_t pl = strlen(path), nl = strlen(name);
        return pl > nl && path[pl - nl - 1] == '/' && streq(path + pl - nl, name);
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

int oih_ldso_libcmp(const char *a, const char *b)
{
        while (*a) {
                if (is_digit(*a) && is_digit(*b)) {
                        /* Numbers saturate instead of overflowing: only absurd names tell the difference. */
                        uint64_t x = 0, y = 0;
                        for (; is_digit(*a); a++)
                                x = x > (UINT64_MAX - 9) / 10 ? UINT64_MAX : x * 10 + (uint64_t)(*a - '0');
                        for (; is_digit(*b); b++)
                                y = y > (UINT64_MAX - 9) / 10 ? UINT64_MAX : y * 10 + (uint64_t)(*b - '0');
                        if (x != y)
                                return x < y ? -1 : 1;
                } else if (is_digit(*a))
                        return 1;
                else if (is_digit(*b))
                        return -1;
                else if (*a != *b)
                        /* Plain char, as ld.so compares on this machine. */
                        return *a - *b;
                else
                        a++, b++;
        }
        return *a - *b;
}

int oih_ldso_cache_flags(uint16_t machine, uint8_t elf_class, int32_t *ret)
{
        /* Only what was checked against this glibc's ldconfig; anything else is ldconfig's to do. */
        if (machine == EM_X86_64 && elf_class == ELFCLASS64) {
                *ret = FLAGS_X86_64_LIBC6;
                return 0;
        }
        return -EOPNOTSUPP;
}

bool oih_ldso_cache_name_ok(const char *name)
{
        return (strncmp(name, "lib", 3) == 0 || strncmp(name, "ld-", 3) == 0) && strstr(name, ".so");
}

/* The parts of a cache file, checked. Offsets are from `base`, the new-format header. */
struct cache {
        const uint8_t *base;
        size_t size;
        uint32_t nlibs;
        size_t strings, tail; /* the strings: [strings, tail); the extension, if any: [tail, size) */
};

static bool string_ok(const struct cache *c, uint32_t off)
{
        return off >= c->strings && off < c->tail && memchr(c->base + off, 0, c->tail - off);
}

static int parse_extension(struct cache *c, uint32_t ext)
{
        if (ext < c->strings || ext % 4 != 0 || ext > c->size || c->size - ext < EXTENSION_HEADER_SIZE ||
            get32(c->base + ext) != EXTENSION_MAGIC)
                return -EPROTONOSUPPORT;
        uint32_t count = get32(c->base + ext + 4);
        size_t table_end = ext + EXTENSION_HEADER_SIZE;
        /* glibc writes two sections (the generator, the glibc-hwcaps subfolders). */
        if (count > MAX_SECTIONS || count > (c->size - table_end) / SECTION_SIZE)
                return -EPROTONOSUPPORT;
        table_end += (size_t)count * SECTION_SIZE;
        c->tail = ext;

        bool hwcaps = false;
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *s = c->base + ext + EXTENSION_HEADER_SIZE + (size_t)i * SECTION_SIZE;
                uint32_t tag = get32(s), off = get32(s + 8), size = get32(s + 12);
                /* Sections lie after the table: moving the extension as a block keeps them whole. */
                if (off < table_end || off > c->size || size > c->size - off)
                        return -EPROTONOSUPPORT;
                /* Each byte belongs to one section at most: the glibc-hwcaps offsets are relocated in
                 * place, and a byte that two sections share would be relocated twice, or a generator's
                 * text changed. */
                for (uint32_t k = 0; k < i; k++) {
                        const uint8_t *o = c->base + ext + EXTENSION_HEADER_SIZE + (size_t)k * SECTION_SIZE;
                        uint32_t o_off = get32(o + 8), o_size = get32(o + 12);
                        if (off < (uint64_t)o_off + o_size && o_off < (uint64_t)off + size)
                                return -EPROTONOSUPPORT;
                }
                if (tag == TAG_GENERATOR)
                        continue;
                if (tag != TAG_GLIBC_HWCAPS || off % 4 != 0 || size % 4 != 0)
                        return -EPROTONOSUPPORT; /* a section that may hold offsets this code cannot fix */
                /* ldconfig writes one glibc-hwcaps section: two are a file that no ldconfig wrote. */
                if (hwcaps)
                        return -EPROTONOSUPPORT;
                hwcaps = true;
                for (uint32_t k = 0; k < size; k += 4)
                        if (!string_ok(c, get32(c->base + off + k)))
                                return -EPROTONOSUPPORT;
        }
        return 0;
}

static int parse(const uint8_t *data, size_t len, struct cache *ret)
{
        struct cache c = { .base = data, .size = len };

        /* glibc < 2.32: the old format first, then the new one, aligned; only the new part is kept. */
        if (len >= OLD_HEADER_SIZE && memcmp(data, MAGIC_OLD, strlen(MAGIC_OLD)) == 0) {
                uint32_t n = get32(data + 12);
                if (n > (len - OLD_HEADER_SIZE) / OLD_ENTRY_SIZE)
                        return -EPROTONOSUPPORT;
                size_t off = align_to(OLD_HEADER_SIZE + (size_t)n * OLD_ENTRY_SIZE, 8);
                if (off > len)
                        return -EPROTONOSUPPORT;
                c.base += off;
                c.size -= off;
        }
        if (c.size < HEADER_SIZE || memcmp(c.base, MAGIC_NEW, strlen(MAGIC_NEW)) != 0)
                return -EPROTONOSUPPORT;
        uint8_t endian = c.base[H_FLAGS];
        bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
        if (endian != ENDIAN_UNSET && endian != (little ? ENDIAN_LITTLE : ENDIAN_BIG))
                return -EPROTONOSUPPORT;
        if (c.size > UINT32_MAX)
                return -EPROTONOSUPPORT;

        c.nlibs = get32(c.base + H_NLIBS);
        if (c.nlibs > (c.size - HEADER_SIZE) / ENTRY_SIZE)
                return -EPROTONOSUPPORT;
        c.strings = HEADER_SIZE + (size_t)c.nlibs * ENTRY_SIZE;
        c.tail = c.size;

        uint32_t ext = get32(c.base + H_EXTENSION);
        if (ext != 0) {
                int r = parse_extension(&c, ext);
                if (r < 0)
                        return r;
        }
        for (uint32_t i = 0; i < c.nlibs; i++) {
                const uint8_t *e = c.base + HEADER_SIZE + (size_t)i * ENTRY_SIZE;
                if (!string_ok(&c, get32(e + E_KEY)) || !string_ok(&c, get32(e + E_VALUE)))
                        return -EPROTONOSUPPORT;
        }
        *ret = c;
        return 0;
}

static const uint8_t *entry_at(const struct cache *c, size_t i)
{
        return c->base + HEADER_SIZE + i * ENTRY_SIZE;
}

static const char *old_key(const struct cache *c, size_t i)
{
        return (const char *)c->base + get32(entry_at(c, i) + E_KEY);
}

static const char *old_value(const struct cache *c, size_t i)
{
        return (const char *)c->base + get32(entry_at(c, i) + E_VALUE);
}

/* The new entries, in cache order: sonames descending, and in the caller's order among equals. */
struct added {
        const struct oih_ldso_cache_entry *e;
        size_t index;
        uint32_t key, value; /* offsets in the new file */
        bool present;        /* the old file has it already */
};

static int added_cmp(const void *a, const void *b)
{
        const struct added *x = a, *y = b;
        int r = oih_ldso_libcmp(y->e->soname, x->e->soname);
        if (r != 0)
                return r;
        return x->index < y->index ? -1 : x->index > y->index;
}

/* Old entry o is one of the new ones again (same soname, path and flags): returns that one, or NULL. A
 * binary search in a's order, then along the entries whose soname ld.so takes for o's. */
static struct added *replaced(struct added *a, size_t n, const char *key, const char *value,
                              const uint8_t *o)
{
        size_t lo = 0, hi = n;
        int32_t flags;

        memcpy(&flags, o + E_FLAGS, sizeof(flags));
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = oih_ldso_libcmp(a[mid].e->soname, key);
                if (c > 0)
                        lo = mid + 1;
                else if (c < 0)
                        hi = mid;
                else {
                        lo = mid;
                        break;
                }
        }
        while (lo > 0 && oih_ldso_libcmp(a[lo - 1].e->soname, key) == 0)
                lo--;
        for (size_t k = lo; k < n && oih_ldso_libcmp(a[k].e->soname, key) == 0; k++)
                if (streq(a[k].e->soname, key) && streq(a[k].e->path, value) && a[k].e->flags == flags)
                        return &a[k];
        return NULL;
}

static void put_entry(uint8_t *p, int32_t flags, uint32_t key, uint32_t value, const uint8_t *rest)
{
        memcpy(p + E_FLAGS, &flags, sizeof(flags));
        put32(p + E_KEY, key);
        put32(p + E_VALUE, value);
        if (rest)
                memcpy(p + 12, rest, ENTRY_SIZE - 12); /* osversion and hwcap, as they were */
        else
                memset(p + 12, 0, ENTRY_SIZE - 12);
}

/* The bytes an added entry's strings take: the path, and the soname unless it is the path's tail. */
static size_t added_strings_size(const struct oih_ldso_cache_entry *e)
{
        return strlen(e->path) + 1 + (path_ends_with_name(e->path, e->soname) ? 0 : strlen(e->soname) + 1);
}

/*
 * The entries of `add` in cache order, each soname and path once (the first given), and the bytes their
 * strings take. -EINVAL for an entry without soname or path.
 */
static int collect_added(const struct oih_ldso_cache_entry *add, size_t n_add, struct added **ret,
                         size_t *ret_n, size_t *ret_strings)
{
        _cleanup_free_ struct added *a = calloc(n_add ?: 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n_add; i++) {
                if (!add[i].soname || !add[i].path || !*add[i].soname || !*add[i].path)
                        return -EINVAL;
                a[i] = (struct added){ .e = &add[i], .index = i };
        }
        qsort(a, n_add, sizeof(*a), added_cmp);

        /* Sorted, the entries of one soname are next to each other, in the caller's order. */
        size_t n = 0, strings = 0, run = 0; /* run: where the kept entries of the current soname start */
        for (size_t i = 0; i < n_add; i++) {
                if (n == 0 || oih_ldso_libcmp(a[n - 1].e->soname, a[i].e->soname) != 0)
                        run = n;
                bool again = false;
                for (size_t k = run; k < n && !again; k++)
                        again = streq(a[k].e->soname, a[i].e->soname) && streq(a[k].e->path, a[i].e->path);
                if (again)
                        continue;
                a[n++] = a[i];
                strings += added_strings_size(a[i].e);
        }
        *ret = TAKE_PTR(a);
        *ret_n = n;
        *ret_strings = strings;
        return 0;
}

/*
 * Marks in `dropped` the old entries that an added one replaces (same soname, path and flags), and as
 * `present` the added ones that the old file has where ld.so finds them: before any other entry of the
 * image's with that soname. Returns how many old entries stay.
 */
static size_t mark_replaced(const struct cache *c, struct added *a, size_t n, bool *dropped,
                            size_t *ret_present)
{
        size_t kept = 0, present = 0;
        bool first = true; /* no old entry of the image's comes before this one with its soname */

        for (size_t i = 0; i < c->nlibs; i++) {
                const char *key = old_key(c, i);
                if (i > 0 && oih_ldso_libcmp(old_key(c, i - 1), key) != 0)
                        first = true;
                struct added *same = replaced(a, n, key, old_value(c, i), entry_at(c, i));
                dropped[i] = same;
                if (!same) {
                        kept++;
                        first = false;
                } else if (!same->present && first) {
                        same->present = true;
                        present++;
                }
        }
        *ret_present = present;
        return kept;
}

/* Where the parts of the merged file go. */
struct layout {
        size_t strings;       /* the old strings, after the header and every entry */
        size_t added_strings; /* the new strings, after the old ones */
        size_t tail;          /* the extension, after the new strings and padding */
        size_t size;
        uint32_t shift, ext_shift; /* how far the old strings and the extension move */
};

static int lay_out(const struct cache *c, size_t entries, size_t added_strings, struct layout *ret)
{
        size_t pad = align_to(added_strings, 8) - added_strings;
        struct layout l = { .strings = HEADER_SIZE + entries * ENTRY_SIZE };

        l.added_strings = l.strings + (c->tail - c->strings);
        l.tail = l.added_strings + added_strings + pad;
        l.size = l.tail + (c->size - c->tail);
        if (entries > UINT32_MAX || l.size > UINT32_MAX)
                return -EPROTONOSUPPORT;
        l.shift = (uint32_t)(l.strings - c->strings);
        l.ext_shift = (uint32_t)(l.tail - c->tail);
        *ret = l;
        return 0;
}

/* The new strings at `at`: the path, and the soname as its tail when it is one (ldconfig does the same). */
static void write_added_strings(uint8_t *out, size_t at, struct added *a, size_t n)
{
        for (size_t k = 0; k < n; k++) {
                size_t pl = strlen(a[k].e->path), sl = strlen(a[k].e->soname);
                a[k].value = (uint32_t)at;
                memcpy(out + at, a[k].e->path, pl + 1);
                at += pl + 1;
                if (path_ends_with_name(a[k].e->path, a[k].e->soname))
                        a[k].key = (uint32_t)(a[k].value + pl - sl);
                else {
                        a[k].key = (uint32_t)at;
                        memcpy(out + at, a[k].e->soname, sl + 1);
                        at += sl + 1;
                }
        }
}

/* The entries in cache order: each added one before the old ones of its soname. */
static void write_entries(uint8_t *out, const struct cache *c, const bool *dropped, uint32_t shift,
                          const struct added *a, size_t n)
{
        uint8_t *e = out + HEADER_SIZE;
        size_t j = 0;

        for (uint32_t i = 0; i < c->nlibs; i++) {
                const uint8_t *o = entry_at(c, i);
                const char *key = old_key(c, i);
                for (; j < n && oih_ldso_libcmp(a[j].e->soname, key) >= 0; j++, e += ENTRY_SIZE)
                        put_entry(e, a[j].e->flags, a[j].key, a[j].value, NULL);
                if (dropped[i])
                        continue;
                int32_t flags;
                memcpy(&flags, o + E_FLAGS, sizeof(flags));
                put_entry(e, flags, get32(o + E_KEY) + shift, get32(o + E_VALUE) + shift, o + 12);
                e += ENTRY_SIZE;
        }
        for (; j < n; j++, e += ENTRY_SIZE)
                put_entry(e, a[j].e->flags, a[j].key, a[j].value, NULL);
}

/* The extension, copied to l->tail: its sections move with it, the glibc-hwcaps string offsets with the
 * old strings. */
static void relocate_extension(uint8_t *out, const struct cache *c, const struct layout *l)
{
        uint32_t ext = get32(c->base + H_EXTENSION);
        if (ext == 0)
                return;

        uint8_t *x = out + l->tail;
        put32(out + H_EXTENSION, ext + l->ext_shift);
        for (uint32_t i = 0, count = get32(x + 4); i < count; i++) {
                uint8_t *s = x + EXTENSION_HEADER_SIZE + (size_t)i * SECTION_SIZE;
                uint32_t off = get32(s + 8) + l->ext_shift, sz = get32(s + 12);
                put32(s + 8, off);
                if (get32(s) == TAG_GLIBC_HWCAPS)
                        for (uint32_t k = 0; k < sz; k += 4)
                                put32(out + off + k, get32(out + off + k) + l->shift);
        }
}

int oih_ldso_cache_merge(const void *old, size_t len, const struct oih_ldso_cache_entry *add, size_t n_add,
                         void **ret, size_t *ret_len)
{
        _cleanup_free_ struct added *a = NULL;
        size_t n, added_strings, present;
        struct layout l;
        struct cache c;

        int r = parse(old, len, &c);
        if (r < 0)
                return r;
        r = collect_added(add, n_add, &a, &n, &added_strings);
        if (r < 0)
                return r;

        _cleanup_free_ bool *dropped = calloc(c.nlibs ?: 1, sizeof(*dropped));
        if (!dropped)
                return -ENOMEM;
        size_t kept = mark_replaced(&c, a, n, dropped, &present);
        /* Everything is there already (a second run of the hook): nothing to write. */
        if (present == n) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }

        r = lay_out(&c, kept + n, added_strings, &l);
        if (r < 0)
                return r;
        _cleanup_free_ uint8_t *out = calloc(1, l.size);
        if (!out)
                return -ENOMEM;

        memcpy(out, c.base, HEADER_SIZE);
        memcpy(out + l.strings, c.base + c.strings, c.tail - c.strings);
        memcpy(out + l.tail, c.base + c.tail, c.size - c.tail);
        write_added_strings(out, l.added_strings, a, n);
        write_entries(out, &c, dropped, l.shift, a, n);
        put32(out + H_NLIBS, (uint32_t)(kept + n));
        put32(out + H_LEN_STRINGS, get32(c.base + H_LEN_STRINGS) + (uint32_t)(l.tail - l.added_strings));
        relocate_extension(out, &c, &l);

        *ret = TAKE_PTR(out);
        *ret_len = l.size;
        return 0;
}

int oih_ldso_cache_host_flags(int32_t *ret)
{
#if defined(__x86_64__) && !defined(__ILP32__)
        *ret = FLAGS_X86_64_LIBC6;
        return 0;
#elif defined(__aarch64__) && !defined(__ILP32__)
        *ret = 0x0a03; /* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */
        return 0;
#else
        (void)ret;
        return -EOPNOTSUPP;
#endif
}

int oih_ldso_cache_lookup(const void *data, size_t len, const char *soname, int32_t flags, char **ret)
{
        /* The hwcap field of an entry: 0 for a library outside any glibc-hwcaps (or legacy hwcap) folder. */
        enum { E_HWCAP = 16 };
        const char *found = NULL;
        struct cache c;

        int r = parse(data, len, &c);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < c.nlibs; i++) {
                const uint8_t *e = entry_at(&c, i);
                int32_t f;
                uint64_t hwcap;
                memcpy(&f, e + E_FLAGS, sizeof(f));
                memcpy(&hwcap, e + E_HWCAP, sizeof(hwcap));
                if (f != flags || !streq(old_key(&c, i), soname))
                        continue;
                /* The baseline build runs on every CPU the host's ld.so may meet; a hwcaps build only
                 * where it was found. */
                if (hwcap == 0) {
                        found = old_value(&c, i);
                        break;
                }
                if (!found)
                        found = old_value(&c, i);
        }
        if (!found)
                return -ENOENT;
        char *copy = strdup(found);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
