/* Error codes, their static meanings, and the per-handle / per-thread
 * detailed messages. */
#include "core/db_int.h"

#include <stdio.h>
#include <string.h>

#define CRMI_ERRMSG_MAX 512

static _Thread_local char thread_msg[CRMI_ERRMSG_MAX];

static const char *const error_names[] = {
    [0] = "ok",
    [1] = "invalid argument",
    [2] = "invalid data",
    [3] = "not found",
    [4] = "conflict",
    [5] = "permission denied",
    [6] = "key error",
    [7] = "database busy",
    [8] = "I/O error",
    [9] = "data corrupt",
    [10] = "schema version not supported",
    [11] = "not supported",
    [12] = "out of memory",
    [13] = "read-only",
    [14] = "account locked",
    [15] = "invalid state",
    [16] = "internal error",
};

CRM_EXTERN(const char *) crm_errstr(int code)
{
    if (code == CRM_ITER_DONE)
        return "iteration done";
    if (code > 0 || -code >= (int)(sizeof error_names / sizeof error_names[0]))
        return "unknown error";
    return error_names[-code];
}

CRM_EXTERN(const char *) crm_last_errmsg(void)
{
    return thread_msg;
}

static void format_into(char *dst, size_t size, const char *fmt, va_list ap)
{
    vsnprintf(dst, size, fmt, ap);
}

int crmi_error_thread(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_into(thread_msg, sizeof thread_msg, fmt, ap);
    va_end(ap);
    return code;
}

int crmi_error(crm_db *db, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (db) {
        format_into(db->errmsg, sizeof db->errmsg, fmt, ap);
        db->errcode = code;
    } else {
        format_into(thread_msg, sizeof thread_msg, fmt, ap);
    }
    va_end(ap);
    return code;
}

void crmi_error_clear(crm_db *db)
{
    if (db) {
        db->errmsg[0] = '\0';
        db->errcode = CRM_OK;
    } else {
        thread_msg[0] = '\0';
    }
}

static int code_from_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return CRM_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return CRM_E_BUSY;
    case SQLITE_NOMEM:
        return CRM_E_NOMEM;
    case SQLITE_READONLY:
        return CRM_E_READONLY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
        return CRM_E_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return CRM_E_CORRUPT;
    case SQLITE_CONSTRAINT:
        return CRM_E_CONFLICT;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return CRM_E_INVALID_DATA;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return CRM_E_PERMISSION;
    default:
        return CRM_E_INTERNAL;
    }
}

int crmi_sqlite_error(crm_db *db, int rc, const char *context)
{
    int code = code_from_sqlite(rc);
    const char *detail = (db && db->sql) ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc);
    return crmi_error(db, code == CRM_OK ? CRM_E_INTERNAL : code, "%s: %s", context, detail);
}

CRM_EXTERN(const char *) crm_db_errmsg(const crm_db *db)
{
    return db ? db->errmsg : "no database handle";
}

CRM_EXTERN(int) crm_db_errcode(const crm_db *db)
{
    return db ? db->errcode : CRM_E_INVALID_ARG;
}
