/*
 * Internal customer services shared by the files of lib/customer and by the
 * modules built on customers (import, search, segments, campaigns).
 */
#ifndef CRMI_CUSTOMER_INT_H
#define CRMI_CUSTOMER_INT_H

#include "access/access_int.h"
#include "core/validate_int.h"
#include "crm/customer.h"
#include "security/security_int.h"

/* ------------------------------------------------------------ validation */

typedef struct crmi_id_info {
    char number[19];     /* 18 characters, check character upper-case */
    char birth_date[11]; /* YYYY-MM-DD */
    char gender;         /* 'M' or 'F' */
    const char *province; /* full name, static */
} crmi_id_info;

/* Parses a resident ID number (18 or 15 digits); false with the reason in
 * `why` ("check digit is 7, expected X"). A birth date after `today` (epoch
 * seconds) is refused. */
bool crmi_id_number_parse(crmi_id_info *out, const char *in, int64_t today, char *why,
                          size_t why_size);
bool crmi_luhn_valid(const char *digits);

/* Province names: by the two-digit code of an ID number, or by full or short
 * name; the full name, or NULL if unknown. */
const char *crmi_province_by_code(int code);
const char *crmi_province_by_name(const char *name);

/* The personal fields: sealed under the customer's key, blind-indexed where
 * exact lookup needs it, stored masked for display. */
typedef enum crmi_personal {
    CRMI_PF_ID_NUMBER,
    CRMI_PF_PHONE,
    CRMI_PF_EMAIL,
    CRMI_PF_ADDRESS,
    CRMI_PF_CARD_NUMBER,
    CRMI_PF_COUNT
} crmi_personal;

extern const char *const crmi_personal_names[CRMI_PF_COUNT];

/* A validated customer (or, for updates, the validated changes): every text
 * normalised, every value owned. `set` says which fields were given. */
typedef struct crmi_customer {
    uint64_t set; /* bit per crmi_field below */
    char *customer_no, *name, *id_type, *gender, *birth_date, *city, *province, *occupation;
    char *risk_level, *branch, *manager;
    char *personal[CRMI_PF_COUNT];
    int64_t annual_income, total_assets, risk_assessed_at;
    int consent_sms, consent_email, consent_phone;
    crm_record *ext; /* "ext.<name>" fields, name without the prefix */
    const char *reason; /* borrowed: why a change was made, for the audit log */
} crmi_customer;

typedef enum crmi_field {
    CRMI_F_CUSTOMER_NO, CRMI_F_NAME, CRMI_F_ID_TYPE, CRMI_F_ID_NUMBER, CRMI_F_GENDER,
    CRMI_F_BIRTH_DATE, CRMI_F_PHONE, CRMI_F_EMAIL, CRMI_F_ADDRESS, CRMI_F_CARD_NUMBER,
    CRMI_F_CITY, CRMI_F_PROVINCE, CRMI_F_OCCUPATION, CRMI_F_ANNUAL_INCOME, CRMI_F_TOTAL_ASSETS,
    CRMI_F_RISK_LEVEL, CRMI_F_RISK_ASSESSED_AT, CRMI_F_BRANCH, CRMI_F_MANAGER,
    CRMI_F_CONSENT_SMS, CRMI_F_CONSENT_EMAIL, CRMI_F_CONSENT_PHONE, CRMI_F_EXT,
    CRMI_F_COUNT
} crmi_field;

/* How long a risk assessment stays valid when the bank's questionnaire
 * (lib/risk) says nothing else: one year. Text form for SQL. */
#define CRMI_RISK_VALIDITY_SQL "31536000"
#define CRMI_RISK_VALIDITY_SECONDS (365 * 86400LL)

#define CRMI_HAS(c, f) (((c)->set >> (f)) & 1u)

/* The record field name of a crmi_field ("ext" for CRMI_F_EXT). */
const char *crmi_customer_field_name(crmi_field f);

/* Validates a full customer (create) or a set of changes (update, where
 * customer_no may not appear). Messages name the field. */
int crmi_customer_validate(crm_db *db, const crm_record *in, bool is_update, crmi_customer *out);
void crmi_customer_clear(crmi_customer *c);

/* ------------------------------------------------------------------ store */

typedef enum crmi_dup_policy { CRMI_DUP_ERROR, CRMI_DUP_SKIP, CRMI_DUP_UPDATE } crmi_dup_policy;
typedef enum crmi_store_outcome { CRMI_INSERTED, CRMI_UPDATED, CRMI_SKIPPED } crmi_store_outcome;

/* Stores a validated new customer with its audit entry, inside the caller's
 * transaction. A customer whose ID number (or customer_no) is already stored
 * is handled per `dup`: CRM_E_CONFLICT, skipped, or updated with the given
 * fields. Checks the actor may create in that branch. */
int crmi_customer_store(crm_db *db, crmi_customer *c, crmi_dup_policy dup,
                        crmi_store_outcome *outcome);

/* --------------------------------------------------------------- access */

/* Which customers the actor sees. Bind with crmi_customer_scope_bind after
 * crmi_access_require; `c` is crm_customer and `b` its crm_branch. */
#define CRMI_CUSTOMER_SCOPE                                                                        \
    " c.status <> 'purged' AND (c.status = 'active' OR :scope_restricted)"                         \
    " AND (:scope_all OR c.manager_id = :scope_uid OR (:scope_path IS NOT NULL"                     \
    " AND substr(b.path, 1, length(:scope_path)) = :scope_path))"

void crmi_customer_scope_bind(const crm_db *db, sqlite3_stmt *st);

/* Steps a customer read whose scope is bound, checking the actor's right to
 * read customers inside the statement's read transaction (rebinding and
 * stepping again when the actor changed). On CRM_OK *step is the SQLite
 * result of the step; on an error the statement is reset. */
int crmi_customer_step_scoped(crm_db *db, sqlite3_stmt *st, int *step);

/* Finds a visible customer's id (and version); CRM_E_NOT_FOUND also when it
 * exists but the actor may not see it. */
int crmi_customer_find(crm_db *db, const char *customer_no, int64_t *out_id,
                       int64_t *out_version);

/* ---------------------------------------------------------- subject keys */

/* The customer's own key, sealed under the data key in crm_customer_key.
 * Loading fails with CRM_E_NOT_FOUND after purge destroyed it. */
int crmi_customer_key_load(crm_db *db, int64_t customer_id, unsigned char key[CRM_KEY_SIZE]);
int crmi_customer_key_store(crm_db *db, int64_t customer_id, const unsigned char key[CRM_KEY_SIZE]);

/* Binds a personal field as sealed value, blind index (not for address) and
 * masked copy at parameters idx[0], idx[1], idx[2]. */
int crmi_customer_bind_personal(crm_db *db, sqlite3_stmt *st, const int idx[3], crmi_personal pf,
                                const char *value, const char *customer_no,
                                const unsigned char key[CRM_KEY_SIZE]);

/* Resolves branch and manager codes and checks the actor may place a
 * customer there; manager_id 0 when none. */
int crmi_customer_place(crm_db *db, const char *branch, const char *manager, int64_t *branch_id,
                        int64_t *manager_id);

/* Writes the fuzzy-search pieces of a customer's name (every 2-character
 * piece, lower-cased), first removing the old ones when `replace`. */
int crmi_customer_index_name(crm_db *db, int64_t customer_id, const char *name, bool replace);

/* Writes extension attributes (NULL values delete). */
int crmi_customer_store_ext(crm_db *db, int64_t customer_id, const crm_record *ext);

/* The given fields as JSON with personal data masked (free with crm_free). */
int crmi_customer_audit_json(crm_db *db, const crmi_customer *c, char **out);

/* Applies validated changes to customer `id`, checking `expected_version`
 * unless it is -1, with the audit entry (masked before and after). */
int crmi_customer_change(crm_db *db, int64_t id, const char *customer_no, crmi_customer *changes,
                         int64_t expected_version);

/* --------------------------------------------------------------- reading */

/* The columns every customer read selects, in the order
 * crmi_customer_from_row expects, the last one telling whether the customer
 * has extension attributes (most have none: no second query for them); join
 * aliases c, b (branch), m (manager). */
#define CRMI_CUSTOMER_SELECT                                                                       \
    "SELECT c.id, c.customer_no, c.name, c.id_type, c.id_number_masked, c.gender,"                 \
    " c.birth_date, c.phone_masked, c.email_masked, c.address_masked, c.card_number_masked,"      \
    " c.city, c.province, c.occupation, c.annual_income, c.total_assets, c.risk_level,"           \
    " c.risk_assessed_at, b.code, m.name, c.consent_sms, c.consent_email, c.consent_phone,"       \
    " c.status, c.version, c.created_at, c.updated_at,"                                            \
    " EXISTS (SELECT 1 FROM crm_customer_ext e WHERE e.customer_id = c.id)"                        \
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"                                 \
    " LEFT JOIN crm_user m ON m.id = c.manager_id"

/* Maps a CRMI_CUSTOMER_SELECT row to a record (masked fields, derived age
 * and risk_expired, extension attributes). */
int crmi_customer_from_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx);

/* Whole years between a YYYY-MM-DD birth date and `now`; -1 if unknown. */
int crmi_age_years(const char *birth_date, int64_t now);

#endif /* CRMI_CUSTOMER_INT_H */
