/* crm customer view: the customer 360 view. A subcommand of 'crm customer'
 * (cmd_customer.c lists it in its table). */
#include "cli.h"

#include <stdio.h>

static const cli_column view_holding_columns[] = {
    {"product_code", "PRODUCT"}, {"product_name", "NAME"}, {"type", "TYPE"},
    {"risk_rating", "RISK"},     {"balance", "BALANCE"},   {NULL, NULL},
};

static const cli_column view_txn_columns[] = {
    {"time", "TIME"},
    {"type", "TYPE"},
    {"amount", "AMOUNT"},
    {"channel", "CHANNEL"},
    {"product_code", "PRODUCT"},
    {NULL, NULL},
};

/* With --json: the library's view as one JSON object. */
static int print_view_json(cli_ctx *ctx, const char *customer_no, int recent)
{
    char *json;
    int rc = crm_customer_view(&json, ctx->db, customer_no, recent);
    if (rc)
        return cli_fail(ctx, rc);
    printf("%s\n", json);
    crm_free(json);
    return CLI_EXIT_OK;
}

static int print_section(cli_ctx *ctx, const char *title, int rc, crm_iter *it,
                         const cli_column *cols)
{
    if (rc)
        return cli_fail(ctx, rc);
    printf("\n%s\n", title);
    int status = cli_print_iter(ctx, it, cols);
    crm_iter_free(it);
    return status;
}

/* For people: the profile, then holdings and recent transactions as tables. */
static int print_view_text(cli_ctx *ctx, const char *customer_no, int recent)
{
    crm_record *profile, *filter;
    crm_iter *it = NULL;
    int rc = crm_customer_get(&profile, ctx->db, customer_no);
    if (rc)
        return cli_fail(ctx, rc);
    int status = cli_print_record(ctx, profile);
    crm_record_free(profile);
    if (!status) {
        rc = crm_holding_list(&it, ctx->db, customer_no);
        status = print_section(ctx, "Holdings:", rc, it, view_holding_columns);
    }
    if (status || (rc = crm_record_new(&filter)))
        return status ? status : cli_fail(ctx, rc);
    if (!(rc = crm_record_set_int(filter, "limit", recent)))
        rc = crm_txn_list(&it, ctx->db, customer_no, filter);
    crm_record_free(filter);
    return print_section(ctx, "Recent transactions:", rc, it, view_txn_columns);
}

int cmd_customer_view(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL, *recent_text = NULL;
    const cli_opt opts[] = {
        {"recent", "N", "how many recent transactions to show (0..1000, default 10)", &recent_text,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "customer view",
        .synopsis = "CUSTOMER_NO [--recent N]",
        .about = "Shows the customer 360 view: the profile (personal data masked), holdings,\n"
                 "recent transactions and, with --json, 90-day activity and the sections other\n"
                 "modules add, as one JSON object. Same access as 'crm customer get'.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &customer,
    };
    int64_t recent = 10;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (recent_text &&
        (status = cli_parse_int(&recent, "customer view", "recent", recent_text)) != CLI_EXIT_OK)
        return status;
    if (recent < 0 || recent > 1000)
        return cli_usage_error("customer view", "--recent: expected 0..1000");
    if ((status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    return ctx->json ? print_view_json(ctx, customer, (int)recent)
                     : print_view_text(ctx, customer, (int)recent);
}
