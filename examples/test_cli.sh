#!/usr/bin/env bash
# Tests the crm command-line tool end to end: every command, its --help, its
# exit statuses and its output.
#
#   examples/test_cli.sh PATH/TO/crm
#
# Needs bash and the sqlite3 shell (to tamper with the audit log). Works in a
# temporary directory it removes (kept with KEEP=1). Prints one line per failed
# check and a summary; exits 1 when any check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/crm" >&2
    exit 2
fi
CRM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if ! command -v sqlite3 >/dev/null; then
    echo "test_cli: the sqlite3 shell is needed for the tamper test" >&2
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/crm-test-cli.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
cd "$T" || exit 1
unset CRM_DB CRM_KEY_FILE CRM_USER

checks=0 failures=0 status=0 last=""

# run [--stdin TEXT] ARGS...: runs crm, sets $status, leaves ./out and ./err.
run() {
    local input=""
    if [[ ${1:-} == --stdin ]]; then
        input=$2
        shift 2
    fi
    last="crm $*"
    printf '%s' "$input" >in
    "$CRM" "$@" <in >out 2>err
    status=$?
}

out_is_json() {
    if command -v python3 >/dev/null; then
        python3 -m json.tool out >/dev/null 2>&1 || fail "stdout is not JSON"
    else
        grep -qE '^[[{]' out || fail "stdout is not JSON"
    fi
}

# ----------------------------------------------------------------- help

test_help() {
    local cmd sub
    expect 0 --help
    out_has "Usage: crm"
    out_has "Exit status"
    err_empty
    expect 0 -h
    out_has "Commands:"
    for cmd in keygen init login mask version; do
        expect 0 "$cmd" --help
        out_has "Usage: crm $cmd"
        err_empty
    done
    for cmd in "branch add list show" "user add list show disable enable reveal passwd" \
        "audit list verify checkpoint" "key rotate-data reencrypt rotate-master"; do
        set -- $cmd
        local group=$1
        shift
        expect 0 "$group" --help
        out_has "Usage: crm $group SUBCOMMAND"
        for sub in "$@"; do
            out_has "  $sub "
        done
        for sub in "$@"; do
            expect 0 "$group" "$sub" --help
            out_has "Usage: crm $group $sub"
            out_has "--help"
            err_empty
        done
    done
    # --help works without a database, key or valid arguments.
    expect 0 --db /nonexistent/x.db user add --help
}

test_usage_errors() {
    expect 2
    err_has "missing command"
    out_empty
    expect 2 frobnicate
    err_has "unknown command 'frobnicate'"
    expect 2 --bogus version
    err_has "unknown option --bogus"
    expect 2 --db
    err_has "--db needs a value"
    expect 2 user
    err_has "missing subcommand"
    expect 2 user frob
    err_has "unknown subcommand 'frob'"
    expect 2 user add someone
    err_has "--display-name is required"
    expect 2 user show
    err_has "missing argument"
    expect 2 user show a b
    err_has "unexpected argument 'b'"
    expect 2 user list --nope
    err_has "unknown option --nope"
    expect 2 version extra
    expect 2 version --json=yes
    expect 2 audit list --limit ten
    err_has "not a whole number"
    expect 2 key reencrypt --batch 1x
    expect 2 mask bogus value
    err_has "unknown kind 'bogus'"
    expect 2 mask phone
    out_empty
}

# ------------------------------------------------------- keys and setup

test_keygen_and_init() {
    expect 1 init --admin admin
    err_has "key file ./crm.key does not exist"
    expect 0 keygen
    out_has "wrote a new master key to ./crm.key"
    checks=$((checks + 1))
    [[ $(stat -c %a crm.key) == 600 ]] || fail "crm.key mode is $(stat -c %a crm.key)"
    grep -qE '^[0-9a-f]{64}$' crm.key || fail "crm.key is not 64 hex digits"
    expect 6 keygen
    err_has "conflict"
    expect 0 --json keygen other.key
    out_has '"key_file":"other.key"'
    expect 4 user list
    err_has "not found"
    expect 2 init
    expect 0 init --admin admin --display-name 系统管理员
    out_has "head office HO (总行), admin admin"
    expect 6 init --admin admin2
    err_has "invalid state"
}

test_key_file_checks() {
    chmod 640 crm.key
    expect 1 --as admin user list
    err_has "accessible by group or others (mode 0640)"
    chmod 600 crm.key
    expect 1 --key-file other.key --as admin user list
    err_has "key error"
    expect 1 --key-file missing.key --as admin user list
    err_has "does not exist"
    # Defaults come from the environment.
    mkdir -p elsewhere
    (cd elsewhere && CRM_DB=../crm.db CRM_KEY_FILE=../crm.key CRM_USER=admin "$CRM" user list \
        >../out 2>../err)
    status=$?
    last="crm user list (from CRM_DB, CRM_KEY_FILE, CRM_USER)"
    checks=$((checks + 1))
    [[ $status == 0 ]] || fail "exit $status"
    out_has "系统管理员"
}

test_version_and_mask() {
    expect 0 version
    out_has "libcrm 1.0.0"
    out_has "built with libcrm 1.0.0"
    expect 0 --json version
    out_has '"library":"1.0.0"'
    out_has '"compatible":"yes"'
    out_is_json
    expect 0 mask phone 13812345678
    out_has "138****5678"
    expect 0 mask name 张三丰
    out_has "张**"
    expect 0 mask email zhang.san@example.com
    out_has "z***@example.com"
    expect 0 mask card 6222021234567890123
    out_has "622202"
    out_has "0123"
    out_lacks "6222021234567890123"
    expect 0 mask id_number 11010519491231002X
    out_has "1****************X"
    expect 0 --json mask phone 13812345678
    out_has '"masked":"138****5678"'
    expect 3 mask phone $'\xff\xfe'
    err_has "invalid"
}

# ----------------------------------------------------- branches, users

test_branches() {
    expect 5 branch add BJ --name 北京分行 --parent HO
    err_has "permission denied"
    export CRM_USER=admin
    expect 0 branch add BJ --name 北京分行 --parent HO
    out_has "branch BJ (北京分行) added under HO"
    expect 0 branch add SH --name 上海分行 --parent HO
    expect 0 --json branch add BJ01 --name 北京海淀支行 --parent BJ
    out_has '"code":"BJ01"'
    out_is_json
    expect 6 branch add BJ --name 又一个北京 --parent HO
    err_has "conflict"
    expect 4 branch add GZ --name 广州分行 --parent NOPE
    err_has "not found"
    expect 3 branch add 'bad code!' --name 坏 --parent HO
    err_has "invalid data"
    expect 0 branch list
    checks=$((checks + 1))
    # Columns align by display width: each CJK character takes two columns.
    diff -u - out >diff.txt <<'EOF' || fail "branch table differs: $(cat diff.txt)"
CODE  NAME          PARENT  LEVEL
HO    总行          -       0
BJ    北京分行      HO      1
BJ01  北京海淀支行  BJ      2
SH    上海分行      HO      1
EOF
    expect 0 branch list --json
    out_is_json
    out_has '"name":"北京海淀支行"'
    expect 0 branch show BJ01
    out_has "北京海淀支行"
    out_matches '^parent: +BJ$'
    expect 4 branch show NOPE
}

test_users() {
    expect 0 user add zhang.wei --display-name 张伟 --roles branch_manager --branch BJ \
        --phone 13812345678 --email zhang.wei@example.com
    out_has "user zhang.wei added"
    expect 0 user add li.na --display-name 李娜 --roles relationship_manager,marketer \
        --branch BJ01 --phone 13900001111
    expect 0 user add wang.fang --display-name 王芳 --roles marketer --branch SH
    expect 0 user add zhao.min --display-name 赵敏 --roles auditor --branch HO
    expect 6 user add li.na --display-name 李娜 --roles marketer --branch BJ01
    err_has "already exists"
    expect 3 user add bad.phone --display-name 某人 --roles marketer --branch BJ --phone 12345
    err_has "phone"
    expect 3 user add bad.role --display-name 某人 --roles wizard --branch BJ
    err_has "wizard"
    expect 3 user add BadName --display-name 某人 --roles marketer --branch BJ
    expect 4 user add lost --display-name 某人 --roles marketer --branch NOPE
    expect 5 --as li.na user add eve --display-name 伊芙 --roles admin --branch HO
    expect 5 --as ghost user list
    err_has "permission denied"

    expect 0 user list
    out_has "DISPLAY NAME"
    out_has "138****5678"
    out_has "z***@example.com"
    out_lacks "13812345678"
    out_lacks "zhang.wei@example.com"
    out_matches '^li\.na +李娜 +relationship_manager,marketer +BJ01 +active +139\*\*\*\*1111'
    expect 0 user list --json
    out_is_json
    out_has '"display_name":"张伟"'
    out_lacks "13812345678"
    expect 0 --as zhang.wei user list
    out_has "li.na"
    out_lacks "wang.fang"
    expect 0 user show zhang.wei
    out_matches '^display_name: +张伟$'
    out_matches '^phone: +138\*\*\*\*5678$'
    expect 4 user show nobody
    err_has "not found"
    expect 0 --json user show li.na
    out_is_json
}

test_reveal() {
    expect 0 user reveal zhang.wei --field phone --reason "客户回访核实"
    out_lines 1
    out_has "13812345678"
    expect 0 --json user reveal zhang.wei --field email --reason "发送对账单"
    out_has '"value":"zhang.wei@example.com"'
    expect 2 user reveal zhang.wei --field phone
    err_has "--reason is required"
    expect 3 user reveal zhang.wei --field phone --reason ""
    err_has "reason"
    expect 3 user reveal zhang.wei --field password --reason x
    expect 4 user reveal nobody --field phone --reason x
    expect 4 user reveal wang.fang --field phone --reason x
    expect 5 --as li.na user reveal zhang.wei --field phone --reason "curious"
    expect 0 --as li.na user reveal li.na --field phone --reason "check my own number"
    out_has "13900001111"
}

test_disable_enable() {
    expect 0 user disable wang.fang --reason "调岗"
    out_has "user wang.fang disabled"
    expect 0 user show wang.fang
    out_matches '^status: +disabled$'
    expect 5 --as wang.fang user list
    expect 2 user disable wang.fang
    expect 3 user disable admin --reason "oops"
    expect 4 user disable nobody --reason x
    expect 5 --as li.na user enable wang.fang --reason x
    expect 0 --json user enable wang.fang --reason "复职"
    out_has '"status":"enabled"'
    expect 0 --as wang.fang user show wang.fang
}

test_passwords() {
    expect 0 --stdin $'correct horse battery\n' user passwd li.na
    out_has "password set for li.na"
    expect 3 --stdin $'short\n' user passwd li.na
    err_has "password"
    expect 1 --stdin "" user passwd li.na
    err_has "no password"
    expect 0 --stdin $'correct horse battery\n' login li.na
    out_has "authenticated as li.na"
    expect 0 --stdin 'correct horse battery' login li.na
    expect 5 --stdin $'wrong password\n' login li.na
    err_has "permission denied"
    expect 5 --stdin $'whatever-at-all\n' login nobody
    local i
    for i in 1 2 3 4; do
        expect 5 --stdin $'wrong password\n' login li.na
    done
    expect 5 --stdin $'correct horse battery\n' login li.na
    err_has "locked"
    expect 0 user enable li.na --reason "unlock after lock-out"
    expect 0 --stdin $'correct horse battery\n' login li.na
    expect 0 --stdin $'a new password of mine\n' --as li.na user passwd li.na
    expect 5 --stdin $'not allowed to do this\n' --as li.na user passwd zhang.wei
}

# ---------------------------------------------------------------- audit

test_audit() {
    expect 0 audit list
    out_matches '^SEQ +TIME +ACTOR +ACTION +ENTITY +ID +REASON$'
    out_matches '^1 +[0-9T:-]+Z +\(system\) +branch\.add +branch +HO'
    out_has "客户回访核实"
    expect 0 --as zhao.min audit list --entity user --id zhang.wei --action user.reveal
    out_lines 3
    out_lacks "13812345678"
    expect 0 audit list --limit 2
    out_lines 3
    expect 0 audit list --after 3 --limit 1
    out_matches '^4 '
    expect 0 audit list --actor admin --since 2000-01-01 --until 2999-01-01 --limit 1
    out_lines 2
    expect 0 audit list --json --limit 3
    out_is_json
    out_has '"seq":1'
    out_has '"mac":'
    expect 3 audit list --since yesterday
    expect 5 --as li.na audit list
    expect 5 --as li.na audit verify

    expect 0 audit checkpoint
    out_matches '^[0-9]+:[0-9a-f]{64}$'
    local checkpoint
    checkpoint=$(cat out)
    expect 0 --json audit checkpoint
    out_has "\"checkpoint\":\"$checkpoint\""
    expect 0 --as zhao.min audit verify
    out_has "audit chain intact"
    expect 0 audit verify --checkpoint "$checkpoint"
    out_has "checkpoint present and matching"
    expect 0 --json audit verify
    out_has '"status":"intact"'
    expect 3 audit verify --checkpoint not-a-checkpoint
}

test_keys() {
    expect 5 --as li.na key rotate-data
    expect 0 key rotate-data
    out_has "data key rotated"
    expect 3 key reencrypt --batch 0
    expect 0 key reencrypt --batch 1
    out_has "re-encryption complete"
    expect 0 --json key reencrypt
    out_has '"remaining":0'
    expect 0 user reveal zhang.wei --field phone --reason "after rotation"
    out_has "13812345678"

    expect 0 keygen new.key
    expect 2 key rotate-master
    chmod 644 new.key
    expect 1 key rotate-master --new-key-file new.key
    err_has "accessible by group or others"
    chmod 600 new.key
    expect 1 key rotate-master --new-key-file missing.key
    expect 5 --as li.na key rotate-master --new-key-file new.key
    expect 0 key rotate-master --new-key-file new.key
    out_has "master key rotated"
    expect 1 user list
    err_has "key error"
    cp new.key crm.key
    expect 0 user reveal li.na --field phone --reason "after master rotation"
    out_has "13900001111"
}

test_tamper() {
    expect 0 audit checkpoint
    local checkpoint seq=5
    checkpoint=$(cat out)
    cp crm.db pristine.db

    # Rewrite one entry's reason behind libcrm's back.
    sqlite3 crm.db "DROP TRIGGER crm_audit_no_update;
                    UPDATE crm_audit SET reason = 'nothing happened' WHERE seq = $seq;" ||
        fail "sqlite3 could not tamper"
    expect 1 audit verify
    err_has "entry $seq"
    out_empty
    expect 1 --json audit verify
    out_has "\"first_bad\":$seq"
    out_has '"status":"broken"'

    # Removing the log's protections alone is detected.
    cp pristine.db crm.db
    sqlite3 crm.db "DROP TRIGGER crm_audit_no_delete;" || fail "sqlite3 could not drop"
    expect 1 audit verify
    err_has "audit log"

    # Truncation, protections restored: the chain left is intact and only the
    # checkpoint shows what is missing.
    sqlite3 crm.db "DELETE FROM crm_audit WHERE seq = (SELECT max(seq) FROM crm_audit);
                    CREATE TRIGGER crm_audit_no_delete BEFORE DELETE ON crm_audit
                    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;" ||
        fail "sqlite3 could not truncate"
    expect 0 audit verify
    expect 1 audit verify --checkpoint "$checkpoint"
    err_has "audit"
    cp pristine.db crm.db
    expect 0 audit verify --checkpoint "$checkpoint"
}

test_help
test_usage_errors
test_keygen_and_init
test_key_file_checks
test_version_and_mask
test_branches
test_users
test_reveal
test_disable_enable
test_passwords
test_audit
test_keys
test_tamper

echo "test_cli: $checks commands run, $failures check(s) failed"
[[ $failures == 0 ]]
