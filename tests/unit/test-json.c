/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON layer: the tree, its limits and its messages, and the writer. */
#include "json.h"
#include "tap.h"

static oih_json *parse(const char *text, oih_error **err)
{
        oih_json *v = NULL;
        return oih_json_parse(text, strlen(text), &v, err) < 0 ? NULL : v;
}

static void refused(const char *text, const char *why)
{
        _cleanup_error_ oih_error *err = NULL;
        oih_json *v = parse(text, &err);
        ok(!v, "refused: %s", why);
        if (v)
                oih_json_free(v);
        contains(err ? oih_error_message(err) : NULL, "line ", "the message says where (%s)", why);
}

int main(void)
{
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_json_ oih_json *v = parse("{\"a\": [1, -2, 3.5, true, null, \"x\"], \"b\": {\"c\": \"d\"},"
                                           " /* a comment */ \"a\": \"again\"}",
                                           &err);
        ok(v && oih_json_type_of(v) == OIH_JSON_OBJECT, "an object parses");
        is_int(oih_json_length(v), 3, "three members, the repeated key included");
        is_str(oih_json_string(oih_json_object_get(v, "a")), "again", "a repeated key gives the last value");
        const oih_json *a = oih_json_object_value_at(v, 0);
        int64_t i = 0;
        bool b = false;
        ok(oih_json_length(a) == 6 && oih_json_integer(oih_json_array_at(a, 1), &i) && i == -2, "integers");
        ok(oih_json_type_of(oih_json_array_at(a, 2)) == OIH_JSON_DOUBLE,
           "a fraction is a double, not an integer");
        ok(!oih_json_integer(oih_json_array_at(a, 2), &i), "and is not read as an integer");
        ok(oih_json_boolean(oih_json_array_at(a, 3), &b) && b, "booleans");
        ok(oih_json_type_of(oih_json_array_at(a, 4)) == OIH_JSON_NULL, "null");
        is_str(oih_json_string(oih_json_object_get(oih_json_object_get(v, "b"), "c")), "d",
               "nested objects");
        ok(!oih_json_string(oih_json_array_at(a, 0)) && !oih_json_array_at(a, 6) &&
                   !oih_json_object_get(a, "x"),
           "typed readers say no to other types and out-of-range indexes");
        is_str(oih_json_type_name(a), "an array", "type names for messages");

        refused("{\"a\": }", "a missing value");
        refused("{\"a\": 1} trailing", "trailing garbage");
        refused("[1, 2", "a text that ends early");
        refused("{a: 1}", "a key without quotes");
        refused("\"\\ud800 broken\"\xff", "invalid UTF-8");

        _cleanup_error_ oih_error *e2 = NULL;
        oih_json *none = parse("\n\n   {\"x\": nope}", &e2);
        ok(!none, "an invalid literal is refused");
        contains(e2 ? oih_error_message(e2) : NULL, "line 3", "on the line it is on");

        /* Nesting deeper than OIH_JSON_MAX_DEPTH is refused while parsing, not after. */
        char deep[OIH_JSON_MAX_DEPTH * 2 + 8];
        size_t k = 0;
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                deep[k++] = '[';
        for (int d = 0; d < OIH_JSON_MAX_DEPTH + 1; d++)
                deep[k++] = ']';
        deep[k] = 0;
        _cleanup_error_ oih_error *e3 = NULL;
        oih_json *d = parse(deep, &e3);
        ok(!d, "nesting deeper than %d is refused", OIH_JSON_MAX_DEPTH);
        contains(e3 ? oih_error_message(e3) : NULL, "nested too deeply", "with a message saying so");
        deep[0] = ' ';
        deep[k - 1] = ' ';
        _cleanup_json_ oih_json *at_limit = parse(deep, NULL);
        ok(at_limit != NULL, "nesting of exactly %d parses", OIH_JSON_MAX_DEPTH);

        oih_json *nul = NULL;
        _cleanup_error_ oih_error *e4 = NULL;
        ok(oih_json_parse("{}\0{}", 5, &nul, &e4) < 0, "a NUL byte in the text is refused");
        ok(parse("\"a\\u0000b\"", NULL) == NULL, "a NUL character in a string is refused");
        ok(parse("", NULL) == NULL && parse("   ", NULL) == NULL, "an empty text is refused");

        /* The writer. */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        oih_json_writer *w = oih_json_writer_new(f, false);
        oih_json_write_object_open(w);
        oih_json_write_pair(w, "path", "/dev/\"quoted\"");
        oih_json_write_string(w, "n");
        oih_json_write_integer(w, 229);
        oih_json_write_string(w, "list");
        oih_json_write_array_open(w);
        oih_json_write_boolean(w, true);
        oih_json_write_array_close(w);
        oih_json_write_object_close(w);
        oih_json_writer_free(w);
        fclose(f);
        is_str(buf, "{\"path\":\"/dev/\\\"quoted\\\"\",\"n\":229,\"list\":[true]}",
               "the writer escapes and nests");
        _cleanup_json_ oih_json *back = parse(buf, NULL);
        is_str(oih_json_string(oih_json_object_get(back, "path")), "/dev/\"quoted\"",
               "what it writes parses back");
        free(buf);
        return tap_finish();
}
