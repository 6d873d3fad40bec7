/* SPDX-License-Identifier: Apache-2.0 */
/* What the hook reads of a container's config.json. */
#include "spec.h"
#include "tap.h"
#include "util.h"

#define ROOT "\"root\": {\"path\": \"rootfs\"}"

static struct oih_spec *parse(const char *text, oih_error **err)
{
        struct oih_spec *s = NULL;
        return oih_spec_parse(text, strlen(text), "/run/bundle", &s, err) < 0 ? NULL : s;
}

static const char *message(const oih_error *err)
{
        return err ? oih_error_message(err) : NULL;
}

static void refused(const char *text, const char *expect, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_spec *s = parse(text, &err);
        ok(!s, "refused: %s", why);
        is_int(err ? err->code : 0, EINVAL, "%s: EINVAL", why);
        oih_spec_free(s);
        contains(message(err), expect, "the message says \"%s\"", expect);
}

static void root_path_is(const char *json_path, const char *expect)
{
        char text[256];
        snprintf(text, sizeof(text), "{\"root\": {\"path\": \"%s\"}}", json_path);
        _cleanup_error_ oih_error *err = NULL;
        struct oih_spec *s = parse(text, &err);
        is_str(s ? s->root_path : message(err), expect, "root.path \"%s\"", json_path);
        oih_spec_free(s);
}

static void root_refused(const char *json_path)
{
        char text[256];
        snprintf(text, sizeof(text), "{\"root\": {\"path\": \"%s\"}}", json_path);
        char expect[256];
        snprintf(expect, sizeof(expect), "\"root.path\" is \"%s\": refusing to use the host's root",
                 json_path);
        char why[128];
        snprintf(why, sizeof(why), "root.path \"%s\" names the host's root", json_path);
        refused(text, expect, why);
}

static void test_root(void)
{
        root_path_is("rootfs", "/run/bundle/rootfs");
        root_path_is("sub/rootfs", "/run/bundle/sub/rootfs");
        root_path_is("/var/lib/r", "/var/lib/r");
        root_path_is("/var/lib/r//", "/var/lib/r");
        root_path_is(".", "/run/bundle/.");

        root_refused("");
        root_refused("/");
        root_refused("///");
        root_refused("/.");
        root_refused("/..");
        root_refused("/var/..");
        root_refused("../..");
        root_refused("../../../..");

        struct oih_spec *s = parse("{\"root\": {\"path\": \"r\", \"readonly\": true}}", NULL);
        ok(s ? s->root_readonly : false, "root.readonly true");
        oih_spec_free(s);
        s = parse("{\"root\": {\"path\": \"r\", \"readonly\": false}}", NULL);
        ok(s ? !s->root_readonly : false, "root.readonly false");
        oih_spec_free(s);
        s = parse("{\"root\": {\"path\": \"r\"}}", NULL);
        ok(s ? !s->root_readonly : false, "root.readonly absent: writable");
        oih_spec_free(s);

        refused("{}", "\"root\" is missing", "no root");
        refused("{\"root\": \"rootfs\"}", "root: expected an object, got a string", "root not an object");
        refused("{\"root\": {}}", "\"root.path\" is missing", "no root.path");
        refused("{\"root\": {\"path\": 5}}", "root.path: expected a string, got a number",
                "a root.path of the wrong type");
        refused("{\"root\": {\"path\": \"r\", \"readonly\": \"yes\"}}",
                "root.readonly: expected a boolean, got a string", "readonly as a string");
        refused("[]", "expected a JSON object, got an array", "not an object");
        refused("{\"root\": ", "line 1, column ", "not JSON");
}

static void test_env(void)
{
        struct oih_spec *s =
                parse("{" ROOT ", \"process\": {\"env\": [\"PATH=/bin\", \"OCI_FOO=1\", \"EMPTY=\","
                      " \"NOEQUALS\", \"OCI_FOO=2\", \"X=a=b\", \"=nameless\"]}}",
                      NULL);
        is_int(s ? strv_length(s->env) : 0, 7, "process.env is kept as written");
        if (!s)
                return;
        is_str(oih_spec_getenv(s, "PATH"), "/bin", "a variable");
        is_str(oih_spec_getenv(s, "OCI_FOO"), "2", "the last entry wins when a name repeats");
        is_str(oih_spec_getenv(s, "EMPTY"), "", "VAR= is present with an empty value");
        ok(oih_spec_getenv(s, "NOEQUALS") == NULL, "an entry without '=' defines nothing");
        is_str(oih_spec_getenv(s, "OCI"), NULL, "no prefix of a name");
        is_str(oih_spec_getenv(s, "OCI_FOO_"), NULL, "no longer name");
        is_str(oih_spec_getenv(s, "oci_foo"), NULL, "no other case");
        is_str(oih_spec_getenv(s, "X"), "a=b", "a value with '=' in it");
        oih_spec_free(s);

        s = parse("{" ROOT ", \"process\": {\"env\": [\"A=1\", \"A\"]}}", NULL);
        is_str(s ? oih_spec_getenv(s, "A") : NULL, "1",
               "a later entry without '=' does not unset a variable");
        oih_spec_free(s);

        s = parse("{" ROOT "}", NULL);
        ok(s && !s->env, "no process: no environment");
        is_str(s ? oih_spec_getenv(s, "PATH") : NULL, NULL, "no process: no variable");
        oih_spec_free(s);
        s = parse("{" ROOT ", \"process\": {\"cwd\": \"/\"}}", NULL);
        ok(s && !s->env, "a process without env: no environment");
        oih_spec_free(s);
        s = parse("{" ROOT ", \"process\": {\"env\": null}}", NULL);
        ok(s && !s->env, "env null: no environment");
        oih_spec_free(s);
        s = parse("{" ROOT ", \"process\": {\"env\": []}}", NULL);
        ok(s && s->env, "an empty env is an environment");
        is_int(s ? strv_length(s->env) : 1, 0, "an empty env: no variables");
        is_str(s ? oih_spec_getenv(s, "A") : NULL, NULL, "an empty env: no variable found");
        oih_spec_free(s);

        refused("{" ROOT ", \"process\": \"sh\"}", "process: expected an object, got a string",
                "process not an object");

        /* The messages say where, never what: an environment value may be a secret. */
        _cleanup_error_ oih_error *e1 = NULL;
        s = parse("{" ROOT ", \"process\": {\"env\": \"TOKEN=s3cr3t-one\"}}", &e1);
        ok(!s, "refused: process.env not an array");
        is_str(message(e1), "process.env: expected an array, got a string",
               "the message names the key only");
        oih_spec_free(s);

        _cleanup_error_ oih_error *e2 = NULL;
        s = parse("{" ROOT ", \"process\": {\"env\": [\"PASSWORD=hunter2\", 17, \"KEY=s3cr3t-two\"]}}", &e2);
        ok(!s, "refused: an environment entry that is not a string");
        is_str(message(e2), "process.env[1]: expected a string, got a number",
               "the message names the entry");
        ok(e2 && !strstr(message(e2), "hunter2"), "and no environment value next to it");
        ok(e2 && !strstr(message(e2), "s3cr3t"), "nor a value after it");
        ok(e2 && !strstr(message(e2), "PASSWORD"), "nor a variable's name");
        oih_spec_free(s);

        _cleanup_error_ oih_error *e3 = NULL;
        s = parse("{" ROOT ", \"process\": {\"env\": [\"SECRET=zebra\", {\"SECRET\": \"zebra\"}]}}", &e3);
        ok(!s, "an object entry is refused");
        ok(e3 && !strstr(message(e3), "zebra"), "without showing a value");
        oih_spec_free(s);
}

static void test_linux(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_spec *s =
                parse("{" ROOT ", \"annotations\": {\"io.example/x\": \"yes\", \"e\": \"\"},"
                      " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
                      " {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
                      " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000},"
                      " {\"containerID\": 2000, \"hostID\": 300000, \"size\": 10}],"
                      " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 10}],"
                      " \"cgroupsPath\": \"/machine/x\"}}",
                      &err);
        ok(s != NULL, "annotations and the linux section parse (%s)", message(err) ?: "ok");
        if (!s)
                return;
        is_str(oih_annotations_get(&s->annotations, "io.example/x"), "yes", "an annotation");
        is_str(oih_annotations_get(&s->annotations, "e"), "", "an empty annotation");
        ok(oih_annotations_get(&s->annotations, "io.example") == NULL, "no annotation by prefix");

        is_int(s->n_namespaces, 3, "three namespaces");
        ok(oih_spec_has_namespace(s, "pid"), "has_namespace finds pid");
        ok(oih_spec_has_namespace(s, "mount"), "and mount");
        ok(oih_spec_has_namespace(s, "network"), "and network");
        ok(!oih_spec_has_namespace(s, "user"), "and no other");
        ok(!oih_spec_has_namespace(s, "net"), "nor a prefix");
        is_str(s->namespaces[2].path, "/proc/1/ns/net", "a namespace's path, when it joins one");
        is_str(s->namespaces[0].path, NULL, "none when it does not");

        uint32_t id = 0;
        is_int(oih_spec_host_uid(s, 0, &id), 0, "uid 0 is mapped");
        is_int(id, 100000, "to 100000");
        is_int(oih_spec_host_uid(s, 999, &id), 0, "the last uid of the first range is mapped");
        is_int(id, 100999, "to the range's last");
        id = 42;
        is_int(oih_spec_host_uid(s, 1000, &id), -ERANGE, "a uid between the ranges is not mapped (-ERANGE)");
        is_int(id, 42, "and the output is left alone");
        is_int(oih_spec_host_uid(s, 2005, &id), 0, "a uid of the second range is mapped");
        is_int(id, 300005, "by the second range");
        is_int(oih_spec_host_uid(s, 2010, &id), -ERANGE, "a uid past the last range");
        is_int(oih_spec_host_gid(s, 9, &id), 0, "a gid is mapped");
        is_int(id, 200009, "by the gid mappings, which are their own");
        is_int(oih_spec_host_gid(s, 10, &id), -ERANGE, "a gid past its range is not mapped");
        is_int(oih_spec_host_gid(s, 2005, &id), -ERANGE, "uid ranges do not map gids");
        is_str(s->cgroups_path, "/machine/x", "cgroupsPath");
        oih_spec_free(s);

        s = parse("{" ROOT ", \"linux\": {\"uidMappings\": [], \"cgroupsPath\": null}}", NULL);
        uint32_t same = 0, gsame = 0;
        is_int(s ? oih_spec_host_uid(s, 7, &same) : -1, 0, "no mappings: a uid is mapped");
        is_int(same, 7, "to itself");
        is_int(s ? oih_spec_host_gid(s, 4000000000u, &gsame) : -1, 0, "no mappings: a gid is mapped");
        is_int(gsame, 4000000000u, "to itself");
        is_str(s ? s->cgroups_path : "no spec", NULL, "no cgroupsPath");
        is_int(s ? s->n_namespaces : 1, 0, "no namespaces");
        ok(s && !oih_spec_has_namespace(s, "mount"), "has_namespace finds none");
        oih_spec_free(s);

        refused("{" ROOT ", \"linux\": []}", "linux: expected an object, got an array",
                "linux not an object");
        refused("{" ROOT ", \"linux\": {\"namespaces\": {}}}", "linux.namespaces: expected an array",
                "namespaces not an array");
        refused("{" ROOT ", \"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}",
                "linux.namespaces[0].type: expected a string", "a namespace without a type");
        refused("{" ROOT ", \"linux\": {\"namespaces\": [{\"type\": \"net\", \"path\": 3}]}}",
                "linux.namespaces[0].path: expected a string", "a namespace path of the wrong type");
        refused("{" ROOT ", \"linux\": {\"uidMappings\": {}}}", "linux.uidMappings: expected an array",
                "uidMappings not an array");
        refused("{" ROOT ", \"linux\": {\"uidMappings\": [5]}}", "linux.uidMappings: expected an object",
                "a mapping that is not an object");
        refused("{" ROOT
                ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": -1, \"size\": 1}]}}",
                "linux.uidMappings[0].hostID: expected an integer from 0 to 4294967295",
                "a negative hostID");
        refused("{" ROOT ", \"linux\": {\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1}]}}",
                "linux.gidMappings[0].size", "a mapping without a size");
        refused("{" ROOT ", \"linux\": {\"gidMappings\": [{\"containerID\": 4294967296, \"hostID\": 1, "
                "\"size\": 1}]}}",
                "linux.gidMappings[0].containerID", "a containerID past 32 bits");
        refused("{" ROOT ", \"linux\": {\"cgroupsPath\": 1}}", "linux.cgroupsPath: expected a string",
                "cgroupsPath of the wrong type");
        refused("{" ROOT ", \"annotations\": {\"a\": true}}", "annotations.\"a\": expected a string",
                "an annotation that is not a string");
        refused("{" ROOT ", \"annotations\": [\"a=b\"]}", "annotations: expected an object of strings",
                "annotations as an array");
}

static void test_read(void)
{
        char *bundle = tmpdir_new(), expect[512];
        struct oih_spec *s = NULL;

        _cleanup_error_ oih_error *e1 = NULL;
        is_int(oih_spec_read(bundle, &s, &e1), -ENOENT, "a bundle without config.json is refused");
        ok(!s, "with no spec");
        snprintf(expect, sizeof(expect), "\"%s/config.json\": cannot open: ", bundle);
        contains(message(e1), expect, "the message names the file");

        free(write_file(bundle, "config.json",
                        "{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"env\": [\"A=b\"]}}", 0644));
        _cleanup_free_ char *rootfs = path_join(bundle, "rootfs");
        is_int(oih_spec_read(bundle, &s, NULL), 0, "config.json is read from the bundle");
        is_str(s ? s->root_path : NULL, rootfs, "a relative root.path is below the bundle");
        is_str(s ? oih_spec_getenv(s, "A") : NULL, "b", "and the rest of it is there");
        oih_spec_free(s);
        s = NULL;

        _cleanup_error_ oih_error *e2 = NULL;
        free(write_file(bundle, "config.json", "{\"root\": {\"path\": 1}}", 0644));
        is_int(oih_spec_read(bundle, &s, &e2), -EINVAL, "a bad config.json is refused");
        ok(!s, "with no spec");
        snprintf(expect, sizeof(expect), "\"%s/config.json\": root.path: expected a string, got a number",
                 bundle);
        is_str(message(e2), expect, "the message names the file and the key");

        _cleanup_error_ oih_error *e3 = NULL;
        free(write_file(bundle, "config.json", "{\n\"root\": {\"path\": \"r\"}\n", 0644));
        ok(oih_spec_read(bundle, &s, &e3) < 0, "a truncated config.json is refused");
        snprintf(expect, sizeof(expect), "\"%s/config.json\": line 3, column 1: ", bundle);
        contains(message(e3), expect, "the message says where the text ends");

        _cleanup_error_ oih_error *e4 = NULL;
        _cleanup_free_ char *gone = path_join(bundle, "gone");
        ok(oih_spec_read(gone, &s, &e4) == -ENOENT, "a bundle that does not exist is refused");
        snprintf(expect, sizeof(expect), "bundle \"%s\": cannot open", gone);
        contains(message(e4), expect, "naming the bundle");

        tmpdir_remove(bundle);
}

/* A mapping whose host range runs past the last id maps nothing there. */
static void test_mapping_overflow(void)
{
        const char *text =
                "{\"root\": {\"path\": \"r\"}, \"linux\": {\"uidMappings\": [{\"containerID\": 0, "
                "\"hostID\": 4294967290, \"size\": 10}]}}";
        struct oih_spec *s = NULL;
        uint32_t id = 42;
        ok(oih_spec_parse(text, strlen(text), "/b", &s, NULL) == 0,
           "a mapping near the top of the id space parses");
        is_int(s ? oih_spec_host_uid(s, 4, &id) : -1, 0, "its ids below the top map");
        is_int(id, 4294967294, "to the top");
        is_int(s ? oih_spec_host_uid(s, 5, &id) : -1, -ERANGE, "(uid_t)-1, which means no id, does not");
        is_int(s ? oih_spec_host_uid(s, 9, &id) : -1, -ERANGE,
               "nor does an id past the 32-bit range (no wrap to 3)");
        oih_spec_free(s);
}

/* Docker and containerd write uint64 resource fields; a value beyond int64 must not make the spec unreadable
 * (it would stop every such container). */
static void test_uint64_fields(void)
{
        struct oih_spec *s = parse("{" ROOT ", \"linux\": {\"resources\": {\"memory\": {\"limit\": "
                                   "18446744073709551615, \"swap\": 18446744073709551615}}}}",
                                   NULL);
        ok(s != NULL, "a config.json with a memory limit of 2^64-1 is read");
        oih_spec_free(s);
}

/* The tmpfs mounts that the runtime makes for the container: the only mounts besides the root the hook
 * writes to. */
static void test_tmpfs_mounts(void)
{
        struct oih_spec *s =
                parse("{" ROOT ", \"mounts\": ["
                      "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
                      "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
                      " \"options\": [\"nosuid\", \"mode=755\"]},"
                      "{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\"},"
                      "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\","
                      " \"options\": [\"rbind\"]},"
                      "{\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"/host/tmpfs\","
                      " \"options\": [\"bind\"]},"
                      "{\"destination\": 7, \"type\": \"tmpfs\"}, \"junk\"]}",
                      NULL);
        is_int(s ? strv_length(s->tmpfs_mounts) : 0, 2,
               "two tmpfs mounts: not a bind, not a tmpfs with the bind option, not a broken entry");
        is_str(s && strv_length(s->tmpfs_mounts) > 0 ? s->tmpfs_mounts[0] : NULL, "/dev", "/dev");
        is_str(s && strv_length(s->tmpfs_mounts) > 1 ? s->tmpfs_mounts[1] : NULL, "/dev/shm", "/dev/shm");
        oih_spec_free(s);
        s = parse("{" ROOT ", \"mounts\": {\"a\": 1}}", NULL);
        ok(s && !s->tmpfs_mounts, "mounts that are not an array grant nothing and stop nothing");
        oih_spec_free(s);
}

int main(void)
{
        test_mapping_overflow();
        test_root();
        test_env();
        test_linux();
        test_read();
        test_tmpfs_mounts();
        test_uint64_fields();
        return tap_finish();
}
