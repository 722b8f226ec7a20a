# A kernel stack taken in vfs_read shows the read(2) path that called it.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=10 2>/dev/null' \
    'kprobe:vfs_read / comm == "dd" / { @[stack] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^[[:space:]]+ksys_read' || fail "no ksys_read frame in the stacks"
assert_tracefs_clean
