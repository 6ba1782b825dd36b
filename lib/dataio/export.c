/* Exporting customers: one streaming query within the actor's scope and the
 * filter, each row written as CSV or a JSON line in the import columns,
 * personal fields masked unless a clear export was asked for (reveal
 * rights and a reason), and one audit entry with the row count. */
#include "customer/customer_int.h"
#include "dataio/dataio_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define PROGRESS_EVERY 1000

CRM_EXTERN(int) crm_export_options_init(crm_export_options *opts, unsigned int version)
{
    if (!opts || version != CRM_EXPORT_OPTIONS_VERSION)
        return crmi_error_thread(CRM_E_INVALID_ARG, "export options: version %u, expected %d",
                                 version, CRM_EXPORT_OPTIONS_VERSION);
    *opts = (crm_export_options)CRM_EXPORT_OPTIONS_INIT;
    return CRM_OK;
}

typedef struct exporter {
    crm_db *db;
    crm_export_options opts;
    const char *path;
    crmi_writer *out;
    char **ext_names; /* "ext.<name>" columns of a CSV export */
    size_t n_ext;
    crmi_buf line;
    int64_t rows;
} exporter;

/* --------------------------------------------------------------- filter */

static const char SQL_EXPORT[] =
    CRMI_CUSTOMER_SELECT " WHERE" CRMI_CUSTOMER_SCOPE
                         " AND (:f_path IS NULL OR substr(b.path, 1, length(:f_path)) = :f_path)"
                         " AND (:f_manager IS NULL OR m.name = :f_manager)"
                         " AND (:f_status IS NULL OR c.status = :f_status)"
                         " AND (:f_province IS NULL OR c.province = :f_province)"
                         " AND (:f_city IS NULL OR c.city = :f_city)"
                         " AND (:f_risk_level IS NULL OR c.risk_level = :f_risk_level)"
                         " AND (:f_gender IS NULL OR c.gender = :f_gender)"
                         " ORDER BY c.customer_no";

static const char SQL_BRANCH_PATH[] = "SELECT path FROM crm_branch WHERE code = ?";

static const char *const filter_fields[] = {"branch", "manager",    "status", "province",
                                            "city",   "risk_level", "gender"};
#define N_FILTER (sizeof filter_fields / sizeof filter_fields[0])

static void bind_param(sqlite3_stmt *st, const char *name, const char *value)
{
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, name), value);
}

static int bind_branch(crm_db *db, sqlite3_stmt *export, const char *code)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH_PATH);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int rc = CRM_OK;
    if (crmi_step(st) == SQLITE_ROW)
        bind_param(export, ":f_path", (const char *)sqlite3_column_text(st, 0));
    else
        rc = crmi_error(db, CRM_E_NOT_FOUND, "export filter branch: no branch %.40s", code);
    sqlite3_reset(st);
    return rc;
}

static int bind_filter_field(crm_db *db, sqlite3_stmt *st, const char *field, const char *value)
{
    if (strcmp(field, "branch") == 0)
        return bind_branch(db, st, value);
    if (strcmp(field, "province") == 0 && !(value = crmi_province_by_name(value)))
        return crmi_error(db, CRM_E_INVALID_ARG, "export filter province: unknown province");
    char param[32];
    snprintf(param, sizeof param, ":f_%s", field);
    bind_param(st, param, value);
    return CRM_OK;
}

static int bind_filter(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    for (size_t i = 0; filter && i < crm_record_count(filter); i++) {
        const char *field = crm_record_field_name(filter, i), *value;
        size_t k = 0;
        while (k < N_FILTER && strcmp(filter_fields[k], field) != 0)
            k++;
        if (k == N_FILTER)
            return crmi_error(db, CRM_E_INVALID_ARG,
                              "export filter: unknown field %.40s (known: branch, manager, "
                              "status, province, city, risk_level, gender)",
                              field);
        if (crm_record_get_text(&value, filter, field) != CRM_OK)
            return crmi_error(db, CRM_E_INVALID_ARG, "export filter %s: expected text", field);
        int rc = bind_filter_field(db, st, field, value);
        if (rc)
            return rc;
    }
    return CRM_OK;
}

/* ---------------------------------------------------------------- clear */

static const char SQL_SEALED[] =
    "SELECT id_number, phone, email, address, card_number FROM crm_customer WHERE id = ?";

static int unseal_columns(crm_db *db, sqlite3_stmt *st, crm_record *r, const char *customer_no,
                          const unsigned char key[CRM_KEY_SIZE])
{
    int rc = CRM_OK;
    for (int pf = 0; !rc && pf < CRMI_PF_COUNT; pf++) {
        if (sqlite3_column_type(st, pf) == SQLITE_NULL)
            continue;
        crmi_field_ref ref = {"crm_customer", crmi_personal_names[pf], customer_no};
        char *plain = NULL;
        rc = crmi_unseal_subject(db, key, &ref, sqlite3_column_blob(st, pf),
                                 (size_t)sqlite3_column_bytes(st, pf), &plain);
        if (!rc && crmi_record_put_text(r, crmi_personal_names[pf], plain))
            rc = crmi_error(db, CRM_E_NOMEM, "export: out of memory");
        if (plain) {
            OPENSSL_cleanse(plain, strlen(plain));
            crm_free(plain);
        }
    }
    return rc;
}

/* Replaces the masked personal fields of `r` by their clear text. */
static int reveal_row(crm_db *db, crm_record *r, int64_t id)
{
    const char *customer_no;
    unsigned char key[CRM_KEY_SIZE];
    crm_record_get_text(&customer_no, r, "customer_no");
    int rc = crmi_customer_key_load(db, id, key);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_SEALED);
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        int step = crmi_step(st);
        rc = step == SQLITE_ROW ? unseal_columns(db, st, r, customer_no, key)
                                : crmi_sqlite_error(db, step, "export: read sealed fields");
        sqlite3_reset(st);
    } else if (!rc) {
        rc = db->errcode;
    }
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* ----------------------------------------------------------------- rows */

/* A field as file text: money in yuan, integers in decimal. */
static const char *field_text(const crm_record *r, const char *name, char buf[32])
{
    const char *text = NULL;
    int64_t n;
    switch (crm_record_type(r, name)) {
    case CRM_TYPE_TEXT:
    case CRM_TYPE_DATE: crm_record_get_text(&text, r, name); return text;
    case CRM_TYPE_MONEY:
        crm_record_get_int(&n, r, name);
        crmi_money_format(buf, n);
        return buf;
    case CRM_TYPE_INT:
        crm_record_get_int(&n, r, name);
        snprintf(buf, 32, "%lld", (long long)n);
        return buf;
    default: return NULL;
    }
}

static void write_csv_row(exporter *e, const crm_record *r)
{
    const crmi_columns *cols = &crmi_customer_columns;
    char buf[32];
    for (size_t i = 0; i < cols->n; i++)
        crmi_writer_csv_field(e->out, field_text(r, cols->cols[i].name, buf), i == 0);
    for (size_t i = 0; i < e->n_ext; i++)
        crmi_writer_csv_field(e->out, field_text(r, e->ext_names[i], buf), false);
    crmi_writer_end_record(e->out, true);
}

static void json_member(crmi_buf *b, const crm_record *r, const char *name)
{
    char buf[32];
    const char *text = field_text(r, name, buf);
    if (!text)
        return;
    crmi_buf_puts(b, b->len > 1 ? "," : "");
    crmi_buf_json_string(b, name);
    crmi_buf_putc(b, ':');
    crm_value_type t = crm_record_type(r, name);
    if (t == CRM_TYPE_MONEY || t == CRM_TYPE_INT)
        crmi_buf_puts(b, text);
    else
        crmi_buf_json_string(b, text);
}

static void write_json_row(exporter *e, const crm_record *r)
{
    const crmi_columns *cols = &crmi_customer_columns;
    e->line.len = 0;
    crmi_buf_putc(&e->line, '{');
    for (size_t i = 0; i < cols->n; i++)
        json_member(&e->line, r, cols->cols[i].name);
    for (size_t i = 0; i < crm_record_count(r); i++)
        if (strncmp(crm_record_field_name(r, i), "ext.", 4) == 0)
            json_member(&e->line, r, crm_record_field_name(r, i));
    crmi_buf_putc(&e->line, '}');
    crmi_writer_put(e->out, e->line.data, e->line.len);
    crmi_writer_end_record(e->out, false);
}

static int export_row(exporter *e, sqlite3_stmt *st)
{
    crm_record *r;
    int rc = crmi_customer_from_row(&r, e->db, st, NULL);
    if (rc)
        return rc;
    if (e->opts.flags & CRM_EXPORT_CLEAR)
        rc = reveal_row(e->db, r, sqlite3_column_int64(st, 0));
    if (!rc && e->opts.format == CRM_FORMAT_CSV)
        write_csv_row(e, r);
    else if (!rc)
        write_json_row(e, r);
    crm_record_free(r);
    if (!rc && e->line.failed)
        rc = crmi_error(e->db, CRM_E_NOMEM, "export: out of memory");
    return rc;
}

static int progress(exporter *e)
{
    if (!e->opts.progress)
        return CRM_OK;
    int stop = e->opts.progress(e->rows, crmi_writer_bytes(e->out), e->opts.progress_payload);
    return stop ? crmi_progress_stop(e->db, stop, e->rows, "export") : CRM_OK;
}

static int export_rows(exporter *e)
{
    sqlite3_stmt *st = crmi_prepare(e->db, SQL_EXPORT);
    if (!st)
        return e->db->errcode;
    crmi_customer_scope_bind(e->db, st);
    int rc = bind_filter(e->db, st, e->opts.filter), step = SQLITE_DONE;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        rc = export_row(e, st);
        if (!rc && ++e->rows % PROGRESS_EVERY == 0)
            rc = progress(e);
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(e->db, step, "export customers");
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------- columns */

static const char SQL_EXT_NAMES[] = "SELECT DISTINCT name FROM crm_customer_ext ORDER BY name";

static int load_ext_names(exporter *e)
{
    sqlite3_stmt *st = crmi_stmt(e->db, SQL_EXT_NAMES);
    if (!st)
        return e->db->errcode;
    int rc = CRM_OK;
    while (!rc && crmi_step(st) == SQLITE_ROW) {
        char **grown = crmi_realloc(e->ext_names, (e->n_ext + 1) * sizeof *grown);
        crmi_buf name = {0};
        crmi_buf_printf(&name, "ext.%s", (const char *)sqlite3_column_text(st, 0));
        char *text = crmi_buf_take(&name);
        if (grown)
            e->ext_names = grown;
        if (!grown || !text) {
            crm_free(text);
            rc = crmi_error(e->db, CRM_E_NOMEM, "export: out of memory");
        } else {
            e->ext_names[e->n_ext++] = text;
        }
    }
    sqlite3_reset(st);
    return rc;
}

static int write_csv_header(exporter *e)
{
    int rc = load_ext_names(e);
    const crmi_columns *cols = &crmi_customer_columns;
    for (size_t i = 0; !rc && i < cols->n; i++)
        crmi_writer_csv_field(e->out, cols->cols[i].name, i == 0);
    for (size_t i = 0; !rc && i < e->n_ext; i++)
        crmi_writer_csv_field(e->out, e->ext_names[i], false);
    if (!rc)
        crmi_writer_end_record(e->out, true);
    return rc;
}

/* ---------------------------------------------------------------- audit */

static int audit_export(exporter *e)
{
    char *filter = NULL;
    if (e->opts.filter && crm_record_to_json(&filter, e->opts.filter) != CRM_OK)
        return crmi_error(e->db, CRM_E_NOMEM, "export: out of memory");
    crmi_buf after = {0};
    crmi_buf_printf(&after,
                    "{\"rows\":%lld,\"format\":\"%s\",\"encoding\":\"%s\",\"clear\":%s,"
                    "\"filter\":%s}",
                    (long long)e->rows, e->opts.format == CRM_FORMAT_CSV ? "csv" : "jsonl",
                    e->opts.encoding == CRM_ENCODING_GBK ? "gbk" : "utf-8",
                    (e->opts.flags & CRM_EXPORT_CLEAR) ? "true" : "false",
                    filter ? filter : "null");
    crm_free(filter);
    const char *base = strrchr(e->path, '/');
    crmi_audit_entry entry = {.action = "customer.export",
                              .entity = "file",
                              .entity_id = base && base[1] ? base + 1 : e->path,
                              .reason = e->opts.reason,
                              .after = after.data};
    int rc = after.failed ? crmi_error(e->db, CRM_E_NOMEM, "export: out of memory")
                          : crmi_txn_begin(e->db);
    if (!rc)
        rc = crmi_txn_end(e->db, crmi_audit_append(e->db, &entry));
    crmi_buf_free(&after);
    return rc;
}

/* --------------------------------------------------------------- driver */

static int check_export(exporter *e, const crm_export_options *opts)
{
    crm_db *db = e->db;
    if (opts && opts->version != CRM_EXPORT_OPTIONS_VERSION)
        return crmi_error(db, CRM_E_INVALID_ARG, "export options: version %u, expected %d",
                          opts->version, CRM_EXPORT_OPTIONS_VERSION);
    e->opts = opts ? *opts : (crm_export_options)CRM_EXPORT_OPTIONS_INIT;
    if (e->opts.format != CRM_FORMAT_CSV && e->opts.format != CRM_FORMAT_JSONL)
        return crmi_error(db, CRM_E_INVALID_ARG, "export: unknown format %d", (int)e->opts.format);
    bool clear = e->opts.flags & CRM_EXPORT_CLEAR;
    if (clear && (!e->opts.reason || !*e->opts.reason))
        return crmi_error(db, CRM_E_INVALID_ARG, "export: a clear-text export needs a reason");
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_EXPORT);
    if (!rc && clear)
        rc = crmi_access_require(db, CRMI_OP_CUSTOMER_REVEAL);
    return rc ? rc : crmi_require_writable(db); /* the audit entry */
}

static int run_export(exporter *e)
{
    bool bom = (e->opts.flags & CRM_EXPORT_BOM) && e->opts.format == CRM_FORMAT_CSV;
    int rc = crmi_writer_open(&e->out, e->db, e->path, e->opts.encoding, bom);
    if (!rc && e->opts.format == CRM_FORMAT_CSV)
        rc = write_csv_header(e);
    if (!rc)
        rc = export_rows(e);
    if (!rc)
        rc = progress(e);
    if (!rc)
        rc = crmi_writer_flush(e->out);
    if (!rc)
        rc = audit_export(e);
    int closed = crmi_writer_close(e->out, rc == CRM_OK);
    return rc ? rc : closed;
}

CRM_EXTERN(int)
crm_customer_export(int64_t *out_rows, crm_db *db, const char *path, const crm_export_options *opts)
{
    if (!db || !path)
        return crmi_error(db, CRM_E_INVALID_ARG, "export: NULL argument");
    crmi_error_clear(db);
    exporter e = {.db = db, .path = path};
    int rc = check_export(&e, opts);
    if (!rc)
        rc = run_export(&e);
    for (size_t i = 0; i < e.n_ext; i++)
        crm_free(e.ext_names[i]);
    crm_free(e.ext_names);
    crmi_buf_free(&e.line);
    if (!rc && out_rows)
        *out_rows = e.rows;
    return rc;
}
