/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-injector-runtime: an OCI runtime shim for engines that register runtimes, not hooks (Docker,
 * containerd and so Kubernetes). For create and run it adds the hook to the bundle's config.json, then
 * it becomes the real runtime (exec) with the same arguments and the same environment; every other
 * command goes to the real runtime at once. Argument parsing, the config and the exec; the work is in
 * lib/ (runtime-args, runtime-config, spec-edit).
 */
#include <stdarg.h>
#include <sys/stat.h>

#include "runtime-args.h"
#include "runtime-config.h"
#include "util.h"

#define PROGRAM "oci-injector-runtime"

static void help(void)
{
        printf("Usage: " PROGRAM " [--injector-config FILE] [--injector-runtime PATH] RUNTIME-ARGUMENTS...\n"
               "       " PROGRAM " [--injector-config FILE] [--injector-runtime PATH] --injector-check\n"
               "\n"
               "An OCI runtime shim: registered with Docker or containerd in place of runc, it adds\n"
               "oci-injector-hook to hooks.prestart of the bundle's config.json on create and run, then\n"
               "runs the real runtime with the same arguments. Other commands go to the real runtime as\n"
               "they are.\n"
               "\n"
               "Options (before the runtime's command):\n"
               "  --injector-config FILE   the shim's config (default: %s;\n"
               "                           without it: runc, and the hook at %s)\n"
               "  --injector-runtime PATH  the real runtime, over the config's \"runtime\"\n"
               "  --injector-check         print the real runtime and the hook registration, and exit\n"
               "  --injector-help          show this help\n"
               "  --injector-version       show the version\n",
               OIH_RUNTIME_SHIM_CONFIG, OIH_HOOK_PATH);
}

static _printf_(1, 2) void say(const char *fmt, ...)
{
        va_list ap;

        fputs(PROGRAM ": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* The shim's config over the defaults. A config file that cannot be used is said and left out: the
 * defaults still run the container, with the installed hook (nothing of the shim's own stops one). */
static int load_config(const char *file, struct oih_runtime_config *ret, const char **ret_used)
{
        _cleanup_error_ oih_error *err = NULL;
        int r = oih_runtime_config_defaults(OIH_HOOK_PATH, ret);
        if (r < 0)
                return r;

        *ret_used = NULL;
        r = oih_runtime_config_load(file ?: OIH_RUNTIME_SHIM_CONFIG, ret, &err);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && !file)
                return 0;
        if (r < 0) {
                say("%s; using the defaults", oih_error_message(err));
                oih_runtime_config_done(ret);
                return oih_runtime_config_defaults(OIH_HOOK_PATH, ret);
        }
        *ret_used = file ?: OIH_RUNTIME_SHIM_CONFIG;
        return 0;
}

static bool hook_usable(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int check(const struct oih_runtime_config *c, const char *runtime, const char *used)
{
        _cleanup_free_ char *entry = NULL;

        if (oih_hook_entry_to_json(&c->hook, &entry) < 0)
                return EXIT_FAILURE;
        printf("config: %s\n", used ?: "none (the defaults)");
        printf("runtime: %s\n", runtime);
        printf("hook: %s\n", entry);
        if (!hook_usable(c->hook.path)) {
                printf("warning: the hook \"%s\" is not an executable file: containers start without it\n",
                       c->hook.path);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_runtime_args a = {};
        struct oih_runtime_config c = {};
        _cleanup_free_ char *runtime = NULL;
        const char *used = NULL;
        struct stat self;
        int r;

        /* Nothing here reads the environment: the engine's environment goes to the real runtime as it
         * came, and configuration comes from the command line and the config file only. */
        if (oih_runtime_args_parse(argc, argv, &a, &err) < 0) {
                say("%s; see '" PROGRAM " --injector-help'", oih_error_message(err));
                return 2;
        }
        if (a.action == OIH_RUNTIME_HELP) {
                help();
                oih_runtime_args_done(&a);
                return EXIT_SUCCESS;
        }
        if (a.action == OIH_RUNTIME_VERSION) {
                printf(PROGRAM " %s\n", OIH_VERSION);
                oih_runtime_args_done(&a);
                return EXIT_SUCCESS;
        }

        if (load_config(a.config, &c, &used) < 0) {
                say("out of memory");
                r = EXIT_FAILURE;
                goto out;
        }
        if (stat("/proc/self/exe", &self) < 0) {
                say("cannot stat /proc/self/exe: %s", strerror(errno));
                r = EXIT_FAILURE;
                goto out;
        }
        if (oih_runtime_find(a.runtime ?: c.runtime, &self, &runtime, &err) < 0) {
                say("%s", oih_error_message(err));
                r = EXIT_FAILURE;
                goto out;
        }
        if (a.action == OIH_RUNTIME_CHECK) {
                r = check(&c, runtime, used);
                goto out;
        }

        if (a.action == OIH_RUNTIME_ADD_HOOK) {
                _cleanup_free_ char *spec = oih_runtime_args_spec_path(&a);
                if (!spec) {
                        say("out of memory");
                        r = EXIT_FAILURE;
                        goto out;
                }
                if (!hook_usable(c.hook.path))
                        say("the hook \"%s\" is not an executable file: starting the container without it",
                            c.hook.path);
                else if (oih_spec_file_add_hook(spec, &c.hook, &err) < 0) {
                        say("%s", oih_error_message(err));
                        r = EXIT_FAILURE;
                        goto out;
                }
        }

        a.argv[0] = runtime;
        (void)execv(runtime, a.argv);
        say("cannot run the runtime \"%s\": %s", runtime, strerror(errno));
        r = EXIT_FAILURE;
out:
        oih_runtime_config_done(&c);
        oih_runtime_args_done(&a);
        return r;
}
