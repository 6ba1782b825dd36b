/*
 * The database handle and the store services every module uses: cached
 * statements, transactions that nest, iterators over statements, and the
 * migration runner.
 */
#ifndef CRMI_DB_INT_H
#define CRMI_DB_INT_H

#include "core/core_int.h"

struct crmi_keyring;    /* lib/security: keys and cipher contexts */
struct crmi_actor;      /* lib/access: the acting user */

typedef struct crmi_cached_stmt {
    const char *sql; /* the static text: cached by address */
    sqlite3_stmt *stmt;
    bool lent; /* held by a live iterator (crmi_stmt_lend) */
} crmi_cached_stmt;

struct crm_db {
    sqlite3 *sql;
    unsigned int flags;
    crm_clock_fn clock;
    void *clock_payload;

    int errcode;
    char errmsg[512];

    crmi_cached_stmt *stmts;
    size_t n_stmts, cap_stmts;

    int txn_level;  /* open levels: 1 = the transaction, more = savepoints */
    int host_depth; /* how many of them crm_db_begin opened */
    uint64_t txn_serial; /* counts outermost transactions begun */
    uint64_t txn_rollbacks; /* counts rollbacks of any level */
    struct crm_iter *live_iters;

    struct crmi_keyring *keys;
    struct crmi_actor *actor;
    struct crmi_slot *slots; /* modules' per-handle state (crmi_db_slot) */

    int busy_timeout_ms;
    struct crmi_writeq *writeq; /* this process's writers of the file (writeq.c) */
    bool writeq_held;           /* this handle's writer has its turn */
    bool busy_queued;           /* a begin waits: its wait started at busy_since_us */
    int64_t busy_since_us;
};

/* ------------------------------------------------------------ module state */

/* Per-handle state a module keeps (host callbacks, caches), found by the
 * address of a static key of that module and freed with `free_fn` when the
 * handle closes. Core knows nothing of what the state is. */
void *crmi_db_slot(const crm_db *db, const void *key);
/* Attaches (or replaces, freeing the old) the state under `key`. */
int crmi_db_slot_set(crm_db *db, const void *key, void *data, void (*free_fn)(void *data));

/* A configuration kept as text in the store (YAML a host set, else a
 * built-in default) and the parsed form modules use. */
typedef struct crmi_config_kind {
    const char *what;     /* "complaint config", for messages */
    const char *sql;      /* static: its stored text, one row or none */
    const char *fallback; /* the text when none is stored */
    int (*parse)(crm_db *db, const char *text, size_t len, void **out);
    void (*free)(void *parsed);
} crmi_config_kind;

/* The parsed configuration of `kind` for the text stored now, parsed again
 * only when the text changed since this handle last parsed it (the handle
 * keeps one per kind, found by the kind's address: make it static).
 * `*out` stays valid until the next call for this kind. */
int crmi_config_load(crm_db *db, const crmi_config_kind *kind, const void **out);

/* ------------------------------------------------------------ statements */

/* The cached prepared statement for static `sql` (compared by address),
 * reset and unbound. NULL with the error recorded on failure. Never hand a
 * cached statement to an iterator: use crmi_prepare. */
sqlite3_stmt *crmi_stmt(crm_db *db, const char *sql);

/* A fresh statement the caller owns (for iterators). */
sqlite3_stmt *crmi_prepare(crm_db *db, const char *sql);

/* The cached statement of static `sql` for an iterator to hold (reset and
 * unbound), so a query run often as an iterator is prepared once per
 * handle: preparing costs more than running a point lookup. Marked lent
 * until crmi_stmt_return; while it is, a second caller gets a fresh
 * statement it owns. `*lent` says which: pass the statement, and `sql` when
 * lent, to crmi_iter_new_lent. Never use crmi_stmt on a lent query's text.
 * NULL with the error recorded on failure. */
sqlite3_stmt *crmi_stmt_lend(crm_db *db, const char *sql, bool *lent);

/* Gives a lent statement back to the cache, reset and unbound. */
void crmi_stmt_return(crm_db *db, const char *sql);

/* Done with a statement from crmi_stmt_lend: back to the cache when
 * `lent_sql` is set (it was lent), else finalized. */
void crmi_stmt_release(crm_db *db, sqlite3_stmt *st, const char *lent_sql);

/* Binding helpers: NULL text binds SQL NULL. Return a SQLite code. SQLite
 * copies the value, which may fail for want of memory: then the statement's
 * next crmi_step fails with SQLITE_NOMEM rather than running with the
 * parameter NULL, so callers need not check each bind. `len` -1: up to the
 * NUL. */
int crmi_bind_text(sqlite3_stmt *st, int idx, const char *text);
int crmi_bind_text_len(sqlite3_stmt *st, int idx, const char *text, int len);
int crmi_bind_blob(sqlite3_stmt *st, int idx, const void *data, int len);

/* sqlite3_step, failing with SQLITE_NOMEM when a bind of `st` failed since
 * it was last fetched from the cache. Every step in lib/ goes through it. */
int crmi_step(sqlite3_stmt *st);
/* Forgets a failed bind of `st` (its bindings were cleared or it is gone). */
void crmi_bind_forget(sqlite3_stmt *st);

/* Steps a statement that returns no rows (or whose row is ignored) and
 * resets it. Returns CRM_OK or the mapped error with `context`. */
int crmi_exec_stmt(crm_db *db, sqlite3_stmt *st, const char *context);

/* Runs a cached parameterless query and reads the first column of its first
 * row (0 when there is no row). */
int crmi_query_int64(crm_db *db, const char *sql, int64_t *out);

/* PRAGMA data_version: changes when another connection commits. */
int crmi_data_version(crm_db *db, int64_t *out);

/* Runs SQL text without parameters (schema, pragmas). */
int crmi_exec(crm_db *db, const char *sql, const char *context);

/* ---------------------------------------------------------- transactions */

/* Every mutation runs between crmi_txn_begin and crmi_txn_end: a write
 * transaction (BEGIN IMMEDIATE) when none is open, a savepoint inside the
 * host's. crmi_txn_end commits when rc == CRM_OK and rolls back otherwise;
 * it returns rc, or the commit's error. */
int crmi_txn_begin(crm_db *db);
int crmi_txn_end(crm_db *db, int rc);

/* The write-lock wait (writeq.c). crmi_txn_begin takes this process's turn
 * for the file before BEGIN IMMEDIATE (writers queue in arrival order, not
 * polling) and crmi_txn_end gives it back when the outermost level ends;
 * CRM_E_BUSY after the busy timeout. crmi_busy_wait is the connection's
 * SQLite busy handler: short sleeps up to the same timeout. */
int crmi_writeq_enter(crm_db *db);
void crmi_writeq_leave(crm_db *db);
int crmi_busy_wait(void *db, int tries);
int64_t crmi_monotonic_us(void);

/* Finalizes every cached statement (before close). */
void crmi_stmt_cache_clear(crm_db *db);

/* Whether the handle may write (CRM_E_READONLY recorded if not). */
int crmi_require_writable(crm_db *db);

/* ------------------------------------------------------------- iterators */

/* Turns the current row into the iterator's record. */
typedef int (*crmi_row_fn)(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx);

/* Wraps an owned, bound statement as an iterator. `map` may be NULL for
 * crmi_record_from_row. On failure the statement and ctx are freed. */
int crmi_iter_new(crm_iter **out, crm_db *db, sqlite3_stmt *st, crmi_row_fn map, void *ctx,
                  void (*ctx_free)(void *));

/* Like crmi_iter_new for a statement from crmi_stmt_lend: when `lent_sql`
 * is not NULL the statement goes back to the cache when the iterator ends,
 * instead of being finalized. */
int crmi_iter_new_lent(crm_iter **out, crm_db *db, sqlite3_stmt *st, const char *lent_sql,
                       crmi_row_fn map, void *ctx, void (*ctx_free)(void *));
/* Tells a new iterator its statement was already stepped once, with SQLite
 * result `step` (SQLITE_ROW or SQLITE_DONE), for the first crm_iter_next. */
void crmi_iter_prime(crm_iter *it, int step);

/* Called by crm_db_close: live iterators lose their statements. */
void crmi_iter_detach_all(crm_db *db);

/* ------------------------------------------------------------- migration */

typedef struct crmi_migration {
    const char *name; /* "0001 core: meta, keys, audit" */
    const char *sql;
} crmi_migration;

/* The ordered list of every module's migrations (lib/schema.c). The schema
 * version of a database is how many of them it has applied. */
extern const crmi_migration crmi_migrations[];
extern const int crmi_migration_count;

#endif /* CRMI_DB_INT_H */
