/* Live segments: the write paths of customers, holdings, transactions and
 * tags call crmi_segment_customer_changed inside their transaction; it
 * re-evaluates that one customer against each live segment (the rule by
 * the interpreter over the same SQL-bound vocabulary as a refresh, set
 * segments from their operands' memberships), records joins and leaves,
 * and calls the handle's subscribers. */
#include "segment/segment_int.h"

#include <string.h>

/* ------------------------------------------------------------ subscribers */

typedef struct subscriber {
    int id;
    crm_segment_event_fn fn;
    void *payload;
} subscriber;

typedef struct subscribers {
    subscriber *items;
    size_t n, cap;
    int next_id;
} subscribers;

static const char subscribers_key = 0; /* its address names the handle slot */

static void subscribers_free(void *p)
{
    subscribers *s = p;
    if (s)
        crm_free(s->items);
    crm_free(s);
}

static subscribers *subscribers_of(crm_db *db)
{
    subscribers *s = crmi_db_slot(db, &subscribers_key);
    if (s)
        return s;
    if (!(s = crmi_calloc(1, sizeof *s)))
        return NULL;
    if (crmi_db_slot_set(db, &subscribers_key, s, subscribers_free)) {
        crm_free(s);
        return NULL;
    }
    return s;
}

CRM_EXTERN(int)
crm_segment_subscribe(int *out_id, crm_db *db, crm_segment_event_fn fn, void *payload)
{
    if (!out_id || !db || !fn)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment subscribe: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_SEGMENT_READ);
    if (rc)
        return rc;
    subscribers *s = subscribers_of(db);
    if (s && s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4;
        subscriber *items = crmi_realloc(s->items, cap * sizeof *items);
        if (items) {
            s->items = items;
            s->cap = cap;
        }
    }
    if (!s || s->n == s->cap)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    s->items[s->n++] = (subscriber){++s->next_id, fn, payload};
    *out_id = s->next_id;
    return CRM_OK;
}

CRM_EXTERN(int) crm_segment_unsubscribe(crm_db *db, int id)
{
    if (!db)
        return crmi_error(db, CRM_E_INVALID_ARG, "segment unsubscribe: NULL handle");
    crmi_error_clear(db);
    subscribers *s = crmi_db_slot(db, &subscribers_key);
    for (size_t i = 0; s && i < s->n; i++) {
        if (s->items[i].id == id) {
            memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof s->items[0]);
            s->n--;
            return CRM_OK;
        }
    }
    return crmi_error(db, CRM_E_NOT_FOUND, "segment subscription %d: not found", id);
}

static const char SQL_CUSTOMER_NO[] = "SELECT customer_no FROM crm_customer WHERE id = ?1";

int crmi_segment_notify(crm_db *db, const char *segment, int64_t customer_id, bool joined)
{
    subscribers *s = crmi_db_slot(db, &subscribers_key);
    if (!s || s->n == 0)
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(db, SQL_CUSTOMER_NO);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    char *no = crmi_step(st) == SQLITE_ROW
                   ? crmi_strdup((const char *)sqlite3_column_text(st, 0))
                   : NULL;
    sqlite3_reset(st);
    if (!no)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < s->n; i++)
        if (s->items[i].fn(segment, no, joined, s->items[i].payload) != 0)
            rc = crmi_error(db, CRM_E_STATE, "segment %s: a subscriber refused customer %s %s",
                            segment, no, joined ? "joining" : "leaving");
    crm_free(no);
    return rc;
}

/* ------------------------------------------------------------ membership */

static const char SQL_MEMBER_ADD[] =
    "INSERT OR IGNORE INTO crm_segment_member (segment_id, customer_id) VALUES (?1, ?2)";
static const char SQL_MEMBER_DEL[] =
    "DELETE FROM crm_segment_member WHERE segment_id = ?1 AND customer_id = ?2";
static const char SQL_EVENT_ADD[] =
    "INSERT INTO crm_segment_event (segment_id, customer_id, change, at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_COUNT_MOVE[] =
    "UPDATE crm_segment SET member_count = member_count + ?2 WHERE id = ?1";

static int exec_ids(crm_db *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return crmi_exec_stmt(db, st, "segment membership");
}

int crmi_segment_member_set(crm_db *db, const crmi_segment *s, int64_t customer_id, bool member)
{
    int rc = exec_ids(db, member ? SQL_MEMBER_ADD : SQL_MEMBER_DEL, s->id, customer_id);
    if (rc || sqlite3_changes(db->sql) == 0)
        return rc;
    if ((rc = exec_ids(db, SQL_COUNT_MOVE, s->id, member ? 1 : -1)))
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_EVENT_ADD);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int64(st, 2, customer_id);
    crmi_bind_text(st, 3, member ? "joined" : "left");
    sqlite3_bind_int64(st, 4, crm_db_now(db));
    rc = crmi_exec_stmt(db, st, "segment event");
    return rc ? rc : crmi_segment_notify(db, s->name, customer_id, member);
}

/* ------------------------------------------------------------ evaluation */

static const char SQL_IN_UNIVERSE[] =
    "SELECT 1 FROM crm_customer c WHERE c.id = :cid AND" CRMI_SEGMENT_UNIVERSE;

/* Whether the customer belongs to a set segment, from the operands'
 * memberships, in one statement for the three operations. */
static const char SQL_IN_SET[] =
    "SELECT CASE ?3 WHEN 'union' THEN count(m.customer_id) > 0"
    " WHEN 'intersection' THEN count(m.customer_id) = count(*)"
    " ELSE coalesce(sum(o.position = 0 AND m.customer_id IS NOT NULL) > 0"
    " AND sum(o.position > 0 AND m.customer_id IS NOT NULL) = 0, 0) END"
    " FROM crm_segment_operand o LEFT JOIN crm_segment_member m"
    " ON m.segment_id = o.operand_id AND m.customer_id = ?2 WHERE o.segment_id = ?1";

static int query_bool(crm_db *db, sqlite3_stmt *st, bool *out)
{
    int step = crmi_step(st);
    *out = step == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "live segment");
}

static int in_universe(crm_db *db, const crmi_segment *s, int64_t customer_id, bool *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_IN_UNIVERSE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cid"), customer_id);
    int rc = crmi_segment_universe_bind(db, st, s->branch_path);
    return rc ? rc : query_bool(db, st, out);
}

static int belongs(crm_db *db, const crmi_segment *s, int64_t customer_id, bool *out)
{
    int rc = in_universe(db, s, customer_id, out);
    if (rc || !*out)
        return rc;
    if (s->kind == CRM_SEGMENT_RULE) {
        crm_rule *rule = NULL;
        if ((rc = crmi_customer_rule_parse(db, s->rule, "live segment", &rule)))
            return rc;
        rc = crmi_rule_customer_matches(db, rule, customer_id, out);
        crm_rule_free(rule);
        return rc;
    }
    sqlite3_stmt *st = crmi_stmt(db, SQL_IN_SET);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int64(st, 2, customer_id);
    crmi_bind_text(st, 3, crmi_segment_kind_name(s->kind));
    return query_bool(db, st, out);
}

/* ids of the segments from a cached query with ?1 bound, read in full
 * first: handling one may use the same statements again. */
static int segment_ids(crm_db *db, const char *sql, int64_t arg, int64_t **out, size_t *n)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, arg);
    size_t cap = 0;
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            int64_t *grown = crmi_realloc(*out, cap * sizeof **out);
            if (!grown)
                rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
            else
                *out = grown;
        }
        if (!rc)
            (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "live segments");
    sqlite3_reset(st);
    return rc;
}

static int reevaluate(crm_db *db, int64_t segment_id, int64_t customer_id, bool active)
{
    crmi_segment s;
    bool member = false;
    int rc = crmi_segment_load(db, segment_id, &s);
    if (rc)
        return rc;
    if (active)
        rc = belongs(db, &s, customer_id, &member);
    if (!rc)
        rc = crmi_segment_member_set(db, &s, customer_id, member);
    crmi_segment_clear(&s);
    return rc;
}

static const char SQL_LIVE_IDS[] = "SELECT id FROM crm_segment WHERE live = 1 AND ?1 ORDER BY id";
static const char SQL_MEMBER_OF[] =
    "SELECT segment_id FROM crm_segment_member WHERE customer_id = ?1 ORDER BY segment_id";
static const char SQL_ANY_LIVE[] = "SELECT EXISTS (SELECT 1 FROM crm_segment WHERE live = 1)";
static const char SQL_STATE[] = "SELECT EXISTS (SELECT 1 FROM crm_segment WHERE live = 1),"
                                " (SELECT status = 'active' FROM crm_customer WHERE id = ?1)";

int crmi_segment_any_live(crm_db *db, bool *out)
{
    int64_t any = 0;
    int rc = crmi_query_int64(db, SQL_ANY_LIVE, &any);
    *out = any != 0;
    return rc;
}

int crmi_segment_customer_changed(crm_db *db, int64_t customer_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STATE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    int step = crmi_step(st);
    bool any_live = false, active = false;
    if (step == SQLITE_ROW) {
        any_live = sqlite3_column_int(st, 0) != 0;
        active = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "live segments");
    if (active && !any_live)
        return CRM_OK;
    /* an active customer is re-evaluated in each live segment; one who is
     * not leaves every segment, live or not */
    int64_t *ids = NULL;
    size_t n = 0;
    int rc =
        segment_ids(db, active ? SQL_LIVE_IDS : SQL_MEMBER_OF, active ? 1 : customer_id, &ids, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = reevaluate(db, ids[i], customer_id, active);
    crm_free(ids);
    return rc;
}

static const char SQL_TXN_CUSTOMER[] = "SELECT customer_id FROM crm_txn WHERE id = ?1";

int crmi_segment_txn_added(crm_db *db, int64_t txn_id)
{
    bool any_live;
    int rc = crmi_segment_any_live(db, &any_live);
    if (rc || !any_live)
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_TXN_CUSTOMER);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, txn_id);
    int step = crmi_step(st);
    int64_t customer_id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step == SQLITE_DONE ? SQLITE_NOTFOUND : step,
                                 "transaction customer");
    return crmi_segment_customer_changed(db, customer_id);
}
