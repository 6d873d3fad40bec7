/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime-args.h"
#include "util.h"

/* The option's name without its leading dashes, and the value after '=' (NULL without one). Go's flag
 * package (runc) takes -name and --name alike; argp (crun) takes --name=value and -x. */
static bool option_name(const char *arg, char *name, size_t size, const char **ret_value)
{
        const char *s = arg[1] == '-' ? arg + 2 : arg + 1;
        size_t l = strcspn(s, "=");
        if (l == 0 || l >= size)
                return false;
        memcpy(name, s, l);
        name[l] = 0;
        *ret_value = s[l] == '=' ? s + l + 1 : NULL;
        return true;
}

static bool name_in(const char *name, const char *const *list)
{
        for (; *list; list++)
                if (streq(name, *list))
                        return true;
        return false;
}

/* Global options of runc and crun that take a value: their value is not the command. An unknown option
 * is taken to be a flag; were it to take a value, that value would be taken for the command, and only
 * "create" or "run" there would make a difference. */
static const char *const global_with_value[] = {
        "log", "log-format", "log-level", "root", "criu", "rootless", "cgroup-manager", NULL,
};
static const char *const help_or_version[] = { "h", "help", "?", "usage", "v", "V", "version", NULL };

/* Options of create and run that take a value. */
static const char *const create_with_value[] = {
        "b", "bundle", "f", "config", "console-socket", "console", "pid-file", "preserve-fds", NULL,
};

void oih_runtime_args_done(struct oih_runtime_args *a)
{
        free(a->argv);
        *a = (struct oih_runtime_args){};
}

static int shim_option(const char *name, const char *value, int *i, int argc, char *const *argv,
                       struct oih_runtime_args *a, oih_error **err)
{
        const char **target = NULL;
        if (streq(name, "injector-config"))
                target = &a->config;
        else if (streq(name, "injector-runtime"))
                target = &a->runtime;
        if (target) {
                if (!value) {
                        if (*i + 1 >= argc)
                                return oih_error_set(err, EINVAL, "--%s needs a value", name);
                        value = argv[++*i];
                }
                if (isempty(value))
                        return oih_error_set(err, EINVAL, "--%s: the value is empty", name);
                *target = value;
                return 0;
        }
        if (value)
                return oih_error_set(err, EINVAL, "--%s takes no value", name);
        if (streq(name, "injector-help"))
                a->action = OIH_RUNTIME_HELP;
        else if (streq(name, "injector-version"))
                a->action = OIH_RUNTIME_VERSION;
        else if (streq(name, "injector-check"))
                a->action = OIH_RUNTIME_CHECK;
        else
                return oih_error_set(
                        err, EINVAL,
                        "unknown option --%s (the shim's own are --injector-config, --injector-runtime, --injector-check, --injector-help and --injector-version)",
                        name);
        return 0;
}

/* The options after create or run: the bundle, crun's config file, and whether help was asked for. */
static void parse_create(int i, int argc, char *const *argv, struct oih_runtime_args *a)
{
        bool help = false;

        for (; i < argc; i++) {
                const char *arg = argv[i], *value;
                char name[32];

                if (streq(arg, "--"))
                        break;
                if (arg[0] != '-' || arg[1] == 0 || !option_name(arg, name, sizeof(name), &value))
                        continue;
                /* argp's short options take their value attached: -bDIR. */
                if (arg[1] != '-' && (arg[1] == 'b' || arg[1] == 'f') && arg[2] && arg[2] != '=' &&
                    !name_in(name, create_with_value)) {
                        name[1] = 0;
                        value = arg + 2;
                }
                if (name_in(name, help_or_version))
                        help = true;
                if (!name_in(name, create_with_value))
                        continue;
                if (!value) {
                        if (i + 1 >= argc)
                                break; /* the runtime says what is missing */
                        value = argv[++i];
                }
                if (streq(name, "b") || streq(name, "bundle"))
                        a->bundle = value;
                else if (streq(name, "f") || streq(name, "config"))
                        a->spec = value;
        }
        /* `create --help` prints the runtime's help and touches no bundle. */
        if (!help)
                a->action = OIH_RUNTIME_ADD_HOOK;
}

int oih_runtime_args_parse(int argc, char *const *argv, struct oih_runtime_args *ret, oih_error **err)
{
        struct oih_runtime_args a = { .action = OIH_RUNTIME_PASS };
        size_t n = 1;
        int i, r;

        a.argv = calloc((size_t)argc + 1, sizeof(char *));
        if (!a.argv)
                return oih_error_set(err, ENOMEM, "out of memory");

        bool shim_action = false;
        for (i = 1; i < argc; i++) {
                const char *arg = argv[i], *value;
                char name[32];

                if (arg[0] != '-' || arg[1] == 0) {
                        a.command = arg;
                        break;
                }
                if (streq(arg, "--")) {
                        a.argv[n++] = argv[i];
                        if (i + 1 < argc)
                                a.command = argv[++i];
                        break;
                }
                if (option_name(arg, name, sizeof(name), &value) && startswith(name, "injector-")) {
                        r = shim_option(name, value, &i, argc, argv, &a, err);
                        if (r < 0) {
                                oih_runtime_args_done(&a);
                                return r;
                        }
                        shim_action = a.action != OIH_RUNTIME_PASS;
                        continue;
                }
                a.argv[n++] = argv[i];
                if (option_name(arg, name, sizeof(name), &value) && !value &&
                    name_in(name, global_with_value) && i + 1 < argc)
                        a.argv[n++] = argv[++i];
        }
        /* Everything from the command on is the runtime's, whatever it looks like. */
        for (int k = i; k < argc; k++)
                a.argv[n++] = argv[k];
        a.argv[n] = NULL;

        if (!shim_action && a.command && (streq(a.command, "create") || streq(a.command, "run")))
                parse_create(i + 1, argc, argv, &a);

        *ret = a;
        return 0;
}

char *oih_runtime_args_spec_path(const struct oih_runtime_args *a)
{
        const char *bundle = a->bundle ?: ".";
        const char *spec = a->spec ?: "config.json";
        return spec[0] == '/' ? strdup(spec) : path_join(bundle, spec);
}
