/* SPDX-License-Identifier: Apache-2.0 */
/* What the hook reads of a container's config.json. */
#include "spec.h"
#include "tap.h"

static struct oih_spec *parse(const char *text, oih_error **err)
{
        struct oih_spec *s = NULL;
        return oih_spec_parse(text, strlen(text), "/bundle", &s, err) < 0 ? NULL : s;
}

static void refused(const char *text, const char *expect, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_spec *s = parse(text, &err);
        ok(!s, "refused: %s", why);
        oih_spec_free(s);
        contains(err ? oih_error_message(err) : NULL, expect, "the message says \"%s\"", expect);
}

int main(void)
{
        struct oih_spec *s =
                parse("{\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
                      " \"process\": {\"env\": [\"PATH=/bin\", \"OCI_FOO=1\", \"EMPTY=\", \"NOEQUALS\","
                      " \"OCI_FOO=2\", \"X=a=b\"]},"
                      " \"annotations\": {\"io.example/x\": \"yes\"},"
                      " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
                      " {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
                      " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
                      " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 10}],"
                      " \"cgroupsPath\": \"/machine/x\"}}",
                      NULL);
        ok(s != NULL, "a config.json parses");
        if (!s)
                return tap_finish();
        is_str(s->root_path, "/bundle/rootfs", "a relative root.path is taken from the bundle");
        ok(s->root_readonly, "root.readonly");
        is_str(oih_spec_getenv(s, "OCI_FOO"), "2", "the last entry wins when a name repeats");
        is_str(oih_spec_getenv(s, "EMPTY"), "", "VAR= is present with an empty value");
        ok(oih_spec_getenv(s, "NOEQUALS") == NULL,
           "an entry without '=' defines nothing (getenv would not find it)");
        ok(oih_spec_getenv(s, "OCI") == NULL && oih_spec_getenv(s, "OCI_FOO_") == NULL,
           "no prefixes, no longer names");
        is_str(oih_spec_getenv(s, "X"), "a=b", "a value with '=' in it");
        is_str(oih_annotations_get(&s->annotations, "io.example/x"), "yes", "annotations");
        ok(oih_spec_has_namespace(s, "mount") && oih_spec_has_namespace(s, "network") &&
                   !oih_spec_has_namespace(s, "user"),
           "namespaces");
        uint32_t id = 0;
        ok(oih_spec_host_uid(s, 0, &id) == 0 && id == 100000, "uid 0 maps to 100000");
        ok(oih_spec_host_uid(s, 65535, &id) == 0 && id == 165535, "the last uid of the range maps");
        is_int(oih_spec_host_uid(s, 65536, &id), -ERANGE, "a uid past the range is not mapped");
        ok(oih_spec_host_gid(s, 9, &id) == 0 && id == 200009, "gid mappings are their own");
        is_int(oih_spec_host_gid(s, 10, &id), -ERANGE, "a gid past its range is not mapped");
        is_str(s->cgroups_path, "/machine/x", "cgroupsPath");
        oih_spec_free(s);

        s = parse("{\"root\": {\"path\": \"/var/lib/r/\"}}", NULL);
        uint32_t same = 0;
        ok(s && streq(s->root_path, "/var/lib/r") && oih_spec_host_uid(s, 7, &same) == 0 && same == 7 &&
                   oih_spec_getenv(s, "PATH") == NULL,
           "an absolute root.path as given, no process, no mappings: ids are the same");
        oih_spec_free(s);

        refused("{}", "\"root\" is missing", "no root");
        refused("{\"root\": {}}", "\"root.path\" is missing", "no root.path");
        refused("{\"root\": {\"path\": \"\"}}", "refusing to use the host's root", "an empty root.path");
        refused("{\"root\": {\"path\": \"/\"}}", "refusing to use the host's root", "root.path \"/\"");
        refused("{\"root\": {\"path\": \"///\"}}", "refusing to use the host's root", "root.path \"///\"");
        refused("{\"root\": {\"path\": 5}}", "root.path: expected a string",
                "a root.path of the wrong type");
        refused("{\"root\": {\"path\": \"r\", \"readonly\": \"yes\"}}", "root.readonly",
                "readonly as a string");
        refused("{\"root\": {\"path\": \"r\"}, \"process\": {\"env\": \"A=1\"}}",
                "process.env: expected an array", "process.env not an array");

        _cleanup_error_ oih_error *err = NULL;
        s = parse("{\"root\": {\"path\": \"r\"}, \"process\": {\"env\": [\"PASSWORD=hunter2\", 17]}}", &err);
        ok(!s, "refused: an environment entry that is not a string");
        contains(err ? oih_error_message(err) : NULL, "process.env[1]", "the message names the entry");
        ok(err && !strstr(oih_error_message(err), "hunter2"), "and never an environment value");

        refused("{\"root\": {\"path\": \"r\"}, \"linux\": {\"uidMappings\": [{\"containerID\": 0, "
                "\"hostID\": -1, "
                "\"size\": 1}]}}",
                "linux.uidMappings[0].hostID", "a negative hostID");
        refused("{\"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}",
                "linux.namespaces[0].type", "a namespace without a type");
        refused("{\"root\": {\"path\": \"r\"}, \"linux\": {\"cgroupsPath\": 1}}", "linux.cgroupsPath",
                "cgroupsPath of the wrong type");
        refused("{\"root\": {\"path\": \"r\"}, \"annotations\": {\"a\": true}}", "annotations.\"a\"",
                "an annotation that is not a string");

        /* From a bundle folder. */
        char *bundle = tmpdir_new();
        _cleanup_error_ oih_error *e2 = NULL, *e3 = NULL;
        ok(oih_spec_read(bundle, &s, &e2) < 0, "a bundle without config.json is refused");
        contains(e2 ? oih_error_message(e2) : NULL, "/config.json", "the message names the file");
        free(write_file(bundle, "config.json",
                        "{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"env\": [\"A=b\"]}}", 0644));
        ok(oih_spec_read(bundle, &s, NULL) == 0 && endswith(s->root_path, "/rootfs") &&
                   startswith(s->root_path, bundle),
           "read from the bundle, root.path below it");
        oih_spec_free(s);
        free(write_file(bundle, "config.json", "{\"root\": {\"path\": 1}}", 0644));
        ok(oih_spec_read(bundle, &s, &e3) < 0, "a bad config.json is refused");
        contains(e3 ? oih_error_message(e3) : NULL, "config.json\": root.path",
                 "naming the file and the key");
        tmpdir_remove(bundle);
        return tap_finish();
}
