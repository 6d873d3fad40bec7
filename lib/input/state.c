/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>

#include "state.h"
#include "util.h"

void oih_state_free(struct oih_state *s)
{
        if (!s)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->status);
        free(s->bundle);
        oih_annotations_done(&s->annotations);
        free(s);
}

/* An optional string member: absent or null leaves *ret NULL. */
static int optional_string(const oih_json *root, const char *key, char **ret, oih_error **err)
{
        const oih_json *v = oih_json_object_get(root, key);
        if (!v || oih_json_type_of(v) == OIH_JSON_NULL)
                return 0;
        const char *s = oih_json_string(v);
        if (!s)
                return oih_error_set(err, EINVAL, "\"%s\": expected a string, got %s", key,
                                     oih_json_type_name(v));
        *ret = strdup(s);
        return *ret ? 0 : oih_error_set(err, ENOMEM, "out of memory");
}

int oih_state_parse(const char *text, size_t len, struct oih_state **ret, oih_error **err)
{
        _cleanup_json_ oih_json *root = NULL;
        int r = oih_json_parse_object(text, len, &root, err);
        if (r < 0)
                return r;

        _cleanup_(oih_state_freep) struct oih_state *s = calloc(1, sizeof(*s));
        if (!s)
                return oih_error_set(err, ENOMEM, "out of memory");

        if ((r = optional_string(root, "ociVersion", &s->oci_version, err)) < 0 ||
            (r = optional_string(root, "id", &s->id, err)) < 0 ||
            (r = optional_string(root, "status", &s->status, err)) < 0 ||
            (r = optional_string(root, "bundle", &s->bundle, err)) < 0)
                return r;
        if (!s->bundle && (r = optional_string(root, "bundlePath", &s->bundle, err)) < 0)
                return r;

        if (isempty(s->id))
                return oih_error_set(err, EINVAL, "\"id\" is missing or empty");
        if (isempty(s->bundle))
                return oih_error_set(err, EINVAL, "\"bundle\" is missing or empty");
        if (s->bundle[0] != '/')
                return oih_error_set(err, EINVAL, "\"bundle\" is not an absolute path");

        const oih_json *pid = oih_json_object_get(root, "pid");
        if (pid && oih_json_type_of(pid) != OIH_JSON_NULL) {
                int64_t p;
                if (!oih_json_integer(pid, &p))
                        return oih_error_set(err, EINVAL, "\"pid\": expected an integer, got %s",
                                             oih_json_type_name(pid));
                /* pid 0 is what a runtime writes for a container without a process. */
                if (p < 0 || p > INT_MAX)
                        return oih_error_set(err, EINVAL, "\"pid\": %lld is not a process id", (long long)p);
                s->pid = (pid_t)p;
        }

        r = oih_annotations_from_json(oih_json_object_get(root, "annotations"), "annotations",
                                      &s->annotations, err);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

int oih_state_read(int fd, struct oih_state **ret, oih_error **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        int r = read_full_fd(fd, OIH_STATE_MAX_SIZE, &text, &len);
        if (r == -EFBIG)
                return oih_error_set(err, EFBIG, "state on stdin: larger than %d bytes, not an OCI state",
                                     OIH_STATE_MAX_SIZE);
        if (r < 0)
                return oih_error_set_errno(err, -r, "state on stdin: cannot read");
        if (len == 0)
                return oih_error_set(
                        err, EINVAL,
                        "state on stdin: empty; run me as an OCI hook (the runtime writes the container's state on stdin), or use 'plan --bundle DIR'");

        r = oih_state_parse(text, len, ret, err);
        if (r < 0)
                oih_error_prefix(err, "state on stdin");
        return r;
}
