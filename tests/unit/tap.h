/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap.h: a few lines of TAP (the Test Anything Protocol, which meson reads with protocol: 'tap') and the
 * temporary-folder helpers the unit tests share. Exit 77 skips a whole test program.
 */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "macro.h"

static unsigned tap_count, tap_failures;

static inline void tap_ok(bool pass, const char *file, int line, const char *fmt, ...) _printf_(4, 5);
static inline void tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
        va_list ap;

        tap_count++;
        printf("%sok %u - ", pass ? "" : "not ", tap_count);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!pass) {
                tap_failures++;
                printf("#   failed at %s:%d\n", file, line);
        }
        fflush(stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* String comparison that shows both sides on failure. */
#define is_str(got, expected, ...)                                                              \
        do {                                                                                    \
                const char *_g_ = (got), *_e_ = (expected);                                     \
                bool _p_ = streq_ptr(_g_, _e_);                                                 \
                tap_ok(_p_, __FILE__, __LINE__, __VA_ARGS__);                                   \
                if (!_p_)                                                                       \
                        printf("#   got:      \"%s\"\n#   expected: \"%s\"\n", _g_ ?: "(null)", \
                               _e_ ?: "(null)");                                                \
        } while (0)

#define is_int(got, expected, ...)                                             \
        do {                                                                   \
                long long _g_ = (long long)(got), _e_ = (long long)(expected); \
                tap_ok(_g_ == _e_, __FILE__, __LINE__, __VA_ARGS__);           \
                if (_g_ != _e_)                                                \
                        printf("#   got: %lld, expected: %lld\n", _g_, _e_);   \
        } while (0)

/* True when haystack contains needle; shows the haystack on failure. */
#define contains(haystack, needle, ...)                                                            \
        do {                                                                                       \
                const char *_h_ = (haystack), *_n_ = (needle);                                     \
                bool _p_ = _h_ && strstr(_h_, _n_);                                                \
                tap_ok(_p_, __FILE__, __LINE__, __VA_ARGS__);                                      \
                if (!_p_)                                                                          \
                        printf("#   \"%s\"\n#   does not contain \"%s\"\n", _h_ ?: "(null)", _n_); \
        } while (0)

static inline int tap_finish(void)
{
        printf("1..%u\n", tap_count);
        return tap_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

static inline _noreturn_ void tap_skip_all(const char *why)
{
        printf("1..0 # SKIP %s\n", why);
        exit(77);
}

static inline void tap_bail(const char *what)
{
        printf("Bail out! %s: %s\n", what, strerror(errno));
        exit(EXIT_FAILURE);
}

/* A new empty folder under /tmp, mode 0755; the caller removes it with tmpdir_remove(). */
static inline char *tmpdir_new(void)
{
        char *d = strdup("/tmp/oih-test-XXXXXX");
        if (!d || !mkdtemp(d) || chmod(d, 0755) < 0)
                tap_bail("mkdtemp");
        return d;
}

static inline int tmpdir_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (flag == FTW_DP)
                return rmdir(path) < 0 ? -1 : 0;
        return unlink(path) < 0 ? -1 : 0;
}

static inline void tmpdir_remove(char *d)
{
        if (!d)
                return;
        (void)nftw(d, tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(d);
}

/* What a test writes to stderr between stderr_capture_start() and stderr_capture_end(). */
struct stderr_capture {
        FILE *file;
        int saved;
};

static inline void stderr_capture_start(struct stderr_capture *c)
{
        c->file = tmpfile();
        c->saved = dup(STDERR_FILENO);
        if (!c->file || c->saved < 0 || dup2(fileno(c->file), STDERR_FILENO) < 0)
                tap_bail("capturing stderr");
}

/* Puts stderr back; returns what was written meanwhile (a new string, "" when nothing). */
static inline char *stderr_capture_end(struct stderr_capture *c)
{
        fflush(stderr);
        if (dup2(c->saved, STDERR_FILENO) < 0)
                tap_bail("restoring stderr");
        close(c->saved);
        rewind(c->file);
        char *text = NULL;
        size_t len = 0;
        if (getdelim(&text, &len, 0, c->file) < 0) {
                free(text);
                text = strdup("");
        }
        fclose(c->file);
        return text;
}

/* Writes dir/name with content and mode; returns the full path (a new string). */
static inline char *write_file(const char *dir, const char *name, const char *content, mode_t mode)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                tap_bail("asprintf");
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                tap_bail(p);
        size_t l = strlen(content);
        if (write(fd, content, l) != (ssize_t)l)
                tap_bail("write");
        if (fchmod(fd, mode) < 0)
                tap_bail("fchmod");
        close(fd);
        return p;
}
