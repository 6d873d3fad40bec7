/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/fsuid.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "caps.h"
#include "cgroup.h"
#include "execute.h"
#include "writer.h"
#include "ld-refresh.h"
#include "ldconfig.h"
#include "log.h"
#include "mount-options.h"
#include "modules.h"
#include "mount.h"
#include "namespace.h"
#include "userns.h"
#include "util.h"

/* What step 1 took for one operation. */
struct source {
        struct oih_mount_source mount; /* MOUNT, BIND, and DEVICE in a user namespace */
        bool has_mount;
        int fd; /* COPY: the host file, open for reading */
};

struct execution {
        const struct oih_plan *plan;
        const struct oih_spec *spec;
        struct source *sources;
        int ldconfig_fd;
        bool userns;
        struct oih_writer writer;
        struct oih_undo undo;
        struct oih_shared_mounts shared;
        struct oih_cgroup cgroup;
        struct oih_container container;
};

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

static int op_error(const struct execution *ex, oih_error **err, const struct oih_op *op, int r,
                    const char *what)
{
        char buf[512];
        return oih_error_set(err, -r, "%s: cannot %s \"%s\" at \"%s\" in the container: %s", op->config,
                             what, op->source ?: "-", op->target ?: "-",
                             describe(ex->writer.rootfd, op->target, r, buf, sizeof(buf)));
}

/* Step 1, for one operation: take its source in the host's mount namespace. */
static int take_source(struct execution *ex, const struct oih_op *op, struct source *s, oih_error **err)
{
        struct stat st;
        int r;

        switch (op->type) {
        case OIH_OP_DEVICE:
                /* The node must still be the device the config named (THREATS.md item 5). */
                if (stat(op->source, &st) < 0)
                        return oih_error_set_errno(err, errno, "%s: device \"%s\"", op->config, op->source);
                if ((st.st_mode & S_IFMT) != (op->mode & S_IFMT) || st.st_rdev != op->rdev)
                        return oih_error_set(
                                err, ESTALE,
                                "%s: device \"%s\" is %u:%u on the host now, not the %u:%u planned; refusing it",
                                op->config, op->source, major(st.st_rdev), minor(st.st_rdev),
                                major(op->rdev), minor(op->rdev));
                if (!ex->userns)
                        return 0;
                /* mknod is refused in a user namespace: bind the host's node instead. */
                _fallthrough_;
        case OIH_OP_MOUNT:
        case OIH_OP_BIND:
                r = oih_mount_source_open(op->source, op->dev, op->ino,
                                          op->mount_flags & OIH_MOUNT_RECURSIVE, &s->mount, err);
                if (r < 0) {
                        oih_error_prefix(err, "%s", op->config);
                        return r;
                }
                s->has_mount = true;
                return 0;
        case OIH_OP_COPY:
                s->fd = open(op->source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (s->fd < 0)
                        return oih_error_set_errno(err, errno, "%s: cannot open \"%s\" on the host",
                                                   op->config, op->source);
                if (fstat(s->fd, &st) < 0 || st.st_dev != op->dev || st.st_ino != op->ino)
                        return oih_error_set(
                                err, ESTALE,
                                "%s: \"%s\" changed on the host since it was planned; start the container again",
                                op->config, op->source);
                return 0;
        case OIH_OP_LDCACHE:
                if (ex->ldconfig_fd < 0)
                        return oih_ldconfig_open(&ex->ldconfig_fd, err);
                return 0;
        default:
                return 0;
        }
}

/* The target is already what the source is: a bind from an earlier run of the hook. */
static bool already_bound(int target_fd, const struct oih_op *op)
{
        struct stat st;
        return fstat(target_fd, &st) >= 0 && st.st_dev == op->dev && st.st_ino == op->ino;
}

static int do_bind(struct execution *ex, const struct oih_op *op, struct source *s, oih_error **err)
{
        _cleanup_close_ int target_fd = -1, mount_fd = -1;
        bool dir = S_ISDIR(op->mode);
        unsigned flags = op->mount_flags;
        int r;

        if (op->type == OIH_OP_DEVICE) {
                /* A device bound from the host in a user namespace: usable, never a way to set-id. The
                 * host node's owner and mode apply there, and a bind cannot change them. */
                flags = OIH_MOUNT_NOSUID | OIH_MOUNT_NOEXEC;
                bool user_ok = op->uid == ex->writer.owner.uid && (op->mode & 0600) == 0600;
                bool group_ok = op->gid == ex->writer.owner.gid && (op->mode & 0060) == 0060;
                if (!user_ok && !group_ok && (op->mode & 0006) != 0006)
                        log_warning(
                                "%s: device \"%s\" is bound from the host with mode %04o, owner %u:%u%s: the container's root user (host %u:%u) cannot open it; widen the host node's mode or group (a udev rule)",
                                op->config, op->source, op->mode & 07777, op->uid, op->gid,
                                ex->container.hook_userns && op->uid == oih_overflow_uid()
                                        ? " (a host user this user namespace does not map, root perhaps)"
                                        : "",
                                ex->container.host_owner.uid, ex->container.host_owner.gid);
        }

        bool fresh = false;
        r = dir ? oih_writer_mount_point_dir(&ex->writer, op->target, &target_fd)
                : oih_writer_mount_point_file(&ex->writer, op->target, &target_fd, &fresh);
        if (r < 0)
                return op_error(ex, err, op, r, "bind");

        /* A mount point made just now has nothing bound on it; anything else may be a second run's. */
        if (!fresh && already_bound(target_fd, op)) {
                log_debug("\"%s\" is bound already", op->target);
                return 0;
        }

        /* Runtimes make the container's mounts private or slave: usually nothing to look up. */
        bool shared = false;
        if (ex->shared.n > 0) {
                r = oih_fd_on_shared_mount(&ex->shared, target_fd, &shared);
                if (r < 0)
                        return op_error(ex, err, op, r, "bind");
        }
        if (shared)
                return oih_error_set(
                        err, EPERM,
                        "%s: cannot bind \"%s\" at \"%s\": that place is on a shared mount, so the bind would appear on the host too; give the container a private or slave rootfsPropagation, or use \"inject\": \"copy\"",
                        op->config, op->source, op->target);

        r = oih_mount_attach(&s->mount, ex->writer.rootfd, op->target, target_fd, flags, &mount_fd, err);
        if (r < 0) {
                oih_error_prefix(err, "%s", op->config);
                return r;
        }
        r = oih_undo_add(&ex->undo, OIH_UNDO_MOUNTED, op->target, NULL, op->dev, op->ino);
        if (r < 0) {
                if (mount_fd >= 0)
                        (void)oih_mount_detach(mount_fd);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        log_debug("bound \"%s\" at \"%s\"", op->source, op->target);
        return 0;
}

static int do_ldcache(struct execution *ex, const struct oih_op *op, oih_error **err)
{
        int r;

        if (!oih_root_has_glibc(ex->writer.rootfd)) {
                log_info(
                        "the container's root has no glibc (no ld.so.cache, no glibc loader): libraries are in place, no ld cache to refresh");
                return 0;
        }
        r = oih_ldconf_ensure(&ex->writer, op->dirs, err);
        if (r >= 0 && op->ld_merge) {
                /* The image's cache and what the plan knows of the injected libraries: no ldconfig. */
                r = oih_ldcache_merge(&ex->writer, op->ld_entries, op->n_ld_entries);
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
        if (r >= 0 && (r = oih_writer_check(&ex->writer, OIH_LDSO_CACHE_FILE)) < 0)
                r = oih_error_set_errno(err, -r, "cannot open the folder of \"%s\"", OIH_LDSO_CACHE_FILE);
        if (r >= 0)
                r = oih_ldconfig_seal(ex->ldconfig_fd, &sealed, err);
        if (r >= 0)
                r = oih_ldconfig_run(ex->writer.rootfd, sealed, &ex->writer.owner, op->dirs, err);
        if (r < 0)
                oih_error_prefix(err, "%s: refreshing the container's ld cache", plan_label(ex->plan));
        return r;
}

static int do_op(struct execution *ex, const struct oih_op *op, struct source *s, oih_error **err)
{
        _cleanup_close_ int fd = -1;
        int r;

        ex->writer.label = op->config; /* a refusal to write into a volume names it */
        switch (op->type) {
        case OIH_OP_MKDIR:
                r = oih_writer_dir(&ex->writer, op->target, op->mode & 07777, &fd);
                return r < 0 ? op_error(ex, err, op, r, "create folder") : 0;
        case OIH_OP_MOUNT:
        case OIH_OP_BIND:
                return do_bind(ex, op, s, err);
        case OIH_OP_DEVICE:
                if (ex->userns)
                        return do_bind(ex, op, s, err);
                r = oih_writer_node(&ex->writer, op->target, op->mode, op->rdev, op->uid, op->gid);
                return r < 0 ? op_error(ex, err, op, r, "create device node") : 0;
        case OIH_OP_SYMLINK:
                r = oih_writer_symlink(&ex->writer, op->target, op->source);
                return r < 0 ? op_error(ex, err, op, r, "create symbolic link") : 0;
        case OIH_OP_COPY:
                r = oih_writer_copy(&ex->writer, op->target, s->fd, op->mode);
                return r < 0 ? op_error(ex, err, op, r, "copy") : 0;
        case OIH_OP_LDCACHE:
                return do_ldcache(ex, op, err);
        default:
                return 0;
        }
}

/* The modules of the plan, all loaded by one run of the helper, before anything else. */
static int load_modules(const struct oih_plan *plan, const char *modules_dir, oih_error **err)
{
        _cleanup_strv_free_ char **names = NULL;

        for (size_t i = 0; i < plan->n; i++)
                if (plan->ops[i].type == OIH_OP_MODULE && strv_extend(&names, plan->ops[i].source) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
        if (!names)
                return 0;

        int r = oih_modules_load(names, modules_dir, err);
        if (r < 0) {
                /* Name the config of the first module: the helper's line names the module itself. */
                for (size_t i = 0; i < plan->n; i++)
                        if (plan->ops[i].type == OIH_OP_MODULE) {
                                oih_error_prefix(err, "%s", plan->ops[i].config);
                                break;
                        }
        }
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
                struct oih_device_rule rule = { .type = S_ISBLK(o->mode) ? 'b' : 'c',
                                                .major = major(o->rdev),
                                                .minor = minor(o->rdev),
                                                .config = o->config,
                                                .path = o->source };
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

static void execution_done(struct execution *ex)
{
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
        struct execution ex = {
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
        if (!ex.sources)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < plan->n; i++)
                ex.sources[i].fd = -1;

        /* Step 1: in the host's mount namespace. */
        if ((r = load_modules(plan, options->modules_dir, err)) < 0)
                goto finish;
        if (device_rules(plan, &rules, &n_rules) < 0) {
                r = oih_error_set(err, ENOMEM, "out of memory");
                goto finish;
        }
        if (n_rules > 0 && (r = oih_cgroup_open(ex.container.cgroup, &ex.cgroup, err)) < 0)
                goto finish;
        for (size_t i = 0; i < plan->n; i++)
                if ((r = take_source(&ex, &plan->ops[i], &ex.sources[i], err)) < 0)
                        goto finish;

        /* Step 2: in the container's. */
        if (!options->inside_container && (r = oih_container_enter(&ex.container, err)) < 0)
                goto finish;
        ex.writer.rootfd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ex.writer.rootfd < 0) {
                r = oih_error_set_errno(err, errno, "cannot open the container's root \"%s\"",
                                        spec->root_path);
                goto finish;
        }
        ex.writer.undo = &ex.undo;
        ex.undo.rootfd = ex.writer.rootfd;
        r = oih_shared_mounts_read(&ex.shared);
        if (r >= 0)
                r = oih_writer_limit_mounts(&ex.writer, spec->tmpfs_mounts);
        if (r < 0) {
                r = oih_error_set_errno(err, -r, "cannot read the container's mount table");
                goto finish;
        }
        ex.writer.err = err;

        /* In a user namespace, create everything as the container's root user: its filesystems (the /dev
         * tmpfs, at least) refuse files of a host user they cannot map, and it is all the hook needs. */
        uid_t saved_fsuid = 0;
        gid_t saved_fsgid = 0;
        if (ex.userns) {
                saved_fsgid = (gid_t)setfsgid(ex.writer.owner.gid);
                saved_fsuid = (uid_t)setfsuid(ex.writer.owner.uid);
        }
        /* Modes are the plan's, exactly: no umask inherited from the runtime takes bits away. */
        mode_t saved_umask = umask(0);
        oih_writer_prepare(&ex.writer);
        for (size_t i = 0; i < plan->n; i++)
                if ((r = do_op(&ex, &plan->ops[i], &ex.sources[i], err)) < 0)
                        break;
        (void)umask(saved_umask);
        if (ex.userns) {
                (void)setfsuid(saved_fsuid);
                (void)setfsgid(saved_fsgid);
        }

        /* Step 3. */
        if (r >= 0 && n_rules > 0)
                r = oih_cgroup_allow_devices(&ex.cgroup, rules, n_rules, ex.container.hook_userns, err);

        /* Step 4. */
        if (r < 0)
                oih_undo_rollback(&ex.undo);
        else {
                oih_undo_commit(&ex.undo);
                log_info("injected %zu operation%s of %zu config%s", plan->n, plan->n == 1 ? "" : "s",
                         strv_length(plan->configs), strv_length(plan->configs) == 1 ? "" : "s");
        }

finish:
        execution_done(&ex);
        return r;
}
