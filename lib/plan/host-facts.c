/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Planning from the host's facts: each entry of a config becomes operations after its host path is
 * stat'ed (a device's number, a file's type and identity), its glob expanded, its library's symlink chain
 * followed and its soname read, or its bare name found in the host's ld cache or PATH.
 */
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "elf-library.h"
#include "ldso-cache.h"
#include "log.h"
#include "mount-options.h"
#include "plan.h"

/* As many links as the kernel follows in one path walk. */
#define MAX_SYMLINK_HOPS 40

/* Where bare names are found: programs in OIH_PROGRAM_PATH (never the environment's), libraries in the
 * host's own ld cache, as the host's ld.so finds them. */
#define HOST_LDSO_CACHE "/etc/ld.so.cache"
#define LDSO_CACHE_MAX  (64 * 1024 * 1024)
static const char *host_ldso_cache = HOST_LDSO_CACHE;

void oih_plan_host_ldso_cache_for_tests(const char *path)
{
        host_ldso_cache = path ?: HOST_LDSO_CACHE;
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

/* The common part of an operation of config c; false when out of memory. */
static bool op_init(struct oih_op *op, enum oih_op_type type, const struct oih_config *c, enum oih_kind kind,
                    const char *target)
{
        *op = (struct oih_op){
                .type = type,
                .kind = kind,
                .config = strdup(c->file),
                .target = target ? strdup(target) : NULL,
        };
        return op->config && (!target || op->target);
}

static bool host_file_init(struct oih_host_file *h, const char *path, const struct stat *st)
{
        *h = (struct oih_host_file){
                .path = strdup(path), .mode = st->st_mode, .dev = st->st_dev, .ino = st->st_ino
        };
        return h->path;
}

/* Adds op to the plan, or frees it when making it ran out of memory (!made). */
static int add(struct oih_plan *p, struct oih_op *op, bool made, oih_error **err)
{
        if (!made) {
                oih_op_done(op);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        return oih_plan_add_op(p, op, err);
}

static int add_module(struct oih_plan *p, const struct oih_config *c, const char *name, oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, OIH_OP_MODULE, c, OIH_KIND_DEVICE, NULL);
        op.module.name = strdup(name);
        return add(p, &op, made && op.module.name, err);
}

/* A folder made with mode 0755, whatever the host has. */
static int add_mkdir(struct oih_plan *p, const struct oih_config *c, enum oih_kind kind, const char *target,
                     oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, OIH_OP_MKDIR, c, kind, target);
        op.mkdir.mode = S_IFDIR | 0755;
        return add(p, &op, made, err);
}

static int add_mount(struct oih_plan *p, const struct oih_config *c, enum oih_kind kind, const char *host,
                     const char *target, const struct stat *st, unsigned flags, oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, OIH_OP_MOUNT, c, kind, target);
        made = host_file_init(&op.mount.host, host, st) && made;
        op.mount.flags = flags;
        return add(p, &op, made, err);
}

static int add_device(struct oih_plan *p, const struct oih_config *c, enum oih_kind kind, const char *host,
                      const char *target, const struct stat *st, oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, OIH_OP_DEVICE, c, kind, target);
        made = host_file_init(&op.device.host, host, st) && made;
        op.device.rdev = st->st_rdev;
        op.device.uid = st->st_uid;
        op.device.gid = st->st_gid;
        return add(p, &op, made, err);
}

/* A host file bound or copied; a library's facts are taken from lib. */
static int add_file(struct oih_plan *p, const struct oih_config *c, enum oih_kind kind, bool copy,
                    const char *host, const char *target, const struct stat *st,
                    struct oih_library_facts *lib, oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, copy ? OIH_OP_COPY : OIH_OP_BIND, c, kind, target);
        struct oih_op_file *f = copy ? &op.copy : &op.bind;
        *f = (struct oih_op_file){};
        made = host_file_init(&f->host, host, st) && made;
        if (lib) {
                f->library = *lib;
                *lib = (struct oih_library_facts){};
        }
        return add(p, &op, made, err);
}

static int add_symlink(struct oih_plan *p, const struct oih_config *c, enum oih_kind kind,
                       const char *target, const char *text, oih_error **err)
{
        struct oih_op op;
        bool made = op_init(&op, OIH_OP_SYMLINK, c, kind, target);
        op.symlink.text = strdup(text);
        return add(p, &op, made && op.symlink.text, err);
}

/* Reads the library's soname and kind from its ELF file. A file the hook cannot describe is no error:
 * ldconfig, which then refreshes the cache, decides what it is. */
int oih_library_facts_read(int fd, int64_t size, const char *path, struct oih_library_facts *ret)
{
        struct oih_elf_library lib = {};

        *ret = (struct oih_library_facts){};
        int r = fd < 0 ? negative_errno() : oih_elf_library_read(fd, size, &lib);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("\"%s\": %s: ldconfig will refresh the ld cache", path,
                          r == -ENOEXEC ? "not an ELF library" : strerror(-r));
                return r == -ENOEXEC ? 0 : 1;
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

/* The library at path, which lstat() has just seen as the regular file st describes: as an earlier run
 * read it, or read now. */
static int library_facts_read_path(struct oih_plan *p, const char *path, const struct stat *st,
                                   struct oih_library_facts *ret)
{
        int r = oih_soname_cache_get(&p->sonames, st, ret);
        if (r > 0)
                log_debug("\"%s\": soname and kind as an earlier run read them (the soname cache)", path);
        if (r != 0)
                return r < 0 ? r : 0;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        r = oih_library_facts_read(fd, st->st_size, path, ret);
        if (r == 0)
                r = oih_soname_cache_put(&p->sonames, st, ret);
        return r < 0 ? r : 0;
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

        /* A library is named by its soname link more often than by its file (a bare name's path in the
         * host's ld cache is that link, and globs match the links too): the named path is read as a link
         * first, which costs nothing more where it is one; each later hop is stat'ed first. */
        for (bool named = true;; named = false) {
                _cleanup_free_ char *text = NULL, *next_h = NULL, *next_t = NULL;

                r = named ? readlink_malloc(h, &text) : -EINVAL;
                if (r == -EINVAL) /* no link, or not asked yet */
                        r = lstat(h, &st) < 0     ? negative_errno()
                            : S_ISLNK(st.st_mode) ? readlink_malloc(h, &text)
                                                  : 0;
                if (r < 0 && mismatches && is_missing(-r)) {
                        (*mismatches)++;
                        log_debug("%s: %s[%u]: \"%s\" leads nowhere; skipping this match of the glob",
                                  c->file, oih_kind_key(e->kind), e->index, host);
                        r = 0;
                        goto finish;
                }
                if (r < 0) {
                        r = is_missing(-r) ? missing(p, c, e, h, -r, err)
                                           : entry_error(err, -r, c, e, h, "cannot read: %s", strerror(-r));
                        goto finish;
                }
                if (!text)
                        break; /* st: the file at the end of the chain */
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

        struct oih_library_facts lib;
        r = library_facts_read_path(p, h, &st, &lib);
        if (r < 0) {
                r = oih_error_set(err, ENOMEM, "out of memory");
                goto finish;
        }
        r = add_file(p, c, e->kind, c->inject == OIH_INJECT_COPY, h, t, &st, &lib, err);
        oih_library_facts_done(&lib);
        for (size_t i = n_links; r >= 0 && i > 0; i--)
                r = add_symlink(p, c, e->kind, links[i - 1].target, links[i - 1].text, err);

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
                return add_mkdir(p, c, e->kind, container, err);

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
                return add_device(p, c, e->kind, host, container, &st, err);
        case OIH_KIND_BINARY:
        case OIH_KIND_MISCELLANEOUS:
                if (type == S_IFREG) {
                        bool copy = e->kind == OIH_KIND_MISCELLANEOUS || c->inject == OIH_INJECT_COPY;
                        return add_file(p, c, e->kind, copy, host, container, &st, NULL, err);
                }
                expected = "a regular file";
                break;
        case OIH_KIND_MOUNT:
                if (type == S_IFDIR || type == S_IFREG || type == S_IFSOCK || type == S_IFIFO)
                        return add_mount(p, c, e->kind, host, container, &st, e->mount_flags, err);
                expected = "a folder, a file or a socket (list device nodes under \"devices\")";
                break;
        case OIH_KIND_LIBRARY:
        case OIH_KIND_DIRECTORY:
        case _OIH_KIND_MAX:
                /* Libraries and folders are planned above. */
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

/* The first folder a glob could not read for a reason other than its absence (glob's callback has no
 * argument of its own; the hook plans on one thread): said when the glob then matches nothing. */
static struct {
        char path[PATH_MAX];
        int code;
} glob_unreadable;

static int glob_error(const char *path, int code)
{
        log_debug("glob: cannot read \"%s\": %s", path, strerror(code));
        if (glob_unreadable.code == 0 && !is_missing(code)) {
                snprintf(glob_unreadable.path, sizeof(glob_unreadable.path), "%s", path);
                glob_unreadable.code = code;
        }
        return 0;
}

/* A glob that matched nothing where it could not read a folder: that is what the user needs to hear. */
static int glob_unreadable_error(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                                 oih_error **err)
{
        if (e->optional) {
                log_warning(
                        "%s: %s[%u] \"%s\" matches nothing the hook can read (cannot read \"%s\": %s), skipping the optional entry",
                        c->file, oih_kind_key(e->kind), e->index, e->path, glob_unreadable.path,
                        strerror(glob_unreadable.code));
                p->dropped[e->kind]++;
                return 0;
        }
        return entry_error(
                err, glob_unreadable.code, c, e, e->path,
                "matches nothing the hook can read: cannot read \"%s\" (%s); let the user the runtime runs the hook as read it (in rootless podman, the invoking user), fix the pattern, or mark the entry \"optional\": true",
                glob_unreadable.path, strerror(glob_unreadable.code));
}

static int plan_glob(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                     oih_error **err)
{
        glob_t g = {};
        /* glob sorts with strcoll(), and the hook never sets a locale: byte order, the same on every host.
         */
        glob_unreadable.code = 0;
        int r = glob(e->path, 0, glob_error, &g);

        if (r == GLOB_NOSPACE) {
                globfree(&g);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        if (r == GLOB_NOMATCH || g.gl_pathc == 0) {
                globfree(&g);
                if (glob_unreadable.code != 0)
                        return glob_unreadable_error(p, c, e, err);
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

/* A regular, executable file. */
static bool is_program(const char *path, const void *userdata)
{
        struct stat st;
        return stat(path, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* A bare library or program name: found on the host, then planned as the path it was found at. */
static int plan_bare(struct oih_plan *p, const struct oih_config *c, const struct oih_entry *e,
                     oih_error **err)
{
        bool library = e->kind == OIH_KIND_LIBRARY;
        const char *in = library ? "the host's ld cache" : "the host's " OIH_PROGRAM_PATH;
        _cleanup_free_ char *found = NULL;

        int r = library ? find_library(p, c, e, &found, err)
                        : program_path_find(e->path, is_program, NULL, &found);
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
                        library ? host_ldso_cache : OIH_PROGRAM_PATH);
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
        struct oih_op *o = oih_plan_op_at(p, container);
        if (o && !o->lookup) {
                o->lookup = strdup(e->path);
                if (!o->lookup)
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
                if ((r = add_module(p, c, *m, err)) < 0)
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
