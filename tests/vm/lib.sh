# Helpers for the guest's cases, sourced as /etc/tine-vm-lib.sh (busybox sh).
ARCH=$(cat /etc/tine-vm-arch)
TRACEFS=/sys/kernel/tracing

# The case passes no further: the reason is the last line it printed.
fail() { echo "$*"; exit 1; }
skip() { echo "$*"; exit 77; }

# A fact about the guest, listed by the host in its report.
fact() { echo "fact: $*"; }

# Runs tine, its output in $OUT and its exit status in $STATUS; prints both for the log.
run_tine() {
    OUT=$(tine "$@" 2>&1)
    STATUS=$?
    echo "\$ tine $*"
    echo "$OUT"
    echo "(exit $STATUS)"
}

# Whatever tine attached through tracefs must be gone once it has exited.
assert_tracefs_clean() {
    # Read, not `test -s`: tracefs files have size 0 whatever they hold.
    for events in kprobe_events uprobe_events; do
        left=$(cat "$TRACEFS/$events")
        [ -n "$left" ] && fail "tine left probes in $events: $left"
    done
    return 0
}

# Oopses of the mipsel kernel (6.1, malta, TCG) in a kprobe's single-step slot: now and then it
# kills the process that hit the probe ("Break instruction in kernel code" at the slot's
# trailing break), with or without tine (tests/vm/README.md). A case that sees one says so as a
# fact; tine's counts stay exact. /init runs a case the oops made fail again.
kprobe_oopses() { dmesg | grep -c 'Break instruction in kernel code'; }
