#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Images and hosts laid out as distributions lay them out. An image laid out as Debian's and Ubuntu's are
# (libc in the multiarch folder /lib/x86_64-linux-gnu, an ld.so.conf that includes ld.so.conf.d, an
# ld.so.cache) gets a library at /usr/lib64, where every sample config of the Go hook puts libraries:
# Debian's ldconfig does not search /usr/lib64 by itself (Fedora's and RHEL's does), so the library must
# still load after an ldconfig run inside the container, as any apt install makes one. And bare names:
# a library found by its soname in the host's own ld cache, a program by its name in the host's PATH,
# wherever this host's distribution keeps them. And a host laid out as cloud providers' GPU node images
# are, for the ready nvidia.json.

load helpers

setup_file() {
    setup_test_root
}

# A test that made /usr/local/nvidia takes it away again, whatever happened.
teardown() {
    if [ -e "$OIH_T/made-usr-local-nvidia" ]; then
        rm -rf /usr/local/nvidia
        rm -f "$OIH_T/made-usr-local-nvidia"
    fi
}

# The host's static ldconfig, which a Debian image ships as /sbin/ldconfig.
host_ldconfig() {
    if [ -x /sbin/ldconfig.real ]; then echo /sbin/ldconfig.real; else echo /sbin/ldconfig; fi
}

@test "layouts: a library injected at /usr/lib64 into a Debian-layout image loads at start and after ldconfig in the container" {
    write_config lib64.json "{
  \"activation_flag\": \"OCI_LIB64\",
  \"binaries\": [\"$INJ/bin/injtest\"],
  \"libraries\": [{\"path\": \"$INJ/lib/libinjtest.so.1\", \"container_path\": \"/usr/lib64/libinjtest.so.1\"}]
}"
    for kind in glibc-cache glibc; do
        new_bundle "lib64-$kind" "$kind" \
            --cmd 'echo "at start: $(injtest 2>&1)"; ldconfig && echo "after ldconfig: $(injtest 2>&1)"' \
            --env OCI_LIB64=1 --env "PATH=$INJ/bin:/bin:/sbin" --hook "$(hook_arg)"
        # The image's ldconfig is glibc's own, as in a Debian image (the multiarch build).
        rm -f "$BUNDLE/rootfs/sbin/ldconfig"
        cp "$(host_ldconfig)" "$BUNDLE/rootfs/sbin/ldconfig"
        [ ! -e "$BUNDLE/rootfs/usr/lib64" ]
        run_runc "oih-lib64-$kind"
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"at start: injtest library loaded"* ]]
        [[ "$output" == *"after ldconfig: injtest library loaded"* ]]
        grep -qx /usr/lib64 "$BUNDLE/rootfs/etc/ld.so.conf.d/000-oci-injector-hook.conf"
        run ldconfig -p -C "$BUNDLE/rootfs/etc/ld.so.cache"
        [[ "$output" == *"libinjtest.so.1 (libc6,x86-64) => /usr/lib64/libinjtest.so.1"* ]]
    done
    rm -f "$OIH_T/conf/lib64.json"
}

@test "layouts: bare names find a library in the host's ld cache and a program in the host's PATH" {
    # Where this host has them, as the hook must find them (merged /usr or not).
    local busybox="" libz
    for d in /usr/sbin /usr/bin /sbin /bin; do
        if [ -f "$d/busybox" ] && [ -x "$d/busybox" ]; then busybox=$d/busybox; break; fi
    done
    libz=$(ldconfig -p | sed -n 's/^[[:space:]]*libz\.so\.1 (libc6,x86-64) => //p' | head -n1)
    echo "busybox: $busybox, libz.so.1: $libz"
    [ -n "$busybox" ] && [ -n "$libz" ]

    write_config bare.json "{
  \"activation_flag\": \"OCI_BARE\",
  \"binaries\": [\"busybox\", \"$INJ/bin/injtest\"],
  \"libraries\": [\"libz.so.1\", \"$INJ/lib/libinjtest.so.1\"]
}"
    new_bundle bare glibc-cache \
        --cmd "grep -c ' $busybox ' /proc/self/mountinfo; readlink $libz; /lib64/ld-linux-x86-64.so.2 --preload libz.so.1 $INJ/bin/injtest 2>&1" \
        --env OCI_BARE=1 --hook "$(hook_arg)"
    run_runc oih-bare
    echo "$output"
    [ "$status" -eq 0 ]
    # The program is bound where the host has it; libz.so.1 is the host's chain, and ld.so loads it.
    [ "$(printf '%s\n' "$output" | sed -n 1p)" = 1 ]
    [ "$(printf '%s\n' "$output" | sed -n 2p)" = "$(readlink "$libz")" ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" != *"cannot be preloaded"* ]]

    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"symlink $(readlink "$libz") $libz (libz.so.1, found in the host's ld cache)"* ]]
    [[ "$output" == *"bind $busybox $busybox ro,nosuid,nodev (busybox, found in the host's PATH)"* ]]

    # Not on the host: an error that names the cache, unless the entry is optional.
    write_config bare.json '{"activation_flag": "OCI_BARE", "libraries": ["liboih-none.so.7"]}'
    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"bare.json: libraries[0] \"liboih-none.so.7\": not in the host's ld cache \"/etc/ld.so.cache\""* ]]
    rm -f "$OIH_T/conf/bare.json"
}

# A stand-in NVIDIA driver in /usr/local/nvidia, as cloud providers' GPU node images keep it, unknown to
# the host's ld cache. There is no GPU here: a libcuda.so.1 built with the driver's soname
# (tests/helpers/cuda-standin.c) and an nvidia-smi script play the driver. Made only where the host has
# no /usr/local/nvidia (teardown removes it).
standin_driver() {
    [ ! -e /usr/local/nvidia ] || skip "this host has a /usr/local/nvidia of its own: left alone"
    ! ldconfig -p | grep -q /usr/local/nvidia
    touch "$OIH_T/made-usr-local-nvidia"
    mkdir -p /usr/local/nvidia/lib64 /usr/local/nvidia/bin
    cp "$OIH_HELPERS/libcuda.so.580.95.0" /usr/local/nvidia/lib64/libcuda.so.580.95
    ln -s libcuda.so.580.95 /usr/local/nvidia/lib64/libcuda.so.1
    printf '#!/bin/sh\necho "stand-in nvidia-smi"\n' >/usr/local/nvidia/bin/nvidia-smi
    chmod 755 /usr/local/nvidia/bin/nvidia-smi
}

@test "layouts: the ready nvidia.json on a host with the driver in /usr/local/nvidia, unknown to its ld cache: cuInit loads, nvidia-smi runs" {
    # The shipped config, the hook, runc and the container's ld.so do everything for real; the probe is
    # the one a GPU host runs with the real driver.
    standin_driver
    write_config nvidia.json "$(cat "$OIH_SOURCE/conf.d/nvidia.json")"
    new_bundle nvidia glibc-cache --cmd 'cuinit; nvidia-smi' --env OCI_INJECT_NVIDIA=1 \
        --env PATH=/usr/local/nvidia/bin:/bin --hook "$(hook_arg)"
    cp "$OIH_HELPERS/cuinit" "$BUNDLE/rootfs/bin/cuinit"
    run_runc oih-nvidia
    rm -f "$OIH_T/conf/nvidia.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"cuInit: 0, devices: 1"* ]]
    [[ "$output" == *"stand-in nvidia-smi"* ]]
    grep -qx /usr/local/nvidia/lib64 "$BUNDLE/rootfs/etc/ld.so.conf.d/000-oci-injector-hook.conf"
}

@test "layouts: tests/gpu/check-on-host, the check a GPU host runs without a runtime, passes on the stand-in driver" {
    standin_driver
    run "$OIH_SOURCE/tests/gpu/check-on-host" "$OIH_HOOK" "$OIH_HELPERS/cuinit" /bin/busybox
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"cuInit: 0, devices: 1"* ]]
    [[ "$output" == *"stand-in nvidia-smi"* ]]
    [[ "$output" == *"== GPU check: passed"* ]]
    # What it made is gone, and so is its stand-in's mount namespace.
    ! ls -d /tmp/oih-gpu-check.* 2>/dev/null
}
