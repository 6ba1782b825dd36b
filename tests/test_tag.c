/* The tag system: the taxonomy, manual and model tags with validity
 * periods on the controlled clock, rule tags re-applied on refresh, tag
 * statistics within scope, the `tags` rule variable, and the audit. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400

static void add_customer(crm_db *db, const char *no, const char *manager, int64_t assets_fen)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "王五"));
    ck_assert_ok(crm_record_set_text(c, "id_type", "passport"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_money(c, "total_assets", assets_fen));
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", no, crm_db_errmsg(db));
}

static crm_db *bank(void)
{
    test_clock_set(1795000000);
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "HO"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    add_customer(db, "C001", "rm.a", 100000000);
    add_customer(db, "C002", "rm.b", 20000000);
    add_customer(db, "C003", "rm.a", 60000000);
    ck_assert_ok(crm_tag_category_add(db, "客户价值", NULL, "资产与贡献"));
    ck_assert_ok(crm_tag_category_add(db, "资产", "客户价值", NULL));
    ck_assert_ok(crm_tag_add(db, "高净值", "资产", "金融资产50万以上"));
    ck_assert_ok(crm_tag_add(db, "vip", "客户价值", NULL));
    ck_assert_ok(crm_tag_category_add(db, "偏好", NULL, NULL));
    ck_assert_ok(crm_tag_add(db, "理财偏好", "偏好", NULL));
    return db;
}

static char *joined(crm_iter *it, const char *a, const char *b)
{
    static char buf[1024];
    buf[0] = '\0';
    const crm_record *r;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *x = "-", *y = "-";
        crm_record_get_text(&x, r, a);
        if (b)
            crm_record_get_text(&y, r, b);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s%s%s", buf[0] ? " " : "", x,
                 b ? ":" : "", b ? y : "");
    }
    crm_iter_free(it);
    return buf;
}

/* "C001,C003": customers a search `where` rule selects. */
static char *where(crm_db *db, const char *rule)
{
    static char buf[256];
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "where", rule));
    crm_iter *it;
    int rc = crm_customer_search(&it, db, f);
    crm_record_free(f);
    ck_assert_msg(rc == CRM_OK, "search: %s", crm_db_errmsg(db));
    snprintf(buf, sizeof buf, "%s", joined(it, "customer_no", NULL));
    return buf;
}

static const char HAS_VIP[] = "{\"in\": [\"vip\", {\"var\": \"tags\"}]}";

START_TEST(taxonomy_levels_and_names)
{
    crm_db *db = bank();
    crm_iter *it;
    ck_assert_ok(crm_tag_list(&it, db));
    ck_assert_str_eq(joined(it, "path", "kind"),
                     "偏好:category 偏好/理财偏好:tag 客户价值:category 客户价值/vip:tag "
                     "客户价值/资产:subcategory 客户价值/资产/高净值:tag");
    ck_assert_int_eq(crm_tag_add(db, "x", "高净值", NULL), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), "field parent"), "%s", crm_db_errmsg(db));
    ck_assert_int_eq(crm_tag_category_add(db, "深层", "资产", NULL), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_tag_add(db, "vip", "偏好", NULL), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_tag_add(db, "y", "无此类", NULL), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_tag_add(db, "", "偏好", NULL), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_tag_add(db, "z", NULL, NULL), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_tag_add(db, "z", "偏好", NULL), CRM_E_PERMISSION);
    ck_assert_str_eq(crm_tag_source_name(CRM_TAG_MODEL), "model");
    ck_assert_str_eq(crm_tag_source_name(0), "unknown");
    crm_db_close(db);
}
END_TEST

START_TEST(manual_and_model_tags_expire_on_the_clock)
{
    crm_db *db = bank();
    ck_assert_ok(crm_tag_apply(db, "C001", "vip", CRM_TAG_MANUAL, NULL, NULL));
    ck_assert_ok(
        crm_tag_apply(db, "C002", "vip", CRM_TAG_MODEL, "2026-11-01", "2026-12-01T00:00:00Z"));
    ck_assert_ok(crm_tag_apply(db, "C003", "vip", CRM_TAG_MODEL, "2027-01-01", NULL));
    ck_assert_str_eq(where(db, HAS_VIP), "C001 C002");
    crm_iter *it;
    ck_assert_ok(crm_tag_customer_list(&it, db, "C002"));
    const crm_record *r;
    ck_assert_ok(crm_iter_next(&r, it));
    const char *text;
    int64_t valid;
    ck_assert_ok(crm_record_get_text(&text, r, "category"));
    ck_assert_str_eq(text, "客户价值");
    ck_assert_ok(crm_record_get_text(&text, r, "valid_to"));
    ck_assert_str_eq(text, "2026-12-01T00:00:00Z");
    ck_assert_ok(crm_record_get_int(&valid, r, "valid"));
    ck_assert_int_eq(valid, 1);
    crm_iter_free(it);

    /* a month later C002's period is over and C003's has begun */
    test_clock_set(1795000000 + 45 * DAY);
    ck_assert_str_eq(where(db, HAS_VIP), "C001 C003");
    ck_assert_ok(crm_tag_customer_list(&it, db, "C002"));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_record_get_int(&valid, r, "valid"));
    ck_assert_int_eq(valid, 0);
    crm_iter_free(it);
    test_clock_set(1795000000);

    ck_assert_ok(crm_tag_remove(db, "C001", "vip", CRM_TAG_MANUAL));
    ck_assert_int_eq(crm_tag_remove(db, "C001", "vip", CRM_TAG_MANUAL), CRM_E_NOT_FOUND);
    ck_assert_str_eq(where(db, HAS_VIP), "C002");
    /* refusals */
    ck_assert_int_eq(crm_tag_apply(db, "C001", "vip", CRM_TAG_RULE, NULL, NULL), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_tag_apply(db, "C001", "偏好", CRM_TAG_MANUAL, NULL, NULL),
                     CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_tag_apply(db, "C001", "vip", CRM_TAG_MANUAL, "2027-01-01", "2026-01-01"),
                     CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_tag_apply(db, "C001", "vip", CRM_TAG_MANUAL, "soon", NULL),
                     CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), "field valid_from"), "%s", crm_db_errmsg(db));
    /* an RM tags their own customers only */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_tag_apply(db, "C003", "理财偏好", CRM_TAG_MANUAL, NULL, NULL));
    ck_assert_int_eq(crm_tag_apply(db, "C002", "理财偏好", CRM_TAG_MANUAL, NULL, NULL),
                     CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

START_TEST(rule_tags_follow_their_rule_on_refresh)
{
    crm_db *db = bank();
    ck_assert_ok(crm_tag_set_rule(db, "高净值", "\">=\": [{var: assets}, 50000000]"));
    ck_assert_int_eq(crm_tag_set_rule(db, "高净值", "{\">=\": [{\"var\": \"asets\"}, 1]}"),
                     CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_tag_set_rule(db, "资产", "true"), CRM_E_INVALID_DATA);
    int64_t changed = -1;
    ck_assert_ok(crm_tag_refresh(&changed, db, "高净值"));
    ck_assert_int_eq(changed, 2);
    static const char HAS[] = "{\"in\": [\"高净值\", {\"var\": \"tags\"}]}";
    ck_assert_str_eq(where(db, HAS), "C001 C003");
    /* C002 also tagged by hand: the manual copy survives the rule */
    ck_assert_ok(crm_tag_apply(db, "C002", "高净值", CRM_TAG_MANUAL, NULL, NULL));
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_money(c, "total_assets", 100));
    crm_record *cur;
    ck_assert_ok(crm_customer_get(&cur, db, "C003"));
    int64_t version;
    ck_assert_ok(crm_record_get_int(&version, cur, "version"));
    crm_record_free(cur);
    ck_assert_ok(crm_customer_update(db, "C003", c, version));
    crm_record_free(c);
    ck_assert_ok(crm_tag_refresh(&changed, db, NULL));
    ck_assert_int_eq(changed, 1);
    ck_assert_str_eq(where(db, HAS), "C001 C002");
    crm_iter *it;
    ck_assert_ok(crm_tag_stats(&it, db));
    const crm_record *r;
    int seen = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *tag;
        int64_t customers, manual, rule, model;
        ck_assert_ok(crm_record_get_text(&tag, r, "tag"));
        ck_assert_ok(crm_record_get_int(&customers, r, "customers"));
        ck_assert_ok(crm_record_get_int(&manual, r, "manual"));
        ck_assert_ok(crm_record_get_int(&rule, r, "rule"));
        ck_assert_ok(crm_record_get_int(&model, r, "model"));
        if (strcmp(tag, "高净值") == 0) {
            seen = 1;
            ck_assert_int_eq(customers, 2);
            ck_assert_int_eq(manual, 1);
            ck_assert_int_eq(rule, 1);
            ck_assert_int_eq(model, 0);
        }
    }
    crm_iter_free(it);
    ck_assert(seen);
    /* statistics count only the customers the actor sees */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_tag_stats(&it, db));
    ck_assert_str_eq(joined(it, "tag", "category"), "理财偏好:偏好 vip:客户价值 高净值:客户价值");
    ck_assert_ok(crm_tag_stats(&it, db));
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *tag;
        int64_t customers;
        crm_record_get_text(&tag, r, "tag");
        crm_record_get_int(&customers, r, "customers");
        ck_assert_int_eq(customers, strcmp(tag, "高净值") == 0 ? 1 : 0);
    }
    crm_iter_free(it);
    ck_assert_int_eq(crm_tag_refresh(NULL, db, NULL), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_int_eq(crm_tag_refresh(NULL, db, "vip"), CRM_E_STATE);
    /* without its rule the tag's rule applications go */
    ck_assert_ok(crm_tag_set_rule(db, "高净值", NULL));
    ck_assert_str_eq(where(db, HAS), "C002");
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "tag.refresh"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    crm_record_free(f);
    ck_assert_str_eq(joined(it, "entity_id", "after"),
                     "高净值:{\"added\":2,\"removed\":0} 高净值:{\"added\":0,\"removed\":1} "
                     "高净值:{\"added\":0,\"removed\":1}");
    crm_db_close(db);
}
END_TEST

static int count_events(const char *segment, const char *customer_no, int joined, void *payload)
{
    (void)segment;
    (void)customer_no;
    *(int *)payload += joined ? 1 : -1;
    return 0;
}

START_TEST(tag_changes_move_live_segments)
{
    crm_db *db = bank();
    int balance = 0, sub;
    ck_assert_ok(crm_segment_subscribe(&sub, db, count_events, &balance));
    crm_record *o;
    ck_assert_ok(crm_record_new(&o));
    ck_assert_ok(crm_record_set_int(o, "live", 1));
    ck_assert_ok(crm_segment_create(db, "vips", HAS_VIP, o));
    crm_record_free(o);
    ck_assert_ok(crm_tag_apply(db, "C002", "vip", CRM_TAG_MANUAL, NULL, NULL));
    ck_assert_int_eq(balance, 1);
    ck_assert_ok(crm_tag_set_rule(db, "vip", "{\">=\": [{\"var\": \"assets\"}, 90000000]}"));
    ck_assert_ok(crm_tag_refresh(NULL, db, "vip"));
    ck_assert_int_eq(balance, 2); /* C001 joined by the rule */
    ck_assert_ok(crm_tag_remove(db, "C002", "vip", CRM_TAG_MANUAL));
    ck_assert_int_eq(balance, 1);
    crm_iter *it;
    ck_assert_ok(crm_segment_members(&it, db, "vips"));
    ck_assert_str_eq(joined(it, "customer_no", NULL), "C001");
    crm_db_close(db);
}
END_TEST

static Suite *tag_suite(void)
{
    Suite *s = suite_create("tag");
    TCase *tc = tcase_create("tag");
    tcase_add_test(tc, taxonomy_levels_and_names);
    tcase_add_test(tc, manual_and_model_tags_expire_on_the_clock);
    tcase_add_test(tc, rule_tags_follow_their_rule_on_refresh);
    tcase_add_test(tc, tag_changes_move_live_segments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(tag_suite());
}
