# A kernel stack taken in vfs_read shows the read(2) path that called it: ksys_read right under
# vfs_read — or, where the compiler inlined ksys_read (arm64's 6.1), the syscall's own
# __arm64_sys_read.
. /etc/tine-vm-lib.sh
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1k count=10 2>/dev/null' \
    'kprobe:vfs_read / comm == "dd" / { @[stack] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | awk '
    under { if ($1 ~ /^(ksys_read|__[a-z0-9]+_sys_read)(\+[0-9]+)?$/) found = 1; under = 0; }
    $1 ~ /^vfs_read(\+[0-9]+)?$/ { under = 1; }
    END { exit(!found); }' || fail "no ksys_read (or inlined __ARCH_sys_read) frame under vfs_read"
echo "$OUT" | grep -qE '^ \}: 10$' || fail "the stack was not counted 10 times"
assert_tracefs_clean
