#!/bin/sh
# Regenerates vectors.txt: every line of cases.s with the bytes LLVM's BPF assembler gives it,
# little-endian then big-endian. The vectors are committed, so the tests need no LLVM; rerun this
# only when cases.s changes. Needs llvm-mc of LLVM 18 or later for the v4 instructions
# (sdiv/smod, movsx, sign-extending loads, gotol, bswap): `apt-get install llvm-19`.
set -eu
cd "$(dirname "$0")"
mc=${LLVM_MC:-llvm-mc-19}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for triple in bpfel bpfeb; do
    "$mc" -triple "$triple" -mcpu=v4 -show-encoding cases.s |
        sed -n 's/.*# encoding: \[\(.*\)\]$/\1/p' | sed 's/0x//g; s/,/ /g' >"$tmp/$triple"
    [ "$(wc -l <"$tmp/$triple")" -eq "$(wc -l <cases.s)" ] || { echo "$triple: not one encoding per case" >&2; exit 1; }
done
{
    echo "# $mc -triple bpfel (and bpfeb) -mcpu=v4 -show-encoding cases.s ($("$mc" --version | sed -n 's/.*LLVM version \([0-9.]*\).*/LLVM \1/p'))"
    echo "# case, little-endian bytes, big-endian bytes; tab-separated"
    paste cases.s "$tmp/bpfel" "$tmp/bpfeb"
} >vectors.txt
