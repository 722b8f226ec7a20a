# 100 reads by dd are counted as 100 through both attach paths — the kprobe PMU, and probe
# events written to kprobe_events (TINE_FORCE=tracefs) — and nothing is left in tracefs after.
. /etc/tine-vm-lib.sh
for force in "" tracefs; do
    export TINE_FORCE=$force
    run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
        'kprobe:vfs_read / comm == "dd" / { @reads = count(); }'
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    count=$(echo "$OUT" | sed -n 's/^@reads: \([0-9]*\)$/\1/p')
    [ "$count" = 100 ] || fail "counted '$count' reads, not 100 (TINE_FORCE=$force)"
    assert_tracefs_clean
done
