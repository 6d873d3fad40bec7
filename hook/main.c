/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-injector-hook: the executable. Argument parsing, logging set-up, reading stdin, one call into
 * the library and the exit status; everything else lives in lib/.
 */
#include <getopt.h>
#include <stdarg.h>

#include "hook.h"
#include "log.h"
#include "config-load.h"
#include "pipeline.h"
#include "util.h"
#include "validate.h"

enum command {
        COMMAND_HOOK,
        COMMAND_VALIDATE,
        COMMAND_PLAN,
};

struct args {
        enum command command;
        char **config_dirs; /* NULL: the defaults */
        int log_level;
        enum oih_log_target log_target;
        char *bundle;
        char *modules_dir;
        bool json;
};

enum {
        EXIT_USAGE = 2,
};

static void help(void)
{
        printf("Usage: oci-injector-hook [OPTIONS]              hook mode: the OCI state on stdin\n"
               "       oci-injector-hook validate [OPTIONS]     check every config file\n"
               "       oci-injector-hook plan [OPTIONS] (--bundle DIR | < state.json) [--json]\n"
               "\n"
               "Injects host devices, binaries, libraries, folders and files into the containers\n"
               "that ask for them, as an OCI prestart or createRuntime hook.\n"
               "\n"
               "Options:\n"
               "  -c, --config-dir DIR    read configs from DIR; repeat for more folders, a later\n"
               "                          one's file replaces an earlier one's of the same name\n"
               "                          (default: %s, then %s)\n"
               "  -l, --log-level LEVEL   error, warning (default), info or debug\n"
               "  -t, --log-target TARGET stderr (default) or syslog\n"
               "  -m, --modules-dir DIR   where libkmod looks for kernel modules (default: the\n"
               "                          running kernel's /lib/modules folder)\n"
               "  -b, --bundle DIR        plan: the container's bundle, instead of a state on stdin\n"
               "  -j, --json              plan: print the plan as JSON\n"
               "  -h, --help              show this help\n"
               "  -V, --version           show the version\n"
               "\n"
               "Exit status: 0 on success (also when no config matched), 1 when the container\n"
               "cannot be served or validate found problems, 2 on wrong usage.\n",
               OIH_SYSCONF_CONFIG_DIR, OIH_RUNTIME_CONFIG_DIR);
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("oci-injector-hook: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("; see 'oci-injector-hook --help'\n", stderr);
        return -EINVAL;
}

/* Returns 1 when the program should continue, 0 when it is done (help, version), or -EINVAL. */
static int parse_args(int argc, char **argv, struct args *a)
{
        static const struct option options[] = {
                { "config-dir", required_argument, NULL, 'c' },
                { "log-level", required_argument, NULL, 'l' },
                { "log-target", required_argument, NULL, 't' },
                { "bundle", required_argument, NULL, 'b' },
                { "modules-dir", required_argument, NULL, 'm' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *command = NULL;
        int c, r;

        /* A leading '-' returns operands in place (as option 1), whatever POSIXLY_CORRECT says. */
        while ((c = getopt_long(argc, argv, "-c:l:t:b:m:jhV", options, NULL)) >= 0) {
                switch (c) {
                case 1:
                        if (command)
                                return usage_error("unexpected argument \"%s\"", optarg);
                        command = optarg;
                        break;
                case 'c':
                        if (strv_extend(&a->config_dirs, optarg) < 0)
                                return -ENOMEM;
                        break;
                case 'l':
                        r = oih_log_level_from_string(optarg);
                        if (r < 0)
                                return usage_error("unknown log level \"%s\" (error, warning, info, debug)",
                                                   optarg);
                        a->log_level = r;
                        break;
                case 't':
                        r = oih_log_target_from_string(optarg);
                        if (r < 0)
                                return usage_error("unknown log target \"%s\" (stderr, syslog)", optarg);
                        a->log_target = r;
                        break;
                case 'b':
                        free(a->bundle);
                        a->bundle = strdup(optarg);
                        if (!a->bundle)
                                return -ENOMEM;
                        break;
                case 'm':
                        free(a->modules_dir);
                        a->modules_dir = strdup(optarg);
                        if (!a->modules_dir)
                                return -ENOMEM;
                        break;
                case 'j':
                        a->json = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("oci-injector-hook %s\n", OIH_VERSION);
                        return 0;
                default:
                        fprintf(stderr, "oci-injector-hook: see 'oci-injector-hook --help'\n");
                        return -EINVAL;
                }
        }

        if (!command)
                a->command = COMMAND_HOOK;
        else if (streq(command, "validate"))
                a->command = COMMAND_VALIDATE;
        else if (streq(command, "plan"))
                a->command = COMMAND_PLAN;
        else
                return usage_error("unknown command \"%s\" (validate, plan; none for hook mode)", command);

        if ((a->bundle || a->json) && a->command != COMMAND_PLAN)
                return usage_error("%s is for the plan command", a->bundle ? "--bundle" : "--json");
        return 1;
}

static int run_hook(const struct oih_options *options)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_(oih_state_freep) struct oih_state *state = NULL;

        if (oih_state_read(STDIN_FILENO, &state, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        oih_log_set_container(state->id);
        if (oih_hook_run(options, state, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static int run_validate(char *const *dirs)
{
        size_t files = 0;
        int problems = oih_validate(dirs, stdout, &files);

        if (fflush(stdout) != 0)
                problems = -EIO;
        if (problems < 0) {
                log_error("validate failed: %s", strerror(-problems));
                return EXIT_FAILURE;
        }
        fprintf(stderr, "%zu config file%s checked, %d problem%s\n", files, files == 1 ? "" : "s", problems,
                problems == 1 ? "" : "s");
        return problems > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int run_plan(char *const *dirs, const char *bundle, bool json)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_(oih_state_freep) struct oih_state *state = NULL;

        if (!bundle) {
                if (isatty(STDIN_FILENO)) {
                        log_error("plan: give --bundle DIR, or the container's OCI state on stdin");
                        return EXIT_USAGE;
                }
                if (oih_state_read(STDIN_FILENO, &state, &err) < 0) {
                        log_error("%s", oih_error_message(err));
                        return EXIT_FAILURE;
                }
        }
        if (oih_print_container_plan(dirs, state, bundle, json, stdout, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        struct args a = { .log_level = OIH_LOG_WARNING, .log_target = OIH_LOG_STDERR };
        int r;

        /* Nothing the hook does depends on its environment, which the runtime (and through it, an
         * image) may have set: drop it, so that no library reads it either (THREATS.md item 4). */
        (void)clearenv();

        r = parse_args(argc, argv, &a);
        if (r <= 0) {
                strv_free(a.config_dirs);
                free(a.bundle);
                free(a.modules_dir);
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        }

        oih_log_setup(a.log_level, a.log_target);
        char *const *dirs = a.config_dirs ?: oih_default_config_dirs;

        switch (a.command) {
        case COMMAND_VALIDATE:
                r = run_validate(dirs);
                break;
        case COMMAND_PLAN:
                r = run_plan(dirs, a.bundle, a.json);
                break;
        default:
                r = run_hook(&(struct oih_options){ .config_dirs = dirs, .modules_dir = a.modules_dir });
        }

        strv_free(a.config_dirs);
        free(a.bundle);
        free(a.modules_dir);
        return r;
}
