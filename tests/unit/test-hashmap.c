/* SPDX-License-Identifier: Apache-2.0 */
/* The hash table of strings the plan looks its operations up in. */
#include "hashmap.h"
#include "tap.h"

static void test_empty(void)
{
        struct oih_hashmap m = {};
        size_t v = 7;

        ok(!oih_hashmap_get(&m, "a", &v), "an empty map has no key");
        is_int(v, 7, "and leaves the value alone");
        oih_hashmap_clear(&m);
        is_int(m.n, 0, "clearing an empty map leaves it empty");
}

static void test_put_get(void)
{
        struct oih_hashmap m = {};
        size_t v = 0;

        is_int(oih_hashmap_put(&m, "/usr/lib/libfoo.so.1", 1), 0, "a new key is added (0)");
        ok(oih_hashmap_get(&m, "/usr/lib/libfoo.so.1", &v), "and found");
        is_int(v, 1, "with its value");
        ok(oih_hashmap_get(&m, "/usr/lib/libfoo.so.1", NULL), "found without asking for the value");
        ok(!oih_hashmap_get(&m, "/usr/lib/libfoo.so", &v), "a prefix of it is another key");
        ok(!oih_hashmap_get(&m, "/usr/lib/libfoo.so.10", &v), "so is a longer one");
        ok(!oih_hashmap_get(&m, "", &v), "and the empty string");

        /* The key again, in another string: the map takes the new pointer (the old one may be freed). */
        char *again = strdup("/usr/lib/libfoo.so.1");
        if (!again)
                tap_bail("strdup");
        is_int(oih_hashmap_put(&m, again, 2), 1, "a key put again is replaced (1)");
        is_int(m.n, 1, "still one key");
        ok(oih_hashmap_get(&m, "/usr/lib/libfoo.so.1", &v), "found");
        is_int(v, 2, "with the new value");
        ok(m.slots && m.n_slots > 0, "the map has slots");
        bool new_pointer = false;
        for (size_t i = 0; i < m.n_slots; i++)
                new_pointer = new_pointer || m.slots[i].key == again;
        ok(new_pointer, "and the new pointer");
        oih_hashmap_clear(&m);
        free(again);
        is_int(m.n, 0, "cleared, it is empty");
        ok(!oih_hashmap_get(&m, "/usr/lib/libfoo.so.1", NULL), "and has no key");
        is_int(oih_hashmap_put(&m, "x", 3), 0, "and can be used again");
        oih_hashmap_clear(&m);
}

/* Many keys alike (one folder, numbered libraries): every one found with its value through every growth,
 * none that was not put. */
static void test_many(void)
{
        enum { N = 5000 };
        struct oih_hashmap m = {};
        static char keys[N][48];
        bool all_added = true, all_found = true, none_else = true;

        for (size_t i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "/usr/lib/x86_64-linux-gnu/libinj%05zu.so.1", i);
                all_added = all_added && oih_hashmap_put(&m, keys[i], i) == 0;
        }
        ok(all_added, "%d keys are added", N);
        is_int(m.n, N, "the map holds them all");
        ok(m.n * 2 <= m.n_slots, "at most half full (%zu of %zu slots)", m.n, m.n_slots);
        ok((m.n_slots & (m.n_slots - 1)) == 0, "a power of two of slots");
        for (size_t i = 0; i < N; i++) {
                size_t v = SIZE_MAX;
                all_found = all_found && oih_hashmap_get(&m, keys[i], &v) && v == i;
        }
        ok(all_found, "each is found with its value");
        for (size_t i = 0; i < N; i++) {
                char other[48];
                snprintf(other, sizeof(other), "/usr/lib/x86_64-linux-gnu/libinj%05zu.so.2", i);
                none_else = none_else && !oih_hashmap_get(&m, other, NULL);
        }
        ok(none_else, "no key that was not put is found");
        oih_hashmap_clear(&m);
}

int main(void)
{
        test_empty();
        test_put_get();
        test_many();
        return tap_finish();
}
