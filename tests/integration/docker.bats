#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Docker 20.10 (Debian's docker.io) with the runtime shim registered in its daemon.json: a dockerd of the
# test's own (data root, exec root, pid file and socket under $OIH_T, no iptables, no bridge), an image
# made with `docker import` from the test root, containers started with and without the activation
# variable, and a failing injection shown in Docker's own error.

load helpers

setup_file() {
    require_program dockerd docker.io
    setup_injtest_root
    write_failing_config
    make_rootfs "$OIH_T/image" glibc
    tar -C "$OIH_T/image" -cf "$OIH_T/image.tar" .
    snapshot_mounts
    start_dockerd
    docker import "$OIH_T/image.tar" oih-test:1 >/dev/null
}

teardown_file() {
    stop_dockerd
    remove_test_root
}

@test "docker: the shim is the runtime oih and the default" {
    run docker info --format '{{json .Runtimes}} {{.DefaultRuntime}}'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *'"oih":{"path":"'"$OIH_RUNTIME_SHIM"'","runtimeArgs":["--injector-config","'"$OIH_T/runtime.json"'"]}'* ]]
    [[ "$output" == *" oih" ]]
}

@test "docker: run --runtime=oih with the activation variable injects; the binary and the library work" {
    run timeout 120 docker run --rm --runtime=oih --network none -e OCI_INJTEST=1 -e "PATH=$INJ/bin:/bin" \
        oih-test:1 /bin/sh -c "injtest; cat $INJ/etc/injtest.conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"injtest configuration"* ]]
}

@test "docker: the default runtime injects too, without --runtime" {
    run timeout 120 docker run --rm --network none -e OCI_INJTEST=1 -e "PATH=$INJ/bin:/bin" oih-test:1 injtest
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
}

@test "docker: without the variable the container runs untouched" {
    run timeout 120 docker run --rm --runtime=oih --network none oih-test:1 \
        /bin/sh -c "ls $INJ/bin/injtest 2>&1 || echo not injected"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"not injected"* ]]
}

@test "docker: --runtime=runc, past the shim, does not inject even when asked" {
    run timeout 120 docker run --rm --runtime=runc --network none -e OCI_INJTEST=1 oih-test:1 \
        /bin/sh -c "ls $INJ/bin/injtest 2>&1 || echo not injected"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"not injected"* ]]
}

@test "docker: a failing injection stops the container, and Docker's error shows the hook's line" {
    run timeout 120 docker run --rm --runtime=oih --network none -e OCI_FAILTEST=1 oih-test:1 true
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"error running hook"* ]]
    [[ "$output" == *"oci-injector-hook"*"failing.json"* ]]
    [[ "$output" == *"$OIH_T/host/missing/failtest"* ]]
    [ -z "$(docker ps -aq)" ]
}

@test "docker: a long-running container is stopped and removed through the shim" {
    run docker run -d --runtime=oih --network none -e OCI_INJTEST=1 oih-test:1 sleep 60
    echo "$output"
    [ "$status" -eq 0 ]
    id=$output
    run docker exec "$id" ls "$INJ/bin/injtest"
    [ "$status" -eq 0 ]
    run docker rm -f "$id"
    [ "$status" -eq 0 ]
    [ -z "$(docker ps -aq)" ]
}

@test "docker: the host's mount table is as it was" {
    mounts_unchanged
}
