/* Products, holdings and transactions: validation naming the field, list
 * filters and order, audited holding changes, transactions in bulk and in
 * host transactions, access by role, and the customer 360 view. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The test clock stands at 2026-11-18T11:06:40Z. */
#define DAY 86400

static crm_db *bank(const char *path)
{
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "bm.gz", "branch_manager", "GZ");
    test_add_user(db, "aud", "auditor", "HO");
    return db;
}

static void add_customer(crm_db *db, const char *no, const char *name, const char *manager)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", name));
    ck_assert_ok(crm_record_set_text(c, "phone", "13912345678"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static crm_record *product(const char *code, const char *type, const char *risk)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", code));
    ck_assert_ok(crm_record_set_text(p, "name", "稳健理财一号"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", risk));
    return p;
}

static void add_product(crm_db *db, const char *code, const char *type, const char *risk,
                        const char *start, const char *end)
{
    crm_record *p = product(code, type, risk);
    if (start)
        ck_assert_ok(crm_record_set_date(p, "sale_start", start));
    if (end)
        ck_assert_ok(crm_record_set_date(p, "sale_end", end));
    int rc = crm_product_add(db, p);
    crm_record_free(p);
    ck_assert_msg(rc == CRM_OK, "add product %s: %s", code, crm_db_errmsg(db));
}

/* A bank with customers C001 (rm.a) and C002 (rm.b) and four products. */
static crm_db *stocked(const char *path)
{
    crm_db *db = bank(path);
    add_customer(db, "C001", "张三", "rm.a");
    add_customer(db, "C002", "李四", "rm.b");
    add_product(db, "DEP1Y", "deposit", "R1", NULL, NULL);
    add_product(db, "WM001", "wealth", "R2", "2026-01-01", "2026-12-31");
    add_product(db, "FND88", "fund", "R4", "2027-01-01", NULL);
    add_product(db, "INS01", "insurance", "R3", NULL, "2026-06-30");
    return db;
}

static const char *text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    return v;
}

static int64_t number(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

static void expect_message(crm_db *db, int rc, int want, const char *words)
{
    ck_assert_msg(rc == want, "returned %d (%s), expected %d", rc, crm_db_errmsg(db), want);
    ck_assert_msg(strstr(crm_db_errmsg(db), words), "message '%s' lacks '%s'", crm_db_errmsg(db),
                  words);
}

/* ---------------------------------------------------------------- products */

static void expect_bad_product(crm_db *db, const char *field, const char *value, int64_t number_,
                               const char *words)
{
    crm_record *p = product("BAD1", "deposit", "R1");
    if (!field)
        ck_assert_ok(crm_record_unset(p, "type"));
    else if (value)
        ck_assert_ok(crm_record_set_text(p, field, value));
    else
        ck_assert_ok(crm_record_set_int(p, field, number_));
    expect_message(db, crm_product_add(db, p), CRM_E_INVALID_DATA, words);
    crm_record_free(p);
}

START_TEST(product_validation_names_the_field)
{
    crm_db *db = bank(":memory:");
    expect_bad_product(db, NULL, NULL, 0, "field type: required");
    expect_bad_product(db, "type", "mortgage", 0, "field type: 'mortgage' is not one of");
    expect_bad_product(db, "risk_rating", "R6", 0, "field risk_rating: 'R6' is not one of R1");
    expect_bad_product(db, "code", "no spaces", 0, "field code");
    expect_bad_product(db, "name", "", 0, "field name: required");
    expect_bad_product(db, "term_days", NULL, -1, "field term_days: -1 is outside");
    expect_bad_product(db, "term_days", "365", 0, "field term_days: expected an integer");
    expect_bad_product(db, "yield_bps", NULL, 10001, "field yield_bps");
    expect_bad_product(db, "sale_start", "2026-02-30", 0, "field sale_start");
    expect_bad_product(db, "colour", "red", 0, "unknown field colour");
    crm_record *p = product("WM9", "wealth", "R2");
    ck_assert_ok(crm_record_set_date(p, "sale_start", "2026-05-01"));
    ck_assert_ok(crm_record_set_date(p, "sale_end", "2026-04-30"));
    expect_message(db, crm_product_add(db, p), CRM_E_INVALID_DATA,
                   "field sale_end: 2026-04-30 is before sale_start 2026-05-01");
    ck_assert_ok(crm_record_set_date(p, "sale_end", "2026-05-01"));
    ck_assert_ok(crm_record_set_int(p, "term_days", 90));
    ck_assert_ok(crm_record_set_int(p, "yield_bps", 285));
    ck_assert_ok(crm_product_add(db, p));
    expect_message(db, crm_product_add(db, p), CRM_E_CONFLICT, "WM9");
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_product_add(db, p), CRM_E_PERMISSION);
    crm_record_free(p);
    /* every user may read the catalogue */
    crm_record *r;
    ck_assert_ok(crm_product_get(&r, db, "WM9"));
    ck_assert_str_eq(text(r, "type"), "wealth");
    ck_assert_int_eq(crm_record_type(r, "sale_start"), CRM_TYPE_DATE);
    ck_assert_str_eq(text(r, "sale_end"), "2026-05-01");
    ck_assert_int_eq(number(r, "term_days"), 90);
    ck_assert_int_eq(number(r, "yield_bps"), 285);
    ck_assert_str_eq(text(r, "created_at"), "2026-11-18T11:06:40Z");
    crm_record_free(r);
    ck_assert_int_eq(crm_product_get(&r, db, "BAD1"), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

START_TEST(product_add_is_audited)
{
    crm_db *db = bank(":memory:");
    add_product(db, "DEP1Y", "deposit", "R1", NULL, NULL);
    crm_record *f;
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "product.add"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_str_eq(text(r, "entity_id"), "DEP1Y");
    ck_assert_str_eq(text(r, "actor"), "admin");
    ck_assert_ptr_nonnull(strstr(text(r, "after"), "\"risk_rating\":\"R1\""));
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(f);
    crm_db_close(db);
}
END_TEST

/* The codes a product list returns, comma-separated, into buf. */
static int list_codes(crm_db *db, const crm_record *filter, char *buf, size_t size)
{
    crm_iter *it;
    const crm_record *r;
    int rc = crm_product_list(&it, db, filter);
    buf[0] = '\0';
    if (rc)
        return rc;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        if (buf[0])
            strncat(buf, ",", size - strlen(buf) - 1);
        strncat(buf, text(r, "code"), size - strlen(buf) - 1);
    }
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static void expect_codes(crm_db *db, const char *field, const char *value, const char *want)
{
    crm_record *f = NULL;
    char got[256];
    if (field) {
        ck_assert_ok(crm_record_new(&f));
        ck_assert_ok(crm_record_set_text(f, field, value));
    }
    ck_assert_ok(list_codes(db, f, got, sizeof got));
    ck_assert_msg(strcmp(got, want) == 0, "filter %s=%s: got '%s', expected '%s'",
                  field ? field : "-", value ? value : "-", got, want);
    crm_record_free(f);
}

START_TEST(product_list_filters_and_order)
{
    crm_db *db = stocked(":memory:");
    expect_codes(db, NULL, NULL, "DEP1Y,FND88,INS01,WM001");
    expect_codes(db, "type", "wealth", "WM001");
    expect_codes(db, "risk_rating", "R4", "FND88");
    expect_codes(db, "max_risk_rating", "R3", "DEP1Y,INS01,WM001");
    expect_codes(db, "on_sale_at", "2026-11-18", "DEP1Y,WM001");
    expect_codes(db, "on_sale_at", "2026-06-30T23:59:59Z", "DEP1Y,INS01,WM001");
    expect_codes(db, "on_sale_at", "2026-12-31", "DEP1Y,WM001");
    expect_codes(db, "on_sale_at", "2027-01-01", "DEP1Y,FND88");
    /* a date-typed filter value works as well as text */
    crm_record *f;
    char got[256];
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_date(f, "on_sale_at", "2025-12-31"));
    ck_assert_ok(crm_record_set_text(f, "max_risk_rating", "R1"));
    ck_assert_ok(list_codes(db, f, got, sizeof got));
    ck_assert_str_eq(got, "DEP1Y");
    ck_assert_ok(crm_record_set_text(f, "max_risk_rating", "C3"));
    expect_message(db, list_codes(db, f, got, sizeof got), CRM_E_INVALID_ARG, "max_risk_rating");
    crm_record_free(f);
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "colour", "red"));
    expect_message(db, list_codes(db, f, got, sizeof got), CRM_E_INVALID_ARG,
                   "unknown field colour");
    crm_record_free(f);
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "on_sale_at", "yesterday"));
    expect_message(db, list_codes(db, f, got, sizeof got), CRM_E_INVALID_ARG, "on_sale_at");
    crm_record_free(f);
    crm_db_close(db);
}
END_TEST

/* ---------------------------------------------------------------- holdings */

static int64_t count_audit(crm_db *db, const char *action)
{
    crm_record *f;
    crm_iter *it;
    const crm_record *r;
    int64_t n = 0;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", action));
    ck_assert_ok(crm_audit_list(&it, db, f));
    while (crm_iter_next(&r, it) == CRM_OK)
        n++;
    crm_iter_free(it);
    crm_record_free(f);
    return n;
}

/* "CODE=balance" pairs of a customer's holdings, in list order. */
static int list_holdings(crm_db *db, const char *customer_no, char *buf, size_t size)
{
    crm_iter *it;
    const crm_record *r;
    int rc = crm_holding_list(&it, db, customer_no);
    buf[0] = '\0';
    if (rc)
        return rc;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        ck_assert_int_eq(crm_record_type(r, "balance"), CRM_TYPE_MONEY);
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s=%lld", used ? "," : "", text(r, "product_code"),
                 (long long)number(r, "balance"));
    }
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

START_TEST(holdings_set_list_remove_audited)
{
    crm_db *db = stocked(":memory:");
    char got[256];
    ck_assert_ok(crm_holding_set(db, "C001", "WM001", 5000000));
    ck_assert_ok(crm_holding_set(db, "C001", "DEP1Y", 12345));
    ck_assert_ok(crm_holding_set(db, "C001", "FND88", 700));
    ck_assert_ok(list_holdings(db, "C001", got, sizeof got));
    ck_assert_str_eq(got, "DEP1Y=12345,FND88=700,WM001=5000000"); /* by type, then code */
    ck_assert_int_eq(count_audit(db, "holding.set"), 3);

    ck_assert_ok(crm_holding_set(db, "C001", "DEP1Y", 20000));
    ck_assert_ok(crm_holding_set(db, "C001", "DEP1Y", 20000)); /* unchanged: no entry */
    ck_assert_int_eq(count_audit(db, "holding.set"), 4);
    ck_assert_ok(crm_holding_set(db, "C001", "FND88", 0));
    ck_assert_ok(crm_holding_set(db, "C001", "INS01", 0)); /* nothing to remove */
    ck_assert_int_eq(count_audit(db, "holding.set"), 5);
    ck_assert_ok(list_holdings(db, "C001", got, sizeof got));
    ck_assert_str_eq(got, "DEP1Y=20000,WM001=5000000");
    ck_assert_ok(list_holdings(db, "C002", got, sizeof got));
    ck_assert_str_eq(got, "");

    /* the removal's audit entry carries before and after */
    crm_record *f;
    crm_iter *it;
    const crm_record *r, *last = NULL;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "entity_id", "C001"));
    ck_assert_ok(crm_record_set_text(f, "action", "holding.set"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    char before[128] = "", after[128] = "";
    while (crm_iter_next(&r, it) == CRM_OK) {
        last = r;
        snprintf(before, sizeof before, "%s", text(last, "before"));
        snprintf(after, sizeof after, "%s", text(last, "after"));
    }
    ck_assert_ptr_nonnull(last);
    ck_assert_str_eq(before, "{\"product\":\"FND88\",\"balance\":700}");
    ck_assert_str_eq(after, "{\"product\":\"FND88\",\"balance\":0}");
    crm_iter_free(it);
    crm_record_free(f);

    expect_message(db, crm_holding_set(db, "C001", "DEP1Y", -1), CRM_E_INVALID_DATA, "balance");
    expect_message(db, crm_holding_set(db, "C001", "NOPE", 1), CRM_E_NOT_FOUND, "product_code");
    expect_message(db, crm_holding_set(db, "C999", "DEP1Y", 1), CRM_E_NOT_FOUND, "C999");
    ck_assert_int_eq(crm_holding_list(&it, db, "C999"), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ transactions */

static crm_record *txn(const char *customer_no, const char *type, int64_t amount, const char *time)
{
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", customer_no));
    ck_assert_ok(crm_record_set_text(t, "type", type));
    ck_assert_ok(crm_record_set_money(t, "amount", amount));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    if (time)
        ck_assert_ok(crm_record_set_text(t, "time", time));
    return t;
}

static int add_txn(crm_db *db, const char *customer_no, const char *product_code, const char *type,
                   int64_t amount, const char *time)
{
    crm_record *t = txn(customer_no, type, amount, time);
    if (product_code)
        ck_assert_ok(crm_record_set_text(t, "product_code", product_code));
    int rc = crm_txn_add(db, t);
    crm_record_free(t);
    return rc;
}

static void expect_bad_txn(crm_db *db, const char *field, const char *value, const char *words)
{
    crm_record *t = txn("C001", "deposit", 100, NULL);
    ck_assert_ok(value ? crm_record_set_text(t, field, value) : crm_record_unset(t, field));
    expect_message(db, crm_txn_add(db, t), CRM_E_INVALID_DATA, words);
    crm_record_free(t);
}

START_TEST(txn_validation_names_the_field)
{
    crm_db *db = stocked(":memory:");
    expect_bad_txn(db, "customer_no", NULL, "field customer_no: required");
    expect_bad_txn(db, "customer_no", "", "field customer_no: expected 1..32");
    expect_bad_txn(db, "product_code", "WM 001", "field product_code: expected 1..32");
    expect_bad_txn(db, "type", "refund", "field type: 'refund' is not one of deposit");
    expect_bad_txn(db, "type", NULL, "field type: required");
    expect_bad_txn(db, "channel", "pigeon", "field channel");
    expect_bad_txn(db, "amount", "100.00", "field amount: expected money");
    expect_bad_txn(db, "amount", NULL, "field amount: required");
    expect_bad_txn(db, "time", "2026-11-18 25:00:00", "field time");
    expect_bad_txn(db, "time", "2026-11-20T00:00:00Z", "field time: more than a day");
    expect_bad_txn(db, "memo", "x", "unknown field memo");
    crm_record *t = txn("C001", "deposit", 0, NULL);
    expect_message(db, crm_txn_add(db, t), CRM_E_INVALID_DATA, "field amount: 0 fen is below 1");
    crm_record_free(t);
    expect_message(db, add_txn(db, "C001", "NOPE", "purchase", 100, NULL), CRM_E_NOT_FOUND,
                   "field product_code: no product NOPE");
    expect_message(db, add_txn(db, "C999", "WM001", "purchase", 100, NULL), CRM_E_NOT_FOUND,
                   "field customer_no: no customer C999");
    /* a plain integer amount is fen too */
    t = txn("C001", "deposit", 1, NULL);
    ck_assert_ok(crm_record_set_int(t, "amount", 250));
    ck_assert_ok(crm_txn_add(db, t));
    crm_record_free(t);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(add_txn(db, "C001", NULL, "deposit", 100, NULL), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

/* Types and amounts of a customer's transactions in list order, into buf. */
static int list_txns(crm_db *db, const char *customer_no, const crm_record *filter, char *buf,
                     size_t size)
{
    crm_iter *it;
    const crm_record *r;
    int rc = crm_txn_list(&it, db, customer_no, filter);
    buf[0] = '\0';
    if (rc)
        return rc;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        ck_assert_int_eq(crm_record_type(r, "amount"), CRM_TYPE_MONEY);
        ck_assert_str_eq(text(r, "customer_no"), customer_no);
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%lld", used ? "," : "",
                 (long long)number(r, "amount"));
    }
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static void add_history(crm_db *db)
{
    ck_assert_ok(add_txn(db, "C001", "DEP1Y", "deposit", 1, "2026-01-05T09:00:00Z"));
    ck_assert_ok(add_txn(db, "C001", "WM001", "purchase", 2, "2026-09-01T10:00:00Z"));
    ck_assert_ok(add_txn(db, "C001", NULL, "card_spend", 3, "2026-10-20T12:30:00Z"));
    ck_assert_ok(add_txn(db, "C001", "WM001", "redemption", 4, "2026-11-01"));
    ck_assert_ok(add_txn(db, "C001", NULL, "transfer_out", 5, "2026-11-01T00:00:00Z"));
    ck_assert_ok(add_txn(db, "C002", NULL, "deposit", 99, "2026-11-02T00:00:00Z"));
}

START_TEST(txn_list_newest_first_with_filters)
{
    crm_db *db = stocked(":memory:");
    add_history(db);
    ck_assert_ok(add_txn(db, "C001", NULL, "withdrawal", 6, NULL)); /* now */
    char got[256];
    ck_assert_ok(list_txns(db, "C001", NULL, got, sizeof got));
    ck_assert_str_eq(got, "6,5,4,3,2,1"); /* same second: later insert first */

    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_date(f, "since", "2026-09-01"));
    ck_assert_ok(crm_record_set_text(f, "until", "2026-11-01T00:00:00Z"));
    ck_assert_ok(list_txns(db, "C001", f, got, sizeof got));
    ck_assert_str_eq(got, "3,2"); /* since inclusive, until exclusive */
    ck_assert_ok(crm_record_unset(f, "until"));
    ck_assert_ok(crm_record_set_int(f, "limit", 2));
    ck_assert_ok(list_txns(db, "C001", f, got, sizeof got));
    ck_assert_str_eq(got, "6,5");
    ck_assert_ok(crm_record_set_text(f, "type", "purchase"));
    ck_assert_ok(list_txns(db, "C001", f, got, sizeof got));
    ck_assert_str_eq(got, "2");
    ck_assert_ok(crm_record_set_text(f, "type", "refund"));
    expect_message(db, list_txns(db, "C001", f, got, sizeof got), CRM_E_INVALID_ARG, "type");
    ck_assert_ok(crm_record_set_text(f, "type", "purchase"));
    ck_assert_ok(crm_record_set_int(f, "limit", -1));
    expect_message(db, list_txns(db, "C001", f, got, sizeof got), CRM_E_INVALID_ARG, "limit");
    crm_record_free(f);

    /* one record in full */
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "type", "redemption"));
    ck_assert_ok(crm_txn_list(&it, db, "C001", f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_str_eq(text(r, "time"), "2026-11-01T00:00:00Z");
    ck_assert_str_eq(text(r, "product_code"), "WM001");
    ck_assert_str_eq(text(r, "product_name"), "稳健理财一号");
    ck_assert_str_eq(text(r, "channel"), "mobile");
    ck_assert_int_gt(number(r, "id"), 0);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    ck_assert_ok(crm_record_set_text(f, "type", "card_spend"));
    ck_assert_ok(crm_txn_list(&it, db, "C001", f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_int_eq(crm_record_type(r, "product_code"), CRM_TYPE_NULL);
    crm_iter_free(it);
    crm_record_free(f);
    ck_assert_int_eq(crm_txn_list(&it, db, "C999", NULL), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

static int64_t count_txns(crm_db *db, const char *customer_no)
{
    char got[4096];
    ck_assert_ok(list_txns(db, customer_no, NULL, got, sizeof got));
    int64_t n = got[0] ? 1 : 0;
    for (const char *p = got; *p; p++)
        n += *p == ',';
    return n;
}

START_TEST(refused_txn_in_host_transaction_keeps_earlier_rows)
{
    char *path = test_temp_path("txn");
    crm_db *db = stocked(path);
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(add_txn(db, "C001", NULL, "deposit", 10, "2026-11-01"));
    ck_assert_ok(add_txn(db, "C001", NULL, "deposit", 20, "2026-11-02"));
    ck_assert_int_eq(add_txn(db, "C999", NULL, "deposit", 30, "2026-11-03"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(add_txn(db, "C001", "NOPE", "purchase", 30, "2026-11-03"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_db_txn_depth(db), 1);
    ck_assert_ok(add_txn(db, "C001", NULL, "deposit", 40, "2026-11-04"));
    ck_assert_ok(crm_db_commit(db));
    crm_db_close(db);

    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    char got[64];
    ck_assert_ok(list_txns(db, "C001", NULL, got, sizeof got));
    ck_assert_str_eq(got, "40,20,10");
    /* the host may roll the whole batch back instead */
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(add_txn(db, "C001", NULL, "deposit", 50, "2026-11-05"));
    ck_assert_ok(crm_holding_set(db, "C001", "DEP1Y", 50));
    ck_assert_ok(crm_db_rollback(db));
    ck_assert_int_eq(count_txns(db, "C001"), 3);
    ck_assert_ok(list_holdings(db, "C001", got, sizeof got));
    ck_assert_str_eq(got, "");
    ck_assert_int_eq(count_audit(db, "holding.set"), 0);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(bulk_txns_in_one_commit)
{
    char *path = test_temp_path("bulk");
    crm_db *db = stocked(path);
    enum { N = 20000 };
    crm_record *t = txn("C001", "card_spend", 1, "2026-11-01T08:00:00Z");
    ck_assert_ok(crm_record_set_text(t, "product_code", "DEP1Y"));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_ok(crm_db_begin(db));
    for (int i = 0; i < N; i++) {
        ck_assert_ok(crm_record_set_money(t, "amount", i + 1));
        ck_assert_ok(crm_record_set_text(t, "customer_no", i % 2 ? "C001" : "C002"));
        ck_assert_ok(crm_txn_add(db, t));
    }
    ck_assert_ok(crm_db_commit(db));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bulk_txns_in_one_commit: %d transactions in %.3f s (%.0f rows/s)\n", N, s, N / s);
    crm_record_free(t);
    ck_assert_int_eq(count_audit(db, "holding.set"), 0);
    crm_iter *it;
    const crm_record *r;
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_int(f, "limit", 1));
    ck_assert_ok(crm_txn_list(&it, db, "C001", f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_int_eq(number(r, "amount"), N); /* same time: the last inserted first */
    crm_iter_free(it);
    crm_record_free(f);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

/* The core-banking reference is unique: a row replayed is refused, and the
 * refusal inside a host transaction leaves the rows before it. */
START_TEST(txn_ref_is_unique)
{
    crm_db *db = stocked(":memory:");
    crm_record *t = txn("C001", "deposit", 100, "2026-11-01T08:00:00Z");
    ck_assert_ok(crm_record_set_text(t, "ref", "CB-20261101-000001"));
    ck_assert_ok(crm_txn_add(db, t));
    ck_assert_ok(crm_db_begin(db));
    crm_record *other = txn("C002", "deposit", 5, NULL);
    ck_assert_ok(crm_txn_add(db, other));
    ck_assert_int_eq(crm_txn_add(db, t), CRM_E_CONFLICT);
    ck_assert_str_eq(crm_db_errmsg(db),
                     "field ref: transaction CB-20261101-000001 is already recorded");
    ck_assert_ok(crm_db_commit(db));
    ck_assert_ok(crm_record_set_text(t, "ref", "has space"));
    ck_assert_int_eq(crm_txn_add(db, t), CRM_E_INVALID_DATA);
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_txn_list(&it, db, "C001", NULL));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_str_eq(text(r, "ref"), "CB-20261101-000001");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    ck_assert_ok(crm_txn_list(&it, db, "C002", NULL));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_int_eq(crm_record_type(r, "ref"), CRM_TYPE_NULL);
    crm_iter_free(it);
    crm_record_free(other);
    crm_record_free(t);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------ access */

START_TEST(rm_cannot_reach_another_rms_customer)
{
    crm_db *db = stocked(":memory:");
    ck_assert_ok(crm_holding_set(db, "C002", "WM001", 100));
    ck_assert_ok(add_txn(db, "C002", NULL, "deposit", 100, "2026-11-01"));
    crm_iter *it;
    char *json;
    char got[64];
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_holding_list(&it, db, "C002"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_txn_list(&it, db, "C002", NULL), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_customer_view(&json, db, "C002", 5), CRM_E_NOT_FOUND);
    ck_assert_str_eq(crm_db_errmsg(db), "no customer C002"); /* as for a missing one */
    ck_assert_ok(list_holdings(db, "C001", got, sizeof got));
    ck_assert_int_eq(crm_holding_set(db, "C001", "WM001", 1), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    ck_assert_ok(list_holdings(db, "C002", got, sizeof got));
    ck_assert_str_eq(got, "WM001=100");
    ck_assert_ok(list_txns(db, "C002", NULL, got, sizeof got));
    ck_assert_str_eq(got, "100");
    ck_assert_ok(crm_db_set_actor(db, "bm.gz")); /* another branch's manager */
    ck_assert_int_eq(crm_holding_list(&it, db, "C002"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_txn_list(&it, db, "C002", NULL), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_customer_view(&json, db, "C002", 5), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_db_set_actor(db, "bm.bj")); /* the branch's own manager */
    ck_assert_ok(crm_customer_view(&json, db, "C002", 5));
    crm_free(json);
    ck_assert_ok(crm_db_set_actor(db, "aud"));
    ck_assert_ok(list_txns(db, "C002", NULL, got, sizeof got));
    ck_assert_int_eq(add_txn(db, "C002", NULL, "deposit", 1, NULL), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_holding_set(db, "C002", "WM001", 1), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------- view */

static void expect_in(const char *json, const char *part)
{
    ck_assert_msg(strstr(json, part), "view lacks %s:\n%s", part, json);
}

/* Braces and brackets outside strings balance, and no string is left open. */
static void expect_balanced_json(const char *json)
{
    int depth = 0;
    bool in_string = false;
    for (const char *p = json; *p; p++) {
        if (in_string) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_string = false;
            continue;
        }
        if (*p == '"')
            in_string = true;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            ck_assert_int_ge(--depth, 0);
    }
    ck_assert_msg(depth == 0 && !in_string, "unbalanced JSON: %s", json);
}

START_TEST(view_has_every_section)
{
    crm_db *db = stocked(":memory:");
    add_history(db);
    ck_assert_ok(crm_holding_set(db, "C001", "WM001", 5000000));
    ck_assert_ok(crm_holding_set(db, "C001", "DEP1Y", 12345));
    ck_assert_ok(crm_holding_set(db, "C001", "FND88", 700));
    char *json;
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_customer_view(&json, db, "C001", 3));
    expect_balanced_json(json);
    ck_assert_msg(strncmp(json, "{\"profile\":{", 12) == 0, "%s", json);
    expect_in(json, "\"customer_no\":\"C001\"");
    expect_in(json, "\"name\":\"张三\"");
    expect_in(json, "\"phone\":\"139****5678\"");
    ck_assert_ptr_null(strstr(json, "13912345678"));
    expect_in(json, "\"holdings\":{\"products\":[{\"code\":\"DEP1Y\",\"name\":\"稳健理财一号\","
                    "\"type\":\"deposit\",\"risk_rating\":\"R1\",\"balance\":12345,");
    expect_in(json, "\"by_type\":{\"deposit\":12345,\"wealth\":5000000,\"fund\":700},"
                    "\"total\":5013045}");
    /* three newest, newest first; the third has no product */
    expect_in(json, "\"recent_transactions\":[{\"id\":");
    const char *recent = strstr(json, "\"recent_transactions\"");
    const char *five = strstr(recent, "\"amount\":5,"), *four = strstr(recent, "\"amount\":4,");
    const char *three = strstr(recent, "\"amount\":3,");
    ck_assert_ptr_nonnull(five);
    ck_assert_ptr_nonnull(four);
    ck_assert_ptr_nonnull(three);
    ck_assert_msg(five < four, "newest first");
    ck_assert_msg(four < three, "newest first");
    ck_assert_ptr_null(strstr(recent, "\"amount\":2,"));
    expect_in(json, "\"time\":\"2026-11-01T00:00:00Z\",\"type\":\"transfer_out\",\"amount\":5,"
                    "\"channel\":\"mobile\"}");
    /* 90 days back from 2026-11-18T11:06:40Z is 2026-08-20: January falls outside */
    expect_in(json, "\"activity\":{\"txn_count_90d\":4,\"txn_amount_90d\":14,"
                    "\"last_txn_at\":\"2026-11-01T00:00:00Z\",\"days_since_last_txn\":17}}");
    crm_free(json);

    ck_assert_ok(crm_customer_view(&json, db, "C001", 0));
    expect_in(json, "\"recent_transactions\":[]");
    crm_free(json);
    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    ck_assert_ok(crm_customer_view(&json, db, "C002", 10));
    expect_balanced_json(json);
    expect_in(json, "\"holdings\":{\"products\":[],\"by_type\":{},\"total\":0}");
    expect_in(json, "\"activity\":{\"txn_count_90d\":1,\"txn_amount_90d\":99,");
    crm_free(json);
    ck_assert_int_eq(crm_customer_view(&json, db, "C002", -1), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_customer_view(&json, db, "C002", 1001), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_customer_view(NULL, db, "C002", 1), CRM_E_INVALID_ARG);
    crm_db_close(db);
}
END_TEST

START_TEST(view_of_a_customer_without_activity)
{
    crm_db *db = stocked(":memory:");
    char *json;
    ck_assert_ok(crm_customer_view(&json, db, "C002", 10));
    expect_in(json, "\"recent_transactions\":[]");
    expect_in(json, "\"activity\":{\"txn_count_90d\":0,\"txn_amount_90d\":0,"
                    "\"last_txn_at\":null,\"days_since_last_txn\":null}");
    crm_free(json);
    /* inside a host transaction the view sees its uncommitted rows */
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(add_txn(db, "C002", NULL, "deposit", 7, NULL));
    ck_assert_ok(crm_customer_view(&json, db, "C002", 10));
    expect_in(json, "\"days_since_last_txn\":0}");
    crm_free(json);
    ck_assert_ok(crm_db_rollback(db));
    ck_assert_int_eq(crm_db_txn_depth(db), 0);
    crm_db_close(db);
}
END_TEST

static Suite *product_suite(void)
{
    Suite *s = suite_create("product");
    TCase *tc = tcase_create("product");
    tcase_add_test(tc, product_validation_names_the_field);
    tcase_add_test(tc, product_add_is_audited);
    tcase_add_test(tc, product_list_filters_and_order);
    tcase_add_test(tc, holdings_set_list_remove_audited);
    tcase_add_test(tc, txn_validation_names_the_field);
    tcase_add_test(tc, txn_list_newest_first_with_filters);
    tcase_add_test(tc, refused_txn_in_host_transaction_keeps_earlier_rows);
    tcase_add_test(tc, bulk_txns_in_one_commit);
    tcase_add_test(tc, txn_ref_is_unique);
    tcase_add_test(tc, rm_cannot_reach_another_rms_customer);
    tcase_add_test(tc, view_has_every_section);
    tcase_add_test(tc, view_of_a_customer_without_activity);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(product_suite());
}
