/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "error.h"

static int error_setv(oih_error **err, int code, bool with_errno, const char *fmt, va_list ap)
        _printf_(4, 0);
static int error_setv(oih_error **err, int code, bool with_errno, const char *fmt, va_list ap)
{
        if (code <= 0)
                code = EIO;
        if (!err || *err)
                return -code;

        oih_error *e = calloc(1, sizeof(*e));
        if (!e)
                return -code;
        e->code = code;

        _cleanup_free_ char *text = NULL;
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        if (text && with_errno) {
                if (asprintf(&e->message, "%s: %s", text, strerror(code)) < 0)
                        e->message = NULL;
        } else
                e->message = TAKE_PTR(text);

        *err = e;
        return -code;
}

int oih_error_set(oih_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int oih_error_set_errno(oih_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

void oih_error_prefix(oih_error **err, const char *fmt, ...)
{
        if (!err || !*err)
                return;

        _cleanup_free_ char *prefix = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&prefix, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;

        char *joined = NULL;
        if (asprintf(&joined, "%s: %s", prefix, oih_error_message(*err)) < 0)
                return;
        free((*err)->message);
        (*err)->message = joined;
}

const char *oih_error_message(const oih_error *err)
{
        if (!err)
                return "unknown error";
        return err->message ?: "out of memory while reporting an error";
}

void oih_error_free(oih_error *err)
{
        if (!err)
                return;
        free(err->message);
        free(err);
}
