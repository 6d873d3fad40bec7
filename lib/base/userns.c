/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>

#include "userns.h"
#include "util.h"

/* Each line of a map: "ID-inside ID-outside count". Returns the number of fields read (3), 0 at the end. */
static int next_line(const char **p, uint32_t *inside, uint32_t *outside, uint32_t *count)
{
        const char *s = *p;
        while (*s == '\n')
                s++;
        if (!*s)
                return 0;
        int used = 0;
        int k = sscanf(s, " %" SCNu32 " %" SCNu32 " %" SCNu32 "%n", inside, outside, count, &used);
        if (k != 3)
                return -EINVAL;
        s += used;
        s += strcspn(s, "\n");
        *p = s;
        return 3;
}

/* True when a uid_map or gid_map text is the initial namespace's: one line "0 0 4294967295". */
static bool id_map_is_initial(const char *text)
{
        const char *p = text;
        uint32_t inside, outside, count;
        if (next_line(&p, &inside, &outside, &count) != 3)
                return false;
        if (inside != 0 || outside != 0 || count != UINT32_MAX)
                return false;
        return next_line(&p, &inside, &outside, &count) == 0;
}

int oih_id_map_outside(const char *text, uint32_t id, uint32_t *ret)
{
        const char *p = text;
        uint32_t inside, outside, count;
        int k;
        while ((k = next_line(&p, &inside, &outside, &count)) == 3)
                if (id >= inside && id - inside < count) {
                        *ret = outside + (id - inside);
                        return 0;
                }
        return k < 0 ? k : -ERANGE;
}

bool oih_userns_self_initial(void)
{
        _cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (fd < 0 || read_full_fd(fd, 64 * 1024, &text, &len) < 0)
                return true;
        return id_map_is_initial(text);
}

uint32_t oih_overflow_uid(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/overflowuid", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        size_t len;
        uint32_t id;

        if (fd < 0 || read_full_fd(fd, 64, &text, &len) < 0)
                return 65534;
        text[strcspn(text, "\n")] = 0;
        return parse_uint32(text, &id) < 0 ? 65534 : id;
}
