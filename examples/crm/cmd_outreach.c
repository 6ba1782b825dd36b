/* crm outbox queue | send | list | retry; crm event ingest | effect | pace;
 * crm optout add | list; crm care run | calendar | config; and
 * cli_campaign_send, the 'crm campaign send' row of the campaign command. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t int_field(const crm_record *r, const char *field)
{
    int64_t v = 0;
    crm_record_get_int(&v, r, field);
    return v;
}

/* Registers the spool channel for every channel name. */
static int register_spool(cli_ctx *ctx, const char *dir)
{
    static const char *const channels[] = {"sms", "email", "phone"};
    for (size_t i = 0; dir && i < sizeof channels / sizeof channels[0]; i++) {
        int rc = crm_channel_register_spool(ctx->db, channels[i], dir);
        if (rc)
            return cli_fail(ctx, rc);
    }
    return CLI_EXIT_OK;
}

/* Parses --max (before the database is opened), then opens it. */
static int parse_max_open(cli_ctx *ctx, const char *command, const char *text, int64_t *max)
{
    int status = text ? cli_parse_int(max, command, "--max", text) : CLI_EXIT_OK;
    return status ? status : cli_open(ctx, 0, true);
}

/* Drains due messages (of one campaign, or all) and prints the counts. */
static int drain(cli_ctx *ctx, const char *campaign, const char *spool, int64_t max)
{
    int status = register_spool(ctx, spool);
    if (status)
        return status;
    crm_record *s = NULL;
    int rc = crm_message_send(&s, ctx->db, campaign, max);
    if (rc)
        return cli_fail(ctx, rc);
    const char *quiet = NULL;
    crm_record_get_text(&quiet, s, "quiet_until");
    status = cli_print_result(
        ctx, s, "sent %lld, retried %lld, failed %lld, cancelled %lld, %lld still queued%s%s",
        (long long)int_field(s, "sent"), (long long)int_field(s, "retried"),
        (long long)int_field(s, "failed"), (long long)int_field(s, "cancelled"),
        (long long)int_field(s, "remaining"), quiet ? "; quiet hours until " : "",
        quiet ? quiet : "");
    crm_record_free(s);
    return status;
}

static int queue(cli_ctx *ctx, const char *campaign, bool quiet)
{
    int64_t n = 0;
    int rc = crm_message_queue(&n, ctx->db, campaign);
    if (rc)
        return cli_fail(ctx, rc);
    if (!quiet)
        printf("queued %lld messages of campaign %s\n", (long long)n, campaign);
    return CLI_EXIT_OK;
}

int cli_campaign_send(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL, *spool = NULL, *max = NULL;
    const cli_opt opts[] = {
        {"spool", "DIR", "deliver through the file channel into DIR", &spool, false},
        {"max", "N", "hand at most N messages to the channels", &max, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "campaign send",
        .synopsis = "CAMPAIGN [--spool DIR] [--max N]",
        .about = "Queues the messages of a running campaign (once per target and channel) and\n"
                 "hands the due ones to the channels. Quiet hours delay sending.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &campaign,
    };
    int64_t n = 0;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_max_open(ctx, "campaign send", max, &n)))
        return status;
    status = queue(ctx, campaign, ctx->json);
    return status ? status : drain(ctx, campaign, spool, n);
}

/* ----------------------------------------------------------------- outbox */

static int outbox_queue(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL;
    const cli_spec spec = {
        .command = "outbox queue",
        .synopsis = "CAMPAIGN",
        .about = "Queues the messages of a running campaign: one per target customer and\n"
                 "channel, keyed campaign:<code>:v<version>:<customer_no>:<channel>; queuing\n"
                 "again adds only new targets.",
        .min_args = 1,
        .max_args = 1,
        .args = &campaign,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    return status != CLI_CONTINUE ? status : queue(ctx, campaign, false);
}

static int outbox_send(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL, *spool = NULL, *max = NULL;
    const cli_opt opts[] = {
        {"campaign", "CODE", "only this campaign's messages", &campaign, false},
        {"spool", "DIR", "deliver through the file channel into DIR", &spool, false},
        {"max", "N", "hand at most N messages to the channels", &max, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "outbox send",
        .synopsis = "[--campaign CODE] [--spool DIR] [--max N]",
        .about = "Hands due messages to the channels and records the outcomes. Without --spool\n"
                 "no channel is registered and messages stay queued. Safe to kill and run\n"
                 "again: each message is recorded sent once.",
        .opts = opts,
    };
    int64_t n = 0;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_max_open(ctx, "outbox send", max, &n)))
        return status;
    return drain(ctx, campaign, spool, n);
}

static const cli_column message_columns[] = {
    {"idem_key", "KEY"}, {"channel", "CHANNEL"},  {"state", "STATE"}, {"attempts", "ATTEMPTS"},
    {"sent_at", "SENT"}, {"last_error", "ERROR"}, {NULL, NULL},
};

static int outbox_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL, *state = NULL, *customer = NULL, *channel = NULL, *occasion = NULL,
               *limit = NULL;
    const cli_opt opts[] = {
        {"campaign", "CODE", "messages of this campaign", &campaign, false},
        {"state", "STATE", "queued, sent, failed or cancelled", &state, false},
        {"customer", "NO", "messages to this customer", &customer, false},
        {"channel", "CHANNEL", "sms, email or phone", &channel, false},
        {"occasion", "OCCASION", "care messages of this occasion (birthday:2026-11-25)", &occasion,
         false},
        {"limit", "N", "at most N messages (default 1000)", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "outbox list",
        .synopsis = "[options]",
        .about = "Lists outbox messages, newest first.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t n = 0;
    if (limit && (status = cli_parse_int(&n, "outbox list", "--limit", limit)))
        return status;
    crm_record *f = NULL;
    crm_iter *it = NULL;
    const char *const pairs[] = {"campaign",    campaign, "state",   state,
                                 "customer_no", customer, "channel", channel,
                                 "occasion",    occasion, NULL};
    int rc = crm_record_new(&f);
    if (!rc)
        rc = cli_record_set_texts(f, pairs);
    if (!rc && limit)
        rc = crm_record_set_int(f, "limit", n);
    status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_message_list(&it, ctx->db, f);
        status = cli_print_listed(ctx, rc, it, message_columns);
    }
    crm_record_free(f);
    return status;
}

static int outbox_retry(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL;
    const cli_opt opts[] = {
        {"campaign", "CODE", "only this campaign's failed messages", &campaign, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "outbox retry",
        .synopsis = "[--campaign CODE]",
        .about = "Puts failed messages back in the queue, due now, attempts reset.",
        .opts = opts,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t n = 0;
    int rc = crm_message_retry(&n, ctx->db, campaign);
    if (rc)
        return cli_fail(ctx, rc);
    char count[32];
    snprintf(count, sizeof count, "%lld", (long long)n);
    return cli_report(ctx, (const char *[]){"requeued", count, NULL}, "%s messages queued again",
                      count);
}

static const cli_command outbox_subcommands[] = {
    {"queue", "queue a running campaign's messages", outbox_queue},
    {"send", "hand due messages to the channels", outbox_send},
    {"list", "list messages", outbox_list},
    {"retry", "queue failed messages again", outbox_retry},
    {NULL, NULL, NULL},
};

int cmd_outbox(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "outbox",
        "The durable outbox of campaign and care messages: each keyed by an idempotency key,\n"
        "handed to its channel at least once and recorded sent exactly once.",
        outbox_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

/* ------------------------------------------------------------------ event */

static int event_ingest(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL;
    const cli_spec spec = {
        .command = "event ingest",
        .synopsis = "FILE.jsonl",
        .about = "Ingests response events, one JSON object per line (\"-\": standard input):\n"
                 "event_key, kind (delivered, opened, clicked, replied, converted,\n"
                 "unsubscribed), idem_key, at, amount (fen), user_agent, via, text. A repeated\n"
                 "event_key is counted once. All or nothing: a bad line names its number.",
        .min_args = 1,
        .max_args = 1,
        .args = &file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len = 0;
    if ((status = cli_read_text(&text, &len, file, "events", 256u << 20)))
        return status;
    crm_record *s = NULL;
    status = cli_open(ctx, 0, true);
    int rc = status ? CRM_OK : crm_event_ingest_jsonl(&s, ctx->db, text, len);
    free(text);
    if (status || rc)
        return status ? status : cli_fail(ctx, rc);
    status = cli_print_result(
        ctx, s, "%lld events: %lld recorded (%lld flagged), %lld duplicates, %lld opt-outs",
        (long long)int_field(s, "lines"), (long long)int_field(s, "recorded"),
        (long long)int_field(s, "flagged"), (long long)int_field(s, "duplicates"),
        (long long)int_field(s, "optouts"));
    crm_record_free(s);
    return status;
}

static const cli_column effect_columns[] = {
    {"grp", "GROUP"},
    {"sent", "SENT"},
    {"delivered", "DELIVERED"},
    {"opened", "OPENED"},
    {"clicked", "CLICKED"},
    {"converted", "CONVERTED"},
    {"amount", "AMOUNT FEN"},
    {"click_bps", "CLICK BPS"},
    {"conversion_bps", "CONV BPS"},
    {NULL, NULL},
};

static int event_effect(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL, *by = "channel";
    const cli_opt opts[] = {
        {"by", "GROUP", "channel (default), province or branch", &by, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "event effect",
        .synopsis = "CAMPAIGN [--by channel|province|branch]",
        .about = "Effectiveness of a campaign's sent messages; flagged events never count.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &campaign,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_event_effectiveness(&it, ctx->db, campaign, by);
    return cli_print_listed(ctx, rc, it, effect_columns);
}

static int event_pace(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL;
    const cli_spec spec = {
        .command = "event pace",
        .synopsis = "CAMPAIGN",
        .about = "Compares participation with the expected pace; a lag raises a pace alert.",
        .min_args = 1,
        .max_args = 1,
        .args = &campaign,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *r = NULL;
    int rc = crm_event_pace_check(&r, ctx->db, campaign);
    if (rc)
        return cli_fail(ctx, rc);
    const char *message = "";
    crm_record_get_text(&message, r, "message");
    status = cli_print_result(ctx, r, "%s", message);
    crm_record_free(r);
    return status;
}

static const cli_command event_subcommands[] = {
    {"ingest", "ingest response events from a JSON Lines file", event_ingest},
    {"effect", "effectiveness per channel or region", event_effect},
    {"pace", "check participation against the expected pace", event_pace},
    {NULL, NULL, NULL},
};

int cmd_event(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "event",
        "Response events from the channels (delivered, opened, clicked, replied, converted,\n"
        "unsubscribed), screened for link scanners and implausibly fast clicks.",
        event_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

/* ----------------------------------------------------------------- optout */

static int optout_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL, *channel = NULL, *source = "branch";
    const cli_opt opts[] = {
        {"channel", "CHANNEL", "sms, email or phone (default: all three)", &channel, false},
        {"source", "TEXT", "where the request was made (default: branch)", &source, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "optout add",
        .synopsis = "CUSTOMER [--channel CHANNEL] [--source TEXT]",
        .about = "Records a customer's request not to be contacted: effective at once (queued\n"
                 "messages are cancelled when sent), consent withdrawn, audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &customer,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_optout_add(ctx->db, customer, channel, source);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(
        ctx, (const char *[]){"customer_no", customer, "channel", channel ? channel : "all", NULL},
        "customer %s opted out of %s", customer, channel ? channel : "all channels");
}

static const cli_column optout_columns[] = {
    {"customer_no", "CUSTOMER"}, {"channel", "CHANNEL"}, {"at", "AT"},
    {"source", "SOURCE"},        {NULL, NULL},
};

static int optout_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL;
    const cli_spec spec = {
        .command = "optout list",
        .synopsis = "[CUSTOMER]",
        .about = "Lists opt-outs, newest first.",
        .min_args = 0,
        .max_args = 1,
        .args = &customer,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_optout_list(&it, ctx->db, customer);
    return cli_print_listed(ctx, rc, it, optout_columns);
}

static const cli_command optout_subcommands[] = {
    {"add", "record a customer's opt-out", optout_add},
    {"list", "list opt-outs", optout_list},
    {NULL, NULL, NULL},
};

int cmd_optout(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "optout", "Customers' requests not to be contacted, per channel.", optout_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

/* ------------------------------------------------------------------- care */

static int care_run(cli_ctx *ctx, int argc, char **argv)
{
    const char *date = NULL, *spool = NULL;
    const cli_opt opts[] = {
        {"date", "DATE", "the day to greet (YYYY-MM-DD)", &date, true},
        {"spool", "DIR", "then send due messages through the file channel into DIR", &spool, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "care run",
        .synopsis = "--date DATE [--spool DIR]",
        .about = "Generates the birthday and holiday greetings of a day, once per customer and\n"
                 "occasion, through a consenting channel; high-net-worth customers get a task\n"
                 "for their relationship manager instead.",
        .opts = opts,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *s = NULL;
    int rc = crm_care_run(&s, ctx->db, date);
    if (rc)
        return cli_fail(ctx, rc);
    const char *occasions = "";
    crm_record_get_text(&occasions, s, "occasions");
    status = cli_print_result(
        ctx, s,
        "%s (%s): %lld messages, %lld RM tasks, %lld done before, %lld restricted, "
        "%lld without a channel",
        date, occasions, (long long)int_field(s, "messages"), (long long)int_field(s, "tasks"),
        (long long)int_field(s, "already"), (long long)int_field(s, "skipped_restricted"),
        (long long)int_field(s, "skipped_no_channel"));
    crm_record_free(s);
    return status || !spool ? status : drain(ctx, NULL, spool, 0);
}

static const cli_column calendar_columns[] = {
    {"date", "DATE"},
    {"occasion", "OCCASION"},
    {"name", "NAME"},
    {NULL, NULL},
};

static int care_calendar(cli_ctx *ctx, int argc, char **argv)
{
    const char *year_text = NULL;
    const cli_opt opts[] = {
        {"year", "YYYY", "the year (default: this year)", &year_text, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "care calendar",
        .synopsis = "[--year YYYY]",
        .about = "Lists the holidays of a year from the calendar in force.",
        .opts = opts,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char now[32];
    int64_t year = 0;
    crm_time_format(now, sizeof now, crm_db_now(ctx->db));
    if ((status = cli_parse_int(&year, "care calendar", "--year", year_text ? year_text : "0")))
        return status;
    if (!year_text)
        year = atoi(now);
    crm_iter *it = NULL;
    int rc = crm_care_calendar(&it, ctx->db, (int)year);
    return cli_print_listed(ctx, rc, it, calendar_columns);
}

static int care_config(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL;
    const cli_opt opts[] = {
        {"set", "FILE", "replace the configuration with this YAML file", &file, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "care config",
        .synopsis = "[--set FILE]",
        .about = "Prints the outreach configuration in force (SMS rules, retries, event\n"
                 "screening, pace, care, holiday calendar), or replaces it.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len = 0;
    if (file && (status = cli_read_text(&text, &len, file, "config", CLI_CONFIG_MAX)))
        return status;
    status = cli_open(ctx, 0, true);
    int rc = CRM_OK;
    if (!status && file)
        rc = crm_care_config_set(ctx->db, text, len);
    free(text);
    if (status || rc)
        return status ? status : cli_fail(ctx, rc);
    if (file)
        return cli_report(ctx, (const char *[]){"status", "stored", NULL}, "configuration stored");
    char *current = NULL;
    if ((rc = crm_care_config_get(&current, ctx->db)))
        return cli_fail(ctx, rc);
    fputs(current, stdout);
    crm_free(current);
    return CLI_EXIT_OK;
}

static const cli_command care_subcommands[] = {
    {"run", "generate a day's birthday and holiday greetings", care_run},
    {"calendar", "list a year's holidays", care_calendar},
    {"config", "show or replace the outreach configuration", care_config},
    {NULL, NULL, NULL},
};

int cmd_care(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "care",
        "Customer care: birthday and holiday greetings (lunar festivals by their Gregorian\n"
        "dates per year), once per customer and occasion.",
        care_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
