#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# oci-injector-runtime, the runtime shim, in front of a real runc: the hook added to config.json on
# create and run (as runc's callers pass the arguments), every other command passed through, the
# environment and the arguments handed over unchanged, and what it does with a broken config.json, a
# broken config of its own and a hook that is not there.

load helpers

setup_file() {
    require_program runc
    setup_injtest_root
    write_failing_config
    write_shim_config "$OIH_T/runtime.json"
    snapshot_mounts
}

setup() {
    SHIM=("$OIH_RUNTIME_SHIM" --injector-config "$OIH_T/runtime.json")
}

teardown() {
    [ -d "${OIH_T:-}/runc" ] || return 0
    for id in oih-shim-create oih-shim-run; do
        runc --root "$OIH_T/runc" delete -f "$id" >/dev/null 2>&1 || true
    done
}

# The number of times the hook is registered in the bundle's config.json.
registrations() {
    python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print(sum(1 for h in c.get("hooks", {}).get("prestart", []) if h["path"] == sys.argv[2]))' "$BUNDLE/config.json" "$OIH_HOOK"
}

@test "shim: run --bundle adds the hook, and the container gets the injection" {
    new_bundle run glibc --env OCI_INJTEST=1 --env "PATH=$INJ/bin:/bin" --cmd "injtest; cat $INJ/etc/injtest.conf"
    [ "$(registrations)" = 0 ]
    run timeout 120 "${SHIM[@]}" --root "$OIH_T/runc" run --bundle "$BUNDLE" oih-shim-run
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"injtest configuration"* ]]
    [ "$(registrations)" = 1 ]
}

@test "shim: the rest of config.json is byte for byte what it was" {
    new_bundle stable glibc --cmd true
    cp "$BUNDLE/config.json" "$OIH_T/before.json"
    run "$OIH_RUNTIME_SHIM" --injector-config "$OIH_T/runtime.json" --injector-runtime /bin/true \
        create --bundle "$BUNDLE" oih-shim-create
    [ "$status" -eq 0 ]
    run python3 - "$OIH_T/before.json" "$BUNDLE/config.json" <<'PY'
import sys
before, after = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
# bundle.py writes the object with a newline before its closing brace: the hooks member goes after the
# last member, so the new text is the old one with one piece put in.
i = next(k for k in range(len(before)) if before[k] != after[k])
added = len(after) - len(before)
assert after[:i] == before[:i] and after[i + added:] == before[i:], "more than one piece changed"
print(after[i:i + added].decode())
PY
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == ',"hooks":{"prestart":[{"path":"'"$OIH_HOOK"'"'* ]]
}

@test "shim: create with runc's global options as containerd passes them, then start, state, delete through it" {
    new_bundle create glibc --env OCI_INJTEST=1 --env "PATH=$INJ/bin:/bin" --cmd "injtest >/tmp/out 2>&1; sleep 30"
    # The container's process keeps create's stdout until it exits: a file, not bats' pipe.
    local rc=0
    timeout 60 "${SHIM[@]}" --root "$OIH_T/runc" --log "$OIH_T/runc.log" --log-format json \
        create --bundle "$BUNDLE" --pid-file "$OIH_T/create.pid" oih-shim-create \
        </dev/null >"$OIH_T/create.out" 2>&1 || rc=$?
    cat "$OIH_T/create.out"
    [ "$rc" -eq 0 ]
    [ -s "$OIH_T/create.pid" ]
    [ "$(registrations)" = 1 ]
    run "${SHIM[@]}" --root "$OIH_T/runc" state oih-shim-create
    [ "$status" -eq 0 ]
    [[ "$output" == *'"status": "created"'* ]]
    run "${SHIM[@]}" --root "$OIH_T/runc" start oih-shim-create
    [ "$status" -eq 0 ]
    wait_for 20 grep -q "injtest library loaded" "$BUNDLE/rootfs/tmp/out"
    run "${SHIM[@]}" --root "$OIH_T/runc" delete -f oih-shim-create
    [ "$status" -eq 0 ]
    run runc --root "$OIH_T/runc" state oih-shim-create
    [ "$status" -ne 0 ]
}

@test "shim: without --bundle the working directory is the bundle; a second run adds no second hook" {
    new_bundle cwd glibc --env OCI_INJTEST=1 --env "PATH=$INJ/bin:/bin" --cmd injtest
    cd "$BUNDLE"
    for _ in 1 2; do
        run timeout 120 "${SHIM[@]}" --root "$OIH_T/runc" run oih-shim-run
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"injtest library loaded"* ]]
    done
    [ "$(registrations)" = 1 ]
}

@test "shim: a container that does not ask runs as it is, with the hook registered" {
    new_bundle plain glibc --env "PATH=$INJ/bin:/bin" --cmd "if injtest; then echo INJECTED; else echo not injected; fi"
    run timeout 120 "${SHIM[@]}" --root "$OIH_T/runc" run --bundle "$BUNDLE" oih-shim-run
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"not injected"* ]]
    [ "$(registrations)" = 1 ]
}

@test "shim: a failing injection stops the container with the hook's line" {
    new_bundle fail glibc --env OCI_FAILTEST=1 --cmd true
    run timeout 120 "${SHIM[@]}" --root "$OIH_T/runc" run --bundle "$BUNDLE" oih-shim-run
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"failing.json"* ]]
    [[ "$output" == *"$OIH_T/host/missing/failtest"* ]]
}

@test "shim: a broken config.json stops it with one line naming the file; runc is not run" {
    new_bundle broken glibc --cmd true
    printf '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
    run "${SHIM[@]}" --injector-runtime /bin/false create --bundle "$BUNDLE" oih-shim-create
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "oci-injector-runtime: $BUNDLE/config.json: line 1, column "*": unexpected end of the text" ]]
}

@test "shim: the real runtime gets the same arguments and the same environment; other commands are not touched" {
    new_bundle args glibc --cmd true
    cp "$BUNDLE/config.json" "$OIH_T/before.json"
    printf '#!/bin/sh\nprintf "%%s\\n" "$0" "$@" >"%s/args"\nenv >"%s/env"\n' "$OIH_T" "$OIH_T" >"$OIH_T/bin-fake"
    chmod 755 "$OIH_T/bin-fake"
    run env -i "PATH=/bin" "FOO=bar baz" "LD_PRELOAD=" "${SHIM[@]}" --injector-runtime "$OIH_T/bin-fake" \
        --root /r --systemd-cgroup delete --force "one two"
    [ "$status" -eq 0 ]
    [ "$(cat "$OIH_T/args")" = "$(printf '%s\n' "$OIH_T/bin-fake" --root /r --systemd-cgroup delete --force "one two")" ]
    grep -qx "FOO=bar baz" "$OIH_T/env"
    grep -qx "LD_PRELOAD=" "$OIH_T/env"
    grep -qx "PATH=/bin" "$OIH_T/env"
    cmp "$OIH_T/before.json" "$BUNDLE/config.json"

    run "${SHIM[@]}" --injector-runtime "$OIH_T/bin-fake" --root /r create --bundle "$BUNDLE" --pid-file /p id
    [ "$status" -eq 0 ]
    [ "$(cat "$OIH_T/args")" = "$(printf '%s\n' "$OIH_T/bin-fake" --root /r create --bundle "$BUNDLE" --pid-file /p id)" ]
    [ "$(registrations)" = 1 ]
}

@test "shim: a config of its own that others can write is refused; the defaults run the container" {
    write_shim_config "$OIH_T/open.json" /bin/false
    chmod 666 "$OIH_T/open.json"
    run "$OIH_RUNTIME_SHIM" --injector-config "$OIH_T/open.json" --injector-check
    echo "$output"
    [[ "$output" == *"open.json: refused: it is not root's or others can write it"*"using the defaults"* ]]
    [[ "$output" == *"runtime: "*"/runc"* ]]
}

@test "shim: a hook that is not there is said, and the container starts without it" {
    write_shim_config "$OIH_T/nohook.json"
    sed -i "s|\"path\": \"$OIH_HOOK\"|\"path\": \"$OIH_T/no-such-hook\"|" "$OIH_T/nohook.json"
    new_bundle nohook glibc --cmd "echo started"
    run timeout 120 "$OIH_RUNTIME_SHIM" --injector-config "$OIH_T/nohook.json" --root "$OIH_T/runc" \
        run --bundle "$BUNDLE" oih-shim-run
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"the hook \"$OIH_T/no-such-hook\" is not an executable file: starting the container without it"* ]]
    [[ "$output" == *"started"* ]]
}

@test "shim: with no config file and no options it runs the installed hook and runc from the fixed PATH" {
    run "$OIH_RUNTIME_SHIM" --injector-config /nonexistent/runtime.json --injector-check
    echo "$output"
    [[ "$output" == *"cannot open: No such file or directory; using the defaults"* ]]
    [[ "$output" == *'hook: {"path":"/usr/bin/oci-injector-hook","args":["oci-injector-hook"],"env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}'* ]]
    [[ "$output" == *"runtime: /usr/sbin/runc"* || "$output" == *"runtime: /usr/bin/runc"* || "$output" == *"runtime: /usr/local/"*"/runc"* ]]
}

@test "shim: installed as runc ahead of the real one, it skips itself" {
    mkdir -p "$OIH_T/selfbin"
    cp "$OIH_RUNTIME_SHIM" "$OIH_T/selfbin/runc"
    run "$OIH_T/selfbin/runc" --injector-runtime "$OIH_T/selfbin/runc" --injector-check
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is this shim itself"* ]]
}

@test "shim: the host's mount table is as it was" {
    mounts_unchanged
}
