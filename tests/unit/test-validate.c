/* SPDX-License-Identifier: Apache-2.0 */
/* The validate command: one line per problem, each starting with the file, host paths included. */
#include "tap.h"
#include "validate.h"

int main(void)
{
        char *dir = tmpdir_new(), text[1024];

        free(write_file(dir, "10-good.json", "{ \"activation_flag\": \"A\", \"devices\": [\"/dev/null\"] }",
                        0644));
        free(write_file(dir, "20-two-problems.json",
                        "{ \"activation_flag\": \"B\", \"devices\": [\"dev/x\"], \"typo\": 1 }", 0644));
        snprintf(text, sizeof(text),
                 "{ \"activation_flag\": \"C\", \"binaries\": [\"%s/missing-tool\", {\"path\": "
                 "\"%s/optional-tool\","
                 " \"optional\": true}] }",
                 dir, dir);
        free(write_file(dir, "30-missing.json", text, 0644));

        char *out = NULL;
        size_t len = 0, files = 0;
        FILE *f = open_memstream(&out, &len);
        char *dirs[] = { dir, NULL };
        int problems = oih_validate(dirs, f, &files);
        fclose(f);

        is_int(problems, 3, "three problems: two in one file, a missing host path in another");
        is_int(files, 3, "three files read");
        int lines = 0;
        bool all_named = true;
        for (char *l = out; l && *l; l = strchr(l, '\n') + 1) {
                lines++;
                all_named = all_named && startswith(l, dir);
                if (!strchr(l, '\n'))
                        break;
        }
        is_int(lines, 3, "one line per problem");
        ok(all_named, "each line starts with the file's path");
        contains(out, "20-two-problems.json: devices[0]", "the first problem of the second file");
        contains(out, "20-two-problems.json: unknown key \"typo\"", "the second one");
        contains(out, "30-missing.json: binaries[0]", "the missing host path");
        ok(out && !strstr(out, "optional-tool"), "a missing optional entry is not a problem");
        ok(out && !strstr(out, "10-good.json"), "the good file says nothing");
        free(out);

        char *clean = tmpdir_new();
        free(write_file(clean, "ok.json", "{ \"activation_flag\": \"A\", \"devices\": [\"/dev/null\"] }",
                        0644));
        char *clean_dirs[] = { clean, NULL };
        f = open_memstream(&out, &len);
        is_int(oih_validate(clean_dirs, f, &files), 0, "a clean folder: no problem");
        fclose(f);
        is_str(out, "", "and no output");
        free(out);

        tmpdir_remove(dir);
        tmpdir_remove(clean);
        return tap_finish();
}
