# BEGIN runs once at start; exit(N) ends the trace with N as tine's exit status.
. /etc/tine-vm-lib.sh
run_tine 'BEGIN { exit(3); }'
[ "$STATUS" = 3 ] || fail "exit(3) in BEGIN gave exit status $STATUS"
