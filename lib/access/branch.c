/* The branch tree: head office > branch > sub-branch. Each branch stores its
 * materialised path ("/HO/BJ/BJ01/") so subtree checks are a prefix test. */
#include "access/access_int.h"
#include "core/validate_int.h"
#include "security/security_int.h"

#include <string.h>

#define CRMI_BRANCH_MAX_LEVEL 7

static const char SQL_INSERT[] =
    "INSERT INTO crm_branch (code, name, parent_id, level, path, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_PARENT[] = "SELECT id, level, path FROM crm_branch WHERE code = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM crm_branch WHERE code = ?";

/* Inserts a branch row under the parent (NULL: the head office). */
int crmi_branch_insert(crm_db *db, const char *code, const char *name, const char *parent_code)
{
    int64_t parent_id = 0, level = 0;
    crmi_buf path = {0};
    sqlite3_stmt *st = crmi_stmt(db, SQL_EXISTS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return crmi_error(db, CRM_E_CONFLICT, "branch %s already exists", code);
    if (parent_code) {
        if (!(st = crmi_stmt(db, SQL_PARENT)))
            return db->errcode;
        crmi_bind_text(st, 1, parent_code);
        if (crmi_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return crmi_error(db, CRM_E_NOT_FOUND, "field parent: no branch %s", parent_code);
        }
        parent_id = sqlite3_column_int64(st, 0);
        level = sqlite3_column_int64(st, 1) + 1;
        crmi_buf_puts(&path, (const char *)sqlite3_column_text(st, 2));
        sqlite3_reset(st);
        if (level > CRMI_BRANCH_MAX_LEVEL) {
            crmi_buf_free(&path);
            return crmi_error(db, CRM_E_INVALID_DATA, "field parent: tree deeper than %d levels",
                              CRMI_BRANCH_MAX_LEVEL);
        }
    } else {
        crmi_buf_putc(&path, '/');
    }
    crmi_buf_printf(&path, "%s/", code);
    if (path.failed) {
        crmi_buf_free(&path);
        return crmi_error(db, CRM_E_NOMEM, "branch: out of memory");
    }
    if (!(st = crmi_stmt(db, SQL_INSERT))) {
        crmi_buf_free(&path);
        return db->errcode;
    }
    crmi_bind_text(st, 1, code);
    crmi_bind_text(st, 2, name);
    if (parent_code)
        sqlite3_bind_int64(st, 3, parent_id);
    sqlite3_bind_int64(st, 4, level);
    crmi_bind_text(st, 5, path.data);
    sqlite3_bind_int64(st, 6, crm_db_now(db));
    crmi_buf_free(&path);
    return crmi_exec_stmt(db, st, "insert branch");
}

/* Audits a branch creation with its fields. */
int crmi_branch_audit_add(crm_db *db, const char *code, const char *name, const char *parent)
{
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"code\":");
    crmi_buf_json_string(&after, code);
    crmi_buf_puts(&after, ",\"name\":");
    crmi_buf_json_string(&after, name);
    if (parent) {
        crmi_buf_puts(&after, ",\"parent\":");
        crmi_buf_json_string(&after, parent);
    }
    crmi_buf_putc(&after, '}');
    if (after.failed) {
        crmi_buf_free(&after);
        return crmi_error(db, CRM_E_NOMEM, "audit: out of memory");
    }
    crmi_audit_entry e = {
        .action = "branch.add", .entity = "branch", .entity_id = code, .after = after.data};
    int rc = crmi_audit_append(db, &e);
    crmi_buf_free(&after);
    return rc;
}

static int validate_branch(crm_db *db, const char *code, const char *name)
{
    int rc = crmi_validate_code(db, "code", code, 32);
    return rc ? rc : crmi_validate_text(db, "name", name, 100);
}

CRM_EXTERN(int) crm_branch_add(crm_db *db, const char *code, const char *name,
                               const char *parent_code)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "branch add: NULL handle");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_BRANCH_ADMIN);
    if (!rc)
        rc = validate_branch(db, code, name);
    if (!rc && !parent_code)
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "field parent: required (the head office is made by crm_access_bootstrap)");
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = crmi_branch_insert(db, code, name, parent_code);
    if (!rc)
        rc = crmi_branch_audit_add(db, code, name, parent_code);
    return crmi_txn_end(db, rc);
}

static const char SQL_GET[] =
    "SELECT b.code, b.name, p.code AS parent, b.level FROM crm_branch b"
    " LEFT JOIN crm_branch p ON p.id = b.parent_id WHERE b.code = ?";
static const char SQL_LIST[] =
    "SELECT b.code, b.name, p.code AS parent, b.level FROM crm_branch b"
    " LEFT JOIN crm_branch p ON p.id = b.parent_id ORDER BY b.path";

CRM_EXTERN(int) crm_branch_get(crm_record **out, crm_db *db, const char *code)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "branch get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_BRANCH_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        rc = crmi_record_from_row(out, st);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no branch %.40s", code)
                                 : crmi_sqlite_error(db, step, "read branch");
    sqlite3_reset(st);
    return rc;
}

CRM_EXTERN(int) crm_branch_list(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "branch list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_BRANCH_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
