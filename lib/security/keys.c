/* The key hierarchy: the host's master key wraps a random root secret and the
 * data keys (AES-256-GCM envelopes in crm_key); a key check value in
 * crm_meta detects a wrong master key before anything is written. */
#include "access/access_int.h"
#include "security/keyring_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char KCV_LABEL[] = "libcrm key check value v1";
static const char AUDIT_LABEL[] = "libcrm audit chain v1";
static const char INDEX_LABEL[] = "libcrm blind index v1";

/* ------------------------------------------------------------ key files */

CRM_EXTERN(int) crm_key_generate(unsigned char key_out[CRM_KEY_SIZE])
{
    if (!key_out)
        return crmi_error_thread(CRM_E_INVALID_ARG, "key: NULL buffer");
    if (RAND_bytes(key_out, CRM_KEY_SIZE) != 1)
        return crmi_error_thread(CRM_E_INTERNAL, "key: the random generator failed");
    return CRM_OK;
}

CRM_EXTERN(int) crm_key_generate_file(const char *path)
{
    if (!path)
        return crmi_error_thread(CRM_E_INVALID_ARG, "key file: NULL path");
    unsigned char key[CRM_KEY_SIZE];
    char text[2 * CRM_KEY_SIZE + 2];
    int rc = crm_key_generate(key);
    if (rc)
        return rc;
    crmi_hex_encode(text, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    text[2 * CRM_KEY_SIZE] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(text, sizeof text);
        return crmi_error_thread(errno == EEXIST ? CRM_E_CONFLICT : CRM_E_IO,
                                 "key file %s: %s", path,
                                 errno == EEXIST ? "exists; refusing to overwrite" : strerror(errno));
    }
    bool ok = write(fd, text, 2 * CRM_KEY_SIZE + 1) == 2 * CRM_KEY_SIZE + 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    OPENSSL_cleanse(text, sizeof text);
    if (!ok) {
        unlink(path);
        return crmi_error_thread(CRM_E_IO, "key file %s: write failed", path);
    }
    return CRM_OK;
}

CRM_EXTERN(int) crm_key_load_file(unsigned char key_out[CRM_KEY_SIZE], const char *path)
{
    if (!key_out || !path)
        return crmi_error_thread(CRM_E_INVALID_ARG, "key file: NULL argument");
    char text[256];
    FILE *f = fopen(path, "re");
    if (!f)
        return crmi_error_thread(CRM_E_IO, "key file %s: %s", path, strerror(errno));
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t start = strspn(text, " \t\r\n"), len = strcspn(text + start, " \t\r\n");
    bool ok = text[start + len + strspn(text + start + len, " \t\r\n")] == '\0' &&
              crmi_hex_decode(key_out, CRM_KEY_SIZE, text + start, len);
    OPENSSL_cleanse(text, sizeof text);
    if (!ok)
        return crmi_error_thread(CRM_E_KEY, "key file %s: expected 64 hex digits", path);
    return CRM_OK;
}

int crmi_master_key_resolve(unsigned char master[CRM_KEY_SIZE], const crm_db_options *opts)
{
    int sources = (opts->key != NULL) + (opts->key_file != NULL) + (opts->key_provider != NULL);
    if (sources != 1)
        return crmi_error_thread(CRM_E_KEY, sources ? "give exactly one of key, key_file, "
                                                      "key_provider"
                                                    : "no master key given (key, key_file or "
                                                      "key_provider): personal data is always "
                                                      "encrypted");
    if (opts->key) {
        memcpy(master, opts->key, CRM_KEY_SIZE);
        return CRM_OK;
    }
    if (opts->key_file)
        return crm_key_load_file(master, opts->key_file);
    if (opts->key_provider(master, opts->key_provider_payload) != 0) {
        OPENSSL_cleanse(master, CRM_KEY_SIZE);
        return crmi_error_thread(CRM_E_KEY, "the key provider refused to supply the key");
    }
    return CRM_OK;
}

/* -------------------------------------------------------------- envelope */

/* Associated data binding a wrapped key to its row and purpose. */
static size_t wrap_aad(char *aad, size_t size, int64_t id, const char *kind)
{
    int n = snprintf(aad, size, "libcrm key %lld %s", (long long)id, kind);
    return n > 0 ? (size_t)n : 0;
}

#define WRAPPED_SIZE (CRMI_NONCE_SIZE + CRM_KEY_SIZE + CRMI_TAG_SIZE)

static int wrap_key(unsigned char out[WRAPPED_SIZE], const unsigned char master[CRM_KEY_SIZE],
                    const unsigned char key[CRM_KEY_SIZE], int64_t id, const char *kind)
{
    char aad[64];
    size_t aad_len = wrap_aad(aad, sizeof aad, id, kind);
    int len, ok = RAND_bytes(out, CRMI_NONCE_SIZE) == 1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    ok = ok && ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, master, out) == 1 &&
         EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)aad_len) == 1 &&
         EVP_EncryptUpdate(ctx, out + CRMI_NONCE_SIZE, &len, key, CRM_KEY_SIZE) == 1 &&
         EVP_EncryptFinal_ex(ctx, out + CRMI_NONCE_SIZE + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRMI_TAG_SIZE,
                             out + CRMI_NONCE_SIZE + CRM_KEY_SIZE) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? CRM_OK : crmi_error_thread(CRM_E_INTERNAL, "key wrap failed");
}

static int unwrap_key(crm_db *db, unsigned char key[CRM_KEY_SIZE],
                      const unsigned char master[CRM_KEY_SIZE], const void *blob, size_t blob_len,
                      int64_t id, const char *kind)
{
    if (blob_len != WRAPPED_SIZE)
        return crmi_error(db, CRM_E_CORRUPT, "wrapped %s key %lld: wrong size", kind, (long long)id);
    const unsigned char *in = blob;
    char aad[64];
    size_t aad_len = wrap_aad(aad, sizeof aad, id, kind);
    int len;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, master, in) == 1 &&
             EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)aad_len) == 1 &&
             EVP_DecryptUpdate(ctx, key, &len, in + CRMI_NONCE_SIZE, CRM_KEY_SIZE) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRMI_TAG_SIZE,
                                 (void *)(in + CRMI_NONCE_SIZE + CRM_KEY_SIZE)) == 1 &&
             EVP_DecryptFinal_ex(ctx, key + len, &len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(key, CRM_KEY_SIZE);
        return crmi_error(db, CRM_E_CORRUPT, "wrapped %s key %lld does not verify", kind,
                          (long long)id);
    }
    return CRM_OK;
}

/* --------------------------------------------------------------- keyring */

static EVP_MAC_CTX *keyed_mac(const unsigned char key[CRM_KEY_SIZE])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (ctx && EVP_MAC_init(ctx, key, CRM_KEY_SIZE, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

int crmi_hmac_once(unsigned char out[CRMI_MAC_SIZE], const unsigned char key[CRM_KEY_SIZE],
                   const void *msg, size_t len)
{
    EVP_MAC_CTX *ctx = keyed_mac(key);
    size_t out_len = 0;
    int ok = ctx && EVP_MAC_update(ctx, msg, len) == 1 &&
             EVP_MAC_final(ctx, out, &out_len, CRMI_MAC_SIZE) == 1;
    EVP_MAC_CTX_free(ctx);
    return ok ? CRM_OK : crmi_error_thread(CRM_E_INTERNAL, "HMAC failed");
}

int crmi_mac_parts(EVP_MAC_CTX *ctx, unsigned char out[CRMI_MAC_SIZE], const void *const parts[],
                   const size_t lens[], size_t n)
{
    size_t out_len = 0;
    /* A NULL key re-initialises HMAC with the key already set. */
    if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1)
        return CRM_E_INTERNAL;
    for (size_t i = 0; i < n; i++)
        if (EVP_MAC_update(ctx, parts[i], lens[i]) != 1)
            return CRM_E_INTERNAL;
    return EVP_MAC_final(ctx, out, &out_len, CRMI_MAC_SIZE) == 1 ? CRM_OK : CRM_E_INTERNAL;
}

void crmi_keyring_free(struct crmi_keyring *keys)
{
    if (!keys)
        return;
    EVP_CIPHER_CTX_free(keys->enc);
    EVP_CIPHER_CTX_free(keys->dec);
    EVP_CIPHER_CTX_free(keys->subject_enc);
    EVP_CIPHER_CTX_free(keys->subject_dec);
    EVP_CIPHER_free(keys->gcm);
    EVP_MAC_CTX_free(keys->index_mac);
    EVP_MAC_CTX_free(keys->audit_mac);
    if (keys->data_keys)
        OPENSSL_cleanse(keys->data_keys, keys->n_data_keys * sizeof *keys->data_keys);
    crm_free(keys->data_keys);
    OPENSSL_cleanse(keys, sizeof *keys);
    crm_free(keys);
}

static int set_encryption_key(crm_db *db, const crmi_data_key *key)
{
    struct crmi_keyring *k = db->keys;
    if (EVP_EncryptInit_ex(k->enc, NULL, NULL, key->key, NULL) != 1)
        return crmi_error(db, CRM_E_INTERNAL, "cipher key set-up failed");
    k->active_id = key->id;
    return CRM_OK;
}

/* Derives the MAC keys from the root secret and sets up the contexts. */
static int keyring_init(crm_db *db, const unsigned char master[CRM_KEY_SIZE],
                        const unsigned char root[CRM_KEY_SIZE])
{
    struct crmi_keyring *k = crmi_calloc(1, sizeof *k);
    if (!k)
        return crmi_error(db, CRM_E_NOMEM, "keyring: out of memory");
    db->keys = k;
    memcpy(k->master, master, CRM_KEY_SIZE);
    if (crmi_hmac_once(k->audit_key, root, AUDIT_LABEL, sizeof AUDIT_LABEL - 1) ||
        crmi_hmac_once(k->index_key, root, INDEX_LABEL, sizeof INDEX_LABEL - 1))
        return crmi_error(db, CRM_E_INTERNAL, "key derivation failed");
    k->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    k->enc = EVP_CIPHER_CTX_new();
    k->dec = EVP_CIPHER_CTX_new();
    k->subject_enc = EVP_CIPHER_CTX_new();
    k->subject_dec = EVP_CIPHER_CTX_new();
    k->index_mac = keyed_mac(k->index_key);
    k->audit_mac = keyed_mac(k->audit_key);
    if (!k->gcm || !k->enc || !k->dec || !k->subject_enc || !k->subject_dec || !k->index_mac ||
        !k->audit_mac || EVP_EncryptInit_ex(k->enc, k->gcm, NULL, NULL, NULL) != 1 ||
        EVP_DecryptInit_ex(k->dec, k->gcm, NULL, NULL, NULL) != 1 ||
        EVP_EncryptInit_ex(k->subject_enc, k->gcm, NULL, NULL, NULL) != 1 ||
        EVP_DecryptInit_ex(k->subject_dec, k->gcm, NULL, NULL, NULL) != 1 ||
        RAND_bytes(k->nonce_prefix, sizeof k->nonce_prefix) != 1)
        return crmi_error(db, CRM_E_INTERNAL, "cipher set-up failed");
    return CRM_OK;
}

static int add_data_key(crm_db *db, uint32_t id, const unsigned char key[CRM_KEY_SIZE])
{
    struct crmi_keyring *k = db->keys;
    crmi_data_key *grown = crmi_realloc(k->data_keys, (k->n_data_keys + 1) * sizeof *grown);
    if (!grown)
        return crmi_error(db, CRM_E_NOMEM, "keyring: out of memory");
    k->data_keys = grown;
    grown[k->n_data_keys].id = id;
    memcpy(grown[k->n_data_keys].key, key, CRM_KEY_SIZE);
    k->n_data_keys++;
    return CRM_OK;
}

static const crmi_data_key *find_data_key(const struct crmi_keyring *k, uint32_t id)
{
    for (size_t i = 0; i < k->n_data_keys; i++)
        if (k->data_keys[i].id == id)
            return &k->data_keys[i];
    return NULL;
}

static const char SQL_KCV[] = "SELECT value FROM crm_meta WHERE key = 'kcv'";
static const char SQL_ROOT[] = "SELECT id, wrapped FROM crm_key WHERE kind = 'root'";
static const char SQL_DATA_KEYS[] = "SELECT id, wrapped, state FROM crm_key WHERE kind = 'data'";

static int check_master(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    unsigned char kcv[CRMI_MAC_SIZE];
    int rc = crmi_hmac_once(kcv, master, KCV_LABEL, sizeof KCV_LABEL - 1);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_KCV);
    if (!st)
        return rc ? rc : db->errcode;
    rc = crmi_step(st);
    bool match = rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == CRMI_MAC_SIZE &&
                 CRYPTO_memcmp(sqlite3_column_blob(st, 0), kcv, CRMI_MAC_SIZE) == 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? crmi_error(db, CRM_E_CORRUPT, "key check value missing")
                                 : crmi_sqlite_error(db, rc, "read key check value");
    return match ? CRM_OK
                 : crmi_error(db, CRM_E_KEY, "wrong master key: the key check value does not "
                                             "match this database");
}

static int load_root(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ROOT);
    if (!st)
        return db->errcode;
    if (crmi_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return crmi_error(db, CRM_E_CORRUPT, "root secret missing");
    }
    unsigned char root[CRM_KEY_SIZE];
    int rc = unwrap_key(db, root, master, sqlite3_column_blob(st, 1),
                        (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_int64(st, 0), "root");
    sqlite3_reset(st);
    if (!rc)
        rc = keyring_init(db, master, root);
    OPENSSL_cleanse(root, sizeof root);
    return rc;
}

/* Loads data keys not yet in the keyring, and re-keys the encryption
 * context if the active key changed. */
static int load_data_keys(crm_db *db)
{
    struct crmi_keyring *k = db->keys;
    sqlite3_stmt *st = crmi_stmt(db, SQL_DATA_KEYS);
    if (!st)
        return db->errcode;
    int rc = CRM_OK, step;
    uint32_t active = 0;
    while (rc == CRM_OK && (step = crmi_step(st)) == SQLITE_ROW) {
        uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
        if (strcmp((const char *)sqlite3_column_text(st, 2), "active") == 0)
            active = id;
        if (find_data_key(k, id))
            continue;
        unsigned char key[CRM_KEY_SIZE];
        rc = unwrap_key(db, key, k->master, sqlite3_column_blob(st, 1),
                        (size_t)sqlite3_column_bytes(st, 1), id, "data");
        if (rc && check_master(db, k->master) == CRM_E_KEY)
            rc = crmi_error(db, CRM_E_KEY, "the master key was rotated by another handle; "
                                           "reopen with the new key");
        if (!rc)
            rc = add_data_key(db, id, key);
        OPENSSL_cleanse(key, sizeof key);
    }
    sqlite3_reset(st);
    if (rc)
        return rc;
    if (step != SQLITE_DONE)
        return crmi_sqlite_error(db, step, "read data keys");
    if (!active)
        return crmi_error(db, CRM_E_CORRUPT, "no active data key");
    return active == k->active_id ? CRM_OK : set_encryption_key(db, find_data_key(k, active));
}

int crmi_keyring_open(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    int rc = check_master(db, master);
    if (!rc)
        rc = load_root(db, master);
    if (!rc)
        rc = load_data_keys(db);
    return rc;
}

static const char SQL_INSERT_KEY[] =
    "INSERT INTO crm_key (id, kind, state, wrapped, created_at) VALUES (?, ?, 'active', ?, ?)";
static const char SQL_NEXT_KEY_ID[] = "SELECT coalesce(max(id), 0) + 1 FROM crm_key";
static const char SQL_PUT_KCV[] = "INSERT OR REPLACE INTO crm_meta (key, value) VALUES ('kcv', ?)";

static int next_key_id(crm_db *db, int64_t *out)
{
    return crmi_query_int64(db, SQL_NEXT_KEY_ID, out);
}

/* Stores `key` wrapped under the master key as a new active key of `kind`. */
static int store_new_key(crm_db *db, const unsigned char master[CRM_KEY_SIZE], const char *kind,
                         const unsigned char key[CRM_KEY_SIZE], int64_t *out_id)
{
    unsigned char wrapped[WRAPPED_SIZE];
    int64_t id = 0;
    int rc = next_key_id(db, &id);
    if (!rc)
        rc = wrap_key(wrapped, master, key, id, kind);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_INSERT_KEY);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    crmi_bind_blob(st, 3, wrapped, sizeof wrapped);
    sqlite3_bind_int64(st, 4, crm_db_now(db));
    rc = crmi_exec_stmt(db, st, "store key");
    if (!rc)
        *out_id = id;
    return rc;
}

static int store_kcv(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    unsigned char kcv[CRMI_MAC_SIZE];
    int rc = crmi_hmac_once(kcv, master, KCV_LABEL, sizeof KCV_LABEL - 1);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_PUT_KCV);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_blob(st, 1, kcv, sizeof kcv);
    return crmi_exec_stmt(db, st, "store key check value");
}

/* Generates a data key and stores it wrapped as the active one; the caller
 * adds it to the keyring once the transaction commits. */
static int create_data_key(crm_db *db, crmi_data_key *out)
{
    int64_t id = 0;
    int rc = crm_key_generate(out->key);
    if (!rc)
        rc = store_new_key(db, db->keys->master, "data", out->key, &id);
    out->id = (uint32_t)id;
    return rc;
}

/* Adds a committed new data key to the keyring and encrypts under it. */
static int activate_data_key(crm_db *db, crmi_data_key *key)
{
    int rc = add_data_key(db, key->id, key->key);
    OPENSSL_cleanse(key->key, sizeof key->key);
    return rc ? rc : set_encryption_key(db, find_data_key(db->keys, key->id));
}

int crmi_keyring_create(crm_db *db, const unsigned char master[CRM_KEY_SIZE])
{
    unsigned char root[CRM_KEY_SIZE];
    int64_t root_id;
    int rc = crm_key_generate(root);
    if (!rc)
        rc = store_kcv(db, master);
    if (!rc)
        rc = store_new_key(db, master, "root", root, &root_id);
    if (!rc)
        rc = keyring_init(db, master, root);
    OPENSSL_cleanse(root, sizeof root);
    crmi_data_key first;
    if (!rc)
        rc = create_data_key(db, &first);
    /* A failed creation discards the whole handle, so no need to wait. */
    return rc ? rc : activate_data_key(db, &first);
}

const crmi_data_key *crmi_keyring_data_key(crm_db *db, uint32_t id)
{
    const crmi_data_key *key = find_data_key(db->keys, id);
    if (key)
        return key;
    if (load_data_keys(db) != CRM_OK)
        return NULL;
    if (!(key = find_data_key(db->keys, id)))
        crmi_error(db, CRM_E_CORRUPT, "data key %u does not exist (destroyed or never made)", id);
    return key;
}

int crmi_keyring_sync(crm_db *db)
{
    struct crmi_keyring *k = db->keys;
    if (k->synced_serial == db->txn_serial && db->txn_level > 0)
        return CRM_OK;
    int64_t version;
    int rc = crmi_data_version(db, &version);
    if (rc)
        return rc;
    rc = version == k->data_version ? CRM_OK : load_data_keys(db);
    if (!rc) {
        k->data_version = version;
        k->synced_serial = db->txn_serial;
    }
    return rc;
}

/* ------------------------------------------------------------- rotation */

static int audit_key_event(crm_db *db, const char *action, const char *detail)
{
    crmi_audit_entry e = {.action = action, .entity = "key", .entity_id = detail};
    return crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_db_rotate_data_key(crm_db *db)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rotate: NULL handle");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KEY_ADMIN);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    crmi_data_key fresh = {0};
    /* Another handle may have rotated the master key since this one opened:
     * never wrap a new key under a master the database no longer uses. */
    rc = check_master(db, db->keys->master);
    if (!rc)
        rc = crmi_exec(db, "UPDATE crm_key SET state = 'retired' WHERE kind = 'data'",
                       "retire data key");
    if (!rc)
        rc = create_data_key(db, &fresh);
    char id[16];
    snprintf(id, sizeof id, "%u", fresh.id);
    if (!rc)
        rc = audit_key_event(db, "key.rotate_data", id);
    rc = crmi_txn_end(db, rc);
    if (!rc)
        return activate_data_key(db, &fresh);
    OPENSSL_cleanse(&fresh, sizeof fresh);
    return rc;
}

/* The WHERE clause selecting sealed values not under the active key. */
static void stale_filter(char *sql, size_t size, const char *verb, const crmi_sealed_column *c)
{
    snprintf(sql, size,
             "%s FROM %s WHERE %s IS NOT NULL AND substr(%s, 1, 1) = x'%02x'"
             " AND substr(%s, 2, 4) <> ?1%s",
             verb, c->table, c->column, c->column, CRMI_SEAL_VERSION, c->column,
             strcmp(verb, "SELECT count(*)") ? " LIMIT ?2" : "");
}

static void bind_active_id(sqlite3_stmt *st, uint32_t id)
{
    unsigned char be[4] = {(unsigned char)(id >> 24), (unsigned char)(id >> 16),
                           (unsigned char)(id >> 8), (unsigned char)id};
    crmi_bind_blob(st, 1, be, 4);
}

/* Re-encrypts up to `budget` values of one column; counts what it moved. */
static int reencrypt_column(crm_db *db, const crmi_sealed_column *c, int budget, int *moved)
{
    char select_verb[160], sql[512], update[256];
    snprintf(select_verb, sizeof select_verb, "SELECT rowid, %s, %s", c->row_key_column, c->column);
    stale_filter(sql, sizeof sql, select_verb, c);
    snprintf(update, sizeof update, "UPDATE %s SET %s = ?1 WHERE rowid = ?2", c->table, c->column);
    sqlite3_stmt *sel = crmi_prepare(db, sql), *upd = sel ? crmi_prepare(db, update) : NULL;
    int rc = upd ? CRM_OK : db->errcode;
    if (!rc) {
        bind_active_id(sel, db->keys->active_id);
        sqlite3_bind_int(sel, 2, budget);
    }
    while (rc == CRM_OK && crmi_step(sel) == SQLITE_ROW) {
        crmi_field_ref ref = {c->table, c->column, (const char *)sqlite3_column_text(sel, 1)};
        char *plain = NULL;
        rc = crmi_unseal(db, &ref, sqlite3_column_blob(sel, 2),
                         (size_t)sqlite3_column_bytes(sel, 2), &plain);
        if (!rc)
            rc = crmi_bind_sealed(db, upd, 1, &ref, plain);
        if (plain)
            OPENSSL_cleanse(plain, strlen(plain));
        crm_free(plain);
        sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
        if (!rc)
            rc = crmi_exec_stmt(db, upd, "re-encrypt value");
        if (!rc)
            (*moved)++;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

static int count_stale(crm_db *db, int64_t *out)
{
    *out = 0;
    for (int i = 0; i < crmi_sealed_column_count; i++) {
        char sql[512];
        stale_filter(sql, sizeof sql, "SELECT count(*)", &crmi_sealed_columns[i]);
        sqlite3_stmt *st = crmi_prepare(db, sql);
        if (!st)
            return db->errcode;
        bind_active_id(st, db->keys->active_id);
        int step = crmi_step(st);
        *out += step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        if (step != SQLITE_ROW)
            return crmi_sqlite_error(db, step, "count values to re-encrypt");
    }
    return CRM_OK;
}

static int reencrypt_batch(crm_db *db, int max_values, int64_t *remaining)
{
    int moved = 0, rc = crmi_keyring_sync(db);
    for (int i = 0; rc == CRM_OK && i < crmi_sealed_column_count && moved < max_values; i++)
        rc = reencrypt_column(db, &crmi_sealed_columns[i], max_values - moved, &moved);
    if (!rc)
        rc = count_stale(db, remaining);
    /* Once nothing depends on them, retired keys are destroyed. */
    if (!rc && *remaining == 0)
        rc = crmi_exec(db, "DELETE FROM crm_key WHERE kind = 'data' AND state = 'retired'",
                       "destroy retired keys");
    if (!rc && moved > 0) {
        char detail[48];
        snprintf(detail, sizeof detail, "%d moved, %lld left", moved, (long long)*remaining);
        rc = audit_key_event(db, "key.reencrypt", detail);
    }
    return rc;
}

CRM_EXTERN(int) crm_db_reencrypt_step(crm_db *db, int max_values, int64_t *out_remaining)
{
    if (!db || !out_remaining || max_values <= 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "reencrypt: NULL argument or max_values <= 0");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KEY_ADMIN);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    int64_t remaining = 0;
    rc = crmi_txn_end(db, reencrypt_batch(db, max_values, &remaining));
    if (!rc)
        *out_remaining = remaining;
    return rc;
}

static const char SQL_ALL_KEYS[] = "SELECT id, kind, wrapped FROM crm_key";
static const char SQL_REWRAP[] = "UPDATE crm_key SET wrapped = ? WHERE id = ?";

/* Rewraps one stored key: unwrap with the current master, wrap with the new. */
static int rewrap(crm_db *db, sqlite3_stmt *upd, int64_t id, const char *kind, const void *blob,
                  size_t len, const unsigned char new_key[CRM_KEY_SIZE])
{
    unsigned char key[CRM_KEY_SIZE], wrapped[WRAPPED_SIZE];
    int rc = unwrap_key(db, key, db->keys->master, blob, len, id, kind);
    if (!rc)
        rc = wrap_key(wrapped, new_key, key, id, kind);
    OPENSSL_cleanse(key, sizeof key);
    if (rc)
        return rc;
    crmi_bind_blob(upd, 1, wrapped, sizeof wrapped);
    sqlite3_bind_int64(upd, 2, id);
    return crmi_exec_stmt(db, upd, "rewrap key");
}

static int rewrap_all(crm_db *db, const unsigned char new_key[CRM_KEY_SIZE])
{
    sqlite3_stmt *sel = crmi_prepare(db, SQL_ALL_KEYS);
    sqlite3_stmt *upd = sel ? crmi_stmt(db, SQL_REWRAP) : NULL;
    int rc = upd ? CRM_OK : db->errcode;
    while (rc == CRM_OK && crmi_step(sel) == SQLITE_ROW)
        rc = rewrap(db, upd, sqlite3_column_int64(sel, 0), (const char *)sqlite3_column_text(sel, 1),
                    sqlite3_column_blob(sel, 2), (size_t)sqlite3_column_bytes(sel, 2), new_key);
    sqlite3_finalize(sel);
    return rc;
}

CRM_EXTERN(int) crm_db_rotate_master_key(crm_db *db, const unsigned char new_key[CRM_KEY_SIZE])
{
    if (!db || !new_key)
        return crmi_error(db, CRM_E_INVALID_ARG, "rotate master key: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KEY_ADMIN);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = rewrap_all(db, new_key);
    if (!rc)
        rc = store_kcv(db, new_key);
    if (!rc)
        rc = audit_key_event(db, "key.rotate_master", NULL);
    rc = crmi_txn_end(db, rc);
    if (!rc)
        memcpy(db->keys->master, new_key, CRM_KEY_SIZE);
    return rc;
}
