/* SPDX-License-Identifier: Apache-2.0 */
/* Paths written in configs: normalization, refusal of relative paths and of "." and ".." components. */
#include "tap.h"
#include "util.h"

static void test_normalize(const char *in, const char *expected)
{
        _cleanup_free_ char *n = NULL;
        const char *why = NULL;
        int r = path_normalize(in, &n, &why);
        if (expected) {
                is_int(r, 0, "path_normalize(\"%s\") succeeds", in);
                is_str(n, expected, "path_normalize(\"%s\")", in);
        } else
                ok(r == -EINVAL && why, "path_normalize(\"%s\") is refused (%s)", in, why ?: "");
}

static void test_simplify(const char *in, const char *expected)
{
        _cleanup_free_ char *s = path_simplify(in);
        is_str(s, expected, "path_simplify(\"%s\")", in);
}

int main(void)
{
        test_normalize("/dev/fuse", "/dev/fuse");
        test_normalize("//usr///lib//", "/usr/lib");
        test_normalize("/", "/");
        test_normalize("/a/.hidden/b", "/a/.hidden/b");
        test_normalize("/a/..b", "/a/..b");
        test_normalize("", NULL);
        test_normalize("dev/fuse", NULL);
        test_normalize("/usr/../etc", NULL);
        test_normalize("/usr/./lib", NULL);
        test_normalize("/usr/lib/..", NULL);

        test_simplify("/usr/lib/../lib64/libc.so", "/usr/lib64/libc.so");
        test_simplify("/a/../../../../etc/passwd", "/etc/passwd");
        test_simplify("/./a//b/.", "/a/b");
        test_simplify("/..", "/");

        _cleanup_free_ char *d1 = path_dirname("/usr/lib/libfoo.so");
        _cleanup_free_ char *d2 = path_dirname("/libfoo.so");
        is_str(d1, "/usr/lib", "path_dirname of a nested path");
        is_str(d2, "/", "path_dirname of a top-level path");
        is_str(path_basename("/usr/lib/libfoo.so"), "libfoo.so", "path_basename");

        ok(string_is_glob("/dev/dri/*"), "\"*\" makes a glob");
        ok(string_is_glob("/dev/snd/pcmC[0-9]*"), "\"[\" makes a glob");
        ok(!string_is_glob("/dev/fuse"), "a plain path is not a glob");

        uint32_t u;
        ok(parse_uint32("4294967295", &u) == 0 && u == UINT32_MAX, "parse_uint32 takes the largest value");
        ok(parse_uint32("4294967296", &u) < 0, "parse_uint32 refuses an overflow");
        ok(parse_uint32("-1", &u) < 0 && parse_uint32("1x", &u) < 0 && parse_uint32("", &u) < 0,
           "parse_uint32 refuses signs, junk and empty strings");

        _cleanup_strv_free_ char **l = NULL;
        ok(strv_extend(&l, "a") == 0 && strv_extend(&l, "b") == 0, "strv_extend");
        ok(strv_length(l) == 2 && strv_contains(l, "b") && !strv_contains(l, "c"),
           "strv_length and contains");

        return tap_finish();
}
