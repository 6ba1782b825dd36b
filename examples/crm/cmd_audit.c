/* crm audit list | verify | checkpoint */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const cli_column audit_columns[] = {
    {"seq", "SEQ"},       {"time", "TIME"},    {"actor", "ACTOR"},   {"action", "ACTION"},
    {"entity", "ENTITY"}, {"entity_id", "ID"}, {"reason", "REASON"}, {NULL, NULL},
};

typedef struct audit_filter_args {
    const char *after, *actor, *action, *entity, *id, *since, *until, *limit;
} audit_filter_args;

static int set_int_filter(crm_record *filter, const char *field, const char *option,
                          const char *text, int *rc)
{
    int64_t value;
    int status = cli_parse_int(&value, "audit list", option, text);
    if (!status)
        *rc = crm_record_set_int(filter, field, value);
    return status;
}

/* Builds the crm_audit_list filter; returns an exit status. */
static int build_filter(cli_ctx *ctx, crm_record *filter, const audit_filter_args *a)
{
    const char *const texts[] = {"actor",   a->actor,    "action", a->action, "entity",
                                 a->entity, "entity_id", a->id,    "since",   a->since,
                                 "until",   a->until,    NULL};
    int rc = cli_record_set_texts(filter, texts), status = CLI_EXIT_OK;
    if (!rc && a->after)
        status = set_int_filter(filter, "after_seq", "after", a->after, &rc);
    if (!rc && !status && a->limit)
        status = set_int_filter(filter, "limit", "limit", a->limit, &rc);
    return status ? status : rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* Builds the filter first, so a malformed number is a usage error even
 * without a database. */
static int list_filtered(cli_ctx *ctx, const audit_filter_args *args)
{
    crm_record *filter = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&filter);
    int status = rc ? cli_fail(ctx, rc) : build_filter(ctx, filter, args);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_audit_list(&it, ctx->db, crm_record_count(filter) ? filter : NULL);
        status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, audit_columns);
    }
    crm_iter_free(it);
    crm_record_free(filter);
    return status;
}

static int audit_list(cli_ctx *ctx, int argc, char **argv)
{
    audit_filter_args a = {0};
    const cli_opt opts[] = {
        {"after", "SEQ", "entries after this sequence number", &a.after, false},
        {"actor", "USER", "entries by this user", &a.actor, false},
        {"action", "ACTION", "entries of this action (user.add, ...)", &a.action, false},
        {"entity", "ENTITY", "entries about this kind of entity (user, branch, ...)", &a.entity,
         false},
        {"id", "ID", "entries about this entity id", &a.id, false},
        {"since", "TIME", "entries at or after this UTC time (2026-11-25T14:01:32Z)", &a.since,
         false},
        {"until", "TIME", "entries before this UTC time", &a.until, false},
        {"limit", "N", "at most N entries", &a.limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "audit list",
        .synopsis = "[options]",
        .about =
            "Lists audit entries in sequence order; personal data in them is masked. The table\n"
            "leaves out the before/after images and MACs; --json has every field. Admin and\n"
            "auditor only.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    return status == CLI_CONTINUE ? list_filtered(ctx, &a) : status;
}

static int print_verify_result(cli_ctx *ctx, int rc, int64_t entries, int64_t first_bad,
                               const char *checkpoint)
{
    crm_record *rec = NULL;
    int rrc = crm_record_new(&rec);
    if (!rrc)
        rrc = crm_record_set_int(rec, "entries", entries);
    if (!rrc)
        rrc = crm_record_set_int(rec, "first_bad", first_bad);
    if (!rrc)
        rrc = crm_record_set_text(rec, "status", rc ? "broken" : "intact");
    if (!rrc && rc)
        rrc = crm_record_set_text(rec, "message", crm_db_errmsg(ctx->db));
    int status = rrc ? cli_fail(ctx, rrc) : CLI_EXIT_OK;
    if (!status && (ctx->json || !rc))
        status = cli_print_result(ctx, rec, "audit chain intact: %lld entries verified%s",
                                  (long long)entries,
                                  checkpoint ? ", checkpoint present and matching" : "");
    crm_record_free(rec);
    return status;
}

/* "audit chain broken at entry N: detail", without repeating the library's
 * own wording when its message already starts that way. Entry 0 means the
 * log as a whole failed a check (its protections removed, say). */
static int report_broken(cli_ctx *ctx, int64_t first_bad)
{
    const char *detail = crm_db_errmsg(ctx->db);
    if (first_bad == 0)
        return cli_error("audit log broken: %s", detail);
    char headline[64];
    snprintf(headline, sizeof headline, "audit chain broken at entry %lld", (long long)first_bad);
    if (strncmp(detail, headline, strlen(headline)) == 0)
        return cli_error("%s", detail);
    return cli_error("%s: %s", headline, detail);
}

static int audit_verify(cli_ctx *ctx, int argc, char **argv)
{
    const char *checkpoint = NULL;
    const cli_opt opts[] = {
        {"checkpoint", "SEQ:MAC", "an entry that must still be there, unchanged", &checkpoint,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "audit verify",
        .synopsis = "[--checkpoint SEQ:MAC]",
        .about =
            "Checks every link of the audit chain and that sequence numbers run from 1 without\n"
            "gaps; with --checkpoint also detects truncation and rollback to an older copy.\n"
            "Exit 0 when intact, 1 naming the first bad entry otherwise. Admin and auditor only.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    int64_t entries = 0, first_bad = 0;
    int rc = crm_audit_verify(&entries, &first_bad, ctx->db, checkpoint);
    if (rc && rc != CRM_E_CORRUPT)
        return cli_fail(ctx, rc);
    if ((status = print_verify_result(ctx, rc, entries, first_bad, checkpoint)) != CLI_EXIT_OK)
        return status;
    return rc ? report_broken(ctx, first_bad) : CLI_EXIT_OK;
}

static int audit_checkpoint(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "audit checkpoint",
        .synopsis = "",
        .about = "Prints the head of the audit chain as SEQ:MAC. Keep it outside the database and\n"
                 "pass it to 'crm audit verify --checkpoint' later. Admin and auditor only.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    char *checkpoint;
    int rc = crm_audit_checkpoint(&checkpoint, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_report(ctx, (const char *[]){"checkpoint", checkpoint, NULL}, "%s", checkpoint);
    crm_free(checkpoint);
    return status;
}

static const cli_command audit_subcommands[] = {
    {"list", "list audit entries, filtered", audit_list},
    {"verify", "check the chain of MACs (and a checkpoint)", audit_verify},
    {"checkpoint", "print the chain head to keep outside the database", audit_checkpoint},
    {NULL, NULL, NULL},
};

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "audit",
        "The audit log: append-only, each entry chained to the previous one by an HMAC, so\n"
        "a changed, removed or reordered entry is detected.",
        audit_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
