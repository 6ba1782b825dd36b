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

int crmi_seal(crm_db *db, const crmi_field_ref *ref, const char *plain, unsigned char **out,
              size_t *out_len)
{
    int rc = crmi_keyring_sync(db);
    if (rc)
        return rc;
    struct crmi_keyring *k = db->keys;
    size_t n = strlen(plain);
    if (n > 1 << 20)
        return crmi_error(db, CRM_E_INVALID_DATA, "%s.%s: value over 1 MiB", ref->table,
                          ref->column);
    size_t total = CRMI_SEAL_HEADER + CRMI_NONCE_SIZE + n + CRMI_TAG_SIZE;
    unsigned char *blob = crmi_malloc(total);
    if (!blob)
        return crmi_error(db, CRM_E_NOMEM, "encrypt: out of memory");
    blob[0] = CRMI_SEAL_VERSION;
    put_be32(blob + 1, k->active_id);
    unsigned char *nonce = blob + CRMI_SEAL_HEADER, *body = nonce + CRMI_NONCE_SIZE;
    int len;
    bool ok = next_nonce(k, nonce) == CRM_OK &&
              EVP_EncryptInit_ex(k->enc, NULL, NULL, NULL, nonce) == 1 &&
              feed_aad(k->enc, true, blob, ref) &&
              EVP_EncryptUpdate(k->enc, body, &len, (const unsigned char *)plain, (int)n) == 1 &&
              EVP_EncryptFinal_ex(k->enc, body + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_GCM_GET_TAG, CRMI_TAG_SIZE, body + n) == 1;
    if (!ok) {
        crm_free(blob);
        return crmi_error(db, CRM_E_INTERNAL, "encrypt %s.%s failed", ref->table, ref->column);
    }
    *out = blob;
    *out_len = total;
    return CRM_OK;
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
    if (len < CRMI_SEAL_HEADER + CRMI_NONCE_SIZE + CRMI_TAG_SIZE || blob[0] != CRMI_SEAL_VERSION)
        return crmi_error(db, CRM_E_CORRUPT, "%s.%s of %s: not a sealed value", ref->table,
                          ref->column, ref->row_key);
    int rc = set_decryption_key(db, get_be32(blob + 1));
    if (rc)
        return rc;
    struct crmi_keyring *k = db->keys;
    const unsigned char *nonce = blob + CRMI_SEAL_HEADER, *body = nonce + CRMI_NONCE_SIZE;
    size_t n = len - CRMI_SEAL_HEADER - CRMI_NONCE_SIZE - CRMI_TAG_SIZE;
    char *plain = crmi_malloc(n + 1);
    if (!plain)
        return crmi_error(db, CRM_E_NOMEM, "decrypt: out of memory");
    int part;
    bool ok = EVP_DecryptInit_ex(k->dec, NULL, NULL, NULL, nonce) == 1 &&
              feed_aad(k->dec, false, blob, ref) &&
              EVP_DecryptUpdate(k->dec, (unsigned char *)plain, &part, body, (int)n) == 1 &&
              EVP_CIPHER_CTX_ctrl(k->dec, EVP_CTRL_GCM_SET_TAG, CRMI_TAG_SIZE,
                                  (void *)(body + n)) == 1 &&
              EVP_DecryptFinal_ex(k->dec, (unsigned char *)plain + part, &part) == 1;
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

int crmi_bind_sealed(crm_db *db, sqlite3_stmt *st, int idx, const crmi_field_ref *ref,
                     const char *plain)
{
    if (!plain)
        return sqlite3_bind_null(st, idx) == SQLITE_OK ? CRM_OK : CRM_E_INTERNAL;
    unsigned char *blob;
    size_t len;
    int rc = crmi_seal(db, ref, plain, &blob, &len);
    if (rc)
        return rc;
    /* SQLite takes the blob and frees it with crm_free. */
    if (sqlite3_bind_blob(st, idx, blob, (int)len, crm_free) != SQLITE_OK)
        return crmi_error(db, CRM_E_INTERNAL, "bind sealed value");
    return CRM_OK;
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
    if (!rc && sqlite3_bind_blob(st, idx, bi, sizeof bi, SQLITE_TRANSIENT) != SQLITE_OK)
        rc = crmi_error(db, CRM_E_INTERNAL, "bind blind index");
    return rc;
}
