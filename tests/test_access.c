/* Access: bootstrap, branch tree, users, roles and who sees what, reveal
 * auditing, passwords and lock-out. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static crm_db *tree(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    return db;
}

START_TEST(bootstrap_only_once)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_int_eq(crm_access_bootstrap(db, "HO2", "总行", "root", "Root"), CRM_E_STATE);
    crm_db_close(db);
    db = test_open(":memory:");
    ck_assert_int_eq(crm_access_bootstrap(db, "H O", "总行", "admin", "A"), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "head_office_code"));
    ck_assert_int_eq(crm_access_bootstrap(db, "HO", "总行", "Admin!", "A"), CRM_E_INVALID_DATA);
    /* before bootstrap nobody can act */
    ck_assert_int_eq(crm_db_set_actor(db, "admin"), CRM_E_PERMISSION);
    crm_iter *it;
    ck_assert_int_eq(crm_branch_list(&it, db), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

START_TEST(branch_tree)
{
    crm_db *db = tree();
    crm_record *b;
    const char *text;
    int64_t level;
    ck_assert_ok(crm_branch_get(&b, db, "BJ01"));
    ck_assert_ok(crm_record_get_text(&text, b, "name"));
    ck_assert_str_eq(text, "北京朝阳支行");
    ck_assert_ok(crm_record_get_text(&text, b, "parent"));
    ck_assert_str_eq(text, "BJ");
    ck_assert_ok(crm_record_get_int(&level, b, "level"));
    ck_assert_int_eq(level, 2);
    crm_record_free(b);
    ck_assert_int_eq(crm_branch_get(&b, db, "NOPE"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_branch_add(db, "BJ", "again", "HO"), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_branch_add(db, "X1", "orphan", "NOPE"), CRM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "parent"));
    ck_assert_int_eq(crm_branch_add(db, "X2", "", "HO"), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "name"));
    ck_assert_int_eq(crm_branch_add(db, "X3", "无上级", NULL), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_branch_add(db, "'; DROP TABLE crm_user;--", "x", "HO"),
                     CRM_E_INVALID_DATA);
    /* tree order: each branch right after its parent */
    crm_iter *it;
    const crm_record *r;
    const char *want[] = {"HO", "BJ", "BJ01", "SH"};
    ck_assert_ok(crm_branch_list(&it, db));
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(crm_iter_next(&r, it));
        ck_assert_ok(crm_record_get_text(&text, r, "code"));
        ck_assert_str_eq(text, want[i]);
    }
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

static int add_user(crm_db *db, const char *field, const char *value)
{
    crm_record *u;
    ck_assert_ok(crm_record_new(&u));
    ck_assert_ok(crm_record_set_text(u, "name", "li.lei"));
    ck_assert_ok(crm_record_set_text(u, "display_name", "李雷"));
    ck_assert_ok(crm_record_set_text(u, "roles", "relationship_manager,marketer"));
    ck_assert_ok(crm_record_set_text(u, "branch", "BJ01"));
    ck_assert_ok(crm_record_set_text(u, "phone", "+8613912345678"));
    ck_assert_ok(crm_record_set_text(u, "email", "LiLei@Bank.example.CN"));
    if (field)
        ck_assert_ok(value ? crm_record_set_text(u, field, value) : crm_record_unset(u, field));
    int rc = crm_user_add(db, u);
    crm_record_free(u);
    return rc;
}

static void expect_invalid(crm_db *db, const char *field, const char *value, const char *named)
{
    ck_assert_int_eq(add_user(db, field, value), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), named), "message '%s' should name %s",
                  crm_db_errmsg(db), named);
}

START_TEST(user_validation_names_the_field)
{
    crm_db *db = tree();
    expect_invalid(db, "phone", "12345678901", "phone");
    expect_invalid(db, "phone", "1391234567", "phone");
    expect_invalid(db, "email", "not-an-email", "email");
    expect_invalid(db, "roles", "admin,wizard", "wizard");
    expect_invalid(db, "name", "Li Lei", "name");
    expect_invalid(db, "display_name", NULL, "display_name");
    expect_invalid(db, "pin", "123456", "pin");
    ck_assert_int_eq(add_user(db, "branch", "NOPE"), CRM_E_NOT_FOUND);
    ck_assert_ok(add_user(db, NULL, NULL));
    ck_assert_int_eq(add_user(db, NULL, NULL), CRM_E_CONFLICT);
    crm_record *u;
    const char *text;
    ck_assert_ok(crm_user_get(&u, db, "li.lei"));
    ck_assert_ok(crm_record_get_text(&text, u, "phone"));
    ck_assert_str_eq(text, "139****5678");
    ck_assert_ok(crm_record_get_text(&text, u, "email"));
    ck_assert_str_eq(text, "l***@bank.example.cn");
    ck_assert_ok(crm_record_get_text(&text, u, "roles"));
    ck_assert_str_eq(text, "relationship_manager,marketer");
    ck_assert_ok(crm_record_get_text(&text, u, "status"));
    ck_assert_str_eq(text, "active");
    crm_record_free(u);
    crm_db_close(db);
}
END_TEST

static int count_users(crm_db *db)
{
    crm_iter *it;
    const crm_record *r;
    int n = 0;
    ck_assert_ok(crm_user_list(&it, db));
    while (crm_iter_next(&r, it) == CRM_OK)
        n++;
    crm_iter_free(it);
    return n;
}

START_TEST(who_sees_which_users)
{
    crm_db *db = tree();
    test_add_user(db, "bj.mgr", "branch_manager", "BJ");
    test_add_user(db, "bj01.rm", "relationship_manager", "BJ01");
    test_add_user(db, "sh.rm", "relationship_manager", "SH");
    test_add_user(db, "aud", "auditor", "HO");
    ck_assert_int_eq(count_users(db), 5);
    ck_assert_ok(crm_db_set_actor(db, "bj.mgr"));
    ck_assert_int_eq(count_users(db), 2); /* self and bj01.rm */
    crm_record *u;
    ck_assert_ok(crm_user_get(&u, db, "bj01.rm"));
    crm_record_free(u);
    ck_assert_int_eq(crm_user_get(&u, db, "sh.rm"), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "bj01.rm"));
    ck_assert_int_eq(count_users(db), 1);
    ck_assert_ok(crm_db_set_actor(db, "aud"));
    ck_assert_int_eq(count_users(db), 5);
    crm_db_close(db);
}
END_TEST

/* One row per (operation, role): the foundation's permission matrix. */
typedef int (*op_fn)(crm_db *db);

static int op_branch_add(crm_db *db)
{
    static int n;
    char code[16];
    snprintf(code, sizeof code, "M%d", n++);
    return crm_branch_add(db, code, "矩阵", "HO");
}

static int op_branch_list(crm_db *db)
{
    crm_iter *it;
    int rc = crm_branch_list(&it, db);
    crm_iter_free(rc ? NULL : it);
    return rc;
}

static int op_user_add(crm_db *db)
{
    static int n;
    char name[16];
    snprintf(name, sizeof name, "m%d", n++);
    crm_record *u;
    crm_record_new(&u);
    crm_record_set_text(u, "name", name);
    crm_record_set_text(u, "display_name", "矩阵");
    crm_record_set_text(u, "roles", "marketer");
    crm_record_set_text(u, "branch", "HO");
    int rc = crm_user_add(db, u);
    crm_record_free(u);
    return rc;
}

static int op_user_disable(crm_db *db)
{
    return crm_user_disable(db, "victim", "matrix");
}

static int op_audit_list(crm_db *db)
{
    crm_iter *it;
    int rc = crm_audit_list(&it, db, NULL);
    crm_iter_free(rc ? NULL : it);
    return rc;
}

static int op_audit_verify(crm_db *db)
{
    int64_t a, b;
    return crm_audit_verify(&a, &b, db, NULL);
}

static int op_rotate(crm_db *db)
{
    return crm_db_rotate_data_key(db);
}

START_TEST(permission_matrix)
{
    static const char *const roles[] = {"admin",    "branch_manager",    "relationship_manager",
                                        "marketer", "complaint_handler", "auditor"};
    static const struct {
        const char *name;
        op_fn fn;
        const char *allowed; /* first letters of roles allowed: a b r m c u */
    } ops[] = {
        {"branch.add", op_branch_add, "a"},       {"branch.list", op_branch_list, "abrmcu"},
        {"user.add", op_user_add, "a"},           {"user.disable", op_user_disable, "a"},
        {"audit.list", op_audit_list, "au"},      {"audit.verify", op_audit_verify, "au"},
        {"key.rotate", op_rotate, "a"},
    };
    static const char letters[] = "abrmcu";
    crm_db *db = test_open_admin(":memory:");
    for (int r = 0; r < 6; r++) {
        char name[32];
        snprintf(name, sizeof name, "as.%d", r);
        test_add_user(db, name, roles[r], "HO");
    }
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        for (int r = 0; r < 6; r++) {
            char name[32];
            ck_assert_ok(crm_db_set_actor(db, "admin"));
            test_add_user(db, "victim", "marketer", "HO");
            snprintf(name, sizeof name, "as.%d", r);
            ck_assert_ok(crm_db_set_actor(db, name));
            int rc = ops[o].fn(db);
            bool allowed = strchr(ops[o].allowed, letters[r]) != NULL;
            ck_assert_msg(allowed ? rc == CRM_OK : rc == CRM_E_PERMISSION,
                          "%s as %s: got %d (%s)", ops[o].name, roles[r], rc, crm_db_errmsg(db));
            /* reset: a fresh victim for the next pair */
            ck_assert_ok(crm_db_set_actor(db, NULL));
            crm_db_close(db);
            db = test_open_admin(":memory:");
            for (int k = 0; k < 6; k++) {
                snprintf(name, sizeof name, "as.%d", k);
                test_add_user(db, name, roles[k], "HO");
            }
        }
    }
    ck_assert_ok(crm_db_set_actor(db, NULL));
    ck_assert_int_eq(op_branch_list(db), CRM_E_PERMISSION); /* no actor */
    crm_db_close(db);
}
END_TEST

START_TEST(disabled_user_loses_access_everywhere)
{
    char *path = test_temp_path("disable");
    crm_db *admin = test_open_admin(path), *rm = test_open(path);
    test_add_user(admin, "rm1", "relationship_manager", "HO");
    ck_assert_ok(crm_db_set_actor(rm, "rm1"));
    ck_assert_int_eq(op_branch_list(rm), CRM_OK);
    ck_assert_int_eq(crm_user_disable(admin, "rm1", ""), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_user_disable(admin, "admin", "self"), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_user_disable(admin, "rm1", "left the bank"));
    ck_assert_int_eq(op_branch_list(rm), CRM_E_PERMISSION); /* the other handle too */
    ck_assert_ptr_null(crm_db_actor(rm));
    ck_assert_int_eq(crm_db_set_actor(rm, "rm1"), CRM_E_PERMISSION);
    ck_assert_ok(crm_user_enable(admin, "rm1", "rehired"));
    ck_assert_ok(crm_db_set_actor(rm, "rm1"));
    ck_assert_int_eq(crm_user_disable(admin, "ghost", "x"), CRM_E_NOT_FOUND);
    crm_db_close(rm);
    crm_db_close(admin);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(reveal_needs_role_and_reason_and_is_audited)
{
    crm_db *db = tree();
    ck_assert_ok(add_user(db, NULL, NULL));
    test_add_user(db, "other", "relationship_manager", "BJ");
    char *clear = NULL;
    ck_assert_int_eq(crm_user_reveal(&clear, db, "li.lei", "phone", ""), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_user_reveal(&clear, db, "li.lei", "name", "x"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_user_reveal(&clear, db, "other", "phone", "x"), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_user_reveal(&clear, db, "li.lei", "phone", "客户回访核实"));
    ck_assert_str_eq(clear, "13912345678");
    crm_free(clear);
    ck_assert_ok(crm_user_reveal(&clear, db, "li.lei", "email", "核实"));
    ck_assert_str_eq(clear, "lilei@bank.example.cn");
    crm_free(clear);
    ck_assert_ok(crm_db_set_actor(db, "other"));
    ck_assert_int_eq(crm_user_reveal(&clear, db, "li.lei", "phone", "x"), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "li.lei")); /* one's own data */
    ck_assert_ok(crm_user_reveal(&clear, db, "li.lei", "phone", "查看本人"));
    crm_free(clear);

    ck_assert_ok(crm_db_set_actor(db, "admin"));
    crm_record *f;
    crm_iter *it;
    const crm_record *r;
    const char *text;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "user.reveal"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_record_get_text(&text, r, "reason"));
    ck_assert_str_eq(text, "客户回访核实");
    ck_assert_ok(crm_record_get_text(&text, r, "actor"));
    ck_assert_str_eq(text, "admin");
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_iter_next(&r, it));
    ck_assert_ok(crm_record_get_text(&text, r, "actor"));
    ck_assert_str_eq(text, "li.lei");
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(f);
    /* the audit log itself holds masked values only */
    ck_assert_ok(crm_audit_list(&it, db, NULL));
    while (crm_iter_next(&r, it) == CRM_OK)
        if (crm_record_get_text(&text, r, "after") == CRM_OK)
            ck_assert_ptr_null(strstr(text, "13912345678"));
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

START_TEST(passwords_and_lockout)
{
    crm_db *db = test_open_admin(":memory:");
    test_add_user(db, "teller", "relationship_manager", "HO");
    ck_assert_int_eq(crm_user_set_password(db, "teller", "short"), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_user_set_password(db, "teller", "正确的密码horse"));
    ck_assert_ok(crm_db_set_actor(db, NULL));
    ck_assert_ok(crm_user_authenticate(db, "teller", "正确的密码horse"));
    ck_assert_str_eq(crm_db_actor(db), "teller");
    ck_assert_int_eq(crm_user_set_password(db, "admin", "0123456789x"), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_user_authenticate(db, "nobody", "whatever123"), CRM_E_PERMISSION);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(crm_user_authenticate(db, "teller", "wrong-password"), CRM_E_PERMISSION);
    ck_assert_ptr_null(strstr(crm_db_errmsg(db), "teller"));
    ck_assert_int_eq(crm_user_authenticate(db, "teller", "wrong-password"), CRM_E_PERMISSION);
    /* five failures: locked even with the right password */
    ck_assert_int_eq(crm_user_authenticate(db, "teller", "正确的密码horse"), CRM_E_LOCKED);
    test_clock_set(test_clock_now() + 15 * 60 + 1);
    ck_assert_ok(crm_user_authenticate(db, "teller", "正确的密码horse"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    crm_record *f;
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "user.locked"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    ck_assert_ok(crm_iter_next(&r, it));
    crm_iter_free(it);
    crm_record_free(f);
    crm_db_close(db);
}
END_TEST

static Suite *access_suite(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("access");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bootstrap_only_once);
    tcase_add_test(tc, branch_tree);
    tcase_add_test(tc, user_validation_names_the_field);
    tcase_add_test(tc, who_sees_which_users);
    tcase_add_test(tc, permission_matrix);
    tcase_add_test(tc, disabled_user_loses_access_everywhere);
    tcase_add_test(tc, reveal_needs_role_and_reason_and_is_audited);
    tcase_add_test(tc, passwords_and_lockout);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(access_suite());
}
