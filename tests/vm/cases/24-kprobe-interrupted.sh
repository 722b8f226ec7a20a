# pending: needs tine's kprobe attach and signal teardown (issue 6)
# Ctrl-C ends a trace: the maps are printed and no probe is left behind in tracefs.
. /etc/tine-vm-lib.sh
tine 'kprobe:vfs_read { @reads = count(); }' >/tmp/interrupted.out 2>&1 &
tine_pid=$!
sleep 3
dd if=/dev/zero of=/dev/null bs=1k count=10 2>/dev/null
kill -INT "$tine_pid"
wait "$tine_pid"
status=$?
cat /tmp/interrupted.out
echo "(exit $status)"
[ "$status" = 0 ] || fail "tine exited with $status after SIGINT"
grep -qE '^@reads:$' /tmp/interrupted.out || fail "no @reads map printed after SIGINT"
assert_tracefs_clean
