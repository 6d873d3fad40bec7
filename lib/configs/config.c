/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <strings.h>

#include "config.h"
#include "json.h"
#include "mount-options.h"

static const char *const kind_keys[_OIH_KIND_MAX] = {
        [OIH_KIND_DEVICE] = "devices",
        [OIH_KIND_BINARY] = "binaries",
        [OIH_KIND_LIBRARY] = "libraries",
        [OIH_KIND_DIRECTORY] = "directories",
        [OIH_KIND_MISCELLANEOUS] = "miscellaneous",
        [OIH_KIND_MOUNT] = "mounts",
};

const char *oih_kind_key(enum oih_kind kind)
{
        return kind < _OIH_KIND_MAX ? kind_keys[kind] : "?";
}

struct parser {
        struct oih_config *c;
        bool oom;
};

static void problem(struct parser *p, const char *fmt, ...) _printf_(2, 3);
static void problem(struct parser *p, const char *fmt, ...)
{
        _cleanup_free_ char *raw = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&raw, fmt, ap);
        va_end(ap);
        if (r < 0) {
                raw = NULL;
                p->oom = true;
                return;
        }
        /* A problem is one line for a person: paths from the file may carry newlines or escape
         * sequences, which would forge a second line or reach the terminal. */
        if (strv_consume(&p->c->problems, string_printable(raw)) < 0)
                p->oom = true;
}

/*
 * A key the parser does not know: hook mode ignores it (people write "comment"; the Go hook's viper
 * ignored every key it did not know) and says so in one line, validate lists it as a problem. `where`
 * is "" at the top level or "binaries[0]", `known` the table of the keys the parser knows there.
 */
static void unknown_key(struct parser *p, const char *where, const char *key, const char *const *known)
{
        _cleanup_free_ char *raw_line = NULL, *raw_name = NULL, *known_text = strv_join(known, ", ");
        char *line = NULL, *name = NULL;

        if (!known_text || asprintf(&raw_line, "%s%sunknown key \"%s\" (known: %s)", where,
                                    *where ? ": " : "", key, known_text) < 0)
                raw_line = NULL;
        if (asprintf(&raw_name, "%s%s%s", where, *where ? "." : "", key) < 0)
                raw_name = NULL;
        /* Lines for a person: a key may carry newlines or escape sequences (string_printable()). */
        if (raw_line)
                line = string_printable(raw_line);
        if (raw_name)
                name = string_printable(raw_name);
        if (!line || !name) {
                free(line);
                free(name);
                p->oom = true;
                return;
        }
        if (strv_consume(&p->c->unknown_keys, line) < 0 || strv_consume(&p->c->ignored_keys, name) < 0)
                p->oom = true;
}

static char *dup_or_oom(struct parser *p, const char *s)
{
        char *d = strdup(s);
        if (!d)
                p->oom = true;
        return d;
}

/* Keys are matched without regard to case ("Activation_Flag"), as the Go hook's viper matched them. */
static bool key_is(const char *key, const char *name)
{
        return strcasecmp(key, name) == 0;
}

/* True when `key` is one of a NULL-terminated table of keys. */
static bool key_in(const char *key, const char *const *known)
{
        for (; *known; known++)
                if (key_is(key, *known))
                        return true;
        return false;
}

/* The keys of the objects inside the lists, each table what the parser reads and what messages list. */
static const char *const path_entry_keys[] = { "path", "container_path", "optional", NULL };
static const char *const device_entry_keys[] = {
        "path", "container_path", "optional", "major", "minor", NULL
};
static const char *const mount_entry_keys[] = { "source", "destination", "options", "optional", NULL };

/* The member `name` of object o, whatever the case of its key; the last one when given twice. */
static const oih_json *member(const oih_json *o, const char *name)
{
        for (size_t i = oih_json_length(o); i > 0; i--)
                if (key_is(oih_json_object_key_at(o, i - 1), name))
                        return oih_json_object_value_at(o, i - 1);
        return NULL;
}

/* Reports keys that appear more than once in an object ("devices" and "Devices" too): a second value
 * would silently win. */
static void check_duplicate_keys(struct parser *p, const oih_json *o, const char *where)
{
        size_t n = oih_json_length(o);
        for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++) {
                        const char *a = oih_json_object_key_at(o, j), *b = oih_json_object_key_at(o, i);
                        if (!key_is(a, b))
                                continue;
                        if (streq(a, b))
                                problem(p, "%s%s\"%s\" is given twice", where, *where ? ": " : "", b);
                        else
                                problem(p,
                                        "%s%s\"%s\" is given twice, also as \"%s\" (keys are matched without regard to case)",
                                        where, *where ? ": " : "", b, a);
                        break;
                }
}

static void parse_activation(struct parser *p, const oih_json *v, const char *key,
                             struct oih_activation *ret)
{
        const char *s = oih_json_string(v);
        if (!s) {
                problem(p, "%s: expected a string such as \"NAME\" or \"NAME=value\", got %s", key,
                        oih_json_type_name(v));
                return;
        }
        const char *eq = strchr(s, '=');
        size_t l = eq ? (size_t)(eq - s) : strlen(s);
        if (l == 0) {
                if (eq)
                        problem(p, "%s: the name before \"=\" is empty", key);
                else
                        problem(p, "%s: is empty; write \"NAME\" or \"NAME=value\"", key);
                return;
        }
        ret->name = strndup(s, l);
        if (!ret->name)
                p->oom = true;
        if (eq)
                ret->value = dup_or_oom(p, eq + 1);
}

static void parse_description(struct parser *p, const oih_json *v)
{
        const char *s = oih_json_string(v);

        free(p->c->description);
        p->c->description = NULL;
        if (!s)
                problem(p, "description: expected a string, got %s", oih_json_type_name(v));
        else
                p->c->description = dup_or_oom(p, s);
}

static void parse_inject(struct parser *p, const oih_json *v)
{
        const char *s = oih_json_string(v);

        if (streq_ptr(s, "bind"))
                p->c->inject = OIH_INJECT_BIND;
        else if (streq_ptr(s, "copy"))
                p->c->inject = OIH_INJECT_COPY;
        else
                problem(p, "inject: expected \"bind\" or \"copy\"");
}

/*
 * A list, or one string where a list of strings is expected: the Go hook's viper read
 * "devices": "/dev/foo" as a list of one. False for anything else.
 */
static bool is_list(const oih_json *v)
{
        return oih_json_type_of(v) == OIH_JSON_ARRAY || oih_json_type_of(v) == OIH_JSON_STRING;
}

static size_t list_length(const oih_json *v)
{
        return oih_json_type_of(v) == OIH_JSON_ARRAY ? oih_json_length(v) : 1;
}

static const oih_json *list_at(const oih_json *v, size_t i)
{
        return oih_json_type_of(v) == OIH_JSON_ARRAY ? oih_json_array_at(v, i) : v;
}

static void parse_modules(struct parser *p, const oih_json *v)
{
        if (!is_list(v)) {
                problem(p, "modules: expected an array of module names (or one name), got %s",
                        oih_json_type_name(v));
                return;
        }
        for (size_t i = 0; i < list_length(v); i++) {
                const char *m = oih_json_string(list_at(v, i));
                if (!m)
                        problem(p, "modules[%zu]: expected a module name, got %s", i,
                                oih_json_type_name(list_at(v, i)));
                else if (!string_is_name(m, OIH_MODULE_NAME_CHARS))
                        problem(p,
                                "modules[%zu]: \"%s\" is not a module name (letters, digits, '_' and '-')",
                                i, m);
                else if (strv_extend(&p->c->modules, m) < 0)
                        p->oom = true;
        }
}

/* Checks and normalizes one path of an entry; `what` names it in messages ("devices[0]"). */
static char *entry_path(struct parser *p, const char *s, const char *what)
{
        char *n = NULL;
        const char *why = NULL;

        int r = path_normalize(s, &n, &why);
        if (r == -ENOMEM)
                p->oom = true;
        else if (r < 0)
                problem(p, "%s: \"%s\" %s; write an absolute path such as \"/dev/fuse\"", what, s, why);
        return n;
}

/* One option of a mounts entry; `what` names it in messages ("mounts[0].options[1]"). */
static void parse_mount_option(struct parser *p, const char *o, const char *what, unsigned *flags)
{
        int r = oih_mount_option_apply(o, flags);
        if (r == -EPERM)
                problem(p,
                        "%s: \"%s\" would let mounts propagate between the container and the host; leave it out",
                        what, o);
        else if (r < 0) {
                _cleanup_free_ char *known = oih_mount_options_known();
                if (!known)
                        p->oom = true;
                else
                        problem(p, "%s: \"%s\" is not a known option (%s)", what, o, known);
        }
}

static void parse_mount_options(struct parser *p, const oih_json *v, const char *where, unsigned *flags)
{
        char what[96];

        if (oih_json_type_of(v) == OIH_JSON_STRING) {
                /* "ro,nosuid" as mount(8) writes it; "" is no option, as [] is. */
                const char *text = oih_json_string(v);
                _cleanup_free_ char *copy = dup_or_oom(p, text);
                char *rest = copy && *copy ? copy : NULL;
                snprintf(what, sizeof(what), "%s.options", where);
                while (rest) {
                        char *o = strsep(&rest, ",");
                        if (!*o) {
                                problem(p, "%s: an empty option in \"%s\"", what, text);
                                break;
                        }
                        parse_mount_option(p, o, what, flags);
                }
                return;
        }
        if (oih_json_type_of(v) != OIH_JSON_ARRAY) {
                problem(p, "%s.options: expected an array of strings such as [\"ro\", \"nosuid\"], got %s",
                        where, oih_json_type_name(v));
                return;
        }
        /* ["ro", "nosuid"] as the OCI runtime spec writes it. */
        for (size_t i = 0; i < oih_json_length(v); i++) {
                const char *o = oih_json_string(oih_json_array_at(v, i));
                snprintf(what, sizeof(what), "%s.options[%zu]", where, i);
                if (!o)
                        problem(p, "%s: expected a string", what);
                else
                        parse_mount_option(p, o, what, flags);
        }
}

static bool optional_flag(struct parser *p, const oih_json *v, const char *where)
{
        bool b = false;
        if (v && !oih_json_boolean(v, &b))
                problem(p, "%s.optional: expected true or false, got %s", where, oih_json_type_name(v));
        return b;
}

static bool kind_takes_globs(enum oih_kind kind)
{
        return kind == OIH_KIND_DEVICE || kind == OIH_KIND_BINARY || kind == OIH_KIND_LIBRARY ||
               kind == OIH_KIND_MISCELLANEOUS;
}

/* Why `name` (no '/') cannot be a bare library or program name, or NULL when it can. */
static const char *bare_name_problem(const char *name)
{
        if (streq(name, ".") || streq(name, ".."))
                return "is not a file name";
        if (strlen(name) > NAME_MAX)
                return "is longer than NAME_MAX";
        for (const char *s = name; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return "has a control character";
        if (string_is_glob(name))
                return "is a glob without a folder; a glob needs one (\"/usr/lib64/libfoo*\")";
        return NULL;
}

/* A bare library or program name ("libcuda.so.1", "nvidia-smi"): the plan looks it up on the host. */
static void parse_bare_name(struct parser *p, enum oih_kind kind, const char *name, const char *where,
                            struct oih_entry *e)
{
        const char *why = bare_name_problem(name);
        if (why) {
                problem(p, "%s: \"%s\" %s; write an absolute path, or %s", where, name, why,
                        kind == OIH_KIND_LIBRARY ? "a soname such as \"libcuda.so.1\""
                                                 : "a program name such as \"nvidia-smi\"");
                return;
        }
        e->path = dup_or_oom(p, name);
        e->bare = true;
}

/* The object form of a path entry, {"path", "container_path", "optional"} (devices: "major", "minor"):
 * the two paths as written, pointing into v. */
static void parse_path_object(struct parser *p, enum oih_kind kind, const oih_json *v, const char *where,
                              struct oih_entry *e, const char **ret_path, const char **ret_container_path)
{
        const char *const *known = kind == OIH_KIND_DEVICE ? device_entry_keys : path_entry_keys;

        check_duplicate_keys(p, v, where);
        for (size_t k = 0; k < oih_json_length(v); k++) {
                const char *key = oih_json_object_key_at(v, k);
                const oih_json *val = oih_json_object_value_at(v, k);
                if (!key_in(key, known))
                        unknown_key(p, where, key, known);
                else if (key_is(key, "path") || key_is(key, "container_path")) {
                        const char *name = key_is(key, "path") ? "path" : "container_path";
                        if (!oih_json_string(val))
                                problem(p, "%s.%s: expected a string, got %s", where, name,
                                        oih_json_type_name(val));
                        else if (key_is(key, "path"))
                                *ret_path = oih_json_string(val);
                        else
                                *ret_container_path = oih_json_string(val);
                } else if (key_is(key, "major") || key_is(key, "minor")) {
                        const char *name = key_is(key, "major") ? "major" : "minor";
                        int64_t number;
                        if (!oih_json_integer(val, &number) || number < 0 || number > UINT32_MAX)
                                problem(p, "%s.%s: expected a device number from 0 to %u", where, name,
                                        UINT32_MAX);
                        else if (key_is(key, "major"))
                                e->major = number;
                        else
                                e->minor = number;
                }
                /* "optional" is read below, as the last one given. */
        }
        e->optional = optional_flag(p, member(v, "optional"), where);
        if (!*ret_path && !member(v, "path"))
                problem(p, "%s: \"path\" is missing", where);
}

/* The entry's host path (a path, a glob or a bare name) and container path, checked. */
static void set_entry_paths(struct parser *p, enum oih_kind kind, const char *path,
                            const char *container_path, const char *where, struct oih_entry *e)
{
        /* A bare device name, as Solarflare's configs write "onload" for /dev/onload. */
        _cleanup_free_ char *dev_path = NULL;
        if (kind == OIH_KIND_DEVICE && *path && !strchr(path, '/')) {
                if (asprintf(&dev_path, "/dev/%s", path) < 0) {
                        p->oom = true;
                        return;
                }
                path = dev_path;
        }

        if ((kind == OIH_KIND_LIBRARY || kind == OIH_KIND_BINARY) && *path && !strchr(path, '/'))
                parse_bare_name(p, kind, path, where, e);
        else {
                e->path = entry_path(p, path, where);
                e->glob = kind_takes_globs(kind) && string_is_glob(path);
        }
        if (container_path) {
                char what[80];
                snprintf(what, sizeof(what), "%s.container_path", where);
                e->container_path = entry_path(p, container_path, what);
                if (e->glob)
                        problem(p,
                                "%s: a glob (\"%s\") matches several files and cannot have one container_path; list the files one by one",
                                where, path);
        }
        if (e->container_path && streq(e->container_path, "/"))
                problem(p, "%s.container_path: cannot inject onto the container's root \"/\"", where);
        else if (!e->container_path && e->path && streq(e->path, "/"))
                problem(p,
                        kind == OIH_KIND_DIRECTORY
                                ? "%s: \"/\" is the container's root, which is there already; name the folder to create"
                                : "%s: cannot inject the host's root \"/\"",
                        where);
}

/* One entry of a path list: a string, or an object (parse_path_object()). */
static void parse_path_entry(struct parser *p, enum oih_kind kind, size_t i, const oih_json *v,
                             struct oih_entry *e)
{
        char where[64];
        const char *path = NULL, *container_path = NULL;

        snprintf(where, sizeof(where), "%s[%zu]", oih_kind_key(kind), i);

        if (oih_json_type_of(v) == OIH_JSON_STRING)
                path = oih_json_string(v);
        else if (oih_json_type_of(v) == OIH_JSON_OBJECT)
                parse_path_object(p, kind, v, where, e, &path, &container_path);
        else {
                problem(p, "%s: expected a path or an object with \"path\", got %s", where,
                        oih_json_type_name(v));
                return;
        }
        if (path)
                set_entry_paths(p, kind, path, container_path, where, e);
}

/* One entry of "mounts": {"source", "destination", "options", "optional"}. */
static void parse_mount_entry(struct parser *p, size_t i, const oih_json *v, struct oih_entry *e)
{
        char where[64];
        snprintf(where, sizeof(where), "mounts[%zu]", i);

        if (oih_json_type_of(v) != OIH_JSON_OBJECT) {
                problem(p, "%s: expected an object with \"source\" and \"destination\", got %s", where,
                        oih_json_type_name(v));
                return;
        }
        check_duplicate_keys(p, v, where);

        e->mount_flags = OIH_MOUNT_DEFAULTS;
        for (size_t k = 0; k < oih_json_length(v); k++) {
                const char *key = oih_json_object_key_at(v, k);
                const oih_json *val = oih_json_object_value_at(v, k);

                if (key_is(key, "source") || key_is(key, "destination")) {
                        bool source = key_is(key, "source");
                        char what[80];
                        snprintf(what, sizeof(what), "%s.%s", where, source ? "source" : "destination");
                        const char *s = oih_json_string(val);
                        if (!s) {
                                problem(p, "%s: expected a string, got %s", what, oih_json_type_name(val));
                                continue;
                        }
                        char *n = entry_path(p, s, what);
                        if (source) {
                                free(e->path);
                                e->path = n;
                        } else {
                                free(e->container_path);
                                e->container_path = n;
                        }
                } else if (key_is(key, "options"))
                        parse_mount_options(p, val, where, &e->mount_flags);
                else if (!key_in(key, mount_entry_keys))
                        unknown_key(p, where, key, mount_entry_keys);
        }
        e->optional = optional_flag(p, member(v, "optional"), where);

        if (!member(v, "source"))
                problem(p, "%s: \"source\" is missing", where);
        if (!member(v, "destination"))
                problem(p, "%s: \"destination\" is missing", where);
        if (e->container_path && streq(e->container_path, "/"))
                problem(p, "%s.destination: cannot mount onto the container's root \"/\"", where);
        if (e->path && streq(e->path, "/"))
                problem(p,
                        "%s.source: \"/\" is the host's whole root; mount the folders the container needs",
                        where);
}

static void parse_entries(struct parser *p, enum oih_kind kind, const oih_json *v)
{
        /* Mount entries are objects: only path lists take one string for a list of one. */
        if (kind == OIH_KIND_MOUNT ? oih_json_type_of(v) != OIH_JSON_ARRAY : !is_list(v)) {
                problem(p, "%s: expected an array%s, got %s", oih_kind_key(kind),
                        kind == OIH_KIND_MOUNT ? "" : " (or one path as a string)", oih_json_type_name(v));
                return;
        }

        size_t n = list_length(v);
        struct oih_entry *m = reallocarray(p->c->entries, p->c->n_entries + n + 1, sizeof(*m));
        if (!m) {
                p->oom = true;
                return;
        }
        p->c->entries = m;

        for (size_t i = 0; i < n; i++) {
                struct oih_entry *e = &p->c->entries[p->c->n_entries++];
                *e = (struct oih_entry){ .kind = kind, .index = (unsigned)i, .major = -1, .minor = -1 };
                if (kind == OIH_KIND_MOUNT)
                        parse_mount_entry(p, i, list_at(v, i), e);
                else
                        parse_path_entry(p, kind, i, list_at(v, i), e);
        }
}

/* The top-level keys besides the lists of entries (oih_kind_key()), in the order messages list them. */
static const struct {
        const char *key;
        void (*parse)(struct parser *p, const oih_json *v); /* NULL: read before the others */
} top_keys[] = {
        { "description", parse_description }, { "activation_flag", NULL }, { "activation_annotation", NULL },
        { "modules", parse_modules },         { "inject", parse_inject },
};

static void top_level_unknown_key(struct parser *p, const char *key)
{
        const char *known[ELEMENTSOF(top_keys) + _OIH_KIND_MAX + 1];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(top_keys); i++)
                known[n++] = top_keys[i].key;
        for (enum oih_kind kind = 0; kind < _OIH_KIND_MAX; kind++)
                known[n++] = oih_kind_key(kind);
        known[n] = NULL;
        unknown_key(p, "", key, known);
}

static void parse_top_level_key(struct parser *p, const char *key, const oih_json *v)
{
        for (size_t i = 0; i < ELEMENTSOF(top_keys); i++)
                if (key_is(key, top_keys[i].key)) {
                        if (top_keys[i].parse)
                                top_keys[i].parse(p, v);
                        return;
                }
        for (enum oih_kind kind = 0; kind < _OIH_KIND_MAX; kind++)
                if (key_is(key, oih_kind_key(kind))) {
                        parse_entries(p, kind, v);
                        return;
                }
        top_level_unknown_key(p, key);
}

static void parse_document(struct parser *p, const oih_json *root)
{
        struct oih_config *c = p->c;

        if (oih_json_type_of(root) != OIH_JSON_OBJECT) {
                problem(p, "expected a JSON object, got %s", oih_json_type_name(root));
                return;
        }
        check_duplicate_keys(p, root, "");

        /* The activation first, so that a config with other problems can still be told apart. */
        const oih_json *v;
        if ((v = member(root, "activation_flag")))
                parse_activation(p, v, "activation_flag", &c->flag);
        if ((v = member(root, "activation_annotation")))
                parse_activation(p, v, "activation_annotation", &c->annotation);

        for (size_t i = 0; i < oih_json_length(root); i++)
                parse_top_level_key(p, oih_json_object_key_at(root, i), oih_json_object_value_at(root, i));

        if (!c->flag.name && !c->annotation.name && !member(root, "activation_flag") &&
            !member(root, "activation_annotation"))
                problem(p,
                        "neither \"activation_flag\" nor \"activation_annotation\" is given: no container could ever activate this config");
}

static struct oih_config *config_new(const char *file)
{
        struct oih_config *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->file = strdup(file);
        c->name = strdup(path_basename(file));
        if (!c->file || !c->name) {
                oih_config_free(c);
                return NULL;
        }
        return c;
}

int oih_config_parse(const char *file, const char *text, size_t len, struct oih_config **ret)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_json_ oih_json *root = NULL;
        struct parser p = { .c = config_new(file) };

        if (!p.c)
                return -ENOMEM;

        if (oih_json_parse(text, len, &root, &err) < 0)
                problem(&p, "not valid JSON: %s", oih_error_message(err));
        else
                parse_document(&p, root);

        if (p.oom) {
                oih_config_free(p.c);
                return -ENOMEM;
        }
        *ret = p.c;
        return 0;
}

int oih_config_new_broken(const char *file, char *problem_text, struct oih_config **ret)
{
        struct oih_config *c = config_new(file);
        if (!c || strv_consume(&c->problems, problem_text) < 0) {
                if (!c)
                        free(problem_text);
                oih_config_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void oih_config_free(struct oih_config *c)
{
        if (!c)
                return;
        free(c->file);
        free(c->name);
        free(c->description);
        free(c->flag.name);
        free(c->flag.value);
        free(c->annotation.name);
        free(c->annotation.value);
        strv_free(c->modules);
        for (size_t i = 0; i < c->n_entries; i++) {
                free(c->entries[i].path);
                free(c->entries[i].container_path);
        }
        free(c->entries);
        strv_free(c->problems);
        strv_free(c->unknown_keys);
        strv_free(c->ignored_keys);
        free(c);
}
