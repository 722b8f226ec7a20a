# fentry/fexit (and bpftrace's kfunc/kretfunc) on the guest kernel's BPF trampolines: args typed
# from vfs_read's BTF prototype (its count is dd's block size, its file's inode chain reads), and
# fexit's retval the bytes read. The build machine's kernel refuses tracing programs (EPERM).
. /etc/tine-vm-lib.sh
[ -e /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF"
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null' \
    'fentry:vfs_read / comm == "dd" / { @[args->count] = count(); @bytes = sum(args.count); }'
if [ "$STATUS" = 1 ] && [ "$ARCH" != x86_64 ] &&
    echo "$OUT" | grep -q "no BPF trampolines for this architecture.*kprobes reach the same functions"; then
    # Debian's 6.1 arm64 kernel has none (arm64's came with 6.4's ftrace direct calls).
    skip "this kernel has no BPF trampolines for $ARCH, as tine says (naming kprobes)"
fi
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1234 *\}: 10$' || fail "args->count of vfs_read is not 1234 in 10 reads"
echo "$OUT" | grep -qE '^@bytes: *12340$' || fail "args.count does not sum to 12340"
run_tine -c 'dd if=/dev/zero of=/dev/null bs=1234 count=10 2>/dev/null; dd if=/ of=/dev/null bs=1 count=1 2>/dev/null; true' \
    'kretfunc:vfs_read / comm == "dd" / { @[retval] = count(); $i = args->file->f_inode->i_ino; @ino[$i > 0] = count(); @f[func] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^\{ *1234 *\}: 10$' || fail "retval of vfs_read is not 1234 in 10 reads"
echo "$OUT" | grep -qE '^\{ *-21 *\}: 1$' || fail "retval of the read of a directory is not -21"
echo "$OUT" | grep -qE '^\{ *1 *\}: ' || fail "no inode number read through args->file->f_inode"
echo "$OUT" | grep -qE '^\{ *vfs_read *\}: ' || fail "func is not vfs_read"
run_tine -f bpftrace -c 'dd if=/dev/zero of=/dev/null bs=512 count=7 2>/dev/null' \
    'kfunc:vfs_read / comm == "dd" / { @[comm] = count(); @k[kstack] = count(); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qE '^@\[dd\]: 7$' || fail "bpftrace's layout of 7 reads by dd is not @[dd]: 7"
echo "$OUT" | grep -qE '^ +ksys_read' || fail "kstack in fentry has no ksys_read frame"
run_tine -c 'cat /etc/tine-vm-arch >/dev/null' \
    'fentry:do_sys_openat2 / comm == "cat" / { printf("open %s\n", str(args->filename)); }'
[ "$STATUS" = 0 ] || fail "tine failed"
echo "$OUT" | grep -qx 'open /etc/tine-vm-arch' || fail "str(args->filename) of cat's open is not its file"
run_tine 'fentry:no_such_function_here { @ = count(); }'
[ "$STATUS" = 1 ] || fail "an unknown function was not refused"
echo "$OUT" | grep -q "has no function .no_such_function_here.*kprobe:no_such_function_here" ||
    fail "the refusal does not name the kprobe spelling"
true
