/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "execute.h"
#include "command-hook.h"
#include "log.h"
#include "command-plan.h"
#include "rootfs.h"
#include "util.h"

/* Logs the descriptors above stderr that this process holds: at the end of hook mode, none should be
 * (runtimes pass the hook stdin, stdout and stderr only). */
static void log_open_fds(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        char list[256] = "";
        size_t o = 0;
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
                        continue;
                int k = snprintf(list + o, sizeof(list) - o, "%s%d", o ? ", " : "", fd);
                if (k < 0 || (size_t)k >= sizeof(list) - o)
                        break;
                o += (size_t)k;
        }
        log_debug("file descriptors open at exit besides stdin, stdout and stderr: %s", o ? list : "none");
}

int oih_command_hook(const struct oih_options *options, const struct oih_state *state, oih_error **err)
{
        _cleanup_spec_ struct oih_spec *spec = NULL;
        _cleanup_plan_ struct oih_plan *plan = NULL;

        /* A library's ELF file is read at the first start that asks for it, not at every one. */
        oih_plan_use_soname_cache(OIH_SONAME_CACHE_DIR);
        int r = oih_container_plan(options->config_dirs, state, NULL, options->activation, &spec, &plan,
                                   err);
        if (r >= 0 && plan->n > 0)
                r = oih_execute(plan, spec, state,
                                &(struct oih_execute_options){ .modules_dir = options->modules_dir }, err);
        if (plan)
                oih_soname_cache_save(&plan->sonames);
        if (oih_log_max_level() >= OIH_LOG_DEBUG)
                log_open_fds();
        return r;
}

/* The libraries in place, and the strings they hold. */
struct present {
        struct oih_ld_library *libraries;
        size_t n;
        char **targets;
};

static void present_done(struct present *pr)
{
        for (size_t i = 0; i < pr->n; i++)
                oih_library_facts_done(&pr->libraries[i].facts);
        free(pr->libraries);
        strv_free(pr->targets);
}

/*
 * The libraries the runtime bound into the root from the CDI spec's mounts: each is read where it is, in
 * the root (resolved inside it, opened for reading only once it is known to be a regular file), for the
 * soname and kind that the ld cache step needs, as hook mode reads them on the host.
 */
static int read_present_libraries(const struct oih_spec *spec, char *const *libraries, struct present *ret,
                                  oih_error **err)
{
        if (!libraries)
                return 0;
        _cleanup_close_ int rootfd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return oih_error_set_errno(err, errno, "ldcache: cannot open the container's root \"%s\"",
                                           spec->root_path);
        ret->libraries = calloc(strv_length(libraries), sizeof(*ret->libraries));
        if (!ret->libraries)
                return oih_error_set(err, ENOMEM, "out of memory");
        STRV_FOREACH (l, libraries) {
                _cleanup_free_ char *target = NULL;
                _cleanup_close_ int pfd = -1, fd = -1;
                const char *why = NULL;
                struct stat st;
                char proc[64];

                if (path_normalize(*l, &target, &why) < 0)
                        return oih_error_set(err, EINVAL, "ldcache: --library \"%s\" %s", *l,
                                             why ?: "is not valid");
                int r = oih_root_open(rootfd, target, O_PATH, &pfd);
                if (r < 0)
                        return oih_error_set_errno(
                                err, -r,
                                "ldcache: --library \"%s\": not in the container; the CDI spec's mounts put it there: write the spec again",
                                target);
                if (fstat(pfd, &st) < 0)
                        return oih_error_set_errno(err, errno, "ldcache: cannot stat \"%s\"", target);
                if (!S_ISREG(st.st_mode))
                        return oih_error_set(err, EINVAL, "ldcache: --library \"%s\" is not a regular file",
                                             target);
                /* The O_PATH descriptor holds that very file: reopening it cannot land anywhere else. */
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
                fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return oih_error_set_errno(err, errno, "ldcache: cannot open \"%s\"", target);
                struct oih_ld_library *lib = &ret->libraries[ret->n];
                const char *t = target;
                if (strv_consume(&ret->targets, TAKE_PTR(target)) < 0 ||
                    oih_library_facts_read(fd, st.st_size, t, &lib->facts) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
                lib->config = "ldcache";
                lib->target = t;
                ret->n++;
        }
        return 0;
}

/* A link the CDI spec asks for, planned as hook mode plans the links of a library's chain. */
static int add_symlink(struct oih_plan *plan, const char *target, const char *text)
{
        struct oih_op op = {
                .type = OIH_OP_SYMLINK,
                .kind = OIH_KIND_LIBRARY,
                .config = strdup("ldcache"),
                .target = strdup(target),
                .symlink.text = strdup(text),
        };
        if (!op.config || !op.target || !op.symlink.text) {
                oih_op_done(&op);
                return -ENOMEM;
        }
        /* The same link twice is one; two links at one place: the first is made. */
        return oih_plan_add_op(plan, &op, NULL) == -ENOMEM ? -ENOMEM : 0;
}

int oih_command_ldcache(const struct oih_state *state, char *const *folders, char *const *symlinks,
                        char *const *libraries, oih_error **err)
{
        _cleanup_spec_ struct oih_spec *spec = NULL;
        _cleanup_plan_ struct oih_plan *plan = NULL;
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(present_done) struct present present = {};
        int r;

        r = oih_spec_read(state->bundle, &spec, err);
        if (r < 0)
                return r;
        if (oih_plan_new(&plan) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");

        /* The arguments come from a CDI spec, root's like the configs; their paths are checked the same way.
         */
        for (size_t i = 0; symlinks && symlinks[i]; i += 2) {
                _cleanup_free_ char *target = NULL;
                const char *why = NULL;
                if (!symlinks[i + 1] || isempty(symlinks[i + 1]))
                        return oih_error_set(err, EINVAL, "ldcache: --symlink %s needs a link text",
                                             symlinks[i]);
                if (path_normalize(symlinks[i], &target, &why) < 0)
                        return oih_error_set(err, EINVAL, "ldcache: --symlink \"%s\" %s", symlinks[i],
                                             why ?: "is not valid");
                if (add_symlink(plan, target, symlinks[i + 1]) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        r = read_present_libraries(spec, libraries, &present, err);
        if (r < 0)
                return r;
        STRV_FOREACH (f, folders) {
                _cleanup_free_ char *dir = NULL;
                const char *why = NULL;
                if (path_normalize(*f, &dir, &why) < 0)
                        return oih_error_set(err, EINVAL, "ldcache: --folder \"%s\" %s", *f,
                                             why ?: "is not valid");
                if (strv_consume(&dirs, TAKE_PTR(dir)) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");
        }
        /* The ld cache step as hook mode plans it, from the libraries; folders given alone (a spec written
         * before --library) add to it, and without libraries ldconfig does the work. */
        if (oih_plan_ld_step(plan, present.libraries, present.n, dirs) < 0)
                return oih_error_set(err, ENOMEM, "out of memory");

        return oih_execute(plan, spec, state, &(struct oih_execute_options){ .inside_container = true },
                           err);
}
