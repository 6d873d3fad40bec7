/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime shim's edit of config.json: the span scanner of the JSON layer, the hook added in place with
 * every other byte kept, no second registration, refusals, and the file replaced by a rename. */
#include <sys/stat.h>

#include "json.h"
#include "spec-edit.h"
#include "tap.h"
#include "util.h"

#define HOOK "{\"path\":\"/usr/bin/oci-injector-hook\",\"args\":[\"oci-injector-hook\"]}"

static struct oih_hook_entry hook(void)
{
        static char *args[] = { (char *)"oci-injector-hook", NULL };
        return (struct oih_hook_entry){ .path = (char *)"/usr/bin/oci-injector-hook", .args = args };
}

/* The edit of `in`: its return value, and the text when changed. */
static int edit(const char *in, char **out, oih_error **err)
{
        struct oih_hook_entry h = hook();
        size_t len = 0;
        *out = NULL;
        int r = oih_spec_text_add_hook(in, strlen(in), &h, out, &len, err);
        if (r > 0 && len != strlen(*out))
                printf("#   the length returned is not the text's\n");
        return r;
}

static void edits_to(const char *in, const char *expected, const char *what)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        int r = edit(in, &out, &err);
        is_int(r, 1, "%s: changed (%s)", what, err ? oih_error_message(err) : "ok");
        is_str(out, expected, "%s: the text", what);
}

static void unchanged(const char *in, const char *what)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        int r = edit(in, &out, &err);
        is_int(r, 0, "%s: accepted (%s)", what, err ? oih_error_message(err) : "ok");
        is_str(out, NULL, "%s: nothing to change", what);
}

static void refused(const char *in, const char *message, const char *what)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        int r = edit(in, &out, &err);
        is_int(r, -EINVAL, "%s: refused", what);
        is_str(out, NULL, "%s: no text", what);
        contains(err ? oih_error_message(err) : NULL, message, "%s: the message", what);
}

static void test_scan(void)
{
        _cleanup_error_ oih_error *err = NULL;
        const char *t = " {\"a\": [1, -2.5e+3, \"x\\\"]\", true, false, null, {}], \"b\": {\"c\": \"}\"}} ";
        oih_json_span root, v, k;

        ok(oih_json_scan(t, strlen(t), &root, &err) == 0, "a document with every kind of value scans");
        is_int(root.start, 1, "the span leaves out the white space before the document");
        is_int(root.end, strlen(t) - 1, "and after it");
        ok(oih_json_span_member(t, root, "a", &v), "member a is found");
        is_int(oih_json_span_kind(t, v), '[', "member a is the array");
        size_t cursor = 0, n = 0;
        while (oih_json_span_next(t, v, &cursor, NULL, &k))
                n++;
        is_int(n, 7, "the array's seven elements are walked, a bracket inside a string not taken for one");
        ok(oih_json_span_member(t, root, "b", &v), "member b is found");
        ok(oih_json_span_member(t, v, "c", &k), "a nested member is found");
        is_int(k.end - k.start, 3, "its string span with the quotes");
        ok(!oih_json_span_member(t, root, "missing", &v), "a missing member is not found");

        /* The largest unsigned 64-bit number: Docker writes such limits. */
        const char *big = "{\"limit\": 18446744073709551615}";
        oih_json *tree = NULL;
        ok(oih_json_scan(big, strlen(big), &root, NULL) == 0, "a number above INT64_MAX scans");
        ok(oih_json_parse(big, strlen(big), &tree, NULL) == 0, "and parses into a tree (as a double)");
        oih_json_free(tree);

        static const char *const bad[][2] = {
                { "", "empty" },
                { "{\"a\": 1,}", "line 1, column 9: expected a string as an object key" },
                { "[1 2]", "expected ',' or ']'" },
                { "{\"a\" 1}", "expected ':'" },
                { "{\"a\": 01}", "expected ',' or '}'" },
                { "{\"a\": 1.}", "a malformed number" },
                { "{\"a\": tru}", "unexpected character" },
                { "{\"a\": \"x\n\"}", "a control character" },
                { "{\"a\": \"\\x\"}", "unknown escape" },
                { "{\"a\": \"\\u12g4\"}", "four hex digits" },
                { "{\"a\": \"open", "not closed" },
                { "{} {}", "text after the JSON value" },
                { "/* c */ {}", "unexpected character" },
                { "{\n\"a\":\n[1,\n}", "line 4, column 1" },
                { "{\"a\": [1,", "line 1, column 10: unexpected end of the text" },
                { "{\"a\": 1", "unexpected end of the text" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_error_ oih_error *e = NULL;
                ok(oih_json_scan(bad[i][0], strlen(bad[i][0]), &root, &e) == -EINVAL, "refused: %s",
                   bad[i][1]);
                contains(e ? oih_error_message(e) : NULL, bad[i][1], "the message says where and what");
        }

        char deep[200];
        memset(deep, '[', 100);
        memset(deep + 100, ']', 100);
        ok(oih_json_scan(deep, 200, &root, NULL) == -EINVAL, "nesting deeper than the limit is refused");
}

static void test_strings(void)
{
        const char *t = "[\"caf\\u00e9 \\ud83d\\ude00 \\/ \\t\", \"\\ud800x\", \"a\\u0000b\", \"\xc3\xa9\"]";
        oih_json_span root, v;
        size_t cursor = 0;
        char *s = NULL;

        ok(oih_json_scan(t, strlen(t), &root, NULL) == 0, "strings with escapes scan");
        ok(oih_json_span_next(t, root, &cursor, NULL, &v), "the first string");
        is_int(oih_json_span_string(t, v, &s), 0, "escapes decode");
        is_str(s, "caf\xc3\xa9 \xf0\x9f\x98\x80 / \t", "\\u escapes (a surrogate pair too) become UTF-8");
        free(s);
        ok(oih_json_span_next(t, root, &cursor, NULL, &v), "the second string");
        is_int(oih_json_span_string(t, v, &s), 0, "decodes");
        is_str(s, "\xef\xbf\xbdx", "a lone surrogate becomes U+FFFD, as Go decodes it");
        free(s);
        s = NULL;
        ok(oih_json_span_next(t, root, &cursor, NULL, &v), "the third string");
        is_int(oih_json_span_string(t, v, &s), -EINVAL, "a NUL character is refused");
        is_str(s, NULL, "with no text");
        ok(oih_json_span_next(t, root, &cursor, NULL, &v), "the fourth string");
        is_int(oih_json_span_string(t, v, &s), 0, "decodes");
        is_str(s, "\xc3\xa9", "raw UTF-8 is kept byte for byte");
        free(s);

        const char *k = "{\"Hoo\\u006BS\": 1}";
        oih_json_span key;
        cursor = 0;
        is_int(oih_json_scan(k, strlen(k), &root, NULL), 0, "a key with an escape scans");
        ok(oih_json_span_next(k, root, &cursor, &key, &v), "its member is walked");
        ok(oih_json_span_key_is(k, key, "hooks"),
           "keys match after decoding, ASCII letters in either case (as Go's encoding/json matches fields)");
        ok(!oih_json_span_key_is(k, key, "hook"), "not a shorter key");
        ok(!oih_json_span_key_is(k, key, "hooksx"), "nor a longer one");
}

static void test_edits(void)
{
        edits_to("{}", "{\"hooks\":{\"prestart\":[" HOOK "]}}", "an empty object");
        edits_to("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}}",
                 "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": "
                 "[\"sh\"]},\"hooks\":{\"prestart\":[" HOOK "]}}",
                 "no hooks: a hooks member goes last, the rest untouched");
        edits_to("{\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}]}}",
                 "{\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}],\"prestart\":[" HOOK "]}}",
                 "hooks without prestart");
        edits_to("{\"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/other\"}]}}",
                 "{\"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/other\"}," HOOK "]}}",
                 "another prestart hook: ours comes after it");
        edits_to("{\"hooks\": {\"prestart\": [ \n ]}}", "{\"hooks\": {\"prestart\": [" HOOK " \n ]}}",
                 "an empty prestart");
        edits_to("{\"hooks\": null}", "{\"hooks\": {\"prestart\":[" HOOK "]}}", "hooks null");
        edits_to("{\"hooks\": {\"prestart\": null}}", "{\"hooks\": {\"prestart\": [" HOOK "]}}",
                 "prestart null");
        edits_to("{\"Hooks\": {\"prestart\": []}}", "{\"Hooks\": {\"prestart\": [" HOOK "]}}",
                 "\"Hooks\" is the member Go reads as hooks: no second one is added");
        edits_to("{\"hooks\": {\"prestart\": [1]}, \"hooks\": {}}",
                 "{\"hooks\": {\"prestart\": [1]}, \"hooks\": {\"prestart\":[" HOOK "]}}",
                 "a repeated key: the last one is the one runtimes read");
        edits_to("{\"a\": \"}]\\\"[{\", \"limit\": 18446744073709551615}",
                 "{\"a\": \"}]\\\"[{\", \"limit\": 18446744073709551615,\"hooks\":{\"prestart\":[" HOOK
                 "]}}",
                 "brackets in strings, and a number no tree holds, stay as they are");

        unchanged("{\"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/oci-injector-hook\", \"args\": "
                  "[\"x\"]}]}}",
                  "registered already as prestart (other args)");
        unchanged("{\"hooks\": {\"createRuntime\": [{\"path\": \"\\/usr\\/bin\\/oci-injector-hook\"}]}}",
                  "registered already as createRuntime, the path written with escapes");
        edits_to("{\"hooks\": {\"createContainer\": [{\"path\": \"/usr/bin/oci-injector-hook\"}]}}",
                 "{\"hooks\": {\"createContainer\": [{\"path\": "
                 "\"/usr/bin/oci-injector-hook\"}],\"prestart\":[" HOOK "]}}",
                 "a createContainer registration (CDI's ldcache) is another thing: prestart is added");

        refused("{\"hooks\": {\"prestart\": [}", "line 1, column 25", "broken JSON");
        refused("[]", "expected a JSON object, got an array", "an array");
        refused("{\"hooks\": \"x\"}", "\"hooks\": expected an object, got a string", "hooks a string");
        refused("{\"hooks\": {\"prestart\": {}}}", "\"hooks.prestart\": expected an array, got an object",
                "prestart an object");
}

/* The runc spec's text, pretty with tabs: the edit is the addition and nothing else. */
static void test_byte_stable(void)
{
        const char *in =
                "{\n\t\"ociVersion\": \"1.0.2-dev\",\n\t\"process\": {\n\t\t\"terminal\": true,\n"
                "\t\t\"env\": [\n\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin\",\n\t\t\t\"TERM=xterm\"\n"
                "\t\t]\n\t},\n\t\"linux\": {\"resources\": {\"memory\": {\"swappiness\": "
                "18446744073709551615}}}\n}";
        _cleanup_free_ char *out = NULL;
        _cleanup_error_ oih_error *err = NULL;
        const char *added = ",\"hooks\":{\"prestart\":[" HOOK "]}";

        ok(edit(in, &out, &err) == 1, "the runc spec's text is edited");
        char *at = out ? strstr(out, added) : NULL;
        ok(at != NULL, "the addition is there as one piece");
        if (!at)
                return;
        size_t pos = (size_t)(at - out);
        is_int(strlen(out), strlen(in) + strlen(added), "the text grew by the addition alone");
        ok(memcmp(out, in, pos) == 0, "the original text up to the addition, byte for byte");
        is_str(at + strlen(added), in + pos, "and after it");

        _cleanup_free_ char *again = NULL;
        ok(edit(out, &again, NULL) == 0, "a second edit of the result finds the hook and changes nothing");
}

static void test_file(void)
{
        char *dir = tmpdir_new();
        _cleanup_free_ char *spec = write_file(dir, "config.json", "{\"ociVersion\": \"1.0.2\"}", 0640);
        struct oih_hook_entry h = hook();
        _cleanup_error_ oih_error *err = NULL;
        struct stat before, after;

        ok(stat(spec, &before) == 0, "config.json written");
        ok(oih_spec_file_add_hook(spec, &h, &err) == 1, "the file is edited (%s)",
           err ? oih_error_message(err) : "ok");
        is_int(stat(spec, &after), 0, "config.json is there");
        ok(after.st_ino != before.st_ino, "replaced by a new file (a rename)");
        is_int(after.st_mode & 07777, 0640, "the mode is kept");
        is_int(after.st_uid, before.st_uid, "the owner is kept");
        is_int(after.st_gid, before.st_gid, "the group is kept");

        _cleanup_free_ char *text = NULL;
        int fd = open(spec, O_RDONLY | O_CLOEXEC);
        ok(fd >= 0, "opened again");
        is_int(fd >= 0 ? read_full_fd(fd, 4096, &text, NULL) : -EBADF, 0, "read back");
        if (fd >= 0)
                close(fd);
        is_str(text, "{\"ociVersion\": \"1.0.2\",\"hooks\":{\"prestart\":[" HOOK "]}}", "the new text");

        _cleanup_closedir_ DIR *d = opendir(dir);
        size_t entries = 0;
        for (struct dirent *de; d && (de = readdir(d));)
                entries += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
        is_int(entries, 1, "no temporary file is left beside it");

        is_int(oih_spec_file_add_hook(spec, &h, NULL), 0, "a second run changes nothing");
        is_int(stat(spec, &before), 0, "config.json is there");
        ok(before.st_ino == after.st_ino, "the same file");

        _cleanup_free_ char *link = NULL;
        if (asprintf(&link, "%s/link.json", dir) < 0)
                tap_bail("asprintf");
        is_int(symlink("config.json", link), 0, "a symlink");
        oih_error_free(TAKE_PTR(err));
        ok(oih_spec_file_add_hook(link, &h, &err) == -ELOOP, "a symlinked config.json is refused");
        contains(err ? oih_error_message(err) : NULL, "link.json: is a symbolic link",
                 "the message names it");

        _cleanup_free_ char *broken = write_file(dir, "broken.json", "{\"hooks\": [", 0644);
        oih_error_free(TAKE_PTR(err));
        ok(oih_spec_file_add_hook(broken, &h, &err) == -EINVAL, "a broken file is refused");
        contains(err ? oih_error_message(err) : NULL, "broken.json: line 1, column 12",
                 "one line naming the file and the place");

        oih_error_free(TAKE_PTR(err));
        _cleanup_free_ char *missing = NULL;
        if (asprintf(&missing, "%s/nothere/config.json", dir) < 0)
                tap_bail("asprintf");
        is_int(oih_spec_file_add_hook(missing, &h, &err), -ENOENT, "a missing bundle folder is an error");
        contains(err ? oih_error_message(err) : NULL, "cannot open the bundle folder", "and says so");
        tmpdir_remove(dir);
}

int main(void)
{
        test_scan();
        test_strings();
        test_edits();
        test_byte_stable();
        test_file();
        return tap_finish();
}
