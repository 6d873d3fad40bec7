#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Coming from the original Go hook: its configs keep working under runc. go-hook/ holds files of the
# shape of the Go repository's three samples (the same keys and structure, host paths changed to files
# every Debian 12 test host has): oci-onload-inventory.json (the oci-decorator layout, its lists under
# "inventory", which the Go hook's viper ignored as it ignored every key it did not know),
# oci-onload.json (Solarflare's flat file: bare device names, a library among the binaries, a static
# archive among the libraries, nested folders) and oci-test.json (a folder the host does not have).
# Then the variants viper read: keys in another case, one string for a list, an unknown key, and the
# config folder chosen by OCI_INJECTOR_CONFIG_DIR in the registration's env.

load helpers
bats_require_minimum_version 1.5.0

GO=$BATS_TEST_DIRNAME/go-hook

setup_file() {
    require_root
    make_test_root
    mkdir -p "$OIH_T/conf"
    chmod 755 "$OIH_T/conf"
    make_logged_hook "$OIH_T/hook-logged" "$OIH_HOOK" "$OIH_T/hook.log"
}

# use_sample FILE: the config folder holds that one file of go-hook/, as an administrator copies it.
use_sample() {
    rm -f "$OIH_T/conf"/*.json
    install -m 0644 "$GO/$1" "$OIH_T/conf/$1"
}

# What a container of these tests reports about the Solarflare-shaped sample.
SEE_ONLOAD='for d in fuse loop0 loop-control; do [ -e /dev/$d ] && echo "dev $d: yes" || echo "dev $d: no"; done
    /usr/bin/env true && echo "env: runs"
    echo "seq: $(/usr/bin/seq 42 42)"
    /usr/sbin/ldconfig -p | grep -E "libyajl.so.2 |libcap.so.2 |libz.so.1 " | sed "s/^[[:space:]]*/cache: /"
    [ -d /usr/libexec/onload/profiles ] && [ -d /usr/libexec/onload/apps ] && echo "dirs: yes"
    stat -c "dir mode: %a %u" /usr/libexec/onload
    echo "misc: $(cat /etc/debian_version)"
    [ -e /usr/lib/x86_64-linux-gnu/libc_nonshared.a ] && echo "archive: yes"'

@test "migration: validate accepts the Go hook's flat samples and lists the unknown keys of the inventory layout" {
    use_sample oci-onload.json
    run "$OIH_HOOK" validate --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 0 ]
    use_sample oci-test.json
    run "$OIH_HOOK" validate --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 0 ]
    use_sample oci-onload-inventory.json
    run --separate-stderr "$OIH_HOOK" validate --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$(printf '%s\n' "$output" | grep -c 'unknown key')" -eq 4 ]
    for k in version log_level driver_feature inventory; do
        [[ "$output" == *"oci-onload-inventory.json: unknown key \"$k\" (known: "* ]]
    done
}

@test "migration: the Solarflare-shaped sample injects devices, programs, libraries, nested folders and files under runc" {
    use_sample oci-onload.json
    for kind in glibc-cache glibc; do
        snapshot_mounts
        new_bundle "onload-$kind" "$kind" --cmd "$SEE_ONLOAD" --env OCI_SOLARFLARE=1 --hook "$(hook_arg)"
        run_runc "oih-onload-$kind"
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"dev fuse: yes"*"dev loop0: yes"*"dev loop-control: yes"* ]]
        [[ "$output" == *"env: runs"* ]]
        [[ "$output" == *"seq: 42"* ]]
        [[ "$output" == *"cache: libz.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libz.so.1"* ]]
        [[ "$output" == *"cache: libyajl.so.2 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libyajl.so.2"* ]]
        [[ "$output" == *"cache: libcap.so.2 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcap.so.2"* ]]
        [[ "$output" == *"dirs: yes"* ]]
        [[ "$output" == *"dir mode: 755 0"* ]]
        [[ "$output" == *"misc: $(cat /etc/debian_version)"* ]]
        [[ "$output" == *"archive: yes"* ]]
        mounts_unchanged
    done
}

@test "migration: oci-test.json's folder is made in the container though the host has none" {
    [ ! -e /opt/oci-test-files ]
    use_sample oci-test.json
    new_bundle test glibc-cache --cmd 'stat -c "%F %a %u:%g" /opt/oci-test-files/test-dir; /usr/bin/seq 2 2' \
        --env OCI_TEST=1 --env PATH=/usr/bin:/bin --hook "$(hook_arg)"
    run_runc oih-go-test
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"directory 755 0:0"* ]]
    [[ "$output" == *"2"* ]]
    [ ! -e /opt/oci-test-files ]
}

@test "migration: the inventory layout serves with one warning line, as the Go hook ignored its keys" {
    use_sample oci-onload-inventory.json
    rm -f "$OIH_T/hook.log"
    new_bundle inventory glibc --cmd 'echo started; [ -e /dev/loop0 ] && echo "loop0: yes" || echo "loop0: no"' \
        --env OCI_SOLARFLARE=1 --hook "prestart=$OIH_T/hook-logged,--config-dir,$OIH_T/conf"
    run_runc oih-inventory
    echo "$output"
    cat "$OIH_T/hook.log"
    [ "$status" -eq 0 ]
    [[ "$output" == *"started"* ]]
    # Its lists are inside "inventory", which nothing reads: nothing is injected.
    [[ "$output" == *"loop0: no"* ]]
    [ "$(grep -c '' "$OIH_T/hook.log")" -eq 1 ]
    grep -q "warning: $OIH_T/conf/oci-onload-inventory.json: ignoring unknown keys \"version\", \"log_level\", \"driver_feature\", \"inventory\"; 'oci-injector-hook validate' lists what is known" \
        "$OIH_T/hook.log"
}

@test "migration: keys in another case, one string for a list and an unknown key, as viper read them" {
    rm -f "$OIH_T/conf"/*.json
    write_config variants.json '{
  "Activation_Flag": "OCI_VARIANTS",
  "DEVICES": "fuse",
  "Binaries": "/usr/bin/seq",
  "directories": "/opt/variants/made",
  "Miscellaneous": ["/etc/debian_version"],
  "comment": "for people: ignored, with a warning"
}'
    run "$OIH_HOOK" validate --config-dir "$OIH_T/conf"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"variants.json: unknown key \"comment\""* ]]
    [ "$(printf '%s\n' "$output" | grep -c 'variants.json: ')" -eq 1 ]

    rm -f "$OIH_T/hook.log"
    new_bundle variants glibc --cmd '[ -e /dev/fuse ] && echo "fuse: yes"; /usr/bin/seq 5 5; [ -d /opt/variants/made ] && echo "dir: yes"; cat /etc/debian_version' \
        --env OCI_VARIANTS=1 --env PATH=/usr/bin:/bin --hook "prestart=$OIH_T/hook-logged,--config-dir,$OIH_T/conf"
    run_runc oih-variants
    echo "$output"
    cat "$OIH_T/hook.log"
    [ "$status" -eq 0 ]
    [[ "$output" == *"fuse: yes"* ]]
    [[ "$output" == *"5"* ]]
    [[ "$output" == *"dir: yes"* ]]
    [[ "$output" == *"$(cat /etc/debian_version)"* ]]
    grep -q "ignoring unknown key \"comment\"" "$OIH_T/hook.log"
}

@test "migration: OCI_INJECTOR_CONFIG_DIR in the registration's env chooses the config folder" {
    use_sample oci-test.json
    mkdir -p "$OIH_T/empty-conf"
    # No --config-dir: the folder comes from the hook's own environment, not from /etc.
    new_bundle envdir glibc --cmd '[ -d /opt/oci-test-files/test-dir ] && echo "dir: yes" || echo "dir: no"' \
        --env OCI_TEST=1 --hook "prestart=$OIH_HOOK" --hook-env "OCI_INJECTOR_CONFIG_DIR=$OIH_T/conf"
    run_runc oih-envdir
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"dir: yes"* ]]

    # --config-dir wins over it, as the command line does.
    new_bundle envdir2 glibc --cmd '[ -d /opt/oci-test-files/test-dir ] && echo "dir: yes" || echo "dir: no"' \
        --env OCI_TEST=1 --hook "prestart=$OIH_HOOK,--config-dir,$OIH_T/empty-conf" \
        --hook-env "OCI_INJECTOR_CONFIG_DIR=$OIH_T/conf"
    run_runc oih-envdir2
    [ "$status" -eq 0 ]
    [[ "$output" == *"dir: no"* ]]

    # The container's environment is not the hook's: setting it there changes nothing.
    new_bundle envdir3 glibc --cmd '[ -d /opt/oci-test-files/test-dir ] && echo "dir: yes" || echo "dir: no"' \
        --env OCI_TEST=1 --env "OCI_INJECTOR_CONFIG_DIR=$OIH_T/conf" \
        --hook "prestart=$OIH_HOOK,--config-dir,$OIH_T/empty-conf"
    run_runc oih-envdir3
    [ "$status" -eq 0 ]
    [[ "$output" == *"dir: no"* ]]

    # A relative folder is refused, without showing the value, and the container does not start.
    new_bundle envdir4 glibc --cmd 'echo started' --env OCI_TEST=1 --hook "prestart=$OIH_HOOK" \
        --hook-env "OCI_INJECTOR_CONFIG_DIR=relative/conf-s3cr3t"
    run_runc oih-envdir4
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"OCI_INJECTOR_CONFIG_DIR in the hook's environment is not an absolute path"* ]]
    [[ "$output" != *"s3cr3t"* ]]
    [[ "$output" != *"started"* ]]
}
