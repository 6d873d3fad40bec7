#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The bad input catalogue: one test per row. Each ends with one clear line, the documented exit status
# (0: nothing to do or done; 1: the container cannot be served; 2: wrong usage), no crash, and nothing
# half-done on the host (its mount table) or in the root (its listing).

load helpers

setup_file() {
    setup_injtest_root
}

teardown() {
    stop_standin
}

# run_hook_with_state TEXT: hook mode with TEXT on stdin.
run_hook_with_state() {
    printf '%s' "$1" >"$OIH_T/state.json"
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" <"$OIH_T/state.json"
    echo "$output"
}

# One line on stderr, no crash, and the given status.
one_clear_line() {
    [ "$status" -eq "$1" ]
    [ "$(printf '%s\n' "$output" | grep -c '')" -eq 1 ]
    [[ "$output" == "oci-injector-hook"*": error: "* ]]
}

@test "bad input: an empty state" {
    run_hook_with_state ""
    one_clear_line 1
    [[ "$output" == *"state on stdin: empty"* ]]
}

@test "bad input: a state that is not JSON" {
    run_hook_with_state "id=abc bundle=/x"
    one_clear_line 1
    [[ "$output" == *"state on stdin: line 1, column "*"invalid char in json text"* ]]
}

@test "bad input: a state of the wrong types" {
    run_hook_with_state '{"id": ["a"], "bundle": 7, "pid": "12"}'
    one_clear_line 1
    [[ "$output" == *"state on stdin: \"id\": expected a string, got an array"* ]]
}

@test "bad input: a state of 16 MiB" {
    head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$OIH_T/big.json"
    run "$OIH_HOOK" --config-dir "$OIH_T/conf" <"$OIH_T/big.json"
    echo "$output"
    one_clear_line 1
    [[ "$output" == *"state on stdin: larger than 1048576 bytes, not an OCI state"* ]]
}

@test "bad input: a state without a bundle" {
    run_hook_with_state '{"ociVersion": "1.0.2", "id": "x", "status": "created", "pid": 1}'
    one_clear_line 1
    [[ "$output" == *"state on stdin: \"bundle\" is missing or empty"* ]]
}

@test "bad input: pid 0, for a container that activates a config" {
    new_bundle pid0 glibc --cmd true --env OCI_INJTEST=1
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$BUNDLE\", \"pid\": 0}"
    one_clear_line 1
    [[ "$output" == *"the state names no container process (pid 0); register the hook as a prestart or createRuntime hook"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
}

@test "bad input: pid 0 for a container that activates nothing is no error" {
    new_bundle pid0-nothing glibc --cmd true --env OTHER=1
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$BUNDLE\", \"pid\": 0}"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "bad input: a negative pid" {
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"/b\", \"pid\": -42}"
    one_clear_line 1
    [[ "$output" == *"\"pid\": -42 is not a process id"* ]]
}

@test "bad input: the pid of a process that has exited" {
    new_bundle exited glibc --cmd true --env OCI_INJTEST=1
    sh -c 'exit 0' &
    local gone=$!
    wait "$gone"
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$BUNDLE\", \"pid\": $gone}"
    one_clear_line 1
    [[ "$output" == *"the container's process $gone has exited"* ]]
}

@test "bad input: a bundle without config.json" {
    mkdir -p "$OIH_T/empty-bundle"
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$OIH_T/empty-bundle\", \"pid\": 1}"
    one_clear_line 1
    [[ "$output" == *"\"$OIH_T/empty-bundle/config.json\": cannot open: No such file or directory"* ]]
}

@test "bad input: a config.json without root" {
    mkdir -p "$OIH_T/noroot"
    echo '{"ociVersion": "1.0.2", "process": {"env": ["OCI_INJTEST=1"]}}' >"$OIH_T/noroot/config.json"
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$OIH_T/noroot\", \"pid\": 1}"
    one_clear_line 1
    [[ "$output" == *"noroot/config.json\": \"root\" is missing"* ]]
}

@test "bad input: a config.json whose process.env is not an array" {
    mkdir -p "$OIH_T/envstr"
    echo '{"root": {"path": "rootfs"}, "process": {"env": "OCI_INJTEST=1"}}' >"$OIH_T/envstr/config.json"
    run_hook_with_state "{\"id\": \"x\", \"bundle\": \"$OIH_T/envstr\", \"pid\": 1}"
    one_clear_line 1
    [[ "$output" == *"envstr/config.json\": process.env: expected an array, got a string"* ]]
}

@test "bad input: wrong usage is exit status 2" {
    run "$OIH_HOOK" --no-such-option
    [ "$status" -eq 2 ]
    run "$OIH_HOOK" frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown command \"frobnicate\""* ]]
    run "$OIH_HOOK" --bundle /x
    [ "$status" -eq 2 ]
    [[ "$output" == *"--bundle is for the plan command"* ]]
}

# The races: bounded loops, every outcome either whole or refused with a clear line.

@test "bad input: host files that vanish or change between plan and execution" {
    mkdir -p "$OIH_T/churn"
    local list=""
    for i in $(seq 1 20); do
        cp "$INJ/bin/injtest" "$OIH_T/churn/tool$i"
        list="$list${list:+, }\"$OIH_T/churn/tool$i\""
    done
    write_config churn.json "{ \"activation_flag\": \"OCI_CHURN\", \"binaries\": [$list] }"
    # Replace the files over and over (new inodes, and moments without them) while the hook runs.
    (while [ -e "$OIH_T/churn" ]; do
        for i in $(seq 1 20); do
            cp "$OIH_T/churn/tool$i" "$OIH_T/churn/.new$i" 2>/dev/null && mv "$OIH_T/churn/.new$i" "$OIH_T/churn/tool$i" 2>/dev/null
            rm -f "$OIH_T/churn/tool$i" && cp "$INJ/bin/injtest" "$OIH_T/churn/tool$i"
        done
    done) &
    local churner=$! whole=0 refused=0
    snapshot_mounts
    for round in $(seq 1 25); do
        new_bundle "churn-$round" glibc --cmd true --env OCI_CHURN=1
        local listing
        listing=$(tree_listing "$BUNDLE/rootfs")
        start_standin private
        printf '{"id": "churn", "bundle": "%s", "pid": %d}' "$BUNDLE" "$STANDIN_PID" >"$OIH_T/state.json"
        run "$OIH_HOOK" --config-dir "$OIH_T/conf" <"$OIH_T/state.json"
        local binds
        binds=$(grep -c " $BUNDLE/rootfs$OIH_T/churn/" "/proc/$STANDIN_PID/mountinfo" || true)
        stop_standin
        if [ "$status" -eq 0 ]; then
            [ "$binds" -eq 20 ] || { echo "round $round: exit 0 with $binds binds"; kill $churner; false; }
            whole=$((whole + 1))
        else
            [ "$status" -eq 1 ] || { echo "round $round: status $status: $output"; kill $churner; false; }
            [ "$(printf '%s\n' "$output" | grep -c '')" -eq 1 ] || { echo "round $round: $output"; kill $churner; false; }
            [[ "$output" == *"churn.json"* ]] || { echo "round $round: $output"; kill $churner; false; }
            [ "$binds" -eq 0 ] || { echo "round $round: refused with $binds binds left"; kill $churner; false; }
            [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ] || { echo "round $round: root changed"; kill $churner; false; }
            refused=$((refused + 1))
        fi
        rm -rf "$BUNDLE"
    done
    kill $churner
    wait $churner 2>/dev/null || true
    rm -f "$OIH_T/conf/churn.json"
    echo "whole: $whole, refused: $refused"
    mounts_unchanged
}

@test "bad input: a container that exits during injection" {
    snapshot_mounts
    for round in $(seq 1 20); do
        new_bundle "dies-$round" glibc --cmd true --env OCI_INJTEST=1
        start_standin private
        printf '{"id": "dies", "bundle": "%s", "pid": %d}' "$BUNDLE" "$STANDIN_PID" >"$OIH_T/state.json"
        (sleep "0.0$((RANDOM % 10))"; kill -9 "$STANDIN_PID" 2>/dev/null) &
        run "$OIH_HOOK" --config-dir "$OIH_T/conf" <"$OIH_T/state.json"
        wait
        stop_standin
        echo "round $round: status $status ${output:0:200}"
        # Done before it died, or refused with one line: never a crash.
        [ "$status" -eq 0 ] || { [ "$status" -eq 1 ] && [ "$(printf '%s\n' "$output" | grep -c '')" -eq 1 ]; }
        rm -rf "$BUNDLE"
    done
    mounts_unchanged
}
