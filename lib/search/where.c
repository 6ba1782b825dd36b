/* The customer vocabulary bound to SQL: one table that gives each rule
 * variable its SQL over the customer query (aliases c, b, m of
 * CRMI_CUSTOMER_SELECT). Every user of customer rules takes it from here:
 * the search "where" filter, segment refresh (crm_rule_to_sql) and the
 * interpreter's per-customer data (crmi_customer_resolve), so the two
 * evaluators always read the same values. Age, risk expiry and the 90-day
 * window use the handle's clock, as the records' derived fields and the 360
 * view do (lib/customer/read.c, lib/product/view.c). */
#include "search/search_int.h"

#include "crm/rule.h"

#include <string.h>

/* Whole years on the UTC day :search_ymd (YYYYMMDD as an integer): the
 * difference of YYYYMMDD numbers divided by 10000 is the age, birthday
 * included, as crmi_age_years computes it; cheaper than comparing parts. */
#define AGE_SQL "((:search_ymd - CAST(replace(c.birth_date, '-', '') AS INTEGER)) / 10000)"

#define RISK_EXPIRED_SQL                                                                           \
    "(c.risk_assessed_at IS NULL OR c.risk_assessed_at + " CRMI_RISK_VALIDITY_SQL " < :search_now)"

/* Tags valid now, any source (lib/tag), as a JSON list of names. */
#define TAGS_SQL                                                                                   \
    "(SELECT json_group_array(DISTINCT t.name) FROM crm_customer_tag ct"                         \
    " JOIN crm_tag t ON t.id = ct.tag_id WHERE ct.customer_id = c.id"                              \
    " AND ct.valid_from <= :search_now AND (ct.valid_to IS NULL OR ct.valid_to > :search_now))"

/* The last 90 days as the 360 view counts them (at > now - 90 days),
 * served by the index crm_txn (customer_id, at). */
#define TXN_WINDOW " FROM crm_txn t WHERE t.customer_id = c.id AND t.at > :search_now - 7776000)"
#define TXN_COUNT_SQL "(SELECT count(*)" TXN_WINDOW
#define TXN_AMOUNT_SQL "(SELECT coalesce(sum(t.amount), 0)" TXN_WINDOW
#define DAYS_SINCE_SQL                                                                             \
    "(SELECT CASE WHEN max(t.at) < :search_now THEN (:search_now - max(t.at)) / 86400"           \
    " WHEN max(t.at) IS NOT NULL THEN 0 END FROM crm_txn t WHERE t.customer_id = c.id)"

/* Types of the products held (a zero balance removes a holding). */
#define PRODUCT_TYPES_SQL                                                                          \
    "(SELECT json_group_array(DISTINCT p.type) FROM crm_holding h"                               \
    " JOIN crm_product p ON p.id = h.product_id WHERE h.customer_id = c.id)"

/* Scores the analytics module stored (lib/analytics, crm_customer_score). */
#define SCORE_SQL(column)                                                                          \
    "(SELECT s." column " FROM crm_customer_score s WHERE s.customer_id = c.id)"

/* One customer's value of a variable, for the interpreter. */
#define ROW(expr)                                                                                  \
    "SELECT " expr " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"                 \
    " LEFT JOIN crm_user m ON m.id = c.manager_id WHERE c.id = :search_customer"

#define VAR(name, expr) {name, expr, ROW(expr)}

static const struct {
    const char *name, *sql, *row_sql;
} variables[] = {
    VAR("age", AGE_SQL),
    VAR("gender", "c.gender"),
    VAR("province", "c.province"),
    VAR("city", "c.city"),
    VAR("branch", "b.code"),
    VAR("manager", "m.name"),
    VAR("assets", "c.total_assets"),
    VAR("income", "c.annual_income"),
    VAR("risk_level", "c.risk_level"),
    VAR("risk_expired", RISK_EXPIRED_SQL),
    VAR("tags", TAGS_SQL),
    VAR("txn_count_90d", TXN_COUNT_SQL),
    VAR("txn_amount_90d", TXN_AMOUNT_SQL),
    VAR("days_since_last_txn", DAYS_SINCE_SQL),
    VAR("product_types", PRODUCT_TYPES_SQL),
    VAR("value_tier", SCORE_SQL("value_tier")),
    VAR("activity", SCORE_SQL("activity")),
    VAR("rfm", SCORE_SQL("rfm")),
    VAR("cluster", SCORE_SQL("cluster")),
    VAR("propensity_bps", SCORE_SQL("propensity_bps")),
};
#define N_VARIABLES (sizeof variables / sizeof variables[0])

int crmi_customer_schema_new(crm_db *db, crm_rule_schema **out)
{
    crm_rule_schema *s;
    int rc = crm_rule_schema_new(&s);
    for (size_t i = 0; !rc && i < N_VARIABLES; i++)
        rc = crm_rule_schema_bind(s, variables[i].name, variables[i].sql);
    if (rc) {
        crm_rule_schema_free(s);
        return crmi_error(db, rc, "customer rule schema: %s", crm_last_errmsg());
    }
    *out = s;
    return CRM_OK;
}

/* "YYYYMMDD" of the UTC day of `now`, as an integer. */
static int64_t ymd_of(int64_t now)
{
    int64_t year;
    int month, day;
    crmi_utc_date(now, &year, &month, &day);
    return year * 10000 + month * 100 + day;
}

void crmi_customer_clock_bind(const crm_db *db, sqlite3_stmt *st)
{
    int64_t now = crm_db_now(db);
    int idx = sqlite3_bind_parameter_index(st, ":search_now");
    if (idx)
        sqlite3_bind_int64(st, idx, now);
    if ((idx = sqlite3_bind_parameter_index(st, ":search_ymd")))
        sqlite3_bind_int64(st, idx, ymd_of(now));
}

/* ------------------------------------------------------------ interpreter */

static int set_from_column(crm_rule_data *data, const char *name, crm_rule_var_type type,
                           sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        return crm_rule_data_set_null(data, name);
    switch (type) {
    case CRM_RULE_VAR_INTEGER: return crm_rule_data_set_int(data, name, sqlite3_column_int64(st, 0));
    case CRM_RULE_VAR_BOOL: return crm_rule_data_set_bool(data, name, sqlite3_column_int(st, 0));
    case CRM_RULE_VAR_TEXT_ARRAY:
        return crm_rule_data_set_json(data, name, (const char *)sqlite3_column_text(st, 0),
                                      (size_t)sqlite3_column_bytes(st, 0));
    default: return crm_rule_data_set_text(data, name, (const char *)sqlite3_column_text(st, 0));
    }
}

static crm_rule_var_type vocab_type(const char *name)
{
    const char *vname;
    crm_rule_var_type type = CRM_RULE_VAR_TEXT;
    for (size_t i = 0; crm_rule_vocab_get(&vname, &type, NULL, i) == CRM_OK; i++)
        if (strcmp(vname, name) == 0)
            return type;
    return CRM_RULE_VAR_TEXT;
}

int crmi_customer_resolve(crm_rule_data *data, const char *name, void *payload)
{
    const crmi_customer_data *who = payload;
    for (size_t i = 0; i < N_VARIABLES; i++) {
        if (strcmp(variables[i].name, name) != 0)
            continue;
        sqlite3_stmt *st = crmi_stmt(who->db, variables[i].row_sql);
        if (!st)
            return who->db->errcode;
        crmi_customer_clock_bind(who->db, st);
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":search_customer"),
                           who->customer_id);
        int step = crmi_step(st);
        int rc = step == SQLITE_ROW ? set_from_column(data, name, vocab_type(name), st)
                 : step == SQLITE_DONE ? crm_rule_data_set_null(data, name)
                                       : crmi_sqlite_error(who->db, step, "read rule variable");
        sqlite3_reset(st);
        return rc;
    }
    return CRM_OK; /* not a customer variable: left missing */
}

/* ------------------------------------------------------------ the filter */

static int compile(crm_db *db, const char *rule_text, crm_rule_sql **out)
{
    crm_rule *rule = NULL;
    crm_rule_schema *schema = NULL;
    int rc = crm_rule_parse(&rule, rule_text, strlen(rule_text));
    if (rc)
        return crmi_error(db, rc, "filter where: %s", crm_last_errmsg());
    rc = crmi_customer_schema_new(db, &schema);
    if (!rc && (rc = crm_rule_to_sql(out, rule, schema, "w")) != CRM_OK)
        rc = crmi_error(db, rc, "filter where: %s", crm_last_errmsg());
    crm_rule_schema_free(schema);
    crm_rule_free(rule);
    return rc;
}

int crmi_search_where_add(crm_db *db, crmi_query *q, const char *rule_text)
{
    if (q->where)
        return crmi_error(db, CRM_E_INVALID_ARG, "filter where: given twice");
    int rc = compile(db, rule_text, &q->where);
    if (rc)
        return rc;
    const char *sql = crm_rule_sql_text(q->where);
    crmi_query_sql(q, " AND (");
    crmi_query_sql(q, sql);
    crmi_query_sql(q, ")");
    int64_t now = crm_db_now(db);
    if (strstr(sql, ":search_ymd"))
        crmi_query_int(q, ":search_ymd", ymd_of(now));
    if (strstr(sql, ":search_now"))
        crmi_query_int(q, ":search_now", now);
    return CRM_OK;
}

int crmi_search_where_bind(sqlite3_stmt *st, const crm_rule_sql *where)
{
    for (size_t i = 0; i < crm_rule_sql_param_count(where); i++) {
        const char *name = NULL, *text = NULL;
        crm_rule_param_type type = CRM_RULE_PARAM_TEXT;
        double number = 0;
        int64_t integer = 0;
        crm_rule_sql_param(where, i, &name, &type, &number, &integer, &text);
        int idx = sqlite3_bind_parameter_index(st, name);
        int rc = idx == 0                        ? SQLITE_RANGE
                 : type == CRM_RULE_PARAM_NUMBER ? sqlite3_bind_double(st, idx, number)
                 : type == CRM_RULE_PARAM_INTEGER
                     ? sqlite3_bind_int64(st, idx, integer)
                     : crmi_bind_text_len(st, idx, text, -1);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void crmi_search_where_free(crm_rule_sql *where)
{
    crm_rule_sql_free(where);
}
