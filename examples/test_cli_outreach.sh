#!/usr/bin/env bash
# Tests 'crm outbox', 'crm event', 'crm optout' and 'crm care' end to end:
# help and usage errors, the holiday calendar, care greetings generated once,
# a send through the file channel killed with SIGKILL half-way and run again
# (every idempotency key recorded sent exactly once, one spool file per
# message), opt-outs, a campaign's messages queued, sent and tracked through
# JSON Lines events, effectiveness and pace, and access.
#
#   examples/test_cli_outreach.sh PATH/TO/crm [CUSTOMERS]
#
# The campaign is made with 'crm campaign' (created by one marketer,
# approved by another, targeted, started) and the contact policy with
# 'crm campaign policy'; sqlite3 only checks by query.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm [CUSTOMERS]" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=${2:-3000}
for tool in python3 sqlite3; do
    command -v $tool >/dev/null || { echo "test_cli_outreach: $tool is needed" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-outreach.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

sql() { sqlite3 -cmd '.timeout 5000' crm.db "$@"; }

check_eq() {
    checks=$((checks + 1))
    [[ $1 == "$2" ]] || { failures=$((failures + 1)); echo "FAIL: $3: got '$1', expected '$2'"; }
}

test_help() {
    local group sub
    for group in "outbox queue send list retry" "event ingest effect pace" "optout add list" \
        "care run calendar config"; do
        set -- $group
        local name=$1
        shift
        expect 0 --help
        out_has "  $name "
        expect 0 "$name" --help
        out_has "Usage: crm $name SUBCOMMAND"
        for sub in "$@"; do
            out_has "  $sub "
        done
        for sub in "$@"; do
            expect 0 "$name" "$sub" --help
            out_has "Usage: crm $name $sub"
        done
    done
    expect 2 care run
    err_has "--date is required"
    expect 2 outbox send --max lots
    err_has "not a whole number"
}

test_setup() {
    expect 0 keygen
    expect 0 init --admin admin --display-name 系统管理员
    export CRM_USER=admin
    expect 0 user add rm.a --display-name 甲 --roles relationship_manager --branch HO
    expect 0 user add mk --display-name 乙 --roles marketer --branch HO
    expect 0 user add mk2 --display-name 丙 --roles marketer --branch HO
    # no quiet hours (start = end), so the test does not depend on the time of day
    expect 0 --json campaign policy --quiet-start 0 --quiet-end 0
    json_eq '(o["quiet_start_min"], o["quiet_end_min"], o["utc_offset_min"])' "(0, 0, 480)"
    python3 - "$N" <<'PY'
import csv, sys
n = int(sys.argv[1])
with open("customers.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["customer_no", "name", "id_type", "gender", "birth_date", "branch",
                "consent_sms", "consent_email", "total_assets"])
    for i in range(n):
        w.writerow(["K%05d" % i, "王丽" if i % 2 else "李强", "passport", "F" if i % 2 else "M",
                    "1980-%02d-%02d" % (i % 12 + 1, i % 28 + 1), "HO", 1, i % 3 == 0,
                    200000 if i < 20 else 1000])
PY
    expect 0 customer import customers.csv
}

test_calendar() {
    expect 0 care calendar --year 2027
    out_has "2027-02-06"
    out_has "春节"
    expect 0 --json care calendar --year 2030
    json_eq '[r["date"] for r in o if r["occasion"] == "mid_autumn"]' "['2030-09-12']"
    expect 0 care config
    out_has "optout_text"
    printf 'sms: {overflow: sometimes}\n' >bad.yaml
    expect 3 care config --set bad.yaml
    err_has "sms.overflow"
}

test_care_killed_and_rerun() {
    expect 0 --json care run --date 2026-10-01
    json_eq 'o["messages"]' "$N"
    mkdir spool
    "$CRM" outbox send --spool spool >/dev/null 2>&1 &
    local pid=$!
    sleep 0.3
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    local before
    before=$(sql "SELECT count(*) FROM crm_outbox WHERE state = 'sent'")
    echo "killed after $before of $N recorded sent, $(ls spool | wc -l) spool files"
    local start end
    start=$(date +%s.%N)
    expect 0 --json outbox send --spool spool
    end=$(date +%s.%N)
    json_eq 'o["remaining"]' 0
    python3 -c "print('re-run drained $N - $before messages in %.2f s' % ($end - $start))"
    check_eq "$(sql "SELECT count(*), count(DISTINCT idem_key) FROM crm_outbox WHERE state = 'sent'")" \
        "$N|$N" "sent messages and distinct keys"
    check_eq "$(find spool -name '*.msg' ! -name '.*' | wc -l)" "$N" "spool files"
    sql "SELECT idem_key FROM crm_outbox WHERE state = 'sent'" | tr -c 'A-Za-z0-9._\n-' '_' |
        sed 's/$/.msg/' | sort >keys.txt
    (cd spool && ls | sort) >files.txt
    checks=$((checks + 1))
    cmp -s keys.txt files.txt || { failures=$((failures + 1)); echo "FAIL: spool files != keys"; }
    expect 0 --json care run --date 2026-10-01
    json_eq 'o["messages"]' 0
    json_eq 'o["already"]' "$N"
}

test_optout() {
    expect 0 optout add K00001 --channel sms --source 柜台
    out_has "opted out of sms"
    expect 0 --json optout list K00001
    json_eq '[(r["channel"], r["source"]) for r in o]' "[('sms', '柜台')]"
    expect 0 --json customer get K00001
    json_eq 'o["consent_sms"]' 0
    expect 4 optout add NOPE
    expect 5 --as rm.a optout add K00002
}

# K00000..K00019 hold 200,000 yuan and are eligible; K00001 opted out of
# SMS (test_optout) and is suppressed; seed 23 splits the other 19 into 10
# targets (K00000, K00002, K00003 among them) and 9 held out as control.
campaign_running() {
    cat >wm.yaml <<Y
name: 稳盈理财
eligibility: {">=": [{var: assets}, 10000000]}
control_bps: 5000
seed: 23
start: $(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
end: $(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
channels: [{channel: sms, body: "{salutation}，{campaign}发售"}]
Y
    expect 0 --as mk campaign create WM --file wm.yaml
    expect 0 --as mk campaign submit WM
    expect 0 --as mk2 campaign approve WM
    expect 0 --json --as mk campaign target WM
    json_eq '(o["eligible"], o["target"], o["control"], o["no_consent"])' "(20, 10, 9, 1)"
    expect 0 --as mk campaign schedule WM
    expect 0 --as mk campaign start WM
}

test_campaign() {
    campaign_running
    expect 0 outbox queue WM
    out_has "queued 10 messages"
    expect 0 outbox queue WM
    out_has "queued 0 messages"
    # an opt-out after queuing cancels that message at send time
    expect 0 optout add K00003 --channel sms --source 柜台
    expect 5 --as rm.a outbox send --campaign WM
    mkdir cspool
    expect 0 --as mk --json outbox send --campaign WM --spool cspool
    json_eq 'o["sent"]' 9
    json_eq 'o["cancelled"]' 1
    expect 0 --json outbox list --campaign WM --state cancelled
    json_eq '[m["customer_no"] for m in o]' "['K00003']"
    grep -q '李先生，稳盈理财发售拒收请回复R' cspool/campaign_WM_v1_K00000_sms.msg
    check_eq $? 0 "rendered campaign message"
    cat >events.jsonl <<'J'
{"event_key": "d0", "kind": "delivered", "idem_key": "campaign:WM:v1:K00000:sms", "at": "2026-11-25T01:00:00Z"}
{"event_key": "c0", "kind": "clicked", "idem_key": "campaign:WM:v1:K00000:sms", "at": "2026-11-25T01:00:02Z"}
{"event_key": "c1", "kind": "clicked", "idem_key": "campaign:WM:v1:K00000:sms", "at": "2026-11-25T01:30:00Z", "user_agent": "Mozilla/5.0 (Android)"}
{"event_key": "v0", "kind": "converted", "idem_key": "campaign:WM:v1:K00000:sms", "at": "2026-11-25T02:00:00Z", "amount": 10000000}
{"event_key": "r2", "kind": "replied", "idem_key": "campaign:WM:v1:K00002:sms", "text": "R"}
{"event_key": "d0", "kind": "delivered", "idem_key": "campaign:WM:v1:K00000:sms"}
J
    expect 0 --json event ingest events.jsonl
    json_eq '(o["lines"], o["recorded"], o["flagged"], o["duplicates"], o["optouts"])' \
        "(6, 5, 1, 1, 1)"
    expect 0 event ingest events.jsonl
    out_has "6 duplicates"
    printf '{"event_key": "z", "kind": "teleported", "idem_key": "x"}\n' >bad.jsonl
    expect 3 event ingest bad.jsonl
    err_has "line 1"
    expect 0 --json event effect WM --by channel
    json_eq '[(r["grp"], r["sent"], r["clicked"], r["converted"], r["amount"]) for r in o]' \
        "[('sms', 9, 1, 1, 10000000)]"
    expect 0 --json event pace WM
    json_eq 'o["targets"]' 10
    expect 0 outbox retry --campaign WM
    out_has "0 messages queued again"
}

test_help
test_setup
test_calendar
test_care_killed_and_rerun
test_optout
test_campaign

echo "test_cli_outreach: $checks checks, $failures failures"
[[ $failures == 0 ]]
