#!/usr/bin/env bash
# Tests 'crm customer search' end to end: the --json contract (one JSON object
# per line, each with customer_no and name), exact options, fuzzy names and
# their order, filters, keyset pages with --after, exit statuses, and that a
# relationship manager finds only their own customers.
#
#   examples/test_cli_search.sh PATH/TO/crm
#
# Needs bash and python3. Works in a temporary directory it removes (kept
# with KEEP=1); exits 1 when any check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-search.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

fail() {
    failures=$((failures + 1))
    echo "FAIL: $last: $*"
    sed 's/^/    stdout: /' out | head -n 10
    sed 's/^/    stderr: /' err | head -n 5
}

# The customer numbers of --json output, space-separated, after checking
# that every line is one JSON object with customer_no and name.
json_nos() {
    python3 -c '
import json, sys
nos = []
for line in sys.stdin:
    o = json.loads(line)
    assert isinstance(o, dict) and o["customer_no"] and o["name"], line
    nos.append(o["customer_no"])
print(" ".join(nos))' <out 2>&1
}

# expect_nos "NOS" ARGS...: search --json ARGS gives exactly these customers.
expect_nos() {
    local want=$1 got
    shift
    expect 0 --json customer search "$@"
    got=$(json_nos)
    [[ $got == "$want" ]] || fail "customers '$got', expected '$want'"
}

setup() {
    expect 0 keygen
    expect 0 init --admin admin
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 user add rm1 --display-name 一 --roles relationship_manager --branch BJ
    expect 0 user add rm2 --display-name 二 --roles relationship_manager --branch BJ
    expect 0 customer add C001 --name 张三 --branch BJ --manager rm1 \
        --id-number 11010519491231002X --phone 13900000001 --total-assets 1000
    expect 0 customer add C002 --name 王小明 --branch BJ --manager rm2 --phone 13900000001 \
        --total-assets 5000.50
    expect 0 customer add C003 --name 小明 --branch BJ --manager rm1 --province 广东 \
        --total-assets 20
    expect 0 customer add C004 --name 小明远 --branch BJ --manager rm1
}

test_contract() {
    expect 0 customer search --help
    out_has "--id-number"
    out_has "--after CURSOR"
    expect_nos "C001" --id-number 110105491231002
    expect_nos "C001 C002" --phone +8613900000001
    expect_nos "C003 C004 C002" --name 小明
    expect_nos "C001" --where '{"==": [{"var": "age"}, 76]}'
    expect_nos "C002 C001" --assets-min 1000 --sort -total_assets
    expect_nos "C003" --province 广东省
    expect_nos "" --name 孙悟空
    # a table for people, and the next page's cursor on stderr
    expect 0 customer search --name 小明 --limit 2
    out_has "CUSTOMER NO"
    out_has "小明远"
    err_has "--after "
}

test_pages() {
    local cursor seen=""
    expect 0 --json customer search --sort customer_no --limit 3
    seen=$(json_nos)
    cursor=$(tail -n 1 out | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')
    expect 0 --json customer search --sort customer_no --limit 3 --after "$cursor"
    seen="$seen $(json_nos)"
    [[ $seen == "C001 C002 C003 C004" ]] || fail "pages gave '$seen'"
    expect 3 customer search --sort name --after "$cursor"
    err_has "cursor"
}

test_errors() {
    expect 3 customer search --phone 123
    err_has "phone"
    expect 3 customer search --gender X
    err_has "gender"
    expect 2 customer search --limit many
    expect 2 customer search --assets-min 1.234
    expect 2 customer search --frob
}

test_access() {
    expect_nos "C001 C003 C004" --as rm1
    expect_nos "C001" --as rm1 --phone 13900000001
    expect_nos "" --as rm1 --name 王小明
    expect_nos "" --as rm1 --customer-no C002
}

setup
test_contract
test_pages
test_errors
test_access

echo "test_cli_search: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
