#!/usr/bin/env bash
# The report formats from generated demo data, checked by the tools people
# open them with:
#  - the XLSX converted by `libreoffice --headless --convert-to csv` has the
#    same numbers as the CSV report;
#  - `pdffonts` lists embedded Noto CJK fonts and `pdftoppm` renders pages
#    that are not blank;
#  - headless Chromium renders the HTML with its charts (colour pixels).
# The PDF page and the HTML screenshot stay in ARTEFACT_DIR (not committed).
#
#   examples/test_report_formats.sh PATH/TO/crm PATH/TO/crm-gen ARTEFACT_DIR
#
# Exits 77 (skipped) only when LibreOffice, poppler or Chromium is missing
# and CI is not set; in CI .ci/deps installs them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python3.sh"
if [[ $# -ne 3 ]]; then
    echo "usage: $0 PATH/TO/crm PATH/TO/crm-gen ARTEFACT_DIR" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mkdir -p "$3"
ART=$(cd "$3" && pwd)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
for tool in libreoffice pdffonts pdftoppm python3; do
    command -v $tool >/dev/null || missing="${missing:-} $tool"
done
[[ -n $CHROMIUM ]] || missing="${missing:-} chromium"
if [[ -n ${missing:-} ]]; then
    if [[ -z ${CI:-} ]]; then
        echo "test_report_formats: SKIPPED: missing$missing (install them with .ci/deps)"
        exit 77
    fi
    echo "test_report_formats: missing$missing in CI: .ci/deps must install them" >&2
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-report-formats.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T"
export CRM_DB=$T/crm.db CRM_KEY_FILE=$T/crm.key CRM_USER=admin HOME=$T

# Runs one crm command per CSV row: load FILE TEMPLATE FIELD... ({field}
# placeholders; an option whose value is empty is left out).
load() {
    python3 - "$@" <<'PY' | while IFS= read -r -d '' line; do eval "\"\$CRM\" $line" >/dev/null; done
import csv, shlex, sys
path, template, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
    line = template.format(**{f: shlex.quote(row[f]) for f in fields})
    for f in fields:
        if not row[f]:
            line = line.replace("--%s ''" % f.replace("_", "-"), "")
    sys.stdout.write(line + "\0")
PY
}

echo "== generate and import a bank"
"$GEN" --out data --customers "${REPORT_TEST_CUSTOMERS:-150}" --seed 2026 --months 14 2>/dev/null
unset CRM_USER
"$CRM" keygen >/dev/null
"$CRM" init --admin admin >/dev/null
export CRM_USER=admin
python3 - <<'PY' >branches.csv
import csv, sys
rows = [r for r in csv.DictReader(open("data/branches.csv", encoding="utf-8")) if r["parent"]]
w = csv.writer(sys.stdout)
w.writerow(["code", "name", "parent"])
w.writerows([r["code"], r["name"], r["parent"]] for r in rows)
PY
load branches.csv "branch add {code} --name {name} --parent {parent}" code name parent
load data/users.csv "user add {name} --display-name {display_name} --roles {roles} \
--branch {branch} --phone {phone} --email {email}" name display_name roles branch phone email
load data/products.csv "product add {code} --name {name} --type {type} \
--risk-rating {risk_rating} --term-days {term_days} --yield-bps {yield_bps} \
--sale-start {sale_start} --sale-end {sale_end}" code name type risk_rating term_days \
    yield_bps sale_start sale_end
"$CRM" customer import data/customers.csv --mode skip >/dev/null
"$CRM" txn import data/transactions.csv >/dev/null
"$CRM" holding import data/holdings.csv >/dev/null

echo "== complaints of this month (the CLI's clock is the real one), some handled and rated"
MONTH=$(date -u +%Y-%m)
python3 - <<'PY' >complaints.txt
import csv, random
rng = random.Random(2026)
customers = [r["customer_no"] for r in csv.DictReader(open("data/customers.csv", encoding="utf-8"))]
categories = ["card", "fee", "loan", "wealth", "digital", "service"]
channels = ["phone", "email", "online", "branch", "social"]
for i in range(40):
    print(rng.choice(customers), rng.choice(channels), rng.choice(categories), i % 4, rng.randint(1, 5))
PY
while read -r no channel category handled score; do
    ticket=$("$CRM" complaint open --channel "$channel" --category "$category" \
        --subject "投诉 $category" --body "客户反映$category问题，要求处理。" --customer "$no" |
        sed -n 's/^opened \([A-Z0-9]*\):.*/\1/p') || continue
    if [[ $handled != 0 ]]; then
        "$CRM" complaint transition "$ticket" in_progress >/dev/null
        "$CRM" complaint transition "$ticket" resolved --note 已处理 >/dev/null
        "$CRM" complaint rate "$ticket" "$score" >/dev/null
    fi
done <complaints.txt
"$CRM" analytics rfm >/dev/null

echo "== a campaign of this month: planned, approved by another marketer, targeted, leads, evaluated"
"$CRM" user add mk.a --display-name 市场甲 --roles marketer --branch HO >/dev/null
"$CRM" user add mk.b --display-name 市场乙 --roles marketer --branch HO >/dev/null
cat >cg.yaml <<YAML
name: 信用卡新客礼
control_bps: 2000
seed: 11
start: $MONTH-01
channels:
  - {channel: sms, body: "{salutation}，办卡有礼"}
  - {channel: email, subject: 办卡有礼, body: "{salutation}：办卡有礼"}
goals:
  - {metric: conversions, target: 20, deadline: $(date -u -d '+60 days' +%Y-%m-%d)}
YAML
"$CRM" --as mk.a campaign create CG --file cg.yaml >/dev/null
"$CRM" --as mk.a campaign submit CG >/dev/null
"$CRM" --as mk.b campaign approve CG >/dev/null
"$CRM" --as mk.a campaign target CG >/dev/null
"$CRM" --as mk.a campaign dispatch CG >/dev/null
"$CRM" --as mk.a campaign evaluate CG >/dev/null

echo "== write every format"
for f in csv json html xlsx pdf; do
    "$CRM" report run business-statistics --period 2026-10 --format $f -o bs.$f
    "$CRM" report run complaint-analysis --period "$MONTH" --format $f -o cp.$f
    "$CRM" report run complaint-hotspots --period "$MONTH" --format $f -o hs.$f
    "$CRM" report run rm-performance --period "$MONTH" --format $f -o rm.$f
    "$CRM" report run campaign-analysis --period "$MONTH" --format $f -o cg.$f
done
"$CRM" report run customer-analysis --period 2026-Q4 --format pdf -o ca.pdf
"$CRM" report run customer-analysis --period 2026-Q4 --format html -o ca.html

echo "== XLSX through LibreOffice has the numbers of the CSV report"
# comma, double quote, UTF-8 (LibreOffice's default is the locale's charset); one start
libreoffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76' --outdir lo \
    bs.xlsx cp.xlsx hs.xlsx rm.xlsx cg.xlsx >/dev/null 2>&1
for r in bs cp hs rm cg; do
    python3 - $r <<'PY'
import csv, json
def numbers(path, encoding="utf-8"):
    out = []
    for row in csv.reader(open(path, encoding=encoding, newline="")):
        vals = []
        for cell in row:
            try:
                vals.append(round(float(cell.replace(",", "")), 2))
            except ValueError:
                pass
        if vals:
            out.append(vals)
    return out
import sys
name = sys.argv[1]
report = numbers(name + ".csv")
office = numbers("lo/%s.csv" % name)
assert report, name + ": the CSV report has no rows"
assert report == office, "%s: XLSX (via LibreOffice) differs from CSV:\n%s\n%s" % (
    name, report[:3], office[:3])
rows = json.load(open(name + ".json", encoding="utf-8"))["rows"]
assert len(rows) == len(report), "%s: the JSON report has %d rows, the CSV %d" % (
    name, len(rows), len(report))
print("   %s: %d rows, %d numbers agree" % (name, len(report), sum(map(len, report))))
PY
done

echo "== PDF: embedded CJK fonts, pages render"
pdffonts bs.pdf | tee fonts.txt
grep -E 'NotoSansCJK.* yes +yes' fonts.txt >/dev/null || { echo "no embedded Noto CJK font" >&2; exit 1; }
pdftoppm -r 60 -png -f 1 -l 1 bs.pdf "$ART/business-statistics-page"
pdftoppm -r 60 -png -f 1 -l 1 ca.pdf "$ART/customer-analysis-page"
for r in cp hs rm cg; do
    pdffonts $r.pdf | grep -E 'NotoSansCJK.* yes +yes' >/dev/null ||
        { echo "$r.pdf: no embedded Noto CJK font" >&2; exit 1; }
done
pdftoppm -r 60 -png -f 1 -l 1 cp.pdf "$ART/complaint-analysis-page"

echo "== campaign-analysis: the funnel and the drill-down to its channels"
python3 - <<'PY'
import json
rows = json.load(open("cg.json", encoding="utf-8"))["rows"]
assert [r["campaign_code"] for r in rows] == ["CG"], rows
r = rows[0]
assert r["targeted"] > 0 and r["control"] > 0, r
html = open("cg.html", encoding="utf-8").read()
assert "<svg" in html and 'href="#d-4347"' in html and 'id="d-4347"' in html, "cg.html"
for label in ("短信 sms", "对照组 control"):
    assert label in html, "cg.html lacks the channel row " + label
print("   cg: %d targeted, %d control, %d suppressed; channels in the detail" % (
    r["targeted"], r["control"], r["suppressed"]))
PY

echo "== HTML in headless Chromium"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
    --screenshot="$ART/business-statistics-html.png" "file://$T/bs.html" >/dev/null 2>&1
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
    --screenshot="$ART/customer-analysis-html.png" "file://$T/ca.html" >/dev/null 2>&1
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
    --screenshot="$ART/complaint-analysis-html.png" "file://$T/cp.html" >/dev/null 2>&1

# A PNG is not blank when enough pixels are dark or coloured (charts).
python3 - "$ART"/*.png <<'PY'
import struct, sys, zlib
def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pred = [0, a, b, (a + b) // 2,
                    a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c)
                    else b if abs(p - b) <= abs(p - c) else c][f]
            line[i] = (line[i] + pred) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out
for path in sys.argv[1:]:
    w, h, bpp, rows = pixels(path)
    dark = colour = 0
    for line in rows[::2]:
        for x in range(0, w * bpp, bpp * 2):
            px = line[x:x + 3] if bpp >= 3 else line[x:x + 1] * 3
            dark += max(px) < 160
            colour += max(px) - min(px) > 60
    total = len(rows[::2]) * len(range(0, w * bpp, bpp * 2))
    print("   %s: %dx%d, %.1f%% dark, %.1f%% colour" % (path.split("/")[-1], w, h,
                                                     100 * dark / total, 100 * colour / total))
    assert dark / total > 0.005, path + " is blank"
    assert colour / total > 0.005, path + " has no coloured (chart) pixels"
PY
echo "test_report_formats: ok (artefacts in $ART)"
