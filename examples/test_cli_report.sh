#!/usr/bin/env bash
# Tests 'crm report' end to end: list, describe, run in every format, the
# period and branch options, filters, exit statuses (2 usage, 3 bad period,
# 4 unknown report or branch, 5 permission) and an RM's report covering
# only their book; the complaint reports (over complaints opened now, so
# in the current month); a campaign run through the CLI (planned, approved
# by another marketer, targeted, leads converted, evaluated) in
# campaign-analysis, its drill-down campaign-channels and the leads columns
# of rm-performance.
#
#   examples/test_cli_report.sh PATH/TO/crm
#
# Works in a temporary directory it removes (kept with KEEP=1).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-report.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 branch add GZ --name 广州分行 --parent HO
    expect 0 user add rm.a --display-name 甲 --roles relationship_manager --branch BJ
    expect 0 user add rm.g --display-name 乙 --roles relationship_manager --branch GZ
    expect 0 user add mk --display-name 丙 --roles marketer --branch HO
    expect 0 customer add C001 --name 张三 --branch BJ --manager rm.a
    expect 0 customer add C002 --name 李四 --branch GZ --manager rm.g
    expect 0 product add DEP --name 活期 --type deposit --risk-rating R1
    expect 0 holding set C001 DEP --balance 1234.56
    expect 0 txn add C001 --product DEP --type deposit --amount 100.50 --channel mobile \
        --time 2026-10-03T08:00:00Z
    expect 0 txn add C002 --product DEP --type deposit --amount 20 --channel branch \
        --time 2026-10-04T08:00:00Z
    expect 0 txn add C001 --product DEP --type deposit --amount 7 --channel mobile \
        --time 2026-09-04T08:00:00Z
}

test_list_and_describe() {
    expect 0 report --help
    out_has "business-statistics"
    expect 0 report list
    out_has "customer-analysis"
    out_has "business-statistics"
    out_has "业务统计"
    expect 0 report describe business-statistics
    out_has '"name":"txn_volume_yoy"'
    expect 4 report describe nope
    expect 2 report run
}

test_run() {
    expect 0 report run business-statistics --period 2026-10 --format csv -o bs.csv
    checks=$((checks + 1))
    grep -q $'^BJ,北京分行,deposit,存款,1,1234.56,1,100.50,1,0,7.00,0.00\r$' bs.csv ||
        fail "bs.csv lacks the BJ row: $(cat bs.csv)"
    expect 0 report run business-statistics --period 2026-10 --branch GZ
    out_has "GZ,广州分行,deposit"
    out_lacks "BJ,"
    expect 0 report run business-statistics --period 2026-10 --filter product_type=deposit,branch=BJ
    out_lines 2
    for f in json html xlsx pdf; do
        expect 0 report run customer-analysis --period 2026-Q4 --format $f -o ca.$f
        checks=$((checks + 1))
        [[ -s ca.$f ]] || fail "ca.$f is empty"
    done
    expect 0 report run rm-performance --period 2026 --format json
    json_eq 'sorted(r["manager"] for r in o["rows"])' "['rm.a', 'rm.g']"
    expect 0 report run customer-analysis --period 2026-W47 --bom
    checks=$((checks + 1))
    [[ $(head -c 3 out | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "no BOM"
    expect 3 report run business-statistics --period 2026-13
    err_has "period"
    expect 2 report run business-statistics --period 2026-10 --format doc
    expect 4 report run no-such --period 2026-10
    expect 4 report run business-statistics --period 2026-10 --branch XX
}

test_access() {
    expect 0 --as rm.a report run business-statistics --period 2026-10
    out_has "BJ,北京分行"
    out_lacks "GZ"
    expect 5 --as rm.a report run business-statistics --period 2026-10 --branch GZ
}

test_complaints() {
    local month
    month=$(date -u +%Y-%m)
    expect 0 complaint open --channel phone --category fee --subject 年费重复扣收 \
        --body 年费被扣了两次 --customer C001
    expect 0 complaint open --channel email --category card --subject 卡片未寄到 \
        --body 新卡没有收到 --customer C002
    expect 0 report list
    out_has "complaint-analysis"
    out_has "complaint-hotspots"
    expect 0 report run complaint-analysis --period "$month" --filter "dimension=类别 Category"
    out_has "类别 Category,card,1,0,0,,0,,,0,,,"
    out_has "类别 Category,fee,1,"
    expect 0 --as rm.a report run complaint-analysis --period "$month" --format json
    json_eq 'sorted(r["bucket"] for r in o["rows"] if r["dimension"] == "类别 Category")' "['fee']"
    expect 0 report run complaint-hotspots --period "$month" --filter "dimension=类别 Category"
    out_lines 3
    expect 5 --as mk report run complaint-analysis --period "$month"
    err_has "complaints"
    for f in csv json html xlsx pdf; do
        expect 0 report run complaint-analysis --period "$month" --format $f -o cp.$f
        checks=$((checks + 1))
        [[ -s cp.$f ]] || fail "cp.$f is empty"
    done
    expect 0 report run rm-performance --period "$month" --format json
    json_eq 'sorted((r["manager"], r["leads"], r["conversions"]) for r in o["rows"])' \
        "[('rm.a', 0, 0), ('rm.g', 0, 0)]"
}

test_campaign() {
    local month id
    month=$(date -u +%Y-%m)
    expect 0 user add mk2 --display-name 丁 --roles marketer --branch HO
    expect 0 customer add C003 --name 王五 --branch BJ --manager rm.a --consent-sms 1
    expect 0 customer add C004 --name 赵六 --branch GZ --manager rm.g --consent-sms 1
    cat >xs.yaml <<YAML
name: 短信办卡礼
control_bps: 0
start: $month-01
end: $(date -u -d '+40 days' +%Y-%m-%d)
channels:
  - {channel: sms, body: "{salutation}，办卡有礼"}
goals:
  - {metric: conversions, target: 4, deadline: $(date -u -d '+40 days' +%Y-%m-%d)}
YAML
    expect 0 --as mk campaign create XS --file xs.yaml
    expect 0 --as mk campaign submit XS
    expect 0 --as mk2 campaign approve XS
    expect 0 --as mk campaign target XS
    expect 0 --as mk campaign dispatch XS
    out_has "2 leads created"
    expect 0 --json --as rm.a lead list --campaign XS
    id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' <out)
    expect 0 --as rm.a lead outcome "$id" converted --amount 300
    expect 0 --json --as mk campaign evaluate XS
    cp out eval.json
    expect 0 report list
    out_has "campaign-analysis"
    expect 0 report run campaign-analysis --period "$month" --format json
    json_eq '[(r["campaign_code"], r["targeted"], r["suppressed"], r["converted"],
        r["goals"], r["goal_attainment_bps"]) for r in o["rows"]]' "[('XS', 2, 2, 1, 1, 2500)]"
    local uplift
    uplift=$(python3 -c 'import json; print(json.load(open("eval.json"))["uplift_bps"])')
    json_eq 'o["rows"][0]["uplift_bps"]' "$uplift"
    expect 0 report run campaign-channels --period "$month" --filter campaign_code=XS
    out_has "XS,target,短信 sms,2,"
    out_has "XS,suppressed,未授权 no_consent,2,"
    expect 0 --as rm.g report run campaign-analysis --period "$month" --format json
    json_eq '[(r["targeted"], r["suppressed"], r["converted"]) for r in o["rows"]]' "[(1, 1, 0)]"
    expect 0 report run campaign-analysis --period 2026-01 --format json
    json_eq 'o["rows"]' "[]"
    expect 0 report run rm-performance --period "$month" --format json
    json_eq 'sorted((r["manager"], r["leads"], r["conversions"], r.get("conversion_pct"))
        for r in o["rows"])' "[('rm.a', 1, 1, 100), ('rm.g', 1, 0, 0)]"
}

setup
test_list_and_describe
test_run
test_access
test_complaints
test_campaign

echo "test_cli_report: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
