#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Hostile images against the ldconfig child (run for roots with glibc and no ld cache to merge into): it
# sees the root's own filesystem alone, nodev (no device node of the image opens, not even one the
# container itself gets EPERM on), no volume, no procfs; it is limited in memory and time, so FIFOs
# without a writer, include loops, `include /dev/urandom` or `/dev/zero` end the start within its 10 s
# (before: 60 s, and 525 MiB for /dev/zero); and it dies with the hook when the runtime kills the hook.
# The hook runs with --log-level debug, its stderr in a log file: the helper's peak memory is there.
# meson runs this file twice: as is, and with open_tree/move_mount/mount_setattr failing (the remount).

load helpers

setup_file() {
    setup_injtest_root
    make_canary
}

# The hook at debug level, its stderr appended to $LOG; exec'd by the shell, so the runtime's kill reaches it.
logged_hook() {
    local wrap=""
    [ -n "${OIH_WRAP:-}" ] && wrap="$OIH_HELPERS/enosys $OIH_WRAP "
    echo "/bin/sh,-c,exec $wrap$OIH_HOOK --config-dir $OIH_T/conf --log-level debug 2>>$LOG"
}

setup() {
    snapshot_mounts
    snapshot_canary
    LOG=$OIH_T/hook-$BATS_TEST_NUMBER.log
    : >"$LOG"
    # No ld.so.cache: the hook runs ldconfig.
    new_bundle "l$BATS_TEST_NUMBER" glibc --cmd 'injtest' --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 \
        --hook "prestart=$(logged_hook)"
    R=$BUNDLE/rootfs
    mkdir -p "$R$INJ/lib"
}

teardown() {
    stop_watch
    # A test that failed may have left an ldconfig blocked on a FIFO: end it by its pid.
    for pid in $(ldconfig_pids); do
        kill -9 "$pid" 2>/dev/null || true
    done
}

# The pids of ldconfig children of the hook: they run from its sealed memfd.
ldconfig_pids() {
    local p
    for p in /proc/[0-9]*; do
        case "$(readlink "$p/exe" 2>/dev/null)" in
        /memfd:ldconfig*) echo "${p#/proc/}" ;;
        esac
    done
}

# watch_opens FILE...: records every open of FILEs (inotify IN_OPEN) in $OIH_T/opens until stop_watch.
watch_opens() {
    rm -f "$OIH_T/opens" "$OIH_T/watch-ready"
    python3 - "$OIH_T/opens" "$OIH_T/watch-ready" "$@" <<'PY' &
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
names = {}
for path in sys.argv[3:]:
    wd = libc.inotify_add_watch(fd, path.encode(), 0x20)  # IN_OPEN
    if wd < 0:
        raise OSError(ctypes.get_errno(), path)
    names[wd] = path
open(sys.argv[2], "w").close()
with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        data = os.read(fd, 65536)
        at = 0
        while at < len(data):
            wd, mask, cookie, length = struct.unpack_from("iIII", data, at)
            out.write("opened %s\n" % names.get(wd, "?"))
            at += 16 + length
PY
    WATCH_PID=$!
    for _ in $(seq 100); do
        [ -e "$OIH_T/watch-ready" ] && break
        sleep 0.05
    done
    [ -e "$OIH_T/watch-ready" ]
}

stop_watch() {
    if [ -n "${WATCH_PID:-}" ]; then
        kill "$WATCH_PID" 2>/dev/null || true
        wait "$WATCH_PID" 2>/dev/null || true
    fi
    WATCH_PID=
}

# run_timed NAME: run_runc, with the seconds it took in $ELAPSED.
run_timed() {
    local start end
    start=$(date +%s%N)
    run_runc "$1"
    end=$(date +%s%N)
    ELAPSED=$(((end - start) / 1000000000))
    echo "$output"
    echo "hook log:"
    cat "$LOG"
    echo "the start took ${ELAPSED} s"
}

# The helper's peak memory, from the hook's debug line, in KiB.
ldconfig_peak_kib() {
    sed -n 's/.*helper [0-9]*: .*, peak memory \([0-9]*\) KiB.*/\1/p' "$LOG" | tail -n1
}

# Started and ended well within ldconfig's 10 s (60 s before), the memory small, nothing left behind.
bounded() {
    [ "$ELAPSED" -lt 25 ]
    local peak
    peak=$(ldconfig_peak_kib)
    echo "ldconfig's peak memory: ${peak:-?} KiB"
    [ -n "$peak" ] && [ "$peak" -lt 300000 ]
    [ -z "$(ldconfig_pids)" ]
    mounts_unchanged
    canary_unchanged
}

@test "ldconfig: an image's block device node named lib*.so* is never opened, also where the container gets EPERM" {
    mknod "$R$INJ/lib/libblk.so.1" b 7 0
    ln -s libblk.so.1 "$R$INJ/lib/libblkx.so.2"
    edit_config "c['process']['args'] = ['/bin/sh', '-c', 'injtest; cat $INJ/lib/libblk.so.1 >/dev/null']"
    watch_opens "$R$INJ/lib/libblk.so.1"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
    # ldconfig ran over that folder; the container itself may not open the node (runc's device rules).
    [ "$status" -ne 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    [[ "$output" == *"Operation not permitted"* ]]
    grep -q "helper [0-9]*: ended" "$LOG"
    sleep 0.2
    [ ! -s "$OIH_T/opens" ]
    # The watch sees an open when there is one.
    head -c 0 "$R$INJ/lib/libblk.so.1"
    sleep 0.2
    grep -q "opened" "$OIH_T/opens"
}

@test "ldconfig: FIFOs named lib*.so* without a writer, and an included FIFO, end the start within the limit" {
    mkfifo "$R$INJ/lib/libfifo.so.1"
    ln -s libfifo.so.1 "$R$INJ/lib/libfifox.so.2"
    mkfifo "$R/etc/fifo.conf"
    printf 'include /etc/fifo.conf\ninclude /etc/ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
    if [ "$status" -ne 0 ]; then
        grep -q "ldconfig failed (killed after its time limit)" "$LOG"
    fi
}

@test "ldconfig: an include loop ends quickly" {
    printf 'include /etc/ld.so.conf\ninclude /etc/ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
    [ "$ELAPSED" -lt 10 ]
}

@test "ldconfig: include /dev/urandom and /dev/zero open no device and cost no memory" {
    # The image's own nodes, under the runtime's /dev: ldconfig's view shows them, nodev.
    mknod -m 666 "$R/dev/urandom" c 1 9
    mknod -m 666 "$R/dev/zero" c 1 5
    for dev in urandom zero; do
        : >"$LOG"
        rm -f "$R/etc/ld.so.cache"
        printf 'include /dev/%s\ninclude /etc/ld.so.conf.d/*.conf\n' "$dev" >"$R/etc/ld.so.conf"
        watch_opens "$R/dev/$dev"
        run_timed "oih-l$BATS_TEST_NUMBER"
        bounded
        [ "$ELAPSED" -lt 10 ]
        [ "$status" -eq 0 ]
        [[ "$output" == *"injtest library loaded"* ]]
        [ "$(ldconfig_peak_kib)" -lt 65536 ]
        sleep 0.2
        stop_watch
        [ ! -s "$OIH_T/opens" ]
    done
}

@test "ldconfig: a huge included file meets the memory limit" {
    truncate -s 512M "$R/etc/huge.conf"
    printf 'include /etc/huge.conf\ninclude /etc/ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
}

@test "ldconfig: killed by the runtime's hook timeout, the hook leaves no ldconfig alive (also in a user namespace)" {
    for userns in "" --userns; do
        new_bundle "l$BATS_TEST_NUMBER" glibc --cmd 'injtest' --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 \
            --hook "prestart=$(logged_hook)" $userns
        R=$BUNDLE/rootfs
        # In a user namespace ldconfig runs as host uid 100000: its new ids made the kernel forget the
        # parent-death signal, which the child asks for again.
        [ -n "$userns" ] && chown -R 100000:100000 "$R"
        mkfifo "$R/etc/fifo.conf"
        printf 'include /etc/fifo.conf\n' >"$R/etc/ld.so.conf"
        edit_config "c['hooks']['prestart'][0]['timeout'] = 2"
        # Sample the processes while it runs: an ldconfig must be there, blocked, when runc kills the hook.
        (
            for _ in $(seq 100); do
                ldconfig_pids
                sleep 0.05
            done >"$OIH_T/seen"
        ) &
        local sampler=$!
        run_timed "oih-l$BATS_TEST_NUMBER"
        wait "$sampler"
        [ "$status" -ne 0 ]
        [[ "$output" == *"timeout"* ]]
        [ -s "$OIH_T/seen" ]
        for _ in $(seq 40); do
            [ -z "$(ldconfig_pids)" ] && break
            sleep 0.05
        done
        ps -eo pid,pgid,user,stat,args | grep -v grep | grep -i ldconfig || true
        [ -z "$(ldconfig_pids)" ]
        mounts_unchanged
    done
}

@test "ldconfig: sees no volume and no procfs: it makes no link in a volume, and none through /proc/1/root" {
    local vol=$OIH_T/vol$BATS_TEST_NUMBER
    mkdir -p "$vol" "$R/vol"
    sed 's/libinjtest\.so\.1/libvolumex.so.1/g' "$OIH_HELPERS/libinjtest.so.1.2.3" >"$vol/libvolumex.so.1.0"
    edit_config "c['mounts'].append({'destination': '/vol', 'type': 'bind', 'source': '$vol', 'options': ['rbind', 'rw']})"
    printf 'include /etc/ld.so.conf.d/*.conf\n/vol\n/proc/1/root%s/lib\n' "$CANARY" >"$R/etc/ld.so.conf"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    ls -la "$vol"
    [ ! -e "$vol/libvolumex.so.1" ]
    [ ! -e "$CANARY/lib/libcanary.so.1" ]
}

@test "ldconfig: in a user namespace it runs as the container's root user, nodev too" {
    new_bundle "l$BATS_TEST_NUMBER" glibc --cmd 'injtest' --env "PATH=$INJ/bin:/bin" --env OCI_INJTEST=1 \
        --hook "prestart=$(logged_hook)" --userns
    R=$BUNDLE/rootfs
    mknod -m 666 "$R/dev/zero" c 1 5
    chown -R 100000:100000 "$R"
    printf 'include /dev/zero\ninclude /etc/ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
    watch_opens "$R/dev/zero"
    run_timed "oih-l$BATS_TEST_NUMBER"
    bounded
    [ "$status" -eq 0 ]
    [[ "$output" == *"injtest library loaded"* ]]
    grep -q "helper [0-9]*: ended" "$LOG"
    [ "$(stat -c %u:%g "$R/etc/ld.so.cache")" = "100000:100000" ]
    sleep 0.2
    [ ! -s "$OIH_T/opens" ]
}
