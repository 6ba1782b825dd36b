/*
 * Internal core services shared by every module: allocation, error
 * reporting, growable text buffers, UTF-8, the handle and its store.
 * Internal names use the crmi_ prefix; nothing here is exported.
 */
#ifndef CRMI_CORE_INT_H
#define CRMI_CORE_INT_H

#include "crm/core.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>

/* ---------------------------------------------------------------- memory */

/* Every allocation of the library goes through these, so a test can make the
 * Nth one fail (crmi_fault_alloc_arm). */
void *crmi_malloc(size_t n);
void *crmi_calloc(size_t count, size_t size);
void *crmi_realloc(void *p, size_t n);
char *crmi_strdup(const char *s);
char *crmi_strndup(const char *s, size_t n);

/* Failure injection for tests/fault: after crmi_fault_alloc_arm(n) the nth
 * allocation from now fails (once; n <= 0 disarms). crmi_fault_alloc_tick
 * counts one allocation and says whether it must fail; the test routes
 * SQLite's allocator through it too. crmi_fault_alloc_fired: whether the
 * armed failure happened. */
void crmi_fault_alloc_arm(long n);
bool crmi_fault_alloc_fired(void);
bool crmi_fault_alloc_tick(void);

/* ---------------------------------------------------------------- errors */

/* Records `code` and a formatted message on `db` (or, when db is NULL, on
 * the calling thread) and returns `code`, so callers write
 * `return crmi_error(db, CRM_E_INVALID_DATA, "field %s: ...", f);`. */
int crmi_error(crm_db *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Maps a SQLite result to a CRM_E_* code and records sqlite3_errmsg with the
 * given context ("insert user"). */
int crmi_sqlite_error(crm_db *db, int rc, const char *context);

/* Forgets the last error of db (or the thread): each public call starts clean. */
void crmi_error_clear(crm_db *db);

/* The thread's last-error message buffer is also used by calls on records
 * and rules, which have no handle. */
int crmi_error_thread(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ text buffer */

typedef struct crmi_buf {
    char *data; /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; data is unusable */
} crmi_buf;

void crmi_buf_append(crmi_buf *b, const char *s, size_t n);
void crmi_buf_puts(crmi_buf *b, const char *s);
void crmi_buf_putc(crmi_buf *b, char c);
void crmi_buf_printf(crmi_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `s` as a JSON string literal with quotes and escapes. */
void crmi_buf_json_string(crmi_buf *b, const char *s);
/* Hands the text to the caller (free with crm_free); NULL if an allocation failed. */
char *crmi_buf_take(crmi_buf *b);
void crmi_buf_free(crmi_buf *b);

/* ------------------------------------------------------------------ UTF-8 */

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool crmi_utf8_valid(const char *s, size_t n);

/* ------------------------------------------------------------------ time */

/* The UTC calendar date of epoch seconds. */
void crmi_utc_date(int64_t epoch, int64_t *year, int *month, int *day);

/* Reads the "YYYY-MM-DD" digits at the start of `text` (no range check). */
bool crmi_date_digits(const char *text, int *year, int *month, int *day);
/* Number of code points in a valid UTF-8 string. */
size_t crmi_utf8_length(const char *s);
/* Byte length of the first `chars` code points of a valid UTF-8 string. */
size_t crmi_utf8_prefix_bytes(const char *s, size_t chars);

/* ------------------------------------------------------------------- hex */

void crmi_hex_encode(char *out, const unsigned char *in, size_t n); /* out: 2n+1 */
/* Decodes exactly `n` bytes from 2n hex digits; false on any other input. */
bool crmi_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hex_len);

/* --------------------------------------------------------------- records */

/* Builds a record from the current row of `stmt`: one field per column,
 * named by the column, typed by its SQLite type. */
int crmi_record_from_row(crm_record **out, sqlite3_stmt *stmt);
/* Internal setters that take a known-good field name and cannot fail on
 * validation, only on memory. */
int crmi_record_put_text(crm_record *rec, const char *field, const char *value);
int crmi_record_put_int(crm_record *rec, const char *field, int64_t value);
/* A new record with room for `fields` fields, for callers that know how many
 * they will set (a customer row: one allocation instead of three). */
int crmi_record_new_sized(crm_record **out, size_t fields);

#endif /* CRMI_CORE_INT_H */
