# Whatever way tine ends — SIGINT, SIGTERM, SIGHUP, or SIGKILL, which it cannot catch — no program,
# map or link of its stays in the kernel (the kernel frees what an fd held), nor a tracefs
# event — except what tine wrote to kprobe_events itself (TINE_FORCE=tracefs) when SIGKILL
# gives it no chance to remove it: the next tine removes that.
# timeout: 600
. /etc/tine-vm-lib.sh
# Objects are counted through /proc/PID/fdinfo while tine runs; after, the whole guest must
# hold none (nothing else here uses BPF).
bpf_objects() {
    for fdinfo in /proc/[0-9]*/fdinfo/*; do
        grep -lE '^(prog_type|map_type|link_type):' "$fdinfo" 2>/dev/null
    done | wc -l
}
for force in "" tracefs; do
    for signal in INT TERM HUP KILL; do
        # tine's output comes through a FIFO so that the case waits for BEGIN's line however
        # long tine takes to start, not a count of the guest's seconds: under TCG the mipsel
        # guest now and then leaves a just-started tine runnable but unrun for tens of them.
        # The command sends its own output elsewhere: it must not hold the FIFO open after tine.
        rm -f /tmp/teardown.fifo
        mkfifo /tmp/teardown.fifo
        started=$(cut -d' ' -f1 /proc/uptime)
        TINE_FORCE=$force tine -c 'exec sleep 60 >/dev/null 2>&1' 'kprobe:vfs_read { @reads = count(); } tracepoint:syscalls/sys_enter_openat { @opens = count(); }
            uprobe:/bin/tinetarget:work { @works = count(); } BEGIN { printf("ready\n"); }' \
            >/tmp/teardown.fifo 2>&1 &
        tine_pid=$!
        exec 3</tmp/teardown.fifo
        # BEGIN runs once every probe is attached; the FIFO ends early only if tine does.
        : >/tmp/teardown.out
        while read -r line <&3; do
            echo "$line" >>/tmp/teardown.out
            [ "$line" = ready ] && break
        done
        grep -q '^ready$' /tmp/teardown.out ||
            { cat /tmp/teardown.out; fail "tine ended without being ready (TINE_FORCE=$force)"; }
        echo "(ready after $(echo "$started $(cut -d' ' -f1 /proc/uptime)" | awk '{ print $2 - $1 }') s of the guest's time)"
        held=$(grep -lE '^(prog_type|map_type):' /proc/$tine_pid/fdinfo/* 2>/dev/null | wc -l)
        kill -"$signal" "$tine_pid"
        wait "$tine_pid"
        status=$?
        cat <&3 >>/tmp/teardown.out
        exec 3<&-
        cat /tmp/teardown.out
        echo "(SIG$signal, TINE_FORCE=$force: tine held $held BPF objects; exit $status)"
        [ "$held" -gt 0 ] || fail "tine held no BPF object while running (TINE_FORCE=$force)"
        sleep 1
        left=$(bpf_objects)
        [ "$left" = 0 ] || fail "$left BPF objects left after SIG$signal (TINE_FORCE=$force)"
        if [ "$signal$force" = KILLtracefs ]; then
            # A killed tine cannot remove what it wrote to kprobe_events and uprobe_events; the
            # next one does.
            left=$(cat "$TRACEFS/kprobe_events" "$TRACEFS/uprobe_events" | grep -c ":tine_$tine_pid/")
            [ "$left" -ge 2 ] || fail "SIGKILL left $left probe events of tine $tine_pid, not 2"
            run_tine 'BEGIN { exit(); }'
            [ "$STATUS" = 0 ] || fail "the next tine failed"
        fi
        assert_tracefs_clean
    done
done
