/* crm_customer_find_by and crm_customer_search: assemble the query, prepare
 * it, and stream the rows as masked customer records with their cursors. */
#include "search/search_int.h"

static const char SQL_BASE[] = CRMI_CUSTOMER_SELECT " WHERE" CRMI_CUSTOMER_SCOPE;
static const char SQL_LIMIT[] = " LIMIT :limit";

/* What each row needs to become a result: the sort (for the cursor; NULL
 * for exact lookups, which have no pages) and the name query (for the rank). */
typedef struct row_ctx {
    const crmi_sort *sort;
    bool has_name;
    crmi_name_query name;
} row_ctx;

static int put_extras(crm_record *r, const row_ctx *ctx)
{
    char *cursor;
    int rc = crmi_cursor_make(&cursor, ctx->sort, r, &ctx->name);
    if (rc)
        return rc;
    rc = crmi_record_put_text(r, "cursor", cursor);
    crm_free(cursor);
    if (!rc && ctx->has_name) {
        const char *name = "";
        crm_record_get_text(&name, r, "name");
        rc = crmi_record_put_text(r, "match",
                                  crmi_name_rank_label(crmi_name_rank(name, &ctx->name)));
    }
    return rc;
}

static int map_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *payload)
{
    crm_record *r;
    int rc = crmi_customer_from_row(&r, db, st, NULL);
    if (rc)
        return rc;
    if (((const row_ctx *)payload)->sort && (rc = put_extras(r, payload)) != CRM_OK) {
        crm_record_free(r);
        return crmi_error(db, rc, "search result: out of memory");
    }
    *out = r;
    return CRM_OK;
}

static int ctx_copy(crm_db *db, const row_ctx *ctx, row_ctx **out)
{
    if (!(*out = crmi_malloc(sizeof **out)))
        return crmi_error(db, CRM_E_NOMEM, "search: out of memory");
    **out = *ctx;
    return CRM_OK;
}

/* Ends the query with its order and limit (none: no LIMIT clause, which
 * lets SQLite sort without a temporary b-tree), prepares it and hands the
 * statement to a new iterator. */
static int run(crm_iter **out, crm_db *db, crmi_query *q, const row_ctx *ctx, int64_t limit)
{
    crmi_query_sql(q, ctx->sort->order_by);
    if (limit >= 0) {
        crmi_query_sql(q, SQL_LIMIT);
        crmi_query_int(q, ":limit", limit);
    }
    row_ctx *copy;
    sqlite3_stmt *st;
    int rc = ctx_copy(db, ctx, &copy);
    if (rc)
        return rc;
    if ((rc = crmi_query_prepare(&st, db, q)) != CRM_OK) {
        crm_free(copy);
        return rc;
    }
    return crmi_iter_new(out, db, st, map_row, copy, crm_free);
}

/* An exact lookup runs its static statement from the handle's cache, and
 * takes its first step here so the access check shares the query's read
 * transaction (crmi_customer_step_scoped). */
static int run_find(crm_iter **out, crm_db *db, crmi_query *q)
{
    row_ctx ctx = {.sort = NULL}, *copy;
    bool lent;
    int rc = ctx_copy(db, &ctx, &copy);
    if (rc)
        return rc;
    sqlite3_stmt *st = crmi_stmt_lend(db, q->find_sql, &lent);
    if (!st) {
        crm_free(copy);
        return db->errcode;
    }
    int step;
    if (!(rc = crmi_query_bind(db, q, st)) && !(rc = crmi_customer_step_scoped(db, st, &step)) &&
        step != SQLITE_ROW && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "customer find");
    if (rc) {
        crmi_stmt_release(db, st, lent ? q->find_sql : NULL);
        crm_free(copy);
        return rc;
    }
    rc = crmi_iter_new_lent(out, db, st, lent ? q->find_sql : NULL, map_row, copy, crm_free);
    if (!rc)
        crmi_iter_prime(*out, step);
    return rc;
}

static int begin(crm_db *db, crmi_query *q)
{
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        crmi_query_sql(q, SQL_BASE);
    return rc;
}

CRM_EXTERN(int) crm_customer_find_by(crm_iter **out, crm_db *db, const char *key, const char *value)
{
    if (!out || !db || !key || !value)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer find: NULL argument");
    crmi_error_clear(db);
    crmi_query q = {0};
    crmi_exact k = crmi_exact_key(key);
    int rc = k == CRMI_EXACT_COUNT
                 ? crmi_error(db, CRM_E_INVALID_ARG,
                              "customer find: unknown key \"%.40s\" (customer_no, id_number, "
                              "phone, card_number, email)",
                              key)
                 : crmi_exact_add(db, &q, k, value);
    if (!rc)
        rc = run_find(out, db, &q);
    crmi_query_free(&q);
    return rc;
}

CRM_EXTERN(int) crm_customer_search(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer search: NULL argument");
    crmi_query q = {0};
    crmi_search_opts opts = {.limit = -1};
    int rc = begin(db, &q);
    if (!rc)
        rc = crmi_search_filter_add(db, &q, filter, &opts);
    if (!rc && !opts.sort)
        opts.sort = crmi_sort_default(opts.has_name);
    if (!rc && opts.sort->key == CRMI_KEY_RELEVANCE && !opts.has_name)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "filter sort: relevance needs a name to rank by");
    if (!rc && opts.after)
        rc = crmi_cursor_add(db, &q, opts.sort, opts.after);
    if (!rc) {
        row_ctx ctx = {.sort = opts.sort, .has_name = opts.has_name, .name = opts.name};
        rc = run(out, db, &q, &ctx, opts.limit);
    }
    crmi_query_free(&q);
    return rc;
}
