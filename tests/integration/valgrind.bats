#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# One real hook run under valgrind's memcheck: no error, no leak. Registered only in a dynamically
# linked build without sanitizers (valgrind cannot see malloc in a static binary).
# valgrind 3.19 does not know openat2 and open_tree (it answers ENOSYS), so this run goes through the
# fallbacks; it cannot execveat() a memfd either, so the root is one with an ld.so.cache, into which the
# hook merges the library (no ldconfig child).

load helpers

setup_file() {
    require_program valgrind
    setup_test_root
    make_modules_dir
    mkdir -p "$OIH_T/host/x11"
    write_config valgrind.json "{ \"activation_flag\": \"OCI_VALGRIND\", \"modules\": [\"oihtestbuiltin\"],
      \"devices\": [\"fuse\", \"/dev/net/t*\"], \"binaries\": [\"$INJ/bin/injtest\"], \"libraries\": [\"$INJ/lib/libinjtest.so.1.2.3\"], \"directories\": [\"$INJ/etc\"],
      \"miscellaneous\": [\"$INJ/etc/injtest.conf\"],
      \"mounts\": [{\"source\": \"$OIH_T/host/x11\", \"destination\": \"/tmp/.X11-unix\", \"options\": \"ro\"}] }"
}

teardown() {
    stop_standin
}

@test "valgrind: a hook run that injects binds, libraries, devices, files, folders and modules has no error and no leak" {
    new_bundle vg glibc-cache --cmd true --env OCI_VALGRIND=1
    start_standin private
    run valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
        --child-silent-after-fork=yes "$OIH_HOOK" --config-dir "$OIH_T/conf" --modules-dir "$MODDIR" \
        --log-level info < <(standin_state)
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"ERROR SUMMARY: 0 errors from 0 contexts"* ]]
    [[ "$output" == *"All heap blocks were freed -- no leaks are possible"* ]]
    [[ "$output" == *"injected"*"operations of 1 config"* ]]
    grep -q " $BUNDLE/rootfs$INJ/bin/injtest " "/proc/$STANDIN_PID/mountinfo"
    ldconfig -p -C "$BUNDLE/rootfs/etc/ld.so.cache" | grep -F "libinjtest.so.1 (libc6,x86-64) => $INJ/lib/libinjtest.so.1"
    [ "$(readlink "$BUNDLE/rootfs$INJ/lib/libinjtest.so.1")" = libinjtest.so.1.2.3 ]
}
