/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "json.h"
#include "runtime-config.h"
#include "util.h"

#define RUNTIME_CONFIG_MAX_SIZE (64 * 1024)

/* The keys the file may have, at the top and in "hook": what the parser reads and what messages list. */
static const char *const top_keys[] = { "description", "runtime", "hook", NULL };
static const char *const hook_keys[] = { "path", "args", "env", "timeout", NULL };

/* The first key of object v that is not in `known`, or NULL. */
static const char *first_unknown_key(const oih_json *v, const char *const *known)
{
        for (size_t i = 0; i < oih_json_length(v); i++) {
                const char *key = oih_json_object_key_at(v, i);
                const char *const *k = known;
                while (*k && !streq(*k, key))
                        k++;
                if (!*k)
                        return key;
        }
        return NULL;
}

/* "FILE: WHERE: unknown key "KEY" (known: ...)", the list from the table. */
static int unknown_key(oih_error **err, const char *file, const char *where, const char *key,
                       const char *const *known)
{
        _cleanup_free_ char *list = strv_join(known, ", ");
        if (!list)
                return oih_error_set(err, ENOMEM, "out of memory");
        return oih_error_set(err, EINVAL, "%s: %sunknown key \"%s\" (known: %s)", file, where, key, list);
}

void oih_runtime_config_done(struct oih_runtime_config *c)
{
        free(c->runtime);
        oih_hook_entry_done(&c->hook);
}

int oih_runtime_config_defaults(const char *hook_path, struct oih_runtime_config *ret)
{
        struct oih_runtime_config c = {};

        c.runtime = strdup("runc");
        c.hook.path = strdup(hook_path);
        if (!c.runtime || !c.hook.path || strv_extend(&c.hook.args, path_basename(hook_path)) < 0 ||
            strv_extend(&c.hook.env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin") < 0) {
                oih_runtime_config_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

static int string_list(const char *file, const char *key, const oih_json *v, bool env, char ***ret,
                       oih_error **err)
{
        _cleanup_strv_free_ char **l = NULL;

        if (oih_json_type_of(v) != OIH_JSON_ARRAY)
                return oih_error_set(err, EINVAL, "%s: \"%s\": expected an array of strings, got %s", file,
                                     key, oih_json_type_name(v));
        for (size_t i = 0; i < oih_json_length(v); i++) {
                const char *s = oih_json_string(oih_json_array_at(v, i));
                if (!s)
                        return oih_error_set(err, EINVAL, "%s: \"%s\"[%zu]: expected a string, got %s", file,
                                             key, i, oih_json_type_name(oih_json_array_at(v, i)));
                if (env && (!strchr(s, '=') || s[0] == '='))
                        return oih_error_set(err, EINVAL, "%s: \"%s\"[%zu]: expected NAME=VALUE", file, key,
                                             i);
                if (strv_extend(&l, s) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        strv_free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}

static int parse_hook(const char *file, const oih_json *v, struct oih_hook_entry *h, oih_error **err)
{
        int r;

        if (oih_json_type_of(v) != OIH_JSON_OBJECT)
                return oih_error_set(err, EINVAL, "%s: \"hook\": expected an object, got %s", file,
                                     oih_json_type_name(v));
        const char *unknown = first_unknown_key(v, hook_keys);
        if (unknown)
                return unknown_key(err, file, "\"hook\": ", unknown, hook_keys);

        const oih_json *p = oih_json_object_get(v, "path");
        if (p) {
                const char *why = NULL;
                _cleanup_free_ char *path = NULL;
                if (!oih_json_string(p))
                        return oih_error_set(err, EINVAL, "%s: \"hook.path\": expected a string, got %s",
                                             file, oih_json_type_name(p));
                r = path_normalize(oih_json_string(p), &path, &why);
                if (r == -ENOMEM)
                        return oih_error_set(err, ENOMEM, "out of memory");
                if (r < 0)
                        return oih_error_set(err, EINVAL, "%s: \"hook.path\": \"%s\" %s", file,
                                             oih_json_string(p), why);
                free(h->path);
                h->path = TAKE_PTR(path);
                /* A new path without args of its own gets its own name as args[0]. */
                if (!oih_json_object_get(v, "args")) {
                        strv_free(h->args);
                        h->args = NULL;
                        if (strv_extend(&h->args, path_basename(h->path)) < 0)
                                return oih_error_set(err, ENOMEM, "out of memory");
                }
        }
        const oih_json *a = oih_json_object_get(v, "args");
        if (a && (r = string_list(file, "hook.args", a, false, &h->args, err)) < 0)
                return r;
        const oih_json *e = oih_json_object_get(v, "env");
        if (e && (r = string_list(file, "hook.env", e, true, &h->env, err)) < 0)
                return r;
        const oih_json *t = oih_json_object_get(v, "timeout");
        if (t) {
                int64_t seconds;
                if (!oih_json_integer(t, &seconds) || seconds < 1 || seconds > 3600)
                        return oih_error_set(err, EINVAL,
                                             "%s: \"hook.timeout\": expected seconds from 1 to 3600", file);
                h->timeout = (int)seconds;
        }
        return 0;
}

int oih_runtime_config_load(const char *path, struct oih_runtime_config *c, oih_error **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ oih_json *root = NULL;
        struct stat st;
        size_t len;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return oih_error_set_errno(err, errno, "%s: cannot open", path);
        if (fstat(fd, &st) < 0)
                return oih_error_set_errno(err, errno, "%s: cannot stat", path);
        if (!S_ISREG(st.st_mode))
                return oih_error_set(err, EINVAL, "%s: not a regular file", path);
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return oih_error_set(
                        err, EPERM,
                        "%s: refused: it is not root's or others can write it; it decides what runs as root for every container, so make it root's and mode 0644",
                        path);
        r = read_full_fd(fd, RUNTIME_CONFIG_MAX_SIZE, &text, &len);
        if (r < 0)
                return oih_error_set_errno(err, -r, "%s: cannot read", path);
        r = oih_json_parse_object(text, len, &root, err);
        if (r < 0) {
                oih_error_prefix(err, "%s", path);
                return r;
        }
        const char *unknown = first_unknown_key(root, top_keys);
        if (unknown)
                return unknown_key(err, path, "", unknown, top_keys);

        const oih_json *v = oih_json_object_get(root, "runtime");
        if (v) {
                const char *s = oih_json_string(v);
                if (isempty(s) || (strchr(s, '/') && s[0] != '/'))
                        return oih_error_set(
                                err, EINVAL,
                                "%s: \"runtime\": expected an absolute path or a program name (looked up in %s)",
                                path, OIH_PROGRAM_PATH);
                char *copy = strdup(s);
                if (!copy)
                        return oih_error_set(err, ENOMEM, "out of memory");
                free(c->runtime);
                c->runtime = copy;
        }
        v = oih_json_object_get(root, "hook");
        if (v && (r = parse_hook(path, v, &c->hook, err)) < 0)
                return r;
        return 0;
}

/* An executable regular file other than `self` (the shim's own, or NULL). */
static bool usable(const char *path, const void *userdata)
{
        const struct stat *self = userdata;
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
                return false;
        return !(self && st.st_dev == self->st_dev && st.st_ino == self->st_ino);
}

int oih_runtime_find(const char *name, const struct stat *self, char **ret, oih_error **err)
{
        if (strchr(name, '/')) {
                struct stat st;
                if (stat(name, &st) < 0)
                        return oih_error_set_errno(err, errno, "the runtime \"%s\"", name);
                if (self && st.st_dev == self->st_dev && st.st_ino == self->st_ino)
                        return oih_error_set(
                                err, ELOOP,
                                "the runtime \"%s\" is this shim itself; name the real runtime (runc, crun) in \"runtime\"",
                                name);
                if (!usable(name, self))
                        return oih_error_set(err, EACCES, "the runtime \"%s\" is not an executable file",
                                             name);
                *ret = strdup(name);
                return *ret ? 0 : oih_error_set(err, ENOMEM, "out of memory");
        }

        int r = program_path_find(name, usable, self, ret);
        if (r == -ENOMEM)
                return oih_error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                return 0;
        return oih_error_set(
                err, ENOENT,
                "the runtime \"%s\" is not in %s (other than this shim); give its path as \"runtime\" in the shim's config",
                name, OIH_PROGRAM_PATH);
}
