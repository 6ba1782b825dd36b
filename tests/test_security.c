/* Security: masking, personal data never in clear at rest, the audit chain
 * against tampering, truncation and rollback, key rotation. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void check_mask(crm_mask_kind kind, const char *in, const char *want)
{
    char *out;
    ck_assert_ok(crm_mask(&out, kind, in));
    ck_assert_msg(strcmp(out, want) == 0, "mask(%d, %s) = %s, want %s", kind, in, out, want);
    crm_free(out);
}

START_TEST(masks_follow_the_rules)
{
    check_mask(CRM_MASK_PHONE, "13812345678", "138****5678");
    check_mask(CRM_MASK_PHONE, "+8613812345678", "+86138****5678");
    check_mask(CRM_MASK_ID_NUMBER, "11010519491231002X", "1****************X");
    check_mask(CRM_MASK_CARD, "6222021234567890123", "622202*********0123");
    check_mask(CRM_MASK_EMAIL, "zhangsan@example.com", "z***@example.com");
    check_mask(CRM_MASK_ADDRESS, "北京市朝阳区建国路88号", "北京市朝阳区****");
    check_mask(CRM_MASK_NAME, "张三", "张*");
    check_mask(CRM_MASK_NAME, "欧阳娜娜", "欧***");
    check_mask(CRM_MASK_NAME, "Li Lei", "L* ***");
    check_mask(CRM_MASK_CARD, "123", "***");
    check_mask(CRM_MASK_PHONE, "", "");
    char *out;
    ck_assert_int_eq(crm_mask(&out, (crm_mask_kind)99, "x"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_mask(&out, CRM_MASK_NAME, "\xc3"), CRM_E_INVALID_DATA);
}
END_TEST

static void add_contact_user(crm_db *db, const char *name, const char *phone, const char *email)
{
    crm_record *u;
    ck_assert_ok(crm_record_new(&u));
    ck_assert_ok(crm_record_set_text(u, "name", name));
    ck_assert_ok(crm_record_set_text(u, "display_name", "王小明"));
    ck_assert_ok(crm_record_set_text(u, "roles", "relationship_manager"));
    ck_assert_ok(crm_record_set_text(u, "branch", "HO"));
    ck_assert_ok(crm_record_set_text(u, "phone", phone));
    ck_assert_ok(crm_record_set_text(u, "email", email));
    int rc = crm_user_add(db, u);
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(db));
    crm_record_free(u);
}

/* True if `needle` occurs anywhere in the file. */
static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    size_t n = fread(data, 1, (size_t)size, f);
    fclose(f);
    bool found = false;
    size_t len = strlen(needle);
    for (size_t i = 0; !found && i + len <= n; i++)
        found = memcmp(data + i, needle, len) == 0;
    free(data);
    return found;
}

START_TEST(personal_data_is_not_in_clear_on_disk)
{
    char *path = test_temp_path("clear"), wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    crm_db *db = test_open_admin(path);
    add_contact_user(db, "wxm", "13987654321", "wangxm@bank.example.cn");
    /* still in the WAL: look there too */
    ck_assert(!file_contains(path, "13987654321"));
    ck_assert(!file_contains(wal, "13987654321"));
    ck_assert(!file_contains(wal, "87654321"));
    ck_assert(!file_contains(wal, "wangxm@bank"));
    ck_assert(file_contains(wal, "139****4321")); /* the masked copy is what is stored */
    crm_db_close(db); /* checkpoints into the main file */
    ck_assert(!file_contains(path, "13987654321"));
    ck_assert(!file_contains(path, "wangxm@bank"));
    test_remove_db(path);
    free(path);
}
END_TEST

/* ------------------------------------------- customers' personal data */

/* The personal values of the customer below and of the complaint contact,
 * with a distinctive piece of each that no mask shows. */
static const char *const personal[][2] = {
    {"310115198506171237", "1985061712"},   /* id_number (the mask keeps 3 + 4) */
    {"13987650001", "87650001"},             /* phone */
    {"6222021234567890128", "1234567890"},   /* card_number */
    {"zhang.san@example.cn", "zhang.san"},   /* email */
    {"上海市浦东新区世纪大道100号", "世纪大道"}, /* address */
    {"13711112222", "71111222"},             /* complaint contact_phone */
    {"lixl.contact@example.org", "lixl.contact"}, /* complaint contact_email */
    {"欧阳娜娜", "阳娜娜"},                   /* complaint contact_name */
    {"440301197512300047", "1975123000"},   /* the imported customer's id_number */
    {"13600001234", "60001234"},             /* the imported customer's phone */
};
#define N_PERSONAL (sizeof personal / sizeof personal[0])

/* Fails if any personal value, or its distinctive piece, is in `text`. */
static void assert_no_personal(const char *text, const char *where)
{
    for (size_t i = 0; text && i < N_PERSONAL; i++) {
        ck_assert_msg(!strstr(text, personal[i][0]), "%s holds '%s' in clear: %.300s", where,
                      personal[i][0], text);
        ck_assert_msg(!strstr(text, personal[i][1]), "%s holds '%s' in clear: %.300s", where,
                      personal[i][1], text);
    }
}

static void assert_file_has_no_personal(const char *path, const char *where)
{
    for (size_t i = 0; i < N_PERSONAL; i++) {
        ck_assert_msg(!file_contains(path, personal[i][0]), "%s holds '%s' in clear", where,
                      personal[i][0]);
        ck_assert_msg(!file_contains(path, personal[i][1]), "%s holds '%s' in clear", where,
                      personal[i][1]);
    }
}

/* A call that must fail; its message (handle and thread) must not repeat the value. */
static void expect_refusal_without_value(crm_db *db, int rc, const char *what)
{
    ck_assert_msg(rc != CRM_OK, "%s was accepted", what);
    assert_no_personal(crm_db_errmsg(db), what);
    assert_no_personal(crm_last_errmsg(), what);
}

static crm_record *customer_record(const char *no, const char *id_number, const char *phone)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "张三"));
    ck_assert_ok(crm_record_set_text(c, "branch", "HO"));
    if (id_number)
        ck_assert_ok(crm_record_set_text(c, "id_number", id_number));
    if (phone)
        ck_assert_ok(crm_record_set_text(c, "phone", phone));
    return c;
}

static void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(customer_personal_data_never_in_clear)
{
    char *path = test_temp_path("pii"), wal[600], csv[600], errors[600], export[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(csv, sizeof csv, "%s.csv", path);
    snprintf(errors, sizeof errors, "%s-errors.csv", path);
    snprintf(export, sizeof export, "%s-export.csv", path);
    crm_db *db = test_open_admin(path);

    /* a customer with every personal field, then changed (audit before/after) */
    crm_record *c = customer_record("P1", personal[0][0], personal[1][0]);
    ck_assert_ok(crm_record_set_text(c, "card_number", personal[2][0]));
    ck_assert_ok(crm_record_set_text(c, "email", personal[3][0]));
    ck_assert_ok(crm_record_set_text(c, "address", "北京市朝阳区建国路1号"));
    ck_assert_ok(crm_customer_create(db, c));
    crm_record_free(c);
    crm_record *changes;
    ck_assert_ok(crm_record_new(&changes));
    ck_assert_ok(crm_record_set_text(changes, "address", personal[4][0]));
    ck_assert_ok(crm_customer_update(db, "P1", changes, 1));
    crm_record_free(changes);
    ck_assert_ok(crm_record_new(&changes));
    ck_assert_ok(crm_record_set_text(changes, "address", "北京市海淀区中关村大街2号"));
    ck_assert_ok(crm_customer_update(db, "P1", changes, 2));
    ck_assert_ok(crm_record_set_text(changes, "address", personal[4][0]));
    ck_assert_ok(crm_customer_update(db, "P1", changes, 3));
    crm_record_free(changes);

    /* a complaint with sealed contact details */
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "channel", "phone"));
    ck_assert_ok(crm_record_set_text(c, "category", "card"));
    ck_assert_ok(crm_record_set_text(c, "subject", "年费重复扣收"));
    ck_assert_ok(crm_record_set_text(c, "body", "本月年费被扣了两次"));
    ck_assert_ok(crm_record_set_text(c, "customer_no", "P1"));
    ck_assert_ok(crm_record_set_text(c, "contact_phone", personal[5][0]));
    ck_assert_ok(crm_record_set_text(c, "contact_email", personal[6][0]));
    ck_assert_ok(crm_record_set_text(c, "contact_name", personal[7][0]));
    char *ticket = NULL;
    ck_assert_ok(crm_complaint_open(&ticket, db, c));
    crm_record_free(c);
    ck_assert_ok(crm_complaint_note(db, ticket, "已回电"));

    /* an import with a good row and bad ones: the error file is a log too */
    char text[1024];
    snprintf(text, sizeof text,
             "customer_no,name,id_number,phone,card_number,branch\n"
             "P2,李四,%s,%s,,HO\n"
             "P3,王五,%.17s1,,,HO\n" /* a bad check digit */
             "P4,赵六,,%.10s,,HO\n"  /* a phone too short */
             "P5,钱七,,,%.18s9,HO\n" /* a card failing Luhn */
             "P6,孙八,%s,,,HO\n",    /* a duplicate ID number */
             personal[8][0], personal[9][0], personal[0][0], personal[1][0], personal[2][0],
             personal[0][0]);
    write_text_file(csv, text);
    crm_import_options opts = CRM_IMPORT_OPTIONS_INIT;
    opts.mode = CRM_IMPORT_SKIP;
    opts.errors_path = errors;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    ck_assert_ok(crm_customer_import(&stats, db, csv, &opts));
    ck_assert_int_eq(stats.inserted, 1);
    ck_assert_int_eq(stats.refused, 4);
    assert_file_has_no_personal(errors, "the import's error file");

    /* refusals must not echo the value */
    char bad_id[32], short_phone[32], bad_card[32];
    snprintf(bad_id, sizeof bad_id, "%.17s1", personal[0][0]);
    snprintf(short_phone, sizeof short_phone, "%.10s", personal[1][0]);
    snprintf(bad_card, sizeof bad_card, "%.18s9", personal[2][0]);
    c = customer_record("P7", bad_id, NULL);
    expect_refusal_without_value(db, crm_customer_create(db, c), "a bad ID number");
    crm_record_free(c);
    c = customer_record("P7", NULL, short_phone);
    expect_refusal_without_value(db, crm_customer_create(db, c), "a short phone");
    crm_record_free(c);
    c = customer_record("P7", NULL, NULL);
    ck_assert_ok(crm_record_set_text(c, "card_number", bad_card));
    expect_refusal_without_value(db, crm_customer_create(db, c), "a bad card");
    crm_record_free(c);
    c = customer_record("P7", personal[0][0], NULL);
    expect_refusal_without_value(db, crm_customer_create(db, c), "a duplicate ID number");
    crm_record_free(c);
    crm_iter *it = NULL;
    expect_refusal_without_value(db, crm_customer_find_by(&it, db, "id_number", bad_id),
                                 "a look-up by a bad ID number");
    expect_refusal_without_value(db, crm_customer_find_by(&it, db, "phone", short_phone),
                                 "a look-up by a short phone");
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "channel", "phone"));
    ck_assert_ok(crm_record_set_text(c, "category", "card"));
    ck_assert_ok(crm_record_set_text(c, "subject", "s"));
    ck_assert_ok(crm_record_set_text(c, "body", "b"));
    ck_assert_ok(crm_record_set_text(c, "contact_phone", short_phone));
    char *t2 = NULL;
    expect_refusal_without_value(db, crm_complaint_open(&t2, db, c), "a bad contact phone");
    crm_record_free(c);

    /* the audit log: every entry, as the library shows it */
    ck_assert_ok(crm_audit_list(&it, db, NULL));
    const crm_record *entry;
    int entries = 0;
    while (crm_iter_next(&entry, it) == CRM_OK) {
        char *json = NULL;
        ck_assert_ok(crm_record_to_json(&json, entry));
        assert_no_personal(json, "an audit entry");
        crm_free(json);
        entries++;
    }
    crm_iter_free(it);
    ck_assert_int_gt(entries, 8);

    /* what reads return (masked) and a masked export */
    crm_record *r = NULL;
    char *json = NULL;
    ck_assert_ok(crm_customer_get(&r, db, "P1"));
    ck_assert_ok(crm_record_to_json(&json, r));
    assert_no_personal(json, "crm_customer_get");
    crm_free(json);
    crm_record_free(r);
    ck_assert_ok(crm_complaint_get(&r, db, ticket));
    ck_assert_ok(crm_record_to_json(&json, r));
    assert_no_personal(json, "crm_complaint_get");
    crm_free(json);
    crm_record_free(r);
    ck_assert_ok(crm_customer_view(&json, db, "P1", 10));
    assert_no_personal(json, "crm_customer_view");
    crm_free(json);
    int64_t rows = 0;
    ck_assert_ok(crm_customer_export(&rows, db, export, NULL));
    ck_assert_int_eq(rows, 2);
    assert_file_has_no_personal(export, "a masked export");

    /* the store: the WAL while open, the main file after the checkpoint */
    ck_assert(file_contains(wal, "139****0001")); /* the masked copy is what is stored */
    assert_file_has_no_personal(wal, "the WAL");
    assert_file_has_no_personal(path, "the database file");
    /* reveal gives the clear value back, so the sealing is not a loss */
    char *clear = NULL;
    ck_assert_ok(crm_customer_reveal(&clear, db, "P1", "card_number", "核对卡号"));
    ck_assert_str_eq(clear, personal[2][0]);
    crm_free(clear);
    ck_assert_ok(crm_complaint_reveal(&clear, db, ticket, "contact_email", "回访客户"));
    ck_assert_str_eq(clear, personal[6][0]);
    crm_free(clear);
    crm_free(ticket);
    crm_db_close(db);
    assert_file_has_no_personal(path, "the database file after close");
    unlink(csv);
    unlink(errors);
    unlink(export);
    test_remove_db(path);
    free(path);
}
END_TEST

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(raw, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_close(raw);
}

static int verify(crm_db *db, const char *checkpoint, int64_t *entries, int64_t *bad)
{
    return crm_audit_verify(entries, bad, db, checkpoint);
}

START_TEST(audit_chain_detects_a_changed_row)
{
    char *path = test_temp_path("tamper");
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    int64_t entries, bad;
    ck_assert_ok(verify(db, NULL, &entries, &bad));
    ck_assert_int_eq(entries, 4); /* head office, admin, BJ, SH */
    ck_assert_int_eq(bad, 0);
    crm_db_close(db);

    /* the append-only triggers stop a plain UPDATE ... */
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(raw, "UPDATE crm_audit SET reason = 'x' WHERE seq = 3", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(raw, "DELETE FROM crm_audit WHERE seq = 4", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    /* ... so a forger drops them first: the chain still catches it */
    raw_exec(path, "DROP TRIGGER crm_audit_no_update;"
                   "UPDATE crm_audit SET after = '{\"code\":\"BJ\",\"name\":\"假\"}' WHERE seq = 3;");
    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_int_eq(verify(db, NULL, &entries, &bad), CRM_E_CORRUPT);
    ck_assert_int_eq(bad, 3);
    ck_assert_int_eq(entries, 2);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "entry 3"));
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(audit_chain_detects_missing_triggers_and_deleted_rows)
{
    char *path = test_temp_path("deleted");
    crm_db *db = test_open_admin(path);
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    crm_db_close(db);
    raw_exec(path, "DROP TRIGGER crm_audit_no_delete; DELETE FROM crm_audit WHERE seq = 2;");
    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    int64_t entries, bad;
    ck_assert_int_eq(verify(db, NULL, &entries, &bad), CRM_E_CORRUPT);
    ck_assert_int_eq(bad, 2);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert(in && out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

START_TEST(checkpoint_detects_truncation_and_rollback)
{
    char *path = test_temp_path("ckpt"), *old = test_temp_path("ckpt-old");
    crm_db *db = test_open_admin(path);
    crm_db_close(db);
    copy_file(path, old); /* an older copy of the file */
    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    char *checkpoint;
    ck_assert_ok(crm_audit_checkpoint(&checkpoint, db));
    ck_assert_ptr_nonnull(strstr(checkpoint, "3:"));
    int64_t entries, bad;
    ck_assert_ok(verify(db, checkpoint, &entries, &bad));
    ck_assert_int_eq(verify(db, "garbage", &entries, &bad), CRM_E_INVALID_ARG);
    crm_db_close(db);

    crm_db *rolled = test_open(old);
    ck_assert_ok(crm_db_set_actor(rolled, "admin"));
    ck_assert_ok(verify(rolled, NULL, &entries, &bad)); /* consistent on its own */
    ck_assert_int_eq(verify(rolled, checkpoint, &entries, &bad), CRM_E_CORRUPT);
    ck_assert_int_eq(bad, 3);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(rolled), "before the checkpoint"));
    /* a different history of the same length also fails */
    ck_assert_ok(crm_branch_add(rolled, "SH", "上海分行", "HO"));
    ck_assert_int_eq(verify(rolled, checkpoint, &entries, &bad), CRM_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(rolled), "differs from the checkpoint"));
    crm_db_close(rolled);
    crm_free(checkpoint);
    test_remove_db(path);
    test_remove_db(old);
    free(path);
    free(old);
}
END_TEST

START_TEST(audit_list_filters)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    crm_record *f;
    crm_iter *it;
    const crm_record *r;
    const char *text;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "branch.add"));
    ck_assert_ok(crm_record_set_int(f, "after_seq", 1));
    ck_assert_ok(crm_audit_list(&it, db, f));
    int n = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        ck_assert_ok(crm_record_get_text(&text, r, "actor"));
        n++;
    }
    ck_assert_int_eq(n, 2);
    crm_iter_free(it);
    ck_assert_ok(crm_record_set_text(f, "bogus", "x"));
    ck_assert_int_eq(crm_audit_list(&it, db, f), CRM_E_INVALID_ARG);
    crm_record_free(f);
    crm_db_close(db);
}
END_TEST

START_TEST(values_cannot_move_between_rows)
{
    char *path = test_temp_path("swap");
    crm_db *db = test_open_admin(path);
    add_contact_user(db, "aa", "13900000001", "a@example.com");
    add_contact_user(db, "bb", "13900000002", "b@example.com");
    crm_db_close(db);
    raw_exec(path, "UPDATE crm_user SET phone = (SELECT phone FROM crm_user WHERE name = 'aa')"
                   " WHERE name = 'bb'");
    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    char *clear;
    ck_assert_ok(crm_user_reveal(&clear, db, "aa", "phone", "test"));
    ck_assert_str_eq(clear, "13900000001");
    crm_free(clear);
    ck_assert_int_eq(crm_user_reveal(&clear, db, "bb", "phone", "test"), CRM_E_CORRUPT);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

static void expect_phone(crm_db *db, const char *user, const char *phone)
{
    char *clear;
    int rc = crm_user_reveal(&clear, db, user, "phone", "rotation check");
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(db));
    ck_assert_str_eq(clear, phone);
    crm_free(clear);
}

START_TEST(data_key_rotation_reencrypts_in_steps)
{
    char *path = test_temp_path("rotate");
    crm_db *db = test_open_admin(path);
    char name[16], phone[16];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "u%d", i);
        snprintf(phone, sizeof phone, "1380000000%d", i);
        add_contact_user(db, name, phone, "x@example.com");
    }
    ck_assert_ok(crm_db_rotate_data_key(db));
    add_contact_user(db, "late", "13811112222", "late@example.com");
    expect_phone(db, "u3", "13800000003"); /* old key still reads */
    int64_t remaining = -1;
    ck_assert_ok(crm_db_reencrypt_step(db, 4, &remaining));
    ck_assert_int_eq(remaining, 6); /* 10 values under the old key, 4 moved */
    ck_assert_ok(crm_db_reencrypt_step(db, 100, &remaining));
    ck_assert_int_eq(remaining, 0);
    expect_phone(db, "u3", "13800000003");
    crm_db_close(db);
    /* the retired key is gone from the store; everything still reads */
    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    expect_phone(db, "u0", "13800000000");
    expect_phone(db, "late", "13811112222");
    ck_assert_int_eq(crm_db_reencrypt_step(db, 0, &remaining), CRM_E_INVALID_ARG);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(master_key_rotation)
{
    char *path = test_temp_path("master");
    crm_db *db = test_open_admin(path);
    add_contact_user(db, "wxm", "13987654321", "w@example.com");
    unsigned char fresh[32];
    ck_assert_ok(crm_key_generate(fresh));
    ck_assert_ok(crm_db_rotate_master_key(db, fresh));
    expect_phone(db, "wxm", "13987654321");
    ck_assert_ok(crm_db_rotate_data_key(db)); /* wrapped under the new master */
    crm_db_close(db);
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = TEST_KEY;
    ck_assert_int_eq(crm_db_open(&db, path, &opts), CRM_E_KEY);
    opts.key = fresh;
    ck_assert_ok(crm_db_open(&db, path, &opts));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    expect_phone(db, "wxm", "13987654321");
    int64_t entries, bad;
    ck_assert_ok(crm_audit_verify(&entries, &bad, db, NULL));
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(key_operations_need_admin)
{
    crm_db *db = test_open_admin(":memory:");
    test_add_user(db, "aud", "auditor", "HO");
    ck_assert_ok(crm_db_set_actor(db, "aud"));
    int64_t remaining, entries, bad;
    unsigned char k[32] = {0};
    ck_assert_int_eq(crm_db_rotate_data_key(db), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_db_reencrypt_step(db, 10, &remaining), CRM_E_PERMISSION);
    ck_assert_int_eq(crm_db_rotate_master_key(db, k), CRM_E_PERMISSION);
    ck_assert_ok(crm_audit_verify(&entries, &bad, db, NULL)); /* auditors verify */
    crm_db_close(db);
}
END_TEST

static Suite *security_suite(void)
{
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("security");
    tcase_add_test(tc, masks_follow_the_rules);
    tcase_add_test(tc, personal_data_is_not_in_clear_on_disk);
    tcase_add_test(tc, customer_personal_data_never_in_clear);
    tcase_add_test(tc, audit_chain_detects_a_changed_row);
    tcase_add_test(tc, audit_chain_detects_missing_triggers_and_deleted_rows);
    tcase_add_test(tc, checkpoint_detects_truncation_and_rollback);
    tcase_add_test(tc, audit_list_filters);
    tcase_add_test(tc, values_cannot_move_between_rows);
    tcase_add_test(tc, data_key_rotation_reencrypts_in_steps);
    tcase_add_test(tc, master_key_rotation);
    tcase_add_test(tc, key_operations_need_admin);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(security_suite());
}
