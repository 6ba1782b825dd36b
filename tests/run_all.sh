#!/bin/bash
# Builds and runs every test: the C suites under ctest in a plain build
# (-Werror) and a sanitized one (AddressSanitizer + UndefinedBehaviorSanitizer,
# leaks fail), the Python binding's unittest suite, and a short benchmark run
# so the benchmarks keep working. Ends with one line: "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0 failures=""

stage() { # name, command...
    local name=$1 start=$SECONDS; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $name"; fi
    echo "=== $name: $((SECONDS - start)) s"
}

build() { # dir, cmake options...; $build_targets: what to build (default all)
    local dir=$1; shift
    cmake -S "$root" -B "$dir" -DCRM_WERROR=ON "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    if ! cmake --build "$dir" -j"$jobs" ${build_targets:+--target $build_targets} \
        >"$dir.build.log" 2>&1; then
        grep -E "error|Error" "$dir.build.log" | head -40
        return 1
    fi
}

# ctest, then the figures the hardening tests print (failure points passed,
# crash cycles, concurrency latencies) from its log, which keeps passing
# tests' output.
ctest_in() {
    local status=0
    (cd "$1" && ctest --output-on-failure -j"$jobs" --timeout 900) || status=$?
    grep -hE '^(fault_alloc|fault_io|crash|concurrency): ' "$1/Testing/Temporary/LastTest.log"
    return $status
}

# Sanitizer findings (leaks included) abort the test that hit them.
ctest_sanitized() {
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest_in "$1"
}

# The sanitized and fuzzing builds compile in the background while the
# Python and benchmark stages run (each keeps one core at most); their stages
# then wait for them and show their output. Not beside ctest: the
# concurrency test's latencies are figures, taken with the machine to itself.
finish() { # pid, log
    local status=0
    wait "$1" || status=$?
    cat "$2"
    return $status
}

# libFuzzer for 60 s in all (clang), split across the targets: the rule engine,
# CSV/JSON Lines import and the YAML loaders (tests/fuzz/run.sh).
build_fuzz() {
    build_targets="fuzz_rule fuzz_import fuzz_config" CC=clang \
        build "$fuzzing" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRM_BUILD_FUZZ=ON \
        -DCRM_BUILD_EXAMPLES=OFF -DCRM_BUILD_BENCH=OFF
}

fuzz() {
    finish "$fuzz_build" "$fuzzing.stage.log" &&
        sh "$root/tests/fuzz/run.sh" "$fuzzing" "${CRM_FUZZ_SECONDS:-60}"
}

plain=$root/build sanitized=$root/build-asan fuzzing=$root/build-fuzz
mkdir -p "$plain" "$sanitized" "$fuzzing"

stage "build" build "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "ctest" ctest_in "$plain"

build "$sanitized" -DCMAKE_BUILD_TYPE=Debug -DCRM_SANITIZE=ON -DCRM_BUILD_BENCH=OFF \
    >"$sanitized.stage.log" 2>&1 &
sanitized_build=$!
have_clang=false
if command -v clang >/dev/null 2>&1; then
    have_clang=true
    build_fuzz >"$fuzzing.stage.log" 2>&1 &
    fuzz_build=$!
fi
stage "python" env CRM_LIBRARY="$plain/lib/libcrm.so.1" \
    python3 -m unittest discover -s "$root/bindings/python/tests" -t "$root/bindings/python"
stage "bench-smoke" env CRM_BENCH_SCALE=0.02 bash "$root/bench/run.sh" "$plain"
stage "build-sanitized (begun with python)" finish "$sanitized_build" "$sanitized.stage.log"
stage "ctest-sanitized" ctest_sanitized "$sanitized"
if $have_clang; then
    stage "fuzz (built from python on)" fuzz
else
    echo "=== fuzz: skipped, clang is not installed"
fi

[ -n "$failures" ] && echo "failed stages:$failures"
echo "run_all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
