/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "util.h"

void strv_free(char **l)
{
        STRV_FOREACH (s, l)
                free(*s);
        free(l);
}

size_t strv_length(char *const *l)
{
        size_t n = 0;
        STRV_FOREACH (s, l)
                n++;
        return n;
}

int strv_consume(char ***l, char *s)
{
        if (!s)
                return -ENOMEM;
        size_t n = strv_length(*l);
        char **m = reallocarray(*l, n + 2, sizeof(char *));
        if (!m) {
                free(s);
                return -ENOMEM;
        }
        m[n] = s;
        m[n + 1] = NULL;
        *l = m;
        return 0;
}

int strv_extend(char ***l, const char *s)
{
        return strv_consume(l, strdup(s));
}

bool strv_contains(char *const *l, const char *s)
{
        STRV_FOREACH (i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, allocated = 0;

        /* A regular file says its size: one buffer of the right size touches the fewest fresh pages,
         * which on the hook's no-match path cost more than the reading itself. */
        struct stat st;
        size_t first = 4096;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= max)
                first = (size_t)st.st_size + 2;

        for (;;) {
                if (allocated - len < 2) {
                        size_t n = allocated ? allocated * 2 : first;
                        if (n > max + 2)
                                n = max + 2;
                        if (n <= allocated)
                                return -EFBIG;
                        char *m = realloc(buf, n);
                        if (!m)
                                return -ENOMEM;
                        buf = m;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + len, allocated - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > max)
                        return -EFBIG;
        }

        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

char *path_join(const char *dir, const char *name)
{
        char *p = NULL;
        size_t l = strlen(dir);
        bool slash = l > 0 && dir[l - 1] == '/';

        if (asprintf(&p, "%s%s%s", dir, slash ? "" : "/", name) < 0)
                return NULL;
        return p;
}

int path_normalize(const char *p, char **ret, const char **ret_why)
{
        if (isempty(p)) {
                *ret_why = "is empty";
                return -EINVAL;
        }
        if (p[0] != '/') {
                *ret_why = "is not an absolute path";
                return -EINVAL;
        }
        if (strlen(p) >= PATH_MAX) {
                *ret_why = "is longer than PATH_MAX";
                return -EINVAL;
        }

        char *n = malloc(strlen(p) + 1);
        if (!n)
                return -ENOMEM;

        size_t o = 0;
        for (const char *s = p; *s;) {
                while (*s == '/')
                        s++;
                if (!*s)
                        break;
                size_t l = strcspn(s, "/");
                if ((l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.')) {
                        free(n);
                        *ret_why = l == 1 ? "has a \".\" component" : "has a \"..\" component";
                        return -EINVAL;
                }
                n[o++] = '/';
                memcpy(n + o, s, l);
                o += l;
                s += l;
        }
        if (o == 0)
                n[o++] = '/';
        n[o] = 0;

        *ret = n;
        return 0;
}

char *path_dirname(const char *p)
{
        const char *slash = strrchr(p, '/');
        if (!slash || slash == p)
                return strdup("/");
        return strndup(p, (size_t)(slash - p));
}

const char *path_basename(const char *p)
{
        const char *slash = strrchr(p, '/');
        return slash ? slash + 1 : p;
}

bool string_is_glob(const char *s)
{
        return strpbrk(s, "*?[") != NULL;
}

bool string_is_name(const char *s, const char *extra)
{
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!ascii_is_name_char(*s, extra))
                        return false;
        return true;
}

char *strv_join(const char *const *l, const char *sep)
{
        size_t len = 1, ls = strlen(sep);
        for (const char *const *s = l; *s; s++)
                len += strlen(*s) + (s == l ? 0 : ls);

        char *out = malloc(len), *o = out;
        if (!out)
                return NULL;
        for (const char *const *s = l; *s; s++) {
                if (s != l)
                        o = mempcpy(o, sep, ls);
                o = mempcpy(o, *s, strlen(*s));
        }
        *o = 0;
        return out;
}

int parse_uint32(const char *s, uint32_t *ret)
{
        if (isempty(s) || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != 0 || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

char *path_simplify(const char *p)
{
        char *n = malloc(strlen(p) + 2);
        if (!n)
                return NULL;

        size_t o = 0;
        for (const char *s = p; *s;) {
                while (*s == '/')
                        s++;
                if (!*s)
                        break;
                size_t l = strcspn(s, "/");
                if (l == 1 && s[0] == '.') {
                        /* nothing */
                } else if (l == 2 && s[0] == '.' && s[1] == '.') {
                        while (o > 0 && n[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        n[o++] = '/';
                        memcpy(n + o, s, l);
                        o += l;
                }
                s += l;
        }
        if (o == 0)
                n[o++] = '/';
        n[o] = 0;
        return n;
}

int program_path_find(const char *name, bool (*usable)(const char *path, const void *userdata),
                      const void *userdata, char **ret)
{
        for (const char *d = OIH_PROGRAM_PATH; *d;) {
                size_t l = strcspn(d, ":");
                char *path = NULL;
                if (asprintf(&path, "%.*s/%s", (int)l, d, name) < 0)
                        return -ENOMEM;
                if (usable(path, userdata)) {
                        *ret = path;
                        return 0;
                }
                free(path);
                d += l;
                if (*d == ':')
                        d++;
        }
        return -ENOENT;
}

int readlink_malloc(const char *path, char **ret)
{
        for (size_t size = 256;; size *= 2) {
                _cleanup_free_ char *buf = malloc(size);
                if (!buf)
                        return -ENOMEM;
                ssize_t n = readlink(path, buf, size);
                if (n < 0)
                        return negative_errno();
                if ((size_t)n < size) {
                        buf[n] = 0;
                        *ret = TAKE_PTR(buf);
                        return 0;
                }
                if (size > 1024 * 1024)
                        return -ENAMETOOLONG;
        }
}

int file_replace_at(int dfd, const char *name, const char *text, size_t len, mode_t mode, uid_t uid,
                    gid_t gid)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        for (unsigned attempt = 0; fd < 0; attempt++) {
                uint64_t random;
                if (getrandom(&random, sizeof(random), GRND_NONBLOCK) != sizeof(random))
                        random = ((uint64_t)getpid() << 32) ^ attempt;
                free(tmp);
                if (asprintf(&tmp, ".%s.oih-%016llx", name, (unsigned long long)random) < 0) {
                        tmp = NULL;
                        return -ENOMEM;
                }
                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0 && (errno != EEXIST || attempt >= 16))
                        return negative_errno();
        }

        if ((uid != geteuid() || gid != getegid()) && fchown(fd, uid, gid) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (fchmod(fd, mode) < 0) {
                r = negative_errno();
                goto fail;
        }
        for (size_t done = 0; done < len;) {
                ssize_t k = write(fd, text + done, len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = negative_errno();
                        goto fail;
                }
                done += (size_t)k;
        }
        if (close(TAKE_FD(fd)) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = negative_errno();
                goto fail;
        }
        return 0;

fail:
        (void)unlinkat(dfd, tmp, 0);
        return r;
}

static int int_cmp(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;
        return (x > y) - (x < y);
}

void close_all(int *fds, size_t n)
{
        static bool close_range_missing;
        size_t m = 0;

        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        fds[m++] = fds[i];
        qsort(fds, m, sizeof(*fds), int_cmp);
        for (size_t i = 0, j; i < m; i = j + 1) {
                for (j = i; j + 1 < m && fds[j + 1] == fds[j] + 1; j++)
                        ;
                if (!close_range_missing &&
                    syscall(SYS_close_range, (unsigned)fds[i], (unsigned)fds[j], 0U) >= 0)
                        continue;
                close_range_missing = close_range_missing || errno == ENOSYS || errno == EPERM;
                for (size_t k = i; k <= j; k++)
                        (void)close(fds[k]);
        }
}

int rlimit_nofile_reserve(unsigned long need, unsigned long *ret_max)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return negative_errno();
        if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
                return 0;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
                *ret_max = rl.rlim_max;
                return -EMFILE;
        }
        rl.rlim_cur = need;
        return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? negative_errno() : 0;
}

/*
 * How many bytes at p stay as they are: a printable ASCII character, or one whole UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) of a character that does not act on a terminal
 * or a line. 0: the byte at p is escaped. C0 controls, DEL and the C1 controls U+0080-U+009F (a terminal
 * takes "c2 9b" as CSI, the start of an escape sequence) are escaped; so are the line and paragraph
 * separators (a new line to some log viewers) and the bidirectional overrides (they reorder what follows
 * on the screen).
 */
static size_t printable_len(const unsigned char *p)
{
        if (p[0] >= 0x20 && p[0] < 0x7f)
                return 1;

        size_t n;
        unsigned char lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2;
        else if (p[0] >= 0xe0 && p[0] <= 0xef) {
                n = 3;
                lo = p[0] == 0xe0 ? 0xa0 : 0x80;
                hi = p[0] == 0xed ? 0x9f : 0xbf;
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                n = 4;
                lo = p[0] == 0xf0 ? 0x90 : 0x80;
                hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        } else
                return 0;
        if (p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (p[i] < 0x80 || p[i] > 0xbf)
                        return 0;

        uint32_t c = p[0] & (0xff >> (n + 1));
        for (size_t i = 1; i < n; i++)
                c = c << 6 | (p[i] & 0x3f);
        if (c <= 0x9f || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
            (c >= 0x2066 && c <= 0x2069))
                return 0;
        return n;
}

char *string_printable(const char *s)
{
        /* At worst every byte becomes four: "\xNN". */
        char *out = malloc(strlen(s) * 4 + 1), *o = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p;) {
                size_t n = printable_len(p);
                if (n == 0) {
                        o += snprintf(o, 5, "\\x%02x", *p++);
                        continue;
                }
                memcpy(o, p, n);
                o += n;
                p += n;
        }
        *o = 0;
        return out;
}

void fputs_printable(const char *s, FILE *out)
{
        for (const unsigned char *p = (const unsigned char *)s; *p;) {
                size_t n = printable_len(p);
                if (n == 0)
                        (void)fprintf(out, "\\x%02x", *p++);
                else {
                        (void)fwrite(p, 1, n, out);
                        p += n;
                }
        }
}
