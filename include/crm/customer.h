/*
 * libcrm customer records: the unified customer view, validated, encrypted,
 * searchable, importable and audited.
 *
 * A customer travels as a crm_record (typed values by field name). Fields:
 *
 * | field              | type  | notes                                                     |
 * |--------------------|-------|-----------------------------------------------------------|
 * | customer_no        | text  | required, unique, 1..32 of [A-Za-z0-9_-]; never changes   |
 * | name               | text  | required, 1..50 characters                                |
 * | id_type            | text  | resident_id (default), passport, hk_macao_permit,         |
 * |                    |       | taiwan_permit, foreign_permanent, other                   |
 * | id_number          | text  | personal; resident IDs per GB 11643-1999 (15-digit ones   |
 * |                    |       | converted to 18), unique among live customers             |
 * | gender             | text  | "M" or "F"; derived from a resident ID and checked        |
 * | birth_date         | date  | derived from a resident ID and checked                    |
 * | phone              | text  | personal; mainland mobile, optional +86                   |
 * | email              | text  | personal                                                  |
 * | address            | text  | personal, up to 200 characters                            |
 * | card_number        | text  | personal; 16..19 digits with a valid Luhn check           |
 * | city, occupation   | text  | up to 50 characters                                       |
 * | province           | text  | full or short name ("广东省", "广东"); stored full;      |
 * |                    |       | derived from a resident ID and checked                    |
 * | annual_income      | money | fen, >= 0                                                 |
 * | total_assets       | money | fen, >= 0                                                 |
 * | risk_level         | text  | C1..C5                                                    |
 * | risk_assessed_at   | date  | the assessment expires one year later                     |
 * | branch             | text  | a branch code; required                                   |
 * | manager            | text  | the login of a relationship manager of that branch        |
 * | consent_sms, consent_email, consent_phone | int | 0 or 1 (marketing consent)       |
 * | ext.<name>         | text  | extension attributes a bank adds; name of [a-z0-9_]       |
 *
 * Read-only fields in results: status (active, restricted, purged), version,
 * age, risk_expired (0/1), created_at, updated_at. Personal fields come back
 * masked; only crm_customer_reveal returns clear text, audited.
 * Fields never accepted (authentication data, JR/T 0171-2020): password,
 * pin, cvv, cvv2, otp and the like: CRM_E_INVALID_DATA.
 *
 * Access: admins, auditors and marketers see every customer; branch managers
 * their branch subtree; relationship managers only customers assigned to
 * them. Restricted customers (deletion approved) are hidden from everyone
 * but admins and auditors.
 */
#ifndef CRM_CUSTOMER_H
#define CRM_CUSTOMER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a customer from `customer` (fields above). Validation errors name
 * the field and why ("field id_number: check digit is 7, expected X").
 * Audited with masked values. Admin, branch manager (own subtree) or
 * relationship manager (assigning to themselves).
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_CONFLICT (customer_no or ID number
 *         exists), CRM_E_NOT_FOUND (branch, manager), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_customer_create(crm_db *db, const crm_record *customer);

/**
 * Reads one customer, personal fields masked, with its version. Free with
 * crm_record_free. @return CRM_OK, CRM_E_NOT_FOUND (also when the actor may not
 * see it: an RM cannot tell another RM's customer from a missing one).
 */
CRM_EXTERN(int) crm_customer_get(crm_record **out, crm_db *db, const char *customer_no);

/**
 * Changes the fields present in `changes` (a field set to NULL text clears
 * it), provided the stored version is still `expected_version`; the version
 * then increases by one. Audited with masked before and after of the changed
 * fields. @return CRM_OK, CRM_E_CONFLICT (stale version), CRM_E_INVALID_DATA,
 * CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_customer_update(crm_db *db, const char *customer_no, const crm_record *changes,
                                    int64_t expected_version);

/**
 * Returns one personal field in clear ("id_number", "phone", "email",
 * "address", "card_number"). Needs a reason; admins, branch managers and the
 * customer's own RM; audited with who and why. Free with crm_free.
 */
CRM_EXTERN(int) crm_customer_reveal(char **out, crm_db *db, const char *customer_no,
                                    const char *field, const char *reason);

/**
 * The customer 360 view as one JSON object: "profile" (the crm_customer_get
 * fields, masked), "holdings" (per product: code, name, type, risk_rating,
 * balance in fen, and totals by product type), "recent_transactions" (the
 * latest `recent` ones, newest first), "activity" (transaction count and
 * amount over the last 90 days, days since the last transaction), and
 * sections later modules add (tags, campaigns, complaints). `recent` is
 * 0..1000 (else CRM_E_INVALID_ARG). Every section is read from one snapshot
 * (inside a host transaction, that transaction). Same access as
 * crm_customer_get. Free with crm_free.
 */
CRM_EXTERN(int) crm_customer_view(char **out_json, crm_db *db, const char *customer_no,
                                  int recent);

/* ------------------------------------------------------------- identity */

/**
 * Checks a resident ID number (GB 11643-1999; 15-digit numbers converted to
 * 18) and derives what it encodes. `*out` gets fields id_number (18
 * characters), birth_date, gender ("M"/"F") and province (full name); free it
 * with crm_record_free. Needs no database. @return CRM_OK or
 * CRM_E_INVALID_DATA with the reason in crm_last_errmsg() ("id_number: check
 * digit is 7, expected X").
 */
CRM_EXTERN(int) crm_id_number_parse(crm_record **out, const char *id_number);

/* ----------------------------------------------------------- assignment */

/**
 * Assigns a customer to relationship manager `manager` (a login with the
 * relationship_manager role in the customer's branch subtree), or removes
 * the assignment when NULL. Admin or branch manager; audited.
 */
CRM_EXTERN(int) crm_customer_assign(crm_db *db, const char *customer_no, const char *manager,
                                    const char *reason);

/**
 * Moves every customer of relationship manager `from_manager` to
 * `to_manager` in one transaction and one audit entry (the count and the
 * reason). `*out_moved` receives how many moved. Admin or a branch manager
 * whose subtree holds both managers.
 */
CRM_EXTERN(int) crm_customer_move_book(int64_t *out_moved, crm_db *db, const char *from_manager,
                                       const char *to_manager, const char *reason);

/* -------------------------------------------------------------- deletion */

/**
 * Asks for a customer's deletion with a reason (the relationship ended).
 * Admin, branch manager or the customer's RM; audited. The customer stays
 * active until another user approves. @return CRM_OK, CRM_E_STATE (already
 * requested or restricted), CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_customer_delete_request(crm_db *db, const char *customer_no,
                                            const char *reason);

/**
 * Approves a pending deletion. The approver must be an admin or branch
 * manager and not the requester (four eyes). The customer becomes
 * restricted: hidden from marketing and ordinary search, kept for the
 * retention period (5 years after the relationship ended, anti-money
 * laundering), then purged by crm_customer_purge_due.
 */
CRM_EXTERN(int) crm_customer_delete_approve(crm_db *db, const char *customer_no,
                                            const char *reason);

/**
 * Purges every restricted customer whose retention period has ended (by the
 * handle's clock): destroys the customer's key (crypto-shredding), clears
 * every personal field, blind index, masked copy and extension attribute,
 * replaces the name, and then truncates the WAL so no earlier page image of
 * the record remains. Transactions are kept without personal data. A tombstone
 * (customer_no, status "purged") keeps history consistent. Admin only;
 * each purge is audited. `*out_purged` receives how many were purged.
 */
CRM_EXTERN(int) crm_customer_purge_due(int64_t *out_purged, crm_db *db);

#ifdef __cplusplus
}
#endif
#endif /* CRM_CUSTOMER_H */
