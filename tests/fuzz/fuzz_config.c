/* libFuzzer target for every loader of YAML (or JSON) text the library
 * takes from a host: the risk questionnaire, the complaint workflow, the
 * alert rule set, the analytics value tiers, knowledge-base article import
 * and report definitions. The first byte of an input names the loader, the
 * rest is the text:
 *   'r'  crm_risk_config_load; after a NUL, answers for crm_risk_answers_parse
 *        and crm_risk_assess of a customer with the loaded table
 *   'c'  crm_complaint_config_set, then crm_complaint_config_get
 *   'l'  crm_alert_rules_set, then crm_alert_rules_get and _list
 *   'v'  crm_analytics_config_load, then crm_analytics_score_run
 *   'k'  crm_kb_import, then crm_kb_search
 *   'p'  crm_report_catalog_load, then describe and run each definition
 * Any other first byte picks one by its value modulo 6. Loaders that write
 * run inside a host transaction that is rolled back, so every input starts
 * from the same database. Besides crashes and leaks, a refused text must
 * leave a message. Any finding aborts. */
#include <crm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static crm_db *db;

static int64_t fixed_clock(void *payload)
{
    (void)payload;
    return 1795000000; /* 2026-11-18 */
}

static void must(int rc, const char *what)
{
    if (rc != CRM_OK) {
        fprintf(stderr, "fuzz_config set-up: %s: %s\n", what, crm_last_errmsg());
        abort();
    }
}

/* A refusal must say why: on the handle for calls that take one. */
static void check_refusal(int rc, const char *message, const char *what)
{
    if (rc != CRM_OK && (!message || !message[0])) {
        fprintf(stderr, "%s refused the text with %d and no message\n", what, rc);
        abort();
    }
}

static void setup(void)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = KEY;
    opts.clock = fixed_clock;
    must(crm_db_open(&db, ":memory:", &opts), "open");
    must(crm_access_bootstrap(db, "HO", "总行", "admin", "管理员"), "bootstrap");
    must(crm_db_set_actor(db, "admin"), "actor");
    crm_record *c = NULL;
    must(crm_record_new(&c), "record");
    must(crm_record_set_text(c, "customer_no", "C1"), "customer_no");
    must(crm_record_set_text(c, "name", "张三"), "name");
    must(crm_record_set_text(c, "branch", "HO"), "branch");
    must(crm_customer_create(db, c), "customer");
    crm_record_free(c);
}

static void drain(crm_iter *it, int most)
{
    const crm_record *row = NULL;
    while (most-- > 0 && crm_iter_next(&row, it) == CRM_OK && row)
        ;
    crm_iter_free(it);
}

static void fuzz_risk(const char *text, size_t len)
{
    const char *sep = memchr(text, '\0', len);
    size_t config_len = sep ? (size_t)(sep - text) : len;
    crm_risk_config *config = NULL;
    int rc = crm_risk_config_load(&config, text, config_len);
    check_refusal(rc, crm_last_errmsg(), "crm_risk_config_load");
    crm_record *answers = NULL;
    if (sep) {
        rc = crm_risk_answers_parse(&answers, sep + 1, len - config_len - 1);
        check_refusal(rc, crm_last_errmsg(), "crm_risk_answers_parse");
    }
    if (config && answers) {
        crm_record *result = NULL;
        rc = crm_risk_assess(&result, db, config, "C1", answers);
        check_refusal(rc, crm_db_errmsg(db), "crm_risk_assess");
        crm_record_free(result);
    }
    crm_record_free(answers);
    crm_risk_config_free(config);
}

static void fuzz_complaint(const char *text, size_t len)
{
    int rc = crm_complaint_config_set(db, text, len);
    check_refusal(rc, crm_db_errmsg(db), "crm_complaint_config_set");
    char *out = NULL;
    must(crm_complaint_config_get(&out, db), "complaint config get");
    crm_free(out);
}

static void fuzz_alert(const char *text, size_t len)
{
    int rc = crm_alert_rules_set(db, text, len);
    check_refusal(rc, crm_db_errmsg(db), "crm_alert_rules_set");
    char *out = NULL;
    must(crm_alert_rules_get(&out, db), "alert rules get");
    crm_free(out);
    crm_iter *it = NULL;
    must(crm_alert_rules_list(&it, db), "alert rules list");
    drain(it, 1000);
}

static void fuzz_analytics(const char *text, size_t len)
{
    crm_analytics_config *config = NULL;
    int rc = crm_analytics_config_load(&config, text, len);
    check_refusal(rc, crm_last_errmsg(), "crm_analytics_config_load");
    if (config) {
        crm_record *summary = NULL;
        rc = crm_analytics_score_run(&summary, db, config);
        check_refusal(rc, crm_db_errmsg(db), "crm_analytics_score_run");
        crm_record_free(summary);
    }
    crm_analytics_config_free(config);
}

static void fuzz_kb(const char *text, size_t len)
{
    int64_t count = 0;
    int rc = crm_kb_import(&count, db, text, len);
    check_refusal(rc, crm_db_errmsg(db), "crm_kb_import");
    crm_iter *it = NULL;
    if (rc == CRM_OK && crm_kb_search(&it, db, "银行卡 挂失", 5) == CRM_OK)
        drain(it, 5);
}

static const char *const builtin_reports[] = {"customer-analysis", "business-statistics",
                                              "business-products", "rm-performance"};

static int is_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtin_reports / sizeof builtin_reports[0]; i++)
        if (strcmp(name, builtin_reports[i]) == 0)
            return 1;
    return 0;
}

static void run_report(const crm_report_catalog *cat, const char *name)
{
    char *json = NULL;
    must(crm_report_describe(&json, cat, name), "describe");
    crm_free(json);
    if (is_builtin(name))
        return; /* their SQL is fixed: only loaded definitions are worth running */
    crm_record *params = NULL;
    must(crm_record_new(&params), "params");
    must(crm_record_set_text(params, "period", "2026-11"), "period");
    crm_iter *it = NULL;
    int rc = crm_report_run(&it, db, cat, name, params);
    check_refusal(rc, crm_db_errmsg(db), "crm_report_run");
    if (rc == CRM_OK)
        drain(it, 100);
    crm_record_free(params);
}

static void fuzz_report(const char *text, size_t len)
{
    char *yaml = malloc(len + 1); /* the loader takes a C string */
    if (!yaml)
        abort();
    memcpy(yaml, text, len);
    yaml[len] = '\0';
    crm_report_catalog *cat = NULL;
    must(crm_report_catalog_new(&cat), "catalog");
    int rc = crm_report_catalog_load(cat, yaml);
    check_refusal(rc, crm_last_errmsg(), "crm_report_catalog_load");
    if (rc == CRM_OK)
        for (size_t i = 0; i < crm_report_catalog_count(cat); i++)
            run_report(cat, crm_report_catalog_name(cat, i));
    crm_report_catalog_free(cat);
    free(yaml);
}

typedef void (*loader_fn)(const char *text, size_t len);
static const struct {
    char letter;
    loader_fn fn;
} loaders[] = {{'r', fuzz_risk},      {'c', fuzz_complaint}, {'l', fuzz_alert},
               {'v', fuzz_analytics}, {'k', fuzz_kb},        {'p', fuzz_report}};
#define N_LOADERS (sizeof loaders / sizeof loaders[0])

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size)
{
    if (!db)
        setup();
    if (size == 0)
        return 0;
    size_t pick = bytes[0] % N_LOADERS;
    for (size_t i = 0; i < N_LOADERS; i++)
        if (loaders[i].letter == (char)bytes[0])
            pick = i;
    /* an exact-size copy, so a read past `len` is caught even for a NUL-free input */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        abort();
    memcpy(text, bytes + 1, len);
    must(crm_db_begin(db), "begin");
    loaders[pick].fn(text, len);
    must(crm_db_rollback(db), "rollback");
    free(text);
    return 0;
}
