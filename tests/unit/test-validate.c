/* SPDX-License-Identifier: Apache-2.0 */
/* The validate command: one line per problem, each starting with the file, host paths included. */
#include "modules.h"
#include "tap.h"
#include "command-validate.h"

static const char *modules_dir;

/* Runs oih_command_validate on the folders; returns the output, sets *ret (its result) and *ret_files. */
static char *validate(char *const *dirs, int *ret, size_t *ret_files)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                tap_bail("open_memstream");
        *ret = oih_command_validate(dirs, modules_dir, f, ret_files);
        fclose(f);
        return out;
}

/* The index-th line of text (0-based), as a new string without its newline; NULL past the last one. */
static char *line_at(const char *text, size_t index)
{
        for (size_t i = 0; text && *text; i++) {
                size_t l = strcspn(text, "\n");
                if (i == index)
                        return strndup(text, l);
                text += l + (text[l] ? 1 : 0);
        }
        return NULL;
}

static size_t lines(const char *text)
{
        size_t n = 0;
        for (; text && *text; text++)
                n += *text == '\n';
        return n;
}

int main(void)
{
        char *dir = tmpdir_new(), text[1024];

        /* meson says where the module loader was built: this test is not beside it. */
        const char *helper = getenv("OIH_TEST_KMOD_HELPER");
        if (helper)
                oih_modules_set_helper(helper);

        _cleanup_free_ char *good = write_file(
                dir, "10-good.json", "{ \"activation_flag\": \"A\", \"devices\": [\"/dev/null\"] }", 0644);
        _cleanup_free_ char *two =
                write_file(dir, "20-two-problems.json",
                           "{ \"activation_flag\": \"B\", \"devices\": [\"dev/x\"], \"typo\": 1 }", 0644);
        snprintf(text, sizeof(text),
                 "{ \"activation_flag\": \"C\", \"binaries\": [\"%s/missing-tool\","
                 " {\"path\": \"%s/optional-tool\", \"optional\": true}] }",
                 dir, dir);
        _cleanup_free_ char *missing = write_file(dir, "30-missing.json", text, 0644);
        free(write_file(dir, "README", "not a config", 0644));

        char *dirs[] = { dir, NULL };
        int problems = -1;
        size_t files = 0;
        _cleanup_free_ char *out = validate(dirs, &problems, &files);

        is_int(problems, 3, "three problems: two in one file, a missing host path in another");
        is_int(files, 3, "three config files read");
        is_int(lines(out), 3, "one line per problem");
        ok(out && (!*out || out[strlen(out) - 1] == '\n'), "every line ends with a newline");

        _cleanup_free_ char *l0 = line_at(out, 0), *l1 = line_at(out, 1), *l2 = line_at(out, 2);
        char expect[1024];
        snprintf(expect, sizeof(expect), "%s: devices[0]: \"dev/x\" is not an absolute path", two);
        ok(l0 && startswith(l0, expect), "the first problem of the second file, starting with its path (%s)",
           l0 ?: "none");
        snprintf(expect, sizeof(expect), "%s: unknown key \"typo\"", two);
        ok(l1 && startswith(l1, expect), "its second problem, on a line of its own (%s)", l1 ?: "none");
        snprintf(expect, sizeof(expect), "%s: binaries[0] \"%s/missing-tool\": not on this host", missing,
                 dir);
        ok(l2 && startswith(l2, expect), "the missing host path, starting with the config's path (%s)",
           l2 ?: "none");
        ok(out && !strstr(out, "optional-tool"), "a missing optional entry is not a problem");
        ok(out && !strstr(out, good), "the good file says nothing");

        /* A clean folder, and a folder problem. */
        char *clean = tmpdir_new();
        free(write_file(clean, "ok.json", "{ \"activation_flag\": \"A\", \"devices\": [\"/dev/null\"] }",
                        0644));
        char *clean_dirs[] = { clean, NULL };
        _cleanup_free_ char *clean_out = validate(clean_dirs, &problems, &files);
        is_int(problems, 0, "a clean folder: no problem");
        is_int(files, 1, "a clean folder: one file");
        is_str(clean_out, "", "and no output");

        char *with_missing[] = { clean, (char *)"/nonexistent/oih-validate", NULL };
        _cleanup_free_ char *folder_out = validate(with_missing, &problems, &files);
        is_int(problems, 1, "a missing folder that was asked for is a problem");
        ok(startswith(folder_out ?: "", "/nonexistent/oih-validate: cannot open the config folder"),
           "starting with the folder");
        is_int(lines(folder_out), 1, "on one line");

        /* A path with a newline and an escape sequence cannot forge a second line (found by fuzzing). */
        char *forged = tmpdir_new();
        free(write_file(forged, "x.json",
                        "{ \"activation_flag\": \"A\", \"binaries\": [\"bin/x\\n/etc/fake.json: all "
                        "good\\u001b[2J\"] }",
                        0644));
        char *forged_dirs[] = { forged, NULL };
        _cleanup_free_ char *forged_out = validate(forged_dirs, &problems, &files);
        is_int(problems, 1, "a path with a newline: one problem");
        is_int(lines(forged_out), 1, "a problem about a path with a newline stays one line");
        ok(forged_out && !strchr(forged_out, '\x1b'), "no escape character is printed");
        contains(forged_out, "bin/x\\x0a/etc/fake.json: all good\\x1b[2J",
                 "its control characters are escaped");

        /* Modules are looked up (not loaded) by the helper: a built-in one is fine, a missing one is a
         * problem of its own. The modules folder is a test one, indexed by the host's depmod. */
        char *mods = tmpdir_new(), cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p %s/lib/modules/1.0.0-oihtest && echo kernel/drivers/misc/oihtestbuiltin.ko > "
                 "%s/lib/modules/1.0.0-oihtest/modules.builtin && : > "
                 "%s/lib/modules/1.0.0-oihtest/modules.order && "
                 "depmod -b %s 1.0.0-oihtest 2>/dev/null",
                 mods, mods, mods, mods);
        char moddir[600];
        snprintf(moddir, sizeof(moddir), "%s/lib/modules/1.0.0-oihtest", mods);
        char *modconf = tmpdir_new();
        free(write_file(
                modconf, "m.json",
                "{ \"activation_flag\": \"A\", \"modules\": [\"oihtestbuiltin\", \"oihtestmissing\"] }",
                0644));
        char *mod_dirs[] = { modconf, NULL };
        if (system(cmd) != 0)
                tap_bail("depmod");
        modules_dir = moddir;
        _cleanup_free_ char *mod_out = validate(mod_dirs, &problems, &files);
        modules_dir = NULL;
        is_int(problems, 1, "one module not found: one problem");
        contains(mod_out, "m.json: modules[1]: kernel module \"oihtestmissing\" not found",
                 "naming it and its place");
        ok(mod_out && !strstr(mod_out, "oihtestbuiltin"), "the built-in module is fine");

        /* Two configs that would conflict are named in a warning, not counted: they may never meet. */
        char *both = tmpdir_new();
        free(write_file(both, "a.json",
                        "{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/bin/true\", "
                        "\"container_path\": \"/usr/bin/x\"}] }",
                        0644));
        free(write_file(both, "b.json",
                        "{ \"activation_flag\": \"B\", \"binaries\": [{\"path\": \"/bin/false\", "
                        "\"container_path\": \"/usr/bin/x\"}] }",
                        0644));
        char *both_dirs[] = { both, NULL };
        _cleanup_free_ char *both_out = validate(both_dirs, &problems, &files);
        is_int(problems, 0, "configs that could conflict are not problems");
        is_str(both_out, "", "nor printed");

        tmpdir_remove(dir);
        tmpdir_remove(clean);
        tmpdir_remove(forged);
        tmpdir_remove(mods);
        tmpdir_remove(modconf);
        tmpdir_remove(both);
        return tap_finish();
}
