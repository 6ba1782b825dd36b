/*
 * Internal security services: the keyring held by each handle, field
 * encryption, blind indexes and audit appends. Every other module encrypts,
 * indexes and audits through these functions and nothing else.
 */
#ifndef CRMI_SECURITY_INT_H
#define CRMI_SECURITY_INT_H

#include "core/db_int.h"
#include "crm/security.h"

/* ----------------------------------------------------------------- keyring */

/* Obtains the master key from the options (bytes, key file or provider). */
int crmi_master_key_resolve(unsigned char master[CRM_KEY_SIZE], const crm_db_options *opts);

/* Loads and unwraps the keys of an existing database; CRM_E_KEY when the key
 * check value does not match. Writes nothing. */
int crmi_keyring_open(crm_db *db, const unsigned char master[CRM_KEY_SIZE]);

/* Creates the root secret, the first data key and the key check value of a
 * new database. Runs inside the migration transaction. */
int crmi_keyring_create(crm_db *db, const unsigned char master[CRM_KEY_SIZE]);

void crmi_keyring_free(struct crmi_keyring *keys);

/* Fills `out` with `n` (<= 256) bytes from the CSPRNG, drawn in bulk; each
 * byte is handed out once and wiped from the pool. */
int crmi_random(crm_db *db, unsigned char *out, size_t n);

/* ------------------------------------------------------- field encryption */

/* Where a value lives; bound into the ciphertext as associated data so a
 * value copied to another row or column no longer decrypts. */
typedef struct crmi_field_ref {
    const char *table;
    const char *column;
    const char *row_key; /* a stable key of the row: user name, customer no. */
} crmi_field_ref;

/* Encrypts `plain` (NUL-terminated) into a new blob: version byte, data key
 * id, nonce, ciphertext, tag. Free *out with crm_free. */
int crmi_seal(crm_db *db, const crmi_field_ref *ref, const char *plain, unsigned char **out,
              size_t *out_len);

/* Decrypts a blob from crmi_seal; CRM_E_CORRUPT when it does not verify
 * (tampered, moved, or its key destroyed). Free *out with crm_free. */
int crmi_unseal(crm_db *db, const crmi_field_ref *ref, const unsigned char *blob, size_t len,
                char **out);

/* The same under a subject's own key (a customer's), which purge destroys
 * to shred every value sealed under it. */
int crmi_seal_subject(crm_db *db, const unsigned char key[CRM_KEY_SIZE], const crmi_field_ref *ref,
                      const char *plain, unsigned char **out, size_t *out_len);
int crmi_unseal_subject(crm_db *db, const unsigned char key[CRM_KEY_SIZE],
                        const crmi_field_ref *ref, const unsigned char *blob, size_t len,
                        char **out);
int crmi_bind_sealed_subject(crm_db *db, sqlite3_stmt *st, int idx,
                             const unsigned char key[CRM_KEY_SIZE], const crmi_field_ref *ref,
                             const char *plain);

/* Seals `plain` and binds the blob at `idx` (NULL binds NULL). */
int crmi_bind_sealed(crm_db *db, sqlite3_stmt *st, int idx, const crmi_field_ref *ref,
                     const char *plain);

#define CRMI_BLIND_INDEX_SIZE 16

/* Keyed blind index of a normalised value for exact lookup: HMAC-SHA256
 * under a key derived from the root secret, over a label naming the field
 * kind ("phone") and the value, truncated to 16 bytes. */
int crmi_blind_index(crm_db *db, const char *label, const char *normalized,
                     unsigned char out[CRMI_BLIND_INDEX_SIZE]);

/* Binds the blind index of `normalized` at `idx` (NULL binds NULL). */
int crmi_bind_blind_index(crm_db *db, sqlite3_stmt *st, int idx, const char *label,
                          const char *normalized);

/* Encrypted columns, for re-encryption after a data-key rotation. Every
 * module that stores sealed values lists them in lib/schema.c. */
typedef struct crmi_sealed_column {
    const char *table;
    const char *column;
    const char *row_key_column;
} crmi_sealed_column;

extern const crmi_sealed_column crmi_sealed_columns[];
extern const int crmi_sealed_column_count;

/* ------------------------------------------------------------------- audit */

typedef struct crmi_audit_entry {
    const char *action;    /* "user.add", "customer.reveal" */
    const char *entity;    /* "user", "customer" */
    const char *entity_id; /* its key */
    const char *reason;    /* may be NULL */
    const char *before;    /* JSON with personal data masked, or NULL */
    const char *after;     /* same */
} crmi_audit_entry;

/* Appends one chained entry. Must run inside crmi_txn_begin/end so the
 * entry and the change it records commit together. */
int crmi_audit_append(crm_db *db, const crmi_audit_entry *entry);

#endif /* CRMI_SECURITY_INT_H */
