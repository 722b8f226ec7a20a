# Two dd's doing 20,000 one-byte reads each, pinned to CPU 0 and CPU 1 where there are two, are
# counted exactly (per-CPU values, summed when printed, make counts exact where a JIT's atomics
# are weakest): 20,000 per process, through both attach paths, and as many as the read(2)
# tracepoint saw.
# On mipsel (6.1, malta, TCG) the kernel itself oopses now and then in a kprobe's single-step
# slot ("Break instruction in kernel code" at the slot's trailing break) and kills that dd: the
# counts then fall short, and must still equal the reads the tracepoint saw; the oops is a fact.
. /etc/tine-vm-lib.sh
cpus=$(nproc)
second=$((cpus > 1 ? 1 : 0))
for force in "" tracefs; do
    export TINE_FORCE=$force
    oopses=$(kprobe_oopses)
    run_tine -c "taskset -c 0 dd if=/dev/zero of=/dev/null bs=1 count=20000 &
                 taskset -c $second dd if=/dev/zero of=/dev/null bs=1 count=20000 &
                 wait" \
        'kprobe:vfs_read / !strcmp(comm, "dd") / { @["reads"] = count(); @per[pid] = count(); @on[cpu] = count(); }
         tracepoint:syscalls/sys_enter_read / !strcmp(comm, "dd") / { @syscalls = count(); }'
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    count=$(echo "$OUT" | sed -n 's/^{ reads *}: \([0-9]*\)$/\1/p')
    syscalls=$(echo "$OUT" | sed -n 's/^@syscalls: \([0-9]*\)$/\1/p')
    [ "$count" = "$syscalls" ] || fail "counted '$count' vfs_read calls but '$syscalls' read(2) calls of dd (TINE_FORCE=$force)"
    if [ "$count" != 40000 ]; then
        [ "$(kprobe_oopses)" -gt "$oopses" ] || fail "counted '$count' reads of two dd's, not 40000, with no kernel oops (TINE_FORCE=$force)"
        fact "the kernel oopsed in a kprobe's single-step slot and killed a dd: $count reads made and counted (TINE_FORCE=$force)"
        assert_tracefs_clean
        continue
    fi
    # Two rows of @per, 20000 each (more would be a read dd makes before its first block).
    rows=$(echo "$OUT" | sed -n '/^@per:/,/^$/p' | grep -cE '^\{ *[0-9]+ *\}: 20000$')
    [ "$rows" = 2 ] || fail "not two processes of 20000 reads each (TINE_FORCE=$force)"
    used=$(echo "$OUT" | sed -n '/^@on:/,/^$/p' | grep -cE '^\{ *[0-9]+ *\}: [1-9]')
    [ "$used" = "$((second + 1))" ] || fail "the reads ran on $used CPUs, not $((second + 1)) (TINE_FORCE=$force)"
    assert_tracefs_clean
done
