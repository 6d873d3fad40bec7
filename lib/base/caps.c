/* SPDX-License-Identifier: Apache-2.0 */
#include <grp.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
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

        /* In a user namespace whose setgroups is "deny" only an empty list is fine: it may be one already.
         */
        if (setgroups(0, NULL) < 0 && !(errno == EPERM && getgroups(0, NULL) == 0))
                return negative_errno();
        if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
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

static bool cap_effective(cap_t c, cap_value_t v)
{
        cap_flag_value_t f = CAP_CLEAR;
        return cap_get_flag(c, v, CAP_EFFECTIVE, &f) >= 0 && f == CAP_SET;
}

int oih_caps_image_enter(uid_t uid, gid_t gid, struct oih_image_creds *ret_saved)
{
        struct oih_image_creds s = { .fsuid = (uid_t)setfsuid((uid_t)-1),
                                     .fsgid = (gid_t)setfsgid((gid_t)-1) };
        _cleanup_cap_ cap_t have = cap_get_proc(), none = NULL;
        int r;

        if (!have)
                return -ENOMEM;
        none = cap_dup(have);
        if (!none || cap_clear_flag(none, CAP_EFFECTIVE) < 0)
                return -ENOMEM;

        if (cap_effective(have, CAP_SETUID) && cap_effective(have, CAP_SETGID)) {
                int n = getgroups(0, NULL);
                if (n < 0)
                        return negative_errno();
                s.groups = calloc((size_t)n + 1, sizeof(gid_t));
                if (!s.groups)
                        return -ENOMEM;
                s.n_groups = getgroups(n, s.groups);
                if (s.n_groups < 0) {
                        r = negative_errno();
                        free(s.groups);
                        return r;
                }
                s.ids_changed = true;
                s.caps = TAKE_PTR(have);
                /* In a user namespace whose setgroups is "deny" nobody can change the list: it stays. */
                if (setgroups(1, &gid) >= 0)
                        s.groups_changed = true;
                else if (errno != EPERM) {
                        r = negative_errno();
                        goto undo;
                }
                /* setfsuid() says nothing of failure: the id it returns next is the proof. */
                (void)setfsgid(gid);
                (void)setfsuid(uid);
                if ((gid_t)setfsgid((gid_t)-1) != gid || (uid_t)setfsuid((uid_t)-1) != uid) {
                        r = -EPERM;
                        goto undo;
                }
        } else
                s.caps = TAKE_PTR(have);

        if (cap_set_proc(none) < 0) {
                r = negative_errno();
                goto undo;
        }
        *ret_saved = s;
        return 0;

undo:
        (void)oih_caps_image_leave(&s);
        return r;
}

int oih_caps_image_leave(struct oih_image_creds *saved)
{
        int r = 0;

        if (saved->ids_changed) {
                /* Back to fsuid 0 needs no capability (the effective uid is 0), and gives the permitted
                 * filesystem capabilities back to the effective set: the saved set below is exact. */
                (void)setfsuid(saved->fsuid);
                (void)setfsgid(saved->fsgid);
        }
        if (saved->caps && cap_set_proc(saved->caps) < 0)
                r = negative_errno();
        if (saved->groups_changed && r >= 0 && setgroups((size_t)saved->n_groups, saved->groups) < 0)
                r = negative_errno();
        if (r >= 0 && saved->ids_changed &&
            ((uid_t)setfsuid((uid_t)-1) != saved->fsuid || (gid_t)setfsgid((gid_t)-1) != saved->fsgid))
                r = -EPERM;

        if (saved->caps)
                (void)cap_free(saved->caps);
        free(saved->groups);
        *saved = (struct oih_image_creds){};
        return r;
}
