# The guest has what the kprobe cases need: tracefs, the kprobe PMU, a writable kprobe_events.
. /etc/tine-vm-lib.sh
fact "kernel $(uname -r) $(uname -m), $(nproc) CPUs"
for option in CONFIG_KPROBES CONFIG_UPROBES CONFIG_BPF_SYSCALL CONFIG_BPF_JIT CONFIG_KPROBE_EVENTS CONFIG_DEBUG_INFO_BTF; do
    fact "$(grep -E "^$option=|^# $option is not set" /etc/kernel-config || echo "$option absent")"
done
[ -e /sys/kernel/btf/vmlinux ] && fact "BTF at /sys/kernel/btf/vmlinux"
[ -r "$TRACEFS/available_filter_functions" ] &&
    fact "available_filter_functions lists $(wc -l <"$TRACEFS/available_filter_functions") functions"
[ -r /sys/kernel/debug/kprobes/blacklist ] &&
    fact "kprobes blacklist lists $(wc -l </sys/kernel/debug/kprobes/blacklist) ranges"

grep -q " $TRACEFS tracefs " /proc/mounts || fail "tracefs is not mounted at $TRACEFS"
fact "tracefs mounted at $TRACEFS"
for pmu in kprobe uprobe; do
    type=/sys/bus/event_source/devices/$pmu/type
    [ -r "$type" ] || fail "no $pmu PMU: $type is missing"
    fact "$pmu PMU type $(cat "$type")"
done

# A kprobe made through the legacy text interface, then removed again.
echo 'p:tinevm/facts vfs_read' >>"$TRACEFS/kprobe_events" || fail "kprobe_events refused a probe on vfs_read"
[ -d "$TRACEFS/events/tinevm/facts" ] || fail "the kprobe event did not appear under events/tinevm"
echo '-:tinevm/facts' >>"$TRACEFS/kprobe_events" || fail "kprobe_events refused to remove the probe"
assert_tracefs_clean
fact "kprobe_events writable"
