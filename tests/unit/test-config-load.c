/* SPDX-License-Identifier: Apache-2.0 */
/* Config folders: which files, in which order, which replaces which, and which are refused. */
#include <sys/stat.h>

#include "config-load.h"
#include "tap.h"

static const char *cfg = "{ \"activation_flag\": \"A\" }";

static struct oih_config_set *load(char *const *dirs)
{
        struct oih_config_set *s = NULL;
        if (oih_config_set_load(dirs, &s) < 0)
                tap_bail("load");
        return s;
}

static const char *problem_about(const struct oih_config_set *s, const char *name, const char *needle)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, name))
                        STRV_FOREACH (p, s->items[i]->problems)
                                if (strstr(*p, needle))
                                        return *p;
        STRV_FOREACH (p, s->problems)
                if (strstr(*p, needle))
                        return *p;
        return NULL;
}

int main(void)
{
        char *etc = tmpdir_new(), *run = tmpdir_new();
        char path[512];

        free(write_file(etc, "20-b.json", cfg, 0644));
        free(write_file(etc, "10-a.json", "{ \"activation_flag\": \"FROM_ETC\" }", 0644));
        free(write_file(etc, "30-c.json", cfg, 0644));
        free(write_file(etc, "notes.txt", "not a config", 0644));
        free(write_file(etc, ".hidden.json", cfg, 0644));
        free(write_file(etc, "40-backup.json~", cfg, 0644));
        free(write_file(run, "10-a.json", "{ \"activation_flag\": \"FROM_RUN\" }", 0644));
        free(write_file(run, "15-run-only.json", cfg, 0644));

        char *dirs[] = { etc, run, NULL };
        struct oih_config_set *s = load(dirs);
        is_int(s->n, 4, "only *.json, hidden files and other names skipped; one file replaced");
        ok(s->n == 4 && streq(s->items[0]->name, "10-a.json") &&
                   streq(s->items[1]->name, "15-run-only.json") && streq(s->items[2]->name, "20-b.json") &&
                   streq(s->items[3]->name, "30-c.json"),
           "in name order across folders");
        ok(s->n >= 1 && streq_ptr(s->items[0]->flag.name, "FROM_RUN") && startswith(s->items[0]->file, run),
           "a later folder's file replaces the earlier one's of the same name");
        ok(!s->problems, "no folder problems");
        oih_config_set_free(s);

        char *reversed[] = { run, etc, NULL };
        s = load(reversed);
        ok(s->n >= 1 && streq_ptr(s->items[0]->flag.name, "FROM_ETC"), "the order of the folders decides");
        oih_config_set_free(s);

        /* Ownership and modes. */
        char *bad = tmpdir_new();
        free(write_file(bad, "group-writable.json", cfg, 0664));
        free(write_file(bad, "world-writable.json", cfg, 0646));
        free(write_file(bad, "good.json", cfg, 0644));
        free(write_file(bad, "other-owner.json", cfg, 0644));
        snprintf(path, sizeof(path), "%s/other-owner.json", bad);
        if (chown(path, 1234, 1234) < 0)
                tap_bail("chown");
        snprintf(path, sizeof(path), "%s/folder.json", bad);
        if (mkdir(path, 0755) < 0)
                tap_bail("mkdir");
        free(write_file(bad, "big.json", "", 0644));
        snprintf(path, sizeof(path), "%s/big.json", bad);
        if (truncate(path, OIH_CONFIG_MAX_SIZE + 1) < 0)
                tap_bail("truncate");
        free(write_file(run, "target.json", "{ \"activation_flag\": \"LINKED\" }", 0644));
        char target[512];
        snprintf(target, sizeof(target), "%s/target.json", run);
        snprintf(path, sizeof(path), "%s/linked.json", bad);
        if (symlink(target, path) < 0)
                tap_bail("symlink");

        char *one[] = { bad, NULL };
        s = load(one);
        const char *p;
        ok((p = problem_about(s, "group-writable.json", "writable by group or others")),
           "a group-writable file is refused");
        ok((p = problem_about(s, "world-writable.json", "writable by group or others")),
           "a world-writable file is refused");
        ok((p = problem_about(s, "other-owner.json", "is not owned by root")),
           "a file of another user is refused");
        ok((p = problem_about(s, "folder.json", "is not a regular file")),
           "a folder named .json is a broken config");
        ok((p = problem_about(s, "big.json", "larger than 1 MiB")), "a file over 1 MiB is refused");
        for (size_t i = 0; i < s->n; i++) {
                if (streq(s->items[i]->name, "good.json"))
                        ok(oih_config_is_valid(s->items[i]), "the good file next to them is read");
                if (streq(s->items[i]->name, "linked.json"))
                        ok(oih_config_is_valid(s->items[i]) && streq_ptr(s->items[i]->flag.name, "LINKED"),
                           "a symlink to a root-owned file is followed");
        }
        oih_config_set_free(s);

        char *open_dir = tmpdir_new();
        free(write_file(open_dir, "x.json", cfg, 0644));
        chmod(open_dir, 0777);
        char *two[] = { open_dir, NULL };
        s = load(two);
        ok(s->n == 0 && (p = problem_about(s, "", "config folder refused")) &&
                   strstr(p, "writable by group or others"),
           "a folder writable by others is refused whole");
        oih_config_set_free(s);

        char *missing[] = { (char *)"/nonexistent/oih-configs", NULL };
        s = load(missing);
        ok(s->n == 0 && problem_about(s, "", "/nonexistent/oih-configs: cannot open the config folder"),
           "a missing folder that was asked for is a problem");
        oih_config_set_free(s);
        s = load(oih_default_config_dirs);
        ok(!problem_about(s, "", "/run/oci-injector-hook: cannot open"), "a missing default folder is not");
        oih_config_set_free(s);

        tmpdir_remove(etc);
        tmpdir_remove(run);
        tmpdir_remove(bad);
        tmpdir_remove(open_dir);
        return tap_finish();
}
