#!/usr/bin/env bash
# Campaigns end to end on a generated bank (issue 6, must-show 1): a campaign
# from the wealth_launch template; its creator cannot approve it (exit 5),
# another marketer does; targeting prints the suppressions by reason and a
# query finds no unsuitable (product risk above the customer's level, or an
# expired assessment) or non-consenting customer among the targets; leads
# are dispatched; the messages go out through the file channel; generated
# JSON Lines events (delivered, opened, clicked, converted for a share of
# the targets, a few link-scanner clicks and a duplicate) are ingested; the
# promoted product is bought by some targets and fewer control customers;
# the evaluation prints the uplift against the control group with its z-test.
#
#   examples/test_cli_campaign_e2e.sh PATH/TO/crm [CUSTOMERS]
#
# CUSTOMERS (or CRM_E2E_CUSTOMERS) defaults to 3000 (CI, well under 60 s);
# the must-show runs it with 100000. Each stage prints its wall time.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm [CUSTOMERS]" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=${GEN_BIN:-$(dirname "$CRM")/gen/crm-gen}
N=${2:-${CRM_E2E_CUSTOMERS:-3000}}
for tool in python3 sqlite3; do
    command -v $tool >/dev/null || { echo "test_cli_campaign_e2e: $tool is needed" >&2; exit 1; }
done
[[ -x $GEN ]] || { echo "test_cli_campaign_e2e: no crm-gen at $GEN" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-e2e.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""
PRODUCT=WM-FIX1Y # the generated shelf's R3 one-year wealth product

sql() { sqlite3 -cmd '.timeout 5000' crm.db "$@"; }

check_eq() {
    checks=$((checks + 1))
    [[ $1 == "$2" ]] || { failures=$((failures + 1)); echo "FAIL: $3: got '$1', expected '$2'"; }
}

check_true() {
    checks=$((checks + 1))
    python3 -c "import sys; sys.exit(0 if ($1) else 1)" ||
        { failures=$((failures + 1)); echo "FAIL: $2: $1"; }
}

# json_get PYTHON-EXPR: the expression over the JSON value `o` of stdout.
json_get() {
    python3 -c "import json,sys; o = json.load(sys.stdin); print($1)" <out
}

stage_start=0
stage() {
    local now
    now=$(date +%s.%N)
    [[ $stage_start == 0 ]] ||
        python3 -c "print('  %-10s %6.2f s' % ('$stage_name', $now - $stage_start))"
    stage_name=$1 stage_start=$now
}

# One crm command per row of a generated CSV file (as examples/demo.sh):
# `load FILE TEMPLATE FIELD...`, rows with an empty !FIELD skipped.
load() {
    python3 - "$@" <<'PY' | while IFS= read -r -d '' line; do eval "\"\$CRM\" $line" >/dev/null; done
import csv, shlex, sys
path, template = sys.argv[1], sys.argv[2]
required = [f[1:] for f in sys.argv[3:] if f.startswith("!")]
fields = [f.lstrip("!") for f in sys.argv[3:]]
for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
    if any(not row[f] for f in required):
        continue
    line = template.format(**{f: shlex.quote(row[f]) for f in fields})
    for f in fields:
        if not row[f]:
            line = line.replace("--%s ''" % f.replace("_", "-"), "")
    sys.stdout.write(line + "\0")
PY
}

test_bank() {
    stage generate
    "$GEN" --out data --customers "$N" --seed 2026 --months 1 2>/dev/null
    check_eq $? 0 "crm-gen"
    stage import
    expect 0 keygen
    expect 0 init --admin admin
    export CRM_USER=admin
    load data/branches.csv "branch add {code} --name {name} --parent {parent}" code name '!parent'
    load data/users.csv "user add {name} --display-name {display_name} --roles {roles} \
--branch {branch}" name display_name roles branch
    load data/products.csv "product add {code} --name {name} --type {type} \
--risk-rating {risk_rating} --term-days {term_days} --yield-bps {yield_bps} \
--sale-start {sale_start} --sale-end {sale_end}" code name type risk_rating term_days \
        yield_bps sale_start sale_end
    expect 0 customer import data/customers.csv
    check_eq "$(sql "SELECT count(*) FROM crm_customer")" "$N" "customers imported"
    expect 0 user add mk.a --display-name 市场甲 --roles marketer --branch HO
    expect 0 user add mk.b --display-name 市场乙 --roles marketer --branch HO
    # no quiet hours: the test must not depend on the time of day
    expect 0 campaign policy --quiet-start 0 --quiet-end 0
}

test_plan_and_approve() {
    stage plan
    cat >overrides.yaml <<Y
products: [$PRODUCT]
seed: 2026
start: $(date -u -d '-1 day' +%Y-%m-%d)
end: $(date -u -d '+30 days' +%Y-%m-%d)
Y
    expect 0 --as mk.a campaign from-template WM wealth_launch --set overrides.yaml
    expect 0 --as mk.a campaign submit WM
    expect 5 --as mk.a campaign approve WM
    err_has "four eyes"
    expect 0 --as mk.b campaign approve WM
}

test_target() {
    stage target
    expect 0 --as mk.a campaign target WM
    sed 's/^/  | /' out
    expect 0 --json --as mk.a campaign target WM
    json_eq 'o["eligible"] == o["target"] + o["control"] + o["suppressed"]' True
    json_eq 'o["suppressed"] == sum(o[k] for k in ("restricted", "unsuitable", "no_consent",
        "opted_out", "frequency_cap"))' True
    json_eq 'o["target"] > 0 and o["control"] > 0 and o["unsuitable"] > 0' True
    targets=$(json_get 'o["target"]')
    controls=$(json_get 'o["control"]')
    # by query: no target or control customer is unsuitable for the R3
    # product (level below C3, never assessed, assessment older than a
    # year) or without consent for the channel chosen
    check_eq "$(sql "SELECT count(*) FROM crm_campaign_target t
        JOIN crm_campaign k ON k.id = t.campaign_id AND k.code = 'WM'
        JOIN crm_customer c ON c.id = t.customer_id
        WHERE t.grp <> 'suppressed' AND (c.risk_level IS NULL OR c.risk_level < 'C3'
          OR c.risk_assessed_at IS NULL OR c.risk_assessed_at + 365 * 86400 < unixepoch()
          OR t.channel IS NULL
          OR (t.channel = 'sms' AND c.consent_sms = 0)
          OR (t.channel = 'email' AND c.consent_email = 0)
          OR EXISTS (SELECT 1 FROM crm_optout o WHERE o.customer_id = c.id
                     AND o.channel IN (t.channel, 'all')))")" 0 "unsuitable or non-consenting targets"
    expect 0 --as mk.a campaign schedule WM
    expect 0 --as mk.a campaign start WM
}

test_dispatch_and_send() {
    stage dispatch
    expect 0 --json --as mk.a campaign dispatch WM
    json_eq 'o["created"] + o["skipped"]' "$targets"
    json_eq 'o["created"] > 0' True
    stage send
    mkdir spool
    expect 0 --json --as mk.a campaign send WM --spool spool
    json_eq 'o["sent"]' "$targets"
    check_eq "$(find spool -name '*.msg' | wc -l)" "$targets" "spool files"
    check_eq "$(sql "SELECT count(*), count(DISTINCT idem_key) FROM crm_outbox WHERE state = 'sent'")" \
        "$targets|$targets" "sent rows, one per key"
}

# Events for the sent messages: every message delivered, 40% opened, 20%
# clicked ten minutes later by a phone, 8% converted; five link-scanner
# clicks; one duplicate line. Purchases of the promoted product: the
# converted targets and 2% of the control group.
test_events_and_evaluate() {
    stage events
    sql "SELECT o.idem_key, c.customer_no FROM crm_outbox o JOIN crm_customer c
         ON c.id = o.customer_id WHERE o.state = 'sent' ORDER BY o.id" >sent.txt
    sql "SELECT c.customer_no FROM crm_campaign_target t JOIN crm_customer c
         ON c.id = t.customer_id WHERE t.grp = 'control' ORDER BY c.id" >control.txt
    python3 - <<'PY' >planted.txt
import json, time
now = int(time.time())
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
sent = [l.rstrip("\n").split("|") for l in open("sent.txt")]
control = [l.strip() for l in open("control.txt")]
lines, buys, converted = [], [], 0
for i, (key, no) in enumerate(sent):
    t = now - 7200
    ev = lambda k, kind, at, **x: lines.append(json.dumps(
        dict(event_key="%s:%s" % (k, kind), kind=kind, idem_key=key, at=iso(at), **x)))
    ev(key, "delivered", t)
    if i % 5 < 2:
        ev(key, "opened", t + 60)
    if i % 5 == 0:
        ev(key, "clicked", t + 600, user_agent="Mozilla/5.0 (iPhone)")
    if i % 25 < 2:
        ev(key, "converted", t + 1800, amount=20000000)
        buys.append((no, 200000))
        converted += 1
for key, _ in sent[1:6]:
    lines.append(json.dumps(dict(event_key=key + ":scan", kind="clicked", idem_key=key,
                                 at=iso(now - 7000),
                                 user_agent="Mozilla/5.0 (compatible; Proofpoint URL Defense)")))
lines.append(lines[0])
open("events.jsonl", "w").write("\n".join(lines) + "\n")
bought_control = control[::50]
with open("purchases.csv", "w") as f:
    f.write("customer_no,product_code,type,amount,channel,time\n")
    for no, yuan in buys + [(no, 150000) for no in bought_control]:
        f.write("%s,WM-FIX1Y,purchase,%d,mobile,%s\n" % (no, yuan, iso(now - 3600)))
print(len(lines), converted, len(bought_control))
PY
    read -r n_lines n_converted n_control_bought <planted.txt
    expect 0 --json --as mk.a event ingest events.jsonl
    json_eq '(o["lines"], o["duplicates"], o["flagged"] >= 5)' "($n_lines, 1, True)"
    expect 0 txn import purchases.csv
    stage evaluate
    expect 0 --as mk.a campaign evaluate WM
    grep -E 'uplift|z|p_value|conversions|rate' out | sed 's/^/  | /'
    expect 0 --json --as mk.a campaign evaluate WM
    json_eq '(o["target_size"], o["control_size"])' "($targets, $controls)"
    json_eq '(o["target_conversions"], o["control_conversions"])' \
        "($n_converted, $n_control_bought)"
    json_eq 'o["uplift_bps"] == o["target_rate_bps"] - o["control_rate_bps"]' True
    json_eq 'o["z"] is not None and 0 <= o["p_value"] <= 1' True
    json_get '"uplift %d bps (target %d bps, control %d bps), z = %.2f, p = %.4f" % (o["uplift_bps"],
        o["target_rate_bps"], o["control_rate_bps"], o["z"], o["p_value"])'
    stage done
}

echo "test_cli_campaign_e2e: $N generated customers"
test_bank
test_plan_and_approve
test_target
test_dispatch_and_send
test_events_and_evaluate

echo "test_cli_campaign_e2e: $checks checks, $failures failures"
[[ $failures == 0 ]]
