# SPDX-License-Identifier: Apache-2.0
# Set-up shared by the tests of the runtime shim and the engines that use it (Docker, containerd and
# its CRI plugin): the shim's config, and daemons started with their own state folders and sockets
# under $OIH_T, stopped by pid. Loaded after helpers.bash.
#
# meson passes OIH_RUNTIME_SHIM (the built oci-injector-runtime) besides helpers.bash's variables.

# write_shim_config FILE [RUNTIME]: the shim's config: the real runtime (runc), and the built hook with
# the tests' config folder.
write_shim_config() {
    cat >"$1" <<EOF_CONFIG
{
  "runtime": "${2:-runc}",
  "hook": {
    "path": "$OIH_HOOK",
    "args": ["oci-injector-hook", "--config-dir", "$OIH_T/conf", "--log-level", "info"],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
  }
}
EOF_CONFIG
    chmod 644 "$1"
}

# make_shim_wrapper: $OIH_T/bin/oih-runtime, the shim with the tests' config, for engines that take a
# runtime's path and no arguments (containerd's BinaryName, ctr --runc-binary). Docker's runtimeArgs
# make the same script itself.
make_shim_wrapper() {
    write_shim_config "$OIH_T/runtime.json"
    mkdir -p "$OIH_T/bin"
    printf '#!/bin/sh\nexec "%s" --injector-config "%s" "$@"\n' "$OIH_RUNTIME_SHIM" "$OIH_T/runtime.json" \
        >"$OIH_T/bin/oih-runtime"
    chmod 755 "$OIH_T/bin" "$OIH_T/bin/oih-runtime"
    SHIM_WRAPPER=$OIH_T/bin/oih-runtime
    export SHIM_WRAPPER
}

# The config of a failing injection: activated by OCI_FAILTEST, a binary that is not on the host.
write_failing_config() {
    write_config failing.json "{
  \"activation_flag\": \"OCI_FAILTEST\",
  \"binaries\": [\"$OIH_T/host/missing/failtest\"]
}"
}

# The glibc test root with the injected library's user, as an image archive: docker-save format, which
# both `docker load` and `ctr images import` read. image_archive ROOTFS NAME OUT [CMD...]
image_archive() {
    python3 "$OIH_SOURCE/tests/integration/image-archive.py" "$@"
}

# wait_for TIMEOUT_S COMMAND...: runs COMMAND every 0.1 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# stop_pid PID: TERM, then KILL after 20 s; waits for it when it is our child.
stop_pid() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The containerd shims (containerd-shim-runc-v2) that served the daemon listening on ADDRESS: they
# outlive containerd by design. Found by their -address argument, stopped by pid.
stop_shims_of() {
    local address=$1 pid
    for pid in $(pgrep containerd-shim); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $address " && stop_pid "$pid"
    done
    return 0
}

# exec_private COMMAND...: replaces the calling (background) shell with COMMAND, so that $! is its pid,
# in a mount namespace of its own: the mounts of the daemon and of its containers stay there, and /run is
# an empty tmpfs, so that dockerd does not take a containerd of the host for its own (it uses one whose
# socket is at /run/containerd) and the shims' sockets (/run/containerd/s) do not land on the host.
# fd 3 is bats' own output: a daemon that kept it would keep bats waiting.
exec_private() {
    exec 3>&-
    exec unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 oih-test-run /run && exec "$@"' sh "$@"
}

# dockerd with its own data root, exec root, pid file and socket; the shim registered as the runtime
# "oih" (its options through runtimeArgs) and made the default. Sets DOCKER_HOST for the docker client.
start_dockerd() {
    local d=$OIH_T/docker
    mkdir -p "$d/data" "$d/exec"
    write_shim_config "$OIH_T/runtime.json"
    cat >"$d/daemon.json" <<EOF_DAEMON
{
  "runtimes": {
    "oih": { "path": "$OIH_RUNTIME_SHIM", "runtimeArgs": ["--injector-config", "$OIH_T/runtime.json"] }
  },
  "default-runtime": "oih"
}
EOF_DAEMON
    exec_private dockerd --config-file "$d/daemon.json" --iptables=false --ip-masq=false --bridge=none \
        --storage-driver overlay2 --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
        -H "unix://$d/docker.sock" --log-level warn >"$d/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    DOCKER_HOST=unix://$d/docker.sock
    export DOCKERD_PID DOCKER_HOST
    if ! wait_for 60 docker info; then
        cat "$d/dockerd.log" >&2
        return 1
    fi
}

stop_dockerd() {
    [ -n "${DOCKERD_PID:-}" ] || return 0
    local ids
    ids=$(docker ps -aq 2>/dev/null) || true
    [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
    stop_pid "$DOCKERD_PID"
    # dockerd stops the containerd it started; its shims are found by that containerd's socket.
    stop_shims_of "$OIH_T/docker/exec/containerd/containerd.sock"
    DOCKERD_PID=
}

# containerd with its own config, root, state and sockets under $OIH_T/ctd, its CRI plugin on: the pause
# image is a local stand-in (oih.test/pause:1), OOM score adjustments are kept within what this machine
# allows (restrict_oom_score_adj), AppArmor is left alone (no profile loaded into the host's kernel), and
# host-network pods need no CNI. The default handler "runc" has base_runtime_spec FILE when given.
# write_containerd_config [FILE] writes $OIH_T/ctd/config.toml (to add handlers to, as a node's), then
# start_containerd starts it. Sets CTD_SOCK.
write_containerd_config() {
    local c=$OIH_T/ctd base_spec=${1:-}
    mkdir -p "$c/root" "$c/state" "$c/cni/bin" "$c/cni/conf" "$c/opt"
    CTD_SOCK=$c/containerd.sock
    export CTD_SOCK
    cat >"$c/config.toml" <<EOF_CTD
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "oih.test/pause:1"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$c/cni/bin"
    conf_dir = "$c/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      base_runtime_spec = "$base_spec"
EOF_CTD
}

start_containerd() {
    local c=$OIH_T/ctd
    exec_private containerd --config "$c/config.toml" >"$c/containerd.log" 2>&1 &
    CONTAINERD_PID=$!
    export CONTAINERD_PID
    if ! wait_for 60 ctr --address "$CTD_SOCK" version; then
        cat "$c/containerd.log" >&2
        return 1
    fi
}

stop_containerd() {
    [ -n "${CONTAINERD_PID:-}" ] || return 0
    local ns id
    for ns in default k8s.io; do
        for id in $(ctr --address "$CTD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
            ctr --address "$CTD_SOCK" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        done
    done
    stop_pid "$CONTAINERD_PID"
    stop_shims_of "$CTD_SOCK"
    CONTAINERD_PID=
}

# cri ARGS...: the tests' CRI client (tests/integration/cri/cri.py) on this containerd, with Debian's
# python3, where python3-grpcio and python3-protobuf live.
cri() {
    /usr/bin/python3 "$OIH_SOURCE/tests/integration/cri/cri.py" "$CTD_SOCK" "$@"
}

# json_field JSON KEY: one field of the CRI client's answer.
json_field() {
    python3 -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}
