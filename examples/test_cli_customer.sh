#!/usr/bin/env bash
# Tests 'crm customer' end to end: every subcommand, its --help, its exit
# statuses (3 invalid data naming the field, 4 not found, 5 permission,
# 6 conflict), the 'get --json' contract and the audit of reveals.
#
#   examples/test_cli_customer.sh PATH/TO/crm
#
# Needs bash and python3 (to check JSON). Works in a temporary directory it
# removes (kept with KEEP=1). Prints one line per failed check and a summary;
# exits 1 when any check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if ! command -v python3 >/dev/null; then
    echo "test_cli_customer: python3 is needed to check JSON output" >&2
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-customer.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

# run ARGS...: runs crm, sets $status, leaves ./out and ./err.

# stdout is exactly one JSON object.
out_is_object() {
    python3 -c 'import json,sys; o = json.load(sys.stdin); assert isinstance(o, dict)' <out \
        2>/dev/null || fail "stdout is not one JSON object"
}
# json_eq PYTHON-EXPR VALUE: the expression over the object `o` read from
# stdout is VALUE: a str as itself, anything else as its repr.

# ----------------------------------------------------------------- help

test_help() {
    local sub
    local subs="add get update reveal view assign move-book delete-request delete-approve
                purge-due id-check"
    expect 0 --help
    out_has "  customer "
    expect 0 customer --help
    out_has "Usage: crm customer SUBCOMMAND"
    err_empty
    for sub in $subs; do
        out_has "  $sub "
    done
    for sub in $subs; do
        expect 0 customer "$sub" --help
        out_has "Usage: crm customer $sub"
        out_has "--help"
        err_empty
    done
    # --help needs no database, key or valid arguments.
    expect 0 --db /nonexistent/x.db customer add --help
    out_has "--total-assets YUAN"
    out_has "--consent-sms 0|1"
    out_has "--ext NAME=VALUE"
    expect 0 customer update --help
    out_has "--version N"
}

test_usage_errors() {
    expect 2 customer
    err_has "missing subcommand"
    expect 2 customer frob
    err_has "unknown subcommand 'frob'"
    expect 2 customer add C9 --branch BJ
    err_has "--name is required"
    expect 2 customer add C9 --name 某人
    err_has "--branch is required"
    expect 2 customer add --name 某人 --branch BJ
    err_has "missing argument"
    expect 2 customer get
    err_has "missing argument"
    expect 2 customer get A B
    err_has "unexpected argument 'B'"
    expect 2 customer update C9 --city 北京
    err_has "--version is required"
    expect 2 customer update C9 --version x --city 北京
    err_has "not a whole number"
    expect 2 customer reveal C9 --field phone
    err_has "--reason is required"
    expect 2 customer assign C9 --reason x
    err_has "--manager LOGIN or --none"
    expect 2 customer move-book --from a --reason x
    err_has "--to is required"
    expect 2 customer delete-request C9
    err_has "--reason is required"
    expect 2 customer view C9 --recent many
    expect 2 customer id-check
    # Money is yuan with at most two decimals, converted exactly.
    local amount
    for amount in 1.234 abc 1. .5 1,000 12e3 '' 99999999999999999999; do
        expect 2 customer add C9 --name 某人 --branch BJ --total-assets "$amount"
        err_has "--total-assets"
    done
    expect 2 customer add C9 --name 某人 --branch BJ --ext novalue
    err_has "NAME=VALUE"
}

# ------------------------------------------------------------------ setup

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 branch add SH --name 上海分行 --parent HO
    expect 0 user add bm.bj --display-name 北京行长 --roles branch_manager --branch BJ
    expect 0 user add rm.a --display-name 客户经理甲 --roles relationship_manager --branch BJ
    expect 0 user add rm.b --display-name 客户经理乙 --roles relationship_manager --branch BJ
    expect 0 user add rm.sh --display-name 上海经理 --roles relationship_manager --branch SH
    expect 0 user add mk --display-name 营销 --roles marketer --branch HO
    expect 0 user add aud --display-name 审计 --roles auditor --branch HO
}

# ------------------------------------------------------ id-check, add

test_id_check() {
    expect 0 customer id-check 11010519491231002X
    out_matches '^id_number: +11010519491231002X$'
    out_matches '^birth_date: +1949-12-31$'
    out_matches '^gender: +F$'
    out_matches '^province: +北京市$'
    expect 0 customer id-check 440106850312001
    out_matches '^id_number: +440106198503120015$'
    out_matches '^birth_date: +1985-03-12$'
    out_matches '^gender: +M$'
    expect 0 --json customer id-check 510107197208156541
    out_is_object
    json_eq "o['id_number'], o['birth_date'], o['gender'], o['province']" \
        "('510107197208156541', '1972-08-15', 'F', '四川省')"
    expect 3 customer id-check 11010519491231002Y
    err_has "id_number"
    expect 3 customer id-check 110105194912310021
    err_has "check digit"
    # Needs no database and no key.
    expect 0 --db /nonexistent/x.db --key-file /nonexistent/k customer id-check 310115199001011232
    out_matches '^province: +上海市$'
}

test_add() {
    expect 0 customer add C001 --name 张三 --id-number 11010519491231002X --branch BJ \
        --manager rm.a --phone 13812345678 --email zhang.san@example.com \
        --address 北京市朝阳区建国路1号 --card-number 6222021234567890128 --city 北京 \
        --occupation 教师 --annual-income 250000 --total-assets 1234.56 --risk-level C3 \
        --risk-assessed-at 2026-01-05 --consent-sms 1 --consent-email 0 --consent-phone 1 \
        --ext vip=gold
    out_has "customer C001 added"
    err_empty
    expect 0 --json customer add C002 --name 李四 --id-number 440106850312001 --branch BJ \
        --manager rm.b --gender M --birth-date 1985-03-12 --province 广东 --total-assets 0.5
    out_is_object
    json_eq "o['customer_no'], o['status']" "('C002', 'added')"
    expect 0 customer add C003 --name 王五 --id-number 310115199001011232 --branch SH \
        --manager rm.sh --annual-income 99.99
    expect 0 --as rm.a customer add C004 --name 赵六 --id-type passport --id-number E12345678 \
        --branch BJ --manager rm.a

    # Invalid data: exit 3, the field named.
    expect 3 customer add C009 --name 某人 --branch BJ --id-number 11010519491231002Y
    err_has "id_number"
    expect 3 customer add C009 --name 某人 --branch BJ --id-number 510107197208156541 --gender M
    err_has "gender"
    expect 3 customer add C009 --name 某人 --branch BJ --id-number 510107197208156541 \
        --birth-date 1972-08-16
    err_has "birth_date"
    expect 3 customer add C009 --name 某人 --branch BJ --id-number 510107197208156541 \
        --province 广东
    err_has "province"
    expect 3 customer add C009 --name 某人 --branch BJ --phone 12345
    err_has "phone"
    expect 3 customer add C009 --name 某人 --branch BJ --email not-an-email
    err_has "email"
    expect 3 customer add C009 --name 某人 --branch BJ --card-number 6222021234567890123
    err_has "card_number"
    expect 3 customer add C009 --name 某人 --branch BJ --total-assets -1
    err_has "total_assets"
    expect 3 customer add C009 --name 某人 --branch BJ --annual-income -0.01
    err_has "annual_income"
    expect 3 customer add C009 --name 某人 --branch BJ --risk-level C9
    err_has "risk_level"
    expect 3 customer add C009 --name 某人 --branch BJ --birth-date 1990-02-30
    err_has "birth_date"
    expect 3 customer add C009 --name 某人 --branch BJ --risk-assessed-at 2999-01-01
    err_has "risk_assessed_at"
    expect 3 customer add C009 --name 某人 --branch BJ --consent-sms 2
    err_has "consent_sms"
    expect 3 customer add C009 --name 某人 --branch BJ --id-type diplomat
    err_has "id_type"
    expect 3 customer add 'bad no!' --name 某人 --branch BJ
    err_has "customer_no"
    expect 3 customer add C009 --name '' --branch BJ
    err_has "name"
    expect 3 customer add C009 --name 某人 --branch BJ --ext 'Bad-Name=x'
    err_has "ext.Bad-Name"
    expect 3 customer add C009 --name 某人 --branch BJ --ext cvv=123
    err_has "authentication data"
    # Conflicts: an existing customer_no, a duplicate ID number (also in its
    # 15-digit form).
    expect 6 customer add C001 --name 某人 --branch BJ
    err_has "conflict"
    expect 6 customer add C009 --name 某人 --branch BJ --id-number 11010519491231002X
    err_has "conflict"
    expect 6 customer add C009 --name 某人 --branch BJ --id-number 440106850312001
    err_has "conflict"
    # Not found: branch, manager. Permission: a marketer, an RM for another RM.
    expect 4 customer add C009 --name 某人 --branch NOPE
    err_has "branch"
    expect 4 customer add C009 --name 某人 --branch BJ --manager nobody
    err_has "manager"
    expect 5 --as mk customer add C009 --name 某人 --branch BJ
    err_has "permission denied"
    expect 5 --as rm.a customer add C009 --name 某人 --branch BJ --manager rm.b
    expect 5 --as rm.sh customer add C009 --name 某人 --branch BJ
    expect 4 customer get C009
}

# ------------------------------------------------------------------- get

test_get() {
    expect 0 customer get C001
    out_matches '^customer_no: +C001$'
    out_matches '^name: +张三$'
    out_matches '^id_number: +1\*+X$'
    out_matches '^phone: +138\*\*\*\*5678$'
    out_matches '^total_assets: +1234\.56$'
    out_matches '^annual_income: +250000\.00$'
    out_matches '^gender: +F$'
    out_matches '^birth_date: +1949-12-31$'
    out_matches '^province: +北京市$'
    out_matches '^version: +1$'
    out_matches '^ext\.vip: +gold$'
    out_lacks "13812345678"
    out_lacks "11010519491231002X"
    out_lacks "zhang.san@example.com"
    out_lacks "6222021234567890128"

    # The contract: one JSON object, money in fen.
    expect 0 customer get C001 --json
    out_lines 1
    out_is_object
    json_eq "o['customer_no'], o['name'], o['total_assets'], o['annual_income'], o['version']" \
        "('C001', '张三', 123456, 25000000, 1)"
    json_eq "o['consent_sms'], o['consent_email'], o['consent_phone'], o['ext.vip']" \
        "(1, 0, 1, 'gold')"
    out_lacks "13812345678"
    expect 0 --json customer get C002
    out_is_object
    json_eq "o['id_number'], o['gender'], o['province'], o['total_assets']" \
        "('4****************5', 'M', '广东省', 50)"
    expect 0 customer get C003 --json
    json_eq "o['annual_income']" "9999"

    expect 4 customer get NOPE
    err_has "not found"
    # An RM cannot tell another RM's customer from a missing one.
    expect 0 --as rm.a customer get C001
    expect 4 --as rm.b customer get C001
    err_has "no customer C001"
    expect 4 --as rm.b --json customer get C001
    out_empty
    expect 4 --as rm.a customer get C003
    # A branch manager sees the subtree, a marketer and an auditor everyone.
    expect 0 --as bm.bj customer get C002
    expect 4 --as bm.bj customer get C003
    expect 0 --as mk customer get C003
    expect 0 --as aud customer get C001
}

# ---------------------------------------------------------------- update

test_update() {
    expect 0 customer update C001 --version 1 --city 上海 --total-assets 2000000.1 \
        --email zs@example.com --ext vip=
    out_has "customer C001 updated to version 2"
    expect 0 customer get C001 --json
    json_eq "o['city'], o['total_assets'], o['version'], 'ext.vip' in o" \
        "('上海', 200000010, 2, False)"
    # A stale version is a conflict and changes nothing.
    expect 6 customer update C001 --version 1 --city 广州
    err_has "version"
    expect 0 customer get C001 --json
    json_eq "o['city']" "上海"
    expect 0 --json customer update C001 --version 2 --email ''
    out_is_object
    json_eq "o['customer_no'], o['version']" "('C001', 3)"
    expect 0 customer get C001 --json
    json_eq "'email' in o" "False"
    expect 3 customer update C001 --version 3 --phone 12345
    err_has "phone"
    expect 3 customer update C001 --version 3 --gender M
    err_has "gender"
    expect 3 customer update C001 --version 3 --name ''
    err_has "name"
    expect 3 customer update C001 --version 3 --total-assets -2
    err_has "total_assets"
    expect 6 customer update C002 --version 1 --id-number 11010519491231002X
    err_has "conflict"
    expect 4 customer update NOPE --version 1 --city 北京
    expect 4 --as rm.b customer update C001 --version 3 --city 北京
    expect 5 --as mk customer update C001 --version 3 --city 北京
    expect 5 --as aud customer update C001 --version 3 --city 北京
    expect 0 --as rm.a customer update C001 --version 3 --occupation 工程师
    # Every update is audited with masked before and after.
    expect 0 --json audit list --entity customer --id C001 --action customer.update
    out_lacks "zs@example.com"
    out_has '"before":'
}

# ---------------------------------------------------------------- reveal

test_reveal() {
    expect 0 customer reveal C001 --field id_number --reason "开户资料核实"
    out_lines 1
    out_has "11010519491231002X"
    expect 0 customer reveal C001 --field phone --reason "客户回访"
    out_has "13812345678"
    expect 0 --json customer reveal C001 --field card_number --reason "挂失"
    out_is_object
    json_eq "o['customer_no'], o['field'], o['value']" "('C001', 'card_number', '6222021234567890128')"
    expect 0 customer reveal C001 --field address --reason "寄送对账单"
    out_has "北京市朝阳区建国路1号"
    expect 0 --as rm.a customer reveal C001 --field phone --reason "本人客户回访"
    out_has "13812345678"
    expect 4 customer reveal C001 --field email --reason "无此项"
    expect 3 customer reveal C001 --field password --reason x
    expect 3 customer reveal C001 --field phone --reason ''
    err_has "reason"
    expect 4 customer reveal NOPE --field phone --reason x
    expect 4 --as rm.b customer reveal C001 --field phone --reason "好奇"
    expect 5 --as mk customer reveal C001 --field phone --reason "营销"

    # Each reveal is audited with who and why, never the value.
    expect 0 audit list --action customer.reveal
    out_lines 6
    out_matches '^[0-9]+ +[0-9T:-]+Z +admin +customer\.reveal +customer +C001 +开户资料核实$'
    out_matches ' rm\.a +customer\.reveal +customer +C001 +本人客户回访$'
    expect 0 --json audit list --action customer.reveal
    out_lacks "11010519491231002X"
    out_lacks "13812345678"
    out_has '\"field\":\"card_number\"'
}

# ------------------------------------------------------------------ view

test_view() {
    expect 0 customer view C001 --json
    out_lines 1
    out_is_object
    json_eq "o['profile']['customer_no'], o['profile']['name'], 'holdings' in o" \
        "('C001', '张三', True)"
    json_eq "'recent_transactions' in o, 'activity' in o" "(True, True)"
    out_lacks "13812345678"
    expect 0 customer view C001 --recent 3
    out_has "C001"
    expect 4 customer view NOPE --json
    expect 4 --as rm.b customer view C001 --json
    out_empty
}

# ---------------------------------------------------------- assignment

test_assign() {
    expect 0 customer assign C001 --manager rm.b --reason "客户经理调整"
    out_has "customer C001 assigned to rm.b"
    expect 4 --as rm.a customer get C001
    expect 0 --as rm.b customer get C001
    expect 0 --json customer assign C001 --none --reason "暂不分配"
    json_eq "o['customer_no'], o['status']" "('C001', 'unassigned')"
    expect 4 --as rm.b customer get C001
    expect 0 --as bm.bj customer assign C001 --manager rm.a --reason "回归"
    expect 4 customer assign C001 --manager nobody --reason x
    expect 5 --as rm.a customer assign C001 --manager rm.b --reason x
    expect 4 --as bm.bj customer assign C003 --manager rm.a --reason x
    expect 4 customer assign NOPE --manager rm.a --reason x

    # Move a whole book in one call.
    expect 0 customer move-book --from rm.a --to rm.b --reason "客户经理离职"
    out_has "moved 2 customers from rm.a to rm.b"
    expect 4 --as rm.a customer get C004
    expect 0 --as rm.b customer get C004
    expect 0 --as bm.bj --json customer move-book --from rm.b --to rm.a --reason "返岗"
    out_is_object
    json_eq "o['from'], o['to'], o['moved']" "('rm.b', 'rm.a', 3)"
    expect 5 --as rm.a customer move-book --from rm.a --to rm.b --reason x
    expect 5 --as bm.bj customer move-book --from rm.a --to rm.sh --reason x
    expect 4 customer move-book --from rm.a --to nobody --reason x
    expect 3 customer move-book --from rm.a --to rm.a --reason x
    expect 0 audit list --action customer.move_book
    out_has "客户经理离职"
}

# ------------------------------------------------------------ deletion

test_delete() {
    expect 4 --as rm.b customer delete-request C001 --reason x
    expect 5 --as mk customer delete-request C001 --reason x
    expect 0 --as rm.a customer delete-request C004 --reason "关系终止"
    out_has "deletion of customer C004 requested"
    expect 6 customer delete-request C004 --reason "again"
    err_has "already requested"
    # Four eyes: not an RM, not the requester.
    expect 5 --as rm.a customer delete-approve C004 --reason x
    expect 0 customer delete-request C003 --reason "关系终止"
    expect 5 customer delete-approve C003 --reason "自己批准"
    err_has "requester"
    expect 0 --json --as bm.bj customer delete-approve C004 --reason "同意"
    json_eq "o['customer_no'], o['status']" "('C004', 'restricted')"
    expect 6 customer delete-approve C001 --reason "未申请"
    err_has "no pending"
    # Restricted customers are hidden from all but admins and auditors.
    expect 4 --as rm.a customer get C004
    expect 4 --as mk customer get C004
    expect 0 --as aud customer get C004 --json
    json_eq "o['status']" "restricted"
    expect 0 customer get C004 --json
    json_eq "o['status']" "restricted"
    expect 4 customer delete-request NOPE --reason x

    # Retention (five years) has not ended: nothing is purged yet.
    expect 5 --as bm.bj customer purge-due
    expect 0 customer purge-due
    out_has "purged 0 customers"
    expect 0 --json customer purge-due
    out_is_object
    json_eq "o['purged']" "0"
}

test_help
test_usage_errors
test_setup
test_id_check
test_add
test_get
test_update
test_reveal
test_view
test_assign
test_delete

echo "test_cli_customer: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
