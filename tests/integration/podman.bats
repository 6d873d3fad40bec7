#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under podman, registered the way podman reads hooks: a hooks.d file (version 1.0.0) in a
# folder given by --hooks-dir, on an image made by `podman import`, activated with -e.
# The --ulimit flags: runc cannot raise rlimits on these machines (no CAP_SYS_RESOURCE, MACHINE.md).

load helpers

setup_file() {
    require_root
    command -v podman >/dev/null || skip "podman is not installed"
    make_test_root
    make_host_files
    write_injtest_config
    make_rootfs "$OIH_T/image" glibc
    IMAGE=localhost/oih-test-$(basename "$OIH_T" | tr 'A-Z.' 'a-z-')
    tar -C "$OIH_T/image" -cf "$OIH_T/image.tar" .
    podman import "$OIH_T/image.tar" "$IMAGE" >/dev/null
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
    export IMAGE
}

teardown_file() {
    [ -n "${IMAGE:-}" ] && podman rmi -f "$IMAGE" >/dev/null 2>&1
    remove_test_root
}

run_podman() {
    run timeout 180 podman --hooks-dir "$OIH_T/hooks.d" run --rm --network none --runtime runc \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -e "PATH=$INJ/bin:/bin" -e "INJ=$INJ" "$@"
}

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no"'

@test "podman: -e activates the injection from a hooks.d registration" {
    local before
    before=$(host_mounts)
    run_podman -e OCI_INJTEST=1 "$IMAGE" /bin/sh -c "$SEE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    [ "$(host_mounts)" = "$before" ]
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
