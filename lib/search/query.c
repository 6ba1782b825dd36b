/* The query builder: static SQL fragments with their named parameters,
 * bound after one prepare. A search's shape varies with its filter, so the
 * statement is prepared per call; values never enter the SQL text. */
#include "search/search_int.h"

#include <string.h>

void crmi_query_sql(crmi_query *q, const char *fragment)
{
    crmi_buf_puts(&q->sql, fragment);
}

static crmi_qparam *param_new(crmi_query *q, const char *name, crmi_qtype type)
{
    if (q->n_params == q->cap_params) {
        size_t cap = q->cap_params ? 2 * q->cap_params : 16;
        crmi_qparam *grown = crmi_realloc(q->params, cap * sizeof *grown);
        if (!grown) {
            q->failed = true;
            return NULL;
        }
        q->params = grown;
        q->cap_params = cap;
    }
    crmi_qparam *p = &q->params[q->n_params++];
    *p = (crmi_qparam){.name = name, .type = type};
    return p;
}

void crmi_query_int(crmi_query *q, const char *name, int64_t value)
{
    crmi_qparam *p = param_new(q, name, CRMI_Q_INT);
    if (p)
        p->number = value;
}

static void param_bytes(crmi_query *q, const char *name, crmi_qtype type, const void *value,
                        size_t len)
{
    char *copy = crmi_malloc(len + 1);
    crmi_qparam *p = copy ? param_new(q, name, type) : NULL;
    if (!p) {
        crm_free(copy);
        q->failed = true;
        return;
    }
    memcpy(copy, value, len);
    copy[len] = '\0';
    p->bytes = copy;
    p->len = len;
}

void crmi_query_text(crmi_query *q, const char *name, const char *value)
{
    param_bytes(q, name, CRMI_Q_TEXT, value, strlen(value));
}

void crmi_query_blob(crmi_query *q, const char *name, const void *value, size_t len)
{
    param_bytes(q, name, CRMI_Q_BLOB, value, len);
}

int crmi_query_blind(crm_db *db, crmi_query *q, const char *name, const char *label,
                     const char *normalized)
{
    unsigned char index[CRMI_BLIND_INDEX_SIZE];
    int rc = crmi_blind_index(db, label, normalized, index);
    if (!rc)
        crmi_query_blob(q, name, index, sizeof index);
    return rc;
}

static int bind_param(sqlite3_stmt *st, const crmi_qparam *p)
{
    int idx = sqlite3_bind_parameter_index(st, p->name);
    if (idx == 0)
        return SQLITE_RANGE;
    switch (p->type) {
    case CRMI_Q_INT: return sqlite3_bind_int64(st, idx, p->number);
    case CRMI_Q_TEXT: return crmi_bind_text_len(st, idx, p->bytes, (int)p->len);
    default: return crmi_bind_blob(st, idx, p->bytes, (int)p->len);
    }
}

int crmi_query_bind(crm_db *db, crmi_query *q, sqlite3_stmt *st)
{
    if (q->failed || q->sql.failed)
        return crmi_error(db, CRM_E_NOMEM, "search: out of memory");
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < q->n_params; i++)
        rc = bind_param(st, &q->params[i]);
    if (rc == SQLITE_OK && q->where)
        rc = crmi_search_where_bind(st, q->where);
    if (rc != SQLITE_OK)
        return crmi_error(db, CRM_E_INTERNAL, "search: binding a parameter failed (%s)",
                          sqlite3_errstr(rc));
    crmi_customer_scope_bind(db, st);
    return CRM_OK;
}

int crmi_query_prepare(sqlite3_stmt **out, crm_db *db, crmi_query *q)
{
    if (q->failed || q->sql.failed)
        return crmi_error(db, CRM_E_NOMEM, "search: out of memory");
    sqlite3_stmt *st = crmi_prepare(db, q->sql.data);
    if (!st)
        return db->errcode;
    int rc = crmi_query_bind(db, q, st);
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    *out = st;
    return CRM_OK;
}

void crmi_query_free(crmi_query *q)
{
    for (size_t i = 0; i < q->n_params; i++)
        crm_free(q->params[i].bytes);
    crm_free(q->params);
    crmi_buf_free(&q->sql);
    crmi_search_where_free(q->where);
    *q = (crmi_query){0};
}
