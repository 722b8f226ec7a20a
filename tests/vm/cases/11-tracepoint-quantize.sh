# The whole pipeline on this architecture: a syscall tracepoint, a predicate on comm, a per-CPU
# log2 histogram, the -c child, ply's layout — 100 reads of 1 KiB land in [1k, 2k).
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
    'tracepoint:syscalls/sys_exit_read / comm == "dd" / { @ = quantize(data->ret); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '1k, +2k\)[[:space:]]+100 ' || fail "no [1k, 2k) bucket holding 100 reads"
