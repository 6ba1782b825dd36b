/* Articles: adding, importing, reading, publishing, and cases proposed from
 * closed complaints. Only published articles are in the search index. */
#include "complaint/complaint_int.h"
#include "kb/kb_int.h"
#include "rule/rule_int.h"

#include <stdio.h>
#include <string.h>

typedef struct article {
    const char *code, *title, *body, *kind, *tags;
} article;

static int validate(crm_db *db, const article *a, const char *where)
{
    int rc = crmi_validate_code(db, "code", a->code, 64);
    if (!rc)
        rc = crmi_validate_text(db, "title", a->title, 200);
    if (!rc && a->body && crmi_utf8_length(a->body) > 20000)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field body: longer than 20000 characters");
    else if (!rc && (!a->body || !*a->body || !crmi_utf8_valid(a->body, strlen(a->body))))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field body: required UTF-8 text");
    if (!rc && a->tags && *a->tags)
        rc = crmi_validate_text(db, "tags", a->tags, 500);
    if (!rc && strcmp(a->kind, "faq") != 0 && strcmp(a->kind, "policy") != 0 &&
        strcmp(a->kind, "case") != 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "field kind: '%.40s' is not one of faq, policy, case", a->kind);
    return rc && where ? crmi_error_recode(db, rc, where) : rc;
}

static const char SQL_INDEX_DEL[] = "DELETE FROM crm_kb_fts WHERE rowid = ?1";
static const char SQL_INDEX_ADD[] =
    "INSERT INTO crm_kb_fts (rowid, title, body) VALUES (?1, ?2, ?3)";
static const char SQL_ROW[] =
    "SELECT title, tags, body FROM crm_kb_article WHERE id = ?1 AND status = 'published'";

/* (Re)indexes article `id` from its stored text; unpublished ones leave. */
static int index_article(crm_db *db, int64_t id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INDEX_DEL);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int rc = crmi_exec_stmt(db, st, "unindex article");
    if (rc || !(st = crmi_stmt(db, SQL_ROW)))
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return CRM_OK;
    }
    crmi_buf head = {0};
    crmi_buf_printf(&head, "%s %s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
    char *title = head.failed ? NULL : crmi_kb_terms(head.data);
    char *body = crmi_kb_terms((const char *)sqlite3_column_text(st, 2));
    sqlite3_reset(st);
    crmi_buf_free(&head);
    if (!title || !body)
        rc = crmi_error(db, CRM_E_NOMEM, "index article: out of memory");
    else if ((st = crmi_stmt(db, SQL_INDEX_ADD))) {
        sqlite3_bind_int64(st, 1, id);
        crmi_bind_text(st, 2, title);
        crmi_bind_text(st, 3, body);
        rc = crmi_exec_stmt(db, st, "index article");
    } else {
        rc = db->errcode;
    }
    crm_free(title);
    crm_free(body);
    return rc;
}

static const char SQL_UPSERT[] =
    "INSERT INTO crm_kb_article (code, kind, status, title, body, tags, source_complaint_id,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
    " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, status = excluded.status,"
    " title = excluded.title, body = excluded.body, tags = excluded.tags,"
    " updated_at = excluded.updated_at RETURNING id";
static const char SQL_EXISTS[] = "SELECT 1 FROM crm_kb_article WHERE code = ?1";

static int store(crm_db *db, const article *a, const char *status, int64_t source)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_UPSERT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, a->code);
    crmi_bind_text(st, 2, a->kind);
    crmi_bind_text(st, 3, status);
    crmi_bind_text(st, 4, a->title);
    crmi_bind_text(st, 5, a->body);
    crmi_bind_text(st, 6, a->tags ? a->tags : "");
    if (source)
        sqlite3_bind_int64(st, 7, source);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, crm_db_now(db));
    int step = sqlite3_step(st);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "store article");
    return index_article(db, id);
}

static int audit(crm_db *db, const char *action, const char *code, const char *after_json)
{
    crmi_audit_entry e = {
        .action = action, .entity = "kb_article", .entity_id = code, .after = after_json};
    return crmi_audit_append(db, &e);
}

static int audit_article(crm_db *db, const char *action, const article *a)
{
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"title\":");
    crmi_buf_json_string(&after, a->title);
    crmi_buf_puts(&after, ",\"kind\":");
    crmi_buf_json_string(&after, a->kind);
    crmi_buf_putc(&after, '}');
    int rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory")
                          : audit(db, action, a->code, after.data);
    crmi_buf_free(&after);
    return rc;
}

static int read_article(crm_db *db, const crm_record *rec, article *a)
{
    static const char *const known[] = {"code", "title", "body", "kind", "tags"};
    int rc = crmi_record_check_fields(db, rec, known, 5, "article");
    if (!rc)
        rc = crmi_record_text(db, rec, "code", true, &a->code);
    if (!rc)
        rc = crmi_record_text(db, rec, "title", true, &a->title);
    if (!rc)
        rc = crmi_record_text(db, rec, "body", true, &a->body);
    if (!rc)
        rc = crmi_record_text(db, rec, "kind", false, &a->kind);
    if (!rc)
        rc = crmi_record_text(db, rec, "tags", false, &a->tags);
    if (!rc && !a->kind)
        a->kind = "faq";
    return rc ? rc : validate(db, a, NULL);
}

static int add(crm_db *db, const article *a)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_EXISTS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, a->code);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return crmi_error(db, CRM_E_CONFLICT, "article %s already exists", a->code);
    int rc = store(db, a, "published", 0);
    return rc ? rc : audit_article(db, "kb.add", a);
}

CRM_EXTERN(int) crm_kb_add(crm_db *db, const crm_record *rec)
{
    if (!db || !rec)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb add: NULL argument");
    crmi_error_clear(db);
    article a = {0};
    int rc = crmi_access_require(db, CRMI_OP_KB_WRITE);
    if (!rc)
        rc = read_article(db, rec, &a);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, add(db, &a));
}

/* ----------------------------------------------------------------- import */

static const crmi_value *member(const crmi_value *obj, const char *key)
{
    for (uint32_t i = 0; obj->type == CRMI_OBJ && i < obj->u.o->n; i++)
        if (obj->u.o->m[i].klen == strlen(key) && memcmp(obj->u.o->m[i].key, key, strlen(key)) == 0)
            return &obj->u.o->m[i].v;
    return NULL;
}

/* A string member as a NUL-terminated copy in the arena; NULL if absent. */
static int field(crm_db *db, crmi_arena *ar, const crmi_value *obj, const char *key, bool list_ok,
                 const char **out, const char *where)
{
    const crmi_value *v = member(obj, key);
    *out = NULL;
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    crmi_sb sb = {.arena = ar};
    if (v->type == CRMI_ARR && list_ok) {
        for (uint32_t i = 0; i < v->u.a->n; i++) {
            const crmi_value *item = &v->u.a->items[i];
            if (item->type != CRMI_STR)
                return crmi_error(db, CRM_E_INVALID_DATA, "%s: field %s: expected text", where,
                                  key);
            if (i)
                crmi_sb_append(&sb, ",", 1);
            crmi_sb_append(&sb, item->u.s, item->len);
        }
    } else if (v->type == CRMI_STR) {
        crmi_sb_append(&sb, v->u.s, v->len);
    } else {
        return crmi_error(db, CRM_E_INVALID_DATA, "%s: field %s: expected text", where, key);
    }
    crmi_sb_append(&sb, "", 1); /* NUL */
    crmi_value s;
    if (!crmi_sb_finish(&sb, &s))
        return crmi_error(db, CRM_E_NOMEM, "kb import: out of memory");
    *out = s.u.s;
    return CRM_OK;
}

static int import_one(crm_db *db, crmi_arena *ar, const crmi_value *item, uint32_t index)
{
    char where[48];
    snprintf(where, sizeof where, "article %u", index + 1);
    if (item->type != CRMI_OBJ)
        return crmi_error(db, CRM_E_INVALID_DATA, "%s: expected a mapping", where);
    article a = {0};
    int rc = field(db, ar, item, "code", false, &a.code, where);
    if (!rc)
        rc = field(db, ar, item, "title", false, &a.title, where);
    if (!rc)
        rc = field(db, ar, item, "body", false, &a.body, where);
    if (!rc)
        rc = field(db, ar, item, "kind", false, &a.kind, where);
    if (!rc)
        rc = field(db, ar, item, "tags", true, &a.tags, where);
    if (rc)
        return rc;
    if (!a.kind)
        a.kind = "faq";
    if (!a.code || !a.title)
        return crmi_error(db, CRM_E_INVALID_DATA, "%s: field %s: required", where,
                          a.code ? "title" : "code");
    return validate(db, &a, where) ? db->errcode : store(db, &a, "published", 0);
}

static int import_all(crm_db *db, crmi_arena *ar, const crmi_value *list, int64_t *count)
{
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < list->u.a->n; i++)
        rc = import_one(db, ar, &list->u.a->items[i], i);
    if (rc)
        return rc;
    *count = list->u.a->n;
    char after[48];
    snprintf(after, sizeof after, "{\"articles\":%lld}", (long long)*count);
    return audit(db, "kb.import", "", after);
}

CRM_EXTERN(int) crm_kb_import(int64_t *out_count, crm_db *db, const char *text, size_t len)
{
    static const crmi_load_limits limits = {32, 1000000, 1 << 20};
    if (!db || !text)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb import: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KB_WRITE);
    if (rc)
        return rc;
    crmi_arena ar = {0};
    crmi_value doc;
    int64_t count = 0;
    if ((rc = crmi_load(&doc, NULL, &ar, text, len, &limits, "kb import")))
        rc = crmi_error(db, rc, "%s", crm_last_errmsg());
    const crmi_value *list = rc ? NULL : doc.type == CRMI_OBJ ? member(&doc, "articles") : &doc;
    if (!rc && (!list || list->type != CRMI_ARR))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "kb import: expected a list of articles");
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, import_all(db, &ar, list, &count));
    crmi_arena_free(&ar);
    if (!rc && out_count)
        *out_count = count;
    return rc;
}

/* ------------------------------------------------------------------ read */

static const char SQL_GET[] =
    "SELECT a.code, a.kind, a.status, a.title, a.body, a.tags,"
    " (SELECT ticket_no FROM crm_complaint WHERE id = a.source_complaint_id) AS source_ticket,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', a.created_at, 'unixepoch') AS created_at,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', a.updated_at, 'unixepoch') AS updated_at"
    " FROM crm_kb_article a WHERE a.code = ?1";
static const char SQL_LIST[] =
    "SELECT a.code, a.kind, a.status, a.title, a.tags,"
    " (SELECT ticket_no FROM crm_complaint WHERE id = a.source_complaint_id) AS source_ticket,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', a.created_at, 'unixepoch') AS created_at,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', a.updated_at, 'unixepoch') AS updated_at"
    " FROM crm_kb_article a WHERE (?1 IS NULL OR a.kind = ?1) AND (?2 IS NULL OR a.status = ?2)"
    " ORDER BY a.code";

CRM_EXTERN(int) crm_kb_get(crm_record **out, crm_db *db, const char *code)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KB_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, code);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = crmi_record_from_row(out, st);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no article %.64s", code)
                                 : crmi_sqlite_error(db, step, "read article");
    sqlite3_reset(st);
    return rc == CRM_E_NOMEM ? crmi_error(db, rc, "kb: out of memory") : rc;
}

CRM_EXTERN(int) crm_kb_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    static const char *const known[] = {"kind", "status"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb list: NULL argument");
    crmi_error_clear(db);
    const char *kind = NULL, *status = NULL;
    int rc = crmi_access_require(db, CRMI_OP_KB_READ);
    if (!rc && filter)
        rc = crmi_record_check_fields(db, filter, known, 2, "kb list filter");
    if (!rc && filter && !(rc = crmi_record_text(db, filter, "kind", false, &kind)))
        rc = crmi_record_text(db, filter, "status", false, &status);
    if (rc == CRM_E_INVALID_DATA)
        rc = crmi_error_recode(db, CRM_E_INVALID_ARG, NULL);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, kind);
    crmi_bind_text(st, 2, status);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* --------------------------------------------------------------- publish */

static const char SQL_STATUS[] = "SELECT id, status FROM crm_kb_article WHERE code = ?1";
static const char SQL_PUBLISH[] =
    "UPDATE crm_kb_article SET status = 'published', updated_at = ?2 WHERE id = ?1";

static int publish(crm_db *db, const char *code)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STATUS);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = sqlite3_step(st);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    bool proposed =
        step == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 1), "proposed") == 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no article %.64s", code)
                                   : crmi_sqlite_error(db, step, "read article");
    if (!proposed)
        return crmi_error(db, CRM_E_STATE, "article %s is already published", code);
    if (!(st = crmi_stmt(db, SQL_PUBLISH)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "publish article");
    if (!rc)
        rc = index_article(db, id);
    return rc ? rc : audit(db, "kb.publish", code, "{\"status\":\"published\"}");
}

CRM_EXTERN(int) crm_kb_publish(crm_db *db, const char *code)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb publish: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KB_WRITE);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, publish(db, code));
}

/* ------------------------------------------------------------ case proposal */

static const char SQL_CASE[] =
    "SELECT ticket_no, category, subject, resolution FROM crm_complaint WHERE id = ?1";

int crmi_kb_propose_case(crm_db *db, int64_t complaint_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_CASE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, complaint_id);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 3) == SQLITE_NULL) {
        sqlite3_reset(st); /* nothing resolved to learn from */
        return CRM_OK;
    }
    crmi_buf code = {0}, body = {0};
    crmi_buf_printf(&code, "CASE-%s", sqlite3_column_text(st, 0));
    crmi_buf_printf(&body, "问题：%s\n处理结果：%s", sqlite3_column_text(st, 2),
                    sqlite3_column_text(st, 3));
    char *title = crmi_strdup((const char *)sqlite3_column_text(st, 2));
    char *tags = crmi_strdup((const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    int rc;
    if (code.failed || body.failed || !title || !tags) {
        rc = crmi_error(db, CRM_E_NOMEM, "case proposal: out of memory");
    } else {
        article a = {code.data, title, body.data, "case", tags};
        rc = store(db, &a, "proposed", complaint_id);
        if (!rc)
            rc = audit_article(db, "kb.propose", &a);
    }
    crmi_buf_free(&code);
    crmi_buf_free(&body);
    crm_free(title);
    crm_free(tags);
    return rc;
}
