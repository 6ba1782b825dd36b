/* Customers: validation, encryption and masking, optimistic updates with
 * audited masked before/after, reveal, access by role, the deletion
 * lifecycle and crypto-shredding purge, assignment. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Valid resident IDs (GB 11643-1999 check characters). */
#define ID_BJ_F "11010519491231002X"   /* 北京, 1949-12-31, F */
#define ID_GD_M "440106198503120015"   /* 广东, 1985-03-12, M */
#define ID_GD_M15 "440106850312001"    /* the same, 15-digit form */
#define ID_SH_M "310115199001011232"   /* 上海, 1990-01-01, M */
#define ID_SC_F "510107197208156541"   /* 四川, 1972-08-15, F */

static crm_db *bank(const char *path)
{
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    test_add_user(db, "rm.gz", "relationship_manager", "GZ");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "admin2", "admin", "HO");
    test_add_user(db, "mkt", "marketer", "HO");
    return db;
}

static crm_record *customer(const char *no, const char *name, const char *id, const char *manager)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", name));
    if (id)
        ck_assert_ok(crm_record_set_text(c, "id_number", id));
    ck_assert_ok(crm_record_set_text(c, "phone", "13912345678"));
    ck_assert_ok(crm_record_set_text(c, "email", "Zhang.San@example.com"));
    ck_assert_ok(crm_record_set_text(c, "address", "北京市朝阳区建国路88号"));
    ck_assert_ok(crm_record_set_text(c, "card_number", "6222021234567890128"));
    ck_assert_ok(crm_record_set_money(c, "total_assets", 123456789));
    ck_assert_ok(crm_record_set_money(c, "annual_income", 30000000));
    ck_assert_ok(crm_record_set_text(c, "risk_level", "C3"));
    ck_assert_ok(crm_record_set_date(c, "risk_assessed_at", "2026-06-01"));
    ck_assert_ok(crm_record_set_text(c, "branch", "BJ01"));
    if (manager)
        ck_assert_ok(crm_record_set_text(c, "manager", manager));
    ck_assert_ok(crm_record_set_int(c, "consent_sms", 1));
    return c;
}

static int create(crm_db *db, const char *no, const char *name, const char *id,
                  const char *manager)
{
    crm_record *c = customer(no, name, id, manager);
    int rc = crm_customer_create(db, c);
    crm_record_free(c);
    return rc;
}

static const char *text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    return v;
}

static int64_t number(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

START_TEST(create_derives_and_masks)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "C001", "张三", ID_BJ_F, "rm.a"));
    crm_record *r;
    ck_assert_ok(crm_customer_get(&r, db, "C001"));
    ck_assert_str_eq(text(r, "name"), "张三");
    ck_assert_str_eq(text(r, "gender"), "F");
    ck_assert_str_eq(text(r, "birth_date"), "1949-12-31");
    ck_assert_str_eq(text(r, "province"), "北京市");
    ck_assert_str_eq(text(r, "id_number"), "1****************X");
    ck_assert_str_eq(text(r, "phone"), "139****5678");
    ck_assert_str_eq(text(r, "email"), "z***@example.com");
    ck_assert_str_eq(text(r, "address"), "北京市朝阳区****");
    ck_assert_str_eq(text(r, "card_number"), "622202*********0128");
    ck_assert_str_eq(text(r, "manager"), "rm.a");
    ck_assert_str_eq(text(r, "branch"), "BJ01");
    ck_assert_str_eq(text(r, "status"), "active");
    ck_assert_int_eq(crm_record_type(r, "total_assets"), CRM_TYPE_MONEY);
    ck_assert_int_eq(number(r, "total_assets"), 123456789);
    ck_assert_int_eq(number(r, "version"), 1);
    ck_assert_int_eq(number(r, "age"), 76);
    ck_assert_int_eq(number(r, "risk_expired"), 0);
    crm_record_free(r);
    ck_assert_int_eq(crm_customer_get(&r, db, "NOPE"), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

static void expect_invalid(crm_db *db, const char *field, const char *value, const char *words)
{
    crm_record *c = customer("C900", "李四", ID_GD_M, "rm.a");
    if (value)
        ck_assert_ok(crm_record_set_text(c, field, value));
    else
        ck_assert_ok(crm_record_unset(c, field));
    ck_assert_int_eq(crm_customer_create(db, c), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), words), "'%s' lacks '%s'", crm_db_errmsg(db), words);
    crm_record_free(c);
}

START_TEST(validation_names_field_and_reason)
{
    crm_db *db = bank(":memory:");
    expect_invalid(db, "id_number", "440106198503120016", "check digit is 6, expected 5");
    expect_invalid(db, "id_number", "990106198503120012", "province");
    expect_invalid(db, "id_number", "440106198513120019", "birth date");
    expect_invalid(db, "gender", "F", "gender: does not match");
    expect_invalid(db, "birth_date", "1985-03-13", "birth_date: does not match");
    expect_invalid(db, "province", "北京", "province: does not match");
    expect_invalid(db, "phone", "1391234567", "phone");
    expect_invalid(db, "card_number", "6222021234567890123", "Luhn");
    expect_invalid(db, "email", "nobody", "email");
    expect_invalid(db, "risk_level", "C9", "risk_level");
    expect_invalid(db, "name", NULL, "name: required");
    expect_invalid(db, "cvv", "123", "authentication data is never stored");
    expect_invalid(db, "password", "secret", "authentication data");
    expect_invalid(db, "favourite_colour", "red", "unknown field favourite_colour");
    crm_record *c = customer("C901", "李四", ID_GD_M, "rm.a");
    ck_assert_ok(crm_record_set_money(c, "total_assets", -1));
    ck_assert_int_eq(crm_customer_create(db, c), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "total_assets: must not be negative"));
    ck_assert_ok(crm_record_set_money(c, "total_assets", 0));
    ck_assert_ok(crm_record_set_text(c, "manager", "rm.gz"));
    ck_assert_int_eq(crm_customer_create(db, c), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "outside the customer's branch"));
    crm_record_free(c);
    /* passports are kept as given */
    c = customer("C902", "John Smith", "E12345678", "rm.a");
    ck_assert_ok(crm_record_set_text(c, "id_type", "passport"));
    ck_assert_ok(crm_customer_create(db, c));
    crm_record_free(c);
    /* nothing half-written by the failures */
    crm_record *r;
    ck_assert_int_eq(crm_customer_get(&r, db, "C900"), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

START_TEST(id_numbers_convert_and_stay_unique)
{
    crm_db *db = bank(":memory:");
    crm_record *id;
    ck_assert_ok(crm_id_number_parse(&id, ID_GD_M15));
    ck_assert_str_eq(text(id, "id_number"), ID_GD_M);
    ck_assert_str_eq(text(id, "gender"), "M");
    ck_assert_str_eq(text(id, "province"), "广东省");
    crm_record_free(id);
    ck_assert_int_eq(crm_id_number_parse(&id, "11010519491231002x"), CRM_OK);
    crm_record_free(id);
    ck_assert_int_eq(crm_id_number_parse(&id, "110105194912310021"), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "check digit is 1, expected X"));

    ck_assert_ok(create(db, "C010", "王五", ID_GD_M15, "rm.a"));
    ck_assert_int_eq(create(db, "C011", "王五", ID_GD_M, "rm.a"), CRM_E_CONFLICT);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "C010"));
    ck_assert_int_eq(create(db, "C010", "赵六", ID_SH_M, "rm.a"), CRM_E_CONFLICT);
    crm_db_close(db);
}
END_TEST

/* The last audit entry's fields. */
static crm_record *last_audit(crm_db *db, const char *action)
{
    crm_record *f, *copy = NULL;
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", action));
    ck_assert_ok(crm_audit_list(&it, db, f));
    while (crm_iter_next(&r, it) == CRM_OK) {
        crm_record_free(copy);
        ck_assert_ok(crm_record_new(&copy));
        for (size_t i = 0; i < crm_record_count(r); i++) {
            const char *name = crm_record_field_name(r, i);
            if (crm_record_type(r, name) == CRM_TYPE_TEXT)
                ck_assert_ok(crm_record_set_text(copy, name, text(r, name)));
        }
    }
    crm_iter_free(it);
    crm_record_free(f);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

START_TEST(updates_are_optimistic_and_audited_masked)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "C001", "张三", ID_BJ_F, "rm.a"));
    crm_record *ch;
    ck_assert_ok(crm_record_new(&ch));
    ck_assert_ok(crm_record_set_text(ch, "phone", "13800001111"));
    ck_assert_ok(crm_record_set_money(ch, "total_assets", 5));
    ck_assert_ok(crm_record_set_text(ch, "ext.vip_code", "金卡A"));
    ck_assert_ok(crm_customer_update(db, "C001", ch, 1));
    ck_assert_int_eq(crm_customer_update(db, "C001", ch, 1), CRM_E_CONFLICT); /* stale */
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "version 2"));
    crm_record *r;
    ck_assert_ok(crm_customer_get(&r, db, "C001"));
    ck_assert_int_eq(number(r, "version"), 2);
    ck_assert_str_eq(text(r, "phone"), "138****1111");
    ck_assert_str_eq(text(r, "ext.vip_code"), "金卡A");
    ck_assert_str_eq(text(r, "email"), "z***@example.com"); /* untouched */
    crm_record_free(r);
    crm_record *a = last_audit(db, "customer.update");
    ck_assert_str_eq(text(a, "entity_id"), "C001");
    ck_assert_ptr_nonnull(strstr(text(a, "before"), "139****5678"));
    ck_assert_ptr_nonnull(strstr(text(a, "after"), "138****1111"));
    ck_assert_ptr_null(strstr(text(a, "after"), "13800001111"));
    ck_assert_ptr_nonnull(strstr(text(a, "before"), "123456789"));
    crm_record_free(a);
    /* identity stays consistent across updates */
    crm_record_free(ch);
    ck_assert_ok(crm_record_new(&ch));
    ck_assert_ok(crm_record_set_text(ch, "gender", "M"));
    ck_assert_int_eq(crm_customer_update(db, "C001", ch, 2), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_record_set_text(ch, "id_number", ID_SC_F));
    ck_assert_int_eq(crm_customer_update(db, "C001", ch, 2), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_record_unset(ch, "gender"));
    ck_assert_ok(crm_customer_update(db, "C001", ch, 2)); /* derives birth date and province */
    ck_assert_ok(crm_customer_get(&r, db, "C001"));
    ck_assert_str_eq(text(r, "birth_date"), "1972-08-15");
    ck_assert_str_eq(text(r, "province"), "四川省");
    crm_record_free(r);
    ck_assert_ok(crm_record_set_text(ch, "customer_no", "X"));
    ck_assert_int_eq(crm_customer_update(db, "C001", ch, 3), CRM_E_INVALID_DATA);
    crm_record_free(ch);
    crm_db_close(db);
}
END_TEST

START_TEST(reveal_is_audited)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "C001", "张三", ID_BJ_F, "rm.a"));
    char *clear;
    ck_assert_int_eq(crm_customer_reveal(&clear, db, "C001", "id_number", ""), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_customer_reveal(&clear, db, "C001", "name", "x"), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_customer_reveal(&clear, db, "C001", "id_number", "开户核验"));
    ck_assert_str_eq(clear, ID_BJ_F);
    crm_free(clear);
    ck_assert_ok(crm_customer_reveal(&clear, db, "C001", "card_number", "挂失"));
    ck_assert_str_eq(clear, "6222021234567890128");
    crm_free(clear);
    crm_record *a = last_audit(db, "customer.reveal");
    ck_assert_str_eq(text(a, "reason"), "挂失");
    ck_assert_str_eq(text(a, "actor"), "admin");
    crm_record_free(a);
    ck_assert_ok(crm_db_set_actor(db, "mkt")); /* marketers see, never reveal */
    ck_assert_int_eq(crm_customer_reveal(&clear, db, "C001", "phone", "x"), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

START_TEST(rm_cannot_reach_another_rms_customer)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "CA", "张三", ID_BJ_F, "rm.a"));
    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    crm_record *r, *ch;
    char *clear = NULL;
    ck_assert_int_eq(crm_customer_get(&r, db, "CA"), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_record_new(&ch));
    ck_assert_ok(crm_record_set_text(ch, "name", "改名"));
    ck_assert_int_eq(crm_customer_update(db, "CA", ch, 1), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_customer_reveal(&clear, db, "CA", "phone", "x"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_customer_delete_request(db, "CA", "x"), CRM_E_NOT_FOUND);
    ck_assert_ptr_null(clear);
    /* nor create one into another RM's book */
    ck_assert_int_eq(create(db, "CB", "李四", ID_GD_M, "rm.a"), CRM_E_PERMISSION);
    ck_assert_ok(create(db, "CB", "李四", ID_GD_M, "rm.b"));
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_customer_get(&r, db, "CA"));
    crm_record_free(r);
    ck_assert_int_eq(crm_customer_get(&r, db, "CB"), CRM_E_NOT_FOUND);
    ck_assert_ok(crm_db_set_actor(db, "bm.bj")); /* the branch manager sees both */
    ck_assert_ok(crm_customer_get(&r, db, "CB"));
    crm_record_free(r);
    ck_assert_ok(crm_db_set_actor(db, "rm.gz"));
    ck_assert_int_eq(crm_customer_get(&r, db, "CA"), CRM_E_NOT_FOUND);
    crm_record_free(ch);
    crm_db_close(db);
}
END_TEST

START_TEST(assign_and_move_book)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "C1", "张三", ID_BJ_F, "rm.a"));
    ck_assert_ok(create(db, "C2", "李四", ID_GD_M, "rm.a"));
    ck_assert_ok(create(db, "C3", "王五", ID_SH_M, NULL));
    ck_assert_ok(crm_customer_assign(db, "C3", "rm.b", "新客户分配"));
    int64_t moved = -1;
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_customer_move_book(&moved, db, "rm.a", "rm.b", "客户经理离职"));
    ck_assert_int_eq(moved, 2);
    ck_assert_int_eq(crm_customer_move_book(&moved, db, "rm.b", "rm.gz", "x"), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "rm.b"));
    crm_record *r;
    ck_assert_ok(crm_customer_get(&r, db, "C1"));
    crm_record_free(r);
    ck_assert_int_eq(crm_customer_assign(db, "C1", "rm.a", "x"), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    crm_record *a = last_audit(db, "customer.move_book");
    ck_assert_ptr_nonnull(strstr(text(a, "after"), "\"moved\":2"));
    ck_assert_str_eq(text(a, "reason"), "客户经理离职");
    crm_record_free(a);
    crm_db_close(db);
}
END_TEST

static bool file_contains(const char *path, const void *needle, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)size + 1);
    size_t n = fread(data, 1, (size_t)size, f);
    fclose(f);
    bool found = false;
    for (size_t i = 0; !found && i + len <= n; i++)
        found = memcmp(data + i, needle, len) == 0;
    free(data);
    return found;
}

/* Every sealed blob and wrapped key stored for the customer, before purge. */
static int collect_blobs(const char *path, unsigned char blobs[][128], size_t lens[], int max)
{
    sqlite3 *raw;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(raw,
                                        "SELECT id_number FROM crm_customer WHERE customer_no = 'CP'"
                                        " UNION ALL SELECT phone FROM crm_customer WHERE"
                                        " customer_no = 'CP' UNION ALL SELECT wrapped FROM"
                                        " crm_customer_key k JOIN crm_customer c ON c.id ="
                                        " k.customer_id WHERE c.customer_no = 'CP'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        lens[n] = (size_t)sqlite3_column_bytes(st, 0);
        ck_assert_uint_le(lens[n], 128);
        memcpy(blobs[n], sqlite3_column_blob(st, 0), lens[n]);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

START_TEST(deletion_lifecycle_and_purge_shreds)
{
    char *path = test_temp_path("purge"), wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    crm_db *db = bank(path);
    ck_assert_ok(create(db, "CP", "欧阳娜娜", ID_SC_F, "rm.a"));
    ck_assert_ok(create(db, "CK", "张三", ID_BJ_F, "rm.a"));
    unsigned char blobs[3][128];
    size_t lens[3];
    ck_assert_int_eq(collect_blobs(path, blobs, lens, 3), 3);

    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_customer_delete_request(db, "CP", ""), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_customer_delete_request(db, "CP", "客户销户"));
    ck_assert_int_eq(crm_customer_delete_request(db, "CP", "again"), CRM_E_STATE);
    ck_assert_int_eq(crm_customer_delete_approve(db, "CP", "x"), CRM_E_PERMISSION); /* RM */
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_customer_delete_approve(db, "CP", "核准"));
    crm_record *r;
    ck_assert_int_eq(crm_customer_get(&r, db, "CP"), CRM_E_NOT_FOUND); /* restricted */
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_ok(crm_customer_get(&r, db, "CP"));
    ck_assert_str_eq(text(r, "status"), "restricted");
    crm_record_free(r);

    int64_t purged = -1;
    ck_assert_ok(crm_customer_purge_due(&purged, db));
    ck_assert_int_eq(purged, 0); /* retention has not ended */
    test_clock_set(test_clock_now() + 5 * 366 * 86400LL);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_customer_purge_due(&purged, db), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_ok(crm_customer_purge_due(&purged, db));
    ck_assert_int_eq(purged, 1);
    ck_assert_int_eq(crm_customer_get(&r, db, "CP"), CRM_E_NOT_FOUND);
    char *clear = NULL;
    ck_assert_ok(crm_customer_reveal(&clear, db, "CK", "id_number", "other customer intact"));
    crm_free(clear);

    /* the audit log keeps masked forms only ("5****************1", "欧***") */
    const char *secrets[] = {ID_SC_F, "13912345678", "欧阳娜娜", "510107197208"};
    const char *files[] = {path, wal};
    for (int f = 0; f < 2; f++) {
        for (int s = 0; s < 4; s++)
            ck_assert_msg(!file_contains(files[f], secrets[s], strlen(secrets[s])) ||
                              (s == 1), /* CK shares the phone number, sealed */
                          "%s found in %s", secrets[s], files[f]);
        for (int b = 0; b < 3; b++)
            ck_assert_msg(!file_contains(files[f], blobs[b], lens[b]), "blob %d remains in %s", b,
                          files[f]);
    }
    ck_assert(!file_contains(path, "13912345678", 11)); /* never clear, for anyone */
    int64_t entries, bad;
    ck_assert_ok(crm_audit_verify(&entries, &bad, db, NULL));
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(every_create_is_audited_without_clear_text)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(create(db, "C001", "张三", ID_BJ_F, "rm.a"));
    crm_record *a = last_audit(db, "customer.create");
    const char *after = text(a, "after");
    ck_assert_ptr_nonnull(strstr(after, "1****************X"));
    ck_assert_ptr_null(strstr(after, ID_BJ_F));
    ck_assert_ptr_null(strstr(after, "6222021234567890128"));
    ck_assert_ptr_null(strstr(after, "建国路88号"));
    crm_record_free(a);
    crm_db_close(db);
}
END_TEST

static Suite *customer_suite(void)
{
    Suite *s = suite_create("customer");
    TCase *tc = tcase_create("customer");
    tcase_add_test(tc, create_derives_and_masks);
    tcase_add_test(tc, validation_names_field_and_reason);
    tcase_add_test(tc, id_numbers_convert_and_stay_unique);
    tcase_add_test(tc, updates_are_optimistic_and_audited_masked);
    tcase_add_test(tc, reveal_is_audited);
    tcase_add_test(tc, rm_cannot_reach_another_rms_customer);
    tcase_add_test(tc, assign_and_move_book);
    tcase_add_test(tc, deletion_lifecycle_and_purge_shreds);
    tcase_add_test(tc, every_create_is_audited_without_clear_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(customer_suite());
}
