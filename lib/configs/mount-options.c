/* SPDX-License-Identifier: Apache-2.0 */
#include "mount-options.h"

static const struct {
        const char *name;
        unsigned set, clear;
} options[] = {
        { "ro", OIH_MOUNT_RDONLY, 0 },
        { "rw", 0, OIH_MOUNT_RDONLY },
        { "nosuid", OIH_MOUNT_NOSUID, 0 },
        { "suid", 0, OIH_MOUNT_NOSUID },
        { "nodev", OIH_MOUNT_NODEV, 0 },
        { "dev", 0, OIH_MOUNT_NODEV },
        { "noexec", OIH_MOUNT_NOEXEC, 0 },
        { "exec", 0, OIH_MOUNT_NOEXEC },
        { "rbind", OIH_MOUNT_RECURSIVE, 0 },
        { "bind", 0, OIH_MOUNT_RECURSIVE },
        { "noatime", OIH_MOUNT_NOATIME, OIH_MOUNT_STRICTATIME },
        { "strictatime", OIH_MOUNT_STRICTATIME, OIH_MOUNT_NOATIME },
        { "relatime", 0, OIH_MOUNT_NOATIME | OIH_MOUNT_STRICTATIME },
        { "nodiratime", OIH_MOUNT_NODIRATIME, 0 },
        { "diratime", 0, OIH_MOUNT_NODIRATIME },
        /* Accepted for OCI-style option lists: the hook makes every mount private anyway. */
        { "private", 0, 0 },
        { "rprivate", 0, 0 },
        { "slave", 0, 0 },
        { "rslave", 0, 0 },
};

int oih_mount_option_apply(const char *option, unsigned *flags, const char **ret_why)
{
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if (streq(option, options[i].name)) {
                        *flags = (*flags & ~options[i].clear) | options[i].set;
                        return 0;
                }

        if (streq(option, "shared") || streq(option, "rshared") || streq(option, "unbindable") ||
            streq(option, "runbindable"))
                *ret_why = "would let mounts propagate between the container and the host; leave it out";
        else
                *ret_why =
                        "is not a known option (ro, rw, nosuid, suid, nodev, dev, noexec, exec, bind, rbind, noatime, relatime, strictatime, nodiratime, diratime, private, rprivate, slave, rslave)";
        return -EINVAL;
}

char *oih_mount_flags_to_string(unsigned flags)
{
        char *s = NULL;

        if (asprintf(&s, "%s%s%s%s%s%s%s%s", flags & OIH_MOUNT_RDONLY ? "ro" : "rw",
                     flags & OIH_MOUNT_NOSUID ? ",nosuid" : "", flags & OIH_MOUNT_NODEV ? ",nodev" : "",
                     flags & OIH_MOUNT_NOEXEC ? ",noexec" : "", flags & OIH_MOUNT_NOATIME ? ",noatime" : "",
                     flags & OIH_MOUNT_STRICTATIME ? ",strictatime" : "",
                     flags & OIH_MOUNT_NODIRATIME ? ",nodiratime" : "",
                     flags & OIH_MOUNT_RECURSIVE ? ",rbind" : "") < 0)
                return NULL;
        return s;
}
