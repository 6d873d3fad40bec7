/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding the container's cgroup folders, from the texts the hook reads (/proc/PID/cgroup of the
 * container's process, the mount table it sees) in every layout: cgroup v1 beside the unified hierarchy
 * (hybrid, as this machine boots), pure cgroup v2, the pure v2 view the integration tests make on this
 * machine, pure v1, hierarchies mounted at a subtree; and checking a process against linux.cgroupsPath.
 * The texts of the hybrid and v2 cases were taken from runc containers on this machine.
 */
#include "cgroup.h"
#include "tap.h"

#define HYBRID_MOUNTS                                                                       \
        "25 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"                                   \
        "30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"               \
        "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"              \
        "32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"        \
        "33 30 0:29 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"      \
        "34 30 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n" \
        "35 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

#define HYBRID_CGROUP                                                                               \
        "9:name=systemd:/x1\n8:pids:/x1\n5:devices:/x1\n4:memory:/process_api/5e4e/x1\n1:cpu:/x1\n" \
        "0::/x1\n"

/* Locates and compares with the expected folders (NULL: none). */
static void layout(const char *name, const char *cgroup, const char *mountinfo, const char *v1,
                   const char *v1_dir, const char *v2, const char *v2_dir)
{
        struct oih_cgroup_paths p = {};
        int r = oih_cgroup_locate(cgroup, mountinfo, &p);
        is_int(r, 0, "%s: located", name);
        is_str(p.v1, v1, "%s: the v1 devices cgroup", name);
        is_str(p.v1_dir, v1_dir, "%s: at its folder", name);
        is_str(p.v2, v2, "%s: the v2 cgroup", name);
        is_str(p.v2_dir, v2_dir, "%s: at its folder", name);
        oih_cgroup_paths_done(&p);
}

static void test_layouts(void)
{
        layout("hybrid (this machine, runc in v1 mode)", HYBRID_CGROUP, HYBRID_MOUNTS, "/x1",
               "/sys/fs/cgroup/devices/x1", "/x1", "/sys/fs/cgroup/unified/x1");

        /* The line "0::PATH" of cgroup v2: the lookup never matched it before. */
        layout("pure cgroup v2 (systemd host)", "0::/system.slice/docker-abc.scope\n",
               "25 1 254:0 / / rw - ext4 /dev/vda rw\n"
               "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n",
               NULL, NULL, "/system.slice/docker-abc.scope", "/sys/fs/cgroup/system.slice/docker-abc.scope");

        /* The integration tests' v2 view: v1 hierarchies still exist (the lines), unmounted in the view. */
        layout("the pure v2 view on this machine (runc in v2 mode)",
               "9:name=systemd:/\n5:devices:/\n4:memory:/process_api/5e4e\n1:cpu:/\n0::/x2\n",
               "25 1 254:0 / / rw - ext4 /dev/vda rw\n47 46 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 "
               "cgroup2 rw\n",
               "/", NULL, "/x2", "/sys/fs/cgroup/x2");

        layout("pure cgroup v1, controllers mounted together",
               "4:cpu,cpuacct:/docker/abc\n3:devices:/docker/abc\n2:memory:/docker/abc\n1:name=systemd:/"
               "docker/abc\n",
               "30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n"
               "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
               "33 30 0:29 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n",
               "/docker/abc", "/sys/fs/cgroup/devices/docker/abc", NULL, NULL);

        layout("devices mounted together with another controller", "3:cpuset,devices:/k/x\n",
               "33 30 0:29 / /cg/both rw - cgroup cgroup rw,cpuset,devices\n", "/k/x", "/cg/both/k/x", NULL,
               NULL);

        /* A hierarchy mounted at a subtree first (a bind of a part), then whole: the one that shows it. */
        layout("a subtree mount that does not show the cgroup is passed over", "0::/kubepods/pod1/ctr\n",
               "40 25 0:30 /other /mnt/other rw - cgroup2 cgroup2 rw\n"
               "41 25 0:30 /kubepods /mnt/kubepods rw - cgroup2 cgroup2 rw\n"
               "42 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
               NULL, NULL, "/kubepods/pod1/ctr", "/mnt/kubepods/pod1/ctr");

        layout("a cgroup outside every mount has no folder", "5:devices:/elsewhere/x\n",
               "33 30 0:29 /kubepods /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n", "/elsewhere/x",
               NULL, NULL, NULL);

        layout("a cgroup that is the mount's root itself", "0::/kubepods\n",
               "41 25 0:30 /kubepods /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", NULL, NULL, "/kubepods",
               "/sys/fs/cgroup");

        layout("escapes in the mount table are undone", "0::/a b\n",
               "42 25 0:30 / /run/my\\040cgroups rw - cgroup2 cgroup2 rw\n", NULL, NULL, "/a b",
               "/run/my cgroups/a b");

        layout("a path that holds ':' is read whole", "0::/a:b:c\n",
               "42 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", NULL, NULL, "/a:b:c",
               "/sys/fs/cgroup/a:b:c");

        layout("no mount table given: paths only", HYBRID_CGROUP, NULL, "/x1", NULL, "/x1", NULL);

        layout("a v1 hierarchy without devices and the name=systemd line are not devices",
               "1:name=systemd:/x\n2:cpu:/x\n", HYBRID_MOUNTS, NULL, NULL, NULL, NULL);

        layout("a mount table without any cgroup mount", HYBRID_CGROUP,
               "25 1 254:0 / / rw - ext4 /dev/vda rw\n", "/x1", NULL, "/x1", NULL);
}

static void spec_path(const char *cgroup, const char *cgroups_path, bool expect, const char *why)
{
        ok(oih_cgroup_in_spec_path(cgroup, cgroups_path) == expect, "%s: linux.cgroupsPath \"%s\" %s", why,
           cgroups_path, expect ? "holds the process" : "does not hold the process");
}

static void test_spec_path(void)
{
        spec_path(HYBRID_CGROUP, "/x1", true, "absolute, as runc makes it");
        spec_path("5:devices:/oih-parent/oih-child\n", "/oih-parent/oih-child", true, "absolute, nested");
        spec_path("0::/oih-parent/oih-child\n", "/oih-parent/oih-child/", true, "a trailing slash");
        spec_path("0::/oih-parent/oih-child2\n", "/oih-parent/oih-child", false, "a longer name is another");
        spec_path("0::/x2\n", "/x1", false, "another container's cgroup");
        spec_path("0::/oih-parent/oih-child/sub\n", "/oih-parent/oih-child", true,
                  "below it (crun's sub-cgroup)");
        spec_path("0::/\n5:devices:/\n", "/x1", false,
                  "the root cgroup of a process the runtime did not place");
        spec_path("0::/system.slice/kubepods/pod1/ctr\n", "kubepods/pod1/ctr", true,
                  "relative: below the runtime's own cgroup");
        spec_path("0::/system.slice/xkubepods/pod1/ctr\n", "kubepods/pod1/ctr", false,
                  "relative: whole components only");
        spec_path("0::/system.slice/runc-abc.scope\n", "system.slice:runc:abc", true, "systemd form");
        spec_path("0::/machine.slice/machine-pod.slice/libpod-abc.scope/container\n",
                  "machine-pod.slice:libpod:abc", true, "systemd form, nested slice, crun's sub-cgroup");
        spec_path("0::/system.slice/libpod-abc.scope\n", "machine-pod.slice:libpod:abc", false,
                  "systemd form, another slice");
        spec_path("0::/system.slice/libpod-abd.scope\n", "system.slice:libpod:abc", false,
                  "systemd form, another name");
        spec_path("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-abc.scope\n",
                  ":libpod:abc", true, "systemd form without a slice (the runtime's default)");
        spec_path("0::/system.slice/my.slice\n", "system.slice::my.slice", true,
                  "systemd form naming a slice");
        spec_path("0::/a:b:c\n", "a:b:c", true, "a relative path with ':' under the cgroupfs driver");
}

int main(void)
{
        test_layouts();
        test_spec_path();
        return tap_finish();
}
