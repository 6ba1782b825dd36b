/* crm tag add-category | add | apply | remove | list | stats | refresh */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column tree_columns[] = {
    {"path", "PATH"}, {"kind", "KIND"}, {"rule", "RULE"}, {"description", "DESCRIPTION"},
    {NULL, NULL},
};
static const cli_column customer_columns[] = {
    {"tag", "TAG"},     {"category", "CATEGORY"}, {"source", "SOURCE"}, {"valid_from", "FROM"},
    {"valid_to", "TO"}, {"valid", "VALID"},       {NULL, NULL},
};
static const cli_column stats_columns[] = {
    {"category", "CATEGORY"},
    {"tag", "TAG"},
    {"customers", "CUSTOMERS"},
    {"manual", "MANUAL"},
    {"rule", "RULE"},
    {"model", "MODEL"},
    {NULL, NULL},
};

static int print_and_free(cli_ctx *ctx, int rc, crm_iter *it, const cli_column *cols)
{
    if (rc)
        return cli_fail(ctx, rc);
    int status = cli_print_iter(ctx, it, cols);
    crm_iter_free(it);
    return status;
}

static int tag_add_category(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *parent = NULL, *about = NULL;
    const cli_opt opts[] = {
        {"parent", "CATEGORY", "make it a subcategory of this category", &parent, false},
        {"description", "TEXT", "what it groups", &about, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "tag add-category",
        .synopsis = "NAME [--parent CATEGORY]",
        .about = "Adds a category, or with --parent a subcategory.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)))
        return status;
    int rc = crm_tag_category_add(ctx->db, name, parent, about);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"name", name, "status", "added", NULL}, "%s %s added",
                      parent ? "subcategory" : "category", name);
}

static int tag_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *parent = NULL, *about = NULL, *rule_file = NULL;
    const cli_opt opts[] = {
        {"parent", "CATEGORY", "the category or subcategory it belongs to", &parent, true},
        {"description", "TEXT", "what it means", &about, false},
        {"rule", "FILE", "a rule (JSON or YAML) that decides who has it on refresh", &rule_file,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "tag add",
        .synopsis = "NAME --parent CATEGORY [--rule FILE]",
        .about = "Adds a tag. With --rule, `crm tag refresh` gives it to the customers the\n"
                 "rule matches and takes it from the others.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len;
    if (rule_file && (status = cli_read_text(&text, &len, rule_file, "rule", CRM_RULE_MAX_TEXT)))
        return status;
    int rc = CRM_OK;
    status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_tag_add(ctx->db, name, parent, about)) == CRM_OK && text)
        rc = crm_tag_set_rule(ctx->db, name, text);
    free(text);
    if (!status && rc)
        status = cli_fail(ctx, rc);
    if (status)
        return status;
    return cli_report(ctx, (const char *[]){"name", name, "status", "added", NULL}, "tag %s added",
                      name);
}

static int parse_source(const char *command, const char *text, crm_tag_source *out)
{
    *out = !text || strcmp(text, "manual") == 0 ? CRM_TAG_MANUAL
           : strcmp(text, "model") == 0         ? CRM_TAG_MODEL
                                                : 0;
    return *out ? CLI_EXIT_OK
                : cli_usage_error(command, "--source: %s is not manual or model", text);
}

static int tag_apply(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *source = NULL, *from = NULL, *to = NULL;
    const cli_opt opts[] = {
        {"source", "SOURCE", "manual (default) or model", &source, false},
        {"from", "TIME", "valid from (ISO-8601 time or date; default now)", &from, false},
        {"to", "TIME", "valid until, exclusive (default: open-ended)", &to, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "tag apply",
        .synopsis = "CUSTOMER_NO TAG [--source manual|model] [--from TIME] [--to TIME]",
        .about = "Tags a customer you can see, for a validity period.",
        .opts = opts,
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    crm_tag_source src;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_source("tag apply", source, &src)) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    int rc = crm_tag_apply(ctx->db, args[0], args[1], src, from, to);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"customer_no", args[0], "tag", args[1], NULL},
                      "%s tagged %s", args[0], args[1]);
}

static int tag_remove(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL}, *source = NULL;
    const cli_opt opts[] = {
        {"source", "SOURCE", "manual (default) or model", &source, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "tag remove",
        .synopsis = "CUSTOMER_NO TAG [--source manual|model]",
        .about = "Removes a customer's tag from one source.",
        .opts = opts,
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    crm_tag_source src;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = parse_source("tag remove", source, &src)) ||
        (status = cli_open(ctx, 0, true)))
        return status;
    int rc = crm_tag_remove(ctx->db, args[0], args[1], src);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"customer_no", args[0], "tag", args[1], NULL},
                      "%s no longer tagged %s", args[0], args[1]);
}

static int tag_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *customer = NULL;
    const cli_spec spec = {
        .command = "tag list",
        .synopsis = "[CUSTOMER_NO]",
        .about = "Lists the taxonomy, or a customer's tags with source and validity.",
        .max_args = 1,
        .args = &customer,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)))
        return status;
    crm_iter *it = NULL;
    int rc = customer ? crm_tag_customer_list(&it, ctx->db, customer) : crm_tag_list(&it, ctx->db);
    return print_and_free(ctx, rc, it, customer ? customer_columns : tree_columns);
}

static int tag_stats(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "tag stats",
        .synopsis = "",
        .about = "Customers holding each tag now, in total and by source (your customers).",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)))
        return status;
    crm_iter *it = NULL;
    int rc = crm_tag_stats(&it, ctx->db);
    return print_and_free(ctx, rc, it, stats_columns);
}

static int tag_refresh(cli_ctx *ctx, int argc, char **argv)
{
    const char *tag = NULL;
    const cli_spec spec = {
        .command = "tag refresh",
        .synopsis = "[TAG]",
        .about = "Re-applies rule tags (one, or all with a rule).",
        .max_args = 1,
        .args = &tag,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)))
        return status;
    int64_t changed = 0;
    int rc = crm_tag_refresh(&changed, ctx->db, tag);
    if (rc)
        return cli_fail(ctx, rc);
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)changed);
    return cli_report(ctx, (const char *[]){"changed", n, NULL}, "%s tag applications changed", n);
}

static const cli_command tag_subcommands[] = {
    {"add-category", "add a category or subcategory", tag_add_category},
    {"add", "add a tag, optionally with a rule", tag_add},
    {"apply", "tag a customer", tag_apply},
    {"remove", "untag a customer", tag_remove},
    {"list", "the taxonomy, or one customer's tags", tag_list},
    {"stats", "customers per tag, by source", tag_stats},
    {"refresh", "re-apply rule tags", tag_refresh},
    {NULL, NULL, NULL},
};

int cmd_tag(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "tag",
        "The tag system: categories > subcategories > tags, applied by hand, by rule or by\n"
        "models, each with a validity period.",
        tag_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
