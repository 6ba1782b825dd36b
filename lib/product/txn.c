/* Transactions: the core-banking feed, the largest table. One cached
 * INSERT ... SELECT resolves the customer (within the actor's scope) and the
 * product and stores the row, so a bulk load costs one statement per row;
 * the alert rules then run over the stored row in the same transaction. */
#include "alert/alert_int.h"
#include "customer/customer_int.h"
#include "product/product_int.h"
#include "segment/segment_int.h"

#include <string.h>

#define TXN_FUTURE_SLACK 86400 /* a feed's clock may run ahead of ours by a day */
#define TXN_REF_MAX 64

/* A validated transaction; texts borrow the caller's record. */
typedef struct txn_input {
    const char *customer_no, *product_code, *type, *channel, *ref;
    int64_t amount, at;
} txn_input;

typedef struct stored_ref {
    int64_t txn_id, customer_id;
} stored_ref;

static int validate_time(crm_db *db, const crm_record *rec, txn_input *t)
{
    bool present;
    int64_t now = crm_db_now(db);
    int rc = crmi_field_time(db, rec, "time", &present, &t->at);
    if (rc)
        return rc;
    if (!present)
        t->at = now;
    else if (t->at > now + TXN_FUTURE_SLACK)
        return crmi_error(db, CRM_E_INVALID_DATA, "field time: more than a day in the future");
    return CRM_OK;
}

/* The core-banking reference: printable ASCII, so it prints and compares
 * the same everywhere. */
static int validate_ref(crm_db *db, const crm_record *rec, txn_input *t)
{
    int rc = crmi_record_text(db, rec, "ref", false, &t->ref);
    if (rc || !t->ref)
        return rc;
    size_t n = strlen(t->ref);
    if (n == 0 || n > TXN_REF_MAX)
        return crmi_error(db, CRM_E_INVALID_DATA, "field ref: 1..%d characters", TXN_REF_MAX);
    for (size_t i = 0; i < n; i++)
        if (t->ref[i] <= ' ' || t->ref[i] > '~')
            return crmi_error(db, CRM_E_INVALID_DATA,
                              "field ref: printable ASCII without spaces only");
    return CRM_OK;
}

static int validate_txn(crm_db *db, const crm_record *rec, txn_input *t)
{
    static const char *const known[] = {"customer_no", "product_code", "type", "amount",
                                        "channel",     "time",         "ref"};
    int rc =
        crmi_record_check_fields(db, rec, known, sizeof known / sizeof known[0], "transaction");
    if (!rc)
        rc = crmi_record_text(db, rec, "customer_no", true, &t->customer_no);
    if (!rc)
        rc = crmi_validate_code(db, "customer_no", t->customer_no, 32);
    if (!rc)
        rc = crmi_record_text(db, rec, "product_code", false, &t->product_code);
    if (!rc && t->product_code)
        rc = crmi_validate_code(db, "product_code", t->product_code, 32);
    if (!rc)
        rc = crmi_field_enum(db, rec, "type", &crmi_txn_types, true, &t->type);
    if (!rc)
        rc = crmi_field_money(db, rec, "amount", 1, &t->amount);
    if (!rc)
        rc = crmi_field_enum(db, rec, "channel", &crmi_txn_channels, true, &t->channel);
    if (!rc)
        rc = validate_ref(db, rec, t);
    return rc ? rc : validate_time(db, rec, t);
}

/* Numbered parameters come before the scope's named ones, which SQLite
 * numbers after the highest seen so far. (No RETURNING: SQLite gathers
 * returned rows in a temporary b-tree, which costs more than the insert.) */
static const char SQL_INSERT[] =
    "INSERT INTO crm_txn (customer_id, product_id, type, amount, channel, at, ref)"
    " SELECT c.id, p.id, ?3, ?4, ?5, ?6, ?7 FROM crm_customer c"
    " JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_product p ON p.code = ?2"
    " WHERE c.customer_no = ?1 AND (?2 IS NULL OR p.id IS NOT NULL) AND" CRMI_CUSTOMER_SCOPE;

/* The same row written over a stored transaction with the same ref (?7
 * named first so that the scope's parameters number after it). */
static const char SQL_UPDATE[] =
    "UPDATE crm_txn SET ref = ?7, customer_id = s.cid, product_id = s.pid, type = ?3, amount = ?4,"
    " channel = ?5, at = ?6 FROM (SELECT c.id AS cid, p.id AS pid FROM crm_customer c"
    " JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_product p ON p.code = ?2"
    " WHERE c.customer_no = ?1 AND (?2 IS NULL OR p.id IS NOT NULL) AND" CRMI_CUSTOMER_SCOPE
    ") AS s WHERE crm_txn.ref = ?7";

static const char SQL_BY_REF[] = "SELECT id, customer_id FROM crm_txn WHERE ref = ?1";

/* Says which of customer and product was missing when nothing was written. */
static int missing_reference(crm_db *db, const txn_input *t)
{
    int64_t product_id;
    int rc = t->product_code ? crmi_product_find(db, t->product_code, &product_id) : CRM_OK;
    return rc ? rc
              : crmi_error(db, CRM_E_NOT_FOUND, "field customer_no: no customer %.40s",
                           t->customer_no);
}

static int bind_txn(crm_db *db, sqlite3_stmt *st, const txn_input *t)
{
    crmi_bind_text(st, 1, t->customer_no);
    crmi_bind_text(st, 2, t->product_code);
    crmi_bind_text(st, 3, t->type);
    sqlite3_bind_int64(st, 4, t->amount);
    crmi_bind_text(st, 5, t->channel);
    sqlite3_bind_int64(st, 6, t->at);
    crmi_bind_text(st, 7, t->ref);
    crmi_customer_scope_bind(db, st);
    return CRM_OK;
}

static int duplicate_ref(crm_db *db, const txn_input *t)
{
    return crmi_error(db, CRM_E_CONFLICT, "field ref: transaction %.64s is already recorded",
                      t->ref);
}

/* Inserts the row and fills what the alert check needs. */
static int insert_row(crm_db *db, const txn_input *t, crmi_alert_txn *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT);
    if (!st)
        return db->errcode;
    bind_txn(db, st, t);
    int step = crmi_step(st);
    int rc = sqlite3_reset(st);
    if (step == SQLITE_DONE && sqlite3_changes(db->sql) == 0)
        return missing_reference(db, t);
    if (step == SQLITE_DONE) {
        *out = (crmi_alert_txn){.txn_id = sqlite3_last_insert_rowid(db->sql),
                                .amount = t->amount,
                                .at = t->at,
                                .type = t->type,
                                .channel = t->channel};
        return CRM_OK;
    }
    if (t->ref && (rc & 0xff) == SQLITE_CONSTRAINT)
        return duplicate_ref(db, t);
    return crmi_sqlite_error(db, rc, "insert transaction");
}

static int insert_txn(crm_db *db, const txn_input *t)
{
    crmi_alert_txn stored;
    int rc = insert_row(db, t, &stored);
    if (!rc)
        rc = crmi_alert_check_txn(db, &stored);
    return rc ? rc : crmi_segment_txn_added(db, stored.txn_id);
}

/* A corrected row may change its amount and even its customer: both the
 * old and the new customer's live segments are looked at again. */
static int update_txn(crm_db *db, const txn_input *t, const stored_ref *old)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_UPDATE);
    if (!st)
        return db->errcode;
    bind_txn(db, st, t);
    int rc = crmi_exec_stmt(db, st, "update transaction");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = missing_reference(db, t);
    if (!rc)
        rc = crmi_segment_customer_changed(db, old->customer_id);
    if (!rc)
        rc = crmi_segment_txn_added(db, old->txn_id);
    return rc;
}

/* The stored row with `ref`, or txn_id 0. */
static int ref_stored(crm_db *db, const char *ref, stored_ref *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BY_REF);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, ref);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? (stored_ref){sqlite3_column_int64(st, 0),
                                             sqlite3_column_int64(st, 1)}
                              : (stored_ref){0, 0};
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? CRM_OK
               : crmi_sqlite_error(db, step, "find transaction ref");
}

/* One row with its duplicate policy; the caller holds the transaction. */
static int store_txn(crm_db *db, const txn_input *t, crmi_dup_policy dup,
                     crmi_store_outcome *outcome)
{
    stored_ref old = {0, 0};
    *outcome = CRMI_INSERTED;
    int rc = t->ref && dup != CRMI_DUP_ERROR ? ref_stored(db, t->ref, &old) : CRM_OK;
    if (rc || !old.txn_id)
        return rc ? rc : insert_txn(db, t);
    *outcome = dup == CRMI_DUP_SKIP ? CRMI_SKIPPED : CRMI_UPDATED;
    return dup == CRMI_DUP_SKIP ? CRM_OK : update_txn(db, t, &old);
}

int crmi_txn_store(crm_db *db, const crm_record *txn, crmi_dup_policy dup,
                   crmi_store_outcome *outcome)
{
    txn_input t = {0};
    *outcome = CRMI_INSERTED;
    int rc = validate_txn(db, txn, &t);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, store_txn(db, &t, dup, outcome));
}

CRM_EXTERN(int) crm_txn_add(crm_db *db, const crm_record *txn)
{
    if (!db || !txn)
        return crmi_error(db, CRM_E_INVALID_ARG, "transaction add: NULL argument");
    crmi_error_clear(db);
    crmi_store_outcome outcome;
    int rc = crmi_access_require(db, CRMI_OP_TXN_WRITE);
    return rc ? rc : crmi_txn_store(db, txn, CRMI_DUP_ERROR, &outcome);
}

/* ---------------------------------------------------------------- reading */

static const char SQL_LIST[] =
    "SELECT t.id, ?6 AS customer_no, p.code AS product_code, p.name AS product_name, t.type,"
    " t.amount, t.channel, strftime('%Y-%m-%dT%H:%M:%SZ', t.at, 'unixepoch') AS time, t.ref"
    " FROM crm_txn t LEFT JOIN crm_product p ON p.id = t.product_id"
    " WHERE t.customer_id = ?1 AND (?2 IS NULL OR t.at >= ?2) AND (?3 IS NULL OR t.at < ?3)"
    " AND (?4 IS NULL OR t.type = ?4) ORDER BY t.at DESC, t.id DESC LIMIT ?5";

static int bind_list_filter(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    static const char *const known[] = {"since", "until", "type", "limit"};
    static const char what[] = "transaction list";
    bool has_since, has_until;
    int64_t since, until, limit;
    const char *type;
    int rc = crmi_filter_check(db, filter, known, sizeof known / sizeof known[0], what);
    if (!rc)
        rc = crmi_filter_time(db, filter, "since", what, &has_since, &since);
    if (!rc)
        rc = crmi_filter_time(db, filter, "until", what, &has_until, &until);
    if (!rc)
        rc = crmi_filter_enum(db, filter, "type", &crmi_txn_types, what, &type);
    if (!rc)
        rc = crmi_filter_limit(db, filter, what, &limit);
    if (rc)
        return rc;
    if (has_since)
        sqlite3_bind_int64(st, 2, since);
    if (has_until)
        sqlite3_bind_int64(st, 3, until);
    crmi_bind_text(st, 4, type);
    sqlite3_bind_int64(st, 5, limit);
    return CRM_OK;
}

CRM_EXTERN(int) crm_txn_list(crm_iter **out, crm_db *db, const char *customer_no,
                             const crm_record *filter)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "transaction list: NULL argument");
    crmi_error_clear(db);
    int64_t customer_id, version;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &customer_id, &version);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    crmi_bind_text(st, 6, customer_no);
    if ((rc = bind_list_filter(db, st, filter))) {
        sqlite3_finalize(st);
        return rc;
    }
    return crmi_iter_new(out, db, st, crmi_row_with_money, (void *)"amount", NULL);
}
