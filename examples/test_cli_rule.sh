#!/usr/bin/env bash
# Tests 'crm rule' end to end: check, eval and sql on JSON and YAML rules,
# rules and data from files and standard input, --json output, exit statuses
# (3 for a malformed rule or data with line and column, 4 for a name outside
# the vocabulary, 1 for a rule SQL cannot express) and every --help. The
# commands need no database: they run with --db pointing nowhere.
#
#   examples/test_cli_rule.sh PATH/TO/crm
#
# Needs bash and python3 (to check JSON). Works in a temporary directory it
# removes (kept with KEEP=1). Prints one line per failed check and a summary;
# exits 1 when any check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if ! command -v python3 >/dev/null; then
    echo "test_cli_rule: python3 is needed to check JSON output" >&2
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli-rule.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER
export CRM_DB=$T/no-such-dir/crm.db CRM_KEY_FILE=$T/no-such-dir/crm.key

checks=0 failures=0 status=0 last=""

# run ARGS...: runs crm with stdin from ./in (empty unless written), sets
# $status, leaves ./out and ./err.
run() {
    last="crm $*"
    "$CRM" "$@" <in >out 2>err
    status=$?
}

# stdin TEXT: what the next runs read from standard input.
stdin() { printf '%s\n' "$1" >in; }

err_matches() { grep -qE -- "$1" err || fail "stderr does not match /$1/"; }
out_is() { [[ $(cat out) == "$1" ]] || fail "stdout is '$(cat out)', expected '$1'"; }
# json_eq PYTHON-EXPR VALUE: the expression over the value `o` read from
# stdout is VALUE: a str as itself, anything else as its repr.

: >in
cat >eligible.yaml <<'EOF'
# A customer eligible for the wealth campaign.
and:
  - ">=": [{var: age}, 25]
  - ">=": [{var: assets}, 5000000]       # 50,000.00 yuan, in fen
  - in: [{var: risk_level}, [C3, C4, C5]]
  - "!": {var: risk_expired}
  - in: [vip, {var: tags}]
EOF
cat >eligible.json <<'EOF'
{"and": [
  {">=": [{"var": "age"}, 25]},
  {">=": [{"var": "assets"}, 5000000]},
  {"in": [{"var": "risk_level"}, ["C3", "C4", "C5"]]},
  {"!": {"var": "risk_expired"}},
  {"in": ["vip", {"var": "tags"}]}
]}
EOF
cat >customer.json <<'EOF'
{"age": 30, "assets": 6000000, "risk_level": "C3", "risk_expired": false, "tags": ["new", "vip"]}
EOF
printf 'and:\n  - ">=": [{var: age}, 25]\n  - "=<": [{var: assets}, 5]\n' >unknown-op.yaml
printf '{"and": [\n  {"==": [1, 2]},\n  {"var": "a"\n' >unclosed.json

# ----------------------------------------------------------------- help

test_help() {
    local sub
    expect 0 --help
    out_has "  rule "
    expect 0 rule --help
    out_has "Usage: crm rule SUBCOMMAND"
    err_empty
    for sub in check eval sql; do
        out_has "  $sub "
    done
    for sub in check eval sql; do
        expect 0 rule "$sub" --help
        out_has "Usage: crm rule $sub FILE"
        out_has "--help"
        err_empty
    done
    expect 0 rule eval --help
    out_has "--data JSON|@FILE"
    out_has "'-' reads standard input"
    expect 0 rule sql --help
    out_has "--prefix NAME"
    out_has "No SQL expressions are bound for the vocabulary yet"
    out_has "column of the same name"
}

test_usage_errors() {
    expect 2 rule
    err_has "missing subcommand"
    expect 2 rule nope
    err_has "unknown subcommand 'nope'"
    expect 2 rule check
    err_has "missing argument"
    expect 2 rule eval eligible.json --bogus
    err_has "unknown option --bogus"
    expect 2 rule check a.json b.json
    err_has "unexpected argument 'b.json'"
    expect 2 rule eval - --data @-
    err_has "cannot both be stdin"
    expect 1 rule check no-such-file.json
    err_has "no-such-file.json"
    out_empty
}

# ---------------------------------------------------------------- check

test_check() {
    expect 0 rule check eligible.yaml
    out_has "valid rule; 5 variables:"
    out_lines 6
    out_has "  risk_expired"
    err_empty
    expect 0 --json rule check eligible.json
    json_eq "o['valid']" "True"
    json_eq "o['variables']" "['age', 'assets', 'risk_level', 'risk_expired', 'tags']"
    json_eq "o['dynamic_variables']" "False"
    expect 0 rule check eligible.yaml --vocab
    stdin '{"var": {"cat": ["a", "ge"]}}'
    expect 0 rule check -
    out_has "valid rule; 0 variables"
    out_has "computed at evaluation time"
    stdin '{"var": "x.y"}'
    expect 0 rule check - --json
    json_eq "o['variables']" "['x.y']"
    : >in

    # Malformed rules: exit 3, the line and column in the message.
    expect 3 rule check unknown-op.yaml
    out_empty
    err_has "crm: invalid data: rule: line 3, column 5: unknown operator \"=<\""
    err_has "did you mean \"<=\"?"
    expect 3 rule check unclosed.json
    err_matches "rule: line [0-9]+, column [0-9]+: "
    stdin '{"==": [1, 2]'
    expect 3 rule check -
    err_matches "rule: line [0-9]+, column [0-9]+: "
    stdin "$(printf '%.0s[' {1..200})"
    expect 3 rule check -
    err_has "line 1, column"
    err_has "nesting"
    stdin '{"a": 1, "a": 2}'
    expect 3 rule check -
    err_has "line 1"
    : >in

    # Outside the customer vocabulary, with --vocab: exit 4, the closest name.
    stdin '{">": [{"var": "agee"}, 18]}'
    expect 4 rule check - --vocab
    err_has "\"agee\" is not a customer variable (did you mean \"age\"?)"
    : >in
}

# ----------------------------------------------------------------- eval

test_eval() {
    expect 0 rule eval eligible.yaml --data @customer.json
    out_is "true"
    err_empty
    expect 0 rule eval eligible.json --data '{"age": 20, "assets": 6000000}'
    out_is "false"
    expect 0 rule eval eligible.json
    out_is "false"
    # YAML data, and a result that is not a boolean, on one line.
    cat >tier.json <<'EOF'
{"if": [
  {">=": [{"var": "assets"}, 100000000]}, "gold",
  {">=": [{"var": "assets"}, 10000000]}, "silver",
  "standard"
]}
EOF
    expect 0 rule eval tier.json --data 'assets: 20000000'
    out_is '"silver"'
    stdin '{"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}'
    expect 0 rule eval - --data '{"xs": [1, 2.5, 3]}'
    out_is "[2,5,6]"
    out_lines 1
    stdin '{"cat": ["客户", {"var": "name"}, " \"q\""]}'
    expect 0 rule eval - --data '{"name": "张三"}'
    out_is '"客户张三 \"q\""'
    stdin '{"+": [0.1, 0.2]}'
    expect 0 rule eval -
    out_is "0.30000000000000004"
    stdin '{"/": [1, 0]}'
    expect 0 rule eval -
    out_is "null"
    # The rule from a file and the data from standard input.
    cp customer.json in
    expect 0 rule eval eligible.json --data @-
    out_is "true"
    # log goes to standard error, never to standard output.
    stdin '{"log": {"var": "tags"}}'
    expect 0 rule eval - --data @customer.json
    out_is '["new","vip"]'
    err_has 'log: ["new","vip"]'
    # --json changes nothing: the result already is JSON.
    expect 0 --json rule eval eligible.json --data @customer.json
    json_eq "o" "True"
    : >in

    # Errors: malformed rule or data (3, with line and column), an error the
    # rule raises (3), a missing data file (1).
    expect 3 rule eval unknown-op.yaml --data @customer.json
    out_empty
    err_has "rule: line 3, column 5"
    stdin '{"var": "a"}'
    expect 3 rule eval - --data '{"a": [1,'
    err_matches "data: line [0-9]+, column [0-9]+"
    stdin '{"*": []}'
    expect 3 rule eval -
    err_has "rule: line 1, column 2"
    : >in
    expect 1 rule eval eligible.json --data @no-such-data.json
    err_has "no-such-data.json"
}

# ------------------------------------------------------------------ sql

test_sql() {
    expect 0 rule sql eligible.yaml
    out_has "(:p1 <= (age))"
    out_has "(risk_level) IN (:p3, :p4, :p5)"
    out_has "json_each((tags))"
    out_lacks "C3\","
    out_has "Parameters:"
    out_has ":p1    integer  25"
    out_has ":p2    integer  5000000"
    out_has ':p3    text     "C3"'
    out_has ':p6    text     "vip"'
    err_empty
    expect 0 --json rule sql eligible.json --prefix seg
    json_eq "':seg1' in o['sql'] and 'C3' not in o['sql']" "True"
    json_eq "[p['name'] for p in o['params']]" \
        "[':seg1', ':seg2', ':seg3', ':seg4', ':seg5', ':seg6']"
    json_eq "[p['value'] for p in o['params']]" "[25, 5000000, 'C3', 'C4', 'C5', 'vip']"
    json_eq "[p['type'] for p in o['params']][:3]" "['integer', 'integer', 'text']"
    stdin '{"<": [{"var": "income"}, 2.5]}'
    expect 0 --json rule sql -
    json_eq "o['params']" "[{'name': ':p1', 'type': 'number', 'value': 2.5}]"

    # The SQL runs in SQLite over columns named as the vocabulary, and agrees
    # with the interpreter.
    if python3 -c 'import sqlite3' 2>/dev/null; then
        stdin '{"and": [{">=": [{"var": "age"}, 25]}, {"in": [{"var": "risk_level"}, ["C3", "C4"]]}]}'
        expect 0 --json rule sql -
        python3 - <<'EOF' || fail "compiled SQL does not select the eligible rows"
import json, sqlite3
o = json.load(open("out"))
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE c (id INTEGER, age INTEGER, risk_level TEXT)")
db.executemany("INSERT INTO c VALUES (?, ?, ?)",
               [(1, 30, "C3"), (2, 20, "C3"), (3, 40, "C5"), (4, None, "C4"), (5, 25, "C4")])
params = {p["name"][1:]: p["value"] for p in o["params"]}
got = [r[0] for r in db.execute("SELECT id FROM c WHERE " + o["sql"] + " ORDER BY id", params)]
assert got == [1, 5], got
EOF
    fi

    # Refused: what SQL cannot express exactly (1), names outside the
    # vocabulary (1), a malformed rule (3).
    stdin '{"==": [{"var": "city"}, 10]}'
    expect 1 rule sql -
    out_empty
    err_has "crm: not supported: rule sql: line 1, column 2"
    err_has "evaluate this rule with the interpreter"
    stdin '{"var": "shoe_size"}'
    expect 1 rule sql -
    err_has "not supported"
    expect 3 rule sql unknown-op.yaml
    err_has "rule: line 3, column 5"
    stdin '{"var": "age"}'
    expect 2 rule sql - --prefix
    : >in
}

test_help
test_usage_errors
test_check
test_eval
test_sql

echo "test_cli_rule: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
