/* Rule engine figures, each beside a hand-written baseline in the same run:
 *  (a) interpreter evaluations/s of a 5-condition customer eligibility rule,
 *      beside the same predicate written in C (target: >= 5M/s per core);
 *  (b) interpreter evaluations/s over the JsonLogic conformance rules;
 *  (c) a segment count over 1M customers with the compiled SQL, beside a
 *      hand-written SQL query of the same predicate (target: <= 1.2x).
 * Times are this process's CPU time, not the wall clock: machines running
 * benchmarks are often shared, and every figure here is one thread's work.
 * CRM_BENCH_SCALE scales the work. */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const eligibility =
    "{\"and\": ["
    "{\">=\": [{\"var\": \"age\"}, 25]},"
    "{\">=\": [{\"var\": \"assets\"}, 5000000]},"
    "{\"in\": [{\"var\": \"risk_level\"}, [\"C3\", \"C4\", \"C5\"]]},"
    "{\"!\": {\"var\": \"risk_expired\"}},"
    "{\"in\": [\"vip\", {\"var\": \"tags\"}]}]}";

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_rule: %s: %s\n", what, crm_last_errmsg());
    exit(1);
}

static crm_rule *parse(const char *text)
{
    crm_rule *r;
    if (crm_rule_parse(&r, text, strlen(text)) != CRM_OK)
        die("parse");
    return r;
}

/* ----------------------------------------------------------- customers */

typedef struct customer {
    int64_t age, assets;
    const char *risk;
    bool expired;
    int ntags;
    const char *tags[3];
} customer;

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(bench_rand64() % n);
}

static const char *const risks[] = {"C1", "C2", "C3", "C4", "C5"};
static const char *const tag_names[] = {"vip", "new", "payroll", "young", "dormant", "high_net"};

/* A customer; `eligible_until` > 0 makes the first conditions hold so that
 * the interpreter evaluates all five (the slowest path). */
static customer make_customer(bool all_conditions)
{
    customer c = {0};
    c.age = all_conditions ? 25 + rnd(50) : 18 + rnd(62);
    c.assets = all_conditions ? 5000000 + rnd(100000000) : rnd(20000000);
    c.risk = all_conditions ? risks[2 + rnd(3)] : risks[rnd(5)];
    c.expired = all_conditions ? false : rnd(4) == 0;
    c.ntags = (int)rnd(4);
    for (int i = 0; i < c.ntags; i++)
        c.tags[i] = tag_names[rnd(6)];
    return c;
}

static bool has_tag(const customer *c, const char *tag)
{
    for (int i = 0; i < c->ntags; i++)
        if (strcmp(c->tags[i], tag) == 0)
            return true;
    return false;
}

/* The eligibility predicate written by hand, the baseline for (a). */
static bool eligible_by_hand(const customer *c)
{
    return c->age >= 25 && c->assets >= 5000000 &&
           (!strcmp(c->risk, "C3") || !strcmp(c->risk, "C4") || !strcmp(c->risk, "C5")) &&
           !c->expired && has_tag(c, "vip");
}

static crm_rule_data *customer_data(const customer *c)
{
    crm_rule_data *d;
    if (crm_rule_data_new(&d) || crm_rule_data_set_int(d, "age", c->age) ||
        crm_rule_data_set_int(d, "assets", c->assets) ||
        crm_rule_data_set_text(d, "risk_level", c->risk) ||
        crm_rule_data_set_bool(d, "risk_expired", c->expired) ||
        crm_rule_data_set_text_array(d, "tags", c->tags, (size_t)c->ntags) ||
        crm_rule_data_set_text(d, "gender", rnd(2) ? "M" : "F") ||
        crm_rule_data_set_text(d, "city", "上海") ||
        crm_rule_data_set_int(d, "income", rnd(50000000)) ||
        crm_rule_data_set_int(d, "txn_count_90d", rnd(100)))
        die("customer data");
    return d;
}

#define N_CUSTOMERS 1024

static void bench_eligibility(bool all_conditions)
{
    customer cs[N_CUSTOMERS];
    crm_rule_data *data[N_CUSTOMERS];
    for (int i = 0; i < N_CUSTOMERS; i++) {
        cs[i] = make_customer(all_conditions);
        data[i] = customer_data(&cs[i]);
    }
    crm_rule *rule = parse(eligibility);
    long n = (long)(5000000 * bench_scale());
    long yes = 0, yes_hand = 0;
    int truthy;
    for (int i = 0; i < N_CUSTOMERS; i++) /* warm the scratch memory */
        crm_rule_eval(&truthy, rule, data[i]);
    double t0 = cpu_now();
    for (long i = 0; i < n; i++) {
        if (crm_rule_eval(&truthy, rule, data[i & (N_CUSTOMERS - 1)]) != CRM_OK)
            die("eval");
        yes += truthy;
    }
    double t_crm = cpu_now() - t0;
    t0 = cpu_now();
    for (long i = 0; i < n; i++)
        yes_hand += eligible_by_hand(&cs[i & (N_CUSTOMERS - 1)]);
    double t_hand = cpu_now() - t0;
    if (yes != yes_hand) {
        fprintf(stderr, "bench_rule: interpreter says %ld eligible, C says %ld\n", yes, yes_hand);
        exit(1);
    }
    bench_report_rate(all_conditions ? "(a) eligibility rule, all 5 conditions"
                                     : "(a) eligibility rule, mixed customers",
                      (double)n, t_crm, "same predicate in C", (double)n, t_hand);
    double rate = (double)n / t_crm;
    printf("%-40s %12.0f /s   target %.0f /s: %s (%.2fx the target)\n", "(a) interpreter, one core",
           rate, 5e6, rate >= 5e6 ? "met" : "NOT met", rate / 5e6);
    for (int i = 0; i < N_CUSTOMERS; i++)
        crm_rule_data_free(data[i]);
    crm_rule_free(rule);
}

/* --------------------------------------------------------- conformance */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!buf)
        return NULL;
    buf[got] = '\0';
    return buf;
}

/* tests.json from CRM_CONFORMANCE_DIR, else from the source tree's
 * tests/conformance. */
static char *conformance_text(void)
{
    char path[1024];
    const char *dir = getenv("CRM_CONFORMANCE_DIR");
    if (dir) {
        snprintf(path, sizeof path, "%s/jsonlogic/tests.json", dir);
    } else {
        snprintf(path, sizeof path, "%s", __FILE__);
        char *slash = strrchr(path, '/');
        if (!slash)
            return NULL;
        snprintf(slash, sizeof path - (size_t)(slash - path),
                 "/../tests/conformance/jsonlogic/tests.json");
    }
    return read_file(path);
}

#define MAX_CASES 400

static void bench_conformance(void)
{
    char *text = conformance_text();
    if (!text) {
        printf("(b) conformance rules: skipped, tests.json not found (set CRM_CONFORMANCE_DIR)\n");
        return;
    }
    sqlite3 *db;
    sqlite3_stmt *st;
    sqlite3_open(":memory:", &db);
    sqlite3_prepare_v2(db, "SELECT value -> 0, value -> 1 FROM json_each(?) WHERE type = 'array'",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    crm_rule *rules[MAX_CASES];
    crm_rule_data *data[MAX_CASES];
    int n = 0;
    while (n < MAX_CASES && sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        rules[n] = parse(r);
        if (crm_rule_data_parse(&data[n], d, strlen(d)) != CRM_OK)
            die("conformance data");
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(text);
    long rounds = (long)(20000 * bench_scale());
    rounds = rounds > 0 ? rounds : 1;
    int truthy;
    double t0 = cpu_now();
    for (long k = 0; k < rounds; k++)
        for (int i = 0; i < n; i++)
            if (crm_rule_eval(&truthy, rules[i], data[i]) != CRM_OK)
                die("conformance eval");
    double t = cpu_now() - t0;
    printf("%-40s %12.0f /s   (%d rules, %ld rounds)\n", "(b) conformance rules", n * rounds / t, n,
           rounds);
    for (int i = 0; i < n; i++) {
        crm_rule_free(rules[i]);
        crm_rule_data_free(data[i]);
    }
}

/* ----------------------------------------------------------------- SQL */

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_rule: %s: %s\n", sql, err);
        exit(1);
    }
}

static void fill_customers(sqlite3 *db, long rows)
{
    exec(db, "CREATE TABLE customer(id INTEGER PRIMARY KEY, age INTEGER, gender TEXT, "
             "city TEXT, assets INTEGER, income INTEGER, risk_level TEXT, "
             "risk_expired INTEGER, tags TEXT, txn_count_90d INTEGER)");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO customer VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
    exec(db, "BEGIN");
    char tags[128];
    for (long i = 0; i < rows; i++) {
        customer c = make_customer(rnd(3) == 0);
        size_t n = (size_t)snprintf(tags, sizeof tags, "[");
        for (int k = 0; k < c.ntags; k++)
            n += (size_t)snprintf(tags + n, sizeof tags - n, "%s\"%s\"", k ? "," : "", c.tags[k]);
        snprintf(tags + n, sizeof tags - n, "]");
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_int64(st, 2, c.age);
        sqlite3_bind_text(st, 3, rnd(2) ? "M" : "F", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, "上海", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, c.assets);
        sqlite3_bind_int64(st, 6, rnd(50000000));
        sqlite3_bind_text(st, 7, c.risk, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, c.expired);
        sqlite3_bind_text(st, 9, tags, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 10, rnd(100));
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    exec(db, "COMMIT");
    sqlite3_finalize(st);
}

static void bind_rule(sqlite3_stmt *st, const crm_rule_sql *sql)
{
    for (size_t i = 0; i < crm_rule_sql_param_count(sql); i++) {
        const char *name, *text = NULL;
        crm_rule_param_type type;
        double d = 0;
        int64_t v = 0;
        crm_rule_sql_param(sql, i, &name, &type, &d, &v, &text);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (type == CRM_RULE_PARAM_NUMBER)
            sqlite3_bind_double(st, idx, d);
        else if (type == CRM_RULE_PARAM_INTEGER)
            sqlite3_bind_int64(st, idx, v);
        else
            sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC);
    }
}

/* Best of three runs of a count query; the count in *out. */
static double time_count(sqlite3 *db, const char *where, const crm_rule_sql *params, long *out)
{
    char *q = sqlite3_mprintf("SELECT count(*) FROM customer c WHERE %s", where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_rule: %s: %s\n", q, sqlite3_errmsg(db));
        exit(1);
    }
    if (params)
        bind_rule(st, params);
    double best = 1e9;
    for (int run = 0; run < 3; run++) {
        double t0 = cpu_now();
        sqlite3_step(st);
        *out = sqlite3_column_int64(st, 0);
        double t = cpu_now() - t0;
        best = t < best ? t : best;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
    return best;
}

static void compare_sql(sqlite3 *db, const crm_rule_schema *schema, const char *label,
                        const char *rule_text, const char *hand)
{
    crm_rule *rule = parse(rule_text);
    crm_rule_sql *sql;
    if (crm_rule_to_sql(&sql, rule, schema, NULL) != CRM_OK)
        die("compile");
    long n_crm, n_hand;
    double t_crm = time_count(db, crm_rule_sql_text(sql), sql, &n_crm);
    double t_hand = time_count(db, hand, NULL, &n_hand);
    if (n_crm != n_hand) {
        fprintf(stderr, "bench_rule: compiled SQL counts %ld, hand-written %ld\n", n_crm, n_hand);
        exit(1);
    }
    bench_report_time(label, t_crm, "hand-written SQL", t_hand);
    printf("%-40s %ld of the customers; ratio target <= 1.20x: %s\n", "", n_crm,
           t_crm / t_hand <= 1.2 ? "met" : "NOT met");
    crm_rule_sql_free(sql);
    crm_rule_free(rule);
}

static void bench_sql(void)
{
    long rows = (long)(1000000 * bench_scale());
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    double t0 = cpu_now();
    fill_customers(db, rows);
    printf("(c) %ld customers loaded in %.2f s\n", rows, cpu_now() - t0);
    crm_rule_schema *schema;
    if (crm_rule_schema_new(&schema))
        die("schema");
    static const char *const cols[] = {"age",          "gender", "city",
                                       "assets",       "income", "risk_level",
                                       "risk_expired", "tags",   "txn_count_90d"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char expr[64];
        snprintf(expr, sizeof expr, "c.%s", cols[i]);
        if (crm_rule_schema_bind(schema, cols[i], expr))
            die("schema bind");
    }
    compare_sql(db, schema, "(c) segment count, 5 conditions", eligibility,
                "c.age >= 25 AND c.assets >= 5000000 AND c.risk_level IN ('C3','C4','C5') "
                "AND NOT c.risk_expired AND EXISTS (SELECT 1 FROM json_each(c.tags) "
                "WHERE value = 'vip')");
    compare_sql(db, schema, "(c) segment count, 4 scalar conditions",
                "{\"and\": [{\">=\": [{\"var\": \"age\"}, 25]}, {\">=\": [{\"var\": \"assets\"}, "
                "5000000]}, {\"in\": [{\"var\": \"risk_level\"}, [\"C3\", \"C4\", \"C5\"]]}, "
                "{\"!\": {\"var\": \"risk_expired\"}}]}",
                "c.age >= 25 AND c.assets >= 5000000 AND c.risk_level IN ('C3','C4','C5') "
                "AND NOT c.risk_expired");
    crm_rule_schema_free(schema);
    sqlite3_close(db);
}

int main(void)
{
    bench_eligibility(true);
    bench_eligibility(false);
    bench_conformance();
    bench_sql();
    return 0;
}
