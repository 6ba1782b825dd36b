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

/* Sets one balance. A holding already stored (a non-zero balance) is
 * refused, kept or set per `dup`; setting the stored balance again changes
 * nothing and audits nothing. */
static int set_holding(crm_db *db, const char *customer_no, const char *product_code,
                       int64_t balance, crmi_dup_policy dup, crmi_store_outcome *outcome)
{
    int64_t customer_id, version, product_id, before;
    int rc = crmi_customer_find(db, customer_no, &customer_id, &version);
    if (rc == CRM_E_NOT_FOUND)
        rc = crmi_error(db, rc, "field customer_no: no customer %.40s", customer_no);
    if (!rc)
        rc = crmi_product_find(db, product_code, &product_id);
    if (!rc)
        rc = read_balance(db, customer_id, product_id, &before);
    if (rc)
        return rc;
    *outcome = !before ? CRMI_INSERTED : dup == CRMI_DUP_SKIP ? CRMI_SKIPPED : CRMI_UPDATED;
    if (before && dup == CRMI_DUP_ERROR)
        return crmi_error(db, CRM_E_CONFLICT, "field product_code: customer %s already holds %s",
                          customer_no, product_code);
    if ((before && dup == CRMI_DUP_SKIP) || before == balance)
        return CRM_OK;
    rc = write_balance(db, customer_id, product_id, balance);
    if (!rc)
        rc = crmi_segment_customer_changed(db, customer_id);
    return rc ? rc : audit_holding(db, customer_no, product_code, before, balance);
}

static int check_balance(crm_db *db, int64_t balance_fen)
{
    if (balance_fen < 0)
        return crmi_error(db, CRM_E_INVALID_DATA, "field balance: %lld fen is negative",
                          (long long)balance_fen);
    return CRM_OK;
}

CRM_EXTERN(int) crm_holding_set(crm_db *db, const char *customer_no, const char *product_code,
                                int64_t balance_fen)
{
    if (!db || !customer_no || !product_code)
        return crmi_error(db, CRM_E_INVALID_ARG, "holding set: NULL argument");
    crmi_error_clear(db);
    crmi_store_outcome outcome;
    int rc = crmi_access_require(db, CRMI_OP_TXN_WRITE);
    if (!rc)
        rc = check_balance(db, balance_fen);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, set_holding(db, customer_no, product_code, balance_fen,
                                        CRMI_DUP_UPDATE, &outcome));
}

int crmi_holding_store(crm_db *db, const crm_record *row, crmi_dup_policy dup,
                       crmi_store_outcome *outcome)
{
    static const char *const known[] = {"customer_no", "product_code", "balance"};
    const char *customer_no, *product_code;
    int64_t balance;
    *outcome = CRMI_INSERTED;
    int rc = crmi_record_check_fields(db, row, known, sizeof known / sizeof known[0], "holding");
    if (!rc)
        rc = crmi_record_text(db, row, "customer_no", true, &customer_no);
    if (!rc)
        rc = crmi_validate_code(db, "customer_no", customer_no, 32);
    if (!rc)
        rc = crmi_record_text(db, row, "product_code", true, &product_code);
    if (!rc)
        rc = crmi_validate_code(db, "product_code", product_code, 32);
    if (!rc)
        rc = crmi_field_money(db, row, "balance", 0, &balance);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, set_holding(db, customer_no, product_code, balance, dup, outcome));
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
