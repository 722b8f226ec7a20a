# Tracepoint fields whose C type is long, unsigned long or size_t are 4 bytes on a 32-bit
# kernel: tine takes offsets and sizes from the format file, and sign-extends a long. (Pointer
# fields: 35-tracepoint-pointer-fields.)
. /etc/tine-vm-lib.sh
format=$TRACEFS/events/syscalls/sys_enter_read/format
grep 'size_t count' "$format"
grep 'long ret' "$TRACEFS/events/syscalls/sys_exit_read/format"
# size_t count: 10 reads of 1234 bytes.
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null' \
    'tracepoint:syscalls/sys_enter_read / comm == "dd" / { @[data->count] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1234 *\}: 10$' || fail "no { 1234 }: 10 row for size_t count"
# long ret: reading a directory fails with -EISDIR, negative in 4 bytes — but MIPS's syscall
# exit has already made it the positive errno its ABI returns (with a3 set) when the event fires.
eisdir=-21
[ "$ARCH" = mipsel ] && eisdir=21
run_tine -c 'dd if=/ of=/dev/null bs=1 count=1 2>/dev/null; true' \
    'tracepoint:syscalls/sys_exit_read / comm == "dd" / { @[data->ret] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE "^\\{ *$eisdir *\\}: 1$" || fail "no { $eisdir }: 1 row for the failed read's long ret"
# unsigned long call_site, before size_t bytes_req and bytes_alloc: a request never exceeds
# what was allocated, and the call site is a kernel address.
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
    'tracepoint:kmem/kmalloc { @fits[data->bytes_req <= data->bytes_alloc && data->call_site >= 0x80000000] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | sed -n '/^@fits:/,/^$/p' | grep -qE '^\{ *1 *\}: [1-9]' || fail "no kmalloc whose fields read right"
echo "$OUT" | sed -n '/^@fits:/,/^$/p' | grep -qE '^\{ *0 *\}: ' && fail "kmalloc fields read from the wrong offsets"
true
