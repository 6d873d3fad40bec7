#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The hook under rootless podman (runc), as an unprivileged user with subordinate ids would run it:
# podman's user namespace maps the user to uid 0 and its subordinate ids above; the container shares
# that namespace (its spec lists none) and so does the hook that runc starts. There the hook has the
# user's privileges only: it binds device nodes from the host (mknod is refused), creates files as the
# container's root, sets no cgroup permission, and sees host root's files owned by 65534.
# The test makes the user (removed after, also on failure), its /run/user/UID, a registration in a
# hooks folder of the test, and copies of the hook and the injected files that the user can read.
# Hybrid cgroups only: rootless crun fails on them, and a pure cgroup v2 view needs root's mount
# namespace, which a rootless podman cannot enter (docs/TESTING.md).

load helpers

RL_SUBIDS=400000-465535

setup_file() {
    require_program podman
    require_program newuidmap uidmap
    setup_test_root

    # Exported at once: teardown_file removes what exists of it even when this set-up fails half-way.
    export RL_USER=oihrl$$
    useradd -M -d "$OIH_T/home" -s /bin/sh "$RL_USER"
    export RL_UID RL_GID
    RL_UID=$(id -u "$RL_USER")
    RL_GID=$(id -g "$RL_USER")
    usermod --add-subuids "$RL_SUBIDS" --add-subgids "$RL_SUBIDS" "$RL_USER"
    mkdir -p "$OIH_T/home" "/run/user/$RL_UID" "$OIH_T/logs"
    touch "$OIH_T/logs/hook.log"
    chown "$RL_USER:" "$OIH_T/home" "/run/user/$RL_UID" "$OIH_T/logs" "$OIH_T/logs/hook.log"
    chmod 700 "/run/user/$RL_UID"

    # The hook where the user can reach it (a build tree may be below a folder it cannot traverse),
    # started by a wrapper that keeps its stderr: podman shows a hook's lines only when it fails.
    mkdir -p "$OIH_T/bin"
    cp "$OIH_HOOK" "$OIH_T/bin/oci-injector-hook"
    chmod 755 "$OIH_T/bin/oci-injector-hook"
    make_logged_hook "$OIH_T/bin/hook-logged" "$OIH_T/bin/oci-injector-hook" "$OIH_T/logs/hook.log"

    # Device nodes of fuse made by the test: one anyone can open, one only host root can.
    mkdir -p "$OIH_T/hostdev"
    mknod -m 0666 "$OIH_T/hostdev/fuse-open" c 10 229
    mknod -m 0600 "$OIH_T/hostdev/fuse-closed" c 10 229

    write_injtest_config
    write_config rl-devices.json "{ \"activation_flag\": \"OCI_RL_DEVICES\", \"devices\": [
      {\"path\": \"$OIH_T/hostdev/fuse-open\", \"container_path\": \"/dev/fuse\"},
      {\"path\": \"$OIH_T/hostdev/fuse-closed\", \"container_path\": \"/dev/fuse-closed\"} ] }"

    # Config folders for the ownership rule (README, "Configs are trusted only when root's"): host
    # root's, mode 0755 (as /etc/oci-injector-hook is); host root's, group-writable; one of a
    # subordinate id of the user.
    local d
    for d in root-0755 root-0775 subuid-0755; do
        mkdir -p "$OIH_T/$d"
        printf '{ "activation_flag": "OCI_RL_FOLDERS", "miscellaneous": [{"path": "%s", "container_path": "/etc/%s.conf"}] }\n' \
            "$INJ/etc/injtest.conf" "$d" >"$OIH_T/$d/$d.json"
        chmod 644 "$OIH_T/$d/$d.json"
    done
    chmod 755 "$OIH_T/root-0755" "$OIH_T/subuid-0755"
    chmod 775 "$OIH_T/root-0775"
    chown -R 400001:400001 "$OIH_T/subuid-0755"

    registration hooks.d "\"--config-dir\", \"$OIH_T/conf\""
    registration hooks-folders.d "\"--config-dir\", \"$OIH_T/root-0755\", \"--config-dir\", \"$OIH_T/root-0775\", \"--config-dir\", \"$OIH_T/subuid-0755\""

    # The image, imported by the user into its own storage.
    make_rootfs "$OIH_T/image" glibc
    cp "$OIH_HELPERS/devopen" "$OIH_T/image/bin/devopen"
    tar -C "$OIH_T/image" -cf "$OIH_T/image.tar" .
    chmod 644 "$OIH_T/image.tar"
    as_user podman --storage-driver vfs import "$OIH_T/image.tar" localhost/oih-rootless >/dev/null
}

teardown_file() {
    [ -n "${RL_USER:-}" ] || return 0
    # Podman leaves a pause process holding its user namespace; end the user's processes by pid.
    local pid
    if [ -n "${RL_UID:-}" ]; then
        for pid in $(pgrep -u "$RL_UID" 2>/dev/null); do
            kill "$pid" 2>/dev/null || true
        done
        sleep 0.2
        for pid in $(pgrep -u "$RL_UID" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null || true
        done
        rm -rf "/run/user/$RL_UID"
    fi
    userdel "$RL_USER" 2>/dev/null || true
    # userdel leaves the subordinate ids of a user whose entries it did not add itself on some versions.
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    remove_test_root
}

# registration FOLDER ARGS: a hooks.d folder in $OIH_T whose registration runs the logged hook with ARGS.
registration() {
    mkdir -p "$OIH_T/$1"
    cat >"$OIH_T/$1/oci-injector-hook.json" <<JSON
{
  "version": "1.0.0",
  "hook": { "path": "$OIH_T/bin/hook-logged", "args": ["oci-injector-hook", $2, "--log-level", "info"],
            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] },
  "when": { "always": true },
  "stages": ["prestart"]
}
JSON
}

# as_user COMMAND...: as the test user, with an environment of its own (no variable of the test's).
as_user() {
    runuser -u "$RL_USER" -- env -i HOME="$OIH_T/home" XDG_RUNTIME_DIR="/run/user/$RL_UID" \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c 'cd / && exec "$@"' as_user "$@"
}

# run_rootless HOOKS_FOLDER ARGS...: rootless podman run with runc, the injected tool on PATH.
run_rootless() {
    local hooks=$1
    shift
    : >"$OIH_T/logs/hook.log"
    run timeout 180 runuser -u "$RL_USER" -- env -i HOME="$OIH_T/home" XDG_RUNTIME_DIR="/run/user/$RL_UID" \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        podman --storage-driver vfs --cgroup-manager cgroupfs --hooks-dir "$OIH_T/$hooks" \
        run --rm --runtime runc --network none -e "PATH=$INJ/bin:/bin" -e "INJ=$INJ" "$@"
    HOOK_LOG=$(cat "$OIH_T/logs/hook.log")
    echo "$output"
    echo "hook: $HOOK_LOG"
}

SEE='echo "bin: $(injtest 2>&1 || echo FAILED)";
     [ -d "$INJ/etc" ] && echo "dir: yes" || echo "dir: no";
     echo "file: $(cat "$INJ/etc/injtest.conf" 2>&1)";
     echo "file owner: $(stat -c %u:%g "$INJ/etc/injtest.conf")";
     (echo x >"$INJ/bin/injtest") 2>/dev/null && echo "bin writable: yes" || echo "bin writable: no"'

@test "rootless podman: binaries, libraries, folders and files are injected, and the library loads" {
    snapshot_mounts
    run_rootless hooks.d -e OCI_INJTEST=1 localhost/oih-rootless /bin/sh -c "$SEE"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: injtest library loaded"* ]]
    [[ "$output" == *"dir: yes"* ]]
    [[ "$output" == *"file: $(cat "$INJ/etc/injtest.conf")"* ]]
    [[ "$output" == *"file owner: 0:0"* ]]
    [[ "$output" == *"bin writable: no"* ]]
    [[ "$HOOK_LOG" == *"injected "*" operations of 1 config"* ]]
    [[ "$HOOK_LOG" != *"error"* ]]
    mounts_unchanged
}

@test "rootless podman: without the variable nothing is injected" {
    run_rootless hooks.d localhost/oih-rootless /bin/sh -c "$SEE"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bin: "*"FAILED"* ]]
    [[ "$output" == *"dir: no"* ]]
}

@test "rootless podman: a device is bound from the host node; one the user cannot open is named in a warning" {
    run_rootless hooks.d -e OCI_RL_DEVICES=1 localhost/oih-rootless \
        /bin/sh -c 'devopen /dev/fuse /dev/fuse-closed; grep " /dev/fuse " /proc/self/mountinfo; echo STARTED'
    [ "$status" -eq 0 ]
    [[ "$output" == *"STARTED"* ]]
    # The node the user can open, opens: no device controller applies to a rootless container here.
    [[ "$output" == *"/dev/fuse: ok"* ]]
    [[ "$output" == *" /dev/fuse "*"nosuid"*"noexec"* ]]
    [[ "$output" == *"/dev/fuse-closed: Permission denied"* ]]
    # Host root's node shows the overflow owner in podman's user namespace; the message says so.
    [[ "$HOOK_LOG" == *"warning: "*"rl-devices.json: device \"$OIH_T/hostdev/fuse-closed\" is bound from the host with mode 0600, owner 65534:65534 (a host user this user namespace does not map, root perhaps): the container's root user (host $RL_UID:$RL_GID) cannot open it"* ]]
    [[ "$HOOK_LOG" == *"warning: "*"rl-devices.json: device \"$OIH_T/hostdev/fuse-open\" (c 10:229): no device controller applies to the container"* ]]
}

@test "rootless podman: config folders follow the ownership rule, and the messages say what is true" {
    run_rootless hooks-folders.d -e OCI_RL_FOLDERS=1 localhost/oih-rootless \
        /bin/sh -c 'for f in root-0755 root-0775 subuid-0755; do echo "$f: $(cat /etc/$f.conf 2>&1)"; done'
    [ "$status" -eq 0 ]
    # Host root's folder shows uid 65534 there, and is accepted: the hook has the user's privileges only.
    [[ "$output" == *"root-0755: injtest configuration"* ]]
    [[ "$HOOK_LOG" != *"root-0755: config folder refused"* ]]
    # Group-writable is refused everywhere, saying so (not "not owned by root": it is root's).
    [[ "$output" == *"root-0775: cat: can't open"* ]]
    [[ "$HOOK_LOG" == *"$OIH_T/root-0775: config folder refused, none of its files is read: the folder is writable by group or others (mode 0775)"* ]]
    # A subordinate id of the user is not the user: refused, with its uid inside and outside.
    [[ "$output" == *"subuid-0755: cat: can't open"* ]]
    [[ "$HOOK_LOG" == *"$OIH_T/subuid-0755: config folder refused, none of its files is read: the folder is owned by uid "*" of the user namespace the hook runs in (uid 400001 outside it), neither root nor the user running the hook"* ]]
}
