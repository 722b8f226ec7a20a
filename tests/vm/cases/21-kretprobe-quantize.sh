# pending: needs tine's kretprobe attach (issue 6)
# The README's example: 10 reads of 10240 bytes land in ply's [8k, 16k) bucket.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=10240 count=10' \
    'kretprobe:vfs_read / comm == "dd" / { @[comm] = quantize(retval); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '8k, +16k\)[[:space:]]+10 ' || fail "no [8k, 16k) bucket holding 10 reads"
assert_tracefs_clean
