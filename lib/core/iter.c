/* Iterators: one owned statement stepped on demand, so results stream and
 * memory does not grow with their size. The handle keeps a list of live
 * iterators so closing it first (as Python's collector may) is safe. */
#include "core/db_int.h"

struct crm_iter {
    crm_db *db; /* NULL once the database was closed */
    sqlite3_stmt *st;
    const char *lent_sql; /* st is lent by the statement cache */
    crmi_row_fn map;
    void *ctx;
    void (*ctx_free)(void *);
    crm_record *current;
    int primed; /* the SQLite result of a first step taken by the creator, or 0 */
    bool done;
    struct crm_iter *prev, *next;
};

int crmi_iter_new(crm_iter **out, crm_db *db, sqlite3_stmt *st, crmi_row_fn map, void *ctx,
                  void (*ctx_free)(void *))
{
    return crmi_iter_new_lent(out, db, st, NULL, map, ctx, ctx_free);
}

int crmi_iter_new_lent(crm_iter **out, crm_db *db, sqlite3_stmt *st, const char *lent_sql,
                       crmi_row_fn map, void *ctx, void (*ctx_free)(void *))
{
    crm_iter *it = crmi_calloc(1, sizeof *it);
    if (!it) {
        crmi_stmt_release(db, st, lent_sql);
        if (ctx_free)
            ctx_free(ctx);
        return crmi_error(db, CRM_E_NOMEM, "iterator: out of memory");
    }
    *it = (crm_iter){
        .db = db, .st = st, .lent_sql = lent_sql, .map = map, .ctx = ctx, .ctx_free = ctx_free};
    it->next = db->live_iters;
    if (it->next)
        it->next->prev = it;
    db->live_iters = it;
    *out = it;
    return CRM_OK;
}

static void detach(crm_iter *it)
{
    if (it->prev)
        it->prev->next = it->next;
    else if (it->db)
        it->db->live_iters = it->next;
    if (it->next)
        it->next->prev = it->prev;
    it->prev = it->next = NULL;
    crmi_stmt_release(it->db, it->st, it->lent_sql);
    it->st = NULL;
}

void crmi_iter_prime(crm_iter *it, int step)
{
    it->primed = step;
}

/* Called by crm_db_close: every live iterator loses its statement. */
void crmi_iter_detach_all(crm_db *db)
{
    while (db->live_iters) {
        crm_iter *it = db->live_iters;
        detach(it);
        it->db = NULL;
    }
}

CRM_EXTERN(int) crm_iter_next(const crm_record **out, crm_iter *it)
{
    if (!out || !it)
        return crmi_error_thread(CRM_E_INVALID_ARG, "iterator: NULL argument");
    if (it->done)
        return CRM_ITER_DONE;
    if (!it->db)
        return crmi_error_thread(CRM_E_STATE, "iterator: its database was closed");
    crm_db *db = it->db;
    crmi_error_clear(db);
    crm_record_free(it->current);
    it->current = NULL;
    int rc = it->primed ? it->primed : crmi_step(it->st);
    it->primed = 0;
    if (rc == SQLITE_DONE) {
        detach(it);
        it->db = NULL;
        it->done = true;
        return CRM_ITER_DONE;
    }
    if (rc != SQLITE_ROW)
        return crmi_sqlite_error(db, rc, "iterate");
    rc = it->map ? it->map(&it->current, db, it->st, it->ctx)
                 : crmi_record_from_row(&it->current, it->st);
    if (rc)
        return rc;
    *out = it->current;
    return CRM_OK;
}

CRM_EXTERN(void) crm_iter_free(crm_iter *it)
{
    if (!it)
        return;
    if (it->st)
        detach(it);
    crm_record_free(it->current);
    if (it->ctx_free)
        it->ctx_free(it->ctx);
    crm_free(it);
}
