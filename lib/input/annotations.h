/* SPDX-License-Identifier: Apache-2.0 */
/*
 * annotations.h: OCI annotations, a map of strings, as read from the state and from config.json.
 */
#pragma once

#include "json.h"

struct oih_kv {
        char *key;
        char *value;
};

struct oih_annotations {
        struct oih_kv *items;
        size_t n;
};

/* Reads an object of strings; `what` names it in errors ("annotations"). Absent (NULL) gives none. */
int oih_annotations_from_json(const oih_json *v, const char *what, struct oih_annotations *ret,
                              oih_error **err);

/* The value of key, or NULL. */
const char *oih_annotations_get(const struct oih_annotations *a, const char *key);

void oih_annotations_done(struct oih_annotations *a);
