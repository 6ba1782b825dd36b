/* Opening and closing the store: connection set-up, key check, migrations,
 * host transactions and the acting user. */
#include "access/access_int.h"
#include "security/security_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 'CRM1': marks a file as a libcrm database. */
#define CRMI_APPLICATION_ID 0x43524D31

CRM_EXTERN(int) crm_db_options_init(crm_db_options *opts, unsigned int version)
{
    if (!opts || version != CRM_DB_OPTIONS_VERSION)
        return crmi_error_thread(CRM_E_INVALID_ARG, "options: version %u, expected %d", version,
                                 CRM_DB_OPTIONS_VERSION);
    *opts = (crm_db_options)CRM_DB_OPTIONS_INIT;
    return CRM_OK;
}

static int64_t system_clock(void *payload)
{
    return (int64_t)time(NULL);
}

CRM_EXTERN(int64_t) crm_db_now(const crm_db *db)
{
    return db ? db->clock(db->clock_payload) : system_clock(NULL);
}

static int open_connection(crm_db *db, const char *path, int busy_timeout_ms)
{
    bool memory = strcmp(path, ":memory:") == 0;
    if (!memory && !(db->flags & CRM_OPEN_CREATE) && access(path, F_OK) != 0)
        return crmi_error(db, CRM_E_NOT_FOUND, "database %s does not exist", path);
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (db->flags & CRM_OPEN_READONLY)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE | ((db->flags & CRM_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db->sql, flags, NULL);
    if (rc != SQLITE_OK)
        return crmi_sqlite_error(db, rc, path);
    db->busy_timeout_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 5000;
    sqlite3_busy_handler(db->sql, crmi_busy_wait, db);
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    return crmi_exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys");
}

/* Reads the schema version; refuses files that are not libcrm databases and
 * schemas newer than this library. Reads only. */
static const char SQL_APPLICATION_ID[] = "PRAGMA application_id";
static const char SQL_USER_VERSION[] = "PRAGMA user_version";
static const char SQL_COUNT_OBJECTS[] = "SELECT count(*) FROM sqlite_schema";

static int check_schema(crm_db *db, int64_t *out_version)
{
    int64_t app_id, version, objects;
    int rc = crmi_query_int64(db, SQL_APPLICATION_ID, &app_id);
    if (!rc)
        rc = crmi_query_int64(db, SQL_USER_VERSION, &version);
    if (!rc)
        rc = crmi_query_int64(db, SQL_COUNT_OBJECTS, &objects);
    if (rc)
        return rc;
    if (objects > 0 && app_id != CRMI_APPLICATION_ID)
        return crmi_error(db, CRM_E_CORRUPT, "not a libcrm database (application id %lld)",
                          (long long)app_id);
    if (version > crmi_migration_count)
        return crmi_error(db, CRM_E_SCHEMA_VERSION,
                          "database schema version %lld is newer than this library's %d; "
                          "upgrade libcrm",
                          (long long)version, crmi_migration_count);
    *out_version = version;
    return CRM_OK;
}

static int apply_migrations(crm_db *db, int64_t from)
{
    for (int64_t i = from; i < crmi_migration_count; i++) {
        int rc = crmi_exec(db, crmi_migrations[i].sql, crmi_migrations[i].name);
        if (rc)
            return rc;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
             crmi_migration_count, CRMI_APPLICATION_ID);
    return crmi_exec(db, sql, "record schema version");
}

/* Brings the schema up to date in one write transaction. Another process
 * may have migrated meanwhile, so the version is read again under the lock. */
static int migrate(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    int rc = crmi_txn_begin(db);
    if (rc)
        return rc;
    int64_t version;
    rc = check_schema(db, &version);
    if (!rc && version < crmi_migration_count)
        rc = apply_migrations(db, version);
    if (!rc && version == 0)
        rc = crmi_keyring_create(db, master);
    return crmi_txn_end(db, rc);
}

static int open_store(crm_db *db, const char *path, const crm_db_options *opts,
                      const unsigned char master[CRM_KEY_SIZE])
{
    int64_t version;
    int rc = open_connection(db, path, opts->busy_timeout_ms);
    if (!rc)
        rc = check_schema(db, &version);
    /* The key is checked before anything is written, so a wrong key leaves
     * the file exactly as it was. */
    if (!rc && version > 0)
        rc = crmi_keyring_open(db, master);
    /* No memory map: on a million customers a mapped file made point lookups
     * ~25% slower than read() into SQLite's page cache (page faults and TLB
     * misses on random pages cost more than the copy; bench_customer_lookup). */
    if (rc)
        return rc;
    if (db->flags & CRM_OPEN_READONLY)
        return version < crmi_migration_count
                   ? crmi_error(db, CRM_E_SCHEMA_VERSION,
                                "database schema version %lld needs migration to %d; open it "
                                "read-write once",
                                (long long)version, crmi_migration_count)
                   : CRM_OK;
    rc = crmi_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "set journal");
    if (!rc && version < crmi_migration_count)
        rc = migrate(db, master);
    if (!rc && !db->keys)
        rc = crmi_keyring_open(db, master);
    return rc;
}

CRM_EXTERN(int) crm_db_open(crm_db **out, const char *path, const crm_db_options *opts)
{
    crmi_error_clear(NULL);
    crm_db_options defaults = CRM_DB_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (!out || !path)
        return crmi_error_thread(CRM_E_INVALID_ARG, "open: NULL argument");
    if (opts->version < 1 || opts->version > CRM_DB_OPTIONS_VERSION)
        return crmi_error_thread(CRM_E_INVALID_ARG, "open: options version %u not supported",
                                 opts->version);
    unsigned char master[CRM_KEY_SIZE];
    int rc = crmi_master_key_resolve(master, opts);
    if (rc)
        return rc;
    crm_db *db = crmi_calloc(1, sizeof *db);
    if (!db) {
        OPENSSL_cleanse(master, sizeof master);
        return crmi_error_thread(CRM_E_NOMEM, "open: out of memory");
    }
    db->flags = opts->flags;
    db->clock = opts->clock ? opts->clock : system_clock;
    db->clock_payload = opts->clock ? opts->clock_payload : NULL;
    rc = open_store(db, path, opts, master);
    OPENSSL_cleanse(master, sizeof master);
    if (rc) {
        crmi_error_thread(rc, "%s", db->errmsg);
        crm_db_close(db);
        return rc;
    }
    *out = db;
    return CRM_OK;
}

struct crmi_slot {
    const void *key;
    void *data;
    void (*free_fn)(void *data);
    struct crmi_slot *next;
};

void *crmi_db_slot(const crm_db *db, const void *key)
{
    for (const struct crmi_slot *s = db->slots; s; s = s->next)
        if (s->key == key)
            return s->data;
    return NULL;
}

int crmi_db_slot_set(crm_db *db, const void *key, void *data, void (*free_fn)(void *data))
{
    struct crmi_slot *s = db->slots;
    while (s && s->key != key)
        s = s->next;
    if (!s) {
        if (!(s = crmi_calloc(1, sizeof *s)))
            return crmi_error(db, CRM_E_NOMEM, "out of memory");
        s->key = key;
        s->next = db->slots;
        db->slots = s;
    } else if (s->free_fn && s->data != data) {
        s->free_fn(s->data);
    }
    s->data = data;
    s->free_fn = free_fn;
    return CRM_OK;
}

static void slots_free(crm_db *db)
{
    while (db->slots) {
        struct crmi_slot *s = db->slots;
        db->slots = s->next;
        if (s->free_fn)
            s->free_fn(s->data);
        crm_free(s);
    }
}

CRM_EXTERN(void) crm_db_close(crm_db *db)
{
    if (!db)
        return;
    crmi_iter_detach_all(db);
    slots_free(db); /* module state may hold statements: before the close */
    crmi_stmt_cache_clear(db);
    sqlite3_close_v2(db->sql); /* rolls back an open transaction */
    crmi_writeq_leave(db);
    crmi_keyring_free(db->keys);
    crmi_actor_free(db->actor);
    crm_free(db);
}

CRM_EXTERN(int) crm_db_schema_version(crm_db *db, int *out_version)
{
    if (!db || !out_version)
        return crmi_error(db, CRM_E_INVALID_ARG, "schema version: NULL argument");
    crmi_error_clear(db);
    int64_t version;
    int rc = crmi_query_int64(db, SQL_USER_VERSION, &version);
    if (!rc)
        *out_version = (int)version;
    return rc;
}

CRM_EXTERN(int) crm_db_begin(crm_db *db)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "begin: NULL handle");
    crmi_error_clear(db);
    int rc = crmi_txn_begin(db);
    if (!rc)
        db->host_depth++;
    return rc;
}

static int end_host_level(crm_db *db, int outcome)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "transaction: NULL handle");
    crmi_error_clear(db);
    if (db->host_depth == 0)
        return crmi_error(db, CRM_E_STATE, "no transaction opened by crm_db_begin is open");
    db->host_depth--;
    if (outcome != CRM_OK) {
        crmi_txn_end(db, outcome);
        crmi_error_clear(db);
        return CRM_OK;
    }
    return crmi_txn_end(db, CRM_OK);
}

CRM_EXTERN(int) crm_db_commit(crm_db *db)
{
    return end_host_level(db, CRM_OK);
}

CRM_EXTERN(int) crm_db_rollback(crm_db *db)
{
    return end_host_level(db, CRM_E_STATE);
}

CRM_EXTERN(int) crm_db_txn_depth(const crm_db *db)
{
    return db ? db->host_depth : 0;
}
