/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.h: what the hook needs from the container's config.json (the OCI runtime spec), read once:
 * root.path and root.readonly, process.env, annotations, linux.namespaces, linux.uidMappings and
 * gidMappings, linux.cgroupsPath, and which of the mounts are the container's own tmpfs.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "annotations.h"

#define OIH_SPEC_MAX_SIZE (16 * 1024 * 1024)

struct oih_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct oih_namespace {
        char *type;
        char *path; /* NULL: the runtime creates a new one */
};

struct oih_spec {
        char *root_path; /* absolute; a relative root.path is taken relative to the bundle */
        bool root_readonly;
        char **env; /* process.env as written, "NAME=VALUE" */
        struct oih_annotations annotations;
        struct oih_namespace *namespaces;
        size_t n_namespaces;
        struct oih_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct oih_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        char *cgroups_path; /* may be NULL */
        /* The destinations of the tmpfs mounts the runtime makes for the container (type "tmpfs", not a
         * bind), in the order of "mounts": the only mounts besides the root that the hook writes to. */
        char **tmpfs_mounts;
};

/* Parses config.json text; `bundle` (absolute) anchors a relative root.path. */
int oih_spec_parse(const char *text, size_t len, const char *bundle, struct oih_spec **ret, oih_error **err);
/* Reads and parses <bundle>/config.json. Errors name that file. */
int oih_spec_read(const char *bundle, struct oih_spec **ret, oih_error **err);
void oih_spec_free(struct oih_spec *s);

static inline void oih_spec_freep(struct oih_spec **s)
{
        oih_spec_free(*s);
        *s = NULL;
}
#define _cleanup_spec_ _cleanup_(oih_spec_freep)

/* The value of variable `name` in process.env (the last entry wins when a name repeats), or NULL. */
const char *oih_spec_getenv(const struct oih_spec *s, const char *name);

/* True when linux.namespaces lists a namespace of this type ("user", "mount", ...). */
bool oih_spec_has_namespace(const struct oih_spec *s, const char *type);

/* Maps a container uid/gid to the host through the spec's mappings; without mappings ids are the
 * same. Returns -ERANGE when the id is not mapped. */
int oih_spec_host_uid(const struct oih_spec *s, uint32_t container_id, uint32_t *ret);
int oih_spec_host_gid(const struct oih_spec *s, uint32_t container_id, uint32_t *ret);
