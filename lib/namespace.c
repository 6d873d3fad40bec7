/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/stat.h>

#include "namespace.h"
#include "util.h"

#define STAGE_ADVICE                                                                                    \
        "the hook runs inside the container's namespaces already (a createContainer or startContainer " \
        "hook); register it as prestart or createRuntime instead"

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

int oih_container_mntns_open(pid_t pid, int *ret_fd, oih_error **err)
{
        char p[64];
        struct stat ours, theirs;

        if (pid <= 0)
                return oih_error_set(
                        err, EINVAL,
                        "the state names no container process (pid %d); register the hook as a "
                        "prestart or createRuntime hook, which run while the container's process exists",
                        (int)pid);

        if (in_other_pid_namespace())
                return oih_error_set(err, EINVAL, STAGE_ADVICE);

        snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT || errno == ESRCH)
                        return oih_error_set(err, ESRCH, "the container's process %d has exited", (int)pid);
                return oih_error_set_errno(err, errno, "cannot open the mount namespace of process %d",
                                           (int)pid);
        }

        if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/mnt", &ours) < 0)
                return oih_error_set_errno(err, errno, "cannot compare mount namespaces");
        if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino)
                return oih_error_set(err, EINVAL, STAGE_ADVICE);

        *ret_fd = TAKE_FD(fd);
        return 0;
}

int oih_mntns_enter(int nsfd, oih_error **err)
{
        if (setns(nsfd, CLONE_NEWNS) < 0)
                return oih_error_set_errno(err, errno, "cannot enter the container's mount namespace");
        return 0;
}

/* The host id that container id 0 maps to in a /proc/PID/{uid,gid}_map. */
static int read_map(pid_t pid, const char *which, uint32_t *ret)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, which);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        if (!f)
                return negative_errno();

        uint32_t inside, outside, count;
        while (fscanf(f, "%" SCNu32 " %" SCNu32 " %" SCNu32, &inside, &outside, &count) == 3)
                if (inside == 0 && count > 0) {
                        *ret = outside;
                        return 0;
                }
        return -ERANGE;
}

int oih_container_root_owner(pid_t pid, const struct oih_spec *spec, struct oih_owner *ret, oih_error **err)
{
        uint32_t uid = 0, gid = 0;

        if (oih_spec_has_namespace(spec, "user")) {
                /* The process's own maps are the truth; the spec's are what the runtime was asked for. */
                if (read_map(pid, "uid_map", &uid) < 0 && oih_spec_host_uid(spec, 0, &uid) < 0)
                        return oih_error_set(err, ERANGE,
                                             "the container's root user is not mapped to a host user");
                if (read_map(pid, "gid_map", &gid) < 0 && oih_spec_host_gid(spec, 0, &gid) < 0)
                        return oih_error_set(err, ERANGE,
                                             "the container's root group is not mapped to a host group");
        }
        *ret = (struct oih_owner){ .uid = uid, .gid = gid };
        return 0;
}
