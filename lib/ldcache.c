/* SPDX-License-Identifier: Apache-2.0 */
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "caps.h"
#include "ldcache.h"
#include "ldso-cache.h"
#include "log.h"
#include "mountinfo.h"
#include "spawn.h"
#include "util.h"

/* Debian ships a wrapper script at /sbin/ldconfig on some releases and the binary as ldconfig.real. */
static const char *const ldconfig_paths[] = { "/sbin/ldconfig.real", "/sbin/ldconfig",
                                              "/usr/sbin/ldconfig" };

/*
 * The ELF has no PT_INTERP: it needs no dynamic loader, so it loads nothing from the root it runs in.
 * p_type is the first 32-bit field of a program header in both ELF classes.
 */
static int elf_is_static(const char *data, size_t len, bool *ret)
{
        uint64_t phoff;
        size_t phnum, phentsize;

        if (len < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        if (data[EI_CLASS] == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
                Elf64_Ehdr eh;
                memcpy(&eh, data, sizeof(eh));
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        } else if (data[EI_CLASS] == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
                Elf32_Ehdr eh;
                memcpy(&eh, data, sizeof(eh));
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        } else
                return -ENOEXEC;

        for (size_t i = 0; i < phnum; i++) {
                uint64_t off = phoff + i * phentsize;
                uint32_t type;
                if (phentsize < sizeof(type) || off > len || len - off < phentsize)
                        return -ENOEXEC;
                memcpy(&type, data + off, sizeof(type));
                if (type == PT_INTERP) {
                        *ret = false;
                        return 0;
                }
        }
        *ret = true;
        return 0;
}

/* Reads what elf_is_static() needs of an ELF file: its header and its program headers. */
static int read_elf_head(int fd, char **ret, size_t *ret_len)
{
        char head[sizeof(Elf64_Ehdr)];
        ssize_t n = pread(fd, head, sizeof(head), 0);
        if (n < 0)
                return negative_errno();

        uint64_t need = (size_t)n;
        if ((size_t)n >= sizeof(Elf64_Ehdr) && head[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr eh;
                memcpy(&eh, head, sizeof(eh));
                need = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
        } else if ((size_t)n >= sizeof(Elf32_Ehdr) && head[EI_CLASS] == ELFCLASS32) {
                Elf32_Ehdr eh;
                memcpy(&eh, head, sizeof(eh));
                need = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
        }
        if (need < (size_t)n)
                need = (size_t)n;
        if (need > 1024 * 1024)
                return -ENOEXEC;

        _cleanup_free_ char *buf = malloc(need + 1);
        if (!buf)
                return -ENOMEM;
        n = pread(fd, buf, need, 0);
        if (n < 0)
                return negative_errno();
        *ret_len = (size_t)n;
        *ret = TAKE_PTR(buf);
        return 0;
}

int oih_ldconfig_open(int *ret_fd, oih_error **err)
{
        for (size_t i = 0; i < ELEMENTSOF(ldconfig_paths); i++) {
                const char *path = ldconfig_paths[i];
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                _cleanup_free_ char *head = NULL;
                size_t len;
                bool is_static = false;

                if (fd < 0)
                        continue;
                int r = read_elf_head(fd, &head, &len);
                if (r < 0 && r != -ENOEXEC)
                        return oih_error_set_errno(err, -r, "cannot read the host's ldconfig \"%s\"", path);
                if (r >= 0 && len > 2 && head[0] == '#' && head[1] == '!')
                        continue; /* a wrapper script: look for the binary */
                if (r >= 0)
                        r = elf_is_static(head, len, &is_static);
                if (r < 0)
                        return oih_error_set(err, ENOEXEC,
                                             "the host's ldconfig \"%s\" is not an ELF program", path);
                if (!is_static)
                        return oih_error_set(err, ENOEXEC,
                                             "the host's ldconfig \"%s\" is dynamically linked: run in the "
                                             "container's root it would load the image's libc; install a "
                                             "statically linked ldconfig (glibc builds it so)",
                                             path);
                log_debug("using the host's ldconfig \"%s\"", path);
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
        return oih_error_set(
                err, ENOENT,
                "no ldconfig on the host (looked for /sbin/ldconfig and /usr/sbin/ldconfig); install "
                "glibc's, or inject libraries into images without glibc only");
}

int oih_ldconfig_seal(int fd, int *ret_memfd, oih_error **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return oih_error_set_errno(err, errno, "cannot stat the host's ldconfig");
        _cleanup_close_ int mfd = memfd_create("ldconfig", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return oih_error_set_errno(err, errno, "memfd_create");

        /* Copied by the kernel, page cache to memfd: no buffer of the hook's is touched. */
        off_t offset = 0;
        while (offset < st.st_size) {
                ssize_t n = sendfile(mfd, fd, &offset, (size_t)(st.st_size - offset));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return oih_error_set_errno(err, n < 0 ? errno : EIO,
                                                   "cannot copy ldconfig into memory");
        }
        if (fchmod(mfd, 0555) < 0 ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return oih_error_set_errno(err, errno, "cannot seal the copy of ldconfig");
        *ret_memfd = TAKE_FD(mfd);
        return 0;
}

bool oih_root_has_glibc(int rootfd)
{
        static const char *const markers[] = {
                "/etc/ld.so.cache",
                "/lib64/ld-linux-x86-64.so.2",
                "/lib/ld-linux-x86-64.so.2",
                "/lib/ld-linux-aarch64.so.1",
                "/lib/ld-linux-armhf.so.3",
                "/lib/ld-linux.so.2",
                "/lib/ld-linux.so.3",
                "/lib64/ld64.so.2",
                "/lib/ld64.so.1",
                "/lib/ld-linux-riscv64-lp64d.so.1",
        };

        for (size_t i = 0; i < ELEMENTSOF(markers); i++) {
                _cleanup_close_ int fd = -1;
                if (oih_root_open(rootfd, markers[i], O_PATH, &fd) >= 0)
                        return true;
        }
        return false;
}

/* Folders ldconfig always searches: no configuration needed for them. */
static bool trusted_dir(const char *d)
{
        return streq(d, "/lib") || streq(d, "/usr/lib") || streq(d, "/lib64") || streq(d, "/usr/lib64");
}

/*
 * The largest image's ld cache the hook merges into. A cache costs 24 bytes an entry plus the strings,
 * about 64 bytes a library: Debian 12 with 660 libraries has 42 KB, full desktop distributions a few
 * hundred KB. 4 MiB is 65000 libraries; a larger file is left to ldconfig, and the merge's memory (the
 * file read, and the new one) stays a few MiB.
 */
#define LDSO_CACHE_MAX (4U * 1024 * 1024)

/* The image's /etc/ld.so.conf is a text of a few lines. */
#define LDSO_CONF_MAX (1024U * 1024)

/* Why oih_root_read_image_file() did not read an image's file, in words. */
static const char *image_file_problem(int r)
{
        switch (-r) {
        case EXDEV:
                return "it is on another mount than the image's root (the container's procfs or sysfs, "
                       "/dev, "
                       "a volume), and the hook reads only the image's own files";
        case EBADF:
                return "it is not a regular file";
        case EFBIG:
                return "it is larger than the hook reads";
        case EACCES:
                return "the container's root user may not read it";
        case ELOOP:
                return "a symbolic link on the way leads through /proc, or there are too many";
        default:
                return strerror(-r);
        }
}

int oih_ldcache_merge(struct oih_place *p, const struct oih_ldso_cache_entry *entries, size_t n)
{
        _cleanup_free_ char *old = NULL;
        _cleanup_free_ void *merged = NULL;
        size_t len, merged_len;

        int r = oih_root_read_image_file(p->rootfd, OIH_LDSO_CACHE_FILE, LDSO_CACHE_MAX, &p->owner, &old,
                                         &len);
        if (r == -EXDEV || r == -EBADF || r == -EFBIG || r == -EACCES || r == -ELOOP) {
                log_debug("%s: %s; leaving the cache to ldconfig", OIH_LDSO_CACHE_FILE,
                          image_file_problem(r));
                return -EPROTONOSUPPORT;
        }
        if (r < 0)
                return r;
        r = oih_ldso_cache_merge(old, len, entries, n, &merged, &merged_len);
        if (r < 0)
                return r;
        if (!merged) {
                log_debug("the container's ld cache lists the injected libraries already");
                return 0;
        }
        r = oih_place_data(p, OIH_LDSO_CACHE_FILE, merged, merged_len, 0644);
        if (r < 0)
                return r;
        log_debug("merged %zu librar%s into the container's ld cache", n, n == 1 ? "y" : "ies");
        return 0;
}

static bool has_include_line(const char *text)
{
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                while (*l == ' ' || *l == '\t')
                        l++;
                const char *rest = startswith(l, "include");
                if (!rest || (*rest != ' ' && *rest != '\t'))
                        continue;
                size_t n = strcspn(rest, "\n");
                _cleanup_free_ char *line = strndup(rest, n);
                if (line && strstr(line, "ld.so.conf.d/"))
                        return true;
        }
        return false;
}

int oih_ldconf_ensure(struct oih_place *p, char *const *dirs, oih_error **err)
{
        _cleanup_free_ char *conf = NULL, *old = NULL;
        size_t len = 0, old_len = 0;
        int r;

        STRV_FOREACH (d, dirs) {
                if (trusted_dir(*d))
                        continue;
                size_t l = strlen(*d);
                char *m = realloc(conf, len + l + 2);
                if (!m)
                        return oih_error_set(err, ENOMEM, "out of memory");
                conf = m;
                memcpy(conf + len, *d, l);
                conf[len + l] = '\n';
                len += l + 1;
                conf[len] = 0;
        }
        if (!conf)
                return 0;

        r = oih_place_data(p, OIH_LDCONF_FILE, conf, len, 0644);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot write \"%s\" in the container", OIH_LDCONF_FILE);

        r = oih_root_read_image_file(p->rootfd, "/etc/ld.so.conf", LDSO_CONF_MAX, &p->owner, &old, &old_len);
        if (r < 0 && r != -ENOENT)
                return oih_error_set(err, -r,
                                     "cannot read \"/etc/ld.so.conf\" in the container: %s; make it a "
                                     "file of the image",
                                     image_file_problem(r));
        if (r >= 0 && has_include_line(old))
                return 0;

        static const char include[] = "include /etc/ld.so.conf.d/*.conf\n";
        _cleanup_free_ char *text = NULL;
        if (asprintf(&text, "%s%s%s", old ?: "", old_len > 0 && old[old_len - 1] != '\n' ? "\n" : "",
                     include) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        r = oih_place_data(p, "/etc/ld.so.conf", text, strlen(text), 0644);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot write \"/etc/ld.so.conf\" in the container");
        return 0;
}

struct procfs_below {
        const char *root;
        char **targets;
};

static int collect_procfs(const struct oih_mount_entry *e, void *userdata)
{
        struct procfs_below *b = userdata;
        size_t rl = strlen(b->root);
        if (!streq(e->fstype, "proc"))
                return 0;
        if (streq(b->root, "/") || (strncmp(e->mountpoint, b->root, rl) == 0 &&
                                    (e->mountpoint[rl] == 0 || e->mountpoint[rl] == '/')))
                return strv_extend(&b->targets, e->mountpoint) < 0 ? -ENOMEM : 0;
        return 0;
}

/*
 * In the child's private mount namespace: detaches every procfs mounted at or below root. Before
 * pivot_root, /proc/1/root of the container's procfs is the host's root, and ldconfig follows
 * whatever folders the image's ld.so.conf names. Deepest first, by the paths mountinfo gives.
 */
static int detach_procfs_below(const char *root)
{
        struct procfs_below b = { .root = root };
        int r = oih_mountinfo_foreach(collect_procfs, &b);
        for (size_t i = strv_length(b.targets); r >= 0 && i > 0; i--)
                if (umount2(b.targets[i - 1], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                        r = negative_errno();
        strv_free(b.targets);
        return r;
}

static _noreturn_ void child_fail(int fd, const char *what, int code)
{
        dprintf(fd, "oci-injector-hook: ldconfig child: %s: %s\n", what, strerror(code));
        _exit(126);
}

static _noreturn_ void run_child(int rootfd, int ldconfig_fd, const struct oih_owner *owner, int err_fd)
{
        static const struct {
                int resource;
                rlim_t limit;
        } limits[] = {
                { RLIMIT_CPU, OIH_LDCONFIG_TIMEOUT_SEC },
                { RLIMIT_AS, 1024ULL * 1024 * 1024 },
                { RLIMIT_FSIZE, 256ULL * 1024 * 1024 },
                { RLIMIT_NOFILE, 256 },
                { RLIMIT_CORE, 0 },
        };
        _cleanup_free_ char *root = NULL;
        char fdlink[64];

        if (dup2(err_fd, STDERR_FILENO) < 0)
                _exit(126);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                (void)dup2(null, STDIN_FILENO);
                (void)dup2(null, STDOUT_FILENO);
        }

        /* The root's path as this namespace knows it, for finding its procfs mounts. */
        snprintf(fdlink, sizeof(fdlink), "/proc/self/fd/%d", rootfd);
        int r = readlink_malloc(fdlink, &root);
        if (r < 0)
                child_fail(STDERR_FILENO, "readlink of the root", -r);

        if (unshare(CLONE_NEWNS) < 0)
                child_fail(STDERR_FILENO, "unshare", errno);
        if (mount("", "/", "", MS_REC | MS_PRIVATE, NULL) < 0)
                child_fail(STDERR_FILENO, "making the mounts private", errno);
        r = detach_procfs_below(root);
        if (r < 0)
                child_fail(STDERR_FILENO, "detaching procfs", -r);
        if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
                child_fail(STDERR_FILENO, "chroot into the container's root", errno);

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                struct rlimit rl;
                if (getrlimit(limits[i].resource, &rl) < 0)
                        continue;
                rlim_t v = limits[i].limit;
                if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
                        v = rl.rlim_max;
                rl.rlim_cur = rl.rlim_max = v;
                (void)setrlimit(limits[i].resource, &rl);
        }

        r = oih_caps_drop_all(owner->uid, owner->gid);
        if (r < 0)
                child_fail(STDERR_FILENO, "dropping privileges", -r);

        char *const argv[] = { (char *)"ldconfig", NULL };
        char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        syscall(SYS_execveat, ldconfig_fd, "", argv, envp, AT_EMPTY_PATH);
        child_fail(STDERR_FILENO, "executing ldconfig", errno);
}

struct ldconfig_child {
        int rootfd, ldconfig_fd;
        const struct oih_owner *owner;
};

static void ldconfig_child(void *userdata, int err_fd)
{
        const struct ldconfig_child *c = userdata;
        run_child(c->rootfd, c->ldconfig_fd, c->owner, err_fd);
}

int oih_ldconfig_run(int rootfd, int ldconfig_fd, const struct oih_owner *owner, oih_error **err)
{
        struct ldconfig_child c = { .rootfd = rootfd, .ldconfig_fd = ldconfig_fd, .owner = owner };
        struct oih_helper_result result;
        char how[64];

        int r = oih_helper_run(ldconfig_child, &c, OIH_LDCONFIG_TIMEOUT_SEC, &result);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot run ldconfig");
        if (!oih_helper_ok(&result))
                return oih_error_set(err, result.timed_out ? ETIMEDOUT : EIO, "ldconfig failed (%s)%s%s",
                                     oih_helper_describe(&result, how, sizeof(how)),
                                     *result.last_line ? ": " : "", result.last_line);
        return 0;
}
