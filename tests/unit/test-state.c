/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state on the hook's stdin. */
#include <fcntl.h>

#include "state.h"
#include "tap.h"

static struct oih_state *parse(const char *text, oih_error **err)
{
        struct oih_state *s = NULL;
        return oih_state_parse(text, strlen(text), &s, err) < 0 ? NULL : s;
}

static void refused(const char *text, const char *expect, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_state *s = parse(text, &err);
        ok(!s, "refused: %s", why);
        oih_state_free(s);
        contains(err ? oih_error_message(err) : NULL, expect, "the message says \"%s\"", expect);
}

/* A pipe with `size` bytes of `text` repeated, as a runtime would write the state. */
static int pipe_with(const char *text, size_t size)
{
        char tmpl[] = "/tmp/oih-state-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0)
                tap_bail("mkstemp");
        unlink(tmpl);
        size_t l = strlen(text);
        for (size_t o = 0; o < size; o += l)
                if (write(fd, text, size - o < l ? size - o : l) < 0)
                        tap_bail("write");
        lseek(fd, 0, SEEK_SET);
        return fd;
}

int main(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_state *s =
                parse("{\"ociVersion\": \"1.0.2\", \"id\": \"abc\", \"status\": \"created\", \"pid\": 4242,"
                      " \"bundle\": \"/run/containers/abc\", \"annotations\": {\"k\": \"v\"}}",
                      &err);
        ok(s != NULL, "a full state parses");
        if (s) {
                is_str(s->oci_version, "1.0.2", "ociVersion");
                is_str(s->id, "abc", "id");
                is_str(s->status, "created", "status");
                is_int(s->pid, 4242, "pid");
                is_str(s->bundle, "/run/containers/abc", "bundle");
                is_str(oih_annotations_get(&s->annotations, "k"), "v", "annotations");
        }
        oih_state_free(s);

        s = parse("{\"id\": \"old\", \"bundlePath\": \"/b\"}", NULL);
        ok(s && streq(s->bundle, "/b") && s->pid == 0, "the legacy key bundlePath, and no pid");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/new\", \"bundlePath\": \"/old\"}", NULL);
        ok(s && streq(s->bundle, "/new"), "bundle wins over bundlePath");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 0}", NULL);
        ok(s && s->pid == 0, "pid 0 is a container without a process, not an error");
        oih_state_free(s);

        refused("{\"bundle\": \"/b\"}", "\"id\" is missing", "no id");
        refused("{\"id\": \"\", \"bundle\": \"/b\"}", "\"id\" is missing or empty", "an empty id");
        refused("{\"id\": \"x\"}", "\"bundle\" is missing", "no bundle");
        refused("{\"id\": \"x\", \"bundle\": \"relative/dir\"}", "not an absolute path",
                "a relative bundle");
        refused("{\"id\": 12, \"bundle\": \"/b\"}", "\"id\": expected a string", "an id of the wrong type");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": \"12\"}", "\"pid\": expected an integer",
                "a pid as a string");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": -5}", "not a process id", "a negative pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 99999999999}", "not a process id",
                "a huge pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 1.5}", "expected an integer",
                "a fractional pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"k\": 1}}", "annotations.\"k\"",
                "an annotation that is not a string");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": []}", "expected an object",
                "annotations that are not an object");
        refused("[1, 2]", "expected a JSON object", "not an object");
        refused("not json", "line 1", "not JSON");

        _cleanup_error_ oih_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        int fd = pipe_with("", 0);
        ok(oih_state_read(fd, &s, &e1) < 0, "an empty stdin is refused");
        contains(e1 ? oih_error_message(e1) : NULL, "state on stdin: empty", "saying stdin was empty");
        close(fd);
        fd = pipe_with("                ", OIH_STATE_MAX_SIZE + 1);
        ok(oih_state_read(fd, &s, &e2) == -EFBIG, "a state over %d bytes is refused", OIH_STATE_MAX_SIZE);
        contains(e2 ? oih_error_message(e2) : NULL, "larger than", "saying it is too large");
        close(fd);
        fd = pipe_with("{\"id\": 5}", 9);
        ok(oih_state_read(fd, &s, &e3) < 0, "a bad state read from stdin is refused");
        contains(e3 ? oih_error_message(e3) : NULL, "state on stdin: \"id\"",
                 "the message names stdin and the key");
        close(fd);
        return tap_finish();
}
