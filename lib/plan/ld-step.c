/* SPDX-License-Identifier: Apache-2.0 */
/* The ld cache step: what ldconfig would do for the injected libraries, planned. */
#include "ld-step.h"
#include "plan.h"

void oih_ld_step_done(struct oih_ld_step *ld)
{
        strv_free(ld->dirs);
        for (size_t i = 0; i < ld->n_entries; i++) {
                free(ld->entries[i].soname);
                free(ld->entries[i].path);
        }
        free(ld->entries);
        *ld = (struct oih_ld_step){};
}

/* The step while it is planned, with its lookups: each a hash table over strings the plan or the step
 * owns, so that a thousand libraries cost no more each than ten. */
struct planning {
        struct oih_plan *plan;
        struct oih_ld_step ld;
        size_t libraries;
        struct oih_hashmap dirs;    /* ld.dirs */
        struct oih_hashmap entries; /* ld.entries, by path */
        struct oih_hashmap present; /* the libraries in place already, by target */
        struct oih_hashmap implied; /* the soname links this step added, by target */
};

static void planning_done(struct planning *s)
{
        oih_ld_step_done(&s->ld);
        oih_hashmap_clear(&s->dirs);
        oih_hashmap_clear(&s->entries);
        oih_hashmap_clear(&s->present);
        oih_hashmap_clear(&s->implied);
}

/* Adds the folder that holds `path` (folder false) or `path` itself (folder true) to the folders searched.
 */
static int add_dir(struct planning *s, const char *path, bool folder)
{
        _cleanup_free_ char *d = folder ? strdup(path) : path_dirname(path);
        if (!d)
                return -ENOMEM;
        if (oih_hashmap_get(&s->dirs, d, NULL))
                return 0;
        const char *key = d;
        if (strv_consume(&s->ld.dirs, TAKE_PTR(d)) < 0)
                return -ENOMEM;
        return oih_hashmap_put(&s->dirs, key, 0) < 0 ? -ENOMEM : 0;
}

static bool has_entry(const struct planning *s, const char *soname, const char *path)
{
        size_t i;
        if (!oih_hashmap_get(&s->entries, path, &i))
                return false;
        if (streq(s->ld.entries[i].soname, soname))
                return true;
        /* Two sonames at one path: only where a soname holds a '/'. */
        for (size_t k = 0; k < s->ld.n_entries; k++)
                if (streq(s->ld.entries[k].soname, soname) && streq(s->ld.entries[k].path, path))
                        return true;
        return false;
}

static int add_entry(struct planning *s, const char *soname, const char *path, int32_t flags)
{
        struct oih_ld_step *ld = &s->ld;

        if (has_entry(s, soname, path))
                return 0;
        struct oih_ldso_cache_entry *m = reallocarray(ld->entries, ld->n_entries + 1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        ld->entries = m;
        struct oih_ldso_cache_entry e = { .soname = strdup(soname), .path = strdup(path), .flags = flags };
        if (!e.soname || !e.path || oih_hashmap_put(&s->entries, e.path, ld->n_entries) < 0) {
                free(e.soname);
                free(e.path);
                return -ENOMEM;
        }
        m[ld->n_entries++] = e;
        return 0;
}

/* Plans the link `path` -> `text` that ldconfig would make: of two libraries with one soname in one folder,
 * the newest version ("libfoo.so.1.10" over "libfoo.so.1.9"). -EEXIST: something else is planned there. */
static int add_soname_link(struct planning *s, const char *config, const char *path, const char *text)
{
        struct oih_op *there = oih_plan_op_at(s->plan, path);
        if (there) {
                if (oih_hashmap_get(&s->implied, path, NULL) &&
                    oih_ldso_libcmp(text, there->symlink.text) > 0) {
                        char *t = strdup(text);
                        if (!t)
                                return -ENOMEM;
                        free(there->symlink.text);
                        there->symlink.text = t;
                }
                /* A link or the library itself, named so by a config: ld.so finds it there. */
                return there->type == OIH_OP_SYMLINK || OP_VTABLE(there)->library ? 0 : -EEXIST;
        }
        /* The library itself, put there by the runtime. */
        if (oih_hashmap_get(&s->present, path, NULL))
                return 0;

        struct oih_op op = {
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup(config),
                .target = strdup(path),
                .symlink.text = strdup(text),
        };
        if (!op.config || !op.target || !op.symlink.text) {
                oih_op_done(&op);
                return -ENOMEM;
        }
        /* Nothing is at path: the operation is added. */
        if (oih_plan_add_op(s->plan, &op, NULL) < 0)
                return -ENOMEM;
        return oih_hashmap_put(&s->implied, s->plan->ops[s->plan->n - 1].target, 0) < 0 ? -ENOMEM : 0;
}

/* One library at container path `target`: its entry, and its soname link. 1: ldconfig must do it all.
 * add_soname_link() adds to the plan's operations, which may move them, facts among them: what is needed of
 * facts is read before (the strings stay where they are). */
static int add_library(struct planning *s, const char *config, const char *target,
                       const struct oih_library_facts *facts)
{
        const int32_t flags = facts->ld_flags;
        const char *name = path_basename(target);
        const char *soname = facts->soname ?: name;

        s->libraries++;
        if (!oih_ldso_cache_name_ok(name))
                return 0; /* ldconfig leaves it out too */
        if (flags == 0)
                return 1;
        _cleanup_free_ char *dir = path_dirname(target);
        _cleanup_free_ char *link = dir ? path_join(dir, soname) : NULL;
        if (!link)
                return -ENOMEM;
        if (!streq(soname, name)) {
                int r = add_soname_link(s, config, link, name);
                if (r == -EEXIST)
                        return 1; /* ldconfig sorts it out */
                if (r < 0)
                        return r;
        }
        return add_entry(s, soname, link, flags);
}

/* Every library, of the plan's operations and in place already; 1 as for add_library(). */
static int add_libraries(struct planning *s, const struct oih_ld_library *present, size_t n_present)
{
        struct oih_plan *p = s->plan;
        int r = 0;

        /* Only the operations there were before: the soname links added after them are no libraries. */
        for (size_t i = 0, n = p->n; r == 0 && i < n; i++) {
                const struct oih_op *o = &p->ops[i];
                const struct oih_op_vtable *vt = OP_VTABLE(o);
                if (o->kind == OIH_KIND_LIBRARY && vt->library)
                        r = add_library(s, o->config, o->target, vt->library(o));
        }
        for (size_t i = 0; r == 0 && i < n_present; i++)
                r = add_library(s, present[i].config, present[i].target, &present[i].facts);
        return r;
}

int oih_plan_ld_step(struct oih_plan *p, const struct oih_ld_library *present, size_t n_present,
                     char *const *folders)
{
        _cleanup_(planning_done) struct planning s = { .plan = p };
        int r;

        /* The folders: of every library operation (the links of a chain too), of the libraries in place,
         * and those given. */
        for (size_t i = 0; i < p->n; i++)
                if (p->ops[i].kind == OIH_KIND_LIBRARY && p->ops[i].target &&
                    (r = add_dir(&s, p->ops[i].target, false)) < 0)
                        return r;
        for (size_t i = 0; i < n_present; i++) {
                if ((r = oih_hashmap_put(&s.present, present[i].target, i)) < 0 ||
                    (r = add_dir(&s, present[i].target, false)) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH (f, folders)
                if ((r = add_dir(&s, *f, true)) < 0)
                        return r;

        oih_ld_step_done(&p->ld);
        if (!s.ld.dirs)
                return 0;

        r = add_libraries(&s, present, n_present);
        if (r < 0)
                return r;
        /* Folders and links without a library (a CDI spec written before --library) leave nothing to
         * describe to ld.so: ldconfig looks at the folders. So does a library the hook cannot describe. */
        s.ld.merge = r == 0 && s.libraries > 0;
        if (s.ld.merge) {
                p->ld = s.ld;
                s.ld = (struct oih_ld_step){};
        } else
                p->ld = (struct oih_ld_step){ .dirs = TAKE_PTR(s.ld.dirs) };
        return 0;
}
