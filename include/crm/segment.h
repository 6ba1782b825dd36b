/*
 * libcrm customer segments: rule-based, static and live, with set operations.
 *
 * A segment is a named set of customers with its materialised membership:
 *  - a rule segment holds the customers a JsonLogic rule over the customer
 *    vocabulary matches (docs/RULES.md), JSON or YAML as crm_rule_parse
 *    reads; crm_segment_refresh recomputes it with the rule compiled to SQL
 *    (one INSERT ... SELECT and set differences), or with the interpreter
 *    streaming customers one by one when the rule cannot compile;
 *  - a static segment holds a list of customer numbers given once;
 *  - a union, intersection or exclusion segment combines the current
 *    memberships of other segments (exclusion: the first operand minus the
 *    others).
 * Only active customers are members: restricted and purged customers never
 * appear.
 *
 * Branch zones: a segment belongs to a branch or to head office (shared).
 * Its customers are those of that branch's subtree; a user sees and uses
 * the segments of the branches in their view and head office's. Members
 * and diffs are listed within the actor's customer scope: an RM sees only
 * their own book.
 *
 * Live segments (option "live"): membership never goes stale. When a
 * customer is created or changed, assigned, restricted or purged, or their
 * holdings, transactions or tags change, their live segments are
 * re-evaluated in the same transaction; each join or leave is recorded
 * (crm_segment_diff) and handed to the subscribers
 * (crm_segment_subscribe). Changing a live segment's rule needs one
 * refresh.
 */
#ifndef CRM_SEGMENT_H
#define CRM_SEGMENT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a segment's membership is defined. */
typedef enum crm_segment_kind {
    CRM_SEGMENT_RULE = 1,         /**< a rule over the customer vocabulary */
    CRM_SEGMENT_STATIC = 2,       /**< a list of customer numbers */
    CRM_SEGMENT_UNION = 3,        /**< members of any operand */
    CRM_SEGMENT_INTERSECTION = 4, /**< members of every operand */
    CRM_SEGMENT_EXCLUSION = 5     /**< members of the first operand and of no other */
} crm_segment_kind;

/**
 * Creates a rule segment and computes its membership. `options` may be
 * NULL or hold: "live" (int 0/1, default 0), "branch" (text: a branch code
 * in the actor's view; default the actor's own branch, or head office for
 * head-office staff and admins), "description" (text). Names are 1..100
 * characters. The rule must use only vocabulary names. Admins, branch
 * managers and marketers; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (rule parse error with line and
 *         column, name, options), CRM_E_NOT_FOUND (a variable outside the
 *         vocabulary, or the branch), CRM_E_CONFLICT (name taken),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_segment_create(crm_db *db, const char *name, const char *rule_text, const crm_record *options);

/**
 * Creates a static segment from `count` customer numbers (each must be a
 * customer the actor sees; duplicates are ignored). Options as
 * crm_segment_create ("live" is refused: a list does not change).
 * @return as crm_segment_create(); CRM_E_NOT_FOUND names the first unknown
 *         customer number.
 */
CRM_EXTERN(int)
crm_segment_create_static(crm_db *db, const char *name, const char *const *customer_nos,
                          size_t count, const crm_record *options);

/**
 * Creates a segment that combines `count` (>= 2) existing segments the
 * actor sees with `kind` CRM_SEGMENT_UNION, _INTERSECTION or _EXCLUSION,
 * over their current memberships (refresh them first when stale). A live
 * set segment follows its live operands at once. Options as
 * crm_segment_create.
 * @return as crm_segment_create(); CRM_E_INVALID_ARG for another kind or
 *         fewer than two operands.
 */
CRM_EXTERN(int)
crm_segment_create_set(crm_db *db, const char *name, crm_segment_kind kind,
                       const char *const *operands, size_t count, const crm_record *options);

/**
 * Changes a segment: a new rule (rule segments; NULL keeps the rule) and
 * the options "live" and "description". A new rule, or turning "live" on,
 * refreshes the membership in the same call. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_INVALID_DATA, CRM_E_STATE (a rule
 *         for a segment that is not a rule segment), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_segment_update(crm_db *db, const char *name, const char *rule_text, const crm_record *options);

/**
 * Deletes a segment with its members and events. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE (another segment uses it as
 *         an operand, or a campaign targets it), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_delete(crm_db *db, const char *name);

/**
 * Counts the customers a rule would hold as a segment of `branch` (NULL:
 * the default of crm_segment_create), without saving anything: the same
 * count crm_segment_refresh would give. Admins, branch managers and
 * marketers.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_segment_preview(int64_t *out_count, crm_db *db, const char *rule_text, const char *branch);

/**
 * Recomputes a segment's membership and records who joined and who left
 * (crm_segment_diff then lists them). `out` (may be NULL) receives a
 * record: members, joined, left (int), refreshed_at (ISO-8601), method
 * ("sql", "interpreter", "list" or "set"). Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_refresh(crm_record **out, crm_db *db, const char *name);

/**
 * Reads a segment: name, kind ("rule", "static", "union", "intersection",
 * "exclusion"), rule (compact JSON; rule segments), operands (text, names
 * joined by ","; set segments), live (int), branch (absent: head office),
 * description, members (int, all members, not only those the actor sees),
 * refreshed_at, created_by, created_at, updated_at.
 * @return CRM_OK, CRM_E_NOT_FOUND (also when not visible), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_get(crm_record **out, crm_db *db, const char *name);

/**
 * Lists the segments the actor sees by name, with the fields of
 * crm_segment_get. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_list(crm_iter **out, crm_db *db);

/**
 * Lists the members the actor may see, by customer number. Records:
 * customer_no, name, branch, manager (absent when none).
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_members(crm_iter **out, crm_db *db, const char *name);

/**
 * Who joined and who left since the last refresh: that refresh's changes
 * and, for live segments, every change after it, oldest first. Records:
 * customer_no, name, change ("joined" or "left"), at (ISO-8601). Within
 * the actor's scope.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_segment_diff(crm_iter **out, crm_db *db, const char *name);

/**
 * Receives a live segment change: the segment name, the customer number
 * and 1 for joined, 0 for left (strings valid during the call). Called
 * inside the transaction that made the change, before it commits: if that
 * transaction rolls back, the change and its recorded event vanish.
 * Return 0 to go on, non-zero to refuse the change (the write fails with
 * CRM_E_STATE and rolls back). Do not call libcrm on this handle from it.
 */
typedef int (*crm_segment_event_fn)(const char *segment, const char *customer_no, int joined,
                                    void *payload);

/**
 * Subscribes `fn` to live segment changes on this handle (not on other
 * handles of the same database). `out_id` receives an id for
 * crm_segment_unsubscribe. Any active user.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_NOMEM, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_segment_subscribe(int *out_id, crm_db *db, crm_segment_event_fn fn, void *payload);

/** Removes a subscription. @return CRM_OK or CRM_E_NOT_FOUND. */
CRM_EXTERN(int) crm_segment_unsubscribe(crm_db *db, int id);

#ifdef __cplusplus
}
#endif

#endif /* CRM_SEGMENT_H */
