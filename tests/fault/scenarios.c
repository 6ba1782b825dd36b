/* The scenario table of the failure-injection tests: each scenario is what a
 * program does through the public API, on a fresh copy of the template
 * database. A scenario stops at the first failing call, frees everything it
 * holds and closes its handle, so every exit path is checked for leaks.
 * To cover a new module: write one function here and add one table row. */
#include "fault.h"

#include <stdio.h>
#include <string.h>

/* Stops the scenario at the first failure (the caller jumps to cleanup). */
#define STEP(call, expr) (fault_step(x, call, (expr), db) != CRM_OK)
/* Record calls have no handle: their failure is reported by code only. */
#define STEP_RECORD(call, expr) (fault_step(x, call, (expr), NULL) != CRM_OK)

static int set_fields(crm_record *rec, const char *const *pairs)
{
    int rc = CRM_OK;
    for (; pairs[0] && !rc; pairs += 2)
        rc = crm_record_set_text(rec, pairs[0], pairs[1]);
    return rc;
}

/* A record of text fields from NULL-terminated name/value pairs. */
static int make_record(crm_record **out, const char *const *pairs)
{
    int rc = crm_record_new(out);
    if (!rc && (rc = set_fields(*out, pairs)) != CRM_OK) {
        crm_record_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Opens the scenario's database acting as `actor`. */
static int open_as(fault_ctx *x, crm_db **db_out, const char *actor)
{
    crm_db *db = NULL;
    if (STEP("crm_db_open", fault_open(db_out, x->db_path)))
        return x->failed_code;
    db = *db_out;
    return STEP("crm_db_set_actor", crm_db_set_actor(db, actor)) ? x->failed_code : CRM_OK;
}

/* Reads an iterator to its end, counting records. */
static int drain(int64_t *count, crm_iter *it)
{
    const crm_record *rec;
    int rc;
    *count = 0;
    while ((rc = crm_iter_next(&rec, it)) == CRM_OK)
        ++*count;
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

/* A result that is wrong although the call succeeded is a failure too. */
static int expect_count(int64_t got, int64_t want)
{
    return got == want ? CRM_OK : CRM_E_INTERNAL;
}

/* ---------------------------------------------------------- foundation */

/* Open, act, add a branch and a user, disable and enable them, verify the
 * audit chain: the security and access foundation. (Passwords are left out:
 * PBKDF2 at 600,000 iterations would make each failure point cost 0.3 s.) */
static int scenario_foundation(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *user = NULL;
    static const char *const user_fields[] = {
        "name",   "wang.fang", "display_name", "王芳",        "roles", "relationship_manager",
        "branch", "SH",        "phone",        "13912345678", "email", "wang.fang@example.cn",
        NULL};
    int64_t entries, first_bad;
    if (open_as(x, &db, "admin") ||
        STEP("crm_branch_add", crm_branch_add(db, "SH", "上海分行", "HO")) ||
        STEP_RECORD("crm_record (user)", make_record(&user, user_fields)) ||
        STEP("crm_user_add", crm_user_add(db, user)) ||
        STEP("crm_user_disable", crm_user_disable(db, "wang.fang", "调岗")) ||
        STEP("crm_user_enable", crm_user_enable(db, "wang.fang", "复岗")) ||
        STEP("crm_audit_verify", crm_audit_verify(&entries, &first_bad, db, NULL)))
        goto out;
out:
    crm_record_free(user);
    crm_db_close(db);
    return x->failed_code;
}

/* ------------------------------------------------------------ customer */

/* Create a customer with every kind of personal field, read it, update it
 * with its version, find it by ID number, view it. */
static int scenario_customer(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *c = NULL, *got = NULL, *change = NULL;
    crm_iter *it = NULL;
    char *view = NULL;
    char id[19];
    fault_id_number(id, 900001);
    const char *const fields[] = {"customer_no", "F900001",
                                  "name",        "欧阳娜娜",
                                  "id_number",   id,
                                  "phone",       "+8613800138000",
                                  "email",       "nana@example.cn",
                                  "address",     "北京市朝阳区建国路88号",
                                  "card_number", "6222020200112233446",
                                  "branch",      "BJ",
                                  "manager",     "rm1",
                                  "occupation",  "教师",
                                  NULL};
    static const char *const changes[] = {"name", "欧阳娜", "phone", "13900139000", NULL};
    int64_t version = 0, found = 0;
    if (open_as(x, &db, "admin") || STEP_RECORD("crm_record (customer)", make_record(&c, fields)) ||
        STEP_RECORD("crm_record_set_money", crm_record_set_money(c, "total_assets", 123456789)) ||
        STEP("crm_customer_create", crm_customer_create(db, c)) ||
        STEP("crm_customer_get", crm_customer_get(&got, db, "F900001")) ||
        STEP_RECORD("crm_record_get_int", crm_record_get_int(&version, got, "version")) ||
        STEP_RECORD("crm_record (changes)", make_record(&change, changes)) ||
        STEP("crm_customer_update", crm_customer_update(db, "F900001", change, version)) ||
        STEP("crm_customer_find_by", crm_customer_find_by(&it, db, "id_number", id)) ||
        STEP("crm_iter_next (find)", drain(&found, it)) ||
        STEP_RECORD("find result", expect_count(found, 1)) ||
        STEP("crm_customer_view", crm_customer_view(&view, db, "F900001", 10)))
        goto out;
out:
    crm_free(view);
    crm_iter_free(it);
    crm_record_free(change);
    crm_record_free(got);
    crm_record_free(c);
    crm_db_close(db);
    return x->failed_code;
}

/* -------------------------------------------------------------- import */

/* A small CSV in skip mode: good rows, one malformed, one duplicate of a
 * template customer, with an error file; then a lookup of an imported row. */
static int scenario_import(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_iter *it = NULL;
    char csv[400], errors[400], text[2048], id[4][19];
    for (int i = 0; i < 4; i++)
        fault_id_number(id[i], 800001 + i);
    snprintf(csv, sizeof csv, "%s/import.csv", x->dir);
    snprintf(errors, sizeof errors, "%s/import-errors.csv", x->dir);
    snprintf(text, sizeof text,
             "customer_no,name,id_number,phone,total_assets,risk_level,branch,manager\r\n"
             "I001,张伟,%s,13800000001,1000.50,C2,BJ,rm1\r\n"
             "I002,\"李, 娜\",%s,,250000,C3,BJ,\r\n"
             "I003,王芳,110101199001011235,13800000003,12,C1,BJ,\r\n" /* bad check digit */
             "T001,重复客户,%s,,0,C1,BJ,\r\n"                         /* duplicate number */
             "I004,Zhao Lei,%s,13800000004,99999999.99,C5,BJ,rm1\r\n",
             id[0], id[1], id[2], id[3]);
    fault_write_file(csv, text);
    crm_import_options opts = CRM_IMPORT_OPTIONS_INIT;
    opts.mode = CRM_IMPORT_SKIP;
    opts.on_duplicate = CRM_DUPLICATE_SKIP;
    opts.errors_path = errors;
    opts.batch_size = 2;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    int64_t found = 0;
    if (open_as(x, &db, "admin") ||
        STEP("crm_customer_import", crm_customer_import(&stats, db, csv, &opts)) ||
        STEP_RECORD("import stats", expect_count(stats.inserted * 10 + stats.skipped, 31)) ||
        STEP("crm_customer_find_by", crm_customer_find_by(&it, db, "id_number", id[3])) ||
        STEP("crm_iter_next (find)", drain(&found, it)) ||
        STEP_RECORD("find result", expect_count(found, 1)))
        goto out;
out:
    crm_iter_free(it);
    crm_db_close(db);
    return x->failed_code;
}

/* ------------------------------------------------------------- product */

/* The core-banking feed: a product, a holding, a transaction, then the
 * customer's transactions. */
static int scenario_product(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *p = NULL, *t = NULL;
    crm_iter *it = NULL;
    static const char *const product[] = {
        "code", "WM-2026", "name", "稳健理财2026", "type", "wealth", "risk_rating", "R2", NULL};
    static const char *const txn[] = {"customer_no", "T001",    "product_code", "WM-2026", "type",
                                      "purchase",    "channel", "mobile",       NULL};
    int64_t listed = 0;
    if (open_as(x, &db, "admin") || STEP_RECORD("crm_record (product)", make_record(&p, product)) ||
        STEP_RECORD("crm_record_set_int", crm_record_set_int(p, "term_days", 180)) ||
        STEP("crm_product_add", crm_product_add(db, p)) ||
        STEP("crm_holding_set", crm_holding_set(db, "T001", "WM-2026", 5000000)) ||
        STEP_RECORD("crm_record (txn)", make_record(&t, txn)) ||
        STEP_RECORD("crm_record_set_money", crm_record_set_money(t, "amount", 5000000)) ||
        STEP("crm_txn_add", crm_txn_add(db, t)) ||
        STEP("crm_txn_list", crm_txn_list(&it, db, "T001", NULL)) ||
        STEP("crm_iter_next (txns)", drain(&listed, it)) ||
        STEP_RECORD("txn list result", expect_count(listed, 1)))
        goto out;
out:
    crm_iter_free(it);
    crm_record_free(t);
    crm_record_free(p);
    crm_db_close(db);
    return x->failed_code;
}

/* ------------------------------------------------------ search, export */

/* A relationship manager searches their book with a rule and a fuzzy name;
 * an admin exports the customers a filter selects. */
static int scenario_search_export(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *filter = NULL;
    crm_iter *it = NULL;
    static const char *const search[] = {
        "where",
        "{\"and\": [{\">=\": [{\"var\": \"assets\"}, 100000]},"
        " {\"in\": [{\"var\": \"risk_level\"}, [\"C2\", \"C3\"]]}]}",
        "name", "张", NULL};
    char path[400];
    snprintf(path, sizeof path, "%s/export.csv", x->dir);
    crm_export_options opts = CRM_EXPORT_OPTIONS_INIT;
    int64_t found = 0, rows = 0;
    if (open_as(x, &db, "rm1") ||
        STEP_RECORD("crm_record (filter)", make_record(&filter, search)) ||
        STEP("crm_customer_search", crm_customer_search(&it, db, filter)) ||
        STEP("crm_iter_next (search)", drain(&found, it)) ||
        STEP_RECORD("search result", expect_count(found, 1)) ||
        STEP("crm_db_set_actor", crm_db_set_actor(db, "admin")) ||
        STEP("crm_customer_export", crm_customer_export(&rows, db, path, &opts)) ||
        STEP_RECORD("export result", expect_count(rows, 3)))
        goto out;
out:
    crm_iter_free(it);
    crm_record_free(filter);
    crm_db_close(db);
    return x->failed_code;
}

/* A live segment and the alert rules both run inside a transaction insert. */
static int scenario_segment_alert(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *live = NULL, *t = NULL, *r = NULL;
    crm_iter *it = NULL;
    static const char *const txn[] = {"customer_no", "T001",   "type", "transfer_out",
                                      "channel",     "mobile", NULL};
    int64_t members = 0;
    if (open_as(x, &db, "admin") || STEP_RECORD("crm_record (options)", crm_record_new(&live)) ||
        STEP_RECORD("crm_record_set_int", crm_record_set_int(live, "live", 1)) ||
        STEP("crm_segment_create",
             crm_segment_create(db, "busy", "{\">=\": [{\"var\": \"txn_count_90d\"}, 1]}", live)) ||
        STEP_RECORD("crm_record (txn)", make_record(&t, txn)) ||
        STEP_RECORD("crm_record_set_money", crm_record_set_money(t, "amount", 60000000)) ||
        STEP("crm_txn_add", crm_txn_add(db, t)) ||
        STEP("crm_segment_members", crm_segment_members(&it, db, "busy")) ||
        STEP("crm_iter_next (members)", drain(&members, it)) ||
        STEP_RECORD("live members", expect_count(members, 1)) ||
        STEP("crm_segment_refresh", crm_segment_refresh(&r, db, "busy")))
        goto out;
out:
    crm_iter_free(it);
    crm_record_free(r);
    crm_record_free(t);
    crm_record_free(live);
    crm_db_close(db);
    return x->failed_code;
}

/* A customer's complaint: contacts sealed under the customer's key. */
static int scenario_complaint(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *c = NULL;
    char *ticket = NULL;
    static const char *const complaint[] = {
        "channel",     "phone",        "category",      "fee",
        "subject",     "年费重复扣收", "body",          "信用卡年费被扣了两次",
        "customer_no", "T001",         "contact_phone", "13912345678",
        NULL};
    if (open_as(x, &db, "admin") ||
        STEP_RECORD("crm_record (complaint)", make_record(&c, complaint)) ||
        STEP("crm_complaint_open", crm_complaint_open(&ticket, db, c)) ||
        STEP("crm_complaint_transition",
             crm_complaint_transition(db, ticket, "in_progress", NULL)) ||
        STEP("crm_complaint_note", crm_complaint_note(db, ticket, "已联系客户")))
        goto out;
out:
    crm_free(ticket);
    crm_record_free(c);
    crm_db_close(db);
    return x->failed_code;
}

/* A campaign's planning path: definition, four-eyes approval, targeting
 * (suppression by reason) and evaluation; an opt-out from the outreach
 * module, which targeting then reads. */
static int scenario_campaign(fault_ctx *x)
{
    crm_db *db = NULL;
    crm_record *user = NULL, *counts = NULL, *eval = NULL;
    static const char *const mk2[] = {"name",   "mk2", "display_name", "营销二",
                                      "roles",  "marketer", "branch", "HO", NULL};
    static const char definition[] = "name: 定期存款推广\n"
                                     "products: [DEP1Y]\n"
                                     "control_bps: 2000\n"
                                     "start: 2026-01-01\n"
                                     "end: 2026-12-31\n"
                                     "channels:\n"
                                     "  - {channel: sms, body: \"{salutation}，定期存款利率上调\"}\n";
    if (open_as(x, &db, "admin") || STEP_RECORD("crm_record (user)", make_record(&user, mk2)) ||
        STEP("crm_user_add", crm_user_add(db, user)) ||
        STEP("crm_optout_add", crm_optout_add(db, "T002", "sms", "branch")) ||
        STEP("crm_campaign_create", crm_campaign_create(db, "DEP", definition)) ||
        STEP("crm_campaign_submit", crm_campaign_submit(db, "DEP")) ||
        STEP("crm_db_set_actor", crm_db_set_actor(db, "mk2")) ||
        STEP("crm_campaign_approve", crm_campaign_approve(db, "DEP")) ||
        STEP("crm_campaign_target", crm_campaign_target(&counts, db, "DEP")) ||
        STEP("crm_campaign_evaluate", crm_campaign_evaluate(&eval, db, "DEP")))
        goto out;
out:
    crm_record_free(eval);
    crm_record_free(counts);
    crm_record_free(user);
    crm_db_close(db);
    return x->failed_code;
}

const fault_scenario fault_scenarios[] = {
    {"foundation", scenario_foundation},
    {"customer", scenario_customer},
    {"import", scenario_import},
    {"product", scenario_product},
    {"search_export", scenario_search_export},
    {"segment_alert", scenario_segment_alert},
    {"complaint", scenario_complaint},
    {"campaign", scenario_campaign},
};
const size_t fault_scenario_count = sizeof fault_scenarios / sizeof fault_scenarios[0];

/* ------------------------------------------------------------- template */

static int add_template_customer(crm_db *db, const char *no, const char *name, long serial,
                                 const char *manager, const char *risk, int64_t assets)
{
    char id[19];
    fault_id_number(id, serial);
    const char *const fields[] = {"customer_no", no,   "name",       name, "id_number", id,
                                  "branch",      "BJ", "risk_level", risk, NULL};
    crm_record *c;
    int rc = make_record(&c, fields);
    if (!rc && manager)
        rc = crm_record_set_text(c, "manager", manager);
    if (!rc)
        rc = crm_record_set_money(c, "total_assets", assets);
    if (!rc)
        rc = crm_customer_create(db, c);
    crm_record_free(c);
    return rc;
}

int fault_template_create(const char *path)
{
    crm_db *db;
    crm_record *user = NULL, *product = NULL;
    static const char *const rm1[] = {
        "name",   "rm1", "display_name", "客户经理一",  "roles", "relationship_manager",
        "branch", "BJ",  "phone",        "13700137000", NULL};
    static const char *const dep[] = {"code",    "DEP1Y",       "name", "一年定期", "type",
                                      "deposit", "risk_rating", "R1",   NULL};
    int rc = fault_open(&db, path);
    if (rc)
        return rc;
    if (!(rc = crm_access_bootstrap(db, "HO", "总行", "admin", "系统管理员")) &&
        !(rc = crm_db_set_actor(db, "admin")) &&
        !(rc = crm_branch_add(db, "BJ", "北京分行", "HO")) && !(rc = make_record(&user, rm1)) &&
        !(rc = crm_user_add(db, user)) && !(rc = make_record(&product, dep)) &&
        !(rc = crm_product_add(db, product)) &&
        !(rc = add_template_customer(db, "T001", "张三丰", 800003, "rm1", "C2", 50000000)) &&
        !(rc = add_template_customer(db, "T002", "李四", 700002, NULL, "C4", 100)) &&
        !(rc = add_template_customer(db, "T003", "张小明", 700003, "rm1", "C5", 900000)))
        rc = crm_holding_set(db, "T001", "DEP1Y", 1000000);
    if (rc)
        fprintf(stderr, "template: %s\n", crm_db_errmsg(db));
    crm_record_free(user);
    crm_record_free(product);
    crm_db_close(db);
    return rc;
}
