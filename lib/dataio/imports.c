/* What importing customers, transactions and holdings adds to the engine:
 * customers go through the customer module's validation and store
 * (encrypted, blind-indexed, audited), transactions through crm_txn_add's
 * store (and its alert check), holdings through crm_holding_set's. */
#include "customer/customer_int.h"
#include "product/product_int.h"
#include "dataio/dataio_int.h"

#include <stdio.h>
#include <string.h>

static const crmi_dup_policy dup_policies[] = {
    [CRM_DUPLICATE_ERROR] = CRMI_DUP_ERROR,
    [CRM_DUPLICATE_SKIP] = CRMI_DUP_SKIP,
    [CRM_DUPLICATE_UPDATE] = CRMI_DUP_UPDATE,
};

static const char SQL_BY_NO[] = "SELECT id FROM crm_customer WHERE customer_no = ?";
static const char SQL_BY_ID_NUMBER[] =
    "SELECT id, customer_no FROM crm_customer WHERE id_number_idx = ? AND status <> 'purged'";

/* The stored customer a row collides with: by customer_no, else by ID number. */
static int find_collision(crm_db *db, const crmi_customer *c, int64_t *id, char *no, size_t size,
                          bool *by_no)
{
    *id = 0;
    *by_no = true;
    sqlite3_stmt *st = crmi_stmt(db, SQL_BY_NO);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, c->customer_no);
    if (crmi_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        snprintf(no, size, "%s", c->customer_no);
    }
    sqlite3_reset(st);
    const char *id_number = c->personal[CRMI_PF_ID_NUMBER];
    if (*id || !id_number)
        return CRM_OK;
    *by_no = false;
    if (!(st = crmi_stmt(db, SQL_BY_ID_NUMBER)))
        return db->errcode;
    int rc = crmi_bind_blind_index(db, st, 1, "id_number", id_number);
    if (!rc && crmi_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        snprintf(no, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return rc;
}

/* Rewrites the store's conflict message to name the column and say whether
 * the other row came from this file; another branch's customer is not
 * named. */
static int explain_duplicate(crmi_import *x, const crmi_customer *c)
{
    crm_db *db = x->db;
    char saved[sizeof db->errmsg], no[64];
    snprintf(saved, sizeof saved, "%s", db->errmsg);
    int64_t id, visible_id;
    bool by_no;
    int rc = find_collision(db, c, &id, no, sizeof no, &by_no);
    if (rc || id == 0)
        return rc ? rc : crmi_error(db, CRM_E_CONFLICT, "%s", saved);
    const char *column = by_no ? "customer_no" : "id_number";
    if (id > x->start_max_id)
        return crmi_error(db, CRM_E_CONFLICT,
                          "field %s: duplicate of an earlier row of this file (customer %s)",
                          column, no);
    if (crmi_customer_find(db, no, &visible_id, NULL) != CRM_OK)
        return crmi_error(db, CRM_E_CONFLICT, "field %s: another customer already has this %s",
                          column, by_no ? "customer_no" : "ID number");
    return crmi_error(db, CRM_E_CONFLICT, "field %s: customer %s already has this %s", column, no,
                      by_no ? "customer_no" : "ID number");
}

/* The store's outcome as the engine counts it. */
static crmi_import_outcome outcome_of(crmi_store_outcome stored)
{
    return stored == CRMI_UPDATED   ? CRMI_IMPORT_UPDATED
           : stored == CRMI_SKIPPED ? CRMI_IMPORT_SKIPPED
                                    : CRMI_IMPORT_INSERTED;
}

/* No savepoint per row: crmi_customer_store refuses a row (duplicate,
 * unknown branch or manager, placement) before its first write or at it,
 * where SQLite's statement rollback undoes the write; a savepoint per row
 * costs more than the rest of the row's SQL (its sub-journal is allocated
 * and freed each time). Later failures are I/O or memory errors, which roll
 * back the whole batch. */
static int store_customer(crmi_import *x, const crm_record *rec, crmi_import_outcome *outcome)
{
    crm_db *db = x->db;
    crmi_customer c;
    int rc = crmi_customer_validate(db, rec, false, &c);
    if (rc)
        return rc;
    crmi_store_outcome stored = CRMI_INSERTED;
    rc = crmi_customer_store(db, &c, dup_policies[x->opts.on_duplicate], &stored);
    if (rc == CRM_E_CONFLICT)
        rc = explain_duplicate(x, &c);
    crmi_customer_clear(&c);
    *outcome = outcome_of(stored);
    return rc;
}

static const crmi_import_kind customer_kind = {
    .audit_action = "customer.import",
    .op = CRMI_OP_CUSTOMER_IMPORT,
    .columns = &crmi_customer_columns,
    .store = store_customer,
};

CRM_EXTERN(int)
crm_customer_import(crm_import_stats *stats, crm_db *db, const char *path,
                    const crm_import_options *opts)
{
    return crmi_import_run(stats, db, path, opts, &customer_kind);
}

/* Rows a module validates and stores itself (transactions, holdings): the
 * import's duplicate policy in, the engine's outcome out. */
typedef int (*module_store)(crm_db *db, const crm_record *row, crmi_dup_policy dup,
                            crmi_store_outcome *outcome);

static int store_with(crmi_import *x, const crm_record *rec, crmi_import_outcome *outcome,
                      module_store store)
{
    crmi_store_outcome stored = CRMI_INSERTED;
    int rc = store(x->db, rec, dup_policies[x->opts.on_duplicate], &stored);
    *outcome = outcome_of(stored);
    return rc;
}

/* A ref already stored (by an earlier import or an earlier row of this
 * file) is refused, skipped or written over per on_duplicate, so importing
 * the same feed twice does not double it. */
static int store_txn(crmi_import *x, const crm_record *rec, crmi_import_outcome *outcome)
{
    return store_with(x, rec, outcome, crmi_txn_store);
}

static const crmi_import_kind txn_kind = {
    .audit_action = "txn.import",
    .op = CRMI_OP_TXN_WRITE,
    .columns = &crmi_txn_columns,
    .store = store_txn,
};

CRM_EXTERN(int)
crm_txn_import(crm_import_stats *stats, crm_db *db, const char *path,
               const crm_import_options *opts)
{
    return crmi_import_run(stats, db, path, opts, &txn_kind);
}

static int store_holding(crmi_import *x, const crm_record *rec, crmi_import_outcome *outcome)
{
    return store_with(x, rec, outcome, crmi_holding_store);
}

static const crmi_import_kind holding_kind = {
    .audit_action = "holding.import",
    .op = CRMI_OP_TXN_WRITE,
    .columns = &crmi_holding_columns,
    .store = store_holding,
};

CRM_EXTERN(int)
crm_holding_import(crm_import_stats *stats, crm_db *db, const char *path,
                   const crm_import_options *opts)
{
    return crmi_import_run(stats, db, path, opts, &holding_kind);
}
