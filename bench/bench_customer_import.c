/* Customer import figures (issue 3, must-show 2), N customers (1M at scale
 * 1) written to a CSV file first:
 *  - crm_customer_import in skip mode with the default batch size: parse,
 *    validate (ID check digit, derived fields), seal five personal fields
 *    under a fresh per-customer key, three blind indexes, masked copies,
 *    name pieces for fuzzy search, one audit entry per customer;
 *  - beside raw SQLite reading the same file and inserting the same rows in
 *    plain text into a table with the same unique and secondary indexes,
 *    committing every 1000 rows (WAL, synchronous=NORMAL, prepared
 *    statement), in the same run.
 * Prints both rates, the rate ratio libcrm/raw (target >= 0.5) and the peak
 * RSS of the process after the libcrm import (target <= 64 MiB). */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define BATCH 1000
#define MANAGERS 20

/* ------------------------------------------------------------ the file */

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                       "吴", "周", "徐", "孙", "马", "朱", "胡", "欧阳"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",
                                    "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
                                    "霞", "平", "刚", "华", "玉", "兰", "红", "鹏", "飞"};
static const struct {
    const char *code, *province, *city, *street;
} regions[] = {
    {"110105", "北京市", "北京市", "朝阳区建国路"},
    {"310101", "上海市", "上海市", "黄浦区南京东路"},
    {"440106", "广东省", "广州市", "天河区体育西路"},
    {"330106", "浙江省", "杭州市", "西湖区文三路"},
    {"510104", "四川省", "成都市", "锦江区春熙路"},
    {"320102", "江苏省", "南京市", "玄武区中山路"},
};
#define N_REGIONS (sizeof regions / sizeof regions[0])
static const char *const occupations[] = {"教师",     "医生",   "工程师", "公司职员",
                                          "个体经营", "公务员", "退休",   "自由职业"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A valid, unique resident ID for customer i; birth date and gender follow. */
static void make_id(char out[19], char birth[11], char *gender, int i, int region)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int day = i % 18000, seq = (i / 18000) % 1000;
    char date[32];
    crm_time_format(date, sizeof date, -631152000 + (int64_t)day * 86400); /* from 1950 */
    snprintf(birth, 11, "%.10s", date);
    snprintf(out, 19, "%s%.4s%.2s%.2s%03d", regions[region].code, date, date + 5, date + 8, seq);
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += (out[k] - '0') * weights[k];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
    *gender = seq % 2 ? 'M' : 'F';
}

static void write_row(FILE *f, int i)
{
    int region = (i / 18000 / 1000) % (int)N_REGIONS;
    char id[19], birth[11], gender;
    make_id(id, birth, &gender, i, region);
    const char *g2 = bench_rand() % 4 ? given[bench_rand() % N_OF(given)] : "";
    fprintf(f,
            "C%09d,%s%s%s,resident_id,%s,%c,%s,139%08d,u%d@example.com,%s%u号,%s,%s,%s,"
            "%u.%02u,%u.%02u,C%u,2026-%02u-%02u,%s,%s,%u,%u,%u\n",
            i, surnames[bench_rand() % N_OF(surnames)], given[bench_rand() % N_OF(given)], g2, id, gender, birth,
            i % 100000000, i, regions[region].street, bench_rand() % 999 + 1, regions[region].city,
            regions[region].province, occupations[bench_rand() % N_OF(occupations)], bench_rand() % 500000,
            bench_rand() % 100, bench_rand() % 5000000, bench_rand() % 100, bench_rand() % 5 + 1, bench_rand() % 10 + 1,
            bench_rand() % 28 + 1, i % 2 ? "BJ01" : "SH01", i % 3 ? "" : (i % 2 ? "rm.bj" : "rm.sh"),
            bench_rand() % 2, bench_rand() % 2, bench_rand() % 2);
}

static const char HEADER[] =
    "customer_no,name,id_type,id_number,gender,birth_date,phone,email,address,city,province,"
    "occupation,annual_income,total_assets,risk_level,risk_assessed_at,branch,manager,"
    "consent_sms,consent_email,consent_phone\n";

static void write_file(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die(path, "cannot write");
    fputs(HEADER, f);
    for (int i = 0; i < n; i++)
        write_row(f, i);
    if (fclose(f) != 0)
        bench_die(path, "write failed");
}

/* ------------------------------------------------------------- libcrm */

static crm_db *crm_setup(const char *path)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = BENCH_KEY;
    crm_db *db;
    bench_check(crm_db_open(&db, path, &opts), NULL, "open");
    bench_check(crm_access_bootstrap(db, "HO", "总行", "admin", "管理员"), db, "bootstrap");
    bench_check(crm_db_set_actor(db, "admin"), db, "actor");
    const char *branches[][3] = {{"BJ", "北京分行", "HO"},
                                 {"BJ01", "北京朝阳支行", "BJ"},
                                 {"SH", "上海分行", "HO"},
                                 {"SH01", "上海黄浦支行", "SH"}};
    for (size_t i = 0; i < N_OF(branches); i++)
        bench_check(crm_branch_add(db, branches[i][0], branches[i][1], branches[i][2]), db, "branch");
    const char *users[][2] = {{"rm.bj", "BJ01"}, {"rm.sh", "SH01"}};
    for (size_t i = 0; i < N_OF(users); i++) {
        crm_record *u;
        bench_check(crm_record_new(&u), NULL, "record");
        crm_record_set_text(u, "name", users[i][0]);
        crm_record_set_text(u, "display_name", users[i][0]);
        crm_record_set_text(u, "roles", "relationship_manager");
        crm_record_set_text(u, "branch", users[i][1]);
        bench_check(crm_user_add(db, u), db, "user");
        crm_record_free(u);
    }
    return db;
}

static double crm_import(const char *csv, int n)
{
    char *path = bench_temp_path("import", "db");
    crm_db *db = crm_setup(path);
    crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
    o.mode = CRM_IMPORT_SKIP;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    double t0 = bench_now();
    bench_check(crm_customer_import(&st, db, csv, &o), db, "import");
    double seconds = bench_now() - t0;
    if (st.inserted != n || st.refused != 0)
        bench_die("import", "not every row went in");
    crm_db_close(db);
    bench_remove_db(path);
    return seconds;
}

/* ------------------------------------------------------------- raw */

static const char RAW_SCHEMA[] =
    "CREATE TABLE cust (id INTEGER PRIMARY KEY, customer_no TEXT NOT NULL UNIQUE, name TEXT,"
    " id_type TEXT, id_number TEXT, gender TEXT, birth_date TEXT, phone TEXT, email TEXT,"
    " address TEXT, city TEXT, province TEXT, occupation TEXT, annual_income INTEGER,"
    " total_assets INTEGER, risk_level TEXT, risk_assessed_at TEXT, branch TEXT, manager TEXT,"
    " consent_sms INTEGER, consent_email INTEGER, consent_phone INTEGER, created_at INTEGER);"
    "CREATE UNIQUE INDEX cust_id_number ON cust (id_number) WHERE id_number IS NOT NULL;"
    "CREATE INDEX cust_phone ON cust (phone) WHERE phone IS NOT NULL;"
    "CREATE INDEX cust_branch ON cust (branch);"
    "CREATE INDEX cust_manager ON cust (manager);";

static const char RAW_INSERT[] =
    "INSERT INTO cust (customer_no, name, id_type, id_number, gender, birth_date, phone, email,"
    " address, city, province, occupation, annual_income, total_assets, risk_level,"
    " risk_assessed_at, branch, manager, consent_sms, consent_email, consent_phone, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22)";

/* Yuan text with two decimals to fen. */
static int64_t fen_of(const char *s)
{
    int64_t v = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            v = v * 10 + (*s - '0');
    return v;
}

static void raw_row(sqlite3_stmt *st, char *line)
{
    char *fields[21];
    int n = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line; n < 21; n++) {
        fields[n] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < 21; i++) {
        if (i == 12 || i == 13)
            sqlite3_bind_int64(st, i + 1, fen_of(fields[i]));
        else if (i >= 18)
            sqlite3_bind_int(st, i + 1, fields[i][0] == '1');
        else if (*fields[i])
            sqlite3_bind_text(st, i + 1, fields[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    }
    sqlite3_bind_int64(st, 22, 1795000000);
    if (sqlite3_step(st) != SQLITE_DONE)
        bench_die("raw insert", sqlite3_errmsg(sqlite3_db_handle(st)));
    sqlite3_reset(st);
}

static double raw_import(const char *csv)
{
    char *path = bench_temp_path("import-raw", "db");
    sqlite3 *db;
    sqlite3_stmt *st;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", 0, 0, 0) ||
        sqlite3_exec(db, RAW_SCHEMA, 0, 0, 0) ||
        sqlite3_prepare_v2(db, RAW_INSERT, -1, &st, NULL) != SQLITE_OK)
        bench_die("raw open", sqlite3_errmsg(db));
    double t0 = bench_now();
    FILE *f = fopen(csv, "r");
    char line[1024];
    if (!f || !fgets(line, sizeof line, f))
        bench_die(csv, "cannot read");
    int rows = 0;
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    while (fgets(line, sizeof line, f)) {
        raw_row(st, line);
        if (++rows % BATCH == 0)
            sqlite3_exec(db, "COMMIT; BEGIN", 0, 0, 0);
    }
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    double seconds = bench_now() - t0;
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(db);
    bench_remove_db(path);
    return seconds;
}

int main(void)
{
    int n = (int)(1000000 * bench_scale());
    if (n < 1000)
        n = 1000;
    char *csv = bench_temp_path("import", "csv");
    write_file(csv, n);
    double crm_seconds = crm_import(csv, n);
    double rss = bench_peak_rss_mib();
    double raw_seconds = raw_import(csv);
    bench_report_rate("customer import (CSV, skip mode)", n, crm_seconds, "raw SQLite, plain text",
                      n, raw_seconds);
    printf("%-40s %12.2f     (libcrm rate / raw rate; target >= 0.5, %d customers)\n",
           "customer import rate ratio", raw_seconds / crm_seconds, n);
    printf("%-40s %12.1f MiB (after the libcrm import; target <= 64)\n", "peak RSS", rss);
    unlink(csv);
    free(csv);
    return 0;
}
