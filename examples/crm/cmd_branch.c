/* crm branch add | list | show */
#include "cli.h"

static const cli_column branch_columns[] = {
    {"code", "CODE"}, {"name", "NAME"}, {"parent", "PARENT"}, {"level", "LEVEL"}, {NULL, NULL},
};

static int branch_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *name = NULL, *parent = NULL;
    const cli_opt opts[] = {
        {"name", "TEXT", "the branch's name (UTF-8, up to 100 characters)", &name, true},
        {"parent", "CODE", "the parent branch", &parent, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "branch add",
        .synopsis = "CODE --name TEXT --parent CODE",
        .about =
            "Adds a branch under its parent: head office > branch > sub-branch. CODE is 1..32\n"
            "characters of A-Z a-z 0-9 _ -. Admin only; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &code,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    int rc = crm_branch_add(ctx->db, code, name, parent);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"code", code, "name", name, "parent", parent, NULL},
                      "branch %s (%s) added under %s", code, name, parent);
}

static int branch_list(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "branch list",
        .synopsis = "",
        .about = "Lists the branches in tree order.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    crm_iter *it;
    int rc = crm_branch_list(&it, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, branch_columns);
    crm_iter_free(it);
    return status;
}

static int branch_show(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    const cli_spec spec = {
        .command = "branch show",
        .synopsis = "CODE",
        .about = "Shows one branch.",
        .min_args = 1,
        .max_args = 1,
        .args = &code,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    crm_record *rec = NULL;
    int rc = crm_branch_get(&rec, ctx->db, code);
    return cli_print_fetched(ctx, rc, rec);
}

static const cli_command branch_subcommands[] = {
    {"add", "add a branch under a parent", branch_add},
    {"list", "list branches in tree order", branch_list},
    {"show", "show one branch", branch_show},
    {NULL, NULL, NULL},
};

int cmd_branch(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "branch",
        "The branch tree: head office > branch > sub-branch. Branch managers see their\n"
        "subtree.",
        branch_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
