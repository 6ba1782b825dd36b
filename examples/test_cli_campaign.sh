#!/usr/bin/env bash
# Tests 'crm campaign' and 'crm lead' end to end: --help, create from a
# file and from a template, the author refused as approver (four eyes, exit
# 5), reject and edit, targeting with counts by reason, the target list,
# dispatch, lead outcomes as the RM, rewards, evaluation, completion into
# the case library, the contact policy, and the exit statuses.
#
#   examples/test_cli_campaign.sh PATH/TO/crm
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-campaign.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0

test_help() {
    expect 0 campaign --help
    for sub in create from-template templates submit approve reject target dispatch schedule \
        pause resume complete archive status evaluate list cases; do
        out_has "  $sub "
    done
    expect 0 lead --help
    out_has "  list "
    out_has "  outcome "
    expect 0 campaign create --help
    out_has "Usage: crm campaign create CODE --file FILE"
    expect 2 campaign create X
    expect 2 campaign reject X
}

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    expect 0 user add mkt --display-name 市场甲 --roles marketer --branch HO
    expect 0 user add mkt2 --display-name 市场乙 --roles marketer --branch HO
    expect 0 user add rm.a --display-name 客户经理 --roles relationship_manager --branch BJ
    expect 0 product add WM01 --name 稳盈理财 --type wealth --risk-rating R3
    local i
    for i in 1 2 3 4; do
        expect 0 customer add C00$i --name 客户$i --id-type passport --branch BJ --manager rm.a \
            --total-assets 300000 --risk-level C4 --risk-assessed-at 2026-06-01 --consent-sms 1
    done
    expect 0 customer add C005 --name 谨慎 --id-type passport --branch BJ --manager rm.a \
        --total-assets 300000 --risk-level C1 --risk-assessed-at 2026-06-01 --consent-sms 1
    expect 0 customer add C006 --name 无同意 --id-type passport --branch BJ \
        --total-assets 300000 --risk-level C5 --risk-assessed-at 2026-06-01
    expect 0 segment create 全部 --rule <(echo '{">=": [{"var": "assets"}, 0]}')
    cat >wm.yaml <<'YAML'
name: 稳盈理财首发
products: [WM01]
segments: [全部]
budget: 2000.00
cost_per_message: 0.05
channels:
  - {channel: sms, body: "{salutation}，{product}现已发售"}
goals:
  - {metric: conversions, target: 2, deadline: 2027-01-31}
rewards:
  tiers:
    - {min: 100000, bonus_bps: 50}
  per_customer_cap: 800
YAML
}

test_plan() {
    expect 0 --as mkt campaign create WM --file wm.yaml
    out_matches "status: +draft"
    expect 6 --as mkt campaign create WM --file wm.yaml
    expect 3 --as mkt campaign create BAD --file <(echo 'name: x')
    err_has "channels"
    expect 0 --as mkt campaign submit WM
    expect 5 --as mkt campaign approve WM
    err_has "four eyes"
    expect 0 --as mkt2 campaign reject WM --reason 预算过高
    out_matches "status: +rejected"
    expect 0 --as mkt campaign edit WM --file wm.yaml
    out_matches "status: +draft"
    expect 0 --as mkt campaign submit WM
    expect 0 --as mkt2 campaign approve WM
    out_matches "status: +approved"
    expect 6 --as mkt campaign start WM
    err_has "cannot go from approved to running"
    expect 0 --json --as mkt campaign templates
    out_has '"name":"wealth_launch"'
    expect 0 --as mkt campaign from-template HOLIDAY holiday_promotion \
        --set <(echo 'products: [WM01]')
    out_matches "template: +holiday_promotion"
    expect 4 --as mkt campaign from-template NONE no_such
    expect 0 --json campaign list
    out_has '"code":"HOLIDAY"'
}

test_run() {
    expect 0 --json --as mkt campaign target WM
    json_eq 'o["eligible"]' 6
    json_eq 'o["target"]' 4
    json_eq 'o["unsuitable"]' 1
    json_eq 'o["no_consent"]' 1
    expect 0 --as mkt campaign targets WM --group suppressed
    out_has "C005"
    out_has "unsuitable"
    expect 0 --as mkt campaign dispatch WM
    out_has "4 leads created, 0 skipped"
    expect 0 --json --as rm.a lead list --campaign WM
    local id
    id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' <out)
    expect 0 --as rm.a lead outcome "$id" converted --amount 200000
    expect 6 --as rm.a lead outcome "$id" declined
    expect 2 --as rm.a lead outcome nope contacted
    expect 0 --as mkt campaign schedule WM
    expect 0 --as mkt campaign start WM
    out_matches "status: +running"
    expect 0 --json --as mkt campaign reward WM C001 --amount 200000 --ref P1
    json_eq 'o["reward"]' 80000
    json_eq 'o["capped"]' 1
    expect 0 --json --as mkt campaign reward WM C001 --amount 200000 --ref P1
    json_eq 'o["repeated"]' 1
    expect 0 --json --as mkt campaign evaluate WM
    json_eq 'o["conversions"]' 1
    json_eq 'o["reward_cost"]' 80000
    json_eq 'o["goals"][0]["achieved"]' 1
    expect 0 --as mkt campaign pause WM
    expect 0 --as mkt campaign resume WM
    expect 0 --as mkt campaign complete WM
    expect 0 --json --as mkt campaign cases
    out_has '"code":"WM"'
    expect 0 --as mkt campaign archive WM
    expect 0 --as mkt campaign status WM
    out_matches "status: +archived"
    expect 0 --json --as mkt campaign policy --freq-cap 6
    json_eq 'o["freq_cap"]' 6
    json_eq 'o["quiet_start_min"]' 1260
    expect 5 --as rm.a campaign policy --freq-cap 3
}

test_help
test_setup
test_plan
test_run

echo "test_cli_campaign: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
