#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under crun, registered in config.json. crun 1.8 refuses this machine's hybrid cgroups, so
# each run happens in a mount namespace of its own without the unified hierarchy (shared/MACHINE.md).

load helpers

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     [ -d "$INJ/etc" ] && echo "dir: yes" || echo "dir: no";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no"'

setup_file() {
    require_root
    command -v crun >/dev/null || skip "crun is not installed"
    make_test_root
    make_host_files
    write_injtest_config
}

teardown_file() {
    remove_test_root
}

@test "crun: an activated container runs the injected binary through the refreshed ld cache" {
    local before
    before=$(host_mounts)
    new_bundle on glibc --cmd "$SEE" --env "PATH=$INJ/bin:/bin" --env "INJ=$INJ" --env OCI_INJTEST=1 \
        --hook "$(hook_arg)"
    run_crun oih-crun-on
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"dir: yes"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    [ "$(host_mounts)" = "$before" ]
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
