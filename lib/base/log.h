/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: one line per event, to stderr (runtimes capture a hook's stderr and show it when the container
 * fails to start) or to syslog. Control characters and bytes that are not valid UTF-8 in a message (a
 * hostile image can put a newline, an escape sequence or a C1 CSI in a file name) are escaped as "\xNN"
 * (string_printable()), so one event stays one line and nothing acts on the terminal that shows it.
 * Callers never pass environment values: the variable's name is enough to explain a match.
 */
#pragma once

#include <syslog.h>

#include "macro.h"

enum oih_log_target {
        OIH_LOG_STDERR,
        OIH_LOG_SYSLOG,
};

/* Levels are syslog priorities, so they map onto syslog without a table. */
#define OIH_LOG_ERROR   LOG_ERR
#define OIH_LOG_WARNING LOG_WARNING
#define OIH_LOG_INFO    LOG_INFO
#define OIH_LOG_DEBUG   LOG_DEBUG

void oih_log_setup(int max_level, enum oih_log_target target);

/* Tags every following line with (a sanitised prefix of) the container's id. */
void oih_log_set_container(const char *id);

int oih_log_max_level(void);

void oih_log(int level, const char *fmt, ...) _printf_(2, 3);

/* Parses "error", "warning", "info" or "debug"; returns a level or -EINVAL. */
int oih_log_level_from_string(const char *s);
int oih_log_target_from_string(const char *s);

#define log_error(...)   oih_log(OIH_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) oih_log(OIH_LOG_WARNING, __VA_ARGS__)
#define log_info(...)    oih_log(OIH_LOG_INFO, __VA_ARGS__)
#define log_debug(...)   oih_log(OIH_LOG_DEBUG, __VA_ARGS__)
