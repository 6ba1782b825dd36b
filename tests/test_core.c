/* Core: version, errors, time text, records, opening, keys at open,
 * migrations, transactions. */
#include "testutil.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(version_runtime_matches_headers)
{
    ck_assert_int_eq(crm_version(), CRM_VERSION_NUMBER);
    ck_assert_str_eq(crm_version_string(), CRM_VERSION_STRING);
    ck_assert_ok(crm_version_check(CRM_VERSION_NUMBER));
    ck_assert_int_eq(crm_version_check(CRM_VERSION_NUMBER + 1), CRM_E_NOT_SUPPORTED);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), CRM_VERSION_STRING));
    ck_assert_int_eq(crm_version_check(20000), CRM_E_NOT_SUPPORTED);
}
END_TEST

START_TEST(error_strings_cover_every_code)
{
    for (int code = CRM_E_INTERNAL; code <= CRM_ITER_DONE; code++)
        ck_assert_str_ne(crm_errstr(code), "unknown error");
    ck_assert_str_eq(crm_errstr(CRM_E_NOT_FOUND), "not found");
    ck_assert_str_eq(crm_errstr(-999), "unknown error");
}
END_TEST

START_TEST(time_round_trips)
{
    int64_t t;
    char buf[32];
    ck_assert_ok(crm_time_parse(&t, "2026-11-25T14:01:32Z"));
    ck_assert_int_eq(t, 1795615292);
    ck_assert_ok(crm_time_format(buf, sizeof buf, t));
    ck_assert_str_eq(buf, "2026-11-25T14:01:32Z");
    ck_assert_ok(crm_time_parse(&t, "2024-02-29"));
    ck_assert_ok(crm_time_format(buf, sizeof buf, t));
    ck_assert_str_eq(buf, "2024-02-29T00:00:00Z");
    ck_assert_ok(crm_time_parse(&t, "1960-01-01"));
    ck_assert_int_lt(t, 0);
    ck_assert_ok(crm_time_format(buf, sizeof buf, t));
    ck_assert_str_eq(buf, "1960-01-01T00:00:00Z");
    ck_assert_int_eq(crm_time_parse(&t, "2023-02-29"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_time_parse(&t, "2026-13-01"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_time_parse(&t, "2026-11-25T24:00:00Z"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_time_parse(&t, "yesterday"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_time_format(buf, 8, 0), CRM_E_INVALID_ARG);
}
END_TEST

START_TEST(records_hold_typed_fields)
{
    crm_record *r;
    const char *text;
    int64_t n;
    char *json;
    ck_assert_ok(crm_record_new(&r));
    ck_assert_ok(crm_record_set_text(r, "name", "张三"));
    ck_assert_ok(crm_record_set_money(r, "assets", 123456789));
    ck_assert_ok(crm_record_set_int(r, "count", -3));
    ck_assert_ok(crm_record_set_date(r, "birth", "1990-03-07"));
    ck_assert_int_eq(crm_record_set_date(r, "bad", "1990-02-30"), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_record_set_text(r, "bad", "\xff\xfe"), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "bad"));
    ck_assert_int_eq(crm_record_count(r), 4);
    ck_assert_ok(crm_record_get_text(&text, r, "name"));
    ck_assert_str_eq(text, "张三");
    ck_assert_ok(crm_record_get_int(&n, r, "assets"));
    ck_assert_int_eq(n, 123456789);
    ck_assert_int_eq(crm_record_type(r, "assets"), CRM_TYPE_MONEY);
    ck_assert_int_eq(crm_record_get_int(&n, r, "name"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_record_get_text(&text, r, "missing"), CRM_E_NOT_FOUND);
    ck_assert_str_eq(crm_record_field_name(r, 3), "birth");
    ck_assert_ptr_null(crm_record_field_name(r, 4));
    ck_assert_ok(crm_record_set_text(r, "name", "李四")); /* replace keeps position */
    ck_assert_str_eq(crm_record_field_name(r, 0), "name");
    ck_assert_ok(crm_record_unset(r, "count"));
    ck_assert_ok(crm_record_to_json(&json, r));
    ck_assert_str_eq(json, "{\"name\":\"李四\",\"assets\":123456789,\"birth\":\"1990-03-07\"}");
    crm_free(json);
    crm_record_free(r);
    crm_record_free(NULL);
}
END_TEST

START_TEST(open_requires_a_key)
{
    crm_db *db = NULL;
    ck_assert_int_eq(crm_db_open(&db, ":memory:", NULL), CRM_E_KEY);
    ck_assert_ptr_null(db);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "master key"));
    crm_db_options opts;
    ck_assert_ok(crm_db_options_init(&opts, CRM_DB_OPTIONS_VERSION));
    ck_assert_int_eq(crm_db_options_init(&opts, 99), CRM_E_INVALID_ARG);
    opts.key = TEST_KEY;
    opts.flags = 0;
    ck_assert_int_eq(crm_db_open(&db, "/nonexistent/dir/x.db", &opts), CRM_E_NOT_FOUND);
}
END_TEST

#define DIGEST_SIZE 32

static void file_digest(const char *path, unsigned char out[DIGEST_SIZE])
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    fclose(f);
    EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
}

START_TEST(wrong_key_is_refused_and_file_unchanged)
{
    char *path = test_temp_path("wrongkey");
    crm_db *db = test_open_admin(path);
    crm_db_close(db);
    unsigned char before[DIGEST_SIZE], after[DIGEST_SIZE];
    file_digest(path, before);
    unsigned char wrong[32];
    memcpy(wrong, TEST_KEY, 32);
    wrong[0] ^= 1;
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = wrong;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_KEY);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "wrong master key"));
    file_digest(path, after);
    ck_assert_mem_eq(before, after, DIGEST_SIZE);
    db = test_open(path); /* the right key still works */
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static int provide_key(unsigned char out[32], void *payload)
{
    int *calls = payload;
    (*calls)++;
    memcpy(out, TEST_KEY, 32);
    return 0;
}

static int refuse_key(unsigned char out[32], void *payload)
{
    (void)out;
    (void)payload;
    return 1;
}

START_TEST(key_sources_file_and_provider)
{
    char *path = test_temp_path("keysrc"), *key_path = test_temp_path("keyfile");
    crm_db *db = test_open(path);
    crm_db_close(db);
    int calls = 0;
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key_provider = provide_key;
    opts.key_provider_payload = &calls;
    ck_assert_ok(crm_db_open(&db, path, &opts));
    ck_assert_int_eq(calls, 1);
    crm_db_close(db);
    opts.key_provider = refuse_key;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_KEY);
    opts.key = TEST_KEY; /* two sources at once are ambiguous */
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_KEY);

    ck_assert_ok(crm_key_generate_file(key_path));
    ck_assert_int_eq(crm_key_generate_file(key_path), CRM_E_CONFLICT);
    unsigned char loaded[32];
    ck_assert_ok(crm_key_load_file(loaded, key_path));
    crm_db_options fopts = CRM_DB_OPTIONS_INIT;
    fopts.key_file = key_path; /* a different key than the database's */
    ck_assert_int_eq(crm_db_open(&db, path, &fopts), CRM_E_KEY);
    FILE *f = fopen(key_path, "w");
    fputs("not hex\n", f);
    fclose(f);
    ck_assert_int_eq(crm_key_load_file(loaded, key_path), CRM_E_KEY);
    remove(key_path);
    test_remove_db(path);
    free(path);
    free(key_path);
}
END_TEST

START_TEST(not_a_libcrm_database_is_refused)
{
    char *path = test_temp_path("foreign");
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    crm_db *db;
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "not a libcrm database"));
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(newer_schema_is_refused)
{
    char *path = test_temp_path("newer");
    crm_db *db = test_open(path);
    int version;
    ck_assert_ok(crm_db_schema_version(db, &version));
    ck_assert_int_ge(version, 1);
    crm_db_close(db);
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(raw, "PRAGMA user_version = 9999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_SCHEMA_VERSION);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "9999"));
    test_remove_db(path);
    free(path);
}
END_TEST

/* A database from before migration 2 (customers): its tables are dropped
 * and the version set back, as an older library left it. Opening migrates
 * it forward; a read-only open refuses to. */
START_TEST(older_schema_migrates_forward)
{
    char *path = test_temp_path("older");
    crm_db *db = test_open_admin(path);
    int latest;
    ck_assert_ok(crm_db_schema_version(db, &latest));
    ck_assert_int_ge(latest, 2);
    crm_db_close(db);
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(raw, "SELECT name FROM sqlite_schema WHERE type = 'table'"
                                             " AND name NOT IN ('crm_meta', 'crm_key', 'crm_audit',"
                                             " 'crm_branch', 'crm_user')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char drops[4096] = "PRAGMA foreign_keys = OFF;";
    while (sqlite3_step(st) == SQLITE_ROW) {
        /* IF EXISTS: dropping a virtual table (full-text index) drops its
         * shadow tables, which come later in the list */
        strcat(drops, "DROP TABLE IF EXISTS ");
        strcat(drops, (const char *)sqlite3_column_text(st, 0));
        strcat(drops, ";");
    }
    sqlite3_finalize(st);
    strcat(drops, "PRAGMA user_version = 1;");
    ck_assert_int_eq(sqlite3_exec(raw, drops, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    opts.flags = CRM_OPEN_READONLY;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_SCHEMA_VERSION);
    db = test_open(path);
    int version;
    ck_assert_ok(crm_db_schema_version(db, &version));
    ck_assert_int_eq(version, latest);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", "M1"));
    ck_assert_ok(crm_record_set_text(c, "name", "迁移"));
    ck_assert_ok(crm_record_set_text(c, "branch", "HO"));
    ck_assert_ok(crm_customer_create(db, c));
    crm_record_free(c);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(readonly_refuses_writes)
{
    char *path = test_temp_path("ro");
    crm_db *db = test_open_admin(path);
    crm_db_close(db);
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    opts.flags = CRM_OPEN_READONLY;
    ck_assert_ok(crm_db_open(&db, path, &opts));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_int_eq(crm_branch_add(db, "BJ", "北京分行", "HO"), CRM_E_READONLY);
    ck_assert_int_eq(crm_db_begin(db), CRM_E_READONLY);
    crm_record *b;
    ck_assert_ok(crm_branch_get(&b, db, "HO"));
    crm_record_free(b);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static int64_t count_branches(crm_db *db)
{
    crm_iter *it;
    const crm_record *r;
    int64_t n = 0;
    ck_assert_ok(crm_branch_list(&it, db));
    while (crm_iter_next(&r, it) == CRM_OK)
        n++;
    crm_iter_free(it);
    return n;
}

START_TEST(host_transactions_nest)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_int_eq(crm_db_commit(db), CRM_E_STATE);
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_db_begin(db));
    ck_assert_int_eq(crm_db_txn_depth(db), 2);
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    ck_assert_ok(crm_db_rollback(db)); /* drops SH only */
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    ck_assert_ok(crm_db_commit(db));
    /* a failing call inside keeps the host's earlier work */
    ck_assert_int_eq(crm_branch_add(db, "BJ", "重复", "HO"), CRM_E_CONFLICT);
    ck_assert_ok(crm_db_commit(db));
    ck_assert_int_eq(crm_db_txn_depth(db), 0);
    ck_assert_int_eq(count_branches(db), 3); /* HO, BJ, GZ */
    ck_assert_ok(crm_db_begin(db));
    ck_assert_ok(crm_branch_add(db, "CD", "成都分行", "HO"));
    crm_db_close(db); /* closing with an open transaction rolls it back */
}
END_TEST

START_TEST(iterators_survive_close_in_any_order)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_branch_list(&it, db));
    ck_assert_ok(crm_iter_next(&r, it));
    crm_db_close(db);
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_E_STATE);
    crm_iter_free(it);
    crm_iter_free(NULL);
    crm_db_close(NULL);
}
END_TEST

static int64_t fixed_clock(void *payload)
{
    return *(int64_t *)payload;
}

START_TEST(clock_callback_drives_time)
{
    int64_t now = 1700000000;
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    opts.clock = fixed_clock;
    opts.clock_payload = &now;
    crm_db *db;
    ck_assert_ok(crm_db_open(&db, ":memory:", &opts));
    ck_assert_int_eq(crm_db_now(db), 1700000000);
    now += 60;
    ck_assert_int_eq(crm_db_now(db), 1700000060);
    crm_db_close(db);
}
END_TEST

START_TEST(two_handles_share_one_file)
{
    char *path = test_temp_path("shared");
    crm_db *a = test_open_admin(path), *b = test_open(path);
    ck_assert_ok(crm_db_set_actor(b, "admin"));
    ck_assert_ok(crm_db_begin(a));
    ck_assert_ok(crm_branch_add(a, "BJ", "北京分行", "HO"));
    /* b waits for a's write lock up to its timeout, then succeeds */
    ck_assert_ok(crm_db_commit(a));
    ck_assert_ok(crm_branch_add(b, "SH", "上海分行", "HO"));
    ck_assert_int_eq(count_branches(a), 3);
    crm_db_close(a);
    crm_db_close(b);
    test_remove_db(path);
    free(path);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_runtime_matches_headers);
    tcase_add_test(tc, error_strings_cover_every_code);
    tcase_add_test(tc, time_round_trips);
    tcase_add_test(tc, records_hold_typed_fields);
    tcase_add_test(tc, open_requires_a_key);
    tcase_add_test(tc, wrong_key_is_refused_and_file_unchanged);
    tcase_add_test(tc, key_sources_file_and_provider);
    tcase_add_test(tc, not_a_libcrm_database_is_refused);
    tcase_add_test(tc, newer_schema_is_refused);
    tcase_add_test(tc, older_schema_migrates_forward);
    tcase_add_test(tc, readonly_refuses_writes);
    tcase_add_test(tc, host_transactions_nest);
    tcase_add_test(tc, iterators_survive_close_in_any_order);
    tcase_add_test(tc, clock_callback_drives_time);
    tcase_add_test(tc, two_handles_share_one_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(core_suite());
}
