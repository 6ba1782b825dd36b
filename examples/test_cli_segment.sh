#!/usr/bin/env bash
# Tests 'crm segment' and 'crm tag' end to end: --help, the contract forms
# (segment create NAME --rule FILE [--live] [--branch B], preview, refresh,
# members NAME --json with one object per line, diff, list, delete), exit
# statuses, static and combined segments, a live segment following a
# customer update, an RM seeing only their own members, and the tag
# commands (add-category, add with a rule, apply, remove, list, stats,
# refresh).
#
#   examples/test_cli_segment.sh PATH/TO/crm
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-segment.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

# json_lines EXPR VALUE: EXPR over `rows`, the JSON objects of stdout's lines.
json_lines() {
    local got
    got=$(python3 -c "import json,sys; rows = [json.loads(l) for l in sys.stdin if l.strip()]
v = ($1); print(v if isinstance(v, str) else repr(v))" <out 2>&1)
    [[ $got == "$2" ]] || fail "$1 is '$got', expected '$2'"
}

test_help() {
    expect 0 segment --help
    for sub in create combine preview refresh members diff list delete; do
        out_has "  $sub "
    done
    expect 0 segment create --help
    out_has "Usage: crm segment create NAME"
    out_has "--live"
    expect 0 tag --help
    for sub in add-category add apply remove list stats refresh; do
        out_has "  $sub "
    done
    expect 2 segment create S1
    err_has "exactly one of --rule and --customers"
    expect 2 segment preview
    expect 2 tag apply C001
}

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 branch add GZ --name 广州分行 --parent HO
    expect 0 user add rm.a --display-name 甲 --roles relationship_manager --branch BJ
    expect 0 user add rm.b --display-name 乙 --roles relationship_manager --branch BJ
    expect 0 user add bm.gz --display-name 丙 --roles branch_manager --branch GZ
    expect 0 customer add C001 --name 张三 --id-type passport --birth-date 1985-03-01 \
        --city 北京 --total-assets 600000 --branch BJ --manager rm.a
    expect 0 customer add C002 --name 李四 --id-type passport --birth-date 1980-06-01 \
        --city 北京 --total-assets 800000 --branch BJ --manager rm.b
    expect 0 customer add C003 --name 王五 --id-type passport --birth-date 1988-12-31 \
        --city 北京 --total-assets 500000 --branch BJ --manager rm.b
    expect 0 customer add C004 --name 赵六 --id-type passport --birth-date 1986-05-05 \
        --city 广州 --total-assets 900000 --branch GZ
    cat >seed.yaml <<'YAML'
and:
  - ">=": [{var: age}, 35]
  - "<=": [{var: age}, 45]
  - "==": [{var: city}, 北京]
  - ">=": [{var: assets}, 50000000]   # 500,000 yuan in fen
YAML
    echo '{">=": [{"var": "assets"}, 70000000]}' >rich.json
}

test_segments() {
    expect 0 segment preview --rule seed.yaml
    out_has "2 customers"
    expect 0 --json segment preview --rule seed.yaml
    out_has '{"count":2}'
    expect 0 segment create seed --rule seed.yaml
    out_has "members"
    expect 0 --json segment members seed
    out_lines 2
    json_lines '[r["customer_no"] for r in rows]' "['C001', 'C003']"
    json_lines '[r["name"] for r in rows]' "['张三', '王五']"
    expect 0 --json --as rm.a segment members seed
    json_lines '[r["customer_no"] for r in rows]' "['C001']"
    expect 0 segment diff seed
    out_has "joined"
    expect 0 --json segment refresh seed
    out_has '"joined":0'
    expect 6 segment create seed --rule seed.yaml
    expect 3 segment create bad --rule rich.json --branch BJ --description ''
    echo '{"==": [{"var": "cty"}, 1]}' >typo.json
    expect 4 segment create bad --rule typo.json
    err_has 'did you mean "city"'
    expect 4 segment refresh nope
    expect 5 --as rm.a segment create mine --rule seed.yaml

    # live: an update moves C003 in at once
    expect 0 segment create rich --rule rich.json --live
    expect 0 --json segment members rich
    json_lines '[r["customer_no"] for r in rows]' "['C002', 'C004']"
    expect 0 customer update C003 --total-assets 750000 --version 1
    expect 0 --json segment members rich
    json_lines '[r["customer_no"] for r in rows]' "['C002', 'C003', 'C004']"
    expect 0 --json segment diff rich
    json_lines '[(r["customer_no"], r["change"]) for r in rows][-1]' "('C003', 'joined')"

    # static and combined
    expect 0 segment create picked --customers C001,C004
    expect 0 segment combine both --op union --of seed,picked
    expect 0 --json segment members both
    json_lines '[r["customer_no"] for r in rows]' "['C001', 'C003', 'C004']"
    expect 2 segment combine odd --op xor --of seed,picked

    # branch zones
    expect 0 --as bm.gz segment create gz_rich --rule rich.json
    expect 0 --json --as bm.gz segment members gz_rich
    json_lines '[r["customer_no"] for r in rows]' "['C004']"
    expect 0 segment list
    out_has gz_rich
    expect 0 --as rm.a segment list
    out_lacks gz_rich
    out_has seed
    expect 5 --as bm.gz segment create bj --rule rich.json --branch BJ

    expect 6 segment delete seed
    err_has "used by segment both"
    expect 0 segment delete both
    expect 0 segment delete seed
    expect 4 segment members seed
}

test_tags() {
    expect 0 tag add-category 客户价值
    expect 0 tag add-category 资产 --parent 客户价值
    expect 0 tag add vip --parent 客户价值
    expect 0 tag add 高净值 --parent 资产 --rule rich.json
    expect 6 tag add vip --parent 资产
    expect 4 tag add x --parent 无此类
    expect 0 tag list
    out_has "客户价值/资产/高净值"
    expect 0 tag refresh
    out_has "3 tag applications changed"
    expect 0 tag apply C001 vip --to 2099-01-01
    expect 0 tag apply C002 vip --source model
    expect 2 tag apply C001 vip --source rule
    expect 3 tag apply C001 vip --from soon
    expect 0 --json tag list C001
    out_has '"tag":"vip"'
    expect 0 --json tag stats
    out_has '"tag":"vip"'
    out_has '"manual":1'
    out_has '"model":1'
    out_has '"rule":3'
    expect 0 tag remove C001 vip
    expect 4 tag remove C001 vip
    expect 5 --as rm.a tag refresh
    echo '{"in": ["vip", {"var": "tags"}]}' >vip.json
    expect 0 segment preview --rule vip.json
    out_has "1 customers"
}

test_help
test_setup
test_segments
test_tags

echo "test_cli_segment: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
