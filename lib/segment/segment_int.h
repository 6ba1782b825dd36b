/*
 * Internals of segments, shared by the files of lib/segment and by the tag
 * system (lib/tag), and the hook the write paths of customers, holdings,
 * transactions and tags call.
 */
#ifndef CRMI_SEGMENT_INT_H
#define CRMI_SEGMENT_INT_H

#include "crm/rule.h"
#include "crm/segment.h"
#include "search/search_int.h"

/* ------------------------------------------------------------ live hook */

/* Re-evaluates customer `customer_id`'s live segments after a change to
 * the customer, their holdings, transactions or tags, inside the caller's
 * transaction: records joined/left events and calls the subscribers. A
 * customer who is no longer active leaves every segment. Costs one indexed
 * read when there are no live segments. */
int crmi_segment_customer_changed(crm_db *db, int64_t customer_id);

/* The same for the customer of transaction row `txn_id` (just inserted):
 * reads who it was only when there are live segments, so a bulk feed pays
 * almost nothing. */
int crmi_segment_txn_added(crm_db *db, int64_t txn_id);

/* Whether any segment is live. */
int crmi_segment_any_live(crm_db *db, bool *out);

/* ---------------------------------------------------- rules over customers */

/* The scratch table of customer ids a rule selects: temp.crmi_seg_new
 * (customer_id INTEGER PRIMARY KEY). Created on first use in the handle's
 * temporary schema and emptied by crmi_rule_customers. */
int crmi_seg_new_ready(crm_db *db);

/* The customers a segment may hold: active ones of its branch subtree
 * (:seg_path NULL: all), alias c. The subquery runs once, not per
 * customer. */
#define CRMI_SEGMENT_UNIVERSE                                                                      \
    " c.status = 'active' AND (:seg_path IS NULL OR c.branch_id IN (SELECT id FROM"                \
    " crm_branch WHERE substr(path, 1, length(:seg_path)) = :seg_path))"

/* Binds :seg_path and the clock parameters a statement has. */
int crmi_segment_universe_bind(crm_db *db, sqlite3_stmt *st, const char *branch_path);

/* How crmi_rule_customers evaluated the rule. */
typedef enum crmi_rule_method { CRMI_BY_SQL, CRMI_BY_INTERPRETER } crmi_rule_method;

/* The active customers of the branch subtree `branch_path` (NULL: the whole
 * bank) that `rule` matches, by the compiled SQL or, when the rule cannot
 * compile, by the interpreter streaming customers one at a time. With
 * `count` set, counts them into *count and writes nothing; else fills
 * temp.crmi_seg_new (emptied first). `context` prefixes error messages. */
int crmi_rule_customers(crm_db *db, const crm_rule *rule, const char *branch_path, int64_t *count,
                        crmi_rule_method *method, const char *context);

/* Parses rule text and checks it uses only the customer vocabulary; errors
 * on `db` prefixed by `context`. */
int crmi_customer_rule_parse(crm_db *db, const char *text, const char *context, crm_rule **out);

/* Whether customer `customer_id` matches `rule`, by the interpreter (the
 * caller checks the segment's universe). */
int crmi_rule_customer_matches(crm_db *db, const crm_rule *rule, int64_t customer_id, bool *out);

/* -------------------------------------------------------------- segments */

/* One segment's row, as the module reads it. */
typedef struct crmi_segment {
    int64_t id;
    char *name;
    crm_segment_kind kind;
    char *rule; /* compact JSON, rule segments */
    bool live;
    int64_t branch_id; /* 0: head office */
    char *branch_path; /* NULL: head office */
} crmi_segment;

void crmi_segment_clear(crmi_segment *s);

/* Finds a segment the actor sees; CRM_E_NOT_FOUND otherwise. */
int crmi_segment_find(crm_db *db, const char *name, crmi_segment *out);

/* Reads a segment by id (no visibility check: for the live hook). */
int crmi_segment_load(crm_db *db, int64_t id, crmi_segment *out);

/* Recomputes the membership inside the caller's transaction; `out` as
 * crm_segment_refresh (may be NULL). */
int crmi_segment_refresh(crm_db *db, const crmi_segment *s, crm_record **out);

/* "rule", "static", "union", "intersection", "exclusion". */
const char *crmi_segment_kind_name(crm_segment_kind kind);
crm_segment_kind crmi_segment_kind_of(const char *name);

/* Records a membership change of one customer: the member row, the event
 * and the subscribers. */
int crmi_segment_member_set(crm_db *db, const crmi_segment *s, int64_t customer_id, bool member);

/* Calls the subscribers of the handle for one change. */
int crmi_segment_notify(crm_db *db, const char *segment, int64_t customer_id, bool joined);

#endif /* CRMI_SEGMENT_INT_H */
