/* crm segment create | preview | refresh | members | diff | list | delete */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column segment_columns[] = {
    {"name", "NAME"},     {"kind", "KIND"},       {"live", "LIVE"},
    {"branch", "BRANCH"}, {"members", "MEMBERS"}, {"refreshed_at", "REFRESHED"},
    {NULL, NULL},
};
static const cli_column member_columns[] = {
    {"customer_no", "CUSTOMER"}, {"name", "NAME"}, {"branch", "BRANCH"},
    {"manager", "MANAGER"},      {NULL, NULL},
};
static const cli_column diff_columns[] = {
    {"customer_no", "CUSTOMER"}, {"name", "NAME"}, {"change", "CHANGE"}, {"at", "AT"}, {NULL, NULL},
};

static int segment_create(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *rule_file = NULL, *live = NULL, *branch = NULL, *about = NULL;
    const char *static_list = NULL;
    const cli_opt opts[] = {
        {"rule", "FILE", "the rule, JSON or YAML (\"-\": standard input)", &rule_file, false},
        {"customers", "LIST", "a static segment: customer numbers separated by commas",
         &static_list, false},
        {"live", NULL, "keep membership current as customers change", &live, false},
        {"branch", "CODE", "the branch that owns it (default: yours)", &branch, false},
        {"description", "TEXT", "what the segment is for", &about, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "segment create",
        .synopsis = "NAME (--rule FILE | --customers LIST) [--live] [--branch CODE]",
        .about = "Creates a segment and computes its members. The rule uses the customer\n"
                 "vocabulary (docs/RULES.md); a static segment lists customer numbers.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (!rule_file == !static_list)
        return cli_usage_error("segment create", "give exactly one of --rule and --customers");
    char *text = NULL, *list = NULL;
    size_t len;
    if (rule_file && (status = cli_read_text(&text, &len, rule_file, "rule", CRM_RULE_MAX_TEXT)))
        return status;
    crm_record *o = NULL;
    int rc = crm_record_new(&o);
    if (!rc && live)
        rc = crm_record_set_int(o, "live", 1);
    if (!rc)
        rc =
            cli_record_set_texts(o, (const char *[]){"branch", branch, "description", about, NULL});
    status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status && text) {
        rc = crm_segment_create(ctx->db, name, text, o);
    } else if (!status) {
        const char *items[1024];
        size_t n = 0;
        list = strdup(static_list);
        for (char *p = strtok(list, ","); p && n < 1024; p = strtok(NULL, ","))
            items[n++] = p;
        rc = crm_segment_create_static(ctx->db, name, items, n, o);
    }
    if (!status && rc)
        status = cli_fail(ctx, rc);
    free(text);
    free(list);
    crm_record_free(o);
    if (status)
        return status;
    crm_record *seg = NULL;
    rc = crm_segment_get(&seg, ctx->db, name);
    return cli_print_fetched(ctx, rc, seg);
}

static int segment_set(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *op = NULL, *of = NULL;
    const cli_opt opts[] = {
        {"op", "OP", "union, intersection or exclusion (the first minus the others)", &op, true},
        {"of", "LIST", "the segments, separated by commas", &of, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "segment combine",
        .synopsis = "NAME --op OP --of A,B[,...]",
        .about = "Creates a segment from the current members of other segments.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_segment_kind kind = strcmp(op, "union") == 0          ? CRM_SEGMENT_UNION
                            : strcmp(op, "intersection") == 0 ? CRM_SEGMENT_INTERSECTION
                            : strcmp(op, "exclusion") == 0    ? CRM_SEGMENT_EXCLUSION
                                                              : 0;
    if (!kind)
        return cli_usage_error("segment combine",
                               "--op: %s is not union, intersection or "
                               "exclusion",
                               op);
    if ((status = cli_open(ctx, 0, true)))
        return status;
    char *list = strdup(of);
    const char *items[64];
    size_t n = 0;
    for (char *p = strtok(list, ","); p && n < 64; p = strtok(NULL, ","))
        items[n++] = p;
    int rc = crm_segment_create_set(ctx->db, name, kind, items, n, NULL);
    free(list);
    if (rc)
        return cli_fail(ctx, rc);
    crm_record *seg = NULL;
    rc = crm_segment_get(&seg, ctx->db, name);
    return cli_print_fetched(ctx, rc, seg);
}

static int segment_preview(cli_ctx *ctx, int argc, char **argv)
{
    const char *rule_file = NULL, *branch = NULL;
    const cli_opt opts[] = {
        {"rule", "FILE", "the rule, JSON or YAML (\"-\": standard input)", &rule_file, true},
        {"branch", "CODE", "count within this branch (default: yours)", &branch, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "segment preview",
        .synopsis = "--rule FILE [--branch CODE]",
        .about = "Counts the customers a rule would hold, without saving anything.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len;
    if ((status = cli_read_text(&text, &len, rule_file, "rule", CRM_RULE_MAX_TEXT)))
        return status;
    int64_t count = 0;
    int rc = CRM_OK;
    status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_segment_preview(&count, ctx->db, text, branch)))
        status = cli_fail(ctx, rc);
    free(text);
    if (status)
        return status;
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)count);
    if (ctx->json)
        printf("{\"count\":%s}\n", n);
    else
        printf("%s customers\n", n);
    return CLI_EXIT_OK;
}

/* The commands that take only a segment name. */
static int parse_name(cli_ctx *ctx, int argc, char **argv, const char *command, const char *about,
                      const char **name)
{
    const cli_spec spec = {
        .command = command,
        .synopsis = "NAME",
        .about = about,
        .min_args = 1,
        .max_args = 1,
        .args = name,
    };
    return cli_parse_open(ctx, &spec, argc, argv);
}

static int segment_refresh(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    int status = parse_name(ctx, argc, argv, "segment refresh",
                            "Recomputes the members and records who joined and who left.", &name);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *r = NULL;
    int rc = crm_segment_refresh(&r, ctx->db, name);
    return cli_print_fetched(ctx, rc, r);
}

/* One JSON object per line with --json (a stream a program reads as it
 * comes), a table otherwise. */
static int print_lines(cli_ctx *ctx, int rc, crm_iter *it, const cli_column *cols)
{
    if (rc)
        return cli_fail(ctx, rc);
    if (!ctx->json) {
        int status = cli_print_iter(ctx, it, cols);
        crm_iter_free(it);
        return status;
    }
    const crm_record *r;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        char *json = NULL;
        if ((rc = crm_record_to_json(&json, r)))
            break;
        puts(json);
        crm_free(json);
    }
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

static int segment_members(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    int status = parse_name(ctx, argc, argv, "segment members",
                            "Lists the members you may see (an RM: their own customers).\n"
                            "With --json, one JSON object per line.",
                            &name);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_segment_members(&it, ctx->db, name);
    return print_lines(ctx, rc, it, member_columns);
}

static int segment_diff(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    int status = parse_name(ctx, argc, argv, "segment diff",
                            "Lists who joined and who left since the last refresh.", &name);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_segment_diff(&it, ctx->db, name);
    return print_lines(ctx, rc, it, diff_columns);
}

static int segment_delete(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    int status = parse_name(ctx, argc, argv, "segment delete", "Deletes a segment.", &name);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_segment_delete(ctx->db, name);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"name", name, "status", "deleted", NULL},
                      "segment %s deleted", name);
}

static int segment_list(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "segment list",
        .synopsis = "",
        .about = "Lists the segments you see: your branch's and head office's.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)))
        return status;
    crm_iter *it = NULL;
    int rc = crm_segment_list(&it, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, segment_columns);
    crm_iter_free(it);
    return status;
}

static const cli_command segment_subcommands[] = {
    {"create", "create a rule or static segment", segment_create},
    {"combine", "create a union, intersection or exclusion of segments", segment_set},
    {"preview", "count a rule's customers without saving", segment_preview},
    {"refresh", "recompute a segment's members", segment_refresh},
    {"members", "list a segment's members", segment_members},
    {"diff", "who joined and who left since the last refresh", segment_diff},
    {"list", "list segments", segment_list},
    {"delete", "delete a segment", segment_delete},
    {NULL, NULL, NULL},
};

int cmd_segment(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "segment",
        "Customer segments: rules over the customer vocabulary, static lists and set\n"
        "operations; live segments follow customers' changes at once.",
        segment_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
