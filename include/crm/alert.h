/*
 * libcrm real-time transaction alerts.
 *
 * Every transaction recorded (crm_txn_add, a bulk load of crm_txn_add calls
 * in one host transaction, crm_txn_import) is checked against the active
 * alert rules inside the same call and the same SQLite transaction: the
 * alerts a transaction raises are stored with it, or neither is. A rule is
 * JsonLogic (include/crm/rule.h) over the transaction, its customer and the
 * customer's own recent history; docs/ALERTS.md lists the variables, the
 * YAML format of a rule set and the rules shipped by default (a large
 * transfer, an amount far above the customer's 90-day pattern, a burst of
 * transactions, a high-risk product bought by an unsuitable customer).
 *
 * An alert travels as a crm_record with the fields:
 *
 * | field         | type  | notes                                                   |
 * |---------------|-------|---------------------------------------------------------|
 * | id            | int   | the alert's number                                      |
 * | rule          | text  | name of the rule that raised it                         |
 * | severity      | text  | low, medium, high                                       |
 * | state         | text  | open, acknowledged, closed                              |
 * | customer_no   | text  |                                                         |
 * | customer_name | text  |                                                         |
 * | txn_id        | int   | the transaction (crm_txn_list's id)                     |
 * | txn_ref       | text  | its core-banking reference, absent when none            |
 * | txn_type      | text  | deposit, transfer_in, ...                               |
 * | amount        | money | the transaction's amount, fen                           |
 * | txn_time      | text  | when the transaction happened (ISO-8601 UTC)            |
 * | raised_at     | text  | when the alert was raised (ISO-8601 UTC, handle clock)  |
 * | details       | text  | JSON object: the value of every variable the rule reads |
 * | note          | text  | the last note given on acknowledging or closing         |
 * | handled_by    | text  | the user who last acknowledged or closed it             |
 * | handled_at    | text  | when (ISO-8601 UTC)                                     |
 *
 * Reading alerts needs the customer's visibility (as crm_customer_get): a
 * relationship manager sees only their own customers' alerts, a branch
 * manager their subtree's; another's alert reads as CRM_E_NOT_FOUND.
 */
#ifndef CRM_ALERT_H
#define CRM_ALERT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------- rule sets */

/**
 * The rule set shipped with the library, as YAML text (static; the format
 * is in docs/ALERTS.md). A database uses it until a host stores its own
 * with crm_alert_rules_set. Cannot fail.
 */
CRM_EXTERN(const char *) crm_alert_default_rules(void);

/**
 * Replaces the active rule set of the database with `yaml` (UTF-8, `len`
 * bytes, need not be NUL-terminated). The whole set is checked first: its
 * shape, every rule's JsonLogic, names unique, severities known, and every
 * variable a rule reads one of the alert variables (a misspelt name would
 * otherwise never alert). Applies to every handle on the database from its
 * next transaction. Alert admins only (admin, branch manager); audited
 * (action "alert.rules").
 * @return CRM_OK; CRM_E_INVALID_DATA with crm_db_errmsg() naming the line,
 *         the rule and the reason; CRM_E_PERMISSION; CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_alert_rules_set(crm_db *db, const char *yaml, size_t len);

/**
 * Goes back to the shipped rule set (crm_alert_default_rules). Same access
 * and audit as crm_alert_rules_set. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_rules_reset(crm_db *db);

/**
 * The active rule set's YAML text (the host's, or the default).
 * Free with crm_free. Alert readers. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_rules_get(char **out, crm_db *db);

/**
 * Lists the active rules in their order of evaluation. Records: name,
 * severity, description (absent when none), rule (the JsonLogic as one line
 * of JSON), source ("default" or "custom"). Alert readers. Free the
 * iterator with crm_iter_free. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_rules_list(crm_iter **out, crm_db *db);

/* ------------------------------------------------------------ callback */

/**
 * Receives each alert as it is raised, with the fields above (state
 * "open"). Called inside the transaction-insert call, after the alert is
 * stored and before the transaction commits: if the host later rolls its
 * transaction back, the alert is gone too. `alert` is valid during the
 * call. Return 0 to go on; non-zero refuses the transaction: the insert
 * call fails with the returned value if it is a CRM_E_* code, else with
 * CRM_E_STATE, and neither the transaction nor its alerts are stored. Do
 * not call the library on the same handle from the callback.
 */
typedef int (*crm_alert_fn)(const crm_record *alert, void *payload);

/**
 * Registers (or with NULL removes) the alert callback of this handle;
 * `payload` is passed back as is. Handles are independent: each registers
 * its own. @return CRM_OK, CRM_E_INVALID_ARG (NULL db), CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_alert_set_callback(crm_db *db, crm_alert_fn fn, void *payload);

/* ------------------------------------------------------------- reading */

/**
 * Lists alerts, newest first. `filter` may be NULL or hold any of:
 * "state" (open, acknowledged, closed), "customer_no", "rule" (a rule
 * name), "since" (inclusive) and "until" (exclusive) on raised_at as
 * ISO-8601 text or dates, "limit" (int >= 0). Only alerts of customers the
 * actor sees. Alert readers (admin, branch manager, relationship manager,
 * auditor). Free the iterator with crm_iter_free.
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown filter field or bad value),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * Reads one alert. Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such alert, or not visible),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_get(crm_record **out, crm_db *db, int64_t id);

/* ------------------------------------------------------------ handling */

/**
 * Acknowledges an open alert: someone is looking at it. `note` may be NULL.
 * Alert admins (admin, branch manager) within their visibility; audited
 * (action "alert.ack", the note as the reason).
 * @return CRM_OK; CRM_E_STATE (already acknowledged or closed);
 *         CRM_E_NOT_FOUND; CRM_E_INVALID_DATA (note too long: 2,000
 *         characters at most); CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_ack(crm_db *db, int64_t id, const char *note);

/**
 * Closes an open or acknowledged alert with a note saying what was found
 * (required, 1..2,000 characters). Closed is final. Same access and audit
 * as crm_alert_ack (action "alert.close").
 * @return CRM_OK; CRM_E_STATE (already closed); CRM_E_INVALID_DATA (note
 *         missing, empty or too long); CRM_E_NOT_FOUND; CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_alert_close(crm_db *db, int64_t id, const char *note);

#ifdef __cplusplus
}
#endif

#endif /* CRM_ALERT_H */
