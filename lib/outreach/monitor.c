/* Monitoring a running campaign: participation against the expected pace,
 * and effectiveness per channel or region with flagged events left out. */
#include "outreach/outreach_int.h"

#include <stdio.h>
#include <string.h>

typedef struct pace {
    int64_t campaign_id, start, end, targets, actual, elapsed_bps, expected;
    bool has_window;
} pace;

static const char SQL_PACE[] =
    "SELECT cp.id, cp.start_at, cp.end_at,"
    " (SELECT count(*) FROM crm_campaign_target t WHERE t.campaign_id = cp.id"
    "  AND t.grp = 'target'),"
    " (SELECT count(*) FROM crm_campaign_target t WHERE t.campaign_id = cp.id"
    "  AND t.grp = 'target' AND (t.status = 'responded' OR t.status = 'converted'))"
    " FROM crm_campaign cp WHERE cp.code = ?1"
    " ORDER BY cp.status = 'running' DESC, cp.version DESC LIMIT 1";

static int pace_read(crm_db *db, const char *code, pace *p)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_PACE);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        p->campaign_id = sqlite3_column_int64(st, 0);
        p->has_window =
            sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_type(st, 2) != SQLITE_NULL;
        p->start = sqlite3_column_int64(st, 1);
        p->end = sqlite3_column_int64(st, 2);
        p->targets = sqlite3_column_int64(st, 3);
        p->actual = sqlite3_column_int64(st, 4);
    } else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no campaign %s", code)
                                 : crmi_sqlite_error(db, step, "read campaign pace");
    sqlite3_reset(st);
    if (!rc && (!p->has_window || p->end <= p->start))
        rc = crmi_error(db, CRM_E_STATE, "campaign %s has no start_at..end_at window", code);
    return rc;
}

/* Linear pace: by the elapsed share of the window, that share of the
 * expected responses should be in (integer arithmetic, basis points). */
static void pace_expect(const crmi_ocfg *cfg, int64_t now, pace *p)
{
    int64_t elapsed = now < p->start ? 0 : now > p->end ? p->end - p->start : now - p->start;
    p->elapsed_bps = elapsed * 10000 / (p->end - p->start);
    p->expected = p->targets * cfg->pace_expected_bps * p->elapsed_bps / 100000000;
}

static const char SQL_ALERT[] =
    "INSERT INTO crm_pace_alert (campaign_id, at, expected, actual, message)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

static int raise_alert(crm_db *db, const char *code, const pace *p, const char *message)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ALERT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, p->campaign_id);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    sqlite3_bind_int64(st, 3, p->expected);
    sqlite3_bind_int64(st, 4, p->actual);
    crmi_bind_text(st, 5, message);
    int rc = crmi_exec_stmt(db, st, "record pace alert");
    crmi_audit_entry e = {
        .action = "outreach.pace_alert", .entity = "campaign", .entity_id = code, .after = NULL};
    return rc ? rc : crmi_audit_append(db, &e);
}

static int pace_record(crm_db *db, const char *code, const pace *p, bool lagging,
                       const char *message, crm_record **out)
{
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_text(r, "campaign", code);
    const struct {
        const char *name;
        int64_t v;
    } f[] = {{"targets", p->targets},
             {"elapsed_bps", p->elapsed_bps},
             {"expected", p->expected},
             {"actual", p->actual},
             {"lagging", lagging}};
    for (size_t i = 0; !rc && i < sizeof f / sizeof f[0]; i++)
        rc = crmi_record_put_int(r, f[i].name, f[i].v);
    if (!rc)
        rc = crmi_record_put_text(r, "message", message);
    if (rc) {
        crm_record_free(r);
        return crmi_error(db, CRM_E_NOMEM, "pace: out of memory");
    }
    *out = r;
    return CRM_OK;
}

CRM_EXTERN(int) crm_event_pace_check(crm_record **out, crm_db *db, const char *campaign_code)
{
    if (!out || !db || !campaign_code)
        return crmi_error(db, CRM_E_INVALID_ARG, "pace check: NULL argument");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    pace p = {0};
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (!rc)
        rc = pace_read(db, campaign_code, &p);
    if (rc)
        return rc;
    pace_expect(cfg, crm_db_now(db), &p);
    bool lagging = p.actual * 10000 < p.expected * (10000 - cfg->pace_lag_bps);
    char message[256];
    snprintf(message, sizeof message,
             lagging ? "campaign %s lags its pace: %lld responses, %lld expected by now"
                     : "campaign %s is on pace: %lld responses, %lld expected by now",
             campaign_code, (long long)p.actual, (long long)p.expected);
    if (lagging) {
        if ((rc = crmi_txn_begin(db)))
            return rc;
        if ((rc = crmi_txn_end(db, raise_alert(db, campaign_code, &p, message))))
            return rc;
    }
    return pace_record(db, campaign_code, &p, lagging, message, out);
}

/* ---------------------------------------------------------- effectiveness */

#define EVENT_SEEN(kind)                                                                           \
    "EXISTS (SELECT 1 FROM crm_event e WHERE e.outbox_id = o.id AND e.kind = '" kind "'"           \
    " AND e.flagged = 0)"

static const char SQL_EFFECT[] =
    "SELECT grp, sent, delivered, opened, clicked, replied, converted, amount,"
    " delivered * 10000 / sent AS delivered_bps, opened * 10000 / sent AS open_bps,"
    " clicked * 10000 / sent AS click_bps, converted * 10000 / sent AS conversion_bps"
    " FROM (SELECT CASE :by WHEN 'channel' THEN o.channel"
    "  WHEN 'province' THEN coalesce(c.province, '') ELSE b.code END AS grp,"
    "  count(*) AS sent, sum(" EVENT_SEEN(
        "delivered") ") AS delivered,"
                     "  sum(" EVENT_SEEN("opened") ") AS opened, sum(" EVENT_SEEN(
                         "clicked") ") AS clicked,"
                                    "  sum(" EVENT_SEEN("replied") ") AS replied, sum(" EVENT_SEEN(
                                        "converted") ") AS converted,"
                                                     "  coalesce(sum((SELECT sum(e.amount) FROM "
                                                     "crm_event e WHERE e.outbox_id = o.id"
                                                     "   AND e.kind = 'converted' AND e.flagged = "
                                                     "0)), 0) AS amount"
                                                     "  FROM crm_outbox o JOIN crm_customer c ON "
                                                     "c.id = o.customer_id"
                                                     "  JOIN crm_branch b ON b.id = c.branch_id"
                                                     "  WHERE o.state = 'sent'"
                                                     "  AND o.campaign_id IN (SELECT id FROM "
                                                     "crm_campaign WHERE code = :code) "
                                                     "AND" CRMI_CUSTOMER_SCOPE
                                                     " GROUP BY grp) ORDER BY grp";

CRM_EXTERN(int)
crm_event_effectiveness(crm_iter **out, crm_db *db, const char *campaign_code, const char *by)
{
    if (!out || !db || !campaign_code || !by)
        return crmi_error(db, CRM_E_INVALID_ARG, "effectiveness: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (!rc && strcmp(by, "channel") != 0 && strcmp(by, "province") != 0 &&
        strcmp(by, "branch") != 0)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "by: '%s' is not channel, province or branch", by);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_EFFECT);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":by"), by);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":code"), campaign_code);
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
