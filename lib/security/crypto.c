/* Field encryption (AES-256-GCM, associated data binding each value to its
 * table, column and row) and keyed blind indexes, on the handle's reused
 * OpenSSL contexts. */
#include "security/keyring_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int crmi_random(crm_db *db, unsigned char *out, size_t n)
{
    struct crmi_keyring *k = db->keys;
    if (n > 256)
        return crmi_error(db, CRM_E_INVALID_ARG, "random: at most 256 bytes a call");
    if (k->random_used == 0 || k->random_used + n > sizeof k->random_pool) {
        if (RAND_bytes(k->random_pool, sizeof k->random_pool) != 1)
            return crmi_error(db, CRM_E_INTERNAL, "the random generator failed");
        k->random_used = 0;
    }
    memcpy(out, k->random_pool + k->random_used, n);
    OPENSSL_cleanse(k->random_pool + k->random_used, n);
    k->random_used += n;
    return CRM_OK;
}

static int next_nonce(struct crmi_keyring *k, unsigned char nonce[CRMI_NONCE_SIZE])
{
    if (k->nonce_counter == UINT32_MAX) {
        if (RAND_bytes(k->nonce_prefix, sizeof k->nonce_prefix) != 1)
            return CRM_E_INTERNAL;
        k->nonce_counter = 0;
    }
    memcpy(nonce, k->nonce_prefix, sizeof k->nonce_prefix);
    put_be32(nonce + sizeof k->nonce_prefix, ++k->nonce_counter);
    return CRM_OK;
}

/* Feeds the associated data: the blob header, then table, column and row key,
 * each NUL-terminated so "ab"+"c" differs from "a"+"bc". */
static bool feed_aad(EVP_CIPHER_CTX *ctx, bool encrypt, const unsigned char *header,
                     const crmi_field_ref *ref)
{
    int len;
    const char *parts[] = {ref->table, ref->column, ref->row_key};
    int ok = encrypt ? EVP_EncryptUpdate(ctx, NULL, &len, header, CRMI_SEAL_HEADER)
                     : EVP_DecryptUpdate(ctx, NULL, &len, header, CRMI_SEAL_HEADER);
    for (size_t i = 0; ok == 1 && i < 3; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];
        int n = (int)strlen(parts[i]) + 1;
        ok = encrypt ? EVP_EncryptUpdate(ctx, NULL, &len, p, n)
                     : EVP_DecryptUpdate(ctx, NULL, &len, p, n);
    }
    return ok == 1;
}

/* Encrypts under the key already set in `ctx`, with the given header. */
static int seal_in(crm_db *db, EVP_CIPHER_CTX *ctx, const unsigned char header[CRMI_SEAL_HEADER],
                   const crmi_field_ref *ref, const char *plain, unsigned char **out,
                   size_t *out_len)
{
    size_t n = strlen(plain);
    if (n > 1 << 20)
        return crmi_error(db, CRM_E_INVALID_DATA, "%s.%s: value over 1 MiB", ref->table,
                          ref->column);
    size_t total = CRMI_SEAL_HEADER + CRMI_NONCE_SIZE + n + CRMI_TAG_SIZE;
    unsigned char *blob = crmi_malloc(total);
    if (!blob)
        return crmi_error(db, CRM_E_NOMEM, "encrypt: out of memory");
    memcpy(blob, header, CRMI_SEAL_HEADER);
    unsigned char *nonce = blob + CRMI_SEAL_HEADER, *body = nonce + CRMI_NONCE_SIZE;
    int len;
    bool ok = next_nonce(db->keys, nonce) == CRM_OK &&
              EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
              feed_aad(ctx, true, blob, ref) &&
              EVP_EncryptUpdate(ctx, body, &len, (const unsigned char *)plain, (int)n) == 1 &&
              EVP_EncryptFinal_ex(ctx, body + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRMI_TAG_SIZE, body + n) == 1;
    if (!ok) {
        crm_free(blob);
        return crmi_error(db, CRM_E_INTERNAL, "encrypt %s.%s failed", ref->table, ref->column);
    }
    *out = blob;
    *out_len = total;
    return CRM_OK;
}

/* Decrypts with the key already set in `ctx`. */
static int unseal_in(crm_db *db, EVP_CIPHER_CTX *ctx, const crmi_field_ref *ref,
                     const unsigned char *blob, size_t len, char **out)
{
    const unsigned char *nonce = blob + CRMI_SEAL_HEADER, *body = nonce + CRMI_NONCE_SIZE;
    size_t n = len - CRMI_SEAL_HEADER - CRMI_NONCE_SIZE - CRMI_TAG_SIZE;
    char *plain = crmi_malloc(n + 1);
    if (!plain)
        return crmi_error(db, CRM_E_NOMEM, "decrypt: out of memory");
    int part;
    bool ok = EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
              feed_aad(ctx, false, blob, ref) &&
              EVP_DecryptUpdate(ctx, (unsigned char *)plain, &part, body, (int)n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRMI_TAG_SIZE, (void *)(body + n)) ==
                  1 &&
              EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + part, &part) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain, n + 1);
        crm_free(plain);
        return crmi_error(db, CRM_E_CORRUPT,
                          "%s.%s of %s does not decrypt: tampered, moved from another row, or "
                          "its key was destroyed",
                          ref->table, ref->column, ref->row_key);
    }
    plain[n] = '\0';
    *out = plain;
    return CRM_OK;
}

static bool well_formed(const unsigned char *blob, size_t len, unsigned char version)
{
    return blob && len >= CRMI_SEAL_HEADER + CRMI_NONCE_SIZE + CRMI_TAG_SIZE && blob[0] == version;
}

static int not_sealed(crm_db *db, const crmi_field_ref *ref)
{
    return crmi_error(db, CRM_E_CORRUPT, "%s.%s of %s: not a sealed value", ref->table, ref->column,
                      ref->row_key);
}

int crmi_seal(crm_db *db, const crmi_field_ref *ref, const char *plain, unsigned char **out,
              size_t *out_len)
{
    int rc = crmi_keyring_sync(db);
    if (rc)
        return rc;
    unsigned char header[CRMI_SEAL_HEADER] = {CRMI_SEAL_VERSION};
    put_be32(header + 1, db->keys->active_id);
    return seal_in(db, db->keys->enc, header, ref, plain, out, out_len);
}

static int set_decryption_key(crm_db *db, uint32_t id)
{
    struct crmi_keyring *k = db->keys;
    if (k->dec_key_id == id)
        return CRM_OK;
    const crmi_data_key *key = crmi_keyring_data_key(db, id);
    if (!key)
        return db->errcode;
    if (EVP_DecryptInit_ex(k->dec, NULL, NULL, key->key, NULL) != 1)
        return crmi_error(db, CRM_E_INTERNAL, "cipher key set-up failed");
    k->dec_key_id = id;
    return CRM_OK;
}

int crmi_unseal(crm_db *db, const crmi_field_ref *ref, const unsigned char *blob, size_t len,
                char **out)
{
    if (!well_formed(blob, len, CRMI_SEAL_VERSION))
        return not_sealed(db, ref);
    int rc = set_decryption_key(db, get_be32(blob + 1));
    return rc ? rc : unseal_in(db, db->keys->dec, ref, blob, len, out);
}

/* Sets a subject key in a context unless it is already the one set there
 * (a record's fields are sealed one after another under one key). */
static int set_subject_key(crm_db *db, EVP_CIPHER_CTX *ctx, unsigned char cached[CRM_KEY_SIZE],
                           bool *is_set, const unsigned char key[CRM_KEY_SIZE], bool encrypt)
{
    if (*is_set && CRYPTO_memcmp(cached, key, CRM_KEY_SIZE) == 0)
        return CRM_OK;
    int ok = encrypt ? EVP_EncryptInit_ex(ctx, NULL, NULL, key, NULL)
                     : EVP_DecryptInit_ex(ctx, NULL, NULL, key, NULL);
    if (ok != 1)
        return crmi_error(db, CRM_E_INTERNAL, "cipher key set-up failed");
    memcpy(cached, key, CRM_KEY_SIZE);
    *is_set = true;
    return CRM_OK;
}

int crmi_seal_subject(crm_db *db, const unsigned char key[CRM_KEY_SIZE], const crmi_field_ref *ref,
                      const char *plain, unsigned char **out, size_t *out_len)
{
    struct crmi_keyring *k = db->keys;
    unsigned char header[CRMI_SEAL_HEADER] = {CRMI_SEAL_VERSION_SUBJECT};
    int rc = set_subject_key(db, k->subject_enc, k->subject_enc_key, &k->subject_enc_set, key, true);
    return rc ? rc : seal_in(db, k->subject_enc, header, ref, plain, out, out_len);
}

int crmi_unseal_subject(crm_db *db, const unsigned char key[CRM_KEY_SIZE],
                        const crmi_field_ref *ref, const unsigned char *blob, size_t len,
                        char **out)
{
    struct crmi_keyring *k = db->keys;
    if (!well_formed(blob, len, CRMI_SEAL_VERSION_SUBJECT))
        return not_sealed(db, ref);
    int rc = set_subject_key(db, k->subject_dec, k->subject_dec_key, &k->subject_dec_set, key,
                             false);
    return rc ? rc : unseal_in(db, k->subject_dec, ref, blob, len, out);
}

/* SQLite takes the blob and frees it with crm_free. */
static int bind_blob_owned(crm_db *db, sqlite3_stmt *st, int idx, unsigned char *blob, size_t len)
{
    if (sqlite3_bind_blob(st, idx, blob, (int)len, crm_free) != SQLITE_OK)
        return crmi_error(db, CRM_E_INTERNAL, "bind sealed value");
    return CRM_OK;
}

int crmi_bind_sealed_subject(crm_db *db, sqlite3_stmt *st, int idx,
                             const unsigned char key[CRM_KEY_SIZE], const crmi_field_ref *ref,
                             const char *plain)
{
    if (!plain)
        return sqlite3_bind_null(st, idx) == SQLITE_OK ? CRM_OK : CRM_E_INTERNAL;
    unsigned char *blob;
    size_t len;
    int rc = crmi_seal_subject(db, key, ref, plain, &blob, &len);
    return rc ? rc : bind_blob_owned(db, st, idx, blob, len);
}

int crmi_bind_sealed(crm_db *db, sqlite3_stmt *st, int idx, const crmi_field_ref *ref,
                     const char *plain)
{
    if (!plain)
        return sqlite3_bind_null(st, idx) == SQLITE_OK ? CRM_OK : CRM_E_INTERNAL;
    unsigned char *blob;
    size_t len;
    int rc = crmi_seal(db, ref, plain, &blob, &len);
    return rc ? rc : bind_blob_owned(db, st, idx, blob, len);
}

int crmi_blind_index(crm_db *db, const char *label, const char *normalized,
                     unsigned char out[CRMI_BLIND_INDEX_SIZE])
{
    unsigned char mac[CRMI_MAC_SIZE];
    const void *parts[] = {label, normalized};
    const size_t lens[] = {strlen(label) + 1, strlen(normalized)};
    if (crmi_mac_parts(db->keys->index_mac, mac, parts, lens, 2) != CRM_OK)
        return crmi_error(db, CRM_E_INTERNAL, "blind index MAC failed");
    memcpy(out, mac, CRMI_BLIND_INDEX_SIZE);
    return CRM_OK;
}

int crmi_bind_blind_index(crm_db *db, sqlite3_stmt *st, int idx, const char *label,
                          const char *normalized)
{
    if (!normalized)
        return sqlite3_bind_null(st, idx) == SQLITE_OK ? CRM_OK : CRM_E_INTERNAL;
    unsigned char bi[CRMI_BLIND_INDEX_SIZE];
    int rc = crmi_blind_index(db, label, normalized, bi);
    if (!rc && crmi_bind_blob(st, idx, bi, sizeof bi) != SQLITE_OK)
        rc = crmi_error(db, CRM_E_NOMEM, "bind blind index: out of memory");
    return rc;
}
