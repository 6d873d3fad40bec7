#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# From `meson install` to an injection: the build is installed into a temporary destdir, and podman
# runs with --hooks-dir pointing at the installed hooks.d registration (its paths rewritten to the
# destdir, and the test's config folder added, since the tests write nothing to the host's /etc).

load helpers

setup_file() {
    require_program podman
    setup_injtest_root
    make_podman_image
    DEST=$OIH_T/dest
    meson install -C "$OIH_BUILD" --destdir "$DEST" --no-rebuild --quiet
    export DEST
}

@test "install: the binary, the module loader, the config folder and the registration are in place" {
    [ -x "$DEST/usr/bin/oci-injector-hook" ]
    [ -x "$DEST/usr/libexec/oci-injector-hook/oih-kmod" ]
    [ -d "$DEST/etc/oci-injector-hook" ]
    [ -f "$DEST/usr/share/containers/oci/hooks.d/oci-injector-hook.json" ]
}

@test "install: the registration is hooks.d format 1.0.0, prestart, always, with an explicit env and the installed path" {
    run python3 - "$DEST/usr/share/containers/oci/hooks.d/oci-injector-hook.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["version"] == "1.0.0", r
assert r["hook"]["path"] == "/usr/bin/oci-injector-hook", r
assert r["hook"]["env"] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], r
assert r["when"] == {"always": True}, r
assert r["stages"] == ["prestart"], r
print("ok")
PY
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "install: validate runs from where it was installed" {
    run "$DEST/usr/bin/oci-injector-hook" validate --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1 config file checked, 0 problems"* ]]
}

@test "install: podman with the installed registration injects for real" {
    mkdir -p "$OIH_T/hooks.d"
    python3 - "$DEST/usr/share/containers/oci/hooks.d/oci-injector-hook.json" "$OIH_T/hooks.d/oci-injector-hook.json" \
        "$DEST" "$OIH_T/conf" <<'PY'
import json, sys
src, dst, dest, conf = sys.argv[1:]
r = json.load(open(src))
r["hook"]["path"] = dest + r["hook"]["path"]
r["hook"]["args"] += ["--config-dir", conf]
json.dump(r, open(dst, "w"))
PY
    run_podman_with "$OIH_T/hooks.d" -e OCI_INJTEST=1 "$IMAGE" /bin/sh -c 'injtest; cat "$INJ/etc/injtest.conf"'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"injtest configuration"* ]]
}
