# A kprobe at a raw address — vfs_read's, from kallsyms — through both attach paths: the PMU
# takes an address with no symbol, kprobe_events takes it as written.
. /etc/tine-vm-lib.sh
address=$(sed -n 's/^\([0-9a-f]*\) [Tt] vfs_read$/\1/p' /proc/kallsyms | head -n 1)
[ -n "$address" ] || fail "no vfs_read in /proc/kallsyms"
for force in "" tracefs; do
    export TINE_FORCE=$force
    oopses=$(kprobe_oopses)
    run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
        "kprobe:0x$address / comm == \"dd\" / { @reads = count(); }"
    # The mipsel kernel's oops (see kprobe_oopses) can kill tine itself, in one of its own reads.
    if [ "$STATUS" != 0 ] && [ "$(kprobe_oopses)" -gt "$oopses" ]; then
        fact "the kernel oopsed in a kprobe's single-step slot and killed tine (exit $STATUS): no count (TINE_FORCE=$force)"
        continue
    fi
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    count=$(echo "$OUT" | sed -n 's/^@reads: \([0-9]*\)$/\1/p')
    [ "$count" = 100 ] || fail "counted '$count' reads at 0x$address, not 100 (TINE_FORCE=$force)"
    assert_tracefs_clean
done
