# Pointer fields of a tracepoint record take the size the format file gives them: 4 bytes on a
# 32-bit kernel, where their high half is zero.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=100 2>/dev/null' \
    'tracepoint:kmem/kmalloc { @[data->ptr != 0] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1 *\}: [1-9]' || fail "no kmalloc with a non-zero ptr"
case $ARCH in
    armv7 | mipsel)
        run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null' \
            'tracepoint:syscalls/sys_enter_read / comm == "dd" / { @[data->buf >> 32] = count(); }'
        [ "$STATUS" = 0 ] || fail "tine failed"
        echo "$OUT" | grep -qE '^\{ *0 *\}: 10$' || fail "char *buf has a high half: read as 8 bytes"
        ;;
esac
