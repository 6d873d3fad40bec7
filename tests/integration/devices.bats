#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Devices and kernel modules under runc, in both cgroup layouts (meson runs this file as
# integration-devices, hybrid: runc's cgroup v1 devices controller, and integration-devices-v2: a pure
# cgroup v2 view where runc attaches a BPF device program to the container's cgroup, which the hook
# replaces). A static helper inside the container opens each node read-write. /dev/fuse (10:229) and
# /dev/loop0 (b 7:0) are the devices that prove the grant: runc's default rules already allow
# /dev/net/tun (10:200).
# Kernel modules: these machines' kernel loads none, so libkmod is pointed at a test modules folder
# (built-in modules listed in modules.builtin, indexed by depmod) for the "built in" and "not found"
# paths; the call that really inserts a module is reviewed, not run (lib/devices/kmod.c).

load helpers

setup_file() {
    setup_test_root
    write_config devices.json '{
  "description": "fuse and tun, by bare name and by glob",
  "activation_flag": "OCI_DEVICES",
  "devices": ["fuse", "/dev/net/t*"]
}'
    write_config block.json '{ "activation_flag": "OCI_BLOCK", "devices": ["/dev/loop0"] }'
    write_config numbered.json '{ "activation_flag": "OCI_NUMBERED", "devices": [{"path": "/dev/fuse", "major": 10, "minor": 228}] }'
}

# A glibc-free image with the static devopen helper and, made on the host, a node of /dev/loop0 that
# no config lists: the device cgroup, not a missing node, must be what stops it.
devices_bundle() {
    new_bundle "$1" static "${@:2}"
    cp "$OIH_HELPERS/devopen" "$BUNDLE/rootfs/bin/devopen"
    mknod "$BUNDLE/rootfs/unlisted-loop0" b 7 0
}

# What the container shows of its device rules: cgroup v1's list; on cgroup v2 the program cannot be
# read from inside, and opening the nodes is the proof.
if [ "$(cgroup_layout)" = v2 ]; then
    CG='echo cgroup v2'
else
    CG='cat /sys/fs/cgroup/devices/devices.list'
fi

# v1 only: the rule as devices.list shows it.
v1_lists() {
    [ "$(cgroup_layout)" = v2 ] || [[ "$output" == *"$1"* ]]
}

@test "devices: fuse (bare name) and tun (glob) are made and open read-write; an unlisted device does not" {
    snapshot_mounts
    devices_bundle dev --env OCI_DEVICES=1 --hook "$(hook_arg)" \
        --cmd "ls -l /dev/fuse /dev/net/tun; devopen /dev/fuse /dev/net/tun /unlisted-loop0; $CG"
    run_runc oih-dev
    echo "$output"
    [[ "$output" == *"crw-------"*"10, 229"*"/dev/fuse"* ]]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"/dev/net/tun: ok"* ]]
    [[ "$output" == *"/unlisted-loop0: Operation not permitted"* ]]
    # Exactly the device, read and write: never mknod, never a wildcard.
    v1_lists "c 10:229 rw"
    [[ "$output" != *"c 10:229 rwm"* ]]
    [[ "$output" != *"a *:* rw"* ]]
    mounts_unchanged
}

@test "devices: without the variable there is no fuse node and no permission" {
    devices_bundle nodev --hook "$(hook_arg)" --cmd "ls /dev/fuse 2>&1; $CG"
    run_runc oih-nodev
    echo "$output"
    [[ "$output" == *"/dev/fuse: No such file"* ]]
    [[ "$output" != *"10:229"* ]]
}

@test "devices: a block device listed is made and opens" {
    devices_bundle block --env OCI_BLOCK=1 --hook "$(hook_arg)" --cmd "ls -l /dev/loop0; devopen /dev/loop0; $CG"
    run_runc oih-block
    echo "$output"
    [[ "$output" == *"brw-------"*"7,   0"*"/dev/loop0"* ]]
    [[ "$output" == *"/dev/loop0: ok"* ]]
    v1_lists "b 7:0 rw"
}

@test "devices: in a user namespace the node is bound from the host (mknod is refused there) and opens" {
    # There the host node's owner and mode apply (a bind cannot change them), and this machine's
    # /dev/fuse is root's alone: a host node of the same device with mode 0666 stands in for a distro's.
    mkdir -p "$OIH_T/hostdev"
    [ -e "$OIH_T/hostdev/fuse" ] || mknod -m 0666 "$OIH_T/hostdev/fuse" c 10 229
    write_config userns-devices.json "{ \"activation_flag\": \"OCI_USERNS_DEVICES\",
      \"devices\": [{\"path\": \"$OIH_T/hostdev/fuse\", \"container_path\": \"/dev/fuse\"}, \"/dev/net/tun\"] }"
    devices_bundle userns --userns --env OCI_USERNS_DEVICES=1 --hook "$(hook_arg prestart warning)" \
        --cmd "devopen /dev/fuse; grep ' /dev/fuse ' /proc/self/mountinfo; echo STARTED"
    chown -R 100000:100000 "$BUNDLE/rootfs"
    run_runc oih-userns-dev
    rm -f "$OIH_T/conf/userns-devices.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *" /dev/fuse "*"nosuid"*"noexec"* ]]
}

@test "devices: where mknod is refused (a sandbox such as gVisor, a seccomp profile) the node is bound from the host and opens" {
    # Every mknodat of the hook fails with EPERM: device nodes and the empty files binds are made on.
    devices_bundle nomknod --env OCI_DEVICES=1 --hook "$(hook_arg prestart info mknodat:EPERM)" \
        --cmd "devopen /dev/fuse /dev/net/tun /unlisted-loop0; grep -c ' /dev/fuse ' /proc/self/mountinfo; $CG"
    snapshot_mounts
    run_runc oih-nomknod
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"/dev/net/tun: ok"* ]]
    [[ "$output" == *"/unlisted-loop0: Operation not permitted"* ]]
    [ "$(printf '%s\n' "$output" | sed -n 4p)" = 1 ]
    v1_lists "c 10:229 rw"
    mounts_unchanged
}

@test "devices: in a user namespace a host node the container's root cannot open is named in a warning" {
    # /dev/net/tun is root's alone (0600) on this machine. The file after it fails on purpose (its folder
    # is a regular file in the image), so that runc shows the hook's lines.
    write_config userns-devices.json "{ \"activation_flag\": \"OCI_USERNS_DEVICES\", \"devices\": [\"/dev/net/tun\"],
      \"miscellaneous\": [{\"path\": \"$INJ/etc/injtest.conf\", \"container_path\": \"/blocker/injtest.conf\"}] }"
    devices_bundle userns-warn --userns --env OCI_USERNS_DEVICES=1 --hook "$(hook_arg prestart warning)" --cmd true
    echo "a file, not a folder" >"$BUNDLE/rootfs/blocker"
    chown -R 100000:100000 "$BUNDLE/rootfs"
    run_runc oih-userns-warn
    rm -f "$OIH_T/conf/userns-devices.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"device "*"/dev/net/tun"*"mode 0600, owner 0:0: the container's root user (host 100000:100000) cannot open it"* ]]
}

@test "devices: a node whose number is not the one the config names is refused" {
    devices_bundle numbered --env OCI_NUMBERED=1 --hook "$(hook_arg)" --cmd 'echo STARTED'
    run_runc oih-numbered
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"numbered.json: devices[0] "*"/dev/fuse"*"is device 10:229 on the host, not the 10:228 the config names"* ]]
}

# A devices cgroup v1 parent that allows what runc's default rules need, and not /dev/fuse: a child
# below it cannot be allowed fuse (the kernel refuses the write to its devices.allow).
make_v1_parent() {
    V1_PARENT=oih-devices-parent-$$
    local d=/sys/fs/cgroup/devices/$V1_PARENT rule
    mkdir "$d"
    echo a >"$d/devices.deny"
    for rule in 'c *:* m' 'b *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' 'c 1:9 rwm' \
        'c 5:0 rwm' 'c 5:1 rwm' 'c 5:2 rwm' 'c 136:* rwm' 'c 10:200 rwm'; do
        echo "$rule" >"$d/devices.allow"
    done
}

# runc makes the parent in every hierarchy; it removes the child itself.
remove_v1_parent() {
    [ -n "${V1_PARENT:-}" ] || return 0
    local d
    for d in /sys/fs/cgroup/*/"$V1_PARENT"; do
        [ -d "$d" ] && rmdir "$d/"* 2>/dev/null
        [ -d "$d" ] && rmdir "$d"
    done
    V1_PARENT=
    return 0
}

teardown() {
    remove_v1_parent
}

@test "devices: a device the container's cgroup cannot be allowed stops it, with one line naming it" {
    write_config devices-denied.json '{ "activation_flag": "OCI_DENIED", "devices": ["fuse"],
      "miscellaneous": [{"path": "'"$INJ/etc/injtest.conf"'", "container_path": "/etc/injected.conf"}] }'
    local hook
    if [ "$(cgroup_layout)" = v2 ]; then
        # cgroup v2: the kernel refuses the extended device program (a seccomp filter answers the hook's
        # BPF_PROG_LOAD with EPERM, as a policy such as a security module might); runc's program stays.
        hook=$(hook_arg prestart info 'bpf@0=5:EPERM')
        devices_bundle denied --env OCI_DENIED=1 --hook "$hook" --cmd 'echo STARTED; devopen /dev/fuse'
    else
        # cgroup v1: the container's cgroup is below a parent that does not allow fuse.
        make_v1_parent
        devices_bundle denied --env OCI_DENIED=1 --hook "$(hook_arg)" --cgroups-path "/$V1_PARENT/oih-denied" \
            --cmd 'echo STARTED; devopen /dev/fuse'
    fi
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    snapshot_mounts
    run_runc oih-denied
    rm -f "$OIH_T/conf/devices-denied.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"devices-denied.json: cannot allow device "*"/dev/fuse"*"(c 10:229 rw) in the container's cgroup: "*"it would get a node it cannot open, so it does not start"* ]]
    if [ "$(cgroup_layout)" = v2 ]; then
        [[ "$output" == *"the kernel refused the extended device program: Operation not permitted"* ]]
    else
        [[ "$output" == *"devices.allow"*"failed: Operation not permitted (its parent cgroup does not allow the device)"* ]]
    fi
    # What was injected before is undone.
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
    mounts_unchanged
}

@test "devices: where no device controller applies, the node goes in with a warning" {
    # A runtime that manages no cgroups: a stand-in process in a mount namespace of its own, with the
    # root bound onto itself as runtimes do, left in the cgroups it was started in (the root ones here, or
    # the test's own: the hook's). The hook runs by hand with a state naming it, in this run's layout.
    write_config devices-free.json '{ "activation_flag": "OCI_FREE", "devices": ["fuse"] }'
    devices_bundle free --env OCI_FREE=1 --hook "$(hook_arg)" --cmd true
    snapshot_mounts
    run "$IN_LAYOUT" "$OIH_SOURCE/tests/integration/standin-run" bind "$BUNDLE/rootfs" "$BUNDLE" "" \
        $(hook_cmd) --config-dir "$OIH_T/conf" --log-level warning
    rm -f "$OIH_T/conf/devices-free.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: "*"devices-free.json: device \"/dev/fuse\" (c 10:229): no device controller applies to the container (cgroup v1 devices: "*"; cgroup v2: "*"), so the hook sets no permission: the node goes in"* ]]
    # The stand-in's root is the bundle's on disk: the node is there.
    [ -c "$BUNDLE/rootfs/dev/fuse" ]
    mounts_unchanged
}

@test "devices: without pidfd_open (kernels before 5.3) the hook holds the process by its number and works" {
    devices_bundle nopidfd --env OCI_DEVICES=1 --hook "$(hook_arg prestart info pidfd_open)" \
        --cmd 'devopen /dev/fuse /unlisted-loop0; echo STARTED'
    run_runc oih-nopidfd
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"/unlisted-loop0: Operation not permitted"* ]]
}

@test "modules: a built-in module is fine and the devices follow" {
    make_modules_dir
    write_config modules.json '{ "activation_flag": "OCI_MODULES", "modules": ["oihtestbuiltin"], "devices": ["fuse"] }'
    devices_bundle mod --env OCI_MODULES=1 --hook "$(hook_arg),--modules-dir,$MODDIR" --cmd 'devopen /dev/fuse'
    run_runc oih-mod
    rm -f "$OIH_T/conf/modules.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
}

@test "modules: a module that cannot be found stops the container and is named" {
    make_modules_dir
    write_config nomodule.json '{ "activation_flag": "OCI_NOMODULE", "modules": ["oihtestmissing"], "devices": ["fuse"] }'
    devices_bundle nomod --env OCI_NOMODULE=1 --hook "$(hook_arg),--modules-dir,$MODDIR" --cmd 'echo STARTED'
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    run_runc oih-nomod
    rm -f "$OIH_T/conf/nomodule.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"nomodule.json: kernel module "*"oihtestmissing"*"not found in $MODDIR"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
}

@test "modules: the hook itself never maps libkmod" {
    # Static by default, dynamic in sanitizer builds: in neither is libkmod among its libraries.
    run ldd "$OIH_HOOK"
    [[ "$output" != *libkmod* ]]
    run ldd "$(dirname "$OIH_HOOK")/oih-kmod"
    [[ "$output" == *libkmod* ]]
}
