# pending: needs tine's kprobe attach (issue 6)
# A glob attaches to every matching function: dd both reads and writes 20 times.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=20' \
    'kprobe:vfs_[rw][er][ai][dt]* / comm == "dd" / { @[caller] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
# `caller` is the probe's program counter: the entry, or a byte past it where the kernel
# reports the address after its breakpoint.
echo "$OUT" | grep -qE '^\{ vfs_read(\+[0-9]+)? *\}: 20$' || fail "vfs_read not counted 20 times"
echo "$OUT" | grep -qE '^\{ vfs_write(\+[0-9]+)? *\}: 20$' || fail "vfs_write not counted 20 times"
assert_tracefs_clean
