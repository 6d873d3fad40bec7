/* SPDX-License-Identifier: Apache-2.0 */
/* The library the integration tests inject: its soname is libinjtest.so.1. */
const char *injtest_message(void);

const char *injtest_message(void)
{
        return "injtest library loaded";
}
