# `tine -T` on a kernel without BTF (the file taken away by mounting an empty file over it, as
# on router images built without it) names the option that brings it, OpenWrt's name for it and
# what still works; with the file back, it names nothing of BTF.
. /etc/tine-vm-lib.sh
btf=/sys/kernel/btf/vmlinux
[ -e "$btf" ] || skip "this kernel has no $btf to take away"
: >/tmp/empty
mount -o bind /tmp/empty "$btf" || skip "cannot mount over $btf"
run_tine -T
umount "$btf"
echo "$OUT" | grep -q '^kernel BTF: *no$' || fail "-T did not see BTF gone"
echo "$OUT" | grep -q '^no kernel BTF: build the kernel with CONFIG_DEBUG_INFO_BTF (OpenWrt: CONFIG_KERNEL_DEBUG_INFO_BTF' ||
    fail "-T did not name CONFIG_DEBUG_INFO_BTF and OpenWrt's option"
echo "$OUT" | grep -q 'without it tine still traces every probe' || fail "-T did not say what still works"
run_tine -T
echo "$OUT" | grep -q '^no kernel BTF' && fail "-T named BTF missing with the file back"
true
