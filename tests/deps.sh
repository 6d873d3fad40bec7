#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what building and testing oci-injector-hook needs on Debian 12, as root. Does nothing when
# everything is already there, so that it is cheap to run before every test run.
set -euo pipefail

packages=(
    # build
    gcc libc6-dev meson ninja-build pkg-config libyajl-dev libcap-dev libkmod-dev
    # tests: real runtimes, a static busybox for test images, bats for the integration tests
    bats runc crun podman busybox-static util-linux iproute2 kmod
    # a FUSE filesystem without RENAME_EXCHANGE, for roots the hook cannot exchange names on
    bindfs fuse3
    # a library every host has, found by its soname in the host's ld cache (layouts.bats)
    zlib1g
    # rootless podman (tests/integration/rootless.bats): newuidmap and newgidmap for subordinate ids
    uidmap
    # fuzzing (libFuzzer) and sanitizers, valgrind, benchmarks
    clang libclang-rt-14-dev valgrind hyperfine strace
    # the formatting check of tests/run
    clang-format
    # man pages; the JSON Schema of the config format, checked in the tests
    scdoc python3-jsonschema
    # the runtime shim under real engines: Docker 20.10, containerd 1.6 and its CRI plugin, driven by a
    # small CRI client (gRPC, a .proto compiled at test time); the Kubernetes manifests, read with PyYAML
    docker.io containerd python3-grpcio python3-protobuf protobuf-compiler python3-yaml
)
# kubectl, a client only, reads the manifests of deploy/kubernetes: Debian's, unless one is there already.
command -v kubectl >/dev/null || packages+=(kubernetes-client)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "tests/deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
fi
echo "tests/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
