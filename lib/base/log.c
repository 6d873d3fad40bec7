/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "log.h"
#include "util.h"

#define IDENT "oci-injector-hook"

static int log_max_level = OIH_LOG_WARNING;
static enum oih_log_target log_target = OIH_LOG_STDERR;
static char log_container[13];

void oih_log_setup(int max_level, enum oih_log_target target)
{
        log_max_level = max_level;
        log_target = target;
        if (target == OIH_LOG_SYSLOG)
                openlog(IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void oih_log_set_container(const char *id)
{
        size_t i = 0;

        /* The id comes from the runtime's state; keep it short and printable. */
        for (; id && id[i] && i < sizeof(log_container) - 1; i++) {
                log_container[i] = ascii_is_name_char(id[i], "-_.") ? id[i] : '?';
        }
        log_container[i] = 0;
}

int oih_log_max_level(void)
{
        return log_max_level;
}

static const char *level_name(int level)
{
        switch (level) {
        case OIH_LOG_ERROR:
                return "error";
        case OIH_LOG_WARNING:
                return "warning";
        case OIH_LOG_INFO:
                return "info";
        default:
                return "debug";
        }
}

void oih_log(int level, const char *fmt, ...)
{
        if (level > log_max_level)
                return;

        int saved_errno = errno;
        _cleanup_free_ char *raw = NULL, *line = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&raw, fmt, ap);
        va_end(ap);
        if (n < 0) {
                raw = NULL;
                goto finish;
        }
        line = string_printable(raw);
        if (!line)
                goto finish;

        if (log_target == OIH_LOG_SYSLOG) {
                if (log_container[0])
                        syslog(level, "[%s] %s", log_container, line);
                else
                        syslog(level, "%s", line);
        } else if (log_container[0])
                fprintf(stderr, IDENT "[%s]: %s: %s\n", log_container, level_name(level), line);
        else
                fprintf(stderr, IDENT ": %s: %s\n", level_name(level), line);

finish:
        errno = saved_errno;
}

int oih_log_level_from_string(const char *s)
{
        static const struct {
                const char *name;
                int level;
        } levels[] = {
                { "error", OIH_LOG_ERROR },
                { "warning", OIH_LOG_WARNING },
                { "info", OIH_LOG_INFO },
                { "debug", OIH_LOG_DEBUG },
        };

        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                if (streq(s, levels[i].name))
                        return levels[i].level;
        return -EINVAL;
}

int oih_log_target_from_string(const char *s)
{
        if (streq(s, "stderr"))
                return OIH_LOG_STDERR;
        if (streq(s, "syslog"))
                return OIH_LOG_SYSLOG;
        return -EINVAL;
}
