/* crm complaint open | assign | transition | note | extend | rate | list |
 * show | history | reveal | sla-scan | hotspots | stats | terms | team-add |
 * member-add | config (include/crm/complaint.h, docs/COMPLAINTS.md). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column ticket_columns[] = {
    {"ticket_no", "TICKET"},
    {"state", "STATE"},
    {"channel", "CHANNEL"},
    {"category", "CATEGORY"},
    {"severity", "SEVERITY"},
    {"assignee", "ASSIGNEE"},
    {"opened_at", "OPENED"},
    {"resolve_due_at", "DUE"},
    {"escalation_level", "ESC"},
    {"subject", "SUBJECT"},
    {NULL, NULL},
};

static const cli_column history_columns[] = {
    {"at", "TIME"},     {"actor", "ACTOR"}, {"kind", "EVENT"}, {"from_state", "FROM"},
    {"to_state", "TO"}, {"note", "NOTE"},   {NULL, NULL},
};

/* Runs `call` on a new record of text pairs and an open database; the
 * record is NULL when no pair is set and `null_if_empty`. */
static int with_record(cli_ctx *ctx, const char *const *pairs, bool null_if_empty,
                       int (*call)(cli_ctx *ctx, const crm_record *rec, void *arg), void *arg)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = cli_record_set_texts(rec, pairs);
    int status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status)
        status = call(ctx, null_if_empty && !crm_record_count(rec) ? NULL : rec, arg);
    crm_record_free(rec);
    return status;
}

/* Sets integer fields from option texts (name, text pairs; NULL texts
 * skipped). Returns an exit status. */
static int set_ints(cli_ctx *ctx, const char *command, const char *const *pairs, crm_record **rec)
{
    int status = CLI_EXIT_OK;
    for (int i = 0; !status && pairs[i]; i += 2) {
        int64_t v;
        if (!pairs[i + 1])
            continue;
        status = cli_parse_int(&v, command, pairs[i], pairs[i + 1]);
        if (!status && crm_record_set_int(*rec, pairs[i], v))
            status = cli_fail(ctx, CRM_E_NOMEM);
    }
    return status;
}

/* ------------------------------------------------------------------- open */

static int report_ticket(cli_ctx *ctx, const char *ticket, const char *what);

static int do_open(cli_ctx *ctx, const crm_record *rec, void *arg)
{
    (void)arg;
    char *ticket = NULL;
    int rc = crm_complaint_open(&ticket, ctx->db, rec);
    if (rc)
        return cli_fail(ctx, rc);
    int status = report_ticket(ctx, ticket, "opened");
    crm_free(ticket);
    return status;
}

static int complaint_open(cli_ctx *ctx, int argc, char **argv)
{
    const char *channel = NULL, *category = NULL, *severity = NULL, *subject = NULL, *body = NULL,
               *customer = NULL, *name = NULL, *phone = NULL, *email = NULL, *product = NULL,
               *branch = NULL;
    const cli_opt opts[] = {
        {"channel", "CHANNEL", "phone, email, online, branch, social or regulator", &channel, true},
        {"category", "CATEGORY", "a category of the workflow configuration", &category, true},
        {"subject", "TEXT", "one line (up to 200 characters)", &subject, true},
        {"body", "TEXT", "the complaint in full", &body, true},
        {"severity", "LEVEL", "low, medium (default), high or critical", &severity, false},
        {"customer", "NO", "the customer's number, when a customer complains", &customer, false},
        {"contact-name", "TEXT", "the complainant's name (stored masked)", &name, false},
        {"contact-phone", "PHONE", "mobile number (sealed, shown masked)", &phone, false},
        {"contact-email", "EMAIL", "email address (sealed, shown masked)", &email, false},
        {"product", "CODE", "the product concerned", &product, false},
        {"branch", "CODE", "the branch (default: the customer's, else yours)", &branch, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "complaint open",
        .synopsis = "--channel CHANNEL --category CATEGORY --subject TEXT --body TEXT [options]",
        .about = "Opens a complaint, starts its clocks and assigns it by the rules. Prints the\n"
                 "ticket number.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"channel",
                                 channel,
                                 "category",
                                 category,
                                 "severity",
                                 severity,
                                 "subject",
                                 subject,
                                 "body",
                                 body,
                                 "customer_no",
                                 customer,
                                 "contact_name",
                                 name,
                                 "contact_phone",
                                 phone,
                                 "contact_email",
                                 email,
                                 "product_code",
                                 product,
                                 "branch",
                                 branch,
                                 NULL};
    return with_record(ctx, pairs, false, do_open, NULL);
}

/* ------------------------------------------------------ ticket commands */

static int report_ticket(cli_ctx *ctx, const char *ticket, const char *what)
{
    crm_record *r = NULL;
    int rc = crm_complaint_get(&r, ctx->db, ticket);
    if (rc)
        return cli_fail(ctx, rc);
    const char *state = "", *assignee = "-";
    crm_record_get_text(&state, r, "state");
    crm_record_get_text(&assignee, r, "assignee");
    int status = cli_print_result(ctx, r, "%s %s: %s, %s", what, ticket, state, assignee);
    crm_record_free(r);
    return status;
}

static int complaint_assign(cli_ctx *ctx, int argc, char **argv)
{
    const char *ticket = NULL, *to = NULL, *note = NULL;
    const cli_opt opts[] = {
        {"to", "USER", "the handler (default: by the assignment rules)", &to, false},
        {"note", "TEXT", "why", &note, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint assign",
                           .synopsis = "TICKET [--to USER] [--note TEXT]",
                           .about = "Assigns a ticket to a handler, or by the rules.",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &ticket};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_complaint_assign(ctx->db, ticket, to, note);
    return rc ? cli_fail(ctx, rc) : report_ticket(ctx, ticket, "assigned");
}

static int complaint_transition(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *note = NULL;
    const cli_opt opts[] = {
        {"note", "TEXT", "a note; required for some states (resolved: the resolution)", &note,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "complaint transition",
        .synopsis = "TICKET STATE [--note TEXT]",
        .about = "Moves a ticket to STATE if the workflow allows it; otherwise exits 6 with the\n"
                 "reason and the states allowed from where the ticket stands.",
        .opts = opts,
        .min_args = 2,
        .max_args = 2,
        .args = args};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_complaint_transition(ctx->db, args[0], args[1], note);
    return rc ? cli_fail(ctx, rc) : report_ticket(ctx, args[0], "moved");
}

typedef int (*ticket_text_fn)(crm_db *db, const char *ticket, const char *text);

static int ticket_text(cli_ctx *ctx, int argc, char **argv, const char *command, const char *about,
                       ticket_text_fn fn, const char *done)
{
    const char *args[2] = {NULL, NULL};
    const cli_spec spec = {.command = command,
                           .synopsis = "TICKET TEXT",
                           .about = about,
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = fn(ctx->db, args[0], args[1]);
    return rc ? cli_fail(ctx, rc) : report_ticket(ctx, args[0], done);
}

static int complaint_note(cli_ctx *ctx, int argc, char **argv)
{
    return ticket_text(ctx, argc, argv, "complaint note", "Adds a note to a ticket's history.",
                       crm_complaint_note, "noted");
}

static int complaint_extend(cli_ctx *ctx, int argc, char **argv)
{
    return ticket_text(ctx, argc, argv, "complaint extend",
                       "Extends the resolution deadline once (15 to 30 days by default); TEXT\n"
                       "is the reason, recorded and audited.",
                       crm_complaint_extend, "extended");
}

static int complaint_rate(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL};
    const cli_spec spec = {.command = "complaint rate",
                           .synopsis = "TICKET SCORE",
                           .about = "Records the customer's satisfaction, 1..5.",
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int64_t score = 0;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    status = cli_parse_int(&score, "complaint rate", "SCORE", args[1]);
    if (!status && (score < 1 || score > 5))
        status = cli_usage_error("complaint rate", "SCORE must be 1..5");
    if (!status)
        status = cli_open(ctx, 0, true);
    if (status)
        return status;
    int rc = crm_complaint_rate(ctx->db, args[0], (int)score);
    return rc ? cli_fail(ctx, rc) : report_ticket(ctx, args[0], "rated");
}

static int one_ticket_arg(cli_ctx *ctx, int argc, char **argv, const char *command,
                          const char *about, const char **ticket)
{
    const cli_spec spec = {.command = command,
                           .synopsis = "TICKET",
                           .about = about,
                           .min_args = 1,
                           .max_args = 1,
                           .args = ticket};
    return cli_parse_open(ctx, &spec, argc, argv);
}

static int complaint_show(cli_ctx *ctx, int argc, char **argv)
{
    const char *ticket = NULL;
    int status =
        one_ticket_arg(ctx, argc, argv, "complaint show",
                       "Shows a ticket: contact details masked, deadlines, escalation.", &ticket);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *r = NULL;
    int rc = crm_complaint_get(&r, ctx->db, ticket);
    return cli_print_fetched(ctx, rc, r);
}

static int complaint_history(cli_ctx *ctx, int argc, char **argv)
{
    const char *ticket = NULL;
    int status =
        one_ticket_arg(ctx, argc, argv, "complaint history",
                       "Lists every transition, assignment, note and escalation.", &ticket);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_complaint_history(&it, ctx->db, ticket);
    return cli_print_listed(ctx, rc, it, history_columns);
}

static int complaint_reveal(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *reason = NULL;
    const cli_opt opts[] = {
        {"reason", "TEXT", "why the clear text is needed (audited)", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint reveal",
                           .synopsis = "TICKET contact_phone|contact_email --reason TEXT",
                           .about =
                               "Prints a sealed contact detail in clear; audited with the reason.",
                           .opts = opts,
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *clear = NULL;
    int rc = crm_complaint_reveal(&clear, ctx->db, args[0], args[1], reason);
    if (rc)
        return cli_fail(ctx, rc);
    printf("%s\n", clear);
    crm_free(clear);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------- list */

typedef struct query_call {
    int (*fn)(crm_iter **out, crm_db *db, const crm_record *query);
    const cli_column *cols;
    const char *const *ints; /* name, text pairs of integer options */
    const char *command;
} query_call;

static int do_query(cli_ctx *ctx, const crm_record *rec, void *arg)
{
    const query_call *q = arg;
    crm_record *copy = (crm_record *)rec;
    crm_record *fresh = NULL;
    if (!copy && crm_record_new(&fresh) == CRM_OK)
        copy = fresh;
    int status = copy ? set_ints(ctx, q->command, q->ints, &copy) : cli_fail(ctx, CRM_E_NOMEM);
    crm_iter *it = NULL;
    if (!status) {
        int rc = q->fn(&it, ctx->db, crm_record_count(copy) ? copy : NULL);
        status = cli_print_listed(ctx, rc, it, q->cols);
    }
    crm_record_free(fresh);
    return status;
}

static int complaint_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *state = NULL, *channel = NULL, *category = NULL, *severity = NULL, *assignee = NULL,
               *customer = NULL, *open = NULL, *since = NULL, *until = NULL, *limit = NULL,
               *kind = NULL;
    const cli_opt opts[] = {
        {"state", "STATE", "only tickets in this state", &state, false},
        {"channel", "CHANNEL", "only from this channel", &channel, false},
        {"category", "CATEGORY", "only of this category", &category, false},
        {"severity", "LEVEL", "only of this severity", &severity, false},
        {"kind", "KIND", "complaint or consultation", &kind, false},
        {"assignee", "USER", "only assigned to this user", &assignee, false},
        {"customer", "NO", "only of this customer", &customer, false},
        {"open", NULL, "only tickets not closed", &open, false},
        {"since", "TIME", "opened at or after (ISO-8601 or date)", &since, false},
        {"until", "TIME", "opened before", &until, false},
        {"limit", "N", "at most N tickets", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint list",
                           .synopsis = "[options]",
                           .about = "Lists the tickets you may see, newest first.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"state",    state,      "channel",     channel,  "category",
                                 category,   "severity", severity,      "kind",   kind,
                                 "assignee", assignee,   "customer_no", customer, "since",
                                 since,      "until",    until,         NULL};
    const char *const ints[] = {"open", open, "limit", limit, NULL};
    query_call q = {crm_complaint_list, ticket_columns, ints, "complaint list"};
    return with_record(ctx, pairs, true, do_query, &q);
}

/* --------------------------------------------------------------- sla-scan */

static int print_notice(const crm_record *notice, void *payload)
{
    cli_ctx *ctx = payload;
    if (ctx->json) {
        char *json = NULL;
        if (crm_record_to_json(&json, notice) == CRM_OK)
            fprintf(stderr, "%s\n", json);
        crm_free(json);
        return 0;
    }
    const char *t = "", *event = "", *who = "", *due = "";
    crm_record_get_text(&t, notice, "ticket_no");
    crm_record_get_text(&event, notice, "event");
    crm_record_get_text(&who, notice, "recipient");
    crm_record_get_text(&due, notice, "due_at");
    printf("%s %s -> %s%s%s\n", t, event, *who ? who : "(nobody)", *due ? " due " : "", due);
    return 0;
}

static int complaint_sla_scan(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "complaint sla-scan",
        .synopsis = "",
        .about = "Checks every open ticket against its deadlines, escalates at-risk and breached\n"
                 "ones (handler, supervisor, branch manager) and reassigns tickets of disabled\n"
                 "handlers. Prints one line per notice (JSON lines on stderr with --json), then\n"
                 "the summary. Run it from a scheduler as a complaint admin.",
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *sum = NULL;
    int rc = crm_complaint_sla_scan(&sum, ctx->db, print_notice, ctx);
    if (rc)
        return cli_fail(ctx, rc);
    int64_t n[5] = {0};
    const char *names[] = {"scanned", "at_risk", "breached", "escalated", "reassigned"};
    for (int i = 0; i < 5; i++)
        crm_record_get_int(&n[i], sum, names[i]);
    status = cli_print_result(ctx, sum,
                              "scanned %lld open tickets: %lld at risk, %lld breached, %lld"
                              " escalated, %lld reassigned",
                              (long long)n[0], (long long)n[1], (long long)n[2], (long long)n[3],
                              (long long)n[4]);
    crm_record_free(sum);
    return status;
}

/* --------------------------------------------------------------- analysis */

static const cli_column hotspot_columns[] = {
    {"key", "KEY"},           {"bucket_start", "FROM"},
    {"count", "COUNT"},       {"trailing_avg_x100", "AVG x100"},
    {"ratio_pct", "RATIO %"}, {NULL, NULL},
};

static int complaint_hotspots(cli_ctx *ctx, int argc, char **argv)
{
    const char *by = NULL, *since = NULL, *until = NULL, *bucket = NULL, *window = NULL,
               *factor = NULL, *min_count = NULL;
    const cli_opt opts[] = {
        {"since", "TIME", "first day looked at", &since, true},
        {"until", "TIME", "end of the period (exclusive)", &until, true},
        {"by", "DIM", "category (default), product, branch, channel, severity, kind", &by, false},
        {"bucket", "day|week", "bucket size (default day)", &bucket, false},
        {"window", "N", "trailing buckets averaged (default 7)", &window, false},
        {"factor-pct", "N", "spike when count >= N% of the trailing average (default 200)", &factor,
         false},
        {"min-count", "N", "ignore buckets with fewer complaints (default 5)", &min_count, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint hotspots",
                           .synopsis = "--since TIME --until TIME [options]",
                           .about = "Finds spikes: buckets where a dimension's volume stands well "
                                    "above its\ntrailing average. Highest ratio first.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"by", by, "since", since, "until", until, "bucket", bucket, NULL};
    const char *const ints[] = {"window",    window,    "factor_pct", factor,
                                "min_count", min_count, NULL};
    query_call q = {crm_complaint_hotspots, hotspot_columns, ints, "complaint hotspots"};
    return with_record(ctx, pairs, false, do_query, &q);
}

static const cli_column stats_columns[] = {
    {"key", "KEY"},
    {"count", "COUNT"},
    {"open", "OPEN"},
    {"resolved", "RESOLVED"},
    {"avg_resolution_minutes", "AVG MIN"},
    {"sla_compliance_pct", "SLA %"},
    {"avg_satisfaction_x100", "SAT x100"},
    {NULL, NULL},
};

static int complaint_stats(cli_ctx *ctx, int argc, char **argv)
{
    const char *by = NULL, *since = NULL, *until = NULL;
    const cli_opt opts[] = {
        {"by", "DIM", "category, product, branch, channel, severity, kind or all", &by, true},
        {"since", "TIME", "opened at or after", &since, false},
        {"until", "TIME", "opened before", &until, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint stats",
                           .synopsis = "--by DIM [--since TIME] [--until TIME]",
                           .about = "Volumes, resolution times, SLA compliance and satisfaction "
                                    "per group.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"by", by, "since", since, "until", until, NULL};
    const char *const none[] = {NULL};
    query_call q = {crm_complaint_stats, stats_columns, none, "complaint stats"};
    return with_record(ctx, pairs, false, do_query, &q);
}

static const cli_column term_columns[] = {{"term", "TERM"}, {"count", "TICKETS"}, {NULL, NULL}};

static int complaint_terms(cli_ctx *ctx, int argc, char **argv)
{
    const char *since = NULL, *until = NULL, *category = NULL, *limit = NULL;
    const cli_opt opts[] = {
        {"since", "TIME", "opened at or after", &since, false},
        {"until", "TIME", "opened before", &until, false},
        {"category", "CATEGORY", "only this category", &category, false},
        {"limit", "N", "how many terms (default 20)", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint terms",
                           .synopsis = "[options]",
                           .about = "The most frequent terms in complaints' subjects and bodies.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"since", since, "until", until, "category", category, NULL};
    const char *const ints[] = {"limit", limit, NULL};
    query_call q = {crm_complaint_terms, term_columns, ints, "complaint terms"};
    return with_record(ctx, pairs, true, do_query, &q);
}

/* ----------------------------------------------------------- teams, config */

static int do_team_add(cli_ctx *ctx, const crm_record *rec, void *arg)
{
    const char *code = arg;
    int rc = crm_complaint_team_add(ctx->db, rec);
    return rc ? cli_fail(ctx, rc)
              : cli_report(ctx, (const char *[]){"code", code, "status", "added", NULL},
                           "team %s added", code);
}

static int complaint_team_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *name = NULL, *strategy = NULL, *supervisor = NULL;
    const cli_opt opts[] = {
        {"name", "TEXT", "the team's name", &name, true},
        {"strategy", "S", "least_open (default) or round_robin", &strategy, false},
        {"supervisor", "USER", "second rung of the escalation ladder", &supervisor, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint team-add",
                           .synopsis = "CODE --name TEXT [--strategy S] [--supervisor USER]",
                           .about = "Adds a handling team; assignment rules name it by CODE.",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const pairs[] = {"code",   code,         "name",     name, "strategy",
                                 strategy, "supervisor", supervisor, NULL};
    return with_record(ctx, pairs, false, do_team_add, (void *)code);
}

static int complaint_member_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *skills = NULL;
    const cli_opt opts[] = {
        {"skills", "LIST", "comma-separated categories (default: any)", &skills, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "complaint member-add",
                           .synopsis = "TEAM USER [--skills LIST]",
                           .about = "Adds a handler to a team.",
                           .opts = opts,
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_complaint_team_member_add(ctx->db, args[0], args[1], skills);
    return rc ? cli_fail(ctx, rc)
              : cli_report(ctx, (const char *[]){"team", args[0], "user", args[1], NULL},
                           "%s joined team %s", args[1], args[0]);
}

static int complaint_config(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL;
    const cli_spec spec = {
        .command = "complaint config",
        .synopsis = "[FILE]",
        .about = "Without FILE prints the workflow configuration in force (YAML). With FILE\n"
                 "(\"-\": standard input) checks and stores it: states, transitions, deadlines,\n"
                 "business hours, categories and assignment rules (docs/COMPLAINTS.md).",
        .min_args = 0,
        .max_args = 1,
        .args = &file};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len = 0;
    if (!file) {
        int rc = crm_complaint_config_get(&text, ctx->db);
        if (rc)
            return cli_fail(ctx, rc);
        fputs(text, stdout);
        crm_free(text);
        return CLI_EXIT_OK;
    }
    if ((status = cli_read_text(&text, &len, file, "config", CLI_CONFIG_MAX)))
        return status;
    int rc = crm_complaint_config_set(ctx->db, text, len);
    free(text);
    return rc ? cli_fail(ctx, rc)
              : cli_report(ctx, (const char *[]){"status", "stored", NULL},
                           "complaint configuration stored");
}

static const cli_command complaint_subcommands[] = {
    {"open", "open a complaint (assigned by the rules)", complaint_open},
    {"assign", "assign a ticket to a handler or by the rules", complaint_assign},
    {"transition", "move a ticket to another state", complaint_transition},
    {"note", "add a note to a ticket", complaint_note},
    {"extend", "extend the resolution deadline once, with a reason", complaint_extend},
    {"rate", "record the customer's satisfaction (1..5)", complaint_rate},
    {"list", "list tickets, optionally filtered", complaint_list},
    {"show", "show one ticket", complaint_show},
    {"history", "a ticket's transitions, notes and escalations", complaint_history},
    {"reveal", "a sealed contact detail in clear (audited)", complaint_reveal},
    {"sla-scan", "escalate at-risk and breached tickets", complaint_sla_scan},
    {"hotspots", "spikes against the trailing average", complaint_hotspots},
    {"stats", "volumes, resolution times, SLA compliance, satisfaction", complaint_stats},
    {"terms", "frequent terms in complaints", complaint_terms},
    {"team-add", "add a handling team", complaint_team_add},
    {"member-add", "add a handler to a team", complaint_member_add},
    {"config", "show or replace the workflow configuration", complaint_config},
    {NULL, NULL, NULL},
};

int cmd_complaint(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "complaint",
        "Complaints from every channel: a YAML-defined workflow (new, assigned, in_progress,\n"
        "waiting_customer, resolved, closed), deadlines per severity and channel, assignment\n"
        "rules, SLA escalation and hotspot analysis.",
        complaint_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
