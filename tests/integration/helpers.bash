# SPDX-License-Identifier: Apache-2.0
# Shared set-up of the integration tests: rootfs images, host files to inject, configs, bundles, and
# snapshots of the host (its mount table, a canary tree) that a test compares before and after.
#
# meson passes: OIH_HOOK (the built hook), OIH_HELPERS (tests/helpers in the build tree), OIH_SOURCE,
# and OIH_CGROUPS for the runs in the pure cgroup v2 layout ("v2"; unset: hybrid, as the machine boots).
# Every runtime a test starts runs through in_layout (tests/integration/in-layout).

# The cgroup layout of this run: hybrid or v2.
cgroup_layout() {
    echo "${OIH_CGROUPS:-hybrid}"
}

# in_layout COMMAND [ARG...]: COMMAND in this run's cgroup layout (a command, for `run` and `timeout`).
IN_LAYOUT=$OIH_SOURCE/tests/integration/in-layout

# Runs as root only: runtimes, mounts, namespaces.
require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        skip "needs root"
    fi
}

# The per-file temporary folder. Mode 0755: the hook refuses config folders writable by others.
make_test_root() {
    OIH_T=$(mktemp -d /tmp/oih-it.XXXXXX)
    chmod 755 "$OIH_T"
    export OIH_T
}

# Removes the test root; unmounts first anything a failed test may have left below it.
remove_test_root() {
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
run_runc() {
    run timeout 120 "$IN_LAYOUT" sh -c 'runc run --bundle "$1" "$2"; s=$?; runc delete -f "$2" >/dev/null 2>&1; exit $s' \
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

# The host's mount table, as a text to compare.
host_mounts() {
    cat /proc/self/mountinfo
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
