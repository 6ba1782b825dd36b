/* The facts of every visible customer as of a cutoff, from one streaming
 * query: profile fields, holdings now, and transaction aggregates over the
 * windows the runs need (one pass over the transactions since the earliest
 * window, grouped by customer). Also the features built from them and the
 * helpers every run shares. */
#include "analytics/analytics_int.h"

#include <string.h>

/* The balance model of crm-gen and the 360 view: how a transaction moves the
 * balance of an asset holding (deposit, wealth, fund, insurance). */
#define ASSET_FLOW                                                                                 \
    "(CASE WHEN p.type = 'deposit' AND (t.type = 'deposit' OR t.type = 'transfer_in')"             \
    "  THEN t.amount WHEN p.type = 'deposit' AND (t.type = 'withdrawal' OR t.type ="               \
    "  'transfer_out') THEN -t.amount WHEN (p.type = 'wealth' OR p.type = 'fund' OR p.type ="      \
    "  'insurance') AND t.type = 'purchase' THEN t.amount WHEN (p.type = 'wealth' OR p.type ="     \
    "  'fund' OR p.type = 'insurance') AND t.type = 'redemption' THEN -t.amount ELSE 0 END)"
#define IN(from, to) "(t.at >= " from " AND t.at < " to ")"

static const char SQL_FACTS[] =
    "SELECT c.id, c.birth_date, c.annual_income, c.total_assets,"
    " (SELECT sum(h.balance) FROM crm_holding h JOIN crm_product hp ON hp.id = h.product_id"
    "   WHERE h.customer_id = c.id AND (hp.type = 'deposit' OR hp.type = 'wealth'"
    "   OR hp.type = 'fund' OR hp.type = 'insurance')),"
    " (SELECT count(*) FROM crm_holding h WHERE h.customer_id = c.id),"
    " (SELECT max(l.at) FROM crm_txn l WHERE l.customer_id = c.id AND l.at < :cut),"
    " a.cnt90, a.amt90, a.cnt_w, a.amt_w, a.cnt_w2, a.amt_w2, a.cnt_rfm, a.amt_rfm,"
    " a.flow_w, a.flow_since, a.type365, a.types365, a.label"
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"
    " LEFT JOIN (SELECT t.customer_id AS cid,"
    "   sum(" IN(
        ":s90",
        ":cut") ") AS cnt90,"
                "   sum(CASE WHEN " IN(
                    ":s90",
                    ":cut") " THEN t.amount ELSE 0 END) AS amt90,"
                            "   sum(" IN(
                                ":sw",
                                ":cut") ") AS cnt_w,"
                                        "   sum(CASE WHEN " IN(
                                            ":sw",
                                            ":cut") " THEN t.amount ELSE 0 END) AS amt_w,"
                                                    "   sum(" IN(
                                                        ":sw2",
                                                        ":sw") ") AS cnt_w2,"
                                                               "   sum(CASE WHEN " IN(
                                                                   ":sw2",
                                                                   ":sw") " THEN t.amount ELSE 0 "
                                                                          "END) AS amt_w2,"
                                                                          "   sum(" IN(
                                                                              ":srfm",
                                                                              ":cut") ") AS "
                                                                                      "cnt_rfm,"
                                                                                      "   sum(CASE "
                                                                                      "WHEN " IN(
                                                                                          ":srfm",
                                                                                          ":cut") " THEN t.amount ELSE 0 END) AS amt_rfm,"
                                                                                                  "   sum(CASE WHEN " IN(
                                                                                                      ":sw",
                                                                                                      ":cut") " THEN " ASSET_FLOW
                                                                                                              " ELSE 0 END) AS flow_w,"
                                                                                                              "   sum(CASE WHEN t.at >= :cut THEN " ASSET_FLOW
                                                                                                              " ELSE 0 END) AS flow_since,"
                                                                                                              "   sum(" IN(
                                                                                                                  ":s365",
                                                                                                                  ":cut") " AND p.type = :target) AS type365,"
                                                                                                                          "   count(DISTINCT CASE WHEN " IN(
                                                                                                                              ":s365",
                                                                                                                              ":cut") " THEN p.type END) AS types365,"
                                                                                                                                      "   sum(" IN(
                                                                                                                                          ":cut",
                                                                                                                                          ":hend") " AND p.type = :target AND t.type = 'purchase') AS label"
                                                                                                                                                   "   FROM crm_txn t LEFT JOIN crm_product p ON p.id = t.product_id"
                                                                                                                                                   "   WHERE t.at >= :scan GROUP BY t.customer_id) a ON a.cid = c.id"
                                                                                                                                                   " WHERE" CRMI_CUSTOMER_SCOPE
                                                                                                                                                   " ORDER BY c.id";

static void bind_time(sqlite3_stmt *st, const char *name, int64_t value)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), value);
}

static int64_t min3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a < b ? a : b;
    return m < c ? m : c;
}

int crmi_facts_open(crm_db *db, const crmi_facts_query *q, sqlite3_stmt **out)
{
    sqlite3_stmt *st = crmi_prepare(db, SQL_FACTS);
    if (!st)
        return db->errcode;
    int64_t sw = q->cut - q->window_days * CRMI_DAY, sw2 = q->cut - 2 * q->window_days * CRMI_DAY;
    int64_t srfm = q->cut - q->rfm_days * CRMI_DAY, s365 = q->cut - 365 * CRMI_DAY;
    bind_time(st, ":cut", q->cut);
    bind_time(st, ":s90", q->cut - 90 * CRMI_DAY);
    bind_time(st, ":sw", sw);
    bind_time(st, ":sw2", sw2);
    bind_time(st, ":srfm", srfm);
    bind_time(st, ":s365", s365);
    bind_time(st, ":hend", q->cut + q->horizon_days * CRMI_DAY);
    /* the aggregate reads only the windows; the last transaction comes from
     * the (customer, time) index */
    bind_time(st, ":scan", min3(sw2, srfm, s365));
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":target"), q->target);
    crmi_customer_scope_bind(db, st);
    *out = st;
    return CRM_OK;
}

static int64_t col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_int64(st, i);
}

int crmi_facts_next(crm_db *db, sqlite3_stmt *st, crmi_facts *f)
{
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        return CRM_ITER_DONE;
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "read customer facts");
    *f = (crmi_facts){.id = col(st, 0)};
    f->age = crmi_age_years((const char *)sqlite3_column_text(st, 1), crm_db_now(db));
    f->has_income = sqlite3_column_type(st, 2) != SQLITE_NULL;
    f->income = col(st, 2);
    f->has_assets = sqlite3_column_type(st, 3) != SQLITE_NULL;
    f->total_assets = col(st, 3);
    f->has_aum = sqlite3_column_type(st, 4) != SQLITE_NULL;
    f->aum = col(st, 4);
    f->products = col(st, 5);
    f->has_last = sqlite3_column_type(st, 6) != SQLITE_NULL;
    f->last_at = col(st, 6);
    int64_t *sums[] = {&f->cnt90,   &f->amt90,    &f->cnt_w,   &f->amt_w,  &f->cnt_w2,
                       &f->amt_w2,  &f->cnt_rfm,  &f->amt_rfm, &f->flow_w, &f->flow_since,
                       &f->type365, &f->types365, &f->label};
    for (int i = 0; i < (int)(sizeof sums / sizeof sums[0]); i++)
        *sums[i] = col(st, 7 + i);
    return CRM_OK;
}

/* -------------------------------------------------------------- features */

const char *const crmi_feature_names[CRMI_FEAT_COUNT] = {
    "age",      "annual_income", "total_assets",   "aum",
    "products", "txn_count_90d", "txn_amount_90d", "recency_days"};
const char *const crmi_feature_units[CRMI_FEAT_COUNT] = {"years", "yuan",  "yuan", "yuan",
                                                         "count", "count", "yuan", "days"};

int64_t crmi_facts_aum_at_cut(const crmi_facts *f)
{
    if (!f->has_aum)
        return f->has_assets ? f->total_assets : 0;
    int64_t then = f->aum - f->flow_since;
    return then > 0 ? then : 0;
}

bool crmi_feature_value(const crmi_facts *f, crmi_feature feat, int64_t cut, double *out)
{
    switch (feat) {
    case CRMI_FEAT_AGE: *out = f->age; return f->age >= 0;
    case CRMI_FEAT_INCOME: *out = (double)f->income; return f->has_income;
    case CRMI_FEAT_TOTAL_ASSETS: *out = (double)f->total_assets; return f->has_assets;
    case CRMI_FEAT_AUM: *out = (double)crmi_facts_aum_at_cut(f); return true;
    case CRMI_FEAT_PRODUCTS: *out = (double)f->products; return true;
    case CRMI_FEAT_TXN_COUNT_90D: *out = (double)f->cnt90; return true;
    case CRMI_FEAT_TXN_AMOUNT_90D: *out = (double)f->amt90; return true;
    case CRMI_FEAT_RECENCY:
        /* no transaction at all: as far back as a year */
        *out = f->has_last ? (double)((cut - f->last_at) / CRMI_DAY) : 365.0;
        return true;
    default: return false;
    }
}

/* ------------------------------------------------------------- shared */

int crmi_params_check(crm_db *db, const crm_record *params, const char *const known[], size_t n,
                      const char *what)
{
    return params ? crmi_record_check_fields(db, params, known, n, what) : CRM_OK;
}

int crmi_param_int(crm_db *db, const crm_record *params, const char *name, int64_t min, int64_t max,
                   int64_t *out)
{
    bool present;
    int64_t v;
    if (!params)
        return CRM_OK;
    int rc = crmi_field_int(db, params, name, min, max, &present, &v);
    if (!rc && present)
        *out = v;
    return rc;
}

static const char SQL_ENSURE[] =
    "INSERT INTO crm_customer_score (customer_id) VALUES (?1) ON CONFLICT DO NOTHING";

int crmi_score_row_ensure(crm_db *db, int64_t customer_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ENSURE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    return crmi_exec_stmt(db, st, "store customer score");
}

int crmi_analytics_audit(crm_db *db, const char *action, const char *after_json)
{
    crmi_audit_entry e = {
        .action = action, .entity = "analytics", .entity_id = action, .after = after_json};
    return crmi_audit_append(db, &e);
}
