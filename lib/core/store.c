/* Statement cache, execution helpers and nestable transactions. */
#include "core/db_int.h"

#include <stdint.h>
#include <string.h>

static size_t slot_of(const char *sql, size_t cap)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (cap - 1);
}

static bool cache_grow(crm_db *db)
{
    size_t cap = db->cap_stmts ? db->cap_stmts * 2 : 64;
    crmi_cached_stmt *table = crmi_calloc(cap, sizeof *table);
    if (!table)
        return false;
    for (size_t i = 0; i < db->cap_stmts; i++) {
        crmi_cached_stmt e = db->stmts[i];
        if (!e.sql)
            continue;
        size_t j = slot_of(e.sql, cap);
        while (table[j].sql)
            j = (j + 1) & (cap - 1);
        table[j] = e;
    }
    crm_free(db->stmts);
    db->stmts = table;
    db->cap_stmts = cap;
    return true;
}

sqlite3_stmt *crmi_prepare(crm_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        crmi_sqlite_error(db, rc, "prepare");
        return NULL;
    }
    crmi_bind_forget(st); /* a finalized statement's address may come back */
    return st;
}

/* The cache entry of `sql`, or NULL. */
static crmi_cached_stmt *cache_find(crm_db *db, const char *sql)
{
    if (!db->cap_stmts)
        return NULL;
    size_t i = slot_of(sql, db->cap_stmts);
    while (db->stmts[i].sql && db->stmts[i].sql != sql)
        i = (i + 1) & (db->cap_stmts - 1);
    return db->stmts[i].sql ? &db->stmts[i] : NULL;
}

sqlite3_stmt *crmi_stmt(crm_db *db, const char *sql)
{
    if (2 * (db->n_stmts + 1) > db->cap_stmts && !cache_grow(db)) {
        crmi_error(db, CRM_E_NOMEM, "statement cache: out of memory");
        return NULL;
    }
    size_t i = slot_of(sql, db->cap_stmts);
    while (db->stmts[i].sql && db->stmts[i].sql != sql)
        i = (i + 1) & (db->cap_stmts - 1);
    if (db->stmts[i].sql) {
        sqlite3_stmt *st = db->stmts[i].stmt;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        crmi_bind_forget(st);
        return st;
    }
    sqlite3_stmt *st = crmi_prepare(db, sql);
    if (!st)
        return NULL;
    db->stmts[i] = (crmi_cached_stmt){.sql = sql, .stmt = st};
    db->n_stmts++;
    return st;
}

sqlite3_stmt *crmi_stmt_lend(crm_db *db, const char *sql, bool *lent)
{
    crmi_cached_stmt *e = cache_find(db, sql);
    *lent = !(e && e->lent);
    if (!*lent)
        return crmi_prepare(db, sql);
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (st)
        cache_find(db, sql)->lent = true;
    return st;
}

void crmi_stmt_return(crm_db *db, const char *sql)
{
    crmi_cached_stmt *e = cache_find(db, sql);
    if (!e)
        return;
    sqlite3_reset(e->stmt);
    sqlite3_clear_bindings(e->stmt);
    e->lent = false;
}

void crmi_stmt_release(crm_db *db, sqlite3_stmt *st, const char *lent_sql)
{
    if (lent_sql)
        crmi_stmt_return(db, lent_sql);
    else
        sqlite3_finalize(st);
}

void crmi_stmt_cache_clear(crm_db *db)
{
    for (size_t i = 0; i < db->cap_stmts; i++)
        if (db->stmts[i].stmt)
            sqlite3_finalize(db->stmts[i].stmt);
    crm_free(db->stmts);
    db->stmts = NULL;
    db->n_stmts = db->cap_stmts = 0;
}

/* The statement whose last text or blob bind failed (SQLite copies the
 * value, which allocates), on this thread: a handle is used by one thread
 * at a time. Without this, a failed bind leaves the parameter NULL and the
 * statement would run anyway, storing NULL in place of the value. */
static _Thread_local sqlite3_stmt *bind_failed;

static int note_bind(sqlite3_stmt *st, int rc)
{
    /* only a failed copy: binding a parameter a query may not have
     * (SQLITE_RANGE) is harmless and left to the caller */
    if (rc == SQLITE_NOMEM || rc == SQLITE_TOOBIG)
        bind_failed = st;
    return rc;
}

int crmi_bind_text_len(sqlite3_stmt *st, int idx, const char *text, int len)
{
    return note_bind(st, text ? sqlite3_bind_text(st, idx, text, len, SQLITE_TRANSIENT)
                              : sqlite3_bind_null(st, idx));
}

int crmi_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
    return crmi_bind_text_len(st, idx, text, -1);
}

int crmi_bind_blob(sqlite3_stmt *st, int idx, const void *data, int len)
{
    return note_bind(st, sqlite3_bind_blob(st, idx, data, len, SQLITE_TRANSIENT));
}

int crmi_step(sqlite3_stmt *st)
{
    if (__builtin_expect(bind_failed == st, 0)) {
        bind_failed = NULL;
        return SQLITE_NOMEM;
    }
    return sqlite3_step(st);
}

void crmi_bind_forget(sqlite3_stmt *st)
{
    if (bind_failed == st)
        bind_failed = NULL;
}

int crmi_exec_stmt(crm_db *db, sqlite3_stmt *st, const char *context)
{
    int rc = crmi_step(st);
    int code = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? CRM_OK : crmi_sqlite_error(db, rc, context);
    sqlite3_reset(st);
    return code;
}

int crmi_query_int64(crm_db *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, sql);
}

static const char SQL_DATA_VERSION[] = "PRAGMA data_version";

int crmi_data_version(crm_db *db, int64_t *out)
{
    return crmi_query_int64(db, SQL_DATA_VERSION, out);
}

int crmi_exec(crm_db *db, const char *sql, const char *context)
{
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CRM_OK : crmi_sqlite_error(db, rc, context);
}

int crmi_require_writable(crm_db *db)
{
    if (db->flags & CRM_OPEN_READONLY)
        return crmi_error(db, CRM_E_READONLY, "database opened read-only");
    return CRM_OK;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT crm_level";
static const char SQL_RELEASE[] = "RELEASE crm_level";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO crm_level";

static int run(crm_db *db, const char *sql, const char *context)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    return st ? crmi_exec_stmt(db, st, context) : db->errcode;
}

int crmi_txn_begin(crm_db *db)
{
    int rc = crmi_require_writable(db);
    if (rc)
        return rc;
    if (db->txn_level > 0) {
        rc = run(db, SQL_SAVEPOINT, "savepoint");
        if (rc == CRM_OK)
            db->txn_level++;
        return rc;
    }
    rc = crmi_writeq_enter(db);
    if (rc == CRM_OK)
        rc = run(db, SQL_BEGIN, "begin transaction");
    db->busy_queued = false;
    if (rc != CRM_OK) {
        crmi_writeq_leave(db);
        return rc;
    }
    db->txn_level = 1;
    db->txn_serial++;
    return CRM_OK;
}

/* Rolls back the innermost level, keeping the error that caused it. */
static void rollback_level(crm_db *db)
{
    char saved[sizeof db->errmsg];
    memcpy(saved, db->errmsg, sizeof saved);
    int saved_code = db->errcode;
    db->txn_rollbacks++;
    if (db->txn_level == 1) {
        run(db, SQL_ROLLBACK, "rollback");
    } else {
        run(db, SQL_ROLLBACK_TO, "rollback to savepoint");
        run(db, SQL_RELEASE, "release savepoint");
    }
    memcpy(db->errmsg, saved, sizeof saved);
    db->errcode = saved_code;
}

static int end_level(crm_db *db, int rc);

int crmi_txn_end(crm_db *db, int rc)
{
    rc = end_level(db, rc);
    if (db->txn_level == 0)
        crmi_writeq_leave(db);
    return rc;
}

static int end_level(crm_db *db, int rc)
{
    if (db->txn_level == 0)
        return rc ? rc : crmi_error(db, CRM_E_STATE, "no transaction is open");
    if (sqlite3_get_autocommit(db->sql)) {
        /* SQLite already rolled everything back (I/O error, out of memory). */
        db->txn_rollbacks++;
        db->txn_level--;
        return rc ? rc : crmi_error(db, CRM_E_IO, "transaction was rolled back by the store");
    }
    if (rc == CRM_OK) {
        rc = db->txn_level == 1 ? run(db, SQL_COMMIT, "commit")
                                : run(db, SQL_RELEASE, "release savepoint");
        if (rc == CRM_OK) {
            db->txn_level--;
            return CRM_OK;
        }
    }
    rollback_level(db);
    db->txn_level--;
    return rc;
}
