/* Leads ("sandbox operation"): the target group handed to relationship
 * managers as tasks with due dates, their lists, and the outcomes they
 * record. */
#include "campaign/campaign_int.h"
#include "product/product_int.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400

/* The customers with an active RM of their own: one set-based insert. */
static const char SQL_OWN_RM[] =
    "INSERT INTO crm_lead (campaign_id, customer_id, rm_id, branch_id, due_at, created_at,"
    " updated_at) SELECT ?1, t.customer_id, c.manager_id, c.branch_id, ?2, ?3, ?3"
    " FROM crm_campaign_target t JOIN crm_customer c ON c.id = t.customer_id"
    " JOIN crm_user u ON u.id = c.manager_id AND u.status = 'active'"
    " WHERE t.campaign_id = ?1 AND t.grp = 'target' AND c.status = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.campaign_id = ?1"
    "   AND l.customer_id = t.customer_id)";
/* The rest, by branch, for balancing. */
static const char SQL_UNASSIGNED[] =
    "SELECT t.customer_id, c.branch_id FROM crm_campaign_target t"
    " JOIN crm_customer c ON c.id = t.customer_id"
    " WHERE t.campaign_id = ?1 AND t.grp = 'target' AND c.status = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.campaign_id = ?1"
    "   AND l.customer_id = t.customer_id) ORDER BY c.branch_id, t.customer_id";
static const char SQL_BRANCH_RMS[] =
    "SELECT u.id, (SELECT count(*) FROM crm_lead l WHERE l.rm_id = u.id AND l.status = 'open')"
    " FROM crm_user u WHERE u.branch_id = ?1 AND u.status = 'active' AND (u.roles & ?2) <> 0"
    " ORDER BY u.id";
static const char SQL_ADD_LEAD[] =
    "INSERT INTO crm_lead (campaign_id, customer_id, rm_id, branch_id, due_at, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char SQL_TARGET_SIZE[] =
    "SELECT count(*) FROM crm_campaign_target WHERE campaign_id = ?1 AND grp = 'target'";

typedef struct rm_load {
    int64_t id, open;
} rm_load;

typedef struct branch_rms {
    int64_t branch_id;
    rm_load *rms;
    size_t n, cap;
} branch_rms;

static int load_branch(crm_db *db, branch_rms *b, int64_t branch_id)
{
    b->branch_id = branch_id;
    b->n = 0;
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH_RMS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, branch_id);
    sqlite3_bind_int64(st, 2, CRM_ROLE_RELATIONSHIP_MANAGER);
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 8;
            rm_load *grown = crmi_realloc(b->rms, cap * sizeof *grown);
            if (!grown) {
                rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
                break;
            }
            b->rms = grown;
            b->cap = cap;
        }
        b->rms[b->n++] = (rm_load){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    }
    sqlite3_reset(st);
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "branch RMs");
    return rc;
}

/* The RM with the fewest open leads (the lowest id on a tie). */
static rm_load *least_loaded(branch_rms *b)
{
    rm_load *best = NULL;
    for (size_t i = 0; i < b->n; i++)
        if (!best || b->rms[i].open < best->open)
            best = &b->rms[i];
    return best;
}

static int add_lead(crm_db *db, const crmi_campaign *c, int64_t customer_id, rm_load *rm,
                    int64_t branch_id, int64_t due)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ADD_LEAD);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, customer_id);
    sqlite3_bind_int64(st, 3, rm->id);
    sqlite3_bind_int64(st, 4, branch_id);
    sqlite3_bind_int64(st, 5, due);
    sqlite3_bind_int64(st, 6, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "add lead");
    if (!rc)
        rm->open++;
    return rc;
}

/* Customers whose branch has no RM stay without a lead (counted skipped). */
static int balance(crm_db *db, const crmi_campaign *c, int64_t due, int64_t *created)
{
    sqlite3_stmt *st = crmi_prepare(db, SQL_UNASSIGNED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    branch_rms b = {.branch_id = -1};
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        int64_t customer = sqlite3_column_int64(st, 0), branch = sqlite3_column_int64(st, 1);
        if (branch != b.branch_id && (rc = load_branch(db, &b, branch)))
            break;
        rm_load *rm = least_loaded(&b);
        if (rm && !(rc = add_lead(db, c, customer, rm, branch, due)))
            (*created)++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "unassigned targets");
    sqlite3_finalize(st);
    crm_free(b.rms);
    return rc;
}

static int target_size(crm_db *db, const crmi_campaign *c, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_TARGET_SIZE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "target size");
}

static int dispatch(crm_db *db, const crmi_campaign *c, int64_t *created, int64_t *skipped)
{
    int64_t due = crm_db_now(db) + c->lead_due_days * DAY, size = 0;
    int rc = target_size(db, c, &size);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_OWN_RM);
    if (!rc && !st)
        rc = db->errcode;
    if (!rc) {
        sqlite3_bind_int64(st, 1, c->id);
        sqlite3_bind_int64(st, 2, due);
        sqlite3_bind_int64(st, 3, crm_db_now(db));
        rc = crmi_exec_stmt(db, st, "leads to own RMs");
    }
    *created = rc ? 0 : sqlite3_changes(db->sql);
    if (!rc)
        rc = balance(db, c, due, created);
    *skipped = size - *created;
    if (!rc) {
        crmi_buf after = {0};
        crmi_buf_printf(&after, "{\"created\":%lld,\"skipped\":%lld}", (long long)*created,
                        (long long)*skipped);
        rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "out of memory")
                          : crmi_campaign_audit(db, c, "campaign.dispatch", NULL, after.data);
        crmi_buf_free(&after);
    }
    return rc;
}

static const char *const dispatchable[] = {"approved", "scheduled", "running", "paused", NULL};

CRM_EXTERN(int)
crm_campaign_dispatch(int64_t *out_created, int64_t *out_skipped, crm_db *db, const char *code)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign dispatch: NULL argument");
    crmi_error_clear(db);
    crmi_campaign c;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    if (!rc)
        rc = crmi_campaign_require_status(db, &c, dispatchable, "leads go out once approved");
    if (!rc && !c.targeted)
        rc = crmi_error(db, CRM_E_STATE, "campaign %s: build the target list first", c.code);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    int64_t created = 0, skipped = 0;
    rc = crmi_txn_end(db, dispatch(db, &c, &created, &skipped));
    if (!rc && out_created)
        *out_created = created;
    if (!rc && out_skipped)
        *out_skipped = skipped;
    return rc;
}

/* ------------------------------------------------------------ the lists */

/* A lead is the actor's when it is assigned to them, or its customer is in
 * their customer scope (a branch manager's subtree, everyone for admins). */
#define LEAD_SCOPE "(l.rm_id = :scope_uid OR (" CRMI_CUSTOMER_SCOPE "))"

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

static const char SQL_LEADS[] =
    "SELECT l.id, k.code AS campaign, l.occasion, c.customer_no, c.name AS customer_name,"
    " u.name AS rm, lb.code AS branch, " ISO(
        "l.due_at") " AS due_at, l.status, l.amount, l.note,"
                    " (l.status IN ('open', 'contacted', 'interested') AND l.due_at < :now) AS "
                    "overdue"
                    " FROM crm_lead l JOIN crm_customer c ON c.id = l.customer_id"
                    " JOIN crm_branch b ON b.id = c.branch_id JOIN crm_branch lb ON lb.id = "
                    "l.branch_id"
                    " JOIN crm_user u ON u.id = l.rm_id LEFT JOIN crm_campaign k ON k.id = "
                    "l.campaign_id"
                    " WHERE " LEAD_SCOPE " AND (:campaign IS NULL OR k.code = :campaign)"
                    " AND (:status IS NULL OR l.status = :status) AND (:rm IS NULL OR u.name = :rm)"
                    " AND (:due_before IS NULL OR l.due_at < :due_before)"
                    " ORDER BY l.due_at, l.id LIMIT :limit";

static int lead_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    if (!rc)
        rc = crmi_record_as_money(rec, "amount");
    for (int i = 0; !rc && i < sqlite3_column_count(st); i++)
        if (sqlite3_column_type(st, i) == SQLITE_NULL)
            rc = crm_record_unset(rec, sqlite3_column_name(st, i));
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "read lead: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

static const char *const lead_statuses[] = {"open", "contacted", "interested", "declined",
                                            "converted"};
static const crmi_enum lead_status_enum = {lead_statuses, 5,
                                           "open, contacted, interested, declined, converted"};

CRM_EXTERN(int) crm_lead_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "lead list: NULL argument");
    crmi_error_clear(db);
    static const char *const known[] = {"campaign", "status", "rm", "due_before", "limit"};
    const char *campaign = NULL, *status = NULL, *rm = NULL;
    bool has_due = false;
    int64_t due = 0, limit;
    int rc = crmi_access_require(db, CRMI_OP_LEAD_READ);
    if (!rc)
        rc = crmi_filter_check(db, filter, known, 5, "lead list");
    if (!rc)
        rc = crmi_filter_text(db, filter, "campaign", "lead list", &campaign);
    if (!rc)
        rc = crmi_filter_enum(db, filter, "status", &lead_status_enum, "lead list", &status);
    if (!rc)
        rc = crmi_filter_text(db, filter, "rm", "lead list", &rm);
    if (!rc)
        rc = crmi_filter_time(db, filter, "due_before", "lead list", &has_due, &due);
    if (!rc)
        rc = crmi_filter_limit(db, filter, "lead list", &limit);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LEADS);
    if (rc || !st)
        return rc ? rc : db->errcode;
    crmi_customer_scope_bind(db, st);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), crm_db_now(db));
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":campaign"), campaign);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":status"), status);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":rm"), rm);
    if (has_due)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":due_before"), due);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
    return crmi_iter_new(out, db, st, lead_row, NULL, NULL);
}

/* ------------------------------------------------------------- outcomes */

static const char SQL_LEAD_FIND[] =
    "SELECT l.status, l.campaign_id, l.customer_id, l.rm_id FROM crm_lead l"
    " JOIN crm_customer c ON c.id = l.customer_id JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE l.id = :id AND " LEAD_SCOPE;
static const char SQL_LEAD_SET[] = "UPDATE crm_lead SET status = ?2, amount = ?3,"
                                   " note = coalesce(?4, note), updated_at = ?5 WHERE id = ?1";
static const char SQL_TARGET_CONVERTED[] =
    "UPDATE crm_campaign_target SET status = 'converted', converted_at = ?3,"
    " conversion_amount = ?4 WHERE campaign_id = ?1 AND customer_id = ?2";

typedef struct lead_row_data {
    char status[16];
    int64_t campaign_id, customer_id, rm_id;
    bool has_campaign;
} lead_row_data;

static int find_lead(crm_db *db, int64_t id, lead_row_data *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LEAD_FIND);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), id);
    crmi_customer_scope_bind(db, st);
    int step = crmi_step(st);
    if (step == SQLITE_ROW) {
        snprintf(out->status, sizeof out->status, "%s", (const char *)sqlite3_column_text(st, 0));
        out->has_campaign = sqlite3_column_type(st, 1) != SQLITE_NULL;
        out->campaign_id = sqlite3_column_int64(st, 1);
        out->customer_id = sqlite3_column_int64(st, 2);
        out->rm_id = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE
               ? crmi_error(db, CRM_E_NOT_FOUND, "lead %lld: no such lead", (long long)id)
               : crmi_sqlite_error(db, step, "find lead");
}

static int record_outcome(crm_db *db, int64_t id, const lead_row_data *lead, const char *outcome,
                          int64_t amount, const char *note)
{
    bool converted = strcmp(outcome, "converted") == 0;
    sqlite3_stmt *st = crmi_stmt(db, SQL_LEAD_SET);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    crmi_bind_text(st, 2, outcome);
    if (converted)
        sqlite3_bind_int64(st, 3, amount);
    crmi_bind_text(st, 4, note);
    sqlite3_bind_int64(st, 5, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "lead outcome");
    if (!rc && converted && lead->has_campaign) {
        if (!(st = crmi_stmt(db, SQL_TARGET_CONVERTED)))
            return db->errcode;
        sqlite3_bind_int64(st, 1, lead->campaign_id);
        sqlite3_bind_int64(st, 2, lead->customer_id);
        sqlite3_bind_int64(st, 3, crm_db_now(db));
        sqlite3_bind_int64(st, 4, amount);
        rc = crmi_exec_stmt(db, st, "target converted");
    }
    if (rc)
        return rc;
    char entity[32], before[48], after[96];
    snprintf(entity, sizeof entity, "%lld", (long long)id);
    snprintf(before, sizeof before, "{\"status\":\"%s\"}", lead->status);
    if (converted)
        snprintf(after, sizeof after, "{\"status\":\"%s\",\"amount\":%lld}", outcome,
                 (long long)amount);
    else
        snprintf(after, sizeof after, "{\"status\":\"%s\"}", outcome);
    crmi_audit_entry e = {.action = "lead.outcome",
                          .entity = "lead",
                          .entity_id = entity,
                          .before = before,
                          .after = after};
    return crmi_audit_append(db, &e);
}

CRM_EXTERN(int)
crm_lead_outcome(crm_db *db, int64_t lead_id, const char *outcome, int64_t amount, const char *note)
{
    if (!db || !outcome)
        return crmi_error(db, CRM_E_INVALID_ARG, "lead outcome: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_LEAD_WRITE);
    if (rc)
        return rc;
    int index = crmi_enum_find(&lead_status_enum, outcome);
    if (index <= 0)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "field outcome: %.20s is not one of contacted, interested, declined, "
                          "converted",
                          outcome);
    if (strcmp(outcome, "converted") == 0 && amount < 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "field amount: must not be negative");
    if (note && (rc = crmi_validate_text(db, "note", note, 500)))
        return rc;
    lead_row_data lead;
    if ((rc = find_lead(db, lead_id, &lead)))
        return rc;
    if ((db->actor->roles & (CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER)) == 0 &&
        lead.rm_id != db->actor->user_id)
        return crmi_error(db, CRM_E_NOT_FOUND, "lead %lld: no such lead among yours",
                          (long long)lead_id);
    if (strcmp(lead.status, "converted") == 0)
        return crmi_error(db, CRM_E_STATE, "lead %lld: cannot go from converted to %s",
                          (long long)lead_id, outcome);
    if ((rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, record_outcome(db, lead_id, &lead, outcome, amount, note));
}
