/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>

#include "cgroup.h"
#include "log.h"
#include "mountinfo.h"
#include "util.h"

/* "c 10:229 rw": the line devices.allow takes, as a new string. */
static char *device_rule_to_string(const struct oih_device_rule *rule)
{
        char *s = NULL;
        if (asprintf(&s, "%c %" PRIu32 ":%" PRIu32 " rw", rule->type, rule->major, rule->minor) < 0)
                return NULL;
        return s;
}

static bool has_option(const char *options, const char *option)
{
        size_t l = strlen(option);
        for (const char *o = options; o && *o; o += strcspn(o, ",") + (o[strcspn(o, ",")] ? 1 : 0))
                if (strncmp(o, option, l) == 0 && (o[l] == ',' || o[l] == 0))
                        return true;
        return false;
}

/* The part of `path` below `root` ("" for root itself), or NULL when path is not root or below it. */
static const char *below(const char *path, const char *root)
{
        if (path[0] != '/')
                return NULL;
        if (streq(root, "/"))
                return path + 1;
        const char *rest = startswith(path, root);
        if (!rest || (*rest && *rest != '/'))
                return NULL;
        return *rest ? rest + 1 : rest;
}

struct hierarchy {
        bool v2;          /* cgroup2; else the v1 hierarchy with the devices controller */
        const char *path; /* the cgroup, as /proc/PID/cgroup names it */
        char *dir;
};

/*
 * A hierarchy can be mounted more than once, each mount showing the subtree at its root (a cgroup
 * namespace, or a bind of a part): the first mount that shows the cgroup gives its folder.
 */
static int match_hierarchy(const struct oih_mount_entry *e, void *userdata)
{
        struct hierarchy *h = userdata;
        if (h->v2 ? !streq(e->fstype, "cgroup2")
                  : !(streq(e->fstype, "cgroup") && has_option(e->superopts, "devices")))
                return 0;
        const char *rel = below(h->path, e->root);
        if (!rel)
                return 0;
        h->dir = *rel ? path_join(e->mountpoint, rel) : strdup(e->mountpoint);
        return h->dir ? 1 : -ENOMEM;
}

static int find_dir(const char *mountinfo, bool v2, const char *path, char **ret)
{
        struct hierarchy h = { .v2 = v2, .path = path };
        int r = oih_mountinfo_foreach_text(mountinfo, match_hierarchy, &h);
        if (r < 0 && r != -ENOMEM) {
                free(h.dir);
                h.dir = NULL;
                r = 0;
        }
        if (r < 0)
                return r;
        *ret = h.dir;
        return 0;
}

void oih_cgroup_paths_done(struct oih_cgroup_paths *p)
{
        free(p->v1);
        free(p->v1_dir);
        free(p->v2);
        free(p->v2_dir);
        *p = (struct oih_cgroup_paths){};
}

/* Calls fn for each line "ID:CONTROLLERS:PATH" of a /proc/PID/cgroup text (the path may hold ':'). */
static int foreach_cgroup(const char *text,
                          int (*fn)(const char *id, const char *controllers, const char *path,
                                    void *userdata),
                          void *userdata)
{
        for (const char *p = text; p && *p;) {
                size_t l = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, l);
                if (!line)
                        return -ENOMEM;
                p += l + (p[l] ? 1 : 0);

                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c1 = *c2 = 0;
                int r = fn(line, c1 + 1, c2 + 1, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

static bool is_unified(const char *id, const char *controllers)
{
        return streq(id, "0") && !*controllers;
}

static bool has_devices(const char *controllers)
{
        return has_option(controllers, "devices");
}

static int take_paths(const char *id, const char *controllers, const char *path, void *userdata)
{
        struct oih_cgroup_paths *p = userdata;
        char **slot = is_unified(id, controllers) ? &p->v2 : has_devices(controllers) ? &p->v1 : NULL;
        if (!slot || *slot)
                return 0;
        *slot = strdup(path);
        return *slot ? 0 : -ENOMEM;
}

int oih_cgroup_locate(const char *proc_cgroup, const char *mountinfo, struct oih_cgroup_paths *ret)
{
        struct oih_cgroup_paths p = {};
        int r = foreach_cgroup(proc_cgroup, take_paths, &p);
        if (r >= 0 && mountinfo && p.v1)
                r = find_dir(mountinfo, false, p.v1, &p.v1_dir);
        if (r >= 0 && mountinfo && p.v2)
                r = find_dir(mountinfo, true, p.v2, &p.v2_dir);
        if (r < 0) {
                oih_cgroup_paths_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}

/* True when `sub` occurs in path at component boundaries, with nothing or more components after it. */
static bool has_components(const char *path, const char *sub)
{
        size_t l = strlen(sub);
        for (const char *at = strstr(path, sub); at; at = strstr(at + 1, sub))
                if ((at == path || at[-1] == '/' || sub[0] == '/') && (at[l] == 0 || at[l] == '/'))
                        return true;
        return false;
}

/* systemd's path of a slice: "a-b.slice" is "/a.slice/a-b.slice"; "-.slice" is the root. */
static char *expand_slice(const char *slice)
{
        if (streq(slice, "-.slice"))
                return strdup("");
        if (!endswith(slice, ".slice") || strchr(slice, '/'))
                return NULL;
        size_t stem = strlen(slice) - strlen(".slice");
        char *out = strdup("");
        for (size_t i = 0; out && i <= stem; i++) {
                if (i < stem && slice[i] != '-')
                        continue;
                char *next = NULL;
                if (asprintf(&next, "%s/%.*s.slice", out, (int)i, slice) < 0)
                        next = NULL;
                free(out);
                out = next;
        }
        return out;
}

/* The cgroup a systemd cgroupsPath "slice:prefix:name" makes: "/SLICES/prefix-name.scope". */
static char *systemd_cgroup(const char *cgroups_path)
{
        const char *c1 = strchr(cgroups_path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':') || !c2[1])
                return NULL;
        _cleanup_free_ char *slice = strndup(cgroups_path, (size_t)(c1 - cgroups_path));
        _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        const char *name = c2 + 1;
        if (!slice || !prefix)
                return NULL;

        /* An empty slice is the runtime's default (system.slice, or user.slice when rootless): any. */
        _cleanup_free_ char *slices = *slice ? expand_slice(slice) : strdup("");
        char *out = NULL;
        if (!slices)
                return NULL;
        if (endswith(name, ".slice")) {
                if (asprintf(&out, "%s/%s", slices, name) < 0)
                        return NULL;
        } else if (asprintf(&out, "%s/%s-%s.scope", slices, prefix, name) < 0)
                return NULL;
        return out;
}

struct spec_match {
        const char *absolute; /* "/a/b" */
        const char *relative; /* "a/b" */
        const char *systemd;  /* "/system.slice/runc-x.scope" */
        bool found;
};

static int match_spec_path(const char *id, const char *controllers, const char *path, void *userdata)
{
        struct spec_match *m = userdata;
        (void)id;
        (void)controllers;
        if (m->absolute && below(path, m->absolute))
                m->found = true;
        if (m->relative && has_components(path, m->relative))
                m->found = true;
        if (m->systemd && has_components(path, m->systemd))
                m->found = true;
        return m->found ? 1 : 0;
}

bool oih_cgroup_in_spec_path(const char *proc_cgroup, const char *cgroups_path)
{
        _cleanup_free_ char *folded = NULL, *systemd = NULL;
        struct spec_match m = {};

        if (cgroups_path[0] == '/') {
                folded = path_simplify(cgroups_path);
                if (!folded)
                        return false;
                m.absolute = folded;
        } else {
                /* runc and crun take "a:b:c" as the systemd form only with their systemd driver; the
                 * same text is a relative path for the cgroupfs driver. */
                size_t l = strlen(cgroups_path);
                while (l > 0 && cgroups_path[l - 1] == '/')
                        l--;
                folded = strndup(cgroups_path, l);
                if (!folded)
                        return false;
                if (*folded)
                        m.relative = folded;
                systemd = systemd_cgroup(cgroups_path);
                m.systemd = systemd;
        }
        return foreach_cgroup(proc_cgroup, match_spec_path, &m) > 0;
}

int oih_cgroup_open(const char *proc_cgroup, struct oih_cgroup *ret, oih_error **err)
{
        struct oih_cgroup cg = { .v1_fd = -1, .v2_fd = -1 };
        _cleanup_free_ char *mountinfo = NULL, *own = NULL;
        size_t len;
        int r;

        _cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (r = read_full_fd(fd, 64 * 1024 * 1024, &mountinfo, &len)) < 0)
                return oih_error_set_errno(err, fd < 0 ? errno : -r, "cannot read the hook's mount table");
        fd = safe_close(fd);
        fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (r = read_full_fd(fd, 1024 * 1024, &own, &len)) < 0)
                return oih_error_set_errno(err, fd < 0 ? errno : -r, "cannot read the hook's own cgroups");

        if (oih_cgroup_locate(proc_cgroup, mountinfo, &cg.container) < 0 ||
            oih_cgroup_locate(own, NULL, &cg.hook) < 0) {
                oih_cgroup_done(&cg);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        if (cg.container.v1_dir) {
                cg.v1_fd = open(cg.container.v1_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cg.v1_fd < 0)
                        log_debug("cannot open the container's devices cgroup \"%s\": %s",
                                  cg.container.v1_dir, strerror(errno));
        }
        if (cg.container.v2_dir) {
                cg.v2_fd = open(cg.container.v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cg.v2_fd < 0)
                        log_debug("cannot open the container's cgroup \"%s\": %s", cg.container.v2_dir,
                                  strerror(errno));
        }
        *ret = cg;
        return 0;
}

void oih_cgroup_done(struct oih_cgroup *cg)
{
        cg->v1_fd = safe_close(cg->v1_fd);
        cg->v2_fd = safe_close(cg->v2_fd);
        oih_cgroup_paths_done(&cg->container);
        oih_cgroup_paths_done(&cg->hook);
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

/* `config: cannot allow device "/dev/fuse" (c 10:229 rw)`, the start of every refusal. */
static int refuse(oih_error **err, int code, const struct oih_device_rule *rule, const char *fmt, ...)
        _printf_(4, 5);
static int refuse(oih_error **err, int code, const struct oih_device_rule *rule, const char *fmt, ...)
{
        _cleanup_free_ char *why = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&why, fmt, ap) < 0)
                why = NULL;
        va_end(ap);
        return oih_error_set(
                err, code,
                "%s: cannot allow device \"%s\" (%c %" PRIu32 ":%" PRIu32
                " rw) in the container's cgroup: %s; it would get a node it cannot open, so it does not start (allow the device in its spec instead: linux.resources.devices, podman --device-cgroup-rule)",
                rule->config ?: "-", rule->path ?: "-", rule->type, rule->major, rule->minor,
                why ?: "out of memory");
}

static void v1_take_back(int dirfd, const char *dir, const struct oih_device_rule *rules, size_t n,
                         const bool *added)
{
        for (size_t i = 0; i < n; i++)
                if (added[i]) {
                        _cleanup_free_ char *text = device_rule_to_string(&rules[i]);
                        if (!text || v1_write(dirfd, "devices.deny", text) < 0)
                                log_warning("cannot take back a device permission in \"%s\", ignoring", dir);
                }
}

/* The container's own v1 devices cgroup: every device granted, or none of what this call added. */
static int allow_v1(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n, bool *added,
                    bool hook_in_userns, oih_error **err)
{
        const char *dir = cg->container.v1_dir;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = device_rule_to_string(&rules[i]);
                if (!text) {
                        v1_take_back(cg->v1_fd, dir, rules, n, added);
                        return oih_error_set(err, ENOMEM, "out of memory");
                }
                if (v1_already(cg->v1_fd, &rules[i])) {
                        log_debug("cgroup \"%s\" allows \"%s\" already", dir, text);
                        continue;
                }
                int r = v1_write(cg->v1_fd, "devices.allow", text);
                if (r < 0) {
                        v1_take_back(cg->v1_fd, dir, rules, n, added);
                        return refuse(
                                err, -r, &rules[i], "writing \"%s\" to \"%s/devices.allow\" failed: %s%s",
                                text, dir, strerror(-r),
                                r != -EPERM ? ""
                                : hook_in_userns
                                        ? " (the hook runs in a user namespace, where it can change no cgroup)"
                                        : " (its parent cgroup does not allow the device)");
                }
                added[i] = true;
                log_debug("cgroup \"%s\": allowed \"%s\"", dir, text);
        }
        return 0;
}

/* Why a part of the layout does not apply to the container, or NULL when it does. */
static const char *not_applying(const char *path, const char *own)
{
        if (!path)
                return "no line for it";
        /* The root cgroup confines nothing, and the hook never changes the host's own rules. */
        if (streq(path, "/"))
                return "the root cgroup";
        /* The runtime made no cgroup for the container (a rootless one, or one that manages none): what
         * applies there applies to the runtime too, and is not the hook's to change. */
        if (streq_ptr(path, own))
                return "the cgroup of the runtime itself";
        return NULL;
}

static void warn_uncontrolled(const struct oih_device_rule *rules, size_t n, const char *why_v1,
                              const char *why_v2)
{
        for (size_t i = 0; i < n; i++)
                log_warning(
                        "%s: device \"%s\" (%c %" PRIu32 ":%" PRIu32
                        "): no device controller applies to the container (cgroup v1 devices: %s; cgroup v2: %s), so the hook sets no permission: the node goes in, and the host node's owner and mode decide who can open it",
                        rules[i].config ?: "-", rules[i].path ?: "-", rules[i].type, rules[i].major,
                        rules[i].minor, why_v1, why_v2);
}

/*
 * cgroup v2: where the container's own cgroup has device programs, every one must allow. Returns 1 when
 * they were extended, 0 when none applies there (*ret_why says why: a static string, or *ret_why_text),
 * or a negative errno.
 */
static int allow_v2(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n,
                    bool hook_in_userns, const char **ret_why, char **ret_why_text, oih_error **err)
{
        const struct oih_cgroup_paths *c = &cg->container;
        uint32_t direct = 0, effective = 0;

        if (cg->v2_fd < 0)
                return refuse(err, ENOENT, &rules[0], "its cgroup \"%s\" is not in the hook's mount table%s",
                              c->v2, c->v2_dir ? "" : " (no cgroup2 hierarchy mounted there)");
        int r = oih_bpf_devices_query(cg->v2_fd, &direct, &effective);
        if (r == -EPERM && hook_in_userns) {
                /* Only CAP_SYS_ADMIN of the initial user namespace loads a device program: a runtime in a
                 * user namespace attached none, and the hook there sees none. */
                *ret_why =
                        "the hook runs in a user namespace, where a runtime attaches no device program and none can be seen";
                return 0;
        }
        if (r < 0)
                return refuse(err, -r, &rules[0], "cannot list the device programs of \"%s\": %s", c->v2_dir,
                              strerror(-r));
        if (direct == 0) {
                if (asprintf(ret_why_text, "cgroup \"%s\" has no device program%s", c->v2,
                             effective > 0 ? " (its parents' programs still apply)" : "") < 0)
                        *ret_why_text = NULL;
                *ret_why = *ret_why_text ?: "no device program";
                return 0;
        }

        _cleanup_error_ oih_error *e = NULL;
        size_t extended = 0;
        r = oih_bpf_devices_allow(cg->v2_fd, rules, n, &extended, &e);
        if (r < 0)
                return refuse(err, -r, &rules[0], "cgroup \"%s\": %s", c->v2_dir, oih_error_message(e));
        return 1;
}

int oih_cgroup_allow_devices(struct oih_cgroup *cg, const struct oih_device_rule *rules, size_t n,
                             bool hook_in_userns, oih_error **err)
{
        const struct oih_cgroup_paths *c = &cg->container;
        _cleanup_free_ bool *added = NULL;
        _cleanup_free_ char *why_v2_text = NULL;
        bool applied = false;
        int r;

        if (n == 0)
                return 0;
        added = calloc(n, sizeof(bool));
        if (!added)
                return oih_error_set(err, ENOMEM, "out of memory");

        /* cgroup v1: the container's own devices cgroup applies whenever it has one. */
        const char *why_v1 = not_applying(c->v1, cg->hook.v1);
        if (!why_v1) {
                if (cg->v1_fd < 0)
                        return refuse(err, ENOENT, &rules[0],
                                      "its devices cgroup \"%s\" is not in the hook's mount table%s", c->v1,
                                      c->v1_dir ? "" : " (no cgroup v1 devices hierarchy mounted there)");
                r = allow_v1(cg, rules, n, added, hook_in_userns, err);
                if (r < 0)
                        return r;
                applied = true;
        }

        const char *why_v2 = not_applying(c->v2, cg->hook.v2);
        if (!why_v2) {
                r = allow_v2(cg, rules, n, hook_in_userns, &why_v2, &why_v2_text, err);
                if (r < 0) {
                        /* Every device controller, or none: what v1 granted goes again. */
                        if (cg->v1_fd >= 0)
                                v1_take_back(cg->v1_fd, c->v1_dir, rules, n, added);
                        return r;
                }
                applied = applied || r > 0;
        }

        if (!applied)
                warn_uncontrolled(rules, n, why_v1 ?: "applies", why_v2 ?: "applies");
        return 0;
}
