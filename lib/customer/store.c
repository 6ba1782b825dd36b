/* Storing customers: personal fields sealed under the customer's own key
 * (which is itself sealed under the data key), blind indexes and masked
 * copies beside them, name pieces for fuzzy search, and the audit entry. */
#include "customer/customer_int.h"
#include "segment/segment_int.h"

#include <openssl/crypto.h>
#include <string.h>

static const char *const pf_labels[CRMI_PF_COUNT] = {"id_number", "phone", "email", NULL,
                                                     "card_number"};
static const crm_mask_kind pf_masks[CRMI_PF_COUNT] = {CRM_MASK_ID_NUMBER, CRM_MASK_PHONE,
                                                      CRM_MASK_EMAIL, CRM_MASK_ADDRESS,
                                                      CRM_MASK_CARD};

/* ---------------------------------------------------------- subject keys */

static const char SQL_KEY_GET[] = "SELECT wrapped FROM crm_customer_key WHERE customer_id = ?";
static const char SQL_KEY_PUT[] =
    "INSERT INTO crm_customer_key (customer_id, wrapped) VALUES (?1, ?2)";

static void key_ref(crmi_field_ref *ref, char *id_text, size_t size, int64_t customer_id)
{
    snprintf(id_text, size, "%lld", (long long)customer_id);
    *ref = (crmi_field_ref){"crm_customer_key", "wrapped", id_text};
}

static int store_key(crm_db *db, int64_t customer_id, const unsigned char key[CRM_KEY_SIZE])
{
    char hex[2 * CRM_KEY_SIZE + 1], id_text[24];
    crmi_field_ref ref;
    key_ref(&ref, id_text, sizeof id_text, customer_id);
    crmi_hex_encode(hex, key, CRM_KEY_SIZE);
    sqlite3_stmt *st = crmi_stmt(db, SQL_KEY_PUT);
    int rc = st ? CRM_OK : db->errcode;
    if (!rc) {
        sqlite3_bind_int64(st, 1, customer_id);
        rc = crmi_bind_sealed(db, st, 2, &ref, hex);
    }
    OPENSSL_cleanse(hex, sizeof hex);
    return rc ? rc : crmi_exec_stmt(db, st, "store customer key");
}

int crmi_customer_key_store(crm_db *db, int64_t customer_id, const unsigned char key[CRM_KEY_SIZE])
{
    return store_key(db, customer_id, key);
}

int crmi_customer_key_load(crm_db *db, int64_t customer_id, unsigned char key[CRM_KEY_SIZE])
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_KEY_GET);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    int step = crmi_step(st), rc;
    char *hex = NULL, id_text[24];
    crmi_field_ref ref;
    key_ref(&ref, id_text, sizeof id_text, customer_id);
    if (step == SQLITE_ROW)
        rc = crmi_unseal(db, &ref, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                         &hex);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "customer key destroyed (purged)")
                                 : crmi_sqlite_error(db, step, "read customer key");
    sqlite3_reset(st);
    if (!rc && !crmi_hex_decode(key, CRM_KEY_SIZE, hex, strlen(hex)))
        rc = crmi_error(db, CRM_E_CORRUPT, "customer key %lld malformed", (long long)customer_id);
    if (hex) {
        OPENSSL_cleanse(hex, strlen(hex));
        crm_free(hex);
    }
    return rc;
}

/* ------------------------------------------------------------- name index */

static const char SQL_GRAM_PUT[] =
    "INSERT OR IGNORE INTO crm_customer_name_gram (gram, customer_id) VALUES (?1, ?2)";
static const char SQL_GRAM_CLEAR[] = "DELETE FROM crm_customer_name_gram WHERE customer_id = ?";

static int clear_grams(crm_db *db, int64_t customer_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GRAM_CLEAR);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    return crmi_exec_stmt(db, st, "clear name index");
}

static int put_gram(crm_db *db, int64_t customer_id, const char *gram, size_t len)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GRAM_PUT);
    if (!st)
        return db->errcode;
    crmi_bind_text_len(st, 1, gram, (int)len);
    sqlite3_bind_int64(st, 2, customer_id);
    return crmi_exec_stmt(db, st, "index name");
}

/* Writes every 2-character piece of the (lower-cased) name and its last
 * character alone: every character of a name then starts some piece, so a
 * 1-character query is a prefix range of the index (lib/search/name.c).
 * `replace` first removes the pieces of the old name. */
int crmi_customer_index_name(crm_db *db, int64_t customer_id, const char *name, bool replace)
{
    int rc = replace ? clear_grams(db, customer_id) : CRM_OK;
    char lower[256];
    size_t n = strlen(name) < sizeof lower - 1 ? strlen(name) : sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
    lower[n] = '\0';
    size_t chars = crmi_utf8_length(lower);
    for (size_t i = 0; !rc && i + 2 <= chars; i++) {
        size_t from = crmi_utf8_prefix_bytes(lower, i);
        rc = put_gram(db, customer_id, lower + from, crmi_utf8_prefix_bytes(lower, i + 2) - from);
    }
    if (!rc && chars > 0) {
        size_t last = crmi_utf8_prefix_bytes(lower, chars - 1);
        rc = put_gram(db, customer_id, lower + last, strlen(lower) - last);
    }
    return rc;
}

/* ------------------------------------------------------- sealed columns */

/* Masked copy of a personal value, NULL for NULL. */
static int mask_personal(crm_db *db, crmi_personal pf, const char *value, char **out)
{
    *out = NULL;
    if (value && crm_mask(out, pf_masks[pf], value) != CRM_OK)
        return crmi_error(db, CRM_E_NOMEM, "mask: out of memory");
    return CRM_OK;
}

/* Binds one personal field as sealed value, blind index (if the field has
 * one) and masked copy, at parameters base, base+1, base+2. */
int crmi_customer_bind_personal(crm_db *db, sqlite3_stmt *st, const int idx[3], crmi_personal pf,
                                const char *value, const char *customer_no,
                                const unsigned char key[CRM_KEY_SIZE])
{
    crmi_field_ref ref = {"crm_customer", crmi_personal_names[pf], customer_no};
    char *masked;
    int rc = crmi_bind_sealed_subject(db, st, idx[0], key, &ref, value);
    if (!rc && pf_labels[pf])
        rc = crmi_bind_blind_index(db, st, idx[1], pf_labels[pf], value);
    if (!rc)
        rc = mask_personal(db, pf, value, &masked);
    if (!rc)
        sqlite3_bind_text(st, idx[2], masked, -1, crm_free);
    return rc;
}

/* -------------------------------------------------------------- insert */

static const char SQL_INSERT[] =
    "INSERT INTO crm_customer (customer_no, name, id_type,"
    " id_number, id_number_idx, id_number_masked, phone, phone_idx, phone_masked,"
    " email, email_idx, email_masked, address, address_masked,"
    " card_number, card_number_idx, card_number_masked, gender, birth_date, city, province,"
    " occupation, annual_income, total_assets, risk_level, risk_assessed_at, branch_id,"
    " manager_id, consent_sms, consent_email, consent_phone, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?33)";

/* Parameters of each personal field's sealed value, blind index, masked copy. */
static const int pf_params[CRMI_PF_COUNT][3] = {
    {4, 5, 6}, {7, 8, 9}, {10, 11, 12}, {13, 0, 15}, {16, 17, 18}};

typedef struct placement {
    int64_t branch_id, manager_id; /* manager_id 0: none */
    char *branch_path;
} placement;

static const char SQL_BRANCH[] = "SELECT id, path FROM crm_branch WHERE code = ?";
static const char SQL_MANAGER[] =
    "SELECT u.id, u.roles, u.status, b.path FROM crm_user u JOIN crm_branch b"
    " ON b.id = u.branch_id WHERE u.name = ?";

static int find_branch(crm_db *db, const char *code, placement *p)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int rc = CRM_OK, step = crmi_step(st);
    if (step == SQLITE_ROW) {
        p->branch_id = sqlite3_column_int64(st, 0);
        if (!(p->branch_path = crmi_strdup((const char *)sqlite3_column_text(st, 1))))
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    } else if (step == SQLITE_DONE) {
        rc = crmi_error(db, CRM_E_NOT_FOUND, "field branch: no branch %s", code);
    } else { /* not "no such branch": an import would skip the row as bad */
        rc = crmi_sqlite_error(db, step, "find branch");
    }
    sqlite3_reset(st);
    return rc;
}

static bool path_within(const char *path, const char *ancestor)
{
    return strncmp(path, ancestor, strlen(ancestor)) == 0;
}

/* The manager must be an active relationship manager working in the
 * customer's branch subtree (or above it, for a branch-level RM). */
static int find_manager(crm_db *db, const char *login, placement *p)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MANAGER);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, login);
    int rc = CRM_OK, step = crmi_step(st);
    if (step == SQLITE_DONE) {
        rc = crmi_error(db, CRM_E_NOT_FOUND, "field manager: no user %s", login);
    } else if (step != SQLITE_ROW) {
        rc = crmi_sqlite_error(db, step, "find manager");
    } else {
        const char *path = (const char *)sqlite3_column_text(st, 3);
        if (!(sqlite3_column_int64(st, 1) & CRM_ROLE_RELATIONSHIP_MANAGER) ||
            strcmp((const char *)sqlite3_column_text(st, 2), "active") != 0)
            rc = crmi_error(db, CRM_E_INVALID_DATA,
                            "field manager: %s is not an active relationship manager", login);
        else if (!path_within(path, p->branch_path) && !path_within(p->branch_path, path))
            rc = crmi_error(db, CRM_E_INVALID_DATA,
                            "field manager: %s works outside the customer's branch", login);
        else
            p->manager_id = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc;
}

/* Admins place anywhere; branch managers in their subtree; a relationship
 * manager only customers of their own book. */
static int check_placement(crm_db *db, const placement *p, const char *branch)
{
    const struct crmi_actor *a = db->actor;
    if (a->roles & CRM_ROLE_ADMIN)
        return CRM_OK;
    if ((a->roles & CRM_ROLE_BRANCH_MANAGER) && path_within(p->branch_path, a->branch_path))
        return CRM_OK;
    if ((a->roles & CRM_ROLE_RELATIONSHIP_MANAGER) && p->manager_id == a->user_id)
        return CRM_OK;
    return crmi_error(db, CRM_E_PERMISSION, "user '%s' may not place a customer in branch %s%s",
                      a->name, branch,
                      (a->roles & CRM_ROLE_RELATIONSHIP_MANAGER) ? " outside their own book" : "");
}

int crmi_customer_place(crm_db *db, const char *branch, const char *manager, int64_t *branch_id,
                        int64_t *manager_id)
{
    placement p = {0};
    int rc = find_branch(db, branch, &p);
    if (!rc && manager)
        rc = find_manager(db, manager, &p);
    if (!rc)
        rc = check_placement(db, &p, branch);
    crm_free(p.branch_path);
    if (!rc) {
        *branch_id = p.branch_id;
        *manager_id = p.manager_id;
    }
    return rc;
}

static void bind_plain(crm_db *db, sqlite3_stmt *st, const crmi_customer *c, int64_t branch_id,
                       int64_t manager_id)
{
    crmi_bind_text(st, 1, c->customer_no);
    crmi_bind_text(st, 2, c->name);
    crmi_bind_text(st, 3, c->id_type);
    crmi_bind_text(st, 19, c->gender);
    crmi_bind_text(st, 20, c->birth_date);
    crmi_bind_text(st, 21, c->city);
    crmi_bind_text(st, 22, c->province);
    crmi_bind_text(st, 23, c->occupation);
    if (CRMI_HAS(c, CRMI_F_ANNUAL_INCOME))
        sqlite3_bind_int64(st, 24, c->annual_income);
    if (CRMI_HAS(c, CRMI_F_TOTAL_ASSETS))
        sqlite3_bind_int64(st, 25, c->total_assets);
    crmi_bind_text(st, 26, c->risk_level);
    if (CRMI_HAS(c, CRMI_F_RISK_ASSESSED_AT))
        sqlite3_bind_int64(st, 27, c->risk_assessed_at);
    sqlite3_bind_int64(st, 28, branch_id);
    if (manager_id)
        sqlite3_bind_int64(st, 29, manager_id);
    sqlite3_bind_int(st, 30, c->consent_sms);
    sqlite3_bind_int(st, 31, c->consent_email);
    sqlite3_bind_int(st, 32, c->consent_phone);
    sqlite3_bind_int64(st, 33, crm_db_now(db));
}

/* ---------------------------------------------------------- audit text */

static int put_text_if(crm_record *r, const crmi_customer *c, crmi_field f, const char *name,
                       const char *value)
{
    return CRMI_HAS(c, f) ? crmi_record_put_text(r, name, value) : CRM_OK;
}

static int put_int_if(crm_record *r, const crmi_customer *c, crmi_field f, const char *name,
                      int64_t value)
{
    return CRMI_HAS(c, f) ? crmi_record_put_int(r, name, value) : CRM_OK;
}

static int put_masked(crm_record *r, const crmi_customer *c)
{
    static const crmi_field fields[CRMI_PF_COUNT] = {CRMI_F_ID_NUMBER, CRMI_F_PHONE, CRMI_F_EMAIL,
                                                      CRMI_F_ADDRESS, CRMI_F_CARD_NUMBER};
    int rc = CRM_OK;
    for (int pf = 0; !rc && pf < CRMI_PF_COUNT; pf++) {
        if (!CRMI_HAS(c, fields[pf]))
            continue;
        char *masked = NULL;
        if (c->personal[pf] && crm_mask(&masked, pf_masks[pf], c->personal[pf]) != CRM_OK)
            return CRM_E_NOMEM;
        rc = crmi_record_put_text(r, crmi_personal_names[pf], masked);
        crm_free(masked);
    }
    return rc;
}

/* The given fields of `c` as JSON, personal data and the name masked: what
 * the audit log keeps as "after". */
int crmi_customer_audit_json(crm_db *db, const crmi_customer *c, char **out)
{
    crm_record *r = NULL; /* crm_record_new leaves it unset on failure */
    int rc = crm_record_new(&r);
    if (!rc)
        rc = put_text_if(r, c, CRMI_F_CUSTOMER_NO, "customer_no", c->customer_no);
    char *masked_name = NULL; /* names are masked too: the log outlives a purge */
    if (!rc && c->name && crm_mask(&masked_name, CRM_MASK_NAME, c->name) != CRM_OK)
        rc = CRM_E_NOMEM;
    if (!rc)
        rc = put_text_if(r, c, CRMI_F_NAME, "name", masked_name);
    crm_free(masked_name);
    if (!rc)
        rc = put_text_if(r, c, CRMI_F_ID_TYPE, "id_type", c->id_type);
    if (!rc)
        rc = put_masked(r, c);
    const struct {
        crmi_field f;
        const char *name, *value;
    } texts[] = {{CRMI_F_GENDER, "gender", c->gender},     {CRMI_F_BIRTH_DATE, "birth_date", c->birth_date},
                 {CRMI_F_CITY, "city", c->city},           {CRMI_F_PROVINCE, "province", c->province},
                 {CRMI_F_OCCUPATION, "occupation", c->occupation},
                 {CRMI_F_RISK_LEVEL, "risk_level", c->risk_level},
                 {CRMI_F_BRANCH, "branch", c->branch},     {CRMI_F_MANAGER, "manager", c->manager}};
    for (size_t i = 0; !rc && i < sizeof texts / sizeof texts[0]; i++)
        rc = put_text_if(r, c, texts[i].f, texts[i].name, texts[i].value);
    const struct {
        crmi_field f;
        const char *name;
        int64_t value;
    } ints[] = {{CRMI_F_ANNUAL_INCOME, "annual_income", c->annual_income},
                {CRMI_F_TOTAL_ASSETS, "total_assets", c->total_assets},
                {CRMI_F_RISK_ASSESSED_AT, "risk_assessed_at", c->risk_assessed_at},
                {CRMI_F_CONSENT_SMS, "consent_sms", c->consent_sms},
                {CRMI_F_CONSENT_EMAIL, "consent_email", c->consent_email},
                {CRMI_F_CONSENT_PHONE, "consent_phone", c->consent_phone}};
    for (size_t i = 0; !rc && i < sizeof ints / sizeof ints[0]; i++)
        rc = put_int_if(r, c, ints[i].f, ints[i].name, ints[i].value);
    for (size_t i = 0; !rc && c->ext && i < crm_record_count(c->ext); i++) {
        const char *name = crm_record_field_name(c->ext, i), *value = NULL;
        char full[80];
        snprintf(full, sizeof full, "ext.%s", name);
        crm_record_get_text(&value, c->ext, name);
        rc = crmi_record_put_text(r, full, value);
    }
    if (!rc)
        rc = crm_record_to_json(out, r);
    crm_record_free(r);
    return rc ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory") : CRM_OK;
}

/* ---------------------------------------------------------------- store */

static const char SQL_EXT_PUT[] =
    "INSERT OR REPLACE INTO crm_customer_ext (customer_id, name, value) VALUES (?1, ?2, ?3)";
static const char SQL_EXT_DEL[] = "DELETE FROM crm_customer_ext WHERE customer_id = ?1 AND name = ?2";

int crmi_customer_store_ext(crm_db *db, int64_t customer_id, const crm_record *ext)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && ext && i < crm_record_count(ext); i++) {
        const char *name = crm_record_field_name(ext, i), *value = NULL;
        crm_record_get_text(&value, ext, name);
        sqlite3_stmt *st = crmi_stmt(db, value ? SQL_EXT_PUT : SQL_EXT_DEL);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, customer_id);
        crmi_bind_text(st, 2, name);
        if (value)
            crmi_bind_text(st, 3, value);
        rc = crmi_exec_stmt(db, st, "store extension attribute");
    }
    return rc;
}

static int insert_row(crm_db *db, const crmi_customer *c, int64_t branch_id, int64_t manager_id,
                      const unsigned char key[CRM_KEY_SIZE], int64_t *out_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT);
    if (!st)
        return db->errcode;
    bind_plain(db, st, c, branch_id, manager_id);
    int rc = CRM_OK;
    for (int pf = 0; !rc && pf < CRMI_PF_COUNT; pf++)
        rc = crmi_customer_bind_personal(db, st, pf_params[pf], (crmi_personal)pf, c->personal[pf],
                                         c->customer_no, key);
    if (rc) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return rc;
    }
    rc = crmi_exec_stmt(db, st, "insert customer");
    if (!rc)
        *out_id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

static int audit_create(crm_db *db, const crmi_customer *c)
{
    char *after = NULL; /* set only on success */
    int rc = crmi_customer_audit_json(db, c, &after);
    crmi_audit_entry e = {.action = "customer.create",
                          .entity = "customer",
                          .entity_id = c->customer_no,
                          .after = after};
    if (!rc)
        rc = crmi_audit_append(db, &e);
    crm_free(after);
    return rc;
}

static const char SQL_DUP_NO[] = "SELECT id, customer_no FROM crm_customer WHERE customer_no = ?";
static const char SQL_DUP_ID[] =
    "SELECT id, customer_no FROM crm_customer WHERE id_number_idx = ? AND status <> 'purged'";

/* An existing customer with the same customer_no or ID number: its id and
 * number (caller frees), or id 0. */
static int find_duplicate(crm_db *db, const crmi_customer *c, int64_t *id, char **existing_no)
{
    *id = 0;
    *existing_no = NULL;
    for (int pass = 0; pass < 2 && *id == 0; pass++) {
        const char *id_number = c->personal[CRMI_PF_ID_NUMBER];
        if (pass == 1 && !id_number)
            break;
        sqlite3_stmt *st = crmi_stmt(db, pass == 0 ? SQL_DUP_NO : SQL_DUP_ID);
        if (!st)
            return db->errcode;
        int rc = pass == 0 ? (crmi_bind_text(st, 1, c->customer_no), CRM_OK)
                           : crmi_bind_blind_index(db, st, 1, "id_number", id_number);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
        if (crmi_step(st) == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            *existing_no = crmi_strdup((const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_reset(st);
        if (*id && !*existing_no)
            return crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    return CRM_OK;
}

static int insert_customer(crm_db *db, crmi_customer *c)
{
    int64_t branch_id, manager_id, id = 0;
    unsigned char key[CRM_KEY_SIZE];
    int rc = crmi_customer_place(db, c->branch, c->manager, &branch_id, &manager_id);
    if (!rc)
        rc = crmi_random(db, key, sizeof key);
    if (!rc)
        rc = insert_row(db, c, branch_id, manager_id, key, &id);
    if (!rc)
        rc = crmi_customer_key_store(db, id, key);
    OPENSSL_cleanse(key, sizeof key);
    if (!rc)
        rc = crmi_customer_index_name(db, id, c->name, false);
    if (!rc)
        rc = crmi_customer_store_ext(db, id, c->ext);
    if (!rc)
        rc = crmi_segment_customer_changed(db, id);
    return rc ? rc : audit_create(db, c);
}

/* Names the existing customer only to an actor who may see it: otherwise
 * the message would tell an RM who banks with another RM. */
static int conflict(crm_db *db, const crmi_customer *c, const char *existing_no)
{
    bool same_no = strcmp(existing_no, c->customer_no) == 0;
    int64_t id;
    if (crmi_customer_find(db, existing_no, &id, NULL) == CRM_OK)
        return crmi_error(db, CRM_E_CONFLICT, "customer %s already has this %s", existing_no,
                          same_no ? "customer_no" : "ID number");
    return crmi_error(db, CRM_E_CONFLICT, "another customer already has this %s",
                      same_no ? "customer_no" : "ID number");
}

/* Inserts first and looks for the duplicate only when the store refuses the
 * row: duplicates are rare, and the unique indexes find them for free. */
int crmi_customer_store(crm_db *db, crmi_customer *c, crmi_dup_policy dup,
                        crmi_store_outcome *outcome)
{
    *outcome = CRMI_INSERTED;
    int rc = insert_customer(db, c);
    if (rc != CRM_E_CONFLICT)
        return rc;
    int64_t existing;
    char *existing_no;
    if ((rc = find_duplicate(db, c, &existing, &existing_no)))
        return rc;
    if (!existing)
        return crmi_error(db, CRM_E_CONFLICT, "customer %s conflicts with a stored one",
                          c->customer_no);
    if (dup == CRMI_DUP_SKIP) {
        *outcome = CRMI_SKIPPED;
        crmi_error_clear(db);
    } else if (dup == CRMI_DUP_UPDATE) {
        *outcome = CRMI_UPDATED;
        c->set &= ~(1ull << CRMI_F_CUSTOMER_NO);
        rc = crmi_customer_change(db, existing, existing_no, c, -1);
    } else {
        rc = conflict(db, c, existing_no);
    }
    crm_free(existing_no);
    return rc;
}

CRM_EXTERN(int) crm_customer_create(crm_db *db, const crm_record *customer)
{
    if (!db || !customer)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer create: NULL argument");
    crmi_error_clear(db);
    crmi_customer c;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_WRITE);
    if (rc || (rc = crmi_customer_validate(db, customer, false, &c)))
        return rc;
    crmi_store_outcome outcome;
    if (!(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, crmi_customer_store(db, &c, CRMI_DUP_ERROR, &outcome));
    crmi_customer_clear(&c);
    return rc;
}
