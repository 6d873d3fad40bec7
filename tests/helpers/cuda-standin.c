/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for the NVIDIA driver's libcuda.so.1 where there is no GPU (this project's machines and CI):
 * built with the driver's soname, it answers the two calls of the cuinit probe as a driver with one
 * device does. Tests that use it say so; on a GPU host the probe loads the real driver instead.
 */
int cuInit(unsigned int flags);
int cuDeviceGetCount(int *count);

int cuInit(unsigned int flags)
{
        return flags == 0 ? 0 : 1; /* CUDA_ERROR_INVALID_VALUE */
}

int cuDeviceGetCount(int *count)
{
        *count = 1;
        return 0;
}
