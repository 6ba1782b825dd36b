/* The SLA scan: every open ticket against its two clocks at the handle's
 * time, escalated along the ladder handler -> supervisor -> branch manager,
 * and tickets of disabled handlers handed to someone else in their team.
 * Each ticket is its own transaction; the host hears of each change after
 * it is committed. */
#include "complaint/complaint_int.h"

#include <stdio.h>
#include <string.h>

typedef struct scan {
    crm_db *db;
    const crmi_cconfig *cfg;
    int64_t now;
    int64_t scanned, at_risk, breached, escalated, reassigned;
    crm_complaint_notify_fn notify;
    void *payload;
} scan;

/* What the clocks say about a ticket now. */
typedef struct verdict {
    int level; /* 0 fine, 1 at risk, 2 breached, 3 breached long enough for the manager */
    const char *clock;
    int64_t due;
} verdict;

static void judge_clock(const scan *s, verdict *v, const char *clock, int64_t due, int64_t budget)
{
    int level = 0;
    if (s->now > due)
        level = s->now - due >= s->cfg->branch_manager_after ? 3 : 2;
    else if (crmi_sla_elapsed(s->cfg, s->now, due) * 100 <= budget * s->cfg->at_risk_percent)
        level = 1;
    if (level > v->level)
        *v = (verdict){level, clock, due};
}

static verdict judge(const scan *s, const crmi_ticket *t)
{
    verdict v = {0, NULL, 0};
    if (!t->first_response_at)
        judge_clock(s, &v, "acknowledge", t->ack_due_at, t->ack_budget);
    if (t->resolve_since)
        judge_clock(s, &v, "resolve", t->resolve_due_at, t->resolve_budget);
    return v;
}

static const char SQL_ASSIGNEE[] = "SELECT name FROM crm_user WHERE id = ?1";
static const char SQL_SUPERVISOR[] =
    "SELECT u.name FROM crm_complaint_team t JOIN crm_user u ON u.id = t.supervisor_id"
    " WHERE t.id = ?1 AND u.status = 'active'";
static const char SQL_MANAGER[] =
    "SELECT u.name FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id,"
    " crm_user u JOIN crm_branch ub ON ub.id = u.branch_id"
    " WHERE cp.id = ?1 AND (u.roles & 2) <> 0 AND u.status = 'active'"
    " AND substr(cb.path, 1, length(ub.path)) = ub.path"
    " ORDER BY length(ub.path) DESC, u.id LIMIT 1";

/* The user on rung `level` of the ladder into buf; "" when nobody. */
static int recipient(crm_db *db, const crmi_ticket *t, int level, char *buf, size_t size)
{
    const char *sql = level == 1 ? SQL_ASSIGNEE : level == 2 ? SQL_SUPERVISOR : SQL_MANAGER;
    int64_t key = level == 1 ? t->assignee_id : level == 2 ? t->team_id : t->id;
    buf[0] = '\0';
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? CRM_OK
               : crmi_sqlite_error(db, step, "find recipient");
}

static int notice_new(crm_record **out, const crmi_ticket *t, const char *event, const char *clock,
                      int level, const char *who, int64_t due)
{
    char when[24] = "";
    if (due)
        crm_time_format(when, sizeof when, due);
    int rc = crm_record_new(out);
    const char *pairs[] = {"ticket_no", t->ticket_no, "event", event,    "clock",
                           clock,       "recipient",  who,     "due_at", when};
    for (int i = 0; !rc && i < 10; i += 2)
        if (pairs[i + 1] && *pairs[i + 1])
            rc = crmi_record_put_text(*out, pairs[i], pairs[i + 1]);
    if (!rc)
        rc = crmi_record_put_int(*out, "level", level);
    return rc;
}

static int escalate(scan *s, crmi_ticket *t, const verdict *v, crm_record **notice)
{
    static const char *const events[] = {"", "at_risk", "breached", "branch_manager"};
    static const char *const rungs[] = {"", "handler", "supervisor", "branch manager"};
    char who[128], note[256];
    int rc = recipient(s->db, t, v->level, who, sizeof who);
    if (rc)
        return rc;
    t->escalation_level = v->level;
    if (v->level >= 2)
        t->breached = 1;
    snprintf(note, sizeof note, "%s clock %s; to the %s%s%s", v->clock, events[v->level],
             rungs[v->level], *who ? " " : " (nobody holds it)", who);
    rc = crmi_ticket_save(s->db, t);
    if (!rc)
        rc = crmi_ticket_event(s->db, t, "escalate", NULL, NULL, note);
    if (!rc)
        rc = notice_new(notice, t, events[v->level], v->clock, v->level, who, v->due);
    return rc;
}

static const char SQL_DISABLED[] = "SELECT status = 'disabled' FROM crm_user WHERE id = ?1";

static bool handler_disabled(crm_db *db, const crmi_ticket *t)
{
    sqlite3_stmt *st = t->assignee_id ? crmi_stmt(db, SQL_DISABLED) : NULL;
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, t->assignee_id);
    bool disabled = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return disabled;
}

static int reassign(scan *s, crmi_ticket *t, crm_record **notice)
{
    int rc = crmi_ticket_auto_assign(s->db, s->cfg, t, t->assignee_id);
    char who[128];
    if (!rc)
        rc = recipient(s->db, t, 1, who, sizeof who);
    if (!rc)
        rc = crmi_ticket_event(s->db, t, "reassign", NULL, NULL, "handler disabled");
    if (!rc)
        rc = notice_new(notice, t, "reassigned", NULL, (int)t->escalation_level, who, 0);
    return rc;
}

/* One ticket in its own transaction; the notices to send after commit. */
static int scan_ticket(scan *s, int64_t id, crm_record *notices[2], int *n)
{
    crmi_ticket t;
    int rc = crmi_txn_begin(s->db);
    if (rc)
        return rc;
    rc = crmi_ticket_load_id(s->db, id, &t);
    if (!rc && handler_disabled(s->db, &t)) {
        rc = reassign(s, &t, &notices[*n]);
        if (rc == CRM_E_STATE) { /* nobody else in the team: leave it for a person */
            crmi_error_clear(s->db);
            rc = CRM_OK;
        } else if (!rc) {
            (*n)++;
            s->reassigned++;
        }
    }
    verdict v = judge(s, &t);
    s->at_risk += v.level == 1;
    s->breached += v.level >= 2;
    if (!rc && v.level > t.escalation_level) {
        if (!(rc = escalate(s, &t, &v, &notices[*n]))) {
            (*n)++;
            s->escalated++;
        }
    }
    return crmi_txn_end(s->db, rc);
}

static int notify_all(scan *s, crm_record *notices[2], int n)
{
    int stop = 0;
    for (int i = 0; i < n; i++) {
        if (!stop && s->notify)
            stop = s->notify(notices[i], s->payload);
        crm_record_free(notices[i]);
    }
    return stop ? crmi_error(s->db, CRM_E_STATE, "SLA scan stopped by the callback") : CRM_OK;
}

/* Open tickets in the actor's branch subtree (a branch manager scans their
 * own branches; an admin the whole bank). */
static const char SQL_OPEN_IDS[] =
    "SELECT cp.id FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id"
    " WHERE cp.closed_at IS NULL AND cp.resolved_at IS NULL"
    " AND (?1 OR substr(cb.path, 1, length(?2)) = ?2) ORDER BY cp.id";

/* The ids first: each ticket is then changed in its own transaction. */
static int open_ids(crm_db *db, int64_t **ids, size_t *n)
{
    sqlite3_stmt *st = crmi_prepare(db, SQL_OPEN_IDS);
    size_t cap = 0;
    int step;
    if (!st)
        return db->errcode;
    sqlite3_bind_int(st, 1, (db->actor->roles & CRM_ROLE_ADMIN) != 0);
    crmi_bind_text(st, 2, db->actor->branch_path);
    *ids = NULL;
    *n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *grown = crmi_realloc(*ids, cap * sizeof **ids);
            if (!grown) {
                sqlite3_finalize(st);
                return crmi_error(db, CRM_E_NOMEM, "SLA scan: out of memory");
            }
            *ids = grown;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "list open tickets");
}

static int summary(crm_record **out, const scan *s)
{
    const char *names[] = {"scanned", "at_risk", "breached", "escalated", "reassigned"};
    int64_t values[] = {s->scanned, s->at_risk, s->breached, s->escalated, s->reassigned};
    int rc = crm_record_new(out);
    for (int i = 0; !rc && i < 5; i++)
        rc = crmi_record_put_int(*out, names[i], values[i]);
    return rc ? crmi_error(s->db, CRM_E_NOMEM, "SLA scan: out of memory") : CRM_OK;
}

static int run_scan(scan *s)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = open_ids(s->db, &ids, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        crm_record *notices[2];
        int count = 0;
        s->scanned++;
        /* the host's callback may have replaced the configuration, which
         * frees the handle's parsed copy: take the current one each time */
        rc = crmi_cconfig_load(s->db, &s->cfg);
        if (!rc)
            rc = scan_ticket(s, ids[i], notices, &count);
        if (rc) {
            for (int k = 0; k < count; k++)
                crm_record_free(notices[k]);
            break;
        }
        rc = notify_all(s, notices, count);
    }
    crm_free(ids);
    return rc;
}

CRM_EXTERN(int)
crm_complaint_sla_scan(crm_record **out_summary, crm_db *db, crm_complaint_notify_fn notify,
                       void *payload)
{
    if (!db)
        return crmi_error(db, CRM_E_INVALID_ARG, "SLA scan: NULL argument");
    crmi_error_clear(db);
    const crmi_cconfig *cfg = NULL;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_ADMIN);
    if (!rc)
        rc = crmi_require_writable(db);
    if (!rc)
        rc = crmi_cconfig_load(db, &cfg);
    if (rc)
        return rc;
    scan s = {.db = db, .cfg = cfg, .now = crm_db_now(db), .notify = notify, .payload = payload};
    rc = run_scan(&s);
    if (!rc && out_summary)
        rc = summary(out_summary, &s);
    return rc;
}
