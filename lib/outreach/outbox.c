/* The durable outbox: queuing a running campaign's messages, listing and
 * retrying. Every producer (campaign sends, care) inserts through
 * crmi_outbox_put, keyed by the idempotency key. */
#include "outreach/outreach_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_PUT[] =
    "INSERT OR IGNORE INTO crm_outbox (idem_key, campaign_id, occasion, customer_id, channel,"
    " subject, body, not_before, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

int crmi_outbox_put(crm_db *db, const crmi_outmsg *m, bool *inserted)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_PUT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, m->idem_key);
    if (m->campaign_id)
        sqlite3_bind_int64(st, 2, m->campaign_id);
    crmi_bind_text(st, 3, m->occasion);
    sqlite3_bind_int64(st, 4, m->customer_id);
    crmi_bind_text(st, 5, m->channel);
    crmi_bind_text(st, 6, m->subject);
    crmi_bind_text(st, 7, m->body);
    sqlite3_bind_int64(st, 8, m->not_before);
    sqlite3_bind_int64(st, 9, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "queue message");
    *inserted = !rc && sqlite3_changes(db->sql) > 0;
    return rc;
}

/* ------------------------------------------------------------------ queue */

typedef struct campaign_info {
    int64_t id, version;
    char code[64], name[256], product[256];
} campaign_info;

static const char SQL_CAMPAIGN[] =
    "SELECT id, code, version, name, status FROM crm_campaign WHERE code = ?1"
    " ORDER BY status = 'running' DESC, version DESC LIMIT 1";
static const char SQL_PRODUCT[] =
    "SELECT p.name FROM crm_campaign_product cp JOIN crm_product p ON p.id = cp.product_id"
    " WHERE cp.campaign_id = ?1 ORDER BY p.code LIMIT 1";

static void copy_column(char *buf, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(buf, size, "%s", v ? (const char *)v : "");
}

static int campaign_running(crm_db *db, const char *code, campaign_info *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_CAMPAIGN);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        copy_column(out->code, sizeof out->code, st, 1);
        out->version = sqlite3_column_int64(st, 2);
        copy_column(out->name, sizeof out->name, st, 3);
        if (strcmp((const char *)sqlite3_column_text(st, 4), "running") != 0)
            rc = crmi_error(db, CRM_E_STATE, "campaign %s is %s, not running", code,
                            (const char *)sqlite3_column_text(st, 4));
    } else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no campaign %s", code)
                                 : crmi_sqlite_error(db, step, "read campaign");
    sqlite3_reset(st);
    if (rc || !(st = crmi_stmt(db, SQL_PRODUCT)))
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, out->id);
    if ((step = crmi_step(st)) == SQLITE_ROW)
        copy_column(out->product, sizeof out->product, st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "read product");
}

static const char SQL_TARGETS[] =
    "SELECT t.customer_id, c.customer_no, c.name, c.gender, b.name, t.channel, ch.subject,"
    " ch.body FROM crm_campaign_target t JOIN crm_customer c ON c.id = t.customer_id"
    " JOIN crm_branch b ON b.id = c.branch_id"
    " LEFT JOIN crm_campaign_channel ch ON ch.campaign_id = t.campaign_id"
    "  AND ch.channel = t.channel"
    " WHERE t.campaign_id = ?1 AND t.grp = 'target' AND t.channel IS NOT NULL";
static const char SQL_TARGET_QUEUED[] =
    "UPDATE crm_campaign_target SET status = 'queued'"
    " WHERE campaign_id = ?1 AND customer_id = ?2 AND status = 'pending'";

static int mark_target_queued(crm_db *db, int64_t campaign_id, int64_t customer_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_TARGET_QUEUED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, campaign_id);
    sqlite3_bind_int64(st, 2, customer_id);
    return crmi_exec_stmt(db, st, "mark target queued");
}

/* One target's message from the current SQL_TARGETS row. */
static int queue_one(crm_db *db, const crmi_ocfg *cfg, const campaign_info *cp, sqlite3_stmt *t,
                     int64_t not_before, int64_t *added)
{
    const char *customer_no = (const char *)sqlite3_column_text(t, 1);
    const char *channel = (const char *)sqlite3_column_text(t, 5);
    const char *subject_tmpl = (const char *)sqlite3_column_text(t, 6);
    const char *body_tmpl = (const char *)sqlite3_column_text(t, 7);
    if (!body_tmpl)
        return crmi_error(db, CRM_E_INVALID_DATA, "campaign %s has no template for channel %s",
                          cp->code, channel);
    crmi_render_ctx ctx = {.name = (const char *)sqlite3_column_text(t, 2),
                           .gender = (const char *)sqlite3_column_text(t, 3),
                           .branch = (const char *)sqlite3_column_text(t, 4),
                           .campaign = cp->name,
                           .product = cp->product};
    char *body = NULL, *subject = NULL, key[256];
    int rc = crmi_render(db, cfg, body_tmpl, channel, &ctx, &body);
    if (!rc && subject_tmpl)
        rc = crmi_render(db, cfg, subject_tmpl, "email", &ctx, &subject);
    if (rc) {
        char why[400];
        snprintf(why, sizeof why, "%s", crm_db_errmsg(db));
        rc = crmi_error(db, rc, "customer %s: %s", customer_no, why);
    }
    snprintf(key, sizeof key, "campaign:%s:v%lld:%s:%s", cp->code, (long long)cp->version,
             customer_no, channel);
    crmi_outmsg m = {key,     cp->id,  NULL, sqlite3_column_int64(t, 0),
                     channel, subject, body, not_before};
    bool inserted = false;
    if (!rc)
        rc = crmi_outbox_put(db, &m, &inserted);
    if (!rc && inserted) {
        ++*added;
        rc = mark_target_queued(db, cp->id, m.customer_id);
    }
    crm_free(body);
    crm_free(subject);
    return rc;
}

static int queue_all(crm_db *db, const crmi_ocfg *cfg, const campaign_info *cp, int64_t *added)
{
    int64_t not_before;
    int rc = crmi_quiet_next(db, crm_db_now(db), &not_before);
    sqlite3_stmt *t = rc ? NULL : crmi_prepare(db, SQL_TARGETS);
    if (!t)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(t, 1, cp->id);
    int step;
    while (!rc && (step = crmi_step(t)) == SQLITE_ROW)
        rc = queue_one(db, cfg, cp, t, not_before, added);
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read targets");
    sqlite3_finalize(t);
    char after[64];
    snprintf(after, sizeof after, "{\"queued\":%lld}", (long long)*added);
    crmi_audit_entry e = {
        .action = "outreach.queue", .entity = "campaign", .entity_id = cp->code, .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_message_queue(int64_t *out_queued, crm_db *db, const char *campaign_code)
{
    if (!db || !campaign_code)
        return crmi_error(db, CRM_E_INVALID_ARG, "message queue: NULL argument");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    campaign_info cp = {0};
    int64_t added = 0;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (!rc)
        rc = crmi_txn_begin(db);
    if (rc)
        return rc;
    rc = campaign_running(db, campaign_code, &cp);
    if (!rc)
        rc = queue_all(db, cfg, &cp, &added);
    rc = crmi_txn_end(db, rc);
    if (!rc && out_queued)
        *out_queued = added;
    return rc;
}

/* ------------------------------------------------------------------- list */

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

static const char SQL_LIST[] =
    "SELECT o.idem_key, cp.code AS campaign, o.occasion, c.customer_no, o.channel, o.subject,"
    " o.body, o.state, o.attempts, " ISO(
        "o.not_before") " AS not_before, o.last_error,"
                        " " ISO("o.created_at") " AS created_at, " ISO(
                            "o.sent_at") " AS sent_at"
                                         " FROM crm_outbox o JOIN crm_customer c ON c.id = "
                                         "o.customer_id"
                                         " JOIN crm_branch b ON b.id = c.branch_id"
                                         " LEFT JOIN crm_campaign cp ON cp.id = o.campaign_id"
                                         " WHERE (:camp IS NULL OR cp.code = :camp) AND (:occ IS "
                                         "NULL OR o.occasion = :occ)"
                                         " AND (:cno IS NULL OR c.customer_no = :cno) AND (:chan "
                                         "IS NULL OR o.channel = :chan)"
                                         " AND (:state IS NULL OR o.state = :state) "
                                         "AND" CRMI_CUSTOMER_SCOPE " ORDER BY o.id DESC LIMIT :lim";

static void bind_named(sqlite3_stmt *st, const char *param, const char *value)
{
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, param), value);
}

CRM_EXTERN(int) crm_message_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    static const char *const known[] = {"campaign", "occasion", "customer_no",
                                        "channel",  "state",    "limit"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "message list: NULL argument");
    crmi_error_clear(db);
    int64_t limit = 1000;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (!rc && filter)
        rc = crmi_record_check_fields(db, filter, known, sizeof known / sizeof known[0],
                                      "message filter");
    if (!rc && filter && crm_record_type(filter, "limit") != CRM_TYPE_NULL &&
        (crm_record_get_int(&limit, filter, "limit") != CRM_OK || limit < 1))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field limit: expected a positive integer");
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    bind_named(st, ":camp", crmi_or_text(filter, "campaign"));
    bind_named(st, ":occ", crmi_or_text(filter, "occasion"));
    bind_named(st, ":cno", crmi_or_text(filter, "customer_no"));
    bind_named(st, ":chan", crmi_or_text(filter, "channel"));
    bind_named(st, ":state", crmi_or_text(filter, "state"));
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":lim"), limit);
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ retry */

static const char SQL_RETRY[] =
    "UPDATE crm_outbox SET state = 'queued', attempts = 0, not_before = ?1, last_error = NULL"
    " WHERE state = 'failed'"
    " AND (?2 IS NULL OR campaign_id IN (SELECT id FROM crm_campaign WHERE code = ?2))";

static int requeue(crm_db *db, const char *campaign_code, int64_t *count)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_RETRY);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, crm_db_now(db));
    crmi_bind_text(st, 2, campaign_code);
    int rc = crmi_exec_stmt(db, st, "retry messages");
    *count = rc ? 0 : sqlite3_changes(db->sql);
    char after[64];
    snprintf(after, sizeof after, "{\"requeued\":%lld}", (long long)*count);
    crmi_audit_entry e = {.action = "outreach.retry",
                          .entity = "outbox",
                          .entity_id = campaign_code ? campaign_code : "*",
                          .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_message_retry(int64_t *out_count, crm_db *db, const char *campaign_code)
{
    if (!db)
        return crmi_error(NULL, CRM_E_INVALID_ARG, "message retry: NULL handle");
    crmi_error_clear(db);
    int64_t count = 0;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = crmi_txn_end(db, requeue(db, campaign_code, &count));
    if (!rc && out_count)
        *out_count = count;
    return rc;
}
