/* Risk questionnaires and suitability: scoring to C1..C5 with the shipped
 * table and a host's own, caps, validation naming the question, the stored
 * history, the customer's level updated and audited, expiry, the
 * suitability rule with its reasons, and access by role. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400

static crm_db *bank(const char *path)
{
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "mk", "marketer", "HO");
    return db;
}

static void add_customer(crm_db *db, const char *no, const char *manager, const char *level,
                         const char *assessed)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "王芳"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    if (level) {
        ck_assert_ok(crm_record_set_text(c, "risk_level", level));
        ck_assert_ok(crm_record_set_date(c, "risk_assessed_at", assessed));
    }
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static void add_product(crm_db *db, const char *code, const char *type, const char *risk)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", code));
    ck_assert_ok(crm_record_set_text(p, "name", "权益精选"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", risk));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
}

static crm_db *stocked(void)
{
    crm_db *db = bank(":memory:");
    add_customer(db, "C001", "rm.a", NULL, NULL);
    add_customer(db, "C002", "rm.b", NULL, NULL);
    add_product(db, "DEP", "deposit", "R1");
    add_product(db, "WM2", "wealth", "R2");
    add_product(db, "FD4", "fund", "R4");
    return db;
}

/* Answers as "age=b,income=c,...", the eight questions of the default table. */
static crm_record *answers(const char *spec)
{
    crm_record *r;
    char buf[256], *save = NULL;
    ck_assert_ok(crm_record_new(&r));
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        ck_assert_ok(crm_record_set_text(r, kv, eq + 1));
    }
    return r;
}

#define ALL_A                                                                                      \
    "age=d,income=a,investable_share=a,experience=a,knowledge=a,horizon=a,goal=a,"                 \
    "loss_tolerance=b"
/* 2+2+2+2+2+2+2+2 = 16: C2 */
#define C2_ANSWERS                                                                                 \
    "age=c,income=b,investable_share=b,experience=b,knowledge=b,horizon=b,"                        \
    "goal=b,loss_tolerance=b"
/* 4+4+4+4+4+4+4+4 = 32: C5 */
#define C5_ANSWERS                                                                                 \
    "age=b,income=d,investable_share=d,experience=d,knowledge=d,horizon=d,"                        \
    "goal=d,loss_tolerance=d"

static crm_record *assess(crm_db *db, const crm_risk_config *cfg, const char *no, const char *spec)
{
    crm_record *a = answers(spec), *out = NULL;
    int rc = crm_risk_assess(&out, db, cfg, no, a);
    crm_record_free(a);
    ck_assert_msg(rc == CRM_OK, "assess %s: %s", no, crm_db_errmsg(db));
    return out;
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

static crm_record *check(crm_db *db, const char *no, const char *product)
{
    crm_record *out = NULL;
    int rc = crm_risk_check(&out, db, no, product);
    ck_assert_msg(rc == CRM_OK, "check %s %s: %s", no, product, crm_db_errmsg(db));
    return out;
}

/* ---------------------------------------------------------------- scoring */

START_TEST(default_table_scores_levels)
{
    crm_db *db = stocked();
    crm_record *r = assess(db, NULL, "C001", C2_ANSWERS);
    ck_assert_int_eq(number(r, "score"), 16);
    ck_assert_str_eq(text(r, "risk_level"), "C2");
    ck_assert_int_eq(crm_record_type(r, "capped_by"), CRM_TYPE_NULL);
    int64_t at, until;
    ck_assert_ok(crm_time_parse(&at, text(r, "assessed_at")));
    ck_assert_ok(crm_time_parse(&until, text(r, "expires_at")));
    ck_assert_int_eq(at, test_clock_now());
    ck_assert_int_eq(until - at, 365 * DAY);
    crm_record_free(r);

    r = assess(db, NULL, "C001", C5_ANSWERS);
    ck_assert_int_eq(number(r, "score"), 32);
    ck_assert_str_eq(text(r, "risk_level"), "C5");
    crm_record_free(r);

    /* the customer record follows the latest assessment */
    crm_record *c = NULL;
    ck_assert_ok(crm_customer_get(&c, db, "C001"));
    ck_assert_str_eq(text(c, "risk_level"), "C5");
    ck_assert_int_eq(number(c, "risk_expired"), 0);
    ck_assert_int_eq(number(c, "version"), 3);
    crm_record_free(c);
    crm_db_close(db);
}
END_TEST

START_TEST(an_answer_caps_the_level)
{
    crm_db *db = stocked();
    /* a high total, but no loss accepted: C1 */
    crm_record *r = assess(db, NULL, "C001",
                           "age=b,income=d,investable_share=d,experience=d,knowledge=d,horizon=d,"
                           "goal=d,loss_tolerance=a");
    ck_assert_int_eq(number(r, "score"), 29);
    ck_assert_str_eq(text(r, "risk_level"), "C1");
    ck_assert_str_eq(text(r, "capped_by"), "loss_tolerance");
    crm_record_free(r);
    r = assess(db, NULL, "C002", ALL_A);
    ck_assert_str_eq(text(r, "risk_level"), "C1");
    ck_assert_int_eq(crm_record_type(r, "capped_by"), CRM_TYPE_NULL);
    crm_record_free(r);
    crm_db_close(db);
}
END_TEST

static void expect_refused(crm_db *db, const char *spec, int want, const char *words)
{
    crm_record *a = answers(spec), *out = NULL;
    int rc = crm_risk_assess(&out, db, NULL, "C001", a);
    crm_record_free(a);
    ck_assert_msg(rc == want, "returned %d (%s), expected %d", rc, crm_db_errmsg(db), want);
    ck_assert_msg(strstr(crm_db_errmsg(db), words), "message '%s' lacks '%s'", crm_db_errmsg(db),
                  words);
    ck_assert_ptr_null(out);
}

START_TEST(answers_are_validated)
{
    crm_db *db = stocked();
    expect_refused(db, "age=b,income=b", CRM_E_INVALID_DATA, "field investable_share: required");
    expect_refused(db,
                   "age=z,income=b,investable_share=b,experience=b,knowledge=b,horizon=b,"
                   "goal=b,loss_tolerance=b",
                   CRM_E_INVALID_DATA, "field age: 'z' is not one of its options");
    expect_refused(db, C2_ANSWERS ",shoe_size=b", CRM_E_INVALID_DATA,
                   "field shoe_size: not a question");
    crm_record *a = answers(C2_ANSWERS), *out = NULL;
    ck_assert_int_eq(crm_risk_assess(&out, db, NULL, "C404", a), CRM_E_NOT_FOUND);
    crm_record_free(a);
    /* nothing was stored */
    crm_iter *it = NULL;
    const crm_record *row;
    ck_assert_ok(crm_risk_history(&it, db, "C001"));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

START_TEST(history_and_audit)
{
    crm_db *db = stocked();
    crm_record_free(assess(db, NULL, "C001", C2_ANSWERS));
    test_clock_set(test_clock_now() + 10 * DAY);
    crm_record_free(assess(db, NULL, "C001", C5_ANSWERS));
    crm_iter *it = NULL;
    const crm_record *row;
    ck_assert_ok(crm_risk_history(&it, db, "C001"));
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text(row, "risk_level"), "C5");
    ck_assert_str_eq(text(row, "assessed_by"), "admin");
    ck_assert_ptr_nonnull(strstr(text(row, "answers"), "\"loss_tolerance\":\"d\""));
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text(row, "risk_level"), "C2");
    ck_assert_int_eq(number(row, "score"), 16);
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);

    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "entity_id", "C001"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    int assessed = 0, updated = 0;
    while (crm_iter_next(&row, it) == CRM_OK) {
        if (strcmp(text(row, "action"), "risk.assess") == 0) {
            assessed++;
            ck_assert_ptr_nonnull(strstr(text(row, "after"), "\"score\":"));
        }
        if (strcmp(text(row, "action"), "customer.update") == 0 &&
            strstr(text(row, "after"), "risk_level"))
            updated++;
    }
    ck_assert_int_eq(assessed, 2);
    ck_assert_int_eq(updated, 2);
    crm_iter_free(it);
    crm_record_free(f);
    int64_t entries = 0, bad = 0;
    ck_assert_ok(crm_audit_verify(&entries, &bad, db, NULL));
    ck_assert_int_eq(bad, 0);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ own tables */

static const char SHORT_TABLE[] = "validity_days: 30\n"
                                  "questions:\n"
                                  "  - id: appetite\n"
                                  "    text: 风险偏好\n"
                                  "    options:\n"
                                  "      low: {text: 低, score: 0}\n"
                                  "      high: {text: 高, score: 10}\n"
                                  "levels: {C1: 1, C2: 3, C3: 5, C4: 8, C5: 10}\n";

START_TEST(a_host_table_with_its_own_expiry)
{
    crm_db *db = stocked();
    crm_risk_config *cfg = NULL;
    ck_assert_ok(crm_risk_config_load(&cfg, SHORT_TABLE, strlen(SHORT_TABLE)));
    crm_record *r = assess(db, cfg, "C001", "appetite=high");
    ck_assert_str_eq(text(r, "risk_level"), "C5");
    crm_record_free(r);
    crm_record *c = check(db, "C001", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 1);
    crm_record_free(c);
    test_clock_set(test_clock_now() + 31 * DAY);
    c = check(db, "C001", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 0);
    ck_assert_str_eq(text(c, "reason_code"), "assessment_expired");
    crm_record_free(c);
    crm_risk_config_free(cfg);
    crm_db_close(db);
}
END_TEST

static void expect_bad_table(const char *yaml, const char *words)
{
    crm_risk_config *cfg = NULL;
    ck_assert_int_eq(crm_risk_config_load(&cfg, yaml, strlen(yaml)), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_last_errmsg(), words), "message '%s' lacks '%s'", crm_last_errmsg(),
                  words);
    ck_assert_ptr_null(cfg);
}

START_TEST(bad_tables_are_refused)
{
    crm_risk_config *cfg = NULL;
    const char *def = crm_risk_config_default();
    ck_assert_ok(crm_risk_config_load(&cfg, def, strlen(def)));
    crm_risk_config_free(cfg);
    crm_risk_config_free(NULL);
    expect_bad_table("questions: []\n", "questions: a non-empty list");
    expect_bad_table("questions:\n  - {id: a, text: t, options: {x: {text: x, score: 1}}}\n",
                     "options must map at least two");
    expect_bad_table("questions:\n  - {id: a, text: t, options: {x: {text: x, score: 1},"
                     " y: {text: y, score: 2, max_level: C9}}}\n",
                     "max_level must be C1..C5");
    expect_bad_table("questions:\n  - {id: a, text: t, options: {x: {text: x, score: 1},"
                     " y: {text: y, score: 2}}}\nlevels: {C1: 1, C2: 1, C3: 2, C4: 3, C5: 4}\n",
                     "C2 must be given and above");
    expect_bad_table("questions:\n  - {id: a, text: t, options: {x: {text: x, score: 1},"
                     " y: {text: y, score: 9}}}\nlevels: {C1: 1, C2: 2, C3: 3, C4: 4, C5: 5}\n",
                     "below the highest possible total 9");
    expect_bad_table("validity_days: 0\n", "validity_days");
    expect_bad_table("[1, 2]\n", "expected a mapping");
    expect_bad_table("questions: [\n", "line");
}
END_TEST

START_TEST(answers_parse_from_yaml)
{
    const char *yaml = "age: b\nincome: c\n# a comment\nhorizon: 1\n";
    crm_record *r = NULL;
    ck_assert_ok(crm_risk_answers_parse(&r, yaml, strlen(yaml)));
    ck_assert_int_eq(crm_record_count(r), 3);
    ck_assert_str_eq(text(r, "income"), "c");
    ck_assert_str_eq(text(r, "horizon"), "1");
    crm_record_free(r);
    r = NULL;
    ck_assert_int_eq(crm_risk_answers_parse(&r, "age: [b]", 8), CRM_E_INVALID_DATA);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(crm_risk_answers_parse(&r, "{\"age\": ", 8), CRM_E_INVALID_DATA);
}
END_TEST

/* ------------------------------------------------------------ suitability */

START_TEST(suitability_refuses_with_the_reason)
{
    crm_db *db = stocked();
    /* never assessed */
    crm_record *c = check(db, "C001", "DEP");
    ck_assert_int_eq(number(c, "suitable"), 0);
    ck_assert_str_eq(text(c, "reason_code"), "assessment_missing");
    ck_assert_ptr_nonnull(strstr(text(c, "reason"), "no risk assessment"));
    ck_assert_int_eq(crm_record_type(c, "risk_level"), CRM_TYPE_NULL);
    crm_record_free(c);

    /* C2 and an R4 fund: level too low; an R2 product is fine */
    crm_record_free(assess(db, NULL, "C001", C2_ANSWERS));
    c = check(db, "C001", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 0);
    ck_assert_str_eq(text(c, "reason_code"), "level_too_low");
    ck_assert_ptr_nonnull(strstr(text(c, "reason"), "R4, above the customer's level C2"));
    ck_assert_str_eq(text(c, "risk_level"), "C2");
    ck_assert_str_eq(text(c, "risk_rating"), "R4");
    crm_record_free(c);
    c = check(db, "C001", "WM2");
    ck_assert_int_eq(number(c, "suitable"), 1);
    ck_assert_str_eq(text(c, "reason_code"), "suitable");
    crm_record_free(c);

    /* C5 suits R4 until the assessment expires a year later */
    crm_record_free(assess(db, NULL, "C002", C5_ANSWERS));
    c = check(db, "C002", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 1);
    crm_record_free(c);
    int64_t start = test_clock_now();
    test_clock_set(start + 365 * DAY);
    c = check(db, "C002", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 1); /* the last day still counts */
    crm_record_free(c);
    test_clock_set(start + 366 * DAY);
    c = check(db, "C002", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 0);
    ck_assert_str_eq(text(c, "reason_code"), "assessment_expired");
    ck_assert_ptr_nonnull(strstr(text(c, "reason"), "expired on"));
    ck_assert_str_eq(text(c, "risk_level"), "C5");
    crm_record_free(c);

    crm_record *out = NULL;
    ck_assert_int_eq(crm_risk_check(&out, db, "C002", "NOPE"), CRM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "product_code"));
    ck_assert_int_eq(crm_risk_check(&out, db, "C404", "FD4"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_risk_check(NULL, db, "C002", "FD4"), CRM_E_INVALID_ARG);
    crm_db_close(db);
}
END_TEST

START_TEST(imported_levels_expire_after_a_year)
{
    crm_db *db = stocked();
    /* 2026-11-18 is the test clock: assessed 2025-11-01, expired on 2026-11-01 */
    add_customer(db, "C003", "rm.a", "C5", "2025-11-01");
    add_customer(db, "C004", "rm.a", "C4", "2026-06-01");
    crm_record *c = check(db, "C003", "FD4");
    ck_assert_str_eq(text(c, "reason_code"), "assessment_expired");
    ck_assert_str_eq(text(c, "expires_at"), "2026-11-01T00:00:00Z");
    crm_record_free(c);
    c = check(db, "C004", "FD4");
    ck_assert_int_eq(number(c, "suitable"), 1);
    crm_record_free(c);
    crm_db_close(db);
}
END_TEST

START_TEST(access_by_role)
{
    crm_db *db = stocked();
    crm_record *a = answers(C2_ANSWERS), *out = NULL;
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_risk_assess(&out, db, NULL, "C001", a));
    crm_record_free(out);
    out = NULL;
    /* another RM's customer does not exist for rm.a */
    ck_assert_int_eq(crm_risk_assess(&out, db, NULL, "C002", a), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_risk_check(&out, db, "C002", "DEP"), CRM_E_NOT_FOUND);
    crm_iter *it = NULL;
    ck_assert_int_eq(crm_risk_history(&it, db, "C002"), CRM_E_NOT_FOUND);
    crm_record_free(check(db, "C001", "DEP"));
    /* a marketer may check but not assess */
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    ck_assert_int_eq(crm_risk_assess(&out, db, NULL, "C001", a), CRM_E_PERMISSION);
    crm_record_free(check(db, "C002", "DEP"));
    crm_record_free(a);
    crm_db_close(db);
}
END_TEST

static Suite *risk_suite(void)
{
    Suite *s = suite_create("risk");
    TCase *t = tcase_create("risk");
    tcase_add_test(t, default_table_scores_levels);
    tcase_add_test(t, an_answer_caps_the_level);
    tcase_add_test(t, answers_are_validated);
    tcase_add_test(t, history_and_audit);
    tcase_add_test(t, a_host_table_with_its_own_expiry);
    tcase_add_test(t, bad_tables_are_refused);
    tcase_add_test(t, answers_parse_from_yaml);
    tcase_add_test(t, suitability_refuses_with_the_reason);
    tcase_add_test(t, imported_levels_expire_after_a_year);
    tcase_add_test(t, access_by_role);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(risk_suite());
}
