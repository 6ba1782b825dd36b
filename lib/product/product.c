/* Products: the catalogue a bank sells, each with its type, risk rating
 * (R1..R5, for investor suitability), term, expected yield and sale window. */
#include "product/product_int.h"

#include <string.h>

#define PRODUCT_TERM_MAX 36500  /* 100 years, in days */
#define PRODUCT_YIELD_MAX 10000 /* 100%, in basis points */

/* A validated product; texts borrow the caller's record. */
typedef struct product_input {
    const char *code, *name, *type, *risk_rating;
    bool has_term, has_yield, has_start, has_end;
    int64_t term_days, yield_bps;
    char sale_start[11], sale_end[11];
} product_input;

static int validate_numbers(crm_db *db, const crm_record *rec, product_input *p)
{
    int rc = crmi_field_int(db, rec, "term_days", 0, PRODUCT_TERM_MAX, &p->has_term, &p->term_days);
    if (!rc)
        rc = crmi_field_int(db, rec, "yield_bps", 0, PRODUCT_YIELD_MAX, &p->has_yield,
                            &p->yield_bps);
    if (!rc)
        rc = crmi_field_date(db, rec, "sale_start", &p->has_start, p->sale_start);
    if (!rc)
        rc = crmi_field_date(db, rec, "sale_end", &p->has_end, p->sale_end);
    if (!rc && p->has_start && p->has_end && strcmp(p->sale_end, p->sale_start) < 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field sale_end: %s is before sale_start %s",
                        p->sale_end, p->sale_start);
    return rc;
}

static int validate_product(crm_db *db, const crm_record *rec, product_input *p)
{
    static const char *const known[] = {"code",      "name",      "type",       "risk_rating",
                                        "term_days", "yield_bps", "sale_start", "sale_end"};
    int rc = crmi_record_check_fields(db, rec, known, sizeof known / sizeof known[0], "product");
    if (!rc)
        rc = crmi_record_text(db, rec, "code", true, &p->code);
    if (!rc)
        rc = crmi_validate_code(db, "code", p->code, 32);
    if (!rc)
        rc = crmi_record_text(db, rec, "name", true, &p->name);
    if (!rc)
        rc = crmi_validate_text(db, "name", p->name, 100);
    if (!rc)
        rc = crmi_field_enum(db, rec, "type", &crmi_product_types, true, &p->type);
    if (!rc)
        rc = crmi_field_enum(db, rec, "risk_rating", &crmi_risk_ratings, true, &p->risk_rating);
    return rc ? rc : validate_numbers(db, rec, p);
}

static const char SQL_EXISTS[] = "SELECT 1 FROM crm_product WHERE code = ?1";
static const char SQL_INSERT[] =
    "INSERT INTO crm_product (code, name, type, risk_rating, term_days, yield_bps, sale_start,"
    " sale_end, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static void bind_optional_int(sqlite3_stmt *st, int idx, bool present, int64_t value)
{
    if (present)
        sqlite3_bind_int64(st, idx, value);
    else
        sqlite3_bind_null(st, idx);
}

static int insert_product(crm_db *db, const product_input *p)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_EXISTS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, p->code);
    int step = crmi_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return crmi_error(db, CRM_E_CONFLICT, "product %s already exists", p->code);
    if (step != SQLITE_DONE)
        return crmi_sqlite_error(db, step, "find product");
    if (!(st = crmi_stmt(db, SQL_INSERT)))
        return db->errcode;
    crmi_bind_text(st, 1, p->code);
    crmi_bind_text(st, 2, p->name);
    crmi_bind_text(st, 3, p->type);
    crmi_bind_text(st, 4, p->risk_rating);
    bind_optional_int(st, 5, p->has_term, p->term_days);
    bind_optional_int(st, 6, p->has_yield, p->yield_bps);
    crmi_bind_text(st, 7, p->has_start ? p->sale_start : NULL);
    crmi_bind_text(st, 8, p->has_end ? p->sale_end : NULL);
    sqlite3_bind_int64(st, 9, crm_db_now(db));
    return crmi_exec_stmt(db, st, "insert product");
}

static int audit_product_add(crm_db *db, const product_input *p)
{
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"code\":");
    crmi_buf_json_string(&after, p->code);
    crmi_buf_puts(&after, ",\"name\":");
    crmi_buf_json_string(&after, p->name);
    crmi_buf_puts(&after, ",\"type\":");
    crmi_buf_json_string(&after, p->type);
    crmi_buf_puts(&after, ",\"risk_rating\":");
    crmi_buf_json_string(&after, p->risk_rating);
    if (p->has_term)
        crmi_buf_printf(&after, ",\"term_days\":%lld", (long long)p->term_days);
    if (p->has_yield)
        crmi_buf_printf(&after, ",\"yield_bps\":%lld", (long long)p->yield_bps);
    if (p->has_start)
        crmi_buf_printf(&after, ",\"sale_start\":\"%s\"", p->sale_start);
    if (p->has_end)
        crmi_buf_printf(&after, ",\"sale_end\":\"%s\"", p->sale_end);
    crmi_buf_putc(&after, '}');
    if (after.failed) {
        crmi_buf_free(&after);
        return crmi_error(db, CRM_E_NOMEM, "audit: out of memory");
    }
    crmi_audit_entry e = {
        .action = "product.add", .entity = "product", .entity_id = p->code, .after = after.data};
    int rc = crmi_audit_append(db, &e);
    crmi_buf_free(&after);
    return rc;
}

CRM_EXTERN(int) crm_product_add(crm_db *db, const crm_record *product)
{
    if (!db || !product)
        return crmi_error(db, CRM_E_INVALID_ARG, "product add: NULL argument");
    crmi_error_clear(db);
    product_input p = {0};
    int rc = crmi_access_require(db, CRMI_OP_PRODUCT_ADMIN);
    if (!rc)
        rc = validate_product(db, product, &p);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = insert_product(db, &p);
    if (!rc)
        rc = audit_product_add(db, &p);
    return crmi_txn_end(db, rc);
}

/* ---------------------------------------------------------------- reading */

#define PRODUCT_COLUMNS                                                                            \
    "SELECT code, name, type, risk_rating, term_days, yield_bps, sale_start, sale_end,"            \
    " strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at FROM crm_product"

static const char SQL_GET[] = PRODUCT_COLUMNS " WHERE code = ?1";
static const char SQL_LIST[] =
    PRODUCT_COLUMNS " WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR risk_rating = ?2)"
                    " AND (?3 IS NULL OR risk_rating <= ?3)"
                    " AND (?4 IS NULL OR ((sale_start IS NULL OR sale_start <= ?4)"
                    " AND (sale_end IS NULL OR sale_end >= ?4)))"
                    " ORDER BY code";

/* A product row as a record, sale dates typed as dates. */
static int product_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    if (!rc)
        rc = crmi_record_as_date(rec, "sale_start");
    if (!rc)
        rc = crmi_record_as_date(rec, "sale_end");
    if (rc) {
        crm_record_free(rec);
        return rc == CRM_E_NOMEM ? crmi_error(db, rc, "product: out of memory") : rc;
    }
    *out = rec;
    return CRM_OK;
}

CRM_EXTERN(int) crm_product_get(crm_record **out, crm_db *db, const char *code)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "product get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_PRODUCT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        rc = product_row(out, db, st, NULL);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no product %.40s", code)
                                 : crmi_sqlite_error(db, step, "read product");
    sqlite3_reset(st);
    return rc;
}

/* The day a filter's on_sale_at names, as "YYYY-MM-DD"; "" when absent. */
static int on_sale_day(crm_db *db, const crm_record *filter, char day[21])
{
    bool present;
    int64_t at;
    day[0] = '\0';
    int rc = crmi_filter_time(db, filter, "on_sale_at", "product list", &present, &at);
    if (rc || !present)
        return rc;
    if (crm_time_format(day, 21, at) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "product list filter on_sale_at: out of range");
    day[10] = '\0';
    return CRM_OK;
}

static int bind_list_filter(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    static const char *const known[] = {"type", "risk_rating", "max_risk_rating", "on_sale_at"};
    const char *type, *rating, *max_rating;
    char day[21];
    int rc = crmi_filter_check(db, filter, known, sizeof known / sizeof known[0], "product list");
    if (!rc)
        rc = crmi_filter_enum(db, filter, "type", &crmi_product_types, "product list", &type);
    if (!rc)
        rc = crmi_filter_enum(db, filter, "risk_rating", &crmi_risk_ratings, "product list",
                              &rating);
    if (!rc)
        rc = crmi_filter_enum(db, filter, "max_risk_rating", &crmi_risk_ratings, "product list",
                              &max_rating);
    if (!rc)
        rc = on_sale_day(db, filter, day);
    if (rc)
        return rc;
    crmi_bind_text(st, 1, type);
    crmi_bind_text(st, 2, rating);
    crmi_bind_text(st, 3, max_rating);
    crmi_bind_text(st, 4, day[0] ? day : NULL);
    return CRM_OK;
}

CRM_EXTERN(int) crm_product_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "product list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_PRODUCT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    if ((rc = bind_list_filter(db, st, filter))) {
        sqlite3_finalize(st);
        return rc;
    }
    return crmi_iter_new(out, db, st, product_row, NULL, NULL);
}

/* ----------------------------------------------------------------- lookup */

static const char SQL_ID[] = "SELECT id FROM crm_product WHERE code = ?1";

int crmi_product_find(crm_db *db, const char *code, int64_t *out_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ID);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        *out_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE
               ? crmi_error(db, CRM_E_NOT_FOUND, "field product_code: no product %.40s", code)
               : crmi_sqlite_error(db, step, "find product");
}
