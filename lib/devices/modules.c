/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "modules.h"
#include "spawn.h"
#include "util.h"

#define HELPER "oih-kmod"

static const char *helper_override;

void oih_modules_set_helper(const char *path)
{
        helper_override = path;
}

/* Where the helper is: beside the running hook (a build tree), else in the install's libexec folder. */
static int helper_path(char **ret)
{
        _cleanup_free_ char *self = NULL;

        if (helper_override) {
                *ret = strdup(helper_override);
                return *ret ? 0 : -ENOMEM;
        }
        if (readlink_malloc("/proc/self/exe", &self) >= 0) {
                _cleanup_free_ char *dir = path_dirname(self);
                _cleanup_free_ char *beside = dir ? path_join(dir, HELPER) : NULL;
                if (beside && access(beside, X_OK) == 0) {
                        *ret = TAKE_PTR(beside);
                        return 0;
                }
        }
        char *installed = path_join(OIH_LIBEXEC_DIR, HELPER);
        if (!installed)
                return -ENOMEM;
        if (access(installed, X_OK) < 0) {
                free(installed);
                return -ENOENT;
        }
        *ret = installed;
        return 0;
}

struct loader {
        const char *helper;
        char **argv;
};

static void loader_child(void *userdata, int err_fd)
{
        const struct loader *l = userdata;

        /* Only the error channel is kept; the environment is empty, as for every helper. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(err_fd, STDERR_FILENO) < 0)
                _exit(126);
        char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        execve(l->helper, l->argv, envp);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", l->helper, strerror(errno));
        _exit(127);
}

static int run_loader(char *const *names, const char *modules_dir, bool check_only, oih_error **err)
{
        _cleanup_free_ char *helper = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        struct oih_helper_result result;
        char how[64];

        int r = helper_path(&helper);
        if (r < 0)
                return oih_error_set(
                        err, -r,
                        "cannot find the module loader \"%s\" (beside the hook or in %s); reinstall oci-injector-hook",
                        HELPER, OIH_LIBEXEC_DIR);

        if (strv_extend(&argv, helper) < 0 ||
            (modules_dir && (strv_extend(&argv, "--dirname") < 0 || strv_extend(&argv, modules_dir) < 0)) ||
            (check_only && strv_extend(&argv, "--check") < 0) || strv_extend(&argv, "--") < 0)
                return oih_error_set(err, ENOMEM, "out of memory");
        STRV_FOREACH (n, names)
                if (strv_extend(&argv, *n) < 0)
                        return oih_error_set(err, ENOMEM, "out of memory");

        struct loader l = { .helper = helper, .argv = argv };
        r = oih_helper_run(loader_child, &l, OIH_MODULES_TIMEOUT_SEC, &result);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot run the module loader");
        if (!oih_helper_ok(&result))
                return oih_error_set(err, result.timed_out ? ETIMEDOUT : EIO, "%s (%s)",
                                     *result.last_line ? result.last_line : "loading kernel modules failed",
                                     oih_helper_describe(&result, how, sizeof(how)));
        return 0;
}

int oih_modules_load(char *const *names, const char *modules_dir, oih_error **err)
{
        return run_loader(names, modules_dir, false, err);
}

int oih_modules_check(char *const *names, const char *modules_dir, oih_error **err)
{
        return run_loader(names, modules_dir, true, err);
}
