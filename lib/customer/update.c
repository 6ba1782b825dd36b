/* Changing customers (optimistic concurrency, masked before/after in the
 * audit log) and revealing personal fields in clear (audited with why). */
#include "customer/customer_int.h"
#include "segment/segment_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* One statement for every change: each column keeps its value unless its
 * flag is set, so the cached statement serves any set of fields. */
#define KEEP(col) col " = CASE WHEN :set_" col " THEN :" col " ELSE " col " END"
#define KEEP_PERSONAL(col)                                                                         \
    col " = CASE WHEN :set_" col " THEN :" col " ELSE " col " END, " col                           \
        "_idx = CASE WHEN :set_" col " THEN :" col "_idx ELSE " col "_idx END, " col              \
        "_masked = CASE WHEN :set_" col " THEN :" col "_masked ELSE " col "_masked END"

static const char SQL_UPDATE[] =
    "UPDATE crm_customer SET " KEEP("name") ", " KEEP("id_type") ", " KEEP_PERSONAL("id_number")
    ", " KEEP_PERSONAL("phone") ", " KEEP_PERSONAL("email") ", "
    "address = CASE WHEN :set_address THEN :address ELSE address END,"
    " address_masked = CASE WHEN :set_address THEN :address_masked ELSE address_masked END, "
    KEEP_PERSONAL("card_number") ", " KEEP("gender") ", " KEEP("birth_date") ", " KEEP("city")
    ", " KEEP("province") ", " KEEP("occupation") ", " KEEP("annual_income") ", "
    KEEP("total_assets") ", " KEEP("risk_level") ", " KEEP("risk_assessed_at") ", "
    KEEP("branch_id") ", " KEEP("manager_id") ", " KEEP("consent_sms") ", "
    KEEP("consent_email") ", " KEEP("consent_phone") ", version = version + 1,"
    " updated_at = :now WHERE id = :id AND (:expected < 0 OR version = :expected)";

static int param(sqlite3_stmt *st, const char *prefix, const char *name)
{
    char full[64];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    return sqlite3_bind_parameter_index(st, full);
}

static void bind_flag(sqlite3_stmt *st, const char *name, bool set)
{
    sqlite3_bind_int(st, param(st, ":set_", name), set);
}

static void bind_text_change(sqlite3_stmt *st, const crmi_customer *c, crmi_field f,
                             const char *name, const char *value)
{
    bind_flag(st, name, CRMI_HAS(c, f));
    crmi_bind_text(st, param(st, ":", name), value);
}

static void bind_int_change(sqlite3_stmt *st, const crmi_customer *c, crmi_field f,
                            const char *name, int64_t value, bool null_when_zero)
{
    bind_flag(st, name, CRMI_HAS(c, f));
    int idx = param(st, ":", name);
    if (null_when_zero && value == 0)
        sqlite3_bind_null(st, idx);
    else
        sqlite3_bind_int64(st, idx, value);
}

static int bind_personal_changes(crm_db *db, sqlite3_stmt *st, const crmi_customer *c,
                                 const char *customer_no, const unsigned char *key)
{
    static const crmi_field fields[CRMI_PF_COUNT] = {CRMI_F_ID_NUMBER, CRMI_F_PHONE, CRMI_F_EMAIL,
                                                      CRMI_F_ADDRESS, CRMI_F_CARD_NUMBER};
    int rc = CRM_OK;
    for (int pf = 0; !rc && pf < CRMI_PF_COUNT; pf++) {
        const char *name = crmi_personal_names[pf];
        bool set = CRMI_HAS(c, fields[pf]);
        bind_flag(st, name, set);
        if (!set)
            continue;
        int idx[3] = {param(st, ":", name), 0, 0};
        char sub[40];
        snprintf(sub, sizeof sub, "%s_idx", name);
        idx[1] = param(st, ":", sub);
        snprintf(sub, sizeof sub, "%s_masked", name);
        idx[2] = param(st, ":", sub);
        rc = crmi_customer_bind_personal(db, st, idx, (crmi_personal)pf, c->personal[pf],
                                         customer_no, key);
    }
    return rc;
}

static void bind_plain_changes(sqlite3_stmt *st, const crmi_customer *c, int64_t branch_id,
                               int64_t manager_id)
{
    bind_text_change(st, c, CRMI_F_NAME, "name", c->name);
    bind_text_change(st, c, CRMI_F_ID_TYPE, "id_type", c->id_type);
    bind_text_change(st, c, CRMI_F_GENDER, "gender", c->gender);
    bind_text_change(st, c, CRMI_F_BIRTH_DATE, "birth_date", c->birth_date);
    bind_text_change(st, c, CRMI_F_CITY, "city", c->city);
    bind_text_change(st, c, CRMI_F_PROVINCE, "province", c->province);
    bind_text_change(st, c, CRMI_F_OCCUPATION, "occupation", c->occupation);
    bind_text_change(st, c, CRMI_F_RISK_LEVEL, "risk_level", c->risk_level);
    bind_int_change(st, c, CRMI_F_ANNUAL_INCOME, "annual_income", c->annual_income, false);
    bind_int_change(st, c, CRMI_F_TOTAL_ASSETS, "total_assets", c->total_assets, false);
    bind_int_change(st, c, CRMI_F_RISK_ASSESSED_AT, "risk_assessed_at", c->risk_assessed_at,
                    false);
    bind_int_change(st, c, CRMI_F_BRANCH, "branch_id", branch_id, false);
    bind_int_change(st, c, CRMI_F_MANAGER, "manager_id", manager_id, true);
    bind_int_change(st, c, CRMI_F_CONSENT_SMS, "consent_sms", c->consent_sms, false);
    bind_int_change(st, c, CRMI_F_CONSENT_EMAIL, "consent_email", c->consent_email, false);
    bind_int_change(st, c, CRMI_F_CONSENT_PHONE, "consent_phone", c->consent_phone, false);
}

static const char SQL_CURRENT[] = CRMI_CUSTOMER_SELECT " WHERE c.id = ?";

/* The stored customer as a masked record (for "before" and cross-checks). */
static int load_current(crm_db *db, int64_t id, crm_record **out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_CURRENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int step = crmi_step(st);
    int rc = step == SQLITE_ROW ? crmi_customer_from_row(out, db, st, NULL)
                                : crmi_error(db, CRM_E_NOT_FOUND, "customer %lld vanished",
                                             (long long)id);
    sqlite3_reset(st);
    return rc;
}

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    return v;
}

static const char *const SQL_PERSONAL[CRMI_PF_COUNT] = {
    "SELECT id_number FROM crm_customer WHERE id = ?", "SELECT phone FROM crm_customer WHERE id = ?",
    "SELECT email FROM crm_customer WHERE id = ?", "SELECT address FROM crm_customer WHERE id = ?",
    "SELECT card_number FROM crm_customer WHERE id = ?"};

/* Decrypts one stored personal field (internal: callers audit the reveal
 * when the value leaves the library). NULL *out when not stored. */
static int read_personal(crm_db *db, int64_t id, const char *customer_no, crmi_personal pf,
                         char **out)
{
    unsigned char key[CRM_KEY_SIZE];
    *out = NULL;
    sqlite3_stmt *st = crmi_stmt(db, SQL_PERSONAL[pf]);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        !(rc = crmi_customer_key_load(db, id, key))) {
        crmi_field_ref ref = {"crm_customer", crmi_personal_names[pf], customer_no};
        rc = crmi_unseal_subject(db, key, &ref, sqlite3_column_blob(st, 0),
                                 (size_t)sqlite3_column_bytes(st, 0), out);
        OPENSSL_cleanse(key, sizeof key);
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = crmi_sqlite_error(db, step, "read customer");
    }
    sqlite3_reset(st);
    return rc;
}

static bool touches_identity(const crmi_customer *c)
{
    return CRMI_HAS(c, CRMI_F_ID_NUMBER) || CRMI_HAS(c, CRMI_F_ID_TYPE) ||
           CRMI_HAS(c, CRMI_F_GENDER) || CRMI_HAS(c, CRMI_F_BIRTH_DATE) ||
           CRMI_HAS(c, CRMI_F_PROVINCE);
}

static int put_merged(crm_record *m, const crmi_customer *c, const crm_record *current,
                      crmi_field f, const char *name, const char *changed, const char *stored)
{
    const char *v = CRMI_HAS(c, f) ? changed : (stored ? stored : text_of(current, name));
    return v ? crmi_record_put_text(m, name, v) : CRM_OK;
}

/* Re-validates identity with the stored values the change leaves in place,
 * and takes over what a new resident ID derives. */
static int recheck_identity(crm_db *db, int64_t id, const char *customer_no, crmi_customer *c,
                            const crm_record *current)
{
    char *stored_id = NULL;
    crm_record *m = NULL;
    int rc = CRMI_HAS(c, CRMI_F_ID_NUMBER)
                 ? CRM_OK
                 : read_personal(db, id, customer_no, CRMI_PF_ID_NUMBER, &stored_id);
    if (!rc)
        rc = crm_record_new(&m);
    if (!rc)
        rc = put_merged(m, c, current, CRMI_F_ID_TYPE, "id_type", c->id_type, NULL);
    if (!rc)
        rc = put_merged(m, c, current, CRMI_F_ID_NUMBER, "id_number",
                        c->personal[CRMI_PF_ID_NUMBER], stored_id);
    const struct {
        crmi_field f;
        const char *name, *value;
    } derived[] = {{CRMI_F_GENDER, "gender", c->gender},
                   {CRMI_F_BIRTH_DATE, "birth_date", c->birth_date},
                   {CRMI_F_PROVINCE, "province", c->province}};
    /* a new ID number re-derives what the change does not give */
    for (size_t i = 0; !rc && i < 3; i++)
        if (CRMI_HAS(c, derived[i].f) || !CRMI_HAS(c, CRMI_F_ID_NUMBER))
            rc = put_merged(m, c, current, derived[i].f, derived[i].name, derived[i].value, NULL);
    crmi_customer merged;
    if (!rc && !(rc = crmi_customer_validate(db, m, true, &merged))) {
        char **targets[] = {&c->gender, &c->birth_date, &c->province};
        char *sources[] = {merged.gender, merged.birth_date, merged.province};
        for (size_t i = 0; i < 3; i++)
            if (!CRMI_HAS(c, derived[i].f) && CRMI_HAS(c, CRMI_F_ID_NUMBER) && sources[i]) {
                crm_free(*targets[i]);
                *targets[i] = crmi_strdup(sources[i]);
                c->set |= 1ull << derived[i].f;
            }
        crmi_customer_clear(&merged);
    }
    crm_record_free(m);
    if (stored_id) {
        OPENSSL_cleanse(stored_id, strlen(stored_id));
        crm_free(stored_id);
    }
    return rc;
}

static int resolve_placement(crm_db *db, const crmi_customer *c, const crm_record *current,
                             int64_t *branch_id, int64_t *manager_id)
{
    if (!CRMI_HAS(c, CRMI_F_BRANCH) && !CRMI_HAS(c, CRMI_F_MANAGER))
        return CRM_OK;
    const char *branch = CRMI_HAS(c, CRMI_F_BRANCH) ? c->branch : text_of(current, "branch");
    const char *manager = CRMI_HAS(c, CRMI_F_MANAGER) ? c->manager : text_of(current, "manager");
    return crmi_customer_place(db, branch, manager, branch_id, manager_id);
}

/* The changed fields' stored (masked) values, as JSON. */
static int before_json(crm_db *db, const crmi_customer *c, const crm_record *current, char **out)
{
    crm_record *b = NULL;
    int rc = crm_record_new(&b);
    for (int f = 0; !rc && f < CRMI_F_COUNT; f++) {
        if (!CRMI_HAS(c, f) || f == CRMI_F_EXT)
            continue;
        const char *name = crmi_customer_field_name((crmi_field)f);
        int64_t n;
        char *masked = NULL;
        if (crm_record_get_int(&n, current, name) == CRM_OK)
            rc = crmi_record_put_int(b, name, n);
        else if (f == CRMI_F_NAME && crm_mask(&masked, CRM_MASK_NAME, text_of(current, name)))
            rc = CRM_E_NOMEM;
        else
            rc = crmi_record_put_text(b, name, masked ? masked : text_of(current, name));
        crm_free(masked);
    }
    if (!rc)
        rc = crm_record_to_json(out, b);
    crm_record_free(b);
    return rc ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory") : CRM_OK;
}

static int audit_change(crm_db *db, const char *customer_no, const crmi_customer *c,
                        const crm_record *current)
{
    char *before = NULL, *after = NULL;
    int rc = before_json(db, c, current, &before);
    if (!rc)
        rc = crmi_customer_audit_json(db, c, &after);
    crmi_audit_entry e = {.action = "customer.update",
                          .entity = "customer",
                          .entity_id = customer_no,
                          .reason = c->reason,
                          .before = before,
                          .after = after};
    if (!rc)
        rc = crmi_audit_append(db, &e);
    crm_free(before);
    crm_free(after);
    return rc;
}

static int write_change(crm_db *db, int64_t id, const char *customer_no, const crmi_customer *c,
                        int64_t branch_id, int64_t manager_id, int64_t expected_version)
{
    unsigned char key[CRM_KEY_SIZE];
    bool personal = false;
    for (int f = CRMI_F_ID_NUMBER; f <= CRMI_F_CARD_NUMBER; f++)
        personal |= f != CRMI_F_GENDER && f != CRMI_F_BIRTH_DATE && CRMI_HAS(c, f);
    int rc = personal ? crmi_customer_key_load(db, id, key) : CRM_OK;
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_UPDATE);
    if (!st)
        return rc ? rc : db->errcode;
    bind_plain_changes(st, c, branch_id, manager_id);
    rc = bind_personal_changes(db, st, c, customer_no, personal ? key : NULL);
    OPENSSL_cleanse(key, sizeof key);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), crm_db_now(db));
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), id);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":expected"), expected_version);
    if (!rc)
        rc = crmi_exec_stmt(db, st, "update customer");
    else
        sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_CONFLICT,
                        "customer %s was changed by someone else since version %lld; read it "
                        "again",
                        customer_no, (long long)expected_version);
    return rc;
}

int crmi_customer_change(crm_db *db, int64_t id, const char *customer_no, crmi_customer *changes,
                         int64_t expected_version)
{
    crm_record *current = NULL;
    int64_t branch_id = 0, manager_id = 0, version = 0;
    int rc = load_current(db, id, &current);
    if (!rc && expected_version >= 0 && crm_record_get_int(&version, current, "version") == CRM_OK &&
        version != expected_version)
        rc = crmi_error(db, CRM_E_CONFLICT,
                        "customer %s is at version %lld, not %lld: changed by someone else",
                        customer_no, (long long)version, (long long)expected_version);
    if (!rc && touches_identity(changes))
        rc = recheck_identity(db, id, customer_no, changes, current);
    if (!rc)
        rc = resolve_placement(db, changes, current, &branch_id, &manager_id);
    if (!rc)
        rc = write_change(db, id, customer_no, changes, branch_id, manager_id, expected_version);
    if (!rc && CRMI_HAS(changes, CRMI_F_NAME))
        rc = crmi_customer_index_name(db, id, changes->name, true);
    if (!rc)
        rc = crmi_customer_store_ext(db, id, changes->ext);
    if (!rc)
        rc = crmi_segment_customer_changed(db, id);
    if (!rc)
        rc = audit_change(db, customer_no, changes, current);
    crm_record_free(current);
    return rc;
}

static int refuse_cleared_required(crm_db *db, const crmi_customer *c)
{
    if (CRMI_HAS(c, CRMI_F_NAME) && !c->name)
        return crmi_error(db, CRM_E_INVALID_DATA, "field name: required");
    if (CRMI_HAS(c, CRMI_F_BRANCH) && !c->branch)
        return crmi_error(db, CRM_E_INVALID_DATA, "field branch: required");
    if (CRMI_HAS(c, CRMI_F_ID_TYPE) && !c->id_type)
        return crmi_error(db, CRM_E_INVALID_DATA, "field id_type: required");
    return CRM_OK;
}

CRM_EXTERN(int) crm_customer_update(crm_db *db, const char *customer_no, const crm_record *changes,
                                    int64_t expected_version)
{
    if (!db || !customer_no || !changes || expected_version < 1)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "customer update: NULL argument or version < 1");
    crmi_error_clear(db);
    crmi_customer c;
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_WRITE);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    if (rc || (rc = crmi_customer_validate(db, changes, true, &c)))
        return rc;
    if (!(rc = refuse_cleared_required(db, &c)) && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, crmi_customer_change(db, id, customer_no, &c, expected_version));
    crmi_customer_clear(&c);
    return rc;
}

/* ---------------------------------------------------------------- reveal */

static int personal_of(const char *field, crmi_personal *out)
{
    for (int pf = 0; pf < CRMI_PF_COUNT; pf++)
        if (strcmp(field, crmi_personal_names[pf]) == 0) {
            *out = (crmi_personal)pf;
            return CRM_OK;
        }
    return CRM_E_INVALID_ARG;
}

static int reveal(crm_db *db, int64_t id, const char *customer_no, crmi_personal pf,
                  const char *reason, char **out)
{
    char after[64];
    snprintf(after, sizeof after, "{\"field\":\"%s\"}", crmi_personal_names[pf]);
    int rc = read_personal(db, id, customer_no, pf, out);
    if (!rc && !*out)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "customer %s has no %s", customer_no,
                        crmi_personal_names[pf]);
    crmi_audit_entry e = {.action = "customer.reveal",
                          .entity = "customer",
                          .entity_id = customer_no,
                          .reason = reason,
                          .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_customer_reveal(char **out, crm_db *db, const char *customer_no,
                                    const char *field, const char *reason)
{
    if (!out || !db || !customer_no || !field)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer reveal: NULL argument");
    crmi_error_clear(db);
    crmi_personal pf = CRMI_PF_ID_NUMBER;
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_REVEAL);
    if (!rc && personal_of(field, &pf) != CRM_OK)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "field %.32s: not a personal field", field);
    if (!rc && (!reason || !*reason))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "a reason is required to reveal personal data");
    if (!rc)
        rc = crmi_validate_text(db, "reason", reason, 500);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    char *clear = NULL;
    rc = crmi_txn_end(db, reveal(db, id, customer_no, pf, reason, &clear));
    if (rc && clear) {
        OPENSSL_cleanse(clear, strlen(clear));
        crm_free(clear);
        clear = NULL;
    }
    if (!rc)
        *out = clear;
    return rc;
}
