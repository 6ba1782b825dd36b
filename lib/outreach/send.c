/* Draining the outbox: due messages go to their channel's callback with no
 * transaction open, then the outcomes are recorded in one transaction per
 * batch. A crash between the two hands the batch to the callback again
 * (at least once); the state change from queued is what records a message
 * sent, once. */
#include "outreach/outreach_int.h"

#include <stdio.h>
#include <string.h>

#define SEND_BATCH 64

enum { OUT_SKIPPED = -1, OUT_CANCELLED = 3 };

typedef struct due_msg {
    int64_t id, customer_id, campaign_id, attempts;
    char *text[8]; /* idem_key, channel, subject, body, occasion, customer_no, campaign, cancel */
    int outcome;
} due_msg;

enum { T_KEY, T_CHANNEL, T_SUBJECT, T_BODY, T_OCCASION, T_CUSTOMER, T_CAMPAIGN, T_CANCEL };

typedef struct send_stats {
    int64_t sent, retried, failed, cancelled, no_channel;
} send_stats;

static const char SQL_DUE[] =
    "SELECT o.id, o.customer_id, o.campaign_id, o.attempts, o.idem_key, o.channel, o.subject,"
    " o.body, o.occasion, c.customer_no, cp.code,"
    " CASE WHEN c.status <> 'active' THEN 'customer is ' || c.status"
    "  WHEN c.deletion_requested_at IS NOT NULL THEN 'customer deletion pending'"
    "  WHEN EXISTS (SELECT 1 FROM crm_optout x WHERE x.customer_id = o.customer_id"
    "   AND (x.channel = o.channel OR x.channel = 'all')) THEN 'customer opted out of ' || "
    "o.channel"
    "  WHEN (CASE o.channel WHEN 'sms' THEN c.consent_sms WHEN 'email' THEN c.consent_email"
    "   ELSE c.consent_phone END) = 0 THEN 'no consent for ' || o.channel END"
    " FROM crm_outbox o JOIN crm_customer c ON c.id = o.customer_id"
    " LEFT JOIN crm_campaign cp ON cp.id = o.campaign_id"
    /* walk the primary key from the cursor (unary + keeps the planner off
     * the state index, which would sort every queued row for each batch) */
    " WHERE +o.state = 'queued' AND +o.not_before <= ?1 AND o.id > ?2"
    " AND (o.campaign_id IS NULL OR cp.status = 'running') AND (?3 IS NULL OR cp.code = ?3)"
    " ORDER BY o.id LIMIT ?4";

static void batch_free(due_msg *batch, int n)
{
    for (int i = 0; i < n; i++)
        for (int t = 0; t < 8; t++)
            crm_free(batch[i].text[t]);
}

static int read_row(crm_db *db, sqlite3_stmt *st, due_msg *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->customer_id = sqlite3_column_int64(st, 1);
    m->campaign_id = sqlite3_column_int64(st, 2);
    m->attempts = sqlite3_column_int64(st, 3);
    for (int t = 0; t < 8; t++) {
        const unsigned char *v = sqlite3_column_text(st, 4 + t);
        if (v && !(m->text[t] = crmi_strdup((const char *)v)))
            return crmi_error(db, CRM_E_NOMEM, "send: out of memory");
    }
    return CRM_OK;
}

/* Reads up to `want` due messages after `cursor`; the statement is reset
 * before returning, so no read transaction stays open. */
static int fetch_due(crm_db *db, const char *campaign, int64_t cursor, int want, due_msg *batch,
                     int *n)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_DUE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, crm_db_now(db));
    sqlite3_bind_int64(st, 2, cursor);
    crmi_bind_text(st, 3, campaign);
    sqlite3_bind_int(st, 4, want);
    int step, rc = CRM_OK;
    *n = 0;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        rc = read_row(db, st, &batch[*n]);
        ++*n;
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read due messages");
    sqlite3_reset(st);
    return rc;
}

/* ------------------------------------------------------------- delivery */

static int message_record(crm_record **out, const due_msg *m)
{
    static const char *const names[] = {"idem_key", "channel",     "subject", "body",
                                        "occasion", "customer_no", "campaign"};
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    for (int t = 0; !rc && t < 7; t++)
        if (m->text[t])
            rc = crmi_record_put_text(r, names[t], m->text[t]);
    if (!rc)
        rc = crmi_record_put_int(r, "attempt", m->attempts + 1);
    if (rc) {
        crm_record_free(r);
        return rc;
    }
    *out = r;
    return CRM_OK;
}

static void deliver(crmi_channels *ch, due_msg *m)
{
    int c = crmi_channel_index(m->text[T_CHANNEL]);
    if (m->text[T_CANCEL]) {
        m->outcome = OUT_CANCELLED;
        return;
    }
    if (!ch || c < 0 || !ch->fn[c]) {
        m->outcome = OUT_SKIPPED;
        return;
    }
    crm_record *rec = NULL;
    if (message_record(&rec, m) != CRM_OK) {
        m->outcome = OUT_SKIPPED; /* out of memory: stays queued for the next drain */
        return;
    }
    int result = ch->fn[c](rec, ch->payload[c]);
    crm_record_free(rec);
    m->outcome =
        result == CRM_CHANNEL_OK || result == CRM_CHANNEL_RETRY ? result : CRM_CHANNEL_FAIL;
}

/* ------------------------------------------------------------- recording */

static const char SQL_SENT[] =
    "UPDATE crm_outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1,"
    " last_error = NULL WHERE id = ?1 AND state = 'queued'";
static const char SQL_CONTACTED[] =
    "UPDATE crm_campaign_target SET status = 'contacted' WHERE campaign_id = ?1"
    " AND customer_id = ?2 AND (status = 'pending' OR status = 'queued')";
static const char SQL_UNSENT[] =
    "UPDATE crm_outbox SET state = ?2, attempts = attempts + ?3, not_before = ?4,"
    " last_error = ?5 WHERE id = ?1 AND state = 'queued'";

static int record_sent(crm_db *db, const due_msg *m, int64_t now)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_int64(st, 2, now);
    int rc = crmi_exec_stmt(db, st, "record message sent");
    if (rc || !m->campaign_id || sqlite3_changes(db->sql) == 0)
        return rc;
    if (!(st = crmi_stmt(db, SQL_CONTACTED)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, m->campaign_id);
    sqlite3_bind_int64(st, 2, m->customer_id);
    return crmi_exec_stmt(db, st, "mark target contacted");
}

static int64_t backoff(const crmi_ocfg *cfg, int64_t attempts)
{
    int64_t delay = cfg->retry_base;
    for (int64_t i = 1; i < attempts && delay < cfg->retry_cap; i++)
        delay *= 2;
    return delay < cfg->retry_cap ? delay : cfg->retry_cap;
}

static int record_unsent(crm_db *db, const crmi_ocfg *cfg, const due_msg *m, int64_t now,
                         send_stats *s)
{
    const char *state = "failed", *why = m->text[T_CANCEL];
    char buf[128];
    int64_t tried = m->attempts + 1, not_before = now;
    if (m->outcome == OUT_CANCELLED) {
        state = "cancelled";
        tried = m->attempts;
        s->cancelled++;
    } else if (m->outcome == CRM_CHANNEL_RETRY && tried < cfg->max_attempts) {
        state = "queued";
        not_before = now + backoff(cfg, tried);
        snprintf(buf, sizeof buf, "transient failure on attempt %lld", (long long)tried);
        why = buf;
        s->retried++;
    } else {
        snprintf(buf, sizeof buf,
                 m->outcome == CRM_CHANNEL_RETRY ? "transient failures: gave up after %lld attempts"
                                                 : "permanent failure on attempt %lld",
                 (long long)tried);
        why = buf;
        s->failed++;
    }
    sqlite3_stmt *st = crmi_stmt(db, SQL_UNSENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, m->id);
    crmi_bind_text(st, 2, state);
    sqlite3_bind_int64(st, 3, tried - m->attempts);
    sqlite3_bind_int64(st, 4, not_before);
    crmi_bind_text(st, 5, why);
    return crmi_exec_stmt(db, st, "record message outcome");
}

static int record_batch(crm_db *db, const crmi_ocfg *cfg, const due_msg *batch, int n,
                        send_stats *s)
{
    int64_t now = crm_db_now(db);
    send_stats before = *s;
    int rc = CRM_OK;
    for (int i = 0; !rc && i < n; i++) {
        const due_msg *m = &batch[i];
        if (m->outcome == OUT_SKIPPED)
            s->no_channel++;
        else if (m->outcome == CRM_CHANNEL_OK) {
            rc = record_sent(db, m, now);
            s->sent++;
        } else
            rc = record_unsent(db, cfg, m, now, s);
    }
    char id[48], after[160];
    snprintf(id, sizeof id, "%lld-%lld", (long long)batch[0].id, (long long)batch[n - 1].id);
    snprintf(after, sizeof after,
             "{\"sent\":%lld,\"retried\":%lld,\"failed\":%lld,"
             "\"cancelled\":%lld}",
             (long long)(s->sent - before.sent), (long long)(s->retried - before.retried),
             (long long)(s->failed - before.failed), (long long)(s->cancelled - before.cancelled));
    crmi_audit_entry e = {
        .action = "outreach.send", .entity = "outbox", .entity_id = id, .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

/* ------------------------------------------------------------------ drain */

static const char SQL_FIRST_QUEUED[] =
    "SELECT coalesce(min(id), 1) - 1 FROM crm_outbox WHERE state = 'queued'";

static int drain(crm_db *db, const crmi_ocfg *cfg, const char *campaign, int64_t max, send_stats *s)
{
    due_msg batch[SEND_BATCH];
    int64_t cursor = 0, handled = 0;
    int first = crmi_query_int64(db, SQL_FIRST_QUEUED, &cursor);
    if (first)
        return first;
    for (;;) {
        int want = SEND_BATCH, n = 0;
        if (max > 0 && max - handled < want)
            want = (int)(max - handled);
        if (want <= 0)
            return CRM_OK;
        int rc = fetch_due(db, campaign, cursor, want, batch, &n);
        if (!rc && n == 0)
            return CRM_OK;
        crmi_channels *ch = crmi_channels_of(db, false);
        for (int i = 0; !rc && i < n; i++)
            deliver(ch, &batch[i]);
        if (!rc && !(rc = crmi_txn_begin(db)))
            rc = crmi_txn_end(db, record_batch(db, cfg, batch, n, s));
        cursor = n ? batch[n - 1].id : cursor;
        for (int i = 0; i < n; i++)
            handled += batch[i].outcome != OUT_SKIPPED;
        batch_free(batch, n);
        if (rc)
            return rc;
    }
}

static const char SQL_REMAINING[] =
    "SELECT count(*) FROM crm_outbox WHERE state = 'queued'"
    " AND (?1 IS NULL OR campaign_id IN (SELECT id FROM crm_campaign WHERE code = ?1))";

static int stats_record(crm_db *db, const char *campaign, const send_stats *s, int64_t quiet,
                        crm_record **out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_REMAINING);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, campaign);
    int step = crmi_step(st);
    int64_t remaining = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "count queued messages");
    crm_record *r = NULL;
    const struct {
        const char *name;
        int64_t value;
    } counts[] = {
        {"sent", s->sent},           {"retried", s->retried},       {"failed", s->failed},
        {"cancelled", s->cancelled}, {"no_channel", s->no_channel}, {"remaining", remaining}};
    int rc = crm_record_new(&r);
    for (size_t i = 0; !rc && i < sizeof counts / sizeof counts[0]; i++)
        rc = crmi_record_put_int(r, counts[i].name, counts[i].value);
    char when[32];
    if (!rc && quiet && crm_time_format(when, sizeof when, quiet) == CRM_OK)
        rc = crmi_record_put_text(r, "quiet_until", when);
    if (rc) {
        crm_record_free(r);
        return crmi_error(db, CRM_E_NOMEM, "send: out of memory");
    }
    *out = r;
    return CRM_OK;
}

CRM_EXTERN(int)
crm_message_send(crm_record **out, crm_db *db, const char *campaign_code, int64_t max)
{
    if (!db)
        return crmi_error(NULL, CRM_E_INVALID_ARG, "message send: NULL handle");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    send_stats s = {0};
    int64_t now = crm_db_now(db), allowed = now;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc && db->txn_level > 0)
        rc = crmi_error(db, CRM_E_STATE,
                        "message send: a transaction is open; channels are called outside one");
    if (!rc)
        rc = crmi_require_writable(db);
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (!rc)
        rc = crmi_quiet_next(db, now, &allowed);
    if (!rc && allowed == now)
        rc = drain(db, cfg, campaign_code, max, &s);
    if (!rc && out)
        rc = stats_record(db, campaign_code, &s, allowed == now ? 0 : allowed, out);
    return rc;
}
