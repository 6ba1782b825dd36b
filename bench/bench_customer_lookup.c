/* Customer lookup figures through the public API, on N customers (1M at
 * scale 1) created in one host transaction:
 *  - exact lookup by ID number (crm_customer_find_by: normalise, blind
 *    index, access scope, masked record) beside raw SQLite looking up the
 *    same rows, stored in plain text with an index, by the same join and
 *    reading the same columns; target ratio <= 1.5x;
 *  - fuzzy name search latency, p50 and p99, for each kind of query;
 *  - a combined filter with a sort, for scale.
 * Names are drawn like real ones: surnames by frequency (a few very common),
 * given names of one or two characters from a common set. */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ the data */

/* Surnames with weights per 1000 (the most common few dominate); "欧阳"
 * and "司马" are two-character surnames. */
static const struct {
    const char *s;
    int w;
} surnames[] = {
    {"王", 71},  {"李", 70},  {"张", 67}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 22},
    {"赵", 20},  {"吴", 20},  {"周", 19}, {"徐", 13}, {"孙", 13}, {"马", 12}, {"朱", 11},
    {"胡", 10},  {"郭", 10},  {"何", 9},  {"林", 9},  {"高", 9},  {"罗", 8},  {"郑", 7},
    {"梁", 7},   {"谢", 6},   {"宋", 5},  {"唐", 5},  {"许", 5},  {"韩", 5},  {"冯", 4},
    {"邓", 4},   {"曹", 4},   {"彭", 4},  {"曾", 4},  {"肖", 4},  {"田", 4},  {"董", 3},
    {"袁", 3},   {"潘", 3},   {"于", 3},  {"蒋", 3},  {"蔡", 3},  {"余", 3},  {"杜", 3},
    {"叶", 3},   {"程", 3},   {"苏", 3},  {"魏", 3},  {"吕", 3},  {"丁", 3},  {"任", 3},
    {"欧阳", 1}, {"司马", 1},
};
static int surname_total;

static const char *const given[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "鹏", "飞",
    "建", "国", "文", "辉", "力", "永", "健", "宇", "浩", "博", "晨", "欣", "怡", "佳", "琳",
    "婷", "雪", "梅", "慧", "波", "斌", "宁", "凯", "亮", "俊", "峰", "志", "海", "云", "东",
    "小", "春", "金", "德", "成", "林", "嘉", "子", "思", "雨", "晓", "一", "天", "瑞", "新",
    "安", "清", "荣", "龙", "阳", "婉", "若", "欢", "倩", "璐", "昊", "泽", "轩", "睿", "航",
};
#define N_GIVEN (sizeof given / sizeof given[0])

static const char *pick_surname(void)
{
    int r = (int)(bench_rand() % (uint32_t)surname_total);
    for (size_t i = 0;; i++) {
        if (r < surnames[i].w)
            return surnames[i].s;
        r -= surnames[i].w;
    }
}

static void make_name(char *out, size_t size)
{
    const char *s = pick_surname();
    const char *g1 = given[bench_rand() % N_GIVEN];
    if (bench_rand() % 4 == 0)
        snprintf(out, size, "%s%s", s, g1);
    else
        snprintf(out, size, "%s%s%s", s, g1, given[bench_rand() % N_GIVEN]);
}

static const char *const regions[] = {"110105", "310101", "440106", "330106",
                                      "510104", "320102", "420102", "610103"};

/* A valid, unique resident ID for customer i: birth dates over ~55 years,
 * the sequence number from i / days. */
static void make_id(char out[19], int i)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int day = i % 20000, seq = (i / 20000) % 1000;
    int64_t born = -631152000 + (int64_t)day * 86400; /* from 1950-01-01 */
    char date[32];
    crm_time_format(date, sizeof date, born);
    snprintf(out, 19, "%s%.4s%.2s%.2s%03d", regions[(i / 20000 / 1000) % 8], date, date + 5,
             date + 8, seq);
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += (out[k] - '0') * weights[k];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

typedef struct person {
    char no[16], name[32], id[19], phone[12];
    int64_t assets;
} person;

static void make_person(person *p, int i)
{
    snprintf(p->no, sizeof p->no, "C%09d", i);
    make_name(p->name, sizeof p->name);
    make_id(p->id, i);
    snprintf(p->phone, sizeof p->phone, "139%08u", (unsigned int)i % 100000000u);
    p->assets = (int64_t)(bench_rand() % 100000) * 10000;
}

/* ------------------------------------------------------------- helpers */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------- loading */

static crm_db *crm_load(const char *path, int n)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = BENCH_KEY;
    crm_db *db;
    bench_check(crm_db_open(&db, path, &opts), NULL, "open");
    bench_check(crm_access_bootstrap(db, "HO", "总行", "admin", "管理员"), db, "bootstrap");
    bench_check(crm_db_set_actor(db, "admin"), db, "actor");
    bench_check(crm_branch_add(db, "BJ", "北京分行", "HO"), db, "branch");
    bench_seed(88172645463325252ull);
    double t0 = bench_now();
    bench_check(crm_db_begin(db), db, "begin");
    crm_record *c;
    bench_check(crm_record_new(&c), db, "record");
    for (int i = 0; i < n; i++) {
        person p;
        make_person(&p, i);
        crm_record_set_text(c, "customer_no", p.no);
        crm_record_set_text(c, "name", p.name);
        crm_record_set_text(c, "id_number", p.id);
        crm_record_set_text(c, "phone", p.phone);
        crm_record_set_text(c, "branch", i % 2 ? "BJ" : "HO");
        crm_record_set_money(c, "total_assets", p.assets);
        bench_check(crm_customer_create(db, c), db, "create");
    }
    crm_record_free(c);
    bench_check(crm_db_commit(db), db, "commit");
    printf("%-40s %12.0f /s   (%d customers, one host transaction)\n", "customer create",
           n / (bench_now() - t0), n);
    return db;
}

static const char RAW_SCHEMA[] =
    "CREATE TABLE branch (id INTEGER PRIMARY KEY, code TEXT UNIQUE, path TEXT);"
    "CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
    "CREATE TABLE cust (id INTEGER PRIMARY KEY, customer_no TEXT UNIQUE, name TEXT, id_type TEXT,"
    " id_number TEXT, gender TEXT, birth_date TEXT, phone TEXT, email TEXT, address TEXT,"
    " card_number TEXT, city TEXT, province TEXT, occupation TEXT, annual_income INTEGER,"
    " total_assets INTEGER, risk_level TEXT, risk_assessed_at INTEGER, branch_id INTEGER,"
    " manager_id INTEGER, consent_sms INTEGER, consent_email INTEGER, consent_phone INTEGER,"
    " status TEXT, version INTEGER, created_at INTEGER, updated_at INTEGER);"
    "INSERT INTO branch VALUES (1, 'HO', '/HO/'), (2, 'BJ', '/HO/BJ/');";

static sqlite3 *raw_load(const char *path, int n)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", 0, 0, 0) ||
        sqlite3_exec(db, RAW_SCHEMA, 0, 0, 0))
        bench_die("raw open", sqlite3_errmsg(db));
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO cust (customer_no, name, id_type, id_number, gender,"
                       " birth_date, phone, province, total_assets, branch_id, status, version,"
                       " created_at, updated_at) VALUES (?1, ?2, 'resident_id', ?3, ?4, ?5, ?6,"
                       " '北京市', ?7, ?8, 'active', 1, 1795000000, 1795000000)",
                       -1, &st, 0);
    bench_seed(88172645463325252ull);
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    for (int i = 0; i < n; i++) {
        person p;
        make_person(&p, i);
        char birth[11];
        snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", p.id + 6, p.id + 10, p.id + 12);
        sqlite3_bind_text(st, 1, p.no, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, p.name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, p.id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, (p.id[16] - '0') % 2 ? "M" : "F", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, birth, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, p.phone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 7, p.assets);
        sqlite3_bind_int(st, 8, i % 2 ? 2 : 1);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "CREATE INDEX cust_id_number ON cust (id_number)", 0, 0, 0))
        bench_die("raw index", sqlite3_errmsg(db));
    return db;
}

/* ------------------------------------------------------- exact lookups */

static const char RAW_LOOKUP[] =
    "SELECT c.id, c.customer_no, c.name, c.id_type, c.id_number, c.gender, c.birth_date,"
    " c.phone, c.email, c.address, c.card_number, c.city, c.province, c.occupation,"
    " c.annual_income, c.total_assets, c.risk_level, c.risk_assessed_at, b.code, m.name,"
    " c.consent_sms, c.consent_email, c.consent_phone, c.status, c.version, c.created_at,"
    " c.updated_at FROM cust c JOIN branch b ON b.id = c.branch_id"
    " LEFT JOIN user m ON m.id = c.manager_id WHERE c.id_number = ?";

static double raw_lookups(sqlite3 *db, char (*ids)[19], int m)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, RAW_LOOKUP, -1, &st, 0) != SQLITE_OK)
        bench_die("raw prepare", sqlite3_errmsg(db));
    size_t bytes = 0;
    int found = 0;
    double t0 = bench_now();
    for (int i = 0; i < m; i++) {
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            found++;
            for (int col = 0; col < sqlite3_column_count(st); col++) {
                const unsigned char *text = sqlite3_column_text(st, col);
                bytes += text ? strlen((const char *)text) : 0;
            }
        }
        sqlite3_reset(st);
    }
    double elapsed = bench_now() - t0;
    sqlite3_finalize(st);
    if (found != m || bytes == 0)
        bench_die("raw lookup", "a row was not found");
    return elapsed;
}

static double crm_lookups(crm_db *db, char (*ids)[19], int m)
{
    int found = 0;
    double t0 = bench_now();
    for (int i = 0; i < m; i++) {
        crm_iter *it;
        const crm_record *r;
        bench_check(crm_customer_find_by(&it, db, "id_number", ids[i]), db, "find_by");
        while (crm_iter_next(&r, it) == CRM_OK)
            found++;
        crm_iter_free(it);
    }
    double elapsed = bench_now() - t0;
    if (found != m)
        bench_die("crm lookup", "a customer was not found");
    return elapsed;
}

static void exact_lookups(crm_db *db, sqlite3 *raw, int n)
{
    int m = 20000;
    char(*ids)[19] = malloc((size_t)m * sizeof *ids);
    for (int i = 0; i < m; i++)
        make_id(ids[i], (int)(bench_rand() % (uint32_t)n));
    raw_lookups(raw, ids, m / 10); /* warm both caches alike */
    crm_lookups(db, ids, m / 10);
    double base = raw_lookups(raw, ids, m);
    double crm = crm_lookups(db, ids, m);
    bench_report_rate("exact lookup by ID number", m, crm, "raw SQLite indexed (plain)", m, base);
    printf("%-40s %10.2f us   %-28s %10.2f us\n", "  per lookup", 1e6 * crm / m, "",
           1e6 * base / m);
    free(ids);
}

/* ----------------------------------------------------------- fuzzy names */

typedef enum { Q_FULL, Q_GIVEN2, Q_HEAD2, Q_SURNAME1, Q_GIVEN1 } query_kind;

static const char *const kind_names[] = {"name: full name (3 chars)", "name: given name (2 chars)",
                                         "name: surname+1 (2 chars)", "name: surname (1 char)",
                                         "name: given char (1 char)"};

/* A query of `kind` built from a random name like the stored ones. */
static void make_query(char *out, size_t size, query_kind kind)
{
    const char *s = surnames[bench_rand() % 20].s;
    const char *g1 = given[bench_rand() % N_GIVEN], *g2 = given[bench_rand() % N_GIVEN];
    switch (kind) {
    case Q_FULL: snprintf(out, size, "%s%s%s", s, g1, g2); break;
    case Q_GIVEN2: snprintf(out, size, "%s%s", g1, g2); break;
    case Q_HEAD2: snprintf(out, size, "%s%s", s, g1); break;
    case Q_SURNAME1: snprintf(out, size, "%s", s); break;
    default: snprintf(out, size, "%s", g1); break;
    }
}

/* Seconds for one search of `spec` reading up to 20 results. */
static double timed_search(crm_db *db, crm_record *f, int *rows)
{
    crm_iter *it;
    const crm_record *r;
    double t0 = bench_now();
    bench_check(crm_customer_search(&it, db, f), db, "search");
    while (crm_iter_next(&r, it) == CRM_OK)
        (*rows)++;
    crm_iter_free(it);
    return bench_now() - t0;
}

static void report_latency(const char *name, double *t, int runs, int rows)
{
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("%-40s p50 %8.2f ms   p99 %8.2f ms   (%d queries, %.1f results each)\n", name,
           1e3 * t[runs / 2], 1e3 * t[(runs * 99) / 100], runs, (double)rows / runs);
}

static void fuzzy_names(crm_db *db)
{
    static const int runs_of[] = {400, 400, 400, 40, 40};
    double t[400];
    for (int kind = Q_FULL; kind <= Q_GIVEN1; kind++) {
        int rows = 0;
        for (int i = 0; i < runs_of[kind]; i++) {
            char q[32];
            make_query(q, sizeof q, (query_kind)kind);
            crm_record *f;
            crm_record_new(&f);
            crm_record_set_text(f, "name", q);
            crm_record_set_int(f, "limit", 20);
            t[i] = timed_search(db, f, &rows);
            crm_record_free(f);
        }
        report_latency(kind_names[kind], t, runs_of[kind], rows);
    }
}

/* A combined filter over the whole table: no index serves it. */
static void combined(crm_db *db)
{
    double t[10];
    int rows = 0;
    for (int i = 0; i < 10; i++) {
        crm_record *f;
        crm_record_new(&f);
        crm_record_set_text(f, "province", "北京");
        crm_record_set_int(f, "age_min", 30 + i);
        crm_record_set_int(f, "age_max", 40 + i);
        crm_record_set_text(f, "sort", "-total_assets");
        crm_record_set_int(f, "limit", 20);
        t[i] = timed_search(db, f, &rows);
        crm_record_free(f);
    }
    report_latency("combined: province+age, -total_assets", t, 10, rows);
}

int main(void)
{
    for (size_t i = 0; i < sizeof surnames / sizeof surnames[0]; i++)
        surname_total += surnames[i].w;
    int n = (int)(1000000 * bench_scale());
    if (n < 1000)
        n = 1000;
    char *crm_path = bench_temp_path("lookup", "db"), *raw_path = bench_temp_path("lookup-raw", "db");
    crm_db *db = crm_load(crm_path, n);
    sqlite3 *raw = raw_load(raw_path, n);
    exact_lookups(db, raw, n);
    fuzzy_names(db);
    combined(db);
    sqlite3_close(raw);
    crm_db_close(db);
    bench_remove_db(crm_path);
    bench_remove_db(raw_path);
    return 0;
}
