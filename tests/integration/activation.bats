#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Activation by the image itself (THREATS.md item 13): process.env holds the image's own ENV, so an image
# built with `ENV OCI_INJTEST=1` activates the config with no -e at all. A host that registers the hook
# with `--activation annotations` turns that off; an annotation still activates. Under podman, with an
# image made by `podman import --change 'ENV ...'` and run without any -e.

load helpers

setup_file() {
    require_program podman
    setup_test_root
    write_config injtest.json "{
  \"activation_flag\": \"OCI_INJTEST\",
  \"activation_annotation\": \"example.com/injtest=true\",
  \"binaries\": [\"$INJ/bin/injtest\"],
  \"libraries\": [\"$INJ/lib/libinjtest.so.1\"],
  \"miscellaneous\": [\"$INJ/etc/injtest.conf\"]
}"
    make_rootfs "$OIH_T/image" glibc
    IMAGE=localhost/oih-test-env-$(basename "$OIH_T" | tr 'A-Z.' 'a-z-')
    tar -C "$OIH_T/image" -cf "$OIH_T/image.tar" .
    podman import --change 'ENV OCI_INJTEST=1' --change "ENV PATH=$INJ/bin:/bin" --change "ENV INJ=$INJ" \
        "$OIH_T/image.tar" "$IMAGE" >/dev/null
    export IMAGE
    for way in default annotations; do
        local args='"oci-injector-hook", "--config-dir", "'$OIH_T/conf'"'
        [ "$way" = default ] || args="$args, \"--activation\", \"$way\""
        mkdir -p "$OIH_T/hooks-$way.d"
        cat >"$OIH_T/hooks-$way.d/oci-injector-hook.json" <<JSON
{
  "version": "1.0.0",
  "hook": { "path": "$OIH_HOOK", "args": [$args], "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] },
  "when": {"always": true},
  "stages": ["prestart"]
}
JSON
    done
}

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)"; echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)"'

# run_podman_env WAY ARGS...: podman run with the registration of WAY, and no -e.
run_podman_env() {
    local way=$1
    shift
    run timeout 180 podman --hooks-dir "$OIH_T/hooks-$way.d" run --rm --network none --runtime runc \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@" "$IMAGE" /bin/sh -c "$SEE"
    echo "$output"
}

@test "activation: by default the image's own ENV activates the config, without any -e" {
    run_podman_env default
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"file: injtest configuration"* ]]
}

@test "activation: registered with --activation annotations, the image's ENV activates nothing" {
    run_podman_env annotations
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: "*"FAILED"* ]]
    [[ "$output" == *"file: "*"No such file"* ]]
}

@test "activation: registered with --activation annotations, an annotation still activates" {
    run_podman_env annotations --annotation example.com/injtest=true
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"file: injtest configuration"* ]]
}

@test "activation: --activation takes env, annotations or both, and only in hook mode and plan" {
    run "$OIH_HOOK" --activation nothing
    [ "$status" -eq 2 ]
    [[ "$output" == *'--activation "nothing": give env, annotations or env,annotations'* ]]
    run "$OIH_HOOK" validate --activation annotations --config-dir "$OIH_T/conf"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--activation is for hook mode and the plan command"* ]]
    # plan shows what the hook would do on this host.
    new_bundle plan glibc --cmd true --env OCI_INJTEST=1
    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE" --activation annotations
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *injtest* ]]
    run "$OIH_HOOK" plan --config-dir "$OIH_T/conf" --bundle "$BUNDLE" --activation env,annotations
    [ "$status" -eq 0 ]
    [[ "$output" == *"$INJ/bin/injtest"* ]]
}
