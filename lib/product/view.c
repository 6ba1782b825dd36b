/* The product module's sections of the customer 360 view: holdings with
 * totals by product type, recent transactions, and 90-day activity. */
#include "customer/view_int.h"
#include "product/product_int.h"

#define ACTIVITY_DAYS 90

/* --------------------------------------------------------------- holdings */

static const char SQL_HOLDINGS[] =
    "SELECT p.code, p.name, p.type, p.risk_rating, h.balance,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', h.updated_at, 'unixepoch') AS updated_at"
    " FROM crm_holding h JOIN crm_product p ON p.id = h.product_id"
    " WHERE h.customer_id = ?1 ORDER BY p.type, p.code";

typedef struct holding_totals {
    int64_t by_type[8]; /* indexed like crmi_product_types */
    int64_t total;
} holding_totals;

static int add_to_totals(crm_db *db, holding_totals *t, const char *type, int64_t balance)
{
    int i = crmi_enum_find(&crmi_product_types, type);
    if (i < 0 || __builtin_add_overflow(t->by_type[i], balance, &t->by_type[i]) ||
        __builtin_add_overflow(t->total, balance, &t->total))
        return crmi_error(db, CRM_E_CORRUPT, "holdings: balance total out of range");
    return CRM_OK;
}

static void write_totals(crmi_buf *out, const holding_totals *t)
{
    bool first = true;
    crmi_buf_puts(out, "],\"by_type\":{");
    for (size_t i = 0; i < crmi_product_types.count; i++) {
        if (!t->by_type[i])
            continue;
        crmi_buf_printf(out, "%s\"%s\":%lld", first ? "" : ",", crmi_product_types.values[i],
                        (long long)t->by_type[i]);
        first = false;
    }
    crmi_buf_printf(out, "},\"total\":%lld}", (long long)t->total);
}

/* {"products":[{code, name, type, risk_rating, balance, updated_at}...],
 *  "by_type":{"deposit":fen...}, "total":fen} */
int crmi_view_holdings(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out)
{
    holding_totals totals = {0};
    sqlite3_stmt *st = crmi_stmt(db, SQL_HOLDINGS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, ctx->customer_id);
    crmi_buf_puts(out, "{\"products\":[");
    int step, rc = CRM_OK;
    for (int n = 0; !rc && (step = crmi_step(st)) == SQLITE_ROW; n++) {
        if (n)
            crmi_buf_putc(out, ',');
        crmi_view_row_json(out, st);
        rc = add_to_totals(db, &totals, (const char *)sqlite3_column_text(st, 2),
                           sqlite3_column_int64(st, 4));
    }
    sqlite3_reset(st);
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read holdings");
    if (!rc)
        write_totals(out, &totals);
    return rc;
}

/* ------------------------------------------------------- recent activity */

static const char SQL_RECENT[] =
    "SELECT t.id, strftime('%Y-%m-%dT%H:%M:%SZ', t.at, 'unixepoch') AS time, t.type, t.amount,"
    " t.channel, p.code AS product_code, p.name AS product_name"
    " FROM crm_txn t LEFT JOIN crm_product p ON p.id = t.product_id"
    " WHERE t.customer_id = ?1 ORDER BY t.at DESC, t.id DESC LIMIT ?2";

/* [{id, time, type, amount, channel, product_code, product_name}...], newest first. */
int crmi_view_recent_transactions(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_RECENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, ctx->customer_id);
    sqlite3_bind_int64(st, 2, ctx->recent);
    crmi_buf_putc(out, '[');
    int step;
    for (int n = 0; (step = crmi_step(st)) == SQLITE_ROW; n++) {
        if (n)
            crmi_buf_putc(out, ',');
        crmi_view_row_json(out, st);
    }
    sqlite3_reset(st);
    crmi_buf_putc(out, ']');
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "read transactions");
}

static const char SQL_ACTIVITY[] =
    "SELECT count(*), sum(amount), (SELECT max(at) FROM crm_txn WHERE customer_id = ?1)"
    " FROM crm_txn WHERE customer_id = ?1 AND at > ?2";

/* {"txn_count_90d", "txn_amount_90d" (fen), "last_txn_at" and
 * "days_since_last_txn" (null when none)}. */
int crmi_view_activity(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ACTIVITY);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, ctx->customer_id);
    sqlite3_bind_int64(st, 2, ctx->now - (int64_t)ACTIVITY_DAYS * 86400);
    int step = crmi_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return crmi_sqlite_error(db, step, "read activity");
    }
    bool any = sqlite3_column_type(st, 2) != SQLITE_NULL;
    int64_t count = sqlite3_column_int64(st, 0), amount = sqlite3_column_int64(st, 1);
    int64_t last = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    crmi_buf_printf(out, "{\"txn_count_90d\":%lld,\"txn_amount_90d\":%lld,", (long long)count,
                    (long long)amount);
    char when[21];
    if (!any || crm_time_format(when, sizeof when, last) != CRM_OK) {
        crmi_buf_puts(out, "\"last_txn_at\":null,\"days_since_last_txn\":null}");
        return CRM_OK;
    }
    int64_t days = last < ctx->now ? (ctx->now - last) / 86400 : 0;
    crmi_buf_printf(out, "\"last_txn_at\":\"%s\",\"days_since_last_txn\":%lld}", when,
                    (long long)days);
    return CRM_OK;
}
