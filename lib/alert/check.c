/* The alert check inside every transaction insert: evaluate the active
 * rules over the stored row, store each alert raised and hand it to the
 * host's callback, all in the insert's own transaction. */
#include "alert/alert_int.h"

#include <stdio.h>

static const char SQL_INSERT_ALERT[] =
    "INSERT INTO crm_alert (rule, severity, customer_id, txn_id, details, raised_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static int store_alert(crm_db *db, const crmi_alert_rule *r, const crmi_alert_txn *t,
                       const char *details, int64_t *out_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT_ALERT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, r->name);
    crmi_bind_text(st, 2, r->severity);
    sqlite3_bind_int64(st, 3, t->customer_id);
    sqlite3_bind_int64(st, 4, t->txn_id);
    crmi_bind_text(st, 5, details);
    sqlite3_bind_int64(st, 6, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "store alert");
    if (!rc)
        *out_id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

/* The host refused the transaction: its code when it is one of ours. */
static int callback_stop(crm_db *db, int value, const char *rule)
{
    int code = value < 0 && value >= CRM_E_INTERNAL ? value : CRM_E_STATE;
    return crmi_error(db, code, "alert %s: the alert callback refused the transaction", rule);
}

static int notify(crm_db *db, const crmi_alert_state *st, int64_t alert_id, const char *rule)
{
    if (!st->fn)
        return CRM_OK;
    crm_record *alert = NULL;
    int rc = crmi_alert_read(&alert, db, alert_id);
    if (rc)
        return rc;
    int stop = st->fn(alert, st->payload);
    crm_record_free(alert);
    return stop ? callback_stop(db, stop, rule) : CRM_OK;
}

static int raise_alert(crm_db *db, const crmi_alert_state *st, crmi_alert_facts *facts,
                       const crmi_alert_rule *r)
{
    crmi_buf details = {0};
    int64_t id = 0;
    int rc = crmi_alert_facts_json(facts, r->rule, &details);
    if (!rc)
        rc = store_alert(db, r, facts->txn, details.data, &id);
    crmi_buf_free(&details);
    return rc ? rc : notify(db, st, id, r->name);
}

/* A rule that cannot be evaluated fails the insert rather than let a
 * transaction pass unchecked. */
static int eval_rule(crm_db *db, crmi_alert_state *st, crmi_alert_facts *facts,
                     const crmi_alert_rule *r, int *fired)
{
    int rc = crm_rule_eval(fired, r->rule, st->data);
    if (rc && facts->load_error)
        return facts->load_error; /* the message is on the handle already */
    if (rc)
        return crmi_error(db, rc, "alert rule %s: %s", r->name, crm_last_errmsg());
    return CRM_OK;
}

static const char SQL_TXN_IDS[] =
    "SELECT customer_id, coalesce(product_id, 0) FROM crm_txn WHERE id = ?1";

static int read_ids(crm_db *db, crmi_alert_txn *txn)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_TXN_IDS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, txn->txn_id);
    int step = crmi_step(st);
    if (step == SQLITE_ROW) {
        txn->customer_id = sqlite3_column_int64(st, 0);
        txn->product_id = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "alert: read transaction");
}

int crmi_alert_check_txn(crm_db *db, crmi_alert_txn *txn)
{
    const crmi_alert_set *set;
    int rc = crmi_alert_active_set(db, &set);
    crmi_alert_state *st = rc ? NULL : crmi_alert_state_get(db);
    if (!st)
        return rc ? rc : db->errcode;
    if (set->n == 0)
        return CRM_OK;
    if ((rc = read_ids(db, txn)))
        return rc;
    crmi_alert_facts facts = {.db = db, .txn = txn, .set = set, .age = -1};
    facts.loaded[CRMI_AG_TXN] = true;
    if ((rc = crmi_alert_facts_bind(st->data, &facts)))
        return crmi_error(db, rc, "alert: out of memory");
    for (size_t i = 0; !rc && i < set->n; i++) {
        int fired = 0;
        rc = eval_rule(db, st, &facts, &set->rules[i], &fired);
        if (!rc && fired)
            rc = raise_alert(db, st, &facts, &set->rules[i]);
    }
    crm_rule_data_set_resolver(st->data, NULL, NULL); /* facts live on this stack */
    return rc;
}
