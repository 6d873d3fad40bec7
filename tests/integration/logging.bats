#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Logging: --log-target syslog against a real syslog socket, one line per event, no environment value.
# The socket is /dev/log in a mount namespace of the test's own with a fresh tmpfs on /dev, so the
# host's /dev is never touched; a small listener there keeps every datagram.

load helpers

setup_file() {
    setup_injtest_root
}

# run_with_syslog HOOK-ARGS...: runs the hook with a syslog listener on /dev/log; the datagrams end up
# in $OIH_T/syslog.out, the hook's stderr in $output.
run_with_syslog() {
    rm -f "$OIH_T/syslog.out"
    cat >"$OIH_T/listen.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[2], "w").close()
os.rename(sys.argv[2], sys.argv[2] + ".ready")
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
PY
    run unshare -m sh -c '
        mount -t tmpfs oih-dev /dev || exit 90
        mknod -m 666 /dev/null c 1 3
        python3 "$1/listen.py" "$1/syslog.out" "$1/listener" & listener=$!
        for i in $(seq 100); do [ -e "$1/listener.ready" ] && break; sleep 0.05; done
        shift
        "$@"
        status=$?
        sleep 0.3
        kill $listener
        exit $status' sh "$OIH_T" "$@"
    rm -f "$OIH_T/listener.ready"
}

@test "logging: --log-target syslog sends each event to /dev/log, none to stderr" {
    write_config 70-missing.json "{\"activation_flag\": \"OCI_INJTEST\", \"binaries\": [\"$OIH_T/missing-tool\"]}"
    new_bundle syslog glibc --cmd true --env OCI_INJTEST=1 --env SECRET_TOKEN=s3cr3t-4711
    run_with_syslog "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE" --log-target syslog --log-level debug
    rm -f "$OIH_T/conf/70-missing.json"
    echo "stderr: $output"
    cat "$OIH_T/syslog.out"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    # <27> is facility daemon, priority err; the ident and pid, then the line naming config and path.
    grep -q "^<27>.*oci-injector-hook\[[0-9]*\]: .*70-missing.json: binaries\[0\] \"$OIH_T/missing-tool\": not on this host" \
        "$OIH_T/syslog.out"
    grep -q "^<31>.*activated by variable \"OCI_INJTEST\"" "$OIH_T/syslog.out"
    ! grep -q 4711 "$OIH_T/syslog.out"
}

@test "logging: a file name with a newline still makes one line per event" {
    printf '{ "activation_flag": "A", "devices": ["dev/relative"] }' >"$OIH_T/conf/bad
name.json"
    chmod 644 "$OIH_T/conf/bad
name.json"
    new_bundle lines glibc --cmd true --env OTHER=1
    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE"
    rm -f "$OIH_T/conf/bad
name.json"
    echo "$output"
    [ "$status" -eq 0 ]
    local warnings
    warnings=$(printf '%s\n' "$output" | grep -c 'warning:' || true)
    [ "$warnings" -ge 1 ]
    [ "$(printf '%s\n' "$output" | grep -c '')" -eq "$warnings" ]
    [[ "$output" == *'bad\x0aname.json'* ]]
}

@test "logging: C1 controls and invalid UTF-8 in a file name reach no terminal: escaped as \\xNN" {
    local name=$'bad\xc2\x9b2J\xffname-\xc3\xa9.json'
    printf '{ "activation_flag": "A", "devices": ["dev/relative"] }' >"$OIH_T/conf/$name"
    chmod 644 "$OIH_T/conf/$name"
    new_bundle c1 glibc --cmd true --env OTHER=1
    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE"
    rm -f "$OIH_T/conf/$name"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *'bad\xc2\x9b2J\xffname-'$'\xc3\xa9''.json'* ]]
    [ "$(printf '%s' "$output" | LC_ALL=C grep -c $'\x9b\\|\xff')" -eq 0 ]
}
