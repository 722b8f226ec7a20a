# BEGIN runs once at start; exit(N) ends the trace with N as tine's exit status. Also through
# the older kernels' path (TINE_FORCE=test_run): BEGIN and END on uprobes of tine's own code,
# which on 32-bit ARM must be ARM code even in a Thumb-2 build.
. /etc/tine-vm-lib.sh
run_tine 'BEGIN { exit(3); }'
[ "$STATUS" = 3 ] || fail "exit(3) in BEGIN gave exit status $STATUS"
export TINE_FORCE=test_run
run_tine 'BEGIN { printf("begin\n"); exit(4); } END { printf("end\n"); }'
[ "$STATUS" = 4 ] || fail "exit(4) in BEGIN on uprobes gave exit status $STATUS: $OUT"
[ "$(echo $OUT)" = "begin end" ] || fail "BEGIN and END on uprobes printed '$OUT'"
