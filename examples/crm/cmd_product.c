/* crm product add | get | list */
#include "cli.h"

#include <stdio.h>

static const cli_column product_columns[] = {
    {"code", "CODE"},          {"name", "NAME"},      {"type", "TYPE"},
    {"risk_rating", "RISK"},   {"term_days", "TERM"}, {"yield_bps", "YIELD BPS"},
    {"sale_start", "ON SALE"}, {"sale_end", "UNTIL"}, {NULL, NULL},
};

typedef struct product_args {
    const char *code, *name, *type, *risk, *term, *yield, *start, *end;
} product_args;

/* Sets an integer field from an option's text; returns an exit status. */
static int set_int(cli_ctx *ctx, crm_record *rec, const char *command, const char *field,
                   const char *option, const char *text)
{
    int64_t value;
    if (!text)
        return CLI_EXIT_OK;
    int status = cli_parse_int(&value, command, option, text);
    if (status)
        return status;
    int rc = crm_record_set_int(rec, field, value);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int set_date(cli_ctx *ctx, crm_record *rec, const char *field, const char *text)
{
    int rc = text ? crm_record_set_date(rec, field, text) : CRM_OK;
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* Builds the crm_product_add record before opening the database, so bad
 * input is reported without one. Returns an exit status. */
static int build_product(cli_ctx *ctx, crm_record *rec, const product_args *a)
{
    const char *const texts[] = {"code",  a->code,       "name",  a->name, "type",
                                 a->type, "risk_rating", a->risk, NULL};
    int rc = cli_record_set_texts(rec, texts);
    int status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    if (!status)
        status = set_int(ctx, rec, "product add", "term_days", "term-days", a->term);
    if (!status)
        status = set_int(ctx, rec, "product add", "yield_bps", "yield-bps", a->yield);
    if (!status)
        status = set_date(ctx, rec, "sale_start", a->start);
    if (!status)
        status = set_date(ctx, rec, "sale_end", a->end);
    return status;
}

static int product_add(cli_ctx *ctx, int argc, char **argv)
{
    product_args a = {0};
    const cli_opt opts[] = {
        {"name", "TEXT", "the product's name (UTF-8, up to 100 characters)", &a.name, true},
        {"type", "TYPE", "deposit, loan, wealth, fund, insurance or credit_card", &a.type, true},
        {"risk-rating", "R1..R5", "the product's risk rating", &a.risk, true},
        {"term-days", "N", "term in days (0: on demand)", &a.term, false},
        {"yield-bps", "N", "expected yield or rate in basis points (285 = 2.85%)", &a.yield, false},
        {"sale-start", "DATE", "first day on sale (YYYY-MM-DD)", &a.start, false},
        {"sale-end", "DATE", "last day on sale (YYYY-MM-DD)", &a.end, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "product add",
        .synopsis = "CODE --name TEXT --type TYPE --risk-rating R1..R5 [options]",
        .about = "Adds a product to the catalogue. CODE is 1..32 characters of A-Z a-z 0-9 _ -.\n"
                 "A product is suitable for a customer rated C1..C5 only when its rating R is\n"
                 "not above the customer's C. Admin only; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &a.code,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    status = rc ? cli_fail(ctx, rc) : build_product(ctx, rec, &a);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_product_add(ctx->db, rec)))
        status = cli_fail(ctx, rc);
    crm_record_free(rec);
    if (status)
        return status;
    return cli_report(ctx, (const char *[]){"code", a.code, "status", "added", NULL},
                      "product %s (%s, %s) added", a.code, a.type, a.risk);
}

static int product_get(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    const cli_spec spec = {
        .command = "product get",
        .synopsis = "CODE",
        .about = "Shows one product.",
        .min_args = 1,
        .max_args = 1,
        .args = &code,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    crm_record *rec = NULL;
    int rc = crm_product_get(&rec, ctx->db, code);
    return cli_print_fetched(ctx, rc, rec);
}

static int list_filtered(cli_ctx *ctx, const char *const *pairs)
{
    crm_record *filter = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&filter);
    if (!rc)
        rc = cli_record_set_texts(filter, pairs);
    int status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_product_list(&it, ctx->db, crm_record_count(filter) ? filter : NULL);
        status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, product_columns);
    }
    crm_iter_free(it);
    crm_record_free(filter);
    return status;
}

static int product_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *type = NULL, *risk = NULL, *max_risk = NULL, *on_sale = NULL;
    const cli_opt opts[] = {
        {"type", "TYPE", "only products of this type", &type, false},
        {"risk-rating", "R1..R5", "only products of exactly this rating", &risk, false},
        {"max-risk-rating", "R1..R5",
         "only products of this rating or lower (suitable for the same C level)", &max_risk, false},
        {"on-sale-at", "DATE", "only products on sale that day (YYYY-MM-DD)", &on_sale, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "product list",
        .synopsis = "[options]",
        .about = "Lists products by code. Filters combine with AND.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const filters[] = {"type",   type,         "risk_rating", risk, "max_risk_rating",
                                   max_risk, "on_sale_at", on_sale,       NULL};
    return list_filtered(ctx, filters);
}

static const cli_command product_subcommands[] = {
    {"add", "add a product to the catalogue", product_add},
    {"get", "show one product", product_get},
    {"list", "list products, optionally filtered", product_list},
    {NULL, NULL, NULL},
};

int cmd_product(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "product",
        "The product catalogue: deposits, loans, wealth products, funds, insurance and credit\n"
        "cards, each with a risk rating R1..R5, term, expected yield and sale window.",
        product_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
