/* Staff users: validated input, phone and email sealed with blind indexes and
 * stored masked copies for display, every change audited. */
#include "access/access_int.h"
#include "core/validate_int.h"
#include "security/security_int.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* A validated user, ready to store. */
typedef struct user_input {
    const char *name, *display_name, *branch;
    unsigned int roles;
    char phone[12];
    char *email; /* lower-cased; owned */
    char *phone_masked, *email_masked;
} user_input;

static void user_input_free(user_input *u)
{
    crm_free(u->email);
    crm_free(u->phone_masked);
    crm_free(u->email_masked);
}

static int validate_login(crm_db *db, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
             strchr("_.-", name[i]);
    return ok ? CRM_OK
              : crmi_error(db, CRM_E_INVALID_DATA, "field name: expected 1..64 of [a-z0-9_.-]");
}

static int mask_into(crm_db *db, char **out, crm_mask_kind kind, const char *value)
{
    return crm_mask(out, kind, value) ? crmi_error(db, CRM_E_NOMEM, "mask: out of memory")
                                      : CRM_OK;
}

static int validate_contact(crm_db *db, const crm_record *rec, user_input *u)
{
    const char *phone, *email;
    int rc = crmi_record_text(db, rec, "phone", false, &phone);
    if (!rc && phone && !(rc = crmi_validate_mobile(db, "phone", phone, u->phone)))
        rc = mask_into(db, &u->phone_masked, CRM_MASK_PHONE, u->phone);
    if (!rc)
        rc = crmi_record_text(db, rec, "email", false, &email);
    if (!rc && email && !(rc = crmi_validate_email(db, "email", email, &u->email)))
        rc = mask_into(db, &u->email_masked, CRM_MASK_EMAIL, u->email);
    return rc;
}

static int validate_user(crm_db *db, const crm_record *rec, user_input *u)
{
    static const char *const known[] = {"name", "display_name", "roles", "branch", "phone", "email"};
    const char *roles;
    int rc = crmi_record_check_fields(db, rec, known, sizeof known / sizeof known[0], "user");
    if (!rc)
        rc = crmi_record_text(db, rec, "name", true, &u->name);
    if (!rc)
        rc = validate_login(db, u->name);
    if (!rc)
        rc = crmi_record_text(db, rec, "display_name", true, &u->display_name);
    if (!rc)
        rc = crmi_validate_text(db, "display_name", u->display_name, 100);
    if (!rc)
        rc = crmi_record_text(db, rec, "roles", true, &roles);
    if (!rc && crm_role_parse(&u->roles, roles) != CRM_OK)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field %s", crm_last_errmsg());
    if (!rc)
        rc = crmi_record_text(db, rec, "branch", true, &u->branch);
    return rc ? rc : validate_contact(db, rec, u);
}

static const char SQL_INSERT[] =
    "INSERT INTO crm_user (name, display_name, roles, branch_id, phone, phone_idx, phone_masked,"
    " email, email_idx, email_masked, created_at, updated_at)"
    " SELECT ?1, ?2, ?3, id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10 FROM crm_branch WHERE code = ?11";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM crm_user WHERE name = ?";

static int insert_user(crm_db *db, const user_input *u)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_USER_EXISTS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, u->name);
    int step = crmi_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return crmi_error(db, CRM_E_CONFLICT, "user %s already exists", u->name);
    if (!(st = crmi_stmt(db, SQL_INSERT)))
        return db->errcode;
    const char *phone = u->phone[0] ? u->phone : NULL;
    crmi_field_ref phone_ref = {"crm_user", "phone", u->name}, email_ref = {"crm_user", "email",
                                                                             u->name};
    crmi_bind_text(st, 1, u->name);
    crmi_bind_text(st, 2, u->display_name);
    sqlite3_bind_int64(st, 3, u->roles);
    int rc = crmi_bind_sealed(db, st, 4, &phone_ref, phone);
    if (!rc)
        rc = crmi_bind_blind_index(db, st, 5, "phone", phone);
    crmi_bind_text(st, 6, u->phone_masked);
    if (!rc)
        rc = crmi_bind_sealed(db, st, 7, &email_ref, u->email);
    if (!rc)
        rc = crmi_bind_blind_index(db, st, 8, "email", u->email);
    crmi_bind_text(st, 9, u->email_masked);
    sqlite3_bind_int64(st, 10, crm_db_now(db));
    crmi_bind_text(st, 11, u->branch);
    if (rc) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return rc;
    }
    rc = crmi_exec_stmt(db, st, "insert user");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "field branch: no branch %s", u->branch);
    return rc;
}

static int audit_user_add(crm_db *db, const user_input *u)
{
    char roles[160];
    crmi_roles_format(roles, sizeof roles, u->roles);
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"name\":");
    crmi_buf_json_string(&after, u->name);
    crmi_buf_puts(&after, ",\"display_name\":");
    crmi_buf_json_string(&after, u->display_name);
    crmi_buf_puts(&after, ",\"roles\":");
    crmi_buf_json_string(&after, roles);
    crmi_buf_puts(&after, ",\"branch\":");
    crmi_buf_json_string(&after, u->branch);
    if (u->phone_masked) {
        crmi_buf_puts(&after, ",\"phone\":");
        crmi_buf_json_string(&after, u->phone_masked);
    }
    if (u->email_masked) {
        crmi_buf_puts(&after, ",\"email\":");
        crmi_buf_json_string(&after, u->email_masked);
    }
    crmi_buf_putc(&after, '}');
    int rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory") : CRM_OK;
    crmi_audit_entry e = {
        .action = "user.add", .entity = "user", .entity_id = u->name, .after = after.data};
    if (!rc)
        rc = crmi_audit_append(db, &e);
    crmi_buf_free(&after);
    return rc;
}

static int store_user(crm_db *db, const user_input *u)
{
    int rc = insert_user(db, u);
    return rc ? rc : audit_user_add(db, u);
}

CRM_EXTERN(int) crm_user_add(crm_db *db, const crm_record *user)
{
    if (!db || !user)
        return crmi_error(db, CRM_E_INVALID_ARG, "user add: NULL argument");
    crmi_error_clear(db);
    user_input u = {0};
    int rc = crmi_access_require(db, CRMI_OP_USER_ADMIN);
    if (!rc)
        rc = validate_user(db, user, &u);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, store_user(db, &u));
    user_input_free(&u);
    return rc;
}

static const char SQL_COUNT_USERS[] = "SELECT count(*) FROM crm_user";

static int bootstrap(crm_db *db, const char *ho_code, const char *ho_name, const user_input *admin)
{
    int64_t users;
    int rc = crmi_query_int64(db, SQL_COUNT_USERS, &users);
    if (rc)
        return rc;
    if (users > 0)
        return crmi_error(db, CRM_E_STATE, "database already has users; bootstrap is only for an "
                                           "empty database");
    rc = crmi_branch_insert(db, ho_code, ho_name, NULL);
    if (!rc)
        rc = crmi_branch_audit_add(db, ho_code, ho_name, NULL);
    return rc ? rc : store_user(db, admin);
}

CRM_EXTERN(int) crm_access_bootstrap(crm_db *db, const char *head_office_code,
                                     const char *head_office_name, const char *admin_name,
                                     const char *admin_display_name)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "bootstrap: NULL handle");
    crmi_error_clear(db);
    user_input admin = {.name = admin_name,
                        .display_name = admin_display_name,
                        .branch = head_office_code,
                        .roles = CRM_ROLE_ADMIN};
    int rc = crmi_validate_code(db, "head_office_code", head_office_code, 32);
    if (!rc)
        rc = crmi_validate_text(db, "head_office_name", head_office_name, 100);
    if (!rc)
        rc = validate_login(db, admin_name);
    if (!rc)
        rc = crmi_validate_text(db, "admin_display_name", admin_display_name, 100);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, bootstrap(db, head_office_code, head_office_name, &admin));
}

/* ------------------------------------------------------------------ read */

#define SQL_USER_SELECT                                                                            \
    "SELECT u.id, u.name, u.display_name, u.roles, b.code, b.path, u.status, u.phone_masked,"     \
    " u.email_masked, u.created_at FROM crm_user u JOIN crm_branch b ON b.id = u.branch_id"
static const char SQL_GET[] = SQL_USER_SELECT " WHERE u.name = ?";
/* ?1: sees all; ?2: subtree path prefix or NULL; ?3: own id. */
static const char SQL_LIST[] =
    SQL_USER_SELECT
    " WHERE ?1 OR (?2 IS NOT NULL AND substr(b.path, 1, length(?2)) = ?2) OR u.id = ?3"
    " ORDER BY u.name";

/* Who the actor may see: everyone (admin, auditor), their subtree (branch
 * manager), or only themselves. */
static bool user_visible(const crm_db *db, int64_t user_id, const char *branch_path)
{
    const struct crmi_actor *a = db->actor;
    if (a->roles & (CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR) || a->user_id == user_id)
        return true;
    return (a->roles & CRM_ROLE_BRANCH_MANAGER) && crmi_access_branch_visible(db, branch_path);
}

static int user_from_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    static const char *const text_fields[] = {"name", "display_name"};
    char roles[160], created[32];
    crmi_roles_format(roles, sizeof roles, (unsigned int)sqlite3_column_int64(st, 3));
    crm_time_format(created, sizeof created, sqlite3_column_int64(st, 9));
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    for (int i = 0; !rc && i < 2; i++)
        rc = crmi_record_put_text(rec, text_fields[i], (const char *)sqlite3_column_text(st, 1 + i));
    if (!rc)
        rc = crmi_record_put_text(rec, "roles", roles);
    if (!rc)
        rc = crmi_record_put_text(rec, "branch", (const char *)sqlite3_column_text(st, 4));
    if (!rc)
        rc = crmi_record_put_text(rec, "status", (const char *)sqlite3_column_text(st, 6));
    if (!rc && sqlite3_column_type(st, 7) != SQLITE_NULL)
        rc = crmi_record_put_text(rec, "phone", (const char *)sqlite3_column_text(st, 7));
    if (!rc && sqlite3_column_type(st, 8) != SQLITE_NULL)
        rc = crmi_record_put_text(rec, "email", (const char *)sqlite3_column_text(st, 8));
    if (!rc)
        rc = crmi_record_put_text(rec, "created_at", created);
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "read user: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

CRM_EXTERN(int) crm_user_get(crm_record **out, crm_db *db, const char *name)
{
    if (!out || !db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "user get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_USER_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st);
    if (step != SQLITE_ROW)
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no user %.64s", name)
                                 : crmi_sqlite_error(db, step, "read user");
    else if (!user_visible(db, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 5)))
        rc = crmi_error(db, CRM_E_PERMISSION, "user '%s' may not read user %.64s",
                        db->actor->name, name);
    else
        rc = user_from_row(out, db, st, NULL);
    sqlite3_reset(st);
    return rc;
}

CRM_EXTERN(int) crm_user_list(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "user list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_USER_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    const struct crmi_actor *a = db->actor;
    sqlite3_bind_int(st, 1, (a->roles & (CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR)) != 0);
    if (a->roles & CRM_ROLE_BRANCH_MANAGER)
        crmi_bind_text(st, 2, a->branch_path);
    sqlite3_bind_int64(st, 3, a->user_id);
    return crmi_iter_new(out, db, st, user_from_row, NULL, NULL);
}

/* ---------------------------------------------------------------- status */

static const char SQL_SET_STATUS[] =
    "UPDATE crm_user SET status = ?1, failed_logins = 0, locked_until = 0, updated_at = ?2"
    " WHERE name = ?3";

static int audit_simple(crm_db *db, const char *action, const char *name, const char *reason,
                        const char *after)
{
    crmi_audit_entry e = {.action = action,
                          .entity = "user",
                          .entity_id = name,
                          .reason = reason,
                          .after = after};
    return crmi_audit_append(db, &e);
}

static int set_status(crm_db *db, const char *name, const char *status, const char *reason)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET_STATUS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    crmi_bind_text(st, 3, name);
    int rc = crmi_exec_stmt(db, st, "set user status");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "no user %.64s", name);
    if (!rc) {
        char after[48];
        snprintf(after, sizeof after, "{\"status\":\"%s\"}", status);
        rc = audit_simple(db, strcmp(status, "active") ? "user.disable" : "user.enable", name,
                          reason, after);
    }
    return rc;
}

static int change_status(crm_db *db, const char *name, const char *status, const char *reason)
{
    if (!db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "user status: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_USER_ADMIN);
    if (!rc && (!reason || !*reason))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "a reason is required");
    if (!rc && strcmp(status, "disabled") == 0 && strcmp(name, db->actor->name) == 0)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "an admin cannot disable themselves");
    if (!rc && !(rc = crmi_validate_text(db, "reason", reason, 500)) &&
        !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, set_status(db, name, status, reason));
    if (!rc)
        crmi_actor_invalidate(db);
    return rc;
}

CRM_EXTERN(int) crm_user_disable(crm_db *db, const char *name, const char *reason)
{
    return change_status(db, name, "disabled", reason);
}

CRM_EXTERN(int) crm_user_enable(crm_db *db, const char *name, const char *reason)
{
    return change_status(db, name, "active", reason);
}

/* ---------------------------------------------------------------- reveal */

static const char SQL_REVEAL_PHONE[] = "SELECT phone FROM crm_user WHERE name = ?";
static const char SQL_REVEAL_EMAIL[] = "SELECT email FROM crm_user WHERE name = ?";

static int read_sealed(crm_db *db, const char *name, const char *field, char **out)
{
    sqlite3_stmt *st =
        crmi_stmt(db, strcmp(field, "phone") == 0 ? SQL_REVEAL_PHONE : SQL_REVEAL_EMAIL);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st), rc;
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        crmi_field_ref ref = {"crm_user", field, name};
        rc = crmi_unseal(db, &ref, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                         out);
    } else {
        rc = step == SQLITE_ROW || step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "user %.64s has no %s", name, field)
                 : crmi_sqlite_error(db, step, "read user");
    }
    sqlite3_reset(st);
    return rc;
}

static int reveal(crm_db *db, const char *name, const char *field, const char *reason, char **out)
{
    char after[48];
    snprintf(after, sizeof after, "{\"field\":\"%s\"}", field);
    int rc = read_sealed(db, name, field, out);
    if (!rc)
        rc = audit_simple(db, "user.reveal", name, reason, after);
    return rc;
}

CRM_EXTERN(int) crm_user_reveal(char **out, crm_db *db, const char *name, const char *field,
                                const char *reason)
{
    if (!out || !db || !name || !field)
        return crmi_error(db, CRM_E_INVALID_ARG, "user reveal: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_USER_READ);
    if (!rc && strcmp(field, "phone") != 0 && strcmp(field, "email") != 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "field %.32s: only phone and email can be revealed",
                          field);
    if (!rc && !(db->actor->roles & CRM_ROLE_ADMIN) && strcmp(db->actor->name, name) != 0)
        rc = crmi_error(db, CRM_E_PERMISSION, "user '%s' may not reveal another user's %s",
                        db->actor->name, field);
    if (!rc && (!reason || !*reason))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "a reason is required to reveal personal data");
    if (!rc)
        rc = crmi_validate_text(db, "reason", reason, 500);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    char *clear = NULL;
    rc = crmi_txn_end(db, reveal(db, name, field, reason, &clear));
    if (rc && clear) {
        OPENSSL_cleanse(clear, strlen(clear));
        crm_free(clear);
        return rc;
    }
    if (!rc)
        *out = clear;
    return rc;
}
