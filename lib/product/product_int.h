/*
 * Internal services shared by the files of lib/product: the enumerations of
 * the schema (migration 0002) and typed field readers that name the field in
 * their errors.
 */
#ifndef CRMI_PRODUCT_INT_H
#define CRMI_PRODUCT_INT_H

#include "access/access_int.h"
#include "customer/customer_int.h"
#include "core/validate_int.h"
#include "crm/product.h"
#include "security/security_int.h"

/* Validates and stores one transaction (crm_txn_add's fields) in its own
 * savepoint, running the alert rules over it; the caller checked the
 * actor's right (crm_txn_add per call, an import per batch). A `ref` already stored is
 * refused (CRM_E_CONFLICT), skipped or written over per `dup`, as *outcome
 * says; an update raises no alerts. */
int crmi_txn_store(crm_db *db, const crm_record *txn, crmi_dup_policy dup,
                   crmi_store_outcome *outcome);

/* Stores one holding row (customer_no, product_code, balance in fen) as
 * crm_holding_set does, `dup` deciding for a holding already stored; the
 * engine of crm_holding_import, which checks the actor's right per batch. */
int crmi_holding_store(crm_db *db, const crm_record *row, crmi_dup_policy dup,
                       crmi_store_outcome *outcome);

/* The id of the product `code`; CRM_E_NOT_FOUND naming field product_code. */
int crmi_product_find(crm_db *db, const char *code, int64_t *out_id);

/* A closed set of text values; `values` mirror a CHECK constraint. */
typedef struct crmi_enum {
    const char *const *values;
    size_t count;
    const char *list; /* "deposit, loan, ..." for messages */
} crmi_enum;

extern const crmi_enum crmi_product_types;
extern const crmi_enum crmi_risk_ratings;
extern const crmi_enum crmi_txn_types;
extern const crmi_enum crmi_txn_channels;

/* The index of `value` in `e`, or -1. */
int crmi_enum_find(const crmi_enum *e, const char *value);

/* Reads text field `field` of `rec` and checks it is one of `e`; *out NULL
 * when absent and not required. CRM_E_INVALID_DATA naming the field. */
int crmi_field_enum(crm_db *db, const crm_record *rec, const char *field, const crmi_enum *e,
                    bool required, const char **out);

/* Reads an integer field within [min, max]; *present false when absent. */
int crmi_field_int(crm_db *db, const crm_record *rec, const char *field, int64_t min, int64_t max,
                   bool *present, int64_t *out);

/* Reads a money field (money or int, fen) of at least `min`; required. */
int crmi_field_money(crm_db *db, const crm_record *rec, const char *field, int64_t min,
                     int64_t *out);

/* Reads a date field ("YYYY-MM-DD", as date or text) into out; *present
 * false when absent. */
int crmi_field_date(crm_db *db, const crm_record *rec, const char *field, bool *present,
                    char out[11]);

/* Reads an ISO-8601 time (or date) field as epoch seconds; *present false
 * when absent. */
int crmi_field_time(crm_db *db, const crm_record *rec, const char *field, bool *present,
                    int64_t *out);

/* Re-types integer field `field` of a result record as money; absent is fine. */
int crmi_record_as_money(crm_record *rec, const char *field);

/* An iterator row mapper: the row as a record with the money column named
 * by `ctx` (a static string) typed as money. */
int crmi_row_with_money(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx);

/* Re-types text field `field` of a result record as a date; absent is fine. */
int crmi_record_as_date(crm_record *rec, const char *field);

/* Filters of list calls: each refuses a value of the wrong type with
 * CRM_E_INVALID_ARG naming `what` and the field, and binds nothing when the
 * field is absent. */
int crmi_filter_check(crm_db *db, const crm_record *filter, const char *const known[],
                      size_t n_known, const char *what);
int crmi_filter_enum(crm_db *db, const crm_record *filter, const char *field, const crmi_enum *e,
                     const char *what, const char **out);
int crmi_filter_time(crm_db *db, const crm_record *filter, const char *field, const char *what,
                     bool *present, int64_t *out);
int crmi_filter_text(crm_db *db, const crm_record *filter, const char *field, const char *what,
                     const char **out);
/* "limit" (int >= 0); INT64_MAX when absent. */
int crmi_filter_limit(crm_db *db, const crm_record *filter, const char *what, int64_t *out);

#endif /* CRMI_PRODUCT_INT_H */
