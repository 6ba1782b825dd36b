/* crm risk assess | check | history | config: risk questionnaires and
 * investor suitability (include/crm/risk.h, docs/RISK.md). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --answers is a file of YAML/JSON, or "age=b,income=c,..." on the line. */
static int inline_answers(cli_ctx *ctx, crm_record **out, const char *spec)
{
    char *copy = strdup(spec), *save = NULL;
    crm_record *rec = NULL;
    int rc = copy ? crm_record_new(&rec) : CRM_E_NOMEM;
    for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; !rc && kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            int status =
                cli_usage_error("risk assess", "--answers: '%s' is not QUESTION=OPTION", kv);
            free(copy);
            crm_record_free(rec);
            return status;
        }
        *eq = '\0';
        rc = crm_record_set_text(rec, kv, eq + 1);
    }
    free(copy);
    if (rc) {
        crm_record_free(rec);
        return cli_fail(ctx, rc);
    }
    *out = rec;
    return CLI_EXIT_OK;
}

static int load_answers(cli_ctx *ctx, crm_record **out, const char *spec)
{
    FILE *probe = fopen(spec, "rb");
    if (!probe)
        return strchr(spec, '=') ? inline_answers(ctx, out, spec)
                                 : cli_error("answers %s: %s", spec, strerror(errno));
    fclose(probe);
    char *text;
    size_t len;
    int status = cli_read_text(&text, &len, spec, "answers", CLI_CONFIG_MAX);
    if (status)
        return status;
    int rc = crm_risk_answers_parse(out, text, len);
    free(text);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int load_config(cli_ctx *ctx, crm_risk_config **out, const char *path)
{
    char *text;
    size_t len;
    *out = NULL;
    if (!path)
        return CLI_EXIT_OK;
    int status = cli_read_text(&text, &len, path, "risk config", CLI_CONFIG_MAX);
    if (status)
        return status;
    int rc = crm_risk_config_load(out, text, len);
    free(text);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int risk_assess(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL, *answers = NULL, *config = NULL;
    const cli_opt opts[] = {
        {"answers", "FILE|Q=OPT,...",
         "the answers: a YAML or JSON file mapping question ids to option keys, or them inline",
         &answers, true},
        {"config", "FILE", "the bank's own scoring table (default: the shipped one)", &config,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "risk assess",
        .synopsis = "CUSTOMER_NO --answers FILE|Q=OPT,... [--config FILE]",
        .about = "Scores a risk questionnaire, stores it and sets the customer's risk level\n"
                 "(C1..C5) and assessment date; audited. 'crm risk config' prints the default\n"
                 "table with its questions and option keys.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *a = NULL, *out = NULL;
    crm_risk_config *cfg = NULL;
    status = load_answers(ctx, &a, answers);
    if (!status)
        status = load_config(ctx, &cfg, config);
    if (!status)
        status = cli_open(ctx, 0, true);
    int rc = status ? CRM_OK : crm_risk_assess(&out, ctx->db, cfg, no, a);
    if (rc)
        status = cli_fail(ctx, rc);
    crm_record_free(a);
    crm_risk_config_free(cfg);
    if (status)
        return status;
    const char *level = NULL, *until = NULL;
    int64_t score = 0;
    crm_record_get_text(&level, out, "risk_level");
    crm_record_get_text(&until, out, "expires_at");
    crm_record_get_int(&score, out, "score");
    status =
        cli_print_result(ctx, out, "customer %s assessed: score %lld, level %s, valid until %s", no,
                         (long long)score, level, until);
    crm_record_free(out);
    return status;
}

/* {"suitable": true|false, "reason": ..., and the other fields}. */
static int print_check_json(const crm_record *rec)
{
    int64_t suitable = 0;
    char *json = NULL;
    crm_record *rest = NULL;
    int rc = crm_record_new(&rest);
    for (size_t i = 0; !rc && i < crm_record_count(rec); i++) {
        const char *name = crm_record_field_name(rec, i), *value = NULL;
        if (strcmp(name, "suitable") != 0 && crm_record_get_text(&value, rec, name) == CRM_OK)
            rc = crm_record_set_text(rest, name, value);
    }
    crm_record_get_int(&suitable, rec, "suitable");
    if (!rc)
        rc = crm_record_to_json(&json, rest);
    if (!rc)
        printf("{\"suitable\":%s,%s\n", suitable ? "true" : "false", json + 1);
    crm_free(json);
    crm_record_free(rest);
    return rc ? cli_error("out of memory") : CLI_EXIT_OK;
}

static int risk_check(cli_ctx *ctx, int argc, char **argv)
{
    const char *args[2] = {NULL, NULL};
    const cli_spec spec = {
        .command = "risk check",
        .synopsis = "CUSTOMER_NO PRODUCT_CODE",
        .about = "Says whether a product suits a customer now: the product's R1..R5 may not be\n"
                 "above the customer's C1..C5, and the assessment must not have expired.\n"
                 "Prints yes or no with the reason (with --json: {\"suitable\": bool, \"reason\":\n"
                 "text, \"reason_code\": ...}). Exits 0 either way: a refusal is an answer.",
        .min_args = 2,
        .max_args = 2,
        .args = args,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *out = NULL;
    int rc = crm_risk_check(&out, ctx->db, args[0], args[1]);
    if (rc)
        return cli_fail(ctx, rc);
    if (ctx->json) {
        status = print_check_json(out);
    } else {
        int64_t suitable = 0;
        const char *reason = NULL;
        crm_record_get_int(&suitable, out, "suitable");
        crm_record_get_text(&reason, out, "reason");
        printf("%s: %s\n", suitable ? "yes" : "no", reason);
        status = CLI_EXIT_OK;
    }
    crm_record_free(out);
    return status;
}

static int risk_history(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_column cols[] = {
        {"assessed_at", "ASSESSED"},
        {"risk_level", "LEVEL"},
        {"score", "SCORE"},
        {"capped_by", "CAPPED BY"},
        {"expires_at", "EXPIRES"},
        {"assessed_by", "BY"},
        {NULL, NULL},
    };
    const char *no = NULL;
    const cli_spec spec = {
        .command = "risk history",
        .synopsis = "CUSTOMER_NO",
        .about =
            "Lists a customer's risk assessments, newest first (with --json, the answers too).",
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_iter *it = NULL;
    int rc = crm_risk_history(&it, ctx->db, no);
    status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, cols);
    crm_iter_free(it);
    return status;
}

static int risk_config(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "risk config",
        .synopsis = "",
        .about = "Prints the shipped questionnaire scoring table (YAML), a starting point for a\n"
                 "bank's own (docs/RISK.md). Needs no database.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    fputs(crm_risk_config_default(), stdout);
    return CLI_EXIT_OK;
}

static const cli_command risk_subcommands[] = {
    {"assess", "score a questionnaire and set the customer's risk level", risk_assess},
    {"check", "is a product suitable for a customer now, and why", risk_check},
    {"history", "a customer's assessments, newest first", risk_history},
    {"config", "print the default questionnaire scoring table", risk_config},
    {NULL, NULL, NULL},
};

int cmd_risk(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "risk",
        "Risk profiles and investor suitability: questionnaires score customers C1..C5, and a\n"
        "product rated R1..R5 suits a customer only when R <= C and the assessment is current.",
        risk_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
