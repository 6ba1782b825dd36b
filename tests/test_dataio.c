/* Import and export: RFC 4180 edge cases, BOM, CRLF, GBK, strict and skip
 * modes with every bad row reported by line and column, duplicate policies,
 * progress and stopping, JSON Lines, transactions, masked and clear
 * exports, the data-quality report and statistics. Files are small and
 * written by each test. */
#include "testutil.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER "customer_no,name,id_number,phone,email,total_assets,risk_level,branch\n"

/* ---------------------------------------------------------------- helpers */

/* A resident ID number: 17 digits and their GB 11643-1999 check character. */
static const char *id_of(const char *first17)
{
    static char ids[16][19];
    static int next;
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char *out = ids[next++ % 16];
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * w[i];
    memcpy(out, first17, 17);
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
    return out;
}

static char *tmp_dir;

static void make_dir(void)
{
    char tmpl[] = "/tmp/crm-dataio-XXXXXX";
    char *dir = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(dir);
    tmp_dir = strdup(dir);
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(tmp_dir);
}

static const char *file_path(const char *name)
{
    static char paths[4][400];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 400, "%s/%s", tmp_dir, name);
    return p;
}

static const char *write_bytes(const char *name, const char *data, size_t n)
{
    const char *path = file_path(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char *buf;
    free(buf);
    buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#define assert_has(text, needle)                                                                   \
    ck_assert_msg(strstr((text), (needle)) != NULL, "'%s' not in:\n%s", (needle), (text))

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static crm_db *bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "GZ", "广州分行", "HO"));
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "mkt", "marketer", "HO");
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    return db;
}

static crm_import_options options(crm_import_mode mode, const char *errors)
{
    crm_import_options o;
    ck_assert_ok(crm_import_options_init(&o, CRM_IMPORT_OPTIONS_VERSION));
    o.mode = mode;
    o.errors_path = errors;
    return o;
}

static int import_csv(crm_db *db, const char *text, crm_import_options *o, crm_import_stats *st)
{
    const char *path = write_text("customers.csv", text);
    ck_assert_ok(crm_import_stats_init(st, CRM_IMPORT_STATS_VERSION));
    return crm_customer_import(st, db, path, o);
}

static const char *get_text(crm_db *db, const char *no, const char *field)
{
    static char value[256];
    crm_record *r;
    int rc = crm_customer_get(&r, db, no);
    ck_assert_msg(rc == CRM_OK, "get %s: %s", no, crm_db_errmsg(db));
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    snprintf(value, sizeof value, "%s", v ? v : "(absent)");
    crm_record_free(r);
    return value;
}

static int64_t get_int(crm_db *db, const char *no, const char *field)
{
    crm_record *r;
    ck_assert_ok(crm_customer_get(&r, db, no));
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    crm_record_free(r);
    return v;
}

static bool exists(crm_db *db, const char *no)
{
    crm_record *r;
    int rc = crm_customer_get(&r, db, no);
    crm_record_free(rc == CRM_OK ? r : NULL);
    return rc == CRM_OK;
}

/* A good row: customer_no, name, ID (17 digits), phone. */
static void row(char *buf, size_t size, const char *no, const char *name, const char *id17,
                const char *phone)
{
    snprintf(buf, size, "%s,%s,%s,%s,,1000.50,C3,BJ\n", no, name, id_of(id17), phone);
}

/* -------------------------------------------------------------- RFC 4180 */

START_TEST(rfc4180_quotes_commas_newlines)
{
    crm_db *db = bank();
    char csv[4096];
    snprintf(
        csv, sizeof csv,
        HEADER
        "C1,\"O\"\"Brien, Jr\",%s,13800000001,,\"1,000.00\",C3,BJ\n" /* 2: money with a comma */
        "C2,\"Wang\nXiao\",%s,13800000002,,1.5,C3,BJ\n"              /* 3-4: newline in name */
        "C3,\"李\"\"四\",%s,13800000003,a@b.cn,\"\",C3,BJ\n"         /* 5 */
        "C4,\"\",%s,13800000004,,,C3,BJ\n",                          /* 6: empty name */
        id_of("11010119800101001"), id_of("11010119800101002"), id_of("11010119800101003"),
        id_of("11010119800101004"));
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.read, 4);
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 3);
    ck_assert_str_eq(get_text(db, "C3", "name"), "李\"四");
    ck_assert_str_eq(get_text(db, "C3", "total_assets"), "(absent)");
    const char *report = read_file(errors);
    assert_has(report, "line,column,reason\r\n");
    assert_has(report, "2,total_assets,not an amount in yuan");
    assert_has(report, "3,name,");
    assert_has(report, "6,name,required");
    ck_assert_int_eq(count_lines(report), 4);
    crm_db_close(db);
}
END_TEST

START_TEST(malformed_records_resync_at_next_line)
{
    crm_db *db = bank();
    char csv[4096], good[6][200];
    for (int i = 0; i < 6; i++) {
        char no[8], id17[18], phone[12];
        snprintf(no, sizeof no, "G%d", i);
        snprintf(id17, sizeof id17, "1101011980020100%d", i);
        snprintf(phone, sizeof phone, "1390000000%d", i);
        row(good[i], sizeof good[i], no, "张三", id17, phone);
    }
    snprintf(csv, sizeof csv,
             HEADER "%s"                           /* 2 good */
                    "B1,a\"b,x,y,,1,C3,BJ\n"       /* 3 quote inside unquoted */
                    "%s"                           /* 4 good */
                    "B2,\"ab\"c,x,y,,1,C3,BJ\n"    /* 5 text after closing quote */
                    "B3,too,few\n"                 /* 6 field count */
                    "%s"                           /* 7 good */
                    "B4,\"unclosed,x,y,,1,C3,BJ\n" /* 8 unclosed quote: swallows */
                    "%s"                           /* 9 good */
                    "%s",                          /* 10 good */
             good[0], good[1], good[2], good[3], good[4]);
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    for (int i = 0; i < 5; i++) {
        char no[8];
        snprintf(no, sizeof no, "G%d", i);
        ck_assert_msg(exists(db, no), "%s missing", no);
    }
    ck_assert_int_eq(st.inserted, 5);
    ck_assert_int_eq(st.refused, 4);
    const char *report = read_file(errors);
    assert_has(report, "3,name,a quote inside an unquoted field");
    assert_has(report, "5,name,text after the closing quote");
    assert_has(report, "6,,\"3 fields, but the header has 8\"");
    assert_has(report, "\r\n8,");
    crm_db_close(db);
}
END_TEST

START_TEST(bom_crlf_and_final_line_without_newline)
{
    crm_db *db = bank();
    char csv[2048];
    snprintf(csv, sizeof csv,
             "\xEF\xBB\xBF"
             "customer_no,name,id_number,branch,gender,birth_date,consent_sms\r\n"
             "C1,张三,%s,BJ,男,1980/1/1,是\r\n"
             "\r\n"
             "C2,李四,%s,BJ,女,,no",
             id_of("11010119800101001"), id_of("11010119800101022"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.read, 2);
    ck_assert_int_eq(st.inserted, 2);
    ck_assert_str_eq(get_text(db, "C1", "birth_date"), "1980-01-01");
    ck_assert_str_eq(get_text(db, "C1", "gender"), "M");
    ck_assert_int_eq(get_int(db, "C1", "consent_sms"), 1);
    ck_assert_str_eq(get_text(db, "C2", "gender"), "F");
    ck_assert_int_eq(get_int(db, "C2", "consent_sms"), 0);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------ GBK */

static size_t to_gbk(char *out, size_t size, const char *utf8)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    ck_assert(cd != (iconv_t)-1);
    char *in = (char *)utf8, *o = out;
    size_t in_left = strlen(utf8), out_left = size;
    ck_assert(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
    iconv_close(cd);
    return size - out_left;
}

START_TEST(gbk_decoded_and_bad_bytes_named)
{
    crm_db *db = bank();
    char utf8[2048], gbk[4096];
    snprintf(utf8, sizeof utf8,
             "customer_no,name,id_number,branch,address\n"
             "C1,欧阳娜娜,%s,BJ,北京市朝阳区建国路88号\n"
             "C2,BAD,%s,BJ,x\n"
             "C3,王五,%s,BJ,上海\n",
             id_of("11010119800101001"), id_of("11010119800101002"), id_of("11010119800101003"));
    size_t n = to_gbk(gbk, sizeof gbk, utf8);
    gbk[n] = '\0';
    char *bad = strstr(gbk, "BAD");
    ck_assert_ptr_nonnull(bad);
    bad[2] = (char)0x81; /* a lead byte followed by ',': not GBK */
    const char *path = write_bytes("gbk.csv", gbk, n);
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    o.encoding = CRM_ENCODING_GBK;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    ck_assert_ok(crm_customer_import(&st, db, path, &o));
    ck_assert_int_eq(st.inserted, 2);
    ck_assert_int_eq(st.refused, 1);
    ck_assert_str_eq(get_text(db, "C1", "name"), "欧阳娜娜");
    ck_assert_str_eq(get_text(db, "C3", "name"), "王五");
    assert_has(read_file(errors), "3,name,byte 0x81 is not valid GBK");
    /* the same file read as UTF-8 */
    o.encoding = CRM_ENCODING_UTF8;
    o.mode = CRM_IMPORT_STRICT;
    ck_assert_int_eq(crm_customer_import(&st, db, path, &o), CRM_E_INVALID_DATA);
    assert_has(crm_db_errmsg(db), "gbk.csv line 2, column name: not valid UTF-8");
    /* a UTF-8 BOM on a file said to be GBK */
    path = write_text("bom.csv", "\xEF\xBB\xBF"
                                 "customer_no\n");
    o.encoding = CRM_ENCODING_GBK;
    ck_assert_int_eq(crm_customer_import(&st, db, path, &o), CRM_E_INVALID_DATA);
    assert_has(crm_db_errmsg(db), "byte order mark");
    crm_db_close(db);
}
END_TEST

/* ---------------------------------------------------- strict and skip */

START_TEST(strict_is_all_or_nothing_and_names_line_and_column)
{
    crm_db *db = bank();
    char bad_id[19];
    snprintf(bad_id, sizeof bad_id, "%s", id_of("11010119800101002"));
    bad_id[17] = bad_id[17] == '0' ? '1' : '0';
    char csv[2048];
    snprintf(csv, sizeof csv,
             HEADER "C1,张三,%s,13800000001,,100,C3,BJ\n"
                    "C2,李四,%s,13800000002,,100,C3,BJ\n"
                    "C3,王五,%s,13800000003,,12.345,C3,BJ\n"
                    "C4,赵六,%s,1380000,,abc,C9,NOPE\n",
             id_of("11010119800101001"), bad_id, id_of("11010119800101003"),
             id_of("11010119800101004"));
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_STRICT, errors);
    crm_import_stats st;
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_INVALID_DATA);
    const char *msg = crm_db_errmsg(db);
    ck_assert_msg(strstr(msg, "customers.csv line 3, column id_number: check digit is") != NULL,
                  "%s", msg);
    assert_has(msg, "3 rows refused; nothing imported");
    ck_assert(!exists(db, "C1"));
    ck_assert_int_eq(st.read, 4);
    ck_assert_int_eq(st.refused, 3);
    ck_assert_int_eq(st.inserted, 0);
    const char *report = read_file(errors);
    assert_has(report, "3,id_number,\"check digit is");
    assert_has(report, "4,total_assets,more than 2 decimals");
    assert_has(report, "5,");
    /* skip mode: the good row goes in */
    o.mode = CRM_IMPORT_SKIP;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 3);
    ck_assert(exists(db, "C1"));
    ck_assert_str_eq(get_text(db, "C1", "phone"), "138****0001");
    crm_db_close(db);
}
END_TEST

START_TEST(money_is_exact_yuan)
{
    crm_db *db = bank();
    const char *cases[][2] = {{"12345.67", "1234567"},
                              {"0.5", "50"},
                              {"7", "700"},
                              {"0.05", "5"},
                              {"1.", NULL},
                              {"1e3", NULL},
                              {"-1", NULL},
                              {"1.234", NULL},
                              {"¥5", NULL},
                              {"99999999999999999", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char csv[512];
        snprintf(csv, sizeof csv, "customer_no,name,branch,annual_income\nM%zu,钱,BJ,\"%s\"\n", i,
                 cases[i][0]);
        crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
        crm_import_stats st;
        int rc = import_csv(db, csv, &o, &st);
        char no[8];
        snprintf(no, sizeof no, "M%zu", i);
        if (cases[i][1]) {
            ck_assert_msg(rc == CRM_OK, "%s: %s", cases[i][0], crm_db_errmsg(db));
            ck_assert_int_eq(get_int(db, no, "annual_income"), atoll(cases[i][1]));
        } else {
            ck_assert_msg(rc == CRM_E_INVALID_DATA, "%s accepted", cases[i][0]);
            assert_has(crm_db_errmsg(db), "column annual_income");
        }
    }
    crm_db_close(db);
}
END_TEST

START_TEST(unknown_columns_refuse_the_file_ext_columns_kept)
{
    crm_db *db = bank();
    crm_import_options o = options(CRM_IMPORT_SKIP, NULL);
    crm_import_stats st;
    ck_assert_int_eq(import_csv(db, "customer_no,name,branch,nmae\nC1,张三,BJ,x\n", &o, &st),
                     CRM_E_INVALID_DATA);
    assert_has(crm_db_errmsg(db), "line 1, column nmae: unknown column");
    ck_assert(!exists(db, "C1"));
    ck_assert_ok(
        import_csv(db, "customer_no,name,branch,ext.vip_tier\nC1,张三,BJ,gold\n", &o, &st));
    ck_assert_str_eq(get_text(db, "C1", "ext.vip_tier"), "gold");
    ck_assert_int_eq(import_csv(db, "customer_no,name,name\n", &o, &st), CRM_E_INVALID_DATA);
    assert_has(crm_db_errmsg(db), "appears twice");
    ck_assert_int_eq(import_csv(db, "", &o, &st), CRM_E_INVALID_DATA);
    assert_has(crm_db_errmsg(db), "empty");
    ck_assert_int_eq(crm_customer_import(NULL, db, file_path("missing.csv"), &o), CRM_E_NOT_FOUND);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ duplicates */

START_TEST(duplicates_in_file_and_store)
{
    crm_db *db = bank();
    const char *id1 = id_of("11010119800101001");
    char csv[2048];
    snprintf(csv, sizeof csv,
             HEADER "C1,张三,%s,13800000001,,100,C3,BJ\n"
                    "C2,张三,%s,13800000009,,200,C4,BJ\n",
             id1, id1);
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 1);
    ck_assert_ptr_nonnull(strstr(
        read_file(errors), "3,id_number,duplicate of an earlier row of this file (customer C1)"));
    /* against the store: error, skip, update */
    snprintf(csv, sizeof csv, HEADER "C9,张三,%s,13800000009,,200,C4,BJ\n", id1);
    o.mode = CRM_IMPORT_STRICT;
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_CONFLICT);
    assert_has(crm_db_errmsg(db), "line 2, column id_number: customer C1 already");
    o.on_duplicate = CRM_DUPLICATE_SKIP;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.skipped, 1);
    ck_assert_int_eq(get_int(db, "C1", "total_assets"), 10000);
    o.on_duplicate = CRM_DUPLICATE_UPDATE;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.updated, 1);
    ck_assert_int_eq(get_int(db, "C1", "total_assets"), 20000);
    ck_assert_str_eq(get_text(db, "C1", "risk_level"), "C4");
    ck_assert(!exists(db, "C9"));
    /* a branch manager does not learn who in another branch holds the ID */
    ck_assert_ok(crm_branch_add(db, "SZ", "深圳分行", "HO"));
    test_add_user(db, "bm.sz", "branch_manager", "SZ");
    ck_assert_ok(crm_db_set_actor(db, "bm.sz"));
    snprintf(csv, sizeof csv, HEADER "S1,张三,%s,13800000009,,200,C4,SZ\n", id1);
    o.on_duplicate = CRM_DUPLICATE_ERROR;
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_CONFLICT);
    assert_has(crm_db_errmsg(db), "another customer already has this ID number");
    ck_assert_ptr_null(strstr(crm_db_errmsg(db), "C1"));
    crm_db_close(db);
}
END_TEST

START_TEST(branch_manager_rows_outside_subtree_refused)
{
    crm_db *db = bank();
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    char csv[1024];
    snprintf(csv, sizeof csv, HEADER "C1,张三,%s,,,1,C3,BJ01\nC2,李四,%s,,,1,C3,GZ\n",
             id_of("11010119800101001"), id_of("11010119800101002"));
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 1);
    assert_has(read_file(errors), "\r\n3,");
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

/* -------------------------------------------------------------- progress */

typedef struct progress_log {
    int calls;
    int64_t last_rows, last_bytes;
    int stop_at;
} progress_log;

static int on_progress(int64_t rows, int64_t bytes, void *payload)
{
    progress_log *log = payload;
    ck_assert_int_ge(rows, log->last_rows);
    log->calls++;
    log->last_rows = rows;
    log->last_bytes = bytes;
    return log->stop_at && log->calls >= log->stop_at ? 1 : 0;
}

static char *many_rows(int n)
{
    char *csv = malloc((size_t)n * 120 + 200);
    strcpy(csv, HEADER);
    for (int i = 0; i < n; i++) {
        char line[200], no[16], id17[18], phone[12];
        snprintf(no, sizeof no, "P%04d", i);
        snprintf(id17, sizeof id17, "11010119800101%03d", i % 1000);
        snprintf(phone, sizeof phone, "139%08d", i % 100000000);
        row(line, sizeof line, no, "孙七", id17, phone);
        strcat(csv, line);
    }
    return csv;
}

START_TEST(progress_reports_and_stops)
{
    crm_db *db = bank();
    char *csv = many_rows(25);
    progress_log log = {0};
    crm_import_options o = options(CRM_IMPORT_SKIP, NULL);
    o.batch_size = 10;
    o.progress = on_progress;
    o.progress_payload = &log;
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    ck_assert_int_eq(log.calls, 3); /* 10, 20, and the end */
    ck_assert_int_eq(log.last_rows, 25);
    ck_assert_int_eq(log.last_bytes, (int64_t)strlen(csv));
    ck_assert_int_eq(st.bytes, (int64_t)strlen(csv));
    crm_db_close(db);

    /* stop after the first batch: skip mode keeps it */
    db = bank();
    log = (progress_log){.stop_at = 1};
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_STATE);
    assert_has(crm_db_errmsg(db), "stopped by the progress callback");
    ck_assert_int_eq(st.inserted, 10);
    ck_assert(exists(db, "P0009"));
    ck_assert(!exists(db, "P0010"));
    /* strict mode keeps nothing */
    log = (progress_log){.stop_at = 1};
    o.mode = CRM_IMPORT_STRICT;
    o.on_duplicate = CRM_DUPLICATE_SKIP;
    ck_assert_int_eq(import_csv(db, csv, &o, &st), CRM_E_STATE);
    ck_assert(!exists(db, "P0010"));
    ck_assert_int_eq(crm_db_txn_depth(db), 0);
    free(csv);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ JSON Lines */

/* The actor's right is checked again at each batch: a branch manager
 * disabled by another handle between two batches (here from the progress
 * callback, which runs between them) stops the import; the batches before
 * stay committed. */
static int disable_importer(int64_t rows, int64_t bytes, void *payload)
{
    (void)bytes;
    if (rows == 1)
        ck_assert_ok(crm_user_disable(payload, "bm.bj", "left the bank"));
    return 0;
}

START_TEST(importer_disabled_between_batches_is_stopped)
{
    char *path = test_temp_path("import-disable");
    crm_db *admin = test_open_admin(path), *bm = test_open(path);
    ck_assert_ok(crm_branch_add(admin, "BJ", "北京分行", "HO"));
    test_add_user(admin, "bm.bj", "branch_manager", "BJ");
    ck_assert_ok(crm_db_set_actor(bm, "bm.bj"));
    char csv[1024];
    snprintf(csv, sizeof csv,
             HEADER "B1,张一,%s,13800000001,,1,C3,BJ\n"
                    "B2,张二,%s,13800000002,,1,C3,BJ\n"
                    "B3,张三,%s,13800000003,,1,C3,BJ\n",
             id_of("11010119800101001"), id_of("11010119800101002"), id_of("11010119800101003"));
    crm_import_options o = options(CRM_IMPORT_SKIP, NULL);
    o.batch_size = 1;
    o.progress = disable_importer;
    o.progress_payload = admin;
    crm_import_stats st;
    ck_assert_int_eq(import_csv(bm, csv, &o, &st), CRM_E_PERMISSION);
    ck_assert_int_eq(st.inserted, 1);
    crm_record *c;
    ck_assert_ok(crm_customer_get(&c, admin, "B1"));
    crm_record_free(c);
    ck_assert_int_eq(crm_customer_get(&c, admin, "B2"), CRM_E_NOT_FOUND);
    crm_db_close(bm);
    crm_db_close(admin);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(jsonl_import)
{
    crm_db *db = bank();
    char jsonl[2048];
    snprintf(
        jsonl, sizeof jsonl,
        "{\"customer_no\":\"J1\",\"name\":\"\\u5f20\\u4e09\",\"id_number\":\"%s\","
        "\"branch\":\"BJ\",\"total_assets\":12345.67,\"consent_sms\":true,\"email\":null}\n"
        "\n"
        "{\"customer_no\":\"J2\",\"name\":\"李四\",\"branch\":\"BJ\",\"total_assets\":1.234}\n"
        "{\"customer_no\":\"J3\",\"name\":\"王五\",\"branch\":\"BJ\",\"vip\":1}\n"
        "{\"customer_no\":\"J4\",\"name\":\"赵六\"\n"
        "[1,2]\n"
        "{\"customer_no\":\"J5\",\"name\":\"钱七\",\"branch\":\"BJ\",\"phone\":13812345678}\r\n",
        id_of("11010119800101001"));
    const char *path = write_text("c.jsonl", jsonl);
    const char *errors = file_path("errors.csv");
    crm_import_options o = options(CRM_IMPORT_SKIP, errors);
    o.format = CRM_FORMAT_JSONL;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    ck_assert_ok(crm_customer_import(&st, db, path, &o));
    ck_assert_int_eq(st.read, 6);
    ck_assert_int_eq(st.inserted, 2);
    ck_assert_str_eq(get_text(db, "J1", "name"), "张三");
    ck_assert_int_eq(get_int(db, "J1", "total_assets"), 1234567);
    ck_assert_int_eq(get_int(db, "J1", "consent_sms"), 1);
    ck_assert_str_eq(get_text(db, "J5", "phone"), "138****5678");
    const char *report = read_file(errors);
    assert_has(report, "3,total_assets,more than 2 decimals");
    assert_has(report, "4,vip,unknown column");
    assert_has(report, "5,name,\"expected ',' or '}'");
    assert_has(report, "6,,not a JSON object");
    crm_db_close(db);
}
END_TEST

/* ---------------------------------------------------------- transactions */

/* The bank with customer C1 and product WM01, for the feeds. */
static crm_db *bank_with_c1_and_wm01(void)
{
    crm_db *db = bank();
    char csv[2048];
    snprintf(csv, sizeof csv, HEADER "C1,张三,%s,13800000001,,100,C3,BJ\n",
             id_of("11010119800101001"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", "WM01"));
    ck_assert_ok(crm_record_set_text(p, "name", "稳健理财"));
    ck_assert_ok(crm_record_set_text(p, "type", "wealth"));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", "R2"));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
    return db;
}

START_TEST(txn_import)
{
    crm_db *db = bank_with_c1_and_wm01();
    crm_import_options o;
    crm_import_stats st;
    const char *path =
        write_text("txns.csv", "customer_no,product_code,type,amount,channel,time\n"
                               "C1,WM01,purchase,5000.00,mobile,2026-11-01T10:00:00Z\n"
                               "C1,,deposit,12.5,branch,2026-11-02\n"
                               "C404,,deposit,1,branch,2026-11-02\n"
                               "C1,NOPE,deposit,1,branch,2026-11-02\n"
                               "C1,,deposit,1.001,branch,2026-11-02\n"
                               "C1,,gamble,1,branch,2026-11-02\n");
    const char *errors = file_path("errors.csv");
    o = options(CRM_IMPORT_SKIP, errors);
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_txn_import(&st, db, path, &o));
    ck_assert_int_eq(st.inserted, 2);
    ck_assert_int_eq(st.refused, 4);
    const char *report = read_file(errors);
    assert_has(report, "4,customer_no,");
    assert_has(report, "5,product_code,");
    assert_has(report, "6,amount,more than 2 decimals");
    assert_has(report, "7,type,");
    crm_iter *it;
    const crm_record *t;
    int64_t amount;
    ck_assert_ok(crm_txn_list(&it, db, "C1", NULL));
    ck_assert_ok(crm_iter_next(&t, it));
    ck_assert_ok(crm_record_get_int(&amount, t, "amount"));
    ck_assert_int_eq(amount, 1250);
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

static int64_t txn_total(crm_db *db, const char *no, int64_t *count)
{
    crm_iter *it;
    const crm_record *t;
    int64_t amount, sum = 0;
    *count = 0;
    ck_assert_ok(crm_txn_list(&it, db, no, NULL));
    while (crm_iter_next(&t, it) == CRM_OK) {
        ck_assert_ok(crm_record_get_int(&amount, t, "amount"));
        sum += amount;
        ++*count;
    }
    crm_iter_free(it);
    return sum;
}

/* The core-banking reference makes a feed idempotent: importing it again
 * does not double it, whatever on_duplicate says. */
START_TEST(txn_feed_imported_twice_is_not_doubled)
{
    crm_db *db = bank();
    char csv[2048];
    snprintf(csv, sizeof csv, HEADER "C1,张三,%s,13800000001,,100,C3,BJ\n",
             id_of("11010119800101001"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    ck_assert_ok(import_csv(db, csv, &o, &st));
    const char *feed = write_text("feed.csv", "ref,customer_no,type,amount,channel,time\n"
                                              "CB-0001,C1,deposit,100,branch,2026-11-01\n"
                                              "CB-0002,C1,withdrawal,30,atm,2026-11-02\n"
                                              ",C1,deposit,1,branch,2026-11-02\n");
    int64_t n;
    ck_assert_ok(crm_txn_import(NULL, db, feed, NULL));
    ck_assert_int_eq(txn_total(db, "C1", &n), 13100);
    ck_assert_int_eq(n, 3);
    /* error (the default): strict refuses the file, naming the row */
    ck_assert_int_eq(crm_txn_import(NULL, db, feed, NULL), CRM_E_CONFLICT);
    assert_has(crm_db_errmsg(db), "line 2, column ref: transaction CB-0001 is already recorded");
    /* skip: the stored rows stay; only the row without a ref is new */
    o = options(CRM_IMPORT_SKIP, NULL);
    o.on_duplicate = CRM_DUPLICATE_SKIP;
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_txn_import(&st, db, feed, &o));
    ck_assert_int_eq(st.skipped, 2);
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(txn_total(db, "C1", &n), 13200);
    ck_assert_int_eq(n, 4);
    /* update: a corrected feed writes over the stored rows */
    const char *fixed = write_text("fixed.csv", "ref,customer_no,type,amount,channel,time\n"
                                                "CB-0002,C1,withdrawal,35,atm,2026-11-02\n"
                                                "CB-0002,C1,withdrawal,36,atm,2026-11-02\n");
    o = options(CRM_IMPORT_SKIP, file_path("dup-errors.csv"));
    o.on_duplicate = CRM_DUPLICATE_UPDATE;
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_txn_import(&st, db, fixed, &o));
    ck_assert_msg(st.updated == 2, "updated %lld refused %lld: %s", (long long)st.updated,
                  (long long)st.refused, read_file(file_path("dup-errors.csv")));
    ck_assert_int_eq(st.inserted, 0);
    ck_assert_int_eq(txn_total(db, "C1", &n), 13800);
    ck_assert_int_eq(n, 4);
    /* a duplicate within one new file, under error: the second row refused */
    const char *twice = write_text("twice.csv", "ref,customer_no,type,amount,channel,time\n"
                                                "CB-0009,C1,deposit,5,branch,2026-11-03\n"
                                                "CB-0009,C1,deposit,5,branch,2026-11-03\n");
    o.on_duplicate = CRM_DUPLICATE_ERROR;
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_txn_import(&st, db, twice, &o));
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 1);
    crm_db_close(db);
}
END_TEST

static int64_t holding_balance(crm_db *db, const char *no, const char *product, int *count)
{
    crm_iter *it;
    const crm_record *h;
    const char *code;
    int64_t balance = -1;
    *count = 0;
    ck_assert_ok(crm_holding_list(&it, db, no));
    while (crm_iter_next(&h, it) == CRM_OK) {
        ++*count;
        ck_assert_ok(crm_record_get_text(&code, h, "product_code"));
        if (strcmp(code, product) == 0)
            ck_assert_ok(crm_record_get_int(&balance, h, "balance"));
    }
    crm_iter_free(it);
    return balance;
}

/* A balance feed: bad rows reported by line and column; a holding already
 * stored refused by default, set under update (a daily feed); 0 removes. */
START_TEST(holding_feed_import)
{
    crm_db *db = bank_with_c1_and_wm01();
    crm_import_options o;
    crm_import_stats st;
    const char *feed = write_text("holdings.csv", "customer_no,product_code,balance\n"
                                                  "C1,WM01,5000.00\n"
                                                  "C1,NOPE,1\n"
                                                  "C404,WM01,1\n"
                                                  "C1,WM01,-1\n"
                                                  "C1,WM01,1.001\n");
    const char *errors = file_path("holding-errors.csv");
    o = options(CRM_IMPORT_SKIP, errors);
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_holding_import(&st, db, feed, &o));
    ck_assert_int_eq(st.inserted, 1);
    ck_assert_int_eq(st.refused, 4);
    const char *report = read_file(errors);
    assert_has(report, "3,product_code,");
    assert_has(report, "4,customer_no,");
    assert_has(report, "5,balance,");
    assert_has(report, "6,balance,more than 2 decimals");
    int held;
    ck_assert_int_eq(holding_balance(db, "C1", "WM01", &held), 500000);

    const char *next_day = write_text("holdings2.csv", "customer_no,product_code,balance\n"
                                                       "C1,WM01,6000\n");
    ck_assert_int_eq(crm_holding_import(NULL, db, next_day, NULL), CRM_E_CONFLICT);
    assert_has(crm_db_errmsg(db), "line 2, column product_code: customer C1 already holds WM01");
    o = options(CRM_IMPORT_STRICT, NULL);
    o.on_duplicate = CRM_DUPLICATE_SKIP;
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_holding_import(&st, db, next_day, &o));
    ck_assert_int_eq(st.skipped, 1);
    ck_assert_int_eq(holding_balance(db, "C1", "WM01", &held), 500000);
    o.on_duplicate = CRM_DUPLICATE_UPDATE;
    ck_assert_ok(crm_import_stats_init(&st, CRM_IMPORT_STATS_VERSION));
    ck_assert_ok(crm_holding_import(&st, db, next_day, &o));
    ck_assert_int_eq(st.updated, 1);
    ck_assert_int_eq(holding_balance(db, "C1", "WM01", &held), 600000);
    const char *closed = write_text("holdings3.csv", "customer_no,product_code,balance\n"
                                                     "C1,WM01,0\n");
    ck_assert_ok(crm_holding_import(NULL, db, closed, &o));
    ck_assert_int_eq(holding_balance(db, "C1", "WM01", &held), -1);
    ck_assert_int_eq(held, 0);
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------------------------- export */

static void seed(crm_db *db)
{
    char csv[2048];
    snprintf(csv, sizeof csv,
             "customer_no,name,id_number,phone,email,address,total_assets,annual_income,"
             "risk_level,risk_assessed_at,branch,occupation,ext.vip\n"
             "E1,\"张,三\",%s,13812345678,zs@example.com,北京市朝阳区建国路88号,1000.50,"
             "300000,C3,2026-06-01,BJ01,教师,gold\n"
             "E2,李四,%s,13900000002,,,20,,C2,2025-01-01,GZ,,\n",
             id_of("11010119800101001"), id_of("44010619850312001"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    int rc = import_csv(db, csv, &o, &st);
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(db));
}

START_TEST(export_masked_by_default_clear_audited)
{
    crm_db *db = bank();
    seed(db);
    const char *out = file_path("out.csv");
    int64_t rows = 0;
    ck_assert_ok(crm_customer_export(&rows, db, out, NULL));
    ck_assert_int_eq(rows, 2);
    const char *text = read_file(out);
    assert_has(text, "customer_no,name,id_type,id_number,");
    assert_has(text, ",ext.vip\r\n");
    assert_has(text, "E1,\"张,三\",resident_id,1****************");
    assert_has(text, "138****5678");
    ck_assert_ptr_null(strstr(text, "13812345678"));
    ck_assert_ptr_null(strstr(text, "zs@example.com"));
    assert_has(text, ",1000.50,");
    assert_has(text, ",gold\r\n");

    /* clear needs a reason and reveal rights */
    crm_export_options eo = CRM_EXPORT_OPTIONS_INIT;
    eo.flags = CRM_EXPORT_CLEAR;
    ck_assert_int_eq(crm_customer_export(&rows, db, out, &eo), CRM_E_INVALID_ARG);
    eo.reason = "migration to the new core system";
    ck_assert_ok(crm_db_set_actor(db, "mkt"));
    ck_assert_int_eq(crm_customer_export(&rows, db, out, &eo), CRM_E_PERMISSION);
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    eo.format = CRM_FORMAT_JSONL;
    ck_assert_ok(crm_customer_export(&rows, db, out, &eo));
    text = read_file(out);
    assert_has(text, "\"phone\":\"13812345678\"");
    assert_has(text, "\"total_assets\":1000.50");
    assert_has(text, "\"ext.vip\":\"gold\"");
    ck_assert_int_eq(count_lines(text), 2);

    crm_record *f;
    crm_iter *it;
    const crm_record *entry;
    const char *after, *reason;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "customer.export"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    ck_assert_ok(crm_iter_next(&entry, it)); /* the masked one */
    ck_assert_ok(crm_iter_next(&entry, it));
    ck_assert_ok(crm_record_get_text(&after, entry, "after"));
    assert_has(after, "\"rows\":2");
    assert_has(after, "\"clear\":true");
    ck_assert_ok(crm_record_get_text(&reason, entry, "reason"));
    ck_assert_str_eq(reason, "migration to the new core system");
    crm_iter_free(it);
    crm_record_free(f);

    /* the clear export imports into another database */
    crm_db *other = bank();
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    o.format = CRM_FORMAT_JSONL;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    int rc = crm_customer_import(&st, other, out, &o);
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(other));
    ck_assert_int_eq(st.inserted, 2);
    char *phone;
    ck_assert_ok(crm_customer_reveal(&phone, other, "E1", "phone", "check"));
    ck_assert_str_eq(phone, "13812345678");
    crm_free(phone);
    crm_db_close(other);
    crm_db_close(db);
}
END_TEST

START_TEST(export_filters_scope_and_gbk)
{
    crm_db *db = bank();
    seed(db);
    const char *out = file_path("out.csv");
    crm_export_options eo = CRM_EXPORT_OPTIONS_INIT;
    crm_record *filter;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_text(filter, "branch", "BJ"));
    eo.filter = filter;
    eo.encoding = CRM_ENCODING_GBK;
    int64_t rows;
    ck_assert_ok(crm_customer_export(&rows, db, out, &eo));
    ck_assert_int_eq(rows, 1);
    char gbk[64];
    size_t n = to_gbk(gbk, sizeof gbk, "教师");
    gbk[n] = '\0';
    assert_has(read_file(out), gbk);
    ck_assert_ok(crm_record_set_text(filter, "branch", "NOPE"));
    ck_assert_int_eq(crm_customer_export(&rows, db, out, &eo), CRM_E_NOT_FOUND);
    ck_assert_int_ne(access(out, F_OK), 0); /* no partial file left */
    ck_assert_ok(crm_record_unset(filter, "branch"));
    ck_assert_ok(crm_record_set_text(filter, "colour", "red"));
    ck_assert_int_eq(crm_customer_export(&rows, db, out, &eo), CRM_E_INVALID_ARG);
    crm_record_free(filter);
    /* a branch manager exports their subtree only */
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_customer_export(&rows, db, out, NULL));
    ck_assert_int_eq(rows, 1);
    ck_assert_ptr_null(strstr(read_file(out), "E2"));
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(crm_customer_export(&rows, db, out, NULL), CRM_E_PERMISSION);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------- quality and statistics */

static int count_kind(crm_db *db, const char *kind, const char *want_no)
{
    crm_iter *it;
    const crm_record *r;
    int n = 0, rc;
    ck_assert_ok(crm_customer_quality(&it, db));
    while ((rc = crm_iter_next(&r, it)) == CRM_OK) {
        const char *k, *no;
        ck_assert_ok(crm_record_get_text(&k, r, "kind"));
        ck_assert_ok(crm_record_get_text(&no, r, "customer_no"));
        if (strcmp(k, kind) == 0 && (!want_no || strcmp(no, want_no) == 0))
            n++;
    }
    ck_assert_int_eq(rc, CRM_ITER_DONE);
    crm_iter_free(it);
    return n;
}

START_TEST(quality_finds_planted_problems)
{
    crm_db *db = bank();
    char csv[4096];
    snprintf(
        csv, sizeof csv,
        "customer_no,name,id_number,phone,email,birth_date,risk_level,risk_assessed_at,"
        "branch\n"
        "Q1,周一,%s,13811112222,,,C3,2026-06-01,BJ\n" /* same phone as Q2 */
        "Q2,吴二,%s,13811112222,,,C3,2026-06-01,BJ\n"
        "Q3,郑三,,13800000003,,1970-05-05,C3,2026-06-01,BJ\n" /* no ID; same name+birth as Q4 */
        "Q4,郑三,,,,1970-05-05,C3,2026-06-01,BJ\n"            /* and no contact */
        "Q5,冯五,%s,13800000005,,,,,BJ\n"                     /* no risk level */
        "Q6,陈六,%s,13800000006,,,C2,2024-01-01,BJ\n",        /* expired */
        id_of("11010119800101001"), id_of("11010119800101002"), id_of("11010119800101005"),
        id_of("11010119800101006"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    int rc = import_csv(db, csv, &o, &st);
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(db));
    ck_assert_int_eq(count_kind(db, "duplicate_phone", "Q1,Q2"), 1);
    ck_assert_int_eq(count_kind(db, "duplicate_name_birth_date", "Q3,Q4"), 1);
    ck_assert_int_eq(count_kind(db, "missing_contact", "Q4"), 1);
    ck_assert_int_eq(count_kind(db, "missing_id_number", NULL), 2);
    ck_assert_int_eq(count_kind(db, "missing_risk_level", "Q5"), 1);
    ck_assert_int_eq(count_kind(db, "risk_expired", "Q6"), 1);
    ck_assert_int_eq(count_kind(db, "invalid_value", NULL), 0);
    /* a value stored before today's rules: a birth date now in the future */
    test_clock_set(test_clock_now() - 60L * 365 * 86400);
    ck_assert_int_eq(count_kind(db, "invalid_value", NULL), 6);
    test_clock_set(test_clock_now() + 60L * 365 * 86400);
    /* an RM sees only their own customers' problems */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_int_eq(count_kind(db, "duplicate_phone", NULL), 0);
    crm_db_close(db);
}
END_TEST

static const crm_record *stat_row(crm_iter *it, const char *key)
{
    const crm_record *r;
    while (crm_iter_next(&r, it) == CRM_OK) {
        const char *k = NULL;
        crm_record_get_text(&k, r, "key");
        if (k && strcmp(k, key) == 0)
            return r;
    }
    return NULL;
}

static int64_t stat_value(crm_db *db, const char *dimension, const char *key, const char *field)
{
    crm_iter *it;
    ck_assert_ok(crm_customer_stats(&it, db, dimension));
    const crm_record *r = stat_row(it, key);
    ck_assert_msg(r != NULL, "%s: no row %s", dimension, key);
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    crm_iter_free(it);
    return v;
}

START_TEST(stats_sums)
{
    crm_db *db = bank();
    char csv[4096];
    /* the clock is 2026-11-18: born 1980 is 46, 2003-01-01 is 23 */
    snprintf(csv, sizeof csv,
             "customer_no,name,id_number,total_assets,annual_income,risk_level,branch,"
             "occupation\n"
             "S1,甲,%s,100.00,10,C3,BJ,教师\n"
             "S2,乙,%s,200.00,20,C3,BJ01,教师\n"
             "S3,丙,%s,0.50,,C1,GZ,\n",
             id_of("11010119800101001"), id_of("11010119800101012"), id_of("44010620030101002"));
    crm_import_options o = options(CRM_IMPORT_STRICT, NULL);
    crm_import_stats st;
    int rc = import_csv(db, csv, &o, &st);
    ck_assert_msg(rc == CRM_OK, "%s", crm_db_errmsg(db));
    ck_assert_int_eq(stat_value(db, "age_band", "45-54", "customers"), 2);
    ck_assert_int_eq(stat_value(db, "age_band", "45-54", "total_assets"), 30000);
    ck_assert_int_eq(stat_value(db, "age_band", "<25", "customers"), 1);
    ck_assert_int_eq(stat_value(db, "gender", "M", "customers"), 1);
    ck_assert_int_eq(stat_value(db, "province", "北京市", "annual_income"), 3000);
    ck_assert_int_eq(stat_value(db, "occupation", "教师", "customers"), 2);
    ck_assert_int_eq(stat_value(db, "risk_level", "C3", "total_assets"), 30000);
    ck_assert_int_eq(stat_value(db, "branch", "GZ", "total_assets"), 50);

    crm_record *p;
    ck_assert_ok(crm_record_new(&p));
    ck_assert_ok(crm_record_set_text(p, "code", "INS1"));
    ck_assert_ok(crm_record_set_text(p, "name", "保险"));
    ck_assert_ok(crm_record_set_text(p, "type", "insurance"));
    ck_assert_ok(crm_record_set_text(p, "risk_rating", "R1"));
    ck_assert_ok(crm_product_add(db, p));
    crm_record_free(p);
    ck_assert_ok(crm_holding_set(db, "S1", "INS1", 500000));
    ck_assert_ok(crm_holding_set(db, "S2", "INS1", 100));
    ck_assert_int_eq(stat_value(db, "product_type", "insurance", "customers"), 2);
    ck_assert_int_eq(stat_value(db, "product_type", "insurance", "balance"), 500100);

    const char *path = write_text("t.csv", "customer_no,type,amount,channel,time\n"
                                           "S1,deposit,10,mobile,2026-11-10\n"
                                           "S2,deposit,20,mobile,2026-09-01\n"
                                           "S2,deposit,5,mobile,2026-11-17\n"
                                           "S3,deposit,30,mobile,2024-01-01\n");
    ck_assert_ok(crm_txn_import(NULL, db, path, NULL));
    ck_assert_int_eq(stat_value(db, "activity", "active_30d", "customers"), 2);
    ck_assert_int_eq(stat_value(db, "activity", "active_30d", "txn_count"), 2);
    ck_assert_int_eq(stat_value(db, "activity", "active_30d", "txn_amount"), 1500);
    ck_assert_int_eq(stat_value(db, "activity", "active_90d", "txn_count"), 3);
    ck_assert_int_eq(stat_value(db, "activity", "active_365d", "customers"), 2);
    ck_assert_int_eq(stat_value(db, "activity", "dormant", "customers"), 1);
    ck_assert_int_eq(stat_value(db, "activity", "dormant", "total_assets"), 50);

    crm_iter *it;
    ck_assert_int_eq(crm_customer_stats(&it, db, "shoe_size"), CRM_E_INVALID_ARG);
    /* an RM with no customers sees none */
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_customer_stats(&it, db, "gender"));
    const crm_record *r;
    ck_assert_int_eq(crm_iter_next(&r, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

START_TEST(options_and_arguments)
{
    crm_import_options o;
    ck_assert_int_eq(crm_import_options_init(&o, 99), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_import_options_init(&o, CRM_IMPORT_OPTIONS_VERSION));
    ck_assert_int_eq(o.mode, CRM_IMPORT_STRICT);
    crm_export_options e;
    ck_assert_ok(crm_export_options_init(&e, CRM_EXPORT_OPTIONS_VERSION));
    crm_import_stats st;
    ck_assert_int_eq(crm_import_stats_init(&st, 0), CRM_E_INVALID_ARG);
    crm_db *db = bank();
    ck_assert_int_eq(crm_customer_import(NULL, db, NULL, NULL), CRM_E_INVALID_ARG);
    o.version = 7;
    ck_assert_int_eq(crm_customer_import(NULL, db, "x.csv", &o), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_customer_quality(NULL, db), CRM_E_INVALID_ARG);
    crm_db_close(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataio");
    TCase *tc = tcase_create("dataio");
    /* one directory for the files, removed even after a failure */
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, rfc4180_quotes_commas_newlines);
    tcase_add_test(tc, malformed_records_resync_at_next_line);
    tcase_add_test(tc, bom_crlf_and_final_line_without_newline);
    tcase_add_test(tc, gbk_decoded_and_bad_bytes_named);
    tcase_add_test(tc, strict_is_all_or_nothing_and_names_line_and_column);
    tcase_add_test(tc, money_is_exact_yuan);
    tcase_add_test(tc, unknown_columns_refuse_the_file_ext_columns_kept);
    tcase_add_test(tc, duplicates_in_file_and_store);
    tcase_add_test(tc, branch_manager_rows_outside_subtree_refused);
    tcase_add_test(tc, progress_reports_and_stops);
    tcase_add_test(tc, jsonl_import);
    tcase_add_test(tc, txn_import);
    tcase_add_test(tc, holding_feed_import);
    tcase_add_test(tc, importer_disabled_between_batches_is_stopped);
    tcase_add_test(tc, txn_feed_imported_twice_is_not_doubled);
    tcase_add_test(tc, export_masked_by_default_clear_audited);
    tcase_add_test(tc, export_filters_scope_and_gbk);
    tcase_add_test(tc, quality_finds_planted_problems);
    tcase_add_test(tc, stats_sums);
    tcase_add_test(tc, options_and_arguments);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
