/* Campaigns: definitions and templates, the lifecycle with four-eyes
 * approval and versions, targeting with its suppressions in order (checked
 * by query: no unsuitable or non-consenting customer among the targets),
 * the deterministic control group, rewards under cap and budget,
 * referrals, lead dispatch and outcomes, evaluation with uplift, cases. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The test clock stands at 2026-11-18T11:06:40Z. */
#define YUAN 100LL

static void add_customer(crm_db *db, const char *no, const char *branch, const char *manager,
                         const char *risk, const char *assessed, const char *consents,
                         int64_t assets_yuan)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "张三"));
    ck_assert_ok(crm_record_set_text(c, "id_type", "passport"));
    ck_assert_ok(crm_record_set_text(c, "branch", branch));
    if (manager)
        ck_assert_ok(crm_record_set_text(c, "manager", manager));
    if (risk)
        ck_assert_ok(crm_record_set_text(c, "risk_level", risk));
    if (assessed)
        ck_assert_ok(crm_record_set_date(c, "risk_assessed_at", assessed));
    ck_assert_ok(crm_record_set_int(c, "consent_sms", strchr(consents, 's') != NULL));
    ck_assert_ok(crm_record_set_int(c, "consent_email", strchr(consents, 'e') != NULL));
    ck_assert_ok(crm_record_set_int(c, "consent_phone", strchr(consents, 'p') != NULL));
    ck_assert_ok(crm_record_set_money(c, "total_assets", assets_yuan * YUAN));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static void add_product(crm_db *db, const char *code, const char *type, const char *rating)
{
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", code));
    ck_assert_ok(crm_record_set_text(p, "name", "产品"));
    ck_assert_ok(crm_record_set_text(p, "type", type));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", rating));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
}

static void add_txn(crm_db *db, const char *no, const char *product, const char *type, int64_t fen)
{
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "customer_no", no));
    if (product)
        ck_assert_ok(crm_record_set_text(t, "product_code", product));
    ck_assert_ok(crm_record_set_text(t, "type", type));
    ck_assert_ok(crm_record_set_money(t, "amount", fen));
    ck_assert_ok(crm_record_set_text(t, "channel", "mobile"));
    int rc = crm_txn_add(db, t);
    crm_record_free(t);
    ck_assert_msg(rc == CRM_OK, "txn %s: %s", no, crm_db_errmsg(db));
}

/* A count by query on the database file. */
static int64_t raw_count(const char *path, const char *sql)
{
    sqlite3 *raw;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

static int64_t int_of(const crm_record *r, const char *field)
{
    int64_t v = -1;
    int rc = crm_record_get_int(&v, r, field);
    ck_assert_msg(rc == CRM_OK, "field %s missing", field);
    return v;
}

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    int rc = crm_record_get_text(&v, r, field);
    ck_assert_msg(rc == CRM_OK, "field %s missing", field);
    return v;
}

/* Branches, staff and two products; customers come per test. */
static crm_db *bank(const char *path)
{
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "mkt", "marketer", "HO");
    test_add_user(db, "mkt2", "marketer", "HO");
    test_add_user(db, "bm", "branch_manager", "BJ");
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "rm.g", "relationship_manager", "GZ");
    add_product(db, "WM01", "wealth", "R3");
    add_product(db, "CC01", "credit_card", "R1");
    return db;
}

static const char DEFINITION[] =
    "name: 稳盈理财首发\n"
    "description: 新理财产品推介\n"
    "products: [WM01]\n"
    "segments: [全部客户]\n"
    "eligibility: {\">=\": [{var: assets}, 10000000]}\n"
    "budget: \"1000.00\"\n"
    "cost_per_message: 0.05\n"
    "control_bps: 0\n"
    "seed: 7\n"
    "lead_due_days: 5\n"
    "start: 2026-11-01\n"
    "end: 2026-12-31\n"
    "channels:\n"
    "  - {channel: sms, body: \"{salutation}，{product}现已发售\"}\n"
    "  - {channel: email, subject: 首发, body: \"{salutation}：{product}\"}\n"
    "goals:\n"
    "  - {metric: wealth_sales, target: 1000000, deadline: 2026-12-31}\n"
    "  - {metric: conversions, target: 2, deadline: 2026-12-31}\n"
    "rewards:\n"
    "  tiers:\n"
    "    - {min: 100000, max: 500000, bonus_bps: 50}\n"
    "    - {min: 500000, bonus_bps: 100}\n"
    "  per_customer_cap: 800\n"
    "  referral: {referrer: 50, referee: 30}\n";

static void act(crm_db *db, const char *user)
{
    ck_assert_ok(crm_db_set_actor(db, user));
}

static void create_approved(crm_db *db, const char *code, const char *definition)
{
    act(db, "mkt");
    int rc = crm_campaign_create(db, code, definition);
    ck_assert_msg(rc == CRM_OK, "create: %s", crm_db_errmsg(db));
    ck_assert_ok(crm_campaign_submit(db, code));
    act(db, "mkt2");
    ck_assert_ok(crm_campaign_approve(db, code));
    act(db, "mkt");
}

static const char *status_of(crm_db *db, const char *code)
{
    static char buf[32];
    crm_record *r;
    ck_assert_ok(crm_campaign_get(&r, db, code));
    snprintf(buf, sizeof buf, "%s", text_of(r, "status"));
    crm_record_free(r);
    return buf;
}

/* ------------------------------------------------------------ lifecycle */

START_TEST(lifecycle_four_eyes_and_versions)
{
    crm_db *db = bank(":memory:");
    add_customer(db, "C1", "BJ01", "rm.a", "C4", "2026-06-01", "s", 200000);
    ck_assert_ok(crm_segment_create(db, "全部客户", "{\">=\": [{\"var\": \"assets\"}, 0]}", NULL));
    act(db, "mkt");
    ck_assert_ok(crm_campaign_create(db, "WM2026", DEFINITION));
    ck_assert_int_eq(crm_campaign_create(db, "WM2026", DEFINITION), CRM_E_CONFLICT);
    /* a segment a campaign targets stays */
    ck_assert_int_eq(crm_segment_delete(db, "全部客户"), CRM_E_STATE);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "used by campaign WM2026"));
    ck_assert_ok(crm_campaign_submit(db, "WM2026"));
    /* the author cannot approve their own campaign */
    ck_assert_int_eq(crm_campaign_approve(db, "WM2026"), CRM_E_PERMISSION);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "four eyes"));
    /* a relationship manager has no approve right */
    act(db, "rm.a");
    ck_assert_int_eq(crm_campaign_approve(db, "WM2026"), CRM_E_PERMISSION);
    /* a branch manager decides only on campaigns of their own branches:
     * this one was written at head office */
    act(db, "bm");
    ck_assert_int_eq(crm_campaign_approve(db, "WM2026"), CRM_E_PERMISSION);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "own branches"));
    act(db, "mkt2");
    ck_assert_ok(crm_campaign_approve(db, "WM2026"));
    ck_assert_str_eq(status_of(db, "WM2026"), "approved");
    act(db, "mkt");
    ck_assert_int_eq(crm_campaign_submit(db, "WM2026"), CRM_E_STATE);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "from approved to submitted"));
    ck_assert_int_eq(crm_campaign_transition(db, "WM2026", "running"), CRM_E_STATE);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "from approved to running"));
    /* scheduling needs a target list */
    ck_assert_int_eq(crm_campaign_transition(db, "WM2026", "scheduled"), CRM_E_STATE);
    ck_assert_int_eq(crm_campaign_transition(db, "WM2026", "started"), CRM_E_INVALID_ARG);

    /* editing a frozen version makes version 2, a draft */
    int64_t version = 0;
    ck_assert_ok(crm_campaign_update(&version, db, "WM2026", DEFINITION));
    ck_assert_int_eq(version, 2);
    crm_record *r;
    ck_assert_ok(crm_campaign_get(&r, db, "WM2026"));
    ck_assert_int_eq(int_of(r, "version"), 2);
    ck_assert_str_eq(text_of(r, "status"), "draft");
    ck_assert_int_eq(int_of(r, "active_version"), 1);
    ck_assert_str_eq(text_of(r, "products"), "WM01");
    ck_assert_str_eq(text_of(r, "channels"), "sms,email");
    ck_assert_int_eq(int_of(r, "budget"), 100000);
    ck_assert_int_eq(int_of(r, "cost_per_message"), 5);
    ck_assert_int_eq(crm_record_type(r, "budget"), CRM_TYPE_MONEY);
    crm_record_free(r);
    /* version 1 keeps working meanwhile */
    ck_assert_ok(crm_campaign_target(NULL, db, "WM2026"));
    ck_assert_ok(crm_campaign_submit(db, "WM2026"));
    act(db, "mkt2");
    ck_assert_int_eq(crm_campaign_reject(db, "WM2026", NULL), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_campaign_reject(db, "WM2026", "预算过高"));
    ck_assert_str_eq(status_of(db, "WM2026"), "rejected");
    act(db, "mkt");
    ck_assert_ok(crm_campaign_update(&version, db, "WM2026", DEFINITION));
    ck_assert_int_eq(version, 2); /* a rejected version is edited in place */
    ck_assert_str_eq(status_of(db, "WM2026"), "draft");
    ck_assert_ok(crm_campaign_submit(db, "WM2026"));
    act(db, "mkt2");
    ck_assert_ok(crm_campaign_approve(db, "WM2026"));

    crm_iter *it;
    ck_assert_ok(crm_campaign_list(&it, db, "superseded"));
    const crm_record *row;
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE); /* only latest versions listed */
    crm_iter_free(it);
    ck_assert_ok(crm_campaign_list(&it, db, NULL));
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text_of(row, "code"), "WM2026");
    ck_assert_int_eq(int_of(row, "version"), 2);
    crm_iter_free(it);
    ck_assert_int_eq(crm_campaign_list(&it, db, "bogus"), CRM_E_INVALID_ARG);

    /* every transition is audited */
    crm_iter *audit;
    crm_record *filter;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_text(filter, "entity", "campaign"));
    act(db, "admin");
    ck_assert_ok(crm_audit_list(&audit, db, filter));
    int n = 0;
    bool superseded_v1 = false;
    while (crm_iter_next(&row, audit) == CRM_OK) {
        n++;
        const char *action = text_of(row, "action");
        superseded_v1 = superseded_v1 || strcmp(action, "campaign.approved") == 0;
    }
    crm_iter_free(audit);
    crm_record_free(filter);
    ck_assert_int_ge(n, 9);
    ck_assert(superseded_v1);
    crm_db_close(db);
}
END_TEST

START_TEST(definition_is_validated)
{
    crm_db *db = bank(":memory:");
    act(db, "mkt");
    ck_assert_int_eq(crm_campaign_create(db, "X", "name: [unclosed"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_campaign_create(db, "X", "name: a\nbudgets: 1\nchannels: []"),
                     CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "unknown key budgets"));
    ck_assert_int_eq(crm_campaign_create(db, "X",
                                         "name: a\nbudget: 1.005\n"
                                         "channels: [{channel: sms, body: hi}]"),
                     CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "budget"));
    ck_assert_int_eq(crm_campaign_create(db, "X", "name: a"), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "channels"));
    ck_assert_int_eq(crm_campaign_create(db, "X", "name: a\nchannels: [{channel: fax, body: hi}]"),
                     CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_campaign_create(db, "X",
                                         "name: a\nproducts: [NOPE]\n"
                                         "channels: [{channel: sms, body: hi}]"),
                     CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_campaign_create(db, "X",
                                         "name: a\neligibility: {\">\": [{var: shoe}, 1]}\n"
                                         "channels: [{channel: sms, body: hi}]"),
                     CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_campaign_create(db, "X",
                                         "name: a\ngoals: [{metric: likes, target: 1,"
                                         " deadline: 2027-01-01}]\n"
                                         "channels: [{channel: sms, body: hi}]"),
                     CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_campaign_create(db, "X",
                                         "name: a\nrewards: {tiers: [{min: 10}]}\n"
                                         "channels: [{channel: sms, body: hi}]"),
                     CRM_E_INVALID_DATA);
    /* JSON is YAML too; fen and yuan both read exactly */
    ck_assert_ok(crm_campaign_create(db, "J1",
                                     "{\"name\": \"json\", \"budget_fen\": 123456,"
                                     " \"channels\": [{\"channel\": \"email\","
                                     " \"body\": \"x\"}]}"));
    ck_assert_ok(crm_campaign_create(db, "Y1",
                                     "name: yaml\nbudget: 1234.56\n"
                                     "channels: [{channel: sms, body: x}]"));
    crm_record *r;
    ck_assert_ok(crm_campaign_get(&r, db, "J1"));
    ck_assert_int_eq(int_of(r, "budget"), 123456);
    crm_record_free(r);
    ck_assert_ok(crm_campaign_get(&r, db, "Y1"));
    ck_assert_int_eq(int_of(r, "budget"), 123456);
    crm_record_free(r);
    /* a relationship manager cannot plan */
    act(db, "rm.a");
    ck_assert_int_eq(crm_campaign_create(db, "Z", "name: a\nchannels: [{channel: sms, body: x}]"),
                     CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

START_TEST(templates_and_overrides)
{
    crm_db *db = bank(":memory:");
    act(db, "mkt");
    crm_iter *it;
    ck_assert_ok(crm_campaign_templates(&it, db));
    const crm_record *row;
    int builtin = 0;
    while (crm_iter_next(&row, it) == CRM_OK)
        builtin += (int)int_of(row, "builtin");
    crm_iter_free(it);
    ck_assert_int_eq(builtin, 5);
    ck_assert_ok(crm_campaign_from_template(db, "LAUNCH", "wealth_launch",
                                            "products: [WM01]\nname: 稳盈首发\nbudget: 5000"));
    crm_record *r;
    ck_assert_ok(crm_campaign_get(&r, db, "LAUNCH"));
    ck_assert_str_eq(text_of(r, "name"), "稳盈首发");
    ck_assert_str_eq(text_of(r, "template"), "wealth_launch");
    ck_assert_int_eq(int_of(r, "budget"), 500000);
    ck_assert_int_eq(int_of(r, "control_bps"), 1000); /* from the template */
    crm_record_free(r);
    for (const char *const *t = (const char *const[]){"holiday_promotion", "dormant_reactivation",
                                                      "birthday_offer", "card_activation", NULL};
         *t; t++) {
        char code[40];
        snprintf(code, sizeof code, "T-%.30s", *t);
        int rc = crm_campaign_from_template(db, code, *t, NULL);
        ck_assert_msg(rc == CRM_OK, "%s: %s", *t, crm_db_errmsg(db));
    }
    ck_assert_int_eq(crm_campaign_from_template(db, "NONE", "no_such", NULL), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_campaign_template_add(db, "wealth_launch", "name: x"), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_campaign_template_add(db, "mine", "name: x"), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_campaign_template_add(db, "mine",
                                           "name: 分行自定义\ndescription: 分行模板\n"
                                           "channels: [{channel: phone, body: 您好}]"));
    ck_assert_ok(crm_campaign_from_template(db, "MINE1", "mine", "{\"budget\": 10}"));
    ck_assert_ok(crm_campaign_templates(&it, db));
    bool found = false;
    while (crm_iter_next(&row, it) == CRM_OK)
        found = found || (strcmp(text_of(row, "name"), "mine") == 0 &&
                          strcmp(text_of(row, "description"), "分行模板") == 0);
    crm_iter_free(it);
    ck_assert(found);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ targeting */

/* The customers of the targeting scenario (BJ01 unless noted). */
static void targeting_customers(crm_db *db)
{
    add_customer(db, "T1", "BJ01", "rm.a", "C4", "2026-06-01", "se", 600000);
    add_customer(db, "T2", "BJ01", "rm.b", "C3", "2026-06-01", "s", 300000);
    add_customer(db, "T3", "BJ01", NULL, "C5", "2026-06-01", "e", 200000);
    add_customer(db, "T4", "BJ01", NULL, "C3", "2026-06-01", "s", 200000);
    add_customer(db, "G1", "GZ", NULL, "C4", "2026-06-01", "s", 200000);
    add_customer(db, "U1", "BJ01", "rm.a", "C2", "2026-06-01", "se", 200000); /* level */
    add_customer(db, "U2", "BJ01", "rm.a", "C4", "2025-01-01", "se", 200000); /* expired */
    add_customer(db, "U3", "BJ01", "rm.a", NULL, NULL, "se", 200000);         /* never */
    add_customer(db, "N1", "BJ01", "rm.a", "C4", "2026-06-01", "", 200000);
    add_customer(db, "N2", "BJ01", "rm.a", "C4", "2026-06-01", "p", 200000); /* phone only */
    add_customer(db, "O1", "BJ01", "rm.a", "C4", "2026-06-01", "s", 200000);
    add_customer(db, "F1", "BJ01", "rm.a", "C4", "2026-06-01", "s", 200000);
    add_customer(db, "R1", "BJ01", "rm.a", "C4", "2026-06-01", "s", 200000);
    add_customer(db, "X1", "BJ01", "rm.a", "C4", "2026-06-01", "s", 1000); /* not eligible */
    ck_assert_ok(crm_customer_delete_request(db, "R1", "关系终止"));
    ck_assert_ok(crm_segment_create(db, "全部客户", "{\">=\": [{\"var\": \"assets\"}, 0]}", NULL));
}

static void set_customer(crm_db *db, const char *no, const char *field, const char *value)
{
    crm_record *c, *ch;
    ck_assert_ok(crm_customer_get(&c, db, no));
    ck_assert_ok(crm_record_new(&ch));
    if (strcmp(field, "birth_date") == 0)
        ck_assert_ok(crm_record_set_date(ch, field, value));
    else
        ck_assert_ok(crm_record_set_int(ch, field, atoi(value)));
    int rc = crm_customer_update(db, no, ch, int_of(c, "version"));
    crm_record_free(ch);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "update %s: %s", no, crm_db_errmsg(db));
}

/* Sends every due message (campaign and care) to a spool folder, which is
 * then removed; returns how many were sent. */
static int64_t send_all(crm_db *db, const char *code)
{
    char dir[] = "/tmp/campaign-spool-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ok(crm_channel_register_spool(db, "sms", dir));
    ck_assert_ok(crm_channel_register_spool(db, "email", dir));
    crm_record *s = NULL;
    int rc = crm_message_send(&s, db, code, 0);
    ck_assert_msg(rc == CRM_OK, "send: %s", crm_db_errmsg(db));
    int64_t sent = int_of(s, "sent");
    crm_record_free(s);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    return sent;
}

/* The outreach history, through the outreach API: O1 replied TD to an SMS
 * (an opt-out, which also withdraws the SMS consent) and later signed the
 * consent again at the branch: the opt-out still wins. F1 got a birthday
 * greeting today and the policy caps contacts at one per 30 days. */
static void outreach_history(crm_db *db)
{
    ck_assert_ok(crm_optout_add(db, "O1", "sms", "reply TD"));
    set_customer(db, "O1", "consent_sms", "1");
    set_customer(db, "F1", "birth_date", "1980-11-18");
    crm_record *r;
    ck_assert_ok(crm_care_run(&r, db, "2026-11-18"));
    ck_assert_int_eq(int_of(r, "messages"), 1);
    crm_record_free(r);
    ck_assert_int_eq(send_all(db, NULL), 1);
    ck_assert_ok(crm_campaign_policy_get(&r, db)); /* the defaults */
    ck_assert_int_eq(int_of(r, "freq_cap"), 4);
    ck_assert_int_eq(int_of(r, "utc_offset_min"), 480);
    crm_record_free(r);
    ck_assert_ok(crm_record_new(&r));
    ck_assert_ok(crm_record_set_int(r, "freq_cap", 1));
    ck_assert_ok(crm_campaign_policy_set(db, r));
    crm_record_free(r);
}

static void check_counts(const crm_record *r)
{
    ck_assert_int_eq(int_of(r, "eligible"), 13);
    ck_assert_int_eq(int_of(r, "target"), 5);
    ck_assert_int_eq(int_of(r, "control"), 0);
    ck_assert_int_eq(int_of(r, "suppressed"), 8);
    ck_assert_int_eq(int_of(r, "restricted"), 1);
    ck_assert_int_eq(int_of(r, "unsuitable"), 3);
    ck_assert_int_eq(int_of(r, "no_consent"), 2);
    ck_assert_int_eq(int_of(r, "opted_out"), 1);
    ck_assert_int_eq(int_of(r, "frequency_cap"), 1);
}

/* By query on the file: every target customer is suitable for every
 * promoted product with a valid assessment, consents to the chosen
 * channel and has not opted out of it. */
static void check_no_unsuitable_target(const char *path)
{
    ck_assert_int_eq(
        raw_count(path,
                  "SELECT count(*) FROM crm_campaign_target t JOIN crm_customer c ON c.id ="
                  " t.customer_id JOIN crm_campaign_product cp ON cp.campaign_id = t.campaign_id"
                  " JOIN crm_product p ON p.id = cp.product_id WHERE t.grp <> 'suppressed' AND"
                  " (c.risk_level IS NULL OR substr(p.risk_rating, 2) > substr(c.risk_level, 2)"
                  " OR c.risk_assessed_at + 365 * 86400 < 1795000000"
                  " OR (t.channel = 'sms' AND c.consent_sms = 0)"
                  " OR (t.channel = 'email' AND c.consent_email = 0)"
                  " OR (t.channel = 'phone' AND c.consent_phone = 0) OR t.channel IS NULL"
                  " OR EXISTS (SELECT 1 FROM crm_optout o WHERE o.customer_id = c.id"
                  " AND o.channel = t.channel))"),
        0);
}

static char *targets_of(crm_db *db, const char *code, const char *grp)
{
    static char buf[256];
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "grp", grp));
    crm_iter *it;
    ck_assert_ok(crm_campaign_targets(&it, db, code, f));
    crm_record_free(f);
    buf[0] = '\0';
    const crm_record *r;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *extra = NULL;
        if (crm_record_get_text(&extra, r, "channel") != CRM_OK)
            crm_record_get_text(&extra, r, "reason");
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s", buf[0] ? " " : "",
                 text_of(r, "customer_no"), extra ? extra : "-");
    }
    crm_iter_free(it);
    return buf;
}

START_TEST(targeting_suppresses_in_order)
{
    char *path = test_temp_path("campaign");
    crm_db *db = bank(path);
    targeting_customers(db);
    outreach_history(db);
    create_approved(db, "WM2026", DEFINITION);
    crm_record *r;
    int rc = crm_campaign_target(&r, db, "WM2026");
    ck_assert_msg(rc == CRM_OK, "target: %s", crm_db_errmsg(db));
    check_counts(r);
    crm_record_free(r);
    check_no_unsuitable_target(path);
    ck_assert_str_eq(targets_of(db, "WM2026", "target"), "G1:sms T1:sms T2:sms T3:email T4:sms");
    ck_assert_str_eq(targets_of(db, "WM2026", "suppressed"),
                     "F1:frequency_cap N1:no_consent N2:no_consent O1:opted_out R1:restricted "
                     "U1:unsuitable U2:unsuitable U3:unsuitable");
    /* an RM sees only their own customers of the list */
    act(db, "rm.b");
    ck_assert_str_eq(targets_of(db, "WM2026", "target"), "T2:sms");
    /* re-targeting replaces the list; the policy counts */
    act(db, "mkt");
    crm_record *policy;
    ck_assert_ok(crm_campaign_policy_get(&policy, db));
    ck_assert_int_eq(int_of(policy, "freq_cap"), 1);
    ck_assert_int_eq(int_of(policy, "freq_window_days"), 30);
    ck_assert_int_eq(int_of(policy, "quiet_start_min"), 1260);
    ck_assert_int_eq(int_of(policy, "quiet_end_min"), 480);
    crm_record_free(policy);
    ck_assert_ok(crm_record_new(&policy));
    ck_assert_ok(crm_record_set_int(policy, "freq_cap", 5));
    ck_assert_ok(crm_campaign_policy_set(db, policy));
    ck_assert_ok(crm_record_set_int(policy, "freq_cap", 0));
    ck_assert_int_eq(crm_campaign_policy_set(db, policy), CRM_E_INVALID_DATA);
    crm_record_free(policy);
    ck_assert_ok(crm_campaign_target(&r, db, "WM2026"));
    ck_assert_int_eq(int_of(r, "frequency_cap"), 0);
    ck_assert_int_eq(int_of(r, "target"), 6);
    ck_assert_int_eq(int_of(r, "eligible"), 13);
    crm_record_free(r);
    ck_assert_int_eq(raw_count(path, "SELECT count(*) FROM crm_campaign_target"), 13);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

/* ------------------------------------------ rewards, leads, evaluation */

static crm_record *reward(crm_db *db, const char *no, int64_t yuan, const char *ref)
{
    crm_record *r = NULL;
    int rc = crm_campaign_reward(&r, db, "WM2026", no, yuan * YUAN, ref);
    ck_assert_msg(rc == CRM_OK, "reward %s: %s", ref, crm_db_errmsg(db));
    return r;
}

static void run_campaign(crm_db *db)
{
    targeting_customers(db);
    outreach_history(db);
    create_approved(db, "WM2026", DEFINITION);
    ck_assert_ok(crm_campaign_target(NULL, db, "WM2026"));
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "scheduled"));
    ck_assert_int_eq(crm_campaign_reward(NULL, db, "WM2026", "T2", 100, "p0"), CRM_E_STATE);
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "running"));
}

START_TEST(rewards_cap_budget_and_referrals)
{
    char *path = test_temp_path("campaign");
    crm_db *db = bank(path);
    run_campaign(db);
    ck_assert_ok(crm_campaign_referral_add(db, "WM2026", "T3", "T4"));
    ck_assert_int_eq(crm_campaign_referral_add(db, "WM2026", "T1", "T4"), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_campaign_referral_add(db, "WM2026", "T4", "T4"), CRM_E_INVALID_ARG);
    /* T4 buys 150,000 yuan: tier 1, 0.5% = 750 yuan; T4 and T3 get referral rewards */
    crm_record *r = reward(db, "T4", 150000, "p1");
    ck_assert_int_eq(int_of(r, "tier"), 1);
    ck_assert_int_eq(int_of(r, "bonus_bps"), 50);
    ck_assert_int_eq(int_of(r, "reward"), 75000);
    ck_assert_int_eq(int_of(r, "referral_reward"), 3000);
    ck_assert_int_eq(int_of(r, "referrer_reward"), 5000);
    ck_assert_int_eq(int_of(r, "capped"), 0);
    ck_assert_int_eq(int_of(r, "budget_left"), 100000 - 83000);
    crm_record_free(r);
    /* asking again for the same purchase answers the same, pays nothing more */
    r = reward(db, "T4", 150000, "p1");
    ck_assert_int_eq(int_of(r, "repeated"), 1);
    ck_assert_int_eq(int_of(r, "reward"), 75000);
    ck_assert_int_eq(int_of(r, "budget_left"), 17000);
    crm_record_free(r);
    /* T2's 1,000 yuan are cut by the cap (800) and then by the budget left (170) */
    r = reward(db, "T2", 200000, "p2");
    ck_assert_int_eq(int_of(r, "reward"), 17000);
    ck_assert_int_eq(int_of(r, "capped"), 1);
    ck_assert_int_eq(int_of(r, "budget_left"), 0);
    crm_record_free(r);
    /* the budget is spent: rewards stop */
    r = reward(db, "T1", 600000, "p3");
    ck_assert_int_eq(int_of(r, "tier"), 2);
    ck_assert_int_eq(int_of(r, "reward"), 0);
    ck_assert_int_eq(int_of(r, "capped"), 1);
    crm_record_free(r);
    r = reward(db, "T1", 50, "p4"); /* below every tier */
    ck_assert_int_eq(int_of(r, "tier"), 0);
    crm_record_free(r);
    crm_record *c;
    ck_assert_ok(crm_campaign_get(&c, db, "WM2026"));
    ck_assert_int_eq(int_of(c, "reward_spent"), 100000);
    crm_record_free(c);
    ck_assert_int_eq(crm_campaign_reward(NULL, db, "WM2026", "T1", -1, "p5"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_campaign_reward(NULL, db, "WM2026", "T1", 1, NULL), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_campaign_reward(NULL, db, "WM2026", "NOPE", 1, "p6"), CRM_E_NOT_FOUND);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static int count_leads(crm_db *db, const char *rm_filter, const char *expect_first)
{
    crm_record *f = NULL;
    if (rm_filter) {
        ck_assert_ok(crm_record_new(&f));
        ck_assert_ok(crm_record_set_text(f, "rm", rm_filter));
    }
    crm_iter *it;
    ck_assert_ok(crm_lead_list(&it, db, f));
    crm_record_free(f);
    const crm_record *r;
    int n = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        if (n == 0 && expect_first)
            ck_assert_str_eq(text_of(r, "customer_no"), expect_first);
        n++;
    }
    crm_iter_free(it);
    return n;
}

static int64_t lead_of(crm_db *db, const char *customer_no)
{
    crm_iter *it;
    ck_assert_ok(crm_lead_list(&it, db, NULL));
    const crm_record *r;
    int64_t id = -1;
    while (crm_iter_next(&r, it) == CRM_OK)
        if (strcmp(text_of(r, "customer_no"), customer_no) == 0)
            id = int_of(r, "id");
    crm_iter_free(it);
    return id;
}

START_TEST(dispatch_leads_and_outcomes)
{
    char *path = test_temp_path("campaign");
    crm_db *db = bank(path);
    run_campaign(db);
    int64_t created = -1, skipped = -1;
    ck_assert_ok(crm_campaign_dispatch(&created, &skipped, db, "WM2026"));
    ck_assert_int_eq(created, 5);
    ck_assert_int_eq(skipped, 0);
    ck_assert_ok(crm_campaign_dispatch(&created, &skipped, db, "WM2026"));
    ck_assert_int_eq(created, 0); /* once per customer */
    ck_assert_int_eq(skipped, 5);
    /* own RM first, then the branch's least-loaded RM: T3 to rm.a, T4 to rm.b */
    act(db, "rm.a");
    ck_assert_int_eq(count_leads(db, NULL, NULL), 2);
    ck_assert_int_ge(lead_of(db, "T3"), 0);
    act(db, "rm.b");
    ck_assert_int_eq(count_leads(db, NULL, NULL), 2);
    ck_assert_int_ge(lead_of(db, "T4"), 0);
    ck_assert_int_eq(lead_of(db, "T1"), -1);
    act(db, "rm.g");
    ck_assert_int_eq(count_leads(db, NULL, "G1"), 1);
    act(db, "bm");
    ck_assert_int_eq(count_leads(db, NULL, NULL), 4); /* Beijing's subtree */
    ck_assert_int_eq(count_leads(db, "rm.a", NULL), 2);
    act(db, "mkt");
    int64_t t1 = lead_of(db, "T1");
    act(db, "rm.b");
    ck_assert_int_eq(crm_lead_outcome(db, t1, "contacted", 0, NULL), CRM_E_NOT_FOUND);
    act(db, "rm.a");
    ck_assert_int_eq(crm_lead_outcome(db, t1, "won", 0, NULL), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_lead_outcome(db, t1, "interested", 0, "客户有意向"));
    ck_assert_ok(crm_lead_outcome(db, t1, "converted", 600000 * YUAN, NULL));
    ck_assert_int_eq(crm_lead_outcome(db, t1, "declined", 0, NULL), CRM_E_STATE);
    crm_iter *it;
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "status", "converted"));
    ck_assert_ok(crm_lead_list(&it, db, f));
    const crm_record *r;
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_int_eq(int_of(r, "amount"), 600000 * YUAN);
    ck_assert_str_eq(text_of(r, "campaign"), "WM2026");
    crm_iter_free(it);
    crm_record_free(f);
    /* due in 5 days: overdue after a week */
    test_clock_set(test_clock_now() + 7 * 86400);
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "status", "open"));
    ck_assert_ok(crm_lead_list(&it, db, f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_int_eq(int_of(r, "overdue"), 1);
    crm_iter_free(it);
    crm_record_free(f);
    test_clock_set(test_clock_now() - 7 * 86400);
    act(db, "mkt");
    ck_assert_str_eq(targets_of(db, "WM2026", "target"), "G1:sms T1:sms T2:sms T3:email T4:sms");
    ck_assert_int_eq(raw_count(path, "SELECT count(*) FROM crm_campaign_target WHERE status ="
                                     " 'converted' AND conversion_amount = 60000000"),
                     1);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(evaluation_and_cases)
{
    char *path = test_temp_path("campaign");
    crm_db *db = bank(path);
    run_campaign(db);
    act(db, "admin");
    add_txn(db, "T1", "WM01", "purchase", 600000 * YUAN);
    add_txn(db, "T2", "WM01", "purchase", 400000 * YUAN);
    add_txn(db, "T2", NULL, "deposit", 50000 * YUAN);
    add_txn(db, "T4", NULL, "withdrawal", 10000 * YUAN);
    add_txn(db, "U1", "WM01", "purchase", 1 * YUAN); /* not a target */
    /* the campaign's messages go out to its five targets */
    int64_t queued = -1;
    ck_assert_ok(crm_message_queue(&queued, db, "WM2026"));
    ck_assert_int_eq(queued, 5);
    ck_assert_int_eq(send_all(db, "WM2026"), 5);
    act(db, "mkt");
    crm_record *r = reward(db, "T2", 400000, "p1");
    crm_record_free(r);
    crm_record *ev;
    int rc = crm_campaign_evaluate(&ev, db, "WM2026");
    ck_assert_msg(rc == CRM_OK, "evaluate: %s", crm_db_errmsg(db));
    ck_assert_int_eq(int_of(ev, "target_size"), 5);
    ck_assert_int_eq(int_of(ev, "conversions"), 2);
    ck_assert_int_eq(int_of(ev, "target_rate_bps"), 4000);
    ck_assert_int_eq(int_of(ev, "revenue"), 1000000 * YUAN);
    ck_assert_int_eq(int_of(ev, "messages"), 5);
    ck_assert_int_eq(int_of(ev, "message_cost"), 25);
    ck_assert_int_eq(int_of(ev, "reward_cost"), 80000);
    ck_assert_int_eq(int_of(ev, "cost"), 80025);
    ck_assert_int_eq(int_of(ev, "roi_bps"), (100000000LL - 80025) * 10000 / 80025);
    ck_assert_int_eq(crm_record_type(ev, "z"), CRM_TYPE_NULL); /* no control group */
    const char *json = text_of(ev, "json");
    ck_assert_ptr_nonnull(strstr(json, "{\"metric\":\"wealth_sales\",\"unit\":\"fen\","
                                       "\"target\":100000000,\"achieved\":100000000,"
                                       "\"attainment_bps\":10000,\"met\":true"));
    ck_assert_ptr_nonnull(strstr(json, "{\"channel\":\"sms\",\"size\":4,\"conversions\":2,"));
    ck_assert_ptr_nonnull(strstr(json, "{\"channel\":\"email\",\"size\":1,\"conversions\":0,"));
    crm_record_free(ev);
    ck_assert_int_eq(raw_count(path, "SELECT count(*) FROM crm_campaign_eval"), 1);
    ck_assert_int_eq(raw_count(path, "SELECT achieved FROM crm_campaign_goal WHERE metric ="
                                     " 'conversions'"),
                     2);
    /* completing files the campaign in the case library */
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "paused"));
    ck_assert_int_eq(crm_campaign_reward(NULL, db, "WM2026", "T1", 1, "px"), CRM_E_STATE);
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "running"));
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "completed"));
    crm_iter *it;
    ck_assert_ok(crm_campaign_cases(&it, db));
    const crm_record *row;
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text_of(row, "code"), "WM2026");
    ck_assert_ptr_nonnull(strstr(text_of(row, "summary"), "\"conversions\":2"));
    crm_iter_free(it);
    ck_assert_ok(crm_campaign_transition(db, "WM2026", "archived"));
    ck_assert_str_eq(status_of(db, "WM2026"), "archived");
    ck_assert_int_eq(crm_campaign_update(NULL, db, "WM2026", DEFINITION), CRM_E_STATE);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

/* ------------------------------------------ control group and uplift */

static const char CONTROL_DEF[] = "name: 信用卡激活\n"
                                  "products: [CC01]\n"
                                  "control_bps: 2000\n"
                                  "channels: [{channel: sms, body: 激活}]\n";

START_TEST(control_group_is_deterministic_with_uplift)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(crm_db_begin(db));
    for (int i = 0; i < 400; i++) {
        char no[16];
        snprintf(no, sizeof no, "K%03d", i);
        add_customer(db, no, "BJ01", i % 2 ? "rm.a" : "rm.b", "C2", "2026-06-01", "s", 1000);
    }
    ck_assert_ok(crm_db_commit(db));
    create_approved(db, "CARD", CONTROL_DEF);
    crm_record *r;
    ck_assert_ok(crm_campaign_target(&r, db, "CARD"));
    int64_t control = int_of(r, "control"), target = int_of(r, "target");
    crm_record_free(r);
    ck_assert_int_eq(control + target, 400);
    ck_assert_int_ge(control, 50); /* 20% of 400, give or take */
    ck_assert_int_le(control, 110);
    /* the same group on every re-targeting */
    char first[16];
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "grp", "control"));
    ck_assert_ok(crm_record_set_int(f, "limit", 1));
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_campaign_targets(&it, db, "CARD", f));
    ck_assert_ok(crm_iter_next(&row, it));
    snprintf(first, sizeof first, "%s", text_of(row, "customer_no"));
    crm_iter_free(it);
    ck_assert_ok(crm_campaign_target(&r, db, "CARD"));
    ck_assert_int_eq(int_of(r, "control"), control);
    crm_record_free(r);
    ck_assert_ok(crm_campaign_targets(&it, db, "CARD", f));
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text_of(row, "customer_no"), first);
    crm_iter_free(it);
    /* half the target group buys, a tenth of the control group */
    ck_assert_ok(crm_record_set_int(f, "limit", 1000));
    char buyers[400][8];
    int n_buyers = 0, seen = 0;
    for (int g = 0; g < 2; g++) {
        ck_assert_ok(crm_record_set_text(f, "grp", g ? "control" : "target"));
        ck_assert_ok(crm_campaign_targets(&it, db, "CARD", f));
        seen = 0;
        while (crm_iter_next(&row, it) == CRM_OK)
            if (seen++ % (g ? 10 : 2) == 0)
                snprintf(buyers[n_buyers++], 8, "%s", text_of(row, "customer_no"));
        crm_iter_free(it);
    }
    crm_record_free(f);
    act(db, "admin");
    for (int i = 0; i < n_buyers; i++)
        add_txn(db, buyers[i], "CC01", "purchase", 100 * YUAN);
    act(db, "mkt");
    ck_assert_ok(crm_campaign_evaluate(&r, db, "CARD"));
    ck_assert_int_eq(int_of(r, "control_size"), control);
    ck_assert_int_eq(int_of(r, "target_conversions"), (target + 1) / 2);
    ck_assert_int_eq(int_of(r, "control_conversions"), (control + 9) / 10);
    ck_assert_int_gt(int_of(r, "uplift_bps"), 3000);
    ck_assert_int_eq(int_of(r, "significant"), 1);
    double z = atof(text_of(r, "z")), p = atof(text_of(r, "p_value"));
    ck_assert(z > 5.0);
    ck_assert(p < 0.001);
    ck_assert_ptr_nonnull(strstr(text_of(r, "json"), "\"goals\":[]"));
    crm_record_free(r);
    crm_db_close(db);
}
END_TEST

Suite *campaign_suite(void);
Suite *campaign_suite(void)
{
    Suite *s = suite_create("campaign");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lifecycle_four_eyes_and_versions);
    tcase_add_test(tc, definition_is_validated);
    tcase_add_test(tc, templates_and_overrides);
    tcase_add_test(tc, targeting_suppresses_in_order);
    tcase_add_test(tc, rewards_cap_budget_and_referrals);
    tcase_add_test(tc, dispatch_leads_and_outcomes);
    tcase_add_test(tc, evaluation_and_cases);
    tcase_add_test(tc, control_group_is_deterministic_with_uplift);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(campaign_suite());
}
