/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of the start benchmark: a C program that does nothing, linked as programs usually are. */
int main(void)
{
        return 0;
}
