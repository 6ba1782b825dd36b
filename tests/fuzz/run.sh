#!/bin/sh
# Fuzzes every target for SECONDS in all (default 60), split evenly, each
# from its seed corpus, with a build directory configured with CC=clang
# -DCRM_BUILD_FUZZ=ON. New inputs go to a scratch directory; a crash leaves
# crash-* files in the current directory: add each to the target's corpus
# (named for what it found) once fixed. Fails at the first target that
# finds something.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]
#   targets: rule (corpus/), import (corpus-import/), config (corpus-config/)
set -eu
build=$1
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
targets=${*:-rule import config}
here=$(cd "$(dirname "$0")" && pwd)
count=$(echo $targets | wc -w)
each=$((seconds / count))
[ "$each" -ge 1 ] || each=1
for t in $targets; do
    fuzzer="$build/tests/fuzz/fuzz_$t"
    if [ ! -x "$fuzzer" ]; then
        echo "fuzz: $fuzzer not built (needs clang and -DCRM_BUILD_FUZZ=ON)" >&2
        exit 1
    fi
    corpus=$here/corpus-$t
    [ "$t" = rule ] && corpus=$here/corpus
    scratch=$(mktemp -d)
    echo "=== fuzz_$t for ${each} s"
    status=0
    "$fuzzer" -max_total_time="$each" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$scratch" "$corpus" || status=$?
    rm -rf "$scratch"
    [ "$status" -eq 0 ] || exit "$status"
done
