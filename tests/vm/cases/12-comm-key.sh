# `comm` as a key: one row for dd, printed as a padded string, all 100 reads in it.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
    'tracepoint:syscalls/sys_exit_read / comm == "dd" / { @[comm] = quantize(data->ret); }'
[ "$STATUS" = 0 ] || fail "tine failed"
rows=$(echo "$OUT" | grep -cE '^\{ ')
[ "$rows" = 1 ] || fail "$rows rows for one comm"
echo "$OUT" | grep -qE '^\{ dd +\}: $' || fail "the row is not { dd }"
echo "$OUT" | grep -qE '1k, +2k\)[[:space:]]+100 ' || fail "no [1k, 2k) bucket holding 100 reads"
