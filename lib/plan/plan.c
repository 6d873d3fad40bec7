/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "elf-library.h"
#include "json.h"
#include "ldso-cache.h"
#include "log.h"
#include "mount-options.h"
#include "plan.h"

/* As many links as the kernel follows in one path walk. */
#define MAX_SYMLINK_HOPS 40

/* Where bare names are found: programs in this fixed PATH (never the environment's), libraries in the
 * host's own ld cache, as the host's ld.so finds them. */
#define HOST_PATH       "/usr/sbin:/usr/bin:/sbin:/bin"
#define HOST_LDSO_CACHE "/etc/ld.so.cache"
#define LDSO_CACHE_MAX  (64 * 1024 * 1024)
static const char *host_ldso_cache = HOST_LDSO_CACHE;

void oih_plan_host_ldso_cache_for_tests(const char *path)
{
        host_ldso_cache = path ?: HOST_LDSO_CACHE;
}

static const char *const op_names[_OIH_OP_MAX] = {
        [OIH_OP_MODULE] = "module", [OIH_OP_MKDIR] = "mkdir",     [OIH_OP_MOUNT] = "mount",
        [OIH_OP_DEVICE] = "device", [OIH_OP_BIND] = "bind",       [OIH_OP_SYMLINK] = "symlink",
        [OIH_OP_COPY] = "copy",     [OIH_OP_PRESENT] = "present", [OIH_OP_LDCACHE] = "ldcache",
};

const char *oih_op_type_name(enum oih_op_type type)
{
        return type < _OIH_OP_MAX ? op_names[type] : "?";
}

int oih_plan_new(struct oih_plan **ret)
{
        struct oih_plan *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static void op_done(struct oih_op *op)
{
        free(op->config);
        free(op->source);
        free(op->target);
        strv_free(op->dirs);
        free(op->soname);
        free(op->lookup);
        for (size_t i = 0; i < op->n_ld_entries; i++) {
                free(op->ld_entries[i].soname);
                free(op->ld_entries[i].path);
        }
        free(op->ld_entries);
}

void oih_plan_free(struct oih_plan *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                op_done(&p->ops[i]);
        free(p->ops);
        strv_free(p->configs);
        free(p->host_ldso_cache);
        free(p);
}

/* "FILE: devices[2] "/dev/foo": what is wrong" */
static int entry_error(oih_error **err, int code, const struct oih_config *c, const struct oih_entry *e,
                       const char *path, const char *fmt, ...) _printf_(6, 7);
static int entry_error(oih_error **err, int code, const struct oih_config *c, const struct oih_entry *e,
                       const char *path, const char *fmt, ...)
{
        _cleanup_free_ char *what = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        return oih_error_set(err, code, "%s: %s[%u] \"%s\": %s", c->file, oih_kind_key(e->kind), e->index,
                             path, what);
}

static const char *file_type_name(mode_t mode)
{
        switch (mode & S_IFMT) {
        case S_IFREG:
                return "a regular file";
        case S_IFDIR:
                return "a folder";
        case S_IFLNK:
                return "a symbolic link";
        case S_IFCHR:
                return "a character device";
        case S_IFBLK:
                return "a block device";
        case S_IFIFO:
                return "a FIFO";
        case S_IFSOCK:
                return "a socket";
        }
        return "of an unknown type";
}

/* Two operations do the same thing: a second config asking for it adds nothing. A host file is the
 * same by its identity, however its path is spelt ("lib/../lib2/x" is "lib2/x"). */
static bool op_same(const struct oih_op *a, const struct oih_op *b)
{
        if (a->type != b->type)
                return false;
        if (a->type == OIH_OP_MKDIR)
                return true;
        if (a->rdev != b->rdev || a->mount_flags != b->mount_flags)
                return false;
        if (a->ino != 0 || b->ino != 0)
                return a->dev == b->dev && a->ino == b->ino;
        return streq_ptr(a->source, b->source);
}

/* Appends op (taking its strings whatever happens), unless an operation already does the same. */
static int plan_add_op(struct oih_plan *p, struct oih_op *op, oih_error **err)
{
        for (size_t i = 0; i < p->n; i++) {
                struct oih_op *o = &p->ops[i];
                bool same_key = op->target ? streq_ptr(o->target, op->target)
                                           : (o->type == op->type && streq_ptr(o->source, op->source));
                if (!same_key)
                        continue;
                /* A folder to make and a folder mounted on the same place: the mount makes it. */
                if ((o->type == OIH_OP_MKDIR && op->type == OIH_OP_MOUNT && S_ISDIR(op->mode)) ||
                    (o->type == OIH_OP_MOUNT && S_ISDIR(o->mode) && op->type == OIH_OP_MKDIR)) {
                        if (o->type == OIH_OP_MKDIR) {
                                op_done(o);
                                *o = *op;
                        } else
                                op_done(op);
                        return 0;
                }
                if (op_same(o, op)) {
                        log_debug("%s: %s \"%s\" is already planned by \"%s\"", op->config,
                                  oih_op_type_name(op->type), op->target ?: op->source, o->config);
                        /* A file listed as a binary and as a library is a library: the ld cache needs it. */
                        if (op->kind == OIH_KIND_LIBRARY && o->kind != OIH_KIND_LIBRARY) {
                                o->kind = OIH_KIND_LIBRARY;
                                free(o->soname);
                                o->soname = TAKE_PTR(op->soname);
                                o->ld_flags = op->ld_flags;
                        }
                        op_done(op);
                        return 0;
                }
                int r = oih_error_set(
                        err, EEXIST,
                        "\"%s\" and \"%s\" both inject \"%s\", from \"%s\" (%s) and \"%s\" (%s); remove it from one of them",
                        o->config, op->config, op->target, o->source ?: "-", oih_op_type_name(o->type),
                        op->source ?: "-", oih_op_type_name(op->type));
                op_done(op);
                return r;
        }

        struct oih_op *m = reallocarray(p->ops, p->n + 1, sizeof(*m));
        if (!m) {
                op_done(op);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        p->ops = m;
        p->ops[p->n++] = *op;
        return 0;
}

/* What ld.so needs to know of a library: see struct oih_op. */
struct library_facts {
        char *soname;
        int32_t ld_flags;
};

/* Makes and adds an operation; source and target are copied, the soname of lib is taken. */
static int add_op_full(struct oih_plan *p, const struct oih_config *c, enum oih_op_type type,
                       enum oih_kind kind, const char *source, const char *target, const struct stat *st,
                       unsigned mount_flags, struct library_facts *lib, oih_error **err)
{
        struct oih_op op = {
                .type = type,
                .kind = kind,
                .config = strdup(c->file),
                .source = source ? strdup(source) : NULL,
                .target = target ? strdup(target) : NULL,
                .mount_flags = mount_flags,
                .soname = lib ? TAKE_PTR(lib->soname) : NULL,
                .ld_flags = lib ? lib->ld_flags : 0,
        };
        if (st) {
                op.mode = st->st_mode;
                op.rdev = S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? st->st_rdev : 0;
                op.dev = st->st_dev;
                op.ino = st->st_ino;
                op.uid = st->st_uid;
                op.gid = st->st_gid;
        }
        if (type == OIH_OP_MKDIR)
                op.mode = S_IFDIR | 0755;

        if (!op.config || (source && !op.source) || (target && !op.target)) {
                op_done(&op);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        return plan_add_op(p, &op, err);
}

static int add_op(struct oih_plan *p, const struct oih_config *c, enum oih_op_type type, enum oih_kind kind,
                  const char *source, const char *target, const struct stat *st, unsigned mount_flags,
                  oih_error **err)
{
        return add_op_full(p, c, type, kind, source, target, st, mount_flags, NULL, err);
}

/* Reads the library's soname and kind from its ELF file. A file the hook cannot describe is no error:
 * ldconfig, which then refreshes the cache, decides what it is. */
static int read_library_facts_fd(int fd, const char *path, struct library_facts *ret)
{
        struct oih_elf_library lib = {};

        *ret = (struct library_facts){};
        int r = fd < 0 ? negative_errno() : oih_elf_library_read(fd, &lib);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("\"%s\": %s: ldconfig will refresh the ld cache", path,
                          r == -ENOEXEC ? "not an ELF library" : strerror(-r));
                return 0;
        }
        if (oih_ldso_cache_flags(lib.machine, lib.elf_class, &ret->ld_flags) < 0)
                log_debug(
                        "\"%s\": a library of ELF machine %u, class %u: ldconfig will refresh the ld cache",
                        path, lib.machine, lib.elf_class);
        else
                ret->soname = TAKE_PTR(lib.soname);
        oih_elf_library_done(&lib);
        return 0;
}

static int read_library_facts(const char *path, struct library_facts *ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        return read_library_facts_fd(fd, path, ret);
}

/* A host path that is not there: dropped for an optional entry, an error for any other. */
static int missing(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                   const char *path, int code, oih_error **err)
{
        if (e->optional) {
                log_info("%s: %s[%u] \"%s\" is not on this host (%s), skipping the optional entry", c->file,
                         oih_kind_key(e->kind), e->index, path, strerror(code));
                p->dropped[e->kind]++;
                return 0;
        }
        return entry_error(
                err, code, c, e, path,
                "not on this host (%s); install what provides it, fix the path, or mark the entry \"optional\": true",
                strerror(code));
}

static bool is_missing(int code)
{
        return code == ENOENT || code == ENOTDIR;
}

/* A library: follow its symlink chain on the host, then add the real file and the links. `mismatches`
 * as for plan_path(): a glob's match that is no library (a folder, a dangling link) is skipped. */
static int plan_library(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                        const char *host, const char *container, size_t *mismatches, oih_error **err)
{
        struct link {
                char *target;
                char *text;
        } links[MAX_SYMLINK_HOPS] = {};
        size_t n_links = 0;
        _cleanup_free_ char *h = strdup(host), *t = strdup(container);
        struct stat st;
        int r = 0;

        if (!h || !t)
                return oih_error_set(err, ENOMEM, "out of memory");

        for (;;) {
                if (lstat(h, &st) < 0) {
                        if (mismatches && is_missing(errno)) {
                                (*mismatches)++;
                                log_debug(
                                        "%s: %s[%u]: \"%s\" leads nowhere; skipping this match of the glob",
                                        c->file, oih_kind_key(e->kind), e->index, host);
                                r = 0;
                                goto finish;
                        }
                        r = is_missing(errno)
                                    ? missing(p, c, e, h, errno, err)
                                    : entry_error(err, errno, c, e, h, "cannot stat: %s", strerror(errno));
                        goto finish;
                }
                if (!S_ISLNK(st.st_mode))
                        break;
                if (n_links == MAX_SYMLINK_HOPS && mismatches) {
                        (*mismatches)++;
                        log_debug(
                                "%s: %s[%u]: \"%s\" is a loop of symbolic links; skipping this match of the glob",
                                c->file, oih_kind_key(e->kind), e->index, host);
                        r = 0;
                        goto finish;
                }
                if (n_links == MAX_SYMLINK_HOPS) {
                        r = entry_error(err, ELOOP, c, e, host, "more than %d symbolic links in a chain",
                                        MAX_SYMLINK_HOPS);
                        goto finish;
                }

                _cleanup_free_ char *text = NULL, *next_h = NULL, *next_t = NULL;
                r = readlink_malloc(h, &text);
                if (r < 0) {
                        r = entry_error(err, -r, c, e, h, "cannot read the symbolic link: %s", strerror(-r));
                        goto finish;
                }
                if (text[0] == '/') {
                        next_h = strdup(text);
                        next_t = path_simplify(text);
                } else {
                        /* A relative link is relative to the folder that holds it, on both sides. */
                        _cleanup_free_ char *hd = path_dirname(h), *td = path_dirname(t), *tj = NULL;
                        next_h = hd ? path_join(hd, text) : NULL;
                        tj = td ? path_join(td, text) : NULL;
                        next_t = tj ? path_simplify(tj) : NULL;
                }
                if (!next_h || !next_t) {
                        r = oih_error_set(err, ENOMEM, "out of memory");
                        goto finish;
                }
                links[n_links++] = (struct link){ .target = TAKE_PTR(t), .text = TAKE_PTR(text) };
                free(h);
                h = TAKE_PTR(next_h);
                t = TAKE_PTR(next_t);
        }

        if (!S_ISREG(st.st_mode)) {
                if (mismatches) {
                        (*mismatches)++;
                        log_debug(
                                "%s: %s[%u]: \"%s\" is %s, not a library file; skipping this match of the glob",
                                c->file, oih_kind_key(e->kind), e->index, host, file_type_name(st.st_mode));
                        r = 0;
                        goto finish;
                }
                r = entry_error(err, EINVAL, c, e, h, "is %s, not a library file",
                                file_type_name(st.st_mode));
                goto finish;
        }
        if (streq(t, "/")) {
                r = entry_error(err, EINVAL, c, e, host, "its symbolic links lead to the container's root");
                goto finish;
        }

        struct library_facts lib;
        r = read_library_facts(h, &lib);
        if (r < 0) {
                r = oih_error_set(err, ENOMEM, "out of memory");
                goto finish;
        }
        r = add_op_full(p, c, c->inject == OIH_INJECT_COPY ? OIH_OP_COPY : OIH_OP_BIND, e->kind, h, t, &st,
                        OIH_MOUNT_FILE_DEFAULTS, &lib, err);
        free(lib.soname);
        for (size_t i = n_links; r >= 0 && i > 0; i--)
                r = add_op(p, c, OIH_OP_SYMLINK, e->kind, links[i - 1].text, links[i - 1].target, NULL, 0,
                           err);

finish:
        for (size_t i = 0; i < n_links; i++) {
                free(links[i].target);
                free(links[i].text);
        }
        return r;
}

/* One host path (already expanded from a glob) of an entry. `mismatches`: when not NULL, a file of
 * another type is skipped and counted there instead of being an error. */
static int plan_path(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                     const char *host, const char *container, size_t *mismatches, oih_error **err)
{
        struct stat st;

        if (e->kind == OIH_KIND_LIBRARY)
                return plan_library(p, c, e, host, container, mismatches, err);
        if (e->kind == OIH_KIND_DIRECTORY)
                /* A folder made in the container, as the Go hook's MkdirAll made it: no host folder. */
                return add_op(p, c, OIH_OP_MKDIR, e->kind, NULL, container, NULL, 0, err);

        if (stat(host, &st) < 0) {
                if (is_missing(errno))
                        return missing(p, c, e, host, errno, err);
                return entry_error(err, errno, c, e, host, "cannot stat: %s", strerror(errno));
        }

        mode_t type = st.st_mode & S_IFMT;
        const char *expected = NULL;
        switch (e->kind) {
        case OIH_KIND_DEVICE:
                if (type != S_IFCHR && type != S_IFBLK) {
                        expected = "a device node";
                        break;
                }
                /* The config may name the device it means: a node with another number is refused. */
                if ((e->major >= 0 && major(st.st_rdev) != e->major) ||
                    (e->minor >= 0 && minor(st.st_rdev) != e->minor)) {
                        if (mismatches) {
                                /* A glob's other devices are simply not the ones asked for. */
                                (*mismatches)++;
                                log_debug(
                                        "%s: %s[%u]: \"%s\" is device %u:%u, not the one named; skipping this match of the glob",
                                        c->file, oih_kind_key(e->kind), e->index, host, major(st.st_rdev),
                                        minor(st.st_rdev));
                                return 0;
                        }
                        char want_major[24] = "*", want_minor[24] = "*";
                        if (e->major >= 0)
                                snprintf(want_major, sizeof(want_major), "%" PRId64, e->major);
                        if (e->minor >= 0)
                                snprintf(want_minor, sizeof(want_minor), "%" PRId64, e->minor);
                        return entry_error(
                                err, ESTALE, c, e, host,
                                "is device %u:%u on the host, not the %s:%s the config names; refusing it",
                                major(st.st_rdev), minor(st.st_rdev), want_major, want_minor);
                }
                return add_op(p, c, OIH_OP_DEVICE, e->kind, host, container, &st, 0, err);
        case OIH_KIND_BINARY:
        case OIH_KIND_MISCELLANEOUS:
                if (type == S_IFREG) {
                        bool copy = e->kind == OIH_KIND_MISCELLANEOUS || c->inject == OIH_INJECT_COPY;
                        return add_op(p, c, copy ? OIH_OP_COPY : OIH_OP_BIND, e->kind, host, container, &st,
                                      OIH_MOUNT_FILE_DEFAULTS, err);
                }
                expected = "a regular file";
                break;
        case OIH_KIND_MOUNT:
                if (type == S_IFDIR || type == S_IFREG || type == S_IFSOCK || type == S_IFIFO)
                        return add_op(p, c, OIH_OP_MOUNT, e->kind, host, container, &st, e->mount_flags,
                                      err);
                expected = "a folder, a file or a socket (list device nodes under \"devices\")";
                break;
        default:
                return oih_error_set(err, EINVAL, "%s: unknown entry kind", c->file);
        }

        if (mismatches) {
                (*mismatches)++;
                log_debug("%s: %s[%u]: \"%s\" is %s, not %s; skipping this match of the glob", c->file,
                          oih_kind_key(e->kind), e->index, host, file_type_name(st.st_mode), expected);
                return 0;
        }
        return entry_error(err, EINVAL, c, e, host, "is %s on the host, expected %s",
                           file_type_name(st.st_mode), expected);
}

static int glob_error(const char *path, int code)
{
        log_debug("glob: cannot read \"%s\": %s", path, strerror(code));
        return 0;
}

static int plan_glob(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                     oih_error **err)
{
        glob_t g = {};
        /* glob sorts with strcoll(), and the hook never sets a locale: byte order, the same on every host.
         */
        int r = glob(e->path, 0, glob_error, &g);

        if (r == GLOB_NOSPACE) {
                globfree(&g);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        if (r == GLOB_NOMATCH || g.gl_pathc == 0) {
                globfree(&g);
                if (e->optional) {
                        log_info(
                                "%s: %s[%u] \"%s\" matches nothing on this host, skipping the optional entry",
                                c->file, oih_kind_key(e->kind), e->index, e->path);
                        p->dropped[e->kind]++;
                        return 0;
                }
                return entry_error(
                        err, ENOENT, c, e, e->path,
                        "matches nothing on this host; install what provides it, fix the pattern, or mark the entry \"optional\": true");
        }

        /* Count what was skipped, not what was added: a match another entry already planned adds nothing. */
        size_t matches = g.gl_pathc, mismatches = 0;
        r = 0;
        for (size_t i = 0; r >= 0 && i < g.gl_pathc; i++)
                r = plan_path(p, c, e, g.gl_pathv[i], g.gl_pathv[i], &mismatches, err);
        globfree(&g);
        if (r >= 0 && mismatches == matches) {
                if (!e->optional)
                        return entry_error(err, ENOENT, c, e, e->path,
                                           "matches no file of the right type on this host");
                p->dropped[e->kind]++;
        }
        return r;
}

/* The host's ld cache, read once per plan. */
static int host_ldso_cache_read(struct oih_plan *p)
{
        if (p->host_ldso_cache)
                return 0;
        _cleanup_close_ int fd = open(host_ldso_cache, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EPROTONOSUPPORT;
        int r = read_full_fd(fd, LDSO_CACHE_MAX, &p->host_ldso_cache, &p->host_ldso_cache_len);
        return r == -EFBIG ? -EPROTONOSUPPORT : r;
}

/* A bare library name: the library the host's ld.so would load for it. */
static int find_library(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                        char **ret, oih_error **err)
{
        int32_t flags;
        int r = oih_ldso_cache_host_flags(&flags);
        if (r < 0)
                return entry_error(
                        err, EOPNOTSUPP, c, e, e->path,
                        "bare library names are looked up on x86-64 and arm64 hosts only; give the library's path");
        r = host_ldso_cache_read(p);
        if (r == -ENOENT)
                return -ENOENT; /* a host without glibc's cache knows no library by its soname */
        if (r == -ENOMEM)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = oih_ldso_cache_lookup(p->host_ldso_cache, p->host_ldso_cache_len, e->path, flags, ret);
        if (r == -ENOENT || r == -ENOMEM)
                return r == -ENOMEM ? oih_error_set(err, ENOMEM, "out of memory") : r;
        if (r < 0)
                return entry_error(
                        err, -r, c, e, e->path,
                        "cannot read the host's ld cache \"%s\" (%s); run ldconfig, or give the library's path",
                        host_ldso_cache,
                        r == -EPROTONOSUPPORT ? "not a cache this hook knows" : strerror(-r));
        return 0;
}

/* A bare program name: the first regular, executable file of that name in HOST_PATH. */
static int find_program(const char *name, char **ret)
{
        const char *dirs = HOST_PATH;
        for (const char *d = dirs; *d;) {
                size_t l = strcspn(d, ":");
                _cleanup_free_ char *dir = strndup(d, l);
                _cleanup_free_ char *path = dir ? path_join(dir, name) : NULL;
                struct stat st;
                if (!path)
                        return -ENOMEM;
                if (stat(path, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
                        *ret = TAKE_PTR(path);
                        return 0;
                }
                d += l;
                if (*d == ':')
                        d++;
        }
        return -ENOENT;
}

/* A bare library or program name: found on the host, then planned as the path it was found at. */
static int plan_bare(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                     oih_error **err)
{
        bool library = e->kind == OIH_KIND_LIBRARY;
        const char *in = library ? "the host's ld cache" : "the host's " HOST_PATH;
        _cleanup_free_ char *found = NULL;

        int r = library ? find_library(p, c, e, &found, err) : find_program(e->path, &found);
        if (r == -ENOMEM && !library)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (r == -ENOENT) {
                if (e->optional) {
                        log_info("%s: %s[%u] \"%s\" is not in %s, skipping the optional entry", c->file,
                                 oih_kind_key(e->kind), e->index, e->path, in);
                        p->dropped[e->kind]++;
                        return 0;
                }
                return entry_error(
                        err, ENOENT, c, e, e->path,
                        library ? "not in the host's ld cache \"%s\"; install what provides it (and run ldconfig), give its path, or mark the entry \"optional\": true"
                                : "not in %s on this host; install what provides it, give its path, or mark the entry \"optional\": true",
                        library ? host_ldso_cache : HOST_PATH);
        }
        if (r < 0)
                return r;

        log_debug("%s: %s[%u] \"%s\" found at \"%s\" in %s", c->file, oih_kind_key(e->kind), e->index,
                  e->path, found, in);
        const char *container = e->container_path ?: found;
        r = plan_path(p, c, e, found, container, NULL, err);
        if (r < 0)
                return r;
        /* What the plan shows: the first operation of the entry, at its container path. */
        for (size_t i = 0; i < p->n; i++)
                if (streq_ptr(p->ops[i].target, container) && !p->ops[i].lookup) {
                        p->ops[i].lookup = strdup(e->path);
                        if (!p->ops[i].lookup)
                                return oih_error_set(err, ENOMEM, "out of memory");
                }
        return 0;
}

int oih_plan_add_entry(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                       oih_error **err)
{
        if (e->bare)
                return plan_bare(p, c, e, err);
        if (e->glob)
                return plan_glob(p, c, e, err);
        return plan_path(p, c, e, e->path, e->container_path ?: e->path, NULL, err);
}

/* Hook mode serves a config with keys it does not know, as the Go hook did, and says so once. */
static void warn_ignored_keys(const struct oih_config *c)
{
        _cleanup_free_ char *list = NULL;
        STRV_FOREACH (k, c->ignored_keys) {
                char *n = NULL;
                if (asprintf(&n, "%s%s\"%s\"", list ?: "", list ? ", " : "", *k) < 0)
                        return;
                free(list);
                list = n;
        }
        log_warning("%s: ignoring unknown key%s %s; 'oci-injector-hook validate' lists what is known",
                    c->file, strv_length(c->ignored_keys) == 1 ? "" : "s", list);
}

int oih_plan_add_config(struct oih_plan *p, const struct oih_config *c, oih_error **err)
{
        int r;

        if (strv_extend(&p->configs, c->file) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (c->ignored_keys)
                warn_ignored_keys(c);

        STRV_FOREACH (m, c->modules)
                if ((r = add_op(p, c, OIH_OP_MODULE, OIH_KIND_DEVICE, *m, NULL, NULL, 0, err)) < 0)
                        return r;
        size_t dropped_libraries = p->dropped[OIH_KIND_LIBRARY],
               dropped_devices = p->dropped[OIH_KIND_DEVICE];
        size_t libraries = 0, devices = 0;
        for (size_t i = 0; i < c->n_entries; i++) {
                if ((r = oih_plan_add_entry(p, c, &c->entries[i], err)) < 0)
                        return r;
                libraries += c->entries[i].kind == OIH_KIND_LIBRARY;
                devices += c->entries[i].kind == OIH_KIND_DEVICE;
        }
        dropped_libraries = p->dropped[OIH_KIND_LIBRARY] - dropped_libraries;
        dropped_devices = p->dropped[OIH_KIND_DEVICE] - dropped_devices;
        if (libraries > 0 && dropped_libraries == libraries && devices > dropped_devices)
                log_warning(
                        "%s: none of its libraries is on this host (each was skipped as optional), but its devices are injected: the container gets the devices without the libraries that drive them; install them on the host, or fix the library entries",
                        c->file);
        return 0;
}

/* The container folders that hold injected libraries: what the ld cache must search. */
static int library_dirs(const struct oih_plan *p, char ***ret)
{
        _cleanup_strv_free_ char **dirs = NULL;

        for (size_t i = 0; i < p->n; i++) {
                const struct oih_op *o = &p->ops[i];
                if (o->kind != OIH_KIND_LIBRARY || !o->target)
                        continue;
                _cleanup_free_ char *d = path_dirname(o->target);
                if (!d)
                        return -ENOMEM;
                if (!strv_contains(dirs, d) && strv_consume(&dirs, TAKE_PTR(d)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(dirs);
        return 0;
}

static struct oih_op *op_at(struct oih_plan *p, const char *target)
{
        for (size_t i = 0; i < p->n; i++)
                if (streq_ptr(p->ops[i].target, target))
                        return &p->ops[i];
        return NULL;
}

static int add_ld_entry(struct oih_op *ld, const char *soname, const char *path, int32_t flags)
{
        for (size_t i = 0; i < ld->n_ld_entries; i++)
                if (streq(ld->ld_entries[i].soname, soname) && streq(ld->ld_entries[i].path, path))
                        return 0;
        struct oih_ldso_cache_entry *m = reallocarray(ld->ld_entries, ld->n_ld_entries + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        ld->ld_entries = m;
        m[ld->n_ld_entries] = (struct oih_ldso_cache_entry){ .soname = strdup(soname),
                                                             .path = strdup(path),
                                                             .flags = flags };
        if (!m[ld->n_ld_entries].soname || !m[ld->n_ld_entries].path) {
                free(m[ld->n_ld_entries].soname);
                free(m[ld->n_ld_entries].path);
                return -ENOMEM;
        }
        ld->n_ld_entries++;
        return 0;
}

/* Adds the link `path` -> `text` that ldconfig would make: of two libraries with one soname in one folder,
 * the newest version ("libfoo.so.1.10" over "libfoo.so.1.9"). implied/n_implied: the links made so far. */
static int add_soname_link(struct oih_plan *p, const struct oih_op *lib, const char *path, const char *text,
                           size_t **implied, size_t *n_implied)
{
        struct oih_op *there = op_at(p, path);
        if (there) {
                for (size_t i = 0; i < *n_implied; i++)
                        if (&p->ops[(*implied)[i]] == there && oih_ldso_libcmp(text, there->source) > 0) {
                                char *t = strdup(text);
                                if (!t)
                                        return -ENOMEM;
                                free(there->source);
                                there->source = t;
                        }
                /* A link or the library itself, named so by a config: ld.so finds it there. */
                return there->type == OIH_OP_SYMLINK || there->type == OIH_OP_BIND ||
                                       there->type == OIH_OP_COPY
                               ? 0
                               : -EEXIST;
        }

        size_t *m = reallocarray(*implied, *n_implied + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *implied = m;
        struct oih_op op = {
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup(lib->config),
                .source = strdup(text),
                .target = strdup(path),
        };
        struct oih_op *ops = reallocarray(p->ops, p->n + 1, sizeof(*ops));
        if (!op.config || !op.source || !op.target || !ops) {
                if (ops)
                        p->ops = ops;
                op_done(&op);
                return -ENOMEM;
        }
        p->ops = ops;
        m[(*n_implied)++] = p->n;
        p->ops[p->n++] = op;
        return 0;
}

/*
 * What ldconfig would do for the injected libraries, planned in ld: each library's entry in the ld cache,
 * and its soname link where no config made one. ld->ld_merge stays false when a library is one the hook
 * cannot describe to ld.so: then ldconfig does it all.
 */
static int plan_ld_entries(struct oih_plan *p, struct oih_op *ld)
{
        _cleanup_free_ size_t *implied = NULL;
        size_t n_implied = 0, n = p->n, libraries = 0;

        for (size_t i = 0; i < n; i++) {
                const struct oih_op *o = &p->ops[i];
                if (o->kind != OIH_KIND_LIBRARY ||
                    (o->type != OIH_OP_BIND && o->type != OIH_OP_COPY && o->type != OIH_OP_PRESENT))
                        continue;
                libraries++;
                const char *name = path_basename(o->target);
                if (!oih_ldso_cache_name_ok(name))
                        continue; /* ldconfig leaves it out too */
                if (o->ld_flags == 0)
                        return 0;
                const char *soname = o->soname ?: name;
                _cleanup_free_ char *dir = path_dirname(o->target);
                _cleanup_free_ char *link = dir ? path_join(dir, soname) : NULL;
                if (!link)
                        return -ENOMEM;
                int32_t flags = o->ld_flags;
                if (!streq(soname, name)) {
                        /* name and soname live in o's strings, which stay where they are when
                         * add_soname_link() moves the operations: o does not. */
                        int r = add_soname_link(p, o, link, name, &implied, &n_implied);
                        if (r == -EEXIST)
                                return 0; /* something else is planned there: ldconfig sorts it out */
                        if (r < 0)
                                return r;
                }
                if (add_ld_entry(ld, soname, link, flags) < 0)
                        return -ENOMEM;
        }
        /* Folders and links without a library the plan knows (the ldcache entry point's old arguments):
         * nothing to describe to ld.so, so ldconfig looks at the folders. */
        ld->ld_merge = libraries > 0;
        return 0;
}

int oih_plan_finish(struct oih_plan *p)
{
        _cleanup_strv_free_ char **dirs = NULL;
        if (library_dirs(p, &dirs) < 0)
                return -ENOMEM;

        struct oih_op ld = { .type = OIH_OP_LDCACHE, .kind = OIH_KIND_LIBRARY };
        if (dirs) {
                int r = plan_ld_entries(p, &ld);
                if (r < 0) {
                        op_done(&ld);
                        return r;
                }
                if (!ld.ld_merge) {
                        /* Entries planned before a library the hook cannot describe: ldconfig does them. */
                        op_done(&ld);
                        ld = (struct oih_op){ .type = OIH_OP_LDCACHE, .kind = OIH_KIND_LIBRARY };
                }
                ld.dirs = TAKE_PTR(dirs);
        }

        size_t n = p->n + (ld.dirs ? 1 : 0);
        struct oih_op *sorted = calloc(n ?: 1, sizeof(*sorted));
        if (!sorted) {
                op_done(&ld);
                return -ENOMEM;
        }

        /* A stable sort by type: within a type, the order of the configs and of their entries. */
        size_t k = 0;
        for (enum oih_op_type t = 0; t < _OIH_OP_MAX; t++)
                for (size_t i = 0; i < p->n; i++)
                        if (p->ops[i].type == t)
                                sorted[k++] = p->ops[i];
        if (ld.dirs)
                sorted[k++] = ld;

        free(p->ops);
        p->ops = sorted;
        p->n = k;
        return 0;
}

int oih_plan_build(struct oih_config *const *configs, size_t n, struct oih_plan **ret, oih_error **err)
{
        _cleanup_plan_ struct oih_plan *p = NULL;
        int r;

        if (oih_plan_new(&p) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                if ((r = oih_plan_add_config(p, configs[i], err)) < 0)
                        return r;
        if (oih_plan_finish(p) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");

        *ret = TAKE_PTR(p);
        return 0;
}

int oih_plan_add_symlink(struct oih_plan *p, const char *label, const char *target, const char *text)
{
        struct oih_op op = {
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup(label),
                .source = strdup(text),
                .target = strdup(target),
        };
        if (!op.config || !op.source || !op.target) {
                op_done(&op);
                return -ENOMEM;
        }
        return plan_add_op(p, &op, NULL) == -ENOMEM ? -ENOMEM : 0;
}

int oih_plan_add_present_library(struct oih_plan *p, const char *label, const char *target, int fd)
{
        struct library_facts lib;
        int r = read_library_facts_fd(fd, target, &lib);
        if (r < 0)
                return r;
        struct oih_op op = {
                .type = OIH_OP_PRESENT,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup(label),
                .target = strdup(target),
                .soname = TAKE_PTR(lib.soname),
                .ld_flags = lib.ld_flags,
        };
        if (!op.config || !op.target) {
                op_done(&op);
                return -ENOMEM;
        }
        return plan_add_op(p, &op, NULL) == -ENOMEM ? -ENOMEM : 0;
}

int oih_plan_add_ldcache(struct oih_plan *p, char *const *dirs)
{
        struct oih_op *ld = NULL;
        for (size_t i = 0; i < p->n; i++)
                if (p->ops[i].type == OIH_OP_LDCACHE)
                        ld = &p->ops[i];
        if (!ld) {
                struct oih_op *m = reallocarray(p->ops, p->n + 1, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                p->ops = m;
                ld = &p->ops[p->n++];
                *ld = (struct oih_op){ .type = OIH_OP_LDCACHE, .kind = OIH_KIND_LIBRARY };
        }
        STRV_FOREACH (d, dirs)
                if (!strv_contains(ld->dirs, *d) && strv_extend(&ld->dirs, *d) < 0)
                        return -ENOMEM;
        return 0;
}

static char *op_detail(const struct oih_op *o)
{
        char *s = NULL;
        int r = 0;

        switch (o->type) {
        case OIH_OP_DEVICE:
                r = asprintf(&s, "%c %u:%u %04o", S_ISBLK(o->mode) ? 'b' : 'c', major(o->rdev),
                             minor(o->rdev), o->mode & 07777);
                break;
        case OIH_OP_MKDIR:
        case OIH_OP_COPY:
                r = asprintf(&s, "%04o", o->mode & 07777);
                break;
        case OIH_OP_MOUNT:
        case OIH_OP_BIND:
                s = oih_mount_flags_to_string(o->mount_flags);
                break;
        default:
                s = strdup("");
        }
        return r < 0 ? NULL : s;
}

static char *dirs_joined(char *const *dirs)
{
        size_t l = 1;
        STRV_FOREACH (d, dirs)
                l += strlen(*d) + 1;
        char *s = malloc(l), *e = s;
        if (!s)
                return NULL;
        *e = 0;
        STRV_FOREACH (d, dirs)
                e = stpcpy(e == s ? e : stpcpy(e, ":"), *d);
        return s;
}

static int print_json(const struct oih_plan *p, FILE *out)
{
        oih_json_writer *w = oih_json_writer_new(out, true);
        if (!w)
                return -ENOMEM;

        oih_json_write_object_open(w);
        oih_json_write_string(w, "configs");
        oih_json_write_array_open(w);
        STRV_FOREACH (c, p->configs)
                oih_json_write_string(w, *c);
        oih_json_write_array_close(w);

        oih_json_write_string(w, "operations");
        oih_json_write_array_open(w);
        for (size_t i = 0; i < p->n; i++) {
                const struct oih_op *o = &p->ops[i];
                oih_json_write_object_open(w);
                oih_json_write_pair(w, "op", oih_op_type_name(o->type));
                if (o->config)
                        oih_json_write_pair(w, "config", o->config);
                if (o->type != OIH_OP_MODULE)
                        oih_json_write_pair(w, "kind", oih_kind_key(o->kind));
                if (o->source)
                        oih_json_write_pair(w, o->type == OIH_OP_SYMLINK ? "link" : "source", o->source);
                if (o->target)
                        oih_json_write_pair(w, "destination", o->target);
                if (o->lookup) {
                        /* A bare name, and where the host had it. */
                        oih_json_write_pair(w, "found_by", o->lookup);
                        oih_json_write_pair(w, "found_in",
                                            o->kind == OIH_KIND_LIBRARY ? "ld cache" : "PATH");
                }
                if (o->type == OIH_OP_DEVICE) {
                        oih_json_write_pair(w, "type", S_ISBLK(o->mode) ? "b" : "c");
                        oih_json_write_string(w, "major");
                        oih_json_write_integer(w, major(o->rdev));
                        oih_json_write_string(w, "minor");
                        oih_json_write_integer(w, minor(o->rdev));
                }
                if (o->type == OIH_OP_DEVICE || o->type == OIH_OP_MKDIR || o->type == OIH_OP_COPY) {
                        char mode[8];
                        snprintf(mode, sizeof(mode), "%04o", o->mode & 07777);
                        oih_json_write_pair(w, "mode", mode);
                }
                if (o->type == OIH_OP_MOUNT || o->type == OIH_OP_BIND) {
                        _cleanup_free_ char *opts = oih_mount_flags_to_string(o->mount_flags);
                        oih_json_write_pair(w, "options", opts ?: "");
                }
                if (o->dirs) {
                        oih_json_write_string(w, "dirs");
                        oih_json_write_array_open(w);
                        STRV_FOREACH (d, o->dirs)
                                oih_json_write_string(w, *d);
                        oih_json_write_array_close(w);
                }
                if (o->type == OIH_OP_LDCACHE) {
                        /* What goes into the image's ld.so.cache; "merge": false, ldconfig does it all. */
                        oih_json_write_string(w, "merge");
                        oih_json_write_boolean(w, o->ld_merge);
                        oih_json_write_string(w, "entries");
                        oih_json_write_array_open(w);
                        for (size_t k = 0; k < o->n_ld_entries; k++) {
                                oih_json_write_object_open(w);
                                oih_json_write_pair(w, "soname", o->ld_entries[k].soname);
                                oih_json_write_pair(w, "path", o->ld_entries[k].path);
                                oih_json_write_object_close(w);
                        }
                        oih_json_write_array_close(w);
                }
                oih_json_write_object_close(w);
        }
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        return 0;
}

int oih_plan_print(const struct oih_plan *p, bool json, FILE *out)
{
        if (json)
                return print_json(p, out);

        for (size_t i = 0; i < p->n; i++) {
                const struct oih_op *o = &p->ops[i];
                _cleanup_free_ char *detail = op_detail(o);
                _cleanup_free_ char *dirs = o->dirs ? dirs_joined(o->dirs) : NULL;
                if (!detail || (o->dirs && !dirs))
                        return -ENOMEM;
                _cleanup_free_ char *line = NULL, *found = NULL;
                if (o->lookup && asprintf(&found, " (%s, found in the host's %s)", o->lookup,
                                          o->kind == OIH_KIND_LIBRARY ? "ld cache" : "PATH") < 0)
                        return -ENOMEM;
                if (asprintf(&line, "%s %s %s%s%s%s", oih_op_type_name(o->type), o->source ?: "-",
                             dirs ?: o->target ?: "-", *detail ? " " : "", detail, found ?: "") < 0)
                        return -ENOMEM;
                /* Paths come from configs and symlinks on the host: one operation stays one line. */
                fputs_printable(line, out);
                fputc('\n', out);
        }
        return 0;
}
