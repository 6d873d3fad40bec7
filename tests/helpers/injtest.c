/* SPDX-License-Identifier: Apache-2.0 */
/* The binary the integration tests inject; it runs only if libinjtest.so.1 is found through the ld cache. */
#include <stdio.h>

const char *injtest_message(void);

int main(void)
{
        puts(injtest_message());
        return 0;
}
