/* Transactions: the core-banking feed, the largest table. One cached
 * INSERT ... SELECT resolves the customer (within the actor's scope) and the
 * product and stores the row, so a bulk load costs one statement per row. */
#include "customer/customer_int.h"
#include "product/product_int.h"
#include "segment/segment_int.h"

#define TXN_FUTURE_SLACK 86400 /* a feed's clock may run ahead of ours by a day */

/* A validated transaction; texts borrow the caller's record. */
typedef struct txn_input {
    const char *customer_no, *product_code, *type, *channel;
    int64_t amount, at;
} txn_input;

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

static int validate_txn(crm_db *db, const crm_record *rec, txn_input *t)
{
    static const char *const known[] = {"customer_no", "product_code", "type",
                                        "amount",      "channel",      "time"};
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
    return rc ? rc : validate_time(db, rec, t);
}

/* Numbered parameters come before the scope's named ones, which SQLite
 * numbers after the highest seen so far. */
static const char SQL_INSERT[] =
    "INSERT INTO crm_txn (customer_id, product_id, type, amount, channel, at)"
    " SELECT c.id, p.id, ?3, ?4, ?5, ?6 FROM crm_customer c"
    " JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_product p ON p.code = ?2"
    " WHERE c.customer_no = ?1 AND (?2 IS NULL OR p.id IS NOT NULL) AND" CRMI_CUSTOMER_SCOPE;

/* Says which of customer and product was missing when nothing was inserted. */
static int missing_reference(crm_db *db, const txn_input *t)
{
    int64_t product_id;
    int rc = t->product_code ? crmi_product_find(db, t->product_code, &product_id) : CRM_OK;
    return rc ? rc
              : crmi_error(db, CRM_E_NOT_FOUND, "field customer_no: no customer %.40s",
                           t->customer_no);
}

static int insert_txn(crm_db *db, const txn_input *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, t->customer_no);
    crmi_bind_text(st, 2, t->product_code);
    crmi_bind_text(st, 3, t->type);
    sqlite3_bind_int64(st, 4, t->amount);
    crmi_bind_text(st, 5, t->channel);
    sqlite3_bind_int64(st, 6, t->at);
    crmi_customer_scope_bind(db, st);
    int rc = crmi_exec_stmt(db, st, "insert transaction");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = missing_reference(db, t);
    if (!rc)
        rc = crmi_segment_txn_added(db, sqlite3_last_insert_rowid(db->sql));
    return rc;
}

CRM_EXTERN(int) crm_txn_add(crm_db *db, const crm_record *txn)
{
    if (!db || !txn)
        return crmi_error(db, CRM_E_INVALID_ARG, "transaction add: NULL argument");
    crmi_error_clear(db);
    txn_input t = {0};
    int rc = crmi_access_require(db, CRMI_OP_TXN_WRITE);
    if (!rc)
        rc = validate_txn(db, txn, &t);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, insert_txn(db, &t));
}

/* ---------------------------------------------------------------- reading */

static const char SQL_LIST[] =
    "SELECT t.id, ?6 AS customer_no, p.code AS product_code, p.name AS product_name, t.type,"
    " t.amount, t.channel, strftime('%Y-%m-%dT%H:%M:%SZ', t.at, 'unixepoch') AS time"
    " FROM crm_txn t LEFT JOIN crm_product p ON p.id = t.product_id"
    " WHERE t.customer_id = ?1 AND (?2 IS NULL OR t.at >= ?2) AND (?3 IS NULL OR t.at < ?3)"
    " AND (?4 IS NULL OR t.type = ?4) ORDER BY t.at DESC, t.id DESC LIMIT ?5";

static int list_limit(crm_db *db, const crm_record *filter, int64_t *out)
{
    *out = INT64_MAX;
    if (!filter || crm_record_type(filter, "limit") == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_type(filter, "limit") != CRM_TYPE_INT ||
        crm_record_get_int(out, filter, "limit") != CRM_OK || *out < 0)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "transaction list filter limit: expected an integer >= 0");
    return CRM_OK;
}

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
        rc = list_limit(db, filter, &limit);
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
