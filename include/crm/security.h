/*
 * libcrm security: master keys, key rotation, masking of personal data and
 * the tamper-evident audit log.
 *
 * Key hierarchy (docs/SECURITY.md): the host's 256-bit master key wraps a
 * random root secret and the data keys, all kept in the database. Field
 * values are encrypted with AES-256-GCM under the active data key; blind
 * indexes and the audit chain use HMAC-SHA256 keys derived from the root
 * secret. Rotating the master key rewraps a few rows; rotating the data key
 * makes new writes use a fresh key while old values are re-encrypted in
 * bounded steps.
 */
#ifndef CRM_SECURITY_H
#define CRM_SECURITY_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ keys */

#define CRM_KEY_SIZE 32

/** Fills `key_out` with 32 random bytes from OpenSSL's CSPRNG. */
CRM_EXTERN(int) crm_key_generate(unsigned char key_out[CRM_KEY_SIZE]);

/**
 * Writes a new random master key to `path` as 64 hex digits and a newline,
 * with mode 0600. Refuses to overwrite an existing file (CRM_E_CONFLICT).
 * @return CRM_OK, CRM_E_CONFLICT, CRM_E_IO.
 */
CRM_EXTERN(int) crm_key_generate_file(const char *path);

/**
 * Reads a key file written by crm_key_generate_file (64 hex digits, optional
 * surrounding whitespace). @return CRM_OK, CRM_E_IO, CRM_E_KEY (malformed).
 */
CRM_EXTERN(int) crm_key_load_file(unsigned char key_out[CRM_KEY_SIZE], const char *path);

/**
 * Makes a fresh data key the active one: new values are encrypted under it;
 * values under older keys stay readable until crm_db_reencrypt_step moves
 * them. Admin only; audited. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_db_rotate_data_key(crm_db *db);

/**
 * Re-encrypts at most `max_values` stored values that are under a retired
 * data key, in one transaction; `*out_remaining` receives how many are left
 * (0 when rotation is complete, after which retired keys are destroyed).
 * Admin only. @return CRM_OK, CRM_E_PERMISSION, CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_db_reencrypt_step(crm_db *db, int max_values, int64_t *out_remaining);

/**
 * Rewraps the root secret and every data key under `new_key` and records the
 * new key check value, atomically. The handle keeps working; later opens
 * need the new key. Admin only; audited.
 */
CRM_EXTERN(int) crm_db_rotate_master_key(crm_db *db, const unsigned char new_key[CRM_KEY_SIZE]);

/* --------------------------------------------------------------- masking */

/** What a value is, for masking (DESIGN.md 3; JR/T 0171-2020). */
typedef enum crm_mask_kind {
    CRM_MASK_ID_NUMBER = 1, /**< first 1 and last 1 visible: 1****************X */
    CRM_MASK_PHONE = 2,     /**< 138****5678 (a +86 prefix is kept) */
    CRM_MASK_CARD = 3,      /**< first 6 and last 4 visible */
    CRM_MASK_EMAIL = 4,     /**< first character of the local part: z***@example.com */
    CRM_MASK_ADDRESS = 5,   /**< first 6 characters, the rest as one run of '*' */
    CRM_MASK_NAME = 6       /**< surname kept: 张** ; Latin names: first letter */
} crm_mask_kind;

/**
 * Masks `value` for display. Works on UTF-8 characters, not bytes.
 * @param out  receives a new string; free with crm_free().
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown kind, NULL), CRM_E_INVALID_DATA (bad UTF-8).
 */
CRM_EXTERN(int) crm_mask(char **out, crm_mask_kind kind, const char *value);

/* ----------------------------------------------------------------- audit */

/**
 * The audit log is append-only and chained: entry n carries
 * HMAC-SHA256(audit key, MAC(n-1) || canonical(entry n)). Only libcrm writes
 * it, inside the same transaction as the change it records.
 */

/**
 * Lists audit entries in sequence order. `filter` may be NULL or hold any of:
 * "after_seq" (int), "actor", "action", "entity", "entity_id" (text),
 * "since", "until" (ISO-8601 text), "limit" (int).
 * Records carry: seq, time, actor, action, entity, entity_id, reason,
 * before, after (JSON text, personal data masked), mac (hex).
 * Admin and auditor only. @return CRM_OK, CRM_E_PERMISSION, CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_audit_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * Walks the whole chain and checks every link, that sequence numbers are
 * contiguous from 1, and, when `checkpoint` (from crm_audit_checkpoint) is
 * given, that the entry it names is present with the same MAC, which detects
 * truncation and rollback to an older copy of the file.
 *
 * Unlike other calls, both outputs are set whatever the result:
 * `*out_entries` how many entries verified (those before the first bad
 * one), `*out_first_bad` the
 * sequence number of the first entry that does not verify (0 when all do).
 * Admin and auditor only.
 * @return CRM_OK, CRM_E_CORRUPT (message names the entry), CRM_E_INVALID_ARG
 *         (malformed checkpoint), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_audit_verify(int64_t *out_entries, int64_t *out_first_bad, crm_db *db,
                                 const char *checkpoint);

/**
 * Exports the chain head as "SEQ:HEXMAC" for the host to keep outside the
 * database. Free with crm_free(). Admin and auditor only.
 */
CRM_EXTERN(int) crm_audit_checkpoint(char **out, crm_db *db);

#ifdef __cplusplus
}
#endif
#endif /* CRM_SECURITY_H */
