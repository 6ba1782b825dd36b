#!/usr/bin/env bash
# Checks shared by the CLI test scripts (examples/test_cli*.sh), sourced by
# each. run() calls $CRM with no input, leaving ./out and ./err and setting
# $status and $last (a script needing input defines its own); scripts count
# with $checks and $failures.

source "$(dirname "${BASH_SOURCE[0]}")/python3.sh"

run() {
    last="crm $*"
    "$CRM" "$@" </dev/null >out 2>err
    status=$?
}

# json_eq PYTHON-EXPR VALUE: the expression over the JSON value `o` of stdout.
json_eq() {
    local got
    got=$(python3 -c "import json,sys; o = json.load(sys.stdin); v = ($1)
print(v if isinstance(v, str) else repr(v))" <out 2>&1)
    [[ $got == "$2" ]] || fail "$1 is '$got', expected '$2'"
}

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
