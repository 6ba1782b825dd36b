/* Reading customers: who sees which (one scope for every read path), the
 * masked record, and the derived fields (age, risk expiry). */
#include "customer/customer_int.h"

#include <stdio.h>
#include <string.h>


void crmi_customer_scope_bind(const crm_db *db, sqlite3_stmt *st)
{
    /* No actor: a scope that matches nothing (the access check then says why). */
    static const struct crmi_actor nobody = {.user_id = -1};
    const struct crmi_actor *a = db->actor ? db->actor : &nobody;
    unsigned int all = CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR | CRM_ROLE_MARKETER |
                       CRM_ROLE_COMPLAINT_HANDLER;
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":scope_restricted"),
                     (a->roles & (CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR)) != 0);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":scope_all"), (a->roles & all) != 0);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":scope_uid"), a->user_id);
    int path = sqlite3_bind_parameter_index(st, ":scope_path");
    if (a->roles & CRM_ROLE_BRANCH_MANAGER)
        crmi_bind_text_len(st, path, a->branch_path, -1);
    else
        sqlite3_bind_null(st, path);
}

int crmi_customer_step_scoped(crm_db *db, sqlite3_stmt *st, int *step)
{
    *step = crmi_step(st);
    bool reloaded;
    int rc = crmi_access_require_open(db, CRMI_OP_CUSTOMER_READ, &reloaded);
    if (!rc && reloaded) {
        sqlite3_reset(st);
        crmi_customer_scope_bind(db, st);
        *step = crmi_step(st);
    }
    if (rc)
        sqlite3_reset(st);
    return rc;
}

static const char SQL_FIND[] =
    "SELECT c.id, c.version FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE c.customer_no = :no AND" CRMI_CUSTOMER_SCOPE;

int crmi_customer_find(crm_db *db, const char *customer_no, int64_t *out_id, int64_t *out_version)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_FIND);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":no"), customer_no);
    crmi_customer_scope_bind(db, st);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        *out_id = sqlite3_column_int64(st, 0);
        if (out_version)
            *out_version = sqlite3_column_int64(st, 1);
    } else {
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no customer %.40s", customer_no)
                                 : crmi_sqlite_error(db, step, "find customer");
    }
    sqlite3_reset(st);
    return rc;
}

int crmi_age_years(const char *birth_date, int64_t now)
{
    int by, bm, bd, tm, td;
    int64_t ty;
    if (!crmi_date_digits(birth_date, &by, &bm, &bd))
        return -1;
    crmi_utc_date(now, &ty, &tm, &td);
    return (int)(ty - by) - ((tm < bm || (tm == bm && td < bd)) ? 1 : 0);
}

/* How each column of CRMI_CUSTOMER_SELECT after the id becomes a field. */
typedef enum { AS_STORED, AS_MONEY, AS_DATE, AS_DATE_OF_TIME, AS_TIME } column_kind;

static const struct {
    const char *name;
    column_kind kind;
} columns[] = {
    {"customer_no", AS_STORED},     {"name", AS_STORED},          {"id_type", AS_STORED},
    {"id_number", AS_STORED},       {"gender", AS_STORED},        {"birth_date", AS_DATE},
    {"phone", AS_STORED},           {"email", AS_STORED},         {"address", AS_STORED},
    {"card_number", AS_STORED},     {"city", AS_STORED},          {"province", AS_STORED},
    {"occupation", AS_STORED},      {"annual_income", AS_MONEY},  {"total_assets", AS_MONEY},
    {"risk_level", AS_STORED},      {"risk_assessed_at", AS_DATE_OF_TIME},
    {"branch", AS_STORED},          {"manager", AS_STORED},       {"consent_sms", AS_STORED},
    {"consent_email", AS_STORED},   {"consent_phone", AS_STORED}, {"status", AS_STORED},
    {"version", AS_STORED},         {"created_at", AS_TIME},      {"updated_at", AS_TIME}};
#define N_COLUMNS (sizeof columns / sizeof columns[0])
#define COLUMN_HAS_EXT (N_COLUMNS + 1)

static int put_column(crm_record *r, sqlite3_stmt *st, int col, size_t i)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL)
        return CRM_OK;
    const char *name = columns[i].name;
    char text[32];
    switch (columns[i].kind) {
    case AS_MONEY: return crm_record_set_money(r, name, sqlite3_column_int64(st, col));
    case AS_DATE: return crm_record_set_date(r, name, (const char *)sqlite3_column_text(st, col));
    case AS_DATE_OF_TIME:
        crm_time_format(text, sizeof text, sqlite3_column_int64(st, col));
        text[10] = '\0';
        return crm_record_set_date(r, name, text);
    case AS_TIME:
        crm_time_format(text, sizeof text, sqlite3_column_int64(st, col));
        return crmi_record_put_text(r, name, text);
    default:
        return type == SQLITE_INTEGER
                   ? crmi_record_put_int(r, name, sqlite3_column_int64(st, col))
                   : crmi_record_put_text(r, name, (const char *)sqlite3_column_text(st, col));
    }
}

static int put_derived(crm_record *r, crm_db *db, sqlite3_stmt *st)
{
    int64_t now = crm_db_now(db);
    int age = crmi_age_years((const char *)sqlite3_column_text(st, 6), now);
    int rc = age >= 0 ? crmi_record_put_int(r, "age", age) : CRM_OK;
    if (!rc) {
        bool assessed = sqlite3_column_type(st, 17) != SQLITE_NULL;
        int64_t expires = sqlite3_column_int64(st, 17) + CRMI_RISK_VALIDITY_SECONDS;
        rc = crmi_record_put_int(r, "risk_expired", !assessed || expires < now);
    }
    return rc;
}

static const char SQL_EXT[] = "SELECT name, value FROM crm_customer_ext WHERE customer_id = ?";

static int put_ext(crm_record *r, crm_db *db, int64_t id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_EXT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int rc = CRM_OK;
    while (!rc && crmi_step(st) == SQLITE_ROW) {
        char name[80];
        snprintf(name, sizeof name, "ext.%s", (const char *)sqlite3_column_text(st, 0));
        rc = crmi_record_put_text(r, name, (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return rc;
}

int crmi_customer_from_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    crm_record *r = NULL;
    int rc = crmi_record_new_sized(&r, 32); /* the columns, derived fields, search extras */
    for (size_t i = 0; !rc && i < N_COLUMNS; i++)
        rc = put_column(r, st, (int)i + 1, i);
    if (!rc)
        rc = put_derived(r, db, st);
    if (!rc && sqlite3_column_int(st, COLUMN_HAS_EXT))
        rc = put_ext(r, db, sqlite3_column_int64(st, 0));
    if (rc) {
        crm_record_free(r);
        return crmi_error(db, rc, "read customer: %s", crm_errstr(rc));
    }
    *out = r;
    return CRM_OK;
}

static const char SQL_GET[] = CRMI_CUSTOMER_SELECT " WHERE c.customer_no = :no AND" CRMI_CUSTOMER_SCOPE;

CRM_EXTERN(int) crm_customer_get(crm_record **out, crm_db *db, const char *customer_no)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer get: NULL argument");
    crmi_error_clear(db);
    sqlite3_stmt *st = crmi_stmt(db, SQL_GET);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":no"), customer_no);
    crmi_customer_scope_bind(db, st);
    int step, rc = crmi_customer_step_scoped(db, st, &step);
    if (rc)
        return rc;
    if (step == SQLITE_ROW)
        rc = crmi_customer_from_row(out, db, st, NULL);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no customer %.40s", customer_no)
                                 : crmi_sqlite_error(db, step, "read customer");
    sqlite3_reset(st);
    return rc;
}
