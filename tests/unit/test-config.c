/* SPDX-License-Identifier: Apache-2.0 */
/* The config format: the original Go hook's files, the additions, and every malformed form. */
#include "config.h"
#include "mount-options.h"
#include "tap.h"

#define FILE_NAME "/etc/oci-injector-hook/t.json"
#define ACT       "\"activation_flag\": \"A\", "
/* A mount entry, open for more keys. */
#define MOUNT_XY "\"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", "

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

/* The text gives exactly one problem, and it starts with `expect` (the key, then what is wrong). */
static void bad(const char *text, const char *expect, const char *why)
{
        struct oih_config *c = parse(text);
        ok(!oih_config_is_valid(c) && strv_length(c->problems) == 1 && startswith(c->problems[0], expect),
           "invalid: %s (%zu problem(s): \"%s\")", why, strv_length(c->problems), first_problem(c));
        oih_config_free(c);
}

static const struct oih_entry *entry(const struct oih_config *c, enum oih_kind kind, unsigned index)
{
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].kind == kind && c->entries[i].index == index)
                        return &c->entries[i];
        return NULL;
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
        ok(streq_ptr(c->flag.name, "OCI_FOO") && c->flag.value == NULL,
           "activation_flag \"OCI_FOO\": presence");
        ok(!c->annotation.name && !c->description && !c->modules, "nothing else is made up");
        is_int(c->n_entries, 6, "six entries");
        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        ok(e && streq(e->path, "/dev/foo") && !e->glob && !e->optional && e->major == -1 && e->minor == -1,
           "devices: a path, not optional, any number");
        is_str(entry(c, OIH_KIND_BINARY, 0)->path, "/usr/bin/runfoo", "binaries[0]");
        e = entry(c, OIH_KIND_BINARY, 1);
        ok(e && streq(e->path, "/usr/bin/foo2") && e->index == 1, "binaries[1] knows its index");
        is_str(entry(c, OIH_KIND_LIBRARY, 0)->path, "/usr/lib64/libfoo.so", "libraries");
        is_str(entry(c, OIH_KIND_DIRECTORY, 0)->path, "/etc/foo", "directories");
        is_str(entry(c, OIH_KIND_MISCELLANEOUS, 0)->path, "/etc/foo/config.json", "miscellaneous");
        ok(entry(c, OIH_KIND_BINARY, 0)->container_path == NULL, "the container path is the host path");
        is_int(c->inject, OIH_INJECT_BIND, "inject defaults to bind");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [], \"binaries\": [] }");
        ok(oih_config_is_valid(c) && c->n_entries == 0, "empty lists are fine");
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
        ok(streq_ptr(c->flag.name, "OCI_ONLOAD") && streq_ptr(c->flag.value, "yes"),
           "activation_flag VAR=value splits at the first =");
        ok(streq_ptr(c->annotation.name, "example.com/onload") && streq_ptr(c->annotation.value, "true"),
           "activation_annotation KEY=VALUE");
        ok(strv_length(c->modules) == 2 && streq(c->modules[0], "onload") &&
                   streq(c->modules[1], "sfc_char"),
           "modules");

        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        ok(e && streq(e->path, "/dev/onload") && !e->glob, "a bare device name \"onload\" is /dev/onload");
        e = entry(c, OIH_KIND_DEVICE, 1);
        ok(e && streq(e->path, "/dev/dri/*") && e->glob, "\"/dev/dri/*\" is marked as a glob");
        e = entry(c, OIH_KIND_DEVICE, 2);
        ok(e && streq(e->path, "/dev/sfc_char") && e->optional && e->major == 240 && e->minor == 0 &&
                   !e->glob,
           "an object entry with optional, major and minor");
        e = entry(c, OIH_KIND_DEVICE, 3);
        ok(e && streq(e->path, "/dev/nvidia[0-9]") && e->glob, "a bare glob is a glob under /dev");

        e = entry(c, OIH_KIND_BINARY, 0);
        ok(e && streq(e->path, "/opt/bin/tool") && streq_ptr(e->container_path, "/usr/bin/tool") &&
                   !e->optional,
           "an object entry with container_path and optional false");
        e = entry(c, OIH_KIND_BINARY, 1);
        ok(e && streq(e->path, "/usr/bin/x") && !e->container_path,
           "repeated and trailing slashes are folded");

        e = entry(c, OIH_KIND_MOUNT, 0);
        ok(e && streq(e->path, "/tmp/.X11-unix") && streq_ptr(e->container_path, "/tmp/.X11-unix"),
           "a mount's source and destination");
        is_int(e ? e->mount_flags : 0, OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY,
               "mounts: options as an array, on top of rbind,nosuid,nodev");
        e = entry(c, OIH_KIND_MOUNT, 1);
        is_int(e ? e->mount_flags : 0, OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY,
               "mounts: options as the string \"ro,nosuid\"");
        e = entry(c, OIH_KIND_MOUNT, 2);
        is_int(e ? e->mount_flags : 0, OIH_MOUNT_NODEV | OIH_MOUNT_NOEXEC,
               "mounts: \"bind\" and \"suid\" clear what the defaults set");
        e = entry(c, OIH_KIND_MOUNT, 3);
        ok(e && e->mount_flags == OIH_MOUNT_DEFAULTS && e->optional,
           "mounts: no options, the defaults; optional");
        is_int(OIH_MOUNT_DEFAULTS, OIH_MOUNT_RECURSIVE | OIH_MOUNT_NOSUID | OIH_MOUNT_NODEV,
               "the defaults are rbind,nosuid,nodev");
        is_int(c->inject, OIH_INJECT_COPY, "inject: copy");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": \"EMPTY=\", \"inject\": \"bind\" }");
        ok(oih_config_is_valid(c) && streq_ptr(c->flag.value, "") && c->inject == OIH_INJECT_BIND,
           "VAR= means the empty value exactly; inject: bind");
        oih_config_free(c);
        c = parse("{ \"activation_flag\": \"A=b=c\" }");
        ok(oih_config_is_valid(c) && streq_ptr(c->flag.name, "A") && streq_ptr(c->flag.value, "b=c"),
           "only the first = splits");
        oih_config_free(c);
        c = parse("{ \"activation_annotation\": \"only.key\" }");
        ok(oih_config_is_valid(c) && streq_ptr(c->annotation.name, "only.key") &&
                   c->annotation.value == NULL && !c->flag.name,
           "an annotation key alone is presence, and enough to activate");
        oih_config_free(c);
        c = parse("// comments are allowed\n{ \"activation_flag\": \"A\" /* here too */ }");
        ok(oih_config_is_valid(c), "comments are allowed");
        oih_config_free(c);
}

static void test_malformed(void)
{
        bad("{ \"Activation_flag\": \"A\", \"activation_flag\": \"A\" }",
            "\"activation_flag\" is given twice, also as \"Activation_flag\" (keys are matched without "
            "regard "
            "to case)",
            "a key given twice in two cases");
        bad("{ \"activation_flag\": 5 }",
            "activation_flag: expected a string such as \"NAME\" or \"NAME=value\", "
            "got a number",
            "activation_flag a number");
        bad("{ \"activation_flag\": \"=x\" }", "activation_flag: the name before \"=\" is empty",
            "an empty activation name");
        bad("{ \"activation_flag\": \"\" }", "activation_flag: is empty; write \"NAME\" or \"NAME=value\"",
            "an empty activation_flag");
        bad("{ \"activation_annotation\": \"=x\" }", "activation_annotation: the name before \"=\" is empty",
            "an empty annotation name");
        bad("{ \"activation_annotation\": [] }", "activation_annotation: expected a string",
            "annotation an array");
        bad("{ \"devices\": [\"/dev/x\"] }",
            "neither \"activation_flag\" nor \"activation_annotation\" is given", "no activation at all");
        bad("{}", "neither \"activation_flag\" nor \"activation_annotation\"", "an empty object");
        bad("{ " ACT "\"description\": 3 }", "description: expected a string, got a number",
            "description a number");

        bad("{ " ACT "\"devices\": 7 }",
            "devices: expected an array (or one path as a string), got a number", "devices a number");
        bad("{ " ACT "\"libraries\": {} }",
            "libraries: expected an array (or one path as a string), got an object", "libraries an object");
        bad("{ " ACT "\"mounts\": {\"source\": \"/x\", \"destination\": \"/y\"} }",
            "mounts: expected an array, got an object", "mounts one object");
        bad("{ " ACT "\"binaries\": [42] }",
            "binaries[0]: expected a path or an object with \"path\", got a number", "an entry a number");
        bad("{ " ACT "\"miscellaneous\": [null] }", "miscellaneous[0]: expected a path", "an entry null");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"optional\": \"yes\"}] }",
            "binaries[0].optional: expected true or false, got a string", "optional not a boolean");
        bad("{ " ACT "\"binaries\": [{\"path\": 1}] }", "binaries[0].path: expected a string, got a number",
            "path not a string");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": 2}] }",
            "binaries[0].container_path: expected a string", "container_path not a string");
        bad("{ " ACT "\"binaries\": [{\"container_path\": \"/x\"}] }", "binaries[0]: \"path\" is missing",
            "an entry without a path");
        bad("{ " ACT "\"devices\": [{\"path\": \"/dev/x\", \"major\": -1}] }",
            "devices[0].major: expected a device number from 0 to 4294967295", "a negative major");
        bad("{ " ACT "\"devices\": [{\"path\": \"/dev/x\", \"minor\": \"3\"}] }", "devices[0].minor",
            "a minor as a string");

        bad("{ " ACT "\"libraries\": [\"lib/libfoo.so\"] }",
            "libraries[0]: \"lib/libfoo.so\" is not an absolute path", "a relative path");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": \"y\"}] }",
            "binaries[0].container_path: \"y\" is not an absolute path", "a relative container_path");
        bad("{ " ACT "\"libraries\": [\"lib\\n\\u001b[2Jother.json: all good\"] }",
            "libraries[0]: \"lib\\x0a\\x1b[2Jother.json: all good\" has a control character",
            "a newline and an escape sequence from the file are escaped: a problem is one line");
        bad("{ " ACT "\"directories\": [\"/etc/../root\"] }",
            "directories[0]: \"/etc/../root\" has a \"..\" component", "a .. component");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": \"/usr/..\"}] }",
            "binaries[0].container_path: \"/usr/..\" has a \"..\" component",
            "a .. component in container_path");
        bad("{ " ACT "\"devices\": [\"..\"] }", "devices[0]: \"/dev/..\" has a \"..\" component",
            "a bare device name \"..\"");
        bad("{ " ACT "\"miscellaneous\": [\"/etc/./x\"] }",
            "miscellaneous[0]: \"/etc/./x\" has a \".\" component", "a . component");
        bad("{ " ACT "\"miscellaneous\": [\"\"] }", "miscellaneous[0]: \"\" is empty", "an empty string");
        bad("{ " ACT "\"devices\": [\"\"] }", "devices[0]: \"\" is empty", "an empty device name");
        bad("{ " ACT "\"binaries\": [{\"path\": \"\"}] }", "binaries[0]: \"\" is empty", "an empty path");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": \"\"}] }",
            "binaries[0].container_path: \"\" is empty", "an empty container_path");

        bad("{ " ACT "\"devices\": [{\"path\": \"/dev/dri/*\", \"container_path\": \"/dev/x\"}] }",
            "devices[0]: a glob (\"/dev/dri/*\") matches several files and cannot have one container_path",
            "a glob with a container_path");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": \"/\"}] }",
            "binaries[0].container_path: cannot inject onto the container's root \"/\"",
            "container_path \"/\"");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"container_path\": \"//\"}] }",
            "binaries[0].container_path: cannot inject onto the container's root", "container_path \"//\"");
        bad("{ " ACT "\"directories\": [\"/\"] }", "directories[0]: \"/\" is the container's root",
            "a folder \"/\"");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/\"}] }",
            "binaries[0]: cannot inject the host's root \"/\"", "the host's root");
        bad("{ " ACT "\"libraries\": [\"..\"] }", "libraries[0]: \"..\" is not a file name",
            "a bare library name \"..\"");
        bad("{ " ACT "\"binaries\": [\"nvidia-*\"] }",
            "binaries[0]: \"nvidia-*\" is a glob without a folder", "a bare glob of binaries");

        bad("{ " ACT "\"modules\": {} }",
            "modules: expected an array of module names (or one name), got an object", "modules an object");
        bad("{ " ACT "\"modules\": [7] }", "modules[0]: expected a module name, got a number",
            "a module a number");
        bad("{ " ACT "\"modules\": [\"../fuse\"] }", "modules[0]: \"../fuse\" is not a module name",
            "a module name with a path");
        bad("{ " ACT "\"modules\": [\"fuse.ko\"] }", "modules[0]: \"fuse.ko\" is not a module name",
            "a module file name");
        bad("{ " ACT "\"modules\": [\"fuse\", \"a b\"] }", "modules[1]: \"a b\" is not a module name",
            "a module name with a space");
        bad("{ " ACT "\"modules\": [\"\"] }", "modules[0]: \"\" is not a module name",
            "an empty module name");

        bad("{ " ACT "\"inject\": \"symlink\" }", "inject: expected \"bind\" or \"copy\"", "inject unknown");
        bad("{ " ACT "\"inject\": 1 }", "inject: expected \"bind\" or \"copy\"", "inject a number");

        bad("{ " ACT "\"mounts\": [{\"destination\": \"/x\"}] }", "mounts[0]: \"source\" is missing",
            "a mount without a source");
        bad("{ " ACT "\"mounts\": [{\"source\": \"/x\"}] }", "mounts[0]: \"destination\" is missing",
            "a mount without a destination");
        bad("{ " ACT "\"mounts\": [{\"source\": 1, \"destination\": \"/y\"}] }",
            "mounts[0].source: expected a string, got a number", "a mount source of the wrong type");
        bad("{ " ACT "\"mounts\": [{\"source\": \"x\", \"destination\": \"/y\"}] }",
            "mounts[0].source: \"x\" is not an absolute path", "a relative mount source");
        bad("{ " ACT "\"mounts\": [{\"source\": \"/x\", \"destination\": \"/y/../z\"}] }",
            "mounts[0].destination: \"/y/../z\" has a \"..\" component", "a .. in a mount destination");
        bad("{ " ACT MOUNT_XY "\"options\": [\"shared\"]}] }",
            "mounts[0].options[0]: \"shared\" would let mounts propagate", "a shared mount");
        bad("{ " ACT MOUNT_XY "\"options\": [\"ro\", \"rshared\"]}] }",
            "mounts[0].options[1]: \"rshared\" would let mounts propagate", "an rshared mount");
        bad("{ " ACT MOUNT_XY "\"options\": \"ro,shared\"}] }",
            "mounts[0].options: \"shared\" would let mounts propagate", "shared in an option string");
        bad("{ " ACT MOUNT_XY "\"options\": [\"unbindable\"]}] }",
            "mounts[0].options[0]: \"unbindable\" would let mounts propagate", "an unbindable mount");
        bad("{ " ACT MOUNT_XY "\"options\": \"ro,bogus\"}] }",
            "mounts[0].options: \"bogus\" is not a known option", "an unknown mount option in a string");
        bad("{ " ACT MOUNT_XY "\"options\": [\"RO\"]}] }",
            "mounts[0].options[0]: \"RO\" is not a known option", "an unknown mount option in an array");
        bad("{ " ACT MOUNT_XY "\"options\": [1]}] }", "mounts[0].options[0]: expected a string",
            "an option that is not a string");
        bad("{ " ACT MOUNT_XY "\"options\": 1}] }", "mounts[0].options: expected an array of strings",
            "options of the wrong type");
        bad("{ " ACT "\"mounts\": [\"/x\"] }",
            "mounts[0]: expected an object with \"source\" and \"destination\"", "a mount as a string");
        bad("{ " ACT "\"mounts\": [{\"source\": \"/x\", \"destination\": \"/\"}] }",
            "mounts[0].destination: cannot mount onto the container's root", "a mount onto /");
        bad("{ " ACT "\"mounts\": [{\"source\": \"/\", \"destination\": \"/host\"}] }",
            "mounts[0].source: \"/\" is the host's whole root", "a mount of the host's whole root");
        bad("{ " ACT
            "\"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", \"options\": \"ro,,nosuid\"}] }",
            "mounts[0].options: an empty option in \"ro,,nosuid\"", "an empty item in an option string");

        bad("{ \"activation_flag\": \"A\", \"activation_flag\": \"B\" }",
            "\"activation_flag\" is given twice", "a top-level key twice");
        bad("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"path\": \"/y\"}] }",
            "binaries[0]: \"path\" is given twice", "a key twice in an entry");
        bad("{ " ACT MOUNT_XY "\"source\": \"/z\"}] }", "mounts[0]: \"source\" is given twice",
            "a key twice in a mount");
        bad("[\"/dev/x\"]", "expected a JSON object, got an array", "not an object");
        bad("{ \"activation_flag\": \"A\", ", "not valid JSON: line 1, column ", "not valid JSON");
        bad("", "not valid JSON: ", "an empty file");
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
        ok(streq_ptr(c->flag.name, "OCI_FOO"), "\"Activation_Flag\" is activation_flag");
        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 0);
        ok(e && streq(e->path, "/dev/foo") && c->n_entries == 4,
           "\"DEVICES\": \"/dev/foo\" is a list of one");
        e = entry(c, OIH_KIND_BINARY, 0);
        ok(e && streq(e->path, "/x") && streq_ptr(e->container_path, "/y") && e->optional,
           "keys of an entry in any case");
        e = entry(c, OIH_KIND_MOUNT, 0);
        ok(e && streq_ptr(e->container_path, "/n") && (e->mount_flags & OIH_MOUNT_RDONLY),
           "keys of a mount in any case");
        ok(strv_length(c->modules) == 1 && streq(c->modules[0], "fuse"),
           "\"Modules\": \"fuse\" is a list of one");
        ok(strv_length(c->unknown_keys) == 3 &&
                   startswith(c->unknown_keys[0], "unknown key \"Devices_\" (known: ") &&
                   startswith(
                           c->unknown_keys[2],
                           "miscellaneous[0]: unknown key \"note\" (known: path, container_path, optional)"),
           "unknown keys are listed, with what is known there");
        ok(strv_length(c->ignored_keys) == 3 && streq(c->ignored_keys[1], "comment") &&
                   streq(c->ignored_keys[2], "miscellaneous[0].note"),
           "and named, for hook mode's one warning");
        oih_config_free(c);

        c = parse("{ " ACT "\"binaries\": [{\"path\": \"/x\", \"major\": 1}],"
                  " \"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", \"type\": \"bind\"}] }");
        ok(oih_config_is_valid(c) && strv_length(c->unknown_keys) == 2 &&
                   startswith(c->unknown_keys[0], "binaries[0]: unknown key \"major\"") &&
                   streq(c->unknown_keys[1],
                         "mounts[0]: unknown key \"type\" (known: source, destination, options, optional)"),
           "major on a binary and type on a mount are unknown keys");
        oih_config_free(c);

        c = parse("{ " ACT
                  "\"libraries\": [\"libcuda.so.1\", {\"path\": \"libfoo.so.2\", \"container_path\":"
                  " \"/usr/lib64/libfoo.so.2\", \"optional\": true}], \"binaries\": \"nvidia-smi\","
                  " \"miscellaneous\": [{\"path\": \"/etc/x\"}] }");
        ok(oih_config_is_valid(c), "bare library and program names are valid (%s)", first_problem(c));
        e = entry(c, OIH_KIND_LIBRARY, 0);
        ok(e && e->bare && streq(e->path, "libcuda.so.1") && !e->container_path && !e->glob,
           "\"libcuda.so.1\" is a bare name, looked up when planning");
        e = entry(c, OIH_KIND_LIBRARY, 1);
        ok(e && e->bare && streq_ptr(e->container_path, "/usr/lib64/libfoo.so.2") && e->optional,
           "a bare name may have a container_path");
        e = entry(c, OIH_KIND_BINARY, 0);
        ok(e && e->bare && streq(e->path, "nvidia-smi"), "\"nvidia-smi\" is a bare program name");
        ok(!entry(c, OIH_KIND_MISCELLANEOUS, 0)->bare, "a path is not bare");
        oih_config_free(c);
        bad("{ " ACT "\"miscellaneous\": [\"os-release\"] }",
            "miscellaneous[0]: \"os-release\" is not an absolute", "no bare names in miscellaneous");
        bad("{ " ACT "\"directories\": [\"x\"] }", "directories[0]: \"x\" is not an absolute",
            "no bare names in directories");
}

static void test_all_problems(void)
{
        struct oih_config *c = parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"dev/x\", 3],"
                                     " \"binaries\": [\"/x/../y\", {\"path\": \"/z\", \"optional\": 1}],"
                                     " \"mounts\": [{\"source\": \"/m\"}], \"modules\": [\"a/b\"],"
                                     " \"inject\": \"move\", \"nope\": 1 }");
        is_int(strv_length(c->problems), 7, "every problem of a file is collected, in order");
        static const char *const expected[] = {
                "devices[0]: ",
                "devices[1]: ",
                "binaries[0]: ",
                "binaries[1].optional: ",
                "mounts[0]: \"destination\"",
                "modules[0]: ",
                "inject: ",
        };
        bool all = strv_length(c->problems) == ELEMENTSOF(expected);
        for (size_t i = 0; all && i < ELEMENTSOF(expected); i++)
                all = startswith(c->problems[i], expected[i]) != NULL;
        ok(all, "one problem per mistake, each naming its key");
        ok(strv_length(c->unknown_keys) == 1 && startswith(c->unknown_keys[0], "unknown key \"nope\""),
           "and the unknown key apart from them");
        ok(!oih_config_is_valid(c) && streq_ptr(c->flag.name, "OCI_FOO") && !c->flag.value,
           "an invalid config keeps its activation, to tell who asked for it");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": 1, \"activation_annotation\": \"k=v\", \"devices\": [\"\"] }");
        ok(strv_length(c->problems) == 2 && !c->flag.name && streq_ptr(c->annotation.name, "k") &&
                   streq_ptr(c->annotation.value, "v"),
           "a broken flag does not lose the annotation that was fine");
        oih_config_free(c);

        struct oih_config *broken = NULL;
        ok(oih_config_new_broken("/etc/x/y.json", strdup("cannot read"), &broken) == 0 && broken,
           "a broken config can be made for a file that could not be read");
        ok(broken && !oih_config_is_valid(broken) && !broken->flag.name && !broken->annotation.name &&
                   strv_length(broken->problems) == 1 && streq(broken->problems[0], "cannot read") &&
                   streq(broken->name, "y.json"),
           "with its one problem, its name and no activation");
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

        c = parse("{ " ACT MOUNT_XY "\"options\": [\"bogus\"]}] }");
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
        test_malformed();
        test_go_hook_leniency();
        test_all_problems();
        test_known_lists();
        test_flags_text();
        return tap_finish();
}
