#!/usr/bin/env bash
# Per-event cost of tine's programs against the anchors, with the workplace's nsevent.sh (root,
# bpftool). Usage: tests/bench/nsevent.sh [runs]   (PLY=/path/to/ply BPFTRACE=bpftrace to compare)
# Prints one line per run: tracer, script, ns/event, xlated instructions, JIT size.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
nsevent=${NSEVENT:-../shared/bench/nsevent.sh}
cargo build -q --release --bin tine
measure() {
    local tracer=$1 script=$2
    for _ in $(seq "$runs"); do
        printf '%-9s %-62s ' "$(basename "${tracer%% *}")" "$script"
        bash "$nsevent" $tracer "$script" | tail -1
    done
}
measure target/release/tine 'tracepoint:syscalls/sys_enter_read { @[comm] = count(); }'
measure target/release/tine 'tracepoint:syscalls/sys_exit_read { @ = quantize(data->ret); }'
if [ -n "${PLY:-}" ]; then
    measure "$PLY" 'tracepoint:syscalls/sys_enter_read { @[comm] = count(); }'
    # ply has no keyless maps: `@[0]` is its nearest spelling.
    measure "$PLY" 'tracepoint:syscalls/sys_exit_read { @[0] = quantize(data->ret); }'
fi
if [ -n "${BPFTRACE:-}" ]; then
    measure "$BPFTRACE -e" 'tracepoint:syscalls:sys_enter_read { @[comm] = count(); }'
    measure "$BPFTRACE -e" 'tracepoint:syscalls:sys_exit_read { @ = hist(args->ret); }'
fi
