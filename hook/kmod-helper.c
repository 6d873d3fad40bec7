/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oih-kmod [--dirname DIR] [--check] [--] MODULE...: loads kernel modules for oci-injector-hook with
 * libkmod, or with --check only looks them up (validate). The hook runs it only when a config lists
 * modules (see lib/devices/modules.h). Prints one line per module on stdout; for each failure one line on
 * stderr naming the module, and exit status 1.
 */
#include <getopt.h>

#include "kmod.h"

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "dirname", required_argument, NULL, 'd' },
                { "check", no_argument, NULL, 'c' },
                {},
        };
        const char *dirname = NULL;
        bool check_only = false;
        int c;

        while ((c = getopt_long(argc, argv, "+d:c", options, NULL)) >= 0) {
                if (c == 'd')
                        dirname = optarg;
                else if (c == 'c')
                        check_only = true;
                else {
                        fprintf(stderr, "usage: oih-kmod [--dirname DIR] [--check] [--] MODULE...\n");
                        return 2;
                }
        }

        _cleanup_error_ oih_error *err = NULL;
        struct oih_kmod *k = NULL;
        if (oih_kmod_new(dirname, &k, &err) < 0) {
                fprintf(stderr, "%s\n", oih_error_message(err));
                return 1;
        }

        int status = 0;
        for (int i = optind; i < argc; i++) {
                enum oih_kmod_outcome outcome;
                if (oih_kmod_load(k, argv[i], check_only, &outcome, &err) < 0) {
                        fprintf(stderr, "%s\n", oih_error_message(err));
                        oih_error_free(err);
                        err = NULL;
                        status = 1;
                        continue;
                }
                printf("%s: %s\n", argv[i],
                       outcome == OIH_KMOD_BUILTIN          ? "built in"
                       : outcome == OIH_KMOD_LOADED_ALREADY ? "loaded already"
                       : outcome == OIH_KMOD_AVAILABLE      ? "available"
                                                            : "loaded");
        }
        oih_kmod_free(k);
        return status;
}
