/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config parser's insides: what a parsed config holds for the original Go hook's files and for the
 * additions, and how the problems of a file are collected. Every error a config can have, each with its
 * message, is specified by the catalogue of invalid files (tests/catalogue/invalid, checked by
 * test-cases.py through `oci-injector-hook validate` and against the JSON Schema), not here.
 */
#include "config.h"
#include "mount-options.h"
#include "tap.h"

#define FILE_NAME "/etc/oci-injector-hook/t.json"
#define ACT       "\"activation_flag\": \"A\", "

static struct oih_config *parse(const char *text)
{
        struct oih_config *c = NULL;
        if (oih_config_parse(FILE_NAME, text, strlen(text), &c) < 0)
                tap_bail("oih_config_parse");
        return c;
}

static const char *first_problem(const struct oih_config *c)
{
        return c->problems ? c->problems[0] : "no problem";
}

/* The index-th string of a list, or NULL past its end. */
static const char *at(char *const *l, size_t index)
{
        return index < strv_length(l) ? l[index] : NULL;
}

/* The entry of that kind and index; when there is none, a failed assertion and a blank entry, so that the
 * assertions about it fail too rather than crash. */
static const struct oih_entry *entry(const struct oih_config *c, enum oih_kind kind, unsigned index)
{
        static const struct oih_entry none = { .major = -2, .minor = -2 };

        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].kind == kind && c->entries[i].index == index)
                        return &c->entries[i];
        ok(false, "%s[%u] is in the parsed config", oih_kind_key(kind), index);
        return &none;
}

static void test_go_format(void)
{
        struct oih_config *c =
                parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"/dev/foo\"],"
                      " \"binaries\": [\"/usr/bin/runfoo\", \"/usr/bin/foo2\"], \"libraries\": "
                      "[\"/usr/lib64/libfoo.so\"],"
                      " \"directories\": [\"/etc/foo\"], \"miscellaneous\": [\"/etc/foo/config.json\"] }");
        ok(oih_config_is_valid(c), "the original Go hook's format is valid (%s)", first_problem(c));
        is_str(c->file, FILE_NAME, "the config knows its file");
        is_str(c->name, "t.json", "and its name");
        is_str(c->flag.name, "OCI_FOO", "activation_flag \"OCI_FOO\": the name");
        is_str(c->flag.value, NULL, "activation_flag \"OCI_FOO\": no value, presence is enough");
        is_str(c->annotation.name, NULL, "no activation_annotation is made up");
        is_str(c->description, NULL, "no description is made up");
        ok(!c->modules, "no modules are made up");
        is_int(c->n_entries, 6, "six entries");
        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        is_str(e->path, "/dev/foo", "devices[0]: the path");
        ok(!e->glob, "devices[0]: not a glob");
        ok(!e->optional, "devices[0]: not optional");
        is_int(e->major, -1, "devices[0]: any major number");
        is_int(e->minor, -1, "devices[0]: any minor number");
        is_str(entry(c, OIH_KIND_BINARY, 0)->path, "/usr/bin/runfoo", "binaries[0]");
        e = entry(c, OIH_KIND_BINARY, 1);
        is_str(e->path, "/usr/bin/foo2", "binaries[1]");
        is_int(e->index, 1, "binaries[1] knows its index");
        is_str(entry(c, OIH_KIND_LIBRARY, 0)->path, "/usr/lib64/libfoo.so", "libraries");
        is_str(entry(c, OIH_KIND_DIRECTORY, 0)->path, "/etc/foo", "directories");
        is_str(entry(c, OIH_KIND_MISCELLANEOUS, 0)->path, "/etc/foo/config.json", "miscellaneous");
        is_str(entry(c, OIH_KIND_BINARY, 0)->container_path, NULL, "the container path is the host path");
        is_int(c->inject, OIH_INJECT_BIND, "inject defaults to bind");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [], \"binaries\": [] }");
        ok(oih_config_is_valid(c), "empty lists are valid (%s)", first_problem(c));
        is_int(c->n_entries, 0, "empty lists give no entries");
        oih_config_free(c);
}

static void test_additions(void)
{
        struct oih_config *c = parse(
                "{ \"description\": \"solarflare onload\", \"activation_flag\": \"OCI_ONLOAD=yes\","
                " \"activation_annotation\": \"example.com/onload=true\", \"modules\": [\"onload\", "
                "\"sfc_char\"],"
                " \"devices\": [\"onload\", \"/dev/dri/*\", {\"path\": \"/dev/sfc_char\", \"major\": 240,"
                " \"minor\": 0, \"optional\": true}, \"nvidia[0-9]\"],"
                " \"binaries\": [{\"path\": \"/opt/bin/tool\", \"container_path\": \"/usr/bin/tool\","
                " \"optional\": false}, {\"path\": \"//usr///bin/x/\"}],"
                " \"mounts\": [{\"source\": \"/tmp/.X11-unix\", \"destination\": \"/tmp/.X11-unix\","
                " \"options\": [\"ro\"]},"
                " {\"source\": \"/run/x\", \"destination\": \"/run/y\", \"options\": \"ro,nosuid\"},"
                " {\"source\": \"/run/w\", \"destination\": \"/run/w\", \"options\": \"bind,noexec,suid\"},"
                " {\"source\": \"/run/z\", \"destination\": \"/run/z\", \"optional\": true}],"
                " \"inject\": \"copy\" }");
        ok(oih_config_is_valid(c), "the additions are valid (%s)", first_problem(c));
        is_str(c->description, "solarflare onload", "description");
        is_str(c->flag.name, "OCI_ONLOAD", "activation_flag VAR=value: the name before the first =");
        is_str(c->flag.value, "yes", "activation_flag VAR=value: the value after it");
        is_str(c->annotation.name, "example.com/onload", "activation_annotation KEY=VALUE: the key");
        is_str(c->annotation.value, "true", "activation_annotation KEY=VALUE: the value");
        is_int(strv_length(c->modules), 2, "modules: two");
        is_str(at(c->modules, 0), "onload", "modules[0]");
        is_str(at(c->modules, 1), "sfc_char", "modules[1]");

        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        is_str(e->path, "/dev/onload", "a bare device name \"onload\" is /dev/onload");
        ok(!e->glob, "\"onload\" is not a glob");
        e = entry(c, OIH_KIND_DEVICE, 1);
        is_str(e->path, "/dev/dri/*", "devices[1]: \"/dev/dri/*\"");
        ok(e->glob, "\"/dev/dri/*\" is marked as a glob");
        e = entry(c, OIH_KIND_DEVICE, 2);
        is_str(e->path, "/dev/sfc_char", "an object entry: its path");
        ok(e->optional, "an object entry: optional");
        is_int(e->major, 240, "an object entry: major");
        is_int(e->minor, 0, "an object entry: minor");
        ok(!e->glob, "an object entry without a glob character is not a glob");
        e = entry(c, OIH_KIND_DEVICE, 3);
        is_str(e->path, "/dev/nvidia[0-9]", "a bare glob is under /dev");
        ok(e->glob, "a bare glob is a glob");

        e = entry(c, OIH_KIND_BINARY, 0);
        is_str(e->path, "/opt/bin/tool", "an object entry with container_path: its path");
        is_str(e->container_path, "/usr/bin/tool", "an object entry with container_path: container_path");
        ok(!e->optional, "an object entry with optional false is not optional");
        e = entry(c, OIH_KIND_BINARY, 1);
        is_str(e->path, "/usr/bin/x", "repeated and trailing slashes are folded");
        is_str(e->container_path, NULL, "an object entry without container_path has none");

        e = entry(c, OIH_KIND_MOUNT, 0);
        is_str(e->path, "/tmp/.X11-unix", "a mount's source");
        is_str(e->container_path, "/tmp/.X11-unix", "a mount's destination");
        is_int(e->mount_flags, OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY,
               "mounts: options as an array, on top of rbind,nosuid,nodev");
        e = entry(c, OIH_KIND_MOUNT, 1);
        is_int(e->mount_flags, OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY,
               "mounts: options as the string \"ro,nosuid\"");
        e = entry(c, OIH_KIND_MOUNT, 2);
        is_int(e->mount_flags, OIH_MOUNT_NODEV | OIH_MOUNT_NOEXEC,
               "mounts: \"bind\" and \"suid\" clear what the defaults set");
        e = entry(c, OIH_KIND_MOUNT, 3);
        is_int(e->mount_flags, OIH_MOUNT_DEFAULTS, "mounts: no options, the defaults");
        ok(e->optional, "mounts: optional");
        is_int(OIH_MOUNT_DEFAULTS, OIH_MOUNT_RECURSIVE | OIH_MOUNT_NOSUID | OIH_MOUNT_NODEV,
               "the defaults are rbind,nosuid,nodev");
        is_int(c->inject, OIH_INJECT_COPY, "inject: copy");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": \"EMPTY=\", \"inject\": \"bind\" }");
        ok(oih_config_is_valid(c), "VAR= is valid (%s)", first_problem(c));
        is_str(c->flag.value, "", "VAR= means the empty value exactly");
        is_int(c->inject, OIH_INJECT_BIND, "inject: bind");
        oih_config_free(c);
        c = parse("{ \"activation_flag\": \"A=b=c\" }");
        ok(oih_config_is_valid(c), "A=b=c is valid (%s)", first_problem(c));
        is_str(c->flag.name, "A", "only the first = splits: the name");
        is_str(c->flag.value, "b=c", "only the first = splits: the value keeps the others");
        oih_config_free(c);
        c = parse("{ \"activation_annotation\": \"only.key\" }");
        ok(oih_config_is_valid(c), "an annotation key alone is enough to activate (%s)", first_problem(c));
        is_str(c->annotation.name, "only.key", "an annotation key alone: the key");
        is_str(c->annotation.value, NULL, "an annotation key alone: presence is enough");
        is_str(c->flag.name, NULL, "an annotation key alone: no activation_flag");
        oih_config_free(c);
        c = parse("// comments are allowed\n{ \"activation_flag\": \"A\" /* here too */ }");
        ok(oih_config_is_valid(c), "comments are allowed (%s)", first_problem(c));
        oih_config_free(c);
}

/* What the Go hook's viper accepted: keys in any case, one string for a list of one, keys it did not know.
 */
static void test_go_hook_leniency(void)
{
        struct oih_config *c =
                parse("{ \"Activation_Flag\": \"OCI_FOO\", \"DEVICES\": \"/dev/foo\","
                      " \"Binaries\": [{\"Path\": \"/x\", \"Container_Path\": \"/y\", \"OPTIONAL\": true}],"
                      " \"Modules\": \"fuse\", \"Mounts\": [{\"Source\": \"/m\", \"Destination\": \"/n\","
                      " \"Options\": \"ro\"}], \"Devices_\": 1, \"comment\": \"for people\","
                      " \"miscellaneous\": [{\"path\": \"/etc/z\", \"note\": 1}] }");
        ok(oih_config_is_valid(c), "keys in any case, a string for a list and unknown keys: valid (%s)",
           first_problem(c));
        is_str(c->flag.name, "OCI_FOO", "\"Activation_Flag\" is activation_flag");
        is_int(c->n_entries, 4, "four entries");
        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        is_str(e->path, "/dev/foo", "\"DEVICES\": \"/dev/foo\" is a list of one");
        e = entry(c, OIH_KIND_BINARY, 0);
        is_str(e->path, "/x", "\"Path\" of an entry is path");
        is_str(e->container_path, "/y", "\"Container_Path\" of an entry is container_path");
        ok(e->optional, "\"OPTIONAL\" of an entry is optional");
        e = entry(c, OIH_KIND_MOUNT, 0);
        is_str(e->path, "/m", "\"Source\" of a mount is source");
        is_str(e->container_path, "/n", "\"Destination\" of a mount is destination");
        ok(e->mount_flags & OIH_MOUNT_RDONLY, "\"Options\" of a mount is options");
        is_int(strv_length(c->modules), 1, "\"Modules\": \"fuse\" is a list of one");
        is_str(at(c->modules, 0), "fuse", "holding \"fuse\"");
        is_int(strv_length(c->unknown_keys), 3, "three unknown keys are listed");
        ok(startswith(at(c->unknown_keys, 0) ?: "", "unknown key \"Devices_\" (known: "),
           "the first, with what is known there (%s)", at(c->unknown_keys, 0) ?: "none");
        ok(startswith(at(c->unknown_keys, 2) ?: "",
                      "miscellaneous[0]: unknown key \"note\" (known: path, container_path, optional)"),
           "the one in an entry starts with the entry, with what is known there (%s)",
           at(c->unknown_keys, 2) ?: "none");
        is_int(strv_length(c->ignored_keys), 3, "the unknown keys are named, for hook mode's one warning");
        is_str(at(c->ignored_keys, 1), "comment", "a top-level one by its name");
        is_str(at(c->ignored_keys, 2), "miscellaneous[0].note", "one in an entry by its place");
        oih_config_free(c);

        c = parse("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"major\": 1}],"
                  " \"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", \"type\": \"bind\"}] }");
        ok(oih_config_is_valid(c), "major on a binary and type on a mount: valid in hook mode (%s)",
           first_problem(c));
        is_int(strv_length(c->unknown_keys), 2, "major on a binary and type on a mount are unknown keys");
        ok(startswith(at(c->unknown_keys, 0) ?: "", "binaries[0]: unknown key \"major\""),
           "major on a binary (%s)", at(c->unknown_keys, 0) ?: "none");
        is_str(at(c->unknown_keys, 1),
               "mounts[0]: unknown key \"type\" (known: source, destination, options, optional)",
               "type on a mount, with what a mount knows");
        oih_config_free(c);

        c = parse("{ " ACT
                  "\"libraries\": [\"libcuda.so.1\", {\"path\": \"libfoo.so.2\", \"container_path\":"
                  " \"/usr/lib64/libfoo.so.2\", \"optional\": true}], \"binaries\": \"nvidia-smi\","
                  " \"miscellaneous\": [{\"path\": \"/etc/x\"}] }");
        ok(oih_config_is_valid(c), "bare library and program names are valid (%s)", first_problem(c));
        e = entry(c, OIH_KIND_LIBRARY, 0);
        ok(e->bare, "\"libcuda.so.1\" is a bare name, looked up when planning");
        is_str(e->path, "libcuda.so.1", "kept as written");
        is_str(e->container_path, NULL, "without a container_path");
        ok(!e->glob, "and not a glob");
        e = entry(c, OIH_KIND_LIBRARY, 1);
        ok(e->bare, "a bare name in an object entry is bare");
        is_str(e->container_path, "/usr/lib64/libfoo.so.2", "a bare name may have a container_path");
        ok(e->optional, "and be optional");
        e = entry(c, OIH_KIND_BINARY, 0);
        ok(e->bare, "\"nvidia-smi\" is a bare program name");
        is_str(e->path, "nvidia-smi", "kept as written");
        ok(!entry(c, OIH_KIND_MISCELLANEOUS, 0)->bare, "a path is not bare");
        oih_config_free(c);
}

static void test_all_problems(void)
{
        struct oih_config *c = parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"dev/x\", 3],"
                                     " \"binaries\": [\"/x/../y\", {\"path\": \"/z\", \"optional\": 1}],"
                                     " \"mounts\": [{\"source\": \"/m\"}], \"modules\": [\"a/b\"],"
                                     " \"inject\": \"move\", \"nope\": 1 }");
        static const char *const expected[] = {
                "devices[0]: ",
                "devices[1]: ",
                "binaries[0]: ",
                "binaries[1].optional: ",
                "mounts[0]: \"destination\"",
                "modules[0]: ",
                "inject: ",
        };
        is_int(strv_length(c->problems), ELEMENTSOF(expected), "every problem of a file is collected");
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                ok(startswith(at(c->problems, i) ?: "", expected[i]),
                   "problem %zu of the file, in order, names its key: %s (%s)", i + 1, expected[i],
                   at(c->problems, i) ?: "none");
        is_int(strv_length(c->unknown_keys), 1, "and the unknown key apart from them");
        ok(startswith(at(c->unknown_keys, 0) ?: "", "unknown key \"nope\""), "naming it (%s)",
           at(c->unknown_keys, 0) ?: "none");
        ok(!oih_config_is_valid(c), "a config with problems is invalid");
        is_str(c->flag.name, "OCI_FOO", "an invalid config keeps its activation, to tell who asked for it");
        is_str(c->flag.value, NULL, "all of it");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": 1, \"activation_annotation\": \"k=v\", \"devices\": [\"\"] }");
        is_int(strv_length(c->problems), 2, "a broken flag and an empty device: two problems");
        is_str(c->flag.name, NULL, "the broken flag is not kept");
        is_str(c->annotation.name, "k", "a broken flag does not lose the annotation that was fine: its key");
        is_str(c->annotation.value, "v", "and its value");
        oih_config_free(c);

        struct oih_config *broken = NULL;
        is_int(oih_config_new_broken("/etc/x/y.json", strdup("cannot read"), &broken), 0,
               "a broken config can be made for a file that could not be read");
        if (!broken)
                tap_bail("oih_config_new_broken");
        ok(!oih_config_is_valid(broken), "it is invalid");
        is_str(broken->flag.name, NULL, "it has no activation_flag");
        is_str(broken->annotation.name, NULL, "nor activation_annotation");
        is_int(strv_length(broken->problems), 1, "it has one problem");
        is_str(at(broken->problems, 0), "cannot read", "the one it was given");
        is_str(broken->name, "y.json", "it knows its file's name");
        oih_config_free(broken);

        is_str(oih_kind_key(OIH_KIND_MISCELLANEOUS), "miscellaneous", "the key of OIH_KIND_MISCELLANEOUS");
        is_str(oih_kind_key(_OIH_KIND_MAX), "?", "no key past the last kind");
}

/* What messages say is known comes from the tables the parser reads with, in full. */
static void test_known_lists(void)
{
        struct oih_config *c =
                parse("{ " ACT "\"Devices_\": 1, \"devices\": [{\"path\": \"/dev/x\", \"size\": 1}],"
                      " \"binaries\": [{\"path\": \"/x\", \"major\": 1}] }");
        is_int(strv_length(c->unknown_keys), 3, "three unknown keys");
        is_str(c->unknown_keys[0],
               "unknown key \"Devices_\" (known: description, activation_flag, activation_annotation, modules, inject, devices, binaries, libraries, directories, miscellaneous, mounts)",
               "the top level lists its keys and every kind's list");
        is_str(c->unknown_keys[1],
               "devices[0]: unknown key \"size\" (known: path, container_path, optional, major, minor)",
               "a device entry lists the device numbers too");
        is_str(c->unknown_keys[2],
               "binaries[0]: unknown key \"major\" (known: path, container_path, optional)",
               "another entry lists the path keys only");
        oih_config_free(c);

        c = parse("{ " ACT
                  "\"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", \"options\": [\"bogus\"]}] }");
        is_str(first_problem(c),
               "mounts[0].options[0]: \"bogus\" is not a known option (ro, rw, nosuid, suid, nodev, dev, noexec, exec, bind, rbind, noatime, relatime, strictatime, nodiratime, diratime, private, rprivate, slave, rslave)",
               "an unknown mount option is told every known one");
        oih_config_free(c);

        /* Every option the message names is taken. */
        _cleanup_free_ char *known = oih_mount_options_known();
        char *save = NULL;
        unsigned flags = 0, taken = 0, names = 0;
        for (char *o = known ? strtok_r(known, ", ", &save) : NULL; o; o = strtok_r(NULL, ", ", &save)) {
                names++;
                taken += oih_mount_option_apply(o, &flags) == 0;
        }
        is_int(names, 19, "nineteen options are known");
        is_int(taken, names, "each of them is taken");
        is_int(oih_mount_option_apply("shared", &flags), -EPERM, "\"shared\" is refused");
        is_int(oih_mount_option_apply("bogus", &flags), -EINVAL, "\"bogus\" is unknown");
}

/* The plan's and CDI's text of mount flags: "ro" or "rw" first, "rbind" last. */
static void test_flags_text(void)
{
        _cleanup_free_ char *all = oih_mount_flags_to_string(
                OIH_MOUNT_RDONLY | OIH_MOUNT_NOSUID | OIH_MOUNT_NODEV | OIH_MOUNT_NOEXEC |
                OIH_MOUNT_RECURSIVE | OIH_MOUNT_NOATIME | OIH_MOUNT_STRICTATIME | OIH_MOUNT_NODIRATIME);
        _cleanup_free_ char *none = oih_mount_flags_to_string(0);
        _cleanup_free_ char *defaults = oih_mount_flags_to_string(OIH_MOUNT_DEFAULTS);
        is_str(all, "ro,nosuid,nodev,noexec,noatime,strictatime,nodiratime,rbind", "every flag, in order");
        is_str(none, "rw", "no flag is \"rw\"");
        is_str(defaults, "rw,nosuid,nodev,rbind", "the defaults of a mounts entry");
}

int main(void)
{
        test_go_format();
        test_additions();
        test_go_hook_leniency();
        test_all_problems();
        test_known_lists();
        test_flags_text();
        return tap_finish();
}
