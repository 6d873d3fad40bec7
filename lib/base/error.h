/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h: the one way the library reports a failure that needs context. A function returns a negative
 * errno and, when the caller passed an `oih_error **`, fills it with one human line naming the file, the
 * path and what to do. The top (hook/main.c or a command) prints that line once.
 */
#pragma once

#include "macro.h"

typedef struct oih_error {
        int code;      /* positive errno */
        char *message; /* one line, no trailing newline */
} oih_error;

/* Sets *err (when err is not NULL and *err is still empty) and returns -code. The first error wins. */
int oih_error_set(oih_error **err, int code, const char *fmt, ...) _printf_(3, 4);

/* Same, with the text of strerror(code) appended after ": ". */
int oih_error_set_errno(oih_error **err, int code, const char *fmt, ...) _printf_(3, 4);

/* Puts "prefix: " in front of an existing message, for context added on the way up. */
void oih_error_prefix(oih_error **err, const char *fmt, ...) _printf_(2, 3);

/* The message, or a fallback when allocation failed while making it. */
const char *oih_error_message(const oih_error *err);

void oih_error_free(oih_error *err);

static inline void oih_error_freep(oih_error **err)
{
        oih_error_free(*err);
        *err = NULL;
}
#define _cleanup_error_ _cleanup_(oih_error_freep)
