/* crm kb add | import | get | list | publish | search | suggest | answer
 * (include/crm/kb.h). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_column hit_columns[] = {
    {"code", "CODE"}, {"title", "TITLE"}, {"kind", "KIND"}, {"score_x1000", "SCORE"}, {NULL, NULL},
};
static const cli_column article_columns[] = {
    {"code", "CODE"}, {"kind", "KIND"}, {"status", "STATUS"}, {"title", "TITLE"}, {NULL, NULL},
};

static int kb_add(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *title = NULL, *body = NULL, *kind = NULL, *tags = NULL;
    const cli_opt opts[] = {
        {"title", "TEXT", "the article's title", &title, true},
        {"body", "TEXT", "the answer", &body, true},
        {"kind", "KIND", "faq (default), policy or case", &kind, false},
        {"tags", "LIST", "comma-separated keywords", &tags, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "kb add",
                           .synopsis = "CODE --title TEXT --body TEXT [--kind KIND] [--tags LIST]",
                           .about = "Adds and publishes an article.",
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    const char *const pairs[] = {"code", code, "title", title, "body", body,
                                 "kind", kind, "tags",  tags,  NULL};
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = cli_record_set_texts(rec, pairs);
    status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status && (rc = crm_kb_add(ctx->db, rec)))
        status = cli_fail(ctx, rc);
    crm_record_free(rec);
    if (status)
        return status;
    return cli_report(ctx, (const char *[]){"code", code, "status", "published", NULL},
                      "article %s published", code);
}

static int kb_import(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL;
    const cli_spec spec = {.command = "kb import",
                           .synopsis = "FILE",
                           .about =
                               "Adds or replaces (by code) the articles of a YAML or JSON file\n"
                               "(\"-\": standard input), all or nothing. See "
                               "examples/kb/articles.yaml.",
                           .min_args = 1,
                           .max_args = 1,
                           .args = &file};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    char *text = NULL;
    size_t len = 0;
    if ((status = cli_read_text(&text, &len, file, "articles", 64u << 20)) ||
        (status = cli_open(ctx, 0, true))) {
        free(text);
        return status;
    }
    int64_t count = 0;
    int rc = crm_kb_import(&count, ctx->db, text, len);
    free(text);
    if (rc)
        return cli_fail(ctx, rc);
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)count);
    return cli_report(ctx, (const char *[]){"imported", n, NULL}, "%s articles imported", n);
}

static int kb_get(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    const cli_spec spec = {.command = "kb get",
                           .synopsis = "CODE",
                           .about = "Shows one article.",
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *r = NULL;
    int rc = crm_kb_get(&r, ctx->db, code);
    return cli_print_fetched(ctx, rc, r);
}

static int kb_list(cli_ctx *ctx, int argc, char **argv)
{
    const char *kind = NULL, *state = NULL;
    const cli_opt opts[] = {
        {"kind", "KIND", "faq, policy or case", &kind, false},
        {"status", "S", "published or proposed", &state, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = "kb list",
                           .synopsis = "[--kind KIND] [--status S]",
                           .about = "Lists articles by code.",
                           .opts = opts};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *f = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&f);
    if (!rc)
        rc = cli_record_set_texts(f, (const char *[]){"kind", kind, "status", state, NULL});
    status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    if (!status) {
        rc = crm_kb_list(&it, ctx->db, crm_record_count(f) ? f : NULL);
        status = cli_print_listed(ctx, rc, it, article_columns);
    }
    crm_record_free(f);
    return status;
}

static int kb_publish(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL;
    const cli_spec spec = {.command = "kb publish",
                           .synopsis = "CODE",
                           .about =
                               "Publishes a proposed article (a case from a closed complaint).",
                           .min_args = 1,
                           .max_args = 1,
                           .args = &code};
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int rc = crm_kb_publish(ctx->db, code);
    return rc ? cli_fail(ctx, rc)
              : cli_report(ctx, (const char *[]){"code", code, "status", "published", NULL},
                           "article %s published", code);
}

/* search and suggest: TEXT [--limit N] */
static int ranked(cli_ctx *ctx, int argc, char **argv, const char *command, const char *synopsis,
                  const char *about, int (*fn)(crm_iter **, crm_db *, const char *, int))
{
    const char *arg = NULL, *limit = NULL;
    const cli_opt opts[] = {
        {"limit", "N", "at most N articles (default 5)", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {.command = command,
                           .synopsis = synopsis,
                           .about = about,
                           .opts = opts,
                           .min_args = 1,
                           .max_args = 1,
                           .args = &arg};
    int64_t n = 5;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (limit && (status = cli_parse_int(&n, command, "--limit", limit)))
        return status;
    if ((status = cli_open(ctx, 0, true)))
        return status;
    crm_iter *it = NULL;
    int rc = fn(&it, ctx->db, arg, n > 1000 ? 1000 : (int)n);
    return cli_print_listed(ctx, rc, it, hit_columns);
}

static int kb_search(cli_ctx *ctx, int argc, char **argv)
{
    return ranked(ctx, argc, argv, "kb search", "QUERY [--limit N]",
                  "Full-text search over published articles (Chinese and English), best first.",
                  crm_kb_search);
}

static int kb_suggest(cli_ctx *ctx, int argc, char **argv)
{
    return ranked(ctx, argc, argv, "kb suggest", "TICKET [--limit N]",
                  "Articles that may answer a complaint, from its subject and body.",
                  crm_kb_suggest);
}

static int kb_answer(cli_ctx *ctx, int argc, char **argv)
{
    const char *question = NULL, *min = NULL, *phone = NULL, *channel = NULL, *customer = NULL;
    const cli_opt opts[] = {
        {"min-confidence", "X", "hand off below this confidence, 0..1 (default 0.2)", &min, false},
        {"handoff-phone", "PHONE", "below it, open a consultation ticket for this caller", &phone,
         false},
        {"handoff-customer", "NO", "below it, open a consultation ticket for this customer",
         &customer, false},
        {"channel", "CHANNEL", "the channel of the question (default online)", &channel, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "kb answer",
        .synopsis = "QUESTION [options]",
        .about = "Answers a question with the best article and a confidence in [0, 1]. Below\n"
                 "--min-confidence the question goes to a person: with --handoff-phone or\n"
                 "--handoff-customer a consultation ticket is opened.",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &question};
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    double threshold = 0.2;
    char *end = NULL;
    if (min && ((threshold = strtod(min, &end)), end == min || *end))
        return cli_usage_error("kb answer", "--min-confidence: '%s' is not a number", min);
    crm_record *handoff = NULL, *answer = NULL;
    int rc = CRM_OK;
    if ((phone || customer) && !(rc = crm_record_new(&handoff)))
        rc = cli_record_set_texts(handoff, (const char *[]){"contact_phone", phone, "customer_no",
                                                            customer, "channel", channel, NULL});
    status = rc ? cli_fail(ctx, rc) : cli_open(ctx, 0, true);
    double conf = 0;
    if (!status && (rc = crm_kb_answer(&answer, &conf, ctx->db, question, threshold, handoff)))
        status = cli_fail(ctx, rc);
    crm_record_free(handoff);
    if (status)
        return status;
    const char *code = "", *title = "", *ticket = "";
    int64_t answered = 0;
    crm_record_get_text(&code, answer, "code");
    crm_record_get_text(&title, answer, "title");
    crm_record_get_text(&ticket, answer, "handoff_ticket");
    crm_record_get_int(&answered, answer, "answered");
    if (ctx->json)
        status = cli_print_record(ctx, answer);
    else if (answered)
        printf("%s (confidence %.2f): %s\n", code, conf, title);
    else
        printf("handed off (confidence %.2f)%s%s; best guess %s\n", conf, *ticket ? ": " : "",
               ticket, *code ? code : "none");
    crm_record_free(answer);
    return status;
}

static const cli_command kb_subcommands[] = {
    {"add", "add and publish an article", kb_add},
    {"import", "add or replace articles from a YAML or JSON file", kb_import},
    {"get", "show one article", kb_get},
    {"list", "list articles", kb_list},
    {"publish", "publish a proposed case article", kb_publish},
    {"search", "full-text search", kb_search},
    {"suggest", "articles for a complaint", kb_suggest},
    {"answer", "answer a question, or hand it to a person", kb_answer},
    {NULL, NULL, NULL},
};

int cmd_kb(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "kb",
        "The knowledge base: FAQs, policies and resolved cases, searchable in Chinese (FTS5,\n"
        "BM25), answering customers' questions with a confidence.",
        kb_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
