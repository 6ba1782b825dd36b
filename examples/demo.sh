#!/usr/bin/env bash
# The libcrm demo: a bank sets up its CRM database with the crm tool.
#
#   examples/demo.sh [DIR]
#
# Works in DIR (created if missing; it must not already hold crm.db or
# crm.key), else in a fresh temporary directory removed at the end unless
# CRM_DEMO_KEEP=1. The crm binary is $CRM_BIN, else build/examples/crm in
# this source tree. Exits non-zero as soon as a step fails.
#
# Later modules (customers, segments, campaigns, complaints, reports) add a
# section function below and one line in main().
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python3.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRM_BIN=${CRM_BIN:-$here/../build/examples/crm}
DEMO_CUSTOMERS=${DEMO_CUSTOMERS:-300}
case $CRM_BIN in
/*) ;;
*/*) CRM_BIN=$PWD/$CRM_BIN ;;
*) CRM_BIN=$(command -v "$CRM_BIN" || echo "$CRM_BIN") ;;
esac
GEN_BIN=${GEN_BIN:-$(dirname "$CRM_BIN")/gen/crm-gen}
if [[ ! -x $GEN_BIN ]]; then
    echo "demo: no crm-gen binary at $GEN_BIN (build it, or set GEN_BIN)" >&2
    exit 1
fi
if [[ ! -x $CRM_BIN ]]; then
    echo "demo: no crm binary at $CRM_BIN (build it, or set CRM_BIN)" >&2
    exit 1
fi

if [[ $# -ge 1 ]]; then
    workdir=$1
    mkdir -p "$workdir"
else
    workdir=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo.XXXXXX")
    if [[ ${CRM_DEMO_KEEP:-0} != 1 ]]; then
        trap 'rm -rf "$workdir"' EXIT
    fi
fi
workdir=$(cd "$workdir" && pwd)
cd "$workdir"

export CRM_DB=$workdir/crm.db
export CRM_KEY_FILE=$workdir/crm.key
unset CRM_USER

# Prints a step's title.
step() {
    printf '\n==> %s\n' "$*"
}

# Prints "$ crm ARGS" with arguments quoted where the shell needs it.
show() {
    local line='$ crm' arg
    for arg in "$@"; do
        if [[ -z $arg || $arg == *[[:space:]\'\"\\\$\`\&\|\;\<\>\(\)\*\?\[\]\{\}\!\#~]* ]]; then
            line+=" '${arg//\'/\'\\\'\'}'"
        else
            line+=" $arg"
        fi
    done
    printf '%s%s\n' "$line" "${comment:-}"
}

# Shows a crm command line, then runs it; a failure ends the demo.
crm() {
    show "$@"
    "$CRM_BIN" "$@"
}

# Runs a crm command that must fail with the given exit status.
crm_refused() {
    local want=$1 got=0
    shift
    comment="   # refused: exit $want" show "$@"
    "$CRM_BIN" "$@" || got=$?
    if [[ $got != "$want" ]]; then
        echo "demo: expected exit $want, got $got" >&2
        exit 1
    fi
}

setup() {
    step "Create a master key. It encrypts the keys that protect personal data; keep a copy offline."
    crm keygen
    ls -l crm.key

    step "Create the database with its head office and the first administrator."
    crm init --admin admin --display-name 系统管理员
}

branches() {
    export CRM_USER=admin
    step "As admin, build the branch tree: head office > branches > sub-branches."
    crm branch add BJ --name 北京分行 --parent HO
    crm branch add SH --name 上海分行 --parent HO
    crm branch add BJ01 --name 北京海淀支行 --parent BJ
    crm branch add BJ02 --name 北京朝阳支行 --parent BJ
    crm branch add SH01 --name 上海浦东支行 --parent SH
    crm branch list
}

staff() {
    step "Add staff with their roles. Phones and e-mails are encrypted in the database."
    crm user add zhang.wei --display-name 张伟 --roles branch_manager --branch BJ \
        --phone 13812345678 --email zhang.wei@example.com
    crm user add li.na --display-name 李娜 --roles relationship_manager --branch BJ01 \
        --phone 13900001111 --email li.na@example.com
    crm user add wang.fang --display-name 王芳 --roles marketer --branch SH \
        --phone +8615800002222
    crm user add chen.jie --display-name 陈杰 --roles complaint_handler,relationship_manager \
        --branch SH01 --email chen.jie@example.com
    crm user add zhao.min --display-name 赵敏 --roles auditor --branch HO

    step "Lists show personal data masked (JR/T 0171-2020)."
    crm user list
    crm user show zhang.wei

    step "A branch manager sees only the staff of the Beijing subtree."
    crm --as zhang.wei user list

    step "Reading a phone number in clear needs a reason, and is audited."
    crm user reveal li.na --field phone --reason "核实客户回访安排 (ticket 2026-118)"

    step "A relationship manager may not add staff."
    crm_refused 5 --as li.na user add eve --display-name 伊芙 --roles admin --branch HO
}

passwords() {
    step "Staff may log in with a password; it is stored only as a PBKDF2 hash."
    printf '%s\n' 'Beijing-2026-spring' | comment='   # password on stdin' crm user passwd li.na
    printf '%s\n' 'Beijing-2026-spring' | comment='   # password on stdin' crm login li.na
    printf '%s\n' 'not-her-password' | crm_refused 5 login li.na
}

audit() {
    step "Every change above is in the audit log, chained by HMAC. The auditor reads it."
    crm --as zhao.min audit list

    step "Only what concerns one user:"
    crm --as zhao.min audit list --entity user --id li.na

    step "Export the chain head and keep it outside the database."
    show --as zhao.min audit checkpoint
    checkpoint=$("$CRM_BIN" --as zhao.min audit checkpoint)
    echo "$checkpoint"

    step "Verify the whole chain, and that the checkpoint is still there."
    crm --as zhao.min audit verify --checkpoint "$checkpoint"
}

# Runs one crm command per row of a generated CSV file: `load FILE FORMAT
# FIELD...` with FORMAT a crm command line template over the named fields;
# rows where a field written !FIELD is empty are skipped.
load() {
    python3 - "$@" <<'PY' | while IFS= read -r -d '' line; do eval "\"\$CRM_BIN\" $line" >/dev/null; done
import csv, shlex, sys
path, template = sys.argv[1], sys.argv[2]
required = [f[1:] for f in sys.argv[3:] if f.startswith("!")]
fields = [f.lstrip("!") for f in sys.argv[3:]]
for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
    if any(not row[f] for f in required):
        continue
    values = {f: shlex.quote(row[f]) for f in fields}
    line = template.format(**values)
    for f in fields:  # options whose value is empty are left out
        if not row[f]:
            line = line.replace("--%s ''" % f.replace("_", "-"), "")
    sys.stdout.write(line + "\0")
PY
}

generated_bank() {
    step "A second bank from generated data: crm-gen writes branches, staff, products and
    customers with valid ID numbers and 24 months of transactions (seeded: the same each run),
    with 1% of customer rows deliberately malformed."
    show_gen --out data --customers "$DEMO_CUSTOMERS" --seed 2026 --malformed-percent 1
    "$GEN_BIN" --out data --customers "$DEMO_CUSTOMERS" --seed 2026 --malformed-percent 1
    export CRM_DB=$workdir/bank2.db CRM_KEY_FILE=$workdir/bank2.key CRM_USER=admin
    "$CRM_BIN" keygen >/dev/null
    "$CRM_BIN" init --admin admin >/dev/null
    load data/branches.csv "branch add {code} --name {name} --parent {parent}" code name '!parent' 
    load data/users.csv "user add {name} --display-name {display_name} --roles {roles} \
--branch {branch} --phone {phone} --email {email}" name display_name roles branch phone email
    load data/products.csv "product add {code} --name {name} --type {type} \
--risk-rating {risk_rating} --term-days {term_days} --yield-bps {yield_bps} \
--sale-start {sale_start} --sale-end {sale_end}" code name type risk_rating term_days \
        yield_bps sale_start sale_end
    crm branch list

    step "Import the customers in skip mode: good rows go in, each bad row is reported with its
    line, column and reason (exit 3 says some rows were refused)."
    crm_refused 3 customer import data/customers.csv --mode skip --errors import-errors.csv
    head -4 import-errors.csv

    step "Import 24 months of transactions, and the balances the core system reports."
    crm txn import data/transactions.csv
    crm holding import data/holdings.csv

    step "Find customers: fuzzy by a two-character name part, exact by ID number."
    local name no id
    name=$(python3 -c 'import csv; r = list(csv.DictReader(open("data/customers.csv")))[5]; print(r["name"][-2:] if len(r["name"]) > 2 else r["name"])')
    crm customer search --name "$name" --limit 5
    no=$("$CRM_BIN" --json customer search --name "$name" --limit 1 | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["customer_no"])')
    id=$("$CRM_BIN" customer reveal "$no" --field id_number --reason "演示: 核对身份")
    crm customer search --id-number "$id"

    step "The 360 view of $no: profile (masked), holdings, recent transactions, activity."
    crm customer view "$no" --recent 3

    step "Statistics and the data-quality report over the imported book."
    crm customer stats province
    crm customer stats product_type
    crm customer quality >quality.txt # a pipe into head would end crm early (SIGPIPE)
    head -8 quality.txt

    step "Export the book for analysts: personal data masked by default."
    crm customer export book.csv
    head -3 book.csv

    step "The audit chain of this bank verifies too."
    crm audit verify
}

marketing() {
    step "Segmentation: customers aged 35-45 with at least 500,000 yuan, as a live segment (it
    follows their changes at once); the rule compiles to one SQL statement."
    cat >affluent.json <<'RULE'
{"and": [{">=": [{"var": "age"}, 35]}, {"<=": [{"var": "age"}, 45]},
         {">=": [{"var": "assets"}, 50000000]}]}
RULE
    crm segment create affluent_35_45 --rule affluent.json --live
    crm segment members affluent_35_45 >members.txt
    head -4 members.txt

    step "Value scores (RFM, value tier, activity) and the cross-sell rules over products held."
    crm analytics rfm
    crm analytics assoc --top 3

    step "Suitability: may this customer buy the riskiest product on sale?"
    local no code
    no=$("$CRM_BIN" --json segment members affluent_35_45 | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["customer_no"])')
    code=$(python3 -c 'import csv; print(max(csv.DictReader(open("data/products.csv")), key=lambda p: p["risk_rating"])["code"])')
    crm risk check "$no" "$code"

    step "Alerts raised while the transactions went in (large or unusual transfers, bursts)."
    crm alert list --limit 5

    step "Customer care: the knowledge base answers a question; a complaint is opened with
    its response and resolution deadlines (teams and assignment rules come from configuration)."
    crm kb import "$here/kb/articles.yaml"
    crm kb answer "我的信用卡丢了怎么办"
    crm complaint open --channel phone --category card --subject "年费重复扣收" \
        --body "客户反映信用卡年费被扣了两次" --customer "$no"

    step "Reports: business statistics for the last month of data as a self-contained HTML
    file with charts (also csv, json, xlsx, pdf), and this month's customer analysis (the book
    was imported this month)."
    crm report run business-statistics --period 2026-10 --format html -o business.html
    crm report run customer-analysis --period "$(date -u +%Y-%m)" --format csv -o customers.csv
    head -5 customers.csv
}

campaign() {
    step "A campaign from the built-in wealth_launch template, promoting the one-year R3 wealth
    product; one marketer drafts it and cannot approve it herself (four eyes), another approves."
    crm user add mk.a --display-name 市场甲 --roles marketer --branch HO
    crm user add mk.b --display-name 市场乙 --roles marketer --branch HO
    printf 'products: [WM-FIX1Y]\nstart: %s\nend: %s\n' "$(date -u +%Y-%m-%d)" \
        "$(date -u -d '+30 days' +%Y-%m-%d)" >wm.yaml
    crm --as mk.a campaign from-template WM wealth_launch --set wm.yaml
    crm --as mk.a campaign submit WM
    crm_refused 5 --as mk.a campaign approve WM
    crm --as mk.b campaign approve WM

    step "Targeting: who may be contacted, with the suppressions counted by reason (unsuitable
    for an R3 product, no consent, ...) and a 10% control group held out."
    crm --as mk.a campaign target WM
    crm --as mk.a campaign schedule WM
    crm --as mk.a campaign start WM

    step "Leads for the relationship managers, and the messages sent through the file channel
    (one file per message in spool/; the outbox records each idempotency key sent once)."
    crm --as mk.a campaign dispatch WM
    mkdir -p spool
    crm --as mk.a campaign send WM --spool spool
    ls spool | head -3

    step "Evaluation: conversions, cost, ROI and uplift against the control group (nothing
    bought yet, so no uplift; test_cli_campaign_e2e.sh runs the whole loop with events)."
    crm --as mk.a campaign evaluate WM
}

# Shows a crm-gen command line.
show_gen() {
    printf '$ crm-gen %s\n' "$*"
}

main() {
    echo "libcrm demo in $workdir, using $CRM_BIN"
    crm version
    setup
    branches
    staff
    passwords
    audit
    generated_bank
    marketing
    campaign
    printf '\nDemo complete.\n'
}

main
