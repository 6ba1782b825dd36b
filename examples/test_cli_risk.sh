#!/usr/bin/env bash
# Tests 'crm risk' end to end: questionnaires scored to C1..C5 (answers
# inline or from a YAML file, the shipped or a bank's own scoring table),
# the history, and the suitability check's contract: `crm risk check
# CUSTOMER_NO PRODUCT_CODE --json` prints {"suitable": bool, "reason": text},
# refusing an R4 product for a C2 customer and for a C5 customer whose
# assessment expired, with the reason. Exit statuses and access by role.
#
#   examples/test_cli_risk.sh PATH/TO/crm
#
# Needs bash and python3. Works in a temporary directory it removes (kept
# with KEEP=1). Prints one line per failed check and a summary.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-risk.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

C2=age=c,income=b,investable_share=b,experience=b,knowledge=b,horizon=b,goal=b,loss_tolerance=b

test_help() {
    expect 0 --help
    out_has "  risk "
    expect 0 risk --help
    out_has "Usage: crm risk SUBCOMMAND"
    for sub in assess check history config; do
        out_has "  $sub "
    done
    for sub in assess check history config; do
        expect 0 risk "$sub" --help
        out_has "Usage: crm risk $sub"
        err_empty
    done
    expect 0 risk config
    out_has "loss_tolerance"
    out_has "validity_days: 365"
}

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 user add rm.a --display-name 甲 --roles relationship_manager --branch BJ
    expect 0 user add rm.b --display-name 乙 --roles relationship_manager --branch BJ
    expect 0 user add mk --display-name 丙 --roles marketer --branch HO
    expect 0 customer add C001 --name 张三 --branch BJ --manager rm.a
    expect 0 customer add C002 --name 李四 --branch BJ --manager rm.b
    # a C5 level imported two years ago: expired
    local old
    old=$(python3 -c 'import datetime; print(datetime.date.today() - datetime.timedelta(days=730))')
    expect 0 customer add C003 --name 王五 --branch BJ --manager rm.a --risk-level C5 \
        --risk-assessed-at "$old"
    expect 0 customer add C005 --name 钱七 --branch BJ --manager rm.a
    expect 0 product add FD4 --name 成长基金 --type fund --risk-rating R4
    expect 0 product add WM2 --name 稳健理财 --type wealth --risk-rating R2
}

test_usage_errors() {
    expect 2 risk assess C001
    err_has "--answers is required"
    expect 2 risk check C001
    err_has "missing argument"
    expect 1 risk assess C001 --answers no-such-file.yaml
    err_has "no-such-file.yaml"
    expect 2 risk assess C001 --answers "age=b,income"
    err_has "not QUESTION=OPTION"
}

test_assess() {
    expect 0 risk assess C001 --answers "$C2"
    out_has "customer C001 assessed: score 16, level C2, valid until"
    expect 3 risk assess C001 --answers age=b,income=b
    err_has "field investable_share: required"
    expect 3 risk assess C001 --answers "${C2/horizon=b/horizon=x}"
    err_has "field horizon: 'x' is not one of its options"
    cat >answers.yaml <<'YAML'
# 李四's questionnaire
age: b
income: d
investable_share: d
experience: d
knowledge: d
horizon: d
goal: d
loss_tolerance: d
YAML
    expect 0 --json risk assess C002 --answers answers.yaml
    json_eq 'o["risk_level"]' C5
    json_eq 'o["score"]' 32
    expect 0 --json customer get C002
    json_eq 'o["risk_level"]' C5
    expect 0 risk history C001
    out_has "C2"
    out_has "admin"
    expect 4 risk assess C404 --answers "$C2"
    # a bank's own table
    cat >table.yaml <<'YAML'
validity_days: 30
questions:
  - id: appetite
    text: 风险偏好
    options:
      low: {text: 低, score: 0}
      high: {text: 高, score: 10}
levels: {C1: 1, C2: 3, C3: 5, C4: 8, C5: 10}
YAML
    expect 0 --json --as rm.a risk assess C005 --answers appetite=low --config table.yaml
    json_eq 'o["risk_level"]' C1
    expect 0 --json risk history C005
    json_eq 'o[0]["answers"]' '{"appetite":"low"}'
    echo "levels: {C1: 5}" >bad.yaml
    expect 3 risk assess C001 --answers appetite=low --config bad.yaml
    err_has "questions"
}

test_check() {
    # must-show 3: R4 refused for a C2 customer ...
    expect 0 --json risk check C001 FD4
    json_eq 'o["suitable"]' False
    json_eq 'o["reason_code"]' level_too_low
    json_eq '"R4, above the customer'"'"'s level C2" in o["reason"]' True
    echo "    C2 customer, R4 product: $(cat out)"
    expect 0 risk check C001 FD4
    out_has "no: level too low"
    expect 0 --json risk check C001 WM2
    json_eq 'o["suitable"]' True
    # ... and for a C5 customer whose assessment expired
    expect 0 --json risk check C003 FD4
    json_eq 'o["suitable"]' False
    json_eq 'o["reason_code"]' assessment_expired
    json_eq '"expired on" in o["reason"]' True
    echo "    C5 customer, expired, R4 product: $(cat out)"
    expect 0 --json risk check C002 FD4
    json_eq 'o["suitable"]' True
    json_eq 'sorted(o)[:2]' "['expires_at', 'reason']"
    expect 0 user add rm.c --display-name 丁 --roles relationship_manager --branch BJ
    expect 0 customer add C004 --name 赵六 --branch BJ --manager rm.c
    expect 0 --json risk check C004 WM2
    json_eq 'o["reason_code"]' assessment_missing
    expect 4 risk check C001 NOPE
    err_has "NOPE"
}

test_access() {
    expect 5 --as mk risk assess C001 --answers "$C2"
    expect 0 --as mk risk check C001 WM2
    expect 4 --as rm.b risk check C001 WM2
    expect 4 --as rm.b risk assess C001 --answers "$C2"
    expect 4 --as rm.b risk history C001
    expect 0 --as rm.a risk history C001
}

test_help
test_setup
test_usage_errors
test_assess
test_check
test_access

echo "test_cli_risk: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
