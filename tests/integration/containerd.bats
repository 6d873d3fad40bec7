#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containerd 1.6 (Debian's) with the runtime shim: a containerd of the test's own (config, root, state
# and sockets under $OIH_T), `ctr run --runc-binary` with the shim, and its CRI plugin driven by a small
# CRI client that plays the kubelet (tests/integration/cri): pods on the default handler whose
# base_runtime_spec carries the hook, and pods on a runtime handler whose BinaryName is the shim (what a
# Kubernetes RuntimeClass selects), activated by environment and by pod annotation; the pod's sandbox
# (pause) container never activated.

load helpers

setup_file() {
    require_program containerd
    /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || skip "python3-grpcio or python3-protobuf is missing"
    require_program protoc protobuf-compiler
    setup_injtest_root
    write_config injtest-annotation.json "{
  \"activation_annotation\": \"example.com/injtest=1\",
  \"binaries\": [\"$INJ/bin/injtest\"],
  \"libraries\": [\"$INJ/lib/libinjtest.so.1\"]
}"
    write_failing_config
    make_shim_wrapper

    make_rootfs "$OIH_T/app" glibc
    make_rootfs "$OIH_T/pause" static
    image_archive "$OIH_T/app" oih.test/app:1 "$OIH_T/app.tar" /bin/sh
    image_archive "$OIH_T/pause" oih.test/pause:1 "$OIH_T/pause.tar" /bin/sleep 3600

    # The default handler's base spec: containerd's own default spec with the hook in hooks.prestart.
    mkdir -p "$OIH_T/ctd"
    ctr oci spec | python3 -c '
import json, sys
spec = json.load(sys.stdin)
spec["hooks"] = {"prestart": [{"path": sys.argv[1], "args": ["oci-injector-hook", "--config-dir", sys.argv[2]],
                               "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}
json.dump(spec, open(sys.argv[3], "w"), indent=2)' "$OIH_HOOK" "$OIH_T/conf" "$OIH_T/ctd/base-spec.json"

    # The node's installation as the DaemonSet does it (deploy/kubernetes/install.sh), with every node
    # path in the test root: the binaries, the hook's configs, the shim's config, and a runtime handler
    # with the shim as BinaryName in containerd's config.toml. Twice: the handler oih passes the pod
    # annotations example.com/* to its containers, oih-noannot passes none.
    write_containerd_config "$OIH_T/ctd/base-spec.json"
    NODE=$OIH_T/node
    for h in oih:example.com/* oih-noannot:; do
        HOST_ROOT= SOURCE_DIR=$OIH_BUILD CONFIG_SOURCE=$OIH_T/conf BIN_DIR=$NODE/bin CONFIG_DIR=$NODE/etc/oci-injector-hook \
            SHIM_CONFIG=$NODE/etc/oci-injector-runtime.json RUNTIMES=containerd CONTAINERD_CONFIG=$OIH_T/ctd/config.toml \
            HANDLER=${h%%:*} POD_ANNOTATIONS=${h#*:} "$OIH_SOURCE/deploy/kubernetes/install.sh" install
    done
    chmod 755 "$NODE" "$NODE/etc"
    export NODE

    snapshot_mounts
    start_containerd
    for ns in default k8s.io; do
        ctr --address "$CTD_SOCK" -n "$ns" images import "$OIH_T/app.tar" >/dev/null
    done
    ctr --address "$CTD_SOCK" -n k8s.io images import "$OIH_T/pause.tar" >/dev/null
}

teardown_file() {
    stop_containerd
    remove_test_root
}

# ctr_run ID ARGS...: `ctr run --rm` of the app image in the default namespace.
ctr_run() {
    local id=$1
    shift
    # ctr makes the container's stdio FIFOs itself, where the daemon (in its own /run) sees them too.
    run timeout 120 ctr --address "$CTD_SOCK" run --rm --fifo-dir "$OIH_T/fifo" "$@" oih.test/app:1 "$id" \
        /bin/sh -c "if injtest; then cat $INJ/etc/injtest.conf; else echo not injected; fi"
}

# pod NAME ARGS...: a pod with one container running the check above; $output is the client's JSON.
pod() {
    local name=$1
    shift
    run cri up --name "$name" --log-dir "$OIH_T/logs/$name" --image oih.test/app:1 \
        --env "PATH=$INJ/bin:/bin" "$@" -- /bin/sh -c "if injtest; then echo INJECTED; else echo not injected; fi"
    echo "$output"
    POD_OUTPUT=$output
    SANDBOX=$(json_field "$output" sandbox_id)
}

teardown() {
    [ -z "${SANDBOX:-}" ] || cri down "$SANDBOX" || true
    SANDBOX=
}

@test "containerd: ctr run --runc-binary with the shim injects into a container that asks" {
    ctr_run oih-ctr-1 --runc-binary "$SHIM_WRAPPER" --env OCI_INJTEST=1 --env "PATH=$INJ/bin:/bin"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"injtest configuration"* ]]
}

@test "containerd: ctr run with the shim leaves a container that does not ask alone" {
    ctr_run oih-ctr-2 --runc-binary "$SHIM_WRAPPER" --env "PATH=$INJ/bin:/bin"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"not injected"* ]]
}

@test "containerd: ctr run with plain runc does not inject, even when asked" {
    ctr_run oih-ctr-3 --env OCI_INJTEST=1 --env "PATH=$INJ/bin:/bin"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"not injected"* ]]
}

@test "cri: the CRI plugin answers the runtime.v1 API" {
    run cri version
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == "containerd 1.6"*" v1" ]]
}

@test "cri: base_runtime_spec with the hook: a container with the variable is injected" {
    pod base-env --env OCI_INJTEST=1
    [ "$status" -eq 0 ]
    [ "$(json_field "$output" exit_code)" = 0 ]
    [[ "$(json_field "$output" log)" == *"injtest library loaded"*"INJECTED"* ]]
}

@test "cri: base_runtime_spec with the hook: a container without it is not" {
    pod base-plain
    [ "$status" -eq 0 ]
    [[ "$(json_field "$output" log)" == *"not injected"* ]]
}

@test "cri: a RuntimeClass handler with the shim as BinaryName: a container with the variable is injected" {
    pod handler-env --handler oih --env OCI_INJTEST=1
    [ "$status" -eq 0 ]
    [ "$(json_field "$output" exit_code)" = 0 ]
    [[ "$(json_field "$output" log)" == *"injtest library loaded"*"INJECTED"* ]]
}

@test "cri: the handler with a pod_annotations allowlist: a pod annotation activates; the sandbox is never activated" {
    pod handler-annotation --handler oih --annotation example.com/injtest=1
    [ "$status" -eq 0 ]
    [[ "$(json_field "$output" log)" == *"injtest library loaded"*"INJECTED"* ]]
    # The sandbox (pause) container went through the shim too, and carries the annotation: the hook was
    # registered in its config.json and saw the annotation, and injected nothing, because it is a sandbox.
    local sandbox_spec=$OIH_T/ctd/state/io.containerd.runtime.v2.task/k8s.io/$SANDBOX/config.json
    run python3 - "$sandbox_spec" "$NODE/bin/oci-injector-hook" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
a = spec["annotations"]
assert a["io.kubernetes.cri.container-type"] == "sandbox", a
assert a["example.com/injtest"] == "1", a
assert [h["path"] for h in spec["hooks"]["prestart"]].count(sys.argv[2]) == 1, spec["hooks"]
print("ok")
PY
    echo "$output"
    [ "$status" -eq 0 ]
    pid=$(json_field "$POD_OUTPUT" sandbox_pid)
    [ -n "$pid" ] && [ -d "/proc/$pid/root/bin" ]
    [ ! -e "/proc/$pid/root$INJ/bin/injtest" ]
    [ ! -e "/proc/$pid/root$INJ/lib/libinjtest.so.1" ]
}

@test "cri: without the allowlist the pod annotation does not reach the container" {
    pod handler-noannot --handler oih-noannot --annotation example.com/injtest=1
    [ "$status" -eq 0 ]
    [[ "$(json_field "$output" log)" == *"not injected"* ]]
}

@test "cri: a failing injection fails StartContainer with the hook's line" {
    pod handler-fail --handler oih --env OCI_FAILTEST=1
    [ "$status" -eq 1 ]
    error=$(json_field "$output" error)
    [[ "$error" == *"failing.json"* ]]
    [[ "$error" == *"$OIH_T/host/missing/failtest"* ]]
}

@test "install.sh: the handler in config.toml, the shim's config; uninstall gives config.toml back byte for byte" {
    run grep -A6 -F "# BEGIN oci-injector-hook oih:" "$OIH_T/ctd/config.toml"
    echo "$output"
    [[ "$output" == *'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oih]'* ]]
    [[ "$output" == *'pod_annotations = ["example.com/*"]'* ]]
    [[ "$output" == *"BinaryName = \"$NODE/bin/oci-injector-runtime-wrapper\""* ]]
    run "$NODE/bin/oci-injector-runtime-wrapper" --injector-check
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"\"args\":[\"oci-injector-hook\",\"--config-dir\",\"$NODE/etc/oci-injector-hook\"]"* ]]
    [ "$(stat -c %a "$NODE/etc/oci-injector-hook/injtest.json")" = 644 ]

    # A node's config.toml, installed into and uninstalled from.
    mkdir -p "$OIH_T/node2"
    containerd config default >"$OIH_T/node2/config.toml"
    cp "$OIH_T/node2/config.toml" "$OIH_T/node2/before.toml"
    for what in install install uninstall; do
        HOST_ROOT=$OIH_T/node2 SOURCE_DIR=$OIH_BUILD RUNTIMES="containerd crio" CONTAINERD_CONFIG=/config.toml \
            "$OIH_SOURCE/deploy/kubernetes/install.sh" "$what"
        [ "$what" = uninstall ] || [ "$(grep -c '^# BEGIN oci-injector-hook' "$OIH_T/node2/config.toml")" = 1 ]
    done
    cmp "$OIH_T/node2/before.toml" "$OIH_T/node2/config.toml"
    [ ! -e "$OIH_T/node2/etc/crio/crio.conf.d/50-oci-injector-hook.conf" ]
}

@test "containerd: the host's mount table is as it was" {
    mounts_unchanged
}
