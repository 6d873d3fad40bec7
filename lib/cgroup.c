/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>

#include "cgroup.h"
#include "log.h"
#include "mountinfo.h"
#include "util.h"

char *oih_device_rule_to_string(const struct oih_device_rule *rule)
{
        char *s = NULL;
        if (asprintf(&s, "%c %" PRIu32 ":%" PRIu32 " rw", rule->type, rule->major, rule->minor) < 0)
                return NULL;
        return s;
}

struct hierarchy {
        const char *controller; /* NULL: cgroup2 */
        char *mountpoint, *root;
};

static bool has_option(const char *options, const char *option)
{
        size_t l = strlen(option);
        for (const char *o = options; o && *o; o += strcspn(o, ",") + (o[strcspn(o, ",")] ? 1 : 0))
                if (strncmp(o, option, l) == 0 && (o[l] == ',' || o[l] == 0))
                        return true;
        return false;
}

static int match_hierarchy(const struct oih_mount_entry *e, void *userdata)
{
        struct hierarchy *h = userdata;
        if (h->controller ? !(streq(e->fstype, "cgroup") && has_option(e->superopts, h->controller))
                          : !streq(e->fstype, "cgroup2"))
                return 0;
        h->mountpoint = strdup(e->mountpoint);
        h->root = strdup(e->root);
        return h->mountpoint && h->root ? 1 : -ENOMEM;
}

/* The mount point and root of the hierarchy: cgroup v1 with `controller` among its options, or cgroup2. */
static int find_hierarchy(const char *controller, char **ret_mountpoint, char **ret_root)
{
        struct hierarchy h = { .controller = controller };
        int r = oih_mountinfo_foreach(match_hierarchy, &h);
        if (r <= 0) {
                free(h.mountpoint);
                free(h.root);
                return r < 0 ? r : -ENOENT;
        }
        *ret_mountpoint = h.mountpoint;
        *ret_root = h.root;
        return 0;
}

/* The folder of cgroup `path` (as /proc/PID/cgroup says it) in the hierarchy mounted at mountpoint. */
static char *cgroup_dir(const char *mountpoint, const char *root, const char *path)
{
        const char *rel = path;
        if (!streq(root, "/")) {
                rel = startswith(path, root);
                if (!rel || (*rel && *rel != '/'))
                        return NULL; /* outside what this mount shows */
        }
        return path_join(mountpoint, *rel == '/' ? rel + 1 : rel);
}

static int open_dir(const char *controller, const char *path, int *ret_fd, char **ret_path)
{
        _cleanup_free_ char *mp = NULL, *root = NULL;
        int r = find_hierarchy(controller, &mp, &root);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = cgroup_dir(mp, root, path);
        if (!dir)
                return -ENOENT;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        *ret_path = TAKE_PTR(dir);
        return 0;
}

int oih_cgroup_open(pid_t pid, struct oih_cgroup *ret, oih_error **err)
{
        struct oih_cgroup cg = { .v1_fd = -1, .v2_fd = -1 };
        char p[64];

        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        if (!f)
                return oih_error_set_errno(err, errno, "cannot read the cgroups of process %d", (int)pid);

        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        while (getline(&line, &size, f) > 0) {
                line[strcspn(line, "\n")] = 0;
                /* "ID:CONTROLLERS:PATH"; cgroup v2 is "0::PATH". */
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                const char *controllers = c1 + 1, *path = c2 + 1;
                bool devices = false;
                if (*controllers) {
                        _cleanup_free_ char *copy = strdup(controllers);
                        char *save = NULL;
                        for (char *c = copy ? strtok_r(copy, ",", &save) : NULL; c;
                             c = strtok_r(NULL, ",", &save))
                                if (streq(c, "devices"))
                                        devices = true;
                }
                int r = 0;
                /* The root cgroup confines nothing, and the hook never changes the host's own rules. */
                if (streq(path, "/")) {
                        log_debug("the container's process is in the root cgroup of \"%s\"",
                                  *controllers ? controllers : "the unified hierarchy");
                        continue;
                }
                if (devices && cg.v1_fd < 0)
                        r = open_dir("devices", path, &cg.v1_fd, &cg.v1_path);
                else if (!*controllers && streq(line, "0") && cg.v2_fd < 0)
                        r = open_dir(NULL, path, &cg.v2_fd, &cg.v2_path);
                if (r == -ENOMEM) {
                        oih_cgroup_done(&cg);
                        return oih_error_set(err, ENOMEM, "out of memory");
                }
                if (r < 0)
                        log_debug("cgroup \"%s\" of the container: cannot open its folder: %s", path,
                                  strerror(-r));
        }
        *ret = cg;
        return 0;
}

void oih_cgroup_done(struct oih_cgroup *cg)
{
        cg->v1_fd = safe_close(cg->v1_fd);
        cg->v2_fd = safe_close(cg->v2_fd);
        free(cg->v1_path);
        free(cg->v2_path);
        cg->v1_path = cg->v2_path = NULL;
}

/* True when a devices.list line ("c 10:229 rw", "a *:* rwm") already grants read and write to rule. */
static bool list_grants(const char *line, const struct oih_device_rule *rule)
{
        char type, major[16], minor[16], access[8];
        if (sscanf(line, "%c %15[^:]:%15s %7s", &type, major, minor, access) != 4)
                return false;
        if (type != 'a' && type != rule->type)
                return false;
        char want[16];
        snprintf(want, sizeof(want), "%" PRIu32, rule->major);
        if (!streq(major, "*") && !streq(major, want))
                return false;
        snprintf(want, sizeof(want), "%" PRIu32, rule->minor);
        if (!streq(minor, "*") && !streq(minor, want))
                return false;
        return strchr(access, 'r') && strchr(access, 'w');
}

static bool v1_already(int dirfd, const struct oih_device_rule *rule)
{
        int fd = openat(dirfd, "devices.list", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        _cleanup_fclose_ FILE *f = fdopen(fd, "re");
        if (!f) {
                safe_close(fd);
                return false;
        }
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        while (getline(&line, &size, f) > 0)
                if (list_grants(line, rule))
                        return true;
        return false;
}

static int v1_write(int dirfd, const char *file, const char *text)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        size_t l = strlen(text);
        if (write(fd, text, l) != (ssize_t)l)
                return errno ? negative_errno() : -EIO;
        return 0;
}

static bool not_permitted(int r)
{
        return r == -EPERM || r == -EACCES || r == -EROFS;
}

static int allow_v1(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n, oih_error **err)
{
        _cleanup_free_ bool *added = calloc(n, sizeof(bool));
        int r = 0;

        if (!added)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = oih_device_rule_to_string(&rules[i]);
                if (!text) {
                        r = oih_error_set(err, ENOMEM, "out of memory");
                        goto undo;
                }
                if (v1_already(cg->v1_fd, &rules[i])) {
                        log_debug("cgroup \"%s\" allows \"%s\" already", cg->v1_path, text);
                        continue;
                }
                r = v1_write(cg->v1_fd, "devices.allow", text);
                if (not_permitted(r) && i == 0) {
                        log_info("cannot allow devices in the container's cgroup \"%s\" (%s; a rootless "
                                 "runtime?): "
                                 "injecting the device nodes anyway",
                                 cg->v1_path, strerror(-r));
                        return 0;
                }
                if (r < 0) {
                        r = oih_error_set_errno(err, -r, "cannot write \"%s\" to \"%s/devices.allow\"", text,
                                                cg->v1_path);
                        goto undo;
                }
                added[i] = true;
                log_debug("cgroup \"%s\": allowed \"%s\"", cg->v1_path, text);
        }
        return 0;

undo:
        for (size_t i = 0; i < n; i++)
                if (added[i]) {
                        _cleanup_free_ char *text = oih_device_rule_to_string(&rules[i]);
                        if (!text || v1_write(cg->v1_fd, "devices.deny", text) < 0)
                                log_warning("cannot take back a device permission in \"%s\", ignoring",
                                            cg->v1_path);
                }
        return r;
}

int oih_cgroup_allow_devices(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n,
                             oih_error **err)
{
        if (n == 0)
                return 0;

        if (cg->v1_fd >= 0)
                return allow_v1(cg, rules, n, err);

        if (cg->v2_fd >= 0) {
                _cleanup_error_ oih_error *e = NULL;
                size_t extended = 0;
                int r = oih_bpf_devices_allow(cg->v2_fd, rules, n, &extended, &e);
                if (not_permitted(r)) {
                        log_info("cannot change the device program of the container's cgroup \"%s\" (%s): "
                                 "injecting the device nodes anyway",
                                 cg->v2_path, oih_error_message(e));
                        return 0;
                }
                if (r < 0) {
                        oih_error_set(err, -r, "cgroup \"%s\": %s", cg->v2_path, oih_error_message(e));
                        return r;
                }
                if (extended == 0)
                        log_info("the container's cgroup \"%s\" has no device program: it restricts no "
                                 "device, "
                                 "nothing to allow",
                                 cg->v2_path);
                return 0;
        }

        log_info("the container has no devices cgroup the hook can see: injecting the device nodes without "
                 "changing permissions");
        return 0;
}
