/* crm customer import | export | quality | stats; crm txn import; crm holding import.
 *
 * Rows of the 'crm customer', 'crm txn' and 'crm holding' dispatch tables
 * (cmd_customer.c, cmd_txn.c). The import exit status is a contract: 0 when every row went
 * in, 3 (CLI_EXIT_INVALID) when any row was refused. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "-" names the standard streams. */
static const char *stream_path(const char *path, const char *dash)
{
    return strcmp(path, "-") == 0 ? dash : path;
}

static int parse_choice(int *out, const char *command, const char *option, const char *text,
                        const char *const *names, const int *values)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = values[i];
            return CLI_EXIT_OK;
        }
    return cli_usage_error(command, "--%s: '%s' is not one of the choices", option, text);
}

static int parse_format(crm_data_format *out, const char *command, const char *text,
                        const char *path)
{
    static const char *const names[] = {"csv", "jsonl", NULL};
    static const int values[] = {CRM_FORMAT_CSV, CRM_FORMAT_JSONL};
    if (!text) {
        size_t n = strlen(path);
        *out = n > 6 && strcmp(path + n - 6, ".jsonl") == 0 ? CRM_FORMAT_JSONL : CRM_FORMAT_CSV;
        return CLI_EXIT_OK;
    }
    int v = CRM_FORMAT_CSV, status = parse_choice(&v, command, "format", text, names, values);
    *out = (crm_data_format)v;
    return status;
}

static int parse_encoding(crm_text_encoding *out, const char *command, const char *text)
{
    static const char *const names[] = {"utf-8", "utf8", "gbk", NULL};
    static const int values[] = {CRM_ENCODING_UTF8, CRM_ENCODING_UTF8, CRM_ENCODING_GBK};
    int v = CRM_ENCODING_UTF8,
        status = text ? parse_choice(&v, command, "encoding", text, names, values) : CLI_EXIT_OK;
    *out = (crm_text_encoding)v;
    return status;
}

/* ------------------------------------------------------------- progress */

typedef struct meter {
    int64_t total_bytes; /* 0 when unknown (a pipe) */
    const char *what;
    bool shown;
} meter;

static int show_progress(int64_t rows, int64_t bytes, void *payload)
{
    meter *m = payload;
    if (m->total_bytes > 0)
        fprintf(stderr, "\r%s: %lld rows, %3d%%", m->what, (long long)rows,
                (int)(bytes * 100 / m->total_bytes));
    else
        fprintf(stderr, "\r%s: %lld rows", m->what, (long long)rows);
    m->shown = true;
    return 0;
}

static void end_progress(const meter *m)
{
    if (m->shown)
        fputc('\n', stderr);
}

/* Progress goes to stderr only when it is a terminal. */
static void attach_meter(meter *m, const char *path, crm_progress_fn *fn, void **payload)
{
    struct stat sb;
    m->total_bytes = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : 0;
    if (isatty(STDERR_FILENO)) {
        *fn = show_progress;
        *payload = m;
    }
}

/* --------------------------------------------------------------- import */

typedef struct import_args {
    const char *file, *encoding, *format, *mode, *on_duplicate, *errors, *batch;
} import_args;

static int import_options(crm_import_options *o, const char *command, const import_args *a)
{
    static const char *const modes[] = {"strict", "skip", NULL};
    static const int mode_values[] = {CRM_IMPORT_STRICT, CRM_IMPORT_SKIP};
    static const char *const dups[] = {"error", "skip", "update", NULL};
    static const int dup_values[] = {CRM_DUPLICATE_ERROR, CRM_DUPLICATE_SKIP, CRM_DUPLICATE_UPDATE};
    int v = 0, status = parse_format(&o->format, command, a->format, a->file);
    if (!status)
        status = parse_encoding(&o->encoding, command, a->encoding);
    if (!status && a->mode &&
        !(status = parse_choice(&v, command, "mode", a->mode, modes, mode_values)))
        o->mode = (crm_import_mode)v;
    if (!status && a->on_duplicate &&
        !(status = parse_choice(&v, command, "on-duplicate", a->on_duplicate, dups, dup_values)))
        o->on_duplicate = (crm_on_duplicate)v;
    int64_t batch = 0;
    if (!status && a->batch && !(status = cli_parse_int(&batch, command, "batch", a->batch)) &&
        (batch < 1 || batch > 1000000))
        status = cli_usage_error(command, "--batch: expected 1..1000000");
    o->batch_size = (unsigned int)batch;
    o->errors_path = a->errors;
    return status;
}

static int report_import(cli_ctx *ctx, const import_args *a, const crm_import_stats *st)
{
    crm_record *rec = NULL;
    const char *names[] = {"read", "inserted", "updated", "skipped", "refused"};
    const int64_t values[] = {st->read, st->inserted, st->updated, st->skipped, st->refused};
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = crm_record_set_text(rec, "file", a->file);
    for (size_t i = 0; !rc && i < sizeof names / sizeof names[0]; i++)
        rc = crm_record_set_int(rec, names[i], values[i]);
    int status =
        rc ? cli_fail(ctx, rc)
           : cli_print_result(ctx, rec,
                              "%s: %lld read, %lld inserted, %lld updated, %lld skipped, "
                              "%lld refused%s%s",
                              a->file, (long long)st->read, (long long)st->inserted,
                              (long long)st->updated, (long long)st->skipped,
                              (long long)st->refused, st->refused && a->errors ? "; see " : "",
                              st->refused && a->errors ? a->errors : "");
    crm_record_free(rec);
    return status;
}

typedef int (*import_fn)(crm_import_stats *, crm_db *, const char *, const crm_import_options *);

/* One import subcommand: the options and synopsis every import shares, what
 * a duplicate is for this kind of row, its help text and its library call. */
typedef struct import_command {
    const char *command, *duplicate, *about;
    import_fn fn;
} import_command;

static int run_import(cli_ctx *ctx, const import_command *cmd, int argc, char **argv)
{
    import_args a = {0};
    const cli_opt opts[] = {
        {"encoding", "utf-8|gbk", "text encoding of FILE (default utf-8)", &a.encoding, false},
        {"format", "csv|jsonl", "default: jsonl for *.jsonl, else csv", &a.format, false},
        {"mode", "strict|skip",
         "strict (default): all rows or none; skip: good rows in, bad rows reported", &a.mode,
         false},
        {"errors", "OUT", "write every refused row (line, column, reason) to OUT as CSV",
         &a.errors, false},
        {"batch", "N", "rows per commit in skip mode (default 1000)", &a.batch, false},
        {"on-duplicate", "update|skip|error", cmd->duplicate, &a.on_duplicate, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = cmd->command,
        .synopsis = "FILE [--encoding utf-8|gbk] [--format csv|jsonl] [--mode strict|skip] "
                    "[--on-duplicate update|skip|error] [--errors OUT]",
        .about = cmd->about,
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &a.file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
    if ((status = import_options(&o, spec.command, &a)) || (status = cli_open(ctx, 0, true)))
        return status;
    const char *path = stream_path(a.file, "/dev/stdin");
    meter m = {.what = a.file};
    attach_meter(&m, path, &o.progress, &o.progress_payload);
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    int rc = cmd->fn(&st, ctx->db, path, &o);
    end_progress(&m);
    if (rc && st.refused == 0)
        return cli_fail(ctx, rc);
    if (rc) /* strict: the first bad row */
        fprintf(stderr, "crm: %s\n", crm_db_errmsg(ctx->db));
    status = report_import(ctx, &a, &st);
    return status ? status : st.refused ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

int cmd_customer_import(cli_ctx *ctx, int argc, char **argv)
{
    static const import_command cmd = {
        .command = "customer import",
        .duplicate = "a customer whose ID number or customer_no is stored already (default error)",
        .about = "Imports customers from a CSV file (RFC 4180, header row, UTF-8 or GBK) or JSON\n"
                 "Lines; FILE '-' reads standard input. Columns: customer_no, name, id_type,\n"
                 "id_number, gender, birth_date, phone, email, address, card_number, city,\n"
                 "province, occupation, annual_income, total_assets (yuan, up to 2 decimals),\n"
                 "risk_level, risk_assessed_at, branch, manager, consent_sms, consent_email,\n"
                 "consent_phone, ext.NAME. Each row is validated like 'crm customer add'.\n"
                 "Exit status 0 when every row went in, 3 when any row was refused.\n"
                 "Admin or branch manager; audited.",
        .fn = crm_customer_import,
    };
    return run_import(ctx, &cmd, argc, argv);
}

int cmd_txn_import(cli_ctx *ctx, int argc, char **argv)
{
    static const import_command cmd = {
        .command = "txn import",
        .duplicate = "a row whose ref is recorded already (default error)",
        .about = "Imports transactions (columns customer_no, product_code, type, amount in yuan,\n"
                 "channel, time, ref) from CSV or JSON Lines, each row as 'crm txn add', alert\n"
                 "rules included. ref is the core-banking id: a feed imported twice is not\n"
                 "doubled. Exit status 0 when every row went in, 3 when any row was refused.\n"
                 "Admin only.",
        .fn = crm_txn_import,
    };
    return run_import(ctx, &cmd, argc, argv);
}

int cmd_holding_import(cli_ctx *ctx, int argc, char **argv)
{
    static const import_command cmd = {
        .command = "holding import",
        .duplicate = "a holding already stored (default error; update for a daily feed)",
        .about = "Imports balances (columns customer_no, product_code, balance in yuan) from CSV\n"
                 "or JSON Lines, each row as 'crm holding set': 0 removes the holding, a change\n"
                 "is audited, an unchanged balance writes nothing. Exit status 0 when every row\n"
                 "went in, 3 when any row was refused. Admin only.",
        .fn = crm_holding_import,
    };
    return run_import(ctx, &cmd, argc, argv);
}

/* --------------------------------------------------------------- export */

typedef struct export_args {
    const char *file, *format, *encoding, *bom, *clear, *reason;
    const char *filter[7]; /* in the order of filter_fields */
} export_args;

static const char *const filter_fields[] = {"branch", "manager",    "status", "province",
                                            "city",   "risk_level", "gender"};

static int export_filter(crm_record **out, const export_args *a)
{
    *out = NULL;
    size_t given = 0;
    for (size_t i = 0; i < 7; i++)
        given += a->filter[i] != NULL;
    if (!given)
        return CRM_OK;
    int rc = crm_record_new(out);
    for (size_t i = 0; !rc && i < 7; i++)
        if (a->filter[i])
            rc = crm_record_set_text(*out, filter_fields[i], a->filter[i]);
    return rc;
}

static int run_export(cli_ctx *ctx, const export_args *a, crm_export_options *o)
{
    crm_record *filter = NULL;
    int rc = export_filter(&filter, a);
    if (rc)
        return cli_fail(ctx, rc);
    const char *path = stream_path(a->file, "/dev/stdout");
    meter m = {.what = a->file};
    if (path == a->file && isatty(STDERR_FILENO)) {
        o->progress = show_progress;
        o->progress_payload = &m;
    }
    o->filter = filter;
    int64_t rows = 0;
    rc = crm_customer_export(&rows, ctx->db, path, o);
    end_progress(&m);
    crm_record_free(filter);
    if (rc)
        return cli_fail(ctx, rc);
    if (path != a->file) { /* the data went to standard output */
        fprintf(stderr, "crm: exported %lld customers\n", (long long)rows);
        return CLI_EXIT_OK;
    }
    char count[24];
    snprintf(count, sizeof count, "%lld", (long long)rows);
    return cli_report(ctx, (const char *[]){"file", a->file, "customers", count, NULL},
                      "exported %s customers to %s", count, a->file);
}

int cmd_customer_export(cli_ctx *ctx, int argc, char **argv)
{
    export_args a = {0};
    const cli_opt opts[] = {
        {"format", "csv|jsonl", "default: jsonl for *.jsonl, else csv", &a.format, false},
        {"encoding", "utf-8|gbk", "text encoding (default utf-8)", &a.encoding, false},
        {"bom", NULL, "start a UTF-8 CSV with a byte order mark (for Excel)", &a.bom, false},
        {"clear", NULL, "personal fields in clear text (needs --reason; audited)", &a.clear, false},
        {"reason", "TEXT", "why; kept in the audit log", &a.reason, false},
        {"branch", "CODE", "only this branch and its sub-branches", &a.filter[0], false},
        {"manager", "LOGIN", "only this relationship manager's customers", &a.filter[1], false},
        {"status", "STATUS", "active or restricted", &a.filter[2], false},
        {"province", "NAME", "only this province", &a.filter[3], false},
        {"city", "NAME", "only this city", &a.filter[4], false},
        {"risk-level", "C1..C5", "only this risk level", &a.filter[5], false},
        {"gender", "M|F", "only this gender", &a.filter[6], false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "customer export",
        .synopsis = "FILE [--format csv|jsonl] [--encoding utf-8|gbk] [--clear --reason TEXT] "
                    "[filters]",
        .about = "Writes the customers you may see to FILE ('-': standard output) in the import\n"
                 "columns, money in yuan. Personal fields are masked unless --clear is given,\n"
                 "which needs reveal rights and a reason. The file is created with mode 0600.\n"
                 "Admin, branch manager, marketer; audited with the row count.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &a.file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_export_options o = CRM_EXPORT_OPTIONS_INIT;
    if ((status = parse_format(&o.format, spec.command, a.format, a.file)) ||
        (status = parse_encoding(&o.encoding, spec.command, a.encoding)))
        return status;
    if (a.clear && !a.reason)
        return cli_usage_error(spec.command, "--clear needs --reason");
    o.flags = (a.clear ? CRM_EXPORT_CLEAR : 0) | (a.bom ? CRM_EXPORT_BOM : 0);
    o.reason = a.reason;
    if ((status = cli_open(ctx, 0, true)))
        return status;
    return run_export(ctx, &a, &o);
}

/* ------------------------------------------------------ quality, stats */

int cmd_customer_quality(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_column columns[] = {
        {"kind", "KIND"}, {"customer_no", "CUSTOMERS"}, {"detail", "DETAIL"}, {NULL, NULL}};
    const cli_spec spec = {
        .command = "customer quality",
        .synopsis = "",
        .about = "The data-quality report over the customers you may see: suspected duplicates\n"
                 "(one phone under different ID numbers; same name and birth date), missing\n"
                 "key fields (contact, ID number, risk level), expired risk assessments, and\n"
                 "stored values that today's validation refuses.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, CRM_OPEN_READONLY, true)))
        return status;
    crm_iter *it;
    int rc = crm_customer_quality(&it, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, columns);
    crm_iter_free(it);
    return status;
}

static const cli_column *stats_columns(const char *dimension)
{
    static const cli_column customers[] = {{"key", "KEY"},
                                           {"customers", "CUSTOMERS"},
                                           {"total_assets", "TOTAL ASSETS"},
                                           {"annual_income", "ANNUAL INCOME"},
                                           {NULL, NULL}};
    static const cli_column branch[] = {{"key", "BRANCH"},
                                        {"name", "NAME"},
                                        {"customers", "CUSTOMERS"},
                                        {"total_assets", "TOTAL ASSETS"},
                                        {"annual_income", "ANNUAL INCOME"},
                                        {NULL, NULL}};
    static const cli_column products[] = {
        {"key", "PRODUCT TYPE"}, {"customers", "CUSTOMERS"}, {"balance", "BALANCE"}, {NULL, NULL}};
    static const cli_column activity[] = {
        {"key", "ACTIVITY"},           {"customers", "CUSTOMERS"}, {"total_assets", "TOTAL ASSETS"},
        {"txn_count", "TRANSACTIONS"}, {"txn_amount", "AMOUNT"},   {NULL, NULL}};
    if (strcmp(dimension, "branch") == 0)
        return branch;
    if (strcmp(dimension, "product_type") == 0)
        return products;
    return strcmp(dimension, "activity") == 0 ? activity : customers;
}

int cmd_customer_stats(cli_ctx *ctx, int argc, char **argv)
{
    const char *dimension = NULL;
    const cli_spec spec = {
        .command = "customer stats",
        .synopsis = "DIMENSION",
        .about = "Customer statistics over the customers you may see. DIMENSION is one of\n"
                 "age_band, gender, province, occupation, risk_level, branch (customers, total\n"
                 "assets and income per value), product_type (holders and balance per product\n"
                 "type) or activity (customers active in the last 30/90/365 days, dormant).\n"
                 "Money in yuan.",
        .min_args = 1,
        .max_args = 1,
        .args = &dimension,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, CRM_OPEN_READONLY, true)))
        return status;
    crm_iter *it;
    int rc = crm_customer_stats(&it, ctx->db, dimension);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, stats_columns(dimension));
    crm_iter_free(it);
    return status;
}
