/* Enumerations and typed field readers for products, holdings and
 * transactions. Every error names the field and says why. */
#include "product/product_int.h"

#include <string.h>

#define ENUM(name, list, ...)                                                                      \
    static const char *const name##_values[] = {__VA_ARGS__};                                      \
    const crmi_enum name = {name##_values, sizeof name##_values / sizeof name##_values[0], list}

ENUM(crmi_product_types, "deposit, loan, wealth, fund, insurance, credit_card", "deposit", "loan",
     "wealth", "fund", "insurance", "credit_card");
ENUM(crmi_risk_ratings, "R1, R2, R3, R4, R5", "R1", "R2", "R3", "R4", "R5");
ENUM(crmi_txn_types,
     "deposit, withdrawal, purchase, redemption, transfer_in, transfer_out, repayment, card_spend",
     "deposit", "withdrawal", "purchase", "redemption", "transfer_in", "transfer_out", "repayment",
     "card_spend");
ENUM(crmi_txn_channels, "branch, mobile, online, atm, phone", "branch", "mobile", "online", "atm",
     "phone");

int crmi_enum_find(const crmi_enum *e, const char *value)
{
    for (size_t i = 0; value && i < e->count; i++)
        if (strcmp(e->values[i], value) == 0)
            return (int)i;
    return -1;
}

int crmi_field_enum(crm_db *db, const crm_record *rec, const char *field, const crmi_enum *e,
                    bool required, const char **out)
{
    int rc = crmi_record_text(db, rec, field, required, out);
    if (rc || !*out || crmi_enum_find(e, *out) >= 0)
        return rc;
    return crmi_error(db, CRM_E_INVALID_DATA, "field %s: '%.40s' is not one of %s", field, *out,
                      e->list);
}

int crmi_field_int(crm_db *db, const crm_record *rec, const char *field, int64_t min, int64_t max,
                   bool *present, int64_t *out)
{
    crm_value_type type = crm_record_type(rec, field);
    *present = type != CRM_TYPE_NULL;
    if (!*present)
        return CRM_OK;
    if (type != CRM_TYPE_INT)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: expected an integer", field);
    crm_record_get_int(out, rec, field);
    if (*out < min || *out > max)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: %lld is outside %lld..%lld", field,
                          (long long)*out, (long long)min, (long long)max);
    return CRM_OK;
}

int crmi_field_money(crm_db *db, const crm_record *rec, const char *field, int64_t min,
                     int64_t *out)
{
    crm_value_type type = crm_record_type(rec, field);
    if (type == CRM_TYPE_NULL)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: required", field);
    if (type != CRM_TYPE_MONEY && type != CRM_TYPE_INT)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: expected money in fen", field);
    crm_record_get_int(out, rec, field);
    if (*out < min)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: %lld fen is below %lld", field,
                          (long long)*out, (long long)min);
    return CRM_OK;
}

/* Reads a date or text field: *text NULL when absent. */
static int field_date_text(crm_db *db, const crm_record *rec, const char *field, const char **text)
{
    crm_value_type type = crm_record_type(rec, field);
    *text = NULL;
    if (type == CRM_TYPE_NULL)
        return CRM_OK;
    if (type != CRM_TYPE_DATE && type != CRM_TYPE_TEXT)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: expected a date", field);
    return crm_record_get_text(text, rec, field);
}

int crmi_field_date(crm_db *db, const crm_record *rec, const char *field, bool *present,
                    char out[11])
{
    const char *text;
    int64_t epoch;
    int rc = field_date_text(db, rec, field, &text);
    *present = text != NULL;
    if (rc || !text)
        return rc;
    if (strlen(text) != 10 || crm_time_parse(&epoch, text) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: '%.40s' is not a date YYYY-MM-DD",
                          field, text);
    memcpy(out, text, 11);
    return CRM_OK;
}

int crmi_field_time(crm_db *db, const crm_record *rec, const char *field, bool *present,
                    int64_t *out)
{
    const char *text;
    int rc = field_date_text(db, rec, field, &text);
    *present = text != NULL;
    if (rc || !text)
        return rc;
    if (crm_time_parse(out, text) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "field %s: '%.40s' is not UTC ISO-8601 (YYYY-MM-DDTHH:MM:SSZ or "
                          "YYYY-MM-DD)",
                          field, text);
    return CRM_OK;
}

int crmi_record_as_money(crm_record *rec, const char *field)
{
    int64_t fen;
    if (crm_record_type(rec, field) != CRM_TYPE_INT)
        return CRM_OK;
    crm_record_get_int(&fen, rec, field);
    return crm_record_set_money(rec, field, fen);
}

int crmi_record_as_date(crm_record *rec, const char *field)
{
    const char *text;
    if (crm_record_type(rec, field) != CRM_TYPE_TEXT)
        return CRM_OK;
    crm_record_get_text(&text, rec, field);
    char copy[11];
    if (strlen(text) != 10)
        return CRM_OK; /* not a date after all: left as text */
    memcpy(copy, text, sizeof copy);
    return crm_record_set_date(rec, field, copy);
}

int crmi_filter_check(crm_db *db, const crm_record *filter, const char *const known[],
                      size_t n_known, const char *what)
{
    for (size_t i = 0; filter && i < crm_record_count(filter); i++) {
        const char *name = crm_record_field_name(filter, i);
        size_t k = 0;
        while (k < n_known && strcmp(known[k], name) != 0)
            k++;
        if (k == n_known)
            return crmi_error(db, CRM_E_INVALID_ARG, "%s filter: unknown field %s", what, name);
    }
    return CRM_OK;
}

int crmi_filter_enum(crm_db *db, const crm_record *filter, const char *field, const crmi_enum *e,
                     const char *what, const char **out)
{
    *out = NULL;
    if (!filter || crm_record_type(filter, field) == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_type(filter, field) != CRM_TYPE_TEXT)
        return crmi_error(db, CRM_E_INVALID_ARG, "%s filter %s: expected text", what, field);
    crm_record_get_text(out, filter, field);
    if (crmi_enum_find(e, *out) < 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "%s filter %s: '%.40s' is not one of %s", what,
                          field, *out, e->list);
    return CRM_OK;
}

int crmi_filter_text(crm_db *db, const crm_record *filter, const char *field, const char *what,
                     const char **out)
{
    *out = NULL;
    if (!filter || crm_record_type(filter, field) == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_type(filter, field) != CRM_TYPE_TEXT)
        return crmi_error(db, CRM_E_INVALID_ARG, "%s filter %s: expected text", what, field);
    return crm_record_get_text(out, filter, field);
}

int crmi_filter_limit(crm_db *db, const crm_record *filter, const char *what, int64_t *out)
{
    *out = INT64_MAX;
    if (!filter || crm_record_type(filter, "limit") == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_type(filter, "limit") != CRM_TYPE_INT ||
        crm_record_get_int(out, filter, "limit") != CRM_OK || *out < 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "%s filter limit: expected an integer >= 0",
                          what);
    return CRM_OK;
}

int crmi_filter_time(crm_db *db, const crm_record *filter, const char *field, const char *what,
                     bool *present, int64_t *out)
{
    *present = false;
    if (!filter)
        return CRM_OK;
    int rc = crmi_field_time(db, filter, field, present, out);
    if (rc)
        return crmi_error(db, CRM_E_INVALID_ARG, "%s filter %s: expected ISO-8601 time or date",
                          what, field);
    return CRM_OK;
}

int crmi_row_with_money(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    const char *money_field = ctx;
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    if (!rc && (rc = crmi_record_as_money(rec, money_field)))
        crm_record_free(rec);
    if (rc)
        return crmi_error(db, rc, "read %s: out of memory", money_field);
    *out = rec;
    return CRM_OK;
}
