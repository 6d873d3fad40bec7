/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-injector-hook: the executable. Argument parsing, logging set-up, reading stdin, one call into
 * the library and the exit status; everything else lives in lib/.
 */
#include <getopt.h>
#include <stdarg.h>

#include "command-hook.h"
#include "log.h"
#include "command-cdi.h"
#include "config-load.h"
#include "match.h"
#include "command-plan.h"
#include "util.h"
#include "command-validate.h"

enum command {
        COMMAND_HOOK,
        COMMAND_VALIDATE,
        COMMAND_PLAN,
        COMMAND_CDI,
        COMMAND_LDCACHE,
};

struct args {
        enum command command;
        char **config_dirs; /* NULL: the defaults */
        int log_level;
        enum oih_log_target log_target;
        char *bundle;
        char *modules_dir;
        char *vendor;
        char *cdi_version;
        char **folders;   /* ldcache */
        char **symlinks;  /* ldcache: pairs of path and link text */
        char **libraries; /* ldcache */
        bool json;
        unsigned activation; /* OIH_ACTIVATION_* */
        bool activation_given;
};

enum {
        EXIT_USAGE = 2,
};

/* The one variable read from the hook's own environment (see main()). */
#define CONFIG_DIR_VARIABLE "OCI_INJECTOR_CONFIG_DIR"

extern char **environ;

/*
 * A copy of OCI_INJECTOR_CONFIG_DIR's value, or NULL when it is not set. Found in environ by hand: the
 * rest of the environment is never read.
 */
static int config_dir_from_environment(char **ret)
{
        static const char prefix[] = CONFIG_DIR_VARIABLE "=";
        for (char **e = environ; e && *e; e++)
                if (strncmp(*e, prefix, sizeof(prefix) - 1) == 0) {
                        char *copy = strdup(*e + sizeof(prefix) - 1);
                        if (!copy)
                                return -ENOMEM;
                        *ret = copy;
                        return 0;
                }
        *ret = NULL;
        return 0;
}

static void help(void)
{
        printf("Usage: oci-injector-hook [OPTIONS]              hook mode: the OCI state on stdin\n"
               "       oci-injector-hook validate [OPTIONS]     check every config file\n"
               "       oci-injector-hook plan [OPTIONS] (--bundle DIR | < state.json) [--json]\n"
               "       oci-injector-hook cdi [OPTIONS] [--vendor NAME]   print a CDI spec of the configs\n"
               "       oci-injector-hook ldcache [--library PATH]... [--symlink PATH TEXT]... [--folder DIR]...\n"
               "                                 < state.json\n"
               "\n"
               "Injects host devices, binaries, libraries, folders and files into the containers\n"
               "that ask for them, as an OCI prestart or createRuntime hook.\n"
               "\n"
               "Options:\n"
               "  -c, --config-dir DIR    read configs from DIR; repeat for more folders, a later\n"
               "                          one's file replaces an earlier one's of the same name\n"
               "                          (without it: $OCI_INJECTOR_CONFIG_DIR of the hook's own\n"
               "                          environment, or by default: %s, then %s)\n"
               "  -l, --log-level LEVEL   error, warning (default), info or debug\n"
               "  -t, --log-target TARGET stderr (default) or syslog\n"
               "  -m, --modules-dir DIR   where libkmod looks for kernel modules (default: the\n"
               "                          running kernel's /lib/modules folder)\n"
               "  -a, --activation WAYS   what may activate a config on this host: env (the\n"
               "                          container's environment, its image's ENV included),\n"
               "                          annotations, or env,annotations (default); hook, plan\n"
               "  -b, --bundle DIR        plan: the container's bundle, instead of a state on stdin\n"
               "  -j, --json              plan: print the plan as JSON\n"
               "      --vendor NAME       cdi: the vendor of the CDI kind NAME/config\n"
               "                          (default: oci-injector-hook)\n"
               "      --cdi-version V     cdi: the cdiVersion to write, 0.5.0 (default) to 0.8.0\n"
               "      --library PATH      ldcache: a library the runtime bound at PATH, for the ld cache\n"
               "      --folder DIR        ldcache: a folder the ld cache must search\n"
               "      --symlink PATH TEXT ldcache: make symlink PATH with link text TEXT\n"
               "  -h, --help              show this help\n"
               "  -V, --version           show the version\n"
               "\n"
               "Exit status: 0 on success (also when no config matched), 1 when the container\n"
               "cannot be served or validate found problems, 2 on wrong usage.\n",
               OIH_SYSCONF_CONFIG_DIR, OIH_RUNTIME_CONFIG_DIR);
}

static void args_done(struct args *a)
{
        strv_free(a->config_dirs);
        strv_free(a->folders);
        strv_free(a->symlinks);
        strv_free(a->libraries);
        free(a->bundle);
        free(a->modules_dir);
        free(a->vendor);
        free(a->cdi_version);
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
                { "vendor", required_argument, NULL, 'v' },
                { "cdi-version", required_argument, NULL, 'C' },
                { "folder", required_argument, NULL, 'f' },
                { "symlink", required_argument, NULL, 's' },
                { "library", required_argument, NULL, 'L' },
                { "json", no_argument, NULL, 'j' },
                { "activation", required_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *command = NULL;
        bool symlink_text = false; /* the next operand is the text of a --symlink */
        int c, r;

        /* A leading '-' returns operands in place (as option 1), whatever POSIXLY_CORRECT says. */
        while ((c = getopt_long(argc, argv, "-c:l:t:b:m:a:jhV", options, NULL)) >= 0) {
                switch (c) {
                case 1:
                        if (symlink_text) {
                                if (strv_extend(&a->symlinks, optarg) < 0)
                                        return -ENOMEM;
                                symlink_text = false;
                                break;
                        }
                        if (command)
                                return usage_error("unexpected argument \"%s\"", optarg);
                        command = optarg;
                        break;
                case 'v':
                        free(a->vendor);
                        a->vendor = strdup(optarg);
                        if (!a->vendor)
                                return -ENOMEM;
                        break;
                case 'C':
                        if (!oih_cdi_version_ok(optarg))
                                return usage_error("--cdi-version \"%s\": give 0.5.0, 0.6.0, 0.7.0 or 0.8.0",
                                                   optarg);
                        free(a->cdi_version);
                        a->cdi_version = strdup(optarg);
                        if (!a->cdi_version)
                                return -ENOMEM;
                        break;
                case 'f':
                        if (strv_extend(&a->folders, optarg) < 0)
                                return -ENOMEM;
                        break;
                case 'L':
                        if (strv_extend(&a->libraries, optarg) < 0)
                                return -ENOMEM;
                        break;
                case 's':
                        if (symlink_text)
                                return usage_error("--symlink %s: the link text is missing", optarg);
                        if (strv_extend(&a->symlinks, optarg) < 0)
                                return -ENOMEM;
                        symlink_text = true;
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
                case 'a':
                        if (oih_activation_from_string(optarg, &a->activation) < 0)
                                return usage_error(
                                        "--activation \"%s\": give env, annotations or env,annotations",
                                        optarg);
                        a->activation_given = true;
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
        else if (streq(command, "cdi"))
                a->command = COMMAND_CDI;
        else if (streq(command, "ldcache"))
                a->command = COMMAND_LDCACHE;
        else
                return usage_error(
                        "unknown command \"%s\" (validate, plan, cdi, ldcache; none for hook mode)",
                        command);
        if (symlink_text)
                return usage_error("--symlink %s: the link text is missing",
                                   a->symlinks[strv_length(a->symlinks) - 1]);
        if ((a->vendor || a->cdi_version) && a->command != COMMAND_CDI)
                return usage_error("%s is for the cdi command", a->vendor ? "--vendor" : "--cdi-version");
        if ((a->folders || a->symlinks || a->libraries) && a->command != COMMAND_LDCACHE)
                return usage_error("%s is for the ldcache command", a->folders    ? "--folder"
                                                                    : a->symlinks ? "--symlink"
                                                                                  : "--library");

        if (a->activation_given && a->command != COMMAND_HOOK && a->command != COMMAND_PLAN)
                return usage_error("--activation is for hook mode and the plan command");
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
        if (oih_command_hook(options, state, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static int run_validate(char *const *dirs, const char *modules_dir)
{
        size_t files = 0;
        int problems = oih_command_validate(dirs, modules_dir, stdout, &files);

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

static int run_cdi(char *const *dirs, const char *vendor, const char *version)
{
        int r = oih_command_cdi(dirs, vendor ?: "oci-injector-hook", version ?: OIH_CDI_VERSION, stdout);
        if (fflush(stdout) != 0)
                r = -EIO;
        if (r < 0) {
                log_error("cdi: %s", strerror(-r));
                return EXIT_FAILURE;
        }
        return r > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int run_ldcache(char *const *folders, char *const *symlinks, char *const *libraries)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_(oih_state_freep) struct oih_state *state = NULL;

        if (oih_state_read(STDIN_FILENO, &state, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        oih_log_set_container(state->id);
        if (oih_command_ldcache(state, folders, symlinks, libraries, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static int run_plan(char *const *dirs, const char *bundle, unsigned activation, bool json)
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
        if (oih_command_plan(dirs, state, bundle, activation, json, stdout, &err) < 0) {
                log_error("%s", oih_error_message(err));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        struct args a = { .log_level = OIH_LOG_WARNING,
                          .log_target = OIH_LOG_STDERR,
                          .activation = OIH_ACTIVATION_DEFAULT };
        _cleanup_free_ char *env_config_dir = NULL;
        int r;

        /* OCI_INJECTOR_CONFIG_DIR chose the Go hook's config folder, and registrations set it in their
         * "env": that environment is the administrator's (a runtime passes a hook exactly its
         * registration's env, never the container's). It is read as one --config-dir. Nothing else the
         * hook does depends on its environment, which the runtime (and through it, an image) may have set:
         * drop it, so that no library reads it either (THREATS.md item 4). */
        if (config_dir_from_environment(&env_config_dir) < 0)
                return EXIT_FAILURE;
        (void)clearenv();

        r = parse_args(argc, argv, &a);
        if (r <= 0) {
                args_done(&a);
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        }
        if (env_config_dir && !a.config_dirs) {
                _cleanup_free_ char *dir = NULL;
                const char *why = NULL;
                r = path_normalize(env_config_dir, &dir, &why);
                if (r == -ENOMEM || (r >= 0 && strv_consume(&a.config_dirs, TAKE_PTR(dir)) < 0)) {
                        args_done(&a);
                        return EXIT_FAILURE;
                }
                if (r < 0) {
                        /* Its value is not shown: no environment value goes into a log line. */
                        usage_error(
                                CONFIG_DIR_VARIABLE
                                " in the hook's environment %s; give the config folder as an absolute path, or leave it unset",
                                why);
                        args_done(&a);
                        return EXIT_USAGE;
                }
        }

        oih_log_setup(a.log_level, a.log_target);
        char *const *dirs = a.config_dirs ?: oih_default_config_dirs;

        switch (a.command) {
        case COMMAND_VALIDATE:
                r = run_validate(dirs, a.modules_dir);
                break;
        case COMMAND_PLAN:
                r = run_plan(dirs, a.bundle, a.activation, a.json);
                break;
        case COMMAND_CDI:
                r = run_cdi(dirs, a.vendor, a.cdi_version);
                break;
        case COMMAND_LDCACHE:
                r = run_ldcache(a.folders, a.symlinks, a.libraries);
                break;
        case COMMAND_HOOK:
                r = run_hook(&(struct oih_options){
                        .config_dirs = dirs, .modules_dir = a.modules_dir, .activation = a.activation });
        }

        args_done(&a);
        return r;
}
