#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Hostile images whose files the hook reads: an /etc/ld.so.conf (or ld.so.cache) that links to what the
# container itself may not read, or to what the hook would read with host root's powers: the container's
# procfs (/proc/iomem shows the host's physical addresses to CAP_SYS_ADMIN only, /proc/timer_list is
# root's), a root-only file on a read-only volume of a uid-1000 container without capabilities, another
# host process's environment (host PID namespace), a host-root-only file inside a user-namespace image.
# The hook reads image files on the root's own mount only, regular files only, as the container's root
# user without capabilities: it refuses these with one line, and none of their content lands anywhere in
# the root. Also: the CDI `ldcache` entry point reads the same way; an ENOENT from procfs is named so.
# meson runs this file twice: as is, and with openat2 failing (the walk's mount check).

load helpers

setup_file() {
    setup_injtest_root
    make_canary
    # A host process of root with a marker in its environment, for the host PID namespace test.
    SECRET_ENV="OIH_SECRET_ENV=$RANDOM$RANDOM$RANDOM"
    env "$SECRET_ENV" sleep 600 &
    SECRET_PID=$!
    export SECRET_ENV SECRET_PID
}

teardown_file() {
    stop_pid "${SECRET_PID:-}"
    remove_test_root
}

setup() {
    snapshot_mounts
    new_bundle "r$BATS_TEST_NUMBER" glibc-cache --cmd 'injtest; cat /etc/ld.so.conf >/dev/null' \
        --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 --hook "$(hook_arg)"
    R=$BUNDLE/rootfs
}

# No regular file of the root holds `text` (what the hook must not have read and written back).
root_lacks() {
    if grep -rlsF -- "$1" "$R"; then
        echo "found in the root: $1"
        return 1
    fi
}

# The hook refused the image's ld.so.conf with one line naming it and why, and changed nothing.
refused_ld_so_conf() {
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"/etc/ld.so.conf"* ]]
    [[ "$output" == *"$1"* ]]
    mounts_unchanged
    [ -L "$R/etc/ld.so.conf" ]
}

@test "reads: ld.so.conf linked to /proc/iomem gives no host address to the container" {
    ln -sf /proc/iomem "$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "System RAM"
    root_lacks "$(grep -m1 'System RAM' /proc/iomem)"
}

@test "reads: ld.so.conf linked to /proc/iomem, in a user namespace" {
    new_bundle "r$BATS_TEST_NUMBER" glibc-cache --cmd 'injtest' --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 \
        --hook "$(hook_arg)" --userns
    R=$BUNDLE/rootfs
    chown -R 100000:100000 "$R"
    ln -sf /proc/iomem "$R/etc/ld.so.conf"
    chown -h 100000:100000 "$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "System RAM"
}

@test "reads: ld.so.conf linked to /proc/timer_list (root's, masked after prestart) is not read" {
    ln -sf /proc/timer_list "$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "Timer List"
    root_lacks "now at"
}

@test "reads: ld.so.conf linked to a 0600 root file of a read-only volume, uid-1000 container without capabilities" {
    mkdir -p "$OIH_T/vol$BATS_TEST_NUMBER"
    echo "volume secret $RANDOM$RANDOM" >"$OIH_T/vol$BATS_TEST_NUMBER/secret"
    chmod 600 "$OIH_T/vol$BATS_TEST_NUMBER/secret"
    mkdir -p "$R/vol"
    ln -sf /vol/secret "$R/etc/ld.so.conf"
    edit_config "
c['process']['user'] = {'uid': 1000, 'gid': 1000}
c['process']['capabilities'] = {k: [] for k in c['process']['capabilities']}
c['process']['args'] = ['/bin/sh', '-c', 'cat /vol/secret; echo status \$?']
c['mounts'].append({'destination': '/vol', 'type': 'bind', 'source': '$OIH_T/vol$BATS_TEST_NUMBER',
                    'options': ['rbind', 'ro', 'nosuid', 'nodev']})"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "volume secret"
    # The container itself may not read it: without the hook it says so.
    edit_config "c.pop('hooks')"
    run_runc "oih-r$BATS_TEST_NUMBER"
    echo "$output"
    [[ "$output" == *"Permission denied"* ]]
    [[ "$output" != *"volume secret"* ]]
}

@test "reads: host PID namespace, ld.so.conf linked to another host process's environment" {
    edit_config "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'pid']"
    ln -sf "/proc/$SECRET_PID/environ" "$R/etc/ld.so.conf"
    # The link really leads there: the host's procfs of that process has the marker.
    grep -qaF "$SECRET_ENV" "/proc/$SECRET_PID/environ"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "$SECRET_ENV"
    # Its memory map names its program; its status has fields no file of the image has.
    local exe
    exe=$(readlink "/proc/$SECRET_PID/exe")
    for what in maps status; do
        ln -sf "/proc/$SECRET_PID/$what" "$R/etc/ld.so.conf"
        run_runc "oih-r$BATS_TEST_NUMBER"
        refused_ld_so_conf "another mount"
        root_lacks "$exe"
        root_lacks "TracerPid"
    done
}

@test "reads: a host-root-only file inside a user-namespace image is read as the container's root user" {
    new_bundle "r$BATS_TEST_NUMBER" glibc-cache --cmd 'injtest' --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 \
        --hook "$(hook_arg)" --userns
    R=$BUNDLE/rootfs
    chown -R 100000:100000 "$R"
    # Host root's, 0600: the container's root user (host 100000) may not read it; same mount as the root.
    echo "host root secret $RANDOM$RANDOM" >"$R/etc/host-secret"
    chmod 600 "$R/etc/host-secret"
    ln -sf host-secret "$R/etc/ld.so.conf"
    chown -h 100000:100000 "$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "may not read it"
    [ "$(grep -rlsF "host root secret" "$R")" = "$R/etc/host-secret" ]
}

@test "reads: another user's 0600 file in the image is read without CAP_DAC_OVERRIDE" {
    # The container's root user, without capabilities, may not read it; host root with the hook's
    # CAP_DAC_OVERRIDE could, and would have written it back as a 0644 ld.so.conf for every user.
    echo "uid 1000 secret $RANDOM$RANDOM" >"$R/etc/users-secret"
    chown 1000:1000 "$R/etc/users-secret"
    chmod 600 "$R/etc/users-secret"
    ln -sf users-secret "$R/etc/ld.so.conf"
    edit_config "c['process']['capabilities'] = {k: [] for k in c['process']['capabilities']}"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "may not read it"
    [ "$(grep -rlsF "uid 1000 secret" "$R")" = "$R/etc/users-secret" ]
}

@test "reads: an ld.so.cache linked into procfs is not read; ldconfig makes the cache" {
    ln -sf /proc/iomem "$R/etc/ld.so.cache"
    run_runc "oih-r$BATS_TEST_NUMBER"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    mounts_unchanged
    root_lacks "System RAM"
}

@test "reads: the CDI ldcache entry point reads ld.so.conf the same way" {
    new_bundle "r$BATS_TEST_NUMBER" glibc-cache --cmd 'true' \
        --hook "createContainer=$OIH_HOOK,ldcache,--folder,$INJ/lib,--log-level,debug"
    R=$BUNDLE/rootfs
    ln -sf /proc/iomem "$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    refused_ld_so_conf "another mount"
    root_lacks "System RAM"
}

@test "reads: a regular ld.so.conf of the image is kept and extended" {
    printf 'include /etc/ld.so.conf.d/*.conf\n/opt/image/lib\n' >"$R/etc/ld.so.conf"
    run_runc "oih-r$BATS_TEST_NUMBER"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    grep -qx /opt/image/lib "$R/etc/ld.so.conf"
}

@test "describe: a file the image's link puts on procfs says procfs refused it, not a dangling link" {
    mkdir -p "$R$INJ"
    ln -s /proc/sys/kernel "$R$INJ/etc"
    run_runc "oih-r$BATS_TEST_NUMBER"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"$INJ/etc"*"on the container's procfs"* ]]
    [[ "$output" != *"points nowhere"* ]]
    [[ "$output" != *"volume"* ]]
    mounts_unchanged
}
