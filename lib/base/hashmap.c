/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

#define MIN_SLOTS 16

/* FNV-1a: the keys are paths from root's configs and the host's files, not an attacker's choice. */
static uint64_t hash_string(const char *s)
{
        uint64_t h = 14695981039346656037ULL;
        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 1099511628211ULL;
        }
        return h;
}

/* The slot that holds key, or the free slot where it would go. */
static struct oih_hashmap_slot *find_slot(struct oih_hashmap_slot *slots, size_t n_slots, const char *key,
                                          uint64_t hash)
{
        size_t mask = n_slots - 1;
        for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
                struct oih_hashmap_slot *s = &slots[i];
                if (!s->key || (s->hash == hash && strcmp(s->key, key) == 0))
                        return s;
        }
}

static int grow(struct oih_hashmap *m)
{
        size_t n_slots = m->n_slots ? m->n_slots * 2 : MIN_SLOTS;
        if (n_slots < m->n_slots)
                return -ENOMEM;
        struct oih_hashmap_slot *slots = calloc(n_slots, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_slots; i++)
                if (m->slots[i].key)
                        *find_slot(slots, n_slots, m->slots[i].key, m->slots[i].hash) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->n_slots = n_slots;
        return 0;
}

int oih_hashmap_put(struct oih_hashmap *m, const char *key, size_t value)
{
        uint64_t hash = hash_string(key);

        if (m->n_slots > 0) {
                struct oih_hashmap_slot *s = find_slot(m->slots, m->n_slots, key, hash);
                if (s->key) {
                        s->key = key;
                        s->value = value;
                        return 1;
                }
        }
        /* Half full at most: linear probing stays short. */
        if ((m->n + 1) * 2 > m->n_slots) {
                int r = grow(m);
                if (r < 0)
                        return r;
        }
        *find_slot(m->slots, m->n_slots, key, hash) =
                (struct oih_hashmap_slot){ .key = key, .hash = hash, .value = value };
        m->n++;
        return 0;
}

bool oih_hashmap_get(const struct oih_hashmap *m, const char *key, size_t *ret_value)
{
        if (m->n == 0)
                return false;
        const struct oih_hashmap_slot *s = find_slot(m->slots, m->n_slots, key, hash_string(key));
        if (!s->key)
                return false;
        if (ret_value)
                *ret_value = s->value;
        return true;
}

void oih_hashmap_clear(struct oih_hashmap *m)
{
        free(m->slots);
        *m = (struct oih_hashmap){};
}
