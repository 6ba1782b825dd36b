/* crm alert list | show | ack | close | rules */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column alert_columns[] = {
    {"id", "ID"},
    {"raised_at", "RAISED"},
    {"rule", "RULE"},
    {"severity", "SEVERITY"},
    {"state", "STATE"},
    {"customer_no", "CUSTOMER"},
    {"txn_type", "TYPE"},
    {"amount", "AMOUNT"},
    {"txn_time", "TXN TIME"},
    {NULL, NULL},
};

static const cli_column rule_columns[] = {
    {"name", "RULE"},     {"severity", "SEVERITY"},
    {"source", "SOURCE"}, {"description", "DESCRIPTION"},
    {NULL, NULL},
};

/* ----------------------------------------------------------------- list */

typedef struct list_args {
    const char *state, *customer, *rule, *since, *until, *limit;
} list_args;

static int build_filter(cli_ctx *ctx, crm_record *filter, const list_args *a)
{
    const char *const texts[] = {"state", a->state, "customer_no", a->customer, "rule", a->rule,
                                 "since", a->since, "until",       a->until,    NULL};
    int rc = cli_record_set_texts(filter, texts);
    if (!rc && a->limit) {
        int64_t limit;
        int status = cli_parse_int(&limit, "alert list", "limit", a->limit);
        if (status)
            return status;
        rc = crm_record_set_int(filter, "limit", limit);
    }
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int alert_list(cli_ctx *ctx, int argc, char **argv)
{
    list_args a = {0};
    const cli_opt opts[] = {
        {"state", "STATE", "open, acknowledged or closed", &a.state, false},
        {"customer", "CUSTOMER_NO", "alerts of this customer", &a.customer, false},
        {"rule", "NAME", "alerts raised by this rule", &a.rule, false},
        {"since", "TIME", "raised at or after this UTC time or date", &a.since, false},
        {"until", "TIME", "raised before this UTC time or date", &a.until, false},
        {"limit", "N", "at most N alerts", &a.limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "alert list",
        .synopsis = "[--state S] [--customer NO] [--rule NAME] [--since T] [--until T] "
                    "[--limit N]",
        .about = "Lists transaction alerts, newest first. A relationship manager sees only their\n"
                 "own customers' alerts, a branch manager their branch's. With --json, each\n"
                 "alert carries its details: the values the rule read.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *filter = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&filter);
    status = rc ? cli_fail(ctx, rc) : build_filter(ctx, filter, &a);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_alert_list(&it, ctx->db, crm_record_count(filter) ? filter : NULL);
        status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, alert_columns);
    }
    crm_iter_free(it);
    crm_record_free(filter);
    return status;
}

/* ------------------------------------------------------ show, ack, close */

static int parse_id(int64_t *out, const char *command, const char *text)
{
    int status = cli_parse_int(out, command, "ID", text);
    if (!status && *out <= 0)
        status = cli_usage_error(command, "ID must be a positive alert number");
    return status;
}

static int alert_show(cli_ctx *ctx, int argc, char **argv)
{
    const char *id_text = NULL;
    const cli_spec spec = {
        .command = "alert show",
        .synopsis = "ID",
        .about = "Shows one alert with its details.",
        .min_args = 1,
        .max_args = 1,
        .args = &id_text,
    };
    int64_t id;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_id(&id, "alert show", id_text)) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    crm_record *rec = NULL;
    int rc = crm_alert_get(&rec, ctx->db, id);
    return cli_print_fetched(ctx, rc, rec);
}

typedef int (*handle_fn)(crm_db *db, int64_t id, const char *note);

/* The id and note are read through pointers: cli_parse fills them. */
static int handle(cli_ctx *ctx, const cli_spec *spec, int argc, char **argv, const char **id_text,
                  const char **note, handle_fn fn, const char *done)
{
    int64_t id;
    int status = cli_parse(ctx, spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_id(&id, spec->command, *id_text)) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    int rc = fn(ctx->db, id, *note);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"id", *id_text, "state", done, NULL}, "alert %s %s",
                      *id_text, done);
}

static int alert_ack(cli_ctx *ctx, int argc, char **argv)
{
    const char *id_text = NULL, *note = NULL;
    const cli_opt opts[] = {
        {"note", "TEXT", "what is being done about it", &note, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "alert ack",
        .synopsis = "ID [--note TEXT]",
        .about = "Acknowledges an open alert: someone is looking at it. Admins and branch\n"
                 "managers; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &id_text,
    };
    return handle(ctx, &spec, argc, argv, &id_text, &note, crm_alert_ack, "acknowledged");
}

static int alert_close(cli_ctx *ctx, int argc, char **argv)
{
    const char *id_text = NULL, *note = NULL;
    const cli_opt opts[] = {
        {"note", "TEXT", "what was found (required)", &note, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "alert close",
        .synopsis = "ID --note TEXT",
        .about = "Closes an open or acknowledged alert with a note saying what was found.\n"
                 "Closed is final. Admins and branch managers; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &id_text,
    };
    return handle(ctx, &spec, argc, argv, &id_text, &note, crm_alert_close, "closed");
}

/* ---------------------------------------------------------------- rules */

/* Reads a whole file into memory; an exit status. */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_error("cannot open %s", path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    int failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        return cli_error("cannot read %s", path);
    }
    *out = buf;
    *len = n;
    return CLI_EXIT_OK;
}

static int set_rules(cli_ctx *ctx, const char *path)
{
    char *yaml = NULL;
    size_t len = 0;
    int status = read_file(path, &yaml, &len);
    if (status)
        return status;
    int rc = crm_alert_rules_set(ctx->db, yaml, len);
    free(yaml);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int print_yaml(cli_ctx *ctx)
{
    char *yaml;
    int rc = crm_alert_rules_get(&yaml, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    fputs(yaml, stdout);
    crm_free(yaml);
    return CLI_EXIT_OK;
}

static int alert_rules(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *reset = NULL, *yaml = NULL;
    const cli_opt opts[] = {
        {"set", "FILE", "replace the rule set with this YAML file (checked first)", &file, false},
        {"reset", NULL, "go back to the rule set shipped with libcrm", &reset, false},
        {"yaml", NULL, "print the active rule set's YAML text", &yaml, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "alert rules",
        .synopsis = "[--set FILE | --reset] [--yaml]",
        .about = "Shows the active alert rules, in the order they run on every transaction.\n"
                 "--set and --reset change them for the whole database (admins and branch\n"
                 "managers; audited). docs/ALERTS.md describes the YAML format and variables.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (file && reset)
        return cli_usage_error("alert rules", "--set and --reset exclude each other");
    if ((status = cli_open(ctx, 0, true)))
        return status;
    int rc = reset ? crm_alert_rules_reset(ctx->db) : CRM_OK;
    if (rc)
        return cli_fail(ctx, rc);
    if (file && (status = set_rules(ctx, file)))
        return status;
    if (yaml)
        return print_yaml(ctx);
    crm_iter *it;
    if ((rc = crm_alert_rules_list(&it, ctx->db)))
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, rule_columns);
    crm_iter_free(it);
    return status;
}

static const cli_command alert_subcommands[] = {
    {"list", "list transaction alerts, newest first", alert_list},
    {"show", "show one alert with its details", alert_show},
    {"ack", "acknowledge an open alert", alert_ack},
    {"close", "close an alert with a note", alert_close},
    {"rules", "show (or replace) the active alert rules", alert_rules},
    {NULL, NULL, NULL},
};

int cmd_alert(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "alert",
        "Real-time transaction alerts: rules run on every transaction recorded (crm txn add,\n"
        "crm txn import) and store an alert for each rule that fires.",
        alert_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
