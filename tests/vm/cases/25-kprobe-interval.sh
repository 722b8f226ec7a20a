# ply's interval case: a kprobe map printed and cleared every second, at least three times.
. /etc/tine-vm-lib.sh
run_tine -c 'for i in 1 2 3; do dd if=/dev/zero of=/dev/null count=10 2>/dev/null; sleep 1; done' \
    'k:vfs_read { @[pid] = count(); } i:1 { print(@); clear(@); }'
[ "$STATUS" = 0 ] || fail "tine failed"
headers=$(echo "$OUT" | grep -c '^@:')
[ "$headers" -ge 3 ] || fail "$headers \`@:\` headers, not at least 3"
assert_tracefs_clean
