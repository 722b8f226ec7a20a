# On a kernel with kprobes, globs expand against available_filter_functions minus the kprobes
# blacklist — which the build machine cannot show: it has no kprobes and refuses that listing.
. /etc/tine-vm-lib.sh
test=provider::kprobe::tests::the_running_kernel_lists_its_read_path
output=$(TINE_REQUIRE_KERNEL=1 tine-unit-tests --exact "$test" --nocapture 2>&1)
status=$?
echo "$output"
[ "$status" = 0 ] || fail "$test failed"
echo "$output" | grep -q '1 passed' || fail "$test did not run"
echo "$output" | grep -q 'from available_filter_functions, blacklist applied' ||
    fail "the listing did not come from available_filter_functions with the blacklist"
