# A glob over every syscall entry function (400+) attaches, counts dd's syscalls and is torn
# down again. Facts, no verdict on speed: the time to attach (start to the command's start) and
# to detach (the command's end to tine's exit), through kprobe.multi where the kernel has it
# and through one event per function — the only path where it has not, so measured once then.
. /etc/tine-vm-lib.sh
case $ARCH in
    x86_64) glob='__x64_sys_*' ;;
    aarch64) glob='__arm64_sys_*' ;;
    # 32-bit ARM and MIPS call the syscall functions themselves, without a wrapper.
    *) glob='sys_*' ;;
esac
multi=$(tine -T | sed -n 's/^kprobe.multi link: *//p')
fact "kprobe.multi: $multi"
forces=single_kprobes
[ "$multi" = yes ] && forces="multi single_kprobes"
functions=$(grep -c "^${glob%\*}" "$TRACEFS/available_filter_functions")
# Centiseconds since boot.
now() { sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime; }
for force in $forces; do
    [ "$force" = multi ] && force=
    export TINE_FORCE=$force
    start=$(now)
    oopses=$(kprobe_oopses)
    rm -f /tmp/attached /tmp/detaching
    run_tine -c "sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime >/tmp/attached;
                 dd if=/dev/zero of=/dev/null bs=1k count=50 2>/dev/null;
                 sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime >/tmp/detaching" \
        -d "kprobe:$glob / comm == \"dd\" / { @calls = count(); }"
    end=$(now)
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    if [ ! -s /tmp/detaching ] && [ "$(kprobe_oopses)" -gt "$oopses" ]; then
        fact "kprobe:$glob: the kernel oopsed in a kprobe's single-step slot and killed the command: no times (TINE_FORCE=$force)"
        assert_tracefs_clean
        continue
    fi
    calls=$(echo "$OUT" | sed -n 's/^@calls: \([0-9]*\)$/\1/p')
    [ "${calls:-0}" -ge 100 ] || fail "counted '$calls' syscalls of dd, not at least 100"
    attach=$(($(cat /tmp/attached) - start))
    detach=$((end - $(cat /tmp/detaching)))
    # -d times the attach call alone: the links or perf events, not reading the symbol lists.
    attach_call=$(echo "$OUT" | sed -n 's/^debug: kprobe:.* attached in \(.*\) ms$/\1/p')
    fact "kprobe:$glob, $functions functions, ${force:-kprobe.multi}: attach ${attach}0 ms (of which the attach call ${attach_call} ms), detach ${detach}0 ms (TCG)"
    assert_tracefs_clean
done
