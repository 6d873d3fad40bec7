#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under podman, registered the way podman reads hooks: a hooks.d file (version 1.0.0) in a
# folder given by --hooks-dir, on an image made by `podman import`, activated with -e. In both cgroup
# layouts (integration-podman and integration-podman-v2: podman and its runc in the pure v2 view).

load helpers

setup_file() {
    require_program podman
    setup_injtest_root
    make_podman_image
    mkdir -p "$OIH_T/hooks.d"
    cat >"$OIH_T/hooks.d/oci-injector-hook.json" <<JSON
{
  "version": "1.0.0",
  "hook": {
    "path": "$OIH_HOOK",
    "args": ["oci-injector-hook", "--config-dir", "$OIH_T/conf"],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
  },
  "when": {"always": true},
  "stages": ["prestart"]
}
JSON
}

run_podman() {
    run_podman_with "$OIH_T/hooks.d" "$@"
}

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no"'

@test "podman: -e activates the injection from a hooks.d registration" {
    snapshot_mounts
    run_podman -e OCI_INJTEST=1 "$IMAGE" /bin/sh -c "$SEE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    mounts_unchanged
}

@test "podman: without -e nothing is injected" {
    run_podman "$IMAGE" /bin/sh -c "$SEE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: "*"FAILED"* ]]
    [[ "$output" == *"file: "*"No such file"* ]]
}

@test "podman: a failing injection stops the container and podman shows the hook's line" {
    write_config 52-missing.json "{\"activation_flag\": \"OCI_MISSING\", \"binaries\": [\"$OIH_T/no/such/tool\"]}"
    run_podman -e OCI_MISSING=1 "$IMAGE" /bin/sh -c 'echo STARTED'
    rm -f "$OIH_T/conf/52-missing.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"52-missing.json"*"not on this host"* ]]
}

@test "podman: an injected device opens, and one not injected does not" {
    # runc under podman: cgroup v1 devices in hybrid, a BPF device program in the pure v2 view.
    write_config podman-devices.json '{ "activation_flag": "OCI_PODMAN_DEVICES", "devices": ["fuse"] }'
    run_podman -e OCI_PODMAN_DEVICES=1 "$IMAGE" /bin/sh -c 'devopen /dev/fuse /dev/loop0 2>&1; echo STARTED'
    rm -f "$OIH_T/conf/podman-devices.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"/dev/loop0: No such file"* ]]
}
