/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz share. A target parses or resolves the input, frees
 * everything, and checks properties that must hold whatever the input: a broken one is reported with
 * abort(), which libFuzzer turns into a crash file like any sanitizer finding.

 */
#pragma once

#include <stdint.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline _noreturn_ void fuzz_fail(const char *file, int line, const char *what)
{
        fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
        abort();
}

#define fuzz_assert(cond)                                     \
        do {                                                  \
                if (!(cond))                                  \
                        fuzz_fail(__FILE__, __LINE__, #cond); \
        } while (0)

/* A container path as the library writes it: absolute, no empty, "." or ".." component, no trailing '/'. */
static inline bool fuzz_path_is_normalized(const char *p)
{
        if (!p || p[0] != '/')
                return false;
        if (streq(p, "/"))
                return true;
        for (const char *s = p; *s;) {
                s++; /* the '/' */
                size_t l = strcspn(s, "/");
                if (l == 0 || (l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                s += l;
        }
        return true;
}
