# Two dd's doing 20,000 one-byte reads each, pinned to CPU 0 and CPU 1 where there are two, are
# counted exactly 40,000 (per-CPU values, summed when printed, make counts exact where a JIT's
# atomics are weakest), and 20,000 per process, through both attach paths; kprobe_profile's
# nmissed and tine's warnings say whether the kernel skipped any event.
. /etc/tine-vm-lib.sh
cpus=$(nproc)
second=$((cpus > 1 ? 1 : 0))
for force in "" tracefs; do
    export TINE_FORCE=$force
    run_tine -c "taskset -c 0 dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null &
                 taskset -c $second dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null &
                 wait; cat $TRACEFS/kprobe_profile" \
        'kprobe:vfs_read / !strcmp(comm, "dd") / { @["reads"] = count(); @per[pid] = count(); @on[cpu] = count(); }'
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    count=$(echo "$OUT" | sed -n 's/^{ reads *}: \([0-9]*\)$/\1/p')
    [ "$count" = 40000 ] || fail "counted '$count' reads of two dd's, not 40000 (TINE_FORCE=$force)"
    # Two rows of @per, 20000 each (more would be a read dd makes before its first block).
    rows=$(echo "$OUT" | sed -n '/^@per:/,/^$/p' | grep -cE '^\{ *[0-9]+ *\}: 20000$')
    [ "$rows" = 2 ] || fail "not two processes of 20000 reads each (TINE_FORCE=$force)"
    used=$(echo "$OUT" | sed -n '/^@on:/,/^$/p' | grep -cE '^\{ *[0-9]+ *\}: [1-9]')
    [ "$used" = "$((second + 1))" ] || fail "the reads ran on $used CPUs, not $((second + 1)) (TINE_FORCE=$force)"
    assert_tracefs_clean
done
fact "two dd's on $((second + 1)) CPU(s): 40000 reads counted exactly through both attach paths"
