/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>

#include "ld-refresh.h"
#include "ldconfig.h"
#include "ldso-cache.h"
#include "log.h"
#include "rootfs.h"
#include "util.h"

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
                return "it is on another mount than the image's root (the container's procfs or sysfs, /dev, a volume), and the hook reads only the image's own files";
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

int oih_ldcache_merge(struct oih_writer *p, const struct oih_ldso_cache_entry *entries, size_t n)
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
        r = oih_writer_data(p, OIH_LDSO_CACHE_FILE, merged, merged_len, 0644);
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

int oih_ldconf_ensure(struct oih_writer *p, char *const *dirs, oih_error **err)
{
        _cleanup_free_ char *conf = NULL, *old = NULL;
        size_t len = 0, old_len = 0;
        int r;

        /* Every folder, even one the image's ldconfig may search by itself: which folders those are
         * depends on how its glibc was built (/usr/lib64 on Fedora and RHEL, but not on Debian and
         * Ubuntu, whose ldconfig searches the multiarch folders), and a line too many costs nothing. */
        STRV_FOREACH (d, dirs) {
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

        r = oih_writer_data(p, OIH_LDCONF_FILE, conf, len, 0644);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot write \"%s\" in the container", OIH_LDCONF_FILE);

        r = oih_root_read_image_file(p->rootfd, "/etc/ld.so.conf", LDSO_CONF_MAX, &p->owner, &old, &old_len);
        if (r < 0 && r != -ENOENT)
                return oih_error_set(
                        err, -r,
                        "cannot read \"/etc/ld.so.conf\" in the container: %s; make it a file of the image",
                        image_file_problem(r));
        if (r >= 0 && has_include_line(old))
                return 0;

        static const char include[] = "include /etc/ld.so.conf.d/*.conf\n";
        _cleanup_free_ char *text = NULL;
        if (asprintf(&text, "%s%s%s", old ?: "", old_len > 0 && old[old_len - 1] != '\n' ? "\n" : "",
                     include) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        r = oih_writer_data(p, "/etc/ld.so.conf", text, strlen(text), 0644);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot write \"/etc/ld.so.conf\" in the container");
        return 0;
}

int oih_ld_refresh(struct oih_writer *w, const struct oih_ld_step *ld, int ldconfig_fd, const char *label,
                   oih_error **err)
{
        int r;

        if (!oih_root_has_glibc(w->rootfd)) {
                log_info(
                        "the container's root has no glibc (no ld.so.cache, no glibc loader): libraries are in place, no ld cache to refresh");
                return 0;
        }
        r = oih_ldconf_ensure(w, ld->dirs, err);
        if (r >= 0 && ld->merge) {
                /* The image's cache and what the plan knows of the injected libraries: no ldconfig. */
                r = oih_ldcache_merge(w, ld->entries, ld->n_entries);
                if (r >= 0)
                        return 0;
                if (r == -ENOENT || r == -EPROTONOSUPPORT) {
                        log_debug("%s: %s; running ldconfig", OIH_LDSO_CACHE_FILE,
                                  r == -ENOENT ? "the image has none" : "not a cache the hook can add to");
                        r = 0;
                } else
                        r = oih_error_set_errno(err, -r, "cannot write \"%s\"", OIH_LDSO_CACHE_FILE);
        }
        _cleanup_close_ int sealed = -1;
        /* ldconfig writes its cache where the hook would: never into a volume. */
        if (r >= 0 && (r = oih_writer_check(w, OIH_LDSO_CACHE_FILE)) < 0)
                r = oih_error_set_errno(err, -r, "cannot open the folder of \"%s\"", OIH_LDSO_CACHE_FILE);
        if (r >= 0)
                r = oih_ldconfig_seal(ldconfig_fd, &sealed, err);
        if (r >= 0)
                r = oih_ldconfig_run(w->rootfd, sealed, &w->owner, ld->dirs, err);
        if (r < 0)
                oih_error_prefix(err, "%s: refreshing the container's ld cache", label);
        return r;
}
