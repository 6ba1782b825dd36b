/* Reports: periods, definitions (YAML, checks), runs streaming typed rows
 * with comparison columns, filters and branch, access by role (an RM's
 * book, a branch manager's subtree), and every output format. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The test clock stands at 2026-11-18. */
static crm_db *bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "GZ01", "广州天河支行", "GZ"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.g", "relationship_manager", "GZ01");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    return db;
}

static void add_customer(crm_db *db, const char *no, const char *branch, const char *manager,
                         const char *gender, const char *birth)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "王小明"));
    ck_assert_ok(crm_record_set_text(c, "branch", branch));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_text(c, "gender", gender));
    ck_assert_ok(crm_record_set_date(c, "birth_date", birth));
    ck_assert_ok(crm_record_set_text(c, "province", "北京市"));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static void add_product(crm_db *db, const char *code, const char *type)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", code));
    ck_assert_ok(crm_record_set_text(p, "name", "产品"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", "R1"));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
}

static void add_txn(crm_db *db, const char *no, const char *product, int64_t fen, const char *at)
{
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", no));
    ck_assert_ok(crm_record_set_text(t, "product_code", product));
    ck_assert_ok(crm_record_set_text(t, "type", "deposit"));
    ck_assert_ok(crm_record_set_money(t, "amount", fen));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    ck_assert_ok(crm_record_set_text(t, "time", at));
    ck_assert_ok(crm_txn_add(db, t));
    crm_record_free(t);
}

/* Two customers in Beijing (rm.a), one in Guangzhou (rm.g); deposits in
 * 2026-10, 2026-09 and 2025-10. */
static crm_db *bank_with_data(void)
{
    crm_db *db = bank();
    add_customer(db, "C1", "BJ01", "rm.a", "M", "1980-05-01");
    add_customer(db, "C2", "BJ01", "rm.a", "F", "1995-01-10");
    add_customer(db, "C3", "GZ01", "rm.g", "F", "1960-12-30");
    add_product(db, "DEP", "deposit");
    add_product(db, "LN", "loan");
    ck_assert_ok(crm_holding_set(db, "C1", "DEP", 1000000));
    ck_assert_ok(crm_holding_set(db, "C2", "DEP", 50001));
    ck_assert_ok(crm_holding_set(db, "C3", "LN", 2000000));
    add_txn(db, "C1", "DEP", 10050, "2026-10-03T08:00:00Z");
    add_txn(db, "C2", "DEP", 20000, "2026-10-31T23:59:59Z");
    add_txn(db, "C1", "DEP", 7000, "2026-09-15T08:00:00Z");
    add_txn(db, "C1", "DEP", 3000, "2025-10-15T08:00:00Z");
    add_txn(db, "C3", "LN", 99999, "2026-10-20T08:00:00Z");
    add_txn(db, "C3", "LN", 1, "2026-11-01T00:00:00Z");
    return db;
}

static crm_record *params(const char *period, const char *branch)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    if (period)
        ck_assert_ok(crm_record_set_text(p, "period", period));
    if (branch)
        ck_assert_ok(crm_record_set_text(p, "branch", branch));
    return p;
}

static int64_t get_int(const crm_record *r, const char *field)
{
    int64_t v = -1;
    ck_assert_msg(crm_record_get_int(&v, r, field) == CRM_OK, "field %s", field);
    return v;
}

static const char *get_text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    ck_assert_msg(crm_record_get_text(&v, r, field) == CRM_OK, "field %s", field);
    return v;
}

/* Sums a money or int column over a run; counts rows in *rows. */
static int64_t run_sum(crm_db *db, const char *name, crm_record *p, const char *field, int *rows)
{
    crm_iter *it;
    const crm_record *r;
    int64_t sum = 0;
    int rc = crm_report_run(&it, db, NULL, name, p);
    ck_assert_msg(rc == CRM_OK, "run %s: %s", name, crm_db_errmsg(db));
    *rows = 0;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        int64_t v = 0;
        crm_record_get_int(&v, r, field);
        sum += v;
        (*rows)++;
    }
    ck_assert_int_eq(rc, CRM_ITER_DONE);
    crm_iter_free(it);
    return sum;
}

/* ---------------------------------------------------------------- tests */

START_TEST(periods_cover_every_kind)
{
    static const char *const cases[][7] = {
        /* text, start, end, previous label, previous start, last year label, last year start */
        {"2026-10", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-09",
         "2026-09-01T00:00:00Z", "2025-10", "2025-10-01T00:00:00Z"},
        {"2026-01", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2025-12",
         "2025-12-01T00:00:00Z", "2025-01", "2025-01-01T00:00:00Z"},
        {"2026-Q1", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z", "2025-Q4",
         "2025-10-01T00:00:00Z", "2025-Q1", "2025-01-01T00:00:00Z"},
        {"2026", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2025", "2025-01-01T00:00:00Z",
         "2025", "2025-01-01T00:00:00Z"},
        {"2026-W47", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z", "2026-W46",
         "2026-11-09T00:00:00Z", "2025-W47", "2025-11-17T00:00:00Z"},
        {"2026-W01", "2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z", "2025-W52",
         "2025-12-22T00:00:00Z", "2025-W01", "2024-12-30T00:00:00Z"},
        {"2026-W53", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", "2026-W52",
         "2026-12-21T00:00:00Z", "2025-W52", "2025-12-22T00:00:00Z"},
        {"2024-02-29", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z", "2024-02-28",
         "2024-02-28T00:00:00Z", "2023-02-28", "2023-02-28T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crm_record *p;
        ck_assert_msg(crm_report_period(&p, cases[i][0]) == CRM_OK, "%s: %s", cases[i][0],
                      crm_last_errmsg());
        ck_assert_str_eq(get_text(p, "start"), cases[i][1]);
        ck_assert_str_eq(get_text(p, "end"), cases[i][2]);
        ck_assert_str_eq(get_text(p, "previous_label"), cases[i][3]);
        ck_assert_str_eq(get_text(p, "previous_start"), cases[i][4]);
        ck_assert_str_eq(get_text(p, "last_year_label"), cases[i][5]);
        ck_assert_str_eq(get_text(p, "last_year_start"), cases[i][6]);
        crm_record_free(p);
    }
    crm_record *p = NULL;
    static const char *const bad[] = {"2026-13",    "2026-W54", "2025-W53",  "2026-Q5",
                                      "2026-02-30", "26",       "2026-10-1", "abcd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(crm_report_period(&p, bad[i]) == CRM_E_INVALID_DATA, "%s", bad[i]);
}
END_TEST

START_TEST(catalog_lists_describes_and_loads)
{
    crm_report_catalog *cat;
    ck_assert_ok(crm_report_catalog_new(&cat));
    ck_assert_uint_eq(crm_report_catalog_count(cat), 8);
    ck_assert_str_eq(crm_report_catalog_name(cat, 0), "business-products");
    ck_assert_str_eq(crm_report_catalog_name(cat, 2), "campaign-analysis");
    ck_assert_str_eq(crm_report_catalog_name(cat, 4), "complaint-analysis");
    ck_assert_ptr_null(crm_report_catalog_name(cat, 8));
    char *json;
    ck_assert_ok(crm_report_describe(&json, cat, "business-statistics"));
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"txn_volume_yoy\""));
    ck_assert_ptr_nonnull(strstr(json, "\"detail\":{\"report\":\"business-products\""));
    crm_free(json);
    ck_assert_int_eq(crm_report_describe(&json, cat, "nope"), CRM_E_NOT_FOUND);

    static const char extra[] =
        "name: deposits-by-channel\n"
        "title: 渠道存款\n"
        "periodic: true\n"
        "dataset: SELECT channel, sum(amount) AS total FROM crm_v_txn, crm_v_period p\n"
        "  WHERE type = 'deposit' AND at >= p.start_at AND at < p.end_at GROUP BY channel\n"
        "key: [channel]\n"
        "columns:\n"
        "  - {name: channel, label: 渠道}\n"
        "  - {name: total, label: 金额, type: money, compare: true}\n"
        "charts: [{type: line, label: channel, value: total, title: 金额}]\n";
    ck_assert_ok(crm_report_catalog_load(cat, extra));
    ck_assert_uint_eq(crm_report_catalog_count(cat), 9);
    /* all or nothing: a bad second definition leaves the catalog as it was */
    static const char bad[] = "- {name: ok-one, title: t, dataset: SELECT 1 AS a,"
                              " columns: [{name: a, label: A}]}\n"
                              "- {name: bad-one, title: t, dataset: SELECT 1 AS a,"
                              " columns: [{name: a, label: A, type: float}]}\n";
    ck_assert_int_eq(crm_report_catalog_load(cat, bad), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "report bad-one, field columns.type"));
    ck_assert_uint_eq(crm_report_catalog_count(cat), 9);
    static const char bad_detail[] = "{name: x, title: t, dataset: SELECT 1 AS a, columns:"
                                     " [{name: a, label: A}], detail: {report: none, key: [a]}}";
    ck_assert_int_eq(crm_report_catalog_load(cat, bad_detail), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "detail.report"));

    crm_db *db = bank_with_data();
    crm_iter *it;
    const crm_record *r;
    crm_record *p = params("2026-10", NULL);
    ck_assert_ok(crm_report_run(&it, db, cat, "deposits-by-channel", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "channel"), "mobile");
    ck_assert_int_eq(crm_record_type(r, "total"), CRM_TYPE_MONEY);
    ck_assert_int_eq(get_int(r, "total"), 130049);
    ck_assert_int_eq(get_int(r, "total_prev"), 7000);
    ck_assert_int_eq(get_int(r, "total_yoy"), 3000);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(p);
    crm_db_close(db);
    crm_report_catalog_free(cat);
}
END_TEST

/* A definition can read only the views: tables, writes, pragmas and
 * parameters are refused when it runs. */
START_TEST(datasets_read_only_the_views)
{
    static const char *const sneaky[] = {
        "SELECT customer_no AS a FROM crm_customer",
        "SELECT name AS a FROM crm_user",
        "SELECT 1 AS a; DELETE FROM crm_txn",
        "SELECT :scope_all AS a",
        "SELECT a FROM (SELECT 1 AS a) UNION SELECT id_number FROM crm_customer",
        "SELECT * FROM pragma_table_info('crm_customer') AS a",
        "SELECT 1 AS b",
    };
    crm_db *db = bank_with_data();
    for (size_t i = 0; i < sizeof sneaky / sizeof sneaky[0]; i++) {
        crm_report_catalog *cat;
        ck_assert_ok(crm_report_catalog_new(&cat));
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "{name: sneaky, title: t, periodic: false, dataset: \"%s\","
                 " columns: [{name: a, label: A}]}",
                 sneaky[i]);
        ck_assert_ok(crm_report_catalog_load(cat, yaml));
        crm_iter *it = NULL;
        int rc = crm_report_run(&it, db, cat, "sneaky", NULL);
        ck_assert_msg(rc == CRM_E_INVALID_DATA, "%s: %d %s", sneaky[i], rc, crm_db_errmsg(db));
        crm_report_catalog_free(cat);
    }
    crm_db_close(db);
}
END_TEST

START_TEST(business_statistics_compares_periods)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-10", NULL);
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_report_run(&it, db, NULL, "business-statistics", p));
    int rows = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        rows++;
        if (!strcmp(get_text(r, "branch"), "BJ01")) {
            ck_assert_str_eq(get_text(r, "product_type"), "deposit");
            ck_assert_str_eq(get_text(r, "product_type_name"), "存款");
            ck_assert_int_eq(get_int(r, "holdings"), 2);
            ck_assert_int_eq(crm_record_type(r, "balance"), CRM_TYPE_MONEY);
            ck_assert_int_eq(get_int(r, "balance"), 1050001);
            ck_assert_int_eq(get_int(r, "txn_count"), 2);
            ck_assert_int_eq(get_int(r, "txn_volume"), 30050);
            ck_assert_int_eq(get_int(r, "txn_volume_prev"), 7000);
            ck_assert_int_eq(get_int(r, "txn_volume_yoy"), 3000);
            ck_assert_int_eq(get_int(r, "txn_count_yoy"), 1);
        } else {
            ck_assert_str_eq(get_text(r, "branch"), "GZ01");
            ck_assert_int_eq(get_int(r, "txn_volume"), 99999);  /* not the 1 of November */
            ck_assert_int_eq(get_int(r, "txn_volume_prev"), 0); /* held, no September txn */
        }
    }
    ck_assert_int_eq(rows, 2);
    crm_iter_free(it);
    int n;
    /* a day, a week, a quarter */
    crm_record_free(p);
    p = params("2026-10-31", NULL);
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 20000);
    crm_record_free(p);
    p = params("2026-W40", NULL); /* 2026-09-28 .. 2026-10-05 */
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 10050);
    crm_record_free(p);
    p = params("2026-Q4", NULL);
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 130050);
    /* filters and the branch parameter */
    ck_assert_ok(crm_record_set_text(p, "product_type", "loan"));
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 100000);
    ck_assert_int_eq(n, 1);
    ck_assert_ok(crm_record_unset(p, "product_type"));
    ck_assert_ok(crm_record_set_text(p, "branch", "BJ"));
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 30050);
    ck_assert_ok(crm_record_set_text(p, "branch", "XX"));
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", p), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_record_unset(p, "branch"));
    ck_assert_ok(crm_record_set_text(p, "customer_no", "C1"));
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", p), CRM_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "customer_no"));
    crm_record_free(p);
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", NULL), CRM_E_INVALID_ARG);
    p = params("2026-13", NULL);
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", p), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "no-such-report", p), CRM_E_NOT_FOUND);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

START_TEST(customer_analysis_counts_growth_and_churn)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-11", NULL);
    ck_assert_ok(crm_record_set_text(p, "dimension", "性别 Gender"));
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_report_run(&it, db, NULL, "customer-analysis", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "bucket"), "女"); /* two women first: sorted by -customers */
    ck_assert_int_eq(get_int(r, "customers"), 2);
    ck_assert_int_eq(get_int(r, "new_customers"), 2); /* created on 2026-11-18 */
    ck_assert_int_eq(get_int(r, "customers_prev"), 0);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "bucket"), "男");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    /* ages at the period's end: 46, 31, 65 */
    ck_assert_ok(crm_record_set_text(p, "dimension", "年龄段 Age band"));
    ck_assert_ok(crm_report_run(&it, db, NULL, "customer-analysis", p));
    int bands = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *band = get_text(r, "bucket");
        ck_assert_msg(!strcmp(band, "40-49") || !strcmp(band, "30-39") || !strcmp(band, "60+"),
                      "%s", band);
        bands++;
    }
    ck_assert_int_eq(bands, 3);
    crm_iter_free(it);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

START_TEST(access_limits_rows_to_the_actor)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-Q4", NULL);
    int n;
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 130050);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 30050);
    ck_assert_int_eq(run_sum(db, "rm-performance", p, "customers", &n), 2);
    ck_assert_int_eq(n, 1);
    ck_assert_ok(crm_db_set_actor(db, "rm.g"));
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 100000);
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "balance", &n), 2000000);
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_int_eq(run_sum(db, "business-statistics", p, "txn_volume", &n), 30050);
    ck_assert_int_eq(run_sum(db, "customer-analysis", p, "customers", &n), 2 * 5);
    ck_assert_ok(crm_record_set_text(p, "branch", "GZ"));
    crm_iter *it;
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", p), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, NULL));
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "business-statistics", p), CRM_E_PERMISSION);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

/* Value tiers come from the stored analytics scores: unscored customers
 * first, then the tiers crm_analytics_score_run stored. */
START_TEST(customer_analysis_shows_value_tiers)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-11", NULL);
    ck_assert_ok(crm_record_set_text(p, "dimension", "价值等级 Value tier"));
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_report_run(&it, db, NULL, "customer-analysis", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "bucket"), "未评分");
    ck_assert_int_eq(get_int(r, "customers"), 3);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);

    crm_record *scored;
    ck_assert_ok(crm_analytics_score_run(&scored, db, NULL));
    int64_t tiers[4] = {0};
    const char *names[4] = {"tier_ordinary", "tier_gold", "tier_platinum", "tier_diamond"};
    const char *labels[4] = {"普通", "金卡", "白金", "钻石"};
    for (int i = 0; i < 4; i++)
        crm_record_get_int(&tiers[i], scored, names[i]);
    crm_record_free(scored);
    ck_assert_ok(crm_report_run(&it, db, NULL, "customer-analysis", p));
    int64_t seen = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        int tier = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(get_text(r, "bucket"), labels[i]))
                tier = i;
        ck_assert_msg(tier >= 0, "bucket %s", get_text(r, "bucket"));
        ck_assert_int_eq(get_int(r, "customers"), tiers[tier]);
        seen += get_int(r, "customers");
    }
    ck_assert_int_eq(seen, 3);
    crm_iter_free(it);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

static void at(const char *iso)
{
    int64_t t;
    ck_assert_ok(crm_time_parse(&t, iso));
    test_clock_set(t);
}

static char *complain(crm_db *db, const char *customer, const char *channel, const char *category,
                      const char *when)
{
    crm_record *c;
    char *ticket = NULL;
    at(when);
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", customer));
    ck_assert_ok(crm_record_set_text(c, "channel", channel));
    ck_assert_ok(crm_record_set_text(c, "category", category));
    ck_assert_ok(crm_record_set_text(c, "subject", "信用卡年费被重复扣收"));
    ck_assert_ok(crm_record_set_text(c, "body", "年费被扣了两次，要求退还。"));
    int rc = crm_complaint_open(&ticket, db, c);
    ck_assert_msg(rc == CRM_OK, "open: %s", crm_db_errmsg(db));
    crm_record_free(c);
    return ticket;
}

static void handle(crm_db *db, const char *ticket, const char *responded, const char *resolved,
                   int score)
{
    at(responded);
    ck_assert_ok(crm_complaint_transition(db, ticket, "in_progress", NULL));
    at(resolved);
    ck_assert_ok(crm_complaint_transition(db, ticket, "resolved", "已退还多扣的年费"));
    ck_assert_ok(crm_complaint_rate(db, ticket, score));
}

/* Fee complaints: one in October, two in November (one answered in time,
 * one late); a card complaint in Guangzhou left open. */
static crm_db *bank_with_complaints(void)
{
    crm_db *db = bank_with_data();
    test_add_user(db, "mk", "marketer", "HO");
    char *t[4];
    t[0] = complain(db, "C1", "phone", "fee", "2026-10-15T02:00:00Z");
    t[1] = complain(db, "C1", "phone", "fee", "2026-11-02T02:00:00Z");
    handle(db, t[1], "2026-11-02T03:00:00Z", "2026-11-02T05:00:00Z", 5);
    t[2] = complain(db, "C2", "email", "fee", "2026-11-03T02:00:00Z");
    t[3] = complain(db, "C3", "phone", "card", "2026-11-05T02:00:00Z");
    handle(db, t[2], "2026-11-20T02:00:00Z", "2026-11-20T03:00:00Z", 2);
    for (int i = 0; i < 4; i++)
        crm_free(t[i]);
    return db;
}

/* The report's figures by category are crm_complaint_stats's over the same
 * month: one definition of SLA compliance, resolution time, satisfaction. */
START_TEST(complaint_analysis_agrees_with_complaint_stats)
{
    crm_db *db = bank_with_complaints();
    crm_record *q, *p = params("2026-11", NULL);
    ck_assert_ok(crm_record_set_text(p, "dimension", "类别 Category"));
    ck_assert_ok(crm_record_new(&q));
    ck_assert_ok(crm_record_set_text(q, "by", "category"));
    ck_assert_ok(crm_record_set_text(q, "since", "2026-11-01T00:00:00Z"));
    ck_assert_ok(crm_record_set_text(q, "until", "2026-12-01T00:00:00Z"));
    crm_iter *stats, *it;
    const crm_record *s, *r;
    static const char *const same[][2] = {
        {"count", "complaints"},
        {"resolved", "resolved"},
        {"sla_met", "sla_met"},
        {"sla_compliance_pct", "sla_compliance_pct"},
        {"avg_resolution_minutes", "avg_resolution_minutes"},
        {"rated", "rated"},
        {"avg_satisfaction_x100", "avg_satisfaction_x100"},
    };
    ck_assert_ok(crm_complaint_stats(&stats, db, q));
    ck_assert_ok(crm_report_run(&it, db, NULL, "complaint-analysis", p));
    int rows = 0;
    while (crm_iter_next(&s, stats) == CRM_OK) {
        ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
        ck_assert_str_eq(get_text(r, "bucket"), get_text(s, "key"));
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
            ck_assert_msg(crm_record_type(s, same[i][0]) == crm_record_type(r, same[i][1]) &&
                              (crm_record_type(s, same[i][0]) == CRM_TYPE_NULL ||
                               get_int(s, same[i][0]) == get_int(r, same[i][1])),
                          "%s %s", get_text(s, "key"), same[i][1]);
        rows++;
    }
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    ck_assert_int_eq(rows, 2);
    crm_iter_free(stats);
    crm_iter_free(it);

    /* fee: two this month, one the month before; one of two in time */
    ck_assert_ok(crm_report_run(&it, db, NULL, "complaint-analysis", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "bucket"), "fee");
    ck_assert_int_eq(get_int(r, "complaints"), 2);
    ck_assert_int_eq(get_int(r, "complaints_prev"), 1);
    ck_assert_int_eq(crm_record_type(r, "complaints_yoy"), CRM_TYPE_NULL);
    ck_assert_int_eq(get_int(r, "responded"), 2);
    ck_assert_int_eq(get_int(r, "first_response_pct"), 50);
    ck_assert_int_eq(get_int(r, "sla_compliance_pct"), 50);
    ck_assert_int_eq(get_int(r, "avg_satisfaction_x100"), 350);
    ck_assert_int_eq(get_int(r, "avg_resolution_minutes"), (180 + 17 * 24 * 60 + 60) / 2);
    crm_iter_free(it);

    /* every dimension counts the month's three complaints */
    ck_assert_ok(crm_record_unset(p, "dimension"));
    int n;
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 5 * 3);
    ck_assert_ok(crm_record_set_text(p, "dimension", "日期 Date"));
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 3);
    ck_assert_int_eq(n, 3); /* three days */
    ck_assert_ok(crm_record_set_text(p, "period", "2026"));
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 4);
    ck_assert_int_eq(n, 2); /* months in a year */
    crm_record_free(q);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

START_TEST(complaint_reports_follow_the_complaint_scope)
{
    crm_db *db = bank_with_complaints();
    crm_record *p = params("2026-11", NULL);
    ck_assert_ok(crm_record_set_text(p, "dimension", "网点 Branch"));
    int n;
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 3);
    ck_assert_ok(crm_db_set_actor(db, "rm.a")); /* C1 and C2's manager */
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 2);
    ck_assert_int_eq(n, 1);
    ck_assert_ok(crm_db_set_actor(db, "rm.g"));
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 1);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_ok(crm_record_set_text(p, "branch", "GZ"));
    ck_assert_int_eq(run_sum(db, "complaint-analysis", p, "complaints", &n), 1);
    /* a marketer may run reports but not read complaints */
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    crm_iter *it;
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "complaint-hotspots", p), CRM_E_PERMISSION);
    char *path = test_temp_path("report");
    ck_assert_int_eq(crm_report_write(db, NULL, "complaint-analysis", p, "csv", path),
                     CRM_E_PERMISSION);
    ck_assert_ok(crm_record_unset(p, "branch"));
    ck_assert_ok(crm_record_unset(p, "dimension"));
    ck_assert_int_gt(run_sum(db, "business-statistics", p, "holdings", &n), 0);
    free(path);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

START_TEST(complaint_hotspots_rank_and_grow)
{
    crm_db *db = bank_with_complaints();
    crm_record *p = params("2026-11", NULL);
    ck_assert_ok(crm_record_set_text(p, "dimension", "类别 Category"));
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_report_run(&it, db, NULL, "complaint-hotspots", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_int_eq(get_int(r, "rank"), 1);
    ck_assert_str_eq(get_text(r, "bucket"), "fee");
    ck_assert_int_eq(get_int(r, "complaints"), 2);
    ck_assert_int_eq(get_int(r, "complaints_before"), 1);
    ck_assert_int_eq(get_int(r, "growth"), 1);
    ck_assert_int_eq(get_int(r, "growth_pct"), 100);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "bucket"), "card");
    ck_assert_int_eq(get_int(r, "complaints_before"), 0);
    ck_assert_int_eq(crm_record_type(r, "growth_pct"), CRM_TYPE_NULL);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    /* October: its own previous period is September */
    ck_assert_ok(crm_record_set_text(p, "period", "2026-10"));
    ck_assert_ok(crm_report_run(&it, db, NULL, "complaint-hotspots", p));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_int_eq(get_int(r, "complaints"), 1);
    ck_assert_int_eq(get_int(r, "growth"), 1);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

/* Leads come from crm_lead, which only the campaign module fills: without
 * it every RM shows zero leads and no conversion rate. */
START_TEST(rm_performance_counts_leads)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-11", NULL);
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_report_run(&it, db, NULL, "rm-performance", p));
    int rows = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        ck_assert_int_eq(get_int(r, "leads"), 0);
        ck_assert_int_eq(get_int(r, "conversions"), 0);
        ck_assert_int_eq(get_int(r, "converted_amount"), 0);
        ck_assert_int_eq(crm_record_type(r, "conversion_pct"), CRM_TYPE_NULL);
        rows++;
    }
    ck_assert_int_eq(rows, 2);
    crm_iter_free(it);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

/* --------------------------------------------------------- campaigns */

#define CLOCK0 1795000000 /* the test clock's start: 2026-11-18T11:06:40Z */

static void add_contact(crm_db *db, const char *no, const char *branch, const char *manager,
                        const char *consents)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "李娜"));
    ck_assert_ok(crm_record_set_text(c, "branch", branch));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_int(c, "consent_sms", strchr(consents, 's') != NULL));
    ck_assert_ok(crm_record_set_int(c, "consent_email", strchr(consents, 'e') != NULL));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static int accept_message(const crm_record *msg, void *payload)
{
    (void)msg, (void)payload;
    return CRM_CHANNEL_OK;
}

static void event(crm_db *db, const char *key, const char *kind, const char *customer,
                  const char *channel, int64_t at, int64_t amount)
{
    char idem[96];
    snprintf(idem, sizeof idem, "campaign:XS2026:v1:%s:%s", customer, channel);
    crm_record *e;
    ck_assert_ok(crm_record_new(&e));
    ck_assert_ok(crm_record_set_text(e, "event_key", key));
    ck_assert_ok(crm_record_set_text(e, "kind", kind));
    ck_assert_ok(crm_record_set_text(e, "idem_key", idem));
    char iso[24];
    crm_time_format(iso, sizeof iso, at);
    ck_assert_ok(crm_record_set_text(e, "at", iso));
    if (amount)
        ck_assert_ok(crm_record_set_money(e, "amount", amount));
    int rc = crm_event_ingest(NULL, NULL, db, e);
    crm_record_free(e);
    ck_assert_msg(rc == CRM_OK, "event %s: %s", key, crm_db_errmsg(db));
}

static const char CAMPAIGN[] = "name: 信用卡新客礼\n"
                               "control_bps: 5000\n"
                               "seed: 7\n"
                               "cost_per_message: 0.50\n"
                               "start: 2026-11-01\n"
                               "end: 2026-12-31\n"
                               "channels:\n"
                               "  - {channel: sms, body: \"{salutation}，办卡有礼\"}\n"
                               "  - {channel: email, subject: 有礼, body: \"{salutation}\"}\n"
                               "goals:\n"
                               "  - {metric: conversions, target: 4, deadline: 2026-12-31}\n";

/* bank_with_data's three customers consent to nothing (suppressed); six
 * more consent to SMS or e-mail. A marketer plans XS2026, another approves
 * it; it is targeted, run, its messages sent, and leads dispatched. */
static crm_db *bank_with_campaign(void)
{
    crm_db *db = bank_with_data();
    test_add_user(db, "mkt", "marketer", "BJ");
    test_add_user(db, "mkt2", "marketer", "BJ");
    add_contact(db, "K1", "BJ01", "rm.a", "s");
    add_contact(db, "K2", "BJ01", "rm.a", "e");
    add_contact(db, "K3", "GZ01", "rm.g", "s");
    add_contact(db, "K4", "BJ01", "rm.a", "se");
    add_contact(db, "K5", "GZ01", "rm.g", "s");
    add_contact(db, "K6", "BJ01", "rm.a", "s");
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    int rc = crm_campaign_create(db, "XS2026", CAMPAIGN);
    ck_assert_msg(rc == CRM_OK, "create: %s", crm_db_errmsg(db));
    ck_assert_ok(crm_campaign_submit(db, "XS2026"));
    ck_assert_ok(crm_db_set_actor(db, "mkt2"));
    ck_assert_ok(crm_campaign_approve(db, "XS2026"));
    crm_record *out;
    ck_assert_ok(crm_campaign_target(&out, db, "XS2026"));
    crm_record_free(out);
    ck_assert_ok(crm_campaign_transition(db, "XS2026", "scheduled"));
    ck_assert_ok(crm_campaign_transition(db, "XS2026", "running"));
    ck_assert_ok(crm_message_queue(NULL, db, "XS2026"));
    ck_assert_ok(crm_channel_register(db, "sms", accept_message, NULL));
    ck_assert_ok(crm_channel_register(db, "email", accept_message, NULL));
    ck_assert_ok(crm_message_send(NULL, db, "XS2026", 0));
    ck_assert_ok(crm_campaign_dispatch(NULL, NULL, db, "XS2026"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    return db;
}

/* The actor's lead for `customer` (their own lead list). */
static int64_t lead_of(crm_db *db, const char *customer)
{
    crm_iter *it;
    const crm_record *r;
    int64_t id = -1;
    ck_assert_ok(crm_lead_list(&it, db, NULL));
    while (crm_iter_next(&r, it) == CRM_OK)
        if (!strcmp(get_text(r, "customer_no"), customer))
            id = get_int(r, "id");
    crm_iter_free(it);
    ck_assert_int_ge(id, 0);
    return id;
}

/* The split of seed 7: targets K2 (email), K3, K4, K6 (SMS); control K1,
 * K5; C1-C3 suppressed (no consent). Responses: K4 delivered, opened,
 * clicked after 30 s and converted (3000 yuan); K6 delivered and clicked
 * 3 s later (flagged); K2 delivered and opened. Leads: rm.a contacts K6 and
 * converts K2 (1000 yuan), rm.g converts K3 (5000 yuan). Then evaluated. */
static crm_db *bank_with_campaign_results(crm_record **evaluation)
{
    crm_db *db = bank_with_campaign();
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    test_clock_set(CLOCK0 + 3600);
    event(db, "d4", "delivered", "K4", "sms", CLOCK0 + 60, 0);
    event(db, "o4", "opened", "K4", "sms", CLOCK0 + 80, 0);
    event(db, "k4", "clicked", "K4", "sms", CLOCK0 + 90, 0);
    event(db, "v4", "converted", "K4", "sms", CLOCK0 + 600, 300000);
    event(db, "d6", "delivered", "K6", "sms", CLOCK0 + 60, 0);
    event(db, "k6", "clicked", "K6", "sms", CLOCK0 + 63, 0);
    event(db, "d2", "delivered", "K2", "email", CLOCK0 + 60, 0);
    event(db, "o2", "opened", "K2", "email", CLOCK0 + 120, 0);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_lead_outcome(db, lead_of(db, "K6"), "contacted", 0, NULL));
    ck_assert_ok(crm_lead_outcome(db, lead_of(db, "K2"), "converted", 100000, "已办卡"));
    ck_assert_ok(crm_db_set_actor(db, "rm.g"));
    ck_assert_ok(crm_lead_outcome(db, lead_of(db, "K3"), "converted", 500000, NULL));
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    ck_assert_ok(crm_campaign_evaluate(evaluation, db, "XS2026"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    return db;
}

static crm_iter *run_report(crm_db *db, const char *name, crm_record *p)
{
    crm_iter *it;
    int rc = crm_report_run(&it, db, NULL, name, p);
    ck_assert_msg(rc == CRM_OK, "run %s: %s", name, crm_db_errmsg(db));
    return it;
}

/* The figures of the stored evaluation appear as crm_campaign_evaluate
 * returned them: the report reads them, it does not compute them again. */
static void assert_evaluation(const crm_record *r, const crm_record *ev)
{
    static const char *const same[] = {"target_rate_bps", "control_rate_bps", "uplift_bps",
                                       "significant",     "revenue",          "cost",
                                       "roi_bps"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        ck_assert_msg(get_int(r, same[i]) == get_int(ev, same[i]), "%s", same[i]);
}

START_TEST(campaign_analysis_funnel_goals_roi_uplift)
{
    crm_record *ev;
    crm_db *db = bank_with_campaign_results(&ev);
    ck_assert_int_eq(get_int(ev, "target_conversions"), 3);
    ck_assert_int_eq(get_int(ev, "uplift_bps"), 7500);
    ck_assert_int_eq(get_int(ev, "roi_bps"), (900000 - 200) / 200 * 10000);
    crm_record *p = params("2026-11", NULL);
    const crm_record *r;
    crm_iter *it = run_report(db, "campaign-analysis", p);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "campaign_code"), "XS2026");
    ck_assert_str_eq(get_text(r, "name"), "信用卡新客礼");
    ck_assert_int_eq(get_int(r, "targeted"), 4);
    ck_assert_int_eq(get_int(r, "control"), 2);
    ck_assert_int_eq(get_int(r, "suppressed"), 3);
    ck_assert_str_eq(get_text(r, "suppressed_by_reason"), "未授权 no_consent 3");
    ck_assert_int_eq(get_int(r, "queued"), 4);
    ck_assert_int_eq(get_int(r, "sent"), 4);
    ck_assert_int_eq(get_int(r, "delivered"), 3);
    ck_assert_int_eq(get_int(r, "opened"), 2);
    ck_assert_int_eq(get_int(r, "clicked"), 1); /* K6's click came 3 s after delivery */
    ck_assert_int_eq(get_int(r, "converted"), 3);
    ck_assert_int_eq(get_int(r, "conversion_pct"), 75);
    ck_assert_int_eq(get_int(r, "goals"), 1);
    ck_assert_int_eq(get_int(r, "goals_met"), 0);
    ck_assert_int_eq(get_int(r, "goal_attainment_bps"), 7500);
    ck_assert_int_eq(crm_record_type(r, "revenue"), CRM_TYPE_MONEY);
    ck_assert_int_eq(get_int(r, "revenue"), 900000);
    assert_evaluation(r, ev);
    ck_assert_str_eq(get_text(r, "evaluated_at"), "2026-11-18T12:06:40Z");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);

    /* the drill-down: the target group by channel, control, suppressed */
    ck_assert_ok(crm_record_set_text(p, "campaign_code", "XS2026"));
    it = run_report(db, "campaign-channels", p);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "line"), "短信 sms");
    ck_assert_int_eq(get_int(r, "customers"), 3);
    ck_assert_int_eq(get_int(r, "delivered"), 2);
    ck_assert_int_eq(get_int(r, "clicked"), 1);
    ck_assert_int_eq(get_int(r, "converted"), 2);
    ck_assert_int_eq(get_int(r, "conversion_pct"), 66);
    ck_assert_int_eq(get_int(r, "click_pct"), 33);
    ck_assert_int_eq(get_int(r, "evaluated_conversions"), 2);
    ck_assert_int_eq(get_int(r, "evaluated_revenue"), 800000);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "line"), "邮件 email");
    ck_assert_int_eq(get_int(r, "opened"), 1);
    ck_assert_int_eq(get_int(r, "evaluated_revenue"), 100000);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "grp"), "suppressed");
    ck_assert_str_eq(get_text(r, "line"), "未授权 no_consent");
    ck_assert_int_eq(get_int(r, "customers"), 3);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "grp"), "control");
    ck_assert_int_eq(get_int(r, "customers"), 2);
    ck_assert_int_eq(get_int(r, "sent"), 0);
    ck_assert_int_eq(crm_record_type(r, "conversion_pct"), CRM_TYPE_NULL);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);

    /* a campaign belongs to the periods its window overlaps */
    int n;
    crm_record_free(p);
    p = params("2026-10", NULL);
    run_sum(db, "campaign-analysis", p, "targeted", &n);
    ck_assert_int_eq(n, 0);
    ck_assert_ok(crm_record_set_text(p, "period", "2026-12-31"));
    ck_assert_int_eq(run_sum(db, "campaign-analysis", p, "targeted", &n), 4);
    ck_assert_int_eq(n, 1);
    crm_record_free(p);
    crm_record_free(ev);
    crm_db_close(db);
    test_clock_set(CLOCK0);
}
END_TEST

/* The funnel holds the actor's customers only; the evaluation stays the
 * campaign's; reading campaigns needs the campaign read permission. */
START_TEST(campaign_analysis_follows_the_scope)
{
    crm_record *ev;
    crm_db *db = bank_with_campaign_results(&ev);
    crm_record *p = params("2026-11", NULL);
    const crm_record *r;
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    crm_iter *it = run_report(db, "campaign-analysis", p);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_int_eq(get_int(r, "targeted"), 3); /* K2, K4, K6 */
    ck_assert_int_eq(get_int(r, "control"), 1);
    ck_assert_int_eq(get_int(r, "suppressed"), 2);
    ck_assert_int_eq(get_int(r, "converted"), 2);
    assert_evaluation(r, ev);
    crm_iter_free(it);
    ck_assert_ok(crm_db_set_actor(db, "rm.g"));
    int n;
    ck_assert_int_eq(run_sum(db, "campaign-analysis", p, "targeted", &n), 1);
    ck_assert_int_eq(run_sum(db, "campaign-channels", p, "customers", &n), 3);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_ok(crm_record_set_text(p, "branch", "BJ"));
    ck_assert_int_eq(run_sum(db, "campaign-analysis", p, "suppressed", &n), 2);
    test_add_user(db, "ch", "complaint_handler", "BJ");
    ck_assert_ok(crm_db_set_actor(db, "ch"));
    ck_assert_int_eq(crm_report_run(&it, db, NULL, "campaign-analysis", p), CRM_E_PERMISSION);
    crm_record_free(p);
    crm_record_free(ev);
    crm_db_close(db);
    test_clock_set(CLOCK0);
}
END_TEST

/* Leads given through a real campaign: contacted, converted and the
 * converted amount per RM. */
START_TEST(rm_performance_counts_campaign_leads)
{
    crm_record *ev;
    crm_db *db = bank_with_campaign_results(&ev);
    crm_record *p = params("2026-11", NULL);
    crm_iter *it = run_report(db, "rm-performance", p);
    const crm_record *r;
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "manager"), "rm.a");
    ck_assert_int_eq(get_int(r, "leads"), 3);
    ck_assert_int_eq(get_int(r, "leads_contacted"), 2);
    ck_assert_int_eq(get_int(r, "conversions"), 1);
    ck_assert_int_eq(get_int(r, "conversion_pct"), 33);
    ck_assert_int_eq(get_int(r, "converted_amount"), 100000);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_OK);
    ck_assert_str_eq(get_text(r, "manager"), "rm.g");
    ck_assert_int_eq(get_int(r, "leads"), 1);
    ck_assert_int_eq(get_int(r, "conversions"), 1);
    ck_assert_int_eq(get_int(r, "conversion_pct"), 100);
    ck_assert_int_eq(get_int(r, "converted_amount"), 500000);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    /* leads belong to the period they were given in */
    ck_assert_ok(crm_record_set_text(p, "period", "2026-10"));
    int n;
    ck_assert_int_eq(run_sum(db, "rm-performance", p, "leads", &n), 0);
    crm_record_free(p);
    crm_record_free(ev);
    crm_db_close(db);
    test_clock_set(CLOCK0);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

START_TEST(formats_write_files)
{
    crm_db *db = bank_with_data();
    crm_record *p = params("2026-10", NULL);
    char *path = test_temp_path("report");
    size_t len;

    ck_assert_ok(crm_record_set_int(p, "bom", 1));
    ck_assert_ok(crm_report_write(db, NULL, "business-statistics", p, "csv", path));
    char *text = slurp(path, &len);
    ck_assert_mem_eq(text,
                     "\xEF\xBB\xBF"
                     "branch,branch_name,",
                     22);
    ck_assert_ptr_nonnull(
        strstr(text, "\r\nBJ01,北京朝阳支行,deposit,存款,2,10500.01,2,300.50,1,1,70.00,30.00\r\n"));
    free(text);

    ck_assert_ok(crm_report_write(db, NULL, "business-statistics", p, "json", path));
    text = slurp(path, &len);
    ck_assert_ptr_nonnull(strstr(text, "\"balance\":10500.01"));
    ck_assert_ptr_nonnull(strstr(text, "\"period\":{\"kind\":\"month\",\"label\":\"2026-10\""));
    free(text);

    ck_assert_ok(crm_report_write(db, NULL, "business-statistics", p, "html", path));
    text = slurp(path, &len);
    ck_assert_ptr_nonnull(strstr(text, "<svg"));
    ck_assert_ptr_nonnull(strstr(text, "<circle")); /* one product type: a whole pie */
    ck_assert_ptr_null(strstr(text, "src=\"http"));
    /* the drill-down link and its target in the detail section */
    char *link = strstr(text, "<a href=\"#d-");
    ck_assert_ptr_nonnull(link);
    char anchor[128];
    ck_assert_int_eq(sscanf(link, "<a href=\"#%127[^\"]", anchor), 1);
    char target[160];
    snprintf(target, sizeof target, "id=\"%s\"", anchor);
    ck_assert_ptr_nonnull(strstr(strstr(text, "<section id=\"detail\">"), target));
    free(text);

    ck_assert_ok(crm_report_write(db, NULL, "business-statistics", p, "xlsx", path));
    text = slurp(path, &len);
    ck_assert_mem_eq(text, "PK", 2);
    free(text);
    ck_assert_ok(crm_report_write(db, NULL, "customer-analysis", p, "pdf", path));
    text = slurp(path, &len);
    ck_assert_mem_eq(text, "%PDF", 4);
    ck_assert_uint_gt(len, 20000); /* the embedded CJK subset; pdffonts checks it by name */
    free(text);

    ck_assert_int_eq(crm_report_write(db, NULL, "business-statistics", p, "doc", path),
                     CRM_E_INVALID_ARG);
    ck_assert_int_eq(
        crm_report_write(db, NULL, "business-statistics", p, "csv", "/nonexistent/dir/x.csv"),
        CRM_E_IO);
    test_remove_db(path);
    remove(path);
    free(path);
    crm_record_free(p);
    crm_db_close(db);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_test(tc, periods_cover_every_kind);
    tcase_add_test(tc, catalog_lists_describes_and_loads);
    tcase_add_test(tc, datasets_read_only_the_views);
    tcase_add_test(tc, business_statistics_compares_periods);
    tcase_add_test(tc, customer_analysis_counts_growth_and_churn);
    tcase_add_test(tc, access_limits_rows_to_the_actor);
    tcase_add_test(tc, customer_analysis_shows_value_tiers);
    tcase_add_test(tc, complaint_analysis_agrees_with_complaint_stats);
    tcase_add_test(tc, complaint_reports_follow_the_complaint_scope);
    tcase_add_test(tc, complaint_hotspots_rank_and_grow);
    tcase_add_test(tc, rm_performance_counts_leads);
    tcase_add_test(tc, formats_write_files);
    tcase_add_test(tc, campaign_analysis_funnel_goals_roi_uplift);
    tcase_add_test(tc, campaign_analysis_follows_the_scope);
    tcase_add_test(tc, rm_performance_counts_campaign_leads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(report_suite());
}
