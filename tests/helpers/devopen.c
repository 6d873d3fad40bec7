/* SPDX-License-Identifier: Apache-2.0 */
/*
 * devopen PATH...: opens each path read-write and prints "PATH: ok" or "PATH: <error>". Linked
 * statically, so it runs in any test image; the device tests use it inside containers to see what
 * the device cgroup allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        int failed = 0;
        for (int i = 1; i < argc; i++) {
                int fd = open(argv[i], O_RDWR | O_CLOEXEC | O_NONBLOCK);
                if (fd < 0) {
                        printf("%s: %s\n", argv[i], strerror(errno));
                        failed = 1;
                        continue;
                }
                printf("%s: ok\n", argv[i]);
                close(fd);
        }
        return failed;
}
