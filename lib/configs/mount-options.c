/* SPDX-License-Identifier: Apache-2.0 */
#include "mount-options.h"
#include "util.h"

/* In the order messages list them. */
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
        { "bind", 0, OIH_MOUNT_RECURSIVE },
        { "rbind", OIH_MOUNT_RECURSIVE, 0 },
        { "noatime", OIH_MOUNT_NOATIME, OIH_MOUNT_STRICTATIME },
        { "relatime", 0, OIH_MOUNT_NOATIME | OIH_MOUNT_STRICTATIME },
        { "strictatime", OIH_MOUNT_STRICTATIME, OIH_MOUNT_NOATIME },
        { "nodiratime", OIH_MOUNT_NODIRATIME, 0 },
        { "diratime", 0, OIH_MOUNT_NODIRATIME },
        /* Accepted for OCI-style option lists: the hook makes every mount private anyway. */
        { "private", 0, 0 },
        { "rprivate", 0, 0 },
        { "slave", 0, 0 },
        { "rslave", 0, 0 },
};

/* Propagation the other way, from the container to the host (THREATS.md item 7). */
static const char *const refused[] = { "shared", "rshared", "unbindable", "runbindable" };

int oih_mount_option_apply(const char *option, unsigned *flags)
{
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if (streq(option, options[i].name)) {
                        *flags = (*flags & ~options[i].clear) | options[i].set;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                if (streq(option, refused[i]))
                        return -EPERM;
        return -EINVAL;
}

char *oih_mount_options_known(void)
{
        const char *names[ELEMENTSOF(options) + 1];
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                names[i] = options[i].name;
        names[ELEMENTSOF(options)] = NULL;
        return strv_join(names, ", ");
}

char *oih_mount_flags_to_string(unsigned flags)
{
        /* "ro" or "rw" first and "rbind" last, as mount(8) and the OCI spec write them; in between the
         * options that set one flag each, in the table's order. */
        const unsigned middle = ~(OIH_MOUNT_RDONLY | OIH_MOUNT_RECURSIVE);
        const char *names[ELEMENTSOF(options) + 3];
        size_t n = 0;

        names[n++] = flags & OIH_MOUNT_RDONLY ? "ro" : "rw";
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if ((options[i].set & middle) && (flags & options[i].set) == options[i].set)
                        names[n++] = options[i].name;
        if (flags & OIH_MOUNT_RECURSIVE)
                names[n++] = "rbind";
        names[n] = NULL;
        return strv_join(names, ",");
}
