#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under runc, registered in config.json, on real bundles: what a container sees with and
# without the activation, read-only roots, two stages, annotations, failures and what they leave.

load helpers

# What the containers of these tests print about the injection.
SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     [ -d "$INJ/etc" ] && echo "dir: yes" || echo "dir: no";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no";
     echo "mounts: $(grep -c " $INJ/" /proc/self/mountinfo)"'

setup_file() {
    setup_injtest_root
}

# The container's PATH finds the injected binary where the host has it.
container_env() {
    echo "--env=PATH=$INJ/bin:/bin:/sbin --env=INJ=$INJ"
}

@test "runc: an activated container runs the injected binary through the refreshed ld cache" {
    snapshot_mounts
    new_bundle on glibc --cmd "$SEE" $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    run_runc oih-on
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"dir: yes"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    # The binary and the real library file are bound; the soname link is a symlink, not a mount.
    [[ "$output" == *"mounts: 2"* ]]
    mounts_unchanged
    # The cache and its configuration are the root's own now.
    grep -qx "$INJ/lib" "$BUNDLE/rootfs/etc/ld.so.conf.d/000-oci-injector-hook.conf"
    [ -f "$BUNDLE/rootfs/etc/ld.so.cache" ]
    [ "$(readlink "$BUNDLE/rootfs$INJ/lib/libinjtest.so.1")" = libinjtest.so.1.2.3 ]
}

@test "runc: an image's own ld.so.cache gets the injected library added, and ldconfig does not run" {
    new_bundle cached glibc-cache --cmd "$SEE" $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    # ldconfig writes its aux-cache when this folder exists: it tells whether ldconfig ran.
    mkdir -p "$BUNDLE/rootfs/var/cache/ldconfig"
    run_runc oih-cached
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [ ! -e "$BUNDLE/rootfs/var/cache/ldconfig/aux-cache" ]
    run ldconfig -p -C "$BUNDLE/rootfs/etc/ld.so.cache"
    echo "$output"
    [[ "$output" == *"libinjtest.so.1 (libc6,x86-64) => $INJ/lib/libinjtest.so.1"* ]]
    [[ "$output" == *"libc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"* ]]
    grep -qx "$INJ/lib" "$BUNDLE/rootfs/etc/ld.so.conf.d/000-oci-injector-hook.conf"

    # runc keeps the root: the next start finds the library listed and leaves the cache as it is.
    local sum
    sum=$(sha256sum <"$BUNDLE/rootfs/etc/ld.so.cache")
    run_runc oih-cached
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [ "$(sha256sum <"$BUNDLE/rootfs/etc/ld.so.cache")" = "$sum" ]
}

@test "runc: an image without an ld.so.cache gets one from ldconfig, confined" {
    new_bundle nocache glibc --cmd "$SEE" $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    mkdir -p "$BUNDLE/rootfs/var/cache/ldconfig"
    run_runc oih-nocache
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [ -e "$BUNDLE/rootfs/var/cache/ldconfig/aux-cache" ]
}

@test "runc: a library named by its file, not its soname, gets the soname link ldconfig would make" {
    write_config 55-realname.json "{\"activation_flag\": \"OCI_REALNAME\", \"binaries\": [\"$INJ/bin/injtest\"], \"libraries\": [\"$INJ/lib/libinjtest.so.1.2.3\"]}"
    for kind in glibc-cache glibc; do
        new_bundle "realname-$kind" "$kind" --cmd "$SEE" $(container_env) --env OCI_REALNAME=1 --hook "$(hook_arg)"
        run_runc "oih-realname-$kind"
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == *"bin: injtest library loaded"* ]]
        [ "$(readlink "$BUNDLE/rootfs$INJ/lib/libinjtest.so.1")" = libinjtest.so.1.2.3 ]
    done
    rm -f "$OIH_T/conf/55-realname.json"
}

@test "runc: without the variable nothing is injected" {
    snapshot_mounts
    new_bundle off glibc --cmd "$SEE" $(container_env) --env OTHER=1 --hook "$(hook_arg)"
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    run_runc oih-off
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: "*"FAILED"* ]]
    [[ "$output" == *"dir: no"* ]]
    [[ "$output" == *"mounts: 0"* ]]
    mounts_unchanged
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
}

@test "runc: VAR=value activates on that exact value only" {
    write_config exact.json "{\"activation_flag\": \"OCI_EXACT=yes\", \"miscellaneous\": [{\"path\": \"$INJ/etc/injtest.conf\", \"container_path\": \"/etc/exact.conf\"}]}"
    new_bundle exact-no glibc --cmd 'cat /etc/exact.conf 2>&1 || echo ABSENT' --env OCI_EXACT=yess --hook "$(hook_arg)"
    run_runc oih-exact-no
    [ "$status" -eq 0 ]
    [[ "$output" == *ABSENT* ]]
    new_bundle exact-yes glibc --cmd 'cat /etc/exact.conf' --env OCI_EXACT=yes --hook "$(hook_arg)"
    run_runc oih-exact-yes
    rm -f "$OIH_T/conf/exact.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest configuration"* ]]
}

@test "runc: an annotation activates, and a Kubernetes sandbox never does" {
    write_config annotated.json "{\"activation_annotation\": \"example.com/injtest=true\", \"miscellaneous\": [{\"path\": \"$INJ/etc/injtest.conf\", \"container_path\": \"/etc/annotated.conf\"}]}"
    new_bundle ann glibc --cmd 'cat /etc/annotated.conf' --annotation example.com/injtest=true --hook "$(hook_arg)"
    run_runc oih-ann
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest configuration"* ]]
    new_bundle sandbox glibc --cmd 'cat /etc/annotated.conf 2>&1 || echo ABSENT' --annotation example.com/injtest=true \
        --annotation io.kubernetes.cri.container-type=sandbox --hook "$(hook_arg)"
    run_runc oih-sandbox
    rm -f "$OIH_T/conf/annotated.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *ABSENT* ]]
}

@test "runc: a read-only root still gets its injection" {
    new_bundle ro glibc --readonly --cmd "$SEE; touch /x 2>/dev/null && echo root-writable || echo root-readonly" \
        $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    run_runc oih-ro
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"root-readonly"* ]]
}

@test "runc: registered for prestart and createRuntime, one mount per destination" {
    new_bundle twice glibc --cmd "$SEE; cat /proc/self/mountinfo" $(container_env) --env OCI_INJTEST=1 \
        --hook "$(hook_arg prestart)" --hook "$(hook_arg createRuntime)"
    run_runc oih-twice
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"mounts: 2"* ]]
    [ "$(grep -c '^ *\.oih-' <(ls -a "$BUNDLE/rootfs$INJ/etc"))" -eq 0 ]
}

@test "runc: a mounts entry binds a host folder with a socket, read-only, and nothing else" {
    mkdir -p "$OIH_T/host/x11"
    python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$OIH_T/host/x11/X0"
    write_config mounts.json "{ \"activation_flag\": \"OCI_X11\",
      \"mounts\": [{\"source\": \"$OIH_T/host/x11\", \"destination\": \"/tmp/.X11-unix\", \"options\": [\"ro\"]}] }"
    snapshot_mounts
    new_bundle mounts glibc --env OCI_X11=1 --hook "$(hook_arg)" \
        --cmd 'ls -l /tmp/.X11-unix; touch /tmp/.X11-unix/new 2>/dev/null && echo writable || echo read-only; grep " /tmp/.X11-unix " /proc/self/mountinfo'
    run_runc oih-mounts
    rm -f "$OIH_T/conf/mounts.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"srwx"*"X0"* ]]
    [[ "$output" == *"read-only"* ]]
    [[ "$output" == *" /tmp/.X11-unix ro,nosuid,nodev"* ]]
    [ ! -e "$OIH_T/host/x11/new" ]
    mounts_unchanged
}

@test "runc: inject copy puts copies, not binds, and the ld cache still finds the library" {
    write_config copy.json "{ \"activation_flag\": \"OCI_COPY\", \"inject\": \"copy\",
      \"binaries\": [\"$INJ/bin/injtest\"], \"libraries\": [\"$INJ/lib/libinjtest.so.1\"] }"
    new_bundle copy glibc --cmd "$SEE" $(container_env) --env OCI_COPY=1 --hook "$(hook_arg)"
    run_runc oih-copy
    rm -f "$OIH_T/conf/copy.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"mounts: 0"* ]]
    # A copy is the container's own file (SEE writes to it), and the host's stays as it was.
    [[ "$output" == *"bin writable: yes"* ]]
    cmp "$OIH_HELPERS/injtest" "$INJ/bin/injtest"
    # Copies stay in the root, as for an image that will be committed.
    cmp "$INJ/lib/libinjtest.so.1.2.3" "$BUNDLE/rootfs$INJ/lib/libinjtest.so.1.2.3"
}

@test "runc: a root without glibc gets the files and no ld cache step" {
    new_bundle static static --cmd 'ls '"$INJ"'/lib; cat '"$INJ"'/etc/injtest.conf' --env OCI_INJTEST=1 \
        --hook "$(hook_arg prestart info)"
    run_runc oih-static
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"libinjtest.so.1.2.3"* ]]
    [[ "$output" == *"injtest configuration"* ]]
    [ ! -e "$BUNDLE/rootfs/etc/ld.so.cache" ]
    [ ! -e "$BUNDLE/rootfs/etc/ld.so.conf.d" ]
}

@test "runc: a user namespace gets files owned by the container's root" {
    new_bundle userns glibc --userns --cmd "$SEE; stat -c '%u:%g' $INJ/etc/injtest.conf" \
        $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    chown -R 100000:100000 "$BUNDLE/rootfs"
    run_runc oih-userns
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"0:0"* ]]
    [ "$(stat -c %u:%g "$BUNDLE/rootfs$INJ/etc/injtest.conf")" = "100000:100000" ]
}

@test "runc: a broken config that the container did not ask for does not stop it" {
    write_config 50-broken.json '{ "activation_flag": "OCI_BROKEN", "devices": [ 12 '
    write_config 51-invalid.json '{ "activation_flag": "OCI_INVALID", "devices": ["relative/path"] }'
    new_bundle broken glibc --cmd "$SEE" $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg prestart warning)"
    run_runc oih-broken
    rm -f "$OIH_T/conf/50-broken.json" "$OIH_T/conf/51-invalid.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
}

@test "runc: an invalid config that the container asked for stops it with one clear line" {
    write_config 51-invalid.json '{ "activation_flag": "OCI_INVALID", "devices": ["relative/path"] }'
    new_bundle invalid glibc --cmd 'echo STARTED' --env OCI_INVALID=1 --hook "$(hook_arg)"
    run_runc oih-invalid
    rm -f "$OIH_T/conf/51-invalid.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"$OIH_T/conf/51-invalid.json"*"devices[0]"*"relative/path"* ]]
}

@test "runc: a missing host path stops the container and names the config and the path" {
    write_config 52-missing.json "{\"activation_flag\": \"OCI_MISSING\", \"binaries\": [\"$OIH_T/no/such/tool\"]}"
    new_bundle missing glibc --cmd 'echo STARTED' --env OCI_MISSING=1 --hook "$(hook_arg)"
    run_runc oih-missing
    rm -f "$OIH_T/conf/52-missing.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    # runc quotes the hook's line with escaped quotes: match around them.
    [[ "$output" == *"52-missing.json: binaries[0] "*"$OIH_T/no/such/tool"*": not on this host"* ]]
}

@test "runc: a failure half-way leaves the root as it was" {
    # The binary and library are bound first; the file's folder is a regular file in this image,
    # so the copy fails after them: everything done before must be undone.
    write_config 53-half.json "{\"activation_flag\": \"OCI_HALF\",
      \"binaries\": [\"$INJ/bin/injtest\"], \"libraries\": [\"$INJ/lib/libinjtest.so.1\"],
      \"miscellaneous\": [{\"path\": \"$INJ/etc/injtest.conf\", \"container_path\": \"/etc/blocker/injtest.conf\"}]}"
    new_bundle half glibc --cmd 'echo STARTED' --env OCI_HALF=1 --hook "$(hook_arg)"
    echo "not a folder" >"$BUNDLE/rootfs/etc/blocker"
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    snapshot_mounts
    run_runc oih-half
    rm -f "$OIH_T/conf/53-half.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"53-half.json: cannot copy"*"/etc/blocker/injtest.conf"*"not a folder"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
    mounts_unchanged
}

@test "runc: 300 programs under a hard open-file limit of 128: one line says what limit the hook needs, nothing is left" {
    many_programs
    new_bundle few glibc --cmd 'echo STARTED' --env OCI_MANY=1 --hook "$(hook_arg)"
    local listing
    listing=$(tree_listing "$BUNDLE/rootfs")
    snapshot_mounts
    NOFILE=128:128 run_runc oih-few
    rm -f "$OIH_T/conf/54-many.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"54-many.json: the injection holds 300 host files open at once"*"at most 128"*"to 364 or more"* ]]
    [ "$(tree_listing "$BUNDLE/rootfs")" = "$listing" ]
    mounts_unchanged
}

@test "runc: registered as createContainer, the hook refuses and says which stages to use" {
    new_bundle cc glibc --cmd 'echo STARTED' --env OCI_INJTEST=1 --hook "$(hook_arg createContainer)"
    run_runc oih-cc
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"register it as prestart or createRuntime"* ]]
}

@test "runc: rootfsPropagation rshared still leaks no mount to the host" {
    # runc makes the root shared only after pivot_root, when the hook's binds exist already in their
    # own private state; the guard against shared places is tested in guards.bats.
    snapshot_mounts
    new_bundle shared glibc --propagation rshared --cmd "$SEE" $(container_env) --env OCI_INJTEST=1 --hook "$(hook_arg)"
    run_runc oih-shared
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    mounts_unchanged
}

@test "runc: no log line carries an environment value" {
    new_bundle secret glibc --cmd "$SEE" $(container_env) --env OCI_INJTEST=topsecret-4711 \
        --env PASSWORD=hunter2-4711 --hook "$(hook_arg prestart debug)"
    # A failing sibling config makes the hook print its debug lines (runc shows them on failure).
    write_config 54-fail.json "{\"activation_flag\": \"OCI_INJTEST\", \"binaries\": [\"$OIH_T/missing\"]}"
    run_runc oih-secret
    rm -f "$OIH_T/conf/54-fail.json"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"activated by variable "*"OCI_INJTEST"* ]]
    [[ "$output" != *4711* ]]
}
