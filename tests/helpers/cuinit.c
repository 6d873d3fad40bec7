/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cuinit: loads libcuda.so.1 as CUDA programs do (dlopen, found through the ld cache), calls cuInit(0) and
 * cuDeviceGetCount(), and prints "cuInit: R, devices: N". Exits 0 when both succeed and there is a device.
 * Runs in the test containers with the stand-in driver (cuda-standin.c), and unchanged on a GPU host with
 * the real one.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
        void *cuda = dlopen("libcuda.so.1", RTLD_NOW);
        if (!cuda) {
                fprintf(stderr, "cuinit: %s\n", dlerror());
                return 1;
        }
        int (*init)(unsigned int) = (int (*)(unsigned int))dlsym(cuda, "cuInit");
        int (*count)(int *) = (int (*)(int *))dlsym(cuda, "cuDeviceGetCount");
        if (!init || !count) {
                fprintf(stderr, "cuinit: libcuda.so.1 lacks cuInit or cuDeviceGetCount\n");
                return 1;
        }
        int devices = 0, r = init(0), c = r == 0 ? count(&devices) : -1;
        printf("cuInit: %d, devices: %d\n", r, devices);
        return r == 0 && c == 0 && devices > 0 ? 0 : 1;
}
