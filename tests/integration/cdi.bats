#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CDI export: `oci-injector-hook cdi` writes a spec (cdiVersion 0.5.0: podman 4.3.1 of Debian 12 reads
# nothing newer) into a folder podman reads (/var/run/cdi, the file
# removed afterwards), and `podman run --device VENDOR/config=NAME`, with no hooks.d at all, gets the
# device node, the binary, the library (its symlink and the ld cache made by the createContainer hook
# the spec carries) and the file.

load helpers
bats_require_minimum_version 1.5.0

VENDOR=oih-test.example.com

setup_file() {
    require_root
    command -v podman >/dev/null || skip "podman is not installed"
    make_test_root
    make_host_files
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
    SPEC=/var/run/cdi/oih-test-$(basename "$OIH_T").json
    export SPEC
}

teardown_file() {
    rm -f "${SPEC:-/nonexistent}"
    remove_podman_image
    remove_test_root
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
assert h["env"] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], h
print("ok")
PY
    [[ "$stderr" == *"CDI cannot load kernel modules: \"fuse\" is left out"* ]]
}

@test "cdi: podman run --device injects without any hooks.d" {
    mkdir -p /var/run/cdi
    "$OIH_HOOK" cdi --config-dir "$OIH_T/conf" --vendor "$VENDOR" >"$SPEC"
    local before
    before=$(host_mounts)
    run timeout 180 podman run --rm --network none --runtime runc --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 --device "$VENDOR/config=injtest" -e "PATH=$INJ/bin:/bin" "$IMAGE" \
        /bin/sh -c "injtest; devopen /dev/fuse; cat $INJ/etc/injtest.conf; readlink $INJ/lib/libinjtest.so.1"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *"injtest configuration"* ]]
    [[ "$output" == *"libinjtest.so.1.2.3"* ]]
    [ "$(host_mounts)" = "$before" ]
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
