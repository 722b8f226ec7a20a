# ply's wildcard case: one probe on every vfs_*r[ei][at][de] function; dd's 100 one-byte reads
# and writes give rows of at least 100 for vfs_read and vfs_write, keyed by comm and caller.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=100 2>/dev/null' \
    'kprobe:vfs_*r[ei][at][de] { @[comm, caller] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
# `caller` is the probe's program counter: the entry, or a few bytes past it where the kernel
# reports the address after its breakpoint or ftrace call.
echo "$OUT" | awk '
    /^\{ dd +, vfs_read(\+[0-9]+)? +\}: / { if ($NF >= 100) read = 1; }
    /^\{ dd +, vfs_write(\+[0-9]+)? +\}: / { if ($NF >= 100) write = 1; }
    END { exit(!(read && write)); }' || fail "no rows of at least 100 for dd's vfs_read and vfs_write"
assert_tracefs_clean
