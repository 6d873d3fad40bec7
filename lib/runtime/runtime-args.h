/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime-args.h: the command line of oci-injector-runtime, the OCI runtime shim. Its arguments are an
 * OCI runtime's (runc's, crun's), as Docker, containerd and podman pass them, with the shim's own
 * options (--injector-*) among the global options before the command. The parser finds the command and,
 * for create and run, the bundle; everything else is the real runtime's and passes through as it is.
 */
#pragma once

#include "error.h"

enum oih_runtime_action {
        OIH_RUNTIME_PASS,     /* exec the real runtime with the arguments as they are */
        OIH_RUNTIME_ADD_HOOK, /* create or run: register the hook in config.json first */
        OIH_RUNTIME_HELP,     /* the shim's own --injector-help */
        OIH_RUNTIME_VERSION,  /* --injector-version */
        OIH_RUNTIME_CHECK,    /* --injector-check: print the resolved set-up */
};

struct oih_runtime_args {
        enum oih_runtime_action action;
        const char *config;  /* --injector-config FILE; NULL: the default */
        const char *runtime; /* --injector-runtime PATH; NULL: from the config */
        const char *command; /* the runtime's command; NULL when there is none */
        const char *bundle;  /* create and run: --bundle DIR; NULL: the working directory */
        const char *spec;    /* create and run: crun's --config FILE; NULL: config.json */
        /* The real runtime's argv: [0] is NULL for the caller to fill in, then every argument but the
         * shim's options, in order, NULL-terminated. The strings point into the argv parsed. */
        char **argv;
};

/* Parses argv[1, argc). Errors (only the shim's own options can be wrong) say what to do. */
int oih_runtime_args_parse(int argc, char *const *argv, struct oih_runtime_args *ret, oih_error **err);
void oih_runtime_args_done(struct oih_runtime_args *a);

/* config.json's path for create and run: the bundle's config.json, or crun's --config (relative to the
 * bundle when relative). */
char *oih_runtime_args_spec_path(const struct oih_runtime_args *a);
