/* crm rule check | eval | sql: JsonLogic rules (include/crm/rule.h, docs/RULES.md).
 *
 * These commands need no database: they read a rule from a file ("-" for
 * standard input), parse it, and report what the library says. A malformed
 * rule exits 3 with the line and column in the message. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- input */

/* Parses the rule in `path`. Returns an exit status (3 for a malformed rule). */
static int load_rule(cli_ctx *ctx, crm_rule **out, const char *path)
{
    char *text;
    size_t len;
    int status = cli_read_text(&text, &len, path, "rule", CRM_RULE_MAX_TEXT);
    if (status != CLI_EXIT_OK)
        return status;
    int rc = crm_rule_parse(out, text, len);
    free(text);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* ------------------------------------------------------------- output */

/* Prints `s` as a JSON string. */
static void print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* Prints a double as the shortest text that reads back the same ("2.5",
 * "0.1"); null for NaN and infinities, as JSON.stringify does. */
static void print_number(double value)
{
    if (!isfinite(value)) {
        fputs("null", stdout);
        return;
    }
    char buf[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, value);
        if (strtod(buf, NULL) == value)
            break;
    }
    fputs(buf, stdout);
}

/* ------------------------------------------------------------- check */

static void print_variables_json(const crm_rule *rule)
{
    size_t count = crm_rule_variable_count(rule);
    printf("{\"valid\": true, \"variables\": [");
    for (size_t i = 0; i < count; i++) {
        fputs(i ? ", " : "", stdout);
        print_json_string(crm_rule_variable(rule, i));
    }
    printf("], \"dynamic_variables\": %s}\n",
           crm_rule_has_dynamic_variables(rule) ? "true" : "false");
}

static void print_variables_text(const crm_rule *rule)
{
    size_t count = crm_rule_variable_count(rule);
    printf("valid rule; %zu variable%s%s\n", count, count == 1 ? "" : "s", count ? ":" : "");
    for (size_t i = 0; i < count; i++)
        printf("  %s\n", crm_rule_variable(rule, i));
    if (crm_rule_has_dynamic_variables(rule))
        printf("some variable names are computed at evaluation time: the list is incomplete\n");
}

static int rule_check(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *vocab = NULL;
    const cli_opt opts[] = {
        {"vocab", NULL, "also require every variable to be a customer vocabulary name", &vocab,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "rule check",
        .synopsis = "FILE [--vocab]",
        .about = "Parses the JsonLogic rule in FILE (JSON or YAML; '-' reads standard input) and\n"
                 "lists the variables it reads. A malformed rule exits 3 with the line and\n"
                 "column of the error. With --vocab, a variable outside the customer vocabulary\n"
                 "exits 4 naming the closest known name. Needs no database.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_rule *rule;
    if ((status = load_rule(ctx, &rule, file)) != CLI_EXIT_OK)
        return status;
    int rc = vocab ? crm_rule_check_vocab(rule) : CRM_OK;
    if (rc)
        status = cli_fail(ctx, rc);
    else if (ctx->json)
        print_variables_json(rule);
    else
        print_variables_text(rule);
    crm_rule_free(rule);
    return status;
}

/* -------------------------------------------------------------- eval */

/* The log operation's values go to standard error, one line each. */
static int log_to_stderr(const char *json, void *payload)
{
    (void)payload;
    fprintf(stderr, "log: %s\n", json);
    return 0;
}

/* Builds the data of --data: JSON or YAML text, or @FILE; none is {}. */
static int load_data(cli_ctx *ctx, crm_rule_data **out, const char *arg)
{
    if (!arg) {
        int rc = crm_rule_data_new(out);
        return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    }
    char *text = NULL;
    size_t len = strlen(arg);
    if (arg[0] == '@') {
        int status = cli_read_text(&text, &len, arg + 1, "data", CRM_RULE_MAX_TEXT);
        if (status != CLI_EXIT_OK)
            return status;
    }
    int rc = crm_rule_data_parse(out, text ? text : arg, len);
    free(text);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int rule_eval(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *data_arg = NULL;
    const cli_opt opts[] = {
        {"data", "JSON|@FILE", "the data: JSON or YAML text, or @FILE to read it (default {})",
         &data_arg, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "rule eval",
        .synopsis = "FILE [--data JSON|@FILE]",
        .about = "Evaluates the JsonLogic rule in FILE (JSON or YAML; '-' reads standard input)\n"
                 "against the data and prints the result as one line of JSON, as JSON.stringify\n"
                 "would. Values of 'log' operations go to standard error. Exit 3 for a malformed\n"
                 "rule or data, or an error the rule raises. Needs no database.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (data_arg && strcmp(file, "-") == 0 && strcmp(data_arg, "@-") == 0)
        return cli_usage_error(spec.command, "the rule and the data cannot both be stdin");
    crm_rule *rule;
    crm_rule_data *data = NULL;
    char *result = NULL;
    if ((status = load_rule(ctx, &rule, file)) != CLI_EXIT_OK)
        return status;
    if ((status = load_data(ctx, &data, data_arg)) == CLI_EXIT_OK) {
        int rc = crm_rule_data_set_log(data, log_to_stderr, NULL);
        if (!rc)
            rc = crm_rule_eval_json(&result, rule, data);
        if (rc)
            status = cli_fail(ctx, rc);
        else
            printf("%s\n", result);
    }
    crm_free(result);
    crm_rule_data_free(data);
    crm_rule_free(rule);
    return status;
}

/* --------------------------------------------------------------- sql */

/* Binds every vocabulary name to the column of the same name: the library
 * has no SQL expressions for the vocabulary yet. */
static int vocabulary_schema(crm_rule_schema **out)
{
    int rc = crm_rule_schema_new(out);
    for (size_t i = 0; !rc && i < crm_rule_vocab_count(); i++) {
        const char *name;
        rc = crm_rule_vocab_get(&name, NULL, NULL, i);
        if (!rc)
            rc = crm_rule_schema_bind(*out, name, name);
    }
    if (rc) {
        crm_rule_schema_free(*out);
        *out = NULL;
    }
    return rc;
}

static const char *param_type_name(crm_rule_param_type type)
{
    switch (type) {
    case CRM_RULE_PARAM_INTEGER:
        return "integer";
    case CRM_RULE_PARAM_NUMBER:
        return "number";
    default:
        return "text";
    }
}

static void print_param_value(crm_rule_param_type type, double number, int64_t integer,
                              const char *text)
{
    if (type == CRM_RULE_PARAM_INTEGER)
        printf("%" PRId64, integer);
    else if (type == CRM_RULE_PARAM_NUMBER)
        print_number(number);
    else
        print_json_string(text);
}

static void print_sql(cli_ctx *ctx, const crm_rule_sql *sql)
{
    size_t count = crm_rule_sql_param_count(sql);
    if (ctx->json) {
        fputs("{\"sql\": ", stdout);
        print_json_string(crm_rule_sql_text(sql));
        fputs(", \"params\": [", stdout);
    } else {
        printf("%s\n", crm_rule_sql_text(sql));
        if (count)
            printf("\nParameters:\n");
    }
    for (size_t i = 0; i < count; i++) {
        const char *name = "", *text = "";
        crm_rule_param_type type = CRM_RULE_PARAM_TEXT;
        double number = 0;
        int64_t integer = 0;
        crm_rule_sql_param(sql, i, &name, &type, &number, &integer, &text);
        if (ctx->json) {
            printf("%s{\"name\": ", i ? ", " : "");
            print_json_string(name);
            printf(", \"type\": \"%s\", \"value\": ", param_type_name(type));
        } else {
            printf("  %-6s %-8s ", name, param_type_name(type));
        }
        print_param_value(type, number, integer, text);
        fputs(ctx->json ? "}" : "\n", stdout);
    }
    if (ctx->json)
        fputs("]}\n", stdout);
}

static int rule_sql(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *prefix = NULL;
    const cli_opt opts[] = {
        {"prefix", "NAME", "parameter names :NAME1, :NAME2 ... (default p)", &prefix, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "rule sql",
        .synopsis = "FILE [--prefix NAME]",
        .about = "Compiles the JsonLogic rule in FILE (JSON or YAML; '-' reads standard input) to\n"
                 "an SQLite condition over the customer vocabulary, with the declared type of\n"
                 "each name, and prints it with its parameters (every constant of the rule is a\n"
                 "parameter). No SQL expressions are bound for the vocabulary yet, so each name\n"
                 "stands for a column of the same name (age, assets, tags ...). Exit 3 for a\n"
                 "malformed rule, 1 for one SQL cannot express exactly (use 'crm rule eval').\n"
                 "Needs no database.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &file,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_rule *rule;
    crm_rule_schema *schema = NULL;
    crm_rule_sql *sql = NULL;
    if ((status = load_rule(ctx, &rule, file)) != CLI_EXIT_OK)
        return status;
    int rc = vocabulary_schema(&schema);
    if (!rc)
        rc = crm_rule_to_sql(&sql, rule, schema, prefix);
    if (rc)
        status = cli_fail(ctx, rc);
    else
        print_sql(ctx, sql);
    crm_rule_sql_free(sql);
    crm_rule_schema_free(schema);
    crm_rule_free(rule);
    return status;
}

/* ------------------------------------------------------------- group */

static const cli_command rule_subcommands[] = {
    {"check", "parse a rule, report errors with line and column, list its variables", rule_check},
    {"eval", "evaluate a rule against data and print the result as JSON", rule_eval},
    {"sql", "compile a rule to SQL over the customer vocabulary", rule_sql},
    {NULL, NULL, NULL},
};

int cmd_rule(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "rule",
        "JsonLogic rules, in JSON or YAML (docs/RULES.md): the language of segments,\n"
        "campaign eligibility, reward tiers and alerts. These commands need no database.",
        rule_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
