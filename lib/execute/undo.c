/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "log.h"
#include "mount.h"
#include "rootfs.h"
#include "undo.h"
#include "util.h"

int oih_undo_add(struct oih_undo *u, enum oih_undo_kind kind, const char *path, const char *backup,
                 dev_t dev, ino_t ino)
{
        struct oih_undo_entry e = { .kind = kind, .dev = dev, .ino = ino };

        e.path = strdup(path);
        e.backup = backup ? strdup(backup) : NULL;
        if (!e.path || (backup && !e.backup))
                goto oom;

        struct oih_undo_entry *m = reallocarray(u->entries, u->n + 1, sizeof(*m));
        if (!m)
                goto oom;
        u->entries = m;
        u->entries[u->n++] = e;
        return 0;

oom:
        free(e.path);
        free(e.backup);
        return -ENOMEM;
}

int oih_undo_created(void *userdata, const char *path, bool directory)
{
        return oih_undo_add(userdata, directory ? OIH_UNDO_CREATED_DIR : OIH_UNDO_CREATED_FILE, path, NULL,
                            0, 0);
}

static int undo_one(int rootfd, const struct oih_undo_entry *e)
{
        _cleanup_close_ int dfd = -1, fd = -1;
        const char *name;
        struct stat st;
        int r;

        if (e->kind == OIH_UNDO_MOUNTED) {
                r = oih_root_open(rootfd, e->path, O_PATH | O_NOFOLLOW, &fd);
                if (r < 0)
                        return r;
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                if (st.st_dev != e->dev || st.st_ino != e->ino)
                        return -ESTALE; /* not our mount any more */
                return oih_mount_detach(fd);
        }

        r = oih_root_open_parent(rootfd, e->path, NULL, &dfd, &name);
        if (r < 0)
                return r;
        switch (e->kind) {
        case OIH_UNDO_CREATED_FILE:
                return unlinkat(dfd, name, 0) < 0 ? negative_errno() : 0;
        case OIH_UNDO_CREATED_DIR:
                return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? negative_errno() : 0;
        case OIH_UNDO_REPLACED:
                return renameat(dfd, e->backup, dfd, name) < 0 ? negative_errno() : 0;
        case OIH_UNDO_MOUNTED:
                break; /* above */
        }
        return -EINVAL;
}

void oih_undo_rollback(struct oih_undo *u)
{
        for (size_t i = u->n; i > 0; i--) {
                const struct oih_undo_entry *e = &u->entries[i - 1];
                int r = undo_one(u->rootfd, e);
                if (r < 0)
                        log_warning("cannot undo the injection of \"%s\" in the container: %s, ignoring",
                                    e->path, strerror(-r));
        }
        oih_undo_done(u);
}

void oih_undo_commit(struct oih_undo *u)
{
        for (size_t i = 0; i < u->n; i++) {
                const struct oih_undo_entry *e = &u->entries[i];
                _cleanup_close_ int dfd = -1;
                const char *name;

                if (e->kind != OIH_UNDO_REPLACED)
                        continue;
                if (oih_root_open_parent(u->rootfd, e->path, NULL, &dfd, &name) < 0 ||
                    unlinkat(dfd, e->backup, 0) < 0)
                        log_warning(
                                "cannot remove the replaced original of \"%s\" in the container, ignoring",
                                e->path);
        }
        oih_undo_done(u);
}

void oih_undo_done(struct oih_undo *u)
{
        for (size_t i = 0; i < u->n; i++) {
                free(u->entries[i].path);
                free(u->entries[i].backup);
        }
        free(u->entries);
        u->entries = NULL;
        u->n = 0;
}
