/* The state machine at work: transitions allowed by the configuration, the
 * two clocks they start, pause, stop and resume, notes, the one extension
 * and satisfaction scores. */
#include "complaint/complaint_int.h"
#include "kb/kb_int.h"

#include <stdio.h>
#include <string.h>

/* "from new: assigned, in_progress" for refusals. */
static void allowed_from(crmi_buf *b, const crmi_cconfig *cfg, int from)
{
    int n = 0;
    crmi_buf_printf(b, "from %s:", cfg->states[from].name);
    for (int i = 0; i < cfg->n_transitions; i++)
        if (cfg->transitions[i].from == from)
            crmi_buf_printf(b, "%s %s", n++ ? "," : "", cfg->states[cfg->transitions[i].to].name);
    if (!n)
        crmi_buf_puts(b, " none (final)");
}

static int refuse(crm_db *db, const crmi_cconfig *cfg, const crmi_ticket *t, int from, int to)
{
    crmi_buf b = {0};
    allowed_from(&b, cfg, from);
    int rc = crmi_error(db, CRM_E_STATE, "ticket %s: %s -> %s is not allowed; %s", t->ticket_no,
                        cfg->states[from].name, cfg->states[to].name, b.data ? b.data : "");
    crmi_buf_free(&b);
    return rc;
}

static int check_transition(crm_db *db, const crmi_cconfig *cfg, const crmi_ticket *t, int from,
                            int to, const char *note)
{
    const crmi_cc_transition *tr = crmi_cc_transition_find(cfg, from, to);
    if (!tr)
        return refuse(db, cfg, t, from, to);
    int64_t now = crm_db_now(db);
    if (tr->reopen && (!t->resolved_at || now - t->resolved_at > cfg->reopen_window)) {
        char until[24] = "";
        crm_time_format(until, sizeof until, t->resolved_at + cfg->reopen_window);
        return crmi_error(db, CRM_E_STATE, "ticket %s: the reopen window ended at %s", t->ticket_no,
                          until);
    }
    if ((cfg->states[to].flags & CRMI_ST_NOTE) && (!note || !*note))
        return crmi_error(db, CRM_E_INVALID_DATA, "field note: required to enter state %s",
                          cfg->states[to].name);
    return note ? crmi_validate_text(db, "note", note, 2000) : CRM_OK;
}

/* The resolution clock stands still in paused, resolved and final states
 * and runs elsewhere. */
static bool clock_runs_in(const crmi_cconfig *cfg, int state)
{
    return !(cfg->states[state].flags & (CRMI_ST_PAUSED | CRMI_ST_RESOLVED | CRMI_ST_FINAL));
}

void crmi_clock_stop(const crmi_cconfig *cfg, crmi_ticket *t, int64_t now)
{
    if (!t->resolve_since)
        return;
    t->resolve_used += crmi_sla_elapsed(cfg, t->resolve_since, now);
    if (t->resolve_used > t->resolve_budget)
        t->breached = 1;
    t->resolve_since = 0;
    t->resolve_due_at = 0;
}

static void clock_start(const crmi_cconfig *cfg, crmi_ticket *t, int64_t now)
{
    if (t->resolve_since)
        return;
    t->resolve_since = now;
    int64_t left = t->resolve_budget - t->resolve_used;
    t->resolve_due_at = crmi_sla_add(cfg, now, left > 0 ? left : 0);
}

/* Applies entering `to` to the ticket's clocks and dates. */
static void enter_state(const crmi_cconfig *cfg, crmi_ticket *t, int to, bool reopen, int64_t now)
{
    unsigned int f = cfg->states[to].flags;
    if ((f & CRMI_ST_RESPONDED) && !t->first_response_at) {
        t->first_response_at = now;
        if (now > t->ack_due_at)
            t->breached = 1;
    }
    if (reopen) {
        t->resolved_at = t->closed_at = 0;
        t->reopen_count++;
        t->escalation_level = 0;
    }
    if ((f & CRMI_ST_RESOLVED) && !t->resolved_at)
        t->resolved_at = now;
    if (f & CRMI_ST_FINAL)
        t->closed_at = now;
    if (clock_runs_in(cfg, to))
        clock_start(cfg, t, now);
    else
        crmi_clock_stop(cfg, t, now);
    snprintf(t->state, sizeof t->state, "%s", cfg->states[to].name);
}

static const char SQL_RESOLUTION[] = "UPDATE crm_complaint SET resolution = ?1 WHERE id = ?2";

static int store_resolution(crm_db *db, const crmi_ticket *t, const char *note)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_RESOLUTION);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, note);
    sqlite3_bind_int64(st, 2, t->id);
    return crmi_exec_stmt(db, st, "store resolution");
}

int crmi_ticket_move(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, int to, const char *note)
{
    int from = crmi_cc_state_find(cfg, t->state);
    if (from < 0)
        return crmi_error(db, CRM_E_STATE, "ticket %s: state %s is not in the workflow",
                          t->ticket_no, t->state);
    int rc = check_transition(db, cfg, t, from, to, note);
    if (rc)
        return rc;
    bool was_resolved = t->resolved_at != 0;
    enter_state(cfg, t, to, crmi_cc_transition_find(cfg, from, to)->reopen, crm_db_now(db));
    rc = crmi_ticket_save(db, t);
    if (!rc && (cfg->states[to].flags & CRMI_ST_RESOLVED) && !was_resolved)
        rc = store_resolution(db, t, note);
    if (!rc)
        rc = crmi_ticket_event(db, t, "transition", cfg->states[from].name, t->state, note);
    if (!rc && (cfg->states[to].flags & CRMI_ST_FINAL) && strcmp(t->kind, "complaint") == 0)
        rc = crmi_kb_propose_case(db, t->id);
    return rc;
}

CRM_EXTERN(int)
crm_complaint_transition(crm_db *db, const char *ticket_no, const char *to_state, const char *note)
{
    if (!db || !ticket_no || !to_state)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint transition: NULL argument");
    crmi_error_clear(db);
    const crmi_cconfig *cfg = NULL;
    crmi_ticket t;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    if (!rc)
        rc = crmi_cconfig_load(db, &cfg);
    if (!rc)
        rc = crmi_ticket_load(db, ticket_no, &t);
    int to = rc ? -1 : crmi_cc_state_find(cfg, to_state);
    if (!rc && to < 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field state: no state '%.40s' in the workflow",
                        to_state);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, crmi_ticket_move(db, cfg, &t, to, note));
    return rc;
}

/* Loads a ticket for a write after the permission check. */
static int writable_ticket(crm_db *db, const char *ticket_no, crmi_ticket *t, const char *what)
{
    if (!db || !ticket_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint %s: NULL argument", what);
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    return rc ? rc : crmi_ticket_load(db, ticket_no, t);
}

CRM_EXTERN(int) crm_complaint_note(crm_db *db, const char *ticket_no, const char *note)
{
    crmi_ticket t;
    int rc = writable_ticket(db, ticket_no, &t, "note");
    if (!rc && !note)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field note: required");
    if (!rc)
        rc = crmi_validate_text(db, "note", note, 2000);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, crmi_ticket_event(db, &t, "note", NULL, NULL, note));
}

static const char SQL_EXTEND[] = "UPDATE crm_complaint SET extension_reason = ?1 WHERE id = ?2";

static int extend(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, const char *reason)
{
    crmi_cc_deadline d = crmi_cc_deadline_of(cfg, t);
    if (!d.extend_to || d.extend_to <= t->resolve_budget)
        return crmi_error(db, CRM_E_STATE, "ticket %s: no longer deadline to extend to",
                          t->ticket_no);
    int64_t now = crm_db_now(db);
    bool running = t->resolve_since != 0;
    crmi_clock_stop(cfg, t, now);
    t->breached = 0; /* re-judged against the new budget */
    t->resolve_budget = d.extend_to;
    t->extended = 1;
    if (running)
        clock_start(cfg, t, now);
    sqlite3_stmt *st = crmi_stmt(db, SQL_EXTEND);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, reason);
    sqlite3_bind_int64(st, 2, t->id);
    int rc = crmi_exec_stmt(db, st, "extend ticket");
    if (!rc)
        rc = crmi_ticket_save(db, t);
    return rc ? rc : crmi_ticket_event(db, t, "extend", NULL, NULL, reason);
}

CRM_EXTERN(int) crm_complaint_extend(crm_db *db, const char *ticket_no, const char *reason)
{
    crmi_ticket t;
    const crmi_cconfig *cfg = NULL;
    int rc = writable_ticket(db, ticket_no, &t, "extend");
    if (!rc && (!reason || !*reason))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field reason: an extension needs a reason");
    if (!rc)
        rc = crmi_validate_text(db, "reason", reason, 500);
    if (!rc && t.extended)
        rc = crmi_error(db, CRM_E_STATE, "ticket %s: already extended once", ticket_no);
    if (!rc && t.resolved_at)
        rc = crmi_error(db, CRM_E_STATE, "ticket %s: already resolved", ticket_no);
    if (!rc)
        rc = crmi_cconfig_load(db, &cfg);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, extend(db, cfg, &t, reason));
    return rc;
}

static const char SQL_RATE[] = "UPDATE crm_complaint SET satisfaction = ?1 WHERE id = ?2";

CRM_EXTERN(int) crm_complaint_rate(crm_db *db, const char *ticket_no, int score)
{
    crmi_ticket t;
    int rc = writable_ticket(db, ticket_no, &t, "rate");
    if (!rc && (score < 1 || score > 5))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field satisfaction: %d is not in 1..5", score);
    if (!rc && !t.resolved_at)
        rc = crmi_error(db, CRM_E_STATE, "ticket %s: rate it once it is resolved", ticket_no);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_RATE);
    if (!st)
        return crmi_txn_end(db, db->errcode);
    sqlite3_bind_int(st, 1, score);
    sqlite3_bind_int64(st, 2, t.id);
    rc = crmi_exec_stmt(db, st, "rate ticket");
    char note[16];
    snprintf(note, sizeof note, "%d", score);
    if (!rc)
        rc = crmi_ticket_event(db, &t, "rate", NULL, NULL, note);
    return crmi_txn_end(db, rc);
}
