#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Hostile images (THREATS.md items 1-3): symlinks at every injected path and at its parents, absolute
# to "/", relative "../../..", through /proc/self/root, dangling, aimed at a canary tree on the host;
# an image that ships its own ldconfig; an ld.so.conf that reaches through /proc/1/root.
# After each run the canary is byte for byte the same and so is the host's mount table; the hook
# either injected inside the root or failed with a message naming the config. And a state whose pid
# names another process than the container's.
# meson runs this file four times: as is, with openat2 failing (ENOSYS, so the user-space walk
# resolves every path), with open_tree/move_mount/mount_setattr failing (mount(2) fallback), and in the
# pure cgroup v2 layout (tests/integration/in-layout).

load helpers

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)"; echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)"'

setup_file() {
    setup_injtest_root
    make_canary
}

setup() {
    snapshot_mounts
    snapshot_canary
    new_bundle "t$BATS_TEST_NUMBER" glibc --cmd "$SEE" --env "PATH=$INJ/bin:/bin" --env "INJ=$INJ" \
        --env OCI_INJTEST=1 --hook "$(hook_arg)"
    R=$BUNDLE/rootfs
}

# The invariants of every test here, then: injected (and it works) or refused with a clear line.
check_outcome() {
    echo "$output"
    canary_unchanged
    mounts_unchanged
    if [ "$status" -eq 0 ]; then
        [[ "$output" == *"bin: injtest library loaded"* ]]
        [[ "$output" == *"file: injtest configuration"* ]]
    else
        [[ "$output" == *"$OIH_T/conf/injtest.json"* ]]
    fi
}

@test "hostile: a parent folder is a symlink to /" {
    mkdir -p "$R$INJ"
    ln -s / "$R$INJ/bin"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    # Inside the root, $INJ/bin is /: the binary's mount point was made there.
    [ "$status" -eq 0 ] && [ -f "$R/injtest" ]
}

@test "hostile: a parent folder is a relative symlink climbing out with ../../.." {
    mkdir -p "$R$INJ"
    ln -s "../../../../../../../../../../..$CANARY/lib" "$R$INJ/lib"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ] && [ -f "$R$CANARY/lib/libinjtest.so.1.2.3" ]
}

@test "hostile: a parent folder is an absolute symlink to the host's canary" {
    mkdir -p "$R$INJ"
    ln -s "$CANARY/etc" "$R$INJ/etc"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ] && [ -f "$R$CANARY/etc/injtest.conf" ]
}

@test "hostile: a parent folder leads through /proc/self/root" {
    mkdir -p "$R$INJ"
    ln -s "/proc/self/root$CANARY/etc" "$R$INJ/etc"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
}

@test "hostile: the whole path is a chain of symlinks through /proc/1/root" {
    mkdir -p "$R$(dirname "$INJ")"
    ln -s "/proc/1/root$CANARY" "$R$INJ"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
}

@test "hostile: a parent folder is a dangling symlink" {
    mkdir -p "$R$INJ"
    ln -s /nonexistent/place "$R$INJ/etc"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
}

@test "hostile: the binary's destination is a symlink to a host file" {
    mkdir -p "$R$INJ/bin"
    ln -s "$CANARY/victim" "$R$INJ/bin/injtest"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
}

@test "hostile: the file's destination is a relative symlink to the host's shadow" {
    mkdir -p "$R$INJ/etc"
    ln -s "../../../../../../../../..$CANARY/etc/shadow" "$R$INJ/etc/injtest.conf"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
}

@test "hostile: the library's soname link already points at a host library" {
    mkdir -p "$R$INJ/lib"
    ln -s "$CANARY/lib/libcanary.so.1.2.3" "$R$INJ/lib/libinjtest.so.1"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
    [ "$(readlink "$R$INJ/lib/libinjtest.so.1")" = libinjtest.so.1.2.3 ]
}

@test "hostile: /etc/ld.so.conf.d and ld.so.cache are symlinks to the host" {
    rm -rf "$R/etc/ld.so.conf.d"
    ln -s "$CANARY/etc" "$R/etc/ld.so.conf.d"
    ln -s "$CANARY/etc/shadow" "$R/etc/ld.so.cache"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
}

@test "hostile: an ld.so.cache that is a FIFO is never opened" {
    # A writer blocks until someone opens the FIFO for reading: if the hook did, the marker appears.
    rm -f "$R/etc/ld.so.cache"
    mkfifo "$R/etc/ld.so.cache"
    (timeout 30 sh -c "echo x >'$R/etc/ld.so.cache'; touch '$OIH_T/fifo-opened'" &)
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
    sleep 0.2
    [ ! -e "$OIH_T/fifo-opened" ]
}

@test "hostile: an ld.so.cache that is no cache, or a damaged one, leaves the work to ldconfig" {
    for content in passwd damaged; do
        rm -f "$R/etc/ld.so.cache"
        if [ "$content" = passwd ]; then
            ln -s passwd "$R/etc/ld.so.cache"
        else
            # A real cache whose entry count runs past the end of the file.
            ldconfig -r "$R" -C /etc/ld.so.cache
            printf '\xff\xff\xff\x7f' | dd of="$R/etc/ld.so.cache" bs=1 seek=20 conv=notrunc status=none
        fi
        cp "$R/etc/passwd" "$OIH_T/passwd-before"
        run_runc "oih-h$BATS_TEST_NUMBER"
        check_outcome
        [ "$status" -eq 0 ]
        cmp "$R/etc/passwd" "$OIH_T/passwd-before"
        [[ "$output" == *"bin: injtest library loaded"* ]]
    done
}

@test "hostile: the image's own ldconfig is never run" {
    for p in /sbin/ldconfig /sbin/ldconfig.real /usr/sbin/ldconfig /bin/ldconfig; do
        mkdir -p "$R$(dirname "$p")"
        rm -f "$R$p"
        printf '#!/bin/sh\ntouch /IMAGE-LDCONFIG-RAN\n' >"$R$p"
        chmod 755 "$R$p"
    done
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
    [ ! -e "$R/IMAGE-LDCONFIG-RAN" ]
}

@test "hostile: ld.so.conf reaching the host through /proc/1/root makes ldconfig touch nothing there" {
    # Before pivot_root, /proc/1/root of the container's procfs is the host's root; the hook detaches
    # procfs from ldconfig's view. ldconfig would otherwise make the soname link libcanary.so.1 there.
    printf 'include /etc/ld.so.conf.d/*.conf\n/proc/1/root%s/lib\n/proc/self/root%s/lib\n' "$CANARY" "$CANARY" \
        >"$R/etc/ld.so.conf"
    run_runc "oih-h$BATS_TEST_NUMBER"
    check_outcome
    [ "$status" -eq 0 ]
    [ ! -e "$CANARY/lib/libcanary.so.1" ]
}

teardown() {
    if [ -n "${VICTIM_HOST:-}" ]; then
        rmdir "$VICTIM_HOST"
        VICTIM_HOST=
    fi
    rm -f "$OIH_T/conf/victim.json"
}

# A victim's cgroup: a v1 devices cgroup that allows nothing (hybrid), or a cgroup v2 folder (v2).
# VICTIM_CG is its path as the hook's layout shows it.
make_victim_cgroup() {
    local name=oih-victim-$$
    if [ "$(cgroup_layout)" = v2 ]; then
        mkdir "/sys/fs/cgroup/unified/$name"
        VICTIM_HOST=/sys/fs/cgroup/unified/$name
        VICTIM_CG=/sys/fs/cgroup/$name
    else
        mkdir "/sys/fs/cgroup/devices/$name"
        echo a >"/sys/fs/cgroup/devices/$name/devices.deny"
        VICTIM_HOST=/sys/fs/cgroup/devices/$name
        VICTIM_CG=$VICTIM_HOST
    fi
}

victim_rules() {
    if [ "$(cgroup_layout)" = v2 ]; then
        cat "$VICTIM_HOST/cgroup.procs"
    else
        cat "$VICTIM_HOST/devices.list"
    fi
}

@test "hostile: a state whose pid names another process is refused; that process and the bundle are left alone" {
    # The hook is held to the process the state names: it must be the container the spec describes.
    write_config victim.json '{ "activation_flag": "OCI_INJTEST", "devices": ["fuse"] }'
    make_victim_cgroup
    local rules listing hook
    rules=$(victim_rules)
    hook=$(hook_cmd)

    # A process in a mount namespace of its own that has no mount at the container's root.
    listing=$(tree_listing "$R")
    run "$IN_LAYOUT" "$OIH_SOURCE/tests/integration/standin-run" none "$R" "$BUNDLE" "$VICTIM_CG" \
        $hook --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"the state's process "*" is not this container's: its mount namespace has no mount at the container's root \"$R\""*"refusing to touch it"* ]]
    [ "$(tree_listing "$R")" = "$listing" ]
    [ "$(victim_rules)" = "$rules" ]

    # One that binds the root onto itself as a runtime would, but is not in the spec's cgroupsPath.
    new_bundle victim glibc --cmd true --env OCI_INJTEST=1 --cgroups-path "/oih-expected-$$"
    listing=$(tree_listing "$BUNDLE/rootfs")
    run "$IN_LAYOUT" "$OIH_SOURCE/tests/integration/standin-run" bind "$BUNDLE/rootfs" "$BUNDLE" "$VICTIM_CG" \
        $hook --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"the state's process "*" is not this container's: its cgroup \"/oih-victim-$$\" is not the spec's linux.cgroupsPath \"/oih-expected-$$\"; refusing to touch it"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
    [ "$(victim_rules)" = "$rules" ]

    # A process of the host (this test's shell).
    run "$IN_LAYOUT" sh -c 'p=$1 b=$2; shift 2; printf "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"pid\": %d, \"bundle\": \"%s\"}" "$p" "$b" | "$@"' \
        - "$$" "$BUNDLE" $hook --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is not this container's"* || "$output" == *"shares the hook's mount namespace"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]

    rm -f "$OIH_T/conf/victim.json"
    canary_unchanged
    mounts_unchanged
}
