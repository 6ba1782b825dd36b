#!/bin/sh
# Fuzzes the rule engine for SECONDS (default 60) from the seed corpus, with
# a build directory configured with CC=clang -DCRM_BUILD_FUZZ=ON. New inputs
# go to a scratch directory; a crash leaves crash-* files here: add each to
# tests/fuzz/corpus/ (named for what it found) once fixed.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -eu
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
fuzzer="$build/tests/fuzz/fuzz_rule"
if [ ! -x "$fuzzer" ]; then
    echo "fuzz: $fuzzer not built (needs clang and -DCRM_BUILD_FUZZ=ON)" >&2
    exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$scratch" "$here/corpus"
