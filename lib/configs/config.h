/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h: one config file of /etc/oci-injector-hook, parsed and checked.
 *
 * The format of the original Go hook keeps working unchanged:
 *   { "activation_flag": "OCI_FOO", "devices": [...], "binaries": [...], "libraries": [...],
 *     "directories": [...], "miscellaneous": [...] }
 * with the additions "description", "activation_annotation", "modules", "mounts" and "inject", and path
 * entries that may be objects {"path", "container_path", "optional"}. As the Go hook's viper read them,
 * keys are matched without regard to case, one string stands for a list of one, and an unknown key is
 * ignored (validate lists it). Libraries and binaries may be bare names, looked up on the host.
 *
 * Parsing never stops at the first problem: every problem of a file is collected (`validate` prints
 * them all), and whatever could be read of the activation is kept, so that hook mode can tell a broken
 * config that this container asked for (an error) from one it did not (a warning).
 */
#pragma once

#include <stdint.h>

#include "util.h"

/* The lists of a config, each named after its key: what the config asks for, not how it is done. */
enum oih_kind {
        OIH_KIND_DEVICE,        /* "devices": device nodes */
        OIH_KIND_BINARY,        /* "binaries": host programs, bound (or copied) */
        OIH_KIND_LIBRARY,       /* "libraries": host libraries, bound (or copied), then the ld cache */
        OIH_KIND_DIRECTORY,     /* "directories": folders made in the container */
        OIH_KIND_MISCELLANEOUS, /* "miscellaneous" (the Go hook's name): host files copied in */
        OIH_KIND_MOUNT,         /* "mounts": bind mounts of host folders, files or sockets */
        _OIH_KIND_MAX,
};

/* What a kernel module name in "modules" may hold besides ASCII letters and digits. */
#define OIH_MODULE_NAME_CHARS "_-"

/* The config key that lists entries of this kind ("devices", ...). */
const char *oih_kind_key(enum oih_kind kind);

struct oih_entry {
        enum oih_kind kind;
        unsigned index;       /* position in its list, for messages such as "devices[2]" */
        char *path;           /* host path, or glob (mounts: "source") */
        char *container_path; /* NULL: the same as path (mounts: "destination", always set) */
        bool optional;
        bool glob;
        bool bare;            /* libraries, binaries: a name looked up on the host (ld cache, PATH) */
        unsigned mount_flags; /* OIH_MOUNT_*: mounts only */
        int64_t major;        /* devices: the number the host node must have, or -1 for any */
        int64_t minor;
};

enum oih_inject_mode {
        OIH_INJECT_BIND,
        OIH_INJECT_COPY,
};

struct oih_activation {
        char *name;  /* NULL: not given */
        char *value; /* NULL: being present is enough */
};

struct oih_config {
        char *file; /* full path: every message names it */
        char *name; /* file name: a later folder's file of the same name replaces this one */
        char *description;
        struct oih_activation flag;       /* activation_flag, on process.env */
        struct oih_activation annotation; /* activation_annotation, on the OCI annotations */
        char **modules;
        struct oih_entry *entries;
        size_t n_entries;
        enum oih_inject_mode inject;
        char **problems; /* "key: what is wrong"; a config with any is invalid */
        /* Keys the parser does not know: hook mode ignores them (with a warning), validate lists them as
         * problems. Each as validate prints it ("binaries[0]: unknown key "x" (known: ...)"), and as
         * a name ("binaries[0].x"). */
        char **unknown_keys;
        char **ignored_keys;
};

/*
 * Parses the text of config file `file`. Returns 0 and a config, which may carry problems; fails only
 * when out of memory.
 */
int oih_config_parse(const char *file, const char *text, size_t len, struct oih_config **ret);

/* A config of `file` that could not be read at all, carrying one problem. */
int oih_config_new_broken(const char *file, char *problem, struct oih_config **ret);

void oih_config_free(struct oih_config *c);

static inline bool oih_config_is_valid(const struct oih_config *c)
{
        return !c->problems;
}
