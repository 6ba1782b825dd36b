/* crm report list | describe | run */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Loads --definitions FILE into a catalog of the built-ins; exit status. */
static int load_catalog(cli_ctx *ctx, const char *definitions, crm_report_catalog **out)
{
    int rc = crm_report_catalog_new(out);
    if (!rc && definitions)
        rc = crm_report_catalog_load_file(*out, definitions);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int report_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *definitions = NULL;
    const cli_opt opts[] = {
        {"definitions", "FILE", "also the report definitions (YAML) of FILE", &definitions, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "report list",
        .synopsis = "[--definitions FILE]",
        .about = "Lists the reports: the built-ins and those of --definitions.",
        .opts = opts,
    };
    crm_report_catalog *cat = NULL;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = load_catalog(ctx, definitions, &cat)) != 0)
        return status;
    for (size_t i = 0; i < crm_report_catalog_count(cat) && !status; i++) {
        char *json = NULL;
        int rc = crm_report_describe(&json, cat, crm_report_catalog_name(cat, i));
        if (rc) {
            status = cli_fail(ctx, rc);
        } else if (ctx->json) {
            printf("%s\n", json);
        } else {
            /* the title is the text after "title":" up to the next quote */
            const char *t = strstr(json, "\"title\":\"");
            const char *e = t ? strchr(t + 9, '"') : NULL;
            printf("%-24s %.*s\n", crm_report_catalog_name(cat, i), e ? (int)(e - t - 9) : 0,
                   e ? t + 9 : "");
        }
        crm_free(json);
    }
    crm_report_catalog_free(cat);
    return status;
}

static int report_describe(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *definitions = NULL;
    const cli_opt opts[] = {
        {"definitions", "FILE", "also the report definitions (YAML) of FILE", &definitions, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "report describe",
        .synopsis = "NAME [--definitions FILE]",
        .about = "Prints a report's definition as JSON: columns, key, filters, detail, charts.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &name,
    };
    crm_report_catalog *cat = NULL;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = load_catalog(ctx, definitions, &cat)) != 0)
        return status;
    char *json = NULL;
    int rc = crm_report_describe(&json, cat, name);
    status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    if (!rc)
        printf("%s\n", json);
    crm_free(json);
    crm_report_catalog_free(cat);
    return status;
}

typedef struct run_args {
    const char *name, *period, *branch, *format, *output, *filter, *bom, *no_detail;
    const char *definitions;
} run_args;

/* --filter "col=value,col=value" into the parameters record. */
static int add_filters(cli_ctx *ctx, crm_record *params, const char *filter)
{
    char *copy = filter ? strdup(filter) : NULL, *save = NULL;
    int status = CLI_EXIT_OK;
    for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item && !status;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq) {
            status = cli_usage_error("report run", "--filter: '%s' is not COLUMN=VALUE", item);
            break;
        }
        *eq = '\0';
        int rc = crm_record_set_text(params, item, eq + 1);
        status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    }
    free(copy);
    return status;
}

static int build_params(cli_ctx *ctx, const run_args *a, crm_record *params)
{
    const char *const texts[] = {"period", a->period, "branch", a->branch, NULL};
    int rc = cli_record_set_texts(params, texts);
    if (!rc && a->bom)
        rc = crm_record_set_int(params, "bom", 1);
    if (!rc && a->no_detail)
        rc = crm_record_set_int(params, "detail", 0);
    return rc ? cli_fail(ctx, rc) : add_filters(ctx, params, a->filter);
}

static int run_report(cli_ctx *ctx, const run_args *a)
{
    crm_report_catalog *cat = NULL;
    crm_record *params = NULL;
    int rc = crm_record_new(&params);
    int status = rc ? cli_fail(ctx, rc) : build_params(ctx, a, params);
    if (!status)
        status = load_catalog(ctx, a->definitions, &cat);
    if (!status)
        status = cli_open(ctx, CRM_OPEN_READONLY, true);
    const char *path = a->output && strcmp(a->output, "-") ? a->output : "/dev/stdout";
    if (!status && (rc = crm_report_write(ctx->db, cat, a->name, params, a->format, path)))
        status = cli_fail(ctx, rc);
    crm_report_catalog_free(cat);
    crm_record_free(params);
    if (!status && a->output && strcmp(a->output, "-"))
        fprintf(stderr, "crm: report %s written to %s\n", a->name, a->output);
    return status;
}

static int report_run(cli_ctx *ctx, int argc, char **argv)
{
    run_args a = {.format = "csv"};
    const cli_opt opts[] = {
        {"period", "PERIOD", "2026-11-25, 2026-W47, 2026-10, 2026-Q4 or 2026", &a.period, false},
        {"branch", "CODE", "only customers of this branch and its sub-branches", &a.branch, false},
        {"format", "FORMAT", "csv (default), json, html, xlsx or pdf", &a.format, false},
        {"output", "FILE", "write to FILE (also -o FILE); default: standard output", &a.output,
         false},
        {"filter", "COL=VALUE",
         "only rows whose column has the value (a drill-down); several"
         " separated by commas",
         &a.filter, false},
        {"bom", NULL, "start a CSV file with a UTF-8 byte order mark (for Excel)", &a.bom, false},
        {"no-detail", NULL, "leave out the drill-down detail sections (html, xlsx, pdf)",
         &a.no_detail, false},
        {"definitions", "FILE", "also the report definitions (YAML) of FILE", &a.definitions,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "report run",
        .synopsis = "NAME --period PERIOD [--branch CODE] --format FORMAT -o FILE",
        .about = "Runs a report over the customers the acting user may see (an RM's book, a\n"
                 "branch manager's subtree) and writes it. Money is in yuan with 2 decimals.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &a.name,
    };
    /* "-o FILE" is the short form of --output */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args)
        return cli_error("out of memory");
    for (int i = 0; i < argc; i++)
        args[i] = strcmp(argv[i], "-o") == 0 ? (char *)"--output" : argv[i];
    int status = cli_parse(ctx, &spec, argc, args);
    free(args);
    if (status != CLI_CONTINUE)
        return status;
    char padded[32];
    snprintf(padded, sizeof padded, " %.16s ", a.format);
    if (!strstr(" csv json html xlsx pdf ", padded))
        return cli_usage_error("report run", "--format: '%s' is not csv, json, html, xlsx or pdf",
                               a.format);
    return run_report(ctx, &a);
}

static const cli_command report_subcommands[] = {
    {"list", "list the reports", report_list},
    {"describe", "show a report's columns, filters and drill-down as JSON", report_describe},
    {"run", "run a report as csv, json, html, xlsx or pdf", report_run},
    {NULL, NULL, NULL},
};

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "report",
        "Reports over a day, ISO week, month, quarter or year, with the previous period and\n"
        "the same period last year: customer-analysis, business-statistics (drilling down to\n"
        "business-products), rm-performance, complaint-analysis, complaint-hotspots,\n"
        "campaign-analysis (drilling down to campaign-channels), and any defined in YAML\n"
        "(docs/REPORTS.md).",
        report_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
