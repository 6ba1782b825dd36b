/* Refresh: the new membership goes into temp.crmi_seg_new (one INSERT ...
 * SELECT for rules, lists and set operations alike), then set differences
 * against the stored members record who left and who joined and apply the
 * change. No customer row passes through C on the compiled path. */
#include "segment/segment_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_STATIC_FILL[] =
    "INSERT INTO temp.crmi_seg_new (customer_id) SELECT c.id FROM crm_segment_static s"
    " JOIN crm_customer c ON c.id = s.customer_id WHERE s.segment_id = :seg "
    "AND" CRMI_SEGMENT_UNIVERSE;

/* Set operations over the operands' stored memberships. */
#define OPERAND_MEMBERS                                                                            \
    " FROM crm_segment_operand o JOIN crm_segment_member m ON m.segment_id = o.operand_id"         \
    " JOIN crm_customer c ON c.id = m.customer_id WHERE o.segment_id = :seg "                      \
    "AND" CRMI_SEGMENT_UNIVERSE
static const char SQL_UNION_FILL[] =
    "INSERT OR IGNORE INTO temp.crmi_seg_new (customer_id) SELECT m.customer_id" OPERAND_MEMBERS;
static const char SQL_INTERSECTION_FILL[] =
    "INSERT INTO temp.crmi_seg_new (customer_id) SELECT m.customer_id" OPERAND_MEMBERS
    " GROUP BY m.customer_id HAVING count(*) ="
    " (SELECT count(*) FROM crm_segment_operand WHERE segment_id = :seg)";
static const char SQL_EXCLUSION_FILL[] =
    "INSERT INTO temp.crmi_seg_new (customer_id) SELECT m.customer_id" OPERAND_MEMBERS
    " AND o.position = 0 AND NOT EXISTS (SELECT 1 FROM crm_segment_operand x"
    " JOIN crm_segment_member xm ON xm.segment_id = x.operand_id"
    " WHERE x.segment_id = :seg AND x.position > 0 AND xm.customer_id = m.customer_id)";
static const char SQL_CLEAR[] = "DELETE FROM temp.crmi_seg_new";

static int fill_by_sql(crm_db *db, const crmi_segment *s, const char *sql)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_CLEAR);
    int rc = st ? crmi_exec_stmt(db, st, "segment refresh") : db->errcode;
    if (rc || !(st = crmi_stmt(db, sql)))
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":seg"), s->id);
    if ((rc = crmi_segment_universe_bind(db, st, s->branch_path))) {
        sqlite3_reset(st);
        return rc;
    }
    return crmi_exec_stmt(db, st, "segment refresh");
}

static int fill_by_rule(crm_db *db, const crmi_segment *s, const char **method)
{
    crm_rule *rule = NULL;
    crmi_rule_method how = CRMI_BY_SQL;
    int rc = crmi_customer_rule_parse(db, s->rule, "segment rule", &rule);
    if (!rc)
        rc = crmi_rule_customers(db, rule, s->branch_path, NULL, &how, "segment refresh");
    crm_rule_free(rule);
    *method = how == CRMI_BY_SQL ? "sql" : "interpreter";
    return rc;
}

static int fill(crm_db *db, const crmi_segment *s, const char **method)
{
    int rc = crmi_seg_new_ready(db);
    if (rc)
        return rc;
    *method = s->kind == CRM_SEGMENT_STATIC ? "list" : "set";
    switch (s->kind) {
    case CRM_SEGMENT_RULE: return fill_by_rule(db, s, method);
    case CRM_SEGMENT_STATIC: return fill_by_sql(db, s, SQL_STATIC_FILL);
    case CRM_SEGMENT_UNION: return fill_by_sql(db, s, SQL_UNION_FILL);
    case CRM_SEGMENT_INTERSECTION: return fill_by_sql(db, s, SQL_INTERSECTION_FILL);
    case CRM_SEGMENT_EXCLUSION: return fill_by_sql(db, s, SQL_EXCLUSION_FILL);
    }
    return crmi_error(db, CRM_E_CORRUPT, "segment %s: unknown kind", s->name);
}

/* ----------------------------------------------------------------- diff */

static const char SQL_NEXT_EVENT[] = "SELECT coalesce(max(id), 0) + 1 FROM crm_segment_event";
static const char SQL_LEFT_EVENTS[] =
    "INSERT INTO crm_segment_event (segment_id, customer_id, change, at)"
    " SELECT ?1, customer_id, 'left', ?2 FROM crm_segment_member WHERE segment_id = ?1"
    " AND customer_id NOT IN (SELECT customer_id FROM temp.crmi_seg_new)";
static const char SQL_LEFT_DELETE[] =
    "DELETE FROM crm_segment_member WHERE segment_id = ?1"
    " AND customer_id NOT IN (SELECT customer_id FROM temp.crmi_seg_new)";
static const char SQL_JOINED_EVENTS[] =
    "INSERT INTO crm_segment_event (segment_id, customer_id, change, at)"
    " SELECT ?1, n.customer_id, 'joined', ?2 FROM temp.crmi_seg_new n WHERE NOT EXISTS"
    " (SELECT 1 FROM crm_segment_member m WHERE m.segment_id = ?1"
    " AND m.customer_id = n.customer_id)";
static const char SQL_JOINED_INSERT[] =
    "INSERT OR IGNORE INTO crm_segment_member (segment_id, customer_id)"
    " SELECT ?1, customer_id FROM temp.crmi_seg_new";
/* The diff shows this refresh onwards: older events go. */
static const char SQL_OLD_EVENTS[] =
    "DELETE FROM crm_segment_event WHERE segment_id = ?1 AND id < ?2";
static const char SQL_MARK[] =
    "UPDATE crm_segment SET member_count = (SELECT count(*) FROM temp.crmi_seg_new),"
    " refreshed_at = ?3, diff_from = ?2 WHERE id = ?1";

typedef struct diff_counts {
    int64_t joined, left;
} diff_counts;

/* Runs one step of the diff with ?1 segment, ?2 time or first event id,
 * ?3 time; returns the rows it changed in *changes when asked. */
static int diff_step(crm_db *db, const char *sql, int64_t seg, int64_t a, int64_t b,
                     int64_t *changes)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, seg);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, a);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, b);
    int rc = crmi_exec_stmt(db, st, "segment refresh");
    if (!rc && changes)
        *changes = sqlite3_changes64(db->sql);
    return rc;
}

static int apply_diff(crm_db *db, int64_t seg, int64_t now, diff_counts *n)
{
    int64_t first;
    int rc = crmi_query_int64(db, SQL_NEXT_EVENT, &first);
    if (!rc)
        rc = diff_step(db, SQL_LEFT_EVENTS, seg, now, 0, &n->left);
    if (!rc)
        rc = diff_step(db, SQL_LEFT_DELETE, seg, 0, 0, NULL);
    if (!rc)
        rc = diff_step(db, SQL_JOINED_EVENTS, seg, now, 0, &n->joined);
    if (!rc)
        rc = diff_step(db, SQL_JOINED_INSERT, seg, 0, 0, NULL);
    if (!rc)
        rc = diff_step(db, SQL_OLD_EVENTS, seg, first, 0, NULL);
    if (!rc)
        rc = diff_step(db, SQL_MARK, seg, first, now, NULL);
    return rc;
}

static const char SQL_COUNT[] = "SELECT member_count FROM crm_segment WHERE id = ?1";

static int summary(crm_db *db, int64_t seg, const diff_counts *n, int64_t now, const char *method,
                   crm_record **out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_COUNT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, seg);
    int64_t members = crmi_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    char when[32];
    crm_time_format(when, sizeof when, now);
    crm_record *r;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_int(r, "members", members);
    if (!rc)
        rc = crmi_record_put_int(r, "joined", n->joined);
    if (!rc)
        rc = crmi_record_put_int(r, "left", n->left);
    if (!rc)
        rc = crmi_record_put_text(r, "refreshed_at", when);
    if (!rc)
        rc = crmi_record_put_text(r, "method", method);
    if (rc) {
        crm_record_free(r);
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    *out = r;
    return CRM_OK;
}

int crmi_segment_refresh(crm_db *db, const crmi_segment *s, crm_record **out)
{
    const char *method = "sql";
    diff_counts n = {0};
    int64_t now = crm_db_now(db);
    int rc = fill(db, s, &method);
    if (!rc)
        rc = apply_diff(db, s->id, now, &n);
    if (!rc && out)
        rc = summary(db, s->id, &n, now, method, out);
    return rc;
}

static int refresh_audited(crm_db *db, const crmi_segment *s, crm_record **out)
{
    crm_record *r = NULL;
    int rc = crmi_segment_refresh(db, s, &r);
    int64_t members = 0, joined = 0, left = 0;
    if (!rc) {
        crm_record_get_int(&members, r, "members");
        crm_record_get_int(&joined, r, "joined");
        crm_record_get_int(&left, r, "left");
        char after[128];
        snprintf(after, sizeof after, "{\"members\":%lld,\"joined\":%lld,\"left\":%lld}",
                 (long long)members, (long long)joined, (long long)left);
        crmi_audit_entry e = {
            .action = "segment.refresh", .entity = "segment", .entity_id = s->name, .after = after};
        rc = crmi_audit_append(db, &e);
    }
    if (!rc && out)
        *out = r;
    else
        crm_record_free(r);
    return rc;
}

CRM_EXTERN(int) crm_segment_refresh(crm_record **out, crm_db *db, const char *name)
{
    if (!db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment refresh: NULL argument");
    crmi_error_clear(db);
    crmi_segment s = {0};
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_WRITE);
    if (!rc)
        rc = crmi_segment_find(db, name, &s);
    crm_record *r = NULL;
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, refresh_audited(db, &s, out ? &r : NULL));
    crmi_segment_clear(&s);
    if (!rc && out)
        *out = r;
    else
        crm_record_free(r);
    return rc;
}
