/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime shim's command line (as Docker, containerd, podman and people pass it), its config file,
 * and how it finds the real runtime. */
#include <sys/stat.h>

#include "runtime-args.h"
#include "runtime-config.h"
#include "tap.h"
#include "util.h"

/* Parses a command line given as one string of words split at spaces (no word here has a space). */
static int parse(const char *line, struct oih_runtime_args *a, char ***ret_words, oih_error **err)
{
        _cleanup_free_ char *copy = strdup(line);
        char **words = NULL;
        if (strv_extend(&words, "oci-injector-runtime") < 0)
                tap_bail("strv");
        for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
                if (strv_extend(&words, w) < 0)
                        tap_bail("strv");
        *ret_words = words;
        return oih_runtime_args_parse((int)strv_length(words), words, a, err);
}

/* The real runtime's arguments, joined with spaces. */
static char *joined(const struct oih_runtime_args *a)
{
        _cleanup_free_ char *s = strdup("");
        for (char **w = a->argv + 1; *w; w++) {
                char *n = NULL;
                if (asprintf(&n, "%s%s%s", s, *s ? " " : "", *w) < 0)
                        tap_bail("asprintf");
                free(s);
                s = n;
        }
        return TAKE_PTR(s);
}

/* `line` parses to `action` with bundle, spec path and the runtime's arguments as given. */
static void check(const char *line, enum oih_runtime_action action, const char *bundle, const char *spec,
                  const char *runtime_args, const char *what)
{
        struct oih_runtime_args a;
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_error_ oih_error *err = NULL;

        int r = parse(line, &a, &words, &err);
        is_int(r, 0, "%s: parses (%s)", what, err ? oih_error_message(err) : "ok");
        if (r < 0)
                return;
        is_int(a.action, action, "%s: the action", what);
        ok(a.argv[0] == NULL, "%s: argv[0] is left for the runtime's path", what);
        is_str(a.bundle, bundle, "%s: the bundle", what);
        if (action == OIH_RUNTIME_ADD_HOOK) {
                _cleanup_free_ char *p = oih_runtime_args_spec_path(&a);
                is_str(p, spec, "%s: config.json's path", what);
        }
        _cleanup_free_ char *j = joined(&a);
        is_str(j, runtime_args ?: line, "%s: what the real runtime gets", what);
        oih_runtime_args_done(&a);
}

static void refused(const char *line, const char *message)
{
        struct oih_runtime_args a;
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_error_ oih_error *err = NULL;

        ok(parse(line, &a, &words, &err) == -EINVAL, "refused: %s", line);
        contains(err ? oih_error_message(err) : NULL, message, "the message");
}

static void test_args(void)
{
        const enum oih_runtime_action add = OIH_RUNTIME_ADD_HOOK, pass = OIH_RUNTIME_PASS;

        check("create --bundle /b id", add, "/b", "/b/config.json", NULL, "runc create --bundle");
        check("run -b /b id", add, "/b", "/b/config.json", NULL, "run -b");
        check("create --bundle=/b id", add, "/b", "/b/config.json", NULL, "--bundle=DIR");
        check("create -b=/b id", add, "/b", "/b/config.json", NULL, "-b=DIR (Go's flag package)");
        check("create -bundle /b id", add, "/b", "/b/config.json", NULL, "-bundle DIR (Go's flag package)");
        check("create -b/b id", add, "/b", "/b/config.json", NULL, "-bDIR (argp, crun)");
        check("create id", add, NULL, "./config.json", NULL, "no bundle: the working directory");
        check("create id --bundle /b", add, "/b", "/b/config.json", NULL,
              "the bundle after the id (runc reorders its flags)");
        check("create --bundle /a --bundle /b id", add, "/b", "/b/config.json", NULL,
              "the last --bundle wins");
        check("--root /run/containerd/runc/k8s.io --log /s/log.json --log-format json --systemd-cgroup "
              "create "
              "--bundle /run/b --pid-file /s/init.pid --console-socket /s/c.sock id",
              add, "/run/b", "/run/b/config.json", NULL, "containerd's runc shim, with global options");
        check("--root /var/run/docker/runtime-runc/moby --log /s/log.json --log-format json create --bundle "
              "/run/b --pid-file /s/init.pid id",
              add, "/run/b", "/run/b/config.json", NULL, "Docker 20.10");
        check("--log create run --bundle /b id", add, "/b", "/b/config.json", NULL,
              "a global option's value is not the command, even when it says create");
        check("--debug --root=/r run -d --bundle /b id", add, "/b", "/b/config.json", NULL,
              "--root=DIR and a flag before the command");
        check("create --pid-file --bundle id", add, NULL, "./config.json", NULL,
              "an option's value is not an option, even when it looks like one");
        check("create -- --bundle", add, NULL, "./config.json", NULL, "after --, nothing is an option");
        check("create --bundle /b --config spec.json id", add, "/b", "/b/spec.json", NULL,
              "crun's --config, relative to the bundle");
        check("create -b /b -f /elsewhere/c.json id", add, "/b", "/elsewhere/c.json", NULL,
              "crun's -f with an absolute path");
        check("create --bundle", add, NULL, "./config.json", NULL,
              "--bundle without a value: the runtime says what is missing");

        check("create --help", pass, NULL, NULL, NULL, "create --help touches no bundle");
        check("run -h", pass, NULL, NULL, NULL, "run -h");
        check("start id", pass, NULL, NULL, NULL, "start");
        check("--root /r state id", pass, NULL, NULL, NULL, "state");
        check("kill id KILL", pass, NULL, NULL, NULL, "kill");
        check("delete --force id", pass, NULL, NULL, NULL, "delete");
        check("features", pass, NULL, NULL, NULL, "features");
        check("exec --bundle /b id create", pass, NULL, NULL, NULL, "exec, whatever its arguments say");
        check("--version", pass, NULL, NULL, NULL, "--version");
        check("", pass, NULL, NULL, NULL, "no arguments");

        struct oih_runtime_args a;
        _cleanup_strv_free_ char **w1 = NULL, **w2 = NULL, **w3 = NULL;
        ok(parse("--injector-config /etc/x.json --root /r --injector-runtime=/usr/bin/crun create --bundle "
                 "/b id",
                 &a, &w1, NULL) == 0,
           "the shim's options among the global options");
        is_str(a.config, "/etc/x.json", "--injector-config FILE");
        is_str(a.runtime, "/usr/bin/crun", "--injector-runtime=PATH");
        is_int(a.action, OIH_RUNTIME_ADD_HOOK, "create still adds the hook");
        _cleanup_free_ char *j = joined(&a);
        is_str(j, "--root /r create --bundle /b id", "the shim's options do not reach the runtime");
        oih_runtime_args_done(&a);

        is_int(parse("create --injector-config /x id", &a, &w2, NULL), 0, "--injector-* after the command");
        is_str(a.config, NULL, "after the command, --injector-* is the runtime's");
        oih_runtime_args_done(&a);
        is_int(parse("--injector-check --root /r", &a, &w3, NULL), 0, "--injector-check is accepted");
        is_int(a.action, OIH_RUNTIME_CHECK, "--injector-check");
        oih_runtime_args_done(&a);

        refused("--injector-config", "--injector-config needs a value");
        refused("--injector-config= create", "the value is empty");
        refused("--injector-foo create", "unknown option --injector-foo");
        refused("--injector-check=yes", "takes no value");
}

static void test_config(void)
{
        char *dir = tmpdir_new();
        struct oih_runtime_config c;
        _cleanup_error_ oih_error *err = NULL;

        ok(oih_runtime_config_defaults("/usr/bin/oci-injector-hook", &c) == 0, "the defaults");
        is_str(c.runtime, "runc", "runc");
        is_str(c.hook.path, "/usr/bin/oci-injector-hook", "the installed hook");
        is_int(strv_length(c.hook.args), 1, "args: one");
        is_str(c.hook.args ? c.hook.args[0] : NULL, "oci-injector-hook", "args: its name");
        is_int(strv_length(c.hook.env), 1, "an explicit env, as the hooks.d registration has: one variable");
        is_str(c.hook.env ? c.hook.env[0] : NULL, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "PATH");

        _cleanup_free_ char *missing = path_join(dir, "none.json");
        ok(oih_runtime_config_load(missing, &c, &err) == -ENOENT, "no file: -ENOENT, the defaults stay");
        is_str(c.runtime, "runc", "still runc");

        _cleanup_free_ char *f =
                write_file(dir, "rt.json",
                           "{\"runtime\": \"/usr/bin/crun\", \"hook\": {\"path\": \"/opt/h/hook\","
                           " \"env\": [\"PATH=/bin\"], \"timeout\": 20}}",
                           0644);
        oih_error_free(TAKE_PTR(err));
        ok(oih_runtime_config_load(f, &c, &err) == 0, "a config file (%s)",
           err ? oih_error_message(err) : "ok");
        is_str(c.runtime, "/usr/bin/crun", "its runtime");
        is_str(c.hook.path, "/opt/h/hook", "its hook");
        is_int(strv_length(c.hook.args), 1, "args default to one");
        is_str(c.hook.args ? c.hook.args[0] : NULL, "hook", "args default to the new name");
        is_str(c.hook.env ? c.hook.env[0] : NULL, "PATH=/bin", "its env");
        is_int(c.hook.timeout, 20, "its timeout");
        oih_runtime_config_done(&c);

        static const char *const bad[][2] = {
                { "{\"runtime\": \"bin/runc\"}",
                  "\"runtime\": expected an absolute path or a program name" },
                { "{\"runtime\": 1}", "\"runtime\"" },
                { "{\"hook\": {\"path\": \"relative\"}}",
                  "\"hook.path\": \"relative\" is not an absolute path" },
                { "{\"hook\": {\"path\": \"/a/../b\"}}", "has a \"..\" component" },
                { "{\"hook\": {\"args\": [1]}}", "\"hook.args\"[0]: expected a string" },
                { "{\"hook\": {\"env\": [\"NOVALUE\"]}}", "\"hook.env\"[0]: expected NAME=VALUE" },
                { "{\"hook\": {\"timeout\": 0}}", "\"hook.timeout\"" },
                { "{\"hook\": {\"when\": {}}}",
                  "\"hook\": unknown key \"when\" (known: path, args, env, timeout)" },
                { "{\"runtimes\": {}}",
                  "bad.json: unknown key \"runtimes\" (known: description, runtime, hook)" },
                { "{\"runtime\": ", "line 1" },
                { "[]", "expected a JSON object" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *b = write_file(dir, "bad.json", bad[i][0], 0644);
                oih_error_free(TAKE_PTR(err));
                if (oih_runtime_config_defaults("/usr/bin/oci-injector-hook", &c) < 0)
                        tap_bail("oih_runtime_config_defaults");
                ok(oih_runtime_config_load(b, &c, &err) < 0, "refused: %s", bad[i][0]);
                contains(err ? oih_error_message(err) : NULL, bad[i][1], "the message names the key");
                contains(err ? oih_error_message(err) : NULL, "bad.json", "and the file");
                oih_runtime_config_done(&c);
        }

        _cleanup_free_ char *open_to_all = write_file(dir, "open.json", "{}", 0666);
        oih_error_free(TAKE_PTR(err));
        if (oih_runtime_config_defaults("/h", &c) < 0)
                tap_bail("oih_runtime_config_defaults");
        is_int(oih_runtime_config_load(open_to_all, &c, &err), -EPERM,
               "a config that others can write is refused");
        contains(err ? oih_error_message(err) : NULL, "make it root's and mode 0644", "saying what to do");
        oih_runtime_config_done(&c);
        tmpdir_remove(dir);
}

static void test_find(void)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ char *sh = NULL, *self_path = NULL;
        struct stat self, st;

        is_int(oih_runtime_find("sh", NULL, &sh, &err), 0, "a name is found on the fixed PATH (%s)",
               sh ?: "none");
        ok(sh && sh[0] == '/', "as an absolute path");
        ok(sh && endswith(sh, "/sh"), "to the program of that name");
        ok(oih_runtime_find("oih-no-such-runtime", NULL, &self_path, &err) == -ENOENT,
           "a name not there: -ENOENT");
        contains(err ? oih_error_message(err) : NULL, OIH_PROGRAM_PATH,
                 "the message names the PATH searched");

        /* The program itself, found where it runs: refused, so a shim named runc does not run itself. */
        ok(stat("/proc/self/exe", &self) == 0, "stat /proc/self/exe");
        self_path = NULL;
        ok(readlink_malloc("/proc/self/exe", &self_path) == 0, "this program's path");
        oih_error_free(TAKE_PTR(err));
        _cleanup_free_ char *found = NULL;
        ok(self_path && oih_runtime_find(self_path, &self, &found, &err) == -ELOOP, "itself is refused");
        contains(err ? oih_error_message(err) : NULL, "is this shim itself", "saying so");

        /* sh found again with `self` being sh: the search goes past it to the next one on the PATH, or
         * finds none. */
        ok(stat(sh, &st) == 0, "stat sh");
        free(found);
        found = NULL;
        oih_error_free(TAKE_PTR(err));
        int r = oih_runtime_find("sh", &st, &found, &err);
        ok((r == 0 && found && !streq(found, sh)) || r == -ENOENT,
           "the file that is the shim is skipped on the PATH (%s)", found ?: "none left");
}

int main(void)
{
        test_args();
        test_config();
        test_find();
        return tap_finish();
}
