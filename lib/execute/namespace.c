/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "log.h"
#include "mountinfo.h"
#include "namespace.h"
#include "userns.h"
#include "util.h"

#define STAGE_ADVICE \
        "the hook runs inside the container's namespaces already (a createContainer or startContainer hook); register it as prestart or createRuntime instead"

/*
 * Registered as createContainer, runc runs the hook in the container's new pid namespace while /proc is
 * still the host's: /proc/self then names another pid than getpid(), or none.
 */
static bool in_other_pid_namespace(void)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        if (n < 0)
                return errno == ENOENT;
        buf[n] = 0;
        return atol(buf) != (long)getpid();
}

/* A pidfd is close-on-exec from the start. */
static int pidfd_open_process(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* 0 while the process lives (a zombie, not yet reaped, still holds its number), -ESRCH after. */
static int pidfd_alive(int pidfd)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM)
                return 0;
        return negative_errno();
}

static int read_at(int dirfd, const char *name, size_t max, char **ret)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t len;
        if (fd < 0)
                return negative_errno();
        return read_full_fd(fd, max, ret, &len);
}

static int self_file(const char *name, size_t max, char **ret)
{
        _cleanup_close_ int fd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return read_at(fd, name, max, ret);
}

struct root_mount {
        const char *path;
        bool found;
};

static int match_root(const struct oih_mount_entry *e, void *userdata)
{
        struct root_mount *m = userdata;
        if (streq(e->mountpoint, m->path))
                m->found = true;
        return m->found ? 1 : 0;
}

/* Runtimes bind the root onto itself in the container's mount namespace before they run hooks. */
static int has_root_mount(int procfd, const char *root, bool *ret)
{
        struct root_mount m = { .path = root };
        int fd = openat(procfd, "mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        _cleanup_fclose_ FILE *f = fdopen(fd, "re");
        if (!f) {
                safe_close(fd);
                return -ENOMEM;
        }
        int r = oih_mountinfo_foreach_file(f, match_root, &m);
        if (r < 0)
                return r;
        *ret = m.found;
        return 0;
}

/* The id container id 0 is, through a map, or the spec's mappings where the map says nothing. */
static int root_id(int procfd, const char *map, const struct oih_spec *spec, bool uid, uint32_t *ret)
{
        _cleanup_free_ char *text = NULL;
        if (read_at(procfd, map, 64 * 1024, &text) >= 0 && oih_id_map_outside(text, 0, ret) >= 0)
                return 0;
        return uid ? oih_spec_host_uid(spec, 0, ret) : oih_spec_host_gid(spec, 0, ret);
}

/* The ids outside the hook's user namespace of ids inside it, for messages. */
static struct oih_owner outside(struct oih_owner o)
{
        _cleanup_free_ char *uids = NULL, *gids = NULL;
        uint32_t uid = o.uid, gid = o.gid;
        if (self_file("uid_map", 64 * 1024, &uids) >= 0)
                (void)oih_id_map_outside(uids, o.uid, &uid);
        if (self_file("gid_map", 64 * 1024, &gids) >= 0)
                (void)oih_id_map_outside(gids, o.gid, &gid);
        return (struct oih_owner){ .uid = uid, .gid = gid };
}

static int check_user(struct oih_container *c, int procfd, const struct oih_spec *spec, oih_error **err)
{
        struct stat ours, theirs;
        bool same = fstatat(procfd, "ns/user", &theirs, 0) >= 0 && stat("/proc/self/ns/user", &ours) >= 0 &&
                    ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;

        c->hook_userns = !oih_userns_self_initial();
        c->userns = c->hook_userns || !same;
        if (same)
                /* In the hook's own user namespace, the container's root is uid 0 there. */
                c->owner = (struct oih_owner){ .uid = 0, .gid = 0 };
        else {
                /* Read from another namespace, a map shows ids of the reader's. */
                uint32_t uid, gid;
                if (root_id(procfd, "uid_map", spec, true, &uid) < 0)
                        return oih_error_set(err, ERANGE,
                                             "the container's root user is not mapped to a host user");
                if (root_id(procfd, "gid_map", spec, false, &gid) < 0)
                        return oih_error_set(err, ERANGE,
                                             "the container's root group is not mapped to a host group");
                c->owner = (struct oih_owner){ .uid = uid, .gid = gid };
        }
        c->host_owner = c->hook_userns ? outside(c->owner) : c->owner;
        log_debug("user namespaces: the hook's is %s, the container's is %s; its root user is %u:%u here",
                  c->hook_userns ? "not the initial one" : "the initial one", same ? "the same" : "another",
                  c->owner.uid, c->owner.gid);
        return 0;
}

/* The process is the container the spec describes, as far as the kernel can tell. */
static int check_identity(struct oih_container *c, int procfd, const struct oih_spec *spec, oih_error **err)
{
        _cleanup_free_ char *root = realpath(spec->root_path, NULL);
        bool found = false;
        int r;

        if (!root)
                return oih_error_set_errno(err, errno, "cannot resolve the container's root \"%s\"",
                                           spec->root_path);
        r = has_root_mount(procfd, root, &found);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot read the mount table of process %d",
                                           (int)c->pid);
        if (!found)
                return oih_error_set(
                        err, ESRCH,
                        "the state's process %d is not this container's: its mount namespace has no mount at the container's root \"%s\" (runtimes bind the root there before hooks run); refusing to touch it",
                        (int)c->pid, root);

        if (!isempty(spec->cgroups_path) && !oih_cgroup_in_spec_path(c->cgroup, spec->cgroups_path)) {
                struct oih_cgroup_paths p = {};
                (void)oih_cgroup_locate(c->cgroup, NULL, &p);
                const char *where = p.v2 && !streq(p.v2, "/") ? p.v2 : p.v1 ?: "?";
                if (c->hook_userns)
                        /* A rootless runtime that cannot make cgroups leaves the container in its own. */
                        log_debug(
                                "the container's process %d is in cgroup \"%s\", not in linux.cgroupsPath \"%s\" (a rootless runtime without cgroups)",
                                (int)c->pid, where, spec->cgroups_path);
                else
                        r = oih_error_set(
                                err, ESRCH,
                                "the state's process %d is not this container's: its cgroup \"%s\" is not the spec's linux.cgroupsPath \"%s\"; refusing to touch it",
                                (int)c->pid, where, spec->cgroups_path);
                oih_cgroup_paths_done(&p);
                if (r < 0)
                        return r;
        }
        return 0;
}

int oih_container_open(pid_t pid, const struct oih_spec *spec, struct oih_container *ret, oih_error **err)
{
        struct oih_container c = { .pid = pid, .pidfd = -1, .mntns_fd = -1 };
        struct stat ours, theirs;
        char p[64];
        int r;

        if (pid <= 0)
                return oih_error_set(
                        err, EINVAL,
                        "the state names no container process (pid %d); register the hook as a prestart or createRuntime hook, which run while the container's process exists",
                        (int)pid);

        if (in_other_pid_namespace())
                return oih_error_set(err, EINVAL, STAGE_ADVICE);

        c.pidfd = pidfd_open_process(pid);
        if (c.pidfd < 0) {
                if (errno == ESRCH)
                        return oih_error_set(err, ESRCH, "the container's process %d has exited", (int)pid);
                if (errno != ENOSYS && errno != EPERM)
                        return oih_error_set_errno(err, errno, "cannot take hold of process %d", (int)pid);
                log_debug("pidfd_open: %s; the container's process is named by its number only",
                          strerror(errno));
        }

        snprintf(p, sizeof(p), "/proc/%d", (int)pid);
        _cleanup_close_ int procfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (procfd < 0) {
                r = errno;
                oih_container_done(&c);
                if (r == ENOENT || r == ESRCH)
                        return oih_error_set(err, ESRCH, "the container's process %d has exited", (int)pid);
                return oih_error_set_errno(err, r, "cannot open \"%s\"", p);
        }

        c.mntns_fd = openat(procfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
        if (c.mntns_fd < 0) {
                r = errno;
                oih_container_done(&c);
                if (r == ENOENT || r == ESRCH)
                        return oih_error_set(err, ESRCH, "the container's process %d has exited", (int)pid);
                return oih_error_set_errno(err, r, "cannot open the mount namespace of process %d",
                                           (int)pid);
        }
        if (fstat(c.mntns_fd, &theirs) < 0 || stat("/proc/self/ns/mnt", &ours) < 0) {
                r = oih_error_set_errno(err, errno, "cannot compare mount namespaces");
                goto fail;
        }
        if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
                r = oih_error_set(err, EINVAL, "process %d shares the hook's mount namespace: " STAGE_ADVICE,
                                  (int)pid);
                goto fail;
        }

        r = read_at(procfd, "cgroup", 1024 * 1024, &c.cgroup);
        if (r < 0) {
                r = oih_error_set_errno(err, -r, "cannot read the cgroups of process %d", (int)pid);
                goto fail;
        }
        r = check_user(&c, procfd, spec, err);
        if (r < 0)
                goto fail;
        r = check_identity(&c, procfd, spec, err);
        if (r < 0)
                goto fail;

        /* Everything read through /proc/PID belongs to the process the pidfd holds, if that lives on:
         * while it does, its number names no other. */
        if (c.pidfd >= 0 && pidfd_alive(c.pidfd) < 0) {
                r = oih_error_set(err, ESRCH, "the container's process %d has exited", (int)pid);
                goto fail;
        }
        *ret = c;
        return 0;

fail:
        oih_container_done(&c);
        return r;
}

void oih_container_done(struct oih_container *c)
{
        c->pidfd = safe_close(c->pidfd);
        c->mntns_fd = safe_close(c->mntns_fd);
        free(c->cgroup);
        c->cgroup = NULL;
}

int oih_container_enter(const struct oih_container *c, oih_error **err)
{
        /* setns takes a pidfd since 5.8; before, EINVAL, and the namespace fd does. */
        if (c->pidfd >= 0 && setns(c->pidfd, CLONE_NEWNS) == 0)
                return 0;
        if (c->pidfd >= 0 && errno != EINVAL)
                return oih_error_set_errno(err, errno, "cannot enter the container's mount namespace");
        if (setns(c->mntns_fd, CLONE_NEWNS) < 0)
                return oih_error_set_errno(err, errno, "cannot enter the container's mount namespace");
        return 0;
}
