# Ctrl-C and SIGTERM end a trace, through either attach path: the maps are printed and no probe
# is left behind in tracefs.
. /etc/tine-vm-lib.sh
for force in "" tracefs; do
    for signal in INT TERM; do
        TINE_FORCE=$force tine 'kprobe:vfs_read { @reads = count(); }' >/tmp/interrupted.out 2>&1 &
        tine_pid=$!
        sleep 3
        dd if=/dev/zero of=/dev/null bs=1k count=10 2>/dev/null
        kill -"$signal" "$tine_pid"
        wait "$tine_pid"
        status=$?
        cat /tmp/interrupted.out
        echo "(SIG$signal, TINE_FORCE=$force: exit $status)"
        [ "$status" = 0 ] || fail "tine exited with $status after SIG$signal"
        grep -qE '^@reads: [0-9]+$' /tmp/interrupted.out || fail "no @reads printed after SIG$signal"
        assert_tracefs_clean
    done
done
