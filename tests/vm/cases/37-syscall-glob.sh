# A glob of syscall tracepoints through raw_syscalls counts what one perf event per point
# counts (TINE_FORCE=each_syscall), on this kernel's numbers; the guest's every syscall
# tracepoint has a number in the table where the architecture has one (02's unit tests).
# timeout: 300
. /etc/tine-vm-lib.sh
[ "$ARCH" = x86_64 ] || skip "tine has no syscall table for $ARCH: both ways are per tracepoint"
script='tracepoint:syscalls:sys_enter_* / comm == "dd" / { @[probe] = count(); }'
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=300 2>/dev/null' "$script"
[ "$STATUS" = 0 ] || fail "tine failed"
fast=$(echo "$OUT" | grep -E '^\{ ' | sort)
echo "$fast" | grep -qE 'sys_enter_read +\}: 30[0-9]$' || fail "no ~300 reads"
export TINE_FORCE=each_syscall
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=300 2>/dev/null' "$script"
unset TINE_FORCE
[ "$STATUS" = 0 ] || fail "tine failed per tracepoint"
forced=$(echo "$OUT" | grep -E '^\{ ' | sort)
[ "$fast" = "$forced" ] || fail "raw_syscalls and per-tracepoint counts differ"
fact "$(echo "$fast" | wc -l) syscalls of dd counted alike both ways"
# The glob's points share one perf event (TINE_FORCE=each_syscall: one each).
tine -c 'sleep 2' 'tracepoint:syscalls:sys_enter_* { @ = count(); }' >/dev/null 2>&1 &
pid=$!
sleep 1
events=$(ls -l "/proc/$pid/fd" | grep -c 'perf_event')
wait "$pid"
fact "$events perf event(s) open for the sys_enter_* glob"
[ "$events" -le 2 ] || fail "$events perf events for one glob"
