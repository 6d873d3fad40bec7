/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>

#include "spec.h"
#include "util.h"

void oih_spec_free(struct oih_spec *s)
{
        if (!s)
                return;
        free(s->root_path);
        strv_free(s->env);
        oih_annotations_done(&s->annotations);
        for (size_t i = 0; i < s->n_namespaces; i++) {
                free(s->namespaces[i].type);
                free(s->namespaces[i].path);
        }
        free(s->namespaces);
        free(s->uid_mappings);
        free(s->gid_mappings);
        free(s->cgroups_path);
        strv_free(s->tmpfs_mounts);
        free(s);
}

static int expect_type(const oih_json *v, enum oih_json_type type, const char *what, oih_error **err)
{
        static const char *const names[] = {
                [OIH_JSON_STRING] = "a string",
                [OIH_JSON_ARRAY] = "an array",
                [OIH_JSON_OBJECT] = "an object",
                [OIH_JSON_BOOLEAN] = "a boolean",
        };

        if (oih_json_type_of(v) == type)
                return 0;
        return oih_error_set(err, EINVAL, "%s: expected %s, got %s", what, names[type],
                             oih_json_type_name(v));
}

static int parse_root(struct oih_spec *s, const oih_json *root, const char *bundle, oih_error **err)
{
        const oih_json *r = oih_json_object_get(root, "root");
        int k;

        if (!r)
                return oih_error_set(err, EINVAL, "\"root\" is missing");
        if ((k = expect_type(r, OIH_JSON_OBJECT, "root", err)) < 0)
                return k;

        const oih_json *path = oih_json_object_get(r, "path");
        if (!path)
                return oih_error_set(err, EINVAL, "\"root.path\" is missing");
        if ((k = expect_type(path, OIH_JSON_STRING, "root.path", err)) < 0)
                return k;
        const char *p = oih_json_string(path);

        /* The container's root must be a folder of its own: "" and "/" would make the host the root. */
        size_t l = strlen(p);
        while (l > 0 && p[l - 1] == '/')
                l--;
        if (l == 0)
                return oih_error_set(err, EINVAL, "\"root.path\" is \"%s\": refusing to use the host's root",
                                     p);

        s->root_path = p[0] == '/' ? strndup(p, l) : path_join(bundle, p);
        if (!s->root_path)
                return oih_error_set(err, ENOMEM, "out of memory");
        /* "/..", "/." or a relative path climbing out of the bundle name the host's root as well: runc
         * joins root.path to the bundle with Go's filepath.Join, which folds ".." lexically. */
        _cleanup_free_ char *folded = path_simplify(s->root_path);
        if (!folded)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (streq(folded, "/"))
                return oih_error_set(err, EINVAL, "\"root.path\" is \"%s\": refusing to use the host's root",
                                     p);

        const oih_json *ro = oih_json_object_get(r, "readonly");
        if (ro && !oih_json_boolean(ro, &s->root_readonly))
                return oih_error_set(err, EINVAL, "root.readonly: expected a boolean, got %s",
                                     oih_json_type_name(ro));
        return 0;
}

static int parse_env(struct oih_spec *s, const oih_json *root, oih_error **err)
{
        const oih_json *process = oih_json_object_get(root, "process");
        int k;

        if (!process || oih_json_type_of(process) == OIH_JSON_NULL)
                return 0;
        if ((k = expect_type(process, OIH_JSON_OBJECT, "process", err)) < 0)
                return k;

        const oih_json *env = oih_json_object_get(process, "env");
        if (!env || oih_json_type_of(env) == OIH_JSON_NULL)
                return 0;
        if ((k = expect_type(env, OIH_JSON_ARRAY, "process.env", err)) < 0)
                return k;

        size_t n = oih_json_length(env);
        s->env = calloc(n + 1, sizeof(char *));
        if (!s->env)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                /* The message says where, never what: an environment value may be a secret. */
                const char *e = oih_json_string(oih_json_array_at(env, i));
                if (!e)
                        return oih_error_set(err, EINVAL, "process.env[%zu]: expected a string, got %s", i,
                                             oih_json_type_name(oih_json_array_at(env, i)));
                s->env[i] = strdup(e);
                if (!s->env[i])
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int parse_u32(const oih_json *v, const char *what, size_t i, const char *key, uint32_t *ret,
                     oih_error **err)
{
        int64_t x;
        if (!oih_json_integer(oih_json_object_get(v, key), &x) || x < 0 || x > UINT32_MAX)
                return oih_error_set(err, EINVAL, "%s[%zu].%s: expected an integer from 0 to %u", what, i,
                                     key, UINT32_MAX);
        *ret = (uint32_t)x;
        return 0;
}

static int parse_mappings(const oih_json *linux_, const char *key, struct oih_id_mapping **ret,
                          size_t *ret_n, oih_error **err)
{
        const oih_json *m = oih_json_object_get(linux_, key);
        _cleanup_free_ char *what = NULL;
        int k;

        if (!m || oih_json_type_of(m) == OIH_JSON_NULL)
                return 0;
        if (asprintf(&what, "linux.%s", key) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        if ((k = expect_type(m, OIH_JSON_ARRAY, what, err)) < 0)
                return k;

        size_t n = oih_json_length(m);
        _cleanup_free_ struct oih_id_mapping *maps = calloc(n ?: 1, sizeof(*maps));
        if (!maps)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const oih_json *e = oih_json_array_at(m, i);
                if ((k = expect_type(e, OIH_JSON_OBJECT, what, err)) < 0 ||
                    (k = parse_u32(e, what, i, "containerID", &maps[i].container_id, err)) < 0 ||
                    (k = parse_u32(e, what, i, "hostID", &maps[i].host_id, err)) < 0 ||
                    (k = parse_u32(e, what, i, "size", &maps[i].size, err)) < 0)
                        return k;
        }
        *ret = TAKE_PTR(maps);
        *ret_n = n;
        return 0;
}

static int parse_namespaces(struct oih_spec *s, const oih_json *linux_, oih_error **err)
{
        const oih_json *ns = oih_json_object_get(linux_, "namespaces");
        int k;

        if (!ns || oih_json_type_of(ns) == OIH_JSON_NULL)
                return 0;
        if ((k = expect_type(ns, OIH_JSON_ARRAY, "linux.namespaces", err)) < 0)
                return k;

        size_t n = oih_json_length(ns);
        s->namespaces = calloc(n ?: 1, sizeof(*s->namespaces));
        if (!s->namespaces)
                return oih_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const oih_json *e = oih_json_array_at(ns, i);
                const char *type = oih_json_string(oih_json_object_get(e, "type"));
                const oih_json *path = oih_json_object_get(e, "path");

                if (!type)
                        return oih_error_set(err, EINVAL, "linux.namespaces[%zu].type: expected a string",
                                             i);
                if (path && !oih_json_string(path))
                        return oih_error_set(err, EINVAL, "linux.namespaces[%zu].path: expected a string",
                                             i);
                s->namespaces[i].type = strdup(type);
                s->namespaces[i].path = path ? strdup(oih_json_string(path)) : NULL;
                s->n_namespaces++;
                if (!s->namespaces[i].type || (path && !s->namespaces[i].path))
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int parse_linux(struct oih_spec *s, const oih_json *root, oih_error **err)
{
        const oih_json *linux_ = oih_json_object_get(root, "linux");
        int k;

        if (!linux_ || oih_json_type_of(linux_) == OIH_JSON_NULL)
                return 0;
        if ((k = expect_type(linux_, OIH_JSON_OBJECT, "linux", err)) < 0)
                return k;

        if ((k = parse_namespaces(s, linux_, err)) < 0 ||
            (k = parse_mappings(linux_, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) < 0 ||
            (k = parse_mappings(linux_, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) < 0)
                return k;

        const oih_json *cg = oih_json_object_get(linux_, "cgroupsPath");
        if (cg && oih_json_type_of(cg) != OIH_JSON_NULL) {
                if ((k = expect_type(cg, OIH_JSON_STRING, "linux.cgroupsPath", err)) < 0)
                        return k;
                s->cgroups_path = strdup(oih_json_string(cg));
                if (!s->cgroups_path)
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static bool has_bind_option(const oih_json *options)
{
        for (size_t i = 0; i < oih_json_length(options); i++) {
                const char *o = oih_json_string(oih_json_array_at(options, i));
                if (o && (streq(o, "bind") || streq(o, "rbind")))
                        return true;
        }
        return false;
}

/* The runtime checked "mounts" already: an entry the hook cannot read grants it nothing, and is no error. */
static int parse_mounts(struct oih_spec *s, const oih_json *root, oih_error **err)
{
        const oih_json *mounts = oih_json_object_get(root, "mounts");

        for (size_t i = 0; i < oih_json_length(mounts) && oih_json_type_of(mounts) == OIH_JSON_ARRAY; i++) {
                const oih_json *m = oih_json_array_at(mounts, i);
                const char *type = oih_json_string(oih_json_object_get(m, "type"));
                const char *destination = oih_json_string(oih_json_object_get(m, "destination"));
                if (!streq_ptr(type, "tmpfs") || !destination ||
                    has_bind_option(oih_json_object_get(m, "options")))
                        continue;
                if (strv_extend(&s->tmpfs_mounts, destination) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

int oih_spec_parse(const char *text, size_t len, const char *bundle, struct oih_spec **ret, oih_error **err)
{
        _cleanup_json_ oih_json *root = NULL;
        int r = oih_json_parse_object(text, len, &root, err);
        if (r < 0)
                return r;

        _cleanup_spec_ struct oih_spec *s = calloc(1, sizeof(*s));
        if (!s)
                return oih_error_set(err, ENOMEM, "out of memory");

        if ((r = parse_root(s, root, bundle, err)) < 0 || (r = parse_env(s, root, err)) < 0 ||
            (r = oih_annotations_from_json(oih_json_object_get(root, "annotations"), "annotations",
                                           &s->annotations, err)) < 0 ||
            (r = parse_linux(s, root, err)) < 0 || (r = parse_mounts(s, root, err)) < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

int oih_spec_read(const char *bundle, struct oih_spec **ret, oih_error **err)
{
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ char *text = NULL;
        size_t len;

        dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return oih_error_set_errno(err, errno, "bundle \"%s\": cannot open", bundle);
        fd = openat(dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return oih_error_set_errno(err, errno, "\"%s/config.json\": cannot open", bundle);

        int r = read_full_fd(fd, OIH_SPEC_MAX_SIZE, &text, &len);
        if (r == -EFBIG)
                return oih_error_set(err, EFBIG, "\"%s/config.json\": larger than %d bytes", bundle,
                                     OIH_SPEC_MAX_SIZE);
        if (r < 0)
                return oih_error_set_errno(err, -r, "\"%s/config.json\": cannot read", bundle);

        r = oih_spec_parse(text, len, bundle, ret, err);
        if (r < 0)
                oih_error_prefix(err, "\"%s/config.json\"", bundle);
        return r;
}

const char *oih_spec_getenv(const struct oih_spec *s, const char *name)
{
        size_t l = strlen(name);
        size_t n = strv_length(s->env);

        /* An entry without "=" defines nothing: execve() passes it, but getenv() never finds it. */
        for (size_t i = n; i > 0; i--) {
                const char *e = s->env[i - 1];
                if (strncmp(e, name, l) == 0 && e[l] == '=')
                        return e + l + 1;
        }
        return NULL;
}

bool oih_spec_has_namespace(const struct oih_spec *s, const char *type)
{
        for (size_t i = 0; i < s->n_namespaces; i++)
                if (streq(s->namespaces[i].type, type))
                        return true;
        return false;
}

static int map_id(const struct oih_id_mapping *maps, size_t n, uint32_t id, uint32_t *ret)
{
        if (n == 0) {
                *ret = id;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size) {
                        uint64_t host = (uint64_t)maps[i].host_id + (id - maps[i].container_id);
                        if (host > UINT32_MAX - 1)
                                return -ERANGE; /* past the last id, or (uid_t)-1, which means none */
                        *ret = (uint32_t)host;
                        return 0;
                }
        return -ERANGE;
}

int oih_spec_host_uid(const struct oih_spec *s, uint32_t container_id, uint32_t *ret)
{
        return map_id(s->uid_mappings, s->n_uid_mappings, container_id, ret);
}

int oih_spec_host_gid(const struct oih_spec *s, uint32_t container_id, uint32_t *ret)
{
        return map_id(s->gid_mappings, s->n_gid_mappings, container_id, ret);
}
