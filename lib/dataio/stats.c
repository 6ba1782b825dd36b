/* Customer statistics for reports: one aggregate query per dimension over
 * the customers the actor sees, streamed as records with money sums typed
 * as money. */
#include "customer/customer_int.h"
#include "dataio/dataio_int.h"

#include <string.h>

#define FROM_SCOPE                                                                                 \
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id WHERE" CRMI_CUSTOMER_SCOPE

#define SUMS                                                                                       \
    " count(*) AS customers, coalesce(sum(c.total_assets), 0) AS total_assets,"                    \
    " coalesce(sum(c.annual_income), 0) AS annual_income"

#define BY_COLUMN(col)                                                                             \
    "SELECT " col " AS key," SUMS FROM_SCOPE " GROUP BY " col " ORDER BY customers DESC, key"

/* Whole years from birth_date to :today (YYYY-MM-DD). */
#define AGE                                                                                        \
    "(CAST(substr(:today, 1, 4) AS INTEGER) - CAST(substr(c.birth_date, 1, 4) AS INTEGER)"         \
    " - (substr(:today, 6, 5) < substr(c.birth_date, 6, 5)))"

static const char SQL_AGE_BAND[] =
    "SELECT CASE band WHEN 0 THEN '<25' WHEN 1 THEN '25-34' WHEN 2 THEN '35-44'"
    " WHEN 3 THEN '45-54' WHEN 4 THEN '55-64' WHEN 5 THEN '65+' END AS key,"
    " count(*) AS customers, coalesce(sum(assets), 0) AS total_assets,"
    " coalesce(sum(income), 0) AS annual_income"
    " FROM (SELECT c.total_assets AS assets, c.annual_income AS income,"
    " CASE WHEN c.birth_date IS NULL THEN NULL WHEN " AGE " < 25 THEN 0 WHEN " AGE " < 35 THEN 1"
    " WHEN " AGE " < 45 THEN 2 WHEN " AGE " < 55 THEN 3 WHEN " AGE
    " < 65 THEN 4 ELSE 5 END AS band" FROM_SCOPE ") GROUP BY band ORDER BY band IS NULL, band";

static const char SQL_GENDER[] = BY_COLUMN("c.gender");
static const char SQL_PROVINCE[] = BY_COLUMN("c.province");
static const char SQL_OCCUPATION[] = BY_COLUMN("c.occupation");
static const char SQL_RISK_LEVEL[] = BY_COLUMN("c.risk_level");

static const char SQL_BRANCH[] = "SELECT b.code AS key, b.name AS name," SUMS FROM_SCOPE
                                 " GROUP BY b.id ORDER BY customers DESC, key";

static const char SQL_PRODUCT_TYPE[] =
    "SELECT p.type AS key, count(DISTINCT h.customer_id) AS customers,"
    " sum(h.balance) AS balance FROM crm_holding h JOIN crm_product p ON p.id = h.product_id"
    " JOIN crm_customer c ON c.id = h.customer_id JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE h.balance > 0 AND" CRMI_CUSTOMER_SCOPE " GROUP BY p.type ORDER BY balance DESC, key";

#define SINCE_30D "(:now - 30 * 86400)"
#define SINCE_90D "(:now - 90 * 86400)"
#define SINCE_365D "(:now - 365 * 86400)"
/* Each customer falls in the band of their latest transaction (4: none in
 * 365 days); the active rows add up the shorter windows. */
static const char SQL_ACTIVITY[] =
    "WITH bands (band, key) AS (VALUES (1, 'active_30d'), (2, 'active_90d'),"
    " (3, 'active_365d'), (4, 'dormant')),"
    " per AS (SELECT c.total_assets AS assets,"
    " (SELECT max(t.at) FROM crm_txn t WHERE t.customer_id = c.id) AS last_at" FROM_SCOPE "),"
    " g AS (SELECT CASE WHEN last_at >= " SINCE_30D " THEN 1 WHEN last_at >= " SINCE_90D
    " THEN 2 WHEN last_at >= " SINCE_365D " THEN 3 ELSE 4 END AS band, count(*) AS n,"
    " coalesce(sum(assets), 0) AS assets FROM per GROUP BY 1),"
    " tx AS (SELECT CASE WHEN t.at >= " SINCE_30D " THEN 1 WHEN t.at >= " SINCE_90D
    " THEN 2 ELSE 3 END AS band, count(*) AS n, sum(t.amount) AS amount FROM crm_txn t"
    " JOIN crm_customer c ON c.id = t.customer_id JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE t.at >= " SINCE_365D " AND t.at <= :now AND" CRMI_CUSTOMER_SCOPE " GROUP BY 1)"
    " SELECT bands.key AS key,"
    " (SELECT coalesce(sum(n), 0) FROM g WHERE g.band <= bands.band"
    "   AND (bands.band < 4 OR g.band = 4)) AS customers,"
    " (SELECT coalesce(sum(assets), 0) FROM g WHERE g.band <= bands.band"
    "   AND (bands.band < 4 OR g.band = 4)) AS total_assets,"
    " CASE WHEN bands.band < 4 THEN (SELECT coalesce(sum(n), 0) FROM tx"
    "   WHERE tx.band <= bands.band) END AS txn_count,"
    " CASE WHEN bands.band < 4 THEN (SELECT coalesce(sum(amount), 0) FROM tx"
    "   WHERE tx.band <= bands.band) END AS txn_amount"
    " FROM bands ORDER BY bands.band";

static const struct {
    const char *name;
    const char *sql;
} dimensions[] = {
    {"age_band", SQL_AGE_BAND},         {"gender", SQL_GENDER},         {"province", SQL_PROVINCE},
    {"occupation", SQL_OCCUPATION},     {"risk_level", SQL_RISK_LEVEL}, {"branch", SQL_BRANCH},
    {"product_type", SQL_PRODUCT_TYPE}, {"activity", SQL_ACTIVITY},
};
#define N_DIMENSIONS (sizeof dimensions / sizeof dimensions[0])

static int as_money(crm_record *rec, const char *field)
{
    int64_t v;
    if (crm_record_type(rec, field) != CRM_TYPE_INT || crm_record_get_int(&v, rec, field))
        return CRM_OK;
    return crm_record_set_money(rec, field, v);
}

static int stats_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    static const char *const money[] = {"total_assets", "annual_income", "balance", "txn_amount"};
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    for (size_t i = 0; !rc && i < sizeof money / sizeof money[0]; i++)
        rc = as_money(rec, money[i]);
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, CRM_E_NOMEM, "statistics: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

static const char *dimension_sql(const char *name)
{
    for (size_t i = 0; i < N_DIMENSIONS; i++)
        if (strcmp(dimensions[i].name, name) == 0)
            return dimensions[i].sql;
    return NULL;
}

static void bind_clock(crm_db *db, sqlite3_stmt *st)
{
    char today[32];
    int64_t now = crm_db_now(db);
    crm_time_format(today, sizeof today, now);
    today[10] = '\0';
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), now);
    crmi_bind_text_len(st, sqlite3_bind_parameter_index(st, ":today"), today, -1);
}

CRM_EXTERN(int) crm_customer_stats(crm_iter **out, crm_db *db, const char *dimension)
{
    if (!out || !db || !dimension)
        return crmi_error(db, CRM_E_INVALID_ARG, "statistics: NULL argument");
    crmi_error_clear(db);
    const char *sql = dimension_sql(dimension);
    if (!sql)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "statistics: unknown dimension %.40s (age_band, gender, province, "
                          "occupation, risk_level, branch, product_type, activity)",
                          dimension);
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, sql);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_customer_scope_bind(db, st);
    bind_clock(db, st);
    return crmi_iter_new(out, db, st, stats_row, NULL, NULL);
}
