/* crm mask KIND VALUE */
#include "cli.h"

#include <string.h>

static const struct mask_kind {
    const char *name;
    crm_mask_kind kind;
} mask_kinds[] = {
    {"id_number", CRM_MASK_ID_NUMBER}, {"phone", CRM_MASK_PHONE},     {"card", CRM_MASK_CARD},
    {"email", CRM_MASK_EMAIL},         {"address", CRM_MASK_ADDRESS}, {"name", CRM_MASK_NAME},
};

static const struct mask_kind *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof mask_kinds / sizeof mask_kinds[0]; i++)
        if (strcmp(mask_kinds[i].name, name) == 0)
            return &mask_kinds[i];
    return NULL;
}

int cmd_mask(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL};
    const cli_spec spec = {
        .command = "mask",
        .synopsis = "KIND VALUE",
        .about =
            "Prints VALUE masked for display the way libcrm masks personal data (JR/T 0171-2020).\n"
            "KIND is one of: id_number, phone, card, email, address, name. Needs no database.",
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    const struct mask_kind *kind = find_kind(args[0]);
    if (!kind)
        return cli_usage_error(spec.command, "unknown kind '%s'", args[0]);
    char *masked;
    int rc = crm_mask(&masked, kind->kind, args[1]);
    if (rc)
        return cli_fail(ctx, rc);
    status =
        cli_report(ctx, (const char *[]){"kind", kind->name, "masked", masked, NULL}, "%s", masked);
    crm_free(masked);
    return status;
}
