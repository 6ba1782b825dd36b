#!/usr/bin/env bash
# Tests 'crm alert' end to end, and shows the default rules on a generated
# bank: crm-gen plants a few large anomalous transfers (patterns.json,
# "anomalous_transfers"); after importing its customers and transactions
# this prints and checks how many planted anomalies raised an alert
# (recall) and how many alerts fell on ordinary traffic (false-positive
# rate), then exercises list, show, ack, close and rules with their exit
# statuses, and checks that importing the same feed twice adds nothing.
#
#   examples/test_cli_alert.sh PATH/TO/crm PATH/TO/crm-gen
#
# ALERT_CUSTOMERS (default 6000) and ALERT_MONTHS (12) size the bank. Needs
# bash and python3. Works in a temporary directory it removes (kept with
# KEEP=1). Prints one line per failed check and a summary; exits 1 when any
# check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 2 || ! -x $1 || ! -x $2 ]]; then
    echo "usage: $0 PATH/TO/crm PATH/TO/crm-gen" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
CUSTOMERS=${ALERT_CUSTOMERS:-6000}
MONTHS=${ALERT_MONTHS:-12}

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-alert.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
export CRM_DB=$T/crm.db CRM_KEY_FILE=$T/crm.key CRM_USER=admin

checks=0 failures=0 status=0 last=""

# check CONDITION-TEXT RESULT: counts a check computed by the script.
check() {
    checks=$((checks + 1))
    [[ $2 == 1 ]] || { last="$1"; fail "does not hold"; }
}

# ------------------------------------------------------------ the bank

"$GEN" --out data --customers "$CUSTOMERS" --months "$MONTHS" --seed 2026 2>gen.err ||
    { cat gen.err; exit 1; }
"$CRM" keygen >/dev/null && "$CRM" init --admin admin >/dev/null || exit 1

# Branches and products one command per row; the customers' managers are
# left out (staff are not what this test is about).
python3 - <<'PY' >setup.sh
import csv, shlex
q = shlex.quote
for r in csv.DictReader(open("data/branches.csv", encoding="utf-8")):
    if r["parent"]:
        print('"$CRM" branch add %s --name %s --parent %s' % (q(r["code"]), q(r["name"]), q(r["parent"])))
for r in csv.DictReader(open("data/products.csv", encoding="utf-8")):
    print('"$CRM" product add %s --name %s --type %s --risk-rating %s' % (
        q(r["code"]), q(r["name"]), q(r["type"]), q(r["risk_rating"])))
rows = list(csv.DictReader(open("data/customers.csv", encoding="utf-8")))
with open("customers.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, [k for k in rows[0] if k != "manager"], extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
# the feed with the core-banking reference of each row
with open("data/transactions.csv", encoding="utf-8") as src, \
        open("feed.csv", "w", encoding="utf-8", newline="") as dst:
    r = csv.reader(src)
    w = csv.writer(dst)
    w.writerow(["ref"] + next(r))
    for i, row in enumerate(r, 1):
        w.writerow(["CB%09d" % i] + row)
PY
CRM=$CRM bash -e setup.sh >/dev/null || { echo "setup failed"; exit 1; }

expect 0 customer import customers.csv
start=$(date +%s.%N)
expect 0 txn import feed.csv
end=$(date +%s.%N)
txns=$(($(wc -l <feed.csv) - 1))
python3 -c "print('imported %d transactions in %.1f s with the default alert rules' % ($txns, $end - $start))"

# ------------------------------------------------ must show: the counts

run --json alert list
checks=$((checks + 1))
[[ $status == 0 ]] || fail "exit $status"
n_first=$(python3 -c 'import json; print(len(json.load(open("out"))))')
python3 - "$txns" <<'PY' >measure.txt
import json, sys
from collections import Counter

txns = int(sys.argv[1])
alerts = json.load(open("out"))
items = json.load(open("data/patterns.json"))["anomalous_transfers"]["items"]

def fen(yuan):
    whole, _, frac = yuan.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])

planted = {}
for n, item in enumerate(items):
    for t in item["transactions"]:
        planted[(item["customer_no"], t["type"], fen(t["amount"]), t["time"])] = n
hit_items, hit_txns, ordinary = set(), set(), set()
by_rule = Counter()
for a in alerts:
    key = (a["customer_no"], a["txn_type"], a["amount"], a["txn_time"])
    if key in planted:
        hit_items.add(planted[key])
        hit_txns.add(key)
    else:
        ordinary.add(a["txn_id"])
        by_rule[a["rule"]] += 1
recall = len(hit_items) / len(items) if items else 1.0
fp_rate = len(ordinary) / txns
print("planted anomalous transfers: %d (%d transactions)" % (len(items), len(planted)))
print("found: %d of %d planted transfers (recall %.0f%%), %d of %d of their transactions"
      % (len(hit_items), len(items), 100 * recall, len(hit_txns), len(planted)))
print("alerts on ordinary traffic: %d transactions of %d (%.3f%%) by rule %s"
      % (len(ordinary), txns, 100 * fp_rate, dict(sorted(by_rule.items()))))
print("RESULT %d %d %.6f" % (len(items), len(hit_items), fp_rate))
PY
cat measure.txt | grep -v '^RESULT'
read -r _ planted found fp_rate < <(grep '^RESULT' measure.txt)
check "at least one anomaly planted" "$([[ ${planted:-0} -ge 1 ]] && echo 1)"
check "recall >= 90%" "$(python3 -c "print(1 if $found >= 0.9 * $planted else 0)")"
check "false-positive rate < 1%" "$(python3 -c "print(1 if $fp_rate < 0.01 else 0)")"
check "ordinary traffic raises few alerts (< 0.1%)" \
    "$(python3 -c "print(1 if $fp_rate < 0.001 else 0)")"

# ------------------------------------------- the same feed again: no change

expect 3 txn import feed.csv
err_has "column ref: transaction CB000000001 is already recorded"
expect 0 txn import feed.csv --on-duplicate skip --mode skip
out_has "0 inserted"
run --json alert list
n_again=$(python3 -c 'import json; print(len(json.load(open("out"))))')
check "a re-imported feed raises no new alerts ($n_first, then $n_again)" \
    "$([[ $n_again == "$n_first" ]] && echo 1)"

# ---------------------------------------------------------- subcommands

expect 0 alert --help
out_has "rules"
expect 0 alert rules
out_has "large_transfer"
out_has "amount_far_above_pattern"
out_has "burst"
out_has "unsuitable_high_risk_purchase"
out_has "default"
expect 0 alert rules --yaml
out_has "burst_minutes: 10"

expect 0 --json alert list --state open --limit 1
id=$(python3 -c 'import json; print(json.load(open("out"))[0]["id"])')
customer=$(python3 -c 'import json; print(json.load(open("out"))[0]["customer_no"])')
expect 0 alert show "$id"
out_has "details"
expect 0 alert list --customer "$customer"
out_has "$customer"
expect 0 alert ack "$id" --note "正在核实"
out_has "acknowledged"
expect 6 alert ack "$id"
err_has "already acknowledged"
expect 0 --json alert list --state acknowledged
out_has "正在核实"
expect 2 alert close "$id"
err_has "--note"
expect 0 alert close "$id" --note "客户确认为购房款"
expect 6 alert close "$id" --note "again"
expect 0 --json alert show "$id"
out_has '"state":"closed"'
expect 4 alert show 999999999
expect 4 alert ack 999999999
expect 2 alert ack abc
expect 2 alert list --bogus
expect 3 alert list --state shelved
expect 0 --json audit list --entity alert
out_has "alert.close"

# a host rule set, refused when wrong, then back to the default
printf 'rules:\n  - name: big_cash\n    severity: low\n    when: {">=": [{var: amount}, 100000000]}\n' >rules.yaml
printf 'rules:\n  - name: typo\n    severity: low\n    when: {var: amout}\n' >bad.yaml
expect 3 alert rules --set bad.yaml
err_has 'unknown variable "amout"'
expect 0 alert rules --set rules.yaml
out_has "big_cash"
out_has "custom"
expect 0 alert rules --reset
out_has "large_transfer"
expect 2 alert rules --set rules.yaml --reset

echo "test_cli_alert: $checks checks, $failures failed"
[[ $failures == 0 ]]
