#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CDI export: `oci-injector-hook cdi` writes a spec (cdiVersion 0.5.0: podman 4.3.1 of Debian 12 reads
# nothing newer) into a folder podman reads (/var/run/cdi, the file
# removed afterwards), and `podman run --device VENDOR/config=NAME`, with no hooks.d at all, gets the
# device node, the binary, the library (its symlink and the ld cache made by the createContainer hook
# the spec carries) and the file: into an image without an ld cache (ldconfig runs) and into one with
# one, as every distribution image has (the library is merged into it). Names that break CDI's rules
# for qualified names are refused, since a runtime refuses the whole spec file for one of them.

load helpers
bats_require_minimum_version 1.5.0

VENDOR=oih-test.example.com

setup_file() {
    require_program podman
    setup_test_root
    write_config injtest.json "{
  \"description\": \"the integration tests' injection, with fuse\",
  \"activation_flag\": \"OCI_INJTEST\",
  \"devices\": [\"fuse\"],
  \"binaries\": [\"$INJ/bin/injtest\"],
  \"libraries\": [\"$INJ/lib/libinjtest.so.1\"],
  \"directories\": [\"$INJ/etc\"],
  \"miscellaneous\": [\"$INJ/etc/injtest.conf\"],
  \"modules\": [\"fuse\"]
}"
    make_podman_image
    # The same image with an ld.so.cache, as distribution images have.
    make_rootfs "$OIH_T/image-cache" glibc-cache
    # ldconfig writes its aux-cache where this folder exists: it tells whether ldconfig ran.
    mkdir -p "$OIH_T/image-cache/var/cache/ldconfig"
    CACHED_IMAGE=$IMAGE-cache
    tar -C "$OIH_T/image-cache" -cf "$OIH_T/image-cache.tar" .
    podman import "$OIH_T/image-cache.tar" "$CACHED_IMAGE" >/dev/null
    SPEC=/var/run/cdi/oih-test-$(basename "$OIH_T").json
    export SPEC CACHED_IMAGE
}

teardown_file() {
    rm -f "${SPEC:-/nonexistent}"
    [ -n "${CACHED_IMAGE:-}" ] && podman rmi -f "$CACHED_IMAGE" >/dev/null 2>&1
    remove_test_root
}

# run_cdi_podman IMAGE: the injected program, through the ld cache, in a container of IMAGE.
run_cdi_podman() {
    run timeout 180 podman run --rm --network none --runtime runc --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 --device "$VENDOR/config=injtest" -e "PATH=$INJ/bin:/bin" "$1" \
        /bin/sh -c "injtest; readlink $INJ/lib/libinjtest.so.1
            [ -e /var/cache/ldconfig/aux-cache ] && echo 'ldconfig ran' || echo 'ldconfig did not run'"
}

@test "cdi: the spec has the device, read-only binds, the createContainer hook, and says what it left out" {
    run --separate-stderr "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR"
    echo "$output"
    echo "stderr: $stderr"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$OIH_T/spec.json"
    python3 - "$OIH_T/spec.json" "$VENDOR" "$INJ" "$OIH_HOOK" <<'PY'
import json, sys
spec, vendor, inj, hook = sys.argv[1:]
s = json.load(open(spec))
assert s["cdiVersion"] == "0.5.0", s
assert s["kind"] == vendor + "/config", s
[d] = s["devices"]
assert d["name"] == "injtest", d
e = d["containerEdits"]
[node] = e["deviceNodes"]
assert (node["path"], node["type"], node["major"], node["minor"], node["permissions"]) == ("/dev/fuse", "c", 10, 229, "rw"), node
mounts = {m["containerPath"]: m for m in e["mounts"]}
assert set(mounts) == {inj + "/bin/injtest", inj + "/lib/libinjtest.so.1.2.3", inj + "/etc/injtest.conf"}, mounts
assert all("ro" in m["options"] and "nosuid" in m["options"] for m in mounts.values()), mounts
[h] = e["hooks"]
assert h["hookName"] == "createContainer" and h["path"] == hook, h
assert h["args"][:2] == ["oci-injector-hook", "ldcache"], h
assert "--symlink" in h["args"] and inj + "/lib" in h["args"], h
# The library, for the entry point to read its soname in the root and merge it into an image's cache.
i = h["args"].index("--library")
assert h["args"][i + 1] == inj + "/lib/libinjtest.so.1.2.3", h
assert h["env"] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], h
print("ok")
PY
    [[ "$stderr" == *"CDI cannot load kernel modules: \"fuse\" is left out"* ]]
}

@test "cdi: podman run --device injects without any hooks.d" {
    mkdir -p /var/run/cdi
    "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR" >"$SPEC"
    snapshot_mounts
    run timeout 180 podman run --rm --network none --runtime runc --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 --device "$VENDOR/config=injtest" -e "PATH=$INJ/bin:/bin" "$IMAGE" \
        /bin/sh -c "injtest; devopen /dev/fuse; cat $INJ/etc/injtest.conf; readlink $INJ/lib/libinjtest.so.1"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"injtest configuration"* ]]
    [[ "$output" == *"libinjtest.so.1.2.3"* ]]
    mounts_unchanged
}

@test "cdi: --cdi-version writes a newer version (which podman 4.3 does not read yet)" {
    run --separate-stderr "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR" --cdi-version 0.6.0
    [ "$status" -eq 0 ]
    [[ "$output" == *"\"cdiVersion\": \"0.6.0\""* ]]
    run "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --cdi-version 1.0
    [ "$status" -eq 2 ]
    [[ "$output" == *"give 0.5.0, 0.6.0, 0.7.0 or 0.8.0"* ]]
}

@test "cdi: a config that cannot be planned is left out, named, and the exit status says so" {
    write_config broken.json "{\"activation_flag\": \"X\", \"binaries\": [\"$OIH_T/missing\"]}"
    run --separate-stderr "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR"
    rm -f "$OIH_T/conf/broken.json"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"broken.json: binaries[0]"*"left out of the CDI spec"* ]]
    [[ "$output" == *"\"name\": \"injtest\""* ]]
}

@test "cdi: into an image with an ld cache, the createContainer hook merges the library into it" {
    mkdir -p /var/run/cdi
    "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR" >"$SPEC"
    snapshot_mounts
    run_cdi_podman "$CACHED_IMAGE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"libinjtest.so.1.2.3"* ]]
    [[ "$output" == *"ldconfig did not run"* ]]
    mounts_unchanged
}

@test "cdi: a spec written before --library (folders and links only) still works: ldconfig runs" {
    mkdir -p /var/run/cdi
    "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR" >"$OIH_T/spec.json"
    python3 - "$OIH_T/spec.json" "$SPEC" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for d in s["devices"]:
    for h in d["containerEdits"].get("hooks", []):
        a = h["args"]
        while "--library" in a:
            i = a.index("--library")
            del a[i:i + 2]
json.dump(s, open(sys.argv[2], "w"))
PY
    ! grep -q -- --library "$SPEC"
    for image in "$CACHED_IMAGE" "$IMAGE"; do
        run_cdi_podman "$image"
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"injtest library loaded"* ]]
    done
    run_cdi_podman "$CACHED_IMAGE"
    [[ "$output" == *"ldconfig ran"* ]]
}

@test "cdi: names that break CDI's rules are refused, each with a line, and the rest is exported" {
    mkdir -p "$OIH_T/names"
    chmod 755 "$OIH_T/names"
    for n in _under foo- café good.name-1 a; do
        printf '{"activation_flag": "X", "devices": ["fuse"]}\n' >"$OIH_T/names/$n.json"
        chmod 644 "$OIH_T/names/$n.json"
    done
    run --separate-stderr "$OIH_HOOK" cdi --config-dir "$OIH_T/names" --vendor "$VENDOR"
    echo "$output"
    echo "stderr: $stderr"
    [ "$status" -eq 1 ]
    for n in _under foo- café; do
        [[ "$stderr" == *"$n.json: \"$n\" is not a CDI device name"*"left out of the CDI spec"* ]]
    done
    [ "$(printf '%s\n' "$stderr" | grep -c 'is not a CDI device name')" -eq 3 ]
    printf '%s\n' "$output" >"$OIH_T/names.json"
    python3 - "$OIH_T/names.json" <<'PY'
import json, sys
names = sorted(d["name"] for d in json.load(open(sys.argv[1]))["devices"])
assert names == ["a", "good.name-1"], names
PY
    # podman reads the spec, and each device in it.
    cp "$OIH_T/names.json" "$SPEC"
    run timeout 180 podman run --rm --network none --runtime runc --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 --device "$VENDOR/config=good.name-1" "$IMAGE" /bin/devopen /dev/fuse
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/fuse: ok"* ]]

    for v in 1bad "exa mple" -lead trail- ""; do
        run --separate-stderr "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$v"
        echo "$v: $status $stderr"
        [ "$status" -eq 1 ]
        [ -z "$output" ]
        [[ "$stderr" == *"--vendor \"$v\" is not a CDI vendor name"* ]]
    done
}
