/* Optional password authentication: PBKDF2-HMAC-SHA256 at 600,000
 * iterations (OWASP 2023), random salt, lock-out after repeated failures. */
#include "access/access_int.h"
#include "core/validate_int.h"
#include "security/security_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PBKDF2_ITERATIONS 600000
#define SALT_SIZE 16
#define HASH_SIZE 32
#define MAX_FAILURES 5
#define LOCKOUT_SECONDS (15 * 60)
#define MIN_PASSWORD_CHARS 10

static int derive(unsigned char out[HASH_SIZE], const char *password, const unsigned char *salt,
                  int iterations)
{
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, SALT_SIZE, iterations,
                             EVP_sha256(), HASH_SIZE, out) == 1
               ? CRM_OK
               : CRM_E_INTERNAL;
}

/* "pbkdf2-sha256$ITER$SALTHEX$HASHHEX" */
static int hash_password(crm_db *db, const char *password, char *out, size_t size)
{
    unsigned char salt[SALT_SIZE], hash[HASH_SIZE];
    char salt_hex[2 * SALT_SIZE + 1], hash_hex[2 * HASH_SIZE + 1];
    if (RAND_bytes(salt, sizeof salt) != 1 || derive(hash, password, salt, PBKDF2_ITERATIONS))
        return crmi_error(db, CRM_E_INTERNAL, "password hashing failed");
    crmi_hex_encode(salt_hex, salt, sizeof salt);
    crmi_hex_encode(hash_hex, hash, sizeof hash);
    snprintf(out, size, "pbkdf2-sha256$%d$%s$%s", PBKDF2_ITERATIONS, salt_hex, hash_hex);
    OPENSSL_cleanse(hash, sizeof hash);
    return CRM_OK;
}

/* Constant-time check of `password` against a stored hash; false for any
 * malformed or absent hash (the work is still done, so timing does not
 * tell whether the user exists). */
static bool password_matches(const char *stored, const char *password)
{
    static const unsigned char dummy_salt[SALT_SIZE] = {0};
    unsigned char salt[SALT_SIZE], want[HASH_SIZE], got[HASH_SIZE];
    int iterations = 0;
    char salt_hex[2 * SALT_SIZE + 1] = "", hash_hex[2 * HASH_SIZE + 1] = "";
    bool parsed = stored &&
                  sscanf(stored, "pbkdf2-sha256$%d$%32[0-9a-f]$%64[0-9a-f]", &iterations, salt_hex,
                         hash_hex) == 3 &&
                  iterations >= PBKDF2_ITERATIONS && iterations <= 10 * PBKDF2_ITERATIONS &&
                  crmi_hex_decode(salt, SALT_SIZE, salt_hex, strlen(salt_hex)) &&
                  crmi_hex_decode(want, HASH_SIZE, hash_hex, strlen(hash_hex));
    if (!parsed) {
        derive(got, password, dummy_salt, PBKDF2_ITERATIONS);
        return false;
    }
    bool ok = derive(got, password, salt, iterations) == CRM_OK &&
              CRYPTO_memcmp(got, want, HASH_SIZE) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

static const char SQL_SET_HASH[] =
    "UPDATE crm_user SET pw_hash = ?1, failed_logins = 0, locked_until = 0, updated_at = ?2"
    " WHERE name = ?3";

static int store_hash(crm_db *db, const char *name, const char *hash)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET_HASH);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, hash);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    crmi_bind_text(st, 3, name);
    int rc = crmi_exec_stmt(db, st, "store password");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "no user %.64s", name);
    crmi_audit_entry e = {.action = "user.set_password", .entity = "user", .entity_id = name};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_user_set_password(crm_db *db, const char *name, const char *password)
{
    if (!db || !name || !password)
        return crmi_error(db, CRM_E_INVALID_ARG, "set password: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_USER_READ);
    if (!rc && !(db->actor->roles & CRM_ROLE_ADMIN) && strcmp(db->actor->name, name) != 0)
        rc = crmi_error(db, CRM_E_PERMISSION, "user '%s' may not set another user's password",
                        db->actor->name);
    if (!rc && (!crmi_utf8_valid(password, strlen(password)) ||
                crmi_utf8_length(password) < MIN_PASSWORD_CHARS))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field password: at least %d characters of UTF-8",
                        MIN_PASSWORD_CHARS);
    char hash[160];
    if (!rc)
        rc = hash_password(db, password, hash, sizeof hash);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, store_hash(db, name, hash));
}

static const char SQL_LOGIN[] =
    "SELECT pw_hash, status, failed_logins, locked_until FROM crm_user WHERE name = ?";
static const char SQL_FAILED[] =
    "UPDATE crm_user SET failed_logins = failed_logins + 1,"
    " locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE locked_until END"
    " WHERE name = ?3 RETURNING failed_logins";
static const char SQL_SUCCEEDED[] =
    "UPDATE crm_user SET failed_logins = 0, locked_until = 0 WHERE name = ?";

typedef struct login_state {
    bool exists, active, locked;
    char *hash;
} login_state;

static int read_login(crm_db *db, const char *name, login_state *s)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LOGIN);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st);
    if (step == SQLITE_ROW) {
        s->exists = true;
        s->hash = crmi_strdup((const char *)sqlite3_column_text(st, 0));
        s->active = strcmp((const char *)sqlite3_column_text(st, 1), "active") == 0;
        s->locked = sqlite3_column_int64(st, 3) > crm_db_now(db);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "read login");
}

static int record_failure(crm_db *db, const char *name)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_FAILED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int(st, 1, MAX_FAILURES);
    sqlite3_bind_int64(st, 2, crm_db_now(db) + LOCKOUT_SECONDS);
    crmi_bind_text(st, 3, name);
    int step = crmi_step(st);
    int64_t failures = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return crmi_sqlite_error(db, step, "record login failure");
    crmi_audit_entry e = {.action = failures >= MAX_FAILURES ? "user.locked" : "user.login_failed",
                          .entity = "user",
                          .entity_id = name};
    return crmi_audit_append(db, &e);
}

static int record_success(crm_db *db, const char *name)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SUCCEEDED);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int rc = crmi_exec_stmt(db, st, "record login");
    crmi_audit_entry e = {.action = "user.login", .entity = "user", .entity_id = name};
    return rc ? rc : crmi_audit_append(db, &e);
}

/* Outcome of one attempt, recorded in the store whatever it is. */
static int attempt(crm_db *db, const char *name, const char *password, int *verdict)
{
    login_state s = {0};
    int rc = read_login(db, name, &s);
    if (rc)
        return rc;
    if (s.locked) {
        *verdict = crmi_error(db, CRM_E_LOCKED, "account %.64s is locked after repeated failures",
                              name);
        crm_free(s.hash);
        return CRM_OK;
    }
    bool ok = password_matches(s.hash, password) && s.exists && s.active;
    crm_free(s.hash);
    *verdict = ok ? CRM_OK : crmi_error(db, CRM_E_PERMISSION, "wrong user name or password");
    if (!s.exists)
        return CRM_OK;
    return ok ? record_success(db, name) : record_failure(db, name);
}

CRM_EXTERN(int) crm_user_authenticate(crm_db *db, const char *name, const char *password)
{
    if (!db || !name || !password)
        return crmi_error(db, CRM_E_INVALID_ARG, "authenticate: NULL argument");
    crmi_error_clear(db);
    int verdict = CRM_OK, rc = crmi_txn_begin(db);
    if (rc)
        return rc;
    rc = crmi_txn_end(db, attempt(db, name, password, &verdict));
    if (rc)
        return rc;
    if (verdict) /* the failure is committed; report the verdict */
        return crmi_error(db, verdict, verdict == CRM_E_LOCKED
                                           ? "account is locked after repeated failures"
                                           : "wrong user name or password");
    return crm_db_set_actor(db, name);
}
