/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config-load.h"
#include "log.h"
#include "userns.h"

char *const oih_default_config_dirs[] = { OIH_SYSCONF_CONFIG_DIR, OIH_RUNTIME_CONFIG_DIR, NULL };

void oih_config_set_free(struct oih_config_set *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                oih_config_free(s->items[i]);
        free(s->items);
        strv_free(s->problems);
        free(s);
}

/*
 * Whether st may decide what enters containers: 0 when it may, 1 with *ret_why saying why not, or
 * -ENOMEM. It must be root's or the user's that runs the hook, and writable by nobody else. In a user
 * namespace other than the initial one (rootless podman) files of host users the namespace does not
 * map, root's among them, show the overflow uid: there the hook holds no more than the invoking user's
 * privileges, so such an owner is accepted. Group- or other-writable is refused everywhere.
 */
static int ownership_problem(const char *what, const struct stat *st, char **ret_why)
{
        int r = 0;

        if (st->st_uid != 0 && st->st_uid != geteuid()) {
                _cleanup_free_ char *map = NULL;
                _cleanup_close_ int fd = -1;
                uint32_t outside = 0;
                size_t len;

                if (oih_userns_self_initial())
                        r = asprintf(ret_why, "is owned by uid %u, not by root", (unsigned)st->st_uid);
                else if (st->st_uid == oih_overflow_uid())
                        log_debug(
                                "%s shows uid %u, a host user that the user namespace the hook runs in does not map (root, or another user): accepted, the hook has only its user's privileges here",
                                what, (unsigned)st->st_uid);
                else if ((fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC)) >= 0 &&
                         read_full_fd(fd, 64 * 1024, &map, &len) >= 0 &&
                         oih_id_map_outside(map, st->st_uid, &outside) >= 0)
                        r = asprintf(
                                ret_why,
                                "is owned by uid %u of the user namespace the hook runs in (uid %u outside it), neither root nor the user running the hook",
                                (unsigned)st->st_uid, outside);
                else
                        r = asprintf(
                                ret_why,
                                "is owned by uid %u of the user namespace the hook runs in, neither root nor the user running the hook",
                                (unsigned)st->st_uid);
                if (r != 0)
                        return r < 0 ? -ENOMEM : 1;
        }
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return asprintf(ret_why, "is writable by group or others (mode %04o)",
                                (unsigned)(st->st_mode & 07777)) < 0
                               ? -ENOMEM
                               : 1;
        return 0;
}

static int add_problem(char ***problems, const char *dir, const char *fmt, ...) _printf_(3, 4);
static int add_problem(char ***problems, const char *dir, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL;
        char *line = NULL;
        va_list ap;

        va_start(ap, fmt);
        int r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0) {
                text = NULL;
                return -ENOMEM;
        }
        if (asprintf(&line, "%s: %s", dir, text) < 0)
                return -ENOMEM;
        return strv_consume(problems, line);
}

/* Reads and parses one file of an open folder; a file that cannot be used becomes a broken config. */
static int load_file(int dfd, const char *dir, const char *name, struct oih_config **ret)
{
        _cleanup_free_ char *file = path_join(dir, name);
        _cleanup_free_ char *text = NULL, *why = NULL;
        _cleanup_close_ int fd = -1;
        char *problem = NULL;
        struct stat st;
        size_t len;
        int r;

        if (!file)
                return -ENOMEM;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = asprintf(&problem, "cannot open: %s", strerror(errno));
                goto broken;
        }
        if (fstat(fd, &st) < 0) {
                r = asprintf(&problem, "cannot stat: %s", strerror(errno));
                goto broken;
        }
        if (!S_ISREG(st.st_mode)) {
                r = asprintf(&problem, "is not a regular file; remove it or rename it without \".json\"");
                goto broken;
        }
        r = ownership_problem(file, &st, &why);
        if (r < 0)
                return r;
        if (r > 0) {
                r = asprintf(
                        &problem,
                        "refused: the file %s; it decides which host files enter containers, so make it root's and mode 0644 or stricter",
                        why);
                goto broken;
        }

        r = read_full_fd(fd, OIH_CONFIG_MAX_SIZE, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = asprintf(&problem, "cannot read: %s", r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
                goto broken;
        }
        return oih_config_parse(file, text, len, ret);

broken:
        if (r < 0)
                return -ENOMEM;
        return oih_config_new_broken(file, problem, ret);
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "*.json" names of a folder, sorted. */
static int list_names(int dfd, char ***ret, size_t *ret_n)
{
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }

        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                /* Hidden files are editors' and package managers' temporaries. */
                if (de->d_name[0] == '.' || !endswith(de->d_name, ".json"))
                        continue;
                if (strv_extend(&names, de->d_name) < 0)
                        return -ENOMEM;
                n++;
        }
        if (errno != 0)
                return negative_errno();

        if (n > 1)
                qsort(names, n, sizeof(char *), compare_names);
        *ret = TAKE_PTR(names);
        *ret_n = n;
        return 0;
}

/* Puts c into the set, replacing a config of the same file name from an earlier folder. */
static int set_put(struct oih_config_set *s, struct oih_config *c)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, c->name)) {
                        log_debug("config \"%s\" replaces \"%s\"", c->file, s->items[i]->file);
                        oih_config_free(s->items[i]);
                        s->items[i] = c;
                        return 0;
                }

        struct oih_config **m = reallocarray(s->items, s->n + 1, sizeof(*m));
        if (!m) {
                oih_config_free(c);
                return -ENOMEM;
        }
        s->items = m;
        s->items[s->n++] = c;
        return 0;
}

static int load_dir(struct oih_config_set *s, const char *dir)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        if (dfd < 0) {
                if (errno == ENOENT && strv_contains(oih_default_config_dirs, dir)) {
                        log_debug("config folder \"%s\" does not exist, skipping", dir);
                        return 0;
                }
                return add_problem(&s->problems, dir, "cannot open the config folder: %s", strerror(errno));
        }
        if (fstat(dfd, &st) < 0)
                return add_problem(&s->problems, dir, "cannot stat the config folder: %s", strerror(errno));
        _cleanup_free_ char *why = NULL;
        int r = ownership_problem(dir, &st, &why);
        if (r < 0)
                return r;
        if (r > 0)
                return add_problem(
                        &s->problems, dir,
                        "config folder refused, none of its files is read: the folder %s; make it root's and mode 0755 or stricter",
                        why);

        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0;
        r = list_names(dfd, &names, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_problem(&s->problems, dir, "cannot list the config folder: %s", strerror(-r));

        for (size_t i = 0; i < n; i++) {
                struct oih_config *c = NULL;
                r = load_file(dfd, dir, names[i], &c);
                if (r < 0)
                        return r;
                r = set_put(s, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_configs(const void *a, const void *b)
{
        const struct oih_config *x = *(struct oih_config *const *)a, *y = *(struct oih_config *const *)b;
        return strcmp(x->name, y->name);
}

int oih_config_set_load(char *const *dirs, struct oih_config_set **ret)
{
        struct oih_config_set *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;

        STRV_FOREACH (dir, dirs) {
                int r = load_dir(s, *dir);
                if (r < 0) {
                        oih_config_set_free(s);
                        return r;
                }
        }

        if (s->n > 1)
                qsort(s->items, s->n, sizeof(*s->items), compare_configs);
        *ret = s;
        return 0;
}
