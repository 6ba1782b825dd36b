/* Segments: rule segments refreshed by compiled SQL and by the
 * interpreter, preview, diff, static and set segments, branch zones,
 * members within the actor's scope, live segments re-evaluated inside the
 * writing transaction, and restricted customers leaving. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The test clock stands at 2026-11-18T11:06:40Z. */
#define YUAN 100LL

static void add_customer(crm_db *db, const char *no, const char *branch, const char *manager,
                         const char *birth, const char *city, int64_t assets_yuan)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "客户"));
    ck_assert_ok(crm_record_set_text(c, "id_type", "passport"));
    ck_assert_ok(crm_record_set_date(c, "birth_date", birth));
    ck_assert_ok(crm_record_set_text(c, "city", city));
    ck_assert_ok(crm_record_set_text(c, "branch", branch));
    if (manager)
        ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_money(c, "total_assets", assets_yuan * YUAN));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

/* C001, C004 and C006 match the seed rule; C006 banks in Guangzhou. */
static crm_db *bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "bm.gz", "branch_manager", "GZ");
    test_add_user(db, "mkt", "marketer", "HO");
    add_customer(db, "C001", "BJ01", "rm.a", "1985-03-01", "北京", 600000);
    add_customer(db, "C002", "BJ01", "rm.b", "1980-06-01", "北京", 800000);
    add_customer(db, "C003", "BJ01", "rm.a", "1990-01-01", "北京", 100000);
    add_customer(db, "C004", "BJ01", "rm.b", "1988-12-31", "北京", 500000);
    add_customer(db, "C005", "GZ", NULL, "1986-05-05", "广州", 900000);
    add_customer(db, "C006", "GZ", NULL, "1984-01-01", "北京", 700000);
    return db;
}

static const char SEED_RULE[] = "and:\n"
                                "  - \">=\": [{var: age}, 35]\n"
                                "  - \"<=\": [{var: age}, 45]\n"
                                "  - \"==\": [{var: city}, 北京]\n"
                                "  - \">=\": [{var: assets}, 50000000]\n";

/* The customer numbers of an iterator's records, space-separated. */
static char *numbers_of(crm_iter *it, const char *field)
{
    static char buf[512];
    buf[0] = '\0';
    const crm_record *r;
    int rc;
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        const char *no = NULL;
        ck_assert_ok(crm_record_get_text(&no, r, field));
        if (buf[0])
            strcat(buf, " ");
        strcat(buf, no);
    }
    ck_assert_int_eq(rc, CRM_ITER_DONE);
    crm_iter_free(it);
    return buf;
}

static char *members(crm_db *db, const char *name)
{
    crm_iter *it;
    int rc = crm_segment_members(&it, db, name);
    ck_assert_msg(rc == CRM_OK, "members %s: %s", name, crm_db_errmsg(db));
    return numbers_of(it, "customer_no");
}

/* "C001+ C003-": the diff as customer number and + joined / - left. */
static char *diff(crm_db *db, const char *name)
{
    static char buf[512];
    crm_iter *it;
    ck_assert_ok(crm_segment_diff(&it, db, name));
    buf[0] = '\0';
    const crm_record *r;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *no, *change;
        ck_assert_ok(crm_record_get_text(&no, r, "customer_no"));
        ck_assert_ok(crm_record_get_text(&change, r, "change"));
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s%c", buf[0] ? " " : "", no,
                 strcmp(change, "joined") == 0 ? '+' : '-');
    }
    crm_iter_free(it);
    return buf;
}

static int64_t field_int(const crm_record *r, const char *field)
{
    int64_t v = -1;
    ck_assert_ok(crm_record_get_int(&v, r, field));
    return v;
}

static int64_t version_of(crm_db *db, const char *no)
{
    crm_record *c;
    ck_assert_ok(crm_customer_get(&c, db, no));
    int64_t v = field_int(c, "version");
    crm_record_free(c);
    return v;
}

static void set_assets(crm_db *db, const char *no, int64_t yuan)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_money(c, "total_assets", yuan * YUAN));
    int rc = crm_customer_update(db, no, c, version_of(db, no));
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "update %s: %s", no, crm_db_errmsg(db));
}

START_TEST(rule_segment_preview_refresh_and_diff)
{
    crm_db *db = bank();
    int64_t count = -1;
    ck_assert_ok(crm_segment_preview(&count, db, SEED_RULE, NULL));
    ck_assert_int_eq(count, 3);
    ck_assert_ok(crm_segment_create(db, "seed", SEED_RULE, NULL));
    ck_assert_str_eq(members(db, "seed"), "C001 C004 C006");
    ck_assert_str_eq(diff(db, "seed"), "C001+ C004+ C006+");
    crm_record *seg;
    ck_assert_ok(crm_segment_get(&seg, db, "seed"));
    ck_assert_int_eq(field_int(seg, "members"), 3);
    const char *text;
    ck_assert_ok(crm_record_get_text(&text, seg, "kind"));
    ck_assert_str_eq(text, "rule");
    ck_assert_ok(crm_record_get_text(&text, seg, "rule"));
    ck_assert_msg(strstr(text, "\"city\"") && text[0] == '{', "rule stored as JSON: %s", text);
    ck_assert_int_eq(crm_record_type(seg, "branch"), CRM_TYPE_NULL); /* head office */
    crm_record_free(seg);

    /* a change: C003 grows rich, C004 spends; not live, so only a refresh sees it */
    set_assets(db, "C003", 550000);
    set_assets(db, "C004", 10000);
    ck_assert_str_eq(members(db, "seed"), "C001 C004 C006");
    crm_record *r;
    ck_assert_ok(crm_segment_refresh(&r, db, "seed"));
    ck_assert_int_eq(field_int(r, "members"), 3);
    ck_assert_int_eq(field_int(r, "joined"), 1);
    ck_assert_int_eq(field_int(r, "left"), 1);
    ck_assert_ok(crm_record_get_text(&text, r, "method"));
    ck_assert_str_eq(text, "sql");
    crm_record_free(r);
    ck_assert_ok(crm_segment_preview(&count, db, SEED_RULE, NULL));
    ck_assert_int_eq(count, 3);
    ck_assert_str_eq(members(db, "seed"), "C001 C003 C006");
    ck_assert_str_eq(diff(db, "seed"), "C004- C003+");
    /* a refresh with nothing changed empties the diff */
    ck_assert_ok(crm_segment_refresh(NULL, db, "seed"));
    ck_assert_str_eq(diff(db, "seed"), "");

    /* errors name the field and the place */
    ck_assert_int_eq(crm_segment_create(db, "seed", SEED_RULE, NULL), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_segment_create(db, "bad", "{\"==\": [{\"var\": \"cty\"}, 1]}", NULL),
                     CRM_E_NOT_FOUND);
    ck_assert_msg(strstr(crm_db_errmsg(db), "did you mean \"city\""), "%s", crm_db_errmsg(db));
    ck_assert_int_eq(crm_segment_create(db, "bad", "{\"==\": [", NULL), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), "field rule: rule: line "), "%s", crm_db_errmsg(db));
    ck_assert_int_eq(crm_segment_refresh(NULL, db, "nope"), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

START_TEST(interpreter_fallback_agrees_with_sql)
{
    crm_db *db = bank();
    /* substr over data does not compile: the interpreter streams customers */
    static const char rule[] = "{\"and\": [{\"==\": [{\"substr\": [{\"var\": \"city\"}, 0, 1]},"
                               " \"北\"]}, {\">=\": [{\"var\": \"assets\"}, 50000000]}]}";
    int64_t count;
    ck_assert_ok(crm_segment_preview(&count, db, rule, NULL));
    ck_assert_int_eq(count, 4);
    ck_assert_ok(crm_segment_create(db, "north", rule, NULL));
    crm_record *r;
    ck_assert_ok(crm_segment_refresh(&r, db, "north"));
    const char *method;
    ck_assert_ok(crm_record_get_text(&method, r, "method"));
    ck_assert_str_eq(method, "interpreter");
    crm_record_free(r);
    ck_assert_str_eq(members(db, "north"), "C001 C002 C004 C006");
    /* the compiled equivalent gives the same members */
    ck_assert_ok(crm_segment_create(db, "north_sql",
                                    "{\"and\": [{\"==\": [{\"var\": \"city\"}, \"北京\"]},"
                                    " {\">=\": [{\"var\": \"assets\"}, 50000000]}]}",
                                    NULL));
    ck_assert_str_eq(members(db, "north_sql"), "C001 C002 C004 C006");
    crm_db_close(db);
}
END_TEST

START_TEST(members_respect_the_actors_scope)
{
    crm_db *db = bank();
    ck_assert_ok(crm_segment_create(db, "seed", SEED_RULE, NULL));
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_str_eq(members(db, "seed"), "C001");
    ck_assert_str_eq(diff(db, "seed"), "C001+");
    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    ck_assert_str_eq(members(db, "seed"), "C004");
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_str_eq(members(db, "seed"), "C001 C004");
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    ck_assert_str_eq(members(db, "seed"), "C001 C004 C006");
    /* RMs read segments but do not manage them */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_segment_refresh(NULL, db, "seed"), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_segment_create(db, "mine", SEED_RULE, NULL), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

START_TEST(static_and_set_segments)
{
    crm_db *db = bank();
    ck_assert_ok(crm_segment_create(db, "seed", SEED_RULE, NULL));
    const char *list[] = {"C001", "C003", "C005", "C003"};
    ck_assert_ok(crm_segment_create_static(db, "list", list, 4, NULL));
    ck_assert_str_eq(members(db, "list"), "C001 C003 C005");
    const char *ops[] = {"seed", "list"};
    ck_assert_ok(crm_segment_create_set(db, "u", CRM_SEGMENT_UNION, ops, 2, NULL));
    ck_assert_ok(crm_segment_create_set(db, "i", CRM_SEGMENT_INTERSECTION, ops, 2, NULL));
    ck_assert_ok(crm_segment_create_set(db, "x", CRM_SEGMENT_EXCLUSION, ops, 2, NULL));
    ck_assert_str_eq(members(db, "u"), "C001 C003 C004 C005 C006");
    ck_assert_str_eq(members(db, "i"), "C001");
    ck_assert_str_eq(members(db, "x"), "C004 C006");
    crm_record *seg;
    ck_assert_ok(crm_segment_get(&seg, db, "x"));
    const char *text;
    ck_assert_ok(crm_record_get_text(&text, seg, "operands"));
    ck_assert_str_eq(text, "seed,list");
    crm_record_free(seg);

    const char *unknown[] = {"C001", "C999"};
    ck_assert_int_eq(crm_segment_create_static(db, "bad", unknown, 2, NULL), CRM_E_NOT_FOUND);
    ck_assert_msg(strstr(crm_db_errmsg(db), "C999"), "%s", crm_db_errmsg(db));
    ck_assert_int_eq(crm_segment_get(&seg, db, "bad"), CRM_E_NOT_FOUND); /* rolled back */
    ck_assert_int_eq(crm_segment_create_set(db, "one", CRM_SEGMENT_UNION, ops, 1, NULL),
                     CRM_E_INVALID_ARG);
    crm_record *live;
    ck_assert_ok(crm_record_new(&live));
    ck_assert_ok(crm_record_set_int(live, "live", 1));
    ck_assert_int_eq(crm_segment_create_static(db, "bad", list, 1, live), CRM_E_INVALID_DATA);
    crm_record_free(live);
    /* an operand cannot go while a set uses it */
    ck_assert_int_eq(crm_segment_delete(db, "seed"), CRM_E_STATE);
    ck_assert_ok(crm_segment_delete(db, "u"));
    ck_assert_ok(crm_segment_delete(db, "i"));
    ck_assert_ok(crm_segment_delete(db, "x"));
    ck_assert_ok(crm_segment_delete(db, "seed"));
    ck_assert_int_eq(crm_segment_get(&seg, db, "seed"), CRM_E_NOT_FOUND);
    crm_iter *it;
    ck_assert_ok(crm_segment_list(&it, db));
    ck_assert_str_eq(numbers_of(it, "name"), "list");
    crm_db_close(db);
}
END_TEST

START_TEST(branch_zones)
{
    crm_db *db = bank();
    ck_assert_ok(crm_segment_create(db, "shared", SEED_RULE, NULL));
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    int64_t count;
    ck_assert_ok(crm_segment_preview(&count, db, SEED_RULE, NULL));
    ck_assert_int_eq(count, 2);
    ck_assert_ok(crm_segment_create(db, "bj_seed", SEED_RULE, NULL));
    ck_assert_str_eq(members(db, "bj_seed"), "C001 C004"); /* C006 banks in GZ */
    crm_record *seg;
    ck_assert_ok(crm_segment_get(&seg, db, "bj_seed"));
    const char *branch;
    ck_assert_ok(crm_record_get_text(&branch, seg, "branch"));
    ck_assert_str_eq(branch, "BJ");
    crm_record_free(seg);
    crm_record *opts;
    ck_assert_ok(crm_record_new(&opts));
    ck_assert_ok(crm_record_set_text(opts, "branch", "GZ"));
    ck_assert_int_eq(crm_segment_create(db, "gz", SEED_RULE, opts), CRM_E_PERMISSION);
    ck_assert_ok(crm_record_set_text(opts, "branch", "BJ01"));
    ck_assert_ok(crm_segment_create(db, "bj01", SEED_RULE, opts));
    crm_record_free(opts);

    crm_iter *it;
    ck_assert_ok(crm_segment_list(&it, db));
    ck_assert_str_eq(numbers_of(it, "name"), "bj01 bj_seed shared");
    ck_assert_ok(crm_db_set_actor(db, "bm.gz"));
    ck_assert_ok(crm_segment_list(&it, db));
    ck_assert_str_eq(numbers_of(it, "name"), "shared");
    ck_assert_int_eq(crm_segment_get(&seg, db, "bj_seed"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_segment_refresh(NULL, db, "bj_seed"), CRM_E_NOT_FOUND);
    /* a set over another branch's segment is refused the same way */
    const char *ops[] = {"shared", "bj_seed"};
    ck_assert_int_eq(crm_segment_create_set(db, "mix", CRM_SEGMENT_UNION, ops, 2, NULL),
                     CRM_E_NOT_FOUND);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_segment_list(&it, db));
    ck_assert_str_eq(numbers_of(it, "name"), "bj01 shared");
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------ live */

typedef struct events {
    char log[512];
    int refuse;
} events;

static int on_event(const char *segment, const char *customer_no, int joined, void *payload)
{
    events *e = payload;
    snprintf(e->log + strlen(e->log), sizeof e->log - strlen(e->log), "%s%s:%s%c",
             e->log[0] ? " " : "", segment, customer_no, joined ? '+' : '-');
    return e->refuse;
}

static crm_record *live_option(void)
{
    crm_record *o;
    ck_assert_ok(crm_record_new(&o));
    ck_assert_ok(crm_record_set_int(o, "live", 1));
    return o;
}

static int add_txn(crm_db *db, const char *no, int64_t fen)
{
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", no));
    ck_assert_ok(crm_record_set_text(t, "type", "deposit"));
    ck_assert_ok(crm_record_set_money(t, "amount", fen));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    int rc = crm_txn_add(db, t);
    crm_record_free(t);
    return rc;
}

START_TEST(live_segment_follows_customer_updates)
{
    crm_db *db = bank();
    events e = {{0}, 0};
    int sub;
    ck_assert_ok(crm_segment_subscribe(&sub, db, on_event, &e));
    crm_record *o = live_option();
    ck_assert_ok(crm_segment_create(db, "rich", "{\">=\": [{\"var\": \"assets\"}, 80000000]}", o));
    crm_record_free(o);
    ck_assert_str_eq(members(db, "rich"), "C002 C005");
    set_assets(db, "C003", 1000000);
    ck_assert_str_eq(e.log, "rich:C003+");
    ck_assert_str_eq(members(db, "rich"), "C002 C003 C005");
    set_assets(db, "C002", 1000);
    ck_assert_str_eq(e.log, "rich:C003+ rich:C002-");
    ck_assert_str_eq(members(db, "rich"), "C003 C005");
    ck_assert_str_eq(diff(db, "rich"), "C002+ C005+ C003+ C002-");
    crm_record *seg;
    ck_assert_ok(crm_segment_get(&seg, db, "rich"));
    ck_assert_int_eq(field_int(seg, "members"), 2);
    ck_assert_int_eq(field_int(seg, "live"), 1);
    crm_record_free(seg);

    /* inside a host transaction: seen at once, gone with the rollback */
    e.log[0] = '\0';
    ck_assert_ok(crm_db_begin(db));
    set_assets(db, "C004", 900000);
    ck_assert_str_eq(e.log, "rich:C004+");
    ck_assert_str_eq(members(db, "rich"), "C003 C004 C005");
    ck_assert_ok(crm_db_rollback(db));
    ck_assert_str_eq(members(db, "rich"), "C003 C005");
    ck_assert_str_eq(diff(db, "rich"), "C002+ C005+ C003+ C002-");

    /* a new customer joins as they are created */
    e.log[0] = '\0';
    add_customer(db, "C007", "GZ", NULL, "1970-01-01", "广州", 2000000);
    ck_assert_str_eq(e.log, "rich:C007+");
    /* a subscriber may refuse: the update fails and nothing changes */
    e.refuse = 1;
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_money(c, "total_assets", 0));
    ck_assert_int_eq(crm_customer_update(db, "C007", c, version_of(db, "C007")), CRM_E_STATE);
    crm_record_free(c);
    e.refuse = 0;
    ck_assert_str_eq(members(db, "rich"), "C003 C005 C007");
    ck_assert_ok(crm_segment_unsubscribe(db, sub));
    ck_assert_int_eq(crm_segment_unsubscribe(db, sub), CRM_E_NOT_FOUND);
    e.log[0] = '\0';
    set_assets(db, "C007", 0);
    ck_assert_str_eq(e.log, "");
    ck_assert_str_eq(members(db, "rich"), "C003 C005");
    crm_db_close(db);
}
END_TEST

START_TEST(live_segment_follows_a_moved_book)
{
    crm_db *db = bank();
    events e = {{0}, 0};
    int sub;
    ck_assert_ok(crm_segment_subscribe(&sub, db, on_event, &e));
    crm_record *o = live_option();
    ck_assert_ok(crm_segment_create(db, "b_book", "{\"==\": [{\"var\": \"manager\"}, \"rm.b\"]}", o));
    crm_record_free(o);
    ck_assert_str_eq(members(db, "b_book"), "C002 C004");
    e.log[0] = '\0';
    int64_t moved = 0;
    ck_assert_ok(crm_customer_move_book(&moved, db, "rm.a", "rm.b", "客户经理调岗"));
    ck_assert_int_eq(moved, 2);
    ck_assert_str_eq(e.log, "b_book:C001+ b_book:C003+");
    ck_assert_str_eq(members(db, "b_book"), "C001 C002 C003 C004");
    ck_assert_ok(crm_segment_unsubscribe(db, sub));
    crm_db_close(db);
}
END_TEST

START_TEST(live_segment_follows_transactions_and_sets)
{
    crm_db *db = bank();
    events e = {{0}, 0};
    int sub;
    ck_assert_ok(crm_segment_subscribe(&sub, db, on_event, &e));
    crm_record *o = live_option();
    ck_assert_ok(crm_segment_create(db, "busy", "{\">=\": [{\"var\": \"txn_count_90d\"}, 2]}", o));
    ck_assert_ok(
        crm_segment_create(db, "spenders", "{\">=\": [{\"var\": \"txn_amount_90d\"}, 100000]}", o));
    const char *ops[] = {"busy", "spenders"};
    ck_assert_ok(crm_segment_create_set(db, "both", CRM_SEGMENT_INTERSECTION, ops, 2, o));
    crm_record_free(o);
    ck_assert_ok(add_txn(db, "C005", 100));
    ck_assert_str_eq(e.log, "");
    ck_assert_ok(add_txn(db, "C005", 200));
    ck_assert_str_eq(e.log, "busy:C005+");
    /* in a host transaction, then rolled back with it */
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(add_txn(db, "C005", 100000));
    ck_assert_str_eq(e.log, "busy:C005+ spenders:C005+ both:C005+");
    ck_assert_str_eq(members(db, "both"), "C005");
    ck_assert_ok(crm_db_rollback(db));
    ck_assert_str_eq(members(db, "both"), "");
    ck_assert_str_eq(members(db, "spenders"), "");
    ck_assert_str_eq(members(db, "busy"), "C005");
    /* committed this time */
    ck_assert_ok(add_txn(db, "C005", 100000));
    ck_assert_str_eq(members(db, "both"), "C005");
    /* 91 days later the window has moved on: a refresh sees it */
    test_clock_set(test_clock_now() + 91 * 86400);
    ck_assert_ok(crm_segment_refresh(NULL, db, "busy"));
    ck_assert_str_eq(members(db, "busy"), "");
    test_clock_set(1795000000);
    ck_assert_ok(crm_segment_unsubscribe(db, sub));
    crm_db_close(db);
}
END_TEST

START_TEST(restricted_customers_leave_every_segment)
{
    crm_db *db = bank();
    ck_assert_ok(crm_segment_create(db, "seed", SEED_RULE, NULL));
    const char *list[] = {"C001", "C002"};
    ck_assert_ok(crm_segment_create_static(db, "list", list, 2, NULL));
    ck_assert_ok(crm_customer_delete_request(db, "C001", "客户销户"));
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_customer_delete_approve(db, "C001", "同意"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_str_eq(members(db, "seed"), "C004 C006");
    ck_assert_str_eq(members(db, "list"), "C002");
    ck_assert_ok(crm_segment_refresh(NULL, db, "seed"));
    ck_assert_ok(crm_segment_refresh(NULL, db, "list"));
    ck_assert_str_eq(members(db, "seed"), "C004 C006");
    ck_assert_str_eq(members(db, "list"), "C002");
    int64_t count;
    ck_assert_ok(crm_segment_preview(&count, db, SEED_RULE, NULL));
    ck_assert_int_eq(count, 2);
    crm_db_close(db);
}
END_TEST

START_TEST(update_changes_rule_and_is_audited)
{
    crm_db *db = bank();
    ck_assert_ok(crm_segment_create(db, "seed", SEED_RULE, NULL));
    ck_assert_ok(crm_segment_update(db, "seed", "{\"==\": [{\"var\": \"city\"}, \"广州\"]}", NULL));
    ck_assert_str_eq(members(db, "seed"), "C005");
    crm_record *o;
    ck_assert_ok(crm_record_new(&o));
    ck_assert_ok(crm_record_set_text(o, "description", "广州客户"));
    ck_assert_ok(crm_segment_update(db, "seed", NULL, o));
    ck_assert_ok(crm_record_set_text(o, "branch", "BJ"));
    ck_assert_int_eq(crm_segment_update(db, "seed", NULL, o), CRM_E_INVALID_DATA);
    crm_record_free(o);
    crm_record *seg;
    ck_assert_ok(crm_segment_get(&seg, db, "seed"));
    const char *text;
    ck_assert_ok(crm_record_get_text(&text, seg, "description"));
    ck_assert_str_eq(text, "广州客户");
    crm_record_free(seg);
    const char *list[] = {"C001"};
    ck_assert_ok(crm_segment_create_static(db, "list", list, 1, NULL));
    ck_assert_int_eq(crm_segment_update(db, "list", SEED_RULE, NULL), CRM_E_STATE);
    ck_assert_ok(crm_segment_delete(db, "seed"));

    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "entity", "segment"));
    crm_iter *it;
    ck_assert_ok(crm_audit_list(&it, db, f));
    crm_record_free(f);
    int n = 0;
    const crm_record *r;
    char actions[256] = "";
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *action;
        ck_assert_ok(crm_record_get_text(&action, r, "action"));
        snprintf(actions + strlen(actions), sizeof actions - strlen(actions), "%s ", action);
        n++;
    }
    crm_iter_free(it);
    ck_assert_msg(strstr(actions, "segment.create") && strstr(actions, "segment.update") &&
                      strstr(actions, "segment.delete"),
                  "audit: %s", actions);
    crm_db_close(db);
}
END_TEST

static Suite *segment_suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("segment");
    tcase_add_test(tc, rule_segment_preview_refresh_and_diff);
    tcase_add_test(tc, interpreter_fallback_agrees_with_sql);
    tcase_add_test(tc, members_respect_the_actors_scope);
    tcase_add_test(tc, static_and_set_segments);
    tcase_add_test(tc, branch_zones);
    tcase_add_test(tc, live_segment_follows_customer_updates);
    tcase_add_test(tc, live_segment_follows_transactions_and_sets);
    tcase_add_test(tc, live_segment_follows_a_moved_book);
    tcase_add_test(tc, restricted_customers_leave_every_segment);
    tcase_add_test(tc, update_changes_rule_and_is_audited);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(segment_suite());
}
