#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const unsigned char TEST_KEY[32] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};

static int64_t clock_now = 1795000000; /* 2026-11-18 */

void test_clock_set(int64_t epoch)
{
    clock_now = epoch;
}

int64_t test_clock_now(void)
{
    return clock_now;
}

static int64_t test_clock(void *payload)
{
    (void)payload;
    return clock_now;
}

crm_db *test_open(const char *path)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    opts.clock = test_clock;
    crm_db *db = NULL;
    int rc = crm_db_open(&db, path, &opts);
    ck_assert_msg(rc == CRM_OK, "open %s: %s", path, crm_last_errmsg());
    return db;
}

crm_db *test_open_admin(const char *path)
{
    crm_db *db = test_open(path);
    ck_assert_ok(crm_access_bootstrap(db, "HO", "总行", "admin", "系统管理员"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    return db;
}

char *test_temp_path(const char *stem)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(512);
    ck_assert_ptr_nonnull(path);
    snprintf(path, 512, "%s/crm-%s-XXXXXX", dir ? dir : "/tmp", stem);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path);
    return path;
}

void test_remove_db(const char *path)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

void test_add_user(crm_db *db, const char *name, const char *roles, const char *branch)
{
    crm_record *u;
    ck_assert_ok(crm_record_new(&u));
    ck_assert_ok(crm_record_set_text(u, "name", name));
    ck_assert_ok(crm_record_set_text(u, "display_name", name));
    ck_assert_ok(crm_record_set_text(u, "roles", roles));
    ck_assert_ok(crm_record_set_text(u, "branch", branch));
    int rc = crm_user_add(db, u);
    crm_record_free(u);
    ck_assert_msg(rc == CRM_OK, "add user %s: %s", name, crm_db_errmsg(db));
}

int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
