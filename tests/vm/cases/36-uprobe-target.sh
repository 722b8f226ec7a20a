# uprobes and uretprobes on /bin/tinetarget (tests/vm/tinetarget.c, built for this guest with its
# symbols), through both attach paths: argN and retval from this architecture's registers,
# counted exactly, and str() of a string on the target's stack (an argument) and of one it
# returns. Every number is compared with what the target says it did. On 32-bit ARM, Thumb code
# (which the kernel's uprobes would corrupt, not probe) is refused.
. /etc/tine-vm-lib.sh
calls=40
target=/bin/tinetarget
# The target's own account of a call site: `what=work ...` prints its lines without the word.
did() { echo "$OUT" | sed -n "s/^$1 //p"; }
# The count of a map row `{ KEY }: N` in section @MAP (keys padded as tine pads them).
row() {
    echo "$OUT" | sed -n "/^@$1:\$/,/^\$/p" | sed -n "s/^{ *$2 *}: \([0-9]*\)\$/\1/p"
}
for force in "" tracefs; do
    export TINE_FORCE=$force
    run_tine -c "$target $calls" \
        "uprobe:$target:work { @args[arg0, arg1] = count(); } uretprobe:$target:work { @ret[retval] = count(); }"
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    [ "$(did work | wc -l)" = 3 ] || fail "the target did not say what it did (TINE_FORCE=$force)"
    did work | while read -r big small made returned; do
        [ "$made" = $((small * calls)) ] || fail "the target made $made calls of work($big, $small), not $((small * calls))"
        got=$(row args "$big, $small")
        [ "$got" = "$made" ] || fail "uprobe counted '$got' calls of work($big, $small), not $made (TINE_FORCE=$force)"
        got=$(row ret "$returned")
        [ "$got" = "$made" ] || fail "uretprobe counted '$got' returns of $returned, not $made (TINE_FORCE=$force)"
    done || exit 1
    [ "$(row args '[0-9, ]*' | wc -l)" = 3 ] || fail "arguments other than the target's were counted (TINE_FORCE=$force)"
    assert_tracefs_clean

    run_tine -c "$target $calls" \
        "uprobe:$target:greet { @greet[str(arg0)] = count(); } uretprobe:$target:name { @name[str(retval)] = count(); }"
    [ "$STATUS" = 0 ] || fail "tine failed (TINE_FORCE=$force)"
    for what in greet name; do
        [ -n "$(did $what)" ] || fail "the target did not say what $what did (TINE_FORCE=$force)"
        did $what | while read -r text made; do
            got=$(row $what "$text")
            [ "$got" = "$made" ] || fail "counted '$got' $what calls with '$text', not $made (TINE_FORCE=$force)"
        done || exit 1
    done
    assert_tracefs_clean
done

# printf of str(): one line per call, in call order.
run_tine -c "$target 3" \
    "uprobe:$target:greet { printf(\"arg %s\\n\", str(arg0)); } uretprobe:$target:name { printf(\"ret %s\\n\", str(retval)); }"
[ "$STATUS" = 0 ] || fail "tine failed"
printed=$(echo "$OUT" | grep -E '^(arg|ret) ' | tr '\n' ' ')
[ "$printed" = "arg greet-0 arg greet-1 arg greet-0 ret alpha ret beta ret gamma " ] ||
    fail "printf of str() printed '$printed'"
assert_tracefs_clean

if [ "$ARCH" = armv7 ]; then
    run_tine "uprobe:$target:thumb_work { @ = count(); }"
    [ "$STATUS" = 1 ] || fail "a uprobe on Thumb code was not refused"
    echo "$OUT" | grep -q 'is Thumb code' || fail "the refusal does not say why"
    assert_tracefs_clean
fi
