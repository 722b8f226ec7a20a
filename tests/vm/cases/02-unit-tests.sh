# The library's unit tests pass on this architecture and kernel: byte orders, struct layouts,
# and the tests that read the running kernel (kallsyms, tracefs formats, function listings).
# timeout: 300
# (Emulated and on a loaded host, the BTF reader's damaged-file test alone took over 60 s.)
. /etc/tine-vm-lib.sh
tine-unit-tests --test-threads=2 -q || fail "unit tests failed on $ARCH"
