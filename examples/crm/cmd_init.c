/* crm init --admin NAME: create a database and bootstrap it. */
#include "cli.h"

int cmd_init(cli_ctx *ctx, int argc, char **argv)
{
    const char *admin = NULL, *display_name = NULL, *ho_code = "HO", *ho_name = "总行";
    const cli_opt opts[] = {
        {"admin", "NAME", "login name of the first admin", &admin, true},
        {"display-name", "TEXT", "the admin's display name (default: NAME)", &display_name, false},
        {"head-office", "CODE", "code of the head-office branch (default: HO)", &ho_code, false},
        {"head-office-name", "TEXT", "name of the head office (default: 总行)", &ho_name, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "init",
        .synopsis = "--admin NAME [options]",
        .about =
            "Creates the database (--db) if it does not exist, encrypted with the master key in\n"
            "the key file (--key-file), then creates the head-office branch and the first admin.\n"
            "Refused once the database has users. Needs no --as.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, CRM_OPEN_CREATE, false)) != CLI_EXIT_OK)
        return status;
    if (!display_name)
        display_name = admin;
    int rc = crm_access_bootstrap(ctx->db, ho_code, ho_name, admin, display_name);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx,
                      (const char *[]){"database", ctx->db_path, "head_office", ho_code,
                                       "head_office_name", ho_name, "admin", admin, NULL},
                      "initialised %s: head office %s (%s), admin %s", ctx->db_path, ho_code,
                      ho_name, admin);
}
