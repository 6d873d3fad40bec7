/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/fsuid.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "caps.h"
#include "execute.h"
#include "execution.h"
#include "ld-refresh.h"
#include "ldconfig.h"
#include "log.h"
#include "modules.h"
#include "util.h"

/* What messages name the plan by: its first config, or the entry point that made it. */
static const char *plan_label(const struct oih_plan *plan)
{
        return plan->configs ? plan->configs[0] : "ldcache";
}

/*
 * What ENOENT meant at `path`: the kernel says it for a missing part of a path, and also where a
 * filesystem refuses to create anything (procfs answers a create with ENOENT). The nearest part of the
 * path that exists, through the image's links inside the root, tells which.
 */
static const char *describe_enoent(int rootfd, const char *path, char *buf, size_t size)
{
        _cleanup_free_ char *missing = strdup(path);
        _cleanup_close_ int fd = -1;
        struct statfs sfs;

        if (!missing || rootfd < 0)
                return strerror(ENOENT);
        for (;;) {
                _cleanup_free_ char *up = path_dirname(missing);
                if (!up)
                        return strerror(ENOENT);
                if (oih_root_open(rootfd, up, O_PATH | O_DIRECTORY, &fd) >= 0)
                        break;
                if (streq(up, "/"))
                        return strerror(ENOENT);
                free(missing);
                missing = TAKE_PTR(up);
        }
        /* fd: the folder that holds `missing`, the first part of the path that is not there. */
        if (fstatfs(fd, &sfs) >= 0 && sfs.f_type == PROC_SUPER_MAGIC) {
                _cleanup_free_ char *dir = path_dirname(missing);
                snprintf(
                        buf, size,
                        "\"%s\" is on the container's procfs (the image's symbolic links lead there), where nothing can be created; fix the image or set \"container_path\"",
                        dir ?: "?");
                return buf;
        }
        _cleanup_close_ int link = -1;
        struct stat st;
        if (oih_root_open(rootfd, missing, O_PATH | O_NOFOLLOW, &link) >= 0 && fstat(link, &st) >= 0 &&
            S_ISLNK(st.st_mode)) {
                snprintf(
                        buf, size,
                        "the symbolic link \"%s\" in the image points nowhere; fix the image or set \"container_path\"",
                        missing);
                return buf;
        }
        snprintf(buf, size, "\"%s\" is missing in the container: it was removed while the hook worked on it",
                 missing);
        return buf;
}

/* Why an operation failed, in words that tell the user what to do. */
static const char *describe(int rootfd, const char *path, int r, char *buf, size_t size)
{
        switch (-r) {
        case EISDIR:
                return "the image has a folder there; remove it from the image or set \"container_path\"";
        case ENOTDIR:
                return "a part of the path is not a folder in the image; set \"container_path\"";
        case ENOENT:
                return path ? describe_enoent(rootfd, path, buf, size) : strerror(ENOENT);
        case ELOOP:
                return "a symbolic link on the way in the image leads through /proc, or there are too many; fix the image or set \"container_path\"";
        case EROFS:
                return "the container's root is mounted read-only before the hook ran; let the runtime make it read-only (root.readonly) instead of the image's storage";
        case EAGAIN:
                return "the path changed while the hook was working on it; start the container again";
        default:
                return strerror(-r);
        }
}

int oih_execution_op_error(const struct oih_execution *ex, oih_error **err, const struct oih_op *op, int r,
                           const char *what)
{
        char buf[512];
        return oih_error_set(err, -r, "%s: cannot %s \"%s\" at \"%s\" in the container: %s", op->config,
                             what, oih_op_source(op), op->target ?: "-",
                             describe(ex->writer.rootfd, op->target, r, buf, sizeof(buf)));
}

int oih_execution_take_bind(const struct oih_op *op, const struct oih_host_file *host, unsigned flags,
                            struct oih_source *s, oih_error **err)
{
        int r = oih_mount_source_open(host->path, host->dev, host->ino, flags, &s->mount, err);
        if (r < 0) {
                oih_error_prefix(err, "%s", op->config);
                return r;
        }
        s->has_mount = true;
        return 0;
}

/* The target is already what the source is: a bind from an earlier run of the hook. */
static bool already_bound(int target_fd, const struct oih_host_file *host)
{
        struct stat st;
        return fstat(target_fd, &st) >= 0 && st.st_dev == host->dev && st.st_ino == host->ino;
}

int oih_execution_bind(struct oih_execution *ex, const struct oih_op *op, const struct oih_host_file *host,
                       unsigned flags, struct oih_source *s, oih_error **err)
{
        struct oih_mount_point mp;
        int r;

        r = S_ISDIR(host->mode) ? oih_writer_mount_point_dir(&ex->writer, op->target, &mp)
                                : oih_writer_mount_point_file(&ex->writer, op->target, &mp);
        if (r < 0)
                return oih_execution_op_error(ex, err, op, r, "bind");
        _cleanup_close_ int mp_fd = mp.fd; /* closed on return */

        /* A mount point made just now has nothing bound on it; anything else may be a second run's. */
        if (!mp.fresh && already_bound(mp_fd, host)) {
                log_debug("\"%s\" is bound already", op->target);
                return 0;
        }

        /* Runtimes make the container's mounts private or slave: usually nothing to look up. A file made
         * just now is on its folder's mount. */
        bool shared = false;
        if (ex->shared.n > 0) {
                r = oih_fd_on_shared_mount(&ex->shared, mp_fd >= 0 ? mp_fd : mp.dfd, &shared);
                if (r < 0)
                        return oih_execution_op_error(ex, err, op, r, "bind");
        }
        if (shared)
                return oih_error_set(
                        err, EPERM,
                        "%s: cannot bind \"%s\" at \"%s\": that place is on a shared mount, so the bind would appear on the host too; give the container a private or slave rootfsPropagation, or use \"inject\": \"copy\"",
                        op->config, host->path, op->target);

        r = oih_mount_attach(&s->mount, ex->writer.rootfd, op->target, &mp, flags, err);
        if (r < 0) {
                oih_error_prefix(err, "%s", op->config);
                return r;
        }
        r = oih_undo_add(&ex->undo, OIH_UNDO_MOUNTED, op->target, NULL, host->dev, host->ino);
        if (r < 0) {
                (void)oih_mount_detach(s->mount.fd);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        log_debug("bound \"%s\" at \"%s\"", host->path, op->target);
        return 0;
}

/* The modules of the plan, all loaded by one run of the helper, before anything else. */
static int load_modules(const struct oih_plan *plan, const char *modules_dir, oih_error **err)
{
        _cleanup_strv_free_ char **names = NULL;
        const struct oih_op *first = NULL;

        for (size_t i = 0; i < plan->n; i++)
                if (plan->ops[i].type == OIH_OP_MODULE) {
                        first = first ?: &plan->ops[i];
                        if (strv_extend(&names, plan->ops[i].module.name) < 0)
                                return oih_error_set(err, ENOMEM, "out of memory");
                }
        if (!names)
                return 0;

        int r = oih_modules_load(names, modules_dir, err);
        if (r < 0)
                /* Name the config of the first module: the helper's line names the module itself. */
                oih_error_prefix(err, "%s", first->config);
        return r;
}

/* The injected devices, each once: what the container's cgroup must allow. */
static int device_rules(const struct oih_plan *plan, struct oih_device_rule **ret, size_t *ret_n)
{
        _cleanup_free_ struct oih_device_rule *rules = calloc(plan->n ?: 1, sizeof(*rules));
        size_t n = 0;

        if (!rules)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n; i++) {
                const struct oih_op *o = &plan->ops[i];
                if (o->type != OIH_OP_DEVICE)
                        continue;
                struct oih_device_rule rule = { .type = S_ISBLK(o->device.host.mode) ? 'b' : 'c',
                                                .major = major(o->device.rdev),
                                                .minor = minor(o->device.rdev),
                                                .config = o->config,
                                                .path = o->device.host.path };
                bool seen = false;
                for (size_t j = 0; j < n; j++)
                        seen = seen || (rules[j].type == rule.type && rules[j].major == rule.major &&
                                        rules[j].minor == rule.minor);
                if (!seen)
                        rules[n++] = rule;
        }
        *ret = TAKE_PTR(rules);
        *ret_n = n;
        return 0;
}

/* Besides the sources: the container's root and namespaces, its cgroup, ldconfig and its pipes, the mount
 * table being read, a folder or two being written in. */
#define OTHER_DESCRIPTORS 64

/* Every source taken is held until the end: the process must be let hold them all at once (a soft
 * RLIMIT_NOFILE of 1024, systemd's default, is less than a thousand libraries need). The raised limit is
 * the hook's own; its helpers set theirs. */
static int reserve_descriptors(const struct oih_plan *plan, oih_error **err)
{
        unsigned long sources = 0, max = 0;

        for (size_t i = 0; i < plan->n; i++)
                sources += OP_VTABLE(&plan->ops[i])->take != NULL;
        int r = rlimit_nofile_reserve(sources + OTHER_DESCRIPTORS, &max);
        if (r == -EMFILE)
                return oih_error_set(
                        err, EMFILE,
                        "%s: the injection holds %lu host files open at once, and the runtime lets the hook open at most %lu (its hard RLIMIT_NOFILE); raise the runtime's open-file limit (LimitNOFILE= of its systemd unit, ulimit -Hn) to %lu or more",
                        plan_label(plan), sources, max, sources + OTHER_DESCRIPTORS);
        if (r < 0) /* a seccomp filter, say: the limit may be enough still */
                log_warning("%s: cannot raise the open-file limit to %lu: %s; going on", plan_label(plan),
                            sources + OTHER_DESCRIPTORS, strerror(-r));
        return 0;
}

/* In the host's namespaces: the modules loaded, the cgroup opened where devices need it, every source taken
 * and checked against what the plan saw, and the host's ldconfig opened for the ld cache step. */
static int take_sources(struct oih_execution *ex, const struct oih_execute_options *options, size_t n_rules,
                        oih_error **err)
{
        const struct oih_plan *plan = ex->plan;
        int r;

        if ((r = reserve_descriptors(plan, err)) < 0 ||
            (r = load_modules(plan, options->modules_dir, err)) < 0)
                return r;
        if (n_rules > 0 && (r = oih_cgroup_open(ex->container.cgroup, &ex->cgroup, err)) < 0)
                return r;
        for (size_t i = 0; i < plan->n; i++) {
                const struct oih_op *op = &plan->ops[i];
                const struct oih_op_vtable *vt = OP_VTABLE(op);
                if (vt->take && (r = vt->take(ex, op, &ex->sources[i], err)) < 0)
                        return r;
        }
        if (plan->ld.dirs)
                return oih_ldconfig_open(&ex->ldconfig_fd, err);
        return 0;
}

/* Into the container's mount namespace (unless already there), its root opened once. */
static int enter(struct oih_execution *ex, const struct oih_execute_options *options, oih_error **err)
{
        int r;

        if (!options->inside_container && (r = oih_container_enter(&ex->container, err)) < 0)
                return r;
        ex->writer.rootfd = open(ex->spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ex->writer.rootfd < 0)
                return oih_error_set_errno(err, errno, "cannot open the container's root \"%s\"",
                                           ex->spec->root_path);
        ex->writer.undo = &ex->undo;
        ex->undo.rootfd = ex->writer.rootfd;
        r = oih_shared_mounts_read(&ex->shared);
        if (r >= 0)
                r = oih_writer_limit_mounts(&ex->writer, ex->spec->tmpfs_mounts);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot read the container's mount table");
        ex->writer.err = err;
        return 0;
}

/* Every operation in the root, in order, then the ld cache step. */
static int apply_ops(struct oih_execution *ex, oih_error **err)
{
        const struct oih_plan *plan = ex->plan;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < plan->n; i++) {
                const struct oih_op *op = &plan->ops[i];
                const struct oih_op_vtable *vt = OP_VTABLE(op);
                ex->writer.label = op->config; /* a refusal to write into a volume names it */
                if (vt->apply)
                        r = vt->apply(ex, op, &ex->sources[i], err);
        }
        ex->writer.label = NULL;
        if (r >= 0 && plan->ld.dirs)
                r = oih_ld_refresh(&ex->writer, &plan->ld, ex->ldconfig_fd, plan_label(plan), err);
        return r;
}

/* apply_ops() with the ids and umask the files must be made with. */
static int apply(struct oih_execution *ex, oih_error **err)
{
        /* In a user namespace, create everything as the container's root user: its filesystems (the /dev
         * tmpfs, at least) refuse files of a host user they cannot map, and it is all the hook needs. */
        uid_t saved_fsuid = 0;
        gid_t saved_fsgid = 0;
        if (ex->userns) {
                saved_fsgid = (gid_t)setfsgid(ex->writer.owner.gid);
                saved_fsuid = (uid_t)setfsuid(ex->writer.owner.uid);
        }
        /* Modes are the plan's, exactly: no umask inherited from the runtime takes bits away. */
        mode_t saved_umask = umask(0);
        oih_writer_prepare(&ex->writer);

        int r = apply_ops(ex, err);

        (void)umask(saved_umask);
        if (ex->userns) {
                (void)setfsuid(saved_fsuid);
                (void)setfsgid(saved_fsgid);
        }
        return r;
}

/* The descriptors the sources hold (a thousand binds hold a thousand mounts), closed in a few calls. */
static void close_sources(struct oih_execution *ex)
{
        _cleanup_free_ int *fds = calloc(2 * ex->plan->n + 1, sizeof(*fds));
        size_t n = 0;

        if (!fds)
                return; /* each is closed with its source */
        for (size_t i = 0; i < ex->plan->n; i++) {
                struct oih_source *s = &ex->sources[i];
                if (s->has_mount)
                        fds[n++] = TAKE_FD(s->mount.fd);
                fds[n++] = TAKE_FD(s->fd);
        }
        close_all(fds, n);
}

static void execution_done(struct oih_execution *ex)
{
        if (ex->sources)
                close_sources(ex);
        for (size_t i = 0; ex->sources && i < ex->plan->n; i++) {
                if (ex->sources[i].has_mount)
                        oih_mount_source_done(&ex->sources[i].mount);
                safe_close(ex->sources[i].fd);
        }
        free(ex->sources);
        safe_close(ex->ldconfig_fd);
        oih_writer_done(&ex->writer);
        safe_close(ex->writer.rootfd);
        oih_shared_mounts_done(&ex->shared);
        oih_cgroup_done(&ex->cgroup);
        oih_container_done(&ex->container);
        oih_undo_done(&ex->undo);
}

int oih_execute(const struct oih_plan *plan, const struct oih_spec *spec, const struct oih_state *state,
                const struct oih_execute_options *options, oih_error **err)
{
        struct oih_execution ex = {
                .plan = plan,
                .spec = spec,
                .ldconfig_fd = -1,
                .writer = { .rootfd = -1, .cached_fd = -1 },
                .cgroup = { .v1_fd = -1, .v2_fd = -1 },
                .container = { .pidfd = -1, .mntns_fd = -1 },
        };
        _cleanup_free_ struct oih_device_rule *rules = NULL;
        size_t n_rules = 0;
        int r;

        if (!oih_spec_has_namespace(spec, "mount"))
                return oih_error_set(
                        err, EINVAL,
                        "%s: the container shares the host's mount namespace, so anything injected would be the host's too; refusing (give it a mount namespace)",
                        plan_label(plan));

        r = oih_caps_limit_to_hook();
        if (r < 0)
                log_debug("cannot limit capabilities: %s, ignoring", strerror(-r));

        if (options->inside_container)
                /* Inside the container's namespaces, its root user is whoever runs the hook there. */
                ex.writer.owner = (struct oih_owner){ .uid = geteuid(), .gid = getegid() };
        else {
                /* Held from here on; what is real decides about user namespaces, not the spec (rootless
                 * podman's lists none: the container shares podman's, and so does the hook). */
                r = oih_container_open(state->pid, spec, &ex.container, err);
                if (r < 0)
                        return r;
                ex.userns = ex.container.userns;
                ex.writer.owner = ex.container.owner;
        }

        ex.sources = calloc(plan->n ?: 1, sizeof(*ex.sources));
        if (!ex.sources || device_rules(plan, &rules, &n_rules) < 0) {
                execution_done(&ex);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < plan->n; i++)
                ex.sources[i].fd = -1;

        r = take_sources(&ex, options, n_rules, err);
        if (r >= 0)
                r = enter(&ex, options, err);
        if (r >= 0)
                r = apply(&ex, err);
        if (r >= 0 && n_rules > 0)
                r = oih_cgroup_allow_devices(&ex.cgroup, rules, n_rules, ex.container.hook_userns, err);

        /* All or nothing: what was done is undone on a failure, and kept on success. */
        if (r < 0)
                oih_undo_rollback(&ex.undo);
        else {
                oih_undo_commit(&ex.undo);
                log_info("injected %zu operation%s of %zu config%s%s", plan->n, plan->n == 1 ? "" : "s",
                         strv_length(plan->configs), strv_length(plan->configs) == 1 ? "" : "s",
                         plan->ld.dirs ? ", and refreshed the ld cache" : "");
        }
        execution_done(&ex);
        return r;
}
