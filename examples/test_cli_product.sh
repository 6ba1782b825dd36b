#!/usr/bin/env bash
# Tests 'crm product', 'crm holding', 'crm txn' and 'crm customer view' end
# to end: every subcommand, its --help, its exit statuses (2 usage, 3 invalid
# data naming the field, 4 not found, 5 permission, 6 conflict), amounts in
# yuan, list filters and order, and access by relationship manager.
#
#   examples/test_cli_product.sh PATH/TO/crm
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
    echo "test_cli_product: python3 is needed to check JSON output" >&2
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-product.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

# run ARGS...: runs crm, sets $status, leaves ./out and ./err.

# json_eq PYTHON-EXPR VALUE: the expression over the JSON value `o` read from
# stdout is VALUE: a str as itself, anything else as its repr.

# ----------------------------------------------------------------- help

test_help() {
    local group sub
    for group in "product add get list" "holding set list import" "txn add list"; do
        set -- $group
        local name=$1
        shift
        expect 0 --help
        out_has "  $name "
        expect 0 "$name" --help
        out_has "Usage: crm $name SUBCOMMAND"
        err_empty
        for sub in "$@"; do
            out_has "  $sub "
        done
        for sub in "$@"; do
            expect 0 "$name" "$sub" --help
            out_has "Usage: crm $name $sub"
            out_has "--help"
            err_empty
        done
    done
    expect 0 --db /nonexistent/x.db product add --help
    out_has "--risk-rating R1..R5"
    expect 0 customer view --help
    out_has "--recent N"
}

test_usage_errors() {
    expect 2 product
    err_has "missing subcommand"
    expect 2 product add P1 --name 产品 --type deposit
    err_has "--risk-rating is required"
    expect 2 product add P1 --name 产品 --type deposit --risk-rating R1 --term-days 1y
    err_has "not a whole number"
    expect 2 product get
    err_has "missing argument"
    expect 2 holding set C001 --balance 1
    err_has "missing argument"
    expect 2 holding set C001 P1 --balance 1.234
    err_has "yuan with up to two decimals"
    expect 2 txn add C001 --type deposit --amount 10 --channel
    expect 2 txn add C001 --type deposit --amount ten --channel atm
    err_has "yuan with up to two decimals"
    expect 2 txn list C001 --limit x
    err_has "not a whole number"
    expect 2 customer view C001 --recent 1001
    err_has "--recent"
}

# ----------------------------------------------------------------- setup

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 user add rm.a --display-name 甲 --roles relationship_manager --branch BJ
    expect 0 user add rm.b --display-name 乙 --roles relationship_manager --branch BJ
    expect 0 customer add C001 --name 张三 --branch BJ --manager rm.a --phone 13912345678
    expect 0 customer add C002 --name 李四 --branch BJ --manager rm.b
}

# -------------------------------------------------------------- products

test_products() {
    expect 0 product add DEP1Y --name 一年定期 --type deposit --risk-rating R1 \
        --term-days 365 --yield-bps 150
    out_has "product DEP1Y (deposit, R1) added"
    expect 0 --json product add WM001 --name 稳健理财一号 --type wealth --risk-rating R2 \
        --sale-start 2026-01-01 --sale-end 2099-12-31
    json_eq 'o["code"]' WM001
    expect 0 product add FND88 --name 成长基金 --type fund --risk-rating R4
    expect 6 product add DEP1Y --name 又一个 --type deposit --risk-rating R1
    err_has "DEP1Y already exists"
    expect 3 product add X1 --name 坏 --type stocks --risk-rating R1
    err_has "field type: 'stocks' is not one of"
    expect 3 product add X1 --name 坏 --type deposit --risk-rating R9
    err_has "field risk_rating"
    expect 3 product add X1 --name 坏 --type deposit --risk-rating R1 --sale-start 2026-02-30
    err_has "sale_start"
    expect 3 product add X1 --name 坏 --type deposit --risk-rating R1 --yield-bps 20000
    err_has "field yield_bps"
    expect 5 --as rm.a product add X2 --name 无权 --type deposit --risk-rating R1
    expect 0 --as rm.a product get WM001
    out_has "稳健理财一号"
    out_has "2099-12-31"
    expect 0 --json product get DEP1Y
    json_eq 'o["term_days"]' 365
    json_eq 'o["yield_bps"]' 150
    expect 4 product get NOPE
    expect 0 product list
    out_has "CODE"
    out_has "FND88"
    expect 0 --json product list --max-risk-rating R2
    json_eq '[p["code"] for p in o]' "['DEP1Y', 'WM001']"
    expect 0 --json product list --type fund
    json_eq '[p["code"] for p in o]' "['FND88']"
    expect 0 --json product list --on-sale-at 2025-06-01
    json_eq '[p["code"] for p in o]' "['DEP1Y', 'FND88']"
    expect 3 product list --risk-rating C3
    err_has "risk_rating"
}

# ------------------------------------------------------ holdings and txns

test_holdings() {
    expect 0 holding set C001 WM001 --balance 50000
    out_has "C001 holds 50000 yuan of WM001"
    expect 0 holding set C001 DEP1Y --balance 123.45
    expect 0 holding list C001
    out_has "123.45"
    out_has "50000.00"
    expect 0 --json holding list C001
    json_eq '[(h["product_code"], h["balance"]) for h in o]' \
        "[('DEP1Y', 12345), ('WM001', 5000000)]"
    expect 3 holding set C001 DEP1Y --balance -1
    err_has "balance"
    expect 4 holding set C001 NOPE --balance 1
    err_has "product_code"
    expect 4 holding set C999 DEP1Y --balance 1
    expect 5 --as rm.a holding set C001 DEP1Y --balance 1
    expect 0 holding set C001 DEP1Y --balance 0
    expect 0 --json holding list C001
    json_eq 'len(o)' 1
    expect 0 --json audit list --action holding.set --id C001
    json_eq 'len(o)' 3
    # a balance feed: bad rows reported by line; stored holdings need --on-duplicate update
    printf 'customer_no,product_code,balance\nC001,DEP1Y,200\nC001,NOPE,1\n' >feed.csv
    expect 3 holding import feed.csv --mode skip --errors feed-errors.csv
    checks=$((checks + 1))
    grep -q '^3,product_code,' feed-errors.csv || fail "feed-errors.csv lacks line 3"
    expect 0 --json holding list C001
    json_eq '[(h["product_code"], h["balance"]) for h in o]' \
        "[('DEP1Y', 20000), ('WM001', 5000000)]"
    printf 'customer_no,product_code,balance\nC001,DEP1Y,300\n' >feed2.csv
    expect 3 holding import feed2.csv
    err_has "already holds DEP1Y"
    expect 5 --as rm.a holding import feed2.csv --on-duplicate update
    expect 0 holding import feed2.csv --on-duplicate update
    expect 0 --json holding list C001
    json_eq '[h["balance"] for h in o if h["product_code"] == "DEP1Y"]' "[30000]"
    expect 0 --json audit list --action holding.import
    json_eq 'len(o) >= 2' True
    printf 'customer_no,product_code,balance\nC001,DEP1Y,0\n' >closed.csv
    expect 0 holding import closed.csv --on-duplicate update
    expect 0 --json holding list C001
    json_eq '[h["product_code"] for h in o]' "['WM001']"
}

test_transactions() {
    expect 0 txn add C001 --type deposit --amount 100 --channel branch --time 2026-01-05T09:00:00Z
    out_has "deposit of 100 yuan recorded for C001"
    expect 0 txn add C001 --type purchase --amount 2000.5 --channel mobile --product WM001 \
        --time 2026-03-01T10:00:00Z
    expect 0 --json txn add C001 --type card_spend --amount 0.99 --channel online \
        --time 2026-03-02
    json_eq 'o["status"]' added
    expect 3 txn add C001 --type refund --amount 1 --channel atm
    err_has "field type"
    expect 3 txn add C001 --type deposit --amount 0 --channel atm
    err_has "field amount"
    expect 3 txn add C001 --type deposit --amount 1 --channel atm --time yesterday
    err_has "field time"
    expect 4 txn add C001 --type purchase --amount 1 --channel atm --product NOPE
    err_has "product_code"
    expect 4 txn add C999 --type deposit --amount 1 --channel atm
    err_has "customer_no"
    expect 5 --as rm.a txn add C001 --type deposit --amount 1 --channel atm
    expect 0 txn list C001
    out_has "2000.50"
    out_has "稳健理财一号"
    expect 0 --json txn list C001
    json_eq '[t["amount"] for t in o]' "[99, 200050, 10000]"
    expect 0 --json txn list C001 --since 2026-03-01 --until 2026-03-02
    json_eq '[t["type"] for t in o]' "['purchase']"
    expect 0 --json txn list C001 --type deposit --limit 5
    json_eq '[t["time"] for t in o]' "['2026-01-05T09:00:00Z']"
    expect 3 txn list C001 --since soon
    err_has "since"
}

# ------------------------------------------------------------ 360 view

test_view_and_access() {
    expect 0 --json --as rm.a customer view C001 --recent 2
    json_eq 'list(o)[:4]' "['profile', 'holdings', 'recent_transactions', 'activity']"
    json_eq 'o["profile"]["phone"]' '139****5678'
    json_eq 'o["holdings"]["total"]' 5000000
    json_eq '[t["amount"] for t in o["recent_transactions"]]' "[99, 200050]"
    out_lacks 13912345678
    expect 0 --as rm.a customer view C001
    out_has "Holdings:"
    out_has "Recent transactions:"
    out_has "WM001"
    out_lacks 13912345678
    # Another RM's customer reads as missing, by every path.
    expect 4 --as rm.b customer view C001
    err_has "no customer C001"
    expect 4 --as rm.b txn list C001
    expect 4 --as rm.b holding list C001
    expect 0 --as rm.b --json txn list C002
    json_eq 'o' '[]'
}

test_help
test_usage_errors
test_setup
test_products
test_holdings
test_transactions
test_view_and_access

echo "test_cli_product: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
