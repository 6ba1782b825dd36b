/* Customer search: exact lookups through blind indexes (15-digit IDs, shared
 * phones), every combined filter, sorting, keyset pagination without gaps or
 * repeats, fuzzy Chinese names and their ranking, and access: no search path
 * reaches a customer the actor may not see. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- data */

/* An 18-character resident ID: region, birth date YYYYMMDD, sequence (odd
 * for men) and the ISO 7064 MOD 11-2 check character. */
static void make_id(char out[19], const char *region, const char *birth, int seq)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    snprintf(out, 19, "%.6s%.8s%03d", region, birth, seq);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (out[i] - '0') * weights[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

/* A 16-digit card number with a valid Luhn digit. */
static void make_card(char out[17], int n)
{
    snprintf(out, 17, "622202%09d", n);
    int sum = 0;
    for (int i = 14; i >= 0; i--) {
        int d = out[i] - '0';
        if ((14 - i) % 2 == 0 && (d *= 2) > 9)
            d -= 9;
        sum += d;
    }
    out[15] = (char)('0' + (10 - sum % 10) % 10);
    out[16] = '\0';
}

/* Adds a customer from name, value pairs (NULL-terminated); `assets` and
 * `income` in fen, negative for none. */
static void add(crm_db *db, const char *const *texts, int64_t assets, int64_t income)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    for (; texts[0]; texts += 2)
        ck_assert_ok(crm_record_set_text(c, texts[0], texts[1]));
    if (assets >= 0)
        ck_assert_ok(crm_record_set_money(c, "total_assets", assets));
    if (income >= 0)
        ck_assert_ok(crm_record_set_money(c, "annual_income", income));
    int rc = crm_customer_create(db, c);
    ck_assert_msg(rc == CRM_OK, "create: %s", crm_db_errmsg(db));
    crm_record_free(c);
}

static void add_person(crm_db *db, const char *no, const char *name, const char *branch,
                       const char *manager, const char *region, const char *birth, int seq,
                       const char *phone, int64_t assets)
{
    char id[19];
    make_id(id, region, birth, seq);
    add(db,
        (const char *[]){"customer_no", no, "name", name, "branch", branch, "manager", manager,
                         "id_number", id, "phone", phone, NULL},
        assets, -1);
}

/* HO > BJ > BJ01, HO > SH; two RMs in BJ01, a branch manager of BJ, an RM in
 * SH, an auditor and a marketer. Clock: 2026-11-18. */
static crm_db *bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    test_add_user(db, "rm1", "relationship_manager", "BJ01");
    test_add_user(db, "rm2", "relationship_manager", "BJ01");
    test_add_user(db, "bm", "branch_manager", "BJ");
    test_add_user(db, "shrm", "relationship_manager", "SH");
    test_add_user(db, "aud", "auditor", "HO");
    test_add_user(db, "mkt", "marketer", "HO");
    char card[17];
    make_card(card, 1);
    char id[19];
    make_id(id, "110105", "19900307", 1);
    add(db, (const char *[]){"customer_no", "C001", "name",       "张三",
                             "branch",      "BJ01", "manager",    "rm1",
                             "id_number",   id,     "phone",      "13900000001",
                             "card_number", card,   "risk_level", "C3",
                             "city",        "北京", "email",      "Zhang.San@Example.COM",
                             NULL},
        500000, 10000000);
    make_id(id, "110105", "19800512", 3);
    add(db,
        (const char *[]){"customer_no", "C002", "name", "张三丰", "branch", "BJ01", "manager",
                         "rm2", "id_number", id, "phone", "13900000002", "risk_level", "C5", "city",
                         "北京", NULL},
        2000000000, 50000000);
    add_person(db, "C003", "王小明", "BJ01", "rm1", "110105", "19851020", 11, "13900000003",
               800000);
    add_person(db, "C004", "李小明", "SH", "shrm", "310101", "19920202", 13, "13900000004",
               1200000);
    add_person(db, "C005", "小明", "SH", "shrm", "310101", "19950505", 15, "13900000004", 300000);
    make_id(id, "440106", "20000101", 2);
    add(db,
        (const char *[]){"customer_no", "C006", "name", "欧阳娜娜", "branch", "BJ01", "manager",
                         "rm1", "id_number", id, "phone", "+8613900000006", "city", "广州",
                         "risk_level", "C2", NULL},
        900000, 20000000);
    add(db, (const char *[]){"customer_no", "C007", "name", "王小明明", "branch", "BJ", NULL}, -1,
        -1);
    add(db,
        (const char *[]){"customer_no", "C008", "name", "John Smith", "branch", "BJ01", "manager",
                         "rm1", "id_type", "passport", "id_number", "E12345678", "gender", "M",
                         NULL},
        100, -1);
    make_card(card, 9);
    add(db,
        (const char *[]){"customer_no", "C009", "name", "李娜", "branch", "BJ01", "manager", "rm2",
                         "id_number", "110105491231002", "card_number", card, NULL},
        700000, -1);
    add_person(db, "C010", "赵六", "BJ01", "rm1", "110105", "19901118", 5, "13900000010", 400000);
    add_person(db, "C011", "钱七", "BJ01", "rm2", "110105", "19901119", 7, "13900000011", 400000);
    return db;
}

/* ------------------------------------------------------------- helpers */

/* Builds a filter from "field=value;field=#123" (# for integers). */
static crm_record *filter_of(const char *spec)
{
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    char buf[2048], *save = NULL;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        if (eq[1] == '#')
            ck_assert_ok(crm_record_set_int(f, tok, atoll(eq + 2)));
        else
            ck_assert_ok(crm_record_set_text(f, tok, eq + 1));
    }
    return f;
}

/* The customer numbers an iterator yields, space-separated (the iterator
 * is freed); cursor_buf receives the last row's cursor. Search results
 * carry a cursor, exact lookups none. */
static char result_buf[4096];
static char cursor_buf[1100];

static const char *drain_rows(crm_iter *it, bool with_cursor)
{
    const crm_record *r;
    const char *no, *cursor = "";
    int rc;
    result_buf[0] = '\0';
    cursor_buf[0] = '\0';
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        ck_assert_ok(crm_record_get_text(&no, r, "customer_no"));
        ck_assert_int_eq(crm_record_get_text(&cursor, r, "cursor"),
                         with_cursor ? CRM_OK : CRM_E_NOT_FOUND);
        snprintf(cursor_buf, sizeof cursor_buf, "%s", with_cursor ? cursor : "");
        size_t len = strlen(result_buf);
        snprintf(result_buf + len, sizeof result_buf - len, "%s%s", len ? " " : "", no);
    }
    ck_assert_int_eq(rc, CRM_ITER_DONE);
    crm_iter_free(it);
    return result_buf;
}

static const char *drain(crm_iter *it)
{
    return drain_rows(it, true);
}

/* Runs a search; the result numbers, or "error N". */
static const char *search(crm_db *db, const char *spec)
{
    crm_record *f = filter_of(spec);
    crm_iter *it;
    int rc = crm_customer_search(&it, db, f);
    crm_record_free(f);
    if (rc) {
        snprintf(result_buf, sizeof result_buf, "error %d", rc);
        return result_buf;
    }
    return drain(it);
}

static const char *find(crm_db *db, const char *key, const char *value)
{
    crm_iter *it;
    int rc = crm_customer_find_by(&it, db, key, value);
    if (rc) {
        snprintf(result_buf, sizeof result_buf, "error %d", rc);
        return result_buf;
    }
    return drain_rows(it, false);
}

#define ck_search(db, spec, want) ck_assert_str_eq(search(db, spec), want)
#define ck_find(db, key, value, want) ck_assert_str_eq(find(db, key, value), want)

static void ck_message_names(crm_db *db, const char *what)
{
    ck_assert_msg(strstr(crm_db_errmsg(db), what), "message '%s' should name %s", crm_db_errmsg(db),
                  what);
}

/* --------------------------------------------------------------- exact */

START_TEST(exact_lookups)
{
    crm_db *db = bank();
    char id[19];
    ck_find(db, "customer_no", "C003", "C003");
    ck_find(db, "customer_no", "C999", "");
    make_id(id, "110105", "19900307", 1);
    ck_find(db, "id_number", id, "C001");
    /* the 15-digit number finds the record stored in its 18-digit form */
    ck_find(db, "id_number", "110105491231002", "C009");
    ck_find(db, "id_number", "11010519491231002X", "C009");
    ck_find(db, "id_number", "11010519491231002x", "C009");
    ck_find(db, "id_number", "E12345678", "C008");
    /* shared phones: both customers, with or without +86 */
    ck_find(db, "phone", "13900000004", "C004 C005");
    ck_find(db, "phone", "+8613900000004", "C004 C005");
    ck_find(db, "phone", "13900000006", "C006");
    ck_find(db, "phone", "13900000099", "");
    char card[17], spaced[24];
    make_card(card, 9);
    snprintf(spaced, sizeof spaced, "%.4s %.4s %.4s-%.4s", card, card + 4, card + 8, card + 12);
    ck_find(db, "card_number", card, "C009");
    ck_find(db, "card_number", spaced, "C009");
    ck_find(db, "email", "zhang.san@example.com", "C001");
    ck_find(db, "email", "ZHANG.SAN@EXAMPLE.COM", "C001");

    /* results are masked customer records */
    crm_iter *it;
    const crm_record *r;
    const char *text;
    ck_assert_ok(crm_customer_find_by(&it, db, "phone", "13900000001"));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_record_get_text(&text, r, "phone"));
    ck_assert_str_eq(text, "139****0001");
    ck_assert_ok(crm_record_get_text(&text, r, "id_number"));
    ck_assert_ptr_null(strstr(text, "19900307"));
    ck_assert_ok(crm_record_get_text(&text, r, "name"));
    ck_assert_str_eq(text, "张三");
    crm_iter_free(it);

    /* two live lookups of one kind do not disturb each other, and a lookup
     * freed half-way leaves the next one whole */
    crm_iter *it2;
    ck_assert_ok(crm_customer_find_by(&it, db, "phone", "13900000004"));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_customer_find_by(&it2, db, "phone", "13900000001"));
    ck_assert_str_eq(drain_rows(it2, false), "C001");
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_record_get_text(&text, r, "customer_no"));
    ck_assert_str_eq(text, "C005");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    ck_assert_ok(crm_customer_find_by(&it, db, "phone", "13900000004"));
    ck_assert_ok(crm_iter_next(&r, it));
    crm_iter_free(it);
    ck_find(db, "phone", "13900000004", "C004 C005");

    /* malformed values are refused, naming the field */
    ck_find(db, "phone", "12345", "error -2");
    ck_message_names(db, "phone");
    ck_find(db, "id_number", "110105199003070010", "error -2");
    ck_message_names(db, "check digit");
    ck_find(db, "card_number", "6222020000000001", "error -2");
    ck_message_names(db, "card_number");
    ck_find(db, "email", "not-an-email", "error -2");
    ck_find(db, "nickname", "x", "error -1");
    ck_message_names(db, "nickname");
    ck_assert_int_eq(crm_customer_find_by(&it, db, NULL, "x"), CRM_E_INVALID_ARG);
    /* without an actor, nothing */
    ck_assert_ok(crm_db_set_actor(db, NULL));
    ck_find(db, "customer_no", "C001", "error -5");
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ filters */

START_TEST(combined_filters)
{
    crm_db *db = bank();
    ck_search(db, "", "C001 C002 C003 C004 C005 C006 C007 C008 C009 C010 C011");
    ck_search(db, "gender=F", "C006 C009");
    /* 2026-11-18: C010 (1990-11-18) has just turned 36, C011 (1990-11-19) not yet */
    ck_search(db, "age_min=#36;age_max=#36", "C001 C010");
    ck_search(db, "age_min=#35;age_max=#35", "C011");
    ck_search(db, "age_min=#70", "C009");
    ck_search(db, "age_max=#30", "C006");
    ck_search(db, "province=上海", "C004 C005");
    ck_search(db, "province=广东省", "C006");
    ck_search(db, "city=北京", "C001 C002");
    ck_search(db, "branch=BJ", "C001 C002 C003 C006 C007 C008 C009 C010 C011");
    ck_search(db, "branch=BJ01;manager=rm2", "C002 C009 C011");
    ck_search(db, "branch=NOPE", "");
    ck_search(db, "assets_min=#700000;assets_max=#1200000", "C003 C004 C006 C009");
    ck_search(db, "income_min=#20000000", "C002 C006");
    ck_search(db, "income_max=#10000000", "C001");
    ck_search(db, "risk_level=C5", "C002");
    ck_search(db, "phone=13900000004;name=李", "C004");
    ck_search(db, "id_number=110105491231002", "C009");
    char card[17], spec[64];
    make_card(card, 1);
    snprintf(spec, sizeof spec, "card_number=%s", card);
    ck_search(db, spec, "C001");
    ck_search(db, "email=ZHANG.SAN@example.com", "C001");
    ck_search(db, "customer_no=C005", "C005");
    /* money may be given as money */
    crm_record *f = filter_of("");
    crm_iter *it;
    ck_assert_ok(crm_record_set_money(f, "assets_min", 1000000000));
    ck_assert_ok(crm_customer_search(&it, db, f));
    ck_assert_str_eq(drain(it), "C002");
    crm_record_free(f);
    /* unknown fields and bad values are refused, naming the field */
    ck_search(db, "nmae=张三", "error -1");
    ck_message_names(db, "nmae");
    ck_search(db, "gender=X", "error -1");
    ck_message_names(db, "gender");
    ck_search(db, "age_min=thirty", "error -1");
    ck_message_names(db, "age_min");
    ck_search(db, "age_min=#-1", "error -1");
    ck_search(db, "assets_min=#-5", "error -1");
    ck_search(db, "province=火星", "error -1");
    ck_search(db, "risk_level=C9", "error -1");
    ck_search(db, "limit=#0", "error -1");
    ck_search(db, "status=deleted", "error -1");
    ck_search(db, "phone=555", "error -2");
    ck_assert_int_eq(crm_customer_search(&it, db, NULL), CRM_OK);
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

START_TEST(where_rule)
{
    crm_db *db = bank();
    ck_search(db,
              "where={\"and\": [{\">=\": [{\"var\": \"age\"}, 36]},"
              " {\"==\": [{\"var\": \"branch\"}, \"BJ01\"]}]}",
              "C001 C002 C003 C009 C010");
    ck_search(db, "where={\"in\": [{\"var\": \"risk_level\"}, [\"C2\", \"C3\"]]}", "C001 C006");
    ck_search(db, "where={\">\": [{\"var\": \"assets\"}, 1000000]};name=小明", "C004");
    ck_search(db, "where={\"==\": [{\"var\": \"manager\"}, \"rm2\"]}", "C002 C009 C011");
    /* every customer here lacks a risk assessment date: all expired */
    ck_search(db, "where={\"var\": \"risk_expired\"};limit=#2", "C001 C002");
    /* YAML too; JsonLogic compares null as 0, so unknown ages are "< 27" */
    ck_search(db, "where=\"<\": [{var: age}, 27]", "C006 C007 C008");
    ck_search(db, "where={\"==\": [{\"var\": \"age\"}", "error -2");
    /* the activity variables are bound too: nobody here has transactions */
    ck_search(db, "where={\">\": [{\"var\": \"txn_count_90d\"}, 3]}", "");
    ck_search(db, "where={\"==\": [{\"var\": \"txn_amount_90d\"}, 0]};limit=#1", "C001");
    ck_search(db, "where={\"var\": \"days_since_last_txn\"}", "");
    ck_search(db, "where={\"in\": [\"vip\", {\"var\": \"tags\"}]}", "");
    ck_search(db, "where={\"in\": [\"loan\", {\"var\": \"product_types\"}]}", "");
    ck_search(db, "where={\"substr\": [{\"var\": \"city\"}, 1]}", "error -11");
    ck_message_names(db, "where");
    crm_db_close(db);
}
END_TEST

/* -------------------------------------------------------------- sorting */

START_TEST(sorting)
{
    crm_db *db = bank();
    ck_search(db, "sort=-customer_no;limit=#3", "C011 C010 C009");
    ck_search(db, "branch=SH;sort=name", "C005 C004");
    /* richest first; C007 has no assets recorded and comes last both ways */
    ck_search(db, "sort=-total_assets", "C002 C004 C006 C003 C009 C001 C011 C010 C005 C008 C007");
    ck_search(db, "sort=total_assets", "C008 C005 C010 C011 C001 C009 C003 C006 C004 C002 C007");
    ck_search(db, "sort=-annual_income;limit=#3", "C002 C006 C001");
    /* youngest first; customers without a birth date last */
    ck_search(db, "sort=age;branch=BJ01", "C006 C011 C010 C001 C003 C002 C009 C008");
    ck_search(db, "sort=-age;branch=BJ01", "C009 C002 C003 C001 C010 C011 C006 C008");
    ck_search(db, "sort=created_at;limit=#2", "C001 C002");
    ck_search(db, "sort=relevance", "error -1");
    ck_message_names(db, "name");
    ck_search(db, "sort=richest", "error -1");
    ck_message_names(db, "richest");
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------------------- pagination */

/* 60 customers, assets in 7 distinct values so the sort has many ties. */
static crm_db *many(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_db_begin(db));
    for (int i = 0; i < 60; i++) {
        char no[16], name[32];
        snprintf(no, sizeof no, "P%03d", (i * 37) % 60);
        snprintf(name, sizeof name, "%s小明%d", i % 2 ? "王" : "李", i % 5);
        add(db, (const char *[]){"customer_no", no, "name", name, "branch", "HO", NULL},
            i % 9 == 0 ? -1 : (i % 7) * 100000, -1);
    }
    ck_assert_ok(crm_db_commit(db));
    return db;
}

/* Pages through `spec` `page` rows at a time and checks the concatenation
 * equals the unpaged result. */
static void check_pages(crm_db *db, const char *spec, int page, int expect_rows)
{
    char all[4096], joined[4096] = "", paged_spec[2048];
    snprintf(all, sizeof all, "%s", search(db, spec));
    int rows = 0, pages = 0;
    char cursor[1100] = "";
    for (;;) {
        if (cursor[0])
            snprintf(paged_spec, sizeof paged_spec, "%s;limit=#%d;after=%s", spec, page, cursor);
        else
            snprintf(paged_spec, sizeof paged_spec, "%s;limit=#%d", spec, page);
        const char *got = search(db, paged_spec);
        ck_assert_msg(strncmp(got, "error", 5) != 0, "%s: %s", paged_spec, crm_db_errmsg(db));
        if (!*got)
            break;
        pages++;
        size_t len = strlen(joined);
        snprintf(joined + len, sizeof joined - len, "%s%s", len ? " " : "", got);
        for (const char *p = got; *p; p++)
            rows += *p == ' ';
        rows++;
        snprintf(cursor, sizeof cursor, "%s", cursor_buf);
        ck_assert_int_le(pages, 100);
    }
    ck_assert_str_eq(joined, all);
    ck_assert_int_eq(rows, expect_rows);
}

START_TEST(keyset_pagination)
{
    crm_db *db = many();
    check_pages(db, "sort=customer_no", 7, 60);
    check_pages(db, "sort=-customer_no", 7, 60);
    check_pages(db, "sort=-total_assets", 7, 60);
    check_pages(db, "sort=total_assets", 8, 60);
    check_pages(db, "sort=name", 5, 60);
    check_pages(db, "sort=-name", 11, 60);
    check_pages(db, "sort=-created_at", 9, 60);
    check_pages(db, "name=王小明", 4, 30);
    check_pages(db, "name=小明2", 3, 12);
    check_pages(db, "name=明;sort=-total_assets", 6, 60);

    /* a cursor belongs to its sort; garbage is refused */
    search(db, "sort=name;limit=#1");
    char spec[2048];
    snprintf(spec, sizeof spec, "sort=-total_assets;after=%s", cursor_buf);
    ck_search(db, spec, "error -1");
    ck_message_names(db, "name");
    ck_search(db, "after=zz", "error -1");
    ck_search(db, "after=414243", "error -1");
    ck_search(db, "after=637573746f6d65725f6e6f", "error -1");

    /* rows added before the cursor do not shift the next page */
    ck_assert_str_eq(search(db, "sort=customer_no;limit=#3"), "P000 P001 P002");
    snprintf(spec, sizeof spec, "sort=customer_no;limit=#3;after=%s", cursor_buf);
    add(db, (const char *[]){"customer_no", "P0005", "name", "新人", "branch", "HO", NULL}, -1, -1);
    ck_search(db, spec, "P003 P004 P005");
    crm_db_close(db);
}
END_TEST

/* ---------------------------------------------------------- fuzzy names */

static const char *match_of(crm_db *db, const char *name_query, const char *no)
{
    static char match[32];
    crm_record *f = filter_of("");
    crm_iter *it;
    const crm_record *r;
    const char *text;
    ck_assert_ok(crm_record_set_text(f, "name", name_query));
    ck_assert_ok(crm_customer_search(&it, db, f));
    match[0] = '\0';
    while (crm_iter_next(&r, it) == CRM_OK) {
        ck_assert_ok(crm_record_get_text(&text, r, "customer_no"));
        if (strcmp(text, no) == 0) {
            ck_assert_ok(crm_record_get_text(&text, r, "match"));
            snprintf(match, sizeof match, "%s", text);
        }
    }
    crm_iter_free(it);
    crm_record_free(f);
    return match;
}

START_TEST(fuzzy_names)
{
    crm_db *db = bank();
    add(db, (const char *[]){"customer_no", "C012", "name", "小明远", "branch", "BJ", NULL}, -1,
        -1);
    add(db, (const char *[]){"customer_no", "C013", "name", "张", "branch", "BJ", NULL}, -1, -1);
    add(db, (const char *[]){"customer_no", "C014", "name", "欧阳修", "branch", "BJ", NULL}, -1,
        -1);
    /* exact, then prefix (surname), then suffix (given name), then contains;
     * shorter names first within each */
    ck_search(db, "name=小明", "C005 C012 C003 C004 C007");
    ck_assert_str_eq(match_of(db, "小明", "C005"), "exact");
    ck_assert_str_eq(match_of(db, "小明", "C012"), "prefix");
    ck_assert_str_eq(match_of(db, "小明", "C003"), "suffix");
    ck_assert_str_eq(match_of(db, "小明", "C007"), "contains");
    ck_search(db, "name=王小明", "C003 C007");
    ck_search(db, "name=小明明", "C007");
    ck_search(db, "name=张三", "C001 C002");
    ck_search(db, "name=三丰", "C002");
    /* two-character surnames and given names */
    ck_search(db, "name=欧阳", "C014 C006");
    ck_search(db, "name=娜娜", "C006");
    ck_search(db, "name=阳娜", "C006");
    ck_search(db, "name=欧阳娜娜", "C006");
    ck_search(db, "name=李娜", "C009");
    /* one character: any position, the surname first */
    ck_search(db, "name=张", "C013 C001 C002");
    ck_search(db, "name=三", "C001 C002");
    ck_search(db, "name=明", "C005 C003 C004 C007 C012");
    ck_search(db, "name=娜", "C009 C006");
    /* Latin names without regard to case; spaces around the query ignored */
    ck_search(db, "name=smith", "C008");
    ck_search(db, "name= JOHN ", "C008");
    ck_search(db, "name=n s", "C008");
    ck_search(db, "name=孙悟空", "");
    ck_search(db, "name=明小", "");
    ck_search(db, "name=   ", "error -1");
    /* a name with other filters, and another sort */
    ck_search(db, "name=小明;province=上海", "C005 C004");
    ck_search(db, "name=小明;sort=-total_assets", "C004 C003 C005 C012 C007");
    crm_db_close(db);
}
END_TEST

/* --------------------------------------------------------------- access */

/* Every way search can reach C002 (rm2's customer), run as `actor`. */
static void expect_unreachable(crm_db *db, const char *no)
{
    char spec[256], id[19];
    ck_find(db, "customer_no", no, "");
    make_id(id, "110105", "19800512", 3);
    ck_find(db, "id_number", id, "");
    ck_find(db, "phone", "13900000002", "");
    ck_search(db, "name=张三丰", "");
    ck_search(db, "name=丰", "");
    snprintf(spec, sizeof spec, "id_number=%s", id);
    ck_search(db, spec, "");
    ck_search(db, "phone=13900000002", "");
    ck_search(db, "manager=rm2", "");
    ck_search(db, "risk_level=C5", "");
    ck_search(db, "where={\"==\": [{\"var\": \"manager\"}, \"rm2\"]}", "");
    ck_search(db, "status=any;assets_min=#1000000000", "");
    /* a cursor crafted just before it does not open a door either */
    ck_search(db, "sort=customer_no;after=637573746f6d65725f6e6f1f43303031", "C003 C006 C008 C010");
}

START_TEST(rm_sees_only_own_book)
{
    crm_db *db = bank();
    ck_assert_ok(crm_db_set_actor(db, "rm1"));
    ck_search(db, "", "C001 C003 C006 C008 C010");
    ck_search(db, "name=张三", "C001");
    ck_find(db, "phone", "13900000004", "");
    expect_unreachable(db, "C002");
    /* the branch manager of BJ sees the subtree, not Shanghai */
    ck_assert_ok(crm_db_set_actor(db, "bm"));
    ck_search(db, "name=小明", "C003 C007");
    ck_find(db, "phone", "13900000004", "");
    ck_find(db, "phone", "13900000002", "C002");
    /* Shanghai's RM sees the two sharing a phone, nothing in Beijing */
    ck_assert_ok(crm_db_set_actor(db, "shrm"));
    ck_find(db, "phone", "13900000004", "C004 C005");
    ck_search(db, "branch=BJ", "");
    /* marketers and auditors see everyone */
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    ck_search(db, "name=小明", "C005 C003 C004 C007");
    crm_db_close(db);
}
END_TEST

/* Exact lookups and get check the actor inside the query's own read
 * transaction: another handle's changes (a moved book, a disabled user)
 * apply to the very next call. */
START_TEST(lookup_sees_other_handles_changes_at_once)
{
    char *path = test_temp_path("lookup-actor");
    crm_db *admin = test_open_admin(path), *rm = test_open(path);
    ck_assert_ok(crm_branch_add(admin, "BJ", "北京分行", "HO"));
    test_add_user(admin, "rm1", "relationship_manager", "BJ");
    test_add_user(admin, "rm2", "relationship_manager", "BJ");
    add_person(admin, "C001", "张三", "BJ", "rm1", "110105", "19900307", 1, "13900000001", 0);
    char id[19];
    make_id(id, "110105", "19900307", 1);
    ck_assert_ok(crm_db_set_actor(rm, "rm1"));
    ck_find(rm, "id_number", id, "C001");
    ck_find(rm, "customer_no", "C001", "C001");
    crm_record *r;
    ck_assert_ok(crm_customer_get(&r, rm, "C001"));
    crm_record_free(r);

    int64_t moved;
    ck_assert_ok(crm_customer_move_book(&moved, admin, "rm1", "rm2", "rm1 moved to SH"));
    ck_find(rm, "id_number", id, "");
    ck_assert_int_eq(crm_customer_get(&r, rm, "C001"), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_customer_move_book(&moved, admin, "rm2", "rm1", "back"));
    ck_find(rm, "phone", "13900000001", "C001");

    ck_assert_ok(crm_user_disable(admin, "rm1", "left the bank"));
    ck_find(rm, "id_number", id, "error -5"); /* CRM_E_PERMISSION */
    ck_assert_ptr_null(crm_db_actor(rm));
    ck_assert_int_eq(crm_customer_get(&r, rm, "C001"), CRM_E_PERMISSION);
    ck_assert_ok(crm_user_enable(admin, "rm1", "rehired"));
    ck_assert_ok(crm_db_set_actor(rm, "rm1"));
    ck_find(rm, "id_number", id, "C001");
    crm_db_close(rm);
    crm_db_close(admin);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(restricted_hidden)
{
    crm_db *db = bank();
    ck_assert_ok(crm_db_set_actor(db, "rm1"));
    ck_assert_ok(crm_customer_delete_request(db, "C001", "relationship ended"));
    ck_assert_ok(crm_db_set_actor(db, "bm"));
    ck_assert_ok(crm_customer_delete_approve(db, "C001", "confirmed with the customer"));
    /* gone from the RM's, the branch manager's and the marketer's every
     * search (the RM never saw C002, rm2's) */
    const char *actors[] = {"rm1", "bm", "mkt"};
    const char *others[] = {"", "C002", "C002"};
    for (int i = 0; i < 3; i++) {
        ck_assert_ok(crm_db_set_actor(db, actors[i]));
        ck_find(db, "customer_no", "C001", "");
        ck_find(db, "phone", "13900000001", "");
        ck_search(db, "name=张三", others[i]);
        ck_search(db, "status=restricted", "");
        ck_search(db, "status=any;name=张三", others[i]);
        ck_assert_ptr_null(strstr(search(db, "status=any"), "C001"));
    }
    /* admins and auditors: not in ordinary search, found when asked */
    const char *seers[] = {"admin", "aud"};
    for (int i = 0; i < 2; i++) {
        ck_assert_ok(crm_db_set_actor(db, seers[i]));
        ck_search(db, "name=张三", "C002");
        ck_search(db, "status=restricted", "C001");
        ck_search(db, "status=any;name=张三", "C001 C002");
        ck_find(db, "phone", "13900000001", "C001");
    }
    crm_db_close(db);
}
END_TEST

START_TEST(iterator_outlives_database)
{
    crm_db *db = bank();
    crm_iter *it;
    const crm_record *r;
    crm_record *f = filter_of("name=小明");
    ck_assert_ok(crm_customer_search(&it, db, f));
    crm_record_free(f); /* the filter is not needed once the call returns */
    ck_assert_ok(crm_iter_next(&r, it));
    /* an exact lookup holds the handle's cached statement */
    crm_iter *exact;
    ck_assert_ok(crm_customer_find_by(&exact, db, "phone", "13900000004"));
    ck_assert_ok(crm_iter_next(&r, exact));
    crm_db_close(db);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_E_STATE);
    ck_assert_int_eq(crm_iter_next(&r, exact), CRM_E_STATE);
    crm_iter_free(it);
    crm_iter_free(exact);
}
END_TEST

static Suite *search_suite(void)
{
    Suite *s = suite_create("search");
    TCase *tc = tcase_create("search");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, exact_lookups);
    tcase_add_test(tc, combined_filters);
    tcase_add_test(tc, where_rule);
    tcase_add_test(tc, sorting);
    tcase_add_test(tc, keyset_pagination);
    tcase_add_test(tc, fuzzy_names);
    tcase_add_test(tc, rm_sees_only_own_book);
    tcase_add_test(tc, restricted_hidden);
    tcase_add_test(tc, lookup_sees_other_handles_changes_at_once);
    tcase_add_test(tc, iterator_outlives_database);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(search_suite());
}
