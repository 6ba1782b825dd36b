#!/usr/bin/env bash
# Tests 'crm analytics' on a generated bank (examples/gen/crm-gen): it is
# imported through the crm tool as in examples/demo.sh, then
#  - rfm: every customer scored; the planted dormant cohort comes out
#    dormant; the share of the planted at-risk cohort found is printed
#  - assoc (issue 5, must-show 2): the planted cross-sell pattern (wealth
#    holders hold insurance) is among the top rules with lift > 1.5
#  - cluster and propensity (must-show 4): the same output twice for a seed,
#    and the AUC printed
#  - recommend: only suitable products, nothing for an unassessed customer
#
#   examples/test_cli_analytics.sh PATH/TO/crm PATH/TO/crm-gen
#
# ANALYTICS_CUSTOMERS (default 300) sets the bank's size. Needs bash and
# python3. Works in a temporary directory it removes (kept with KEEP=1).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 2 || ! -x $1 || ! -x $2 ]]; then
    echo "usage: $0 PATH/TO/crm PATH/TO/crm-gen" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
CUSTOMERS=${ANALYTICS_CUSTOMERS:-300}

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-analytics.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
export CRM_DB=$T/crm.db CRM_KEY_FILE=$T/crm.key
unset CRM_USER

checks=0 failures=0 status=0 last=""

# check PYTHON-CONDITION MESSAGE: a condition over `o` (stdout as JSON) and
# `p` (data/patterns.json).
check() {
    checks=$((checks + 1))
    python3 -c "import json, sys
o = json.load(open('out')); p = json.load(open('data/patterns.json'))
sys.exit(0 if ($1) else 1)" 2>>err || fail "$2"
}

# load FILE TEMPLATE FIELD...: one crm command per CSV row (as demo.sh does);
# options whose value is empty are left out; !FIELD rows lacking it skipped.
load() {
    python3 - "$@" <<'PY' | while IFS= read -r -d '' line; do eval "\"\$CRM\" $line" >/dev/null || echo "load failed: $line" >&2; done
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

generate_and_import() {
    # the data ends yesterday, so the windows ending now cover it
    local end
    end=$(python3 -c 'import datetime; print(datetime.datetime.utcnow().date() - datetime.timedelta(days=1))')
    "$GEN" --out data --customers "$CUSTOMERS" --seed 2026 --end-date "$end" 2>gen.log ||
        { echo "crm-gen failed: $(cat gen.log)"; exit 1; }
    "$CRM" keygen >/dev/null && "$CRM" init --admin admin >/dev/null || exit 1
    export CRM_USER=admin
    load data/branches.csv "branch add {code} --name {name} --parent {parent}" code name '!parent'
    load data/users.csv "user add {name} --display-name {display_name} --roles {roles} \
--branch {branch} --phone {phone} --email {email}" name display_name roles branch phone email
    load data/products.csv "product add {code} --name {name} --type {type} \
--risk-rating {risk_rating} --term-days {term_days} --yield-bps {yield_bps} \
--sale-start {sale_start} --sale-end {sale_end}" code name type risk_rating term_days \
        yield_bps sale_start sale_end
    expect 0 customer import data/customers.csv
    expect 0 txn import data/transactions.csv
    expect 0 holding import data/holdings.csv
    expect 0 --json holding list C0000000001
    check 'len(o) >= 1' "holdings were not loaded"
}

test_help() {
    expect 0 analytics --help
    for sub in rfm show cluster assoc recommend propensity; do
        out_has "  $sub "
    done
    for sub in rfm show cluster assoc recommend propensity; do
        expect 0 analytics "$sub" --help
        out_has "Usage: crm analytics $sub"
    done
    expect 2 analytics cluster --k two
    err_has "not a whole number"
}

test_rfm() {
    expect 5 --as nobody analytics rfm
    expect 0 analytics rfm
    out_has "scored $CUSTOMERS customers"
    echo "    $(cat out)"
    expect 0 --json analytics rfm
    json_eq 'o["customers"]' "$CUSTOMERS"
    # every planted dormant customer is dormant
    local no
    for no in $(python3 -c 'import json; print(" ".join(json.load(open("data/patterns.json"))["dormant"]["customer_nos"]))'); do
        expect 0 --json analytics show "$no"
        json_eq 'o["activity"]' dormant
    done
    local found=0 planted=0
    for no in $(python3 -c 'import json; print(" ".join(json.load(open("data/patterns.json"))["at_risk"]["customer_nos"]))'); do
        run --json analytics show "$no"
        planted=$((planted + 1))
        grep -q '"activity":"at_risk"' out && found=$((found + 1))
    done
    echo "    planted at-risk customers found at_risk: $found of $planted"
    checks=$((checks + 1))
    ((planted == 0 || found * 2 >= planted)) || fail "fewer than half of the at-risk cohort found"
    expect 0 --json analytics show C0000000001
    check 'o["rfm"] and len(o["rfm"]) == 3 and o["value_tier"] in ("ordinary", "gold", "platinum", "diamond")' \
        "show lacks rfm or tier"
}

test_assoc() {
    expect 0 analytics assoc --top 8
    echo "    planted: $(python3 -c 'import json; a = json.load(open("data/patterns.json"))["association"]; print({k: a[k] for k in ("customers", "wealth", "insurance", "both", "lift")})')"
    sed 's/^/    /' out
    out_has "ANTECEDENT"
    expect 0 --json analytics assoc
    # must-show 2: the planted wealth/insurance rule is among the top rules with lift > 1.5
    check 'any({r["antecedent"], r["consequent"]} == {"wealth", "insurance"} and r["lift_bps"] > 15000 for r in o[:3])' \
        "the wealth/insurance rule is not among the top 3 with lift > 1.5"
    check 'o == sorted(o, key=lambda r: -r["lift_bps"])' "rules are not ordered by lift"
}

test_cluster() {
    expect 0 analytics cluster --k 4 --seed 42 --features age,aum,txn_count_90d,recency_days
    cp out cluster1
    sed 's/^/    /' out
    out_has "cluster 3:"
    expect 0 --json analytics show C0000000002
    cp out show1
    expect 0 analytics cluster --k 4 --seed 42 --features age,aum,txn_count_90d,recency_days
    checks=$((checks + 1))
    cmp -s out cluster1 || fail "clustering differs between two runs with seed 42"
    expect 0 --json analytics show C0000000002
    json_eq 'o["cluster"]' "$(python3 -c 'import json; print(json.load(open("show1"))["cluster"])')"
    expect 0 --json analytics cluster --k 3 --seed 1
    json_eq 'len(o["profiles"])' 12
    json_eq 'sum(p["size"] for p in o["profiles"] if p["feature"] == "age")' "$CUSTOMERS"
    expect 3 analytics cluster --features age,height
    err_has "'height' is not a feature"
}

test_propensity() {
    local cutoff
    cutoff=$(python3 -c 'import datetime; print(datetime.datetime.utcnow().date() - datetime.timedelta(days=91))')
    expect 0 analytics propensity --target fund --seed 7 --cutoff "$cutoff"
    cp out propensity1
    sed 's/^/    /' out
    out_matches "AUC [0-9]\.[0-9]{4} on [0-9]+ hold-out customers"
    expect 0 analytics propensity --target fund --seed 7 --cutoff "$cutoff"
    checks=$((checks + 1))
    cmp -s out propensity1 || fail "propensity differs between two runs with seed 7"
    expect 0 --json analytics propensity --target fund --seed 7
    check 'o["auc_bps"] > 6000' "AUC not above 0.6"
    expect 0 --json analytics show C0000000003
    json_eq 'o["propensity_target"]' fund
    expect 3 analytics propensity --target stocks
    err_has "field target"
}

test_recommend() {
    # a customer holding wealth but not insurance, assessed, with an R5 fund not held
    local no
    no=$(python3 - <<'PY'
import csv, collections
held = collections.defaultdict(set)
types = {r["code"]: r["type"] for r in csv.DictReader(open("data/products.csv"))}
for r in csv.DictReader(open("data/holdings.csv")):
    held[r["customer_no"]].add(types[r["product_code"]])
print(next(n for n in sorted(held) if "wealth" in held[n] and "insurance" not in held[n]))
PY
)
    expect 0 risk assess "$no" --answers \
        age=c,income=b,investable_share=b,experience=b,knowledge=b,horizon=b,goal=b,loss_tolerance=b
    expect 0 --json analytics recommend "$no" --limit 20
    echo "    recommended for $no (C2): $(python3 -c 'import json,sys; print([r["product_code"] for r in json.load(open("out"))])')"
    check 'o and all(r["risk_rating"] <= "R2" for r in o)' "no recommendation, or one above R2"
    check 'any(r["type"] == "insurance" for r in o)' "insurance not recommended to a wealth holder"
    local r
    for r in $(python3 -c 'import json; print(" ".join(r["product_code"] for r in json.load(open("out"))))'); do
        expect 0 --json risk check "$no" "$r"
        json_eq 'o["suitable"]' True
    done
    expect 0 user add rm.test --display-name 测试 --roles relationship_manager --branch HO
    expect 0 customer add X1 --name 测试 --branch HO --manager rm.test
    expect 0 --json analytics recommend X1
    json_eq 'o' '[]'
}

test_help
generate_and_import
test_rfm
test_assoc
test_cluster
test_propensity
test_recommend

echo "test_cli_analytics: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
