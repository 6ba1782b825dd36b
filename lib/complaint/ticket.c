/* Tickets as the workflow sees them: loading with the visibility check,
 * writing back, and the history every change appends to. */
#include "complaint/complaint_int.h"

#include <stdio.h>
#include <string.h>

void crmi_complaint_scope_bind(const crm_db *db, sqlite3_stmt *st)
{
    const struct crmi_actor *a = db->actor;
    crmi_customer_scope_bind(db, st);
    int path = sqlite3_bind_parameter_index(st, ":actor_path");
    sqlite3_bind_text(st, path, a->branch_path, -1, SQLITE_TRANSIENT);
}

#define TICKET_SELECT                                                                              \
    "SELECT cp.id, cp.ticket_no, cp.state, cp.category, cp.channel, cp.severity, cp.kind,"         \
    " cp.branch_id, coalesce(cp.customer_id, 0), coalesce(cp.team_id, 0),"                         \
    " coalesce(cp.assignee_id, 0), cp.opened_at, cp.ack_budget, coalesce(cp.ack_due_at, 0),"       \
    " coalesce(cp.first_response_at, 0), cp.resolve_budget, cp.resolve_used,"                      \
    " coalesce(cp.resolve_since, 0), coalesce(cp.resolve_due_at, 0),"                              \
    " coalesce(cp.resolved_at, 0), coalesce(cp.closed_at, 0), cp.reopen_count,"                    \
    " cp.escalation_level, cp.extended, cp.breached"                                               \
    " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id"

static const char SQL_LOAD[] = TICKET_SELECT " WHERE cp.ticket_no = :no AND" CRMI_COMPLAINT_SCOPE;
static const char SQL_LOAD_ID[] = TICKET_SELECT " WHERE cp.id = :id";

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", s ? s : "");
}

static void ticket_from_row(crmi_ticket *t, sqlite3_stmt *st)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    copy_text(t->ticket_no, sizeof t->ticket_no, st, 1);
    copy_text(t->state, sizeof t->state, st, 2);
    copy_text(t->category, sizeof t->category, st, 3);
    copy_text(t->channel, sizeof t->channel, st, 4);
    copy_text(t->severity, sizeof t->severity, st, 5);
    copy_text(t->kind, sizeof t->kind, st, 6);
    int64_t *ints[] = {&t->branch_id,        &t->customer_id,       &t->team_id,
                       &t->assignee_id,      &t->opened_at,         &t->ack_budget,
                       &t->ack_due_at,       &t->first_response_at, &t->resolve_budget,
                       &t->resolve_used,     &t->resolve_since,     &t->resolve_due_at,
                       &t->resolved_at,      &t->closed_at,         &t->reopen_count,
                       &t->escalation_level, &t->extended,          &t->breached};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        *ints[i] = sqlite3_column_int64(st, (int)i + 7);
}

static int load(crm_db *db, sqlite3_stmt *st, const char *what, crmi_ticket *t)
{
    int step = sqlite3_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW)
        ticket_from_row(t, st);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no ticket %.40s", what)
                                 : crmi_sqlite_error(db, step, "read ticket");
    sqlite3_reset(st);
    return rc;
}

int crmi_ticket_load(crm_db *db, const char *ticket_no, crmi_ticket *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LOAD);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":no"), ticket_no);
    crmi_complaint_scope_bind(db, st);
    return load(db, st, ticket_no, t);
}

int crmi_ticket_load_id(crm_db *db, int64_t id, crmi_ticket *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LOAD_ID);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    return load(db, st, "by id", t);
}

static const char SQL_SAVE[] =
    "UPDATE crm_complaint SET state = ?1, team_id = ?2, assignee_id = ?3,"
    " first_response_at = ?4, resolve_budget = ?5, resolve_used = ?6, resolve_since = ?7,"
    " resolve_due_at = ?8, resolved_at = ?9, closed_at = ?10, reopen_count = ?11,"
    " escalation_level = ?12, extended = ?13, breached = ?14, updated_at = ?15 WHERE id = ?16";

static void bind_opt(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

int crmi_ticket_save(crm_db *db, const crmi_ticket *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SAVE);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, t->state);
    bind_opt(st, 2, t->team_id);
    bind_opt(st, 3, t->assignee_id);
    bind_opt(st, 4, t->first_response_at);
    sqlite3_bind_int64(st, 5, t->resolve_budget);
    sqlite3_bind_int64(st, 6, t->resolve_used);
    bind_opt(st, 7, t->resolve_since);
    bind_opt(st, 8, t->resolve_due_at);
    bind_opt(st, 9, t->resolved_at);
    bind_opt(st, 10, t->closed_at);
    sqlite3_bind_int64(st, 11, t->reopen_count);
    sqlite3_bind_int64(st, 12, t->escalation_level);
    sqlite3_bind_int64(st, 13, t->extended);
    sqlite3_bind_int64(st, 14, t->breached);
    sqlite3_bind_int64(st, 15, crm_db_now(db));
    sqlite3_bind_int64(st, 16, t->id);
    return crmi_exec_stmt(db, st, "update ticket");
}

static const char SQL_EVENT[] =
    "INSERT INTO crm_complaint_event (complaint_id, at, actor, kind, from_state, to_state, note)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static int audit_event(crm_db *db, const crmi_ticket *t, const char *kind, const char *from,
                       const char *to, const char *note)
{
    char action[48];
    snprintf(action, sizeof action, "complaint.%s", kind);
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"state\":");
    crmi_buf_json_string(&after, t->state);
    if (from) {
        crmi_buf_puts(&after, ",\"from\":");
        crmi_buf_json_string(&after, from);
    }
    if (to) {
        crmi_buf_puts(&after, ",\"to\":");
        crmi_buf_json_string(&after, to);
    }
    crmi_buf_printf(&after, ",\"escalation_level\":%lld}", (long long)t->escalation_level);
    if (after.failed) {
        crmi_buf_free(&after);
        return crmi_error(db, CRM_E_NOMEM, "audit: out of memory");
    }
    crmi_audit_entry e = {.action = action,
                          .entity = "complaint",
                          .entity_id = t->ticket_no,
                          .reason = note,
                          .after = after.data};
    int rc = crmi_audit_append(db, &e);
    crmi_buf_free(&after);
    return rc;
}

int crmi_ticket_event(crm_db *db, const crmi_ticket *t, const char *kind, const char *from,
                      const char *to, const char *note)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_EVENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, t->id);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    crmi_bind_text(st, 3, crmi_actor_name(db));
    crmi_bind_text(st, 4, kind);
    crmi_bind_text(st, 5, from);
    crmi_bind_text(st, 6, to);
    crmi_bind_text(st, 7, note);
    int rc = crmi_exec_stmt(db, st, "record ticket event");
    return rc ? rc : audit_event(db, t, kind, from, to, note);
}

int crmi_error_recode(crm_db *db, int code, const char *prefix)
{
    char why[sizeof db->errmsg];
    snprintf(why, sizeof why, "%s", crm_db_errmsg(db));
    return prefix ? crmi_error(db, code, "%s: %s", prefix, why) : crmi_error(db, code, "%s", why);
}
