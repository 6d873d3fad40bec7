/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h: the JSON layer. It is the only file that knows yajl, so the backend could be swapped (crun
 * moved from yajl to json-c). Parsing builds a small tree of our own, with a depth limit enforced while
 * parsing and errors that say line and column; writing streams to a FILE.
 */
#pragma once

#include <stdint.h>

#include "error.h"

/* Nesting deeper than this is refused while parsing: every document we read is shallow. */
#define OIH_JSON_MAX_DEPTH 64

enum oih_json_type {
        OIH_JSON_NULL,
        OIH_JSON_BOOLEAN,
        OIH_JSON_INTEGER,
        OIH_JSON_DOUBLE,
        OIH_JSON_STRING,
        OIH_JSON_ARRAY,
        OIH_JSON_OBJECT,
};

typedef struct oih_json oih_json;

/* Parses text[0..len), which must not contain a NUL byte. Errors say "line L, column C: what".
 * Values live as long as the document: oih_json_free() takes the value this returned, nothing else. */
int oih_json_parse(const char *text, size_t len, oih_json **ret, oih_error **err);
void oih_json_free(oih_json *v);
/* oih_json_parse() of a text whose top level must be an object (the state, config.json, config files). */
int oih_json_parse_object(const char *text, size_t len, oih_json **ret, oih_error **err);

static inline void oih_json_freep(oih_json **v)
{
        oih_json_free(*v);
        *v = NULL;
}
#define _cleanup_json_ _cleanup_(oih_json_freep)

enum oih_json_type oih_json_type_of(const oih_json *v);
/* "a string", "an array", ...: for messages such as "expected a string, got an array". */
const char *oih_json_type_name(const oih_json *v);

/* Arrays and objects: number of elements or members; 0 for anything else. */
size_t oih_json_length(const oih_json *v);
const oih_json *oih_json_array_at(const oih_json *v, size_t i);
const char *oih_json_object_key_at(const oih_json *v, size_t i);
const oih_json *oih_json_object_value_at(const oih_json *v, size_t i);
/* The member's value, the last one when a key repeats (as Go's encoding/json, which runtimes use,
 * decides); NULL when absent or when v is not an object. */
const oih_json *oih_json_object_get(const oih_json *v, const char *key);

/* Typed readers: NULL or false when the value has another type. */
const char *oih_json_string(const oih_json *v);
bool oih_json_integer(const oih_json *v, int64_t *ret);
bool oih_json_boolean(const oih_json *v, bool *ret);

/* Streaming writer. Failures of the output are the caller's to check with ferror(). */
typedef struct oih_json_writer oih_json_writer;

oih_json_writer *oih_json_writer_new(FILE *out, bool pretty);
void oih_json_writer_free(oih_json_writer *w);
void oih_json_write_object_open(oih_json_writer *w);
void oih_json_write_object_close(oih_json_writer *w);
void oih_json_write_array_open(oih_json_writer *w);
void oih_json_write_array_close(oih_json_writer *w);
void oih_json_write_string(oih_json_writer *w, const char *s);
void oih_json_write_integer(oih_json_writer *w, int64_t i);
void oih_json_write_boolean(oih_json_writer *w, bool b);
/* A key followed by a string value, the most common pair. */
void oih_json_write_pair(oih_json_writer *w, const char *key, const char *value);

/*
 * Spans: where a value lies in a JSON text, for editing a document in place (the runtime shim adds one
 * hook to a bundle's config.json and leaves every other byte as it was). The scanner checks the syntax
 * strictly (RFC 8259: no comments, no trailing commas) and keeps numbers as text, so that a value no tree
 * holds (an unsigned 64-bit number above INT64_MAX, as engines write for some limits) passes unchanged.
 */
typedef struct oih_json_span {
        size_t start, end; /* text[start, end) */
} oih_json_span;

/* Checks that text[0, len) is one JSON value, with white space around it only, and returns its span.
 * Errors say "line L, column C: what". */
int oih_json_scan(const char *text, size_t len, oih_json_span *ret, oih_error **err);

/* The first byte of a value: '{', '[', '"', '-', a digit, 't', 'f' or 'n'. */
static inline char oih_json_span_kind(const char *text, oih_json_span v)
{
        return text[v.start];
}

/*
 * Walks an array's elements or an object's members; spans come from a scanned text. Start with
 * *cursor = 0. Returns true with the next element's (or member's value's) span, and for objects the key's
 * span (the string, quotes included); false at the end.
 */
bool oih_json_span_next(const char *text, oih_json_span container, size_t *cursor, oih_json_span *ret_key,
                        oih_json_span *ret_value);

/* True when the string at `s` (a span of a scanned string) decodes to `ascii`, ASCII letters matched in
 * either case: how Go's encoding/json, which runc and containerd read config.json with, matches a key to
 * a field. */
bool oih_json_span_key_is(const char *text, oih_json_span s, const char *ascii);

/* The member of `object` named `key` (as oih_json_span_key_is() compares), the last one when several
 * match, as Go decides. */
bool oih_json_span_member(const char *text, oih_json_span object, const char *key, oih_json_span *ret);

/* Decodes the string at `s` (a span of a scanned string) into a new NUL-terminated UTF-8 string; -EINVAL
 * when it holds a NUL character, -ENOMEM. */
int oih_json_span_string(const char *text, oih_json_span s, char **ret);
