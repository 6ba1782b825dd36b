/* crm version */
#include "cli.h"

static int version_record(crm_record **out, int compatible)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = crm_record_set_text(rec, "library", crm_version_string());
    if (!rc)
        rc = crm_record_set_int(rec, "library_number", crm_version());
    if (!rc)
        rc = crm_record_set_text(rec, "built_with", CRM_VERSION_STRING);
    if (!rc)
        rc = crm_record_set_int(rec, "built_with_number", CRM_VERSION_NUMBER);
    if (!rc)
        rc = crm_record_set_text(rec, "compatible", compatible == CRM_OK ? "yes" : "no");
    if (rc)
        crm_record_free(rec);
    else
        *out = rec;
    return rc;
}

int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "version",
        .synopsis = "",
        .about = "Prints the version of the libcrm library running now and the version of the\n"
                 "headers this tool was built with. Exit 1 when the library cannot serve the tool.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int compatible = crm_version_check(CRM_VERSION_NUMBER);
    crm_record *rec;
    int rc = version_record(&rec, compatible);
    if (rc)
        return cli_fail(ctx, rc);
    status = cli_print_result(ctx, rec, "libcrm %s (runtime library)\ncrm built with libcrm %s",
                              crm_version_string(), CRM_VERSION_STRING);
    crm_record_free(rec);
    if (status == CLI_EXIT_OK && compatible != CRM_OK)
        status = cli_fail(ctx, compatible);
    return status;
}
