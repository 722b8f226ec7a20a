# Several probes on one function fire in the script's order (issue 9 item 11), through the kprobe
# PMU and through kprobe_events: each of dd's reads prints its four lines as the script lists them.
. /etc/tine-vm-lib.sh
for force in "" tracefs; do
    export TINE_FORCE=$force
    run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=3 2>/dev/null' \
        'kprobe:vfs_read / comm == "dd" / { printf("a\n"); }
         kprobe:vfs_read / comm == "dd" / { printf("b\n"); }
         kretprobe:vfs_read / comm == "dd" / { printf("c\n"); }
         kretprobe:vfs_read / comm == "dd" / { printf("d\n"); }'
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    order=$(echo "$OUT" | grep -E '^[abcd]$' | tr -d '\n')
    echo "$order" | grep -Eq '^(abcd){3,}$' || fail "fired as '$order', not abcd per read (TINE_FORCE=$force)"
    assert_tracefs_clean
done
