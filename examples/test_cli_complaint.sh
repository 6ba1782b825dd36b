#!/usr/bin/env bash
# Tests 'crm complaint' and 'crm kb' end to end: --help at every level, exit
# statuses (2 usage, 3 invalid data naming the field, 4 not found, 5
# permission, 6 refused transition), masked contacts, the workflow, a host
# configuration with second-long deadlines so an SLA scan escalates within
# the test, hotspots, and the knowledge base: import of examples/kb, search,
# answers and the hand-off of an off-topic question.
#
#   examples/test_cli_complaint.sh PATH/TO/crm
#
# Needs bash and python3 (to check JSON). Works in a temporary directory it
# removes (kept with KEEP=1).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-complaint.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

test_help() {
    local sub
    expect 0 --help
    out_has "  complaint "
    out_has "  kb "
    expect 0 complaint --help
    for sub in open assign transition note list show history sla-scan hotspots stats terms \
        team-add member-add config; do
        out_has "  $sub "
    done
    for sub in open assign transition note extend rate list show history reveal sla-scan \
        hotspots stats terms team-add member-add config; do
        expect 0 complaint "$sub" --help
        out_has "Usage: crm complaint $sub"
    done
    expect 0 kb --help
    for sub in add import get list publish search suggest answer; do
        expect 0 kb "$sub" --help
        out_has "Usage: crm kb $sub"
    done
}

test_usage() {
    expect 2 complaint
    err_has "missing subcommand"
    expect 2 complaint open --channel phone --category fee --subject x
    err_has "--body is required"
    expect 2 complaint transition TS1
    err_has "missing argument"
    expect 2 complaint rate TS1 9
    err_has "1..5"
    expect 2 complaint hotspots --since 2026-11-01
    err_has "--until is required"
    expect 2 kb answer 问题 --min-confidence high
    err_has "not a number"
}

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add SH --name 上海分行 --parent HO
    expect 0 user add kf.a --display-name 客服甲 --roles complaint_handler --branch SH
    expect 0 user add sup.a --display-name 主管 --roles complaint_handler --branch SH
    expect 0 user add bm.sh --display-name 行长 --roles branch_manager --branch SH
    expect 0 user add aud --display-name 审计 --roles auditor --branch HO
    expect 0 complaint team-add GENERAL --name 综合组 --supervisor sup.a
    out_has "team GENERAL added"
    expect 0 complaint member-add GENERAL kf.a --skills fee,card,other
    expect 3 complaint member-add GENERAL sup.a --skills weather
    err_has "skills"
    expect 5 --as kf.a complaint team-add X --name X
}

test_workflow() {
    expect 0 --json complaint open --channel phone --category fee --subject 年费重复扣收 \
        --body 信用卡年费被扣了两次 --branch SH --contact-phone 13912345678 --severity high
    json_eq 'o["state"]' assigned
    json_eq 'o["assignee"]' kf.a
    json_eq 'o["contact_phone"]' '139****5678'
    TICKET=$(python3 -c "import json,sys; print(json.load(sys.stdin)['ticket_no'])" <out)
    expect 3 complaint open --channel fax --category fee --subject x --body y
    err_has "field channel"
    expect 6 complaint transition "$TICKET" closed
    err_has "assigned -> closed is not allowed"
    expect 3 complaint transition "$TICKET" resolved
    err_has "field note"
    expect 0 complaint transition "$TICKET" in_progress --note 已联系客户
    out_has "in_progress"
    expect 0 complaint note "$TICKET" 客户要求退费
    expect 0 complaint extend "$TICKET" 需核查扣费记录
    expect 6 complaint extend "$TICKET" 再次延期
    expect 0 complaint transition "$TICKET" resolved --note 已退还年费
    expect 0 complaint rate "$TICKET" 5
    expect 0 complaint show "$TICKET"
    out_has "139****5678"
    out_lacks 13912345678
    out_has "已退还年费"
    expect 0 complaint reveal "$TICKET" contact_phone --reason 回访
    out_has 13912345678
    expect 0 --json complaint history "$TICKET"
    json_eq '[e["kind"] for e in o]' \
        "['open', 'assign', 'transition', 'transition', 'note', 'extend', 'transition', 'rate']"
    expect 0 complaint list --state resolved
    out_has "$TICKET"
    expect 4 complaint show TS000
    expect 0 --as aud complaint show "$TICKET"
    expect 5 --as aud complaint note "$TICKET" 审计意见
}

test_sla() {
    cat >fast.yaml <<'YAML'
workflow:
  states:
    - {name: new, initial: true}
    - {name: assigned, assigned: true}
    - {name: in_progress, responded: true}
    - {name: resolved, responded: true, resolved: true, note_required: true}
    - {name: closed, responded: true, resolved: true, final: true}
  transitions:
    - {from: new, to: [assigned, in_progress]}
    - {from: assigned, to: [in_progress, resolved]}
    - {from: in_progress, to: resolved}
    - {from: resolved, to: closed}
deadlines:
  default: {acknowledge: 1s, resolve: 1h, extend_to: 2h}
  branch_manager_after: 1s
categories: [fee, card, other]
assignment:
  - team: GENERAL
YAML
    expect 3 complaint config - </dev/null
    expect 0 complaint config fast.yaml
    out_has "stored"
    expect 0 complaint config
    out_has "acknowledge: 1s"
    expect 0 complaint open --channel online --category card --subject 卡片被盗刷 \
        --body 信用卡被盗刷 --branch SH
    sleep 3
    expect 0 complaint sla-scan
    out_has "branch_manager -> bm.sh"
    out_has "1 escalated"
    expect 0 complaint sla-scan
    out_has "0 escalated"
    expect 5 --as kf.a complaint sla-scan
    expect 0 complaint open --channel online --category card --subject 卡片被盗刷 --body 又被盗刷 --branch SH
    expect 0 complaint open --channel online --category card --subject 卡片被盗刷 --body 再次盗刷 --branch SH
    expect 0 complaint hotspots --since "$(date -u +%Y-%m-%d)" --until 2099-01-01 --window 1 \
        --min-count 2 --factor-pct 200
    out_has "card"
    expect 0 --json complaint stats --by category
    json_eq '{r["key"]: r["count"] for r in o}["card"]' 3
    expect 3 complaint stats --by weather
    expect 0 complaint terms --limit 3
    out_has "盗刷"
}

test_kb() {
    expect 0 kb import "$HERE/kb/articles.yaml"
    out_has "25 articles imported"
    expect 0 --json kb search 挂失
    json_eq 'o[0]["code"]' CARD-LOSS
    expect 0 kb answer 银行卡丢了怎么挂失
    out_has "CARD-LOSS"
    expect 0 --json kb answer 明天北京会下雨吗 --handoff-phone 13800138000
    json_eq 'o["answered"]' 0
    json_eq 'o["handoff_ticket"][:2]' ZX
    expect 0 kb add GOLD --title 积存金 --body 积存金按克购买，可随时赎回 --tags 黄金
    expect 6 kb add GOLD --title 积存金 --body 重复
    expect 3 kb add BAD --title x --body y --kind blog
    err_has "field kind"
    expect 4 kb get NOPE
    expect 5 --as aud kb add X --title x --body y
    expect 0 --as aud kb search 积存金
    out_has GOLD
    expect 0 --json complaint list --category card --limit 1
    local ticket
    ticket=$(python3 -c "import json,sys; print(json.load(sys.stdin)[0]['ticket_no'])" <out)
    expect 0 kb suggest "$ticket"
    out_has FRAUD
}

test_help
test_usage
test_setup
test_workflow
test_sla
test_kb

echo "test_cli_complaint: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
