/* crm campaign create | from-template | templates | template-add | edit | submit | approve |
 * reject | target | targets | dispatch | schedule | start | pause | resume | complete |
 * archive | status | evaluate | reward | refer | list | cases | policy;
 * crm lead list | outcome */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column campaign_columns[] = {
    {"code", "CODE"},     {"version", "VER"},    {"name", "NAME"},  {"status", "STATUS"},
    {"budget", "BUDGET"}, {"start_at", "START"}, {"end_at", "END"}, {NULL, NULL},
};
static const cli_column template_columns[] = {
    {"name", "NAME"},
    {"builtin", "BUILTIN"},
    {"description", "DESCRIPTION"},
    {NULL, NULL},
};
static const cli_column case_columns[] = {
    {"code", "CODE"},         {"version", "VER"},       {"name", "NAME"},
    {"template", "TEMPLATE"}, {"completed_at", "DONE"}, {NULL, NULL},
};
static const cli_column target_columns[] = {
    {"customer_no", "CUSTOMER"}, {"name", "NAME"},     {"grp", "GROUP"}, {"reason", "REASON"},
    {"channel", "CHANNEL"},      {"status", "STATUS"}, {NULL, NULL},
};
static const cli_column lead_columns[] = {
    {"id", "ID"},      {"campaign", "CAMPAIGN"}, {"customer_no", "CUSTOMER"}, {"rm", "RM"},
    {"due_at", "DUE"}, {"status", "STATUS"},     {"overdue", "OVERDUE"},      {NULL, NULL},
};

/* The campaign's record after a change, or the failure. */
static int show(cli_ctx *ctx, int rc, const char *code)
{
    if (rc)
        return cli_fail(ctx, rc);
    crm_record *rec = NULL;
    rc = crm_campaign_get(&rec, ctx->db, code);
    return cli_print_fetched(ctx, rc, rec);
}

static int with_definition(cli_ctx *ctx, int argc, char **argv, bool edit)
{
    const char *code = NULL, *file = NULL;
    const cli_opt opts[] = {
        {"file", "FILE", "the definition, YAML or JSON (\"-\": standard input)", &file, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = edit ? "campaign edit" : "campaign create",
        .synopsis = "CODE --file FILE",
        .about = edit ? "Replaces a campaign's definition: a draft or rejected version in place,\n"
                        "an approved or later one as the next version (a draft)."
                      : "Creates a campaign (version 1, a draft) from a definition document\n"
                        "(docs/CAMPAIGNS.md).",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &code,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    char *text = NULL;
    size_t len;
    if (status != CLI_CONTINUE ||
        (status = cli_read_text(&text, &len, file, "definition", CLI_CONFIG_MAX)))
        return status;
    status = cli_open(ctx, 0, true);
    int rc = CRM_OK;
    if (!status)
        rc = edit ? crm_campaign_update(NULL, ctx->db, code, text)
                  : crm_campaign_create(ctx->db, code, text);
    free(text);
    return status ? status : show(ctx, rc, code);
}

static int campaign_create(cli_ctx *ctx, int argc, char **argv)
{
    return with_definition(ctx, argc, argv, false);
}

static int campaign_edit(cli_ctx *ctx, int argc, char **argv)
{
    return with_definition(ctx, argc, argv, true);
}

static int campaign_from_template(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *file = NULL;
    const cli_opt opts[] = {
        {"set", "FILE", "overrides: top-level keys replacing the template's (YAML or JSON)", &file,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "campaign from-template",
        .synopsis = "CODE TEMPLATE [--set FILE]",
        .about = "Creates a campaign from a template (crm campaign templates) with overrides.",
        .opts = opts,
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    char *text = NULL;
    size_t len;
    if (status != CLI_CONTINUE ||
        (file && (status = cli_read_text(&text, &len, file, "overrides", CLI_CONFIG_MAX))))
        return status;
    status = cli_open(ctx, 0, true);
    int rc = status ? CRM_OK : crm_campaign_from_template(ctx->db, args[0], args[1], text);
    free(text);
    return status ? status : show(ctx, rc, args[0]);
}

static int campaign_templates(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {.command = "campaign templates",
                           .about = "Lists the built-in templates and those added to this bank."};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_campaign_templates(&it, ctx->db);
    return cli_print_listed(ctx, rc, it, template_columns);
}

static int campaign_template_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *file = NULL;
    const cli_opt opts[] = {
        {"file", "FILE", "the template, a definition document", &file, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign template-add",
                           .synopsis = "NAME --file FILE",
                           .about = "Adds or replaces a template of this bank.",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &name};
    int status = cli_parse(ctx, &spec, argc, argv);
    char *text = NULL;
    size_t len;
    if (status != CLI_CONTINUE ||
        (status = cli_read_text(&text, &len, file, "template", CLI_CONFIG_MAX)))
        return status;
    status = cli_open(ctx, 0, true);
    int rc = status ? CRM_OK : crm_campaign_template_add(ctx->db, name, text);
    free(text);
    if (status || rc)
        return status ? status : cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"template", name, NULL}, "template %s stored", name);
}

/* A subcommand taking one campaign code and calling `fn`. */
static int code_only(cli_ctx *ctx, int argc, char **argv, const char *command, const char *about,
                     const char **code)
{
    const cli_spec spec = {.command = command,
                           .synopsis = "CODE",
                           .about = about,
                           .min_args = 1,
                           .max_args = 1,
                           .args = code};
    return cli_parse_open(ctx, &spec, argc, argv);
}

static int campaign_submit(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status = code_only(ctx, argc, argv, "campaign submit",
                           "Submits the latest version (a draft) for approval.", &code);
    return status != CLI_CONTINUE ? status : show(ctx, crm_campaign_submit(ctx->db, code), code);
}

static int campaign_approve(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status =
        code_only(ctx, argc, argv, "campaign approve",
                  "Approves the submitted version; the author may not (four eyes).", &code);
    return status != CLI_CONTINUE ? status : show(ctx, crm_campaign_approve(ctx->db, code), code);
}

static int campaign_reject(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"reason", "TEXT", "why (required)", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign reject",
                           .synopsis = "CODE --reason TEXT",
                           .about = "Rejects the submitted version with a reason.",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    return status != CLI_CONTINUE ? status
                                  : show(ctx, crm_campaign_reject(ctx->db, code, reason), code);
}

static int move(cli_ctx *ctx, int argc, char **argv, const char *command, const char *to,
                const char *about)
{
    const char *code = NULL;
    int status = code_only(ctx, argc, argv, command, about, &code);
    return status != CLI_CONTINUE ? status
                                  : show(ctx, crm_campaign_transition(ctx->db, code, to), code);
}

static int campaign_schedule(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign schedule", "scheduled",
                "Schedules an approved campaign that has its target list.");
}

static int campaign_start(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign start", "running", "Starts a scheduled campaign.");
}

static int campaign_pause(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign pause", "paused", "Pauses a running campaign.");
}

static int campaign_resume(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign resume", "running", "Resumes a paused campaign.");
}

static int campaign_complete(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign complete", "completed",
                "Completes a campaign: evaluates it and files it in the case library.");
}

static int campaign_archive(cli_ctx *ctx, int argc, char **argv)
{
    return move(ctx, argc, argv, "campaign archive", "archived", "Archives a completed campaign.");
}

static int campaign_status(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status = code_only(ctx, argc, argv, "campaign status",
                           "Shows the latest version of a campaign.", &code);
    return status != CLI_CONTINUE ? status : show(ctx, CRM_OK, code);
}

static int campaign_target(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status =
        code_only(ctx, argc, argv, "campaign target",
                  "Builds (again) the target list and prints the counts by reason.", &code);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_campaign_target(&rec, ctx->db, code);
    return cli_print_fetched(ctx, rc, rec);
}

static int campaign_targets(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *grp = NULL, *reason = NULL, *limit = NULL;
    const cli_opt opts[] = {
        {"group", "GRP", "target, control or suppressed", &grp, false},
        {"reason", "REASON", "a suppression reason", &reason, false},
        {"limit", "N", "at most N rows", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign targets",
                           .synopsis = "CODE [--group GRP] [--reason REASON] [--limit N]",
                           .about = "Lists the target list (the customers you may see).",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t n = 0;
    if (limit && (status = cli_parse_int(&n, "campaign targets", "--limit", limit)))
        return status;
    if ((status = cli_open(ctx, 0, true)))
        return status;
    crm_record *f = NULL;
    int rc = crm_record_new(&f);
    if (!rc)
        rc = cli_record_set_texts(f, (const char *[]){"grp", grp, "reason", reason, NULL});
    if (!rc && limit)
        rc = crm_record_set_int(f, "limit", n);
    crm_iter *it = NULL;
    if (!rc)
        rc = crm_campaign_targets(&it, ctx->db, code, f);
    crm_record_free(f);
    return cli_print_listed(ctx, rc, it, target_columns);
}

static int campaign_dispatch(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status = code_only(ctx, argc, argv, "campaign dispatch",
                           "Turns the target group into leads for relationship managers.", &code);
    if (status != CLI_CONTINUE)
        return status;
    int64_t created = 0, skipped = 0;
    int rc = crm_campaign_dispatch(&created, &skipped, ctx->db, code);
    if (rc)
        return cli_fail(ctx, rc);
    crm_record *counts = NULL;
    if (!(rc = crm_record_new(&counts)) && !(rc = crm_record_set_int(counts, "created", created)))
        rc = crm_record_set_int(counts, "skipped", skipped);
    status = rc ? cli_fail(ctx, rc)
                : cli_print_result(ctx, counts, "%lld leads created, %lld skipped",
                                   (long long)created, (long long)skipped);
    crm_record_free(counts);
    return status;
}

static int campaign_evaluate(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    int status = code_only(ctx, argc, argv, "campaign evaluate",
                           "Evaluates the campaign now (uplift, ROI, goals) and stores it.", &code);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_campaign_evaluate(&rec, ctx->db, code);
    if (rc)
        return cli_fail(ctx, rc);
    const char *json = NULL;
    crm_record_get_text(&json, rec, "json");
    if (ctx->json)
        printf("%s\n", json);
    else
        crm_record_unset(rec, "json");
    status = ctx->json ? CLI_EXIT_OK : cli_print_record(ctx, rec);
    crm_record_free(rec);
    return status;
}

static int campaign_reward(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *amount = NULL, *ref = NULL;
    const cli_opt opts[] = {
        {"amount", "YUAN", "the purchase amount", &amount, true},
        {"ref", "REF", "the purchase's reference (once per reference)", &ref, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign reward",
                           .synopsis = "CODE CUSTOMER_NO --amount YUAN --ref REF",
                           .about = "Answers and grants the reward for a purchase.",
                           .opts = opts,
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int status = cli_parse(ctx, &spec, argc, argv);
    int64_t fen = 0;
    if (status != CLI_CONTINUE ||
        (status = cli_parse_yuan(&fen, "campaign reward", "--amount", amount)) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    crm_record *rec = NULL;
    int rc = crm_campaign_reward(&rec, ctx->db, args[0], args[1], fen, ref);
    return cli_print_fetched(ctx, rc, rec);
}

static int campaign_refer(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[3] = {NULL, NULL, NULL};
    const cli_spec spec = {.command = "campaign refer",
                           .synopsis = "CODE REFERRER_NO REFEREE_NO",
                           .about =
                               "Registers a referral: both are rewarded when the referee buys.",
                           .min_args = 3,
                           .max_args = 3,
                           .args = args};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_campaign_referral_add(ctx->db, args[0], args[1], args[2]);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"referrer", args[1], "referee", args[2], NULL},
                      "%s referred %s", args[1], args[2]);
}

static int campaign_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *status_filter = NULL;
    const cli_opt opts[] = {
        {"status", "STATUS", "only campaigns in this status", &status_filter, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign list",
                           .synopsis = "[--status STATUS]",
                           .about = "Lists the latest version of every campaign.",
                           .opts = opts};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_campaign_list(&it, ctx->db, status_filter);
    return cli_print_listed(ctx, rc, it, campaign_columns);
}

static int campaign_cases(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {.command = "campaign cases",
                           .about = "Lists the case library: completed campaigns and results."};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_campaign_cases(&it, ctx->db);
    return cli_print_listed(ctx, rc, it, case_columns);
}

static int campaign_policy(cli_ctx *ctx, int argc, char **argv)
{
    const char *cap = NULL, *days = NULL, *quiet_start = NULL, *quiet_end = NULL, *offset = NULL;
    const cli_opt opts[] = {
        {"freq-cap", "N", "messages per window across campaigns", &cap, false},
        {"window-days", "D", "the rolling window in days", &days, false},
        {"quiet-start", "MIN", "quiet hours start, minutes after local midnight", &quiet_start,
         false},
        {"quiet-end", "MIN", "quiet hours end, minutes after local midnight", &quiet_end, false},
        {"utc-offset", "MIN", "local time zone, minutes east of UTC (480: UTC+8)", &offset, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "campaign policy",
                           .synopsis = "[--freq-cap N] [--window-days D] [--quiet-start MIN] "
                                       "[--quiet-end MIN] [--utc-offset MIN]",
                           .about = "Shows the contact policy, or changes the fields given.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    status = CLI_EXIT_OK;
    const char *values[] = {cap, days, quiet_start, quiet_end, offset};
    const char *fields[] = {"freq_cap", "freq_window_days", "quiet_start_min", "quiet_end_min",
                            "utc_offset_min"};
    crm_record *p = NULL;
    int rc = crm_record_new(&p);
    for (int i = 0; !rc && !status && i < 5; i++) {
        int64_t v;
        if (values[i] && !(status = cli_parse_int(&v, "campaign policy", fields[i], values[i])))
            rc = crm_record_set_int(p, fields[i], v);
    }
    if (!status && !rc)
        status = cli_open(ctx, 0, true);
    if (!status && !rc && crm_record_count(p) > 0)
        rc = crm_campaign_policy_set(ctx->db, p);
    crm_record_free(p);
    if (status || rc)
        return status ? status : cli_fail(ctx, rc);
    crm_record *rec = NULL;
    rc = crm_campaign_policy_get(&rec, ctx->db);
    return cli_print_fetched(ctx, rc, rec);
}

static const cli_command campaign_subcommands[] = {
    {"create", "create a campaign from a definition file", campaign_create},
    {"from-template", "create a campaign from a template with overrides", campaign_from_template},
    {"templates", "list the templates", campaign_templates},
    {"template-add", "add or replace a template of this bank", campaign_template_add},
    {"edit", "change the definition (a frozen version gets a successor)", campaign_edit},
    {"submit", "submit for approval", campaign_submit},
    {"approve", "approve (not the author: four eyes)", campaign_approve},
    {"reject", "reject with a reason", campaign_reject},
    {"target", "build the target list and count suppressions by reason", campaign_target},
    {"targets", "list the target list", campaign_targets},
    {"dispatch", "turn the target group into leads for RMs", campaign_dispatch},
    {"send", "queue the target group's messages and hand the due ones to the channels",
     cli_campaign_send},
    {"schedule", "schedule an approved, targeted campaign", campaign_schedule},
    {"start", "start a scheduled campaign", campaign_start},
    {"pause", "pause a running campaign", campaign_pause},
    {"resume", "resume a paused campaign", campaign_resume},
    {"complete", "complete: evaluate and add to the case library", campaign_complete},
    {"archive", "archive a completed campaign", campaign_archive},
    {"status", "show a campaign", campaign_status},
    {"evaluate", "evaluate: conversions, uplift, ROI, goals", campaign_evaluate},
    {"reward", "the reward for a purchase", campaign_reward},
    {"refer", "register a referral", campaign_refer},
    {"list", "list campaigns", campaign_list},
    {"cases", "the case library", campaign_cases},
    {"policy", "show or change the contact policy", campaign_policy},
    {NULL, NULL, NULL},
};

int cmd_campaign(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "campaign",
        "Marketing campaigns: plan from definitions or templates, approve (four eyes),\n"
        "target with suppressions, dispatch leads, reward, evaluate (docs/CAMPAIGNS.md).",
        campaign_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

/* ------------------------------------------------------------------ leads */

static int lead_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *campaign = NULL, *status_filter = NULL, *rm = NULL, *due = NULL;
    const cli_opt opts[] = {
        {"campaign", "CODE", "only this campaign's leads", &campaign, false},
        {"status", "STATUS", "open, contacted, interested, declined, converted", &status_filter,
         false},
        {"rm", "USER", "only this relationship manager's", &rm, false},
        {"due-before", "TIME", "due before this time (ISO-8601)", &due, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "lead list",
                           .synopsis = "[--campaign CODE] [--status S] [--rm USER] "
                                       "[--due-before TIME]",
                           .about = "Lists the leads you may see by due date (an RM: their own).",
                           .opts = opts};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *f = NULL;
    int rc = crm_record_new(&f);
    if (!rc)
        rc = cli_record_set_texts(f, (const char *[]){"campaign", campaign, "status", status_filter,
                                                      "rm", rm, "due_before", due, NULL});
    crm_iter *it = NULL;
    if (!rc)
        rc = crm_lead_list(&it, ctx->db, f);
    crm_record_free(f);
    return cli_print_listed(ctx, rc, it, lead_columns);
}

static int lead_outcome(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *amount = NULL, *note = NULL;
    const cli_opt opts[] = {
        {"amount", "YUAN", "the amount, for converted", &amount, false},
        {"note", "TEXT", "a note", &note, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "lead outcome",
                           .synopsis = "ID OUTCOME [--amount YUAN] [--note TEXT]",
                           .about = "Records a lead's outcome: contacted, interested, declined,\n"
                                    "or converted with --amount.",
                           .opts = opts,
                           .min_args = 2,
                           .max_args = 2,
                           .args = args};
    int status = cli_parse(ctx, &spec, argc, argv);
    int64_t id = 0, fen = 0;
    if (status != CLI_CONTINUE || (status = cli_parse_int(&id, "lead outcome", "ID", args[0])) ||
        (amount && (status = cli_parse_yuan(&fen, "lead outcome", "--amount", amount))) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    int rc = crm_lead_outcome(ctx->db, id, args[1], fen, note);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"id", args[0], "status", args[1], NULL}, "lead %s: %s",
                      args[0], args[1]);
}

static const cli_command lead_subcommands[] = {
    {"list", "list leads by due date", lead_list},
    {"outcome", "record a lead's outcome", lead_outcome},
    {NULL, NULL, NULL},
};

int cmd_lead(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "lead", "Relationship managers' tasks from campaigns and customer care.", lead_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
