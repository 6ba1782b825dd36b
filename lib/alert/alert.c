/* The public face of alerts: the host callback, the stored rule set,
 * listing alerts within the actor's customer scope, and acknowledging and
 * closing them with an audit entry. */
#include "alert/alert_int.h"
#include "customer/customer_int.h"
#include "product/product_int.h"

#include <stdio.h>
#include <string.h>

#define NOTE_MAX_CHARS 2000

/* ------------------------------------------------------------- callback */

CRM_EXTERN(int) crm_alert_set_callback(crm_db *db, crm_alert_fn fn, void *payload)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "alert callback: NULL handle");
    crmi_error_clear(db);
    crmi_alert_state *st = crmi_alert_state_get(db);
    if (!st)
        return db->errcode;
    st->fn = fn;
    st->payload = fn ? payload : NULL;
    return CRM_OK;
}

/* ------------------------------------------------------------- rule set */

static const char SQL_STORE_RULES[] =
    "INSERT INTO crm_alert_ruleset (id, source, version, updated_at) VALUES (1, ?1, 1, ?2)"
    " ON CONFLICT (id) DO UPDATE SET source = ?1, version = version + 1, updated_at = ?2";

/* Stores `source` (NULL: the default) with its audit entry. */
static int store_rules(crm_db *db, const char *source, size_t rules)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STORE_RULES);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, source);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "store alert rules");
    char after[96];
    snprintf(after, sizeof after, "{\"source\":\"%s\",\"rules\":%zu}",
             source ? "custom" : "default", rules);
    crmi_audit_entry e = {.action = "alert.rules", .entity = "alert_rules", .after = after};
    if (!rc)
        rc = crmi_audit_append(db, &e);
    crmi_alert_state *state = rc ? NULL : crmi_alert_state_get(db);
    if (state)
        state->checked = false; /* this handle re-reads the set at its next use */
    return rc ? rc : state ? CRM_OK : db->errcode;
}

static int replace_rules(crm_db *db, const char *source, size_t len)
{
    crmi_alert_set *set = NULL;
    int rc = crmi_access_require(db, CRMI_OP_ALERT_ADMIN);
    if (!rc)
        rc = crmi_alert_set_parse(&set, db, source ? source : crmi_alert_default_yaml,
                                  source ? len : strlen(crmi_alert_default_yaml));
    size_t n = set ? set->n : 0;
    crmi_alert_set_free(set);
    char *copy = NULL;
    if (!rc && source && !(copy = crmi_strndup(source, len)))
        rc = crmi_error(db, CRM_E_NOMEM, "alert rules: out of memory");
    if (rc || (rc = crmi_txn_begin(db))) {
        crm_free(copy);
        return rc;
    }
    rc = crmi_txn_end(db, store_rules(db, copy, n));
    crm_free(copy);
    return rc;
}

CRM_EXTERN(int) crm_alert_rules_set(crm_db *db, const char *yaml, size_t len)
{
    if (!db || !yaml)
        return crmi_error(db, CRM_E_INVALID_ARG, "alert rules: NULL argument");
    crmi_error_clear(db);
    if (memchr(yaml, '\0', len))
        return crmi_error(db, CRM_E_INVALID_DATA, "alert rules: text holds a NUL byte");
    return replace_rules(db, yaml, len);
}

CRM_EXTERN(int) crm_alert_rules_reset(crm_db *db)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "alert rules: NULL handle");
    crmi_error_clear(db);
    return replace_rules(db, NULL, 0);
}

static const char SQL_RULES_SOURCE[] = "SELECT source FROM crm_alert_ruleset WHERE id = 1";

CRM_EXTERN(int) crm_alert_rules_get(char **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "alert rules: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_ALERT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_RULES_SOURCE);
    if (!st)
        return rc ? rc : db->errcode;
    int step = crmi_step(st);
    const char *source = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    char *copy = crmi_strdup(source ? source : crmi_alert_default_yaml);
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        crm_free(copy);
        return crmi_sqlite_error(db, step, "read alert rules");
    }
    if (!copy)
        return crmi_error(db, CRM_E_NOMEM, "alert rules: out of memory");
    *out = copy;
    return CRM_OK;
}

/* The rules as one JSON array, streamed back through json_each. */
static const char SQL_RULES_LIST[] =
    "SELECT value ->> 'name' AS name, value ->> 'severity' AS severity,"
    " value ->> 'description' AS description, value ->> 'rule' AS rule,"
    " value ->> 'source' AS source FROM json_each(?1) ORDER BY key";

static int rules_json(crm_db *db, const crmi_alert_set *set, crmi_buf *out)
{
    crmi_buf_putc(out, '[');
    for (size_t i = 0; i < set->n; i++) {
        const crmi_alert_rule *r = &set->rules[i];
        char *rule = NULL;
        int rc = crm_rule_format(&rule, r->rule, CRM_RULE_FORMAT_COMPACT);
        if (rc)
            return crmi_error(db, rc, "alert rules: out of memory");
        crmi_buf_printf(out, "%s{\"name\":", i ? "," : "");
        crmi_buf_json_string(out, r->name);
        crmi_buf_puts(out, ",\"severity\":");
        crmi_buf_json_string(out, r->severity);
        crmi_buf_puts(out, ",\"description\":");
        if (r->description)
            crmi_buf_json_string(out, r->description);
        else
            crmi_buf_puts(out, "null");
        crmi_buf_puts(out, ",\"rule\":");
        crmi_buf_json_string(out, rule);
        crmi_buf_printf(out, ",\"source\":\"%s\"}", set->custom ? "custom" : "default");
        crm_free(rule);
    }
    crmi_buf_putc(out, ']');
    return out->failed ? crmi_error(db, CRM_E_NOMEM, "alert rules: out of memory") : CRM_OK;
}

CRM_EXTERN(int) crm_alert_rules_list(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "alert rules: NULL argument");
    crmi_error_clear(db);
    const crmi_alert_set *set;
    crmi_buf json = {0};
    int rc = crmi_access_require(db, CRMI_OP_ALERT_READ);
    if (!rc)
        rc = crmi_alert_active_set(db, &set);
    if (!rc)
        rc = rules_json(db, set, &json);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_RULES_LIST);
    if (st && sqlite3_bind_text(st, 1, json.data, (int)json.len, SQLITE_TRANSIENT) != SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        rc = crmi_error(db, CRM_E_NOMEM, "alert rules: out of memory");
    }
    crmi_buf_free(&json);
    if (!st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* -------------------------------------------------------------- reading */

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

/* Every numbered parameter up to the highest (?7) appears before the
 * scope's named ones, which SQLite numbers after the highest seen so far. */
static const char SQL_LIST[] =
    "SELECT a.id, a.rule, a.severity, a.state, c.customer_no, c.name AS customer_name,"
    " a.txn_id, t.ref AS txn_ref, t.type AS txn_type, t.amount, " ISO(
        "t.at") " AS txn_time, " ISO("a.raised_at") " AS raised_at, a.details, a.note, u.name AS "
                                                    "handled_by, " ISO("a.handled_at") " AS "
                                                                                       "handled_at"
                                                                                       " FROM "
                                                                                       "crm_alert "
                                                                                       "a JOIN "
                                                                                       "crm_"
                                                                                       "customer c "
                                                                                       "ON c.id = "
                                                                                       "a.customer_"
                                                                                       "id"
                                                                                       " JOIN "
                                                                                       "crm_branch "
                                                                                       "b ON b.id "
                                                                                       "= "
                                                                                       "c.branch_"
                                                                                       "id JOIN "
                                                                                       "crm_txn t "
                                                                                       "ON t.id = "
                                                                                       "a.txn_id"
                                                                                       " LEFT JOIN "
                                                                                       "crm_user u "
                                                                                       "ON u.id = "
                                                                                       "a.handled_"
                                                                                       "by"
                                                                                       " WHERE (?2 "
                                                                                       "IS NULL OR "
                                                                                       "a.id = ?2) "
                                                                                       "AND (?3 IS "
                                                                                       "NULL OR "
                                                                                       "a.state = "
                                                                                       "?3)"
                                                                                       " AND (?4 "
                                                                                       "IS NULL OR "
                                                                                       "c.customer_"
                                                                                       "no = ?4) "
                                                                                       "AND (?5 IS "
                                                                                       "NULL OR "
                                                                                       "a.rule = "
                                                                                       "?5)"
                                                                                       " AND (?6 "
                                                                                       "IS NULL OR "
                                                                                       "a.raised_"
                                                                                       "at >= ?6) "
                                                                                       "AND (?7 IS "
                                                                                       "NULL OR "
                                                                                       "a.raised_"
                                                                                       "at < ?7) "
                                                                                       "AN"
                                                                                       "D" CRMI_CUSTOMER_SCOPE
                                                                                       " ORDER BY "
                                                                                       "a.id DESC "
                                                                                       "LIMIT ?1";

int crmi_alert_from_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return crmi_row_with_money(out, db, st, (void *)"amount");
}

int crmi_alert_read(crm_record **out, crm_db *db, int64_t id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LIST);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 1, 1);
    crmi_customer_scope_bind(db, st);
    int step = crmi_step(st), rc;
    if (step == SQLITE_ROW)
        rc = crmi_alert_from_row(out, db, st, NULL);
    else if (step == SQLITE_DONE)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "no alert %lld", (long long)id);
    else
        rc = crmi_sqlite_error(db, step, "read alert");
    sqlite3_reset(st);
    return rc;
}

CRM_EXTERN(int) crm_alert_get(crm_record **out, crm_db *db, int64_t id)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "alert get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_ALERT_READ);
    return rc ? rc : crmi_alert_read(out, db, id);
}

static const char *const state_values[] = {"open", "acknowledged", "closed"};
static const crmi_enum alert_states = {state_values, 3, "open, acknowledged, closed"};

static int bind_list_filter(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    static const char *const known[] = {"state", "customer_no", "rule", "since", "until", "limit"};
    static const char what[] = "alert list";
    const char *state, *customer_no, *rule;
    bool has_since, has_until;
    int64_t since, until, limit;
    int rc = crmi_filter_check(db, filter, known, sizeof known / sizeof known[0], what);
    if (!rc)
        rc = crmi_filter_enum(db, filter, "state", &alert_states, what, &state);
    if (!rc)
        rc = crmi_filter_text(db, filter, "customer_no", what, &customer_no);
    if (!rc)
        rc = crmi_filter_text(db, filter, "rule", what, &rule);
    if (!rc)
        rc = crmi_filter_time(db, filter, "since", what, &has_since, &since);
    if (!rc)
        rc = crmi_filter_time(db, filter, "until", what, &has_until, &until);
    if (!rc)
        rc = crmi_filter_limit(db, filter, what, &limit);
    if (rc)
        return rc;
    crmi_bind_text(st, 3, state);
    crmi_bind_text(st, 4, customer_no);
    crmi_bind_text(st, 5, rule);
    if (has_since)
        sqlite3_bind_int64(st, 6, since);
    if (has_until)
        sqlite3_bind_int64(st, 7, until);
    sqlite3_bind_int64(st, 1, limit);
    return CRM_OK;
}

CRM_EXTERN(int) crm_alert_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "alert list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_ALERT_READ);
    bool lent = false;
    sqlite3_stmt *st = rc ? NULL : crmi_stmt_lend(db, SQL_LIST, &lent);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_customer_scope_bind(db, st);
    if ((rc = bind_list_filter(db, st, filter))) {
        crmi_stmt_release(db, st, lent ? SQL_LIST : NULL);
        return rc;
    }
    return crmi_iter_new_lent(out, db, st, lent ? SQL_LIST : NULL, crmi_alert_from_row, NULL, NULL);
}

/* ------------------------------------------------------------- handling */

static const char SQL_STATE[] =
    "SELECT a.state FROM crm_alert a JOIN crm_customer c ON c.id = a.customer_id"
    " JOIN crm_branch b ON b.id = c.branch_id WHERE a.id = ?1 AND" CRMI_CUSTOMER_SCOPE;

/* The alert's state ("open", ...) if the actor sees it. */
static int read_state(crm_db *db, int64_t id, char out[16])
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STATE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    crmi_customer_scope_bind(db, st);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW)
        snprintf(out, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no alert %lld", (long long)id)
                                 : crmi_sqlite_error(db, step, "read alert");
    sqlite3_reset(st);
    return rc;
}

static const char SQL_HANDLE[] = "UPDATE crm_alert SET state = ?2, note = coalesce(?3, note),"
                                 " handled_by = ?4, handled_at = ?5 WHERE id = ?1";

typedef struct transition {
    const char *to;     /* "acknowledged", "closed" */
    const char *action; /* audit action */
    bool note_required;
} transition;

static int write_transition(crm_db *db, int64_t id, const transition *t, const char *from,
                            const char *note)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_HANDLE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    crmi_bind_text(st, 2, t->to);
    crmi_bind_text(st, 3, note);
    sqlite3_bind_int64(st, 4, db->actor->user_id);
    sqlite3_bind_int64(st, 5, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "update alert");
    char key[24], before[48], after[48];
    snprintf(key, sizeof key, "%lld", (long long)id);
    snprintf(before, sizeof before, "{\"state\":\"%s\"}", from);
    snprintf(after, sizeof after, "{\"state\":\"%s\"}", t->to);
    crmi_audit_entry e = {.action = t->action,
                          .entity = "alert",
                          .entity_id = key,
                          .reason = note,
                          .before = before,
                          .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

static int check_note(crm_db *db, const char *note, bool required)
{
    if (!note && !required)
        return CRM_OK;
    return crmi_validate_text(db, "note", note, NOTE_MAX_CHARS);
}

static int handle_alert(crm_db *db, int64_t id, const char *note, const transition *t)
{
    crmi_error_clear(db);
    char from[16];
    int rc = crmi_access_require(db, CRMI_OP_ALERT_ADMIN);
    if (!rc)
        rc = check_note(db, note, t->note_required);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = read_state(db, id, from);
    if (!rc && (strcmp(from, "closed") == 0 || strcmp(from, t->to) == 0))
        rc = crmi_error(db, CRM_E_STATE, "alert %lld is already %s", (long long)id, from);
    if (!rc)
        rc = write_transition(db, id, t, from, note);
    return crmi_txn_end(db, rc);
}

CRM_EXTERN(int) crm_alert_ack(crm_db *db, int64_t id, const char *note)
{
    static const transition ack = {"acknowledged", "alert.ack", false};
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "alert ack: NULL handle");
    return handle_alert(db, id, note, &ack);
}

CRM_EXTERN(int) crm_alert_close(crm_db *db, int64_t id, const char *note)
{
    static const transition close = {"closed", "alert.close", true};
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "alert close: NULL handle");
    return handle_alert(db, id, note, &close);
}
