# pending: needs tine's kprobe attach (issue 6)
# 100 reads by dd are counted as 100, and nothing is left in tracefs afterwards.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100' \
    'kprobe:vfs_read / comm == "dd" / { @reads = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^@reads:$' || fail "no @reads map printed"
count=$(echo "$OUT" | sed -n '/^@reads:$/{n;p;}' | grep -oE '[0-9]+$')
[ "$count" = 100 ] || fail "counted $count reads, not 100"
assert_tracefs_clean
