/* SPDX-License-Identifier: Apache-2.0 */
#include <grp.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"

static void cap_freep(cap_t *c)
{
        if (*c)
                (void)cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

int oih_caps_limit_to_hook(void)
{
        static const cap_value_t keep[] = {
                CAP_CHOWN, /* owners of what it creates in the root */
                CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,  CAP_FSETID, CAP_MKNOD, /* device nodes */
                CAP_SETUID,       CAP_SETGID,          CAP_SETPCAP, /* dropping privileges for ldconfig */
                CAP_KILL,                                           /* a helper that runs over its time */
                CAP_SYS_ADMIN,                                      /* setns, mounts */
                CAP_SYS_CHROOT, /* setns into a mount namespace, chroot for ldconfig */
                CAP_SYS_PTRACE, /* /proc/PID/ns of a runtime process that is not dumpable */
                CAP_SYS_MODULE, /* kernel modules */
                CAP_SYS_RESOURCE,
#ifdef CAP_BPF
                CAP_BPF, /* device programs on cgroup v2 */
#endif
        };
        _cleanup_cap_ cap_t have = cap_get_proc(), want = cap_init();

        if (!have || !want)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
                cap_flag_value_t v = CAP_CLEAR;
                if (cap_get_flag(have, keep[i], CAP_PERMITTED, &v) < 0 || v != CAP_SET)
                        continue;
                if (cap_set_flag(want, CAP_PERMITTED, 1, &keep[i], CAP_SET) < 0 ||
                    cap_set_flag(want, CAP_EFFECTIVE, 1, &keep[i], CAP_SET) < 0)
                        return negative_errno();
        }
        if (cap_set_proc(want) < 0)
                return negative_errno();
        return 0;
}

int oih_caps_drop_all(uid_t uid, gid_t gid)
{
        /* Root that runs a program gets every capability back, unless securebits say no. */
        if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
                                             SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                                             SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
                return negative_errno();
        for (unsigned long c = 0; c <= CAP_LAST_CAP; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return negative_errno();
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return negative_errno();

        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                return negative_errno();

        _cleanup_cap_ cap_t none = cap_init();
        if (!none)
                return -ENOMEM;
        if (cap_set_proc(none) < 0)
                return negative_errno();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        return 0;
}
