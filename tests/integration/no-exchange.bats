#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Roots on a filesystem without RENAME_EXCHANGE (THREATS.md item 16). The hook replaces an image's file
# by making the new one under a temporary name and exchanging the two, keeping the original for rollback.
# NFS and most FUSE filesystems refuse the exchange with EINVAL: there the original is kept by a hard link,
# and where no hard link can be made either, replacing is refused.
# The first two tests are real: the container's root is a bindfs mount (FUSE, from Debian's packages),
# which this file checks refuses the exchange. The last one runs the hook under tests/helpers/enosys with
# renameat2(RENAME_EXCHANGE) failing with EINVAL and linkat with ENOSYS (seccomp), on the ordinary root:
# this machine has no filesystem that can do neither.

load helpers

setup_file() {
    require_program bindfs
    setup_injtest_root
}

IMAGE_CONF="the image's own injtest.conf"

# A bundle whose $INJ/etc/injtest.conf is the image's own file; with "fuse", its root is a bindfs mount.
image_with_conf() {
    local name=$1 fs=$2 hook=$3
    new_bundle "$name" glibc-cache --cmd 'echo STARTED; cat "$INJ/etc/injtest.conf"' --env OCI_INJTEST=1 \
        --env "INJ=$INJ" --hook "$hook"
    R=$BUNDLE/rootfs
    mkdir -p "$R$INJ/etc"
    echo "$IMAGE_CONF" >"$R$INJ/etc/injtest.conf"
    # Taken before the FUSE mount, compared after the test unmounted it.
    snapshot_mounts
    if [ "$fs" = fuse ]; then
        mv "$R" "$BUNDLE/rootfs.real"
        mkdir "$R"
        bindfs --no-allow-other "$BUNDLE/rootfs.real" "$R"
    fi
}

unmount_fuse() {
    umount "$BUNDLE/rootfs" 2>/dev/null || true
}

# Names the hook keeps an original by, or makes a new file under, before renaming: none may be left.
no_temporaries() {
    [ -z "$(find "$1" -name '.oih-*' -print)" ]
}

@test "no exchange: bindfs (FUSE) refuses RENAME_EXCHANGE, so these tests test what they say" {
    image_with_conf probe fuse "$(hook_arg)"
    touch "$R/a" "$R/b"
    run python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2)
print(r, os.strerror(ctypes.get_errno()))' "$R/a" "$R/b"
    unmount_fuse
    echo "$output"
    [ "$output" = "-1 Invalid argument" ]
}

@test "no exchange: on FUSE the image's file is replaced, and its original is not left behind" {
    image_with_conf replace fuse "$(hook_arg)"
    run_runc "oih-nx$BATS_TEST_NUMBER"
    local after
    after=$(cat "$R$INJ/etc/injtest.conf")
    no_temporaries "$R$INJ/etc" || status=99
    unmount_fuse
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"STARTED"*"injtest configuration"* ]]
    [ "$after" = "$(cat "$INJ/etc/injtest.conf")" ]
    mounts_unchanged
}

@test "no exchange: on FUSE a failure later on puts the image's original file back" {
    image_with_conf rollback fuse "$(hook_arg prestart debug)"
    # The ld cache step comes after the files: a file where the folder /etc/ld.so.conf.d should be fails it.
    rm -rf "$R/etc/ld.so.conf.d"
    echo "not a folder" >"$R/etc/ld.so.conf.d"
    run_runc "oih-nx$BATS_TEST_NUMBER"
    local after
    after=$(cat "$R$INJ/etc/injtest.conf")
    no_temporaries "$R$INJ/etc" || status=99
    unmount_fuse
    echo "$output"
    [ "$status" -ne 0 ] && [ "$status" -ne 99 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"cannot exchange names; keeping the original by a hard link"* ]]
    [ "$after" = "$IMAGE_CONF" ]
    mounts_unchanged
}

@test "no exchange: where no hard link can be made either, replacing is refused with a clear line (seccomp)" {
    local wrap="$OIH_HELPERS/enosys,renameat2-exchange+linkat,"
    image_with_conf refuse ext4 "prestart=$wrap$OIH_HOOK,--config-dir,$OIH_T/conf"
    run_runc "oih-nx$BATS_TEST_NUMBER"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *STARTED* ]]
    [[ "$output" == *"$OIH_T/conf/injtest.json: cannot replace "*"$INJ/etc/injtest.conf"*"can neither exchange two names"*"nor keep the original by a hard link"* ]]
    [ "$(cat "$R$INJ/etc/injtest.conf")" = "$IMAGE_CONF" ]
    no_temporaries "$R$INJ/etc"
    mounts_unchanged
}
