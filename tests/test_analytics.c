/* Value and behaviour analytics over a small planted book: RFM quintiles,
 * value tiers and activity states with the shipped and a host's
 * parameters; clustering and propensity deterministic for a seed; the
 * planted cross-sell association found with its lift; recommendations
 * filtered by suitability; access and scope. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define YUAN 100
#define N 90

/* Customer i of the book: C000..C089, rm.a's when i is even, rm.b's when odd.
 *  - everyone holds DEP (deposit), (i+1) x 10,000 yuan; C089 7,000,000 yuan
 *  - i % 3 == 0 hold WM2 (wealth), and buy it every 30 days all year
 *  - insurance INS1: half the wealth holders (i % 6 == 0), few others (i % 10 == 1)
 *  - i % 10 == 4: dormant (last transaction 200 days ago)
 *  - i % 10 == 9: at risk (a withdrawal of three times its assets 30 days ago)
 *  - the rest deposit 100 yuan every 20 days */
static bool holds_wealth(int i)
{
    return i % 3 == 0;
}
static bool holds_insurance(int i)
{
    return i % 6 == 0 || (!holds_wealth(i) && i % 10 == 1);
}
static int64_t deposit_balance(int i)
{
    return (i == 89 ? 7000000 : (int64_t)(i + 1) * 10000) * YUAN;
}

static void add_customer(crm_db *db, int i)
{
    char no[16], born[16];
    snprintf(no, sizeof no, "C%03d", i);
    snprintf(born, sizeof born, "19%02d-05-01", 50 + i % 50);
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "李娜"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(c, "manager", i % 2 ? "rm.b" : "rm.a"));
    ck_assert_ok(crm_record_set_date(c, "birth_date", born));
    ck_assert_ok(crm_record_set_money(c, "annual_income", (int64_t)(50000 + 3000 * i) * YUAN));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static void add_product(crm_db *db, const char *code, const char *type, const char *risk)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", code));
    ck_assert_ok(crm_record_set_text(p, "name", "产品"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", risk));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
}

static void txn(crm_db *db, int i, const char *product, const char *type, int64_t fen,
                int64_t days_ago)
{
    char no[16], when[32];
    snprintf(no, sizeof no, "C%03d", i);
    crm_time_format(when, sizeof when, test_clock_now() - days_ago * DAY - 3600);
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", no));
    ck_assert_ok(crm_record_set_text(t, "product_code", product));
    ck_assert_ok(crm_record_set_text(t, "type", type));
    ck_assert_ok(crm_record_set_money(t, "amount", fen));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    ck_assert_ok(crm_record_set_text(t, "time", when));
    int rc = crm_txn_add(db, t);
    crm_record_free(t);
    ck_assert_msg(rc == CRM_OK, "txn: %s", crm_db_errmsg(db));
}

static void simulate(crm_db *db, int i)
{
    char no[16];
    snprintf(no, sizeof no, "C%03d", i);
    int64_t aum = deposit_balance(i) + (holds_wealth(i) ? 20000 * YUAN : 0);
    ck_assert_ok(crm_holding_set(db, no, "DEP", deposit_balance(i)));
    if (holds_wealth(i))
        ck_assert_ok(crm_holding_set(db, no, "WM2", 20000 * YUAN));
    if (holds_insurance(i))
        ck_assert_ok(crm_holding_set(db, no, "INS1", 5000 * YUAN));
    if (i % 10 == 4) {
        txn(db, i, "DEP", "deposit", 100 * YUAN, 200);
        return;
    }
    for (int d = 5; d < 360; d += 20)
        txn(db, i, "DEP", "deposit", (100 + i) * YUAN, d);
    for (int d = 10; holds_wealth(i) && d < 360; d += 30)
        txn(db, i, "WM2", "purchase", 1000 * YUAN, d);
    if (i % 10 == 9)
        txn(db, i, "DEP", "withdrawal", 3 * aum, 30);
}

static crm_db *bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "bm.gz", "branch_manager", "GZ");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "mk", "marketer", "HO");
    add_product(db, "DEP", "deposit", "R1");
    add_product(db, "WM2", "wealth", "R2");
    add_product(db, "INS1", "insurance", "R1");
    add_product(db, "INS3", "insurance", "R3");
    add_product(db, "FD4", "fund", "R4");
    ck_assert_ok(crm_db_begin(db));
    for (int i = 0; i < N; i++) {
        add_customer(db, i);
        simulate(db, i);
    }
    ck_assert_ok(crm_db_commit(db));
    return db;
}

static const char *text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    return v ? v : "(none)";
}

static int64_t number(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

static crm_record *scores(crm_db *db, int i)
{
    char no[16];
    snprintf(no, sizeof no, "C%03d", i);
    crm_record *r = NULL;
    int rc = crm_analytics_customer_get(&r, db, no);
    ck_assert_msg(rc == CRM_OK, "get %s: %s", no, crm_db_errmsg(db));
    return r;
}

static void expect_message(crm_db *db, int rc, int want, const char *words)
{
    ck_assert_msg(rc == want, "returned %d (%s), expected %d", rc, crm_db_errmsg(db), want);
    ck_assert_msg(strstr(crm_db_errmsg(db), words), "message '%s' lacks '%s'", crm_db_errmsg(db),
                  words);
}

/* ------------------------------------------------- RFM, tiers and activity */

START_TEST(scores_rfm_tiers_and_activity)
{
    crm_db *db = bank();
    crm_record *sum = NULL;
    ck_assert_ok(crm_analytics_score_run(&sum, db, NULL));
    ck_assert_int_eq(number(sum, "customers"), N);
    ck_assert_int_eq(number(sum, "dormant"), 9);
    ck_assert_int_eq(number(sum, "at_risk"), 9);
    ck_assert_int_eq(number(sum, "active"), 72);
    ck_assert_int_eq(number(sum, "tier_diamond"), 1);
    ck_assert_int_eq(number(sum, "tier_ordinary") + number(sum, "tier_gold") +
                         number(sum, "tier_platinum") + number(sum, "tier_diamond"),
                     N);
    crm_record_free(sum);

    crm_record *r = scores(db, 4); /* dormant: the least recent */
    ck_assert_str_eq(text(r, "activity"), "dormant");
    ck_assert_int_eq(number(r, "recency_days"), 200);
    ck_assert_int_eq(number(r, "r_score"), 1);
    ck_assert_int_eq(number(r, "frequency"), 1);
    ck_assert_int_eq(number(r, "f_score"), 1);
    ck_assert_str_eq(text(r, "value_tier"), "gold"); /* 50,000 yuan */
    ck_assert_int_eq(crm_record_type(r, "monetary"), CRM_TYPE_MONEY);
    ck_assert_str_eq(text(r, "scored_at"), "2026-11-18T11:06:40Z");
    crm_record_free(r);
    r = scores(db, 9);
    ck_assert_str_eq(text(r, "activity"), "at_risk");
    ck_assert_int_eq(number(r, "m_score"), 5); /* its withdrawal is the largest amount */
    crm_record_free(r);
    r = scores(db, 0); /* buys wealth monthly besides deposits: most frequent */
    ck_assert_str_eq(text(r, "activity"), "active");
    ck_assert_str_eq(text(r, "value_tier"), "ordinary"); /* 35,000 yuan */
    ck_assert_int_eq(number(r, "f_score"), 5);
    ck_assert_int_eq(number(r, "r_score"), 5);
    ck_assert_int_eq(strlen(text(r, "rfm")), 3);
    ck_assert_int_eq(number(r, "aum"), (10000 + 20000 + 5000) * YUAN);
    crm_record_free(r);
    r = scores(db, 49);
    ck_assert_str_eq(text(r, "value_tier"), "platinum");
    crm_record_free(r);
    r = scores(db, 89);
    ck_assert_str_eq(text(r, "value_tier"), "diamond");
    crm_record_free(r);

    /* the stored scores are rule vocabulary: segments and search use them */
    int64_t count = -1;
    ck_assert_ok(crm_segment_preview(&count, db, "{\"==\": [{\"var\": \"activity\"}, \"dormant\"]}",
                                     NULL));
    ck_assert_int_eq(count, 9);
    ck_assert_ok(crm_segment_preview(
        &count, db, "{\"in\": [{\"var\": \"value_tier\"}, [\"platinum\", \"diamond\"]]}", NULL));
    ck_assert_int_gt(count, 0);
    ck_assert_ok(crm_segment_preview(&count, db, "{\"==\": [{\"var\": \"cluster\"}, null]}", NULL));
    ck_assert_int_eq(count, N); /* no clustering has run */
    crm_db_close(db);
}
END_TEST

START_TEST(host_parameters_change_the_scores)
{
    crm_db *db = bank();
    const char *yaml = "value_tiers: {gold: 1000000, platinum: 2000000, diamond: 9000000}\n"
                       "activity: {dormant_days: 250}\n";
    crm_analytics_config *cfg = NULL;
    ck_assert_ok(crm_analytics_config_load(&cfg, yaml, strlen(yaml)));
    crm_record *sum = NULL;
    ck_assert_ok(crm_analytics_score_run(&sum, db, cfg));
    ck_assert_int_eq(number(sum, "dormant"), 0);
    ck_assert_int_eq(number(sum, "tier_diamond"), 0);
    ck_assert_int_eq(number(sum, "tier_platinum"), 1);
    crm_record_free(sum);
    crm_analytics_config_free(cfg);

    const char *bad[][2] = {
        {"value_tiers: {gold: 600000}\n", "platinum (500000) must be above gold (600000)"},
        {"activity: {at_risk: {balance_drop_percent: 101}}\n", "balance_drop_percent"},
        {"rfm: {window_days: x}\n", "window_days: expected a whole number"},
        {"- 1\n", "expected a mapping"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = NULL;
        ck_assert_int_eq(crm_analytics_config_load(&cfg, bad[i][0], strlen(bad[i][0])),
                         CRM_E_INVALID_DATA);
        ck_assert_msg(strstr(crm_last_errmsg(), bad[i][1]), "'%s' lacks '%s'", crm_last_errmsg(),
                      bad[i][1]);
        ck_assert_ptr_null(cfg);
    }
    const char *def = crm_analytics_config_default();
    ck_assert_ok(crm_analytics_config_load(&cfg, def, strlen(def)));
    crm_analytics_config_free(cfg);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------- clustering */

static crm_record *cluster_params(const char *features, int64_t k, int64_t seed)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    if (features)
        ck_assert_ok(crm_record_set_text(p, "features", features));
    ck_assert_ok(crm_record_set_int(p, "k", k));
    ck_assert_ok(crm_record_set_int(p, "seed", seed));
    return p;
}

/* The run's summary and every customer's cluster, as one string. */
static char *cluster_fingerprint(crm_db *db, int64_t seed)
{
    crm_record *p = cluster_params("age,aum,txn_count_90d,recency_days", 3, seed), *sum = NULL;
    int rc = crm_analytics_cluster_run(&sum, db, p);
    crm_record_free(p);
    ck_assert_msg(rc == CRM_OK, "cluster: %s", crm_db_errmsg(db));
    char *json = NULL;
    ck_assert_ok(crm_record_to_json(&json, sum));
    crm_record_free(sum);
    size_t size = strlen(json) + 4 * N + 1;
    char *fp = malloc(size);
    snprintf(fp, size, "%s", json);
    crm_free(json);
    for (int i = 0; i < N; i++) {
        crm_record *r = scores(db, i);
        char c[8];
        snprintf(c, sizeof c, " %lld", (long long)number(r, "cluster"));
        strcat(fp, c);
        crm_record_free(r);
    }
    return fp;
}

START_TEST(clustering_is_deterministic_for_a_seed)
{
    crm_db *db = bank();
    char *first = cluster_fingerprint(db, 7);
    char *second = cluster_fingerprint(db, 7);
    ck_assert_str_eq(first, second);
    ck_assert_ptr_nonnull(strstr(first, "\"customers\":90"));
    ck_assert_ptr_nonnull(strstr(first, "\"converged\":1"));

    /* profiles: 3 clusters x 4 features, sizes add up, largest first */
    crm_iter *it = NULL;
    const crm_record *row;
    ck_assert_ok(crm_analytics_cluster_profiles(&it, db));
    int rows = 0;
    int64_t total = 0, last_size = N;
    while (crm_iter_next(&row, it) == CRM_OK) {
        if (rows % 4 == 0) {
            ck_assert_int_eq(number(row, "cluster"), rows / 4);
            ck_assert_int_le(number(row, "size"), last_size);
            last_size = number(row, "size");
            total += last_size;
            ck_assert_str_eq(text(row, "feature"), "age");
            ck_assert_str_eq(text(row, "unit"), "years");
            double age = atof(text(row, "mean"));
            ck_assert(age > 20 && age < 80);
        }
        if (rows % 4 == 1)
            ck_assert_str_eq(text(row, "unit"), "yuan");
        rows++;
    }
    crm_iter_free(it);
    ck_assert_int_eq(rows, 12);
    ck_assert_int_eq(total, N);
    free(first);
    free(second);
    crm_db_close(db);
}
END_TEST

START_TEST(clustering_parameters_are_checked)
{
    crm_db *db = bank();
    crm_record *sum = NULL, *p = cluster_params("age,shoe_size", 3, 1);
    expect_message(db, crm_analytics_cluster_run(&sum, db, p), CRM_E_INVALID_DATA,
                   "'shoe_size' is not a feature");
    crm_record_free(p);
    p = cluster_params("age,age", 3, 1);
    expect_message(db, crm_analytics_cluster_run(&sum, db, p), CRM_E_INVALID_DATA, "twice");
    crm_record_free(p);
    p = cluster_params(NULL, 1, 1);
    expect_message(db, crm_analytics_cluster_run(&sum, db, p), CRM_E_INVALID_DATA, "field k");
    ck_assert_ok(crm_record_set_int(p, "k", 2));
    ck_assert_ok(crm_record_set_int(p, "colour", 2));
    expect_message(db, crm_analytics_cluster_run(&sum, db, p), CRM_E_INVALID_DATA, "colour");
    crm_record_free(p);
    /* the Guangzhou manager sees no customer */
    ck_assert_ok(crm_db_set_actor(db, "bm.gz"));
    expect_message(db, crm_analytics_cluster_run(&sum, db, NULL), CRM_E_STATE, "fewer than k");
    /* defaults, all features */
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    p = cluster_params("age,annual_income,total_assets,aum,products,txn_count_90d,"
                       "txn_amount_90d,recency_days",
                       5, 3);
    ck_assert_ok(crm_analytics_cluster_run(&sum, db, p));
    ck_assert_int_eq(number(sum, "k"), 5);
    crm_record_free(sum);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ cross-sell */

START_TEST(assoc_finds_the_planted_pattern)
{
    crm_db *db = bank();
    int wealth = 0, insurance = 0, both = 0;
    for (int i = 0; i < N; i++) {
        wealth += holds_wealth(i);
        insurance += holds_insurance(i);
        both += holds_wealth(i) && holds_insurance(i);
    }
    double lift = ((double)both / wealth) / ((double)insurance / N);
    crm_iter *it = NULL;
    const crm_record *row;
    ck_assert_ok(crm_analytics_assoc_run(&it, db, NULL));
    int rank = 0, found_at = -1;
    int64_t prev_lift = INT64_MAX;
    while (crm_iter_next(&row, it) == CRM_OK) {
        ck_assert_int_le(number(row, "lift_bps"), prev_lift);
        prev_lift = number(row, "lift_bps");
        ck_assert_int_eq(number(row, "customers"), N);
        if (!strcmp(text(row, "antecedent"), "wealth") &&
            !strcmp(text(row, "consequent"), "insurance")) {
            found_at = rank;
            ck_assert_int_eq(number(row, "confidence_bps"),
                             (int64_t)(10000.0 * both / wealth + 0.5));
            ck_assert_int_eq(number(row, "support_bps"), (int64_t)(10000.0 * both / N + 0.5));
            ck_assert_int_eq(number(row, "lift_bps"), (int64_t)(lift * 10000 + 0.5));
            ck_assert_int_gt(number(row, "lift_bps"), 15000);
        }
        rank++;
    }
    crm_iter_free(it);
    ck_assert_int_ge(found_at, 0);
    ck_assert_int_lt(found_at, 3);

    /* thresholds prune */
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_int(p, "min_support_bps", 10000));
    ck_assert_ok(crm_analytics_assoc_run(&it, db, p));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);
    ck_assert_ok(crm_record_set_int(p, "min_support_bps", 10001));
    ck_assert_int_eq(crm_analytics_assoc_run(&it, db, p), CRM_E_INVALID_DATA);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

static void assess(crm_db *db, const char *no, const char *level_answers)
{
    crm_record *a = NULL, *out = NULL;
    ck_assert_ok(crm_risk_answers_parse(&a, level_answers, strlen(level_answers)));
    int rc = crm_risk_assess(&out, db, NULL, no, a);
    ck_assert_msg(rc == CRM_OK, "assess: %s", crm_db_errmsg(db));
    crm_record_free(a);
    crm_record_free(out);
}

#define C2                                                                                         \
    "{age: c, income: b, investable_share: b, experience: b, knowledge: b, horizon: b,"            \
    " goal: b, loss_tolerance: b}"
#define C5                                                                                         \
    "{age: b, income: d, investable_share: d, experience: d, knowledge: d, horizon: d,"            \
    " goal: d, loss_tolerance: d}"

static int recommended(crm_db *db, const char *no, char *codes, size_t size)
{
    crm_iter *it = NULL;
    const crm_record *row;
    int rc = crm_analytics_recommend(&it, db, no, 0), n = 0;
    ck_assert_msg(rc == CRM_OK, "recommend: %s", crm_db_errmsg(db));
    codes[0] = '\0';
    while (crm_iter_next(&row, it) == CRM_OK) {
        size_t used = strlen(codes);
        snprintf(codes + used, size - used, "%s%s", n++ ? "," : "", text(row, "product_code"));
        if (!strcmp(text(row, "product_code"), "INS1"))
            ck_assert_str_eq(text(row, "rule"), "wealth => insurance");
    }
    crm_iter_free(it);
    return n;
}

START_TEST(recommendations_respect_suitability)
{
    crm_db *db = bank();
    crm_iter *it = NULL;
    expect_message(db, crm_analytics_recommend(&it, db, "C003", 0), CRM_E_STATE,
                   "crm analytics assoc");
    ck_assert_ok(crm_analytics_assoc_run(&it, db, NULL));
    crm_iter_free(it);
    char codes[128];
    /* C003 holds deposit and wealth, no insurance; never assessed: nothing */
    ck_assert_int_eq(recommended(db, "C003", codes, sizeof codes), 0);
    /* C2: the R1 insurance, not the R3 one */
    assess(db, "C003", C2);
    recommended(db, "C003", codes, sizeof codes);
    ck_assert_ptr_nonnull(strstr(codes, "INS1"));
    ck_assert_ptr_null(strstr(codes, "INS3"));
    ck_assert_ptr_null(strstr(codes, "WM2")); /* held */
    /* C5: both insurances, the planted rule's type first */
    assess(db, "C003", C5);
    recommended(db, "C003", codes, sizeof codes);
    ck_assert_msg(strncmp(codes, "INS1,INS3", 9) == 0, "codes %s", codes);
    /* expired a year later: nothing again */
    test_clock_set(test_clock_now() + 400 * DAY);
    ck_assert_int_eq(recommended(db, "C003", codes, sizeof codes), 0);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ propensity */

static crm_record *propensity(crm_db *db, int64_t seed)
{
    crm_record *p, *out = NULL;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "target", "wealth"));
    ck_assert_ok(crm_record_set_int(p, "seed", seed));
    int rc = crm_analytics_propensity_run(&out, db, p);
    crm_record_free(p);
    ck_assert_msg(rc == CRM_OK, "propensity: %s", crm_db_errmsg(db));
    return out;
}

START_TEST(propensity_is_deterministic_with_its_auc)
{
    crm_db *db = bank();
    crm_record *a = propensity(db, 11), *b = propensity(db, 11);
    char *ja = NULL, *jb = NULL;
    ck_assert_ok(crm_record_to_json(&ja, a));
    ck_assert_ok(crm_record_to_json(&jb, b));
    ck_assert_str_eq(ja, jb);
    ck_assert_int_eq(number(a, "customers"), N);
    ck_assert_int_eq(number(a, "train"), 63);
    ck_assert_int_eq(number(a, "test"), 27);
    ck_assert_int_eq(number(a, "positives"), 30 - 3); /* the dormant wealth holders stopped */
    ck_assert_int_gt(number(a, "auc_bps"), 9000);
    ck_assert_ptr_nonnull(strstr(text(a, "weights"), "\"target_txns_365d\":"));
    ck_assert_str_eq(text(a, "cutoff"), "2026-08-20T00:00:00Z");
    crm_free(ja);
    crm_free(jb);
    crm_record_free(a);
    crm_record_free(b);

    crm_record *buyer = scores(db, 3), *other = scores(db, 5);
    ck_assert_int_gt(number(buyer, "propensity_bps"), number(other, "propensity_bps"));
    ck_assert_str_eq(text(buyer, "propensity_target"), "wealth");
    crm_record_free(buyer);
    crm_record_free(other);

    crm_record *p, *out = NULL;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "target", "stocks"));
    expect_message(db, crm_analytics_propensity_run(&out, db, p), CRM_E_INVALID_DATA,
                   "field target");
    ck_assert_ok(crm_record_set_text(p, "target", "fund"));
    expect_message(db, crm_analytics_propensity_run(&out, db, p), CRM_E_STATE,
                   "hold-out set needs");
    ck_assert_ok(crm_record_set_text(p, "target", "wealth"));
    ck_assert_ok(crm_record_set_text(p, "cutoff", "2026-10-01"));
    expect_message(db, crm_analytics_propensity_run(&out, db, p), CRM_E_INVALID_DATA,
                   "field cutoff");
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------------------------- access */

START_TEST(access_and_scope)
{
    crm_db *db = bank();
    crm_record *sum = NULL;
    crm_iter *it = NULL;
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_analytics_score_run(&sum, db, NULL), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_analytics_cluster_run(&sum, db, NULL), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_analytics_assoc_run(&it, db, NULL), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_analytics_propensity_run(&sum, db, NULL), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_analytics_cluster_profiles(&it, db), CRM_E_PERMISSION);
    /* a branch manager runs over their subtree */
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_analytics_score_run(&sum, db, NULL));
    ck_assert_int_eq(number(sum, "customers"), N);
    crm_record_free(sum);
    ck_assert_ok(crm_db_set_actor(db, "bm.gz"));
    ck_assert_ok(crm_analytics_score_run(&sum, db, NULL));
    ck_assert_int_eq(number(sum, "customers"), 0);
    crm_record_free(sum);
    /* reading back: an RM sees their own customers' scores only */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    crm_record *r = scores(db, 2);
    ck_assert_str_eq(text(r, "customer_no"), "C002");
    ck_assert_int_eq(number(r, "r_score"), 5);
    crm_record_free(r);
    r = NULL;
    ck_assert_int_eq(crm_analytics_customer_get(&r, db, "C001"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_analytics_recommend(&it, db, "C001", 5), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

static Suite *analytics_suite(void)
{
    Suite *s = suite_create("analytics");
    TCase *t = tcase_create("analytics");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, scores_rfm_tiers_and_activity);
    tcase_add_test(t, host_parameters_change_the_scores);
    tcase_add_test(t, clustering_is_deterministic_for_a_seed);
    tcase_add_test(t, clustering_parameters_are_checked);
    tcase_add_test(t, assoc_finds_the_planted_pattern);
    tcase_add_test(t, recommendations_respect_suitability);
    tcase_add_test(t, propensity_is_deterministic_with_its_auc);
    tcase_add_test(t, access_and_scope);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(analytics_suite());
}
