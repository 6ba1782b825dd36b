/*
 * libcrm core: version, error codes, memory, the database handle, transactions
 * and typed records.
 *
 * Conventions (docs/ABI.md has the compatibility rules):
 *  - Functions return CRM_OK (0) or a negative CRM_E_* code; out-parameters
 *    come first and are set only on success.
 *  - crm_db_errmsg() gives the detailed message of the last failure on a
 *    handle; crm_last_errmsg() the one of the calling thread, for failures
 *    before a handle exists.
 *  - Memory the library allocates for the caller is released with crm_free();
 *    every handle has its own _free/_close, and each accepts NULL.
 *  - A crm_db is used by one thread at a time; open one handle per thread.
 *  - Times are UTC ISO-8601 text ("2026-11-25T14:01:32Z") at the API.
 *  - Money is int64_t in fen; never floating point.
 */
#ifndef CRM_CORE_H
#define CRM_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a public declaration; everything else in the library is hidden. */
#if defined(CRM_BUILDING_LIBRARY) && defined(__GNUC__)
#define CRM_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define CRM_EXTERN(type) type
#endif

/* ---------------------------------------------------------------- version */

#define CRM_VERSION_MAJOR 1
#define CRM_VERSION_MINOR 0
#define CRM_VERSION_PATCH 0
#define CRM_VERSION_STRING "1.0.0"
/** MAJOR * 10000 + MINOR * 100 + PATCH: comparable with <, >. */
#define CRM_VERSION_NUMBER                                                                         \
    (CRM_VERSION_MAJOR * 10000 + CRM_VERSION_MINOR * 100 + CRM_VERSION_PATCH)

/** The version number (CRM_VERSION_NUMBER) of the library running now. */
CRM_EXTERN(int) crm_version(void);

/** The version string of the library running now; static storage. */
CRM_EXTERN(const char *) crm_version_string(void);

/**
 * Checks that the library running now can serve a program compiled against
 * headers of version `compiled_number` (pass CRM_VERSION_NUMBER): same major
 * version, and a minor.patch not older than the headers'.
 *
 * @return CRM_OK, or CRM_E_NOT_SUPPORTED with crm_last_errmsg() saying both
 *         versions.
 */
CRM_EXTERN(int) crm_version_check(int compiled_number);

/* ----------------------------------------------------------------- errors */

/** Result codes. Values are stable; new codes are only ever appended. */
typedef enum crm_error {
    CRM_OK = 0,
    CRM_ITER_DONE = 1,             /**< an iterator has no more items */
    CRM_E_INVALID_ARG = -1,        /**< a NULL or out-of-range argument */
    CRM_E_INVALID_DATA = -2,       /**< input that fails validation */
    CRM_E_NOT_FOUND = -3,          /**< no such record */
    CRM_E_CONFLICT = -4,           /**< duplicate key or stale version */
    CRM_E_PERMISSION = -5,         /**< the acting user may not do this */
    CRM_E_KEY = -6,                /**< missing, malformed or wrong key */
    CRM_E_BUSY = -7,               /**< the database stayed locked past the timeout */
    CRM_E_IO = -8,                 /**< a file could not be read or written */
    CRM_E_CORRUPT = -9,            /**< stored data fails an integrity check */
    CRM_E_SCHEMA_VERSION = -10,    /**< database schema newer than this library */
    CRM_E_NOT_SUPPORTED = -11,     /**< the capability does not exist */
    CRM_E_NOMEM = -12,             /**< out of memory */
    CRM_E_READONLY = -13,          /**< write attempted on a read-only handle */
    CRM_E_LOCKED = -14,            /**< account locked after failed logins */
    CRM_E_STATE = -15,             /**< call not valid in the current state */
    CRM_E_INTERNAL = -16           /**< a bug in libcrm or a dependency */
} crm_error;

/** The static meaning of a code ("not found"); never NULL. */
CRM_EXTERN(const char *) crm_errstr(int code);

/**
 * The detailed message of the calling thread's last failure, for calls that
 * fail before a handle exists (crm_db_open). Valid until the thread's next
 * libcrm call. Never NULL; "" when there is none.
 */
CRM_EXTERN(const char *) crm_last_errmsg(void);

/** Frees memory libcrm allocated for the caller (strings, blobs). NULL is fine. */
CRM_EXTERN(void) crm_free(void *ptr);

/* -------------------------------------------------------------- time text */

/**
 * Converts UTC ISO-8601 text ("2026-11-25T14:01:32Z", "2026-11-25T14:01:32",
 * or a date "2026-11-25" meaning midnight UTC) to epoch seconds.
 * @return CRM_OK or CRM_E_INVALID_DATA.
 */
CRM_EXTERN(int) crm_time_parse(int64_t *out_epoch, const char *text);

/**
 * Formats epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" into `buf` (at least 21
 * bytes). @return CRM_OK or CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_time_format(char *buf, size_t buf_size, int64_t epoch);

/* ------------------------------------------------------- database handle */

/** An open libcrm database: one SQLite connection. Opaque. */
typedef struct crm_db crm_db;

/**
 * Supplies the 256-bit master key. Write 32 bytes to `key_out` and return 0;
 * return non-zero to refuse (the open fails with CRM_E_KEY).
 */
typedef int (*crm_key_provider_fn)(unsigned char key_out[32], void *payload);

/** Returns the current time as epoch seconds (UTC); for tests and replays. */
typedef int64_t (*crm_clock_fn)(void *payload);

/** Open flags, combined with |. */
#define CRM_OPEN_CREATE 0x1u   /**< create the database file if missing */
#define CRM_OPEN_READONLY 0x2u /**< refuse every write (CRM_E_READONLY) */

#define CRM_DB_OPTIONS_VERSION 1

/**
 * Options for crm_db_open. Initialise with CRM_DB_OPTIONS_INIT or
 * crm_db_options_init(); fields are only ever appended.
 *
 * The master key comes from exactly one of: `key` (32 bytes, copied),
 * `key_file` (a file holding 64 hex digits, as written by crm_key_generate_file),
 * or `key_provider`. Without a key the open fails with CRM_E_KEY: personal
 * data is always encrypted.
 */
typedef struct crm_db_options {
    unsigned int version;      /**< CRM_DB_OPTIONS_VERSION */
    unsigned int flags;        /**< CRM_OPEN_* */
    int busy_timeout_ms;       /**< wait for locks this long; default 5000 */
    const unsigned char *key;  /**< 32-byte master key, or NULL */
    const char *key_file;      /**< path of a hex key file, or NULL */
    crm_key_provider_fn key_provider;
    void *key_provider_payload;
    crm_clock_fn clock; /**< NULL: the system clock */
    void *clock_payload;
} crm_db_options;

#define CRM_DB_OPTIONS_INIT {CRM_DB_OPTIONS_VERSION, CRM_OPEN_CREATE, 5000, NULL, NULL, NULL, NULL, NULL, NULL}

/** Fills `opts` with the defaults of CRM_DB_OPTIONS_INIT (for ctypes users). */
CRM_EXTERN(int) crm_db_options_init(crm_db_options *opts, unsigned int version);

/**
 * Opens (and with CRM_OPEN_CREATE creates) a database. `path` may be
 * ":memory:". A new database gets fresh data keys wrapped by the master key;
 * an older schema is migrated forward in one transaction; a newer one is
 * refused with CRM_E_SCHEMA_VERSION. A wrong master key is detected before
 * anything is written and fails with CRM_E_KEY. `opts` may be NULL for the
 * defaults, but then no key is given and the open fails.
 *
 * @param out   receives the handle; close it with crm_db_close().
 * @return CRM_OK, CRM_E_KEY, CRM_E_IO, CRM_E_CORRUPT, CRM_E_SCHEMA_VERSION,
 *         CRM_E_NOT_FOUND (file missing without CRM_OPEN_CREATE), CRM_E_NOMEM.
 *         Details in crm_last_errmsg().
 */
CRM_EXTERN(int) crm_db_open(crm_db **out, const char *path, const crm_db_options *opts);

/** Closes the handle, rolling back an open transaction. NULL is fine. */
CRM_EXTERN(void) crm_db_close(crm_db *db);

/**
 * The detailed message of the last failure on `db` (names the field, line or
 * entry at fault). Valid until the next call on the handle; never NULL.
 */
CRM_EXTERN(const char *) crm_db_errmsg(const crm_db *db);

/** The code of the last failure on `db`, or CRM_OK. */
CRM_EXTERN(int) crm_db_errcode(const crm_db *db);

/**
 * The schema version of the open database: the number of migrations applied,
 * kept in the database itself. For diagnostics and tests.
 */
CRM_EXTERN(int) crm_db_schema_version(crm_db *db, int *out_version);

/** Current time on this handle's clock (the system clock for NULL), epoch seconds. */
CRM_EXTERN(int64_t) crm_db_now(const crm_db *db);

/**
 * Begins a host transaction. Nestable: the outermost begin takes the write
 * lock (BEGIN IMMEDIATE, waiting up to the busy timeout); inner ones are
 * savepoints. Every libcrm call inside runs in it, so a core-banking program
 * can batch many changes into one commit.
 * @return CRM_OK, CRM_E_BUSY, CRM_E_READONLY.
 */
CRM_EXTERN(int) crm_db_begin(crm_db *db);

/** Commits the innermost open transaction level. CRM_E_STATE if none. */
CRM_EXTERN(int) crm_db_commit(crm_db *db);

/** Rolls back the innermost open transaction level. CRM_E_STATE if none. */
CRM_EXTERN(int) crm_db_rollback(crm_db *db);

/** Depth of open host transactions (0 when none). Cannot fail. */
CRM_EXTERN(int) crm_db_txn_depth(const crm_db *db);

/**
 * Sets the acting user: every later call is checked against that user's
 * roles and branch. The user must exist and be active, else CRM_E_PERMISSION
 * and the handle has no actor. NULL clears the actor.
 */
CRM_EXTERN(int) crm_db_set_actor(crm_db *db, const char *user_name);

/** The acting user's name, or NULL. Valid until the actor changes. */
CRM_EXTERN(const char *) crm_db_actor(const crm_db *db);

/* ------------------------------------------------------------- records */

/**
 * A record: typed values by field name (users now; customers and others
 * later). Field names and which ones a call accepts are documented with each
 * call. Adding a field never changes the ABI.
 */
typedef struct crm_record crm_record;

/** Value types of record fields. */
typedef enum crm_value_type {
    CRM_TYPE_NULL = 0,
    CRM_TYPE_TEXT = 1,
    CRM_TYPE_INT = 2,
    CRM_TYPE_MONEY = 3, /**< int64 fen */
    CRM_TYPE_DATE = 4   /**< text "YYYY-MM-DD" or ISO-8601 time */
} crm_value_type;

/** Creates an empty record; free it with crm_record_free(). */
CRM_EXTERN(int) crm_record_new(crm_record **out);

/** Frees a record. NULL is fine. */
CRM_EXTERN(void) crm_record_free(crm_record *rec);

/** Sets a UTF-8 text field (copied). Invalid UTF-8 is CRM_E_INVALID_DATA. NULL value clears. */
CRM_EXTERN(int) crm_record_set_text(crm_record *rec, const char *field, const char *value);

/** Sets an integer field. */
CRM_EXTERN(int) crm_record_set_int(crm_record *rec, const char *field, int64_t value);

/** Sets a money field in fen. */
CRM_EXTERN(int) crm_record_set_money(crm_record *rec, const char *field, int64_t fen);

/** Sets a date field from "YYYY-MM-DD" (validated). */
CRM_EXTERN(int) crm_record_set_date(crm_record *rec, const char *field, const char *date);

/** Removes a field. CRM_OK even if it was absent. */
CRM_EXTERN(int) crm_record_unset(crm_record *rec, const char *field);

/**
 * Reads a text (or date) field. `*out` borrows the record's copy, valid until
 * the field changes or the record is freed.
 * @return CRM_OK, CRM_E_NOT_FOUND (absent or NULL), CRM_E_INVALID_ARG (wrong type).
 */
CRM_EXTERN(int) crm_record_get_text(const char **out, const crm_record *rec, const char *field);

/** Reads an integer or money field. Same returns as crm_record_get_text. */
CRM_EXTERN(int) crm_record_get_int(int64_t *out, const crm_record *rec, const char *field);

/** The type of a field, CRM_TYPE_NULL when absent. Cannot fail. */
CRM_EXTERN(crm_value_type) crm_record_type(const crm_record *rec, const char *field);

/** Number of fields set. Cannot fail. */
CRM_EXTERN(size_t) crm_record_count(const crm_record *rec);

/**
 * The name of the i-th field (0-based, insertion order), or NULL past the
 * end; borrowed like crm_record_get_text.
 */
CRM_EXTERN(const char *) crm_record_field_name(const crm_record *rec, size_t index);

/**
 * The record as one JSON object (numbers for int and money, strings
 * otherwise). Free with crm_free().
 */
CRM_EXTERN(int) crm_record_to_json(char **out, const crm_record *rec);

/* ------------------------------------------------------------- iterators */

/** A stream of records from a list or search call. Opaque. */
typedef struct crm_iter crm_iter;

/**
 * Advances the iterator. `*out` borrows the current record, valid until the
 * next call on the iterator. @return CRM_OK, CRM_ITER_DONE at the end, or an
 * error code.
 */
CRM_EXTERN(int) crm_iter_next(const crm_record **out, crm_iter *it);

/**
 * Frees an iterator. NULL is fine. Safe in any order with crm_db_close():
 * an iterator whose database was closed returns CRM_E_STATE from
 * crm_iter_next and can still be freed.
 */
CRM_EXTERN(void) crm_iter_free(crm_iter *it);

#ifdef __cplusplus
}
#endif
#endif /* CRM_CORE_H */
