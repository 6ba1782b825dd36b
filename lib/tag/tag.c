/* The tag taxonomy: categories, subcategories and tags in one table, and
 * the rules of rule-driven tags. */
#include "tag/tag_int.h"

#include <stdio.h>
#include <string.h>

CRM_EXTERN(const char *) crm_tag_source_name(crm_tag_source source)
{
    switch (source) {
    case CRM_TAG_MANUAL: return "manual";
    case CRM_TAG_RULE: return "rule";
    case CRM_TAG_MODEL: return "model";
    default: return "unknown";
    }
}

static const char SQL_FIND[] = "SELECT id, kind, rule IS NOT NULL FROM crm_tag WHERE name = ?1";

int crmi_tag_find(crm_db *db, const char *field, const char *name, int64_t *id, char kind[16],
                  bool *has_rule)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_FIND);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        snprintf(kind, 16, "%s", (const char *)sqlite3_column_text(st, 1));
        if (has_rule)
            *has_rule = sqlite3_column_int(st, 2) != 0;
    } else {
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "field %s: no tag %.50s", field, name)
                 : crmi_sqlite_error(db, step, "read tag");
    }
    sqlite3_reset(st);
    return rc;
}

/* ------------------------------------------------------------- taxonomy */

static const char SQL_INSERT[] =
    "INSERT INTO crm_tag (name, kind, parent_id, description, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

static int audit_node(crm_db *db, const char *kind, const char *name, const char *parent)
{
    crmi_buf b = {0};
    crmi_buf_printf(&b, "{\"kind\":\"%s\",\"parent\":", kind);
    if (parent)
        crmi_buf_json_string(&b, parent);
    else
        crmi_buf_puts(&b, "null");
    crmi_buf_putc(&b, '}');
    if (b.failed)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    crmi_audit_entry e = {.action = "tag.add", .entity = "tag", .entity_id = name, .after = b.data};
    int rc = crmi_audit_append(db, &e);
    crmi_buf_free(&b);
    return rc;
}

/* Which parents each kind takes. */
static bool parent_fits(const char *kind, const char *parent_kind)
{
    if (strcmp(kind, "category") == 0)
        return parent_kind == NULL;
    if (strcmp(kind, "subcategory") == 0)
        return parent_kind && strcmp(parent_kind, "category") == 0;
    return parent_kind && strcmp(parent_kind, "tag") != 0;
}

static int insert_node(crm_db *db, const char *kind, const char *name, const char *parent,
                       const char *description)
{
    int64_t parent_id = 0, existing;
    char parent_kind[16], existing_kind[16];
    int rc = parent ? crmi_tag_find(db, "parent", parent, &parent_id, parent_kind, NULL) : CRM_OK;
    if (!rc && !parent_fits(kind, parent ? parent_kind : NULL))
        return crmi_error(db, CRM_E_INVALID_DATA, "field parent: a %s goes under %s", kind,
                          strcmp(kind, "tag") == 0 ? "a category or subcategory" : "a category");
    if (!rc && crmi_tag_find(db, "name", name, &existing, existing_kind, NULL) == CRM_OK)
        return crmi_error(db, CRM_E_CONFLICT, "field name: %s already names a %s", name,
                          existing_kind);
    if (!rc)
        crmi_error_clear(db); /* the lookup's "no tag" */
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_INSERT);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, name);
    crmi_bind_text(st, 2, kind);
    if (parent_id)
        sqlite3_bind_int64(st, 3, parent_id);
    crmi_bind_text(st, 4, description);
    sqlite3_bind_int64(st, 5, crm_db_now(db));
    rc = crmi_exec_stmt(db, st, "insert tag");
    return rc ? rc : audit_node(db, kind, name, parent);
}

static int add_node(crm_db *db, const char *kind, const char *name, const char *parent,
                    const char *description)
{
    if (!db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag add: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_TAG_ADMIN);
    if (!rc)
        rc = crmi_validate_text(db, "name", name, CRMI_TAG_NAME_MAX_CHARS);
    if (!rc && description)
        rc = crmi_validate_text(db, "description", description, 500);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, insert_node(db, kind, name, parent, description));
}

CRM_EXTERN(int)
crm_tag_category_add(crm_db *db, const char *name, const char *parent, const char *description)
{
    return add_node(db, parent ? "subcategory" : "category", name, parent, description);
}

CRM_EXTERN(int)
crm_tag_add(crm_db *db, const char *name, const char *parent, const char *description)
{
    if (!parent)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag add: a tag needs a parent category");
    return add_node(db, "tag", name, parent, description);
}

/* Depth-first by path: the taxonomy has three levels at most. */
static const char SQL_LIST[] =
    "WITH RECURSIVE tree (id, name, kind, parent, path, description, rule, refreshed_at) AS ("
    " SELECT id, name, kind, NULL, name, description, rule, refreshed_at FROM crm_tag"
    " WHERE parent_id IS NULL UNION ALL"
    " SELECT t.id, t.name, t.kind, tree.name, tree.path || '/' || t.name, t.description, t.rule,"
    " t.refreshed_at FROM crm_tag t JOIN tree ON t.parent_id = tree.id)"
    " SELECT name, kind, parent, path, description, rule,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', refreshed_at, 'unixepoch') AS refreshed_at"
    " FROM tree ORDER BY path";

CRM_EXTERN(int) crm_tag_list(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- rules */

static const char SQL_SET_RULE[] = "UPDATE crm_tag SET rule = ?2 WHERE id = ?1";

static int set_rule(crm_db *db, int64_t id, const char *name, const char *rule)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET_RULE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    crmi_bind_text(st, 2, rule);
    int rc = crmi_exec_stmt(db, st, "set tag rule");
    int64_t changed;
    if (!rc && !rule)
        rc = crmi_tag_rule_apply(db, id, name, NULL, &changed);
    crmi_buf b = {0};
    crmi_buf_puts(&b, "{\"rule\":");
    crmi_buf_puts(&b, rule ? rule : "null");
    crmi_buf_putc(&b, '}');
    crmi_audit_entry e = {
        .action = "tag.rule", .entity = "tag", .entity_id = name, .after = b.data};
    if (!rc)
        rc = b.failed ? crmi_error(db, CRM_E_NOMEM, "out of memory") : crmi_audit_append(db, &e);
    crmi_buf_free(&b);
    return rc;
}

CRM_EXTERN(int) crm_tag_set_rule(crm_db *db, const char *tag, const char *rule_text)
{
    if (!db || !tag)
        return crmi_error(db, CRM_E_INVALID_ARG, "tag set rule: NULL argument");
    crmi_error_clear(db);
    int64_t id;
    char kind[16];
    char *json = NULL;
    crm_rule *rule = NULL;
    int rc = crmi_access_require(db, CRMI_OP_TAG_ADMIN);
    if (!rc)
        rc = crmi_tag_find(db, "tag", tag, &id, kind, NULL);
    if (!rc && strcmp(kind, "tag") != 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field tag: %s is a %s, not a tag", tag, kind);
    if (!rc && rule_text && !(rc = crmi_customer_rule_parse(db, rule_text, "field rule", &rule)))
        if ((rc = crm_rule_format(&json, rule, CRM_RULE_FORMAT_COMPACT)))
            rc = crmi_error(db, rc, "out of memory");
    crm_rule_free(rule);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, set_rule(db, id, tag, json));
    crm_free(json);
    return rc;
}
