/* Real-time alerts: the default rules fire on what they describe and stay
 * quiet on ordinary traffic, alerts are stored in the insert's transaction
 * (a refused alert takes the transaction with it), handed to the callback,
 * listed within the actor's scope, acknowledged and closed with audit; host
 * rule sets are checked, shared by handles, and reset. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
#define YUAN 100LL

static crm_db *bank(const char *path)
{
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    return db;
}

/* A customer with a risk level assessed `assessed_days_ago` days ago
 * (negative: never assessed). */
static void add_customer(crm_db *db, const char *no, const char *manager, const char *risk,
                         int assessed_days_ago)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "王小明"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_date(c, "birth_date", "1980-05-06"));
    if (assessed_days_ago >= 0) {
        char day[32];
        ck_assert_ok(
            crm_time_format(day, sizeof day, test_clock_now() - (int64_t)assessed_days_ago * DAY));
        day[10] = '\0';
        ck_assert_ok(crm_record_set_text(c, "risk_level", risk));
        ck_assert_ok(crm_record_set_date(c, "risk_assessed_at", day));
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
    ck_assert_ok(crm_record_set_text(p, "name", "产品"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", risk));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
}

static crm_db *stocked(const char *path)
{
    crm_db *db = bank(path);
    add_customer(db, "C001", "rm.a", "C3", 30);
    add_customer(db, "C002", "rm.b", "C2", 30);
    add_customer(db, "C003", "rm.b", "C5", 400);
    add_customer(db, "C004", "rm.b", "C5", 30);
    add_product(db, "DEP-CUR", "deposit", "R1");
    add_product(db, "FD-TECH", "fund", "R5");
    return db;
}

/* Adds a transaction `seconds_ago` before the clock; returns the code. */
static int txn(crm_db *db, const char *no, const char *product, const char *type, int64_t fen,
               int64_t seconds_ago)
{
    crm_record *t;
    char when[32];
    ck_assert_ok(crm_time_format(when, sizeof when, test_clock_now() - seconds_ago));
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", no));
    if (product)
        ck_assert_ok(crm_record_set_text(t, "product_code", product));
    ck_assert_ok(crm_record_set_text(t, "type", type));
    ck_assert_ok(crm_record_set_money(t, "amount", fen));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    ck_assert_ok(crm_record_set_text(t, "time", when));
    int rc = crm_txn_add(db, t);
    crm_record_free(t);
    return rc;
}

static void add_txn(crm_db *db, const char *no, const char *product, const char *type, int64_t fen,
                    int64_t seconds_ago)
{
    int rc = txn(db, no, product, type, fen, seconds_ago);
    ck_assert_msg(rc == CRM_OK, "txn: %s", crm_db_errmsg(db));
}

/* Alerts matching one filter field (NULL: all). */
static int count_alerts(crm_db *db, const char *field, const char *value)
{
    crm_record *filter = NULL;
    const crm_record *a;
    crm_iter *it;
    if (field) {
        ck_assert_ok(crm_record_new(&filter));
        ck_assert_ok(crm_record_set_text(filter, field, value));
    }
    ck_assert_ok(crm_alert_list(&it, db, filter));
    int n = 0, rc;
    while ((rc = crm_iter_next(&a, it)) == CRM_OK)
        n++;
    ck_assert_int_eq(rc, CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(filter);
    return n;
}

static const char *text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    ck_assert_msg(crm_record_get_text(&v, r, field) == CRM_OK, "field %s", field);
    return v;
}

static int64_t newest_alert_id(crm_db *db)
{
    crm_record *filter;
    const crm_record *a;
    crm_iter *it;
    int64_t id;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_int(filter, "limit", 1));
    ck_assert_ok(crm_alert_list(&it, db, filter));
    ck_assert_ok(crm_iter_next(&a, it));
    ck_assert_ok(crm_record_get_int(&id, a, "id"));
    crm_iter_free(it);
    crm_record_free(filter);
    return id;
}

/* ------------------------------------------------------------ the rules */

START_TEST(default_rules_are_listed)
{
    crm_db *db = stocked(":memory:");
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_alert_rules_list(&it, db));
    const char *names[] = {"large_transfer", "amount_far_above_pattern", "burst",
                           "unsuitable_high_risk_purchase"};
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(crm_iter_next(&r, it));
        ck_assert_str_eq(text(r, "name"), names[i]);
        ck_assert_str_eq(text(r, "source"), "default");
        ck_assert_ptr_nonnull(strstr(text(r, "rule"), "var"));
    }
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    char *yaml;
    ck_assert_ok(crm_alert_rules_get(&yaml, db));
    ck_assert_str_eq(yaml, crm_alert_default_rules());
    crm_free(yaml);
    crm_db_close(db);
}
END_TEST

START_TEST(large_transfer_alerts_with_details)
{
    crm_db *db = stocked(":memory:");
    add_txn(db, "C001", "DEP-CUR", "transfer_out", 499999 * YUAN, 3600);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0);
    add_txn(db, "C001", "DEP-CUR", "transfer_out", 500000 * YUAN, 60);
    ck_assert_int_eq(count_alerts(db, "rule", "large_transfer"), 1);
    crm_record *a;
    ck_assert_ok(crm_alert_get(&a, db, newest_alert_id(db)));
    ck_assert_str_eq(text(a, "state"), "open");
    ck_assert_str_eq(text(a, "severity"), "medium");
    ck_assert_str_eq(text(a, "customer_no"), "C001");
    ck_assert_str_eq(text(a, "txn_type"), "transfer_out");
    ck_assert_int_eq(crm_record_type(a, "amount"), CRM_TYPE_MONEY);
    ck_assert_str_eq(text(a, "details"), "{\"type\":\"transfer_out\",\"amount\":50000000}");
    crm_record_free(a);
    crm_db_close(db);
}
END_TEST

START_TEST(amount_far_above_own_pattern)
{
    crm_db *db = stocked(":memory:");
    for (int i = 0; i < 12; i++) /* a customer who moves ~5,000 yuan */
        add_txn(db, "C001", "DEP-CUR", "transfer_in", (4000 + 200 * i) * YUAN,
                (int64_t)(60 - 4 * i) * DAY);
    add_txn(db, "C001", "DEP-CUR", "transfer_in", 20000 * YUAN, 2 * DAY); /* 4x: ordinary */
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0);
    add_txn(db, "C001", "DEP-CUR", "transfer_in", 300000 * YUAN, DAY);
    ck_assert_int_eq(count_alerts(db, "rule", "amount_far_above_pattern"), 1);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1); /* below the large-transfer line */
    crm_record *a;
    ck_assert_ok(crm_alert_get(&a, db, newest_alert_id(db)));
    const char *details = text(a, "details");
    ck_assert_ptr_nonnull(strstr(details, "\"history_count\":13"));
    ck_assert_ptr_nonnull(strstr(details, "\"history_max\":2000000"));
    ck_assert_ptr_nonnull(strstr(details, "\"zscore\":"));
    crm_record_free(a);
    /* the same amount from a customer whose history holds such sums: quiet */
    for (int i = 0; i < 5; i++)
        add_txn(db, "C004", "DEP-CUR", "transfer_in", (200000 + 50000 * i) * YUAN,
                (int64_t)(50 - i) * DAY);
    add_txn(db, "C004", "DEP-CUR", "transfer_in", 300000 * YUAN, DAY);
    ck_assert_int_eq(count_alerts(db, "customer_no", "C004"), 0);
    crm_db_close(db);
}
END_TEST

START_TEST(burst_of_transactions)
{
    crm_db *db = stocked(":memory:");
    for (int i = 0; i < 5; i++) /* spread out: quiet */
        add_txn(db, "C001", "DEP-CUR", "withdrawal", 100 * YUAN, (int64_t)(10 - i) * 3600);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0);
    for (int i = 0; i < 5; i++)
        add_txn(db, "C001", "DEP-CUR", "withdrawal", 100 * YUAN, 600 - 100 * i);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0);
    add_txn(db, "C001", "DEP-CUR", "withdrawal", 100 * YUAN, 10); /* the 6th in 10 minutes */
    ck_assert_int_eq(count_alerts(db, "rule", "burst"), 1);
    crm_db_close(db);
}
END_TEST

START_TEST(high_risk_product_for_unsuitable_customer)
{
    crm_db *db = stocked(":memory:");
    add_txn(db, "C004", "FD-TECH", "purchase", 1000 * YUAN, 60); /* C5, valid */
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0);
    add_txn(db, "C002", "FD-TECH", "purchase", 1000 * YUAN, 60);   /* C2 */
    add_txn(db, "C003", "FD-TECH", "purchase", 1000 * YUAN, 60);   /* C5, expired */
    add_txn(db, "C003", "FD-TECH", "redemption", 1000 * YUAN, 30); /* not a purchase */
    ck_assert_int_eq(count_alerts(db, "rule", "unsuitable_high_risk_purchase"), 2);
    ck_assert_int_eq(count_alerts(db, "customer_no", "C002"), 1);
    crm_record *a;
    ck_assert_ok(crm_alert_get(&a, db, newest_alert_id(db)));
    ck_assert_ptr_nonnull(strstr(text(a, "details"), "\"risk_expired\":true"));
    crm_record_free(a);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------- callback, rollback */

typedef struct seen {
    int calls;
    char rule[64], customer[16];
    int refuse; /* returned by the callback */
} seen;

static int on_alert(const crm_record *alert, void *payload)
{
    seen *s = payload;
    const char *v;
    s->calls++;
    if (crm_record_get_text(&v, alert, "rule") == CRM_OK)
        snprintf(s->rule, sizeof s->rule, "%s", v);
    if (crm_record_get_text(&v, alert, "customer_no") == CRM_OK)
        snprintf(s->customer, sizeof s->customer, "%s", v);
    return s->refuse;
}

static int64_t txn_count(crm_db *db, const char *no)
{
    crm_iter *it;
    const crm_record *r;
    int64_t n = 0;
    ck_assert_ok(crm_txn_list(&it, db, no, NULL));
    while (crm_iter_next(&r, it) == CRM_OK)
        n++;
    crm_iter_free(it);
    return n;
}

START_TEST(callback_receives_alerts_and_can_refuse)
{
    crm_db *db = stocked(":memory:");
    seen s = {0};
    ck_assert_ok(crm_alert_set_callback(db, on_alert, &s));
    add_txn(db, "C002", "FD-TECH", "purchase", 1000 * YUAN, 60);
    ck_assert_int_eq(s.calls, 1);
    ck_assert_str_eq(s.rule, "unsuitable_high_risk_purchase");
    ck_assert_str_eq(s.customer, "C002");
    /* a refused alert rolls back the transaction with it */
    s.refuse = CRM_E_PERMISSION;
    ck_assert_int_eq(txn(db, "C002", "FD-TECH", "purchase", 2000 * YUAN, 30), CRM_E_PERMISSION);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "callback"));
    ck_assert_int_eq(s.calls, 2);
    ck_assert_int_eq(txn_count(db, "C002"), 1);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1);
    /* inside a host transaction: the rows before it stay */
    s.refuse = 1;
    ck_assert_ok(crm_db_begin(db));
    add_txn(db, "C002", "DEP-CUR", "deposit", 100 * YUAN, 20);
    ck_assert_int_eq(txn(db, "C002", "FD-TECH", "purchase", 3000 * YUAN, 10), CRM_E_STATE);
    ck_assert_ok(crm_db_commit(db));
    ck_assert_int_eq(txn_count(db, "C002"), 2);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1);
    ck_assert_ok(crm_alert_set_callback(db, NULL, NULL));
    add_txn(db, "C002", "FD-TECH", "purchase", 4000 * YUAN, 5);
    ck_assert_int_eq(s.calls, 3);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 2);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------ handling, scope */

START_TEST(ack_and_close_are_audited_and_final)
{
    crm_db *db = stocked(":memory:");
    add_txn(db, "C001", "DEP-CUR", "transfer_out", 600000 * YUAN, 60);
    int64_t id = newest_alert_id(db);
    ck_assert_int_eq(crm_alert_close(db, id, NULL), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_alert_close(db, id, ""), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_alert_ack(db, id, "正在核实"));
    ck_assert_int_eq(crm_alert_ack(db, id, NULL), CRM_E_STATE);
    ck_assert_int_eq(count_alerts(db, "state", "acknowledged"), 1);
    ck_assert_int_eq(count_alerts(db, "state", "open"), 0);
    ck_assert_ok(crm_alert_close(db, id, "客户确认为购房款, 已核实"));
    ck_assert_int_eq(crm_alert_close(db, id, "again"), CRM_E_STATE);
    ck_assert_int_eq(crm_alert_ack(db, id, NULL), CRM_E_STATE);
    crm_record *a;
    ck_assert_ok(crm_alert_get(&a, db, id));
    ck_assert_str_eq(text(a, "state"), "closed");
    ck_assert_str_eq(text(a, "note"), "客户确认为购房款, 已核实");
    ck_assert_str_eq(text(a, "handled_by"), "admin");
    crm_record_free(a);
    ck_assert_int_eq(crm_alert_ack(db, id + 100, NULL), CRM_E_NOT_FOUND);

    crm_iter *it;
    crm_record *filter;
    const crm_record *e;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_text(filter, "entity", "alert"));
    ck_assert_ok(crm_audit_list(&it, db, filter));
    int n = 0;
    while (crm_iter_next(&e, it) == CRM_OK) {
        const char *action = text(e, "action");
        ck_assert(strcmp(action, "alert.ack") == 0 || strcmp(action, "alert.close") == 0);
        n++;
    }
    ck_assert_int_eq(n, 2);
    crm_iter_free(it);
    crm_record_free(filter);
    int64_t entries, first_bad;
    ck_assert_ok(crm_audit_verify(&entries, &first_bad, db, NULL));
    ck_assert_int_eq(first_bad, 0);
    crm_db_close(db);
}
END_TEST

START_TEST(alerts_respect_customer_scope)
{
    crm_db *db = stocked(":memory:");
    add_txn(db, "C001", "DEP-CUR", "transfer_out", 600000 * YUAN, 60); /* rm.a's */
    int64_t id_a = newest_alert_id(db);
    add_txn(db, "C002", "FD-TECH", "purchase", 1000 * YUAN, 60); /* rm.b's */
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 2);

    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1);
    ck_assert_int_eq(count_alerts(db, "customer_no", "C001"), 0);
    crm_record *a;
    ck_assert_int_eq(crm_alert_get(&a, db, id_a), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_alert_ack(db, id_a, NULL), CRM_E_PERMISSION); /* RMs only read */

    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 2);
    ck_assert_ok(crm_alert_ack(db, id_a, NULL));
    ck_assert_int_eq(crm_alert_rules_reset(db), CRM_OK);

    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_alert_rules_set(db, "rules: []", 9), CRM_E_PERMISSION);
    crm_iter *it;
    crm_record *filter;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_text(filter, "state", "shelved"));
    ck_assert_int_eq(crm_alert_list(&it, db, filter), CRM_E_INVALID_ARG);
    crm_record_free(filter);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------ host rule sets */

static const char custom_rules[] = "burst_minutes: 1\n"
                                   "rules:\n"
                                   "  - name: night_atm\n"
                                   "    severity: low\n"
                                   "    when:\n"
                                   "      and:\n"
                                   "        - \"==\": [{var: channel}, mobile]\n"
                                   "        - \"<\": [{var: hour}, 6]\n";

START_TEST(host_rules_replace_the_default)
{
    char *path = test_temp_path("alert_rules");
    crm_db *db = stocked(path);
    crm_db *other = test_open(path);
    ck_assert_ok(crm_db_set_actor(other, "admin"));
    add_txn(other, "C001", "DEP-CUR", "transfer_out", 600000 * YUAN, 7200); /* default: alert */
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1);

    ck_assert_ok(crm_alert_rules_set(db, custom_rules, strlen(custom_rules)));
    /* the clock stands at 11:06 UTC, 19:06 in Beijing; 01:06 Beijing is 17:06 UTC */
    add_txn(other, "C001", "DEP-CUR", "transfer_out", 600000 * YUAN, 60); /* large: no rule now */
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 1);
    add_txn(other, "C001", "DEP-CUR", "withdrawal", 100 * YUAN, 18 * 3600);
    ck_assert_int_eq(count_alerts(db, "rule", "night_atm"), 1);
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_alert_rules_list(&it, other));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_str_eq(text(r, "name"), "night_atm");
    ck_assert_str_eq(text(r, "source"), "custom");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);

    ck_assert_ok(crm_alert_rules_reset(db));
    add_txn(other, "C001", "DEP-CUR", "transfer_out", 700000 * YUAN, 30);
    ck_assert_int_eq(count_alerts(db, "rule", "large_transfer"), 2);
    crm_db_close(other);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static void refused(crm_db *db, const char *yaml, const char *why)
{
    int rc = crm_alert_rules_set(db, yaml, strlen(yaml));
    ck_assert_msg(rc == CRM_E_INVALID_DATA, "%s: rc %d", yaml, rc);
    ck_assert_msg(strstr(crm_db_errmsg(db), why) != NULL, "message '%s' lacks '%s'",
                  crm_db_errmsg(db), why);
}

START_TEST(bad_rule_sets_are_refused_with_the_reason)
{
    crm_db *db = stocked(":memory:");
    refused(db, "rules:\n  - name: a\n    severity: high\n    when: {var: amout}\n",
            "unknown variable \"amout\"");
    refused(db, "rules:\n  - name: a\n    severity: urgent\n    when: {var: amount}\n",
            "severity \"urgent\"");
    refused(db, "rules:\n  - name: a\n    severity: low\n    when: {\"=<\": [1, 2]}\n",
            "unknown operator");
    refused(db,
            "rules:\n  - {name: a, severity: low, when: true}\n"
            "  - {name: a, severity: low, when: false}\n",
            "appears twice");
    refused(db, "rules:\n  - {name: a, severity: low}\n", "needs name, severity and when");
    refused(db, "burst_minutes: 0\nrules: []\n", "burst_minutes");
    refused(db, "rule: []\n", "line 1, column 1: unknown key \"rule\"");
    refused(db, "rules: [\n", "line");
    char *yaml;
    ck_assert_ok(crm_alert_rules_get(&yaml, db));
    ck_assert_str_eq(yaml, crm_alert_default_rules()); /* nothing changed */
    crm_free(yaml);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------ cost */

static double load_seconds(crm_db *db, int first, int customers, int per_customer)
{
    struct timespec t0, t1;
    char no[16];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_ok(crm_db_begin(db));
    for (int c = first; c < first + customers; c++) {
        snprintf(no, sizeof no, "B%04d", c);
        for (int i = 0; i < per_customer; i++)
            add_txn(db, no, "DEP-CUR", i % 3 ? "card_spend" : "transfer_out",
                    (1000 + 37 * i) * YUAN, (int64_t)(per_customer - i) * DAY / 4);
    }
    ck_assert_ok(crm_db_commit(db));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* Prints the cost per inserted transaction with and without alert rules;
 * the check itself must stay a modest share of the insert. */
START_TEST(alert_cost_per_transaction)
{
    enum { CUSTOMERS = 100, PER = 200 };
    crm_db *db = bank(":memory:");
    char no[16];
    add_product(db, "DEP-CUR", "deposit", "R1");
    for (int c = 0; c < 2 * CUSTOMERS; c++) {
        snprintf(no, sizeof no, "B%04d", c);
        add_customer(db, no, "rm.a", "C3", 30);
    }
    ck_assert_ok(crm_alert_rules_set(db, "rules: []", 9));
    double off = load_seconds(db, 0, CUSTOMERS, PER);
    ck_assert_ok(crm_alert_rules_reset(db));
    double on = load_seconds(db, CUSTOMERS, CUSTOMERS, PER); /* the same load, other customers */
    double n = (double)CUSTOMERS * PER;
    printf("alert cost: %.2f us/txn without rules, %.2f us/txn with the default rules "
           "(+%.2f us, %d txns)\n",
           off / n * 1e6, on / n * 1e6, (on - off) / n * 1e6, CUSTOMERS * PER);
    ck_assert_int_eq(count_alerts(db, NULL, NULL), 0); /* ordinary traffic */
    crm_db_close(db);
}
END_TEST

static Suite *alert_suite(void)
{
    Suite *s = suite_create("alert");
    TCase *tc = tcase_create("alert");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, default_rules_are_listed);
    tcase_add_test(tc, large_transfer_alerts_with_details);
    tcase_add_test(tc, amount_far_above_own_pattern);
    tcase_add_test(tc, burst_of_transactions);
    tcase_add_test(tc, high_risk_product_for_unsuitable_customer);
    tcase_add_test(tc, callback_receives_alerts_and_can_refuse);
    tcase_add_test(tc, ack_and_close_are_audited_and_final);
    tcase_add_test(tc, alerts_respect_customer_scope);
    tcase_add_test(tc, host_rules_replace_the_default);
    tcase_add_test(tc, bad_rule_sets_are_refused_with_the_reason);
    tcase_add_test(tc, alert_cost_per_transaction);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(alert_suite());
}
