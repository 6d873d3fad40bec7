/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashmap.h: a map from strings to numbers (the plan's: operations by container path, modules by name),
 * open addressing with linear probing. It does not copy its keys: a key must stay where it is while the
 * map holds it (the plan's keys are its operations' own strings). Nothing is removed; putting a key that is
 * there already gives it the new pointer and value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oih_hashmap_slot {
        const char *key; /* NULL: free */
        uint64_t hash;
        size_t value;
};

struct oih_hashmap {
        struct oih_hashmap_slot *slots; /* n_slots of them: a power of two, or none yet */
        size_t n_slots;
        size_t n;
};

/* Returns 0 when key was added, 1 when it was there (its pointer and value are replaced), or -ENOMEM. */
int oih_hashmap_put(struct oih_hashmap *m, const char *key, size_t value);

/* True when key is in the map; its value in *ret_value (may be NULL). */
bool oih_hashmap_get(const struct oih_hashmap *m, const char *key, size_t *ret_value);

/* Empties the map and frees its slots; it can be used again. */
void oih_hashmap_clear(struct oih_hashmap *m);
