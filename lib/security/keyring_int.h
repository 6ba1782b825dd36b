/*
 * The keyring a handle holds: the master key, the keys derived from the root
 * secret, the data keys, and the OpenSSL contexts reused for every value
 * (DESIGN.md 6: a context per value costs more than the encryption).
 * Shared by the files of lib/security only.
 */
#ifndef CRMI_KEYRING_INT_H
#define CRMI_KEYRING_INT_H

#include "security/security_int.h"

#include <openssl/evp.h>

#define CRMI_NONCE_SIZE 12
#define CRMI_TAG_SIZE 16
#define CRMI_MAC_SIZE 32
/* version byte + big-endian data key id */
#define CRMI_SEAL_HEADER 5
#define CRMI_SEAL_VERSION 1         /* under a data key; the id says which */
#define CRMI_SEAL_VERSION_SUBJECT 2 /* under a subject's own key; id 0 */

typedef struct crmi_data_key {
    uint32_t id;
    unsigned char key[CRM_KEY_SIZE];
} crmi_data_key;

struct crmi_keyring {
    unsigned char master[CRM_KEY_SIZE];
    unsigned char audit_key[CRM_KEY_SIZE];
    unsigned char index_key[CRM_KEY_SIZE];

    crmi_data_key *data_keys;
    size_t n_data_keys;
    uint32_t active_id;

    EVP_CIPHER *gcm;
    EVP_CIPHER_CTX *enc; /* keyed with the active data key */
    EVP_CIPHER_CTX *dec;
    uint32_t dec_key_id; /* key currently set in dec, 0 = none */
    EVP_CIPHER_CTX *subject_enc, *subject_dec; /* keyed per subject, cached */
    unsigned char subject_enc_key[CRM_KEY_SIZE], subject_dec_key[CRM_KEY_SIZE];
    bool subject_enc_set, subject_dec_set;
    EVP_MAC_CTX *index_mac;
    EVP_MAC_CTX *audit_mac;

    /* Nonces: a random 8-byte prefix per keyring and a 32-bit counter; the
     * prefix is drawn again before the counter wraps, so no nonce repeats
     * under one key within a handle and handles collide with p ~ 2^-64. */
    unsigned char nonce_prefix[8];
    uint32_t nonce_counter;

    /* Random bytes drawn in bulk: RAND_bytes costs ~2 us a call, whatever
     * the size (DESIGN.md 6), and an import makes a key per customer. */
    unsigned char random_pool[4096];
    size_t random_used; /* bytes of the pool already handed out */

    /* The audit chain head this handle last wrote, valid while the same
     * write transaction is open and nothing was rolled back since. */
    int64_t head_seq;
    unsigned char head_mac[CRMI_MAC_SIZE];
    uint64_t head_serial, head_rollbacks;

    uint64_t synced_serial; /* txn_serial when the active key was last checked */
    int64_t data_version;
};

/* HMAC-SHA256 with a fresh context; for rare operations (key check value,
 * derivations). */
int crmi_hmac_once(unsigned char out[CRMI_MAC_SIZE], const unsigned char key[CRM_KEY_SIZE],
                   const void *msg, size_t len);

/* Re-initialises a keyed MAC context (same key) and feeds `n` parts. */
int crmi_mac_parts(EVP_MAC_CTX *ctx, unsigned char out[CRMI_MAC_SIZE], const void *const parts[],
                   const size_t lens[], size_t n);

/* The data key with this id, loading keys created by other handles if
 * needed; NULL with CRM_E_CORRUPT recorded when it does not exist. */
const crmi_data_key *crmi_keyring_data_key(crm_db *db, uint32_t id);

/* Makes sure new values go to the key that is active in the database now
 * (another handle may have rotated). Called once per write transaction. */
int crmi_keyring_sync(crm_db *db);

#endif /* CRMI_KEYRING_INT_H */
