# 64-bit values on any host: nsecs is the monotonic clock in ns (past 2^32 after 4.3 s), sum()
# carries past 2^32, and quantize has buckets above 4G.
. /etc/tine-vm-lib.sh
before=$(cut -d' ' -f1 /proc/uptime)
run_tine 'BEGIN { printf("nsecs %v\n", nsecs); exit(0); }'
after=$(cut -d' ' -f1 /proc/uptime)
[ "$STATUS" = 0 ] || fail "tine failed"
nsecs=$(echo "$OUT" | sed -n 's/^nsecs \([0-9]*\)$/\1/p')
[ -n "$nsecs" ] || fail "no nsecs printed"
# CLOCK_MONOTONIC and /proc/uptime (CLOCK_BOOTTIME) agree here: the guest never suspends.
awk -v n="$nsecs" -v b="$before" -v a="$after" 'BEGIN { exit !(n / 1e9 >= b - 0.5 && n / 1e9 <= a + 0.5) }' ||
    fail "nsecs $nsecs is not between uptime $before and $after s"
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=10 2>/dev/null' \
    'kprobe:vfs_read / comm == "dd" / { @sum = sum(3000000000); @q = quantize(5000000000); @big = max(0x123456789); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qx '@sum: 30000000000' || fail "sum() of 10 x 3e9 is not 30000000000"
echo "$OUT" | grep -qx '@big: 4886718345' || fail "max(0x123456789) is not 4886718345"
echo "$OUT" | grep -qE '4G, +8G\)[[:space:]]+10 ' || fail "no [4G, 8G) bucket holding 10 values"
