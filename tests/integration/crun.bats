#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under crun, registered in config.json, in both cgroup layouts (meson runs this file as
# integration-crun and integration-crun-v2). crun 1.8 refuses this machine's hybrid cgroups, so there
# each run happens in a mount namespace of its own without the unified hierarchy, in crun's cgroup v1
# mode (docs/TESTING.md); in the pure v2 view crun runs in its v2 mode, under a seccomp filter for
# one setrlimit that it cannot do here (see run_crun in helpers.bash).

load helpers

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     [ -d "$INJ/etc" ] && echo "dir: yes" || echo "dir: no";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no"'

setup_file() {
    require_program crun
    setup_injtest_root
}

@test "crun: an activated container runs the injected binary through the refreshed ld cache" {
    snapshot_mounts
    new_bundle on glibc --cmd "$SEE" --env "PATH=$INJ/bin:/bin" --env "INJ=$INJ" --env OCI_INJTEST=1 \
        --hook "$(hook_arg)"
    run_crun oih-crun-on
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"dir: yes"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    mounts_unchanged
}

@test "crun: without the variable nothing is injected" {
    new_bundle off glibc --cmd "$SEE" --env "PATH=$INJ/bin:/bin" --env "INJ=$INJ" --hook "$(hook_arg)"
    run_crun oih-crun-off
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: "*"FAILED"* ]]
    [[ "$output" == *"dir: no"* ]]
}

@test "crun: a failing injection stops the container with the hook's line" {
    write_config 52-missing.json "{\"activation_flag\": \"OCI_MISSING\", \"binaries\": [\"$OIH_T/no/such/tool\"]}"
    new_bundle missing glibc --cmd 'echo STARTED' --env OCI_MISSING=1 --hook "$(hook_arg)"
    run_crun oih-crun-missing
    rm -f "$OIH_T/conf/52-missing.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
}

@test "crun: an injected device opens, and one not injected does not" {
    # In hybrid, crun's cgroup v1 devices controller; in v2, crun's BPF device program, which the hook
    # extends. fuse, not tun: crun's default rules allow /dev/net/tun already.
    write_config crun-devices.json '{ "activation_flag": "OCI_CRUN_DEVICES", "devices": ["fuse"] }'
    new_bundle crun-dev static --env OCI_CRUN_DEVICES=1 --hook "$(hook_arg)" \
        --cmd 'devopen /dev/fuse /unlisted-loop0; echo STARTED'
    cp "$OIH_HELPERS/devopen" "$BUNDLE/rootfs/bin/devopen"
    mknod "$BUNDLE/rootfs/unlisted-loop0" b 7 0
    run_crun oih-crun-dev
    rm -f "$OIH_T/conf/crun-devices.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"/unlisted-loop0: Operation not permitted"* ]]
}
