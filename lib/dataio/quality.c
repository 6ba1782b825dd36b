/* The data-quality report: one streaming query over the customers the actor
 * sees, one part per kind of problem. Stored values are checked against
 * today's validation through a SQL function that calls the customer
 * module's validator, so the report streams instead of collecting rows. */
#include "customer/customer_int.h"
#include "dataio/dataio_int.h"

#include <string.h>


#define FROM_SCOPE                                                                                 \
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"                                 \
    " LEFT JOIN crm_user m ON m.id = c.manager_id WHERE" CRMI_CUSTOMER_SCOPE

/* The non-personal stored fields, in the order revalidate() reads them. */
#define STORED_FIELDS                                                                              \
    "c.name, c.id_type, c.gender, c.birth_date, c.city, c.province, c.occupation,"                 \
    " c.annual_income, c.total_assets, c.risk_level,"                                              \
    " date(c.risk_assessed_at, 'unixepoch'), b.code, m.name,"                                      \
    " c.consent_sms, c.consent_email, c.consent_phone"

static const char SQL_QUALITY[] =
    "SELECT 'duplicate_phone' AS kind, group_concat(customer_no, ',') AS customer_no,"
    " count(*) AS customers, 'phone ' || min(phone_masked) || ' under '"
    " || count(DISTINCT coalesce(id_number_idx, customer_no)) || ' different ID numbers' AS detail"
    " FROM (SELECT c.customer_no, c.phone_idx, c.phone_masked, c.id_number_idx" FROM_SCOPE
    " AND c.phone_idx IS NOT NULL ORDER BY c.phone_idx, c.customer_no)"
    " GROUP BY phone_idx HAVING count(DISTINCT coalesce(id_number_idx, customer_no)) > 1"
    " UNION ALL "
    "SELECT 'duplicate_name_birth_date', group_concat(customer_no, ','), count(*),"
    " 'name ' || name || ', born ' || birth_date"
    " FROM (SELECT c.customer_no, c.name, c.birth_date" FROM_SCOPE
    " AND c.birth_date IS NOT NULL ORDER BY c.name, c.birth_date, c.customer_no)"
    " GROUP BY name, birth_date HAVING count(*) > 1"
    " UNION ALL "
    "SELECT 'missing_contact', c.customer_no, 1, 'no phone and no email'" FROM_SCOPE
    " AND c.phone IS NULL AND c.email IS NULL"
    " UNION ALL "
    "SELECT 'missing_id_number', c.customer_no, 1, 'no ID number'" FROM_SCOPE
    " AND c.id_number IS NULL"
    " UNION ALL "
    "SELECT 'missing_risk_level', c.customer_no, 1, 'no risk level (C1..C5)'" FROM_SCOPE
    " AND c.risk_level IS NULL"
    " UNION ALL "
    "SELECT 'risk_expired', c.customer_no, 1, 'risk assessed ' || date(c.risk_assessed_at,"
    " 'unixepoch') || ', expired ' || date(c.risk_assessed_at + " CRMI_RISK_VALIDITY_SQL
    ", 'unixepoch')" FROM_SCOPE " AND c.risk_assessed_at + " CRMI_RISK_VALIDITY_SQL " < :now"
    " UNION ALL "
    "SELECT 'invalid_value', c.customer_no, 1, crmi_revalidate(" STORED_FIELDS
    ") AS problem" FROM_SCOPE " AND problem IS NOT NULL";

/* Which SQL value each argument of crmi_revalidate becomes. */
static const struct {
    const char *field;
    crm_value_type type;
} stored[] = {
    {"name", CRM_TYPE_TEXT},
    {"id_type", CRM_TYPE_TEXT},
    {"gender", CRM_TYPE_TEXT},
    {"birth_date", CRM_TYPE_TEXT},
    {"city", CRM_TYPE_TEXT},
    {"province", CRM_TYPE_TEXT},
    {"occupation", CRM_TYPE_TEXT},
    {"annual_income", CRM_TYPE_MONEY},
    {"total_assets", CRM_TYPE_MONEY},
    {"risk_level", CRM_TYPE_TEXT},
    {"risk_assessed_at", CRM_TYPE_TEXT},
    {"branch", CRM_TYPE_TEXT},
    {"manager", CRM_TYPE_TEXT},
    {"consent_sms", CRM_TYPE_INT},
    {"consent_email", CRM_TYPE_INT},
    {"consent_phone", CRM_TYPE_INT},
};
#define N_STORED ((int)(sizeof stored / sizeof stored[0]))

static int put_stored(crm_record *rec, int i, sqlite3_value *v)
{
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return CRM_OK;
    if (stored[i].type == CRM_TYPE_TEXT)
        return crmi_record_put_text(rec, stored[i].field, (const char *)sqlite3_value_text(v));
    if (stored[i].type == CRM_TYPE_MONEY)
        return crm_record_set_money(rec, stored[i].field, sqlite3_value_int64(v));
    return crmi_record_put_int(rec, stored[i].field, sqlite3_value_int64(v));
}

/* crmi_revalidate(fields...): NULL when today's validation accepts the
 * stored values, else its message. */
static void revalidate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    crm_db *db = sqlite3_user_data(ctx);
    crm_record *rec = NULL;
    if (argc != N_STORED || crm_record_new(&rec) != CRM_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int rc = CRM_OK;
    for (int i = 0; !rc && i < argc; i++)
        rc = put_stored(rec, i, argv[i]);
    crmi_customer c;
    if (!rc && (rc = crmi_customer_validate(db, rec, true, &c)) == CRM_OK)
        crmi_customer_clear(&c);
    crm_record_free(rec);
    if (rc == CRM_E_NOMEM)
        sqlite3_result_error_nomem(ctx);
    else if (rc)
        sqlite3_result_text(ctx, crm_db_errmsg(db), -1, SQLITE_TRANSIENT);
    crmi_error_clear(db);
}

/* Registers crmi_revalidate on the handle's connection. SQLITE_BUSY means
 * a report still running uses it: it is registered already. */
static int register_revalidate(crm_db *db)
{
    int rc = sqlite3_create_function_v2(db->sql, "crmi_revalidate", N_STORED,
                                        SQLITE_UTF8 | SQLITE_DIRECTONLY, db, revalidate, NULL, NULL,
                                        NULL);
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? CRM_OK
                                                : crmi_sqlite_error(db, rc, "quality report");
}

CRM_EXTERN(int) crm_customer_quality(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "quality report: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = register_revalidate(db);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_QUALITY);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_customer_scope_bind(db, st);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), crm_db_now(db));
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
