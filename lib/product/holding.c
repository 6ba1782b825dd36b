/* Holdings: each customer's balance per product, as the core-banking system
 * reports it. Every change is audited against the customer. */
#include "customer/customer_int.h"
#include "product/product_int.h"
#include "segment/segment_int.h"

static const char SQL_BALANCE[] =
    "SELECT balance FROM crm_holding WHERE customer_id = ?1 AND product_id = ?2";
static const char SQL_UPSERT[] =
    "INSERT INTO crm_holding (customer_id, product_id, balance, updated_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (customer_id, product_id)"
    " DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at";
static const char SQL_DELETE[] =
    "DELETE FROM crm_holding WHERE customer_id = ?1 AND product_id = ?2";

/* The stored balance, 0 when the customer holds none of the product. */
static int read_balance(crm_db *db, int64_t customer_id, int64_t product_id, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BALANCE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int64(st, 2, product_id);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "read holding");
}

static int write_balance(crm_db *db, int64_t customer_id, int64_t product_id, int64_t balance)
{
    sqlite3_stmt *st = crmi_stmt(db, balance ? SQL_UPSERT : SQL_DELETE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int64(st, 2, product_id);
    if (balance) {
        sqlite3_bind_int64(st, 3, balance);
        sqlite3_bind_int64(st, 4, crm_db_now(db));
    }
    return crmi_exec_stmt(db, st, "write holding");
}

static void holding_json(crmi_buf *b, const char *product_code, int64_t balance)
{
    crmi_buf_puts(b, "{\"product\":");
    crmi_buf_json_string(b, product_code);
    crmi_buf_printf(b, ",\"balance\":%lld}", (long long)balance);
}

static int audit_holding(crm_db *db, const char *customer_no, const char *product_code,
                         int64_t before, int64_t after)
{
    crmi_buf b = {0}, a = {0};
    holding_json(&b, product_code, before);
    holding_json(&a, product_code, after);
    int rc;
    if (b.failed || a.failed) {
        rc = crmi_error(db, CRM_E_NOMEM, "audit: out of memory");
    } else {
        crmi_audit_entry e = {.action = "holding.set",
                              .entity = "customer",
                              .entity_id = customer_no,
                              .before = b.data,
                              .after = a.data};
        rc = crmi_audit_append(db, &e);
    }
    crmi_buf_free(&b);
    crmi_buf_free(&a);
    return rc;
}

static int set_holding(crm_db *db, const char *customer_no, const char *product_code,
                       int64_t balance)
{
    int64_t customer_id, version, product_id, before;
    int rc = crmi_customer_find(db, customer_no, &customer_id, &version);
    if (!rc)
        rc = crmi_product_find(db, product_code, &product_id);
    if (!rc)
        rc = read_balance(db, customer_id, product_id, &before);
    if (rc || before == balance)
        return rc;
    rc = write_balance(db, customer_id, product_id, balance);
    if (!rc)
        rc = crmi_segment_customer_changed(db, customer_id);
    return rc ? rc : audit_holding(db, customer_no, product_code, before, balance);
}

CRM_EXTERN(int) crm_holding_set(crm_db *db, const char *customer_no, const char *product_code,
                                int64_t balance_fen)
{
    if (!db || !customer_no || !product_code)
        return crmi_error(db, CRM_E_INVALID_ARG, "holding set: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_TXN_WRITE);
    if (!rc && balance_fen < 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field balance: %lld fen is negative",
                        (long long)balance_fen);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, set_holding(db, customer_no, product_code, balance_fen));
}

/* ---------------------------------------------------------------- reading */

static const char SQL_LIST[] =
    "SELECT p.code AS product_code, p.name AS product_name, p.type, p.risk_rating, h.balance,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', h.updated_at, 'unixepoch') AS updated_at"
    " FROM crm_holding h JOIN crm_product p ON p.id = h.product_id"
    " WHERE h.customer_id = ?1 ORDER BY p.type, p.code";

CRM_EXTERN(int) crm_holding_list(crm_iter **out, crm_db *db, const char *customer_no)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "holding list: NULL argument");
    crmi_error_clear(db);
    int64_t customer_id, version;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &customer_id, &version);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    return crmi_iter_new(out, db, st, crmi_row_with_money, (void *)"balance", NULL);
}
