/* SPDX-License-Identifier: Apache-2.0 */
/* Which configs a container activates. */
#include "match.h"
#include "tap.h"

static struct oih_spec *spec(const char *env_and_annotations)
{
        char text[2048];
        snprintf(text, sizeof(text), "{\"root\": {\"path\": \"r\"}, %s}", env_and_annotations);
        struct oih_spec *s = NULL;
        if (oih_spec_parse(text, strlen(text), "/b", &s, NULL) < 0)
                tap_bail("spec");
        return s;
}

static struct oih_config *config(const char *name, const char *text)
{
        struct oih_config *c = NULL;
        if (oih_config_parse(name, text, strlen(text), &c) < 0)
                tap_bail("config");
        return c;
}

static bool activates(const char *flag_json, const char *spec_json)
{
        char text[512];
        snprintf(text, sizeof(text), "{ %s }", flag_json);
        struct oih_config *c = config("/c/x.json", text);
        struct oih_spec *s = spec(spec_json);
        bool r = oih_config_activation(c, s, NULL) != OIH_NOT_ACTIVATED;
        oih_config_free(c);
        oih_spec_free(s);
        return r;
}

#define ENV(...) "\"process\": {\"env\": [" __VA_ARGS__ "]}"

int main(void)
{
        ok(activates("\"activation_flag\": \"OCI_FOO\"", ENV("\"OCI_FOO=1\"")), "VAR: present with a value");
        ok(activates("\"activation_flag\": \"OCI_FOO\"", ENV("\"OCI_FOO=\"")), "VAR: present and empty");
        ok(!activates("\"activation_flag\": \"OCI_FOO\"", ENV("\"OTHER=1\"")), "VAR: absent");
        ok(!activates("\"activation_flag\": \"OCI_FOO\"", ENV("\"OCI_FOO\"")),
           "VAR: an entry without = is not a variable");
        ok(!activates("\"activation_flag\": \"OCI_FOO\"", ENV("\"OCI_FOOBAR=1\"")),
           "VAR: not a prefix of another name");
        ok(!activates("\"activation_flag\": \"OCI_FOO\"", "\"hostname\": \"x\""), "VAR: no process at all");
        ok(activates("\"activation_flag\": \"OCI_FOO=value\"", ENV("\"OCI_FOO=value\"")),
           "VAR=value: exactly");
        ok(!activates("\"activation_flag\": \"OCI_FOO=val\"", ENV("\"OCI_FOO=value\"")),
           "VAR=value: no prefix");
        ok(!activates("\"activation_flag\": \"OCI_FOO=value\"", ENV("\"OCI_FOO=value2\"")),
           "VAR=value: no longer value");
        ok(!activates("\"activation_flag\": \"OCI_FOO=.*\"", ENV("\"OCI_FOO=anything\"")),
           "VAR=value: no regular expressions");
        ok(!activates("\"activation_flag\": \"OCI_FOO=Value\"", ENV("\"OCI_FOO=value\"")),
           "VAR=value: case matters");
        ok(activates("\"activation_flag\": \"OCI_FOO=\"", ENV("\"OCI_FOO=\"")), "VAR=: exactly empty");
        ok(!activates("\"activation_flag\": \"OCI_FOO=\"", ENV("\"OCI_FOO=1\"")),
           "VAR=: not a non-empty value");
        ok(activates("\"activation_flag\": \"OCI_FOO=2\"", ENV("\"OCI_FOO=1\", \"OCI_FOO=2\"")),
           "the last entry wins");
        ok(!activates("\"activation_flag\": \"OCI_FOO=1\"", ENV("\"OCI_FOO=1\", \"OCI_FOO=2\"")),
           "an earlier entry of the same name does not count");

        ok(activates("\"activation_annotation\": \"example.com/gpu=true\"",
                     "\"annotations\": {\"example.com/gpu\": \"true\"}"),
           "annotation KEY=VALUE");
        ok(!activates("\"activation_annotation\": \"example.com/gpu=true\"",
                      "\"annotations\": {\"example.com/gpu\": \"yes\"}"),
           "annotation with another value");
        ok(activates("\"activation_annotation\": \"example.com/gpu\"",
                     "\"annotations\": {\"example.com/gpu\": \"\"}"),
           "annotation KEY: present");
        ok(activates("\"activation_flag\": \"NOPE\", \"activation_annotation\": \"a=b\"",
                     "\"annotations\": {\"a\": \"b\"}"),
           "either trigger is enough");
        ok(!activates("\"activation_annotation\": \"OCI_FOO=1\"", ENV("\"OCI_FOO=1\"")),
           "an annotation trigger does not look at the environment");

        /* Annotations from the state count when config.json has none. */
        struct oih_config *c = config("/c/a.json", "{ \"activation_annotation\": \"k=v\" }");
        struct oih_spec *s = spec("\"hostname\": \"x\"");
        struct oih_state *st = NULL;
        const char *state = "{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"k\": \"v\"}}";
        if (oih_state_parse(state, strlen(state), &st, NULL) < 0)
                tap_bail("state");
        is_int(oih_config_activation(c, s, st), OIH_ACTIVATED_BY_ANNOTATION, "annotations of the state");
        is_int(oih_config_activation(c, s, NULL), OIH_NOT_ACTIVATED, "not without them");
        oih_config_free(c);
        oih_spec_free(s);

        /* Sandboxes. */
        struct oih_spec *cri = spec(ENV(
                "\"OCI_FOO=1\"") ", \"annotations\": {\"io.kubernetes.cri.container-type\": \"sandbox\"}");
        struct oih_spec *crio = spec(ENV(
                "\"OCI_FOO=1\"") ", \"annotations\": {\"io.kubernetes.cri-o.ContainerType\": \"sandbox\"}");
        struct oih_spec *workload = spec(ENV(
                "\"OCI_FOO=1\"") ", \"annotations\": {\"io.kubernetes.cri.container-type\": \"container\"}");
        ok(oih_container_is_sandbox(cri, NULL) && oih_container_is_sandbox(crio, NULL) &&
                   !oih_container_is_sandbox(workload, NULL),
           "containerd's and CRI-O's sandbox annotations are recognised");

        /* oih_match over a set. */
        struct oih_config_set set = { 0 };
        struct oih_config *items[] = {
                config("/c/10-good.json",
                       "{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"/dev/null\"] }"),
                config("/c/20-other.json", "{ \"activation_flag\": \"OCI_BAR\" }"),
                config("/c/30-broken-unasked.json",
                       "{ \"activation_flag\": \"OCI_BAR\", \"devices\": [\"x\"], \"bad\": 1 }"),
                config("/c/40-unparseable.json", "{ nope"),
                config("/c/50-also.json", "{ \"activation_flag\": \"OCI_FOO=1\" }"),
        };
        set.items = items;
        set.n = ELEMENTSOF(items);
        struct oih_config **activated = NULL;
        size_t n = 0;
        _cleanup_error_ oih_error *err = NULL;
        ok(oih_match(&set, workload, NULL, &activated, &n, &err) == 0,
           "a broken config nobody asked for stops nothing");
        ok(n == 2 && activated[0] == items[0] && activated[1] == items[4],
           "the activated configs, in order");
        free(activated);
        activated = NULL;
        ok(oih_match(&set, cri, NULL, &activated, &n, NULL) == 0 && n == 0, "a sandbox activates nothing");
        free(activated);
        activated = NULL;

        struct oih_config *asked = config(
                "/c/60-asked.json", "{ \"activation_flag\": \"OCI_FOO\", \"devices\": [\"dev/rel\"] }");
        struct oih_config *with_asked[] = { items[0], asked };
        struct oih_config_set set2 = { .items = with_asked, .n = 2 };
        _cleanup_error_ oih_error *e2 = NULL;
        ok(oih_match(&set2, workload, NULL, &activated, &n, &e2) < 0,
           "an invalid config the container asked for is an error");
        contains(e2 ? oih_error_message(e2) : NULL, "/c/60-asked.json", "naming its file");
        contains(e2 ? oih_error_message(e2) : NULL, "devices[0]", "and its problem");

        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                oih_config_free(items[i]);
        oih_config_free(asked);
        oih_spec_free(cri);
        oih_spec_free(crio);
        oih_spec_free(workload);
        oih_state_free(st);
        return tap_finish();
}
