#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Load: 50 containers started at once with runc, half of them activated. All start; each activated one
# gets exactly its own injection (a file of its own through a config of its own, besides the shared
# binary and library); the others get nothing; every hook run ends holding no descriptor besides
# stdin, stdout and stderr; the host's mount table is as before. Bounded: each runc run has 3 minutes.

load helpers

COUNT=50

setup_file() {
    setup_injtest_root
    mkdir -p "$OIH_T/host/load" "$OIH_T/hooklogs" "$OIH_T/out"
    for i in $(seq 1 2 $COUNT); do
        echo "load $i" >"$OIH_T/host/load/$i"
        chmod 644 "$OIH_T/host/load/$i"
        write_config "load-$i.json" "{ \"activation_flag\": \"OCI_LOAD=$i\",
          \"miscellaneous\": [{\"path\": \"$OIH_T/host/load/$i\", \"container_path\": \"/etc/load-id\"}] }"
    done
    # The hook as runc runs it, its stderr kept per run (runc shows a hook's output only on failure).
    cat >"$OIH_T/hook-wrapper" <<SH
#!/bin/sh
exec "$OIH_HOOK" --config-dir "$OIH_T/conf" --log-level debug "\$@" 2>>"$OIH_T/hooklogs/\$\$.log"
SH
    chmod 755 "$OIH_T/hook-wrapper"
}

teardown_file() {
    for i in $(seq 1 $COUNT); do runc delete -f "oih-load-$i" >/dev/null 2>&1; done
    remove_test_root
}

@test "load: 50 containers at once, half activated, each gets exactly its injection" {
    snapshot_mounts
    for i in $(seq 1 $COUNT); do
        local env=()
        [ $((i % 2)) -eq 1 ] && env=(--env OCI_INJTEST=1 --env "OCI_LOAD=$i")
        new_bundle "load-$i" glibc --cmd 'echo "id=$(cat /etc/load-id 2>&1)"; echo "bin=$(injtest 2>&1 || echo FAILED)"' \
            --env "PATH=$INJ/bin:/bin" "${env[@]}" --hook "prestart=$OIH_T/hook-wrapper"
    done
    for i in $(seq 1 $COUNT); do
        (timeout 180 "$IN_LAYOUT" sh -c 'runc run --bundle "$1" "$2"; s=$?; runc delete -f "$2" >/dev/null 2>&1; exit $s' - "$OIH_T/b/load-$i" "oih-load-$i" >"$OIH_T/out/$i" 2>&1
            echo $? >"$OIH_T/out/$i.rc") &
    done
    wait

    local failed=0
    for i in $(seq 1 $COUNT); do
        local out rc
        out=$(cat "$OIH_T/out/$i")
        rc=$(cat "$OIH_T/out/$i.rc")
        if [ "$rc" -ne 0 ]; then
            echo "container $i: exit status $rc: $out"
            failed=1
        elif [ $((i % 2)) -eq 1 ]; then
            [[ "$out" == *"id=load $i"* && "$out" == *"bin=injtest library loaded"* ]] ||
                { echo "container $i (activated): $out"; failed=1; }
        else
            [[ "$out" == *"id=cat: can't open"* && "$out" == *"bin="*"FAILED"* ]] ||
                { echo "container $i (not activated): $out"; failed=1; }
        fi
    done
    [ "$failed" -eq 0 ]

    # One hook run per container, each ending with no descriptor left open and no error.
    [ "$(ls "$OIH_T/hooklogs" | wc -l)" -eq "$COUNT" ]
    [ "$(grep -l 'besides stdin, stdout and stderr: none' "$OIH_T"/hooklogs/*.log | wc -l)" -eq "$COUNT" ]
    ! grep -h 'error:' "$OIH_T"/hooklogs/*.log
    [ "$(grep -l 'injected ' "$OIH_T"/hooklogs/*.log | wc -l)" -eq $((COUNT / 2)) ]
    mounts_unchanged
}
