/* crm user add | list | show | disable | enable | reveal | passwd; crm login */
#include "cli.h"

#include <stdio.h>

#define PASSWORD_MAX 1024

static const cli_column user_columns[] = {
    {"name", "NAME"},     {"display_name", "DISPLAY NAME"},
    {"roles", "ROLES"},   {"branch", "BRANCH"},
    {"status", "STATUS"}, {"phone", "PHONE"},
    {"email", "EMAIL"},   {NULL, NULL},
};

static int add_user_record(cli_ctx *ctx, const char *const *fields)
{
    crm_record *user = NULL;
    int rc = crm_record_new(&user);
    if (!rc)
        rc = cli_record_set_texts(user, fields);
    if (!rc)
        rc = crm_user_add(ctx->db, user);
    crm_record_free(user);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int user_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *display_name = NULL, *roles = NULL, *branch = NULL, *phone = NULL,
               *email = NULL;
    const cli_opt opts[] = {
        {"display-name", "TEXT", "the name shown to people, in UTF-8", &display_name, true},
        {"roles", "LIST", "comma-separated role names", &roles, true},
        {"branch", "CODE", "the user's branch", &branch, true},
        {"phone", "PHONE", "mainland mobile number (stored encrypted)", &phone, false},
        {"email", "EMAIL", "e-mail address (stored encrypted)", &email, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "user add",
        .synopsis = "NAME --display-name TEXT --roles LIST --branch CODE [options]",
        .about = "Adds a staff user. NAME is the login: 1..64 of a-z 0-9 _ . -. Roles are admin,\n"
                 "branch_manager, relationship_manager, marketer, complaint_handler and auditor.\n"
                 "Phone and e-mail are encrypted at rest and masked on output. Admin only;\n"
                 "audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const char *const fields[] = {"name",   name,   "display_name", display_name, "roles", roles,
                                  "branch", branch, "phone",        phone,        "email", email,
                                  NULL};
    if ((status = add_user_record(ctx, fields)) != CLI_EXIT_OK)
        return status;
    return cli_report(ctx, (const char *[]){"name", name, "status", "added", NULL}, "user %s added",
                      name);
}

static int user_list(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "user list",
        .synopsis = "",
        .about = "Lists the users the acting user may see, by name; phone and e-mail masked.",
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it;
    int rc = crm_user_list(&it, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_iter(ctx, it, user_columns);
    crm_iter_free(it);
    return status;
}

static int user_show(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    const cli_spec spec = {
        .command = "user show",
        .synopsis = "NAME",
        .about = "Shows one user; phone and e-mail masked.",
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_user_get(&rec, ctx->db, name);
    return cli_print_fetched(ctx, rc, rec);
}

/* disable and enable: same shape, different call. */
static int set_user_state(cli_ctx *ctx, int argc, char **argv, bool enable)
{
    const char *name = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"reason", "TEXT", "why; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = enable ? "user enable" : "user disable",
        .synopsis = "NAME --reason TEXT",
        .about =
            enable ? "Re-enables a disabled user and clears a login lock-out. Admin only; audited."
                   : "Disables a user: they lose access at their next call. Admin only; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc =
        enable ? crm_user_enable(ctx->db, name, reason) : crm_user_disable(ctx->db, name, reason);
    if (rc)
        return cli_fail(ctx, rc);
    const char *state = enable ? "enabled" : "disabled";
    return cli_report(ctx, (const char *[]){"name", name, "status", state, NULL}, "user %s %s",
                      name, state);
}

static int user_disable(cli_ctx *ctx, int argc, char **argv)
{
    return set_user_state(ctx, argc, argv, false);
}

static int user_enable(cli_ctx *ctx, int argc, char **argv)
{
    return set_user_state(ctx, argc, argv, true);
}

static int user_reveal(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *field = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"field", "phone|email", "the value to reveal", &field, true},
        {"reason", "TEXT", "why you need it; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "user reveal",
        .synopsis = "NAME --field phone|email --reason TEXT",
        .about = "Prints a user's phone or e-mail in clear. Needs the admin role (or to be that\n"
                 "user) and a reason; every reveal is audited with who and why.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *value;
    int rc = crm_user_reveal(&value, ctx->db, name, field, reason);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_report(ctx, (const char *[]){"name", name, "field", field, "value", value, NULL},
                        "%s", value);
    crm_free(value);
    return status;
}

static int user_passwd(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    const cli_spec spec = {
        .command = "user passwd",
        .synopsis = "NAME",
        .about =
            "Sets a user's password, read as one line from standard input (not echoed on a\n"
            "terminal); at least 10 characters. Admin, or the user themselves; audited without\n"
            "the password.",
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    char password[PASSWORD_MAX];
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE ||
        (status = cli_read_secret(password, sizeof password, "New password: ")) != CLI_EXIT_OK)
        return status;
    int rc = crm_user_set_password(ctx->db, name, password);
    cli_wipe(password, sizeof password);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"name", name, "password", "set", NULL},
                      "password set for %s", name);
}

static const cli_command user_subcommands[] = {
    {"add", "add a staff user", user_add},
    {"list", "list users (personal data masked)", user_list},
    {"show", "show one user (personal data masked)", user_show},
    {"disable", "disable a user, with a reason", user_disable},
    {"enable", "re-enable a user, with a reason", user_enable},
    {"reveal", "print a user's phone or e-mail in clear, with a reason", user_reveal},
    {"passwd", "set a user's password from standard input", user_passwd},
    {NULL, NULL, NULL},
};

int cmd_user(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "user",
        "Staff users, their roles and branch. Every call is checked against the acting user\n"
        "(--as) and every change is audited.",
        user_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}

int cmd_login(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL;
    const cli_spec spec = {
        .command = "login",
        .synopsis = "NAME",
        .about = "Checks NAME's password, read as one line from standard input (not echoed on a\n"
                 "terminal). Exit 0 when it is right, 5 when the name or password is wrong or the\n"
                 "account is locked (five failures in a row lock it for 15 minutes).",
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    char password[PASSWORD_MAX];
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, false)) != CLI_EXIT_OK ||
        (status = cli_read_secret(password, sizeof password, "Password: ")) != CLI_EXIT_OK)
        return status;
    int rc = crm_user_authenticate(ctx->db, name, password);
    cli_wipe(password, sizeof password);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"name", name, "authenticated", "yes", NULL},
                      "authenticated as %s", name);
}
