/* A handle's parsed copy of a configuration kept as text in the store: every
 * call that needs it reads the text (one point lookup) and parses it again
 * only when another call or handle replaced it. One cache per kind, found by
 * the kind's address. */
#include "core/db_int.h"

#include <string.h>

typedef struct config_cache {
    const crmi_config_kind *kind;
    char *text;
    size_t len;
    void *parsed;
} config_cache;

static void cache_free(void *p)
{
    config_cache *c = p;
    if (c->parsed)
        c->kind->free(c->parsed);
    crm_free(c->text);
    crm_free(c);
}

static config_cache *cache_of(crm_db *db, const crmi_config_kind *kind)
{
    config_cache *c = crmi_db_slot(db, kind);
    if (c)
        return c;
    if (!(c = crmi_calloc(1, sizeof *c))) {
        crmi_error(db, CRM_E_NOMEM, "%s: out of memory", kind->what);
        return NULL;
    }
    c->kind = kind;
    if (crmi_db_slot_set(db, kind, c, cache_free) != CRM_OK) {
        crm_free(c);
        return NULL;
    }
    return c;
}

/* Parses `text` into the cache unless it holds that text already; on an
 * error the cache keeps what it had. */
static int refresh(crm_db *db, config_cache *c, const char *text, size_t len)
{
    if (c->parsed && c->len == len && memcmp(c->text, text, len) == 0)
        return CRM_OK;
    void *parsed = NULL;
    char *copy = crmi_strndup(text, len);
    int rc = copy ? c->kind->parse(db, text, len, &parsed)
                  : crmi_error(db, CRM_E_NOMEM, "%s: out of memory", c->kind->what);
    if (rc) {
        crm_free(copy);
        return rc;
    }
    if (c->parsed)
        c->kind->free(c->parsed);
    crm_free(c->text);
    *c = (config_cache){c->kind, copy, len, parsed};
    return CRM_OK;
}

int crmi_config_load(crm_db *db, const crmi_config_kind *kind, const void **out)
{
    *out = NULL;
    config_cache *c = cache_of(db, kind);
    sqlite3_stmt *st = c ? crmi_stmt(db, kind->sql) : NULL;
    if (!st)
        return db->errcode;
    int step = crmi_step(st), rc;
    if (step == SQLITE_ROW)
        rc = refresh(db, c, (const char *)sqlite3_column_text(st, 0),
                     (size_t)sqlite3_column_bytes(st, 0));
    else if (step == SQLITE_DONE)
        rc = refresh(db, c, kind->fallback, strlen(kind->fallback));
    else
        rc = crmi_sqlite_error(db, step, kind->what);
    sqlite3_reset(st);
    if (!rc)
        *out = c->parsed;
    return rc;
}
