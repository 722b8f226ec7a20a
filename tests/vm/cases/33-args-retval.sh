# argN and retval come from this architecture's pt_regs: vfs_read's third argument is dd's
# block size; its return value is the bytes read, or a negative errno sign-extended.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null' \
    'kprobe:vfs_read / comm == "dd" / { @[arg2] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1234 *\}: 10$' || fail "arg2 of vfs_read is not 1234 in 10 reads"
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null; dd if=/ of=/dev/null bs=1 count=1 2>/dev/null; true' \
    'kretprobe:vfs_read / comm == "dd" / { @[retval] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1234 *\}: 10$' || fail "retval of vfs_read is not 1234 in 10 reads"
echo "$OUT" | grep -qE '^\{ *-21 *\}: 1$' || fail "retval of the read of a directory is not -21"
assert_tracefs_clean
