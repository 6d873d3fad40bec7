# SPDX-License-Identifier: Apache-2.0
# The set-up every integration test shares, in one place (each .bats file loads it: `load helpers`):
# the test root and its teardown, rootfs images, host files to inject, configs, bundles, the runtimes as
# the tests run them, snapshots of the host (its mount table, a canary tree) that a test compares before
# and after, the runtime shim's config, and daemons (dockerd, containerd) started with their own state
# folders and sockets under $OIH_T and stopped by pid.
#
# meson passes: OIH_HOOK (the built hook), OIH_HELPERS (tests/helpers in the build tree), OIH_SOURCE,
# OIH_BUILD, OIH_RUNTIME_SHIM (the built oci-injector-runtime), OIH_WRAP (system calls made to fail in
# the hook, for the forced-fallback runs) and OIH_CGROUPS for the runs in the pure cgroup v2 layout
# ("v2"; unset: hybrid, as the machine boots). Every runtime a test starts runs through in_layout
# (tests/integration/in-layout).

# The cgroup layout of this run: hybrid or v2.
cgroup_layout() {
    echo "${OIH_CGROUPS:-hybrid}"
}

# in_layout COMMAND [ARG...]: COMMAND in this run's cgroup layout (a command, for `run` and `timeout`).
IN_LAYOUT=$OIH_SOURCE/tests/integration/in-layout

# Every file's teardown_file: this one, unless the file has more to stop first (a daemon, a process),
# when it defines its own that ends with remove_test_root.
teardown_file() {
    remove_test_root
}

# Runs as root only: runtimes, mounts, namespaces.
require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        skip "needs root"
    fi
}

# require_program NAME [PACKAGE]: skips unless NAME is on PATH (tests/deps.sh installs PACKAGE).
require_program() {
    command -v "$1" >/dev/null || skip "$1 is not installed (tests/deps.sh installs ${2:-$1})"
}

# setup_test_root, for setup_file: runs as root only, in a test root with the host files to inject.
# Files that need a program call require_program first.
setup_test_root() {
    require_root
    make_test_root
    make_host_files
}

# setup_injtest_root: the same with the standard config, as most files have.
setup_injtest_root() {
    setup_test_root
    write_injtest_config
}

# The per-file temporary folder. Mode 0755: the hook refuses config folders writable by others.
make_test_root() {
    OIH_T=$(mktemp -d /tmp/oih-it.XXXXXX)
    chmod 755 "$OIH_T"
    export OIH_T
}

# Removes the test root and the podman image named after it (make_podman_image); unmounts first
# anything a failed test may have left below the root.
remove_test_root() {
    remove_podman_image
    [ -n "${OIH_T:-}" ] && [ -d "$OIH_T" ] || return 0
    grep -F " $OIH_T" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$OIH_T"
}

# make_rootfs DIR glibc|glibc-cache|static: busybox (static) with its applets; with glibc, the host's
# loader and libc too, which makes a glibc image (ld-linux present, no ld.so.cache yet); glibc-cache adds
# the ld.so.cache the host's ldconfig makes for it, as a distribution's image has.
make_rootfs() {
    local dir=$1 kind=$2
    mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,opt,usr/bin,usr/lib,lib,root}
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $("$dir/bin/busybox" --list); do
        [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
    done
    echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
    echo "root:x:0:" >"$dir/etc/group"
    if [ "$kind" = glibc ] || [ "$kind" = glibc-cache ]; then
        mkdir -p "$dir/lib64" "$dir/lib/x86_64-linux-gnu"
        cp /lib64/ld-linux-x86-64.so.2 "$dir/lib64/"
        cp /lib/x86_64-linux-gnu/libc.so.6 "$dir/lib/x86_64-linux-gnu/"
    fi
    if [ "$kind" = glibc-cache ]; then
        mkdir -p "$dir/etc/ld.so.conf.d"
        echo "include /etc/ld.so.conf.d/*.conf" >"$dir/etc/ld.so.conf"
        echo /lib/x86_64-linux-gnu >"$dir/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
        ldconfig -r "$dir"
    fi
}

# Host files to inject, in a folder no image searches: $OIH_T/host/opt/injtest/{bin,lib},
# a folder with a file, and the config that lists them, activated by OCI_INJTEST.
make_host_files() {
    local h=$OIH_T/host/opt/injtest
    mkdir -p "$h/bin" "$h/lib" "$h/etc"
    cp "$OIH_HELPERS/injtest" "$h/bin/injtest"
    cp "$OIH_HELPERS/libinjtest.so.1.2.3" "$h/lib/libinjtest.so.1.2.3"
    ln -s libinjtest.so.1.2.3 "$h/lib/libinjtest.so.1"
    echo "injtest configuration $RANDOM" >"$h/etc/injtest.conf"
    chmod 644 "$h/etc/injtest.conf"
    INJ=$h
    export INJ
}

# write_config NAME JSON: a config file in $OIH_T/conf (mode 0644, folder 0755).
write_config() {
    mkdir -p "$OIH_T/conf"
    chmod 755 "$OIH_T/conf"
    printf '%s\n' "$2" >"$OIH_T/conf/$1"
    chmod 644 "$OIH_T/conf/$1"
}

# The standard config: binary, library (a symlink chain), folder and file, host path = container path.
write_injtest_config() {
    write_config injtest.json "{
  \"description\": \"the integration tests' injection\",
  \"activation_flag\": \"OCI_INJTEST\",
  \"binaries\": [\"$INJ/bin/injtest\"],
  \"libraries\": [\"$INJ/lib/libinjtest.so.1\"],
  \"directories\": [\"$INJ/etc\"],
  \"miscellaneous\": [\"$INJ/etc/injtest.conf\"]
}"
}

# new_bundle NAME glibc|glibc-cache|static [bundle.py options...]: a fresh copy of a rootfs in $OIH_T/b/NAME.
new_bundle() {
    local name=$1 kind=$2
    shift 2
    BUNDLE=$OIH_T/b/$name
    rm -rf "$BUNDLE"
    mkdir -p "$BUNDLE"
    [ -d "$OIH_T/rootfs-$kind" ] || make_rootfs "$OIH_T/rootfs-$kind" "$kind"
    cp -a "$OIH_T/rootfs-$kind" "$BUNDLE/rootfs"
    python3 "$OIH_SOURCE/tests/integration/bundle.py" "$BUNDLE" "$@"
    export BUNDLE
}

# edit_config PYTHON: runs PYTHON on the bundle's config.json as `c`, and writes it back.
edit_config() {
    python3 - "$BUNDLE/config.json" "$1" <<'PY'
import json, sys
path, code = sys.argv[1:]
with open(path) as f:
    c = json.load(f)
exec(code)
with open(path, "w") as f:
    json.dump(c, f, indent=1)
PY
}

# The hook registered as a prestart hook with the test configs. With OIH_WRAP set (a list of system
# calls, or a third argument), the hook runs under tests/helpers/enosys, which makes those calls fail.
hook_arg() {
    local wrap="" calls=${3:-${OIH_WRAP:-}}
    [ -n "$calls" ] && wrap="$OIH_HELPERS/enosys,$calls,"
    echo "${1:-prestart}=$wrap$OIH_HOOK,--config-dir,$OIH_T/conf,--log-level,${2:-info}"
}

# The hook as a command, for tests that run it by hand (under enosys as hook_arg does).
hook_cmd() {
    if [ -n "${OIH_WRAP:-}" ]; then
        echo "$OIH_HELPERS/enosys" "$OIH_WRAP" "$OIH_HOOK"
    else
        echo "$OIH_HOOK"
    fi
}

# run_runc NAME: runs the bundle's container with runc in this run's cgroup layout, output and status in
# $output and $status. It is deleted in the same layout (in v2 its cgroup exists only there).
# NOFILE=SOFT:HARD: runc, and so the hooks it runs, under that open-file limit (this runc, built with Go
# 1.19, raises its soft limit to the hard one as it starts and passes that on).
nofile_limit() {
    [ -z "${NOFILE:-}" ] || echo prlimit "--nofile=$NOFILE"
}

run_runc() {
    run timeout 120 "$IN_LAYOUT" $(nofile_limit) sh -c 'runc run --bundle "$1" "$2"; s=$?; runc delete -f "$2" >/dev/null 2>&1; exit $s' \
        run_runc "$BUNDLE" "$1"
}

# crun 1.8 refuses hybrid cgroups; in a mount namespace of its own without the unified hierarchy it runs
# in v1 mode (see docs/TESTING.md). In the v2 layout it raises RLIMIT_MEMLOCK to infinity before it
# loads its device program and stops when that fails ("setrlimit (RLIM_MEMLOCK)"): root here lacks
# CAP_SYS_RESOURCE, and no rlimit of the bundle helps, since crun raises its own hard limit. Since
# Linux 5.11 BPF programs are charged to the memory cgroup, not to RLIMIT_MEMLOCK, so the raise changes
# nothing on this kernel (newer crun ignores its failure): crun runs under a seccomp filter that answers
# that one setrlimit with success (tests/helpers/enosys), and does everything else for real.
run_crun() {
    if [ "$(cgroup_layout)" = v2 ]; then
        run timeout 120 "$IN_LAYOUT" "$OIH_HELPERS/enosys" 'prlimit64@1=8@2!=0:0+setrlimit@0=8:0' \
            /bin/sh -c 'crun run --bundle "$1" "$2"; s=$?; crun delete -f "$2" >/dev/null 2>&1; exit $s' \
            run_crun "$BUNDLE" "$1"
    else
        run timeout 120 unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; crun run --bundle "$1" "$2"; s=$?; crun delete -f "$2" >/dev/null 2>&1; exit $s' \
            run_crun "$BUNDLE" "$1"
    fi
}

# make_logged_hook SCRIPT HOOK LOG: SCRIPT runs HOOK with its arguments and appends HOOK's stderr to LOG:
# runtimes show a hook's output only when it fails.
make_logged_hook() {
    printf '#!/bin/sh\nexec "%s" "$@" 2>>"%s"\n' "$2" "$3" >"$1"
    chmod 755 "$1"
}

# make_modules_dir: a modules folder for libkmod with one built-in module, oihtestbuiltin, indexed by
# the host's depmod, in $MODDIR (the hook's --modules-dir).
make_modules_dir() {
    local v=1.0.0-oihtest
    mkdir -p "$OIH_T/modroot/lib/modules/$v"
    echo "kernel/drivers/misc/oihtestbuiltin.ko" >"$OIH_T/modroot/lib/modules/$v/modules.builtin"
    : >"$OIH_T/modroot/lib/modules/$v/modules.order"
    depmod -b "$OIH_T/modroot" "$v" 2>/dev/null
    MODDIR=$OIH_T/modroot/lib/modules/$v
    export MODDIR
}

# The host's mount table, as a text to compare.
host_mounts() {
    cat /proc/self/mountinfo
}

# snapshot_mounts: keeps the host's mount table in MOUNTS_BEFORE (exported, so that a snapshot taken in
# setup_file reaches the tests) for mounts_unchanged.
snapshot_mounts() {
    MOUNTS_BEFORE=$(host_mounts)
    export MOUNTS_BEFORE
}

# mounts_unchanged: succeeds when the host's mount table is the snapshot's; shows the difference if not.
mounts_unchanged() {
    local now
    now=$(host_mounts)
    [ "$now" = "$MOUNTS_BEFORE" ] && return 0
    echo "the host's mount table changed since snapshot_mounts:"
    diff <(printf '%s\n' "$MOUNTS_BEFORE") <(printf '%s\n' "$now") || true
    return 1
}

# A canary tree on the host that hostile images aim at; its digest covers names, modes, links and content.
make_canary() {
    CANARY=$OIH_T/canary
    mkdir -p "$CANARY/etc" "$CANARY/lib" "$CANARY/bin"
    echo "canary secret" >"$CANARY/etc/shadow"
    echo "canary file" >"$CANARY/victim"
    cp "$OIH_HELPERS/libinjtest.so.1.2.3" "$CANARY/lib/libcanary.so.1.2.3"
    export CANARY
}

canary_digest() {
    (cd "$CANARY" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum
}

# snapshot_canary, canary_unchanged: the canary tree's digest kept, and compared with it.
snapshot_canary() {
    CANARY_BEFORE=$(canary_digest)
}

canary_unchanged() {
    [ "$(canary_digest)" = "$CANARY_BEFORE" ]
}

# A tree's listing (names, types, modes, sizes, link targets), to prove a failure left it as it was.
tree_listing() {
    (cd "$1" && find . -printf '%p %y %m %s %l\n' | sort)
}

# A stand-in for a runtime, for the few tests that must control the container's mount namespace
# exactly (no runtime leaves the root on a shared mount at hook time): a process in a new mount
# namespace (propagation as given: private, or unchanged to stay a peer of the host's mounts),
# waiting. The test then runs the hook by hand with a state that names this process. As runtimes do,
# it binds the bundle's root onto itself in its namespace (the hook checks for that mount); with
# unchanged propagation that bind would reach the host, so there the test makes it itself.
start_standin() {
    local propagation=${1:-private} bind=""
    rm -f "$OIH_T/standin-ready"
    [ "$propagation" = private ] && bind="mount --bind '$BUNDLE/rootfs' '$BUNDLE/rootfs' &&"
    unshare -m --propagation "$propagation" sh -c "$bind touch '$OIH_T/standin-ready'; exec sleep 600" &
    STANDIN_PID=$!
    for _ in $(seq 100); do
        [ -e "$OIH_T/standin-ready" ] && break
        sleep 0.05
    done
    export STANDIN_PID
}

stop_standin() {
    if [ -n "${STANDIN_PID:-}" ]; then
        kill "$STANDIN_PID" 2>/dev/null || true
        wait "$STANDIN_PID" 2>/dev/null || true
    fi
    STANDIN_PID=
}

# The OCI state a runtime would write on the hook's stdin.
standin_state() {
    printf '{"ociVersion": "1.0.2", "id": "standin", "status": "created", "pid": %d, "bundle": "%s"}' \
        "${1:-$STANDIN_PID}" "$BUNDLE"
}

# A podman image of the glibc rootfs, made without a registry by `podman import`: $IMAGE.
make_podman_image() {
    make_rootfs "$OIH_T/image" glibc
    cp "$OIH_HELPERS/devopen" "$OIH_T/image/bin/devopen"
    IMAGE=localhost/oih-test-$(basename "$OIH_T" | tr 'A-Z.' 'a-z-')
    tar -C "$OIH_T/image" -cf "$OIH_T/image.tar" .
    podman import "$OIH_T/image.tar" "$IMAGE" >/dev/null
    export IMAGE
}

remove_podman_image() {
    [ -n "${IMAGE:-}" ] && podman rmi -f "$IMAGE" >/dev/null 2>&1
    return 0
}

# run_podman_with HOOKS_DIR ARGS...: podman run with the hooks folder, the injected tool on PATH.
# The --ulimit flags: runc cannot raise rlimits on these machines (no CAP_SYS_RESOURCE, docs/TESTING.md).
# In the v2 view the cgroup2 hierarchy of this hybrid host has no controllers (the v1 hierarchies hold
# them all), so podman's default pids limit cannot be set there: --pids-limit -1.
run_podman_with() {
    local hooks=$1 v2=()
    shift
    [ "$(cgroup_layout)" = v2 ] && v2=(--pids-limit -1)
    run timeout 180 "$IN_LAYOUT" podman --hooks-dir "$hooks" run --rm --network none --runtime runc \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "${v2[@]}" -e "PATH=$INJ/bin:/bin" -e "INJ=$INJ" "$@"
}

# The runtime shim and the engines that use it (Docker, containerd and its CRI plugin).

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

# start_daemon VAR LOG READY... -- COMMAND...: starts the daemon COMMAND in the background in a mount
# namespace of its own (exec_private), its output in LOG, its pid in the variable VAR (exported, for
# stop_daemon), and waits up to 60 s for the command READY to succeed; shows LOG when it does not.
start_daemon() {
    local var=$1 log=$2 ready=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        ready+=("$1")
        shift
    done
    shift
    exec_private "$@" >"$log" 2>&1 &
    printf -v "$var" '%s' "$!"
    export "${var?}"
    if ! wait_for 60 "${ready[@]}"; then
        cat "$log" >&2
        return 1
    fi
}

# stop_daemon VAR SOCKET: stops the daemon whose pid VAR holds (start_daemon), then the containerd
# shims that served it on SOCKET, and empties VAR.
stop_daemon() {
    local var=$1
    [ -n "${!var:-}" ] || return 0
    stop_pid "${!var}"
    stop_shims_of "$2"
    printf -v "$var" '%s' ""
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
    DOCKER_HOST=unix://$d/docker.sock
    export DOCKER_HOST
    start_daemon DOCKERD_PID "$d/dockerd.log" docker info -- \
        dockerd --config-file "$d/daemon.json" --iptables=false --ip-masq=false --bridge=none \
        --storage-driver overlay2 --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
        -H "unix://$d/docker.sock" --log-level warn
}

stop_dockerd() {
    [ -n "${DOCKERD_PID:-}" ] || return 0
    local ids
    ids=$(docker ps -aq 2>/dev/null) || true
    [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
    # dockerd stops the containerd it started; its shims are found by that containerd's socket.
    stop_daemon DOCKERD_PID "$OIH_T/docker/exec/containerd/containerd.sock"
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
    start_daemon CONTAINERD_PID "$c/containerd.log" ctr --address "$CTD_SOCK" version -- \
        containerd --config "$c/config.toml"
}

stop_containerd() {
    [ -n "${CONTAINERD_PID:-}" ] || return 0
    local ns id
    for ns in default k8s.io; do
        for id in $(ctr --address "$CTD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
            ctr --address "$CTD_SOCK" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        done
    done
    stop_daemon CONTAINERD_PID "$CTD_SOCK"
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

# A config (54-many.json, activated by OCI_MANY) binding 300 programs: a source held open for each until
# the end.
many_programs() {
    mkdir -p "$OIH_T/host/many"
    for i in $(seq -w 1 300); do
        printf '#!/bin/sh\necho %s\n' "$i" >"$OIH_T/host/many/p$i"
    done
    chmod 755 "$OIH_T"/host/many/p*
    write_config 54-many.json "{\"activation_flag\": \"OCI_MANY\", \"binaries\": [\"$OIH_T/host/many/p*\"]}"
}
