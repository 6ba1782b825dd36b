#!/usr/bin/env bash
# Self-test of crm-gen.
#
#   examples/gen/test_gen.sh path/to/crm-gen
#
# Generates small data sets and checks: same seed => identical bytes, another
# seed => different data; every resident ID number (check character, birth
# date, gender, province, real region code) and every other column of every
# row that malformed.json does not list; each listed row is malformed in
# exactly the documented way, on the documented line; GBK output converts
# back to the UTF-8 output; --bom and JSON Lines carry the same data;
# patterns.json agrees with the rows. Needs bash, cmp, iconv and python3
# (standard library only). Prints "crm-gen: N passed, M failed"; exits 1 on
# any failure.
set -u

gen=${1:?usage: test_gen.sh path/to/crm-gen}
case $gen in /*) ;; *) gen=$PWD/$gen ;; esac
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-gen-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok   $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL $*"
}
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then ok "$name"; else fail "$name: $(head -c 400 "$work/out")"; fi
}

files="branches users products customers holdings transactions"
common=(--customers 3000 --months 24 --end-date 2026-10-31 --malformed-percent 4)

run() { # run DIR ARGS...
    local dir=$1
    shift
    "$gen" --out "$work/$dir" "$@" 2>"$work/$dir.log"
}

check "generate (seed 42)" run a --seed 42 "${common[@]}"
check "generate again (seed 42)" run b --seed 42 "${common[@]}"
check "generate (seed 43)" run c --seed 43 "${common[@]}"
check "generate GBK (seed 42)" run gbk --seed 42 "${common[@]}" --encoding gbk
check "generate with BOM (seed 42)" run bom --seed 42 "${common[@]}" --bom
check "generate JSON Lines (seed 42)" run jsonl --seed 42 "${common[@]}" --format jsonl
check "summary line on stderr" grep -q "^crm-gen: 3000 customers" "$work/a.log"
check "no warnings" bash -c "! grep -q warning '$work/a.log'"

for f in $files; do
    check "same seed, identical $f.csv" cmp "$work/a/$f.csv" "$work/b/$f.csv"
done
for f in patterns.json malformed.json; do
    check "same seed, identical $f" cmp "$work/a/$f" "$work/b/$f"
done
for f in customers transactions; do
    check "other seed, different $f.csv" bash -c "! cmp -s '$work/a/$f.csv' '$work/c/$f.csv'"
done

for f in $files; do
    check "GBK $f.csv converts back to the UTF-8 file" \
        bash -c "iconv -f GBK -t UTF-8 '$work/gbk/$f.csv' | cmp - '$work/a/$f.csv'"
done
check "GBK customers.csv is not plain UTF-8" \
    bash -c "! iconv -f UTF-8 -t UTF-8 '$work/gbk/customers.csv' >/dev/null 2>&1"
check "BOM then the same bytes" \
    bash -c "[ \"\$(head -c 3 '$work/bom/customers.csv' | od -An -tx1 | tr -d ' ')\" = efbbbf ] &&
             tail -c +4 '$work/bom/customers.csv' | cmp - '$work/a/customers.csv'"

cat >"$work/check.py" <<'PY'
import atexit, csv, json, re, sys
from datetime import date, datetime, timedelta

utf8_dir, jsonl_dir, geo_c = sys.argv[1:4]
results = []

def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))

def report():  # also after an exception: the traceback then counts as one more failure
    for name, good, detail in results:
        print(("PASS " if good else "FAIL ") + name + ("" if good else f": {detail}"[:600]))
    sys.stdout.flush()

atexit.register(report)

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区"}
REGIONS = set(re.findall(r'\{"([0-9]{6})"', open(geo_c, encoding="utf-8").read()))
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

def check_char(first17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, W)) % 11]

def to18(id15):
    s = id15[:6] + "19" + id15[6:]
    return s + check_char(s)

def parse_date(s):
    try:
        return datetime.strptime(s, "%Y-%m-%d").date()
    except ValueError:
        return None

MONEY = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
PHONE = re.compile(r"^(\+86)?1[3-9][0-9]{9}$")

def email_ok(e):
    if not e or any(c <= " " or c > "~" for c in e) or e.count("@") != 1:
        return False
    local, dom = e.split("@")
    return bool(local) and "." in dom and not dom.startswith(".") and not dom.endswith(".") \
        and ".." not in dom

def read_csv(name):
    with open(f"{utf8_dir}/{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))

branches = read_csv("branches")
users = read_csv("users")
products = read_csv("products")
customers = read_csv("customers")
holdings = read_csv("holdings")
txns = read_csv("transactions")
malformed = json.load(open(f"{utf8_dir}/malformed.json", encoding="utf-8"))
patterns = json.load(open(f"{utf8_dir}/patterns.json", encoding="utf-8"))

HEADER = ("customer_no,name,id_type,id_number,gender,birth_date,phone,email,address,city,"
          "province,occupation,annual_income,total_assets,risk_level,risk_assessed_at,branch,"
          "manager,consent_sms,consent_email,consent_phone").split(",")
check("customers.csv header", customers[0] == HEADER, customers[0])
check("branches.csv header", branches[0] == ["code", "name", "parent"])
check("users.csv header",
      users[0] == ["name", "display_name", "roles", "branch", "phone", "email"])
check("products.csv header", products[0] == ["code", "name", "type", "risk_rating", "term_days",
                                              "yield_bps", "sale_start", "sale_end"])
check("holdings.csv header", holdings[0] == ["customer_no", "product_code", "balance"])
check("transactions.csv header", txns[0] == ["customer_no", "product_code", "type", "amount",
                                              "channel", "time"])
raw = open(f"{utf8_dir}/customers.csv", "rb").read()
lines = raw.split(b"\r\n")
check("CRLF line ends, one record per line",
      lines[-1] == b"" and len(lines) - 1 == len(customers) and b"\n" not in raw.replace(b"\r\n", b""))

# ---- organisation and products
codes = {r[0]: r for r in branches[1:]}
check("branch tree: HO root, parents exist",
      codes.get("HO", [None, None, "x"])[2] == "" and
      all(r[2] in codes for r in branches[1:] if r[0] != "HO"))
sub_branches = {r[0] for r in branches[1:] if r[2] not in ("", "HO")}
check("at least 3 branches with 2-4 sub-branches each",
      sum(1 for r in branches[1:] if r[2] == "HO") >= 3 and all(
          2 <= sum(1 for s in branches[1:] if s[2] == b[0]) <= 4
          for b in branches[1:] if b[2] == "HO"))
ROLES = {"admin", "branch_manager", "relationship_manager", "marketer", "complaint_handler",
         "auditor"}
check("users: logins, roles, branches, phones, emails valid", all(
    re.fullmatch(r"[a-z0-9_.-]{1,64}", u[0]) and u[1] and set(u[2].split(",")) <= ROLES
    and u[3] in codes and PHONE.match(u[4]) and email_ok(u[5]) for u in users[1:]))
check("users: logins unique", len({u[0] for u in users[1:]}) == len(users) - 1)
rm_branch = {u[0]: u[3] for u in users[1:] if "relationship_manager" in u[2].split(",")}
check("every sub-branch has a relationship manager", sub_branches <= set(rm_branch.values()))
RISK_BY_TYPE = {"deposit": "1", "loan": "1", "credit_card": "1", "wealth": "234", "fund": "345",
                "insurance": "123"}
check("products: types and risk ratings consistent", all(
    p[2] in RISK_BY_TYPE and re.fullmatch(r"R[1-5]", p[3]) and p[3][1] in RISK_BY_TYPE[p[2]]
    and p[4].isdigit() and p[5].isdigit() and parse_date(p[6])
    and (p[7] == "" or parse_date(p[7]) >= parse_date(p[6])) for p in products[1:]))
product_type = {p[0]: p[2] for p in products[1:]}
product_risk = {p[0]: int(p[3][1]) for p in products[1:]}

# ---- customers: validate every row, compare with malformed.json
def problems(row, seen_ids):
    if len(row) != 21:
        return {"unquoted_comma"}
    r = dict(zip(HEADER, row))
    p = set()
    if r["customer_no"] == "":
        p.add("missing_customer_no")
    elif not re.fullmatch(r"C[0-9]{10}", r["customer_no"]):
        p.add("bad customer_no")
    if not (2 <= len(r["name"]) <= 4):
        p.add("bad name")
    birth = parse_date(r["birth_date"])
    if birth is None or r["gender"] not in ("M", "F"):
        p.add("bad birth_date/gender")
    idn = r["id_number"]
    if r["id_type"] == "resident_id":
        if re.fullmatch(r"[0-9]{17}[0-9X]", idn):
            if check_char(idn[:17]) != idn[17]:
                p.add("bad_id_check_digit")
            key = idn
        elif re.fullmatch(r"[0-9]{15}", idn):
            key = to18(idn)
        else:
            p.add("bad id format")
            key = idn
        if key[:6] not in REGIONS:
            p.add("unknown region code " + key[:6])
        if PROVINCES.get(key[:2]) != r["province"]:
            p.add("province differs from the ID")
        if parse_date(f"{key[6:10]}-{key[10:12]}-{key[12:14]}") != birth:
            p.add("birth_date_mismatch")
        if (int(key[16]) % 2 == 1) != (r["gender"] == "M"):
            p.add("gender differs from the ID")
        if key in seen_ids:
            p.add("duplicate_id_number")
        seen_ids.add(key)
    elif r["id_type"] == "passport":
        if not re.fullmatch(r"E[0-9]{8}", idn):
            p.add("bad passport")
    else:
        p.add("bad id_type")
    if not PHONE.match(r["phone"]):
        p.add("phone_10_digits" if len(re.sub(r"^\+86", "", r["phone"])) == 10 else "bad phone")
    if r["email"] and not email_ok(r["email"]):
        p.add("bad_email")
    if not r["address"].startswith(r["province"]) or not r["city"] or not r["occupation"]:
        p.add("bad address/city/occupation")
    if r["annual_income"].startswith("-") and MONEY.match(r["annual_income"][1:]):
        p.add("negative_income")
    elif not MONEY.match(r["annual_income"]):
        p.add("bad annual_income")
    if not MONEY.match(r["total_assets"]):
        p.add("non_numeric_money")
    if r["risk_level"] and not re.fullmatch(r"C[1-5]", r["risk_level"]):
        p.add("unknown_risk_level")
    if bool(r["risk_level"]) != bool(r["risk_assessed_at"]) and "unknown_risk_level" not in p:
        p.add("risk_assessed_at without risk_level")
    if r["risk_assessed_at"] and not parse_date(r["risk_assessed_at"]):
        p.add("bad risk_assessed_at")
    if r["branch"] not in sub_branches:
        p.add("bad branch")
    if r["manager"] and rm_branch.get(r["manager"]) != r["branch"]:
        p.add("manager not an RM of the branch")
    if any(r[k] not in ("0", "1") for k in ("consent_sms", "consent_email", "consent_phone")):
        p.add("bad consent")
    return p

listed = {m["line"]: m for m in malformed["malformed"]}
seen_ids = set()
unexpected, wrong_kind, first_dup = [], [], {}
valid_rows = {}
for line, row in enumerate(customers[1:], start=2):
    p = problems(row, seen_ids)
    m = listed.get(line)
    if m is None:
        if p:
            unexpected.append((line, sorted(p)))
        else:
            valid_rows[row[0]] = dict(zip(HEADER, row))
    elif p != {m["kind"]}:
        wrong_kind.append((line, m["kind"], sorted(p)))
check("every row not in malformed.json is valid (IDs, dates, gender, province, phone, ...)",
      not unexpected, unexpected[:5])
check("every malformed.json line is malformed in exactly its documented way",
      not wrong_kind, wrong_kind[:5])
check("malformed.json count and kinds",
      malformed["count"] == len(listed) and len({m["kind"] for m in listed.values()}) == 10,
      sorted({m["kind"] for m in listed.values()}))
check("about 4% malformed", 0.02 < len(listed) / (len(customers) - 1) < 0.06, len(listed))
dups = [m for m in listed.values() if m["kind"] == "duplicate_id_number"]
check("duplicate ID rows repeat the ID number of their duplicate_of_line",
      dups and all(customers[m["duplicate_of_line"] - 1][3] == customers[m["line"] - 1][3]
                   and m["duplicate_of_line"] not in listed for m in dups))
check("customer numbers unique",
      len({r[0] for r in customers[1:] if r[0]}) == sum(1 for r in customers[1:] if r[0]))
ids = [r[3] for r in customers[1:] if len(r) == 21]
check("some old 15-digit IDs and some passports",
      any(len(i) == 15 for i in ids) and any(i.startswith("E") for i in ids))
vr = list(valid_rows.values())
check("about 60% have an email", 0.5 < sum(1 for r in vr if r["email"]) / len(vr) < 0.7)
check("some phones carry +86", any(r["phone"].startswith("+86") for r in vr))
end = date(2026, 10, 31)
check("some risk assessments expired (older than a year)",
      any(parse_date(r["risk_assessed_at"]) < end - timedelta(days=365)
          for r in vr if r["risk_assessed_at"]))
check("about 5% without a manager", 0.02 < sum(1 for r in vr if not r["manager"]) / len(vr) < 0.09)
surnames = {}
for r in vr:
    surnames[r["name"][0]] = surnames.get(r["name"][0], 0) + 1
top = sorted(surnames, key=surnames.get, reverse=True)[:3]
check("most common surnames are among 王 李 张", set(top) <= set("王李张刘陈"), top)

# ---- holdings and transactions
check("holdings reference valid customers and known products, balances >= 0", all(
    h[0] in valid_rows and h[1] in product_type and MONEY.match(h[2]) for h in holdings[1:]))
held = {}
for h in holdings[1:]:
    held.setdefault(h[0], set()).add(h[1])
check("every valid customer holds DEP-CUR", all("DEP-CUR" in held.get(n, ()) for n in valid_rows))
def suitable(n):
    r = valid_rows[n]
    level = int(r["risk_level"][1]) if r["risk_level"] else 0
    return all(product_risk[p] <= max(level, 1) or product_type[p] not in ("wealth", "fund")
               for p in held.get(n, ()))
check("wealth and fund holdings suit the customer's risk level", all(map(suitable, valid_rows)))
TYPES = {"deposit", "withdrawal", "purchase", "redemption", "transfer_in", "transfer_out",
         "repayment", "card_spend"}
CHANNELS = {"branch", "mobile", "online", "atm", "phone"}
bad, last, unsorted = [], {}, 0
for t in txns[1:]:
    if not (t[0] in valid_rows and t[1] in held.get(t[0], ()) and t[2] in TYPES
            and MONEY.match(t[3]) and float(t[3]) > 0 and t[4] in CHANNELS
            and re.fullmatch(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z", t[5])
            and "2024-11-01T00:00:00Z" <= t[5] <= "2026-10-31T23:59:59Z"):
        bad.append(t)
    if t[5] < last.get(t[0], ""):
        unsorted += 1
    last[t[0]] = t[5]
check("transactions: held products, known types and channels, amounts > 0, times in window",
      not bad, bad[:3])
check("transactions ordered by time within each customer", unsorted == 0, unsorted)
by_month = {}
for t in txns[1:]:
    by_month[t[5][:7]] = by_month.get(t[5][:7], 0) + 1
check("24 months of transactions", len(by_month) == 24, sorted(by_month))
spend = {}
for t in txns[1:]:
    if t[2] == "card_spend":
        spend[t[5][:10]] = spend.get(t[5][:10], 0) + 1
nov = [spend.get(f"2025-11-{d:02d}", 0) for d in range(1, 31)]
check("Double Eleven: card spend on 11 Nov far above the November average",
      nov[10] > 3 * sum(nov) / 30, nov)
sf = by_month.get("2025-01", 0)
check("Spring Festival: January 2025 busier than March 2025", sf > 1.2 * by_month["2025-03"])

# ---- planted patterns
assoc = patterns["association"]
wealth = {n for n, ps in held.items() if any(product_type[p] == "wealth" for p in ps)}
insur = {n for n, ps in held.items() if any(product_type[p] == "insurance" for p in ps)}
check("association counts match holdings",
      (assoc["wealth"], assoc["insurance"], assoc["both"]) ==
      (len(wealth), len(insur), len(wealth & insur)) and
      set(assoc["customer_nos"]) == wealth & insur)
check("association: lift of wealth => insurance above 2", assoc["lift"] > 2, assoc["lift"])
cutoff = "2026-05-04T00:00:00Z"
active = {t[0] for t in txns[1:] if t[5] >= cutoff}
dormant = set(valid_rows) - active
check("dormant list is exactly the customers with no transaction in 180 days",
      dormant == set(patterns["dormant"]["customer_nos"]) and dormant)
flows = {}
SIGN = {"deposit": 1, "transfer_in": 1, "purchase": 1, "withdrawal": -1, "transfer_out": -1,
        "redemption": -1}
for t in txns[1:]:
    if product_type[t[1]] in ("deposit", "wealth", "fund", "insurance") and t[5] >= "2026-05":
        m = flows.setdefault(t[0], {})
        m[t[5][:7]] = m.get(t[5][:7], 0) + SIGN[t[2]] * round(float(t[3]) * 100)
end_assets = {}
for h in holdings[1:]:
    if product_type[h[1]] in ("deposit", "wealth", "fund", "insurance"):
        end_assets[h[0]] = end_assets.get(h[0], 0) + round(float(h[2]) * 100)
months6 = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
at_risk = set()
for n, m in flows.items():
    net = sum(m.values())
    if all(m.get(k, 0) < 0 for k in months6) and end_assets[n] * 2 <= end_assets[n] - net:
        at_risk.add(n)
check("at-risk list is exactly the customers meeting the documented rule",
      at_risk == set(patterns["at_risk"]["customer_nos"]) and at_risk)
check("total_assets is the sum of asset holdings",
      all(round(float(r["total_assets"]) * 100) == end_assets.get(n, 0)
          for n, r in valid_rows.items()))
anoms = patterns["anomalous_transfers"]["items"]
tx_by = {}
for t in txns[1:]:
    tx_by.setdefault(t[0], []).append(t)
ok_anom = bool(anoms)
for a in anoms:
    rows = tx_by.get(a["customer_no"], [])
    for x in a["transactions"]:
        ok_anom &= [a["customer_no"], x["product_code"], x["type"], x["amount"]] in \
            [r[:4] for r in rows if r[5] == x["time"]]
    amounts = {x["amount"] for x in a["transactions"]}
    ordinary = [float(r[3]) for r in rows if r[2].startswith("transfer") and r[3] not in amounts]
    ok_anom &= all(v <= float(a["usual_max"]) for v in ordinary)
    ok_anom &= float(a["transactions"][0]["amount"]) >= max(60 * float(a["usual_max"]) / 6,
                                                            200000)
check("anomalous transfers present and far above the customer's ordinary transfers", ok_anom)
def norm_phone(p):
    return p[3:] if p.startswith("+86") else p
ok_phone = bool(patterns["shared_phone"]["groups"])
for g in patterns["shared_phone"]["groups"]:
    a, b = (valid_rows.get(n, {}) for n in g["customer_nos"])
    ok_phone &= bool(a and b) and norm_phone(a["phone"]) == norm_phone(b["phone"]) == g["phone"] and \
        a["id_number"] != b["id_number"]
shared = {}
for r in vr:
    shared.setdefault(norm_phone(r["phone"]), []).append(r["customer_no"])
planted = {tuple(g["customer_nos"]) for g in patterns["shared_phone"]["groups"]}
check("shared phones: planted pairs share a phone under different IDs, no others",
      ok_phone and {tuple(v) for v in shared.values() if len(v) > 1} == planted)
ok_name = bool(patterns["same_name_birth_date"]["groups"])
for g in patterns["same_name_birth_date"]["groups"]:
    a, b = (valid_rows.get(n, {}) for n in g["customer_nos"])
    ok_name &= bool(a and b) and a["name"] == b["name"] == g["name"] and \
        a["birth_date"] == b["birth_date"] == g["birth_date"] and a["id_number"] != b["id_number"]
check("same name and birth date pairs with different IDs", ok_name)

# ---- JSON Lines: same data, one object per line, invalid_json lines listed
jl = open(f"{jsonl_dir}/customers.jsonl", encoding="utf-8").read().split("\n")
jmal = {m["line"]: m for m in json.load(open(f"{jsonl_dir}/malformed.json"))["malformed"]}
same, broken_ok = True, True
for i, text in enumerate(jl[:-1], start=1):
    try:
        obj = json.loads(text, parse_float=str, parse_int=str)
    except ValueError:
        broken_ok &= jmal.get(i, {}).get("kind") == "invalid_json"
        continue
    if list(obj) != HEADER:
        same = False
        continue
    vals = ["" if v is None else v for v in obj.values()]
    same &= vals == customers[i]
check("customers.jsonl holds the CSV's data, key order as the header", same)
check("only the listed invalid_json lines fail to parse", broken_ok and jl[-1] == "")
check("JSON Lines malformed.json lists the same lines",
      set(jmal) == {l - 1 for l in listed})
for name in ("holdings", "transactions"):
    rows = [list(json.loads(l, parse_float=str, parse_int=str).values())
            for l in open(f"{jsonl_dir}/{name}.jsonl", encoding="utf-8")]
    check(f"{name}.jsonl holds the CSV's data", rows == read_csv(name)[1:])

PY

if python3 "$work/check.py" "$work/a" "$work/jsonl" "$src/geo.c" >"$work/py.out" 2>&1; then :; fi
while IFS= read -r line; do
    case $line in
    "PASS "*) ok "${line#PASS }" ;;
    "FAIL "*) fail "${line#FAIL }" ;;
    *) fail "checker: $line" ;;
    esac
done <"$work/py.out"

# bounded memory: a bigger run must not need much more memory than a small one
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M "$gen" --out "$work/m1" --customers 2000 --months 3 2>"$work/m1.time" >/dev/null
    /usr/bin/time -f %M "$gen" --out "$work/m2" --customers 60000 --months 3 2>"$work/m2.time" >/dev/null
    small=$(tail -1 "$work/m1.time")
    big=$(tail -1 "$work/m2.time")
    if [ "$big" -lt $((small + 16384)) ]; then
        ok "memory does not grow with N (${small} KiB vs ${big} KiB peak)"
    else
        fail "memory grows with N: ${small} KiB for 2000 customers, ${big} KiB for 60000"
    fi
fi

echo "crm-gen: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
