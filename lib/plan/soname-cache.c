/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file: a first line "oci-injector-hook sonames 1", then a line per library,
 * "DEV INO SIZE CTIME_SEC CTIME_NSEC FLAGS SONAME" (decimal numbers; SONAME to the end of the line, empty
 * for a library without one), in the byte order of their first five fields, the key.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "elf-library.h"
#include "log.h"
#include "soname-cache.h"
#include "util.h"

#define CACHE_FILE  "sonames"
#define CACHE_MAGIC "oci-injector-hook sonames 1\n"
/* About 60 bytes a library, a few drivers' worth; those this run did not use are dropped first. A run reads
 * the whole file (one read), and looks each library up in it by a binary search. */
#define CACHE_MAX_SIZE    (512 * 1024)
#define CACHE_MAX_ENTRIES 4096

int oih_soname_cache_init(struct oih_soname_cache *c, const char *dir)
{
        *c = (struct oih_soname_cache){};
        if (dir && !(c->dir = strdup(dir)))
                return -ENOMEM;
        return 0;
}

static void file_forget(struct oih_soname_cache *c)
{
        free(c->text);
        free(c->used);
        c->text = NULL;
        c->used = NULL;
        c->text_len = c->n_used = 0;
}

void oih_soname_cache_done(struct oih_soname_cache *c)
{
        file_forget(c);
        for (size_t i = 0; i < c->n_added; i++) {
                free(c->added[i].key);
                free(c->added[i].soname);
        }
        free(c->added);
        oih_hashmap_clear(&c->added_by_key);
        free(c->dir);
        *c = (struct oih_soname_cache){};
}

static char *key_of(const struct stat *st)
{
        char *k = NULL;
        if (asprintf(&k, "%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %ld", (uint64_t)st->st_dev,
                     (uint64_t)st->st_ino, (int64_t)st->st_size, (int64_t)st->st_ctim.tv_sec,
                     st->st_ctim.tv_nsec) < 0)
                return NULL;
        return k;
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
        int r = memcmp(a, b, alen < blen ? alen : blen);
        return r ? r : (alen > blen) - (alen < blen);
}

/* A decimal number of 1 to 20 digits (negative where allowed) and the separator after it. */
static bool number(const char **p, const char *end, char sep, bool negative_ok)
{
        const char *s = *p;
        if (negative_ok && s < end && *s == '-')
                s++;
        const char *digits = s;
        while (s < end && *s >= '0' && *s <= '9')
                s++;
        if (s == digits || s - digits > 20 || s >= end || *s != sep)
                return false;
        *p = s + 1;
        return true;
}

/* The key of a line (its first five fields): its length, or 0 when the line has no such fields. */
static size_t key_len(const char *line, size_t len)
{
        const char *p = line, *end = line + len;
        for (int field = 0; field < 5; field++)
                if (!number(&p, end, ' ', field == 3))
                        return 0;
        return (size_t)(p - 1 - line);
}

/* The rest of a line, past its key: "FLAGS SONAME", checked whole. */
static bool parse_rest(const char *line, size_t len, size_t klen, int32_t *ret_flags,
                       const char **ret_soname, size_t *ret_soname_len)
{
        const char *p = line + klen + 1, *end = line + len;
        if (!number(&p, end, ' ', true))
                return false;
        long long flags = strtoll(line + klen + 1, NULL, 10);
        if (flags < INT32_MIN || flags > INT32_MAX)
                return false;
        size_t soname_len = (size_t)(end - p);
        if (soname_len > 0 && !oih_elf_soname_is_valid(p, soname_len))
                return false;
        *ret_flags = (int32_t)flags;
        *ret_soname = p;
        *ret_soname_len = soname_len;
        return true;
}

/* The cache's folder, opened where it is a folder of this user's that nobody else can write. */
static int open_dir(const struct oih_soname_cache *c)
{
        int fd = open(c->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0022)) {
                safe_close(fd);
                return -EPERM;
        }
        return fd;
}

static int load(struct oih_soname_cache *c)
{
        _cleanup_close_ int dfd = -1, fd = -1;
        struct stat st;

        c->loaded = true;
        if ((dfd = open_dir(c)) < 0)
                return dfd;
        fd = openat(dfd, CACHE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
                return -EPERM;
        int r = read_full_fd(fd, CACHE_MAX_SIZE, &c->text, &c->text_len);
        if (r >= 0 &&
            (c->text_len < sizeof(CACHE_MAGIC) - 1 ||
             memcmp(c->text, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0 || c->text[c->text_len - 1] != '\n'))
                r = -EINVAL;
        if (r < 0) {
                file_forget(c);
                c->dirty = r != -ENOMEM; /* written again, whole */
        }
        return r;
}

/* A line (len bytes, without its '\n') against a key: 0 where the line is that key and a space. Lines in key
 * order are in byte order: keys hold digits, '-' and spaces, and a space ends each, so of two keys where
 * one starts the other, the shorter line comes first either way. */
static int line_cmp(const char *line, size_t len, const char *key, size_t klen)
{
        int r = memcmp(line, key, len < klen ? len : klen);
        if (r != 0)
                return r;
        if (len <= klen)
                return -1;
        return line[klen] == ' ' ? 0 : (unsigned char)line[klen] < ' ' ? -1 : 1;
}

/* Where the line with key starts, by a binary search over the text's bytes (each probe goes back to the
 * start of the line it falls in): lo and hi are always line starts. -1 when there is none; the line's
 * length without its '\n' in *ret_len. */
static ssize_t find_line(const struct oih_soname_cache *c, const char *key, size_t klen, size_t *ret_len)
{
        const char *text = c->text;
        size_t lo = sizeof(CACHE_MAGIC) - 1, hi = c->text_len;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *nl = mid > lo ? memrchr(text + lo, '\n', mid - lo) : NULL;
                size_t start = nl ? (size_t)(nl - text) + 1 : lo;
                size_t end = (size_t)((const char *)memchr(text + start, '\n', hi - start) - text);
                int r = line_cmp(text + start, end - start, key, klen);
                if (r == 0) {
                        *ret_len = end - start;
                        return (ssize_t)start;
                }
                if (r < 0)
                        lo = end + 1;
                else
                        hi = start;
        }
        return -1;
}

static int facts_set(struct oih_library_facts *ret, int32_t flags, const char *soname, size_t soname_len)
{
        *ret = (struct oih_library_facts){ .ld_flags = flags };
        if (soname_len > 0 && !(ret->soname = strndup(soname, soname_len)))
                return -ENOMEM;
        return 1;
}

int oih_soname_cache_get(struct oih_soname_cache *c, const struct stat *st, struct oih_library_facts *ret)
{
        if (!c->dir)
                return 0;
        if (!c->loaded) {
                int r = load(c);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 && r != -ENOENT)
                        log_debug("the soname cache in \"%s\" is not used: %s", c->dir,
                                  r == -EINVAL ? "it is not whole" : strerror(-r));
        }
        _cleanup_free_ char *key = key_of(st);
        size_t i;
        if (!key)
                return -ENOMEM;
        if (oih_hashmap_get(&c->added_by_key, key, &i)) {
                const struct oih_soname_cache_entry *e = &c->added[i];
                return facts_set(ret, e->flags, e->soname, e->soname ? strlen(e->soname) : 0);
        }
        /* A line found starts with the key and a space: only the rest is left to check. */
        size_t klen = strlen(key), len, soname_len;
        ssize_t at = c->text ? find_line(c, key, klen, &len) : -1;
        if (at < 0)
                return 0;
        const char *soname;
        int32_t flags;
        if (!parse_rest(c->text + at, len, klen, &flags, &soname, &soname_len)) {
                c->dirty = true; /* written again without that line */
                return 0;
        }
        size_t *m = reallocarray(c->used, c->n_used + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        c->used = m;
        c->used[c->n_used++] = (size_t)at;
        return facts_set(ret, flags, soname, soname_len);
}

int oih_soname_cache_put(struct oih_soname_cache *c, const struct stat *st,
                         const struct oih_library_facts *facts)
{
        if (!c->dir)
                return 0;
        struct oih_soname_cache_entry e = { .key = key_of(st), .flags = facts->ld_flags };
        if (!e.key)
                return -ENOMEM;
        if (oih_hashmap_get(&c->added_by_key, e.key, NULL)) {
                free(e.key);
                return 0;
        }
        struct oih_soname_cache_entry *m = reallocarray(c->added, c->n_added + 1, sizeof(*m));
        if (m)
                c->added = m;
        if (!m || (facts->soname && !(e.soname = strdup(facts->soname))) ||
            oih_hashmap_put(&c->added_by_key, e.key, c->n_added) < 0) {
                free(e.key);
                free(e.soname);
                return -ENOMEM;
        }
        c->added[c->n_added++] = e;
        c->dirty = true;
        return 0;
}

/* A line of the new file: its text (without the '\n'), its key's length, and whether this run used it. */
struct out_line {
        const char *s;
        size_t len, klen;
        bool used;
        char *owned;
};

static int out_line_cmp(const void *a, const void *b)
{
        const struct out_line *x = a, *y = b;
        return key_cmp(x->s, x->klen, y->s, y->klen);
}

static int offset_cmp(const void *a, const void *b)
{
        size_t x = *(const size_t *)a, y = *(const size_t *)b;
        return (x > y) - (x < y);
}

/* The new file's lines: those of the old file that are whole and this run's, those it used first when
 * there are too many, in the order of their keys. */
static int collect(struct oih_soname_cache *c, struct out_line **ret, size_t *ret_n)
{
        size_t n = 0, kept = 0, lines = 0, u = 0;
        for (size_t at = c->text ? sizeof(CACHE_MAGIC) - 1 : 0; at < c->text_len; lines++)
                at = (size_t)((const char *)memchr(c->text + at, '\n', c->text_len - at) - c->text) + 1;
        struct out_line *all = calloc(lines + c->n_added + 1, sizeof(*all));
        if (!all)
                return -ENOMEM;
        if (c->n_used > 0)
                qsort(c->used, c->n_used, sizeof(*c->used), offset_cmp);
        for (size_t at = c->text ? sizeof(CACHE_MAGIC) - 1 : 0; at < c->text_len;) {
                const char *line = c->text + at, *soname;
                size_t len = (size_t)((const char *)memchr(line, '\n', c->text_len - at) - line);
                size_t klen = key_len(line, len), soname_len;
                int32_t flags;
                while (u < c->n_used && c->used[u] < at)
                        u++;
                if (klen > 0 && parse_rest(line, len, klen, &flags, &soname, &soname_len))
                        all[n++] = (struct out_line){ .s = line,
                                                      .len = len,
                                                      .klen = klen,
                                                      .used = u < c->n_used && c->used[u] == at };
                at += len + 1;
        }
        for (size_t i = 0; i < c->n_added; i++) {
                const struct oih_soname_cache_entry *e = &c->added[i];
                char *s = NULL;
                int l = asprintf(&s, "%s %" PRId32 " %s", e->key, e->flags, e->soname ?: "");
                if (l < 0) {
                        for (size_t k = 0; k < n; k++)
                                free(all[k].owned);
                        free(all);
                        return -ENOMEM;
                }
                all[n++] = (struct out_line){
                        .s = s, .len = (size_t)l, .klen = strlen(e->key), .used = true, .owned = s
                };
        }
        /* Used first, then the others, as many as fit; then in key order. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = kept; i < n && kept < CACHE_MAX_ENTRIES; i++)
                        if (all[i].used == (pass == 0)) {
                                struct out_line t = all[kept];
                                all[kept++] = all[i];
                                all[i] = t;
                        }
        for (size_t i = kept; i < n; i++)
                free(all[i].owned);
        qsort(all, kept, sizeof(*all), out_line_cmp);
        *ret = all;
        *ret_n = kept;
        return 0;
}

static int save(struct oih_soname_cache *c)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *text = NULL;
        struct out_line *lines = NULL;
        size_t n = 0, size = 0;

        int r = collect(c, &lines, &n);
        if (r < 0)
                return r;
        FILE *f = open_memstream(&text, &size);
        if (f) {
                fputs(CACHE_MAGIC, f);
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%.*s\n", (int)lines[i].len, lines[i].s);
        }
        for (size_t i = 0; i < n; i++)
                free(lines[i].owned);
        free(lines);
        if (!f || fclose(f) != 0)
                return -ENOMEM;
        if (size > CACHE_MAX_SIZE)
                return -EFBIG;

        if (mkdir(c->dir, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        if ((dfd = open_dir(c)) < 0)
                return dfd;
        return file_replace_at(dfd, CACHE_FILE, text, size, 0600, geteuid(), getegid());
}

void oih_soname_cache_save(struct oih_soname_cache *c)
{
        if (!c->dir || !c->dirty)
                return;
        int r = save(c);
        if (r < 0)
                log_debug("cannot write the soname cache in \"%s\": %s", c->dir, strerror(-r));
        else
                c->dirty = false;
}
