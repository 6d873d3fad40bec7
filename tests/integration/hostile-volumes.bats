#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Volumes (THREATS.md item 11): a bind mount of a host folder is the host's folder, which the container's
# user may have no right to write, while the hook always has. A volume at a folder the hook would create
# or replace something in (/etc/ld.so.conf.d, a config's binary, library or file folder, /etc for the
# ld cache, a device's folder) stops the container with one line naming the config and the volume, and
# the host folder behind the volume stays byte for byte as it was. The runtime's own /dev tmpfs still
# gets its device nodes. meson runs this file twice: as is, and with statx failing (ENOSYS), where mount
# ids come from /proc/self/fdinfo.

load helpers

setup_file() {
    setup_injtest_root
    write_config devices.json '{ "activation_flag": "OCI_DEVICES", "devices": ["fuse", "/dev/net/tun"] }'
    # The library in a folder ldconfig searches anyway: no ld.so.conf.d entry, only the ld cache.
    write_config trusted.json "{ \"activation_flag\": \"OCI_TRUSTED\",
      \"libraries\": [{\"path\": \"$INJ/lib/libinjtest.so.1.2.3\", \"container_path\": \"/usr/lib/libinjtest.so.1.2.3\"}] }"
}

setup() {
    snapshot_mounts
}

# A host folder to mount as a volume, with root's files in it (mode 0600 and 0644, as a pod author's
# volume may hold); $VOL.
make_volume() {
    VOL=$OIH_T/vol-$BATS_TEST_NUMBER-$1
    mkdir -p "$VOL"
    echo "host root's own file" >"$VOL/private"
    chmod 600 "$VOL/private"
    for f in "${@:2}"; do
        echo "host root's $f" >"$VOL/$f"
        chmod 644 "$VOL/$f"
    done
    VOL_BEFORE=$(volume_digest "$VOL")
}

volume_digest() {
    (cd "$1" && find . -printf '%p %y %m %U:%G %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# The container did not start, the line names the config and the volume, and nothing changed on the host.
check_refused() {
    local config=$1 volume=$2
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    # runc shows the hook's stderr with its quotes escaped.
    [[ "$output" == *"$OIH_T/conf/$config"*"the volume mounted at "*"$volume"*"mount the volume elsewhere"* ]]
    [ "$(volume_digest "$VOL")" = "$VOL_BEFORE" ]
    mounts_unchanged
}

@test "volumes: a volume at /etc/ld.so.conf.d gets no 000-oci-injector-hook.conf" {
    make_volume ldconf x86_64-linux-gnu.conf
    new_bundle ldconf glibc-cache --cmd 'echo STARTED' --env OCI_INJTEST=1 --hook "$(hook_arg)" \
        --volume "$VOL:/etc/ld.so.conf.d"
    run_runc "oih-v$BATS_TEST_NUMBER"
    check_refused injtest.json /etc/ld.so.conf.d
    [ ! -e "$VOL/000-oci-injector-hook.conf" ]
}

@test "volumes: a volume at the folder of a config's binary, library or file is not written to" {
    for d in bin lib etc; do
        case $d in
        bin) make_volume "$d" injtest ;;
        lib) make_volume "$d" libinjtest.so.1 ;;
        etc) make_volume "$d" injtest.conf ;;
        esac
        new_bundle "vol-$d" glibc-cache --cmd 'echo STARTED' --env OCI_INJTEST=1 --hook "$(hook_arg)" \
            --volume "$VOL:$INJ/$d"
        run_runc "oih-v$BATS_TEST_NUMBER"
        check_refused injtest.json "$INJ/$d"
        [ ! -e "$VOL/libinjtest.so.1.2.3" ]
    done
}

@test "volumes: a volume at /etc gets no ld cache, merged or written by ldconfig" {
    for kind in glibc-cache glibc; do
        make_volume "etc-$kind" passwd
        new_bundle "etc-$kind" "$kind" --cmd 'echo STARTED' --env OCI_TRUSTED=1 --hook "$(hook_arg)" \
            --volume "$VOL:/etc"
        # With a cache in the volume, the hook would merge into it; without one, ldconfig would write one.
        if [ "$kind" = glibc-cache ]; then
            cp "$BUNDLE/rootfs/etc/ld.so.cache" "$VOL/ld.so.cache"
            VOL_BEFORE=$(volume_digest "$VOL")
        fi
        run_runc "oih-v$BATS_TEST_NUMBER"
        check_refused trusted.json /etc
        [ ! -e "$VOL/ld.so.conf" ]
    done
}

@test "volumes: a volume at a device's folder gets no device node" {
    make_volume devnet tun
    new_bundle devnet static --cmd 'echo STARTED' --env OCI_DEVICES=1 --hook "$(hook_arg)" \
        --volume "$VOL:/dev/net"
    run_runc "oih-v$BATS_TEST_NUMBER"
    check_refused devices.json /dev/net
}

@test "volumes: the runtime's own /dev tmpfs gets the device nodes, with a volume elsewhere" {
    make_volume data
    new_bundle devtmpfs static --cmd 'ls -l /dev/fuse /dev/net/tun; echo STARTED' --env OCI_DEVICES=1 \
        --hook "$(hook_arg)" --volume "$VOL:/data"
    run_runc "oih-v$BATS_TEST_NUMBER"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"crw-------"*"10, 229"*"/dev/fuse"* ]]
    [[ "$output" == *"crw-"*"10, 200"*"/dev/net/tun"* ]]
    [[ "$output" == *STARTED* ]]
    [ "$(volume_digest "$VOL")" = "$VOL_BEFORE" ]
    mounts_unchanged
}
