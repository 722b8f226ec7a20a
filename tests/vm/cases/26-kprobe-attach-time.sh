# Measures (facts, no verdict on speed): the start-to-exit time of a run attached to every
# syscall entry function, with the default path (kprobe.multi where the kernel has it) and
# with one event per function; then checks that both counted the syscalls dd makes.
. /etc/tine-vm-lib.sh
case $ARCH in
    x86_64) glob='__x64_sys_*' ;;
    aarch64) glob='__arm64_sys_*' ;;
esac
fact "kprobe.multi: $(tine -T | sed -n 's/^kprobe.multi link: *//p')"
functions=$(grep -c "^${glob%\*}" "$TRACEFS/available_filter_functions")
# Centiseconds since boot.
now() { sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime; }
for force in "" single_kprobes; do
    start=$(now)
    export TINE_FORCE=$force
    run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=50 2>/dev/null' \
        "kprobe:$glob / comm == \"dd\" / { @calls = count(); }"
    end=$(now)
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    calls=$(echo "$OUT" | sed -n 's/^@calls: \([0-9]*\)$/\1/p')
    [ "${calls:-0}" -ge 100 ] || fail "counted '$calls' syscalls of dd, not at least 100"
    fact "kprobe:$glob ($functions functions), TINE_FORCE=${force:-none}: start to exit $((end - start))0 ms"
    assert_tracefs_clean
done
