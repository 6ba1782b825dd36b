/* crm customer search: exact lookups, combined filters, fuzzy names, sorting
 * and keyset pages, over crm_customer_search. With --json it prints one JSON
 * object per line (a contract: each has at least customer_no and name);
 * otherwise a table, and on standard error how to get the next page. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How an option's text becomes a filter value. */
typedef enum search_kind { SK_TEXT, SK_INT, SK_YUAN } search_kind;

typedef struct search_option {
    const char *option; /* without "--" */
    const char *field;  /* the filter field */
    const char *metavar;
    const char *help;
    search_kind kind;
} search_option;

static const search_option search_options[] = {
    {"id-number", "id_number", "NUMBER", "exact ID number (15 or 18 digits, or as entered)",
     SK_TEXT},
    {"phone", "phone", "PHONE", "exact mobile number, optional +86", SK_TEXT},
    {"card", "card_number", "CARD", "exact bank card number", SK_TEXT},
    {"email", "email", "EMAIL", "exact e-mail address, any case", SK_TEXT},
    {"customer-no", "customer_no", "NO", "exact customer number", SK_TEXT},
    {"name", "name", "TEXT", "names containing TEXT, best matches first", SK_TEXT},
    {"gender", "gender", "M|F", "gender", SK_TEXT},
    {"age-min", "age_min", "YEARS", "at least this old", SK_INT},
    {"age-max", "age_max", "YEARS", "at most this old", SK_INT},
    {"province", "province", "TEXT", "province, full or short name (广东省, 广东)", SK_TEXT},
    {"city", "city", "TEXT", "city", SK_TEXT},
    {"branch", "branch", "CODE", "branch and its sub-branches", SK_TEXT},
    {"manager", "manager", "LOGIN", "assigned relationship manager", SK_TEXT},
    {"assets-min", "assets_min", "YUAN", "total assets at least", SK_YUAN},
    {"assets-max", "assets_max", "YUAN", "total assets at most", SK_YUAN},
    {"income-min", "income_min", "YUAN", "annual income at least", SK_YUAN},
    {"income-max", "income_max", "YUAN", "annual income at most", SK_YUAN},
    {"risk-level", "risk_level", "C1..C5", "risk level", SK_TEXT},
    {"status", "status", "STATUS", "active (default), restricted or any", SK_TEXT},
    {"where", "where", "RULE",
     "a JsonLogic rule (JSON or YAML) over age, gender, province,\n"
     "      city, branch, manager, assets, income, risk_level,\n"
     "      risk_expired",
     SK_TEXT},
    {"sort", "sort", "KEY",
     "relevance, customer_no, name, age, total_assets,\n"
     "      annual_income or created_at; -KEY reverses",
     SK_TEXT},
    {"limit", "limit", "N", "at most N results", SK_INT},
    {"after", "after", "CURSOR", "continue after the result with this cursor", SK_TEXT},
};
#define N_SEARCH_OPTIONS (sizeof search_options / sizeof search_options[0])

static const cli_column search_columns[] = {
    {"customer_no", "CUSTOMER NO"},
    {"name", "NAME"},
    {"gender", "G"},
    {"age", "AGE"},
    {"province", "PROVINCE"},
    {"city", "CITY"},
    {"branch", "BRANCH"},
    {"manager", "MANAGER"},
    {"phone", "PHONE"},
    {"total_assets", "ASSETS"},
    {"risk_level", "RISK"},
    {NULL, NULL},
};

/* Sets one filter field from its option text; an exit status. */
static int set_filter(crm_record *filter, const search_option *o, const char *text)
{
    int64_t number;
    int status = CLI_EXIT_OK, rc;
    char command[] = "customer search";
    switch (o->kind) {
    case SK_INT:
        status = cli_parse_int(&number, command, o->option, text);
        rc = status ? CRM_OK : crm_record_set_int(filter, o->field, number);
        break;
    case SK_YUAN:
        status = cli_parse_yuan(&number, command, o->option, text);
        rc = status ? CRM_OK : crm_record_set_money(filter, o->field, number);
        break;
    default: rc = crm_record_set_text(filter, o->field, text); break;
    }
    return status ? status : rc ? cli_fail(NULL, rc) : CLI_EXIT_OK;
}

/* ------------------------------------------------------------- output */

static int print_json_lines(cli_ctx *ctx, crm_iter *it)
{
    const crm_record *rec;
    int rc;
    while ((rc = crm_iter_next(&rec, it)) == CRM_OK) {
        char *json;
        if ((rc = crm_record_to_json(&json, rec)) != CRM_OK)
            break;
        puts(json);
        crm_free(json);
    }
    return rc == CRM_ITER_DONE ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

/* Text of a cell: money in yuan, integers in decimal, "-" when absent.
 * Library text is validated (no control characters). */
static void cell(char *buf, size_t size, const crm_record *rec, const char *field)
{
    const char *text = "-";
    int64_t v = 0;
    crm_value_type type = crm_record_type(rec, field);
    if (type == CRM_TYPE_TEXT || type == CRM_TYPE_DATE)
        crm_record_get_text(&text, rec, field);
    else if (type == CRM_TYPE_INT || type == CRM_TYPE_MONEY)
        crm_record_get_int(&v, rec, field);
    if (type == CRM_TYPE_MONEY)
        snprintf(buf, size, "%" PRId64 ".%02d", v / 100, (int)(v % 100));
    else if (type == CRM_TYPE_INT)
        snprintf(buf, size, "%" PRId64, v);
    else
        snprintf(buf, size, "%s", text);
}

#define CELL_MAX 256
#define N_COLS (sizeof search_columns / sizeof search_columns[0] - 1)

typedef struct page {
    char (*cells)[CELL_MAX]; /* rows * N_COLS, the heading first */
    size_t rows, cap;
    char last_cursor[1100];
} page;

static int page_add(page *p, const crm_record *rec)
{
    if (p->rows == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        char(*grown)[CELL_MAX] = realloc(p->cells, cap * N_COLS * sizeof *grown);
        if (!grown)
            return CRM_E_NOMEM;
        p->cells = grown;
        p->cap = cap;
    }
    char(*row)[CELL_MAX] = p->cells + p->rows++ * N_COLS;
    for (size_t c = 0; c < N_COLS; c++) {
        if (rec)
            cell(row[c], CELL_MAX, rec, search_columns[c].field);
        else
            snprintf(row[c], CELL_MAX, "%s", search_columns[c].title);
    }
    const char *cursor;
    if (rec && crm_record_get_text(&cursor, rec, "cursor") == CRM_OK)
        snprintf(p->last_cursor, sizeof p->last_cursor, "%s", cursor);
    return CRM_OK;
}

static void page_print(const page *p)
{
    size_t width[N_COLS] = {0};
    for (size_t r = 0; r < p->rows; r++)
        for (size_t c = 0; c < N_COLS; c++) {
            size_t w = cli_display_width(p->cells[r * N_COLS + c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (size_t r = 0; r < p->rows; r++) {
        for (size_t c = 0; c < N_COLS; c++) {
            const char *text = p->cells[r * N_COLS + c];
            fputs(text, stdout);
            if (c + 1 < N_COLS)
                printf("%*s", (int)(width[c] - cli_display_width(text) + 2), "");
        }
        putchar('\n');
    }
}

/* The table, then (when a full page came back) the option for the next. */
static int print_table(cli_ctx *ctx, crm_iter *it, int64_t limit)
{
    page p = {0};
    const crm_record *rec;
    int rc = page_add(&p, NULL);
    while (rc == CRM_OK && (rc = crm_iter_next(&rec, it)) == CRM_OK)
        rc = page_add(&p, rec);
    if (rc == CRM_ITER_DONE) {
        page_print(&p);
        if (limit > 0 && (int64_t)p.rows - 1 == limit)
            fprintf(stderr, "more results: repeat with --after %s\n", p.last_cursor);
        rc = CRM_OK;
    }
    free(p.cells);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* ------------------------------------------------------------ command */

static const char search_about[] =
    "Searches the customers the acting user may see (an RM their own, a branch\n"
    "manager their subtree); all given conditions must hold. Exact options go\n"
    "through the encrypted fields' blind indexes. --name finds names containing\n"
    "the text (Chinese or Latin, any case), the exact name first, then surname\n"
    "matches, then given-name matches, shorter names first. Personal data is\n"
    "masked. With --limit, the cursor of the last row (in --json output, or\n"
    "printed on standard error) continues with --after.\n"
    "--json prints one JSON object per line, each with at least customer_no and\n"
    "name, plus cursor.";

int cmd_customer_search(cli_ctx *ctx, int argc, char **argv)
{
    const char *values[N_SEARCH_OPTIONS] = {0};
    cli_opt opts[N_SEARCH_OPTIONS + 1];
    for (size_t i = 0; i < N_SEARCH_OPTIONS; i++)
        opts[i] = (cli_opt){search_options[i].option, search_options[i].metavar,
                            search_options[i].help, &values[i], false};
    opts[N_SEARCH_OPTIONS] = (cli_opt){NULL, NULL, NULL, NULL, false};
    const cli_spec spec = {
        .command = "customer search",
        .synopsis = "[--id-number N] [--phone P] [--name TEXT] [--where RULE] [options]",
        .about = search_about,
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    crm_record *filter;
    int rc = crm_record_new(&filter);
    if (rc)
        return cli_fail(ctx, rc);
    for (size_t i = 0; !status && i < N_SEARCH_OPTIONS; i++)
        if (values[i])
            status = set_filter(filter, &search_options[i], values[i]);
    int64_t limit = 0;
    if (!status)
        crm_record_get_int(&limit, filter, "limit");
    crm_iter *it = NULL;
    if (!status && (rc = crm_customer_search(&it, ctx->db, filter)) != CRM_OK)
        status = cli_fail(ctx, rc);
    crm_record_free(filter);
    if (!status)
        status = ctx->json ? print_json_lines(ctx, it) : print_table(ctx, it, limit);
    crm_iter_free(it);
    return status;
}
