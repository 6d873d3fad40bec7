/* SPDX-License-Identifier: Apache-2.0 */
/* Which configs a container activates. */
#include "log.h"
#include "match.h"
#include "tap.h"

static struct oih_spec *spec(const char *members)
{
        char text[2048];
        snprintf(text, sizeof(text), "{\"root\": {\"path\": \"r\"}%s%s}", *members ? ", " : "", members);
        struct oih_spec *s = NULL;
        if (oih_spec_parse(text, strlen(text), "/b", &s, NULL) < 0)
                tap_bail("spec");
        return s;
}

static struct oih_state *state(const char *annotations)
{
        char text[1024];
        snprintf(text, sizeof(text), "{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {%s}}",
                 annotations);
        struct oih_state *st = NULL;
        if (oih_state_parse(text, strlen(text), &st, NULL) < 0)
                tap_bail("state");
        return st;
}

static struct oih_config *config(const char *file, const char *text)
{
        struct oih_config *c = NULL;
        if (oih_config_parse(file, text, strlen(text), &c) < 0)
                tap_bail("config");
        return c;
}

/* oih_match with everything it logs, at debug level, captured; returns what it returned. */
static int match_logged(const struct oih_config_set *set, const struct oih_spec *s, struct oih_config ***ret,
                        size_t *ret_n, oih_error **err, char **ret_log)
{
        struct stderr_capture capture;
        stderr_capture_start(&capture);
        oih_log_setup(OIH_LOG_DEBUG, OIH_LOG_STDERR);
        int r = oih_match(set, s, NULL, OIH_ACTIVATION_DEFAULT, ret, ret_n, err);
        oih_log_setup(OIH_LOG_WARNING, OIH_LOG_STDERR);
        *ret_log = stderr_capture_end(&capture);
        return r;
}

/* How the config `{ activation }` is activated by a container with these spec members. */
static enum oih_activated_by activation(const char *activation_json, const char *spec_json)
{
        char text[512];
        snprintf(text, sizeof(text), "{ %s }", activation_json);
        struct oih_config *c = config("/c/x.json", text);
        struct oih_spec *s = spec(spec_json);
        enum oih_activated_by r = oih_config_activation(c, s, NULL, OIH_ACTIVATION_DEFAULT);
        oih_config_free(c);
        oih_spec_free(s);
        return r;
}

static bool activates(const char *activation_json, const char *spec_json)
{
        return activation(activation_json, spec_json) != OIH_NOT_ACTIVATED;
}

#define ENV(...)  "\"process\": {\"env\": [" __VA_ARGS__ "]}"
#define FLAG(s)   "\"activation_flag\": \"" s "\""
#define ANNOT(s)  "\"activation_annotation\": \"" s "\""
#define ANNOTS(s) "\"annotations\": {" s "}"

static void test_flag(void)
{
        is_int(activation(FLAG("OCI_FOO"), ENV("\"OCI_FOO=1\"")), OIH_ACTIVATED_BY_FLAG,
               "VAR: present with a value, activated by the flag");
        ok(activates(FLAG("OCI_FOO"), ENV("\"OCI_FOO=\"")), "VAR: present and empty");
        ok(activates(FLAG("OCI_FOO"), ENV("\"A=1\", \"OCI_FOO=anything at all\", \"B=2\"")),
           "VAR: among other variables, any value");
        ok(!activates(FLAG("OCI_FOO"), ENV("\"OTHER=1\"")), "VAR: absent");
        ok(!activates(FLAG("OCI_FOO"), ENV("\"OCI_FOO\"")), "VAR: an entry without = is not a variable");
        ok(!activates(FLAG("OCI_FOO"), ENV("\"OCI_FOOBAR=1\"")), "VAR: not a prefix of another name");
        ok(!activates(FLAG("OCI_FOO"), ENV("\"XOCI_FOO=1\"")), "VAR: not a suffix of another name");
        ok(!activates(FLAG("OCI_FOO"), ENV("\"oci_foo=1\"")), "VAR: names are case-sensitive");
        ok(!activates(FLAG("OCI_FOO"), ENV()), "VAR: an empty environment");
        ok(!activates(FLAG("OCI_FOO"), "\"hostname\": \"x\""), "VAR: no process at all");
        ok(!activates(FLAG("OCI_FOO"), ANNOTS("\"OCI_FOO\": \"1\"")),
           "VAR: an annotation of that name does not count");

        ok(activates(FLAG("OCI_FOO=value"), ENV("\"OCI_FOO=value\"")), "VAR=value: exactly");
        ok(!activates(FLAG("OCI_FOO=val"), ENV("\"OCI_FOO=value\"")),
           "VAR=val does not match value \"value\"");
        ok(!activates(FLAG("OCI_FOO=value"), ENV("\"OCI_FOO=val\"")),
           "VAR=value does not match value \"val\"");
        ok(!activates(FLAG("OCI_FOO=alu"), ENV("\"OCI_FOO=value\"")), "VAR=value: no substring");
        ok(!activates(FLAG("OCI_FOO=.*"), ENV("\"OCI_FOO=anything\"")), "VAR=.*: no regular expressions");
        ok(!activates(FLAG("OCI_FOO=*"), ENV("\"OCI_FOO=anything\"")), "VAR=*: no globs");
        ok(activates(FLAG("OCI_FOO=.*"), ENV("\"OCI_FOO=.*\"")), "VAR=.*: matches the text \".*\" only");
        ok(!activates(FLAG("OCI_FOO=Value"), ENV("\"OCI_FOO=value\"")), "VAR=value: case matters");
        ok(!activates(FLAG("OCI_FOO=value"), ENV("\"OCI_FOO= value\"")), "VAR=value: spaces matter");
        ok(activates(FLAG("OCI_FOO=a=b"), ENV("\"OCI_FOO=a=b\"")), "VAR=a=b: a value with = in it");
        ok(activates(FLAG("OCI_FOO="), ENV("\"OCI_FOO=\"")), "VAR=: exactly empty");
        ok(!activates(FLAG("OCI_FOO="), ENV("\"OCI_FOO=1\"")), "VAR=: not a non-empty value");
        ok(!activates(FLAG("OCI_FOO="), ENV("\"OCI_FOO\"")), "VAR=: not an entry without =");

        ok(activates(FLAG("OCI_FOO=2"), ENV("\"OCI_FOO=1\", \"OCI_FOO=2\"")),
           "the last entry of a name wins");
        ok(!activates(FLAG("OCI_FOO=1"), ENV("\"OCI_FOO=1\", \"OCI_FOO=2\"")),
           "an earlier entry of the same name does not count");
        ok(activates(FLAG("OCI_FOO"), ENV("\"OCI_FOO=1\", \"OCI_FOO\"")),
           "a later entry without = does not unset it");
}

static void test_annotation(void)
{
        is_int(activation(ANNOT("example.com/gpu=true"), ANNOTS("\"example.com/gpu\": \"true\"")),
               OIH_ACTIVATED_BY_ANNOTATION, "annotation KEY=VALUE, activated by the annotation");
        ok(!activates(ANNOT("example.com/gpu=true"), ANNOTS("\"example.com/gpu\": \"yes\"")),
           "annotation with another value");
        ok(!activates(ANNOT("example.com/gpu=true"), ANNOTS("\"example.com/gpu\": \"true \"")),
           "annotation: no trailing space");
        ok(activates(ANNOT("example.com/gpu"), ANNOTS("\"example.com/gpu\": \"\"")),
           "annotation KEY: present");
        ok(!activates(ANNOT("example.com/gpu"), ANNOTS("\"example.com/gpu2\": \"\"")),
           "annotation KEY: absent");
        ok(!activates(ANNOT("example.com/gpu=.*"), ANNOTS("\"example.com/gpu\": \"x\"")),
           "annotation: no regular expressions");
        ok(!activates(ANNOT("OCI_FOO=1"), ENV("\"OCI_FOO=1\"")),
           "an annotation trigger does not look at the environment");
        ok(activates(FLAG("NOPE") ", " ANNOT("a=b"), ANNOTS("\"a\": \"b\"")), "either trigger is enough");
        is_int(activation(FLAG("F") ", " ANNOT("a=b"), ENV("\"F=1\"") ", " ANNOTS("\"a\": \"b\"")),
               OIH_ACTIVATED_BY_FLAG, "with both, the flag is named");

        /* The annotations of the state count when config.json does not have the key. */
        struct oih_config *c = config("/c/a.json", "{ " ANNOT("k=v") " }");
        struct oih_spec *bare = spec("");
        struct oih_spec *other = spec(ANNOTS("\"k\": \"w\""));
        struct oih_state *st = state("\"k\": \"v\"");
        is_int(oih_config_activation(c, bare, st, OIH_ACTIVATION_DEFAULT), OIH_ACTIVATED_BY_ANNOTATION,
               "annotations of the state");
        is_int(oih_config_activation(c, bare, NULL, OIH_ACTIVATION_DEFAULT), OIH_NOT_ACTIVATED,
               "not without them");
        is_int(oih_config_activation(c, other, st, OIH_ACTIVATION_DEFAULT), OIH_NOT_ACTIVATED,
               "config.json's value of a key hides the state's");
        oih_config_free(c);
        oih_spec_free(bare);
        oih_spec_free(other);
        oih_state_free(st);
}

static void test_sandbox(void)
{
        struct oih_spec *cri =
                spec(ENV("\"OCI_FOO=1\"") ", " ANNOTS("\"io.kubernetes.cri.container-type\": \"sandbox\""));
        struct oih_spec *crio =
                spec(ENV("\"OCI_FOO=1\"") ", " ANNOTS("\"io.kubernetes.cri-o.ContainerType\": \"sandbox\""));
        struct oih_spec *workload = spec(
                ENV("\"OCI_FOO=1\"") ", " ANNOTS("\"io.kubernetes.cri.container-type\": \"container\""));
        struct oih_spec *plain = spec(ENV("\"OCI_FOO=1\""));
        struct oih_state *sandbox_state = state("\"io.kubernetes.cri.container-type\": \"sandbox\"");

        ok(oih_container_is_sandbox(cri, NULL), "containerd's sandbox annotation is recognised");
        ok(oih_container_is_sandbox(crio, NULL), "CRI-O's sandbox annotation is recognised");
        ok(!oih_container_is_sandbox(workload, NULL), "a workload container is not a sandbox");
        ok(!oih_container_is_sandbox(plain, NULL), "nor is a container without annotations");
        ok(oih_container_is_sandbox(plain, sandbox_state), "the state's annotations count too");

        struct oih_config *c = config("/c/10-foo.json", "{ " FLAG("OCI_FOO") " }");
        struct oih_config_set set = { .items = &c, .n = 1 };
        struct oih_config **activated = NULL;
        size_t n = 99;
        is_int(oih_match(&set, workload, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, NULL), 0,
               "the workload container is matched");
        is_int(n, 1, "the workload container activates the config");
        free(activated);
        activated = NULL;
        n = 99;
        is_int(oih_match(&set, cri, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, NULL), 0,
               "the containerd sandbox is matched");
        is_int(n, 0, "the containerd sandbox activates nothing");
        free(activated);
        activated = NULL;
        n = 99;
        is_int(oih_match(&set, crio, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, NULL), 0,
               "the CRI-O sandbox is matched");
        is_int(n, 0, "the CRI-O sandbox activates nothing");
        free(activated);
        activated = NULL;
        n = 99;
        is_int(oih_match(&set, plain, sandbox_state, OIH_ACTIVATION_DEFAULT, &activated, &n, NULL), 0,
               "a sandbox named by the state is matched");
        is_int(n, 0, "a sandbox named by the state activates nothing");
        free(activated);

        oih_config_free(c);
        oih_spec_free(cri);
        oih_spec_free(crio);
        oih_spec_free(workload);
        oih_spec_free(plain);
        oih_state_free(sandbox_state);
}

static void test_match(void)
{
        struct oih_spec *s = spec(ENV("\"OCI_FOO=s3cr3t-value\", \"OCI_BAR=1\""));
        struct oih_config *items[] = {
                config("/c/10-good.json", "{ " FLAG("OCI_FOO") ", \"devices\": [\"/dev/null\"] }"),
                config("/c/20-other.json", "{ " FLAG("OCI_NONE") " }"),
                config("/c/30-broken-unasked.json",
                       "{ " FLAG("OCI_BAR=2") ", \"devices\": [\"x/y\"], \"bad\": 1 }"),
                config("/c/40-unparseable.json", "{ nope"),
                config("/c/50-also.json", "{ " FLAG("OCI_FOO=s3cr3t-value") " }"),
        };
        struct oih_config_set set = { .items = items, .n = ELEMENTSOF(items) };
        struct oih_config **activated = NULL;
        size_t n = 0;
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ char *log = NULL;
        is_int(match_logged(&set, s, &activated, &n, &err, &log), 0,
               "an invalid or unparseable config nobody asked for stops nothing");
        ok(!err, "and is no error");
        is_int(n, 2, "two configs activated");
        ok(n > 0 && activated[0] == items[0], "the first, borrowed from the set");
        ok(n > 1 && activated[1] == items[4], "the second, in the set's order");
        free(activated);
        contains(log, "warning: config \"/c/30-broken-unasked.json\" is invalid, skipping it: devices[0]: ",
                 "a skipped invalid config is a warning naming its file and first problem");
        contains(log, "warning: config \"/c/40-unparseable.json\" is invalid, skipping it: not valid JSON",
                 "so is an unparseable one");
        contains(log, "config \"/c/50-also.json\" activated by variable \"OCI_FOO\"",
                 "an activation is logged with the variable's name");
        ok(log && !strstr(log, "s3cr3t"), "and never with its value, not even at debug level");

        struct oih_config *asked =
                config("/c/60-asked.json",
                       "{ " FLAG("OCI_FOO") ", \"devices\": [\"dev/rel\"], \"binaries\": [1] }");
        struct oih_config *with_asked[] = { items[0], asked };
        struct oih_config_set set2 = { .items = with_asked, .n = 2 };
        _cleanup_error_ oih_error *e2 = NULL;
        activated = NULL;
        n = 99;
        is_int(oih_match(&set2, s, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, &e2), -EINVAL,
               "an invalid config the container activates is an error");
        ok(!activated, "no configs are returned");
        is_int(n, 99, "nor a count");
        is_str(e2 ? oih_error_message(e2) : NULL,
               "config \"/c/60-asked.json\" is activated by this container but invalid: devices[0]: "
               "\"dev/rel\" is "
               "not an absolute path; write an absolute path such as \"/dev/fuse\" (and more problems); run "
               "'oci-injector-hook validate' and fix it",
               "the message names its file and its first problem");

        struct oih_config *by_annotation =
                config("/c/70-annotated.json", "{ " ANNOT("k=v") ", \"devices\": [\"\"] }");
        struct oih_spec *annotated = spec(ANNOTS("\"k\": \"v\""));
        struct oih_config_set set3 = { .items = &by_annotation, .n = 1 };
        _cleanup_error_ oih_error *e3 = NULL;
        activated = NULL;
        ok(oih_match(&set3, annotated, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, &e3) < 0,
           "activated by an annotation: the same");
        contains(e3 ? oih_error_message(e3) : NULL,
                 "\"/c/70-annotated.json\" is activated by this container", "naming the file");
        free(activated);

        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                oih_config_free(items[i]);
        oih_config_free(asked);
        oih_config_free(by_annotation);
        oih_spec_free(s);
        oih_spec_free(annotated);
}

/* From a folder: the set is sorted by name, and so is what a container activates. */
static void test_match_from_folder(void)
{
        char *dir = tmpdir_new();
        free(write_file(dir, "30-c.json", "{ " FLAG("OCI_FOO") " }", 0644));
        free(write_file(dir, "10-a.json", "{ " FLAG("OCI_FOO") " }", 0644));
        free(write_file(dir, "20-b.json", "{ " ANNOT("k") " }", 0644));
        free(write_file(dir, "15-off.json", "{ " FLAG("OCI_OFF") " }", 0644));
        free(write_file(dir, "25-broken.json", "{ " FLAG("OCI_OFF") ", \"binaries\": [1] }", 0644));

        char *dirs[] = { dir, NULL };
        struct oih_config_set *set = NULL;
        if (oih_config_set_load(dirs, &set) < 0)
                tap_bail("load");
        struct oih_spec *s = spec(ENV("\"OCI_FOO=\"") ", " ANNOTS("\"k\": \"\""));
        struct oih_config **activated = NULL;
        size_t n = 0;
        is_int(oih_match(set, s, NULL, OIH_ACTIVATION_DEFAULT, &activated, &n, NULL), 0, "matched");
        is_int(n, 3, "three configs of five activated");
        is_str(n > 0 ? activated[0]->name : NULL, "10-a.json", "in file name order: the first");
        is_str(n > 1 ? activated[1]->name : NULL, "20-b.json", "the second");
        is_str(n > 2 ? activated[2]->name : NULL, "30-c.json", "the third");
        free(activated);
        oih_spec_free(s);
        oih_config_set_free(set);
        tmpdir_remove(dir);
}

/* The host's choice (--activation): annotations only turns the environment, the image's ENV included, off.
 */
static void test_activation_ways(void)
{
        unsigned a = 0;
        is_int(oih_activation_from_string("env,annotations", &a), 0, "env,annotations is accepted");
        is_int(a, OIH_ACTIVATION_DEFAULT, "env,annotations is the default");
        is_int(oih_activation_from_string("annotations", &a), 0, "annotations is accepted");
        is_int(a, OIH_ACTIVATION_ANNOTATIONS, "annotations");
        is_int(oih_activation_from_string("annotations,env", &a), 0, "annotations,env is accepted");
        is_int(a, OIH_ACTIVATION_DEFAULT, "in any order");
        is_int(oih_activation_from_string("env", &a), 0, "env is accepted");
        is_int(a, OIH_ACTIVATION_ENV, "env");
        const char *bad[] = { "", ",", "env,", ",env", "Env", "annotation", "env,,annotations", "none" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(oih_activation_from_string(bad[i], &a) == -EINVAL, "\"%s\" is refused", bad[i]);

        struct oih_config *both = config("/c/both.json", "{ " FLAG("F") ", " ANNOT("a=b") " }");
        struct oih_config *flag = config("/c/flag.json", "{ " FLAG("F") " }");
        struct oih_spec *env = spec(ENV("\"F=1\""));
        struct oih_spec *annotated = spec(ANNOTS("\"a\": \"b\""));
        struct oih_spec *env_and_annotation = spec(ENV("\"F=1\"") ", " ANNOTS("\"a\": \"b\""));
        is_int(oih_config_activation(flag, env, NULL, OIH_ACTIVATION_ANNOTATIONS), OIH_NOT_ACTIVATED,
               "annotations only: the environment activates nothing");
        is_int(oih_config_activation(both, annotated, NULL, OIH_ACTIVATION_ANNOTATIONS),
               OIH_ACTIVATED_BY_ANNOTATION, "annotations only: an annotation still activates");
        is_int(oih_config_activation(both, env_and_annotation, NULL, OIH_ACTIVATION_ANNOTATIONS),
               OIH_ACTIVATED_BY_ANNOTATION, "annotations only, both present: the annotation is named");
        is_int(oih_config_activation(both, annotated, NULL, OIH_ACTIVATION_ENV), OIH_NOT_ACTIVATED,
               "env only: annotations activate nothing");

        struct oih_config *items[] = { flag, both };
        struct oih_config_set set = { .items = items, .n = 2 };
        _cleanup_free_ struct oih_config **activated = NULL;
        size_t n = 99;
        is_int(oih_match(&set, env, NULL, OIH_ACTIVATION_ANNOTATIONS, &activated, &n, NULL), 0,
               "oih_match with annotations only: matched");
        is_int(n, 0, "the environment activates neither config");
        oih_config_free(both);
        oih_config_free(flag);
        oih_spec_free(env);
        oih_spec_free(annotated);
        oih_spec_free(env_and_annotation);
}

int main(void)
{
        test_flag();
        test_annotation();
        test_sandbox();
        test_match();
        test_match_from_folder();
        test_activation_ways();
        return tap_finish();
}
