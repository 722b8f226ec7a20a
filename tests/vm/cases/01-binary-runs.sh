# tine's static binary is built for this architecture and runs here.
. /etc/tine-vm-lib.sh
# e_machine, little-endian at byte 18: 62 x86_64, 183 aarch64, 40 ARM, 8 MIPS.
machine=$(od -An -tu2 -j18 -N2 /bin/tine | tr -d ' ')
case "$ARCH:$machine" in
    x86_64:62 | aarch64:183 | armv7:40 | mipsel:8) ;;
    *) fail "/bin/tine has e_machine $machine, not $ARCH's" ;;
esac
fact "tine binary $(wc -c </bin/tine) bytes"
run_tine -e 'BEGIN { exit(0); }'
# 126/127 are the shell's "cannot execute"/"not found"; a binary of a foreign architecture gets
# ENOEXEC, and busybox sh then reads it as a script and reports a syntax error.
case $STATUS in 126 | 127) fail "the shell could not execute /bin/tine (exit $STATUS)" ;; esac
case $OUT in
    *"not found"* | *"Exec format error"* | *"syntax error"* | *"cannot execute"*)
        fail "/bin/tine did not execute: $OUT" ;;
esac
echo "tine executed (exit $STATUS)"
