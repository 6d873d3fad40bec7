/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths written in configs: normalization, refusal of relative paths and of "." and ".." components. Text
 * for terminals: the one cleaner of log lines, problems and printed plans. Closing descriptors in runs,
 * and the open-file limit.
 */
#include <fcntl.h>
#include <sys/resource.h>

#include "log.h"
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
        } else {
                is_int(r, -EINVAL, "path_normalize(\"%s\") is refused", in);
                ok(why, "saying why (%s)", why ?: "");
        }
}

static void test_simplify(const char *in, const char *expected)
{
        _cleanup_free_ char *s = path_simplify(in);
        is_str(s, expected, "path_simplify(\"%s\")", in);
}

static void test_printable(const char *in, const char *expected, const char *what)
{
        _cleanup_free_ char *got = string_printable(in);
        is_str(got, expected, "string_printable: %s", what);
        /* Printable text is what the cleaner leaves as it is. */
        _cleanup_free_ char *again = got ? string_printable(got) : NULL;
        is_str(again, got, "and the result is printable text itself (%s)", what);

        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                tap_bail("open_memstream");
        fputs_printable(in, f);
        fclose(f);
        is_str(buf, expected, "fputs_printable writes the same (%s)", what);
        free(buf);
}

/* What a log line becomes on stderr, read back through a pipe. */
static char *logged(const char *text)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                tap_bail("pipe2");
        int saved = dup(STDERR_FILENO);
        fflush(stderr);
        dup2(p[1], STDERR_FILENO);
        log_error("file \"%s\"", text);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(p[1]);
        char *out = NULL;
        if (read_full_fd(p[0], 65536, &out, NULL) < 0)
                tap_bail("read_full_fd");
        close(p[0]);
        return out;
}

static void test_terminal_text(void)
{
        test_printable("/usr/lib/libfoo.so.1", "/usr/lib/libfoo.so.1", "plain ASCII stays");
        test_printable("/opt/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x90\xa7",
                       "/opt/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x90\xa7",
                       "valid printable UTF-8 stays (accents, CJK, an emoji)");
        test_printable("a\nb\tc\rd\x7f", "a\\x0ab\\x09c\\x0dd\\x7f", "C0 controls and DEL are escaped");
        test_printable("x\x1b[2Jy", "x\\x1b[2Jy", "an escape sequence loses its ESC");
        test_printable("x\xc2\x9b"
                       "31mred",
                       "x\\xc2\\x9b"
                       "31mred",
                       "C1 CSI in UTF-8 (c2 9b) is escaped");
        test_printable("x\xc2\x85y\xc2\x80\xc2\x9f\xc2\xa0", "x\\xc2\\x85y\\xc2\\x80\\xc2\\x9f\xc2\xa0",
                       "every C1 control (U+0080-U+009F), not U+00A0");
        test_printable("x\x9by", "x\\x9by", "a raw C1 byte (8-bit CSI) is escaped");
        test_printable("caf\xe9.so", "caf\\xe9.so", "Latin-1 (invalid UTF-8) is escaped");
        test_printable("\xc0\xaf\xe0\x80\xaf", "\\xc0\\xaf\\xe0\\x80\\xaf", "overlong forms are escaped");
        test_printable("\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate is escaped");
        test_printable("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "above U+10FFFF is escaped");
        test_printable("\xe6\x97", "\\xe6\\x97", "a sequence cut by the end is escaped");
        test_printable("\xe6\x97x", "\\xe6\\x97x", "a sequence cut by ASCII is escaped");
        test_printable("a\xe2\x80\xa8"
                       "b\xe2\x80\xae"
                       "c",
                       "a\\xe2\\x80\\xa8"
                       "b\\xe2\\x80\\xae"
                       "c",
                       "a line separator and a bidirectional override are escaped");

        _cleanup_free_ char *line = logged("lib\xc2\x9b"
                                           "2J\n\x1b]0;x\x07\xff.so");
        is_str(line,
               "oci-injector-hook: error: file \"lib\\xc2\\x9b"
               "2J\\x0a\\x1b]0;x\\x07\\xff.so\"\n",
               "a log line carries no control character and no invalid UTF-8");
}

/* The one check of a name's characters, and the tables joined for messages. */
static void test_names(void)
{
        ok(string_is_name("nvidia_uvm-2", "_-"), "letters, digits and the extra characters make a name");
        ok(!string_is_name("", "_-"), "an empty string is no name");
        ok(!string_is_name("a.b", "_-"), "a character outside the extra ones is refused");
        ok(string_is_name("a.b", "_-."), "the same character is taken when it is an extra one");
        ok(!string_is_name("caf\xc3\xa9", "_-"), "a letter outside ASCII is refused");
        ok(!string_is_name("a b", "_-"), "a space is refused");
        ok(ascii_is_letter('z'), "a small ASCII letter is a letter");
        ok(ascii_is_letter('A'), "a capital ASCII letter is a letter");
        ok(!ascii_is_letter('0'), "a digit is not a letter");
        ok(ascii_is_alnum('0'), "a digit is alphanumeric");
        ok(!ascii_is_name_char(0, "_-"), "NUL is never a name character");

        static const char *const three[] = { "a", "bc", "d", NULL }, *const one[] = { "x", NULL },
                                 *const none[] = { NULL };
        _cleanup_free_ char *j3 = strv_join(three, ", "), *j1 = strv_join(one, ", "),
                            *j0 = strv_join(none, ", ");
        is_str(j3, "a, bc, d", "strv_join puts the separator between the strings");
        is_str(j1, "x", "strv_join of one string is that string");
        is_str(j0, "", "strv_join of no string is empty");
}

static bool fd_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

/* Two runs of consecutive descriptors, one alone, a gap that is not in the list, and -1 entries. */
static void test_close_all(void)
{
        int fds[9], gap = -1;
        size_t n = 0;

        for (int i = 0; i < 8; i++) {
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        tap_bail("open");
                if (i == 3)
                        gap = fd;
                else
                        fds[n++] = fd;
        }
        fds[n++] = -1;
        int before[9];
        memcpy(before, fds, sizeof(fds));
        close_all(fds, n);
        bool all_closed = true;
        for (size_t i = 0; i < n; i++)
                all_closed = all_closed && (before[i] < 0 || !fd_open(before[i]));
        ok(all_closed, "close_all closes every descriptor of the list");
        ok(fd_open(gap), "and not the one between them that is not in the list");
        close(gap);
}

static void test_rlimit_nofile(void)
{
        struct rlimit saved, rl;
        unsigned long max = 0;

        if (getrlimit(RLIMIT_NOFILE, &saved) < 0)
                tap_bail("getrlimit");
        rl = (struct rlimit){ .rlim_cur = 64, .rlim_max = 512 };
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                tap_bail("setrlimit");
        is_int(rlimit_nofile_reserve(32, &max), 0, "a need below the soft limit changes nothing");
        ok(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 64, "the soft limit stays 64");
        is_int(rlimit_nofile_reserve(300, &max), 0, "a need between the soft and the hard limit");
        ok(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 300 && rl.rlim_max == 512,
           "raises the soft limit to it");
        is_int(rlimit_nofile_reserve(1000, &max), -EMFILE, "a need above the hard limit is -EMFILE");
        is_int(max, 512, "with the hard limit");
        /* Raising the hard limit back needs CAP_SYS_RESOURCE: the test keeps the lower one. */
        (void)setrlimit(RLIMIT_NOFILE, &saved);
}

int main(void)
{
        test_close_all();
        test_rlimit_nofile();

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
        is_int(strv_extend(&l, "a"), 0, "strv_extend to a new list");
        is_int(strv_extend(&l, "b"), 0, "strv_extend to a list");
        is_int(strv_length(l), 2, "strv_length");
        ok(strv_contains(l, "b"), "strv_contains finds an element");
        ok(!strv_contains(l, "c"), "and no other");

        test_terminal_text();
        test_names();
        return tap_finish();
}
