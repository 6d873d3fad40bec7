/* SPDX-License-Identifier: Apache-2.0 */
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "json.h"

struct oih_json {
        enum oih_json_type type;
        union {
                bool boolean;
                int64_t integer;
                double real;
                char *string;
                struct {
                        oih_json **values;
                        char **keys; /* objects only */
                        size_t len, allocated;
                } c;
        };
};

enum oih_json_type oih_json_type_of(const oih_json *v)
{
        return v ? v->type : OIH_JSON_NULL;
}

const char *oih_json_type_name(const oih_json *v)
{
        switch (oih_json_type_of(v)) {
        case OIH_JSON_NULL:
                return "null";
        case OIH_JSON_BOOLEAN:
                return "a boolean";
        case OIH_JSON_INTEGER:
        case OIH_JSON_DOUBLE:
                return "a number";
        case OIH_JSON_STRING:
                return "a string";
        case OIH_JSON_ARRAY:
                return "an array";
        case OIH_JSON_OBJECT:
                return "an object";
        }
        return "an unknown value";
}

void oih_json_free(oih_json *v)
{
        if (!v)
                return;
        if (v->type == OIH_JSON_STRING)
                free(v->string);
        else if (v->type == OIH_JSON_ARRAY || v->type == OIH_JSON_OBJECT) {
                /* Recursion is bounded: the parser refuses nesting beyond OIH_JSON_MAX_DEPTH. */
                for (size_t i = 0; i < v->c.len; i++) {
                        oih_json_free(v->c.values[i]);
                        if (v->c.keys)
                                free(v->c.keys[i]);
                }
                free(v->c.values);
                free(v->c.keys);
        }
        free(v);
}

size_t oih_json_length(const oih_json *v)
{
        if (!v || (v->type != OIH_JSON_ARRAY && v->type != OIH_JSON_OBJECT))
                return 0;
        return v->c.len;
}

const oih_json *oih_json_array_at(const oih_json *v, size_t i)
{
        if (!v || v->type != OIH_JSON_ARRAY || i >= v->c.len)
                return NULL;
        return v->c.values[i];
}

const char *oih_json_object_key_at(const oih_json *v, size_t i)
{
        if (!v || v->type != OIH_JSON_OBJECT || i >= v->c.len)
                return NULL;
        return v->c.keys[i];
}

const oih_json *oih_json_object_value_at(const oih_json *v, size_t i)
{
        if (!v || v->type != OIH_JSON_OBJECT || i >= v->c.len)
                return NULL;
        return v->c.values[i];
}

const oih_json *oih_json_object_get(const oih_json *v, const char *key)
{
        if (!v || v->type != OIH_JSON_OBJECT)
                return NULL;
        for (size_t i = v->c.len; i > 0; i--)
                if (streq(v->c.keys[i - 1], key))
                        return v->c.values[i - 1];
        return NULL;
}

const char *oih_json_string(const oih_json *v)
{
        return v && v->type == OIH_JSON_STRING ? v->string : NULL;
}

bool oih_json_integer(const oih_json *v, int64_t *ret)
{
        if (!v || v->type != OIH_JSON_INTEGER)
                return false;
        *ret = v->integer;
        return true;
}

bool oih_json_boolean(const oih_json *v, bool *ret)
{
        if (!v || v->type != OIH_JSON_BOOLEAN)
                return false;
        *ret = v->boolean;
        return true;
}

/* The parser: yajl's event callbacks build the tree on an explicit stack. */
struct builder {
        oih_json *root;
        oih_json *stack[OIH_JSON_MAX_DEPTH];
        size_t depth;
        char *pending_key;
        const char *failure; /* why a callback stopped the parse */
};

static bool container_append(oih_json *c, char *key, oih_json *v)
{
        if (c->c.len == c->c.allocated) {
                size_t n = c->c.allocated ? c->c.allocated * 2 : 4;
                oih_json **values = reallocarray(c->c.values, n, sizeof(*values));
                if (!values)
                        return false;
                c->c.values = values;
                if (c->type == OIH_JSON_OBJECT) {
                        char **keys = reallocarray(c->c.keys, n, sizeof(*keys));
                        if (!keys)
                                return false;
                        c->c.keys = keys;
                }
                c->c.allocated = n;
        }
        c->c.values[c->c.len] = v;
        if (c->type == OIH_JSON_OBJECT)
                c->c.keys[c->c.len] = key;
        c->c.len++;
        return true;
}

/* Attaches a new value to the container being built (or makes it the root). Takes v either way. */
static int builder_add(struct builder *b, oih_json *v)
{
        if (!v) {
                b->failure = "out of memory";
                return 0;
        }
        if (b->depth == 0) {
                b->root = v;
                return 1;
        }

        oih_json *parent = b->stack[b->depth - 1];
        char *key = parent->type == OIH_JSON_OBJECT ? TAKE_PTR(b->pending_key) : NULL;
        if (!container_append(parent, key, v)) {
                free(key);
                oih_json_free(v);
                b->failure = "out of memory";
                return 0;
        }
        return 1;
}

static oih_json *value_new(enum oih_json_type type)
{
        oih_json *v = calloc(1, sizeof(*v));
        if (v)
                v->type = type;
        return v;
}

static int on_null(void *ctx)
{
        return builder_add(ctx, value_new(OIH_JSON_NULL));
}

static int on_boolean(void *ctx, int b)
{
        oih_json *v = value_new(OIH_JSON_BOOLEAN);
        if (v)
                v->boolean = b;
        return builder_add(ctx, v);
}

static int on_integer(void *ctx, long long i)
{
        oih_json *v = value_new(OIH_JSON_INTEGER);
        if (v)
                v->integer = i;
        return builder_add(ctx, v);
}

static int on_double(void *ctx, double d)
{
        oih_json *v = value_new(OIH_JSON_DOUBLE);
        if (v)
                v->real = d;
        return builder_add(ctx, v);
}

static char *string_dup(struct builder *b, const unsigned char *s, size_t len)
{
        if (memchr(s, 0, len)) {
                b->failure = "a string contains a NUL character";
                return NULL;
        }
        char *copy = strndup((const char *)s, len);
        if (!copy)
                b->failure = "out of memory";
        return copy;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        char *copy = string_dup(b, s, len);
        if (!copy)
                return 0;
        oih_json *v = value_new(OIH_JSON_STRING);
        if (!v) {
                free(copy);
                b->failure = "out of memory";
                return 0;
        }
        v->string = copy;
        return builder_add(b, v);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        free(b->pending_key);
        b->pending_key = string_dup(b, s, len);
        return b->pending_key != NULL;
}

static int open_container(struct builder *b, enum oih_json_type type)
{
        if (b->depth >= OIH_JSON_MAX_DEPTH) {
                b->failure = "nested too deeply";
                return 0;
        }
        oih_json *v = value_new(type);
        if (!builder_add(b, v))
                return 0;
        b->stack[b->depth++] = v;
        return 1;
}

static int on_start_map(void *ctx)
{
        return open_container(ctx, OIH_JSON_OBJECT);
}

static int on_start_array(void *ctx)
{
        return open_container(ctx, OIH_JSON_ARRAY);
}

static int on_end(void *ctx)
{
        struct builder *b = ctx;
        b->depth--;
        return 1;
}

static const yajl_callbacks callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_boolean,
        .yajl_integer = on_integer,
        .yajl_double = on_double,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_key,
        .yajl_end_map = on_end,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end,
};

static int parse_failure(oih_error **err, yajl_handle h, const char *text, size_t len, const char *why)
{
        size_t offset = yajl_get_bytes_consumed(h);
        unsigned line = 1, column = 1;

        if (offset > len)
                offset = len;
        for (size_t i = 0; i < offset; i++) {
                if (text[i] == '\n') {
                        line++;
                        column = 1;
                } else
                        column++;
        }

        _cleanup_free_ char *reason = NULL;
        if (!why) {
                unsigned char *yajl_msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
                if (yajl_msg) {
                        reason = strdup((const char *)yajl_msg);
                        yajl_free_error(h, yajl_msg);
                }
                if (reason)
                        reason[strcspn(reason, "\n")] = 0;
                why = reason ?: "not valid JSON";
        }
        return oih_error_set(err, EINVAL, "line %u, column %u: %s", line, column, why);
}

int oih_json_parse(const char *text, size_t len, oih_json **ret, oih_error **err)
{
        struct builder b = {};
        int r = 0;

        if (memchr(text, 0, len))
                return oih_error_set(err, EINVAL, "contains a NUL byte: not a JSON text");

        yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
        if (!h)
                return oih_error_set(err, ENOMEM, "out of memory");
        (void)yajl_config(h, yajl_allow_comments, 1);

        yajl_status s = yajl_parse(h, (const unsigned char *)text, len);
        if (s == yajl_status_ok)
                s = yajl_complete_parse(h);
        if (s != yajl_status_ok)
                r = parse_failure(err, h, text, len, s == yajl_status_client_canceled ? b.failure : NULL);
        else if (!b.root)
                r = oih_error_set(err, EINVAL, "empty: not a JSON text");

        yajl_free(h);
        free(b.pending_key);
        if (r < 0) {
                oih_json_free(b.root);
                return r;
        }
        *ret = b.root;
        return 0;
}

/* The writer. */
struct oih_json_writer {
        yajl_gen gen;
        FILE *out;
};

static void writer_print(void *ctx, const char *s, size_t len)
{
        oih_json_writer *w = ctx;
        (void)fwrite(s, 1, len, w->out);
}

oih_json_writer *oih_json_writer_new(FILE *out, bool pretty)
{
        oih_json_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;
        w->out = out;
        w->gen = yajl_gen_alloc(NULL);
        if (!w->gen) {
                free(w);
                return NULL;
        }
        (void)yajl_gen_config(w->gen, yajl_gen_beautify, pretty ? 1 : 0);
        (void)yajl_gen_config(w->gen, yajl_gen_indent_string, "  ");
        (void)yajl_gen_config(w->gen, yajl_gen_print_callback, writer_print, w);
        return w;
}

void oih_json_writer_free(oih_json_writer *w)
{
        if (!w)
                return;
        yajl_gen_free(w->gen);
        free(w);
}

void oih_json_write_object_open(oih_json_writer *w)
{
        (void)yajl_gen_map_open(w->gen);
}

void oih_json_write_object_close(oih_json_writer *w)
{
        (void)yajl_gen_map_close(w->gen);
}

void oih_json_write_array_open(oih_json_writer *w)
{
        (void)yajl_gen_array_open(w->gen);
}

void oih_json_write_array_close(oih_json_writer *w)
{
        (void)yajl_gen_array_close(w->gen);
}

void oih_json_write_string(oih_json_writer *w, const char *s)
{
        (void)yajl_gen_string(w->gen, (const unsigned char *)s, strlen(s));
}

void oih_json_write_integer(oih_json_writer *w, int64_t i)
{
        (void)yajl_gen_integer(w->gen, i);
}

void oih_json_write_boolean(oih_json_writer *w, bool b)
{
        (void)yajl_gen_bool(w->gen, b);
}

void oih_json_write_pair(oih_json_writer *w, const char *key, const char *value)
{
        oih_json_write_string(w, key);
        oih_json_write_string(w, value);
}
