/* SPDX-License-Identifier: Apache-2.0 */
/* Config folders: which files, in which order, which replaces which, and which are refused. */
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

static struct oih_config_set *load1(const char *dir)
{
        char *dirs[] = { (char *)dir, NULL };
        return load(dirs);
}

static const struct oih_config *item(const struct oih_config_set *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, name))
                        return s->items[i];
        return NULL;
}

/* The one problem of config `name`, or "" when it has none or is not there. */
static const char *problem_of(const struct oih_config_set *s, const char *name)
{
        const struct oih_config *c = item(s, name);
        return c && c->problems ? c->problems[0] : "";
}

static char *at(const char *dir, const char *name)
{
        char *p = path_join(dir, name);
        if (!p)
                tap_bail("path_join");
        return p;
}

/* Marks a test that needs root as skipped, keeping the numbering. */
static void skip(const char *why)
{
        tap_ok(true, __FILE__, __LINE__, "# SKIP %s", why);
}

static void test_order_and_replacement(void)
{
        char *etc = tmpdir_new(), *run = tmpdir_new();

        free(write_file(etc, "20-b.json", cfg, 0644));
        free(write_file(etc, "10-a.json", "{ \"activation_flag\": \"FROM_ETC\" }", 0644));
        free(write_file(etc, "30-c.json", "{ \"activation_flag\": \"C_ETC\" }", 0644));
        free(write_file(etc, "notes.txt", "not a config", 0644));
        free(write_file(etc, ".hidden.json", cfg, 0644));
        free(write_file(etc, "40-backup.json~", cfg, 0644));
        free(write_file(etc, "50-x.json.rpmsave", cfg, 0644));
        free(write_file(etc, "json", cfg, 0644));
        free(write_file(run, "10-a.json", "{ \"activation_flag\": \"FROM_RUN\" }", 0644));
        free(write_file(run, "15-run-only.json", cfg, 0644));
        free(write_file(run, "30-c.json", "{ not json", 0644));

        char *dirs[] = { etc, run, NULL };
        struct oih_config_set *s = load(dirs);
        is_int(s->n, 4, "only *.json: hidden files and other names are skipped, two files replaced");
        static const char *const order[] = { "10-a.json", "15-run-only.json", "20-b.json", "30-c.json" };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                is_str(i < s->n ? s->items[i]->name : NULL, order[i], "in name order across folders: %zu",
                       i + 1);
        const struct oih_config *a = item(s, "10-a.json");
        is_str(a ? a->flag.name : NULL, "FROM_RUN",
               "a later folder's file replaces the earlier one's of the same name");
        ok(a && startswith(a->file, run), "the config is the later folder's file");
        _cleanup_free_ char *b_file = at(etc, "20-b.json");
        is_str(item(s, "20-b.json") ? item(s, "20-b.json")->file : NULL, b_file,
               "a config knows the full path of its file");
        const struct oih_config *c = item(s, "30-c.json");
        ok(c && startswith(c->file, run), "a broken file replaces a good one too: the later folder decides");
        ok(c && !oih_config_is_valid(c), "the config is invalid");
        is_str(c ? c->flag.name : "no config", NULL, "and has no activation");
        ok(c && c->problems && startswith(c->problems[0], "not valid JSON: line 1"),
           "and it is kept as a config with its problem, not dropped");
        ok(!s->problems, "no folder problems");
        oih_config_set_free(s);

        char *reversed[] = { run, etc, NULL };
        s = load(reversed);
        a = item(s, "10-a.json");
        is_str(a ? a->flag.name : NULL, "FROM_ETC", "the order of the folders decides");
        ok(oih_config_is_valid(item(s, "30-c.json")), "for the broken file too");
        oih_config_set_free(s);

        char *empty = tmpdir_new();
        s = load1(empty);
        is_int(s->n, 0, "an empty folder: no config");
        ok(!s->problems, "an empty folder: no problem");
        oih_config_set_free(s);

        tmpdir_remove(etc);
        tmpdir_remove(run);
        tmpdir_remove(empty);
}

static void test_files_refused(void)
{
        char *dir = tmpdir_new();
        free(write_file(dir, "group-writable.json", cfg, 0664));
        free(write_file(dir, "world-writable.json", cfg, 0646));
        free(write_file(dir, "good.json", cfg, 0644));
        free(write_file(dir, "strict.json", cfg, 0600));

        _cleanup_free_ char *folder = at(dir, "folder.json");
        if (mkdir(folder, 0755) < 0)
                tap_bail("mkdir");

        _cleanup_free_ char *big = at(dir, "big.json");
        free(write_file(dir, "big.json", "", 0644));
        if (truncate(big, OIH_CONFIG_MAX_SIZE + 1) < 0)
                tap_bail("truncate");

        /* A valid config padded with spaces to exactly the limit. */
        _cleanup_free_ char *limit = at(dir, "limit.json");
        free(write_file(dir, "limit.json", "{ \"activation_flag\": \"LIMIT\" }", 0644));
        FILE *f = fopen(limit, "ae");
        if (!f)
                tap_bail("fopen");
        for (size_t l = strlen("{ \"activation_flag\": \"LIMIT\" }"); l < OIH_CONFIG_MAX_SIZE; l++)
                fputc(' ', f);
        fclose(f);

        bool root = geteuid() == 0;
        if (root) {
                _cleanup_free_ char *other = write_file(dir, "other-owner.json", cfg, 0644);
                if (chown(other, 1234, 1234) < 0)
                        tap_bail("chown");
        }

        struct oih_config_set *s = load1(dir);
        is_int(s->n, root ? 8 : 7, "every *.json is a config, refused ones included");
        ok(startswith(problem_of(s, "group-writable.json"),
                      "refused: the file is writable by group or others"),
           "a group-writable file is refused (%s)", problem_of(s, "group-writable.json"));
        ok(startswith(problem_of(s, "world-writable.json"),
                      "refused: the file is writable by group or others"),
           "a world-writable file is refused");
        ok(!item(s, "world-writable.json") || !item(s, "world-writable.json")->flag.name,
           "a refused file is not read at all");
        if (root)
                ok(startswith(problem_of(s, "other-owner.json"),
                              "refused: the file is owned by uid 1234, not by root"),
                   "a file owned by uid 1234 is refused (%s)", problem_of(s, "other-owner.json"));
        else
                skip("chown needs root");
        is_str(problem_of(s, "folder.json"),
               "is not a regular file; remove it or rename it without \".json\"",
               "a folder named .json is a broken config");
        is_str(problem_of(s, "big.json"), "cannot read: larger than 1 MiB", "a file over 1 MiB is refused");
        const struct oih_config *l = item(s, "limit.json");
        ok(l && oih_config_is_valid(l), "a file of exactly 1 MiB is valid");
        is_str(l ? l->flag.name : NULL, "LIMIT", "and read whole");
        ok(oih_config_is_valid(item(s, "good.json")), "the good files next to them are read (0644)");
        ok(oih_config_is_valid(item(s, "strict.json")), "and (0600)");
        ok(!s->problems, "problems of files are the files' own, not the folder's");
        oih_config_set_free(s);
        tmpdir_remove(dir);
}

static void test_symlinks(void)
{
        char *dir = tmpdir_new(), *elsewhere = tmpdir_new();

        _cleanup_free_ char *target =
                write_file(elsewhere, "target.conf", "{ \"activation_flag\": \"LINKED\" }", 0644);
        _cleanup_free_ char *link = at(dir, "linked.json");
        if (symlink(target, link) < 0)
                tap_bail("symlink");
        _cleanup_free_ char *dangling = at(dir, "dangling.json");
        if (symlink("/nonexistent/oih-target.json", dangling) < 0)
                tap_bail("symlink");
        bool root = geteuid() == 0;
        if (root) {
                _cleanup_free_ char *foreign = write_file(elsewhere, "foreign.conf", cfg, 0644);
                _cleanup_free_ char *flink = at(dir, "foreign.json");
                if (chown(foreign, 1234, 1234) < 0 || symlink(foreign, flink) < 0)
                        tap_bail("chown");
        }

        struct oih_config_set *s = load1(dir);
        const struct oih_config *c = item(s, "linked.json");
        ok(c && oih_config_is_valid(c), "a symlink to a root-owned file is followed");
        is_str(c ? c->flag.name : NULL, "LINKED", "to the file");
        ok(c && endswith(c->file, "/linked.json"), "and the config is named after the link");
        ok(startswith(problem_of(s, "dangling.json"), "cannot open: No such file or directory"),
           "a dangling symlink is a broken config");
        if (root)
                ok(startswith(problem_of(s, "foreign.json"),
                              "refused: the file is owned by uid 1234, not by root"),
                   "a symlink to a file of another user is refused: the target is checked");
        else
                skip("chown needs root");
        oih_config_set_free(s);

        tmpdir_remove(dir);
        tmpdir_remove(elsewhere);
}

static void folder_refused(mode_t mode, uid_t uid, const char *why_text, const char *why)
{
        char *dir = tmpdir_new();
        free(write_file(dir, "x.json", cfg, 0644));
        if (chmod(dir, mode) < 0 || (uid != 0 && chown(dir, uid, uid) < 0))
                tap_bail("chmod");
        struct oih_config_set *s = load1(dir);
        char expect[512];
        snprintf(expect, sizeof(expect),
                 "%s: config folder refused, none of its files is read: the folder %s", dir, why_text);
        is_int(s->n, 0, "%s: no config", why);
        is_int(strv_length(s->problems), 1, "%s: one problem", why);
        ok(startswith(s->problems ? s->problems[0] : "", expect), "%s (%s)", why,
           s->problems ? s->problems[0] : "no problem");
        oih_config_set_free(s);
        tmpdir_remove(dir);
}

static void test_folders(void)
{
        folder_refused(0775, 0, "is writable by group or others",
                       "a folder writable by group is refused whole");
        folder_refused(0777, 0, "is writable by group or others",
                       "a folder writable by others is refused whole");
        folder_refused(01777, 0, "is writable by group or others",
                       "a sticky folder like /tmp is refused too");
        if (geteuid() == 0)
                folder_refused(0755, 1234, "is owned by uid 1234, not by root",
                               "a folder owned by uid 1234 is refused whole");
        else
                skip("chown needs root");

        char *missing[] = { (char *)"/nonexistent/oih-configs", NULL };
        struct oih_config_set *s = load(missing);
        is_int(s->n, 0, "a missing folder: no config");
        is_int(strv_length(s->problems), 1, "a missing folder: one problem");
        ok(startswith(s->problems ? s->problems[0] : "",
                      "/nonexistent/oih-configs: cannot open the config folder: No such file"),
           "a missing folder that is not a default is a problem");
        oih_config_set_free(s);

        /* The default folders are usually missing on a test machine; they are never a problem then. */
        s = load(oih_default_config_dirs);
        bool named = false;
        STRV_FOREACH (p, s->problems)
                named = named || strstr(*p, "cannot open the config folder: No such file");
        ok(!named, "a missing default folder is not a problem");
        oih_config_set_free(s);

        char *dir = tmpdir_new();
        _cleanup_free_ char *file = write_file(dir, "plain", cfg, 0644);
        char *not_dir[] = { file, NULL };
        s = load(not_dir);
        is_int(s->n, 0, "a file given as a folder: no config");
        contains(s->problems ? s->problems[0] : NULL, "cannot open the config folder: Not a directory",
                 "a file given as a folder is a problem");
        oih_config_set_free(s);

        char *twice[] = { dir, dir, NULL };
        free(write_file(dir, "once.json", cfg, 0644));
        s = load(twice);
        is_int(s->n, 1, "a folder given twice gives its configs once");
        ok(!s->problems, "and no problem");
        oih_config_set_free(s);
        tmpdir_remove(dir);
}

/* A folder with one config, both owned by uid:uid with the folder's mode; the tmpdir made traversable. */
static char *owned_folder(const char *parent, const char *name, mode_t mode, uid_t uid)
{
        char *d = at(parent, name);
        if (mkdir(d, mode) < 0 || chmod(d, mode) < 0)
                tap_bail("mkdir");
        _cleanup_free_ char *f = write_file(d, "x.json", cfg, 0644);
        if (chown(f, uid, uid) < 0 || chown(d, uid, uid) < 0)
                tap_bail("chown");
        return d;
}

/*
 * As rootless podman runs the hook: in a user namespace that maps uid 0 to host uid 100000 (the user)
 * and uid 1 to 100001 (a subordinate id), where host root's files show the overflow uid. A child loads
 * each folder there and sends back one line per folder: its problem, or "ok" and the number of configs.
 */
static void test_user_namespace(void)
{
        if (geteuid() != 0) {
                for (int i = 0; i < 5; i++)
                        skip("user namespaces with chosen maps need root");
                return;
        }
        char *dir = tmpdir_new();
        if (chmod(dir, 0755) < 0)
                tap_bail("chmod");
        const struct {
                const char *name;
                mode_t mode;
                uid_t uid;
        } folders[] = {
                { "root-0755", 0755, 0 },         { "root-0775", 0775, 0 },
                { "user-0755", 0755, 100000 },    { "subuid-0755", 0755, 100001 },
                { "stranger-0755", 0755, 54321 },
        };
        for (size_t i = 0; i < ELEMENTSOF(folders); i++)
                free(owned_folder(dir, folders[i].name, folders[i].mode, folders[i].uid));

        int ready[2], go[2], out[2];
        if (pipe(ready) < 0 || pipe(go) < 0 || pipe(out) < 0)
                tap_bail("pipe");
        pid_t pid = fork();
        if (pid < 0)
                tap_bail("fork");
        if (pid == 0) {
                char c = 0;
                FILE *o = fdopen(out[1], "w");
                if (!o || unshare(CLONE_NEWUSER) < 0 || write(ready[1], "x", 1) != 1 ||
                    read(go[0], &c, 1) != 1 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        _exit(1);
                for (size_t i = 0; i < ELEMENTSOF(folders); i++) {
                        _cleanup_free_ char *d = at(dir, folders[i].name);
                        struct oih_config_set *s = load1(d);
                        if (s->problems)
                                fprintf(o, "%s\n", s->problems[0]);
                        else
                                fprintf(o, "ok %zu %s\n", s->n, s->n ? problem_of(s, "x.json") : "");
                        oih_config_set_free(s);
                }
                fclose(o);
                _exit(0);
        }
        char c = 0, p[64];
        if (read(ready[0], &c, 1) != 1)
                tap_bail("child");
        const char *maps[][2] = { { "uid_map", "0 100000 2\n" }, { "gid_map", "0 100000 2\n" } };
        for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
                snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, maps[i][0]);
                int fd = open(p, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, maps[i][1], strlen(maps[i][1])) < 0)
                        tap_bail("map");
                close(fd);
        }
        if (write(go[1], "x", 1) != 1)
                tap_bail("go");
        close(out[1]);
        FILE *in = fdopen(out[0], "r");
        char line[ELEMENTSOF(folders)][1024] = {};
        for (size_t i = 0; in && i < ELEMENTSOF(folders) && fgets(line[i], sizeof(line[i]), in); i++)
                line[i][strcspn(line[i], "\n")] = 0;
        if (in)
                fclose(in);
        int status = 0;
        waitpid(pid, &status, 0);

        is_str(line[0], "ok 1 ",
               "in a user namespace, host root's 0755 folder (shown as uid 65534) is accepted");
        ok(strstr(line[1], "the folder is writable by group or others (mode 0775)") != NULL,
           "host root's group-writable folder is still refused, saying so (%s)", line[1]);
        is_str(line[2], "ok 1 ", "the user's own folder (uid 0 there) is accepted");
        ok(strstr(line[3], "the folder is owned by uid 1 of the user namespace the hook runs in (uid 100001 "
                           "outside it), neither root nor the user running the hook") != NULL,
           "a folder of a subordinate id is refused, with both of its uids (%s)", line[3]);
        /* What cannot be told apart there: any unmapped owner shows the overflow uid, as root does. */
        is_str(line[4], "ok 1 ",
               "an unmapped stranger's folder shows uid 65534 too, and is accepted (the README says so)");
        tmpdir_remove(dir);
}

int main(void)
{
        test_order_and_replacement();
        test_files_refused();
        test_symlinks();
        test_folders();
        test_user_namespace();
        return tap_finish();
}
