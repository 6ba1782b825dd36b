/* crm customer add | get | update | reveal | assign | move-book |
 * delete-request | delete-approve | purge-due | id-check; the table also
 * lists view (cmd_view.c), search (cmd_search.c), import, export, quality
 * and stats (cmd_dataio.c). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_MAX 256

/* ------------------------------------------------------ field options */

/* How an option's text becomes a record value. */
typedef enum field_kind {
    FK_TEXT,  /* as given */
    FK_DATE,  /* YYYY-MM-DD */
    FK_MONEY, /* yuan with up to two decimals, stored as fen */
    FK_FLAG,  /* 0 or 1 */
    FK_EXT    /* NAME=VALUE, the field ext.NAME */
} field_kind;

/* One customer field as an option of add and update. */
typedef struct field_option {
    const char *option; /* without the leading "--" */
    const char *field;  /* the record field (NULL for --ext) */
    const char *metavar;
    const char *help;
    field_kind kind;
} field_option;

static const field_option field_options[] = {
    {"name", "name", "TEXT", "full name, 1..50 characters", FK_TEXT},
    {"id-type", "id_type", "TYPE",
     "resident_id (default), passport, hk_macao_permit, taiwan_permit, ...", FK_TEXT},
    {"id-number", "id_number", "NUMBER", "ID number (encrypted), checked for its --id-type",
     FK_TEXT},
    {"gender", "gender", "M|F", "checked against a resident ID", FK_TEXT},
    {"birth-date", "birth_date", "DATE", "YYYY-MM-DD, checked against a resident ID", FK_DATE},
    {"phone", "phone", "PHONE", "mainland mobile number, optional +86 (encrypted)", FK_TEXT},
    {"email", "email", "EMAIL", "e-mail address (encrypted)", FK_TEXT},
    {"address", "address", "TEXT", "postal address, up to 200 characters (encrypted)", FK_TEXT},
    {"card-number", "card_number", "CARD", "bank card, 16..19 digits, Luhn-checked (encrypted)",
     FK_TEXT},
    {"city", "city", "TEXT", "city, up to 50 characters", FK_TEXT},
    {"province", "province", "TEXT", "full or short name (广东省, 广东)", FK_TEXT},
    {"occupation", "occupation", "TEXT", "occupation, up to 50 characters", FK_TEXT},
    {"annual-income", "annual_income", "YUAN", "yuan, up to two decimals", FK_MONEY},
    {"total-assets", "total_assets", "YUAN", "yuan, up to two decimals", FK_MONEY},
    {"risk-level", "risk_level", "C1..C5", "risk tolerance from the last assessment", FK_TEXT},
    {"risk-assessed-at", "risk_assessed_at", "DATE", "date of that assessment (valid one year)",
     FK_DATE},
    {"branch", "branch", "CODE", "the customer's branch", FK_TEXT},
    {"manager", "manager", "LOGIN", "relationship manager in that branch subtree", FK_TEXT},
    {"consent-sms", "consent_sms", "0|1", "marketing by SMS allowed", FK_FLAG},
    {"consent-email", "consent_email", "0|1", "marketing by e-mail allowed", FK_FLAG},
    {"consent-phone", "consent_phone", "0|1", "marketing by phone allowed", FK_FLAG},
    {"ext", NULL, "NAME=VALUE", "one extension attribute; NAME of a-z 0-9 _", FK_EXT},
};
#define N_FIELDS (sizeof field_options / sizeof field_options[0])

/* The option rows of the field options, values into `values`, then `extra`
 * (ending with a NULL name) and the end row. `opts` has N_FIELDS + extras + 1
 * rows. add requires --name and --branch. */
static void field_opts(cli_opt *opts, const char **values, bool is_add, const cli_opt *extra)
{
    size_t n = 0;
    for (; n < N_FIELDS; n++) {
        const field_option *f = &field_options[n];
        bool required = is_add && f->field &&
                        (strcmp(f->field, "name") == 0 || strcmp(f->field, "branch") == 0);
        opts[n] = (cli_opt){f->option, f->metavar, f->help, &values[n], required};
    }
    for (; extra && extra->name; extra++)
        opts[n++] = *extra;
    opts[n] = (cli_opt){NULL, NULL, NULL, NULL, false};
}

/* Sets ext.NAME from "NAME=VALUE"; an empty VALUE clears on update. */
static int set_ext(crm_record *rec, const char *command, const char *text, bool clear_empty,
                   int *rc)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return cli_usage_error(command, "--ext: expected NAME=VALUE, not '%s'", text);
    size_t len = (size_t)(eq - text);
    char *field = malloc(len + 5);
    if (!field) {
        *rc = CRM_E_NOMEM;
        return CLI_EXIT_OK;
    }
    memcpy(field, "ext.", 4);
    memcpy(field + 4, text, len);
    field[len + 4] = '\0';
    const char *value = (eq[1] || !clear_empty) ? eq + 1 : NULL;
    *rc = crm_record_set_text(rec, field, value);
    free(field);
    return CLI_EXIT_OK;
}

/* Sets one field from its option text. Returns an exit status for a
 * malformed number; a libcrm failure goes to *rc. On update an empty text
 * clears the field. */
static int set_field(crm_record *rec, const char *command, const field_option *f, const char *text,
                     bool is_update, int *rc)
{
    int64_t number;
    int status = CLI_EXIT_OK;
    if (f->kind == FK_EXT)
        return set_ext(rec, command, text, is_update, rc);
    if (is_update && !*text) {
        *rc = crm_record_set_text(rec, f->field, NULL);
        return CLI_EXIT_OK;
    }
    switch (f->kind) {
    case FK_DATE: *rc = crm_record_set_date(rec, f->field, text); break;
    case FK_MONEY:
        if (!(status = cli_parse_yuan(&number, command, f->option, text)))
            *rc = crm_record_set_money(rec, f->field, number);
        break;
    case FK_FLAG:
        if (!(status = cli_parse_int(&number, command, f->option, text)))
            *rc = crm_record_set_int(rec, f->field, number);
        break;
    default: *rc = crm_record_set_text(rec, f->field, text); break;
    }
    return status;
}

/* A new record of the given options, customer_no first when not NULL.
 * Built before the database opens, so malformed input fails fast. Returns an
 * exit status; *out is the caller's to free. */
static int build_record(cli_ctx *ctx, crm_record **out, const char *command,
                        const char *customer_no, const char *const *values, bool is_update)
{
    int rc = crm_record_new(out), status = CLI_EXIT_OK;
    if (!rc && customer_no)
        rc = crm_record_set_text(*out, "customer_no", customer_no);
    for (size_t i = 0; !rc && !status && i < N_FIELDS; i++)
        if (values[i])
            status = set_field(*out, command, &field_options[i], values[i], is_update, &rc);
    return status ? status : rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* ------------------------------------------------------------- output */

/* Prints an outcome whose record has text pairs and one integer field. */
static int report_number(cli_ctx *ctx, const char *const *texts, const char *field, int64_t value,
                         const char *message)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = cli_record_set_texts(rec, texts);
    if (!rc)
        rc = crm_record_set_int(rec, field, value);
    int status = rc ? cli_fail(ctx, rc) : cli_print_result(ctx, rec, "%s", message);
    crm_record_free(rec);
    return status;
}

/* --------------------------------------------------- add, get, update */

static int customer_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL, *values[N_FIELDS] = {NULL};
    cli_opt opts[N_FIELDS + 1];
    field_opts(opts, values, true, NULL);
    const cli_spec spec = {
        .command = "customer add",
        .synopsis = "NO --name TEXT --branch CODE [options]",
        .about = "Adds customer NO (1..32 of A-Z a-z 0-9 _ -; never changes). Every value is\n"
                 "validated and a refusal names the field. A resident ID number (18 digits, or 15\n"
                 "converted) fixes birth date, gender and province: derived when not given. ID\n"
                 "types: resident_id (default), passport, hk_macao_permit, taiwan_permit,\n"
                 "foreign_permanent, other. Personal fields are encrypted at rest and masked on\n"
                 "output. Money is in yuan. One --ext per call (cli options do not repeat).\n"
                 "Admin, a branch manager in their subtree, or a relationship manager adding a\n"
                 "customer of their own; audited with masked values.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    status = build_record(ctx, &rec, spec.command, no, values, false);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status) {
        int rc = crm_customer_create(ctx->db, rec);
        status = rc ? cli_fail(ctx, rc)
                    : cli_report(ctx, (const char *[]){"customer_no", no, "status", "added", NULL},
                                 "customer %s added", no);
    }
    crm_record_free(rec);
    return status;
}

static int customer_get(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL;
    const cli_spec spec = {
        .command = "customer get",
        .synopsis = "NO",
        .about = "Shows customer NO with its version; personal fields masked, money in yuan.\n"
                 "With --json: one JSON object, money in fen. Not found also when the acting\n"
                 "user may not see the customer.",
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_customer_get(&rec, ctx->db, no);
    return cli_print_fetched(ctx, rc, rec);
}

static bool any_value(const char *const *values)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (values[i])
            return true;
    return false;
}

static int customer_update(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL, *version_text = NULL, *values[N_FIELDS] = {NULL};
    const cli_opt version_opt[] = {
        {"version", "N", "the version you read (crm customer get)", &version_text, true},
        {NULL, NULL, NULL, NULL, false},
    };
    cli_opt opts[N_FIELDS + 2];
    field_opts(opts, values, false, version_opt);
    const cli_spec spec = {
        .command = "customer update",
        .synopsis = "NO --version N [field options]",
        .about = "Changes the fields given, provided the customer is still at version N (else\n"
                 "a conflict: read it again). An empty value clears a field (--email ''), and\n"
                 "--ext NAME= removes an attribute. Validated like add; audited with masked\n"
                 "before and after.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t version;
    if ((status = cli_parse_int(&version, spec.command, "version", version_text)))
        return status;
    if (!any_value(values))
        return cli_usage_error(spec.command, "nothing to change: give a field option");
    crm_record *rec = NULL;
    status = build_record(ctx, &rec, spec.command, NULL, values, true);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status) {
        int rc = crm_customer_update(ctx->db, no, rec, version);
        char message[MESSAGE_MAX];
        snprintf(message, sizeof message, "customer %s updated to version %" PRId64, no,
                 version + 1);
        status = rc ? cli_fail(ctx, rc)
                    : report_number(ctx, (const char *[]){"customer_no", no, NULL}, "version",
                                    version + 1, message);
    }
    crm_record_free(rec);
    return status;
}

/* ------------------------------------------------------------- reveal */

static int customer_reveal(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL, *field = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"field", "FIELD", "id_number, phone, email, address or card_number", &field, true},
        {"reason", "TEXT", "why you need it; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "customer reveal",
        .synopsis = "NO --field FIELD --reason TEXT",
        .about = "Prints one personal field of customer NO in clear. Admin, branch manager or the\n"
                 "customer's own relationship manager, with a reason; every reveal is audited\n"
                 "(action customer.reveal) with who and why.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *value;
    int rc = crm_customer_reveal(&value, ctx->db, no, field, reason);
    if (rc)
        return cli_fail(ctx, rc);
    status =
        cli_report(ctx, (const char *[]){"customer_no", no, "field", field, "value", value, NULL},
                   "%s", value);
    crm_free(value);
    return status;
}

/* --------------------------------------------------------- assignment */

static int customer_assign(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL, *manager = NULL, *none = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"manager", "LOGIN", "the new relationship manager", &manager, false},
        {"none", NULL, "remove the assignment instead", &none, false},
        {"reason", "TEXT", "why; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "customer assign",
        .synopsis = "NO (--manager LOGIN | --none) --reason TEXT",
        .about = "Assigns customer NO to a relationship manager of its branch subtree, or with\n"
                 "--none leaves it unassigned. Admin or branch manager; audited.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (!manager == !none)
        return cli_usage_error(spec.command, "give either --manager LOGIN or --none");
    if ((status = cli_open(ctx, 0, true)))
        return status;
    int rc = crm_customer_assign(ctx->db, no, manager, reason);
    if (rc)
        return cli_fail(ctx, rc);
    const char *const pairs[] = {
        "customer_no", no, "manager", manager, "status", manager ? "assigned" : "unassigned", NULL};
    return manager ? cli_report(ctx, pairs, "customer %s assigned to %s", no, manager)
                   : cli_report(ctx, pairs, "customer %s unassigned", no);
}

static int customer_move_book(cli_ctx *ctx, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"from", "LOGIN", "the relationship manager whose customers move", &from, true},
        {"to", "LOGIN", "the relationship manager who takes them", &to, true},
        {"reason", "TEXT", "why; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "customer move-book",
        .synopsis = "--from LOGIN --to LOGIN --reason TEXT",
        .about = "Moves every customer of one relationship manager to another in one\n"
                 "transaction and one audit entry. Admin, or a branch manager whose subtree\n"
                 "holds both managers.",
        .opts = opts,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t moved;
    int rc = crm_customer_move_book(&moved, ctx->db, from, to, reason);
    if (rc)
        return cli_fail(ctx, rc);
    char message[MESSAGE_MAX];
    snprintf(message, sizeof message, "moved %" PRId64 " customer%s from %s to %s", moved,
             moved == 1 ? "" : "s", from, to);
    return report_number(ctx, (const char *[]){"from", from, "to", to, NULL}, "moved", moved,
                         message);
}

/* ----------------------------------------------------------- deletion */

/* delete-request and delete-approve: same shape, different call. */
static int delete_step(cli_ctx *ctx, int argc, char **argv, bool approve)
{
    const char *no = NULL, *reason = NULL;
    const cli_opt opts[] = {
        {"reason", "TEXT", "why; kept in the audit log", &reason, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = approve ? "customer delete-approve" : "customer delete-request",
        .synopsis = "NO --reason TEXT",
        .about = approve ? "Approves the pending deletion of customer NO: it becomes restricted,\n"
                           "hidden from marketing and ordinary search, kept for the five-year\n"
                           "retention and then purged (crm customer purge-due). Admin or branch\n"
                           "manager other than the requester (four eyes); audited."
                         : "Asks for the deletion of customer NO (the relationship ended). Admin,\n"
                           "branch manager or the customer's relationship manager; audited. The\n"
                           "customer stays active until another user approves.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = approve ? crm_customer_delete_approve(ctx->db, no, reason)
                     : crm_customer_delete_request(ctx->db, no, reason);
    if (rc)
        return cli_fail(ctx, rc);
    const char *state = approve ? "restricted" : "deletion_requested";
    return cli_report(ctx, (const char *[]){"customer_no", no, "status", state, NULL},
                      approve ? "customer %s restricted: deletion approved"
                              : "deletion of customer %s requested",
                      no);
}

static int customer_delete_request(cli_ctx *ctx, int argc, char **argv)
{
    return delete_step(ctx, argc, argv, false);
}

static int customer_delete_approve(cli_ctx *ctx, int argc, char **argv)
{
    return delete_step(ctx, argc, argv, true);
}

static int customer_purge_due(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "customer purge-due",
        .synopsis = "",
        .about = "Purges every restricted customer whose retention period has ended: destroys\n"
                 "the customer's key, clears every personal field and truncates the WAL, so the\n"
                 "data cannot be recovered. Run it when no other program uses the database.\n"
                 "Admin only; each purge is audited.",
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t purged = 0;
    int rc = crm_customer_purge_due(&purged, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    char message[MESSAGE_MAX];
    snprintf(message, sizeof message, "purged %" PRId64 " customer%s", purged,
             purged == 1 ? "" : "s");
    return report_number(ctx, (const char *[]){NULL}, "purged", purged, message);
}

/* ----------------------------------------------------------- identity */

static int customer_id_check(cli_ctx *ctx, int argc, char **argv)
{
    const char *number = NULL;
    const cli_spec spec = {
        .command = "customer id-check",
        .synopsis = "NUMBER",
        .about = "Checks a resident ID number (GB 11643-1999; a 15-digit one is converted to 18)\n"
                 "and prints what it encodes: the 18-digit number, birth date, gender and\n"
                 "province. Exit 3 with the reason when it is not valid. Needs no database.",
        .min_args = 1,
        .max_args = 1,
        .args = &number,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_id_number_parse(&rec, number);
    return cli_print_fetched(ctx, rc, rec);
}

/* -------------------------------------------------------------- group */

static const cli_command customer_subcommands[] = {
    {"add", "add a customer", customer_add},
    {"get", "show one customer (personal data masked)", customer_get},
    {"search", "find customers: exact keys, filters, fuzzy name", cmd_customer_search},
    {"update", "change fields of a customer at a known version", customer_update},
    {"reveal", "print one personal field in clear, with a reason", customer_reveal},
    {"view", "the customer 360 view: profile, holdings, recent transactions", cmd_customer_view},
    {"assign", "assign a customer to a relationship manager, or to none", customer_assign},
    {"move-book", "move all of one manager's customers to another", customer_move_book},
    {"delete-request", "ask for a customer's deletion, with a reason", customer_delete_request},
    {"delete-approve", "approve a deletion (another user than the requester)",
     customer_delete_approve},
    {"purge-due", "purge restricted customers whose retention has ended", customer_purge_due},
    {"id-check", "check a resident ID number and show what it encodes", customer_id_check},
    {"import", "import customers from CSV (UTF-8 or GBK) or JSON Lines", cmd_customer_import},
    {"export", "export customers as CSV or JSON Lines, masked", cmd_customer_export},
    {"quality", "data-quality report: duplicates, missing and invalid values",
     cmd_customer_quality},
    {"stats", "distributions for reports", cmd_customer_stats},
    {NULL, NULL, NULL},
};

int cmd_customer(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "customer",
        "Customer records: validated, personal data encrypted and masked, every change\n"
        "audited. Each call is checked against the acting user (--as): a relationship\n"
        "manager reaches only their own customers, a branch manager their subtree.",
        customer_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
