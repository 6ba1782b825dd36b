/* Segments: create, change, delete, read and list; branch zones decide who
 * sees which. Membership is computed by lib/segment/refresh.c. */
#include "segment/segment_int.h"

#include <string.h>

#define NAME_MAX_CHARS 100

static const char *const kind_names[] = {
    [CRM_SEGMENT_RULE] = "rule",           [CRM_SEGMENT_STATIC] = "static",
    [CRM_SEGMENT_UNION] = "union",         [CRM_SEGMENT_INTERSECTION] = "intersection",
    [CRM_SEGMENT_EXCLUSION] = "exclusion",
};

const char *crmi_segment_kind_name(crm_segment_kind kind)
{
    return kind >= CRM_SEGMENT_RULE && kind <= CRM_SEGMENT_EXCLUSION ? kind_names[kind] : "unknown";
}

crm_segment_kind crmi_segment_kind_of(const char *name)
{
    for (int k = CRM_SEGMENT_RULE; k <= CRM_SEGMENT_EXCLUSION; k++)
        if (strcmp(kind_names[k], name) == 0)
            return (crm_segment_kind)k;
    return 0;
}

void crmi_segment_clear(crmi_segment *s)
{
    crm_free(s->name);
    crm_free(s->rule);
    crm_free(s->branch_path);
    memset(s, 0, sizeof *s);
}

/* --------------------------------------------------------------- reading */

/* Which segments the actor sees: head office's, and those of branches in
 * the actor's view (admins and auditors: all). Alias s, its branch sb. */
#define VISIBLE                                                                                    \
    " (s.branch_id IS NULL OR :seg_all OR substr(sb.path, 1, length(:seg_view)) = :seg_view)"

static void bind_visible(const crm_db *db, sqlite3_stmt *st)
{
    const struct crmi_actor *a = db->actor;
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":seg_all"),
                     (a->roles & (CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR)) != 0);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":seg_view"), a->branch_path);
}

#define SEGMENT_ROW                                                                                \
    "SELECT s.id, s.name, s.kind, s.rule, s.live, s.branch_id, sb.path FROM crm_segment s"         \
    " LEFT JOIN crm_branch sb ON sb.id = s.branch_id"

static const char SQL_FIND[] = SEGMENT_ROW " WHERE s.name = :name AND" VISIBLE;
static const char SQL_LOAD[] = SEGMENT_ROW " WHERE s.id = :id";

static int read_segment(crm_db *db, sqlite3_stmt *st, crmi_segment *out, const char *what)
{
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        out->name = crmi_strdup((const char *)sqlite3_column_text(st, 1));
        out->kind = crmi_segment_kind_of((const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            out->rule = crmi_strdup((const char *)sqlite3_column_text(st, 3));
        out->live = sqlite3_column_int(st, 4) != 0;
        out->branch_id = sqlite3_column_int64(st, 5);
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            out->branch_path = crmi_strdup((const char *)sqlite3_column_text(st, 6));
        if (!out->name || (sqlite3_column_type(st, 3) != SQLITE_NULL && !out->rule) ||
            (sqlite3_column_type(st, 6) != SQLITE_NULL && !out->branch_path)) {
            crmi_segment_clear(out);
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
        }
    } else {
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "segment %.100s: not found", what)
                 : crmi_sqlite_error(db, step, "read segment");
    }
    sqlite3_reset(st);
    return rc;
}

int crmi_segment_find(crm_db *db, const char *name, crmi_segment *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_FIND);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":name"), name);
    bind_visible(db, st);
    return read_segment(db, st, out, name);
}

int crmi_segment_load(crm_db *db, int64_t id, crmi_segment *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_LOAD);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    return read_segment(db, st, out, "(by id)");
}

/* Everything crm_segment_get shows, for one segment or all visible. */
#define SEGMENT_RECORD                                                                             \
    "SELECT s.name, s.kind, s.rule, (SELECT group_concat(o.name, ',') FROM (SELECT os.name"        \
    " FROM crm_segment_operand so JOIN crm_segment os ON os.id = so.operand_id"                    \
    " WHERE so.segment_id = s.id ORDER BY so.position) o) AS operands, s.live, sb.code AS branch," \
    " s.description, s.member_count AS members,"                                                   \
    " strftime('%Y-%m-%dT%H:%M:%SZ', s.refreshed_at, 'unixepoch') AS refreshed_at,"                \
    " s.created_by, strftime('%Y-%m-%dT%H:%M:%SZ', s.created_at, 'unixepoch') AS created_at,"      \
    " strftime('%Y-%m-%dT%H:%M:%SZ', s.updated_at, 'unixepoch') AS updated_at"                     \
    " FROM crm_segment s LEFT JOIN crm_branch sb ON sb.id = s.branch_id WHERE" VISIBLE

static const char SQL_GET[] = SEGMENT_RECORD " AND s.name = :name";
static const char SQL_LIST[] = SEGMENT_RECORD " ORDER BY s.name";

CRM_EXTERN(int) crm_segment_get(crm_record **out, crm_db *db, const char *name)
{
    if (!out || !db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":name"), name);
    bind_visible(db, st);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        rc = crmi_record_from_row(out, st);
    else
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "segment %.100s: not found", name)
                 : crmi_sqlite_error(db, step, "read segment");
    sqlite3_reset(st);
    return rc;
}

CRM_EXTERN(int) crm_segment_list(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    bind_visible(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* --------------------------------------------------------------- options */

typedef struct seg_options {
    int live;                /* -1: not given */
    const char *description; /* borrowed */
    bool has_description;
    int64_t branch_id; /* 0: head office */
    const char *branch_path;
    char *branch_path_owned;
} seg_options;

static const char SQL_BRANCH[] =
    "SELECT id, path, parent_id IS NULL FROM crm_branch WHERE code = ?1";

/* The branch of a new segment: given, or the actor's own; head office (the
 * root) is stored as NULL, shared with every branch. */
static int resolve_branch(crm_db *db, const char *code, seg_options *o)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH);
    if (!st)
        return db->errcode;
    const char *wanted = code ? code : db->actor->branch;
    crmi_bind_text(st, 1, wanted);
    int step = crmi_step(st), rc = CRM_OK;
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "field branch: no branch %.40s", wanted)
                 : crmi_sqlite_error(db, step, "read branch");
    } else if (!crmi_access_branch_visible(db, (const char *)sqlite3_column_text(st, 1))) {
        rc = crmi_error(db, CRM_E_PERMISSION, "field branch: %.40s is outside your branch", wanted);
    } else if (!sqlite3_column_int(st, 2)) {
        o->branch_id = sqlite3_column_int64(st, 0);
        o->branch_path = o->branch_path_owned =
            crmi_strdup((const char *)sqlite3_column_text(st, 1));
        if (!o->branch_path)
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    sqlite3_reset(st);
    return rc;
}

static int read_live(crm_db *db, const crm_record *rec, seg_options *o)
{
    int64_t live;
    if (crm_record_type(rec, "live") == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_type(rec, "live") != CRM_TYPE_INT ||
        crm_record_get_int(&live, rec, "live") != CRM_OK || (live != 0 && live != 1))
        return crmi_error(db, CRM_E_INVALID_DATA, "field live: expected 0 or 1");
    o->live = (int)live;
    return CRM_OK;
}

/* Options of create ("live", "description", "branch") and update (the
 * first two). */
static int read_options(crm_db *db, const crm_record *rec, bool creating, seg_options *o)
{
    static const char *const known[] = {"live", "description", "branch"};
    memset(o, 0, sizeof *o);
    o->live = -1;
    const char *branch = NULL;
    int rc = CRM_OK;
    if (rec) {
        rc = crmi_record_check_fields(db, rec, known, creating ? 3 : 2, "segment options");
        if (!rc)
            rc = read_live(db, rec, o);
        if (!rc)
            rc = crmi_record_text(db, rec, "description", false, &o->description);
        if (!rc && o->description)
            rc = crmi_validate_text(db, "description", o->description, 500);
        if (!rc && creating)
            rc = crmi_record_text(db, rec, "branch", false, &branch);
    }
    o->has_description = o->description != NULL;
    return !rc && creating ? resolve_branch(db, branch, o) : rc;
}

static void options_clear(seg_options *o)
{
    crm_free(o->branch_path_owned);
}

/* ---------------------------------------------------------------- audit */

static int audit(crm_db *db, const char *action, const char *name, const char *after)
{
    crmi_audit_entry e = {.action = action, .entity = "segment", .entity_id = name, .after = after};
    return crmi_audit_append(db, &e);
}

/* {"kind":..,"rule":..,"live":..} for the audit log: no personal data. */
static int describe(crm_db *db, crm_segment_kind kind, const char *rule, int live, char **out)
{
    crmi_buf b = {0};
    crmi_buf_printf(&b, "{\"kind\":\"%s\"", crmi_segment_kind_name(kind));
    if (rule) {
        crmi_buf_puts(&b, ",\"rule\":");
        crmi_buf_puts(&b, rule);
    }
    if (live >= 0)
        crmi_buf_printf(&b, ",\"live\":%d", live);
    crmi_buf_putc(&b, '}');
    if (!(*out = crmi_buf_take(&b)))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    return CRM_OK;
}

/* --------------------------------------------------------------- create */

static const char SQL_INSERT[] =
    "INSERT INTO crm_segment (name, kind, rule, live, branch_id, description, created_by,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
static const char SQL_NAME_TAKEN[] = "SELECT 1 FROM crm_segment WHERE name = ?1";

static int insert_segment(crm_db *db, const char *name, crm_segment_kind kind, const char *rule,
                          const seg_options *o, crmi_segment *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_NAME_TAKEN);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return crmi_error(db, CRM_E_CONFLICT, "segment %s: the name is taken", name);
    if (!(st = crmi_stmt(db, SQL_INSERT)))
        return db->errcode;
    crmi_bind_text(st, 1, name);
    crmi_bind_text(st, 2, crmi_segment_kind_name(kind));
    crmi_bind_text(st, 3, rule);
    sqlite3_bind_int(st, 4, o->live > 0);
    if (o->branch_id)
        sqlite3_bind_int64(st, 5, o->branch_id);
    crmi_bind_text(st, 6, o->description);
    crmi_bind_text(st, 7, crmi_actor_name(db));
    sqlite3_bind_int64(st, 8, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "insert segment");
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_last_insert_rowid(db->sql);
    out->kind = kind;
    out->live = o->live > 0;
    out->branch_id = o->branch_id;
    out->name = crmi_strdup(name);
    out->rule = rule ? crmi_strdup(rule) : NULL;
    out->branch_path = o->branch_path ? crmi_strdup(o->branch_path) : NULL;
    if (!out->name || (rule && !out->rule) || (o->branch_path && !out->branch_path))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    return CRM_OK;
}

/* What the create calls share: access, the name, the options. */
static int begin_create(crm_db *db, const char *name, const crm_record *options, seg_options *o)
{
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_WRITE);
    if (!rc)
        rc = crmi_validate_text(db, "name", name, NAME_MAX_CHARS);
    if (!rc)
        rc = read_options(db, options, true, o);
    return rc;
}

/* Stores the segment, lets `fill` add its definition, computes the
 * membership and audits, in one transaction. */
typedef int (*define_fn)(crm_db *db, const crmi_segment *s, const void *ctx);

static int create_segment(crm_db *db, const char *name, crm_segment_kind kind, const char *rule,
                          const seg_options *o, define_fn define, const void *ctx)
{
    crmi_segment s = {0};
    char *after = NULL;
    int rc = crmi_txn_begin(db);
    if (rc)
        return rc;
    rc = insert_segment(db, name, kind, rule, o, &s);
    if (!rc && define)
        rc = define(db, &s, ctx);
    if (!rc)
        rc = crmi_segment_refresh(db, &s, NULL);
    if (!rc)
        rc = describe(db, kind, rule, o->live > 0, &after);
    if (!rc)
        rc = audit(db, "segment.create", name, after);
    crm_free(after);
    crmi_segment_clear(&s);
    return crmi_txn_end(db, rc);
}

/* The rule as stored: compact JSON, whatever the author wrote. */
static int rule_json(crm_db *db, const char *text, char **out)
{
    crm_rule *rule = NULL;
    int rc = crmi_customer_rule_parse(db, text, "field rule", &rule);
    if (!rc && (rc = crm_rule_format(out, rule, CRM_RULE_FORMAT_COMPACT)))
        rc = crmi_error(db, rc, "out of memory");
    crm_rule_free(rule);
    return rc;
}

CRM_EXTERN(int)
crm_segment_create(crm_db *db, const char *name, const char *rule_text, const crm_record *options)
{
    if (!db || !name || !rule_text)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment create: NULL argument");
    crmi_error_clear(db);
    seg_options o = {0};
    char *rule = NULL;
    int rc = begin_create(db, name, options, &o);
    if (!rc)
        rc = rule_json(db, rule_text, &rule);
    if (!rc)
        rc = create_segment(db, name, CRM_SEGMENT_RULE, rule, &o, NULL, NULL);
    crm_free(rule);
    options_clear(&o);
    return rc;
}

typedef struct list_ctx {
    const char *const *items;
    size_t count;
} list_ctx;

static const char SQL_STATIC_ADD[] =
    "INSERT OR IGNORE INTO crm_segment_static (segment_id, customer_id) VALUES (?1, ?2)";

static int define_static(crm_db *db, const crmi_segment *s, const void *ctx)
{
    const list_ctx *l = ctx;
    for (size_t i = 0; i < l->count; i++) {
        int64_t id;
        int rc = l->items[i] ? crmi_customer_find(db, l->items[i], &id, NULL)
                             : crmi_error(db, CRM_E_INVALID_ARG, "customer_nos: NULL item %zu", i);
        sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_STATIC_ADD);
        if (!st)
            return rc ? rc : db->errcode;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, id);
        if ((rc = crmi_exec_stmt(db, st, "static segment")))
            return rc;
    }
    return CRM_OK;
}

CRM_EXTERN(int)
crm_segment_create_static(crm_db *db, const char *name, const char *const *customer_nos,
                          size_t count, const crm_record *options)
{
    if (!db || !name || (!customer_nos && count))
        return crmi_error(db, CRM_E_INVALID_ARG, "segment create static: NULL argument");
    crmi_error_clear(db);
    seg_options o = {0};
    int rc = begin_create(db, name, options, &o);
    if (!rc && o.live > 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field live: a static segment is a fixed list");
    list_ctx l = {customer_nos, count};
    if (!rc)
        rc = create_segment(db, name, CRM_SEGMENT_STATIC, NULL, &o, define_static, &l);
    options_clear(&o);
    return rc;
}

static const char SQL_OPERAND_ADD[] =
    "INSERT INTO crm_segment_operand (segment_id, position, operand_id) VALUES (?1, ?2, ?3)";

static int define_set(crm_db *db, const crmi_segment *s, const void *ctx)
{
    const list_ctx *l = ctx;
    for (size_t i = 0; i < l->count; i++) {
        crmi_segment op;
        int rc = l->items[i] ? crmi_segment_find(db, l->items[i], &op)
                             : crmi_error(db, CRM_E_INVALID_ARG, "operands: NULL item %zu", i);
        if (rc)
            return rc;
        int64_t op_id = op.id;
        crmi_segment_clear(&op);
        sqlite3_stmt *st = crmi_stmt(db, SQL_OPERAND_ADD);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int64(st, 3, op_id);
        if ((rc = crmi_exec_stmt(db, st, "segment operand")))
            return rc;
    }
    return CRM_OK;
}

CRM_EXTERN(int)
crm_segment_create_set(crm_db *db, const char *name, crm_segment_kind kind,
                       const char *const *operands, size_t count, const crm_record *options)
{
    if (!db || !name || !operands)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment create set: NULL argument");
    crmi_error_clear(db);
    if (kind != CRM_SEGMENT_UNION && kind != CRM_SEGMENT_INTERSECTION &&
        kind != CRM_SEGMENT_EXCLUSION)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "segment create set: kind must be union, intersection or exclusion");
    if (count < 2)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment create set: needs two operands or more");
    seg_options o = {0};
    int rc = begin_create(db, name, options, &o);
    list_ctx l = {operands, count};
    if (!rc)
        rc = create_segment(db, name, kind, NULL, &o, define_set, &l);
    options_clear(&o);
    return rc;
}

/* --------------------------------------------------------------- update */

static const char SQL_UPDATE[] =
    "UPDATE crm_segment SET rule = coalesce(?2, rule), live = coalesce(?3, live),"
    " description = CASE WHEN ?4 THEN ?5 ELSE description END, updated_at = ?6 WHERE id = ?1";

static int update_segment(crm_db *db, crmi_segment *s, const char *rule, const seg_options *o)
{
    if (rule && s->kind != CRM_SEGMENT_RULE)
        return crmi_error(db, CRM_E_STATE, "segment %s: only a rule segment has a rule", s->name);
    if (o->live > 0 && s->kind == CRM_SEGMENT_STATIC)
        return crmi_error(db, CRM_E_INVALID_DATA, "field live: a static segment is a fixed list");
    sqlite3_stmt *st = crmi_stmt(db, SQL_UPDATE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, s->id);
    crmi_bind_text(st, 2, rule);
    if (o->live >= 0)
        sqlite3_bind_int(st, 3, o->live);
    sqlite3_bind_int(st, 4, o->has_description);
    crmi_bind_text(st, 5, o->description);
    sqlite3_bind_int64(st, 6, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "update segment");
    bool refresh = rule || (o->live > 0 && !s->live);
    if (!rc && rule) {
        crm_free(s->rule);
        if (!(s->rule = crmi_strdup(rule)))
            return crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    if (o->live >= 0)
        s->live = o->live > 0;
    if (!rc && refresh)
        rc = crmi_segment_refresh(db, s, NULL);
    char *after = NULL;
    if (!rc)
        rc = describe(db, s->kind, rule, o->live, &after);
    if (!rc)
        rc = audit(db, "segment.update", s->name, after);
    crm_free(after);
    return rc;
}

CRM_EXTERN(int)
crm_segment_update(crm_db *db, const char *name, const char *rule_text, const crm_record *options)
{
    if (!db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment update: NULL argument");
    crmi_error_clear(db);
    seg_options o = {0};
    crmi_segment s = {0};
    char *rule = NULL;
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_WRITE);
    if (!rc)
        rc = read_options(db, options, false, &o);
    if (!rc && rule_text)
        rc = rule_json(db, rule_text, &rule);
    if (!rc)
        rc = crmi_segment_find(db, name, &s);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, update_segment(db, &s, rule, &o));
    crmi_segment_clear(&s);
    crm_free(rule);
    return rc;
}

/* --------------------------------------------------------------- delete */

static const char SQL_USED_BY[] =
    "SELECT 'segment ' || s.name FROM crm_segment_operand o"
    " JOIN crm_segment s ON s.id = o.segment_id WHERE o.operand_id = ?1"
    " UNION ALL SELECT 'campaign ' || k.code FROM crm_campaign_segment c"
    " JOIN crm_campaign k ON k.id = c.campaign_id WHERE c.segment_id = ?1 LIMIT 1";
static const char SQL_DEL_EVENTS[] = "DELETE FROM crm_segment_event WHERE segment_id = ?1";
static const char SQL_DEL_MEMBERS[] = "DELETE FROM crm_segment_member WHERE segment_id = ?1";
static const char SQL_DEL_STATIC[] = "DELETE FROM crm_segment_static WHERE segment_id = ?1";
static const char SQL_DEL_OPERANDS[] = "DELETE FROM crm_segment_operand WHERE segment_id = ?1";
static const char SQL_DEL_SEGMENT[] = "DELETE FROM crm_segment WHERE id = ?1";

static int delete_segment(crm_db *db, const crmi_segment *s)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_USED_BY);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, s->id);
    int rc = CRM_OK;
    if (crmi_step(st) == SQLITE_ROW)
        rc = crmi_error(db, CRM_E_STATE, "segment %s: used by %s",
                        s->name, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    const char *steps[] = {SQL_DEL_EVENTS, SQL_DEL_MEMBERS, SQL_DEL_STATIC, SQL_DEL_OPERANDS,
                           SQL_DEL_SEGMENT};
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++) {
        if (!(st = crmi_stmt(db, steps[i])))
            return db->errcode;
        sqlite3_bind_int64(st, 1, s->id);
        rc = crmi_exec_stmt(db, st, "delete segment");
    }
    return rc ? rc : audit(db, "segment.delete", s->name, NULL);
}

CRM_EXTERN(int) crm_segment_delete(crm_db *db, const char *name)
{
    if (!db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment delete: NULL argument");
    crmi_error_clear(db);
    crmi_segment s = {0};
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_WRITE);
    if (!rc)
        rc = crmi_segment_find(db, name, &s);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, delete_segment(db, &s));
    crmi_segment_clear(&s);
    return rc;
}

/* -------------------------------------------------------------- preview */

CRM_EXTERN(int)
crm_segment_preview(int64_t *out_count, crm_db *db, const char *rule_text, const char *branch)
{
    if (!out_count || !db || !rule_text)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment preview: NULL argument");
    crmi_error_clear(db);
    seg_options o = {0};
    crm_rule *rule = NULL;
    int64_t count = 0;
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_WRITE);
    if (!rc)
        rc = resolve_branch(db, branch, &o);
    if (!rc)
        rc = crmi_customer_rule_parse(db, rule_text, "field rule", &rule);
    if (!rc)
        rc = crmi_rule_customers(db, rule, o.branch_path, &count, NULL, "segment preview");
    if (!rc)
        *out_count = count;
    crm_rule_free(rule);
    options_clear(&o);
    return rc;
}
