/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state on the hook's stdin. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "state.h"
#include "tap.h"

static struct oih_state *parse(const char *text, oih_error **err)
{
        struct oih_state *s = NULL;
        return oih_state_parse(text, strlen(text), &s, err) < 0 ? NULL : s;
}

static const char *message(const oih_error *err)
{
        return err ? oih_error_message(err) : NULL;
}

static void refused(const char *text, const char *expect, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_state *s = parse(text, &err);
        ok(!s, "refused: %s", why);
        is_int(err ? err->code : 0, EINVAL, "%s: EINVAL", why);
        oih_state_free(s);
        contains(message(err), expect, "the message says \"%s\"", expect);
}

/* Writes `text`, then spaces (which JSON allows after a value) up to `size` bytes in all. */
static int write_padded(int fd, const char *text, size_t size)
{
        static char spaces[65536];
        size_t l = strlen(text);

        memset(spaces, ' ', sizeof(spaces));
        if (l && write(fd, text, l) != (ssize_t)l)
                return -1;
        for (size_t o = l; o < size;) {
                size_t k = size - o < sizeof(spaces) ? size - o : sizeof(spaces);
                ssize_t w = write(fd, spaces, k);
                if (w <= 0)
                        return -1;
                o += (size_t)w;
        }
        return 0;
}

/* A file holding `text` padded to `size` bytes, opened for reading. */
static int file_with(const char *text, size_t size)
{
        char tmpl[] = "/tmp/oih-state-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0)
                tap_bail("mkstemp");
        unlink(tmpl);
        if (write_padded(fd, text, size) < 0)
                tap_bail("write");
        lseek(fd, 0, SEEK_SET);
        return fd;
}

/* The read end of a pipe that a child fills with `text` padded to `size` bytes, as a runtime would. */
static int pipe_with(const char *text, size_t size, pid_t *ret_child)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                tap_bail("pipe2");
        pid_t child = fork();
        if (child < 0)
                tap_bail("fork");
        if (child == 0) {
                /* The reader may stop early: a write to a closed pipe then just fails. */
                signal(SIGPIPE, SIG_IGN);
                close(p[0]);
                (void)write_padded(p[1], text, size);
                _exit(0);
        }
        close(p[1]);
        *ret_child = child;
        return p[0];
}

static void test_parse(void)
{
        _cleanup_error_ oih_error *err = NULL;
        struct oih_state *s = parse(
                "{\"ociVersion\": \"1.0.2\", \"id\": \"abc\", \"status\": \"created\", \"pid\": 4242,"
                " \"bundle\": \"/run/containers/abc\", \"annotations\": {\"k\": \"v\", \"x/y\": \"\"}}",
                &err);
        ok(s != NULL, "a full state parses (%s)", message(err) ?: "ok");
        if (s) {
                is_str(s->oci_version, "1.0.2", "ociVersion");
                is_str(s->id, "abc", "id");
                is_str(s->status, "created", "status");
                is_int(s->pid, 4242, "pid");
                is_str(s->bundle, "/run/containers/abc", "bundle");
                is_int(s->annotations.n, 2, "two annotations");
                is_str(oih_annotations_get(&s->annotations, "k"), "v", "an annotation");
                is_str(oih_annotations_get(&s->annotations, "x/y"), "", "an empty annotation value");
                ok(oih_annotations_get(&s->annotations, "K") == NULL, "annotation keys are case-sensitive");
        }
        oih_state_free(s);

        s = parse("{\"id\": \"old\", \"bundlePath\": \"/b\"}", NULL);
        is_str(s ? s->bundle : NULL, "/b", "the legacy key bundlePath is accepted");
        is_int(s ? s->pid : -1, 0, "without pid: 0");
        is_str(s ? s->oci_version : "no state", NULL, "without ociVersion: NULL");
        is_str(s ? s->status : "no state", NULL, "without status: NULL");
        is_int(s ? s->annotations.n : 1, 0, "without annotations: none");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/new\", \"bundlePath\": \"/old\"}", NULL);
        is_str(s ? s->bundle : NULL, "/new", "bundle wins over bundlePath");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": null, \"bundlePath\": \"/old\"}", NULL);
        is_str(s ? s->bundle : NULL, "/old", "a null bundle lets bundlePath speak");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 0}", NULL);
        is_int(s ? s->pid : -1, 0, "pid 0 is a container without a process, not an error");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 2147483647}", NULL);
        is_int(s ? s->pid : -1, 2147483647, "the largest pid_t is a pid");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": null, \"status\": null, \"annotations\": "
                  "null}",
                  NULL);
        is_int(s ? s->pid : -1, 0, "a null pid is an absent one");
        is_str(s ? s->status : "no state", NULL, "a null status is an absent one");
        is_int(s ? s->annotations.n : 1, 0, "null annotations are absent ones");
        oih_state_free(s);
        s = parse("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"k\": \"1\", \"k\": \"2\"}}",
                  NULL);
        is_str(s ? oih_annotations_get(&s->annotations, "k") : NULL, "2",
               "a repeated annotation: the last one wins");
        oih_state_free(s);
}

static void test_refused(void)
{
        refused("{\"bundle\": \"/b\"}", "\"id\" is missing", "no id");
        refused("{\"id\": \"\", \"bundle\": \"/b\"}", "\"id\" is missing or empty", "an empty id");
        refused("{\"id\": 12, \"bundle\": \"/b\"}", "\"id\": expected a string, got a number",
                "an id of the wrong type");
        refused("{\"id\": \"x\"}", "\"bundle\" is missing", "no bundle");
        refused("{\"id\": \"x\", \"bundle\": \"\"}", "\"bundle\" is missing or empty", "an empty bundle");
        refused("{\"id\": \"x\", \"bundlePath\": \"\"}", "\"bundle\" is missing or empty",
                "an empty bundlePath");
        refused("{\"id\": \"x\", \"bundle\": \"relative/dir\"}", "\"bundle\" is not an absolute path",
                "a relative bundle");
        refused("{\"id\": \"x\", \"bundlePath\": \"relative\"}", "not an absolute path",
                "a relative bundlePath");
        refused("{\"id\": \"x\", \"bundle\": [\"/b\"]}", "\"bundle\": expected a string, got an array",
                "a bundle of the wrong type");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"status\": 1}", "\"status\": expected a string",
                "a status of the wrong type");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": \"12\"}",
                "\"pid\": expected an integer, got a string", "a pid as a string");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": true}",
                "\"pid\": expected an integer, got a boolean", "a pid as a boolean");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 1.5}", "\"pid\": expected an integer",
                "a fractional pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": -5}", "\"pid\": -5 is not a process id",
                "a negative pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 2147483648}",
                "\"pid\": 2147483648 is not a process id", "a pid one past pid_t");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": 99999999999}", "is not a process id",
                "a huge pid");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"k\": 1}}",
                "annotations.\"k\": expected a string, got a number", "an annotation that is not a string");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"a\": \"ok\", \"k\": null}}",
                "annotations.\"k\"", "a null annotation");
        refused("{\"id\": \"x\", \"bundle\": \"/b\", \"annotations\": []}",
                "annotations: expected an object of strings, got an array",
                "annotations that are not an object");
        refused("[1, 2]", "expected a JSON object, got an array", "an array");
        refused("\"state\"", "expected a JSON object, got a string", "a string");
        refused("not json", "line 1, column ", "not JSON");
        refused("", "line 1, column 1", "an empty text");
}

static void test_read(void)
{
        struct oih_state *s = NULL;
        pid_t child;

        _cleanup_error_ oih_error *e1 = NULL;
        int fd = pipe_with("", 0, &child);
        is_int(oih_state_read(fd, &s, &e1), -EINVAL, "an empty pipe is refused");
        ok(!s, "with no state");
        contains(message(e1), "state on stdin: empty", "saying stdin was empty");
        close(fd);
        waitpid(child, NULL, 0);

        _cleanup_error_ oih_error *e2 = NULL;
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        is_int(oih_state_read(fd, &s, &e2), -EINVAL, "/dev/null as stdin is refused");
        ok(!s, "with no state");
        contains(message(e2), "state on stdin: empty", "as empty");
        close(fd);

        _cleanup_error_ oih_error *e3 = NULL;
        fd = pipe_with("{\"id\": \"p\", \"bundle\": \"/b\"}", OIH_STATE_MAX_SIZE + 1, &child);
        is_int(oih_state_read(fd, &s, &e3), -EFBIG, "a pipe with %d bytes is refused with EFBIG",
               OIH_STATE_MAX_SIZE + 1);
        ok(!s, "with no state");
        contains(message(e3), "state on stdin: larger than 1048576 bytes", "saying it is too large");
        close(fd);
        waitpid(child, NULL, 0);

        _cleanup_error_ oih_error *e4 = NULL;
        fd = file_with("{\"id\": \"f\", \"bundle\": \"/b\"}", OIH_STATE_MAX_SIZE + 1);
        is_int(oih_state_read(fd, &s, &e4), -EFBIG, "a file with %d bytes is refused with EFBIG",
               OIH_STATE_MAX_SIZE + 1);
        ok(!s, "with no state");
        close(fd);

        fd = pipe_with("{\"id\": \"p\", \"bundle\": \"/b\"}", OIH_STATE_MAX_SIZE, &child);
        is_int(oih_state_read(fd, &s, NULL), 0, "a state of exactly %d bytes from a pipe is read",
               OIH_STATE_MAX_SIZE);
        is_str(s ? s->id : NULL, "p", "whole");
        oih_state_free(s);
        s = NULL;
        close(fd);
        waitpid(child, NULL, 0);

        fd = file_with("{\"id\": \"f\", \"bundle\": \"/b\", \"pid\": 7}", OIH_STATE_MAX_SIZE);
        is_int(oih_state_read(fd, &s, NULL), 0, "and from a file");
        is_str(s ? s->id : NULL, "f", "its id");
        is_int(s ? s->pid : -1, 7, "its pid");
        oih_state_free(s);
        s = NULL;
        close(fd);

        _cleanup_error_ oih_error *e5 = NULL;
        fd = file_with("{\"id\": 5}", 0);
        is_int(oih_state_read(fd, &s, &e5), -EINVAL, "a bad state read from stdin is refused");
        ok(!s, "with no state");
        is_str(message(e5), "state on stdin: \"id\": expected a string, got a number",
               "the message names stdin and the key");
        close(fd);

        _cleanup_error_ oih_error *e6 = NULL;
        ok(oih_state_read(-1, &s, &e6) == -EBADF, "an fd that cannot be read is an error");
        contains(message(e6), "state on stdin: cannot read", "saying so");
}

int main(void)
{
        test_parse();
        test_refused();
        test_read();
        return tap_finish();
}
