/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec-edit.h: adds a hook registration to a bundle's config.json in place, for the runtime shim. The
 * text is edited where the hook goes and nowhere else: every other byte stays as the engine wrote it
 * (its formatting, its key order, numbers no tree could hold). The file is replaced with a rename, so
 * the runtime reads either the old text or the new one.
 */
#pragma once

#include "error.h"

/* One entry of config.json's `hooks`, as the OCI runtime spec writes it. */
struct oih_hook_entry {
        char *path;  /* absolute */
        char **args; /* args[0] included; NULL: none written */
        char **env;  /* NULL: none written */
        int timeout; /* seconds; 0: none written */
};

void oih_hook_entry_done(struct oih_hook_entry *h);

/* The entry as one line of JSON, `{"path": ...}`. */
int oih_hook_entry_to_json(const struct oih_hook_entry *h, char **ret);

/*
 * Adds `hook` at the end of `hooks.prestart` of the config.json text[0, len), making `hooks` and
 * `prestart` where they are missing (or null). Returns 1 with the new text, or 0 when a prestart or
 * createRuntime hook with the same path is registered already (nothing to change), or -EINVAL with a
 * message when the text is not JSON, not an object, or `hooks` or `prestart` has another type.
 */
int oih_spec_text_add_hook(const char *text, size_t len, const struct oih_hook_entry *hook, char **ret,
                           size_t *ret_len, oih_error **err);

/*
 * The same on a file: `spec` is config.json's path (relative to the working directory, as the runtime
 * reads it). A new text is written to a temporary file in the same folder with the old file's mode and
 * owner, then renamed over it. Returns 1 when the file was replaced, 0 when the hook was there already.
 * Messages name the file.
 */
int oih_spec_file_add_hook(const char *spec, const struct oih_hook_entry *hook, oih_error **err);
