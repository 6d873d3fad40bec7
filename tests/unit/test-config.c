/* SPDX-License-Identifier: Apache-2.0 */
/* The config format: the original Go hook's files, the additions, and every malformed form. */
#include "config.h"
#include "mount-options.h"
#include "tap.h"

static struct oih_config *parse(const char *text)
{
        struct oih_config *c = NULL;
        if (oih_config_parse("/etc/oci-injector-hook/t.json", text, strlen(text), &c) < 0)
                tap_bail("oih_config_parse");
        return c;
}

static const char *problem_with(const struct oih_config *c, const char *needle)
{
        STRV_FOREACH (p, c->problems)
                if (strstr(*p, needle))
                        return *p;
        return NULL;
}

/* The text must give at least one problem mentioning `needle` (the key, usually). */
static void bad(const char *text, const char *needle, const char *why)
{
        struct oih_config *c = parse(text);
        const char *p = problem_with(c, needle);
        ok(!oih_config_is_valid(c) && p, "invalid: %s (\"%s\")", why,
           p ?: (c->problems ? c->problems[0] : "no problem"));
        oih_config_free(c);
}

static const struct oih_entry *entry(const struct oih_config *c, enum oih_kind kind, unsigned index)
{
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].kind == kind && c->entries[i].index == index)
                        return &c->entries[i];
        return NULL;
}

int main(void)
{
        /* The original Go hook's format, unchanged. */
        struct oih_config *c =
                parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"/dev/foo\"],"
                      " \"binaries\": [\"/usr/bin/runfoo\"], \"libraries\": [\"/usr/lib64/libfoo.so\"],"
                      " \"directories\": [\"/etc/foo\"], \"miscellaneous\": [\"/etc/foo/config.json\"] }");
        ok(oih_config_is_valid(c), "the original Go hook's format is valid");
        is_str(c->file, "/etc/oci-injector-hook/t.json", "the config knows its file");
        is_str(c->name, "t.json", "and its name");
        ok(streq_ptr(c->flag.name, "OCI_FOO") && c->flag.value == NULL,
           "activation_flag \"OCI_FOO\": presence");
        is_int(c->n_entries, 5, "five entries");
        is_str(entry(c, OIH_KIND_DEVICE, 0)->path, "/dev/foo", "devices");
        is_str(entry(c, OIH_KIND_BINARY, 0)->path, "/usr/bin/runfoo", "binaries");
        is_str(entry(c, OIH_KIND_LIBRARY, 0)->path, "/usr/lib64/libfoo.so", "libraries");
        is_str(entry(c, OIH_KIND_DIRECTORY, 0)->path, "/etc/foo", "directories");
        is_str(entry(c, OIH_KIND_FILE, 0)->path, "/etc/foo/config.json", "miscellaneous");
        ok(entry(c, OIH_KIND_BINARY, 0)->container_path == NULL, "host path = container path");
        is_int(c->inject, OIH_INJECT_BIND, "inject defaults to bind");
        oih_config_free(c);

        /* The additions. */
        c = parse(
                "{ \"description\": \"solarflare onload\", \"activation_flag\": \"OCI_ONLOAD=yes\","
                " \"activation_annotation\": \"example.com/onload=true\", \"modules\": [\"onload\", "
                "\"sfc_char\"],"
                " \"devices\": [\"onload\", \"/dev/dri/*\", {\"path\": \"/dev/sfc_char\", \"major\": 240, "
                "\"minor\": 0,"
                " \"optional\": true}],"
                " \"binaries\": [{\"path\": \"/opt/bin/tool\", \"container_path\": \"/usr/bin/tool\", "
                "\"optional\": false}],"
                " \"mounts\": [{\"source\": \"/tmp/.X11-unix\", \"destination\": \"/tmp/.X11-unix\", "
                "\"options\": [\"ro\"]},"
                " {\"source\": \"/run/x\", \"destination\": \"/run/y\", \"options\": \"bind,noexec,suid\"},"
                " {\"source\": \"/run/z\", \"destination\": \"/run/z\"}],"
                " \"inject\": \"copy\" }");
        ok(oih_config_is_valid(c), "the additions are valid (%s)", c->problems ? c->problems[0] : "ok");
        is_str(c->description, "solarflare onload", "description");
        ok(streq_ptr(c->flag.name, "OCI_ONLOAD") && streq_ptr(c->flag.value, "yes"),
           "VAR=value splits at the first =");
        ok(streq_ptr(c->annotation.name, "example.com/onload") && streq_ptr(c->annotation.value, "true"),
           "activation_annotation KEY=VALUE");
        ok(strv_length(c->modules) == 2 && streq(c->modules[1], "sfc_char"), "modules");
        is_str(entry(c, OIH_KIND_DEVICE, 0)->path, "/dev/onload", "a bare device name is /dev/NAME");
        ok(entry(c, OIH_KIND_DEVICE, 1)->glob && !entry(c, OIH_KIND_DEVICE, 0)->glob,
           "a glob is marked as one");
        const struct oih_entry *e = entry(c, OIH_KIND_DEVICE, 2);
        ok(e->optional && e->major == 240 && e->minor == 0,
           "an object entry with optional, major and minor");
        ok(entry(c, OIH_KIND_DEVICE, 0)->major == -1, "no major named: any");
        e = entry(c, OIH_KIND_BINARY, 0);
        ok(streq(e->path, "/opt/bin/tool") && streq(e->container_path, "/usr/bin/tool") && !e->optional,
           "container_path");
        e = entry(c, OIH_KIND_MOUNT, 0);
        ok(streq(e->path, "/tmp/.X11-unix") && e->mount_flags == (OIH_MOUNT_DEFAULTS | OIH_MOUNT_RDONLY),
           "mounts: options as an array, on top of rbind,nosuid,nodev");
        e = entry(c, OIH_KIND_MOUNT, 1);
        ok(e->mount_flags == (OIH_MOUNT_NODEV | OIH_MOUNT_NOEXEC),
           "mounts: options as a string; bind and suid clear");
        is_int(entry(c, OIH_KIND_MOUNT, 2)->mount_flags, OIH_MOUNT_DEFAULTS,
               "mounts: no options, the defaults");
        is_int(c->inject, OIH_INJECT_COPY, "inject: copy");
        oih_config_free(c);

        c = parse("{ \"activation_flag\": \"EMPTY=\" }");
        ok(oih_config_is_valid(c) && streq_ptr(c->flag.value, ""), "VAR= means the empty value exactly");
        oih_config_free(c);
        c = parse("{ \"activation_annotation\": \"only.key\" }");
        ok(oih_config_is_valid(c) && c->annotation.value == NULL, "an annotation key alone is presence");
        oih_config_free(c);
        c = parse("// comments are allowed\n{ \"activation_flag\": \"A\" /* here too */ }");
        ok(oih_config_is_valid(c), "comments are allowed");
        oih_config_free(c);

        /* Every malformed form, each naming the key. */
        bad("{ \"activation_flag\": \"A\", \"bogus\": 1 }", "unknown key \"bogus\"", "an unknown key");
        bad("{ \"activation_flag\": 5 }", "activation_flag: expected a string", "activation_flag a number");
        bad("{ \"activation_flag\": \"=x\" }", "activation_flag: the name before \"=\" is empty",
            "an empty name");
        bad("{ \"activation_annotation\": [] }", "activation_annotation: expected a string",
            "annotation an array");
        bad("{ \"devices\": [\"/dev/x\"] }", "neither \"activation_flag\" nor \"activation_annotation\"",
            "no activation at all");
        bad("{ \"activation_flag\": \"A\", \"description\": 3 }", "description: expected a string",
            "description a number");
        bad("{ \"activation_flag\": \"A\", \"devices\": \"/dev/x\" }", "devices: expected an array",
            "devices a string");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [42] }", "binaries[0]: expected a path",
            "an entry a number");
        bad("{ \"activation_flag\": \"A\", \"libraries\": [\"lib/libfoo.so\"] }",
            "libraries[0]: \"lib/libfoo.so\" is not an absolute path", "a relative path");
        bad("{ \"activation_flag\": \"A\", \"directories\": [\"/etc/../root\"] }",
            "directories[0]: \"/etc/../root\" has a \"..\" component", "a .. component");
        bad("{ \"activation_flag\": \"A\", \"miscellaneous\": [\"/etc/./x\"] }", "has a \".\" component",
            "a . component");
        bad("{ \"activation_flag\": \"A\", \"miscellaneous\": [\"\"] }", "miscellaneous[0]: \"\" is empty",
            "an empty string");
        bad("{ \"activation_flag\": \"A\", \"devices\": [\"\"] }", "devices[0]: \"\" is empty",
            "an empty device name");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"optinal\": true}] }",
            "binaries[0]: unknown key \"optinal\"", "an unknown key in an entry");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"optional\": \"yes\"}] }",
            "binaries[0].optional: expected true or false", "optional not a boolean");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": 1}] }",
            "binaries[0].path: expected a string", "path not a string");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"container_path\": \"/x\"}] }",
            "binaries[0]: \"path\" is missing", "an entry without a path");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"container_path\": \"y\"}] }",
            "binaries[0].container_path: \"y\" is not an absolute path", "a relative container_path");
        bad("{ \"activation_flag\": \"A\", \"devices\": [{\"path\": \"/dev/dri/*\", \"container_path\": "
            "\"/dev/x\"}] }",
            "a glob (\"/dev/dri/*\") matches several files", "a glob with a container_path");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"container_path\": \"/\"}] }",
            "cannot inject onto the container's root", "container_path \"/\"");
        bad("{ \"activation_flag\": \"A\", \"directories\": [\"/\"] }", "cannot inject the host's root",
            "the host's root");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"major\": 1}] }",
            "binaries[0]: unknown key \"major\"", "major on a binary");
        bad("{ \"activation_flag\": \"A\", \"devices\": [{\"path\": \"/dev/x\", \"major\": -1}] }",
            "devices[0].major", "a negative major");
        bad("{ \"activation_flag\": \"A\", \"modules\": \"fuse\" }", "modules: expected an array",
            "modules a string");
        bad("{ \"activation_flag\": \"A\", \"modules\": [\"../fuse\"] }",
            "modules[0]: \"../fuse\" is not a module name", "a module name with a path");
        bad("{ \"activation_flag\": \"A\", \"modules\": [\"\"] }", "modules[0]", "an empty module name");
        bad("{ \"activation_flag\": \"A\", \"inject\": \"symlink\" }",
            "inject: expected \"bind\" or \"copy\"", "inject unknown");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"destination\": \"/x\"}] }",
            "mounts[0]: \"source\" is missing", "a mount without a source");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"source\": \"/x\"}] }",
            "mounts[0]: \"destination\" is missing", "a mount without a destination");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", "
            "\"options\": [\"rshared\"]}] }",
            "would let mounts propagate", "a shared mount");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", "
            "\"options\": \"ro,bogus\"}] }",
            "\"bogus\" is not a known option", "an unknown mount option");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"source\": \"/x\", \"destination\": \"/y\", "
            "\"options\": 1}] }",
            "mounts[0].options: expected an array", "options of the wrong type");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [\"/x\"] }", "mounts[0]: expected an object",
            "a mount as a string");
        bad("{ \"activation_flag\": \"A\", \"mounts\": [{\"source\": \"/x\", \"destination\": \"/\"}] }",
            "cannot mount onto the container's root", "a mount onto /");
        bad("{ \"activation_flag\": \"A\", \"activation_flag\": \"B\" }",
            "\"activation_flag\" is given twice", "a key twice");
        bad("{ \"activation_flag\": \"A\", \"binaries\": [{\"path\": \"/x\", \"path\": \"/y\"}] }",
            "binaries[0]: \"path\" is given twice", "a key twice in an entry");
        bad("[\"/dev/x\"]", "expected a JSON object", "not an object");
        bad("{ \"activation_flag\": \"A\", ", "not valid JSON: line 1", "not valid JSON");

        /* All problems of a file, and the activation kept when it was fine. */
        c = parse("{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"dev/x\", 3], \"binaries\": "
                  "[\"/x/../y\"], \"nope\": 1 }");
        is_int(strv_length(c->problems), 4, "every problem of a file is collected");
        ok(!oih_config_is_valid(c) && streq_ptr(c->flag.name, "OCI_FOO"),
           "an invalid config keeps its activation, to tell who asked for it");
        oih_config_free(c);

        struct oih_config *broken = NULL;
        ok(oih_config_new_broken("/etc/x/y.json", strdup("cannot read"), &broken) == 0 &&
                   !oih_config_is_valid(broken) && !broken->flag.name,
           "a file that could not be read is a broken config without activation");
        oih_config_free(broken);
        return tap_finish();
}
