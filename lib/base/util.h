/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h: string vectors, bounded file reading and the syntax check of paths written in configs.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* NULL-terminated string vectors. */
void strv_free(char **l);
size_t strv_length(char *const *l);
/* Appends a copy of s (or takes s with strv_consume); returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
int strv_consume(char ***l, char *s);
bool strv_contains(char *const *l, const char *s);

static inline void strv_freep(char ***l)
{
        strv_free(*l);
        *l = NULL;
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

/* Reads a whole file from fd into a NUL-terminated buffer, refusing more than max bytes. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* "path"/"name", as a new string (host paths only: container paths are resolved from the root fd). */
char *path_join(const char *dir, const char *name);

/*
 * Checks a path written in a config or spec: absolute, not empty, without "." or ".." components.
 * Repeated and trailing slashes are folded away in the normalized copy. Returns 0 and the copy, or
 * -EINVAL with *ret_why saying what is wrong (a static string).
 */
int path_normalize(const char *p, char **ret, const char **ret_why);

/* The directory part of an absolute normalized path ("/a/b" -> "/a", "/a" -> "/"). */
char *path_dirname(const char *p);
/* The last component of a normalized path, pointing into p. */
const char *path_basename(const char *p);

/* True when the string has a character that glob(3) treats as special. */
bool string_is_glob(const char *s);

/* ASCII only, whatever the locale: names that other programs check (the kernel, CDI) are ASCII. */
static inline bool ascii_is_letter(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool ascii_is_alnum(char c)
{
        return ascii_is_letter(c) || (c >= '0' && c <= '9');
}

/* An ASCII letter or digit, or one of the characters of `extra` (never NUL). */
static inline bool ascii_is_name_char(char c, const char *extra)
{
        return ascii_is_alnum(c) || (c != 0 && strchr(extra, c));
}

/*
 * True when s is not empty and every character is an ASCII letter, a digit or one of `extra`: the one
 * check of a name's characters (kernel module names, CDI names, the container id in log lines). Rules on
 * the first and last character are the caller's.
 */
bool string_is_name(const char *s, const char *extra);

/* The strings of a NULL-terminated table joined with `sep`, as a new string: "a, b, c". */
char *strv_join(const char *const *l, const char *sep);

/* Parses a decimal unsigned 32-bit number with nothing after it. */
int parse_uint32(const char *s, uint32_t *ret);

/*
 * Folds a path lexically: repeated slashes, "." and ".." (clamped at "/", as inside a container root).
 * `p` must be absolute. Used for the container side of a library's symlink chain.
 */
char *path_simplify(const char *p);

/* Where programs named without a slash are looked up: the PATH runtimes run hooks with by default, fixed,
 * never the environment's (THREATS.md item 4). */
#define OIH_PROGRAM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The first "DIR/name", DIR in OIH_PROGRAM_PATH's order, that usable() accepts: 0 and *ret, or -ENOENT,
 * -ENOMEM. */
int program_path_find(const char *name, bool (*usable)(const char *path, const void *userdata),
                      const void *userdata, char **ret);

/* readlink(2) into a new string of the right size. */
int readlink_malloc(const char *path, char **ret);

/*
 * Writes text to a new file beside `name` in folder dfd (a random name, made exclusively), with mode and
 * owner, and renames it over `name`: a reader sees the old file or the new one. No fsync. 0 or -errno;
 * nothing is left behind on failure.
 */
int file_replace_at(int dfd, const char *name, const char *text, size_t len, mode_t mode, uid_t uid,
                    gid_t gid);

/*
 * Closes every descriptor in fds (negative entries are skipped; the array is reordered): each run of
 * consecutive numbers with one close_range(2), one by one where the kernel lacks it (before 5.9).
 */
void close_all(int *fds, size_t n);

/*
 * Lets this process hold `need` descriptors at once: its soft RLIMIT_NOFILE raised to `need` where it is
 * lower (never lowered), as far as the hard limit allows. -EMFILE with *ret_max the hard limit where that
 * is lower than `need`.
 */
int rlimit_nofile_reserve(unsigned long need, unsigned long *ret_max);

/*
 * Text for a terminal or a log line, from strings that images and configs chose (file names, symlink
 * texts): every byte that is a control character (C0, DEL, C1) or not part of valid UTF-8 is escaped as
 * "\xNN", so one line stays one line and nothing reaches a terminal as an escape sequence; valid
 * printable UTF-8 stays as it is. The one rule for every place that prints such text.
 */
char *string_printable(const char *s);
void fputs_printable(const char *s, FILE *out);
