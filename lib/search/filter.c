/* The search filter: one handler per field name, each validating its value
 * and appending its static condition with its parameters. A field the
 * table does not know is refused, so a typo never widens a search. */
#include "search/search_int.h"

#include <stdio.h>
#include <string.h>

typedef int (*field_fn)(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts);

static int wrong(crm_db *db, const char *field, const char *why)
{
    return crmi_error(db, CRM_E_INVALID_ARG, "filter %s: %s", field, why);
}

static int get_text(crm_db *db, const crm_record *f, const char *field, const char **out)
{
    crm_value_type t = crm_record_type(f, field);
    if (t != CRM_TYPE_TEXT && t != CRM_TYPE_DATE)
        return wrong(db, field, "expected text");
    return crm_record_get_text(out, f, field);
}

static int get_int(crm_db *db, const crm_record *f, const char *field, int64_t min, int64_t max,
                   int64_t *out)
{
    crm_value_type t = crm_record_type(f, field);
    if (t != CRM_TYPE_INT && t != CRM_TYPE_MONEY)
        return wrong(db, field, "expected an integer");
    crm_record_get_int(out, f, field);
    if (*out < min || *out > max)
        return crmi_error(db, CRM_E_INVALID_ARG, "filter %s: %lld is out of range %lld..%lld",
                          field, (long long)*out, (long long)min, (long long)max);
    return CRM_OK;
}

static int one_of(crm_db *db, const char *field, const char *value, const char *const *options,
                  size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, options[i]) == 0)
            return CRM_OK;
    return wrong(db, field, "not one of the allowed values");
}

/* ------------------------------------------------------- plain columns */

static const char SQL_GENDER[] = " AND c.gender = :f_gender";
static const char SQL_PROVINCE[] = " AND c.province = :f_province";
static const char SQL_CITY[] = " AND c.city = :f_city";
static const char SQL_RISK_LEVEL[] = " AND c.risk_level = :f_risk_level";
static const char SQL_MANAGER[] =
    " AND c.manager_id = (SELECT u.id FROM crm_user u WHERE u.name = :f_manager)";
static const char SQL_BRANCH[] =
    " AND c.branch_id IN (SELECT s.id FROM crm_branch s JOIN crm_branch r ON r.code = :f_branch"
    " WHERE substr(s.path, 1, length(r.path)) = r.path)";

static int text_filter(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                       const char *sql, const char *param, const char *const *options,
                       size_t n_options)
{
    const char *v;
    int rc = get_text(db, f, field, &v);
    if (!rc && options)
        rc = one_of(db, field, v, options, n_options);
    if (!rc && !options && (crmi_validate_text(db, field, v, 64) != CRM_OK))
        rc = wrong(db, field, "expected 1..64 characters of text");
    if (rc)
        return rc;
    crmi_query_sql(q, sql);
    crmi_query_text(q, param, v);
    return CRM_OK;
}

static int f_gender(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                    crmi_search_opts *opts)
{
    static const char *const genders[] = {"M", "F"};
    return text_filter(db, q, f, field, SQL_GENDER, ":f_gender", genders, 2);
}

static int f_risk_level(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts)
{
    static const char *const levels[] = {"C1", "C2", "C3", "C4", "C5"};
    return text_filter(db, q, f, field, SQL_RISK_LEVEL, ":f_risk_level", levels, 5);
}

static int f_city(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                  crmi_search_opts *opts)
{
    return text_filter(db, q, f, field, SQL_CITY, ":f_city", NULL, 0);
}

static int f_branch(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                    crmi_search_opts *opts)
{
    return text_filter(db, q, f, field, SQL_BRANCH, ":f_branch", NULL, 0);
}

static int f_manager(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                     crmi_search_opts *opts)
{
    return text_filter(db, q, f, field, SQL_MANAGER, ":f_manager", NULL, 0);
}

static int f_province(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                      crmi_search_opts *opts)
{
    const char *v, *full;
    int rc = get_text(db, f, field, &v);
    if (rc)
        return rc;
    if (!(full = crmi_province_by_name(v)))
        return wrong(db, field, "unknown province");
    crmi_query_sql(q, SQL_PROVINCE);
    crmi_query_text(q, ":f_province", full);
    return CRM_OK;
}

/* ---------------------------------------------------------------- ranges */

#define MONEY_MAX INT64_MAX

static const char SQL_ASSETS_MIN[] = " AND c.total_assets >= :f_assets_min";
static const char SQL_ASSETS_MAX[] = " AND c.total_assets <= :f_assets_max";
static const char SQL_INCOME_MIN[] = " AND c.annual_income >= :f_income_min";
static const char SQL_INCOME_MAX[] = " AND c.annual_income <= :f_income_max";
/* Age bounds become birth-date bounds, comparable as text. */
static const char SQL_BORN_BY[] = " AND c.birth_date <= :f_born_by";
static const char SQL_BORN_AFTER[] = " AND c.birth_date > :f_born_after";

static int money_filter(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        const char *sql, const char *param)
{
    int64_t v;
    int rc = get_int(db, f, field, 0, MONEY_MAX, &v);
    if (rc)
        return rc;
    crmi_query_sql(q, sql);
    crmi_query_int(q, param, v);
    return CRM_OK;
}

static int f_assets_min(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts)
{
    return money_filter(db, q, f, field, SQL_ASSETS_MIN, ":f_assets_min");
}

static int f_assets_max(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts)
{
    return money_filter(db, q, f, field, SQL_ASSETS_MAX, ":f_assets_max");
}

static int f_income_min(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts)
{
    return money_filter(db, q, f, field, SQL_INCOME_MIN, ":f_income_min");
}

static int f_income_max(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                        crmi_search_opts *opts)
{
    return money_filter(db, q, f, field, SQL_INCOME_MAX, ":f_income_max");
}

#define AGE_MAX 200

/* The latest birth date of someone at least `years` old today: age, as
 * crmi_age_years counts it, is >= years exactly when the birth date is at
 * most today's month and day, `years` years ago (text order of YYYY-MM-DD
 * matches date order even for 02-29 in a year without one). */
static void born_by(char out[16], int64_t now, int64_t years)
{
    char today[32];
    crm_time_format(today, sizeof today, now);
    int year =
        (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 + (today[3] - '0');
    snprintf(out, 16, "%04d-%.5s", year - (int)years, today + 5);
}

static int f_age_min(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                     crmi_search_opts *opts)
{
    int64_t v;
    char date[16];
    int rc = get_int(db, f, field, 0, AGE_MAX, &v);
    if (rc)
        return rc;
    born_by(date, crm_db_now(db), v);
    crmi_query_sql(q, SQL_BORN_BY);
    crmi_query_text(q, ":f_born_by", date);
    return CRM_OK;
}

/* age <= v is: not (age >= v + 1). */
static int f_age_max(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                     crmi_search_opts *opts)
{
    int64_t v;
    char date[16];
    int rc = get_int(db, f, field, 0, AGE_MAX, &v);
    if (rc)
        return rc;
    born_by(date, crm_db_now(db), v + 1);
    crmi_query_sql(q, SQL_BORN_AFTER);
    crmi_query_text(q, ":f_born_after", date);
    return CRM_OK;
}

/* ------------------------------------------------------------ the rest */

static int f_exact(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                   crmi_search_opts *opts)
{
    const char *v;
    int rc = get_text(db, f, field, &v);
    return rc ? rc : crmi_exact_add(db, q, crmi_exact_key(field), v);
}

static int f_name(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                  crmi_search_opts *opts)
{
    const char *v;
    int rc = get_text(db, f, field, &v);
    if (!rc)
        rc = crmi_name_query_init(db, &opts->name, v);
    if (!rc)
        rc = crmi_name_add(db, q, &opts->name);
    opts->has_name = rc == CRM_OK;
    return rc;
}

static int f_where(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                   crmi_search_opts *opts)
{
    const char *v;
    int rc = get_text(db, f, field, &v);
    return rc ? rc : crmi_search_where_add(db, q, v);
}

static int f_status(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                    crmi_search_opts *opts)
{
    static const char *const statuses[] = {"active", "restricted", "any"};
    int rc = get_text(db, f, field, &opts->status);
    return rc ? rc : one_of(db, field, opts->status, statuses, 3);
}

static int f_sort(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                  crmi_search_opts *opts)
{
    const char *v;
    int rc = get_text(db, f, field, &v);
    if (!rc && !(opts->sort = crmi_sort_find(v)))
        rc = crmi_error(db, CRM_E_INVALID_ARG,
                        "filter sort: unknown sort \"%.40s\" (relevance, customer_no, name, age, "
                        "total_assets, annual_income, created_at; \"-\" reverses)",
                        v);
    return rc;
}

static int f_limit(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                   crmi_search_opts *opts)
{
    return get_int(db, f, field, 1, INT64_MAX, &opts->limit);
}

static int f_after(crm_db *db, crmi_query *q, const crm_record *f, const char *field,
                   crmi_search_opts *opts)
{
    return get_text(db, f, field, &opts->after);
}

static const struct {
    const char *name;
    field_fn fn;
} fields[] = {
    {"name", f_name},
    {"gender", f_gender},
    {"age_min", f_age_min},
    {"age_max", f_age_max},
    {"province", f_province},
    {"city", f_city},
    {"branch", f_branch},
    {"manager", f_manager},
    {"assets_min", f_assets_min},
    {"assets_max", f_assets_max},
    {"income_min", f_income_min},
    {"income_max", f_income_max},
    {"risk_level", f_risk_level},
    {"status", f_status},
    {"customer_no", f_exact},
    {"id_number", f_exact},
    {"phone", f_exact},
    {"card_number", f_exact},
    {"email", f_exact},
    {"where", f_where},
    {"sort", f_sort},
    {"limit", f_limit},
    {"after", f_after},
};

static const char SQL_ACTIVE[] = " AND c.status = 'active'";
static const char SQL_RESTRICTED[] = " AND c.status = 'restricted'";

/* Ordinary search shows active customers; restricted ones only on request
 * (and then only to those whose scope includes them). */
static void add_status(crmi_query *q, const char *status)
{
    if (!status || strcmp(status, "active") == 0)
        crmi_query_sql(q, SQL_ACTIVE);
    else if (strcmp(status, "restricted") == 0)
        crmi_query_sql(q, SQL_RESTRICTED);
}

int crmi_search_filter_add(crm_db *db, crmi_query *q, const crm_record *filter,
                           crmi_search_opts *opts)
{
    size_t n = filter ? crm_record_count(filter) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = crm_record_field_name(filter, i);
        size_t k = 0;
        while (k < sizeof fields / sizeof fields[0] && strcmp(fields[k].name, name) != 0)
            k++;
        if (k == sizeof fields / sizeof fields[0])
            return crmi_error(db, CRM_E_INVALID_ARG, "filter: unknown field \"%.64s\"", name);
        if (crm_record_type(filter, name) == CRM_TYPE_NULL)
            continue;
        int rc = fields[k].fn(db, q, filter, name, opts);
        if (rc)
            return rc;
    }
    add_status(q, opts->status);
    return CRM_OK;
}
