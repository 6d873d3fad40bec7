/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op.h: the operations a plan is made of. Each type of operation is one kind of change to a container:
 * it has the fields it needs (its member of the union in struct oih_op) and one entry in the table,
 * struct oih_op_vtable, that holds everything it does: its name, when a second operation at its place is
 * the same one, how `plan` prints it, what it becomes in a CDI spec, how executing takes its source in the
 * host's namespaces and applies it in the container. Each type's entry and functions are in op-TYPE.c;
 * HACKING.md says how to add a type.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "json.h"

/* Operations run in this order: modules before devices, folders before what goes into them. */
enum oih_op_type {
        OIH_OP_MODULE,  /* load a kernel module on the host */
        OIH_OP_MKDIR,   /* make a folder (and its parents) */
        OIH_OP_MOUNT,   /* bind a host folder, file or socket */
        OIH_OP_DEVICE,  /* make a device node like the host's */
        OIH_OP_BIND,    /* bind a host file read-only */
        OIH_OP_SYMLINK, /* make a symbolic link */
        OIH_OP_COPY,    /* copy a host file */
        _OIH_OP_MAX,
};

/* A host file as planning saw it: executing checks that it is still that file (device and inode). */
struct oih_host_file {
        char *path;
        mode_t mode; /* file type and permissions */
        dev_t dev;
        ino_t ino;
};

/*
 * What ld.so needs to know of a library, read from its ELF file: its soname (NULL: it has none, ld.so
 * knows it by its file name) and its ld.so.cache flags (0: a file the hook cannot describe to ld.so, not
 * ELF or a kind of library it does not know, which leaves the ld cache to ldconfig).
 */
struct oih_library_facts {
        char *soname;
        int32_t ld_flags;
};

/* A host file put at the target: bound (OIH_OP_BIND) or copied (OIH_OP_COPY). */
struct oih_op_file {
        struct oih_host_file host;
        struct oih_library_facts library; /* kind OIH_KIND_LIBRARY: for the ld cache step */
};

struct oih_op {
        enum oih_op_type type; /* which member of the union is set */
        enum oih_kind kind;    /* the config list it came from */
        char *config;          /* the file that asked for it */
        char *target;          /* container path; NULL for MODULE */
        /* The bare name the entry was found by, or NULL: a library in the host's ld cache, a program in the
         * host's PATH. */
        char *lookup;
        union {
                struct {
                        char *name;
                } module;
                struct {
                        mode_t mode;
                } mkdir;
                struct {
                        struct oih_host_file host;
                        unsigned flags; /* OIH_MOUNT_* */
                } mount;
                struct {
                        struct oih_host_file host; /* the host's node */
                        dev_t rdev;
                        uid_t uid; /* the host node's owner */
                        gid_t gid;
                } device;
                struct oih_op_file bind;
                struct {
                        char *text;
                } symlink;
                struct oih_op_file copy;
        };
};

/* Where an operation goes in a CDI spec (hook/command-cdi.c writes the spec). */
enum oih_cdi_form {
        OIH_CDI_LEFT_OUT,    /* CDI cannot express it: cdi_left_out() says so */
        OIH_CDI_DEVICE_NODE, /* cdi_write() writes an entry of containerEdits.deviceNodes */
        OIH_CDI_MOUNT,       /* cdi_write() writes an entry of containerEdits.mounts */
        OIH_CDI_HOOK,        /* cdi_write() writes arguments of the createContainer hook (`ldcache`) */
};

/* What executing holds (lib/execute/execution.h). */
struct oih_execution;
struct oih_source;

/* One entry per type. A function left NULL means: nothing of that for this type. */
struct oih_op_vtable {
        const char *name; /* in `plan`'s output and in messages */

        /* Frees the type's own strings. */
        void (*done)(struct oih_op *op);

        /* Planning. An operation has one place: its target, or without one (modules), its source. A second
         * operation of the same type at that place that same() says is the same one is planned once, the
         * first kept; merge() hands the first what the second adds. Any other second operation at that
         * place is a conflict, except that a folder to make and an operation that makes_folder() are one. */
        bool (*same)(const struct oih_op *a, const struct oih_op *b);
        void (*merge)(struct oih_op *kept, struct oih_op *other);
        bool (*makes_folder)(const struct oih_op *op);
        /* The library the operation puts at its target, for the ld cache step (ld-step.h). */
        const struct oih_library_facts *(*library)(const struct oih_op *op);

        /* Printing (`plan`, messages): the source ("-" when NULL) and its JSON key; whether the JSON says
         * "kind", the config list (modules come from none); the details after the target ("ro,nosuid",
         * "c 1:3 0666"; NULL on ENOMEM); the type's own JSON keys. */
        const char *(*source)(const struct oih_op *op);
        const char *source_key;
        bool has_kind;
        char *(*detail)(const struct oih_op *op);
        void (*json)(const struct oih_op *op, oih_json_writer *w);

        /* CDI. */
        enum oih_cdi_form cdi_form;
        void (*cdi_write)(const struct oih_op *op, oih_json_writer *w);
        void (*cdi_left_out)(const struct oih_op *op);

        /* Executing (lib/execute/execute.c). take() runs in the host's namespaces before anything in the
         * container is touched: it takes the source and checks it is what the plan saw. apply() runs in the
         * container's mount namespace and records each change for undo (the writer records what it makes,
         * a bind adds OIH_UNDO_MOUNTED): a failure later undoes it. Modules have neither: execute.c loads
         * them all in one run of the helper, before the sources are taken. */
        int (*take)(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                    oih_error **err);
        int (*apply)(struct oih_execution *ex, const struct oih_op *op, struct oih_source *s,
                     oih_error **err);
};

/* The table: the entry of each type. */
const struct oih_op_vtable *oih_op_vtable(enum oih_op_type type);

static inline const struct oih_op_vtable *OP_VTABLE(const struct oih_op *op)
{
        return oih_op_vtable(op->type);
}

/* The types' entries, each in its op-TYPE.c. */
extern const struct oih_op_vtable oih_op_module;
extern const struct oih_op_vtable oih_op_mkdir;
extern const struct oih_op_vtable oih_op_mount;
extern const struct oih_op_vtable oih_op_device;
extern const struct oih_op_vtable oih_op_bind;
extern const struct oih_op_vtable oih_op_symlink;
extern const struct oih_op_vtable oih_op_copy;

const char *oih_op_type_name(enum oih_op_type type);

/* What the operation shows as its source: a host path, a link's text, a module's name; "-" for none. */
const char *oih_op_source(const struct oih_op *op);

/* Frees what op holds (not op itself). */
void oih_op_done(struct oih_op *op);

void oih_library_facts_done(struct oih_library_facts *f);

/* The same host file: by its identity where known, however its path is spelt ("lib/../lib2/x"). */
bool oih_host_file_same(const struct oih_host_file *a, const struct oih_host_file *b);

/* Helpers of the types' entries. A mode's permissions as "0644". */
char *oih_op_mode_string(mode_t mode);
/* The merge() of a file put in place: a file listed as a binary and as a library is a library. */
void oih_op_file_merge(struct oih_op *kept, struct oih_op_file *kept_file, const struct oih_op *other,
                       struct oih_op_file *other_file);
/* A CDI mounts entry that binds host file `source` at `target` with OIH_MOUNT_* flags. */
void oih_op_cdi_write_bind(oih_json_writer *w, const char *source, const char *target, unsigned flags);
