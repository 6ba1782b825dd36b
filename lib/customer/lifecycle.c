/* The deletion lifecycle (request, four-eyes approval, restriction, purge
 * when retention ends) and relationship-manager assignment. */
#include "customer/customer_int.h"
#include "complaint/complaint_int.h"
#include "segment/segment_int.h"

#include <stdio.h>
#include <string.h>

/* Anti-money-laundering retention: five years after the relationship ends
 * (five calendar years, leap days included). */
#define RETENTION_SECONDS (1827LL * 86400)

static int require_reason(crm_db *db, const char *reason)
{
    if (!reason || !*reason)
        return crmi_error(db, CRM_E_INVALID_ARG, "a reason is required");
    return crmi_validate_text(db, "reason", reason, 500);
}

static int audit_event(crm_db *db, const char *action, const char *entity, const char *id,
                       const char *reason, const char *after)
{
    crmi_audit_entry e = {.action = action,
                          .entity = entity,
                          .entity_id = id,
                          .reason = reason,
                          .after = after};
    return crmi_audit_append(db, &e);
}

/* Checks, finds the visible customer and opens the transaction: the common
 * start of every lifecycle call. */
static int begin_on_customer(crm_db *db, crmi_op op, const char *customer_no, const char *reason,
                             int64_t *id)
{
    if (!db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, op);
    if (!rc)
        rc = require_reason(db, reason);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, id, NULL);
    return rc ? rc : crmi_txn_begin(db);
}

static const char SQL_REQUEST[] =
    "UPDATE crm_customer SET deletion_requested_by = ?1, deletion_requested_at = ?2,"
    " deletion_reason = ?3, version = version + 1, updated_at = ?2"
    " WHERE id = ?4 AND status = 'active' AND deletion_requested_at IS NULL";

static int request(crm_db *db, int64_t id, const char *customer_no, const char *reason)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_REQUEST);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, db->actor->user_id);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    crmi_bind_text(st, 3, reason);
    sqlite3_bind_int64(st, 4, id);
    int rc = crmi_exec_stmt(db, st, "request deletion");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_STATE, "customer %s: deletion already requested or approved",
                        customer_no);
    return rc ? rc : audit_event(db, "customer.delete_request", "customer", customer_no, reason,
                                 NULL);
}

CRM_EXTERN(int) crm_customer_delete_request(crm_db *db, const char *customer_no,
                                            const char *reason)
{
    int64_t id;
    int rc = begin_on_customer(db, CRMI_OP_CUSTOMER_DELETE, customer_no, reason, &id);
    return rc ? rc : crmi_txn_end(db, request(db, id, customer_no, reason));
}

static const char SQL_REQUESTER[] =
    "SELECT deletion_requested_by FROM crm_customer WHERE id = ? AND status = 'active'"
    " AND deletion_requested_at IS NOT NULL";
static const char SQL_APPROVE[] =
    "UPDATE crm_customer SET status = 'restricted', relationship_ended_at = ?1,"
    " version = version + 1, updated_at = ?1 WHERE id = ?2";

static int approve(crm_db *db, int64_t id, const char *customer_no, const char *reason)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_REQUESTER);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int step = crmi_step(st);
    int64_t requester = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_error(db, CRM_E_STATE, "customer %s: no pending deletion request",
                          customer_no);
    if (requester == db->actor->user_id)
        return crmi_error(db, CRM_E_PERMISSION,
                          "customer %s: the requester cannot approve their own request",
                          customer_no);
    if (!(st = crmi_stmt(db, SQL_APPROVE)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, crm_db_now(db));
    sqlite3_bind_int64(st, 2, id);
    int rc = crmi_exec_stmt(db, st, "approve deletion");
    if (!rc)
        rc = crmi_segment_customer_changed(db, id);
    return rc ? rc : audit_event(db, "customer.delete_approve", "customer", customer_no, reason,
                                 "{\"status\":\"restricted\"}");
}

CRM_EXTERN(int) crm_customer_delete_approve(crm_db *db, const char *customer_no,
                                            const char *reason)
{
    int64_t id;
    int rc = begin_on_customer(db, CRMI_OP_CUSTOMER_APPROVE, customer_no, reason, &id);
    return rc ? rc : crmi_txn_end(db, approve(db, id, customer_no, reason));
}

/* ------------------------------------------------------------------ purge */

static const char SQL_DUE[] =
    "SELECT id, customer_no FROM crm_customer WHERE status = 'restricted'"
    " AND relationship_ended_at <= ?";
static const char SQL_SHRED_KEY[] = "DELETE FROM crm_customer_key WHERE customer_id = ?";
static const char SQL_SHRED_EXT[] = "DELETE FROM crm_customer_ext WHERE customer_id = ?";
static const char SQL_SHRED_GRAMS[] = "DELETE FROM crm_customer_name_gram WHERE customer_id = ?";
static const char SQL_SHRED_ROW[] =
    "UPDATE crm_customer SET name = '(purged)', id_number = NULL, id_number_idx = NULL,"
    " id_number_masked = NULL, gender = NULL, birth_date = NULL, phone = NULL, phone_idx = NULL,"
    " phone_masked = NULL, email = NULL, email_idx = NULL, email_masked = NULL, address = NULL,"
    " address_masked = NULL, card_number = NULL, card_number_idx = NULL,"
    " card_number_masked = NULL, city = NULL, province = NULL, occupation = NULL,"
    " annual_income = NULL, total_assets = NULL, risk_level = NULL, risk_assessed_at = NULL,"
    " manager_id = NULL, consent_sms = 0, consent_email = 0, consent_phone = 0,"
    " deletion_reason = NULL, status = 'purged', version = version + 1, updated_at = ?2"
    " WHERE id = ?1";

static int shred(crm_db *db, int64_t id, const char *customer_no)
{
    const char *steps[] = {SQL_SHRED_KEY, SQL_SHRED_EXT, SQL_SHRED_GRAMS, SQL_SHRED_ROW};
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = crmi_stmt(db, steps[i]);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, id);
        if (steps[i] == SQL_SHRED_ROW)
            sqlite3_bind_int64(st, 2, crm_db_now(db));
        rc = crmi_exec_stmt(db, st, "purge customer");
    }
    if (!rc)
        rc = crmi_complaint_customer_purged(db, id);
    if (!rc)
        rc = crmi_segment_customer_changed(db, id);
    return rc ? rc : audit_event(db, "customer.purge", "customer", customer_no, NULL,
                                 "{\"status\":\"purged\"}");
}

static int purge_all_due(crm_db *db, int64_t *purged)
{
    sqlite3_stmt *due = crmi_prepare(db, SQL_DUE);
    if (!due)
        return db->errcode;
    sqlite3_bind_int64(due, 1, crm_db_now(db) - RETENTION_SECONDS);
    int rc = CRM_OK;
    while (!rc && crmi_step(due) == SQLITE_ROW) {
        rc = shred(db, sqlite3_column_int64(due, 0), (const char *)sqlite3_column_text(due, 1));
        if (!rc)
            (*purged)++;
    }
    sqlite3_finalize(due);
    return rc;
}

CRM_EXTERN(int) crm_customer_purge_due(int64_t *out_purged, crm_db *db)
{
    if (!out_purged || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "purge: NULL argument");
    crmi_error_clear(db);
    int64_t purged = 0;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_PURGE);
    if (!rc && db->txn_level > 0)
        rc = crmi_error(db, CRM_E_STATE, "purge runs outside host transactions (it must "
                                         "checkpoint the WAL after committing)");
    /* Zeroes freed cells and index entries as they are deleted. */
    if (!rc)
        rc = crmi_exec(db, "PRAGMA secure_delete = ON", "secure delete");
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, purge_all_due(db, &purged));
    crmi_exec(db, "PRAGMA secure_delete = OFF", "secure delete");
    /* Earlier page images of the purged rows live in the WAL until it is
     * checkpointed and truncated. */
    if (!rc && purged > 0 &&
        sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
            SQLITE_OK)
        rc = crmi_error(db, CRM_E_BUSY,
                        "purged %lld customers, but other connections kept the WAL from being "
                        "truncated: run purge again when they are idle",
                        (long long)purged);
    if (!rc || rc == CRM_E_BUSY)
        *out_purged = purged;
    return rc;
}

/* ------------------------------------------------------------ assignment */

CRM_EXTERN(int) crm_customer_assign(crm_db *db, const char *customer_no, const char *manager,
                                    const char *reason)
{
    int64_t id;
    int rc = begin_on_customer(db, CRMI_OP_CUSTOMER_APPROVE, customer_no, reason, &id);
    if (rc)
        return rc;
    crmi_customer c = {.set = 1ull << CRMI_F_MANAGER, .reason = reason};
    if (manager && !(c.manager = crmi_strdup(manager)))
        return crmi_txn_end(db, crmi_error(db, CRM_E_NOMEM, "out of memory"));
    rc = crmi_txn_end(db, crmi_customer_change(db, id, customer_no, &c, -1));
    crmi_customer_clear(&c);
    return rc;
}

static const char SQL_RM[] =
    "SELECT u.id, b.path FROM crm_user u JOIN crm_branch b ON b.id = u.branch_id"
    " WHERE u.name = ? AND u.status = 'active' AND (u.roles & ?) <> 0";
static const char SQL_MOVE[] =
    "UPDATE crm_customer SET manager_id = ?1, version = version + 1, updated_at = ?2"
    " WHERE manager_id = ?3 AND status <> 'purged' RETURNING id";

/* An active relationship manager the actor may manage. */
static int find_rm(crm_db *db, const char *login, int64_t *id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_RM);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, login);
    sqlite3_bind_int(st, 2, CRM_ROLE_RELATIONSHIP_MANAGER);
    int rc = CRM_OK;
    if (crmi_step(st) != SQLITE_ROW)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "no active relationship manager %.64s", login);
    else if (!crmi_access_branch_visible(db, (const char *)sqlite3_column_text(st, 1)))
        rc = crmi_error(db, CRM_E_PERMISSION, "%.64s works outside user '%s''s branch", login,
                        db->actor->name);
    else
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

/* Moves the rows and collects their ids (the live segments of each are
 * looked at again once the statement is done). */
static int move_rows(crm_db *db, int64_t from_id, int64_t to_id, int64_t **ids, int64_t *moved)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MOVE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, to_id);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    sqlite3_bind_int64(st, 3, from_id);
    size_t cap = 0;
    int step, rc = CRM_OK;
    *moved = 0;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        if ((size_t)*moved == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *grown = crmi_realloc(*ids, cap * sizeof *grown);
            if (!grown) {
                rc = crmi_error(db, CRM_E_NOMEM, "move book: out of memory");
                break;
            }
            *ids = grown;
        }
        (*ids)[(*moved)++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "move book");
    sqlite3_reset(st);
    return rc;
}

static int move_book(crm_db *db, const char *from, const char *to, const char *reason,
                     int64_t *moved)
{
    int64_t from_id, to_id, *ids = NULL;
    int rc = find_rm(db, from, &from_id);
    if (!rc)
        rc = find_rm(db, to, &to_id);
    if (!rc)
        rc = move_rows(db, from_id, to_id, &ids, moved);
    for (int64_t i = 0; !rc && i < *moved; i++)
        rc = crmi_segment_customer_changed(db, ids[i]);
    crm_free(ids);
    if (rc)
        return rc;
    char after[160];
    snprintf(after, sizeof after, "{\"to\":\"%.64s\",\"moved\":%lld}", to, (long long)*moved);
    return audit_event(db, "customer.move_book", "user", from, reason, after);
}

CRM_EXTERN(int) crm_customer_move_book(int64_t *out_moved, crm_db *db, const char *from_manager,
                                       const char *to_manager, const char *reason)
{
    if (!out_moved || !db || !from_manager || !to_manager)
        return crmi_error(db, CRM_E_INVALID_ARG, "move book: NULL argument");
    crmi_error_clear(db);
    int64_t moved = 0;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_APPROVE);
    if (!rc)
        rc = require_reason(db, reason);
    if (!rc && strcmp(from_manager, to_manager) == 0)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "from and to are the same manager");
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = crmi_txn_end(db, move_book(db, from_manager, to_manager, reason, &moved));
    if (!rc)
        *out_moved = moved;
    return rc;
}
