/* The customer 360 view: one JSON object of sections, each written by the
 * module that owns its data (view_int.h), all read in one snapshot so the
 * sections agree with each other. */
#include "customer/customer_int.h"
#include "customer/view_int.h"

#define VIEW_RECENT_MAX 1000

typedef struct view_section {
    const char *name; /* the member name in the JSON object */
    crmi_view_section_fn write;
} view_section;

/* In output order. Segmentation (tags), campaigns and complaints add their
 * rows here as they land. */
static const view_section sections[] = {
    {"profile", crmi_view_profile},
    {"holdings", crmi_view_holdings},
    {"recent_transactions", crmi_view_recent_transactions},
    {"activity", crmi_view_activity},
};

void crmi_view_row_json(crmi_buf *out, sqlite3_stmt *st)
{
    bool first = true;
    crmi_buf_putc(out, '{');
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        int type = sqlite3_column_type(st, i);
        if (type != SQLITE_INTEGER && type != SQLITE_TEXT)
            continue; /* NULL: absent; blobs are never shown */
        if (!first)
            crmi_buf_putc(out, ',');
        first = false;
        crmi_buf_json_string(out, sqlite3_column_name(st, i));
        crmi_buf_putc(out, ':');
        if (type == SQLITE_INTEGER)
            crmi_buf_printf(out, "%lld", (long long)sqlite3_column_int64(st, i));
        else
            crmi_buf_json_string(out, (const char *)sqlite3_column_text(st, i));
    }
    crmi_buf_putc(out, '}');
}

/* ---------------------------------------------------------------- profile */

static const char SQL_PROFILE[] = CRMI_CUSTOMER_SELECT " WHERE c.id = ?1";

/* The crm_customer_get fields (masked) as a JSON object. */
int crmi_view_profile(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out)
{
    crm_record *rec = NULL;
    sqlite3_stmt *st = crmi_stmt(db, SQL_PROFILE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, ctx->customer_id);
    int step = crmi_step(st), rc;
    if (step == SQLITE_ROW)
        rc = crmi_customer_from_row(&rec, db, st, NULL);
    else
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "no customer %.40s", ctx->customer_no)
                 : crmi_sqlite_error(db, step, "read customer");
    sqlite3_reset(st);
    char *json = NULL;
    if (!rc && crm_record_to_json(&json, rec) != CRM_OK)
        rc = crmi_error(db, CRM_E_NOMEM, "customer view: out of memory");
    if (!rc)
        crmi_buf_puts(out, json);
    crm_free(json);
    crm_record_free(rec);
    return rc;
}

/* --------------------------------------------------------------- snapshot */

static const char SQL_SNAPSHOT_BEGIN[] = "BEGIN DEFERRED";
static const char SQL_SNAPSHOT_END[] = "COMMIT";

/* Opens a read transaction unless one is open already (a host transaction
 * is a snapshot too). Sets *began when it opened one. */
static int snapshot_begin(crm_db *db, bool *began)
{
    *began = false;
    if (db->txn_level > 0 || !sqlite3_get_autocommit(db->sql))
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(db, SQL_SNAPSHOT_BEGIN);
    int rc = st ? crmi_exec_stmt(db, st, "begin read") : db->errcode;
    *began = rc == CRM_OK;
    return rc;
}

/* Ends a read transaction snapshot_begin opened; keeps an earlier error. */
static int snapshot_end(crm_db *db, bool began, int rc)
{
    if (!began || sqlite3_get_autocommit(db->sql))
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_SNAPSHOT_END);
    int end = st ? crmi_exec_stmt(db, st, "end read") : db->errcode;
    return rc ? rc : end;
}

/* ------------------------------------------------------------------- view */

static int write_sections(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out)
{
    crmi_buf_putc(out, '{');
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (i)
            crmi_buf_putc(out, ',');
        crmi_buf_json_string(out, sections[i].name);
        crmi_buf_putc(out, ':');
        int rc = sections[i].write(db, ctx, out);
        if (rc)
            return rc;
    }
    crmi_buf_putc(out, '}');
    return out->failed ? crmi_error(db, CRM_E_NOMEM, "customer view: out of memory") : CRM_OK;
}

static int build_view(crm_db *db, crmi_view_ctx *ctx, crmi_buf *out)
{
    int64_t version;
    bool began;
    int rc = snapshot_begin(db, &began);
    if (!rc)
        rc = crmi_customer_find(db, ctx->customer_no, &ctx->customer_id, &version);
    if (!rc)
        rc = write_sections(db, ctx, out);
    return snapshot_end(db, began, rc);
}

CRM_EXTERN(int) crm_customer_view(char **out_json, crm_db *db, const char *customer_no, int recent)
{
    if (!out_json || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer view: NULL argument");
    crmi_error_clear(db);
    if (recent < 0 || recent > VIEW_RECENT_MAX)
        return crmi_error(db, CRM_E_INVALID_ARG, "customer view: recent must be 0..%d",
                          VIEW_RECENT_MAX);
    crmi_view_ctx ctx = {.customer_no = customer_no, .recent = recent, .now = crm_db_now(db)};
    crmi_buf out = {0};
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = build_view(db, &ctx, &out);
    char *json = rc ? NULL : crmi_buf_take(&out);
    if (!rc && !json)
        rc = crmi_error(db, CRM_E_NOMEM, "customer view: out of memory");
    crmi_buf_free(&out);
    if (!rc)
        *out_json = json;
    return rc;
}
