/* SPDX-License-Identifier: Apache-2.0 */
/* The validate command: one line per problem, each starting with the file, host paths included. */
#include "tap.h"
#include "validate.h"

/* Runs oih_validate on the folders; returns the output, sets *ret (its result) and *ret_files. */
static char *validate(char *const *dirs, int *ret, size_t *ret_files)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                tap_bail("open_memstream");
        *ret = oih_validate(dirs, f, ret_files);
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
        ok(problems == 0 && files == 1, "a clean folder: no problem, one file");
        is_str(clean_out, "", "and no output");

        char *with_missing[] = { clean, (char *)"/nonexistent/oih-validate", NULL };
        _cleanup_free_ char *folder_out = validate(with_missing, &problems, &files);
        is_int(problems, 1, "a missing folder that was asked for is a problem");
        ok(folder_out &&
                   startswith(folder_out, "/nonexistent/oih-validate: cannot open the config folder") &&
                   lines(folder_out) == 1,
           "on one line starting with the folder");

        tmpdir_remove(dir);
        tmpdir_remove(clean);
        return tap_finish();
}
