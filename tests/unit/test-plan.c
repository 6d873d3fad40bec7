/* SPDX-License-Identifier: Apache-2.0 */
/* Planning from the host's facts, on a temporary host folder: chains, globs, devices, duplicates. */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "json.h"
#include "mount-options.h"
#include "plan.h"
#include "tap.h"

static char *H; /* the temporary "host" */

static struct oih_config *config(const char *file, const char *fmt, ...) _printf_(2, 3);
static struct oih_config *config(const char *file, const char *fmt, ...)
{
        char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                tap_bail("vasprintf");
        va_end(ap);
        struct oih_config *c = NULL;
        if (oih_config_parse(file, text, strlen(text), &c) < 0)
                tap_bail("parse");
        if (!oih_config_is_valid(c))
                printf("# config problem: %s\n", c->problems[0]);
        free(text);
        return c;
}

/* Plans the configs; returns the plan, or NULL with *err set. */
static struct oih_plan *plan(struct oih_config **configs, size_t n, oih_error **err)
{
        struct oih_plan *p = NULL;
        return oih_plan_build(configs, n, &p, err) < 0 ? NULL : p;
}

static struct oih_plan *plan1(struct oih_config *c, oih_error **err)
{
        return plan(&c, 1, err);
}

static const struct oih_op *find(const struct oih_plan *p, enum oih_op_type type, const char *target)
{
        for (size_t i = 0; p && i < p->n; i++)
                if (p->ops[i].type == type && streq_ptr(p->ops[i].target, target))
                        return &p->ops[i];
        return NULL;
}

static void setup(void)
{
        char p[512], t[512];
        H = tmpdir_new();
#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", H, rel), p)
        mkdir(AT("lib"), 0755);
        mkdir(AT("bin"), 0755);
        mkdir(AT("etc"), 0755);
        mkdir(AT("dev"), 0755);
        free(write_file(H, "lib/libfoo.so.1.2.3", "ELF", 0644));
        if (symlink("libfoo.so.1.2.3", AT("lib/libfoo.so.1")) < 0)
                tap_bail("symlink");
        if (symlink("libfoo.so.1", AT("lib/libfoo.so")) < 0)
                tap_bail("symlink");
        snprintf(t, sizeof(t), "%s/lib/libfoo.so.1.2.3", H);
        if (symlink(t, AT("lib/libabs.so")) < 0)
                tap_bail("symlink");
        if (symlink("../lib/libfoo.so.1.2.3", AT("lib/librel.so")) < 0)
                tap_bail("symlink");
        if (symlink("loop2", AT("lib/loop1")) < 0)
                tap_bail("symlink");
        if (symlink("loop1", AT("lib/loop2")) < 0)
                tap_bail("symlink");
        if (symlink("nowhere.so", AT("lib/dangling.so")) < 0)
                tap_bail("symlink");
        free(write_file(H, "bin/tool", "#!/bin/sh\n", 0755));
        free(write_file(H, "bin/other", "#!/bin/sh\n", 0755));
        free(write_file(H, "etc/conf", "x=1\n", 0640));
        /* mknod applies the umask: set the modes afterwards. */
        if (mknod(AT("dev/null0"), S_IFCHR, makedev(1, 3)) < 0 || chmod(p, 0666) < 0 ||
            mknod(AT("dev/blk0"), S_IFBLK, makedev(7, 0)) < 0 || chmod(p, 0660) < 0)
                tap_bail("mknod");
        free(write_file(H, "dev/notdev", "", 0644));
#undef AT
}

static void test_library_chain(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config(
                "/c/lib.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s/lib/libfoo.so\"]}", H);
        struct oih_plan *p = plan1(c, &err);
        char real[512], so1[512], so[512], dir[512];
        snprintf(real, sizeof(real), "%s/lib/libfoo.so.1.2.3", H);
        snprintf(so1, sizeof(so1), "%s/lib/libfoo.so.1", H);
        snprintf(so, sizeof(so), "%s/lib/libfoo.so", H);
        snprintf(dir, sizeof(dir), "%s/lib", H);
        ok(p && p->n == 4, "a two-link chain: the real file, two links, the ld cache");
        const struct oih_op *b = find(p, OIH_OP_BIND, real);
        ok(b && streq(b->source, real) && b->mount_flags == OIH_MOUNT_FILE_DEFAULTS,
           "the real file is bound read-only");
        const struct oih_op *l1 = find(p, OIH_OP_SYMLINK, so), *l2 = find(p, OIH_OP_SYMLINK, so1);
        ok(l1 && streq(l1->source, "libfoo.so.1") && l2 && streq(l2->source, "libfoo.so.1.2.3"),
           "each link with the host's text");
        ok(p && p->ops[p->n - 1].type == OIH_OP_LDCACHE && strv_length(p->ops[p->n - 1].dirs) == 1 &&
                   streq(p->ops[p->n - 1].dirs[0], dir),
           "the ld cache step last, with the library folder");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s/lib/libfoo.so.1\", "
                   "\"container_path\": \"/opt/x/lib/libfoo.so.1\"}]}",
                   H);
        p = plan1(c, NULL);
        ok(find(p, OIH_OP_BIND, "/opt/x/lib/libfoo.so.1.2.3") &&
                   find(p, OIH_OP_SYMLINK, "/opt/x/lib/libfoo.so.1"),
           "with a container_path, the chain moves along");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s/lib/libabs.so\", "
                   "\"container_path\": \"/usr/lib/libabs.so\"}]}",
                   H);
        p = plan1(c, NULL);
        const struct oih_op *abs = find(p, OIH_OP_SYMLINK, "/usr/lib/libabs.so");
        ok(abs && streq(abs->source, real) && find(p, OIH_OP_BIND, real),
           "an absolute link keeps its text, and its target goes where the text says");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s/lib/librel.so\", "
                   "\"container_path\": \"/usr/lib64/librel.so\"}]}",
                   H);
        p = plan1(c, NULL);
        ok(find(p, OIH_OP_BIND, "/usr/lib/libfoo.so.1.2.3") != NULL,
           "a ../ link is followed on the container side too");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/loop.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s/lib/loop1\"]}", H);
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan1(c, &e2);
        ok(!p && e2 && e2->code == ELOOP, "a symlink loop is an error");
        contains(e2 ? oih_error_message(e2) : NULL, "/c/loop.json: libraries[0]",
                 "naming the config and the entry");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/dangling.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [\"%s/lib/dangling.so\"]}", H);
        _cleanup_error_ oih_error *e3 = NULL;
        p = plan1(c, &e3);
        ok(!p, "a dangling chain is a missing library");
        contains(e3 ? oih_error_message(e3) : NULL, "nowhere.so", "the message names where the chain ends");
        oih_config_free(c);
}

static void test_kinds(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config("/c/kinds.json",
                                      "{\"activation_flag\": \"A\", \"devices\": [\"%s/dev/null0\", "
                                      "\"%s/dev/blk0\"], \"binaries\": [\"%s/bin/tool\"],"
                                      " \"directories\": [\"%s/etc\"], \"miscellaneous\": [\"%s/etc/conf\"],"
                                      " \"mounts\": [{\"source\": \"%s/etc\", \"destination\": "
                                      "\"/hostetc\", \"options\": [\"ro\"]}],"
                                      " \"modules\": [\"fuse\"]}",
                                      H, H, H, H, H, H);
        struct oih_plan *p = plan1(c, &err);
        ok(p != NULL, "every kind plans (%s)", err ? oih_error_message(err) : "ok");
        char t[512];
        snprintf(t, sizeof(t), "%s/dev/null0", H);
        const struct oih_op *d = find(p, OIH_OP_DEVICE, t);
        ok(d && S_ISCHR(d->mode) && d->rdev == makedev(1, 3) && (d->mode & 07777) == 0666,
           "a character device, 1:3");
        snprintf(t, sizeof(t), "%s/dev/blk0", H);
        d = find(p, OIH_OP_DEVICE, t);
        ok(d && S_ISBLK(d->mode) && d->rdev == makedev(7, 0), "a block device, 7:0");
        snprintf(t, sizeof(t), "%s/etc", H);
        d = find(p, OIH_OP_MKDIR, t);
        ok(d && (d->mode & 07777) == 0755, "a folder to make, mode 0755");
        snprintf(t, sizeof(t), "%s/etc/conf", H);
        d = find(p, OIH_OP_COPY, t);
        ok(d && (d->mode & 07777) == 0640, "a file to copy, with its mode");
        d = find(p, OIH_OP_MOUNT, "/hostetc");
        ok(d && d->mount_flags == (OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY), "a mount with its options");
        ok(p && p->ops[0].type == OIH_OP_MODULE && streq(p->ops[0].source, "fuse"), "modules first");

        bool ordered = true;
        for (size_t i = 1; p && i < p->n; i++)
                ordered = ordered && p->ops[i - 1].type <= p->ops[i].type;
        ok(ordered,
           "operations in execution order: module, mkdir, mount, device, bind, symlink, copy, ldcache");
        ok(p && p->ops[p->n - 1].type != OIH_OP_LDCACHE, "no ld cache step without libraries");
        ok(p && strv_length(p->configs) == 1 && streq(p->configs[0], "/c/kinds.json"),
           "the plan lists its config");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/copy.json",
                   "{\"activation_flag\": \"A\", \"inject\": \"copy\", \"binaries\": [\"%s/bin/tool\"],"
                   " \"libraries\": [\"%s/lib/libfoo.so.1\"]}",
                   H, H);
        p = plan1(c, NULL);
        snprintf(t, sizeof(t), "%s/bin/tool", H);
        char r[512];
        snprintf(r, sizeof(r), "%s/lib/libfoo.so.1.2.3", H);
        ok(find(p, OIH_OP_COPY, t) && find(p, OIH_OP_COPY, r) && !find(p, OIH_OP_BIND, t),
           "inject: copy turns binds into copies");
        oih_plan_free(p);
        oih_config_free(c);
}

static void wrong_type(const char *what, const char *json, const char *expect)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config("/c/wrong.json", "{\"activation_flag\": \"A\", %s}", json);
        struct oih_plan *p = plan1(c, &err);
        ok(!p, "refused: %s", what);
        contains(err ? oih_error_message(err) : NULL, expect, "the message says \"%s\"", expect);
        oih_plan_free(p);
        oih_config_free(c);
}

static void test_wrong_types(void)
{
        char j[1024];
        snprintf(j, sizeof(j), "\"devices\": [\"%s/dev/notdev\"]", H);
        wrong_type("a regular file as a device", j, "is a regular file on the host, expected a device node");
        snprintf(j, sizeof(j), "\"binaries\": [\"%s/etc\"]", H);
        wrong_type("a folder as a binary", j, "is a folder on the host, expected a regular file");
        snprintf(j, sizeof(j), "\"directories\": [\"%s/etc/conf\"]", H);
        wrong_type("a file as a folder", j, "expected a folder");
        snprintf(j, sizeof(j), "\"mounts\": [{\"source\": \"%s/dev/null0\", \"destination\": \"/x\"}]", H);
        wrong_type("a device as a mount source", j, "list device nodes under \"devices\"");
        snprintf(j, sizeof(j), "\"devices\": [{\"path\": \"%s/dev/null0\", \"major\": 1, \"minor\": 5}]", H);
        wrong_type("a device with another number than the config names", j,
                   "is device 1:3 on the host, not the 1:5");
}

static void test_globs_and_optional(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c =
                config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s/dev/*\"]}", H);
        struct oih_plan *p = plan1(c, &err);
        ok(p && p->n == 2, "a device glob plans the two devices and skips the regular file quietly");
        ok(p && p->n == 2 && strcmp(p->ops[0].target, p->ops[1].target) < 0, "in name order");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s/dev/nothing*\"]}", H);
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan1(c, &e2);
        ok(!p, "a glob that matches nothing is an error");
        contains(e2 ? oih_error_message(e2) : NULL, "matches nothing on this host", "saying so");
        oih_config_free(c);

        c = config("/c/glob.json",
                   "{\"activation_flag\": \"A\", \"devices\": [{\"path\": \"%s/dev/nothing*\", "
                   "\"optional\": true}]}",
                   H);
        p = plan1(c, NULL);
        ok(p && p->n == 0, "unless it is optional");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/missing.json",
                   "{\"activation_flag\": \"A\", \"binaries\": [\"%s/bin/tool\", \"%s/bin/missing\"]}", H,
                   H);
        _cleanup_error_ oih_error *e3 = NULL;
        p = plan1(c, &e3);
        ok(!p, "a missing host path is an error");
        char expect[600];
        snprintf(expect, sizeof(expect), "/c/missing.json: binaries[1] \"%s/bin/missing\": not on this host",
                 H);
        contains(e3 ? oih_error_message(e3) : NULL, expect, "naming the config file and the path");
        oih_config_free(c);

        c = config(
                "/c/missing.json",
                "{\"activation_flag\": \"A\", \"binaries\": [\"%s/bin/tool\", {\"path\": \"%s/bin/missing\","
                " \"optional\": true}]}",
                H, H);
        p = plan1(c, NULL);
        ok(p && p->n == 1, "a missing optional entry is dropped, the others stay");
        oih_plan_free(p);
        oih_config_free(c);
}

static void test_duplicates(void)
{
        struct oih_config *a = config("/c/a.json",
                                      "{\"activation_flag\": \"A\", \"binaries\": [\"%s/bin/tool\"],"
                                      " \"libraries\": [\"%s/lib/libfoo.so.1\"], \"modules\": [\"fuse\"]}",
                                      H, H);
        struct oih_config *b = config("/c/b.json",
                                      "{\"activation_flag\": \"A\", \"binaries\": [\"%s/bin/tool\"],"
                                      " \"libraries\": [\"%s/lib/libfoo.so\"], \"modules\": [\"fuse\"]}",
                                      H, H);
        struct oih_config *both[] = { a, b };
        _cleanup_error_ oih_error *err = NULL;
        struct oih_plan *p = plan(both, 2, &err);
        size_t binds = 0, modules = 0, links = 0;
        for (size_t i = 0; p && i < p->n; i++) {
                binds += p->ops[i].type == OIH_OP_BIND;
                modules += p->ops[i].type == OIH_OP_MODULE;
                links += p->ops[i].type == OIH_OP_SYMLINK;
        }
        ok(p && binds == 2 && modules == 1 && links == 2,
           "the same things from two configs are planned once (shared chain links too)");
        ok(p && strv_length(p->configs) == 2, "both configs are listed");
        oih_plan_free(p);

        char t[512];
        snprintf(t, sizeof(t), "%s/bin/tool", H);
        struct oih_config *c =
                config("/c/c.json",
                       "{\"activation_flag\": \"A\", \"binaries\": [{\"path\": \"%s/bin/other\","
                       " \"container_path\": \"%s\"}]}",
                       H, t);
        struct oih_config *conflict[] = { a, c };
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan(conflict, 2, &e2);
        ok(!p, "the same destination from two sources is an error");
        contains(e2 ? oih_error_message(e2) : NULL, "\"/c/a.json\" and \"/c/c.json\" both inject",
                 "naming both files");
        oih_config_free(a);
        oih_config_free(b);
        oih_config_free(c);
}

static void test_print(void)
{
        struct oih_config *c = config("/c/print.json",
                                      "{\"activation_flag\": \"A\", \"devices\": [\"%s/dev/null0\"],"
                                      " \"libraries\": [\"%s/lib/libfoo.so.1\"]}",
                                      H, H);
        struct oih_plan *p = plan1(c, NULL);
        char *text = NULL, *json = NULL, expect[600];
        size_t l1 = 0, l2 = 0;
        FILE *f = open_memstream(&text, &l1);
        ok(p && oih_plan_print(p, false, f) == 0, "the plan prints as text");
        fclose(f);
        snprintf(expect, sizeof(expect), "device %s/dev/null0 %s/dev/null0 c 1:3 0666\n", H, H);
        contains(text, expect, "a device line: operation, host path, container path, type and major:minor");
        snprintf(expect, sizeof(expect),
                 "bind %s/lib/libfoo.so.1.2.3 %s/lib/libfoo.so.1.2.3 ro,nosuid,nodev\n", H, H);
        contains(text, expect, "a bind line with its options");
        snprintf(expect, sizeof(expect), "symlink libfoo.so.1.2.3 %s/lib/libfoo.so.1\n", H);
        contains(text, expect, "a symlink line with its text");
        is_int(text ? (long long)(strchr(text, 0) - text) > 0 : 0, 1, "some text");
        int lines = 0;
        for (char *s = text; s && *s; s++)
                lines += *s == '\n';
        is_int(lines, (long long)(p ? p->n : 0), "one line per operation");

        f = open_memstream(&json, &l2);
        ok(p && oih_plan_print(p, true, f) == 0, "the plan prints as JSON");
        fclose(f);
        _cleanup_json_ oih_json *doc = NULL;
        ok(json && oih_json_parse(json, strlen(json), &doc, NULL) == 0, "and the JSON parses back");
        const oih_json *ops = oih_json_object_get(doc, "operations");
        const oih_json *dev = oih_json_array_at(ops, 0);
        int64_t major_number = -1, minor_number = -1;
        ok(streq_ptr(oih_json_string(oih_json_object_get(dev, "op")), "device") &&
                   streq_ptr(oih_json_string(oih_json_object_get(dev, "type")), "c") &&
                   oih_json_integer(oih_json_object_get(dev, "major"), &major_number) && major_number == 1 &&
                   oih_json_integer(oih_json_object_get(dev, "minor"), &minor_number) && minor_number == 3 &&
                   streq_ptr(oih_json_string(oih_json_object_get(dev, "config")), "/c/print.json"),
           "the device operation in JSON: op, type, major, minor, config");
        is_int(oih_json_length(ops), (long long)(p ? p->n : 0), "every operation is there");
        free(text);
        free(json);
        oih_plan_free(p);
        oih_config_free(c);

        struct oih_plan *empty = NULL;
        text = json = NULL;
        oih_plan_new(&empty);
        f = open_memstream(&text, &l1);
        oih_plan_print(empty, false, f);
        fclose(f);
        is_str(text, "", "an empty plan prints nothing as text");
        f = open_memstream(&json, &l2);
        oih_plan_print(empty, true, f);
        fclose(f);
        _cleanup_json_ oih_json *e = NULL;
        ok(json && oih_json_parse(json, strlen(json), &e, NULL) == 0 &&
                   oih_json_length(oih_json_object_get(e, "operations")) == 0 &&
                   oih_json_type_of(oih_json_object_get(e, "configs")) == OIH_JSON_ARRAY,
           "and an empty JSON plan as JSON");
        free(text);
        free(json);
        oih_plan_free(empty);
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (mknod of test device nodes)");
        setup();
        test_library_chain();
        test_kinds();
        test_wrong_types();
        test_globs_and_optional();
        test_duplicates();
        test_print();
        tmpdir_remove(H);
        return tap_finish();
}
