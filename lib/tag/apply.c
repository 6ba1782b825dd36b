/* Customers' tags: applied by staff or models with a validity period,
 * listed per customer, counted per tag. Each change is audited against the
 * customer and re-evaluates their live segments. */
#include "tag/tag_int.h"

#include <string.h>

/* A tag row (kind 'tag'), by name. */
static int find_tag(crm_db *db, const char *name, int64_t *id)
{
    char kind[16];
    int rc = crmi_tag_find(db, "tag", name, id, kind, NULL);
    if (!rc && strcmp(kind, "tag") != 0)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "field tag: %s is a %s, not a tag", name, kind);
    return rc;
}

static int check_source(crm_db *db, crm_tag_source source)
{
    if (source == CRM_TAG_MANUAL || source == CRM_TAG_MODEL)
        return CRM_OK;
    if (source == CRM_TAG_RULE)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "field source: rule tags follow their rule (crm_tag_refresh)");
    return crmi_error(db, CRM_E_INVALID_ARG, "field source: %d is not manual or model", source);
}

static int read_time(crm_db *db, const char *field, const char *text, int64_t fallback,
                     int64_t *out)
{
    if (!text) {
        *out = fallback;
        return CRM_OK;
    }
    if (crm_time_parse(out, text) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "field %s: '%.40s' is not an ISO-8601 time or date", field, text);
    return CRM_OK;
}

static int audit_tag(crm_db *db, const char *action, const char *customer_no, const char *tag,
                     crm_tag_source source, const char *from, const char *to)
{
    crmi_buf b = {0};
    crmi_buf_puts(&b, "{\"tag\":");
    crmi_buf_json_string(&b, tag);
    crmi_buf_printf(&b, ",\"source\":\"%s\"", crm_tag_source_name(source));
    if (from)
        crmi_buf_printf(&b, ",\"valid_from\":\"%s\"", from);
    if (to)
        crmi_buf_printf(&b, ",\"valid_to\":\"%s\"", to);
    crmi_buf_putc(&b, '}');
    if (b.failed)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    crmi_audit_entry e = {
        .action = action, .entity = "customer", .entity_id = customer_no, .after = b.data};
    int rc = crmi_audit_append(db, &e);
    crmi_buf_free(&b);
    return rc;
}

/* --------------------------------------------------------------- apply */

typedef struct application {
    int64_t customer_id, tag_id, from, to; /* to: 0 when open-ended */
    crm_tag_source source;
} application;

static const char SQL_APPLY[] =
    "INSERT INTO crm_customer_tag (customer_id, tag_id, source, valid_from, valid_to,"
    " applied_by, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (customer_id, tag_id, source) DO UPDATE SET valid_from = excluded.valid_from,"
    " valid_to = excluded.valid_to, applied_by = excluded.applied_by,"
    " applied_at = excluded.applied_at";

static int write_application(crm_db *db, const application *a)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_APPLY);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, a->customer_id);
    sqlite3_bind_int64(st, 2, a->tag_id);
    crmi_bind_text(st, 3, crm_tag_source_name(a->source));
    sqlite3_bind_int64(st, 4, a->from);
    if (a->to)
        sqlite3_bind_int64(st, 5, a->to);
    crmi_bind_text(st, 6, crmi_actor_name(db));
    sqlite3_bind_int64(st, 7, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "apply tag");
    return rc ? rc : crmi_segment_customer_changed(db, a->customer_id);
}

CRM_EXTERN(int)
crm_tag_apply(crm_db *db, const char *customer_no, const char *tag, crm_tag_source source,
              const char *valid_from, const char *valid_to)
{
    if (!db || !customer_no || !tag)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag apply: NULL argument");
    crmi_error_clear(db);
    application a = {.source = source};
    int rc = crmi_access_require(db, CRMI_OP_TAG_WRITE);
    if (!rc)
        rc = check_source(db, source);
    if (!rc)
        rc = read_time(db, "valid_from", valid_from, crm_db_now(db), &a.from);
    if (!rc)
        rc = read_time(db, "valid_to", valid_to, 0, &a.to);
    if (!rc && valid_to && a.to <= a.from)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field valid_to: not after valid_from");
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &a.customer_id, NULL);
    if (!rc)
        rc = find_tag(db, tag, &a.tag_id);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = write_application(db, &a);
    if (!rc)
        rc = audit_tag(db, "tag.apply", customer_no, tag, source, valid_from, valid_to);
    return crmi_txn_end(db, rc);
}

/* --------------------------------------------------------------- remove */

static const char SQL_REMOVE[] =
    "DELETE FROM crm_customer_tag WHERE customer_id = ?1 AND tag_id = ?2 AND source = ?3";

static int remove_application(crm_db *db, const application *a, const char *customer_no,
                              const char *tag)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_REMOVE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, a->customer_id);
    sqlite3_bind_int64(st, 2, a->tag_id);
    crmi_bind_text(st, 3, crm_tag_source_name(a->source));
    int rc = crmi_exec_stmt(db, st, "remove tag");
    if (!rc && sqlite3_changes(db->sql) == 0)
        return crmi_error(db, CRM_E_NOT_FOUND, "customer %s has no %s tag %s", customer_no,
                          crm_tag_source_name(a->source), tag);
    if (!rc)
        rc = crmi_segment_customer_changed(db, a->customer_id);
    return rc ? rc : audit_tag(db, "tag.remove", customer_no, tag, a->source, NULL, NULL);
}

CRM_EXTERN(int)
crm_tag_remove(crm_db *db, const char *customer_no, const char *tag, crm_tag_source source)
{
    if (!db || !customer_no || !tag)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag remove: NULL argument");
    crmi_error_clear(db);
    application a = {.source = source};
    int rc = crmi_access_require(db, CRMI_OP_TAG_WRITE);
    if (!rc)
        rc = check_source(db, source);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &a.customer_id, NULL);
    if (!rc)
        rc = find_tag(db, tag, &a.tag_id);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, remove_application(db, &a, customer_no, tag));
}

/* -------------------------------------------------------------- reading */

/* The top-level category of tag t: its parent, or its grandparent when
 * the parent is a subcategory. */
#define CATEGORY " CASE WHEN p.kind = 'category' THEN p.name ELSE gp.name END AS category"
#define TAG_TREE " JOIN crm_tag p ON p.id = t.parent_id LEFT JOIN crm_tag gp ON gp.id = p.parent_id"
#define VALID_NOW " ct.valid_from <= :now AND (ct.valid_to IS NULL OR ct.valid_to > :now)"
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

static const char SQL_CUSTOMER_TAGS[] =
    "SELECT t.name AS tag," CATEGORY ", ct.source, " ISO("ct.valid_from") " AS valid_from, " ISO(
        "ct.valid_to") " AS valid_to, (" VALID_NOW ") AS valid, ct.applied_by"
                       " FROM crm_customer_tag ct JOIN crm_tag t ON t.id = ct.tag_id" TAG_TREE
                       " WHERE ct.customer_id = :cid ORDER BY t.name, ct.source";

CRM_EXTERN(int) crm_tag_customer_list(crm_iter **out, crm_db *db, const char *customer_no)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag customer list: NULL argument");
    crmi_error_clear(db);
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_CUSTOMER_TAGS);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cid"), id);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), crm_db_now(db));
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

static const char SQL_STATS[] =
    "SELECT t.name AS tag," CATEGORY ", count(DISTINCT c.id) AS customers,"
    " count(CASE WHEN ct.source = 'manual' AND c.id IS NOT NULL THEN 1 END) AS manual,"
    " count(CASE WHEN ct.source = 'rule' AND c.id IS NOT NULL THEN 1 END) AS rule,"
    " count(CASE WHEN ct.source = 'model' AND c.id IS NOT NULL THEN 1 END) AS model"
    " FROM crm_tag t" TAG_TREE " LEFT JOIN crm_customer_tag ct ON ct.tag_id = t.id AND" VALID_NOW
    " LEFT JOIN (crm_customer c JOIN crm_branch b ON b.id = c.branch_id)"
    " ON c.id = ct.customer_id AND c.status = 'active' AND (" CRMI_CUSTOMER_SCOPE ")"
    " WHERE t.kind = 'tag' GROUP BY t.id ORDER BY category, t.name";

CRM_EXTERN(int) crm_tag_stats(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag stats: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_STATS);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), crm_db_now(db));
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
