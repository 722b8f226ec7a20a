# ply's quantize case, in ply's spelling: 10 reads of 10240 bytes land in [8k, 16k).
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=10240 count=10 2>/dev/null' \
    'kr:vfs_read if (!strcmp(comm, "dd")) { @["rdsz"] = quantize(retval); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ rdsz +\}: $' || fail "no { rdsz } row"
echo "$OUT" | grep -qE '8k[[:space:]]*,[[:space:]]*16k[[:space:]]*\)[[:space:]]*10 ' || fail "no [8k, 16k) bucket holding 10 reads"
assert_tracefs_clean
