/* The "where" filter: a JsonLogic rule compiled by the rule engine to a
 * parameterised SQL condition over the customer's profile variables. The
 * variables are mapped here to columns of the search query (aliases c, b,
 * m of CRMI_CUSTOMER_SELECT); age and risk expiry use the handle's clock,
 * as the records' derived fields do (lib/customer/read.c). */
#include "search/search_int.h"

#include "crm/rule.h"

#include <string.h>

/* Whole years on the UTC date :search_today ("YYYY-MM-DD"), as crmi_age_years. */
#define AGE_SQL                                                                                    \
    "CASE WHEN c.birth_date IS NULL THEN NULL"                                                     \
    " ELSE CAST(substr(:search_today, 1, 4) AS INTEGER) - CAST(substr(c.birth_date, 1, 4) AS"      \
    " INTEGER) - (substr(:search_today, 6, 5) < substr(c.birth_date, 6, 5)) END"

/* An assessment is valid for 365 days (lib/customer/read.c). */
#define RISK_EXPIRED_SQL                                                                           \
    "(c.risk_assessed_at IS NULL OR c.risk_assessed_at + 31536000 < :search_now)"

static const struct {
    const char *name, *sql;
} variables[] = {
    {"age", AGE_SQL},
    {"gender", "c.gender"},
    {"province", "c.province"},
    {"city", "c.city"},
    {"branch", "b.code"},
    {"manager", "m.name"},
    {"assets", "c.total_assets"},
    {"income", "c.annual_income"},
    {"risk_level", "c.risk_level"},
    {"risk_expired", RISK_EXPIRED_SQL},
};

static int schema_new(crm_db *db, crm_rule_schema **out)
{
    crm_rule_schema *s;
    int rc = crm_rule_schema_new(&s);
    for (size_t i = 0; !rc && i < sizeof variables / sizeof variables[0]; i++)
        rc = crm_rule_schema_bind(s, variables[i].name, variables[i].sql);
    if (rc) {
        crm_rule_schema_free(s);
        return crmi_error(db, rc, "filter where: %s", crm_last_errmsg());
    }
    *out = s;
    return CRM_OK;
}

static int compile(crm_db *db, const char *rule_text, crm_rule_sql **out)
{
    crm_rule *rule = NULL;
    crm_rule_schema *schema = NULL;
    int rc = crm_rule_parse(&rule, rule_text, strlen(rule_text));
    if (rc)
        return crmi_error(db, rc, "filter where: %s", crm_last_errmsg());
    rc = schema_new(db, &schema);
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
    if (strstr(sql, ":search_today")) {
        char today[32];
        crm_time_format(today, sizeof today, now);
        today[10] = '\0';
        crmi_query_text(q, ":search_today", today);
    }
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
