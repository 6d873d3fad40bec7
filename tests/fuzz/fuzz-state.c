/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI state that the runtime writes on the hook's stdin (oih_state_parse). The bytes go in as they
 * came, with their length: no NUL is added, so a read past the end is ASan's to see.
 */
#include "fuzz.h"
#include "state.h"

static void check_state(const struct oih_state *s)
{
        fuzz_assert(!isempty(s->id));
        fuzz_assert(s->bundle && s->bundle[0] == '/');
        fuzz_assert(s->pid >= 0);
        for (size_t i = 0; i < s->annotations.n; i++) {
                const struct oih_kv *kv = &s->annotations.items[i];
                fuzz_assert(kv->key && kv->value);
                /* The last of repeated keys wins, as in the JSON object. */
                const char *v = oih_annotations_get(&s->annotations, kv->key);
                fuzz_assert(v);
                bool later = false;
                for (size_t j = i + 1; j < s->annotations.n; j++)
                        later = later || streq(s->annotations.items[j].key, kv->key);
                fuzz_assert(later || v == kv->value);
        }
        (void)strlen(s->oci_version ?: "");
        (void)strlen(s->status ?: "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        _cleanup_error_ oih_error *err = NULL;
        _cleanup_state_ struct oih_state *s = NULL;

        int r = oih_state_parse(text, size, &s, &err);
        if (r < 0) {
                fuzz_assert(!s);
                fuzz_assert(err && err->code == -r);
                fuzz_assert(strlen(oih_error_message(err)) > 0);
        } else {
                fuzz_assert(r == 0 && s && !err);
                check_state(s);
        }

        /* Callers may pass no error object: the same answer, nothing leaked. */
        _cleanup_state_ struct oih_state *again = NULL;
        int r2 = oih_state_parse(text, size, &again, NULL);
        fuzz_assert(r2 == r);
        fuzz_assert(!again == !s);
        if (s)
                fuzz_assert(streq(again->id, s->id) && streq(again->bundle, s->bundle) &&
                            again->pid == s->pid && again->annotations.n == s->annotations.n);
        return 0;
}
