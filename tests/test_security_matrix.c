/* Every role against every public operation: a table with one row per
 * exported function that needs an actor, naming the row of docs/ACCESS.md
 * that says who may call it. The test parses that table, calls each
 * function as each of the six roles (and with no actor) on a prepared
 * database, and checks CRM_E_PERMISSION exactly where the document has an
 * empty cell. Every symbol of lib/libcrm.map must be either in the matrix or
 * in the list of functions that take no actor, so a new function fails this
 * test until it gets a row.
 *
 * Adding a function: one OP(...) line in MATRIX below (the symbol, the
 * ACCESS.md row label, and the call as statements that set `rc`; `F` is the
 * prepared fixture). Functions without an actor go in no_actor[]. */
#include "testutil.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ROLES 6
static const char *const role_names[N_ROLES] = {
    "admin", "branch_manager", "relationship_manager", "marketer", "complaint_handler", "auditor"};
/* One user per role, all in branch BJ: the customer C1 is in the RM's book
 * and the branch manager's subtree, so "own book" and "own subtree" cells
 * are exercised on data the role may see. */
static const char *const actors[N_ROLES] = {"m.admin", "m.bm", "m.rm", "m.mk", "m.ch", "m.au"};

/* ------------------------------------------------------------ the fixture */

struct fixture {
    char ticket[64];        /* a complaint on C1 */
    int64_t alert_id;       /* an alert on C1 */
    char csv_path[512];     /* a customer import file */
    char txn_path[512];     /* a transaction import file */
    char holding_path[512]; /* a holding import file */
    char out_path[512];     /* where exports and reports go */
    crm_risk_config *risk;
    crm_analytics_config *tiers;
    int64_t lead_id;       /* campaign RUN1's lead on C3, owned by m.rm */
    char idem_key[128];    /* RUN1's queued message to C3 */
    char event_jsonl[320]; /* one response event on that message, as JSON Lines */
};
static struct fixture F;

/* Records built for one call, freed after it. */
static crm_record *pool[16];
static size_t pooled;

/* A text record from name, value pairs ending with NULL; freed after the call. */
static crm_record *rec(const char *name, ...)
{
    crm_record *r;
    ck_assert_ok(crm_record_new(&r));
    va_list ap;
    va_start(ap, name);
    for (const char *n = name; n; n = va_arg(ap, const char *))
        ck_assert_ok(crm_record_set_text(r, n, va_arg(ap, const char *)));
    va_end(ap);
    ck_assert_uint_lt(pooled, sizeof pool / sizeof pool[0]);
    pool[pooled++] = r;
    return r;
}

static void pool_free(void)
{
    while (pooled)
        crm_record_free(pool[--pooled]);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void must(crm_db *db, int rc, const char *what)
{
    ck_assert_msg(rc == CRM_OK, "fixture %s: %d %s", what, rc, crm_db_errmsg(db));
}

/* Promotes WM01 (R2) to the segment 营销客群 by SMS; dated so pace checks have a window. */
static const char CAMPAIGN_DEF[] = "name: 稳健理财推介\n"
                                   "products: [WM01]\n"
                                   "segments: [营销客群]\n"
                                   "budget: 1000\n"
                                   "control_bps: 0\n"
                                   "start: 2026-11-01\n"
                                   "end: 2026-12-31\n"
                                   "lead_due_days: 5\n"
                                   "channels:\n"
                                   "  - {channel: sms, body: \"{salutation}，{product}现已发售\"}\n"
                                   "rewards:\n"
                                   "  tiers:\n"
                                   "    - {min: 100000, bonus_bps: 50}\n"
                                   "  referral: {referrer: 50, referee: 30}\n";

/* Campaign `code` written by m.planner, a marketer who is none of the role
 * users, optionally submitted, and approved by the bootstrap "admin" (not
 * m.admin either): every role user may then approve without meeting the
 * four-eyes rule, so the matrix tests the role alone. */
static void campaign_planned(crm_db *db, const char *code, bool submit, bool approve)
{
    ck_assert_ok(crm_db_set_actor(db, "m.planner"));
    must(db, crm_campaign_create(db, code, CAMPAIGN_DEF), code);
    if (submit)
        must(db, crm_campaign_submit(db, code), code);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    if (approve)
        must(db, crm_campaign_approve(db, code), code);
}

/* C3, a suitable consenting customer of m.rm's book; campaigns in each state
 * the calls need (DRAFT1 draft, SUB1 submitted, APP1 approved, RUN1 running
 * with its target list, a lead and a queued message). */
static void prepare_campaigns(crm_db *db)
{
    test_add_user(db, "m.planner", "marketer", "BJ");
    crm_record *c3 = rec("customer_no", "C3", "name", "王芳", "branch", "BJ", "manager", "m.rm",
                         "risk_level", "C3", NULL);
    ck_assert_ok(crm_record_set_date(c3, "risk_assessed_at", "2026-06-01"));
    ck_assert_ok(crm_record_set_int(c3, "consent_sms", 1));
    must(db, crm_customer_create(db, c3), "C3");
    /* its own segment: seg1 is deleted by a matrix call, which a campaign would block */
    must(db, crm_segment_create(db, "营销客群", "{\"==\": [1, 1]}", rec("branch", "BJ", NULL)),
         "campaign segment");
    campaign_planned(db, "DRAFT1", false, false);
    campaign_planned(db, "SUB1", true, false);
    campaign_planned(db, "APP1", true, true);
    campaign_planned(db, "RUN1", true, true);
    crm_record *counts = NULL;
    must(db, crm_campaign_target(&counts, db, "RUN1"), "target");
    int64_t targets = 0;
    ck_assert_ok(crm_record_get_int(&targets, counts, "target"));
    crm_record_free(counts);
    ck_assert_int_eq(targets, 1); /* C3; C1 has no risk assessment, C2 is pending deletion */
    must(db, crm_campaign_transition(db, "RUN1", "scheduled"), "schedule");
    must(db, crm_campaign_transition(db, "RUN1", "running"), "run");
    int64_t n = 0;
    must(db, crm_campaign_dispatch(&n, NULL, db, "RUN1"), "dispatch");
    ck_assert_int_eq(n, 1);
    must(db, crm_message_queue(&n, db, "RUN1"), "queue");
    ck_assert_int_eq(n, 1);
    crm_iter *it;
    const crm_record *row;
    must(db, crm_lead_list(&it, db, NULL), "lead list");
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_ok(crm_record_get_int(&F.lead_id, row, "id"));
    crm_iter_free(it);
    must(db, crm_message_list(&it, db, NULL), "message list");
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    const char *key = NULL;
    ck_assert_ok(crm_record_get_text(&key, row, "idem_key"));
    snprintf(F.idem_key, sizeof F.idem_key, "%s", key);
    crm_iter_free(it);
    snprintf(F.event_jsonl, sizeof F.event_jsonl,
             "{\"event_key\":\"ev-jsonl\",\"kind\":\"delivered\",\"idem_key\":\"%s\"}\n",
             F.idem_key);
}

static crm_db *prepare(void)
{
    crm_db *db = test_open_admin(":memory:");
    must(db, crm_branch_add(db, "BJ", "北京分行", "HO"), "branch");
    for (int i = 0; i < N_ROLES; i++)
        must(db,
             crm_user_add(db, rec("name", actors[i], "display_name", actors[i], "roles",
                                  role_names[i], "branch", "BJ", "phone", "13900001111", NULL)),
             actors[i]);
    test_add_user(db, "victim", "marketer", "BJ");
    test_add_user(db, "m.rm2", "relationship_manager", "BJ");
    must(db,
         crm_customer_create(db, rec("customer_no", "C1", "name", "张三", "branch", "BJ", "manager",
                                     "m.rm", "id_number", "110101198001010010", "phone",
                                     "13812345678", "email", "zhang@example.com", NULL)),
         "C1");
    must(db,
         crm_customer_create(
             db, rec("customer_no", "C2", "name", "李四", "branch", "BJ", "manager", "m.rm", NULL)),
         "C2");
    must(db,
         crm_product_add(db, rec("code", "WM01", "name", "稳健理财", "type", "wealth",
                                 "risk_rating", "R2", NULL)),
         "product");
    must(db, crm_holding_set(db, "C1", "WM01", 500000), "holding");
    crm_record *big = rec("customer_no", "C1", "type", "transfer_out", "channel", "mobile", NULL);
    ck_assert_ok(crm_record_set_money(big, "amount", 60000000)); /* raises large_transfer */
    must(db, crm_txn_add(db, big), "txn");
    crm_iter *it;
    const crm_record *row;
    must(db, crm_alert_list(&it, db, NULL), "alert list");
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_ok(crm_record_get_int(&F.alert_id, row, "id"));
    crm_iter_free(it);
    must(db, crm_tag_category_add(db, "价值", NULL, "客户价值"), "tag category");
    must(db, crm_tag_add(db, "vip", "价值", "贵宾"), "tag");
    must(db, crm_tag_apply(db, "C1", "vip", CRM_TAG_MANUAL, NULL, NULL), "tag apply");
    must(db, crm_segment_create(db, "seg1", "{\"==\": [1, 1]}", rec("branch", "BJ", NULL)),
         "segment");
    must(db,
         crm_kb_add(db, rec("code", "K1", "title", "银行卡挂失", "body", "请拨打热线挂失。", NULL)),
         "kb");
    must(db, crm_complaint_team_add(db, rec("code", "GENERAL", "name", "综合组", NULL)), "team");
    char *ticket = NULL;
    must(db,
         crm_complaint_open(&ticket, db,
                            rec("channel", "phone", "category", "card", "subject", "年费重复扣收",
                                "body", "年费被扣了两次", "customer_no", "C1", "branch", "BJ",
                                "contact_phone", "13812345678", NULL)),
         "complaint");
    snprintf(F.ticket, sizeof F.ticket, "%s", ticket);
    crm_free(ticket);
    ck_assert_ok(crm_db_set_actor(db, "m.rm")); /* the requester: neither admin nor manager */
    must(db, crm_customer_delete_request(db, "C2", "客户销户"), "delete request");
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    prepare_campaigns(db);
    pool_free();
    return db;
}

/* ------------------------------------------------------------ the matrix */

/* OP(symbol, ACCESS.md row label, statements setting rc). */
#define MATRIX(OP)                                                                                 \
    OP(crm_branch_add, "branch add", rc = crm_branch_add(db, "SH", "上海分行", "HO"))              \
    OP(crm_branch_get, "branch get / list", crm_record *r = NULL;                                  \
       rc = crm_branch_get(&r, db, "BJ"); crm_record_free(r))                                      \
    OP(crm_branch_list, "branch get / list", crm_iter *it = NULL; rc = crm_branch_list(&it, db);   \
       crm_iter_free(it))                                                                          \
    OP(crm_user_add, "user add / disable / enable",                                                \
       rc = crm_user_add(db, rec("name", "new.user", "display_name", "新用户", "roles",            \
                                 "marketer", "branch", "BJ", NULL)))                               \
    OP(crm_user_disable, "user add / disable / enable",                                            \
       rc = crm_user_disable(db, "victim", "离职"))                                                \
    OP(crm_user_enable, "user add / disable / enable", rc = crm_user_enable(db, "victim", "复职")) \
    OP(crm_user_get, "user get / list", crm_record *r = NULL; rc = crm_user_get(&r, db, self(db)); \
       crm_record_free(r))                                                                         \
    OP(crm_user_list, "user get / list", crm_iter *it = NULL; rc = crm_user_list(&it, db);         \
       crm_iter_free(it))                                                                          \
    OP(crm_user_reveal, "user reveal phone / email", char *s = NULL;                               \
       rc = crm_user_reveal(&s, db, self(db), "phone", "核实"); crm_free(s))                       \
    OP(crm_user_set_password, "user set password",                                                 \
       rc = crm_user_set_password(db, self(db), "Str0ng-Passw0rd!"))                               \
    OP(crm_audit_list, "audit list / verify / checkpoint", crm_iter *it = NULL;                    \
       rc = crm_audit_list(&it, db, NULL); crm_iter_free(it))                                      \
    OP(crm_audit_verify, "audit list / verify / checkpoint", int64_t n = 0; int64_t bad = 0;       \
       rc = crm_audit_verify(&n, &bad, db, NULL))                                                  \
    OP(crm_audit_checkpoint, "audit list / verify / checkpoint", char *s = NULL;                   \
       rc = crm_audit_checkpoint(&s, db); crm_free(s))                                             \
    OP(crm_db_rotate_data_key, "key rotation, re-encryption", rc = crm_db_rotate_data_key(db))     \
    OP(crm_db_reencrypt_step, "key rotation, re-encryption", int64_t left = 0;                     \
       rc = crm_db_reencrypt_step(db, 10, &left))                                                  \
    OP(crm_db_rotate_master_key, "key rotation, re-encryption",                                    \
       rc = crm_db_rotate_master_key(db, TEST_KEY))                                                \
    OP(crm_customer_get, "customer get / search / view, holdings and transactions list",           \
       crm_record *r = NULL;                                                                       \
       rc = crm_customer_get(&r, db, "C1"); crm_record_free(r))                                    \
    OP(crm_customer_view, "customer get / search / view, holdings and transactions list",          \
       char *s = NULL;                                                                             \
       rc = crm_customer_view(&s, db, "C1", 5); crm_free(s))                                       \
    OP(crm_customer_find_by, "customer get / search / view, holdings and transactions list",       \
       crm_iter *it = NULL;                                                                        \
       rc = crm_customer_find_by(&it, db, "phone", "13812345678"); crm_iter_free(it))              \
    OP(crm_customer_search, "customer get / search / view, holdings and transactions list",        \
       crm_iter *it = NULL;                                                                        \
       rc = crm_customer_search(&it, db, rec("name", "张", NULL)); crm_iter_free(it))              \
    OP(crm_customer_quality, "customer get / search / view, holdings and transactions list",       \
       crm_iter *it = NULL;                                                                        \
       rc = crm_customer_quality(&it, db); crm_iter_free(it))                                      \
    OP(crm_customer_stats, "customer get / search / view, holdings and transactions list",         \
       crm_iter *it = NULL;                                                                        \
       rc = crm_customer_stats(&it, db, "province"); crm_iter_free(it))                            \
    OP(crm_holding_list, "customer get / search / view, holdings and transactions list",           \
       crm_iter *it = NULL;                                                                        \
       rc = crm_holding_list(&it, db, "C1"); crm_iter_free(it))                                    \
    OP(crm_txn_list, "customer get / search / view, holdings and transactions list",               \
       crm_iter *it = NULL;                                                                        \
       rc = crm_txn_list(&it, db, "C1", NULL); crm_iter_free(it))                                  \
    OP(crm_customer_create, "customer create / update",                                            \
       rc = crm_customer_create(                                                                   \
           db, rec("customer_no", "C9", "name", "王五", "branch", "BJ", "manager", "m.rm", NULL))) \
    OP(crm_customer_update, "customer create / update",                                            \
       rc = crm_customer_update(db, "C1", rec("city", "北京", NULL), version_of(db, "C1")))        \
    OP(crm_customer_reveal, "customer reveal (with a reason, audited)", char *s = NULL;            \
       rc = crm_customer_reveal(&s, db, "C1", "phone", "核实身份"); crm_free(s))                   \
    OP(crm_customer_delete_request, "customer delete request",                                     \
       rc = crm_customer_delete_request(db, "C1", "客户要求"))                                     \
    OP(crm_customer_delete_approve,                                                                \
       "customer delete approve (not the requester), assign, move a book",                         \
       rc = crm_customer_delete_approve(db, "C2", "核准"))                                         \
    OP(crm_customer_assign, "customer delete approve (not the requester), assign, move a book",    \
       rc = crm_customer_assign(db, "C1", "m.rm2", "调整"))                                        \
    OP(crm_customer_move_book, "customer delete approve (not the requester), assign, move a book", \
       int64_t moved = 0;                                                                          \
       rc = crm_customer_move_book(&moved, db, "m.rm", "m.rm2", "调岗"))                           \
    OP(crm_customer_purge_due, "customer purge", int64_t n = 0;                                    \
       rc = crm_customer_purge_due(&n, db))                                                        \
    OP(crm_customer_import, "customer import", crm_import_stats st = CRM_IMPORT_STATS_INIT;        \
       rc = crm_customer_import(&st, db, F.csv_path, NULL))                                        \
    OP(crm_customer_export, "customer export (masked; clear needs reveal rights and a reason)",    \
       int64_t n = 0;                                                                              \
       rc = crm_customer_export(&n, db, F.out_path, NULL))                                         \
    OP(crm_product_add, "product add",                                                             \
       rc = crm_product_add(db, rec("code", "DP01", "name", "定期存款", "type", "deposit",         \
                                    "risk_rating", "R1", NULL)))                                   \
    OP(crm_product_get, "product get / list", crm_record *r = NULL;                                \
       rc = crm_product_get(&r, db, "WM01"); crm_record_free(r))                                   \
    OP(crm_product_list, "product get / list", crm_iter *it = NULL;                                \
       rc = crm_product_list(&it, db, NULL); crm_iter_free(it))                                    \
    OP(crm_holding_set, "holding set / import, transaction add / import (the core-banking feed)",  \
       rc = crm_holding_set(db, "C1", "WM01", 100))                                                \
    OP(crm_txn_add, "holding set / import, transaction add / import (the core-banking feed)",      \
       crm_record *t = rec("customer_no", "C1", "type", "deposit", "channel", "branch", NULL);     \
       crm_record_set_money(t, "amount", 100); rc = crm_txn_add(db, t))                            \
    OP(crm_txn_import, "holding set / import, transaction add / import (the core-banking feed)",   \
       crm_import_stats st = CRM_IMPORT_STATS_INIT;                                                \
       rc = crm_txn_import(&st, db, F.txn_path, NULL))                                             \
    OP(crm_holding_import,                                                                         \
       "holding set / import, transaction add / import (the core-banking feed)",                   \
       crm_import_stats st = CRM_IMPORT_STATS_INIT;                                                \
       crm_import_options o = CRM_IMPORT_OPTIONS_INIT; o.on_duplicate = CRM_DUPLICATE_UPDATE;      \
       rc = crm_holding_import(&st, db, F.holding_path, &o))                                       \
    OP(crm_segment_list, "segment list / get / members, tag list", crm_iter *it = NULL;            \
       rc = crm_segment_list(&it, db); crm_iter_free(it))                                          \
    OP(crm_segment_get, "segment list / get / members, tag list", crm_record *r = NULL;            \
       rc = crm_segment_get(&r, db, "seg1"); crm_record_free(r))                                   \
    OP(crm_segment_members, "segment list / get / members, tag list", crm_iter *it = NULL;         \
       rc = crm_segment_members(&it, db, "seg1"); crm_iter_free(it))                               \
    OP(crm_segment_diff, "segment list / get / members, tag list", crm_iter *it = NULL;            \
       rc = crm_segment_diff(&it, db, "seg1"); crm_iter_free(it))                                  \
    OP(crm_segment_preview, "segment create / update / refresh / delete, preview", int64_t n = 0;  \
       rc = crm_segment_preview(&n, db, "{\"==\": [1, 1]}", NULL))                                 \
    OP(crm_segment_subscribe, "segment list / get / members, tag list", int id = 0;                \
       rc = crm_segment_subscribe(&id, db, on_segment_event, NULL);                                \
       if (rc == CRM_OK) crm_segment_unsubscribe(db, id))                                          \
    OP(crm_tag_list, "segment list / get / members, tag list", crm_iter *it = NULL;                \
       rc = crm_tag_list(&it, db); crm_iter_free(it))                                              \
    OP(crm_tag_customer_list, "customer get / search / view, holdings and transactions list",      \
       crm_iter *it = NULL;                                                                        \
       rc = crm_tag_customer_list(&it, db, "C1"); crm_iter_free(it))                               \
    OP(crm_tag_stats, "segment list / get / members, tag list", crm_iter *it = NULL;               \
       rc = crm_tag_stats(&it, db); crm_iter_free(it))                                             \
    OP(crm_segment_create, "segment create / update / refresh / delete, preview",                  \
       rc = crm_segment_create(db, "seg2", "{\"==\": [1, 1]}", rec("branch", "BJ", NULL)))         \
    OP(crm_segment_create_static, "segment create / update / refresh / delete, preview",           \
       const char *nos[] = {"C1"};                                                                 \
       rc = crm_segment_create_static(db, "seg3", nos, 1, rec("branch", "BJ", NULL)))              \
    OP(crm_segment_create_set, "segment create / update / refresh / delete, preview",              \
       const char *ops[] = {"seg1", "seg1"};                                                       \
       rc = crm_segment_create_set(db, "seg4", CRM_SEGMENT_UNION, ops, 2,                          \
                                   rec("branch", "BJ", NULL)))                                     \
    OP(crm_segment_update, "segment create / update / refresh / delete, preview",                  \
       rc = crm_segment_update(db, "seg1", "{\"==\": [2, 2]}", NULL))                              \
    OP(crm_segment_refresh, "segment create / update / refresh / delete, preview",                 \
       crm_record *r = NULL;                                                                       \
       rc = crm_segment_refresh(&r, db, "seg1"); crm_record_free(r))                               \
    OP(crm_segment_delete, "segment create / update / refresh / delete, preview",                  \
       rc = crm_segment_delete(db, "seg1"))                                                        \
    OP(crm_tag_apply, "tag a customer (manual tags)",                                              \
       rc = crm_tag_apply(db, "C2", "vip", CRM_TAG_MANUAL, NULL, NULL))                            \
    OP(crm_tag_remove, "tag a customer (manual tags)",                                             \
       rc = crm_tag_remove(db, "C1", "vip", CRM_TAG_MANUAL))                                       \
    OP(crm_tag_category_add, "tag taxonomy, rule-driven tags",                                     \
       rc = crm_tag_category_add(db, "渠道", NULL, "渠道偏好"))                                    \
    OP(crm_tag_add, "tag taxonomy, rule-driven tags", rc = crm_tag_add(db, "新客", "价值", NULL))  \
    OP(crm_tag_set_rule, "tag taxonomy, rule-driven tags",                                         \
       rc = crm_tag_add(db, "rich", "价值", NULL);                                                 \
       if (rc == CRM_OK || rc == CRM_E_PERMISSION) rc =                                            \
           crm_tag_set_rule(db, "rich", "{\">\": [{\"var\": \"assets\"}, 0]}"))                    \
    OP(crm_tag_refresh, "tag taxonomy, rule-driven tags", int64_t n = 0;                           \
       rc = crm_tag_refresh(&n, db, NULL))                                                         \
    OP(crm_risk_assess, "risk assessment (questionnaire)", crm_record *out = NULL;                 \
       crm_record *answers = NULL;                                                                 \
       ck_assert_ok(crm_risk_answers_parse(&answers, RISK_ANSWERS, strlen(RISK_ANSWERS)));         \
       rc = crm_risk_assess(&out, db, F.risk, "C1", answers); crm_record_free(out);                \
       crm_record_free(answers))                                                                   \
    OP(crm_risk_history, "customer get / search / view, holdings and transactions list",           \
       crm_iter *it = NULL;                                                                        \
       rc = crm_risk_history(&it, db, "C1"); crm_iter_free(it))                                    \
    OP(crm_risk_check, "customer get / search / view, holdings and transactions list",             \
       crm_record *r = NULL;                                                                       \
       rc = crm_risk_check(&r, db, "C1", "WM01"); crm_record_free(r))                              \
    OP(crm_analytics_score_run, "analytics (RFM, tiers, clusters, cross-sell, propensity)",        \
       crm_record *r = NULL;                                                                       \
       rc = crm_analytics_score_run(&r, db, F.tiers); crm_record_free(r))                          \
    OP(crm_analytics_cluster_run, "analytics (RFM, tiers, clusters, cross-sell, propensity)",      \
       crm_record *r = NULL;                                                                       \
       rc = crm_analytics_cluster_run(&r, db, NULL); crm_record_free(r))                           \
    OP(crm_analytics_cluster_profiles, "analytics (RFM, tiers, clusters, cross-sell, propensity)", \
       crm_iter *it = NULL;                                                                        \
       rc = crm_analytics_cluster_profiles(&it, db); crm_iter_free(it))                            \
    OP(crm_analytics_assoc_run, "analytics (RFM, tiers, clusters, cross-sell, propensity)",        \
       crm_iter *it = NULL;                                                                        \
       rc = crm_analytics_assoc_run(&it, db, NULL); crm_iter_free(it))                             \
    OP(crm_analytics_propensity_run, "analytics (RFM, tiers, clusters, cross-sell, propensity)",   \
       crm_record *r = NULL;                                                                       \
       rc = crm_analytics_propensity_run(&r, db, NULL); crm_record_free(r))                        \
    OP(crm_analytics_customer_get, "customer get / search / view, holdings and transactions list", \
       crm_record *r = NULL;                                                                       \
       rc = crm_analytics_customer_get(&r, db, "C1"); crm_record_free(r))                          \
    OP(crm_analytics_recommend, "customer get / search / view, holdings and transactions list",    \
       crm_iter *it = NULL;                                                                        \
       rc = crm_analytics_recommend(&it, db, "C1", 3); crm_iter_free(it))                          \
    OP(crm_alert_list, "alert list", crm_iter *it = NULL; rc = crm_alert_list(&it, db, NULL);      \
       crm_iter_free(it))                                                                          \
    OP(crm_alert_get, "alert list", crm_record *r = NULL; rc = crm_alert_get(&r, db, F.alert_id);  \
       crm_record_free(r))                                                                         \
    OP(crm_alert_rules_get, "alert list", char *s = NULL; rc = crm_alert_rules_get(&s, db);        \
       crm_free(s))                                                                                \
    OP(crm_alert_rules_list, "alert list", crm_iter *it = NULL;                                    \
       rc = crm_alert_rules_list(&it, db); crm_iter_free(it))                                      \
    OP(crm_alert_ack, "alert acknowledge / close, alert rules",                                    \
       rc = crm_alert_ack(db, F.alert_id, "已核实"))                                               \
    OP(crm_alert_close, "alert acknowledge / close, alert rules",                                  \
       rc = crm_alert_close(db, F.alert_id, "正常交易"))                                           \
    OP(crm_alert_rules_set, "alert acknowledge / close, alert rules",                              \
       const char *y = crm_alert_default_rules();                                                  \
       rc = crm_alert_rules_set(db, y, strlen(y)))                                                 \
    OP(crm_alert_rules_reset, "alert acknowledge / close, alert rules",                            \
       rc = crm_alert_rules_reset(db))                                                             \
    OP(crm_complaint_list, "complaint list / show", crm_iter *it = NULL;                           \
       rc = crm_complaint_list(&it, db, NULL); crm_iter_free(it))                                  \
    OP(crm_complaint_get, "complaint list / show", crm_record *r = NULL;                           \
       rc = crm_complaint_get(&r, db, F.ticket); crm_record_free(r))                               \
    OP(crm_complaint_history, "complaint list / show", crm_iter *it = NULL;                        \
       rc = crm_complaint_history(&it, db, F.ticket); crm_iter_free(it))                           \
    OP(crm_complaint_config_get, "complaint list / show", char *s = NULL;                          \
       rc = crm_complaint_config_get(&s, db); crm_free(s))                                         \
    OP(crm_complaint_stats, "complaint list / show", crm_iter *it = NULL;                          \
       rc = crm_complaint_stats(&it, db, rec("by", "category", NULL)); crm_iter_free(it))          \
    OP(crm_complaint_hotspots, "complaint list / show", crm_iter *it = NULL;                       \
       rc = crm_complaint_hotspots(&it, db,                                                        \
                                   rec("since", "2026-11-01", "until", "2026-12-01", NULL));       \
       crm_iter_free(it))                                                                          \
    OP(crm_complaint_terms, "complaint list / show", crm_iter *it = NULL;                          \
       rc = crm_complaint_terms(&it, db, NULL); crm_iter_free(it))                                 \
    OP(crm_complaint_open, "complaint open / note / transition", char *t = NULL;                   \
       rc = crm_complaint_open(&t, db,                                                             \
                               rec("channel", "branch", "category", "fee", "subject", "手续费",    \
                                   "body", "多收手续费", "customer_no", "C1", NULL));              \
       crm_free(t))                                                                                \
    OP(crm_complaint_note, "complaint open / note / transition",                                   \
       rc = crm_complaint_note(db, F.ticket, "已联系客户"))                                        \
    OP(crm_complaint_transition, "complaint open / note / transition",                             \
       rc = crm_complaint_transition(db, F.ticket, "in_progress", "处理中"))                       \
    OP(crm_complaint_extend, "complaint open / note / transition",                                 \
       rc = crm_complaint_extend(db, F.ticket, "需要调取录音"))                                    \
    OP(crm_complaint_rate, "complaint open / note / transition",                                   \
       rc = crm_complaint_rate(db, F.ticket, 4))                                                   \
    OP(crm_complaint_reveal, "complaint open / note / transition", char *s = NULL;                 \
       rc = crm_complaint_reveal(&s, db, F.ticket, "contact_phone", "回访客户"); crm_free(s))      \
    OP(crm_complaint_config_set, "complaint workflow, teams, assignment rules, SLA scan",          \
       char *y = NULL;                                                                             \
       ck_assert_ok(crm_db_set_actor(db, "admin"));                                                \
       ck_assert_ok(crm_complaint_config_get(&y, db)); rc = set_actor_again(db);                   \
       if (!rc) rc = crm_complaint_config_set(db, y, strlen(y)); crm_free(y))                      \
    OP(crm_complaint_team_add, "complaint workflow, teams, assignment rules, SLA scan",            \
       rc = crm_complaint_team_add(db, rec("code", "CREDIT", "name", "信用卡组", NULL)))           \
    OP(crm_complaint_team_member_add, "complaint workflow, teams, assignment rules, SLA scan",     \
       rc = crm_complaint_team_member_add(db, "GENERAL", "m.ch", NULL))                            \
    OP(crm_complaint_assign, "complaint open / note / transition", /* crm/complaint.h */           \
       rc = crm_complaint_assign(db, F.ticket, "m.ch", NULL))                                      \
    OP(crm_complaint_sla_scan, "complaint workflow, teams, assignment rules, SLA scan",            \
       crm_record *r = NULL;                                                                       \
       rc = crm_complaint_sla_scan(&r, db, NULL, NULL); crm_record_free(r))                        \
    OP(crm_kb_search, "knowledge base search / answer", crm_iter *it = NULL;                       \
       rc = crm_kb_search(&it, db, "挂失", 5); crm_iter_free(it))                                  \
    OP(crm_kb_answer, "knowledge base search / answer", crm_record *r = NULL;                      \
       rc = crm_kb_answer(&r, NULL, db, "银行卡丢了怎么挂失", 0.1, NULL); crm_record_free(r))      \
    OP(crm_kb_get, "knowledge base search / answer", crm_record *r = NULL;                         \
       rc = crm_kb_get(&r, db, "K1"); crm_record_free(r))                                          \
    OP(crm_kb_list, "knowledge base search / answer", crm_iter *it = NULL;                         \
       rc = crm_kb_list(&it, db, NULL); crm_iter_free(it))                                         \
    OP(crm_kb_suggest, "complaint list / show", crm_iter *it = NULL;                               \
       rc = crm_kb_suggest(&it, db, F.ticket, 3); crm_iter_free(it))                               \
    OP(crm_kb_add, "knowledge base articles add / edit",                                           \
       rc = crm_kb_add(db, rec("code", "K2", "title", "转账限额", "body", "单笔五万元。", NULL)))  \
    OP(crm_kb_import, "knowledge base articles add / edit", int64_t n = 0;                         \
       rc = crm_kb_import(&n, db, KB_YAML, strlen(KB_YAML)))                                       \
    OP(crm_kb_publish, "knowledge base articles add / edit", rc = crm_kb_publish(db, "K1"))        \
    OP(crm_report_run, "reports (rows limited to what the user may see; personal data masked)",    \
       crm_iter *it = NULL;                                                                        \
       rc = crm_report_run(&it, db, NULL, "customer-analysis", rec("period", "2026-11", NULL));    \
       crm_iter_free(it))                                                                          \
    OP(crm_report_write, "reports (rows limited to what the user may see; personal data masked)",  \
       rc = crm_report_write(db, NULL, "customer-analysis", rec("period", "2026-11", NULL), "csv", \
                             F.out_path))                                                          \
    OP(crm_campaign_list,                                                                          \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_campaign_list(&it, db, NULL); crm_iter_free(it))                                   \
    OP(crm_campaign_get,                                                                           \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_record *r = NULL;                                                                       \
       rc = crm_campaign_get(&r, db, "RUN1"); crm_record_free(r))                                  \
    OP(crm_campaign_targets,                                                                       \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_campaign_targets(&it, db, "RUN1", NULL); crm_iter_free(it))                        \
    OP(crm_campaign_templates,                                                                     \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_campaign_templates(&it, db); crm_iter_free(it))                                    \
    OP(crm_campaign_cases,                                                                         \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_campaign_cases(&it, db); crm_iter_free(it))                                        \
    OP(crm_campaign_policy_get,                                                                    \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_record *r = NULL;                                                                       \
       rc = crm_campaign_policy_get(&r, db); crm_record_free(r))                                   \
    OP(crm_message_render,                                                                         \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       char *s = NULL;                                                                             \
       rc = crm_message_render(&s, db, "{salutation}您好", "sms", "C3", NULL); crm_free(s))        \
    OP(crm_message_list,                                                                           \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_message_list(&it, db, NULL); crm_iter_free(it))                                    \
    OP(crm_event_effectiveness,                                                                    \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_event_effectiveness(&it, db, "RUN1", "channel"); crm_iter_free(it))                \
    OP(crm_optout_list,                                                                            \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_optout_list(&it, db, NULL); crm_iter_free(it))                                     \
    OP(crm_care_config_get,                                                                        \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       char *s = NULL;                                                                             \
       rc = crm_care_config_get(&s, db); crm_free(s))                                              \
    OP(crm_care_calendar,                                                                          \
       "campaign list / get / status, case library (targets: what the user may see)",              \
       crm_iter *it = NULL;                                                                        \
       rc = crm_care_calendar(&it, db, 2026); crm_iter_free(it))                                   \
    OP(crm_campaign_create, "campaign create / edit / submit / target, templates",                 \
       rc = crm_campaign_create(db, "NEW1", CAMPAIGN_DEF))                                         \
    OP(crm_campaign_from_template, "campaign create / edit / submit / target, templates",          \
       rc = crm_campaign_from_template(db, "NEW2", "holiday_promotion", NULL))                     \
    OP(crm_campaign_update, "campaign create / edit / submit / target, templates", int64_t v = 0;  \
       rc = crm_campaign_update(&v, db, "DRAFT1", CAMPAIGN_DEF))                                   \
    OP(crm_campaign_submit, "campaign create / edit / submit / target, templates",                 \
       rc = crm_campaign_submit(db, "DRAFT1"))                                                     \
    OP(crm_campaign_target, "campaign create / edit / submit / target, templates",                 \
       crm_record *r = NULL;                                                                       \
       rc = crm_campaign_target(&r, db, "APP1"); crm_record_free(r))                               \
    OP(crm_campaign_template_add, "campaign create / edit / submit / target, templates",           \
       rc = crm_campaign_template_add(db, "branch_tmpl", CAMPAIGN_DEF))                            \
    OP(crm_campaign_policy_set, "campaign create / edit / submit / target, templates",             \
       crm_record *p = rec(NULL);                                                                  \
       ck_assert_ok(crm_record_set_int(p, "freq_cap", 6)); rc = crm_campaign_policy_set(db, p))    \
    OP(crm_campaign_approve, "campaign approve / reject (never the campaign's creator)",           \
       rc = crm_campaign_approve(db, "SUB1"))                                                      \
    OP(crm_campaign_reject, "campaign approve / reject (never the campaign's creator)",            \
       rc = crm_campaign_reject(db, "SUB1", "预算过高"))                                           \
    OP(crm_campaign_transition,                                                                    \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       rc = crm_campaign_transition(db, "RUN1", "paused"))                                         \
    OP(crm_campaign_evaluate,                                                                      \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       crm_record *r = NULL;                                                                       \
       rc = crm_campaign_evaluate(&r, db, "RUN1"); crm_record_free(r))                             \
    OP(crm_campaign_reward,                                                                        \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       crm_record *r = NULL;                                                                       \
       rc = crm_campaign_reward(&r, db, "RUN1", "C3", 20000000, "P1"); crm_record_free(r))         \
    OP(crm_campaign_referral_add,                                                                  \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       rc = crm_campaign_referral_add(db, "RUN1", "C1", "C3"))                                     \
    OP(crm_campaign_dispatch,                                                                      \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       int64_t made = 0;                                                                           \
       int64_t skipped = 0; rc = crm_campaign_dispatch(&made, &skipped, db, "RUN1"))               \
    OP(crm_message_queue,                                                                          \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       int64_t n = 0;                                                                              \
       rc = crm_message_queue(&n, db, "RUN1"))                                                     \
    OP(crm_message_send, /* in the call's transaction: CRM_E_STATE once the role is allowed */     \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       crm_record *r = NULL;                                                                       \
       rc = crm_message_send(&r, db, "RUN1", 0); crm_record_free(r))                               \
    OP(crm_message_retry,                                                                          \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       int64_t n = 0;                                                                              \
       rc = crm_message_retry(&n, db, NULL))                                                       \
    OP(crm_event_pace_check,                                                                       \
       "campaign schedule / pause / resume / complete, evaluate, rewards, dispatch leads, send",   \
       crm_record *r = NULL;                                                                       \
       rc = crm_event_pace_check(&r, db, "RUN1"); crm_record_free(r))                              \
    OP(crm_lead_list, "lead list", crm_iter *it = NULL; rc = crm_lead_list(&it, db, NULL);         \
       crm_iter_free(it))                                                                          \
    OP(crm_lead_outcome, "lead outcome",                                                           \
       rc = crm_lead_outcome(db, F.lead_id, "contacted", 0, "已电话联系"))                         \
    OP(crm_event_ingest, "response events, opt-outs (ingest)", int outcome = 0; int optout = 0;    \
       rc = crm_event_ingest(                                                                      \
           &outcome, &optout, db,                                                                  \
           rec("event_key", "ev1", "kind", "delivered", "idem_key", F.idem_key, NULL)))            \
    OP(crm_event_ingest_jsonl, "response events, opt-outs (ingest)", crm_record *r = NULL;         \
       rc = crm_event_ingest_jsonl(&r, db, F.event_jsonl, strlen(F.event_jsonl));                  \
       crm_record_free(r))                                                                         \
    OP(crm_optout_add, "response events, opt-outs (ingest)",                                       \
       rc = crm_optout_add(db, "C3", "sms", "branch"))                                             \
    OP(crm_care_run, "customer care run (greetings)", crm_record *r = NULL;                        \
       rc = crm_care_run(&r, db, "2026-11-25"); crm_record_free(r))                                \
    OP(crm_care_config_set, "customer care run (greetings)",                                       \
       rc = crm_care_config_set(db, CARE_YAML, strlen(CARE_YAML)))

static const char CARE_YAML[] = "sms: {max_segments: 2}\n";
static const char RISK_ANSWERS[] = "age: b\nincome: b\ninvestable_share: b\nexperience: b\n"
                                   "knowledge: b\nhorizon: b\ngoal: b\nloss_tolerance: b\n";
static const char KB_YAML[] =
    "articles:\n  - {code: K3, title: 密码重置, body: 携带身份证到网点。}\n";

/* The acting user's own name (user functions on oneself), "m.admin" with none. */
static const char *self(const crm_db *db)
{
    return crm_db_actor(db) ? crm_db_actor(db) : "m.admin";
}

static int64_t version_of(crm_db *db, const char *customer_no)
{
    crm_record *r = NULL;
    int64_t version = 1;
    if (crm_customer_get(&r, db, customer_no) == CRM_OK)
        crm_record_get_int(&version, r, "version");
    crm_record_free(r);
    return version;
}

static int on_segment_event(const char *segment, const char *customer_no, int joined, void *payload)
{
    (void)segment;
    (void)customer_no;
    (void)joined;
    (void)payload;
    return 0;
}

/* For a call that needed the admin to fetch its input: back to the role. */
static const char *current_actor;
static int set_actor_again(crm_db *db)
{
    return crm_db_set_actor(db, current_actor);
}

#define DEFINE_CALL(sym, label, ...)                                                               \
    static int call_##sym(crm_db *db)                                                              \
    {                                                                                              \
        int rc = CRM_E_INTERNAL;                                                                   \
        __VA_ARGS__;                                                                               \
        return rc;                                                                                 \
    }
MATRIX(DEFINE_CALL)

typedef int (*call_fn)(crm_db *db);
static const struct row {
    const char *symbol;
    const char *access_row; /* the first cell of the row in docs/ACCESS.md */
    call_fn call;
} matrix[] = {
#define TABLE_ROW(sym, label, ...) {#sym, label, call_##sym},
    MATRIX(TABLE_ROW)
#undef TABLE_ROW
};
#define N_MATRIX (sizeof matrix / sizeof matrix[0])

/* Exported functions that take no actor: values, records, rules, parsers of
 * host configuration, the handle's own state, and the two ways an actor is
 * established (bootstrap of an empty database, authentication). */
static const char *const no_actor[] = {
    "crm_version",
    "crm_version_string",
    "crm_version_check",
    "crm_errstr",
    "crm_last_errmsg",
    "crm_free",
    "crm_time_parse",
    "crm_time_format",
    "crm_db_options_init",
    "crm_db_open",
    "crm_db_close",
    "crm_db_errmsg",
    "crm_db_errcode",
    "crm_db_schema_version",
    "crm_db_now",
    "crm_db_begin",
    "crm_db_commit",
    "crm_db_rollback",
    "crm_db_txn_depth",
    "crm_db_set_actor",
    "crm_db_actor",
    "crm_record_new",
    "crm_record_free",
    "crm_record_set_text",
    "crm_record_set_int",
    "crm_record_set_money",
    "crm_record_set_date",
    "crm_record_unset",
    "crm_record_get_text",
    "crm_record_get_int",
    "crm_record_type",
    "crm_record_count",
    "crm_record_field_name",
    "crm_record_to_json",
    "crm_iter_next",
    "crm_iter_free",
    "crm_key_generate",
    "crm_key_generate_file",
    "crm_key_load_file",
    "crm_mask",
    "crm_role_parse",
    "crm_role_name",
    "crm_access_bootstrap",
    "crm_user_authenticate",
    "crm_id_number_parse",
    "crm_import_options_init",
    "crm_import_stats_init",
    "crm_export_options_init",
    "crm_rule_check_vocab",
    "crm_rule_data_check_vocab",
    "crm_rule_data_clear",
    "crm_rule_data_free",
    "crm_rule_data_new",
    "crm_rule_data_parse",
    "crm_rule_data_set_bool",
    "crm_rule_data_set_int",
    "crm_rule_data_set_json",
    "crm_rule_data_set_log",
    "crm_rule_data_set_null",
    "crm_rule_data_set_number",
    "crm_rule_data_set_resolver",
    "crm_rule_data_set_text",
    "crm_rule_data_set_text_array",
    "crm_rule_data_unset",
    "crm_rule_eval",
    "crm_rule_eval_json",
    "crm_rule_format",
    "crm_rule_free",
    "crm_rule_has_dynamic_variables",
    "crm_rule_parse",
    "crm_rule_schema_add",
    "crm_rule_schema_bind",
    "crm_rule_schema_free",
    "crm_rule_schema_new",
    "crm_rule_sql_free",
    "crm_rule_sql_param",
    "crm_rule_sql_param_count",
    "crm_rule_sql_text",
    "crm_rule_to_sql",
    "crm_rule_var_type_name",
    "crm_rule_variable",
    "crm_rule_variable_count",
    "crm_rule_vocab_count",
    "crm_rule_vocab_get",
    "crm_tag_source_name",
    "crm_segment_unsubscribe", /* removes the caller's own callback by its id */
    "crm_alert_set_callback",  /* a handle's own callback (crm/alert.h: no role needed) */
    "crm_risk_answers_parse",
    "crm_risk_config_default",
    "crm_risk_config_free",
    "crm_risk_config_load",
    "crm_analytics_config_default",
    "crm_analytics_config_free",
    "crm_analytics_config_load",
    "crm_alert_default_rules",
    "crm_report_catalog_new",
    "crm_report_catalog_free",
    "crm_report_catalog_load",
    "crm_report_catalog_load_file",
    "crm_report_catalog_count",
    "crm_report_catalog_name",
    "crm_report_describe",
    "crm_report_period",
    "crm_channel_register",       /* a handle's own delivery callback (crm/outreach.h) */
    "crm_channel_register_spool", /* the same, the built-in spool channel */
    "crm_message_segments"};      /* counts the SMS segments of a text */
#define N_NO_ACTOR (sizeof no_actor / sizeof no_actor[0])

/* ------------------------------------------------- the sources of truth */

static char *source_path(const char *relative)
{
    /* __FILE__ is this file's absolute path in a CMake build: tests/.. */
    static const char here[] = __FILE__;
    const char *slash = strrchr(here, '/');
    ck_assert_ptr_nonnull(slash);
    size_t dir = (size_t)(slash - here);
    char *path = malloc(dir + strlen(relative) + 8);
    ck_assert_ptr_nonnull(path);
    snprintf(path, dir + strlen(relative) + 8, "%.*s/../%s", (int)dir, here, relative);
    return path;
}

static char *slurp(const char *relative)
{
    char *path = source_path(relative);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    free(path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

/* A row of the ACCESS.md table: its label and, per role, whether the cell is
 * non-empty (the role may call it, perhaps limited to its scope). */
struct access_row {
    char label[160];
    bool allowed[N_ROLES];
};

static size_t parse_access_table(struct access_row *rows, size_t max)
{
    char *text = slurp("docs/ACCESS.md");
    size_t n = 0;
    int role_column[N_ROLES];
    bool in_table = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| operation |", 13) == 0) { /* the header: where each role is */
            in_table = true;
            for (int r = 0; r < N_ROLES; r++) {
                char *at = strstr(line, role_names[r]);
                ck_assert_msg(at != NULL, "ACCESS.md header lacks %s", role_names[r]);
                int col = 0;
                for (char *p = line + 1; p < at; p++)
                    col += *p == '|';
                role_column[r] = col;
            }
            continue;
        }
        if (!in_table || line[0] != '|' || strncmp(line, "|---", 4) == 0)
            continue;
        ck_assert_uint_lt(n, max);
        struct access_row *row = &rows[n++];
        char *cells[N_ROLES + 2];
        int col = 0;
        char *p = line + 1;
        while (col < N_ROLES + 1) {
            char *bar = strchr(p, '|');
            ck_assert_msg(bar != NULL, "ACCESS.md row with too few cells: %s", p);
            *bar = '\0';
            while (*p == ' ')
                p++;
            for (char *e = bar - 1; e >= p && *e == ' '; e--)
                *e = '\0';
            cells[col++] = p;
            p = bar + 1;
        }
        snprintf(row->label, sizeof row->label, "%s", cells[0]);
        for (int r = 0; r < N_ROLES; r++)
            row->allowed[r] = cells[role_column[r]][0] != '\0';
    }
    free(text);
    return n;
}

static const struct access_row *find_access(const struct access_row *rows, size_t n,
                                            const char *label)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].label, label) == 0)
            return &rows[i];
    return NULL;
}

/* The exported symbols: the crm_* names of lib/libcrm.map. */
static size_t map_symbols(char (*names)[64], size_t max)
{
    char *text = slurp("lib/libcrm.map");
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ')
            line++;
        size_t len = strcspn(line, ";");
        if (strncmp(line, "crm_", 4) != 0 || line[len] != ';')
            continue;
        ck_assert_uint_lt(n, max);
        snprintf(names[n++], 64, "%.*s", (int)len, line);
    }
    free(text);
    return n;
}

static bool in_matrix(const char *symbol)
{
    for (size_t i = 0; i < N_MATRIX; i++)
        if (strcmp(matrix[i].symbol, symbol) == 0)
            return true;
    return false;
}

static bool in_no_actor(const char *symbol)
{
    for (size_t i = 0; i < N_NO_ACTOR; i++)
        if (strcmp(no_actor[i], symbol) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ the tests */

START_TEST(every_exported_function_has_a_row)
{
    static char names[512][64];
    size_t n = map_symbols(names, 512);
    ck_assert_uint_gt(n, 100);
    char missing[4096] = "";
    for (size_t i = 0; i < n; i++) {
        bool a = in_matrix(names[i]), b = in_no_actor(names[i]);
        ck_assert_msg(!(a && b), "%s is both in the matrix and in no_actor[]", names[i]);
        if (!a && !b && strlen(missing) + strlen(names[i]) + 2 < sizeof missing) {
            strcat(missing, " ");
            strcat(missing, names[i]);
        }
    }
    ck_assert_msg(missing[0] == '\0',
                  "exported functions missing from the role matrix (add an OP row, or to "
                  "no_actor[] if it takes no actor):%s",
                  missing);
    /* and nothing listed that is not exported (a renamed function) */
    for (size_t i = 0; i < N_MATRIX + N_NO_ACTOR; i++) {
        const char *s = i < N_MATRIX ? matrix[i].symbol : no_actor[i - N_MATRIX];
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = strcmp(names[k], s) == 0;
        ck_assert_msg(found, "%s is in the matrix but not in lib/libcrm.map", s);
    }
}
END_TEST

START_TEST(every_row_names_a_row_of_access_md)
{
    static struct access_row rows[96];
    size_t n = parse_access_table(rows, 96);
    ck_assert_uint_gt(n, 30);
    for (size_t i = 0; i < N_MATRIX; i++)
        ck_assert_msg(find_access(rows, n, matrix[i].access_row) != NULL,
                      "%s: no row '%s' in docs/ACCESS.md", matrix[i].symbol, matrix[i].access_row);
    /* the admin may do everything the document lists */
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(rows[i].allowed[0], "ACCESS.md row '%s' denies the admin", rows[i].label);
}
END_TEST

static void prepare_files(void)
{
    char *p = test_temp_path("matrix-import");
    snprintf(F.csv_path, sizeof F.csv_path, "%s.csv", p);
    snprintf(F.txn_path, sizeof F.txn_path, "%s-txn.csv", p);
    snprintf(F.holding_path, sizeof F.holding_path, "%s-holding.csv", p);
    snprintf(F.out_path, sizeof F.out_path, "%s.out", p);
    free(p);
    write_file(F.csv_path, "customer_no,name,branch\nC7,赵六,BJ\n");
    write_file(F.txn_path, "customer_no,type,amount,channel,time,ref\n"
                           "C1,deposit,10.00,branch,2026-11-02,RF1\n");
    write_file(F.holding_path, "customer_no,product_code,balance\nC1,WM01,2.50\n");
    const char *r = crm_risk_config_default();
    ck_assert_ok(crm_risk_config_load(&F.risk, r, strlen(r)));
    const char *t = crm_analytics_config_default();
    ck_assert_ok(crm_analytics_config_load(&F.tiers, t, strlen(t)));
}

static void cleanup_files(void)
{
    unlink(F.csv_path);
    unlink(F.txn_path);
    unlink(F.holding_path);
    unlink(F.out_path);
    crm_risk_config_free(F.risk);
    crm_analytics_config_free(F.tiers);
}

/* Runs one call as `actor` (NULL: none) in a transaction that is rolled
 * back, so each call sees the prepared database. */
static char last_message[256];
static int call_as(crm_db *db, const struct row *row, const char *actor)
{
    current_actor = actor;
    ck_assert_ok(crm_db_set_actor(db, actor));
    ck_assert_ok(crm_db_begin(db));
    int rc = row->call(db);
    snprintf(last_message, sizeof last_message, "%s", crm_db_errmsg(db));
    pool_free();
    while (crm_db_txn_depth(db) > 0)
        ck_assert_ok(crm_db_rollback(db));
    return rc;
}

START_TEST(role_by_operation_matrix)
{
    static struct access_row rows[96];
    size_t n_rows = parse_access_table(rows, 96);
    prepare_files();
    crm_db *db = prepare();
    int checked = 0, succeeded = 0;
    char failures[8192] = "";
    for (size_t i = 0; i < N_MATRIX; i++) {
        const struct access_row *want = find_access(rows, n_rows, matrix[i].access_row);
        ck_assert_ptr_nonnull(want);
        for (int r = 0; r < N_ROLES; r++) {
            int rc = call_as(db, &matrix[i], actors[r]);
            const char *msg = last_message;
            bool ok = want->allowed[r] ? rc != CRM_E_PERMISSION : rc == CRM_E_PERMISSION;
            /* the admin's call must succeed, proof that the call itself is valid, or
             * meet a state the fixture does not set up (too few customers to cluster) */
            if (r == 0 && rc != CRM_OK && rc != CRM_E_STATE)
                ok = false;
            checked++;
            succeeded += rc == CRM_OK;
            if (!ok) {
                char line[400];
                snprintf(line, sizeof line, "\n  %s as %s: expected %s, got %d (%.200s)",
                         matrix[i].symbol, role_names[r],
                         r == 0             ? "CRM_OK"
                         : want->allowed[r] ? "not CRM_E_PERMISSION"
                                            : "CRM_E_PERMISSION",
                         rc, msg);
                if (strlen(failures) + strlen(line) < sizeof failures)
                    strcat(failures, line);
            }
        }
        int rc = call_as(db, &matrix[i], NULL); /* no actor at all */
        if (rc != CRM_E_PERMISSION) {
            char line[200];
            snprintf(line, sizeof line, "\n  %s with no actor: got %d", matrix[i].symbol, rc);
            if (strlen(failures) + strlen(line) < sizeof failures)
                strcat(failures, line);
        }
    }
    printf("role matrix: %zu functions x %d roles = %d calls (%d succeeded)\n", N_MATRIX, N_ROLES,
           checked, succeeded);
    ck_assert_msg(failures[0] == '\0', "role matrix disagrees with docs/ACCESS.md:%s", failures);
    crm_db_close(db);
    cleanup_files();
}
END_TEST

static Suite *matrix_suite(void)
{
    Suite *s = suite_create("security_matrix");
    TCase *tc = tcase_create("matrix");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_exported_function_has_a_row);
    tcase_add_test(tc, every_row_names_a_row_of_access_md);
    tcase_add_test(tc, role_by_operation_matrix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(matrix_suite());
}
