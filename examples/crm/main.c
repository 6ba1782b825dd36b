/*
 * crm: the command-line tool over libcrm.
 *
 *   crm [--db PATH] [--key-file PATH] [--as USER] [--json] COMMAND [SUBCOMMAND] [options]
 *
 * main() reads the global options, then hands the rest of the command line
 * to one command of the table below. A new module adds a cmd_<module>.c and
 * one row here.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command commands[] = {
    {"keygen", "write a new master key file", cmd_keygen},
    {"init", "create a database with its head office and first admin", cmd_init},
    {"branch", "the branch tree: add, list, show", cmd_branch},
    {"user", "staff users: add, list, show, disable, enable, reveal, passwd", cmd_user},
    {"login", "check a user's password (read from standard input)", cmd_login},
    {"customer", "customers: add, get, search, update, import, export, view, reveal, ...",
     cmd_customer},
    {"product", "the product catalogue: add, get, list", cmd_product},
    {"holding", "customers' balances per product: set, list", cmd_holding},
    {"segment", "customer segments: create, preview, refresh, members, diff, list, delete", cmd_segment},
    {"tag", "the tag taxonomy and customers' tags", cmd_tag},
    {"report", "reports as csv, json, html, xlsx or pdf: list, describe, run", cmd_report},
    {"txn", "customers' transactions: add, list", cmd_txn},
    {"alert", "real-time transaction alerts: list, show, ack, close, rules", cmd_alert},
    {"complaint", "complaints: open, assign, transition, note, list, show, sla-scan, hotspots, ...",
     cmd_complaint},
    {"kb", "the knowledge base: add, import, search, answer, suggest, publish", cmd_kb},
    {"outbox", "campaign and care messages: queue, send, list, retry", cmd_outbox},
    {"event", "response events: ingest, effect, pace", cmd_event},
    {"optout", "customers' opt-outs: add, list", cmd_optout},
    {"care", "birthday and holiday greetings: run, calendar, config", cmd_care},
    {"audit", "the tamper-evident audit log: list, verify, checkpoint", cmd_audit},
    {"key", "key rotation: rotate-data, reencrypt, rotate-master", cmd_key},
    {"mask", "mask a value for display as libcrm does", cmd_mask},
    {"rule", "JsonLogic rules: check, eval, sql (no database needed)", cmd_rule},
    {"risk", "risk questionnaires and suitability: assess, check, history, config", cmd_risk},
    {"analytics", "RFM, value tiers, clusters, cross-sell, propensity", cmd_analytics},
    {"campaign", "campaigns: create, approve, target, dispatch, evaluate, ...", cmd_campaign},
    {"lead", "RMs' leads: list, outcome", cmd_lead},
    {"version", "library and tool versions", cmd_version},
    {NULL, NULL, NULL},
};

static void print_help(void)
{
    printf("Usage: crm [--db PATH] [--key-file PATH] [--as USER] [--json] COMMAND [SUBCOMMAND] "
           "[options]\n\n"
           "Manages a libcrm database: customers, products and transactions, branches, staff,\n"
           "keys and the audit log.\n\n"
           "Global options:\n"
           "  --db PATH        database file (default: $CRM_DB, else ./crm.db)\n"
           "  --key-file PATH  master key file, mode 0600 (default: $CRM_KEY_FILE, else "
           "./crm.key)\n"
           "  --as USER        acting user (default: $CRM_USER, else none)\n"
           "  --json           print JSON instead of tables\n"
           "  --help           show this help\n\n"
           "Commands:\n");
    cli_print_commands(commands);
    printf("\nRun 'crm COMMAND --help' for a command's subcommands and options.\n\n"
           "Exit status: 0 ok, 1 error, 2 usage error, 3 invalid data, 4 not found,\n"
           "5 permission denied or account locked, 6 conflict (duplicate, stale version, or\n"
           "not in the state the command needs).\n");
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help();
            return CLI_EXIT_OK;
        }
        int taken = cli_take_global(ctx, "", argc, argv, &i);
        if (taken < 0)
            return CLI_EXIT_USAGE;
        if (!taken)
            return cli_usage_error("", "unknown option %s", argv[i]);
    }
    if (i >= argc)
        return cli_usage_error("", "missing command");
    const cli_command *cmd = cli_find_command(commands, argv[i]);
    if (!cmd)
        return cli_usage_error("", "unknown command '%s'", argv[i]);
    return cmd->run(ctx, argc - i, argv + i);
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {
        .db_path = env_or("CRM_DB", "./crm.db"),
        .key_file = env_or("CRM_KEY_FILE", "./crm.key"),
        .actor = env_or("CRM_USER", NULL),
    };
    int status = run(&ctx, argc, argv);
    crm_db_close(ctx.db);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("crm: standard output");
        return CLI_EXIT_ERROR;
    }
    return status;
}
