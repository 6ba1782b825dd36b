#!/bin/sh
# Runs every benchmark of a build directory. CRM_BENCH_SCALE (default 1)
# scales the work: CI runs at 0.02 only to keep the benchmarks working.
# usage: bench/run.sh BUILD_DIR
set -eu
dir=${1:-build}
cd "$dir/bench"
for b in ./bench_*; do
    [ -x "$b" ] || continue
    echo "--- $b (scale ${CRM_BENCH_SCALE:-1})"
    "$b"
done
