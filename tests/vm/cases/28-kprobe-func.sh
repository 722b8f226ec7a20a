# `func` names the function a glob's probe fired in (bpf_get_func_ip): dd's 100 one-byte reads
# and writes land in rows for vfs_read and vfs_write, without an offset.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=100 2>/dev/null' \
    'kprobe:vfs_*r[ei][at][de] / comm == "dd" / { @[func] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | awk '
    /^\{ vfs_read \}: / { if ($NF >= 100) read = 1; }
    /^\{ vfs_write \}: / { if ($NF >= 100) write = 1; }
    END { exit(!(read && write)); }' || fail "no rows of at least 100 for vfs_read and vfs_write"
assert_tracefs_clean
# `probe` in the same glob names the probe that fired, as the script spelled its provider
# (issue 9 item 7): one row each for kprobe:vfs_read and kprobe:vfs_write, not the glob.
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1 count=100 2>/dev/null' \
    'kprobe:vfs_*r[ei][at][de] / comm == "dd" / { @[probe] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | awk '
    /^\{ kprobe:vfs_read +\}: / { if ($NF >= 100) read = 1; }
    /^\{ kprobe:vfs_write +\}: / { if ($NF >= 100) write = 1; }
    /\*/ { glob = 1; }
    END { exit(!(read && write && !glob)); }' || fail "no rows of at least 100 for kprobe:vfs_read and kprobe:vfs_write"
assert_tracefs_clean
