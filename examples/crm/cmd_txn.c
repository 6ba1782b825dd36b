/* crm txn add | list; crm holding set | list */
#include "cli.h"

#include <stdio.h>

static const cli_column txn_columns[] = {
    {"time", "TIME"},
    {"type", "TYPE"},
    {"amount", "AMOUNT"},
    {"channel", "CHANNEL"},
    {"product_code", "PRODUCT"},
    {"product_name", "PRODUCT NAME"},
    {NULL, NULL},
};

static const cli_column holding_columns[] = {
    {"product_code", "PRODUCT"},
    {"product_name", "NAME"},
    {"type", "TYPE"},
    {"risk_rating", "RISK"},
    {"balance", "BALANCE"},
    {"updated_at", "UPDATED"},
    {NULL, NULL},
};

/* ------------------------------------------------------------------- txn */

typedef struct txn_args {
    const char *customer, *product, *type, *amount, *channel, *time;
} txn_args;

static int build_txn(cli_ctx *ctx, crm_record *rec, const txn_args *a)
{
    int64_t fen;
    int status = cli_parse_yuan(&fen, "txn add", "amount", a->amount);
    if (status)
        return status;
    const char *const texts[] = {"customer_no", a->customer, "product_code", a->product, "type",
                                 a->type,       "channel",   a->channel,     "time",     a->time,
                                 NULL};
    int rc = cli_record_set_texts(rec, texts);
    if (!rc)
        rc = crm_record_set_money(rec, "amount", fen);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int txn_add(cli_ctx *ctx, int argc, char **argv)
{
    txn_args a = {0};
    const cli_opt opts[] = {
        {"type", "TYPE",
         "deposit, withdrawal, purchase, redemption, transfer_in, transfer_out, repayment or "
         "card_spend",
         &a.type, true},
        {"amount", "YUAN", "the amount in yuan, up to 2 decimals (> 0)", &a.amount, true},
        {"channel", "CHANNEL", "branch, mobile, online, atm or phone", &a.channel, true},
        {"product", "CODE", "the product concerned, if any", &a.product, false},
        {"time", "TIME", "when, UTC (2026-11-25T14:01:32Z); default now", &a.time, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "txn add",
        .synopsis = "CUSTOMER_NO --type TYPE --amount YUAN --channel CHANNEL [options]",
        .about = "Records one transaction of a customer. Holdings are not changed: 'crm holding\n"
                 "set' carries balances. Transactions are financial records from the core\n"
                 "system and are not audited one by one. Admin only.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &a.customer,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    status = rc ? cli_fail(ctx, rc) : build_txn(ctx, rec, &a);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_txn_add(ctx->db, rec)))
        status = cli_fail(ctx, rc);
    crm_record_free(rec);
    if (status)
        return status;
    return cli_report(ctx, (const char *[]){"customer_no", a.customer, "status", "added", NULL},
                      "%s of %s yuan recorded for %s", a.type, a.amount, a.customer);
}

typedef struct txn_filter_args {
    const char *since, *until, *type, *limit;
} txn_filter_args;

/* Builds the crm_txn_list filter; returns an exit status. */
static int build_txn_filter(cli_ctx *ctx, crm_record *filter, const txn_filter_args *a)
{
    const char *const texts[] = {"since", a->since, "until", a->until, "type", a->type, NULL};
    int64_t limit;
    int rc = cli_record_set_texts(filter, texts);
    if (!rc && a->limit) {
        int status = cli_parse_int(&limit, "txn list", "limit", a->limit);
        if (status)
            return status;
        rc = crm_record_set_int(filter, "limit", limit);
    }
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int txn_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL;
    txn_filter_args a = {0};
    const cli_opt opts[] = {
        {"since", "TIME", "transactions at or after this UTC time or date", &a.since, false},
        {"until", "TIME", "transactions before this UTC time or date", &a.until, false},
        {"type", "TYPE", "transactions of this type", &a.type, false},
        {"limit", "N", "at most N transactions", &a.limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "txn list",
        .synopsis = "CUSTOMER_NO [options]",
        .about = "Lists a customer's transactions, newest first. Same access as 'crm customer\n"
                 "get': a relationship manager sees only their own customers'.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &customer,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *filter = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&filter);
    status = rc ? cli_fail(ctx, rc) : build_txn_filter(ctx, filter, &a);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_txn_list(&it, ctx->db, customer, crm_record_count(filter) ? filter : NULL);
        status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, txn_columns);
    }
    crm_iter_free(it);
    crm_record_free(filter);
    return status;
}

/* 'crm txn import' and 'crm holding import' are another file's (cmd_dataio.c):
 * each adds its row to a table here and its prototype to cli.h. */
static const cli_command txn_subcommands[] = {
    {"add", "record one transaction", txn_add},
    {"list", "list a customer's transactions, newest first", txn_list},
    {"import", "import transactions from CSV (UTF-8 or GBK) or JSON Lines", cmd_txn_import},
    {NULL, NULL, NULL},
};

int cmd_txn(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "txn",
        "Customers' transactions: the feed from the core-banking system. Amounts are given\n"
        "and shown in yuan; stored exactly, in fen.",
        txn_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

/* --------------------------------------------------------------- holding */

static int holding_set(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *balance = NULL;
    const cli_opt opts[] = {
        {"balance", "YUAN", "the balance in yuan, up to 2 decimals; 0 removes the holding",
         &balance, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "holding set",
        .synopsis = "CUSTOMER_NO PRODUCT_CODE --balance YUAN",
        .about = "Sets a customer's balance in a product, as the core-banking system reports\n"
                 "it. A change is audited; setting the stored balance again changes nothing.\n"
                 "Admin only.",
        .opts = opts,
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    int64_t fen;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE ||
        (status = cli_parse_yuan(&fen, "holding set", "balance", balance)) != CLI_EXIT_OK ||
        (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    int rc = crm_holding_set(ctx->db, args[0], args[1], fen);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(
        ctx,
        (const char *[]){"customer_no", args[0], "product_code", args[1], "balance", balance, NULL},
        "%s holds %s yuan of %s", args[0], balance, args[1]);
}

static int holding_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL;
    const cli_spec spec = {
        .command = "holding list",
        .synopsis = "CUSTOMER_NO",
        .about = "Lists a customer's holdings by product type, then code. Same access as 'crm\n"
                 "customer get'.",
        .min_args = 1,
        .max_args = 1,
        .args = &customer,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    crm_iter *it;
    int rc = crm_holding_list(&it, ctx->db, customer);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, holding_columns);
    crm_iter_free(it);
    return status;
}

static const cli_command holding_subcommands[] = {
    {"set", "set a customer's balance in a product", holding_set},
    {"list", "list a customer's holdings", holding_list},
    {"import", "import balances from CSV (UTF-8 or GBK) or JSON Lines", cmd_holding_import},
    {NULL, NULL, NULL},
};

int cmd_holding(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "holding",
        "Customers' holdings: the balance per product, as the core-banking system reports it.\n"
        "Balances are given and shown in yuan; stored exactly, in fen.",
        holding_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
