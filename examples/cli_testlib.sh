#!/usr/bin/env bash
# Checks shared by the CLI test scripts (examples/test_cli*.sh), sourced by
# each. A script defines run() (how it calls crm, leaving ./out and ./err and
# setting $status and $last) and counts with $checks and $failures.

fail() {
    failures=$((failures + 1))
    echo "FAIL: $last: $*"
    sed 's/^/    stdout: /' out | head -n 15
    sed 's/^/    stderr: /' err | head -n 5
}

# expect STATUS [--stdin TEXT] ARGS...: runs crm and checks its exit status.
expect() {
    local want=$1
    shift
    run "$@"
    checks=$((checks + 1))
    [[ $status == "$want" ]] || fail "exit $status, expected $want"
}

# Checks on the output of the last run.
out_has() { grep -qF -- "$1" out || fail "stdout lacks '$1'"; }

out_lacks() { ! grep -qF -- "$1" out || fail "stdout has '$1'"; }

err_has() { grep -qF -- "$1" err || fail "stderr lacks '$1'"; }

out_matches() { grep -qE -- "$1" out || fail "stdout does not match /$1/"; }

out_empty() { [[ ! -s out ]] || fail "stdout not empty"; }

err_empty() { [[ ! -s err ]] || fail "stderr not empty"; }

out_lines() {
    local n
    n=$(wc -l <out)
    [[ $n == "$1" ]] || fail "stdout has $n lines, expected $1"
}
