/* Members and diffs, listed within the actor's customer scope: an RM sees
 * the members from their own book only. */
#include "segment/segment_int.h"

static const char SQL_MEMBERS[] =
    "SELECT c.customer_no, c.name, b.code AS branch, u.name AS manager"
    " FROM crm_segment_member sm JOIN crm_customer c ON c.id = sm.customer_id"
    " JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_user u ON u.id = c.manager_id"
    " WHERE sm.segment_id = :seg AND c.status = 'active' AND" CRMI_CUSTOMER_SCOPE
    " ORDER BY c.customer_no";

static const char SQL_DIFF[] =
    "SELECT c.customer_no, c.name, e.change,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', e.at, 'unixepoch') AS at"
    " FROM crm_segment_event e JOIN crm_segment s ON s.id = e.segment_id"
    " JOIN crm_customer c ON c.id = e.customer_id JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE e.segment_id = :seg AND e.id >= s.diff_from AND" CRMI_CUSTOMER_SCOPE " ORDER BY e.id";

static int list_of(crm_iter **out, crm_db *db, const char *name, const char *sql, const char *what)
{
    if (!out || !db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment %s: NULL argument", what);
    crmi_error_clear(db);
    crmi_segment s = {0};
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_READ);
    if (!rc)
        rc = crmi_segment_find(db, name, &s);
    int64_t id = s.id;
    crmi_segment_clear(&s);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, sql);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":seg"), id);
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

CRM_EXTERN(int) crm_segment_members(crm_iter **out, crm_db *db, const char *name)
{
    return list_of(out, db, name, SQL_MEMBERS, "members");
}

CRM_EXTERN(int) crm_segment_diff(crm_iter **out, crm_db *db, const char *name)
{
    return list_of(out, db, name, SQL_DIFF, "diff");
}
