#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Guards that a hostile or unusual setting must meet (THREATS.md items 4, 6-9): a bind that would
# propagate to the host, the hook's own environment, config files others can write, processes that
# exited, containers that share the host's mount namespace.

load helpers

setup_file() {
    setup_injtest_root
}

teardown_file() {
    stop_standin
    remove_test_root
}

teardown() {
    stop_standin
    mountpoint -q "${BUNDLE:-/nonexistent}" && umount -l "$BUNDLE"
    return 0
}

@test "guards: a destination on a mount shared with the host is refused, and nothing reaches the host" {
    new_bundle shared glibc --cmd true --env OCI_INJTEST=1
    # The bundle is a shared mount on the host; the stand-in's namespace keeps its copy a peer of it, so
    # a bind made there would appear on the host at once.
    mount --bind "$BUNDLE" "$BUNDLE"
    mount --make-shared "$BUNDLE"
    # A runtime binds the root onto itself before hooks run; made here, the stand-in's peer has it too.
    mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
    snapshot_mounts
    start_standin unchanged
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" < <(standin_state)
    echo "$output"
    # Without the guard the bind shows up right here, in the host's table.
    [ "$(grep -c "$BUNDLE/rootfs$INJ" /proc/self/mountinfo)" -eq 0 ]
    mounts_unchanged
    [ "$status" -eq 1 ]
    [[ "$output" == *"injtest.json: cannot bind"*"shared mount"* ]]
}

@test "guards: the same destination in a private namespace is injected by the stand-in" {
    new_bundle private glibc --cmd true --env OCI_INJTEST=1
    start_standin private
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" --log-level debug < <(standin_state)
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bound \"$INJ/bin/injtest\""* ]]
    grep -q " $BUNDLE/rootfs$INJ/bin/injtest " "/proc/$STANDIN_PID/mountinfo"
    [ "$(grep -c "$BUNDLE/rootfs" /proc/self/mountinfo)" -eq 0 ]
}

@test "guards: the hook's own environment changes nothing" {
    # The container does not ask; the hook itself is started with the activation variable, a preload
    # and a library path: it reads none of them.
    new_bundle env glibc --cmd true --env OTHER=1
    run env OCI_INJTEST=1 LD_LIBRARY_PATH=/nonexistent POSIXLY_CORRECT=1 \
        "$OIH_HOOK" plan --bundle "$BUNDLE" --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run env OCI_INJTEST=1 "$OIH_HOOK" --config-dir "$OIH_T/conf" < <(printf '{"id": "x", "bundle": "%s", "pid": 1}' "$BUNDLE")
    [ "$status" -eq 0 ]
}

@test "guards: a config file writable by others is refused, and the container runs without it" {
    write_config 60-writable.json "{\"activation_flag\": \"OCI_INJTEST\", \"miscellaneous\": [{\"path\": \"$INJ/etc/injtest.conf\", \"container_path\": \"/etc/writable.conf\"}]}"
    chmod 666 "$OIH_T/conf/60-writable.json"
    new_bundle writable glibc --cmd 'cat /etc/writable.conf 2>/dev/null || echo ABSENT' --env OCI_INJTEST=1
    run "$OIH_HOOK" plan --bundle "$BUNDLE" --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"60-writable.json"*"writable by group or others"* ]]
    [[ "$output" != *"/etc/writable.conf"* ]]
    run "$OIH_HOOK" validate --config-dir "$OIH_T/conf"
    rm -f "$OIH_T/conf/60-writable.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"60-writable.json: refused: the file is writable by group or others"* ]]
}

@test "guards: a config folder writable by others is refused whole" {
    mkdir -p "$OIH_T/open-conf"
    cp "$OIH_T/conf/injtest.json" "$OIH_T/open-conf/"
    chmod 777 "$OIH_T/open-conf"
    new_bundle open glibc --cmd true --env OCI_INJTEST=1
    run "$OIH_HOOK" plan --bundle "$BUNDLE" --config-dir "$OIH_T/open-conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"config folder refused"* ]]
    [[ "$output" != *"bind "* ]]
}

@test "guards: a container process that has exited is reported, not guessed" {
    new_bundle exited glibc --cmd true --env OCI_INJTEST=1
    sh -c 'exit 0' &
    local gone=$!
    wait "$gone"
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" < <(standin_state "$gone")
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"process $gone has exited"* ]]
}

@test "guards: a container that shares the host's mount namespace is refused" {
    new_bundle nomntns glibc --no-mount-namespace --cmd true --env OCI_INJTEST=1
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" < <(standin_state $$)
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"shares the host's mount namespace"* ]]
}

@test "guards: a soft open-file limit below what the injection holds open is raised by the hook" {
    # runc built with Go 1.21 or later, or a C runtime, passes a soft limit (often 1024) far below the
    # hard one: 300 programs bound need more than 128 descriptors at once.
    many_programs
    new_bundle many glibc --cmd true --env OCI_MANY=1
    start_standin private
    run prlimit --nofile=128:4096 "$OIH_HOOK" --config-dir "$OIH_T/conf" < <(standin_state)
    rm -f "$OIH_T/conf/54-many.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c " $BUNDLE/rootfs$OIH_T/host/many/p" "/proc/$STANDIN_PID/mountinfo")" -eq 300 ]
}

@test "guards: a library's ELF file is read at the first start that asks for it; once it changes, it is read again" {
    # The hook's own cache (/run/oci-injector-hook-cache) finds a library by its device, inode, size and
    # change time; chmod gives the file a new change time, as any write would (and makes the first run
    # here a first, whatever the tests before did).
    local lib=$INJ/lib/libinjtest.so.1.2.3 log
    for run in first again changed; do
        [ "$run" = again ] || chmod "$(stat -c %a "$lib")" "$lib"
        new_bundle "cache-$run" glibc --cmd true --env OCI_INJTEST=1
        start_standin private
        run "$OIH_HOOK" --config-dir "$OIH_T/conf" --log-level debug < <(standin_state)
        stop_standin
        echo "$run: $output"
        [ "$status" -eq 0 ]
        log=$output
        if [ "$run" = again ]; then
            [[ "$log" == *"\"$lib\": soname and kind as an earlier run read them"* ]]
        else
            [[ "$log" != *"as an earlier run read them"* ]]
        fi
    done
    grep -q " libinjtest.so.1\$" /run/oci-injector-hook-cache/sonames
}
