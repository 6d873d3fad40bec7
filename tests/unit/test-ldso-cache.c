/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merging injected libraries into an ld.so.cache (ldso-cache.h), checked against glibc's own ldconfig: a
 * test root holds "image" libraries (one also in a glibc-hwcaps subfolder, which gives the cache its
 * hwcaps extension) and "injected" ones in /opt/inj. ldconfig makes the image's cache; ldconfig with
 * /opt/inj listed first in ld.so.conf makes the cache the hook must reach. The merge of the image's cache
 * and the injected entries must print, with `ldconfig -p -C`, exactly what the second one prints. Then:
 * merging again changes nothing, the pre-2.32 layout is read, and damaged files are refused.
 */
#include <elf.h>
#include <sys/wait.h>

#include "ldso-cache.h"
#include "tap.h"
#include "util.h"

static const char *ldconfig;

/* The test library with its 15-character soname "libinjtest.so.1" replaced by another of that length. */
static void write_library(const char *libinjtest, const char *dir, const char *file, const char *soname)
{
        static const char original[] = "libinjtest.so.1";
        _cleanup_free_ char *data = NULL, *path = NULL;
        size_t len = 0;
        int fd = open(libinjtest, O_RDONLY | O_CLOEXEC);

        if (strlen(soname) != strlen(original))
                tap_bail("soname length");
        if (fd < 0 || read_full_fd(fd, 64 * 1024 * 1024, &data, &len) < 0)
                tap_bail(libinjtest);
        close(fd);
        for (char *p = data; (p = memmem(p, len - (size_t)(p - data), original, sizeof(original)));
             p += sizeof(original))
                memcpy(p, soname, sizeof(original));
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                tap_bail("asprintf");
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
                tap_bail(path);
}

static int run(const char *cmd)
{
        int status = system(cmd);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path, size_t *ret_len)
{
        char *data = NULL;
        size_t len = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, 64 * 1024 * 1024, &data, &len) < 0)
                tap_bail(path);
        close(fd);
        if (ret_len)
                *ret_len = len;
        return data;
}

static void spill(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
                tap_bail(path);
}

/* What `ldconfig -p -C cache` prints (of a copy at one path: it prints the path), or NULL when it
 * refuses the file. */
static char *listing(const char *dir, const char *cache)
{
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        if (asprintf(&out, "%s/listing", dir) < 0 ||
            asprintf(&cmd, "cp %s %s/listed.cache && %s -p -C %s/listed.cache > %s 2>&1", cache, dir,
                     ldconfig, dir, out) < 0)
                tap_bail("asprintf");
        if (run(cmd) != 0)
                return NULL;
        return slurp(out, NULL);
}

static void test_libcmp(void)
{
        ok(oih_ldso_libcmp("libfoo.so.10", "libfoo.so.9") > 0, "digit runs compare as numbers");
        ok(oih_ldso_libcmp("libfoo.so.1", "libfoo.so.1") == 0, "equal names");
        ok(oih_ldso_libcmp("libfoo.so.01", "libfoo.so.1") == 0, "leading zeros do not count, as in ld.so");
        ok(oih_ldso_libcmp("libfoo.so.1", "libfoo.so.") > 0, "a longer name is greater");
        ok(oih_ldso_libcmp("libfoo.so", "libfoo.so.1") < 0, "a shorter one smaller");
        ok(oih_ldso_libcmp("lib1", "liba") > 0, "a digit is greater than any other character");
        ok(oih_ldso_libcmp("liba", "lib1") < 0, "any other character smaller than a digit");
        ok(oih_ldso_libcmp("libb.so", "liba.so") > 0, "other characters compare as bytes");

        ok(oih_ldso_cache_name_ok("libfoo.so.1"), "ldconfig's names: lib*.so.N");
        ok(oih_ldso_cache_name_ok("ld-linux-x86-64.so.2"), "ld-*.so.N");
        ok(oih_ldso_cache_name_ok("libfoo.so"), "lib*.so");
        ok(!oih_ldso_cache_name_ok("foo.so.1"),
           "other names stay out of the cache, as ldconfig leaves them");
        ok(!oih_ldso_cache_name_ok("libfoo.a"), "archives too");

        int32_t flags = 0;
        is_int(oih_ldso_cache_flags(EM_X86_64, ELFCLASS64, &flags), 0, "x86-64 libraries have flags");
        is_int(flags, 0x0303, "x86-64 libraries: libc6,x86-64 (0x0303)");
        ok(oih_ldso_cache_flags(EM_386, ELFCLASS32, &flags) == -EOPNOTSUPP,
           "kinds not checked against ldconfig are left to it");
}

static const struct oih_ldso_cache_entry injected[] = {
        { "libinjtccc.so.1", "/opt/inj/libinjtccc.so.1", 0x0303 },
        { "libinjtest.so.1", "/opt/inj/libinjtest.so.1", 0x0303 }, /* the image has one too */
        { "libinjt010.so.1", "/opt/inj/libinjt010.so.1", 0x0303 },
        { "libinjtzzz.so.1", "/opt/inj/libinjtzzz.so.1", 0x0303 },
};

static uint32_t section_field(const uint8_t *cache, uint32_t ext, uint32_t i, size_t field)
{
        uint32_t v;
        memcpy(&v, cache + ext + 8 + i * 16 + field, sizeof(v));
        return v;
}

static void set_section_field(uint8_t *cache, uint32_t ext, uint32_t i, size_t field, uint32_t v)
{
        memcpy(cache + ext + 8 + i * 16 + field, &v, sizeof(v));
}

/* Extension sections that no ldconfig writes: two sections sharing bytes (the merge would relocate the
 * shared glibc-hwcaps offsets twice, or change a generator's text), two glibc-hwcaps sections. */
static void test_sections(const uint8_t *good, size_t len, uint32_t ext)
{
        enum { TAG = 0, OFF = 8, SIZE = 12 };
        uint32_t count, gen = UINT32_MAX, hw = UINT32_MAX;
        memcpy(&count, good + ext + 4, sizeof(count));
        for (uint32_t i = 0; i < count; i++)
                if (section_field(good, ext, i, TAG) == 0)
                        gen = i;
                else if (section_field(good, ext, i, TAG) == 1)
                        hw = i;
        if (count != 2 || gen == UINT32_MAX || hw == UINT32_MAX) {
                ok(false, "the test cache has a generator and a glibc-hwcaps section (%u sections)", count);
                return;
        }

        /* The generator section becomes one of `tag`, at the glibc-hwcaps section's offset plus `off`, with
         * `size` bytes (UINT32_MAX: the glibc-hwcaps section's size). */
        static const struct {
                const char *what;
                uint32_t tag;
                int off;
                uint32_t size;
        } cases[] = {
                { "two glibc-hwcaps sections on the same bytes", 1, 0, UINT32_MAX },
                { "a generator section on the glibc-hwcaps section's bytes", 0, 0, UINT32_MAX },
                { "a generator section of 2 bytes inside the glibc-hwcaps section", 0, 2, 2 },
                { "two glibc-hwcaps sections, one of them empty", 1, 0, 0 },
        };
        uint32_t hw_off = section_field(good, ext, hw, OFF), hw_size = section_field(good, ext, hw, SIZE);
        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                _cleanup_free_ uint8_t *bad = malloc(len);
                void *out = NULL;
                size_t out_len = 0;
                memcpy(bad, good, len);
                set_section_field(bad, ext, gen, TAG, cases[c].tag);
                set_section_field(bad, ext, gen, OFF, (uint32_t)((int64_t)hw_off + cases[c].off));
                set_section_field(bad, ext, gen, SIZE,
                                  cases[c].size == UINT32_MAX ? hw_size : cases[c].size);
                is_int(oih_ldso_cache_merge(bad, len, injected, ELEMENTSOF(injected), &out, &out_len),
                       -EPROTONOSUPPORT, "refused: %s", cases[c].what);
                free(out);
        }
}

/* Damaged copies of a good cache: each is refused, none crashes. */
static void test_refused(const char *good, size_t len)
{
        uint32_t ext;
        memcpy(&ext, good + 32, sizeof(ext));
        static const struct {
                const char *what;
                size_t at;      /* where a 32-bit value is written */
                uint32_t value; /* UINT32_MAX: the file is cut to `at` bytes instead */
        } damage[] = {
                { "a file shorter than the header", 40, UINT32_MAX },
                { "a wrong magic", 0, 0x58585858 },
                { "a wrong version", 16, 0x392e3165 },
                { "big-endian", 28, 3 },
                { "more entries than the file holds", 20, 0x7fffffff },
                { "an entry's soname beyond the end", 48 + 4, 0x7fffffff },
                { "an entry's path inside the entries", 48 + 8, 60 },
                { "an extension beyond the end", 32, 0x7ffffff0 },
                { "an extension overlapping the entries", 32, 48 },
        };
        void *out = NULL;
        size_t out_len;

        for (size_t i = 0; i < ELEMENTSOF(damage); i++) {
                _cleanup_free_ uint8_t *bad = malloc(len);
                size_t bad_len = len;
                memcpy(bad, good, len);
                if (damage[i].value == UINT32_MAX)
                        bad_len = damage[i].at;
                else
                        memcpy(bad + damage[i].at, &damage[i].value, sizeof(damage[i].value));
                is_int(oih_ldso_cache_merge(bad, bad_len, injected, ELEMENTSOF(injected), &out, &out_len),
                       -EPROTONOSUPPORT, "refused: %s", damage[i].what);
        }

        /* An extension section this code cannot relocate. */
        if (ext == 0 || ext + 12 > len) {
                ok(false, "the test cache has an extension");
                return;
        }
        _cleanup_free_ uint8_t *bad = malloc(len);
        memcpy(bad, good, len);
        uint32_t tag = 7;
        memcpy(bad + ext + 8, &tag, sizeof(tag));
        is_int(oih_ldso_cache_merge(bad, len, injected, ELEMENTSOF(injected), &out, &out_len),
               -EPROTONOSUPPORT, "refused: an unknown extension section");
        test_sections((const uint8_t *)good, len, ext);
        is_int(oih_ldso_cache_merge(good, len, &(struct oih_ldso_cache_entry){ "libx.so.1", "", 0x0303 }, 1,
                                    &out, &out_len),
               -EINVAL, "an entry without a path is refused");
}

/* Looking a soname up in a host's cache, as bare library names are: what ld.so of this machine loads. */
static void test_lookup(const char *cache, size_t len)
{
        int32_t host = 0;
        char *path = NULL;

        is_int(oih_ldso_cache_host_flags(&host), 0, "this host's libraries have flags");
        is_int(host, 0x0303, "this host's libraries: libc6,x86-64");
        is_int(oih_ldso_cache_lookup(cache, len, "libinjtaaa.so.1", 0x0303, &path), 0, "a soname is found");
        is_str(path, "/usr/lib/libinjtaaa.so.1", "at the path ldconfig listed, its soname link");
        free(TAKE_PTR(path));
        is_int(oih_ldso_cache_lookup(cache, len, "libinjtbbb.so.1", 0x0303, &path), 0,
               "a soname with a glibc-hwcaps build too is found");
        is_str(path, "/usr/lib/libinjtbbb.so.1", "as the baseline build, which runs on every CPU");
        free(TAKE_PTR(path));
        is_int(oih_ldso_cache_lookup(cache, len, "libinjtaaa.so.1", 0x0003, &path), -ENOENT,
               "not with the flags of another kind of library (i386)");
        is_int(oih_ldso_cache_lookup(cache, len, "libinjtaaa.so", 0x0303, &path), -ENOENT,
               "a soname matches whole");
        is_int(oih_ldso_cache_lookup(cache, len, "libnone.so.1", 0x0303, &path), -ENOENT,
               "a soname the cache lacks is -ENOENT");
        is_int(oih_ldso_cache_lookup(cache, 40, "libinjtaaa.so.1", 0x0303, &path), -EPROTONOSUPPORT,
               "a damaged cache is -EPROTONOSUPPORT");
        ok(!path, "and the answer is left alone on failure");
}

int main(void)
{
        const char *libinjtest = getenv("OIH_TEST_LIBINJTEST");
        ldconfig = access("/sbin/ldconfig.real", X_OK) == 0 ? "/sbin/ldconfig.real" : "/sbin/ldconfig";

        test_libcmp();
        if (!libinjtest || access(ldconfig, X_OK) != 0) {
                ok(false, "the test needs OIH_TEST_LIBINJTEST and %s", ldconfig);
                return tap_finish();
        }

        _cleanup_free_ char *base = tmpdir_new(), *root = NULL, *usr_lib = NULL, *hwcaps = NULL, *inj = NULL,
                            *etc = NULL, *cmd = NULL;
        if (asprintf(&root, "%s/root", base) < 0 || asprintf(&usr_lib, "%s/usr/lib", root) < 0 ||
            asprintf(&hwcaps, "%s/glibc-hwcaps/x86-64-v2", usr_lib) < 0 ||
            asprintf(&inj, "%s/opt/inj", root) < 0 || asprintf(&etc, "%s/etc", root) < 0)
                tap_bail("asprintf");
        free(cmd);
        if (asprintf(&cmd, "mkdir -p %s %s %s", hwcaps, inj, etc) < 0 || run(cmd) != 0)
                tap_bail("mkdir");
        write_library(libinjtest, usr_lib, "libinjtaaa.so.1.0", "libinjtaaa.so.1");
        write_library(libinjtest, usr_lib, "libinjtbbb.so.1.0", "libinjtbbb.so.1");
        write_library(libinjtest, usr_lib, "libinjtest.so.1.0", "libinjtest.so.1");
        write_library(libinjtest, usr_lib, "libinjt9zz.so.1.0", "libinjt9zz.so.1");
        write_library(libinjtest, hwcaps, "libinjtbbb.so.1.0", "libinjtbbb.so.1");
        for (size_t i = 0; i < ELEMENTSOF(injected); i++) {
                _cleanup_free_ char *file = NULL;
                if (asprintf(&file, "%s.0", injected[i].soname) < 0)
                        tap_bail("asprintf");
                write_library(libinjtest, inj, file, injected[i].soname);
        }

        /* The image's cache: ldconfig of the image's folders only. */
        free(cmd);
        if (asprintf(&cmd, "%s -r %s -C /etc/image.cache", ldconfig, root) < 0)
                tap_bail("asprintf");
        is_int(run(cmd), 0, "ldconfig makes the image's cache");
        /* The one the hook must reach: the injected folder first, as OIH_LDCONF_FILE has it. */
        free(write_file(etc, "ld.so.conf", "/opt/inj\n", 0644));
        free(cmd);
        if (asprintf(&cmd, "%s -r %s -C /etc/expected.cache", ldconfig, root) < 0)
                tap_bail("asprintf");
        is_int(run(cmd), 0, "ldconfig makes the expected cache");

        _cleanup_free_ char *image_path = NULL, *expected_path = NULL, *merged_path = NULL;
        if (asprintf(&image_path, "%s/image.cache", etc) < 0 ||
            asprintf(&expected_path, "%s/expected.cache", etc) < 0 ||
            asprintf(&merged_path, "%s/merged.cache", etc) < 0)
                tap_bail("asprintf");
        size_t image_len;
        _cleanup_free_ char *image = slurp(image_path, &image_len);
        _cleanup_free_ char *expected = listing(base, expected_path);
        contains(expected, "hwcap: \"x86-64-v2\"", "the expected cache has a glibc-hwcaps entry");
        contains(expected, "/opt/inj/libinjtest.so.1", "and the injected libraries");

        void *merged = NULL, *again = NULL;
        size_t merged_len = 0, again_len = 0;
        is_int(oih_ldso_cache_merge(image, image_len, injected, ELEMENTSOF(injected), &merged, &merged_len),
               0, "the injected entries merge into the image's cache");
        if (merged)
                spill(merged_path, merged, merged_len);
        _cleanup_free_ char *got = merged ? listing(base, merged_path) : NULL;
        is_str(got, expected, "ldconfig -p prints the merged cache as the one ldconfig made");

        again = merged;
        is_int(oih_ldso_cache_merge(merged, merged_len, injected, ELEMENTSOF(injected), &again, &again_len),
               0, "merging into the merged cache works");
        ok(!again, "and has nothing to write: a second run of the hook changes nothing");
        size_t expected_len;
        _cleanup_free_ char *expected_file = slurp(expected_path, &expected_len);
        again = merged;
        is_int(oih_ldso_cache_merge(expected_file, expected_len, injected, ELEMENTSOF(injected), &again,
                                    &again_len),
               0, "merging into the cache ldconfig made with the injected folder works");
        ok(!again, "and has nothing to write either");
        struct oih_ldso_cache_entry moved = injected[0];
        moved.path = "/opt/elsewhere/libinjtccc.so.1";
        is_int(oih_ldso_cache_merge(merged, merged_len, &moved, 1, &again, &again_len), 0,
               "a library now injected elsewhere merges");
        if (again)
                spill(merged_path, again, again_len);
        _cleanup_free_ char *moved_listing = again ? listing(base, merged_path) : NULL;
        contains(moved_listing,
                 "libinjtccc.so.1 (libc6,x86-64) => /opt/elsewhere/libinjtccc.so.1\n\tlibinjtccc.so.1 "
                 "(libc6,x86-64) => /opt/inj/libinjtccc.so.1",
                 "before the old entry of its soname, which stays");
        free(again);

        /* The same entries in another order give the same file. */
        struct oih_ldso_cache_entry reversed[ELEMENTSOF(injected)];
        for (size_t i = 0; i < ELEMENTSOF(injected); i++)
                reversed[i] = injected[ELEMENTSOF(injected) - 1 - i];
        is_int(oih_ldso_cache_merge(image, image_len, reversed, ELEMENTSOF(reversed), &again, &again_len), 0,
               "entries in any order merge");
        is_int(again_len, merged_len, "into a file of the same size");
        ok(again && again_len == merged_len && memcmp(again, merged, merged_len) == 0, "into the same file");
        free(again);

        /* glibc < 2.32: "ld.so-1.7.0", its entries, then the new format at the next multiple of 8. */
        size_t old_part = 16 + 3 * 12, compat_len = ((old_part + 7) & ~(size_t)7) + image_len;
        _cleanup_free_ uint8_t *compat = calloc(1, compat_len);
        memcpy(compat, "ld.so-1.7.0", 11);
        uint32_t three = 3;
        memcpy(compat + 12, &three, sizeof(three));
        memcpy(compat + compat_len - image_len, image, image_len);
        is_int(oih_ldso_cache_merge(compat, compat_len, injected, ELEMENTSOF(injected), &again, &again_len),
               0, "a cache of glibc < 2.32 (old and new format) merges");
        is_int(again_len, merged_len, "into the new format alone: the same size");
        ok(again && again_len == merged_len && memcmp(again, merged, merged_len) == 0,
           "into the new format alone");
        free(again);

        test_refused(image, image_len);
        test_lookup(image, image_len);
        free(merged);
        tmpdir_remove(TAKE_PTR(base));
        return tap_finish();
}
