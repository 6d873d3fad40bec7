/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
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

/*
 * A parsed document lives in an arena: nodes, strings and arrays are carved out of a few large chunks
 * and freed all at once. Every container start parses config.json and each config file; with malloc
 * per node, allocating and freeing was a third of the hook's work on the no-match path.
 */
struct chunk {
        struct chunk *next;
        size_t used, size;
        max_align_t data[];
};

struct document {
        struct chunk *chunks;
        size_t chunk_size; /* about what the text needs: fresh pages are what parsing pays most for */
        oih_json root;     /* the value oih_json_parse() returns */
};

static void *arena_alloc(struct document *d, size_t n)
{
        n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
        struct chunk *c = d->chunks;
        if (!c || c->size - c->used < n) {
                size_t size = n > d->chunk_size ? n : d->chunk_size;
                c = malloc(sizeof(struct chunk) + size);
                if (!c)
                        return NULL;
                c->next = d->chunks;
                c->used = 0;
                c->size = size;
                d->chunks = c;
        }
        void *p = (char *)c->data + c->used;
        c->used += n;
        return p;
}

static void document_free(struct document *d)
{
        for (struct chunk *c = d->chunks, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        free(d);
}

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
        if (v)
                document_free((struct document *)((char *)v - offsetof(struct document, root)));
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
        struct document *doc;
        bool has_root;
        oih_json *stack[OIH_JSON_MAX_DEPTH];
        size_t depth;
        char *pending_key;
        const char *failure; /* why a callback stopped the parse */
};

static bool container_append(struct builder *b, oih_json *c, char *key, oih_json *v)
{
        if (c->c.len == c->c.allocated) {
                /* Growing in an arena copies: the old arrays stay in the chunk until the end. */
                size_t n = c->c.allocated ? c->c.allocated * 2 : 4;
                oih_json **values = arena_alloc(b->doc, n * sizeof(*values));
                if (!values)
                        return false;
                if (c->c.len)
                        memcpy(values, c->c.values, c->c.len * sizeof(*values));
                c->c.values = values;
                if (c->type == OIH_JSON_OBJECT) {
                        char **keys = arena_alloc(b->doc, n * sizeof(*keys));
                        if (!keys)
                                return false;
                        if (c->c.len)
                                memcpy(keys, c->c.keys, c->c.len * sizeof(*keys));
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

/* Attaches a new value to the container being built (the first value is the root). */
static int builder_add(struct builder *b, oih_json *v)
{
        if (!v) {
                b->failure = "out of memory";
                return 0;
        }
        if (b->depth == 0)
                return 1;

        oih_json *parent = b->stack[b->depth - 1];
        char *key = parent->type == OIH_JSON_OBJECT ? TAKE_PTR(b->pending_key) : NULL;
        if (!container_append(b, parent, key, v)) {
                b->failure = "out of memory";
                return 0;
        }
        return 1;
}

static oih_json *value_new(struct builder *b, enum oih_json_type type)
{
        oih_json *v;
        if (!b->has_root) {
                v = &b->doc->root;
                b->has_root = true;
        } else
                v = arena_alloc(b->doc, sizeof(*v));
        if (v)
                *v = (oih_json){ .type = type };
        return v;
}

static int on_null(void *ctx)
{
        return builder_add(ctx, value_new(ctx, OIH_JSON_NULL));
}

static int on_boolean(void *ctx, int boolean)
{
        oih_json *v = value_new(ctx, OIH_JSON_BOOLEAN);
        if (v)
                v->boolean = boolean;
        return builder_add(ctx, v);
}

/*
 * Numbers come as their text: yajl's own integer callback fails the whole document on one beyond int64
 * ("integer overflow"), and runtimes write uint64 fields (Docker and containerd: memory limits, swap,
 * device numbers) that can be that large. Such a number is kept as a double: nothing this hook reads is one.
 */
static int on_number(void *ctx, const char *s, size_t len)
{
        char buf[64];
        bool integral = true;

        if (len >= sizeof(buf))
                len = sizeof(buf) - 1; /* a number this long is no integer the hook could use */
        memcpy(buf, s, len);
        buf[len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')
                        integral = false;

        errno = 0;
        long long i = integral ? strtoll(buf, NULL, 10) : 0;
        bool fits = integral && errno != ERANGE;
        oih_json *v = value_new(ctx, fits ? OIH_JSON_INTEGER : OIH_JSON_DOUBLE);
        if (v && fits)
                v->integer = i;
        else if (v)
                v->real = strtod(buf, NULL);
        return builder_add(ctx, v);
}

static char *string_dup(struct builder *b, const unsigned char *s, size_t len)
{
        if (memchr(s, 0, len)) {
                b->failure = "a string contains a NUL character";
                return NULL;
        }
        char *copy = arena_alloc(b->doc, len + 1);
        if (!copy) {
                b->failure = "out of memory";
                return NULL;
        }
        memcpy(copy, s, len);
        copy[len] = 0;
        return copy;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        char *copy = string_dup(b, s, len);
        if (!copy)
                return 0;
        oih_json *v = value_new(b, OIH_JSON_STRING);
        if (v)
                v->string = copy;
        return builder_add(b, v);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        b->pending_key = string_dup(b, s, len);
        return b->pending_key != NULL;
}

static int open_container(struct builder *b, enum oih_json_type type)
{
        if (b->depth >= OIH_JSON_MAX_DEPTH) {
                b->failure = "nested too deeply";
                return 0;
        }
        oih_json *v = value_new(b, type);
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
        .yajl_number = on_number,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_key,
        .yajl_end_map = on_end,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end,
};

static void line_column(const char *text, size_t len, size_t offset, unsigned *ret_line,
                        unsigned *ret_column)
{
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
        *ret_line = line;
        *ret_column = column;
}

/* `at_end`: yajl_complete_parse() failed, and yajl counts its bytes from that call, not from the text. */
static int parse_failure(oih_error **err, yajl_handle h, const char *text, size_t len, bool at_end,
                         const char *why)
{
        size_t offset = at_end ? len : yajl_get_bytes_consumed(h);
        unsigned line, column;

        line_column(text, len, offset, &line, &column);

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

        b.doc = calloc(1, sizeof(*b.doc));
        if (!b.doc)
                return oih_error_set(err, ENOMEM, "out of memory");
        /* A tree takes about three times its text; later chunks (rarely needed) are as large. */
        b.doc->chunk_size = len < 1024 ? 4096 - sizeof(struct chunk) : 3 * len;
        yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
        if (!h) {
                document_free(b.doc);
                return oih_error_set(err, ENOMEM, "out of memory");
        }
        (void)yajl_config(h, yajl_allow_comments, 1);

        bool at_end = false;
        yajl_status s = yajl_parse(h, (const unsigned char *)text, len);
        if (s == yajl_status_ok) {
                at_end = true;
                s = yajl_complete_parse(h);
        }
        if (s != yajl_status_ok)
                r = parse_failure(err, h, text, len, at_end,
                                  s == yajl_status_client_canceled ? b.failure : NULL);
        else if (!b.has_root)
                r = oih_error_set(err, EINVAL, "empty: not a JSON text");

        yajl_free(h);
        if (r < 0) {
                document_free(b.doc);
                return r;
        }
        *ret = &b.doc->root;
        return 0;
}

int oih_json_parse_object(const char *text, size_t len, oih_json **ret, oih_error **err)
{
        oih_json *root = NULL;
        int r = oih_json_parse(text, len, &root, err);
        if (r < 0)
                return r;
        if (oih_json_type_of(root) != OIH_JSON_OBJECT) {
                r = oih_error_set(err, EINVAL, "expected a JSON object, got %s", oih_json_type_name(root));
                oih_json_free(root);
                return r;
        }
        *ret = root;
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

/* The span scanner: a strict recursive reader that checks the syntax and records nothing but where it
 * is. It never builds values, so numbers stay text whatever their size. */
struct scanner {
        const char *text;
        size_t len, pos;
        const char *why; /* set on the first failure */
};

static bool scan_fail(struct scanner *s, const char *why)
{
        if (!s->why)
                s->why = why;
        return false;
}

static int scan_peek(const struct scanner *s)
{
        return s->pos < s->len ? (unsigned char)s->text[s->pos] : -1;
}

static void scan_space(struct scanner *s)
{
        while (s->pos < s->len) {
                char c = s->text[s->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        return;
                s->pos++;
        }
}

static bool is_digit(int c)
{
        return c >= '0' && c <= '9';
}

static int hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The four hex digits of a \u escape at text[i, i + 4), or -1. */
static int hex4(const char *text, size_t len, size_t i)
{
        int v = 0;
        if (i + 4 > len)
                return -1;
        for (size_t k = 0; k < 4; k++) {
                int h = hex_value((unsigned char)text[i + k]);
                if (h < 0)
                        return -1;
                v = v * 16 + h;
        }
        return v;
}

static bool scan_string(struct scanner *s)
{
        s->pos++; /* the opening quote */
        while (s->pos < s->len) {
                unsigned char c = (unsigned char)s->text[s->pos];
                if (c == '"') {
                        s->pos++;
                        return true;
                }
                if (c < 0x20)
                        return scan_fail(s, "a control character in a string (escape it)");
                if (c != '\\') {
                        s->pos++;
                        continue;
                }
                int e = s->pos + 1 < s->len ? (unsigned char)s->text[s->pos + 1] : -1;
                if (e == 'u') {
                        if (hex4(s->text, s->len, s->pos + 2) < 0)
                                return scan_fail(s, "a \\u escape without four hex digits");
                        s->pos += 6;
                } else if (e > 0 && strchr("\"\\/bfnrt", e)) {
                        s->pos += 2;
                } else
                        return scan_fail(s, "an unknown escape in a string");
        }
        return scan_fail(s, "a string is not closed");
}

static bool scan_digits(struct scanner *s)
{
        if (!is_digit(scan_peek(s)))
                return scan_fail(s, "a malformed number");
        while (is_digit(scan_peek(s)))
                s->pos++;
        return true;
}

static bool scan_number(struct scanner *s)
{
        if (scan_peek(s) == '-')
                s->pos++;
        if (scan_peek(s) == '0')
                s->pos++;
        else if (!scan_digits(s))
                return false;
        if (scan_peek(s) == '.') {
                s->pos++;
                if (!scan_digits(s))
                        return false;
        }
        if (scan_peek(s) == 'e' || scan_peek(s) == 'E') {
                s->pos++;
                if (scan_peek(s) == '+' || scan_peek(s) == '-')
                        s->pos++;
                if (!scan_digits(s))
                        return false;
        }
        return true;
}

static bool scan_literal(struct scanner *s, const char *word)
{
        size_t l = strlen(word);
        if (s->len - s->pos < l || memcmp(s->text + s->pos, word, l) != 0)
                return scan_fail(s, "an unexpected character (expected a value)");
        s->pos += l;
        return true;
}

static bool scan_value(struct scanner *s, unsigned depth);

/* An array or an object: `close` is its closing bracket. */
static bool scan_container(struct scanner *s, unsigned depth, char close)
{
        if (depth >= OIH_JSON_MAX_DEPTH)
                return scan_fail(s, "nested too deeply");
        s->pos++;
        scan_space(s);
        if (scan_peek(s) == close) {
                s->pos++;
                return true;
        }
        for (;;) {
                if (scan_peek(s) < 0)
                        return scan_fail(s, "unexpected end of the text");
                if (close == '}') {
                        if (scan_peek(s) != '"')
                                return scan_fail(s, "expected a string as an object key");
                        if (!scan_string(s))
                                return false;
                        scan_space(s);
                        if (scan_peek(s) != ':')
                                return scan_fail(s, "expected ':' after an object key");
                        s->pos++;
                        scan_space(s);
                }
                if (!scan_value(s, depth + 1))
                        return false;
                scan_space(s);
                if (scan_peek(s) == close) {
                        s->pos++;
                        return true;
                }
                if (scan_peek(s) < 0)
                        return scan_fail(s, "unexpected end of the text");
                if (scan_peek(s) != ',')
                        return scan_fail(s, close == '}' ? "expected ',' or '}' in an object"
                                                         : "expected ',' or ']' in an array");
                s->pos++;
                scan_space(s);
        }
}

static bool scan_value(struct scanner *s, unsigned depth)
{
        int c = scan_peek(s);
        switch (c) {
        case '{':
                return scan_container(s, depth, '}');
        case '[':
                return scan_container(s, depth, ']');
        case '"':
                return scan_string(s);
        case 't':
                return scan_literal(s, "true");
        case 'f':
                return scan_literal(s, "false");
        case 'n':
                return scan_literal(s, "null");
        case -1:
                return scan_fail(s, "unexpected end of the text");
        default:
                if (c == '-' || is_digit(c))
                        return scan_number(s);
                return scan_fail(s, "an unexpected character (expected a value)");
        }
}

int oih_json_scan(const char *text, size_t len, oih_json_span *ret, oih_error **err)
{
        struct scanner s = { .text = text, .len = len };
        unsigned line, column;

        scan_space(&s);
        if (s.pos == len)
                return oih_error_set(err, EINVAL, "empty: not a JSON text");
        size_t start = s.pos;
        if (scan_value(&s, 0)) {
                size_t end = s.pos;
                scan_space(&s);
                if (s.pos == len) {
                        *ret = (oih_json_span){ start, end };
                        return 0;
                }
                scan_fail(&s, "text after the JSON value");
        }
        line_column(text, len, s.pos, &line, &column);
        return oih_error_set(err, EINVAL, "line %u, column %u: %s", line, column, s.why);
}

bool oih_json_span_next(const char *text, oih_json_span container, size_t *cursor, oih_json_span *ret_key,
                        oih_json_span *ret_value)
{
        char kind = text[container.start];
        struct scanner s = { .text = text, .len = container.end };
        oih_json_span key = {};

        if (kind != '{' && kind != '[')
                return false;
        s.pos = *cursor ? *cursor : container.start + 1;
        scan_space(&s);
        if (scan_peek(&s) == ',') {
                s.pos++;
                scan_space(&s);
        }
        if (s.pos + 1 >= container.end) /* the closing bracket */
                return false;
        if (kind == '{') {
                key.start = s.pos;
                if (!scan_string(&s))
                        return false;
                key.end = s.pos;
                scan_space(&s);
                s.pos++; /* ':' */
                scan_space(&s);
        }
        size_t start = s.pos;
        if (!scan_value(&s, 0))
                return false;
        if (ret_key)
                *ret_key = key;
        *ret_value = (oih_json_span){ start, s.pos };
        *cursor = s.pos;
        return true;
}

/* Decodes the next character of a scanned string at text[*i] and advances past it. A raw byte (of UTF-8
 * or ASCII) comes back as it is with *ret_escaped false; an escape comes back as its code point, a
 * surrogate pair combined and a lone surrogate as U+FFFD (as Go decodes it). */
static uint32_t string_next(const char *text, size_t end, size_t *i, bool *ret_escaped)
{
        unsigned char c = (unsigned char)text[*i];
        *ret_escaped = c == '\\';
        if (c != '\\') {
                (*i)++;
                return c;
        }
        char e = text[*i + 1];
        *i += 2;
        switch (e) {
        case 'b':
                return '\b';
        case 'f':
                return '\f';
        case 'n':
                return '\n';
        case 'r':
                return '\r';
        case 't':
                return '\t';
        case 'u':
                break;
        default:
                return (unsigned char)e;
        }
        uint32_t cp = (uint32_t)hex4(text, end, *i);
        *i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && *i + 6 <= end && text[*i] == '\\' && text[*i + 1] == 'u') {
                int low = hex4(text, end, *i + 2);
                if (low >= 0xDC00 && low < 0xE000) {
                        *i += 6;
                        return 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
                }
        }
        return cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp;
}

static char ascii_lower(uint32_t c)
{
        return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (char)c;
}

bool oih_json_span_key_is(const char *text, oih_json_span s, const char *ascii)
{
        size_t i = s.start + 1, end = s.end - 1;
        const char *k = ascii;
        bool escaped;

        while (i < end) {
                uint32_t c = string_next(text, end, &i, &escaped);
                if (!*k || c > 0x7f || ascii_lower(c) != ascii_lower((unsigned char)*k))
                        return false;
                k++;
        }
        return *k == 0;
}

bool oih_json_span_member(const char *text, oih_json_span object, const char *key, oih_json_span *ret)
{
        oih_json_span k, v;
        size_t cursor = 0;
        bool found = false;

        if (text[object.start] != '{')
                return false;
        while (oih_json_span_next(text, object, &cursor, &k, &v))
                if (oih_json_span_key_is(text, k, key)) {
                        *ret = v;
                        found = true;
                }
        return found;
}

int oih_json_span_string(const char *text, oih_json_span s, char **ret)
{
        size_t i = s.start + 1, end = s.end - 1, o = 0;

        if (text[s.start] != '"')
                return -EINVAL;
        /* Decoding never lengthens: six bytes of \uXXXX make at most three of UTF-8. */
        _cleanup_free_ char *out = malloc(end - i + 1);
        if (!out)
                return -ENOMEM;
        while (i < end) {
                bool escaped;
                uint32_t c = string_next(text, end, &i, &escaped);
                if (c == 0)
                        return -EINVAL;
                if (!escaped) {
                        out[o++] = (char)c;
                        continue;
                }
                if (c < 0x80)
                        out[o++] = (char)c;
                else if (c < 0x800) {
                        out[o++] = (char)(0xC0 | (c >> 6));
                        out[o++] = (char)(0x80 | (c & 0x3F));
                } else if (c < 0x10000) {
                        out[o++] = (char)(0xE0 | (c >> 12));
                        out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
                        out[o++] = (char)(0x80 | (c & 0x3F));
                } else {
                        out[o++] = (char)(0xF0 | (c >> 18));
                        out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
                        out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
                        out[o++] = (char)(0x80 | (c & 0x3F));
                }
        }
        out[o] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}
