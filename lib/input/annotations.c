/* SPDX-License-Identifier: Apache-2.0 */
#include "annotations.h"

int oih_annotations_from_json(const oih_json *v, const char *what, struct oih_annotations *ret,
                              oih_error **err)
{
        struct oih_annotations a = {};

        if (!v || oih_json_type_of(v) == OIH_JSON_NULL) {
                *ret = a;
                return 0;
        }
        if (oih_json_type_of(v) != OIH_JSON_OBJECT)
                return oih_error_set(err, EINVAL, "%s: expected an object of strings, got %s", what,
                                     oih_json_type_name(v));

        size_t n = oih_json_length(v);
        a.items = calloc(n ?: 1, sizeof(*a.items));
        if (!a.items)
                return oih_error_set(err, ENOMEM, "out of memory");

        for (size_t i = 0; i < n; i++) {
                const char *key = oih_json_object_key_at(v, i);
                const char *value = oih_json_string(oih_json_object_value_at(v, i));
                if (!value) {
                        oih_annotations_done(&a);
                        return oih_error_set(err, EINVAL, "%s.\"%s\": expected a string, got %s", what, key,
                                             oih_json_type_name(oih_json_object_value_at(v, i)));
                }
                a.items[a.n].key = strdup(key);
                a.items[a.n].value = strdup(value);
                a.n++;
                if (!a.items[a.n - 1].key || !a.items[a.n - 1].value) {
                        oih_annotations_done(&a);
                        return oih_error_set(err, ENOMEM, "out of memory");
                }
        }

        *ret = a;
        return 0;
}

const char *oih_annotations_get(const struct oih_annotations *a, const char *key)
{
        /* Last one wins when a key repeats, as for the JSON object it came from. */
        for (size_t i = a->n; i > 0; i--)
                if (streq(a->items[i - 1].key, key))
                        return a->items[i - 1].value;
        return NULL;
}

void oih_annotations_done(struct oih_annotations *a)
{
        for (size_t i = 0; i < a->n; i++) {
                free(a->items[i].key);
                free(a->items[i].value);
        }
        free(a->items);
        *a = (struct oih_annotations){};
}
