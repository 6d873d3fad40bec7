/* SPDX-License-Identifier: Apache-2.0 */
/* Planning from the host's facts, on a temporary host folder: chains, globs, devices, duplicates. */
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>

#include "json.h"
#include "log.h"
#include "mount-options.h"
#include "plan.h"
#include "tap.h"

static char *H; /* the temporary "host" */

/* H + "/" + rel, in one of a few rotating buffers so that several can be used in one call. */
static const char *at(const char *rel)
{
        static char bufs[8][512];
        static unsigned next;
        char *b = bufs[next++ % ELEMENTSOF(bufs)];
        snprintf(b, sizeof(bufs[0]), "%s/%s", H, rel);
        return b;
}

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

static const char *message(const oih_error *err)
{
        return err ? oih_error_message(err) : NULL;
}

static const struct oih_op *find(const struct oih_plan *p, enum oih_op_type type, const char *target)
{
        for (size_t i = 0; p && i < p->n; i++)
                if (p->ops[i].type == type && streq_ptr(p->ops[i].target, target))
                        return &p->ops[i];
        return NULL;
}

static size_t count(const struct oih_plan *p, enum oih_op_type type)
{
        size_t n = 0;
        for (size_t i = 0; p && i < p->n; i++)
                n += p->ops[i].type == type;
        return n;
}

/* The plan's ld cache step, or NULL when it has none. */
static const struct oih_ld_step *ldcache(const struct oih_plan *p)
{
        return p && p->ld.dirs ? &p->ld : NULL;
}

/* What plan prints as the operation's source: a host path, a link's text, a module's name. */
static const char *source(const struct oih_op *o)
{
        return o ? oih_op_source(o) : NULL;
}

/* What plan prints after the target ("ro,nosuid,nodev", "c 1:3 0666"), in one of a few rotating buffers. */
static const char *detail(const struct oih_op *o)
{
        static char bufs[4][128];
        static unsigned next;
        if (!o || !OP_VTABLE(o)->detail)
                return NULL;
        char *b = bufs[next++ % ELEMENTSOF(bufs)];
        _cleanup_free_ char *d = OP_VTABLE(o)->detail(o);
        snprintf(b, sizeof(bufs[0]), "%s", d ?: "");
        return b;
}

static void setup(void)
{
        H = tmpdir_new();
        if (mkdir(at("lib"), 0755) < 0 || mkdir(at("lib2"), 0755) < 0 || mkdir(at("bin"), 0755) < 0 ||
            mkdir(at("etc"), 0750) < 0 || mkdir(at("dev"), 0755) < 0 || mkdir(at("empty"), 0755) < 0)
                tap_bail("mkdir");
        free(write_file(H, "lib/libfoo.so.1.2.3", "ELF", 0644));
        free(write_file(H, "lib2/libbar.so.2", "ELF", 0644));
        if (symlink("libfoo.so.1.2.3", at("lib/libfoo.so.1")) < 0 ||
            symlink("libfoo.so.1", at("lib/libfoo.so")) < 0 ||
            symlink(at("lib2/libbar.so.2"), at("lib/libabs.so")) < 0 ||
            symlink("../lib2/libbar.so.2", at("lib/librel.so")) < 0 ||
            symlink("loop2", at("lib/loop1")) < 0 || symlink("loop1", at("lib/loop2")) < 0 ||
            symlink("nowhere.so", at("lib/dangling.so")) < 0)
                tap_bail("symlink");
        free(write_file(H, "bin/tool", "#!/bin/sh\n", 0755));
        free(write_file(H, "bin/other", "#!/bin/sh\n", 0755));
        free(write_file(H, "etc/conf", "x=1\n", 0640));
        /* mknod applies the umask: set the modes afterwards. */
        if (mknod(at("dev/null0"), S_IFCHR, makedev(1, 3)) < 0 || chmod(at("dev/null0"), 0666) < 0 ||
            mknod(at("dev/blk0"), S_IFBLK, makedev(7, 0)) < 0 || chmod(at("dev/blk0"), 0660) < 0)
                tap_bail("mknod");
        free(write_file(H, "dev/notdev", "", 0644));
}

static void test_library_chain(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config("/c/lib.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                                      at("lib/libfoo.so"));
        struct oih_plan *p = plan1(c, &err);
        ok(p != NULL, "a two-link chain plans (%s)", message(err) ?: "ok");
        is_int(p ? p->n : 0, 3, "three operations: the real file and two links");
        is_int(count(p, OIH_OP_BIND), 1, "one bind");
        is_int(count(p, OIH_OP_SYMLINK), 2, "two symlinks");
        const struct oih_op *b = find(p, OIH_OP_BIND, at("lib/libfoo.so.1.2.3"));
        ok(b != NULL, "the real file is bound where it is on the host");
        is_str(source(b), at("lib/libfoo.so.1.2.3"), "from that host path");
        is_str(detail(b), "ro,nosuid,nodev", "read-only");
        ok(b && S_ISREG(b->bind.host.mode), "a regular file");
        ok(b && b->kind == OIH_KIND_LIBRARY, "listed as a library");
        is_str(b ? b->config : NULL, "/c/lib.json", "of its config");
        const struct oih_op *l1 = find(p, OIH_OP_SYMLINK, at("lib/libfoo.so"));
        const struct oih_op *l2 = find(p, OIH_OP_SYMLINK, at("lib/libfoo.so.1"));
        is_str(source(l1), "libfoo.so.1", "libfoo.so links to libfoo.so.1, as on the host");
        is_str(source(l2), "libfoo.so.1.2.3", "libfoo.so.1 links to libfoo.so.1.2.3");
        const struct oih_ld_step *ld = ldcache(p);
        ok(ld != NULL, "the plan has an ld cache step");
        is_int(ld ? strv_length(ld->dirs) : 0, 1, "with one folder");
        is_str(ld ? ld->dirs[0] : NULL, at("lib"), "the library's");
        oih_plan_free(p);
        oih_config_free(c);

        /* With a container_path, the chain moves along into that folder. */
        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s\", "
                   "\"container_path\": \"/opt/x/lib/libfoo.so\"}]}",
                   at("lib/libfoo.so"));
        p = plan1(c, NULL);
        is_int(p ? p->n : 0, 3, "the same three operations");
        b = find(p, OIH_OP_BIND, "/opt/x/lib/libfoo.so.1.2.3");
        is_str(source(b), at("lib/libfoo.so.1.2.3"), "the real file goes next to the container_path");
        l1 = find(p, OIH_OP_SYMLINK, "/opt/x/lib/libfoo.so");
        l2 = find(p, OIH_OP_SYMLINK, "/opt/x/lib/libfoo.so.1");
        is_str(source(l1), "libfoo.so.1", "and so does the first link, with the same text");
        is_str(source(l2), "libfoo.so.1.2.3", "and the second");
        ld = ldcache(p);
        is_int(ld ? strv_length(ld->dirs) : 0, 1, "the ld cache searches one folder");
        is_str(ld ? ld->dirs[0] : NULL, "/opt/x/lib", "the container's");
        oih_plan_free(p);
        oih_config_free(c);

        /* An absolute link keeps its text; its target goes where the text says. */
        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s\", "
                   "\"container_path\": \"/usr/lib/libabs.so\"}]}",
                   at("lib/libabs.so"));
        p = plan1(c, NULL);
        const struct oih_op *abs = find(p, OIH_OP_SYMLINK, "/usr/lib/libabs.so");
        is_int(p ? p->n : 0, 2, "an absolute link: the link and the file");
        is_str(source(abs), at("lib2/libbar.so.2"), "the link keeps its text");
        b = find(p, OIH_OP_BIND, at("lib2/libbar.so.2"));
        is_str(source(b), at("lib2/libbar.so.2"), "and its target is bound at that same path");
        ld = ldcache(p);
        is_int(ld ? strv_length(ld->dirs) : 0, 2, "the ld cache searches two folders");
        ok(ld && strv_contains(ld->dirs, "/usr/lib"), "the link's");
        ok(ld && strv_contains(ld->dirs, at("lib2")), "and the file's");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s\", "
                   "\"container_path\": \"/usr/lib64/librel.so\"}]}",
                   at("lib/librel.so"));
        p = plan1(c, NULL);
        abs = find(p, OIH_OP_SYMLINK, "/usr/lib64/librel.so");
        is_str(source(abs), "../lib2/libbar.so.2", "a ../ link keeps its text");
        ok(find(p, OIH_OP_BIND, "/usr/lib2/libbar.so.2"), "and is followed on the container side too");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s\", "
                   "\"container_path\": \"/librel.so\"}]}",
                   at("lib/librel.so"));
        p = plan1(c, NULL);
        ok(find(p, OIH_OP_BIND, "/lib2/libbar.so.2") != NULL,
           "a ../ link is clamped at the container's root");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/loop.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}", at("lib/loop1"));
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan1(c, &e2);
        ok(!p && e2 && e2->code == ELOOP, "a loop of symlinks is an error (ELOOP)");
        char expect[600];
        snprintf(expect, sizeof(expect), "/c/loop.json: libraries[0] \"%s\": more than 40 symbolic links",
                 at("lib/loop1"));
        contains(message(e2), expect, "naming the config, the entry and the path");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/dangling.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                   at("lib/dangling.so"));
        _cleanup_error_ oih_error *e3 = NULL;
        p = plan1(c, &e3);
        ok(!p && e3 && e3->code == ENOENT, "a dangling chain is a missing library");
        snprintf(expect, sizeof(expect), "\"%s\": not on this host", at("lib/nowhere.so"));
        contains(message(e3), expect, "the message names where the chain ends");
        oih_config_free(c);

        c = config("/c/dir.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}", at("lib2"));
        _cleanup_error_ oih_error *e4 = NULL;
        p = plan1(c, &e4);
        ok(!p, "a folder listed as a library is refused");
        contains(message(e4), "is a folder, not a library file", "saying what it is");
        oih_config_free(c);
}

static void test_kinds(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config("/c/kinds.json",
                                      "{\"activation_flag\": \"A\", \"devices\": [\"%s\"],"
                                      " \"binaries\": [\"%s\"], \"directories\": [\"%s\"],"
                                      " \"miscellaneous\": [\"%s\"],"
                                      " \"mounts\": [{\"source\": \"%s\", \"destination\": \"/hostetc\","
                                      " \"options\": [\"ro\"]}], \"modules\": [\"fuse\"]}",
                                      at("dev/null0"), at("bin/tool"), at("etc"), at("etc/conf"), at("etc"));
        struct oih_plan *p = plan1(c, &err);
        ok(p != NULL, "every kind plans (%s)", message(err) ?: "ok");
        is_int(p ? p->n : 0, 6, "one operation each");

        const struct oih_op *o = find(p, OIH_OP_BIND, at("bin/tool"));
        is_str(source(o), at("bin/tool"), "a binary is bound from its host path");
        is_str(detail(o), "ro,nosuid,nodev", "read-only");
        o = find(p, OIH_OP_MKDIR, at("etc"));
        ok(o && o->mkdir.mode == (S_IFDIR | 0755),
           "a folder is made with mode 0755, whatever the host's (0750)");
        o = find(p, OIH_OP_COPY, at("etc/conf"));
        ok(o && S_ISREG(o->copy.host.mode), "a miscellaneous file is copied, a regular file");
        ok(o && (o->copy.host.mode & 07777) == 0640, "with its mode");
        o = find(p, OIH_OP_MOUNT, "/hostetc");
        is_str(source(o), at("etc"), "a mount from its source");
        ok(o && o->mount.flags == (OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY), "with its options");
        o = find(p, OIH_OP_DEVICE, at("dev/null0"));
        ok(o && S_ISCHR(o->device.host.mode), "a device node with its type");
        ok(o && o->device.rdev == makedev(1, 3), "its number");
        ok(o && (o->device.host.mode & 07777) == 0666, "and its mode");
        ok(p && p->ops[0].type == OIH_OP_MODULE, "a module first");
        is_str(p ? source(&p->ops[0]) : NULL, "fuse", "by its name");
        ok(p && !p->ops[0].target, "without a target");

        static const enum oih_op_type order[] = { OIH_OP_MODULE, OIH_OP_MKDIR, OIH_OP_MOUNT,
                                                  OIH_OP_DEVICE, OIH_OP_BIND,  OIH_OP_COPY };
        bool ordered = p && p->n == ELEMENTSOF(order);
        for (size_t i = 0; ordered && i < p->n; i++)
                ordered = p->ops[i].type == order[i];
        ok(ordered, "ordered by type: module, mkdir, mount, device, bind, copy (listed in another order)");
        ok(!ldcache(p), "no ld cache step without libraries");
        ok(p && strv_length(p->configs) == 1 && streq(p->configs[0], "/c/kinds.json"),
           "the plan lists its config");
        oih_plan_free(p);
        oih_config_free(c);

        /* Every type at once, from two configs. */
        struct oih_config *a =
                config("/c/a.json",
                       "{\"activation_flag\": \"A\", \"inject\": \"copy\", \"binaries\": [\"%s\"],"
                       " \"libraries\": [\"%s\"], \"devices\": [\"%s\"]}",
                       at("bin/other"), at("lib/libfoo.so"), at("dev/blk0"));
        struct oih_config *b = config("/c/b.json",
                                      "{\"activation_flag\": \"A\", \"binaries\": [\"%s\"],"
                                      " \"mounts\": [{\"source\": \"%s\", \"destination\": \"/m\"}],"
                                      " \"directories\": [\"%s\"], \"modules\": [\"kvm\"]}",
                                      at("bin/tool"), at("bin"), at("lib2"));
        struct oih_config *both[] = { a, b };
        p = plan(both, 2, &err);
        static const enum oih_op_type all[] = { OIH_OP_MODULE,  OIH_OP_MKDIR, OIH_OP_MOUNT,
                                                OIH_OP_DEVICE,  OIH_OP_BIND,  OIH_OP_SYMLINK,
                                                OIH_OP_SYMLINK, OIH_OP_COPY,  OIH_OP_COPY };
        ordered = p && p->n == ELEMENTSOF(all);
        for (size_t i = 0; ordered && i < p->n; i++)
                ordered = p->ops[i].type == all[i];
        ok(ordered, "module, mkdir, mount, device, bind, symlink, copy, across configs");
        ok(ldcache(p) != NULL, "then the ld cache step");
        ok(p && p->n > 7 && p->ops[7].type == OIH_OP_COPY, "the copies last");
        is_str(p && p->n > 7 ? p->ops[7].target : NULL, at("bin/other"),
               "within a type, the order of the configs");
        oih_plan_free(p);
        oih_config_free(a);
        oih_config_free(b);

        c = config("/c/copy.json",
                   "{\"activation_flag\": \"A\", \"inject\": \"copy\", \"binaries\": [\"%s\"],"
                   " \"libraries\": [\"%s\"]}",
                   at("bin/tool"), at("lib/libfoo.so.1"));
        p = plan1(c, NULL);
        ok(find(p, OIH_OP_COPY, at("bin/tool")), "inject: copy turns binaries into copies");
        ok(find(p, OIH_OP_COPY, at("lib/libfoo.so.1.2.3")), "and libraries");
        is_int(count(p, OIH_OP_BIND), 0, "nothing is bound");
        ok(find(p, OIH_OP_SYMLINK, at("lib/libfoo.so.1")), "links stay");
        ok(ldcache(p), "and so does the ld cache step");
        oih_plan_free(p);
        oih_config_free(c);
}

static void test_devices(void)
{
        struct stat st;
        /* /dev/loop0 is block 7:0 wherever the loop driver is loaded; else the node made in setup. */
        const char *loop = stat("/dev/loop0", &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 0)
                                   ? "/dev/loop0"
                                   : at("dev/blk0");
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c =
                config("/c/dev.json", "{\"activation_flag\": \"A\", \"devices\": [\"null\", \"%s\"]}", loop);
        struct oih_plan *p = plan1(c, &err);
        ok(p != NULL, "devices plan (%s)", message(err) ?: "ok");
        is_int(p ? p->n : 0, 2, "two of them");
        const struct oih_op *o = find(p, OIH_OP_DEVICE, "/dev/null");
        is_str(source(o), "/dev/null", "\"null\" is /dev/null");
        ok(o && S_ISCHR(o->device.host.mode), "a character device");
        ok(o && o->device.rdev == makedev(1, 3), "1:3");
        ok(o && o->kind == OIH_KIND_DEVICE, "listed as a device");
        o = find(p, OIH_OP_DEVICE, loop);
        ok(o && S_ISBLK(o->device.host.mode), "%s: a block device", loop);
        ok(o && o->device.rdev == makedev(7, 0), "7:0");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/dev.json",
                   "{\"activation_flag\": \"A\", \"devices\": [{\"path\": \"/dev/null\", \"major\": 1, "
                   "\"minor\": 3},"
                   " {\"path\": \"%s\", \"container_path\": \"/dev/mynull\"}]}",
                   at("dev/null0"));
        p = plan1(c, NULL);
        o = find(p, OIH_OP_DEVICE, "/dev/mynull");
        is_int(p ? p->n : 0, 2, "two devices");
        ok(find(p, OIH_OP_DEVICE, "/dev/null"), "the number the config names matches");
        is_str(source(o), at("dev/null0"), "a device can go to another container path");
        oih_plan_free(p);
        oih_config_free(c);
}

static void wrong_type(const char *what, const char *json, const char *expect)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c = config("/c/wrong.json", "{\"activation_flag\": \"A\", %s}", json);
        struct oih_plan *p = plan1(c, &err);
        ok(!p && err, "refused: %s", what);
        contains(message(err), expect, "the message says \"%s\"", expect);
        oih_plan_free(p);
        oih_config_free(c);
}

static void test_wrong_types(void)
{
        char j[1024], e[1024];
        snprintf(j, sizeof(j), "\"devices\": [\"%s\"]", at("dev/notdev"));
        snprintf(e, sizeof(e),
                 "/c/wrong.json: devices[0] \"%s\": is a regular file on the host, expected a device node",
                 at("dev/notdev"));
        wrong_type("a regular file as a device", j, e);
        snprintf(j, sizeof(j), "\"devices\": [\"%s\"]", at("etc"));
        wrong_type("a folder as a device", j, "is a folder on the host, expected a device node");
        snprintf(j, sizeof(j), "\"binaries\": [\"%s\"]", at("etc"));
        wrong_type("a folder as a binary", j, "is a folder on the host, expected a regular file");
        snprintf(j, sizeof(j), "\"binaries\": [\"/dev/null\"]");
        wrong_type("a device as a binary", j, "is a character device on the host, expected a regular file");
        snprintf(j, sizeof(j), "\"miscellaneous\": [\"%s\"]", at("bin"));
        wrong_type("a folder as a miscellaneous file", j,
                   "is a folder on the host, expected a regular file");
        snprintf(j, sizeof(j), "\"mounts\": [{\"source\": \"%s\", \"destination\": \"/x\"}]",
                 at("dev/null0"));
        wrong_type("a device as a mount source", j, "list device nodes under \"devices\"");
        snprintf(j, sizeof(j), "\"devices\": [{\"path\": \"%s\", \"major\": 1, \"minor\": 5}]",
                 at("dev/null0"));
        wrong_type("a device with another number than the config names", j,
                   "is device 1:3 on the host, not the 1:5 the config names");
        snprintf(j, sizeof(j), "\"devices\": [{\"path\": \"%s\", \"major\": 4}]", at("dev/null0"));
        wrong_type("a device with another major", j, "is device 1:3 on the host, not the 4:*");
}

static void test_globs_and_optional(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_config *c =
                config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s\"]}", at("dev/*"));
        struct oih_plan *p = plan1(c, &err);
        is_int(p ? p->n : 0, 2, "a device glob plans two operations (%s)", message(err) ?: "ok");
        ok(find(p, OIH_OP_DEVICE, at("dev/null0")), "one device");
        ok(find(p, OIH_OP_DEVICE, at("dev/blk0")), "the other, the regular file skipped quietly");
        ok(p && p->n == 2 && strcmp(p->ops[0].target, p->ops[1].target) < 0, "in name order");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s\"]}", at("dev/not*"));
        _cleanup_error_ oih_error *e1 = NULL;
        p = plan1(c, &e1);
        ok(!p && e1 && e1->code == ENOENT, "a device glob that matches only a regular file is an error");
        contains(message(e1), "matches no file of the right type on this host", "saying so");
        oih_config_free(c);

        c = config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s\"]}",
                   at("dev/nothing*"));
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan1(c, &e2);
        ok(!p && e2 && e2->code == ENOENT, "a glob that matches nothing is an error");
        char expect[600];
        snprintf(expect, sizeof(expect), "/c/glob.json: devices[0] \"%s\": matches nothing on this host",
                 at("dev/nothing*"));
        contains(message(e2), expect, "naming the config and the pattern");
        oih_config_free(c);

        c = config("/c/glob.json",
                   "{\"activation_flag\": \"A\", \"devices\": [{\"path\": \"%s\", \"optional\": true}]}",
                   at("dev/nothing*"));
        p = plan1(c, NULL);
        ok(p && p->n == 0, "unless it is optional: then nothing is planned");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/glob.json", "{\"activation_flag\": \"A\", \"binaries\": [\"%s\"]}", at("bin/*"));
        p = plan1(c, NULL);
        is_int(p ? p->n : 0, 2, "a glob of binaries: two operations");
        ok(find(p, OIH_OP_BIND, at("bin/other")), "one binary");
        ok(find(p, OIH_OP_BIND, at("bin/tool")), "the other");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/missing.json", "{\"activation_flag\": \"A\", \"binaries\": [\"%s\", \"%s\"]}",
                   at("bin/tool"), at("bin/missing"));
        _cleanup_error_ oih_error *e3 = NULL;
        p = plan1(c, &e3);
        ok(!p && e3 && e3->code == ENOENT, "a missing host path is an error");
        snprintf(expect, sizeof(expect),
                 "/c/missing.json: binaries[1] \"%s\": not on this host (No such file", at("bin/missing"));
        contains(message(e3), expect, "naming the config file and the path");
        oih_config_free(c);

        c = config("/c/missing.json", "{\"activation_flag\": \"A\", \"miscellaneous\": [\"%s\"]}",
                   at("bin/tool/below"));
        _cleanup_error_ oih_error *e4 = NULL;
        p = plan1(c, &e4);
        ok(!p && e4 && e4->code == ENOTDIR, "a path below a file is missing too");
        contains(message(e4), "not on this host", "and said so");
        oih_config_free(c);

        c = config("/c/missing.json",
                   "{\"activation_flag\": \"A\", \"binaries\": [\"%s\", {\"path\": \"%s\", \"optional\": "
                   "true}],"
                   " \"directories\": [{\"path\": \"%s\", \"optional\": true}],"
                   " \"mounts\": [{\"source\": \"%s\", \"destination\": \"/m\", \"optional\": true}]}",
                   at("bin/tool"), at("bin/missing"), at("nodir"), at("nosock"));
        p = plan1(c, NULL);
        is_int(p ? p->n : 0, 2, "missing optional entries are dropped without an operation");
        ok(find(p, OIH_OP_BIND, at("bin/tool")), "the others stay");
        ok(!find(p, OIH_OP_BIND, at("bin/missing")), "the missing binary is not bound");
        ok(find(p, OIH_OP_MKDIR, at("nodir")),
           "a folder is made in the container whether the host has it or not");
        is_str(source(find(p, OIH_OP_MKDIR, at("nodir"))), "-", "without a source");
        oih_plan_free(p);
        oih_config_free(c);
}

/* The error of planning c as an unprivileged user (nobody), or "" when it plans: a child that drops root. */
static char *plan_as_nobody(struct oih_config *c, int *ret_code)
{
        int fds[2];
        if (pipe(fds) < 0)
                tap_bail("pipe");
        pid_t pid = fork();
        if (pid < 0)
                tap_bail("fork");
        if (pid == 0) {
                close(fds[0]);
                _cleanup_error_ oih_error *e = NULL;
                if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                    setresuid(65534, 65534, 65534) < 0)
                        _exit(2);
                struct oih_plan *p = plan1(c, &e);
                oih_plan_free(p);
                int code = e ? e->code : 0;
                const char *m = e ? oih_error_message(e) : "";
                if (write(fds[1], &code, sizeof(code)) != sizeof(code) || write(fds[1], m, strlen(m)) < 0)
                        _exit(3);
                _exit(0);
        }
        close(fds[1]);
        static char buf[4096];
        size_t len = 0;
        ssize_t n;
        *ret_code = -1;
        if (read(fds[0], ret_code, sizeof(*ret_code)) != sizeof(*ret_code))
                *ret_code = -1;
        while ((n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = 0;
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        return buf;
}

/* A glob that matches nothing because a folder cannot be read says so, not "matches nothing". */
static void test_glob_unreadable(void)
{
        char expect[1024];
        int code;

        if (mkdir(at("locked"), 0700) < 0 || chmod(H, 0711) < 0)
                tap_bail("mkdir");
        free(write_file(H, "locked/libhidden.so.1", "ELF", 0644));

        struct oih_config *c =
                config("/c/locked.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                       at("locked/*.so*"));
        const char *m = plan_as_nobody(c, &code);
        is_int(code, EACCES, "a glob over a folder the hook cannot read is an error of its own");
        snprintf(
                expect, sizeof(expect),
                "/c/locked.json: libraries[0] \"%s\": matches nothing the hook can read: cannot read \"%s\" (Permission denied)",
                at("locked/*.so*"), at("locked"));
        contains(m, expect, "naming the folder and why");
        contains(m, "let the user the runtime runs the hook as read it", "and what to do");
        oih_config_free(c);

        c = config("/c/locked.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"%s\", \"optional\": true}]}",
                   at("locked/*.so*"));
        m = plan_as_nobody(c, &code);
        is_int(code, 0, "an optional entry is dropped (with a warning)");
        oih_config_free(c);

        c = config("/c/locked.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                   at("nothing/*.so*"));
        m = plan_as_nobody(c, &code);
        is_int(code, ENOENT, "a folder that is not there is no read error");
        contains(m, "matches nothing on this host;", "it matches nothing");
        oih_config_free(c);

        if (chmod(H, 0700) < 0)
                tap_bail("chmod");
}

static void test_duplicates(void)
{
        struct oih_config *a =
                config("/c/a.json", "{\"activation_flag\": \"A\", \"binaries\": [\"%s\"]}", at("bin/tool"));
        struct oih_config *b =
                config("/c/b.json", "{\"activation_flag\": \"A\", \"binaries\": [\"%s\"]}", at("bin/tool"));
        struct oih_config *both[] = { a, b };
        _cleanup_error_ oih_error *err = NULL;
        struct oih_plan *p = plan(both, 2, &err);
        is_int(p ? p->n : 0, 1, "two configs asking for the same file give one operation");
        is_int(count(p, OIH_OP_BIND), 1, "a bind");
        ok(p && streq(p->ops[0].config, "/c/a.json"), "the first one keeps it");
        ok(p && strv_length(p->configs) == 2, "both configs are listed");
        oih_plan_free(p);

        struct oih_config *la =
                config("/c/la.json",
                       "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"], \"modules\": [\"fuse\"],"
                       " \"directories\": [\"%s\"], \"devices\": [\"/dev/null\"]}",
                       at("lib/libfoo.so.1"), at("etc"));
        struct oih_config *lb =
                config("/c/lb.json",
                       "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"], \"modules\": [\"fuse\"],"
                       " \"directories\": [\"%s\"], \"devices\": [\"/dev/null\"]}",
                       at("lib/libfoo.so"), at("etc"));
        struct oih_config *libs[] = { la, lb };
        p = plan(libs, 2, NULL);
        is_int(count(p, OIH_OP_BIND), 1, "a shared library is bound once");
        is_int(count(p, OIH_OP_SYMLINK), 2, "shared chain links are planned once");
        is_int(count(p, OIH_OP_MODULE), 1, "modules");
        is_int(count(p, OIH_OP_MKDIR), 1, "folders");
        is_int(count(p, OIH_OP_DEVICE), 1, "devices");
        is_int(p && ldcache(p) ? strv_length(ldcache(p)->dirs) : 0, 1,
               "the ld cache searches their folder once");
        oih_plan_free(p);

        /* A glob whose matches another config already planned still matched something. */
        struct oih_config *g = config("/c/glob.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s\"]}",
                                      at("dev/null*"));
        struct oih_config *d = config("/c/null.json", "{\"activation_flag\": \"A\", \"devices\": [\"%s\"]}",
                                      at("dev/null0"));
        struct oih_config *glob_after[] = { d, g };
        _cleanup_error_ oih_error *e1 = NULL;
        p = plan(glob_after, 2, &e1);
        ok(p != NULL, "a glob matching only what another config planned is not an error (%s)",
           message(e1) ?: "ok");
        is_int(p ? p->n : 0, 1, "one operation");
        oih_plan_free(p);

        char t[512];
        snprintf(t, sizeof(t), "%s", at("bin/tool"));
        struct oih_config *c = config("/c/c.json",
                                      "{\"activation_flag\": \"A\", \"binaries\": [{\"path\": \"%s\","
                                      " \"container_path\": \"%s\"}]}",
                                      at("bin/other"), t);
        struct oih_config *conflict[] = { a, c };
        _cleanup_error_ oih_error *e2 = NULL;
        p = plan(conflict, 2, &e2);
        ok(!p && e2 && e2->code == EEXIST, "the same destination from two sources is an error");
        char expect[1024];
        snprintf(expect, sizeof(expect),
                 "\"/c/a.json\" and \"/c/c.json\" both inject \"%s\", from \"%s\" (bind) and \"%s\" (bind)",
                 t, at("bin/tool"), at("bin/other"));
        contains(message(e2), expect, "naming both files and both sources");

        struct oih_config *dev = config("/c/dev.json",
                                        "{\"activation_flag\": \"A\", \"devices\": [{\"path\": \"%s\","
                                        " \"container_path\": \"%s\"}]}",
                                        at("dev/null0"), t);
        struct oih_config *kinds[] = { a, dev };
        _cleanup_error_ oih_error *e3 = NULL;
        p = plan(kinds, 2, &e3);
        ok(!p, "a device and a file onto the same destination are an error");
        contains(message(e3), "(bind) and", "naming what each would do");

        oih_config_free(a);
        oih_config_free(b);
        oih_config_free(c);
        oih_config_free(d);
        oih_config_free(g);
        oih_config_free(la);
        oih_config_free(lb);
        oih_config_free(dev);
}

static char *print(const struct oih_plan *p, bool json)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                tap_bail("open_memstream");
        if (oih_plan_print(p, json, f) < 0)
                tap_bail("oih_plan_print");
        fclose(f);
        return text;
}

static const char *json_string(const oih_json *o, const char *key)
{
        return oih_json_string(oih_json_object_get(o, key));
}

static void test_print(void)
{
        struct oih_config *c =
                config("/c/print.json",
                       "{\"activation_flag\": \"A\", \"devices\": [\"/dev/null\"],"
                       " \"libraries\": [\"%s\"], \"modules\": [\"fuse\"],"
                       " \"mounts\": [{\"source\": \"%s\", \"destination\": \"/m\", \"options\": \"ro\"}]}",
                       at("lib/libfoo.so.1"), at("etc"));
        struct oih_plan *p = plan1(c, NULL);
        is_int(p ? p->n : 0, 5, "a plan of five operations");
        ok(ldcache(p), "and an ld cache step");
        _cleanup_free_ char *text = print(p, false);
        char expect[2048];
        snprintf(expect, sizeof(expect),
                 "module fuse -\n"
                 "mount %s /m ro,nosuid,nodev,rbind\n"
                 "device /dev/null /dev/null c 1:3 0666\n"
                 "bind %s %s ro,nosuid,nodev\n"
                 "symlink libfoo.so.1.2.3 %s\n"
                 "ldcache - %s\n",
                 at("etc"), at("lib/libfoo.so.1.2.3"), at("lib/libfoo.so.1.2.3"), at("lib/libfoo.so.1"),
                 at("lib"));
        is_str(text, expect,
               "one line per operation: its name, source, target and details; then the ld cache step");

        _cleanup_free_ char *json = print(p, true);
        _cleanup_json_ oih_json *doc = NULL;
        _cleanup_error_ oih_error *err = NULL;
        ok(json && oih_json_parse(json, strlen(json), &doc, &err) == 0, "the JSON plan parses back (%s)",
           message(err) ?: "ok");
        const oih_json *configs = oih_json_object_get(doc, "configs");
        is_int(oih_json_length(configs), 1, "\"configs\" lists one config");
        is_str(oih_json_string(oih_json_array_at(configs, 0)), "/c/print.json", "the plan's");
        const oih_json *ops = oih_json_object_get(doc, "operations");
        is_int(oih_json_length(ops), 5, "every operation is there");

        const oih_json *o = oih_json_array_at(ops, 0);
        is_str(json_string(o, "op"), "module", "module: its op");
        is_str(json_string(o, "source"), "fuse", "module: its source");
        ok(!oih_json_object_get(o, "destination"), "module: no destination");
        ok(!oih_json_object_get(o, "kind"), "module: no kind");
        o = oih_json_array_at(ops, 2);
        int64_t major_number = -1, minor_number = -1;
        is_str(json_string(o, "op"), "device", "device: its op");
        is_str(json_string(o, "type"), "c", "device: type");
        ok(oih_json_integer(oih_json_object_get(o, "major"), &major_number) && major_number == 1,
           "device: major");
        ok(oih_json_integer(oih_json_object_get(o, "minor"), &minor_number) && minor_number == 3,
           "device: minor");
        is_str(json_string(o, "mode"), "0666", "device: mode");
        is_str(json_string(o, "source"), "/dev/null", "device: source");
        is_str(json_string(o, "destination"), "/dev/null", "device: destination");
        is_str(json_string(o, "kind"), "devices", "device: kind");
        is_str(json_string(o, "config"), "/c/print.json", "device: config");
        o = oih_json_array_at(ops, 3);
        is_str(json_string(o, "op"), "bind", "bind: its op");
        is_str(json_string(o, "options"), "ro,nosuid,nodev", "bind: options");
        is_str(json_string(o, "kind"), "libraries", "bind: kind");
        o = oih_json_array_at(ops, 4);
        is_str(json_string(o, "op"), "symlink", "symlink: its op");
        is_str(json_string(o, "link"), "libfoo.so.1.2.3", "symlink: the link text as \"link\"");
        is_str(json_string(o, "destination"), at("lib/libfoo.so.1"), "symlink: destination");
        const oih_json *ld = oih_json_object_get(doc, "ldcache");
        const oih_json *dirs = oih_json_object_get(ld, "dirs");
        ok(oih_json_type_of(ld) == OIH_JSON_OBJECT, "the ld cache step: \"ldcache\" beside the operations");
        is_int(oih_json_length(dirs), 1, "ldcache: one folder");
        is_str(oih_json_string(oih_json_array_at(dirs, 0)), at("lib"), "ldcache: the library's");
        oih_plan_free(p);
        oih_config_free(c);

        struct oih_plan *empty = NULL;
        ok(oih_plan_new(&empty) == 0, "an empty plan");
        is_int(empty ? empty->n : 1, 0, "has no operation");
        ok(empty && !empty->configs, "no config");
        ok(empty && !ldcache(empty), "no ld cache step");
        _cleanup_free_ char *etext = print(empty, false);
        is_str(etext, "", "prints nothing as text");
        _cleanup_free_ char *ejson = print(empty, true);
        _cleanup_json_ oih_json *e = NULL;
        ok(ejson && oih_json_parse(ejson, strlen(ejson), &e, NULL) == 0, "its JSON parses");
        is_int(oih_json_length(e), 2, "as {\"configs\": [], \"operations\": []}: two keys");
        ok(oih_json_type_of(oih_json_object_get(e, "configs")) == OIH_JSON_ARRAY, "\"configs\", a list");
        is_int(oih_json_length(oih_json_object_get(e, "configs")), 0, "empty");
        ok(oih_json_type_of(oih_json_object_get(e, "operations")) == OIH_JSON_ARRAY,
           "\"operations\", a list");
        is_int(oih_json_length(oih_json_object_get(e, "operations")), 0, "empty");
        oih_plan_free(empty);
}

/* Globs skip the matches that are not what the entry asks for, of every kind. */
static void test_glob_consistency(void)
{
        _cleanup_error_ oih_error *e1 = NULL, *e2 = NULL, *e3 = NULL;

        struct oih_config *c = config(
                "/c/numbered-glob.json",
                "{\"activation_flag\": \"A\", \"devices\": [{\"path\": \"%s/dev/*\", \"major\": 1}]}", H);
        struct oih_plan *p = plan1(c, &e1);
        char null0[512];
        snprintf(null0, sizeof(null0), "%s/dev/null0", H);
        is_int(p ? p->n : 0, 1, "a device glob with a major plans one device (%s)", message(e1) ?: "ok");
        ok(find(p, OIH_OP_DEVICE, null0), "the one with that major, the others skipped");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/lib-glob.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s/lib/*\"]}", H);
        p = plan1(c, &e2);
        ok(p != NULL, "a library glob over dangling links and loops skips them (%s)", message(e2) ?: "ok");
        ok(p && count(p, OIH_OP_BIND) == 2, "and binds the two real libraries the others lead to");
        oih_plan_free(p);
        oih_config_free(c);

        /* A folder to make and a folder mounted at the same place: one mount, no conflict. */
        c = config("/c/dir-and-mount.json",
                   "{\"activation_flag\": \"A\", \"directories\": [{\"path\": \"%s/etc\", "
                   "\"container_path\": \"/x\"}],"
                   " \"mounts\": [{\"source\": \"%s/lib\", \"destination\": \"/x\"}]}",
                   H, H);
        p = plan1(c, &e3);
        is_int(p ? p->n : 0, 1, "a folder and a mount at one place are one operation (%s)",
               message(e3) ?: "ok");
        ok(find(p, OIH_OP_MOUNT, "/x"), "the mount");
        oih_plan_free(p);
        oih_config_free(c);
}

static void copy_to(const char *from, const char *to)
{
        _cleanup_free_ char *cmd = NULL;
        if (asprintf(&cmd, "cp '%s' '%s'", from, to) < 0 || system(cmd) != 0)
                tap_bail(to);
}

/* What ldconfig would do, planned: soname links the configs did not make, and the ld cache's entries. */
static void test_ld_entries(void)
{
        const char *libinjtest = getenv("OIH_TEST_LIBINJTEST");
        if (!libinjtest) {
                ok(false, "OIH_TEST_LIBINJTEST names the test library");
                return;
        }
        if (mkdir(at("lib3"), 0755) < 0)
                tap_bail("mkdir");
        copy_to(libinjtest, at("lib3/libinjtest.so.1.2.3"));
        copy_to(libinjtest, at("lib3/libinjtest.so.1.10.0"));
        copy_to(libinjtest, at("lib3/notalib.so.1"));

        struct oih_config *c = config("/c/ld.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                                      at("lib3/libinjtest.so.1.2.3"));
        struct oih_plan *p = plan1(c, NULL);
        const struct oih_op *b = find(p, OIH_OP_BIND, at("lib3/libinjtest.so.1.2.3"));
        is_str(b ? b->bind.library.soname : NULL, "libinjtest.so.1",
               "a library's soname is read from its ELF file");
        is_int(b ? b->bind.library.ld_flags : 0, 0x0303, "and its ld.so flags");
        const struct oih_op *l = find(p, OIH_OP_SYMLINK, at("lib3/libinjtest.so.1"));
        is_str(source(l), "libinjtest.so.1.2.3",
               "named by its file, it gets the soname link ldconfig would make");
        is_str(l ? l->config : NULL, "/c/ld.json", "of the library's config");
        const struct oih_ld_step *ld = ldcache(p);
        ok(ld && ld->merge, "the ld cache step merges");
        is_int(ld ? ld->n_entries : 0, 1, "one entry");
        is_str(ld && ld->n_entries ? ld->entries[0].soname : NULL, "libinjtest.so.1", "its soname");
        is_str(ld && ld->n_entries ? ld->entries[0].path : NULL, at("lib3/libinjtest.so.1"),
               "its soname link");
        is_int(ld && ld->n_entries ? ld->entries[0].flags : 0, 0x0303, "its flags");
        _cleanup_free_ char *json = print(p, true);
        _cleanup_json_ oih_json *j = NULL;
        const oih_json *o = json && oih_json_parse(json, strlen(json), &j, NULL) == 0
                                    ? oih_json_object_get(j, "ldcache")
                                    : NULL;
        const oih_json *entry = oih_json_array_at(oih_json_object_get(o, "entries"), 0);
        bool merge = false;
        ok(oih_json_boolean(oih_json_object_get(o, "merge"), &merge) && merge,
           "plan --json shows the merge");
        is_str(json_string(entry, "soname"), "libinjtest.so.1", "its entry's soname");
        is_str(json_string(entry, "path"), at("lib3/libinjtest.so.1"), "its entry's path");
        oih_plan_free(p);
        oih_config_free(c);

        /* Two versions with one soname in one folder: the link goes to the newest, as ldconfig's does; one
         * entry. A file ldconfig would not list (not lib*.so*) gets no entry. */
        c = config("/c/ld.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\", \"%s\", \"%s\"]}",
                   at("lib3/libinjtest.so.1.10.0"), at("lib3/libinjtest.so.1.2.3"), at("lib3/notalib.so.1"));
        p = plan1(c, NULL);
        l = find(p, OIH_OP_SYMLINK, at("lib3/libinjtest.so.1"));
        is_str(source(l), "libinjtest.so.1.10.0", "the soname link goes to the newest version");
        ld = ldcache(p);
        ok(ld && ld->merge, "the ld cache step merges");
        is_int(ld ? ld->n_entries : 0, 1, "one entry for the two, none for notalib.so.1");
        oih_plan_free(p);
        oih_config_free(c);

        /* A library named by its soname link: the config's link, no second one. */
        if (symlink("libinjtest.so.1.2.3", at("lib3/libinjtest.so.1")) < 0)
                tap_bail("symlink");
        c = config("/c/ld.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\"]}",
                   at("lib3/libinjtest.so.1"));
        p = plan1(c, NULL);
        is_int(count(p, OIH_OP_SYMLINK), 1, "named by its soname link: one link");
        is_int(count(p, OIH_OP_BIND), 1, "one bind");
        ld = ldcache(p);
        ok(ld && ld->merge, "the ld cache step merges");
        is_int(ld ? ld->n_entries : 0, 1, "one entry");
        is_str(ld && ld->n_entries ? ld->entries[0].path : NULL, at("lib3/libinjtest.so.1"), "at the link");
        oih_plan_free(p);
        oih_config_free(c);

        /* One library the hook cannot describe (not ELF): ldconfig refreshes the cache, nothing is merged.
         */
        c = config("/c/ld.json", "{\"activation_flag\": \"A\", \"libraries\": [\"%s\", \"%s\"]}",
                   at("lib3/libinjtest.so.1.2.3"), at("lib/libfoo.so.1.2.3"));
        p = plan1(c, NULL);
        ld = ldcache(p);
        ok(ld && !ld->merge, "with a library that is no ELF file, the ld cache is ldconfig's to refresh");
        is_int(ld ? ld->n_entries : 1, 0, "nothing to merge");
        is_int(ld ? strv_length(ld->dirs) : 0, 2, "in both folders");
        b = find(p, OIH_OP_BIND, at("lib/libfoo.so.1.2.3"));
        ok(b && !b->bind.library.soname, "that library has no soname in the plan");
        is_int(b ? b->bind.library.ld_flags : 1, 0, "nor flags");
        oih_plan_free(p);
        oih_config_free(c);

        /* The ldcache entry point (CDI): the runtime bound the library; its chain's link and the file are
         * given, and the ld cache step is planned by oih_plan_ld_step() as for hook mode. */
        int fd = open(at("lib3/libinjtest.so.1.2.3"), O_RDONLY | O_CLOEXEC);
        struct oih_ld_library present = { .config = "ldcache", .target = "/opt/x/libinjtest.so.1.2.3" };
        struct oih_op link = {
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup("ldcache"),
                .target = strdup("/opt/x/libinjtest.so.1"),
                .symlink.text = strdup("libinjtest.so.1.2.3"),
        };
        p = NULL;
        ok(fd >= 0 && oih_library_facts_read(fd, -1, present.target, &present.facts) == 0,
           "the facts of a library in place are read from its file");
        ok(oih_plan_new(&p) == 0 && oih_plan_add_op(p, &link, NULL) == 0,
           "its link, planned for the ldcache entry point");
        ok(oih_plan_ld_step(p, &present, 1, NULL) == 0, "and the ld cache step, with the library in place");
        ld = ldcache(p);
        ok(ld && ld->merge, "the step merges, as hook mode plans it");
        is_int(ld ? ld->n_entries : 0, 1, "one entry");
        is_str(ld && ld->n_entries ? ld->entries[0].soname : NULL, "libinjtest.so.1", "its soname");
        is_str(ld && ld->n_entries ? ld->entries[0].path : NULL, "/opt/x/libinjtest.so.1", "its path");
        ok(ld && strv_contains(ld->dirs, "/opt/x"), "its folder");
        is_int(p ? p->n : 0, 1, "the library itself is no operation: the runtime put it there");
        oih_library_facts_done(&present.facts);
        oih_plan_free(p);
        if (fd >= 0)
                close(fd);

        /* Two libraries in place, one at the other's soname link (the file ld.so finds by that soname): no
         * link is planned there, and both are merged, as hook mode plans two such binds. */
        fd = open(at("lib3/libinjtest.so.1.2.3"), O_RDONLY | O_CLOEXEC);
        struct oih_ld_library two[] = {
                { .config = "ldcache", .target = "/opt/z/libinjtest.so.1" },
                { .config = "ldcache", .target = "/opt/z/libinjtest.so.1.2.3" },
        };
        p = NULL;
        ok(fd >= 0 && oih_library_facts_read(fd, -1, two[0].target, &two[0].facts) == 0 &&
                   oih_library_facts_read(fd, -1, two[1].target, &two[1].facts) == 0,
           "two libraries in place, one at the other's soname link");
        ok(oih_plan_new(&p) == 0 && oih_plan_ld_step(p, two, 2, NULL) == 0, "their ld cache step plans");
        ld = ldcache(p);
        is_int(p ? p->n : 1, 0, "no link over the library in place");
        ok(ld && ld->merge, "the step merges");
        is_int(ld ? ld->n_entries : 0, 1, "one entry, of their one soname");
        oih_library_facts_done(&two[0].facts);
        oih_library_facts_done(&two[1].facts);
        oih_plan_free(p);
        if (fd >= 0)
                close(fd);

        p = NULL;
        link = (struct oih_op){
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup("ldcache"),
                .target = strdup("/opt/x/libinjtest.so.1"),
                .symlink.text = strdup("libinjtest.so.1.2.3"),
        };
        ok(oih_plan_new(&p) == 0 && oih_plan_add_op(p, &link, NULL) == 0 &&
                   oih_plan_ld_step(p, NULL, 0, NULL) == 0,
           "links without a library (a spec written before --library) plan");
        ok(ldcache(p) && !ldcache(p)->merge, "nothing to merge: ldconfig runs");
        oih_plan_free(p);

        /* Folders alone: the step searches them, with ldconfig. */
        p = NULL;
        char *folders[] = { (char *)"/opt/y", NULL };
        ok(oih_plan_new(&p) == 0 && oih_plan_ld_step(p, NULL, 0, folders) == 0, "folders alone plan");
        ok(ldcache(p) && strv_contains(ldcache(p)->dirs, "/opt/y"), "the step searches them");
        ok(ldcache(p) && !ldcache(p)->merge, "with ldconfig");
        oih_plan_free(p);

        /* Forty libraries named by their files, each in a folder of its own: forty soname links are added
         * while the step reads the libraries, and the operations move as they grow. */
        char many[8192] = "{\"activation_flag\": \"A\", \"libraries\": [";
        size_t used = strlen(many);
        for (int i = 0; i < 40; i++) {
                char dir[64], file[96];
                snprintf(dir, sizeof(dir), "lib4/%02d", i);
                snprintf(file, sizeof(file), "%s/libinjtest.so.1.2.3", dir);
                if (mkdir(at("lib4"), 0755) < 0 && errno != EEXIST)
                        tap_bail("mkdir");
                if (mkdir(at(dir), 0755) < 0)
                        tap_bail("mkdir");
                copy_to(libinjtest, at(file));
                used += (size_t)snprintf(many + used, sizeof(many) - used, "%s\"%s\"", i ? ", " : "",
                                         at(file));
        }
        snprintf(many + used, sizeof(many) - used, "]}");
        c = config("/c/ld.json", "%s", many);
        p = plan1(c, NULL);
        ld = ldcache(p);
        is_int(count(p, OIH_OP_SYMLINK), 40, "forty libraries in forty folders: forty soname links");
        ok(ld && ld->merge, "the ld cache step merges");
        is_int(ld ? ld->n_entries : 0, 40, "forty entries");
        bool flags_kept = ld != NULL;
        for (size_t i = 0; ld && i < ld->n_entries; i++)
                flags_kept = flags_kept && ld->entries[i].flags == 0x0303;
        ok(flags_kept, "each with the flags of its library");
        oih_plan_free(p);
        oih_config_free(c);

        /* A file listed as a binary first and as a library too (Solarflare's configs list a library
         * among the binaries): one bind, and it is a library to the ld cache. */
        c = config("/c/ld.json",
                   "{\"activation_flag\": \"A\", \"binaries\": [\"%s\"], \"libraries\": [\"%s\"]}",
                   at("lib3/libinjtest.so.1.2.3"), at("lib3/libinjtest.so.1.2.3"));
        p = plan1(c, NULL);
        b = find(p, OIH_OP_BIND, at("lib3/libinjtest.so.1.2.3"));
        ld = ldcache(p);
        is_int(count(p, OIH_OP_BIND), 1, "a file that is a binary and a library is bound once");
        ok(b && b->kind == OIH_KIND_LIBRARY, "as a library");
        is_str(b ? b->bind.library.soname : NULL, "libinjtest.so.1", "with its soname");
        ok(ld && ld->merge, "the ld cache step merges");
        is_int(ld ? ld->n_entries : 0, 1, "its entry");
        oih_plan_free(p);
        oih_config_free(c);
}

/* plan1 with what it logs at info level and above, captured. */
static struct oih_plan *plan1_logged(struct oih_config *c, oih_error **err, char **ret_log)
{
        struct stderr_capture capture;
        stderr_capture_start(&capture);
        oih_log_setup(OIH_LOG_INFO, OIH_LOG_STDERR);
        struct oih_plan *p = plan1(c, err);
        oih_log_setup(OIH_LOG_WARNING, OIH_LOG_STDERR);
        *ret_log = stderr_capture_end(&capture);
        return p;
}

/*
 * Bare names: a library by its soname, in the host's ld cache (here one the host's ldconfig made for a
 * folder of the test's, read through the test hook), a program by its name in the fixed host PATH.
 */
static void test_bare_names(const char *libinjtest)
{
        const char *ldconfig =
                access("/sbin/ldconfig.real", X_OK) == 0 ? "/sbin/ldconfig.real" : "/sbin/ldconfig";
        _cleanup_free_ char *cmd = NULL, *text = NULL, *log = NULL;
        _cleanup_error_ oih_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;

        if (mkdir(at("bare"), 0755) < 0)
                tap_bail("mkdir");
        copy_to(libinjtest, at("bare/libinjtest.so.1.2.3"));
        if (symlink("libinjtest.so.1.2.3", at("bare/libinjtest.so.1")) < 0)
                tap_bail("symlink");
        free(write_file(H, "bare/empty.conf", "", 0644));
        /* -X: the links are the test's; the folder's libraries join the host's trusted folders' ones. */
        if (asprintf(&cmd, "%s -X -f %s -C %s %s", ldconfig, at("bare/empty.conf"), at("bare/ld.so.cache"),
                     at("bare")) < 0 ||
            system(cmd) != 0)
                tap_bail(cmd);
        oih_plan_host_ldso_cache_for_tests(at("bare/ld.so.cache"));

        struct oih_config *c =
                config("/c/bare.json", "{\"activation_flag\": \"A\", \"libraries\": [\"libinjtest.so.1\"],"
                                       " \"binaries\": [\"sh\"]}");
        struct oih_plan *p = plan1(c, &e1);
        const struct oih_op *link = find(p, OIH_OP_SYMLINK, at("bare/libinjtest.so.1"));
        const struct oih_op *lib = find(p, OIH_OP_BIND, at("bare/libinjtest.so.1.2.3"));
        ok(link != NULL, "\"libinjtest.so.1\" is found where the host's ld cache has it (%s)",
           message(e1) ?: "ok");
        is_str(source(lib), at("bare/libinjtest.so.1.2.3"), "and its chain followed");
        is_str(link ? link->lookup : NULL, "libinjtest.so.1",
               "the entry's first operation says which name found it");
        ok(lib && !lib->lookup, "the others do not");
        const struct oih_op *sh = find(p, OIH_OP_BIND, "/usr/bin/sh");
        is_str(source(sh), "/usr/bin/sh",
               "\"sh\" is found in " OIH_PROGRAM_PATH ", and goes to the same path");
        is_str(sh ? sh->lookup : NULL, "sh", "by that name");
        FILE *f = open_memstream(&text, &(size_t){ 0 });
        if (!f || oih_plan_print(p, false, f) < 0 || fclose(f) != 0)
                tap_bail("print");
        contains(text, "(libinjtest.so.1, found in the host's ld cache)",
                 "plan says where a library was found");
        contains(text, "/usr/bin/sh ro,nosuid,nodev (sh, found in the host's PATH)", "and a program");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/bare.json",
                   "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"libinjtest.so.1\","
                   " \"container_path\": \"/usr/lib64/libinjtest.so.1\"}]}");
        p = plan1(c, NULL);
        link = find(p, OIH_OP_SYMLINK, "/usr/lib64/libinjtest.so.1");
        is_str(source(link), "libinjtest.so.1.2.3", "with a container_path, the link goes there");
        ok(find(p, OIH_OP_BIND, "/usr/lib64/libinjtest.so.1.2.3"), "and so does the library");
        ok(ldcache(p) && strv_contains(ldcache(p)->dirs, "/usr/lib64"), "the ld cache searches that folder");
        oih_plan_free(p);
        oih_config_free(c);

        c = config("/c/bare.json", "{\"activation_flag\": \"A\", \"libraries\": [\"libinjnone.so.9\"]}");
        p = plan1(c, &e2);
        ok(!p && e2 && e2->code == ENOENT, "a soname the host's ld cache lacks is an error");
        contains(message(e2), "/c/bare.json: libraries[0] \"libinjnone.so.9\": not in the host's ld cache",
                 "that names the entry and the cache");
        oih_config_free(c);

        c = config("/c/bare.json", "{\"activation_flag\": \"A\", \"binaries\": [\"oih-no-such-tool\"]}");
        p = plan1(c, &e3);
        ok(!p && e3 && e3->code == ENOENT, "a program the host's PATH lacks is an error");
        contains(message(e3), "not in " OIH_PROGRAM_PATH " on this host", "that names the PATH");
        oih_config_free(c);

        /* Devices served, every library missing and dropped: the container would lack its driver. */
        c = config("/c/gpu.json",
                   "{\"activation_flag\": \"A\", \"devices\": [\"%s\"], \"libraries\": [{\"path\":"
                   " \"libinjnone.so.9\", \"optional\": true}, {\"path\": \"%s\", \"optional\": true}],"
                   " \"binaries\": [{\"path\": \"oih-no-such-tool\", \"optional\": true}]}",
                   at("dev/null0"), at("lib/nothere.so.1"));
        p = plan1_logged(c, &e4, &log);
        ok(p && p->n == 1 && find(p, OIH_OP_DEVICE, at("dev/null0")),
           "optional bare names that are not found are dropped (%s)", message(e4) ?: "ok");
        contains(log,
                 "libraries[0] \"libinjnone.so.9\" is not in the host's ld cache, skipping the optional "
                 "entry",
                 "each said so at info level");
        contains(log,
                 "warning: /c/gpu.json: none of its libraries is on this host (each was skipped as "
                 "optional), "
                 "but its devices are injected",
                 "and a config with devices and none of its libraries is a warning");
        oih_plan_free(p);
        oih_config_free(c);
        free(TAKE_PTR(log));

        c = config("/c/gpu.json",
                   "{\"activation_flag\": \"A\", \"devices\": [\"%s\"], \"libraries\": [{\"path\":"
                   " \"libinjnone.so.9\", \"optional\": true}, \"libinjtest.so.1\"]}",
                   at("dev/null0"));
        p = plan1_logged(c, NULL, &log);
        ok(p && !strstr(log, "none of its libraries"), "one library found: no warning");
        oih_plan_free(p);
        oih_config_free(c);
        free(TAKE_PTR(log));

        oih_plan_host_ldso_cache_for_tests(at("bare/no-such.cache"));
        c = config("/c/bare.json", "{\"activation_flag\": \"A\", \"libraries\": [{\"path\": \"libc.so.6\","
                                   " \"optional\": true}]}");
        p = plan1(c, NULL);
        ok(p && p->n == 0,
           "a host without an ld cache has no library by its soname: an optional one is dropped");
        oih_plan_free(p);
        oih_config_free(c);
        oih_plan_host_ldso_cache_for_tests(NULL);
}

/* Every type's table entry is whole: what each part of the hook asks of a type, it has. */
static void test_vtables(void)
{
        const char *missing[6] = {};
        for (enum oih_op_type t = 0; t < _OIH_OP_MAX; t++) {
                const struct oih_op_vtable *vt = oih_op_vtable(t);
                if (!vt) {
                        missing[0] = "an entry";
                        continue;
                }
                if (!vt->name)
                        missing[1] = "a name";
                if (!vt->same)
                        missing[2] = vt->name;
                if (vt->source && !vt->source_key)
                        missing[3] = vt->name;
                if (vt->cdi_form == OIH_CDI_LEFT_OUT ? !vt->cdi_left_out : !vt->cdi_write)
                        missing[4] = vt->name;
                if (!vt->apply && t != OIH_OP_MODULE)
                        missing[5] = vt->name;
        }
        ok(!missing[0], "every type has an entry in the table");
        ok(!missing[1], "and a name");
        ok(!missing[2], "same(), for a second config's operation at its place (%s)", missing[2] ?: "all");
        ok(!missing[3], "a JSON key for its source (%s)", missing[3] ?: "all");
        ok(!missing[4], "a CDI form, or the line that says why CDI leaves it out (%s)", missing[4] ?: "all");
        ok(!missing[5], "apply(), but modules, which are loaded together before (%s)", missing[5] ?: "all");
        ok(!oih_op_vtable(_OIH_OP_MAX), "and nothing past the last type");
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (mknod of test device nodes)");
        setup();
        test_vtables();
        test_library_chain();
        test_kinds();
        test_devices();
        test_wrong_types();
        test_globs_and_optional();
        test_glob_unreadable();
        test_duplicates();
        test_glob_consistency();
        test_print();
        test_ld_entries();
        if (getenv("OIH_TEST_LIBINJTEST"))
                test_bare_names(getenv("OIH_TEST_LIBINJTEST"));
        tmpdir_remove(H);
        return tap_finish();
}
