/* Storing and reading the workflow configuration a host supplies. */
#include "complaint/complaint_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_SET[] =
    "INSERT INTO crm_complaint_config (name, body, updated_at) VALUES ('workflow', ?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at";

static int store(crm_db *db, const char *text, size_t len)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET);
    if (!st)
        return db->errcode;
    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "store complaint config");
    char after[64];
    snprintf(after, sizeof after, "{\"bytes\":%zu}", len);
    crmi_audit_entry e = {.action = "complaint.config_set",
                          .entity = "complaint_config",
                          .entity_id = "workflow",
                          .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_complaint_config_set(crm_db *db, const char *text, size_t len)
{
    if (!db || !text)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint config: NULL argument");
    crmi_error_clear(db);
    crmi_cconfig *cfg = NULL;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_ADMIN);
    if (!rc && !crmi_utf8_valid(text, len))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "complaint config: text is not valid UTF-8");
    if (!rc)
        rc = crmi_cconfig_parse(db, text, len, &cfg);
    crmi_cconfig_free(cfg);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, store(db, text, len));
}

static const char SQL_GET[] = "SELECT body FROM crm_complaint_config WHERE name = 'workflow'";

CRM_EXTERN(int) crm_complaint_config_get(char **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint config: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    int step = sqlite3_step(st);
    const char *text = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                          : crmi_complaint_default_config;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read complaint config");
    else if (!(*out = crmi_strdup(text)))
        rc = crmi_error(db, CRM_E_NOMEM, "complaint config: out of memory");
    sqlite3_reset(st);
    return rc;
}
