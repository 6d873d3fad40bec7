/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "json.h"
#include "spec-edit.h"
#include "spec.h"
#include "util.h"

void oih_hook_entry_done(struct oih_hook_entry *h)
{
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
        *h = (struct oih_hook_entry){};
}

static void write_strv(oih_json_writer *w, const char *key, char *const *l)
{
        oih_json_write_string(w, key);
        oih_json_write_array_open(w);
        STRV_FOREACH (s, l)
                oih_json_write_string(w, *s);
        oih_json_write_array_close(w);
}

int oih_hook_entry_to_json(const struct oih_hook_entry *h, char **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;

        oih_json_writer *w = oih_json_writer_new(f, false);
        if (!w) {
                (void)fclose(f);
                return -ENOMEM;
        }
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "path", h->path);
        if (h->args)
                write_strv(w, "args", h->args);
        if (h->env)
                write_strv(w, "env", h->env);
        if (h->timeout > 0) {
                oih_json_write_string(w, "timeout");
                oih_json_write_integer(w, h->timeout);
        }
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        bool failed = ferror(f);
        if (fclose(f) != 0 || failed)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}

static const char *kind_name(char kind)
{
        switch (kind) {
        case '{':
                return "an object";
        case '[':
                return "an array";
        case '"':
                return "a string";
        case 't':
        case 'f':
                return "a boolean";
        case 'n':
                return "null";
        default:
                return "a number";
        }
}

/* True when an array of hooks (any other value: false) has one whose path is `path`. */
static int stage_has(const char *text, oih_json_span stage, const char *path, bool *ret)
{
        oih_json_span entry, p;
        size_t cursor = 0;

        *ret = false;
        if (oih_json_span_kind(text, stage) != '[')
                return 0;
        while (oih_json_span_next(text, stage, &cursor, NULL, &entry)) {
                if (!oih_json_span_member(text, entry, "path", &p) || oih_json_span_kind(text, p) != '"')
                        continue;
                _cleanup_free_ char *s = NULL;
                int r = oih_json_span_string(text, p, &s);
                if (r == -ENOMEM)
                        return r;
                if (r == 0 && streq(s, path)) {
                        *ret = true;
                        return 0;
                }
        }
        return 0;
}

/* text with `piece` put at `at`, or in place of text[at, at + cut). */
static int text_splice(const char *text, size_t len, size_t at, size_t cut, const char *sep,
                       const char *piece, char **ret, size_t *ret_len)
{
        size_t ls = strlen(sep), lp = strlen(piece), n = len - cut + ls + lp;
        char *out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, text, at);
        memcpy(out + at, sep, ls);
        memcpy(out + at + ls, piece, lp);
        memcpy(out + at + ls + lp, text + at + cut, len - at - cut);
        out[n] = 0;
        *ret = out;
        *ret_len = n;
        return 0;
}

/* Puts `piece` (an element, or a "key": value member) last into an array or object. */
static int append_to(const char *text, size_t len, oih_json_span container, const char *piece, char **ret,
                     size_t *ret_len)
{
        oih_json_span v, last = {};
        size_t cursor = 0;
        bool any = false;

        while (oih_json_span_next(text, container, &cursor, NULL, &v)) {
                last = v;
                any = true;
        }
        if (any)
                return text_splice(text, len, last.end, 0, ",", piece, ret, ret_len);
        return text_splice(text, len, container.start + 1, 0, "", piece, ret, ret_len);
}

int oih_spec_text_add_hook(const char *text, size_t len, const struct oih_hook_entry *hook, char **ret,
                           size_t *ret_len, oih_error **err)
{
        oih_json_span root, hooks, prestart, stage;
        _cleanup_free_ char *entry = NULL, *piece = NULL;
        int r;

        r = oih_json_scan(text, len, &root, err);
        if (r < 0)
                return r;
        if (oih_json_span_kind(text, root) != '{')
                return oih_error_set(err, EINVAL, "expected a JSON object, got %s",
                                     kind_name(oih_json_span_kind(text, root)));
        if (oih_hook_entry_to_json(hook, &entry) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");

        if (!oih_json_span_member(text, root, "hooks", &hooks)) {
                if (asprintf(&piece, "\"hooks\":{\"prestart\":[%s]}", entry) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                r = append_to(text, len, root, piece, ret, ret_len);
                goto done;
        }
        switch (oih_json_span_kind(text, hooks)) {
        case 'n':
                if (asprintf(&piece, "{\"prestart\":[%s]}", entry) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                r = text_splice(text, len, hooks.start, hooks.end - hooks.start, "", piece, ret, ret_len);
                goto done;
        case '{':
                break;
        default:
                return oih_error_set(err, EINVAL, "\"hooks\": expected an object, got %s",
                                     kind_name(oih_json_span_kind(text, hooks)));
        }

        /* Registered already (by an earlier run, by hooks.d through podman or CRI-O, by a base spec):
         * a second registration would run the hook twice for nothing. */
        static const char *const stages[] = { "prestart", "createRuntime" };
        for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
                bool found;
                if (!oih_json_span_member(text, hooks, stages[i], &stage))
                        continue;
                if (stage_has(text, stage, hook->path, &found) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                if (found)
                        return 0;
        }

        if (!oih_json_span_member(text, hooks, "prestart", &prestart)) {
                if (asprintf(&piece, "\"prestart\":[%s]", entry) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                r = append_to(text, len, hooks, piece, ret, ret_len);
                goto done;
        }
        switch (oih_json_span_kind(text, prestart)) {
        case 'n':
                if (asprintf(&piece, "[%s]", entry) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                r = text_splice(text, len, prestart.start, prestart.end - prestart.start, "", piece, ret,
                                ret_len);
                break;
        case '[':
                r = append_to(text, len, prestart, entry, ret, ret_len);
                break;
        default:
                return oih_error_set(err, EINVAL, "\"hooks.prestart\": expected an array, got %s",
                                     kind_name(oih_json_span_kind(text, prestart)));
        }
done:
        if (r < 0)
                return oih_error_set(err, -r, "out of memory");
        return 1;
}

int oih_spec_file_add_hook(const char *spec, const struct oih_hook_entry *hook, oih_error **err)
{
        _cleanup_free_ char *dir = NULL, *text = NULL, *edited = NULL;
        _cleanup_close_ int dfd = -1, fd = -1;
        const char *slash = strrchr(spec, '/'), *name = slash ? slash + 1 : spec;
        size_t len, edited_len;
        struct stat st;
        int r;

        if (isempty(name))
                return oih_error_set(err, EINVAL, "%s: not a file name", spec);
        dir = slash ? (slash == spec ? strdup("/") : strndup(spec, (size_t)(slash - spec))) : strdup(".");
        if (!dir)
                return oih_error_set(err, ENOMEM, "out of memory");

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return oih_error_set_errno(err, errno, "%s: cannot open the bundle folder %s", spec, dir);
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ELOOP)
                return oih_error_set(
                        err, ELOOP,
                        "%s: is a symbolic link; the shim replaces the file with a rename, which would replace the link: give the real file",
                        spec);
        if (fd < 0)
                return oih_error_set_errno(err, errno, "%s: cannot open", spec);
        if (fstat(fd, &st) < 0)
                return oih_error_set_errno(err, errno, "%s: cannot stat", spec);
        if (!S_ISREG(st.st_mode))
                return oih_error_set(err, EINVAL, "%s: not a regular file", spec);

        r = read_full_fd(fd, OIH_SPEC_MAX_SIZE, &text, &len);
        if (r == -EFBIG)
                return oih_error_set(err, EFBIG, "%s: larger than %d bytes", spec, OIH_SPEC_MAX_SIZE);
        if (r < 0)
                return oih_error_set_errno(err, -r, "%s: cannot read", spec);

        r = oih_spec_text_add_hook(text, len, hook, &edited, &edited_len, err);
        if (r < 0) {
                oih_error_prefix(err, "%s", spec);
                return r;
        }
        if (r == 0)
                return 0;

        /* No fsync: bundles live on tmpfs, or are written again by the engine after a crash. */
        r = file_replace_at(dfd, name, edited, edited_len, st.st_mode & 07777, st.st_uid, st.st_gid);
        if (r < 0)
                return oih_error_set_errno(err, -r, "%s: cannot write the new file beside it", spec);
        return 1;
}
