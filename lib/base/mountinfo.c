/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "mountinfo.h"

/* Undoes "\040"-style escapes in place. */
static void unescape_octal(char *s)
{
        char *o = s;
        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else
                        *o++ = *s;
        }
        *o = 0;
}

/* "36 35 98:0 /root /mount/point rw,noatime shared:2 master:1 - ext4 /dev/sda1 rw,errors=continue" */
static bool parse_line(char *line, struct oih_mount_entry *e)
{
        char *save = NULL, *sep = strstr(line, " - ");
        if (!sep)
                return false;
        *sep = 0;
        line[strcspn(line, "\n")] = 0;
        char *rest = sep + 3;
        rest[strcspn(rest, "\n")] = 0;

        char *id = strtok_r(line, " ", &save);
        char *parent = strtok_r(NULL, " ", &save);
        (void)strtok_r(NULL, " ", &save); /* major:minor */
        char *root = strtok_r(NULL, " ", &save);
        char *mountpoint = strtok_r(NULL, " ", &save);
        (void)strtok_r(NULL, " ", &save); /* mount options */
        char *optional = strtok_r(NULL, "", &save);

        save = NULL;
        char *fstype = strtok_r(rest, " ", &save);
        (void)strtok_r(NULL, " ", &save); /* source */
        char *superopts = strtok_r(NULL, " ", &save);

        if (!id || !parent || !root || !mountpoint || !fstype || sscanf(id, "%" SCNu64, &e->id) != 1 ||
            sscanf(parent, "%" SCNu64, &e->parent) != 1)
                return false;
        unescape_octal(root);
        unescape_octal(mountpoint);
        e->root = root;
        e->mountpoint = mountpoint;
        e->optional = optional ?: "";
        e->fstype = fstype;
        e->superopts = superopts ?: "";
        return true;
}

int oih_mountinfo_foreach_file(FILE *f, int (*fn)(const struct oih_mount_entry *e, void *userdata),
                               void *userdata)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        while (getline(&line, &size, f) > 0) {
                struct oih_mount_entry e;
                if (!parse_line(line, &e))
                        continue;
                int r = fn(&e, userdata);
                if (r != 0)
                        return r;
        }
        return ferror(f) ? -EIO : 0;
}

int oih_mountinfo_foreach_text(const char *text, int (*fn)(const struct oih_mount_entry *e, void *userdata),
                               void *userdata)
{
        if (!*text)
                return 0;
        _cleanup_fclose_ FILE *f = fmemopen((void *)text, strlen(text), "r");
        if (!f)
                return negative_errno();
        return oih_mountinfo_foreach_file(f, fn, userdata);
}

int oih_mountinfo_foreach(int (*fn)(const struct oih_mount_entry *e, void *userdata), void *userdata)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");

        if (!f)
                return negative_errno();
        return oih_mountinfo_foreach_file(f, fn, userdata);
}

static int fdinfo_mount_id(int fd, uint64_t *ret)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return negative_errno();
        while (getline(&line, &size, f) > 0)
                if (sscanf(line, "mnt_id: %" SCNu64, ret) == 1)
                        return 0;
        return -ENOENT;
}

int oih_fd_mount_id(int fd, uint64_t *ret)
{
        static bool statx_lacks_it;
        struct statx stx;

        if (!statx_lacks_it) {
                if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) >= 0) {
                        if (stx.stx_mask & STATX_MNT_ID) {
                                *ret = stx.stx_mnt_id;
                                return 0;
                        }
                } else if (errno != ENOSYS && errno != EPERM)
                        return negative_errno();
                /* No statx (an old kernel, a seccomp filter), or one that answers without the id. */
                statx_lacks_it = true;
        }
        return fdinfo_mount_id(fd, ret);
}
