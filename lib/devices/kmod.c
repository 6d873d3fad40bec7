/* SPDX-License-Identifier: Apache-2.0 */
#include <libkmod.h>

#include "kmod.h"

struct oih_kmod {
        struct kmod_ctx *ctx;
        char *dirname;
};

int oih_kmod_new(const char *dirname, struct oih_kmod **ret, oih_error **err)
{
        struct oih_kmod *k = calloc(1, sizeof(*k));
        if (!k)
                return oih_error_set(err, ENOMEM, "out of memory");
        k->dirname = dirname ? strdup(dirname) : NULL;
        /* NULL config paths: the host's /etc/modprobe.d, /run/modprobe.d, /lib/modprobe.d. */
        k->ctx = kmod_new(dirname, NULL);
        if (!k->ctx || (dirname && !k->dirname)) {
                oih_kmod_free(k);
                return oih_error_set(err, ENOMEM, "cannot set up libkmod");
        }
        /* Loads the index files up front, for speed; without them libkmod reads them on each lookup. */
        (void)kmod_load_resources(k->ctx);
        *ret = k;
        return 0;
}

void oih_kmod_free(struct oih_kmod *k)
{
        if (!k)
                return;
        if (k->ctx)
                kmod_unref(k->ctx);
        free(k->dirname);
        free(k);
}

static void list_unref(struct kmod_list **l)
{
        if (*l)
                kmod_module_unref_list(*l);
}

int oih_kmod_load(struct oih_kmod *k, const char *name, bool check_only, enum oih_kmod_outcome *ret,
                  oih_error **err)
{
        _cleanup_(list_unref) struct kmod_list *list = NULL;
        struct kmod_list *i;
        bool all_there = true, builtin = true;

        int r = kmod_module_new_from_lookup(k->ctx, name, &list);
        if (r < 0)
                return oih_error_set_errno(err, -r, "kernel module \"%s\": cannot look it up", name);
        if (!list)
                return oih_error_set(
                        err, ENOENT,
                        "kernel module \"%s\" not found in %s; install it, or remove it from \"modules\"",
                        name, k->dirname ?: "/lib/modules of the running kernel");

        kmod_list_foreach(i, list)
        {
                struct kmod_module *m = kmod_module_get_module(i);
                int state = kmod_module_get_initstate(m);
                if (state == KMOD_MODULE_BUILTIN) {
                        kmod_module_unref(m);
                        continue;
                }
                builtin = false;
                if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING) {
                        kmod_module_unref(m);
                        continue;
                }
                all_there = false;
                if (check_only) {
                        kmod_module_unref(m);
                        continue;
                }
                /* The one call that changes the kernel: modprobe's behaviour, with the host's options,
                 * soft dependencies and install commands; blacklists apply to aliases only, as in modprobe.
                 */
                r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, NULL, NULL,
                                                    NULL, NULL);
                if (r < 0) {
                        r = oih_error_set_errno(err, -r, "kernel module \"%s\" (%s): cannot load it", name,
                                                kmod_module_get_name(m));
                        kmod_module_unref(m);
                        return r;
                }
                kmod_module_unref(m);
        }

        *ret = builtin      ? OIH_KMOD_BUILTIN
               : all_there  ? OIH_KMOD_LOADED_ALREADY
               : check_only ? OIH_KMOD_AVAILABLE
                            : OIH_KMOD_LOADED;
        return 0;
}
