/* Rule tags: the rule selects customers into temp.crmi_seg_new (compiled
 * SQL, or the interpreter when it cannot compile), then set differences
 * add the missing rule applications and take away the stale ones. */
#include "tag/tag_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_CHANGED_CREATE[] =
    "CREATE TEMP TABLE IF NOT EXISTS crmi_tag_changed (customer_id INTEGER PRIMARY KEY)";
static const char SQL_CHANGED_CLEAR[] = "DELETE FROM temp.crmi_tag_changed";
/* Customers who gain or lose the rule application. */
static const char SQL_CHANGED_FILL[] =
    "INSERT INTO temp.crmi_tag_changed (customer_id)"
    " SELECT customer_id FROM (SELECT customer_id FROM temp.crmi_seg_new EXCEPT"
    " SELECT customer_id FROM crm_customer_tag WHERE tag_id = ?1 AND source = 'rule')"
    " UNION SELECT customer_id FROM (SELECT customer_id FROM crm_customer_tag"
    " WHERE tag_id = ?1 AND source = 'rule' EXCEPT SELECT customer_id FROM temp.crmi_seg_new)";
static const char SQL_CHANGED_LIST[] = "SELECT customer_id FROM temp.crmi_tag_changed";
static const char SQL_NEW_CLEAR[] = "DELETE FROM temp.crmi_seg_new";
static const char SQL_REMOVE_STALE[] =
    "DELETE FROM crm_customer_tag WHERE tag_id = ?1 AND source = 'rule'"
    " AND customer_id NOT IN (SELECT customer_id FROM temp.crmi_seg_new)";
static const char SQL_ADD_NEW[] =
    "INSERT OR IGNORE INTO crm_customer_tag (customer_id, tag_id, source, valid_from, valid_to,"
    " applied_by, applied_at) SELECT customer_id, ?1, 'rule', ?2, NULL, ?3, ?2"
    " FROM temp.crmi_seg_new";
static const char SQL_MARK[] = "UPDATE crm_tag SET refreshed_at = ?2 WHERE id = ?1";

static int run(crm_db *db, const char *sql, int64_t tag_id, int64_t *changes)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, tag_id);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, crm_db_now(db));
    if (sqlite3_bind_parameter_count(st) >= 3)
        crmi_bind_text(st, 3, crmi_actor_name(db));
    int rc = crmi_exec_stmt(db, st, "refresh rule tag");
    if (!rc && changes)
        *changes = sqlite3_changes64(db->sql);
    return rc;
}

/* The new set of customers: the rule's, or none. */
static int select_customers(crm_db *db, const char *rule_text)
{
    if (!rule_text)
        return run(db, SQL_NEW_CLEAR, 0, NULL);
    crm_rule *rule = NULL;
    int rc = crmi_customer_rule_parse(db, rule_text, "tag rule", &rule);
    if (!rc)
        rc = crmi_rule_customers(db, rule, NULL, NULL, NULL, "tag refresh");
    crm_rule_free(rule);
    return rc;
}

/* Live segments see the new tags: each changed customer is re-evaluated. */
static int notify_live(crm_db *db)
{
    sqlite3_stmt *st = crmi_prepare(db, SQL_CHANGED_LIST);
    if (!st)
        return db->errcode;
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW)
        rc = crmi_segment_customer_changed(db, sqlite3_column_int64(st, 0));
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "refresh rule tag");
    sqlite3_finalize(st);
    return rc;
}

static int audit_refresh(crm_db *db, const char *name, int64_t added, int64_t removed)
{
    char after[96];
    snprintf(after, sizeof after, "{\"added\":%lld,\"removed\":%lld}", (long long)added,
             (long long)removed);
    crmi_audit_entry e = {
        .action = "tag.refresh", .entity = "tag", .entity_id = name, .after = after};
    return crmi_audit_append(db, &e);
}

int crmi_tag_rule_apply(crm_db *db, int64_t tag_id, const char *name, const char *rule,
                        int64_t *changed)
{
    bool live = false;
    int64_t added = 0, removed = 0;
    int rc = crmi_seg_new_ready(db);
    if (!rc)
        rc = select_customers(db, rule);
    if (!rc)
        rc = crmi_segment_any_live(db, &live);
    if (!rc && live && !(rc = crmi_exec(db, SQL_CHANGED_CREATE, "refresh rule tag")) &&
        !(rc = run(db, SQL_CHANGED_CLEAR, 0, NULL)))
        rc = run(db, SQL_CHANGED_FILL, tag_id, NULL);
    if (!rc)
        rc = run(db, SQL_REMOVE_STALE, tag_id, &removed);
    if (!rc)
        rc = run(db, SQL_ADD_NEW, tag_id, &added);
    if (!rc && rule)
        rc = run(db, SQL_MARK, tag_id, NULL);
    if (!rc && live)
        rc = notify_live(db);
    if (!rc)
        rc = audit_refresh(db, name, added, removed);
    *changed = added + removed;
    return rc;
}

/* ------------------------------------------------------------ the call */

static const char SQL_RULE_TAGS[] =
    "SELECT id, name, rule FROM crm_tag WHERE rule IS NOT NULL AND (?1 IS NULL OR name = ?1)"
    " ORDER BY id";

typedef struct rule_tag {
    int64_t id;
    char *name, *rule;
} rule_tag;

static void rule_tags_free(rule_tag *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crm_free(tags[i].name);
        crm_free(tags[i].rule);
    }
    crm_free(tags);
}

/* The tags to refresh, read in full before refreshing any. */
static int rule_tags(crm_db *db, const char *only, rule_tag **out, size_t *n)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_RULE_TAGS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, only);
    size_t cap = 0;
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            rule_tag *grown = crmi_realloc(*out, cap * sizeof **out);
            if (!grown) {
                rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
                break;
            }
            *out = grown;
        }
        rule_tag *t = &(*out)[(*n)++];
        t->id = sqlite3_column_int64(st, 0);
        t->name = crmi_strdup((const char *)sqlite3_column_text(st, 1));
        t->rule = crmi_strdup((const char *)sqlite3_column_text(st, 2));
        if (!t->name || !t->rule)
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "rule tags");
    sqlite3_reset(st);
    return rc;
}

static int refresh_all(crm_db *db, const rule_tag *tags, size_t n, int64_t *changed)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t one = 0;
        rc = crmi_tag_rule_apply(db, tags[i].id, tags[i].name, tags[i].rule, &one);
        *changed += one;
    }
    return rc;
}

CRM_EXTERN(int) crm_tag_refresh(int64_t *out_changed, crm_db *db, const char *tag)
{
    if (!db)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag refresh: NULL handle");
    crmi_error_clear(db);
    rule_tag *tags = NULL;
    size_t n = 0;
    int64_t changed = 0, id;
    char kind[16];
    int rc = crmi_access_require(db, CRMI_OP_TAG_ADMIN);
    if (!rc && tag)
        rc = crmi_tag_find(db, "tag", tag, &id, kind, NULL);
    if (!rc)
        rc = rule_tags(db, tag, &tags, &n);
    if (!rc && tag && n == 0)
        rc = crmi_error(db, CRM_E_STATE, "tag %s: has no rule to refresh by", tag);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, refresh_all(db, tags, n, &changed));
    rule_tags_free(tags, n);
    if (!rc && out_changed)
        *out_changed = changed;
    return rc;
}
