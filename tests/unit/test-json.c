/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON layer: the tree, its limits and its messages, and the writer. */
#include "json.h"
#include "tap.h"

static oih_json *parse(const char *text, oih_error **err)
{
        oih_json *v = NULL;
        return oih_json_parse(text, strlen(text), &v, err) < 0 ? NULL : v;
}

static const char *message(const oih_error *err)
{
        return err ? oih_error_message(err) : NULL;
}

/* The text is refused, and the message starts with `expect` ("line L, column C: ..."). */
static void refused(const char *text, const char *expect, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        oih_json *v = parse(text, &err);
        ok(!v, "refused: %s", why);
        is_int(err ? err->code : 0, EINVAL, "%s: EINVAL", why);
        oih_json_free(v);
        ok(startswith(message(err) ?: "", expect), "%s: the message starts with \"%s\" (%s)", why, expect,
           message(err) ?: "no message");
}

static void test_values(void)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_json_ oih_json *v = parse("{\"s\": \"text\", \"i\": -42, \"big\": 9223372036854775807,"
                                           " \"d\": 3.5, \"t\": true, \"f\": false, \"n\": null,"
                                           " \"a\": [1, [2, []], {}], \"o\": {\"k\": {\"deep\": \"x\"}}}",
                                           &err);
        ok(v != NULL, "a document with every type parses (%s)", message(err) ?: "ok");
        if (!v)
                return;
        is_int(oih_json_type_of(v), OIH_JSON_OBJECT, "the root is an object");
        is_int(oih_json_length(v), 9, "nine members");
        is_str(oih_json_object_key_at(v, 0), "s", "members keep their order: first key");
        is_str(oih_json_object_key_at(v, 8), "o", "last key");
        is_str(oih_json_object_key_at(v, 9), NULL, "no member's key past the end");
        ok(oih_json_object_value_at(v, 9) == NULL, "no member's value past the end");

        is_str(oih_json_string(oih_json_object_get(v, "s")), "text", "a string");
        int64_t i = 0;
        ok(oih_json_integer(oih_json_object_get(v, "i"), &i), "a negative integer is an integer");
        is_int(i, -42, "read as it is written");
        ok(oih_json_integer(oih_json_object_get(v, "big"), &i), "the largest integer is an integer");
        ok(i == INT64_MAX, "read as it is written");
        is_int(oih_json_type_of(oih_json_object_get(v, "d")), OIH_JSON_DOUBLE, "a fraction is a double");
        i = 7;
        ok(!oih_json_integer(oih_json_object_get(v, "d"), &i), "a double is not read as an integer");
        is_int(i, 7, "and the output is left alone");
        bool b = false;
        ok(oih_json_boolean(oih_json_object_get(v, "t"), &b), "true is a boolean");
        ok(b, "true is true");
        ok(oih_json_boolean(oih_json_object_get(v, "f"), &b), "false is a boolean");
        ok(!b, "false is false");
        is_int(oih_json_type_of(oih_json_object_get(v, "n")), OIH_JSON_NULL, "null is a value of its own");
        ok(oih_json_object_get(v, "n") != NULL, "a null member is there");
        ok(oih_json_object_get(v, "missing") == NULL, "a missing one is not");

        const oih_json *a = oih_json_object_get(v, "a");
        is_int(oih_json_length(a), 3, "an array of three");
        const oih_json *inner = oih_json_array_at(a, 1);
        is_int(oih_json_length(inner), 2, "a nested array of two");
        ok(oih_json_integer(oih_json_array_at(inner, 0), &i), "its first element an integer");
        is_int(i, 2, "read as written");
        is_int(oih_json_type_of(oih_json_array_at(inner, 1)), OIH_JSON_ARRAY, "an empty array is an array");
        is_int(oih_json_length(oih_json_array_at(inner, 1)), 0, "without elements");
        is_int(oih_json_type_of(oih_json_array_at(a, 2)), OIH_JSON_OBJECT, "an empty object is an object");
        is_int(oih_json_length(oih_json_array_at(a, 2)), 0, "without members");
        is_str(oih_json_string(
                       oih_json_object_get(oih_json_object_get(oih_json_object_get(v, "o"), "k"), "deep")),
               "x", "nested objects");

        is_str(oih_json_string(oih_json_object_get(v, "i")), NULL, "the string reader says no to a number");
        ok(!oih_json_boolean(oih_json_object_get(v, "s"), &b), "the boolean reader says no to a string");
        ok(!oih_json_array_at(a, 3), "no element past the end");
        ok(!oih_json_array_at(v, 0), "no array access on an object");
        ok(!oih_json_object_get(a, "s"), "no member access on an array");
        is_str(oih_json_object_key_at(a, 0), NULL, "no member key on an array");
        is_int(oih_json_length(oih_json_object_get(v, "s")), 0, "a scalar has no length");
        is_int(oih_json_length(NULL), 0, "nor has NULL");

        is_str(oih_json_type_name(oih_json_object_get(v, "s")), "a string", "type name: string");
        is_str(oih_json_type_name(oih_json_object_get(v, "d")), "a number", "type name: number");
        is_str(oih_json_type_name(oih_json_object_get(v, "t")), "a boolean", "type name: boolean");
        is_str(oih_json_type_name(a), "an array", "type name: array");
        is_str(oih_json_type_name(v), "an object", "type name: object");
        is_str(oih_json_type_name(oih_json_object_get(v, "n")), "null", "type name: null");

        /* Runtimes write uint64 fields (memory limits) up to 2^64-1: beyond int64 a number is a double, and
         * the document still parses. */
        _cleanup_json_ oih_json *huge =
                parse("{\"limit\": 18446744073709551615, \"neg\": -99999999999999999999}", NULL);
        ok(huge != NULL, "a document with numbers beyond 64-bit integers parses");
        is_int(oih_json_type_of(oih_json_object_get(huge, "limit")), OIH_JSON_DOUBLE,
               "2^64-1 is kept as a double");
        ok(!oih_json_integer(oih_json_object_get(huge, "limit"), &i), "and is not read as an integer");
        is_int(oih_json_type_of(oih_json_object_get(huge, "neg")), OIH_JSON_DOUBLE,
               "a negative number beyond int64 too");

        _cleanup_json_ oih_json *s = parse("\"top\"", NULL);
        _cleanup_json_ oih_json *n = parse(" 12 ", NULL);
        is_str(oih_json_string(s), "top", "a string can be the whole document");
        ok(oih_json_integer(n, &i), "a number can be the whole document");
        is_int(i, 12, "read as written");
}

static void test_duplicates_and_comments(void)
{
        _cleanup_json_ oih_json *v = parse("{\"a\": 1, \"b\": 2, \"a\": \"again\"}", NULL);
        is_int(oih_json_length(v), 3, "a repeated key is kept as a member of its own");
        is_str(oih_json_string(oih_json_object_get(v, "a")), "again",
               "object_get gives the last value of a repeated key");
        int64_t i = 0;
        is_str(oih_json_object_key_at(v, 0), "a", "the first one stays reachable by position: its key");
        ok(oih_json_integer(oih_json_object_value_at(v, 0), &i), "its value");
        is_int(i, 1, "the first one");

        _cleanup_error_ oih_error *err = NULL;
        _cleanup_json_ oih_json *c =
                parse("// a line comment\n{ /* a block\n comment */ \"a\": 1 // end\n}\n", &err);
        ok(c != NULL, "comments are allowed (%s)", message(err) ?: "ok");
        ok(oih_json_integer(oih_json_object_get(c, "a"), &i), "the member between them is read");
        is_int(i, 1, "whole");
}

static void test_errors(void)
{
        /* Lines count from 1; the column is where yajl stopped, just past the token it refused. */
        refused("{\n  \"a\": }", "line 2, column 9: ", "a missing value");
        refused("[1,\n 2,\n   x]", "line 3, column 5: ", "an invalid character");
        refused("{\"a\": 1}\n\n  junk", "line 3, column 4: ", "trailing garbage");
        refused("[1] [2]", "line 1, column 6: ", "two documents");
        refused("{\"a\": 1,}", "line 1, column 10: ", "a trailing comma in an object");
        refused("[1, 2,]", "line 1, column 8: ", "a trailing comma in an array");
        refused("{a: 1}", "line 1, column 3: ", "a key without quotes");
        refused("{\"a\":\n \"\xff\"}", "line 2, column 4: ", "invalid UTF-8");
        /* Errors found only once the text is over point at its end, not at its first line. */
        refused("{\n\"a\": [1,\n 2", "line 3, column 3: ", "a text that ends early, on its third line");
        refused("{\n\"a\": 1\n", "line 3, column 1: ", "an object left open at the end");
        refused("/* unterminated", "line 1, column 16: ", "a comment left open");
        refused("", "line 1, column 1: ", "an empty text");
        refused("   ", "line 1, column 4: ", "a text of spaces");

        _cleanup_error_ oih_error *err = NULL;
        oih_json *v = parse("{\"x\": nope}", &err);
        ok(!v, "an invalid literal is refused");
        contains(message(err), "lexical error", "with yajl's reason after the position");
        oih_json_free(v);
}

static void test_depth(void)
{
        /* Nesting deeper than OIH_JSON_MAX_DEPTH is refused while parsing, not after. */
        char deep[OIH_JSON_MAX_DEPTH * 2 + 8];
        size_t k = 0;
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                deep[k++] = '[';
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                deep[k++] = ']';
        deep[k] = 0;

        _cleanup_error_ oih_error *err = NULL;
        oih_json *v = parse(deep, &err);
        ok(!v, "nesting of %d is refused", OIH_JSON_MAX_DEPTH + 1);
        oih_json_free(v);
        char expect[64];
        snprintf(expect, sizeof(expect), "line 1, column %d: nested too deeply", OIH_JSON_MAX_DEPTH + 2);
        is_str(message(err), expect, "with a message saying where and why");

        deep[0] = ' ';
        deep[k - 1] = ' ';
        _cleanup_json_ oih_json *at_limit = parse(deep, NULL);
        ok(at_limit != NULL, "nesting of exactly %d parses", OIH_JSON_MAX_DEPTH);

        /* Objects count the same as arrays. */
        char objects[OIH_JSON_MAX_DEPTH * 8 + 8];
        k = 0;
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                k += (size_t)sprintf(objects + k, "{\"a\":");
        k += (size_t)sprintf(objects + k, "1");
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                objects[k++] = '}';
        objects[k] = 0;
        _cleanup_error_ oih_error *e2 = NULL;
        v = parse(objects, &e2);
        ok(!v, "objects nested %d deep are refused", OIH_JSON_MAX_DEPTH + 1);
        contains(message(e2), "nested too deeply", "for the same reason");
        oih_json_free(v);
}

static void test_nul(void)
{
        oih_json *v = NULL;
        _cleanup_error_ oih_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        is_int(oih_json_parse("{}\0{}", 5, &v, &e1), -EINVAL, "a NUL byte in the text is refused");
        ok(!v, "with no value");
        contains(message(e1), "NUL byte", "saying so");
        ok(oih_json_parse("{\"a\": \"b\"}\0", 11, &v, NULL) < 0, "even a NUL byte at the very end");
        is_int(oih_json_parse("{}", 2, &v, NULL), 0, "the same text without it parses");
        ok(v != NULL, "to a value");
        oih_json_free(v);

        v = parse("[\"a\\u0000b\"]", &e2);
        ok(!v, "a NUL character in a string is refused");
        contains(message(e2), "a string contains a NUL character", "saying so");
        oih_json_free(v);
        v = parse("{\"a\\u0000\": 1}", &e3);
        ok(!v, "a NUL character in a key is refused");
        contains(message(e3), "NUL character", "saying so");
        oih_json_free(v);
}

/* Writes the same small document with either writer; returns the text. */
static char *write_sample(FILE *f, bool pretty)
{
        oih_json_writer *w = oih_json_writer_new(f, pretty);
        if (!w)
                tap_bail("oih_json_writer_new");
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "path", "/dev/\"quoted\"\\back\nline");
        oih_json_write_string(w, "n");
        oih_json_write_integer(w, -229);
        oih_json_write_string(w, "list");
        oih_json_write_array_open(w);
        oih_json_write_boolean(w, true);
        oih_json_write_boolean(w, false);
        oih_json_write_array_open(w);
        oih_json_write_array_close(w);
        oih_json_write_array_close(w);
        oih_json_write_string(w, "empty");
        oih_json_write_object_open(w);
        oih_json_write_object_close(w);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);

        if (fflush(f) != 0 || ferror(f))
                tap_bail("writing");
        rewind(f);
        char *text = NULL;
        size_t len = 0;
        if (getdelim(&text, &len, 0, f) < 0)
                tap_bail("reading back");
        return text;
}

static void test_writer(void)
{
        FILE *f = tmpfile();
        if (!f)
                tap_bail("tmpfile");
        _cleanup_free_ char *compact = write_sample(f, false);
        fclose(f);
        is_str(compact,
               "{\"path\":\"/dev/\\\"quoted\\\"\\\\back\\nline\",\"n\":-229,\"list\":[true,false,[]],"
               "\"empty\":{}}",
               "the compact writer escapes quotes, backslashes and newlines, and nests");

        _cleanup_json_ oih_json *back = parse(compact, NULL);
        int64_t i = 0;
        ok(back != NULL, "what it writes parses back");
        is_str(oih_json_string(oih_json_object_get(back, "path")), "/dev/\"quoted\"\\back\nline",
               "to the same string");
        ok(oih_json_integer(oih_json_object_get(back, "n"), &i), "to an integer");
        is_int(i, -229, "the same integer");
        is_int(oih_json_length(oih_json_object_get(back, "list")), 3, "to a list of the same length");

        char *text = NULL;
        size_t len = 0;
        f = open_memstream(&text, &len);
        if (!f)
                tap_bail("open_memstream");
        oih_json_writer *w = oih_json_writer_new(f, true);
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "a", "b");
        oih_json_write_string(w, "l");
        oih_json_write_array_open(w);
        oih_json_write_integer(w, 1);
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        fclose(f);
        is_str(text, "{\n  \"a\": \"b\",\n  \"l\": [\n    1\n  ]\n}\n",
               "the pretty writer indents by two spaces, one value per line");
        free(text);
}

int main(void)
{
        test_values();
        test_duplicates_and_comments();
        test_errors();
        test_depth();
        test_nul();
        test_writer();
        return tap_finish();
}
