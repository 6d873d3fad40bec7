/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The soname cache: what one run notes is found by the next, by the file's identity; a file that changed
 * is not; a cache file or folder that others could write, a file out of order or not whole, and a line
 * that is not right are not used; the file is written sorted and whole.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "soname-cache.h"
#include "tap.h"
#include "util.h"

static char *dir, *files, *cache;

static struct stat stat_of(const char *path)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                tap_bail(path);
        return st;
}

static int get(const char *d, const struct stat *st, struct oih_library_facts *ret)
{
        struct oih_soname_cache c;
        if (oih_soname_cache_init(&c, d) < 0)
                tap_bail("init");
        *ret = (struct oih_library_facts){};
        int r = oih_soname_cache_get(&c, st, ret);
        oih_soname_cache_done(&c);
        return r;
}

static char *cache_text(void)
{
        _cleanup_free_ char *p = NULL;
        char *text = NULL;
        if (asprintf(&p, "%s/sonames", cache) < 0)
                tap_bail("asprintf");
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, 1 << 20, &text, NULL) < 0)
                text = NULL;
        safe_close(fd);
        return text;
}

/* Each line after the header after the one before, in byte order. */
static bool lines_in_order(const char *text)
{
        const char *prev = strchr(text, '\n'), *line;
        if (!prev)
                return false;
        prev++;
        for (const char *nl; (nl = strchr(prev, '\n')) && *(line = nl + 1); prev = line)
                if (strcmp(prev, line) >= 0)
                        return false;
        return true;
}

static void write_cache(const char *text, mode_t mode)
{
        free(write_file(cache, "sonames", text, mode));
}

static void test_no_cache(const struct stat *a)
{
        struct oih_soname_cache c;
        struct oih_library_facts f = { .soname = (char *)"liba.so.1", .ld_flags = 0x303 }, got;
        ok(oih_soname_cache_init(&c, NULL) == 0, "a cache without a folder");
        is_int(oih_soname_cache_put(&c, a, &f), 0, "notes nothing");
        is_int(oih_soname_cache_get(&c, a, &got), 0, "and finds nothing");
        oih_soname_cache_save(&c);
        oih_soname_cache_done(&c);
        ok(access(cache, F_OK) < 0, "and writes nothing");
}

static void test_round_trip(const struct stat *a, const struct stat *b, const struct stat *other)
{
        struct oih_soname_cache c;
        struct oih_library_facts fa = { .soname = (char *)"liba.so.1", .ld_flags = 0x303 },
                                 fb = { .ld_flags = 0 }, got;

        ok(oih_soname_cache_init(&c, cache) == 0, "a cache in a folder not made yet");
        is_int(oih_soname_cache_get(&c, a, &got), 0, "finds nothing at first");
        is_int(oih_soname_cache_put(&c, a, &fa), 0, "notes a library with a soname");
        is_int(oih_soname_cache_put(&c, b, &fb), 0, "and one the hook could not describe");
        is_int(oih_soname_cache_get(&c, a, &got), 1, "finds what it noted in the same run");
        oih_library_facts_done(&got);
        oih_soname_cache_save(&c);
        oih_soname_cache_done(&c);

        struct stat st;
        ok(lstat(cache, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
           "the folder is made with mode 0700");
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/sonames", cache) < 0)
                tap_bail("asprintf");
        ok(lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
           "the file with mode 0600");
        _cleanup_free_ char *text = cache_text();
        ok(text && strncmp(text, "oci-injector-hook sonames 1\n", 28) == 0, "it starts with its header");

        is_int(get(cache, a, &got), 1, "the next run finds the library");
        is_str(got.soname, "liba.so.1", "with its soname");
        is_int(got.ld_flags, 0x303, "and its flags");
        oih_library_facts_done(&got);
        is_int(get(cache, b, &got), 1, "and the one without a soname");
        ok(got.soname == NULL && got.ld_flags == 0, "as it was noted");
        is_int(get(cache, other, &got), 0, "not another file");
}

static void test_changed_file(const char *path)
{
        struct oih_library_facts got;
        struct stat before = stat_of(path);
        struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
        nanosleep(&pause, NULL);
        if (chmod(path, 0755) < 0)
                tap_bail("chmod");
        struct stat after = stat_of(path);
        ok(before.st_ino == after.st_ino, "the same inode");
        is_int(get(cache, &after, &got), 0, "whose change time moved is read again");
}

/* A file written by hand: the entries for a and b, in order or not. */
static void write_entries(const struct stat *a, const struct stat *b, bool in_order, const char *soname_a)
{
        char la[256], lb[256], text[600];
        snprintf(la, sizeof(la), "%llu %llu %lld %lld %ld 771 %s\n", (unsigned long long)a->st_dev,
                 (unsigned long long)a->st_ino, (long long)a->st_size, (long long)a->st_ctim.tv_sec,
                 a->st_ctim.tv_nsec, soname_a);
        snprintf(lb, sizeof(lb), "%llu %llu %lld %lld %ld 0 \n", (unsigned long long)b->st_dev,
                 (unsigned long long)b->st_ino, (long long)b->st_size, (long long)b->st_ctim.tv_sec,
                 b->st_ctim.tv_nsec);
        bool a_first = strcmp(la, lb) < 0;
        snprintf(text, sizeof(text), "oci-injector-hook sonames 1\n%s%s", a_first == in_order ? la : lb,
                 a_first == in_order ? lb : la);
        write_cache(text, 0600);
}

static void test_refused(const struct stat *a, const struct stat *b, const struct stat *other)
{
        struct oih_library_facts got;

        write_entries(a, b, true, "liba.so.1");
        is_int(get(cache, a, &got), 1, "a file written in order is used");
        oih_library_facts_done(&got);

        write_entries(a, b, true, "lib/a.so.1");
        is_int(get(cache, a, &got), 0, "a line whose soname is not one is not used");
        is_int(get(cache, b, &got), 1, "the others are");

        write_entries(a, b, true, "liba.so.1");
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/sonames", cache) < 0)
                tap_bail("asprintf");
        if (chmod(p, 0666) < 0)
                tap_bail("chmod");
        is_int(get(cache, a, &got), 0, "a file others can write is not used");
        if (chmod(p, 0600) < 0 || chmod(cache, 0777) < 0)
                tap_bail("chmod");
        is_int(get(cache, a, &got), 0, "nor one in a folder others can write");
        if (chmod(cache, 0700) < 0)
                tap_bail("chmod");

        /* A file out of order finds less; the next run that learns something writes it in order. */
        write_entries(a, b, false, "liba.so.1");
        struct oih_soname_cache o;
        struct oih_library_facts fo = { .soname = (char *)"libo.so.1", .ld_flags = 0x303 };
        if (oih_soname_cache_init(&o, cache) < 0)
                tap_bail("init");
        is_int(oih_soname_cache_get(&o, other, &got), 0, "a run that does not find a library");
        is_int(oih_soname_cache_put(&o, other, &fo), 0, "notes it");
        oih_soname_cache_save(&o);
        oih_soname_cache_done(&o);
        _cleanup_free_ char *text = cache_text();
        ok(text && lines_in_order(text), "and writes the file in order");
        is_int(get(cache, a, &got), 1, "where every library is found");
        oih_library_facts_done(&got);
        is_int(get(cache, b, &got), 1, "the one without a soname too");
        is_int(get(cache, other, &got), 1, "and the one it noted");
        oih_library_facts_done(&got);

        write_cache("oci-injector-hook sonames 1\n12 34", 0600);
        is_int(get(cache, a, &got), 0, "a file that ends in the middle of a line is not used");
        write_cache("oci-injector-hook sonames 2\n", 0600);
        is_int(get(cache, a, &got), 0, "nor one of another version");

        /* A run that finds a file not whole writes it again, whole. */
        struct oih_soname_cache c;
        struct oih_library_facts fa = { .soname = (char *)"liba.so.1", .ld_flags = 0x303 };
        if (oih_soname_cache_init(&c, cache) < 0)
                tap_bail("init");
        is_int(oih_soname_cache_get(&c, a, &got), 0, "a run reads the library again");
        is_int(oih_soname_cache_put(&c, a, &fa), 0, "and notes it");
        oih_soname_cache_save(&c);
        oih_soname_cache_done(&c);
        is_int(get(cache, a, &got), 1, "the file it writes is used");
        oih_library_facts_done(&got);
}

/* Identities of every length, keys that start other keys (inode 5 and 56), change times before 1970. */
static struct stat fake(unsigned i)
{
        struct stat st = {};
        st.st_dev = 2049 + i % 3;
        st.st_ino = i % 2 ? i : i * 11;
        st.st_size = (off_t)(i * 131);
        st.st_ctim.tv_sec = i % 5 == 0 ? -(time_t)i : (time_t)i * 1000003;
        st.st_ctim.tv_nsec = (long)(i * 7919 % 1000000000);
        return st;
}

static void test_many(void)
{
        enum { MANY = 700 };
        struct oih_soname_cache c;
        char soname[32];

        if (oih_soname_cache_init(&c, cache) < 0)
                tap_bail("init");
        bool all_noted = true;
        for (unsigned i = 1; i <= MANY; i++) {
                struct stat st = fake(i);
                snprintf(soname, sizeof(soname), "lib%u.so.1", i);
                struct oih_library_facts f = { .soname = soname, .ld_flags = (int32_t)i };
                all_noted = all_noted && oih_soname_cache_put(&c, &st, &f) == 0;
        }
        ok(all_noted, "%d libraries noted", MANY);
        oih_soname_cache_save(&c);
        oih_soname_cache_done(&c);

        if (oih_soname_cache_init(&c, cache) < 0)
                tap_bail("init");
        unsigned found = 0, right = 0;
        for (unsigned i = MANY; i >= 1; i--) {
                struct stat st = fake(i);
                struct oih_library_facts got = {};
                snprintf(soname, sizeof(soname), "lib%u.so.1", i);
                if (oih_soname_cache_get(&c, &st, &got) == 1) {
                        found++;
                        right += streq_ptr(got.soname, soname) && got.ld_flags == (int32_t)i;
                }
                oih_library_facts_done(&got);
        }
        is_int(found, MANY, "the next run finds each by a binary search");
        is_int(right, MANY, "with what was noted of it");
        struct stat none = fake(MANY + 1);
        struct oih_library_facts got;
        is_int(oih_soname_cache_get(&c, &none, &got), 0, "and no other");
        oih_soname_cache_done(&c);
}

int main(void)
{
        dir = tmpdir_new();
        if (asprintf(&files, "%s/files", dir) < 0 || asprintf(&cache, "%s/cache", dir) < 0 ||
            mkdir(files, 0755) < 0)
                tap_bail("setup");
        _cleanup_free_ char *pa = write_file(files, "liba.so.1.0", "a", 0644),
                            *pb = write_file(files, "libb.so", "bb", 0644),
                            *po = write_file(files, "other", "ccc", 0644);
        struct stat a = stat_of(pa), b = stat_of(pb), other = stat_of(po);

        test_no_cache(&a);
        test_round_trip(&a, &b, &other);
        test_changed_file(pa);
        a = stat_of(pa);
        test_refused(&a, &b, &other);
        test_many();

        tmpdir_remove(dir);
        free(files);
        free(cache);
        return tap_finish();
}
