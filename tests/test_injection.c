/* SQL injection and hostile text through every text input of the public
 * API: customer fields, search filters and rules, exact look-ups, segment
 * names and rules, tag names, complaint text, knowledge-base articles and
 * search, report parameters, user, branch and product names, and CSV cells.
 * Each value must have no effect beyond itself: stored, it reads back
 * byte for byte; otherwise it is refused with CRM_E_INVALID_DATA (or, for a
 * look-up, finds nothing). A second connection then checks that no table
 * appeared or vanished, the row counts are the sum of what was accepted,
 * the sentinel customer is untouched and PRAGMA integrity_check is ok. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LONG_LEN 5000
#define HUGE_LEN 200000

static char long_payload[LONG_LEN + 1], huge_payload[HUGE_LEN + 1];

static const char *payloads[] = {
    "'; DROP TABLE crm_customer;--",
    "\" OR 1=1 --",
    "%' OR '1'='1",
    "') OR ('a'='a'); DELETE FROM crm_audit; --",
    "_%\\%_ ESCAPE '\\' -- LIKE wildcards",
    "1; ATTACH DATABASE '/tmp/x.db' AS x; --",
    "{\"var\": \"city\"}",
    /* full-width quote and equals, right-to-left override, an astral
     * character, a line separator, a BOM and a combining accent */
    "\xef\xbc\x87 \xef\xbc\xaf\xef\xbc\xb2 1\xef\xbc\x9d"
    "1 \xe2\x80\xae\xf0\xa0\x80\x80\xe2\x80\xa8"
    "\xef\xbb\xbf"
    "e\xcc\x81 \xe5\xbc\xa0'--",
    long_payload,
};
#define N_PAYLOADS (sizeof payloads / sizeof payloads[0])

static char *path;
static int accepted_customers;  /* customers the tests stored, besides the sentinel */
static int n_stored, n_refused; /* values stored (then read back) or refused as data */

static void build_payloads(void)
{
    static const char unit[] = "' OR ''='\";--%_";
    for (size_t i = 0; i < LONG_LEN; i++)
        long_payload[i] = unit[i % (sizeof unit - 1)];
    long_payload[LONG_LEN] = '\0';
    memset(huge_payload, '\'', HUGE_LEN);
    huge_payload[HUGE_LEN] = '\0';
}

static crm_record *rec_text(const char *field, const char *value)
{
    crm_record *r;
    ck_assert_ok(crm_record_new(&r));
    if (field)
        ck_assert_ok(crm_record_set_text(r, field, value));
    return r;
}

/* A stored value must be refused as data, or come back exactly. */
static bool accepted(int rc, crm_db *db, const char *what)
{
    ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA, "%s: got %d (%s)", what, rc,
                  crm_db_errmsg(db));
    rc == CRM_OK ? n_stored++ : n_refused++;
    if (rc != CRM_OK && getenv("INJECTION_VERBOSE")) /* why each refusal */
        printf("  refused %s: %.120s\n", what, crm_db_errmsg(db));
    return rc == CRM_OK;
}

static void assert_same(const char *got, const char *want, const char *what)
{
    ck_assert_msg(got && strcmp(got, want) == 0, "%s: stored '%.60s' read back as '%.60s'", what,
                  want, got ? got : "(none)");
}

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    return crm_record_get_text(&v, r, field) == CRM_OK ? v : NULL;
}

/* ------------------------------------------------------------ the store */

struct census {
    char tables[4096]; /* names, in order */
    int64_t customers, audit;
};

static void take_census(struct census *c)
{
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    c->tables[0] = '\0';
    ck_assert_int_eq(sqlite3_prepare_v2(raw,
                                        "SELECT name FROM sqlite_schema WHERE type IN "
                                        "('table','view','trigger') ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        ck_assert_uint_lt(strlen(c->tables) + strlen(name) + 2, sizeof c->tables);
        strcat(c->tables, name);
        strcat(c->tables, ",");
    }
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(raw,
                                        "SELECT (SELECT count(*) FROM crm_customer), "
                                        "(SELECT count(*) FROM crm_audit)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    c->customers = sqlite3_column_int64(st, 0);
    c->audit = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(raw);
}

/* The sentinel: a customer no input may reach. */
static void assert_sentinel(crm_db *db)
{
    crm_record *r = NULL;
    ck_assert_ok(crm_customer_get(&r, db, "S0"));
    assert_same(text_of(r, "city"), "北京", "sentinel city");
    assert_same(text_of(r, "occupation"), "工程师", "sentinel occupation");
    crm_record_free(r);
}

static crm_db *bank(void)
{
    path = test_temp_path("injection");
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    test_add_user(db, "rm1", "relationship_manager", "BJ");
    crm_record *c = rec_text("customer_no", "S0");
    ck_assert_ok(crm_record_set_text(c, "name", "哨兵"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ"));
    ck_assert_ok(crm_record_set_text(c, "city", "北京"));
    ck_assert_ok(crm_record_set_text(c, "occupation", "工程师"));
    ck_assert_ok(crm_customer_create(db, c));
    crm_record_free(c);
    accepted_customers = 0;
    return db;
}

static void finish(crm_db *db, const struct census *before, const char *name)
{
    printf("%s: %d values stored and read back exactly, %d refused as invalid data\n", name,
           n_stored, n_refused);
    n_stored = n_refused = 0;
    assert_sentinel(db);
    struct census after;
    take_census(&after);
    ck_assert_str_eq(after.tables, before->tables); /* nothing dropped, attached or created */
    ck_assert_int_eq(after.customers, before->customers + accepted_customers);
    ck_assert_int_ge(after.audit, before->audit); /* the audit log only grows */
    int64_t entries = 0, bad = 0;
    ck_assert_ok(crm_audit_verify(&entries, &bad, db, NULL));
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}

/* Counts the results of an iterator and fails if the sentinel is among them. */
static int count_without_sentinel(crm_iter *it)
{
    int n = 0;
    const crm_record *row;
    while (crm_iter_next(&row, it) == CRM_OK) {
        const char *no = text_of(row, "customer_no");
        ck_assert_msg(!no || strcmp(no, "S0") != 0, "an injected filter matched the sentinel");
        n++;
    }
    crm_iter_free(it);
    return n;
}

/* ------------------------------------------------------------ customers */

static const char *const customer_text_fields[] = {"name", "city", "occupation", "address",
                                                   "ext.note"};

START_TEST(customer_fields_round_trip)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    int n = 0;
    for (size_t f = 0; f < sizeof customer_text_fields / sizeof *customer_text_fields; f++)
        for (size_t p = 0; p < N_PAYLOADS; p++) {
            const char *field = customer_text_fields[f];
            char no[32];
            snprintf(no, sizeof no, "X%d", n++);
            crm_record *c = rec_text("customer_no", no);
            ck_assert_ok(crm_record_set_text(c, "name", "注入测试"));
            ck_assert_ok(crm_record_set_text(c, "branch", "BJ"));
            ck_assert_ok(crm_record_set_text(c, field, payloads[p]));
            bool ok = accepted(crm_customer_create(db, c), db, field);
            crm_record_free(c);
            if (!ok)
                continue;
            accepted_customers++;
            char *clear = NULL;
            crm_record *r = NULL;
            if (strcmp(field, "address") == 0) { /* personal: masked unless revealed */
                ck_assert_ok(crm_customer_reveal(&clear, db, no, field, "注入测试核对"));
                assert_same(clear, payloads[p], field);
                crm_free(clear);
            } else {
                ck_assert_ok(crm_customer_get(&r, db, no));
                assert_same(text_of(r, field), payloads[p], field);
                crm_record_free(r);
            }
        }
    /* the customer number itself: a key of [A-Za-z0-9_-], so every payload is refused */
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        crm_record *c = rec_text("customer_no", payloads[p]);
        ck_assert_ok(crm_record_set_text(c, "name", "注入"));
        ck_assert_ok(crm_record_set_text(c, "branch", "BJ"));
        ck_assert_int_eq(crm_customer_create(db, c), CRM_E_INVALID_DATA);
        crm_record_free(c);
        crm_record *r = NULL;
        ck_assert_int_ne(crm_customer_get(&r, db, payloads[p]), CRM_OK);
    }
    /* updates: the sentinel's neighbour takes each value and gives it back */
    crm_record *c = rec_text("customer_no", "U1");
    ck_assert_ok(crm_record_set_text(c, "name", "更新"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ"));
    ck_assert_ok(crm_customer_create(db, c));
    crm_record_free(c);
    accepted_customers++;
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        crm_record *r = NULL;
        int64_t version = 0;
        ck_assert_ok(crm_customer_get(&r, db, "U1"));
        ck_assert_ok(crm_record_get_int(&version, r, "version"));
        crm_record_free(r);
        crm_record *changes = rec_text("occupation", payloads[p]);
        bool ok = accepted(crm_customer_update(db, "U1", changes, version), db, "update");
        crm_record_free(changes);
        if (ok) {
            ck_assert_ok(crm_customer_get(&r, db, "U1"));
            assert_same(text_of(r, "occupation"), payloads[p], "updated occupation");
            crm_record_free(r);
        }
    }
    finish(db, &before, "customer_fields_round_trip");
}
END_TEST

/* -------------------------------------------------------------- search */

/* A JsonLogic rule comparing `var` to `value`, the value JSON-escaped. */
static char *rule_equals(const char *var, const char *value)
{
    size_t len = strlen(value);
    char *rule = malloc(len * 6 + 64);
    ck_assert_ptr_nonnull(rule);
    char *o = rule + sprintf(rule, "{\"==\": [{\"var\": \"%s\"}, \"", var);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p == '"' || *p == '\\')
            o += sprintf(o, "\\%c", *p);
        else if (*p < 0x20)
            o += sprintf(o, "\\u%04x", *p);
        else
            *o++ = (char)*p;
    }
    strcpy(o, "\"]}");
    return rule;
}

START_TEST(search_filters_and_lookups)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    /* one customer per payload city, to find by that city only */
    int stored_city[N_PAYLOADS] = {0};
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        char no[32];
        snprintf(no, sizeof no, "Q%zu", p);
        crm_record *c = rec_text("customer_no", no);
        ck_assert_ok(crm_record_set_text(c, "name", "查询"));
        ck_assert_ok(crm_record_set_text(c, "branch", "BJ"));
        ck_assert_ok(crm_record_set_text(c, "city", payloads[p]));
        if (accepted(crm_customer_create(db, c), db, "city")) {
            stored_city[p] = 1;
            accepted_customers++;
        }
        crm_record_free(c);
    }
    static const char *const text_filters[] = {"name",   "city",    "province",
                                               "branch", "manager", "customer_no"};
    for (size_t p = 0; p < N_PAYLOADS + 1; p++) {
        const char *value = p < N_PAYLOADS ? payloads[p] : huge_payload;
        for (size_t f = 0; f < sizeof text_filters / sizeof *text_filters; f++) {
            crm_record *filter = rec_text(text_filters[f], value);
            crm_iter *it = NULL;
            int rc = crm_customer_search(&it, db, filter);
            crm_record_free(filter);
            ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA || rc == CRM_E_INVALID_ARG ||
                              rc == CRM_E_NOT_FOUND,
                          "search %s: %d (%s)", text_filters[f], rc, crm_db_errmsg(db));
            if (rc != CRM_OK)
                continue;
            int n = count_without_sentinel(it);
            if (strcmp(text_filters[f], "city") == 0)
                ck_assert_int_eq(n, p < N_PAYLOADS ? stored_city[p] : 0);
            else
                ck_assert_int_eq(n, 0);
        }
        /* a rule: the value is a string literal, bound, never SQL */
        char *rule = rule_equals("city", value);
        crm_record *filter = rec_text("where", rule);
        crm_iter *it = NULL;
        int rc = crm_customer_search(&it, db, filter);
        ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA, "where: %d (%s)", rc,
                      crm_db_errmsg(db));
        if (rc == CRM_OK)
            ck_assert_int_eq(count_without_sentinel(it), p < N_PAYLOADS ? stored_city[p] : 0);
        crm_record_free(filter);
        /* a segment preview of the same rule counts the same customers */
        int64_t count = -1;
        rc = crm_segment_preview(&count, db, rule, NULL);
        ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA, "preview: %d", rc);
        if (rc == CRM_OK)
            ck_assert_int_eq(count, p < N_PAYLOADS ? stored_city[p] : 0);
        free(rule);
        /* exact look-ups: malformed values are refused, never matched */
        static const char *const keys[] = {"customer_no", "id_number", "phone", "card_number",
                                           "email"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            rc = crm_customer_find_by(&it, db, keys[k], value);
            ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA, "find_by %s: %d", keys[k], rc);
            if (rc == CRM_OK)
                ck_assert_int_eq(count_without_sentinel(it), 0);
        }
    }
    finish(db, &before, "search_filters_and_lookups");
}
END_TEST

/* ------------------------------------------------------ segments, tags */

START_TEST(segment_and_tag_names)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    ck_assert_ok(crm_tag_category_add(db, "注入", NULL, NULL));
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        char *rule = rule_equals("city", payloads[p]);
        if (accepted(crm_segment_create(db, payloads[p], rule, NULL), db, "segment name")) {
            crm_record *r = NULL;
            ck_assert_ok(crm_segment_get(&r, db, payloads[p]));
            assert_same(text_of(r, "name"), payloads[p], "segment name");
            crm_record_free(r);
            crm_iter *it = NULL;
            ck_assert_ok(crm_segment_members(&it, db, payloads[p]));
            ck_assert_int_eq(count_without_sentinel(it), 0);
            ck_assert_ok(crm_segment_delete(db, payloads[p]));
        }
        /* a rule-less name refers to nothing */
        crm_record *r = NULL;
        ck_assert_int_eq(crm_segment_get(&r, db, payloads[p]), CRM_E_NOT_FOUND);
        ck_assert_int_ne(crm_segment_delete(db, payloads[p]), CRM_OK);
        /* a segment whose rule holds the value, under a plain name */
        char name[32];
        snprintf(name, sizeof name, "seg%zu", p);
        if (accepted(crm_segment_create(db, name, rule, NULL), db, "segment rule")) {
            crm_iter *it = NULL;
            ck_assert_ok(crm_segment_members(&it, db, name));
            ck_assert_int_eq(count_without_sentinel(it), 0);
        }
        free(rule);

        bool tag_ok = accepted(crm_tag_add(db, payloads[p], "注入", payloads[p]), db, "tag name");
        if (tag_ok) {
            crm_iter *it = NULL;
            const crm_record *row;
            bool found = false;
            ck_assert_ok(crm_tag_list(&it, db));
            while (crm_iter_next(&row, it) == CRM_OK)
                found |= text_of(row, "name") && strcmp(text_of(row, "name"), payloads[p]) == 0;
            crm_iter_free(it);
            ck_assert_msg(found, "tag '%.40s' not listed under its own name", payloads[p]);
            ck_assert_ok(crm_tag_apply(db, "S0", payloads[p], CRM_TAG_MANUAL, NULL, NULL));
            ck_assert_ok(crm_tag_remove(db, "S0", payloads[p], CRM_TAG_MANUAL));
        } else {
            ck_assert_int_ne(crm_tag_apply(db, "S0", payloads[p], CRM_TAG_MANUAL, NULL, NULL),
                             CRM_OK);
        }
        ck_assert_int_ne(crm_tag_category_add(db, payloads[p], payloads[p], NULL), CRM_OK);
    }
    finish(db, &before, "segment_and_tag_names");
}
END_TEST

/* ---------------------------------------------- complaints, kb, reports */

START_TEST(complaint_and_kb_text)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        crm_record *c = rec_text("channel", "phone");
        ck_assert_ok(crm_record_set_text(c, "category", "card"));
        ck_assert_ok(crm_record_set_text(c, "subject", payloads[p]));
        ck_assert_ok(crm_record_set_text(c, "body", payloads[p]));
        ck_assert_ok(crm_record_set_text(c, "customer_no", "S0"));
        char *ticket = NULL;
        if (accepted(crm_complaint_open(&ticket, db, c), db, "complaint text")) {
            crm_record *r = NULL;
            ck_assert_ok(crm_complaint_get(&r, db, ticket));
            assert_same(text_of(r, "subject"), payloads[p], "complaint subject");
            assert_same(text_of(r, "body"), payloads[p], "complaint body");
            crm_record_free(r);
            int rc = crm_complaint_note(db, ticket, payloads[p]);
            ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_DATA, "note: %d", rc);
            crm_free(ticket);
        }
        crm_record_free(c);
        crm_record *r = NULL;
        ck_assert_int_ne(crm_complaint_get(&r, db, payloads[p]), CRM_OK);

        char code[32];
        snprintf(code, sizeof code, "INJ-%zu", p);
        crm_record *a = rec_text("code", code);
        ck_assert_ok(crm_record_set_text(a, "title", payloads[p]));
        ck_assert_ok(crm_record_set_text(a, "body", payloads[p]));
        ck_assert_ok(crm_record_set_text(a, "tags", payloads[p]));
        if (accepted(crm_kb_add(db, a), db, "kb article")) {
            ck_assert_ok(crm_kb_get(&r, db, code));
            assert_same(text_of(r, "title"), payloads[p], "kb title");
            assert_same(text_of(r, "body"), payloads[p], "kb body");
            crm_record_free(r);
        }
        crm_record_free(a);
    }
    for (size_t p = 0; p < N_PAYLOADS + 1; p++) {
        const char *value = p < N_PAYLOADS ? payloads[p] : huge_payload;
        crm_iter *it = NULL;
        int rc = crm_kb_search(&it, db, value, 10);
        ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_ARG || rc == CRM_E_INVALID_DATA,
                      "kb search: %d (%s)", rc, crm_db_errmsg(db));
        if (rc == CRM_OK)
            crm_iter_free(it);
        crm_record *answer = NULL;
        rc = crm_kb_answer(&answer, NULL, db, value, 0.5, NULL);
        ck_assert_msg(rc == CRM_OK || rc == CRM_E_INVALID_ARG || rc == CRM_E_INVALID_DATA,
                      "kb answer: %d (%s)", rc, crm_db_errmsg(db));
        crm_record_free(answer);
        ck_assert_int_ne(crm_kb_publish(db, value), CRM_OK);
    }
    finish(db, &before, "complaint_and_kb_text");
}
END_TEST

START_TEST(report_parameters)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    static const char *const params[] = {"period", "branch", "dimension"};
    for (size_t p = 0; p < N_PAYLOADS; p++)
        for (size_t k = 0; k < sizeof params / sizeof *params; k++) {
            crm_record *r = rec_text("period", "2026-11");
            ck_assert_ok(crm_record_set_text(r, params[k], payloads[p]));
            crm_iter *it = NULL;
            int rc = crm_report_run(&it, db, NULL, "customer-analysis", r);
            crm_record_free(r);
            if (strcmp(params[k], "dimension") == 0) { /* a filter: equal, or no row */
                ck_assert_ok(rc);
                ck_assert_int_eq(count_without_sentinel(it), 0);
            } else {
                ck_assert_msg(rc == CRM_E_INVALID_DATA || rc == CRM_E_NOT_FOUND,
                              "report %s: %d (%s)", params[k], rc, crm_db_errmsg(db));
            }
            crm_record *period = NULL;
            ck_assert_int_eq(crm_report_period(&period, payloads[p]), CRM_E_INVALID_DATA);
            ck_assert_int_eq(crm_report_run(&it, db, NULL, payloads[p], NULL), CRM_E_NOT_FOUND);
        }
    finish(db, &before, "report_parameters");
}
END_TEST

/* ------------------------------------------- users, branches, products */

START_TEST(names_of_users_branches_products)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        char code[32];
        snprintf(code, sizeof code, "B%zu", p);
        if (accepted(crm_branch_add(db, code, payloads[p], "HO"), db, "branch name")) {
            crm_record *r = NULL;
            ck_assert_ok(crm_branch_get(&r, db, code));
            assert_same(text_of(r, "name"), payloads[p], "branch name");
            crm_record_free(r);
        }
        ck_assert_int_eq(crm_branch_add(db, payloads[p], "分行", "HO"), CRM_E_INVALID_DATA);

        char user[32];
        snprintf(user, sizeof user, "u%zu", p);
        crm_record *u = rec_text("name", user);
        ck_assert_ok(crm_record_set_text(u, "display_name", payloads[p]));
        ck_assert_ok(crm_record_set_text(u, "roles", "marketer"));
        ck_assert_ok(crm_record_set_text(u, "branch", "BJ"));
        if (accepted(crm_user_add(db, u), db, "display name")) {
            crm_record *r = NULL;
            ck_assert_ok(crm_user_get(&r, db, user));
            assert_same(text_of(r, "display_name"), payloads[p], "display name");
            crm_record_free(r);
        }
        crm_record_free(u);
        ck_assert_int_ne(crm_db_set_actor(db, payloads[p]), CRM_OK);
        ck_assert_ok(crm_db_set_actor(db, "admin"));
        ck_assert_int_ne(crm_user_authenticate(db, payloads[p], payloads[p]), CRM_OK);
        ck_assert_ok(crm_db_set_actor(db, "admin"));

        snprintf(code, sizeof code, "P%zu", p);
        crm_record *prod = rec_text("code", code);
        ck_assert_ok(crm_record_set_text(prod, "name", payloads[p]));
        ck_assert_ok(crm_record_set_text(prod, "type", "deposit"));
        ck_assert_ok(crm_record_set_text(prod, "risk_rating", "R1"));
        if (accepted(crm_product_add(db, prod), db, "product name")) {
            crm_record *r = NULL;
            ck_assert_ok(crm_product_get(&r, db, code));
            assert_same(text_of(r, "name"), payloads[p], "product name");
            crm_record_free(r);
        }
        crm_record_free(prod);
    }
    finish(db, &before, "names_of_users_branches_products");
}
END_TEST

/* ------------------------------------------------------------- import */

static void csv_cell(FILE *f, const char *value)
{
    fputc('"', f);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

START_TEST(import_csv_cells)
{
    crm_db *db = bank();
    struct census before;
    take_census(&before);
    char *file = test_temp_path("injection-csv");
    FILE *f = fopen(file, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("customer_no,name,city,occupation,branch\n", f);
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        fprintf(f, "I%zu,", p);
        csv_cell(f, p % 2 ? payloads[p] : "导入");
        fputc(',', f);
        csv_cell(f, payloads[p]);
        fputc(',', f);
        csv_cell(f, payloads[p]);
        fputs(",BJ\n", f);
    }
    fclose(f);
    crm_import_options opts = CRM_IMPORT_OPTIONS_INIT;
    opts.mode = CRM_IMPORT_SKIP;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    ck_assert_ok(crm_customer_import(&stats, db, file, &opts));
    ck_assert_int_eq(stats.read, (int64_t)N_PAYLOADS);
    ck_assert_int_eq(stats.inserted + stats.refused, (int64_t)N_PAYLOADS);
    accepted_customers += (int)stats.inserted;
    n_stored += (int)stats.inserted;
    n_refused += (int)stats.refused;
    for (size_t p = 0; p < N_PAYLOADS; p++) {
        char no[32];
        snprintf(no, sizeof no, "I%zu", p);
        crm_record *r = NULL;
        if (crm_customer_get(&r, db, no) != CRM_OK)
            continue; /* refused row */
        assert_same(text_of(r, "city"), payloads[p], "imported city");
        assert_same(text_of(r, "occupation"), payloads[p], "imported occupation");
        crm_record_free(r);
    }
    unlink(file);
    free(file);
    finish(db, &before, "import_csv_cells");
}
END_TEST

static Suite *injection_suite(void)
{
    build_payloads();
    Suite *s = suite_create("injection");
    TCase *tc = tcase_create("injection");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, customer_fields_round_trip);
    tcase_add_test(tc, search_filters_and_lookups);
    tcase_add_test(tc, segment_and_tag_names);
    tcase_add_test(tc, complaint_and_kb_text);
    tcase_add_test(tc, report_parameters);
    tcase_add_test(tc, names_of_users_branches_products);
    tcase_add_test(tc, import_csv_cells);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(injection_suite());
}
