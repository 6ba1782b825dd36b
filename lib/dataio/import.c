/* The import engine shared by customers and transactions: read a row,
 * convert its cells, hand it to the kind's store function inside a batch
 * transaction, report refused rows (error file, first message), call the
 * progress callback, and end with one summary audit entry. */
#include "dataio/dataio_int.h"
#include "security/security_int.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_BATCH 1000

CRM_EXTERN(int) crm_import_options_init(crm_import_options *opts, unsigned int version)
{
    if (!opts || version != CRM_IMPORT_OPTIONS_VERSION)
        return crmi_error_thread(CRM_E_INVALID_ARG, "import options: version %u, expected %d",
                                 version, CRM_IMPORT_OPTIONS_VERSION);
    *opts = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
    return CRM_OK;
}

CRM_EXTERN(int) crm_import_stats_init(crm_import_stats *stats, unsigned int version)
{
    if (!stats || version != CRM_IMPORT_STATS_VERSION)
        return crmi_error_thread(CRM_E_INVALID_ARG, "import stats: version %u, expected %d",
                                 version, CRM_IMPORT_STATS_VERSION);
    *stats = (crm_import_stats)CRM_IMPORT_STATS_INIT;
    return CRM_OK;
}

int crmi_progress_stop(crm_db *db, int value, int64_t rows, const char *what)
{
    int code = value < 0 && value >= CRM_E_INTERNAL ? value : CRM_E_STATE;
    return crmi_error(db, code, "%s stopped by the progress callback after %lld rows", what,
                      (long long)rows);
}

static int check_options(crmi_import *x, const crm_import_options *opts)
{
    if (opts && opts->version != CRM_IMPORT_OPTIONS_VERSION)
        return crmi_error(x->db, CRM_E_INVALID_ARG, "import options: version %u, expected %d",
                          opts->version, CRM_IMPORT_OPTIONS_VERSION);
    x->opts = opts ? *opts : (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
    if (x->opts.mode != CRM_IMPORT_STRICT && x->opts.mode != CRM_IMPORT_SKIP)
        return crmi_error(x->db, CRM_E_INVALID_ARG, "import: unknown mode %d", (int)x->opts.mode);
    if (x->opts.on_duplicate < CRM_DUPLICATE_ERROR || x->opts.on_duplicate > CRM_DUPLICATE_UPDATE)
        return crmi_error(x->db, CRM_E_INVALID_ARG, "import: unknown on_duplicate %d",
                          (int)x->opts.on_duplicate);
    if (x->opts.batch_size == 0)
        x->opts.batch_size = DEFAULT_BATCH;
    return CRM_OK;
}

/* ------------------------------------------------------------ refusals */

static void write_error(crmi_import *x, int64_t line, const char *column, const char *reason)
{
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)line);
    crmi_writer_csv_field(x->errors, number, true);
    crmi_writer_csv_field(x->errors, column ? column : "", false);
    crmi_writer_csv_field(x->errors, reason, false);
    crmi_writer_end_record(x->errors, true);
}

static void refuse(crmi_import *x, int64_t line, const char *column, const char *reason, int code)
{
    x->stats.refused++;
    if (x->errors)
        write_error(x, line, column, reason);
    if (x->first_code)
        return;
    x->first_code = code;
    const char *file = crmi_reader_label(x->reader);
    if (column)
        snprintf(x->first_msg, sizeof x->first_msg, "%s line %lld, column %s: %s", file,
                 (long long)line, column, reason);
    else
        snprintf(x->first_msg, sizeof x->first_msg, "%s line %lld: %s", file, (long long)line,
                 reason);
}

/* Refuses a row with the handle's message, which names the field as
 * "field NAME: why" (or "unknown field NAME"). */
static void refuse_with_message(crmi_import *x, int64_t line, int code)
{
    char column[80] = "";
    const char *msg = crm_db_errmsg(x->db), *reason = msg;
    if (strncmp(msg, "field ", 6) == 0) {
        const char *colon = strstr(msg + 6, ": ");
        size_t n = colon ? (size_t)(colon - msg - 6) : 0;
        if (n > 0 && n < sizeof column) {
            memcpy(column, msg + 6, n);
            column[n] = '\0';
            reason = colon + 2;
        }
    } else if (strncmp(msg, "unknown field ", 14) == 0) {
        snprintf(column, sizeof column, "%s", msg + 14);
        reason = "unknown column";
    }
    refuse(x, line, *column ? column : NULL, reason, code);
}

static bool row_level(int rc)
{
    return rc == CRM_E_INVALID_DATA || rc == CRM_E_CONFLICT || rc == CRM_E_NOT_FOUND ||
           rc == CRM_E_PERMISSION;
}

/* -------------------------------------------------------------- columns */

static void column_list(const crmi_columns *set, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < set->n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", set->cols[i].name);
    if (set->ext && used < size)
        snprintf(out + used, size - used, ", ext.<name>");
}

/* A CSV header naming an unknown column refuses the whole file; the
 * columns of the known ones are looked up once, not on every row. */
static int check_header(crmi_import *x)
{
    const char *const *names;
    size_t n = crmi_reader_header(x->reader, &names);
    if (n && !(x->header_cols = crmi_calloc(n, sizeof *x->header_cols)))
        return crmi_error(x->db, CRM_E_NOMEM, "import: out of memory");
    for (size_t i = 0; i < n; i++) {
        if ((x->header_cols[i] = crmi_column_find(x->kind->columns, names[i])))
            continue;
        char known[600];
        column_list(x->kind->columns, known, sizeof known);
        return crmi_error(x->db, CRM_E_INVALID_DATA,
                          "%s line 1, column %s: unknown column; the columns are %s",
                          crmi_reader_label(x->reader), names[i], known);
    }
    return CRM_OK;
}

/* The row's cells as a record; a bad cell is a refused row. */
static int row_record(crmi_import *x, const crmi_row *row, crm_record **out)
{
    crm_record *rec = NULL;
    if (crm_record_new(&rec))
        return crmi_error(x->db, CRM_E_NOMEM, "import: out of memory");
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < row->n; i++) {
        const crmi_cell *cell = &row->cells[i];
        if (cell->type == CRMI_CELL_NULL)
            continue;
        const crmi_column *col =
            x->header_cols ? x->header_cols[i] : crmi_column_find(x->kind->columns, cell->name);
        char why[200];
        rc = col ? crmi_cell_put(rec, col, cell, why, sizeof why) : CRM_E_INVALID_DATA;
        if (rc == CRM_E_INVALID_DATA)
            refuse(x, row->line, cell->name, col ? why : "unknown column", rc);
        else if (rc)
            rc = crmi_error(x->db, rc, "import: out of memory");
    }
    if (rc)
        crm_record_free(rec);
    else
        *out = rec;
    return rc;
}

static int handle_row(crmi_import *x, const crmi_row *row)
{
    x->stats.read++;
    if (row->bad_reason) {
        refuse(x, row->line, row->bad_column, row->bad_reason, CRM_E_INVALID_DATA);
        return CRM_OK;
    }
    crm_record *rec = NULL;
    int rc = row_record(x, row, &rec);
    if (rc)
        return rc == CRM_E_INVALID_DATA ? CRM_OK : rc;
    crmi_import_outcome outcome = CRMI_IMPORT_INSERTED;
    rc = x->kind->store(x, rec, &outcome);
    crm_record_free(rec);
    if (!rc)
        x->pending[outcome]++;
    else if (row_level(rc))
        refuse_with_message(x, row->line, rc);
    return row_level(rc) ? CRM_OK : rc;
}

/* --------------------------------------------------------- transactions */

static void take_pending(crmi_import *x, bool keep)
{
    if (keep) {
        x->stats.inserted += x->pending[CRMI_IMPORT_INSERTED];
        x->stats.updated += x->pending[CRMI_IMPORT_UPDATED];
        x->stats.skipped += x->pending[CRMI_IMPORT_SKIPPED];
    }
    memset(x->pending, 0, sizeof x->pending);
}

/* Commits (rc == CRM_OK) or rolls back the open batch. */
static int close_txn(crmi_import *x, int rc)
{
    if (!x->in_txn)
        return rc;
    x->in_txn = false;
    rc = crmi_txn_end(x->db, rc);
    take_pending(x, rc == CRM_OK);
    return rc;
}

/* Each batch checks the actor's right again inside its transaction: a user
 * disabled by another connection stops the import at the next batch, and
 * within one the write lock keeps anyone from changing it (so the row
 * stores do not check it row by row). */
static int open_txn(crmi_import *x)
{
    if (x->in_txn)
        return CRM_OK;
    int rc = crmi_txn_begin(x->db);
    if (rc)
        return rc;
    x->in_txn = true;
    rc = crmi_access_require(x->db, x->kind->op);
    return rc ? close_txn(x, rc) : CRM_OK;
}

static int report_progress(crmi_import *x)
{
    if (!x->opts.progress)
        return CRM_OK;
    int stop =
        x->opts.progress(x->stats.read, crmi_reader_bytes(x->reader), x->opts.progress_payload);
    x->stopped = stop != 0;
    return stop ? crmi_progress_stop(x->db, stop, x->stats.read, "import") : CRM_OK;
}

static int end_batch(crmi_import *x)
{
    x->batch_rows = 0;
    int rc = x->opts.mode == CRM_IMPORT_SKIP ? close_txn(x, CRM_OK) : CRM_OK;
    return rc ? rc : report_progress(x);
}

static int read_rows(crmi_import *x)
{
    crmi_row row;
    int rc;
    while ((rc = crmi_reader_next(x->reader, &row)) == CRM_OK) {
        if ((rc = open_txn(x)) || (rc = handle_row(x, &row)))
            return rc;
        if (++x->batch_rows >= x->opts.batch_size && (rc = end_batch(x)))
            return rc;
    }
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

/* ---------------------------------------------------------------- audit */

static int audit_import(crmi_import *x)
{
    static const char *const modes[] = {"strict", "skip"};
    static const char *const dups[] = {"error", "skip", "update"};
    crmi_buf after = {0};
    crmi_buf_printf(
        &after,
        "{\"format\":\"%s\",\"encoding\":\"%s\",\"mode\":\"%s\",\"on_duplicate\":\"%s\","
        "\"read\":%lld,\"inserted\":%lld,\"updated\":%lld,\"skipped\":%lld,"
        "\"refused\":%lld,\"stopped\":%s}",
        x->opts.format == CRM_FORMAT_CSV ? "csv" : "jsonl",
        x->opts.encoding == CRM_ENCODING_GBK ? "gbk" : "utf-8", modes[x->opts.mode],
        dups[x->opts.on_duplicate], (long long)x->stats.read,
        (long long)(x->stats.inserted + x->pending[CRMI_IMPORT_INSERTED]),
        (long long)(x->stats.updated + x->pending[CRMI_IMPORT_UPDATED]),
        (long long)(x->stats.skipped + x->pending[CRMI_IMPORT_SKIPPED]),
        (long long)x->stats.refused, x->stopped ? "true" : "false");
    if (after.failed)
        return crmi_error(x->db, CRM_E_NOMEM, "import: out of memory");
    crmi_audit_entry e = {.action = x->kind->audit_action,
                          .entity = "file",
                          .entity_id = crmi_reader_label(x->reader),
                          .after = after.data};
    int rc = open_txn(x);
    if (!rc)
        rc = crmi_audit_append(x->db, &e);
    crmi_buf_free(&after);
    return rc;
}

/* Ends the import after reading stopped with `rc`: a stop in skip mode
 * keeps the rows read so far; any other failure rolls back what is open. */
static int finish(crmi_import *x, int rc)
{
    bool strict = x->opts.mode == CRM_IMPORT_STRICT;
    if (!rc && strict && x->first_code) {
        close_txn(x, x->first_code);
        return crmi_error(x->db, x->first_code, "%s (%lld rows refused; nothing imported)",
                          x->first_msg, (long long)x->stats.refused);
    }
    if (rc && (!x->stopped || strict))
        return close_txn(x, rc);
    int end = close_txn(x, audit_import(x));
    if (end || rc)
        return end ? end : rc;
    report_progress(x); /* the final count; nothing is left to stop */
    x->stopped = false;
    crmi_error_clear(x->db);
    return CRM_OK;
}

/* --------------------------------------------------------------- driver */

static const char SQL_MAX_ID[] = "SELECT coalesce(max(id), 0) FROM crm_customer";

static int start(crmi_import *x, const char *path)
{
    int rc = crmi_access_require(x->db, x->kind->op);
    if (!rc)
        rc = crmi_require_writable(x->db);
    if (!rc)
        rc = crmi_query_int64(x->db, SQL_MAX_ID, &x->start_max_id);
    if (!rc)
        rc = crmi_reader_open(&x->reader, x->db, path, x->opts.format, x->opts.encoding);
    if (!rc)
        rc = check_header(x);
    if (!rc && x->opts.errors_path &&
        !(rc =
              crmi_writer_open(&x->errors, x->db, x->opts.errors_path, CRM_ENCODING_UTF8, false))) {
        crmi_writer_csv_field(x->errors, "line", true);
        crmi_writer_csv_field(x->errors, "column", false);
        crmi_writer_csv_field(x->errors, "reason", false);
        crmi_writer_end_record(x->errors, true);
    }
    return rc;
}

int crmi_import_run(crm_import_stats *stats, crm_db *db, const char *path,
                    const crm_import_options *opts, const crmi_import_kind *kind)
{
    if (!db || !path)
        return crmi_error(db, CRM_E_INVALID_ARG, "import: NULL argument");
    if (stats && stats->version != CRM_IMPORT_STATS_VERSION)
        return crmi_error(db, CRM_E_INVALID_ARG, "import stats: version %u, expected %d",
                          stats->version, CRM_IMPORT_STATS_VERSION);
    crmi_error_clear(db);
    crmi_import x = {.db = db, .kind = kind, .stats = CRM_IMPORT_STATS_INIT};
    int rc = check_options(&x, opts);
    if (!rc)
        rc = start(&x, path);
    if (!rc)
        rc = finish(&x, read_rows(&x));
    else
        close_txn(&x, rc);
    if (x.reader)
        x.stats.bytes = crmi_reader_bytes(x.reader);
    int closed = crmi_writer_close(x.errors, true);
    if (!rc && closed)
        rc = closed;
    if (stats && x.reader)
        *stats = x.stats;
    crmi_reader_close(x.reader);
    crm_free(x.header_cols);
    return rc;
}
