/* Segment refresh (issue 5, must-show 1): the seed's example segment (age
 * 35-45, city 北京, assets >= 500,000 yuan) over N generated customers (1M
 * at scale 1; CRM_BENCH_SCALE scales it). Prints the refresh time beside
 * hand-written SQL that materialises the same set over the same database
 * in the same run, their ratio (target <= 1.2), and checks the members
 * equal the hand-written query's; exits non-zero if they differ.
 *
 * Customers go in through crm_customer_import of a generated CSV, as
 * bench_customer_import does. */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNS 3
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cities[] = {"北京", "上海", "广州", "深圳", "杭州",
                                     "成都", "武汉", "南京", "西安", "重庆"};

static void write_csv(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die(path, "cannot write");
    fputs("customer_no,name,id_type,birth_date,city,total_assets,branch\n", f);
    for (int i = 0; i < n; i++) {
        char birth[32];
        /* 1950-01-01 plus up to 55 years */
        crm_time_format(birth, sizeof birth, -631152000 + (int64_t)(bench_rand() % 20089) * 86400);
        fprintf(f, "C%09d,客户%d,passport,%.10s,%s,%u.%02u,%s\n", i, i, birth,
                cities[bench_rand() % N_OF(cities)], bench_rand() % 1500000, bench_rand() % 100,
                i % 2 ? "BJ01" : "SH01");
    }
    if (fclose(f) != 0)
        bench_die(path, "write failed");
}

static crm_db *setup(const char *path, const char *csv, int n)
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
    crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
    o.mode = CRM_IMPORT_SKIP;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    double t0 = bench_now();
    bench_check(crm_customer_import(&st, db, csv, &o), db, "import");
    if (st.inserted != n)
        bench_die("import", "not every row went in");
    fprintf(stderr, "imported %d customers in %.1f s\n", n, bench_now() - t0);
    return db;
}

/* The seed rule as the issue states it, and the same conditions with the
 * cheap column tests first (the compiled SQL keeps the author's order). */
static const char SEED_RULE[] = "and:\n"
                                "  - \">=\": [{var: age}, 35]\n"
                                "  - \"<=\": [{var: age}, 45]\n"
                                "  - \"==\": [{var: city}, 北京]\n"
                                "  - \">=\": [{var: assets}, 50000000]\n";
static const char SEED_RULE_CHEAP_FIRST[] = "and:\n"
                                            "  - \"==\": [{var: city}, 北京]\n"
                                            "  - \">=\": [{var: assets}, 50000000]\n"
                                            "  - \">=\": [{var: age}, 35]\n"
                                            "  - \"<=\": [{var: age}, 45]\n";

/* ------------------------------------------------------------ hand SQL */

/* What a developer would write: the birth-date window of ages 35..45 today
 * and the other two conditions, materialised into a table. */
static const char HAND_SQL[] =
    "INSERT INTO hand (id) SELECT id FROM crm_customer WHERE status = 'active'"
    " AND birth_date > ?1 AND birth_date <= ?2 AND city = ?3 AND total_assets >= ?4";

static void exec(sqlite3 *raw, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK)
        bench_die(sql, err);
}

/* "YYYY-MM-DD" of today minus `years`, for the birth-date bounds. */
static void years_ago(char out[11], int64_t now, int years)
{
    char today[32];
    crm_time_format(today, sizeof today, now);
    int year = (atoi(today) - years) % 10000;
    memcpy(out, today, 10);
    for (int k = 3; k >= 0; k--, year /= 10)
        out[k] = (char)('0' + year % 10);
    out[10] = '\0';
}

static double hand_refresh(sqlite3 *raw, int64_t now, int64_t *count)
{
    char oldest[11], youngest[11];
    years_ago(oldest, now, 46);   /* born after this: not yet 46 */
    years_ago(youngest, now, 35); /* born on or before this: 35 or more */
    sqlite3_stmt *st;
    exec(raw, "BEGIN IMMEDIATE; DELETE FROM hand");
    double t0 = bench_now();
    if (sqlite3_prepare_v2(raw, HAND_SQL, -1, &st, NULL) != SQLITE_OK)
        bench_die("hand", sqlite3_errmsg(raw));
    sqlite3_bind_text(st, 1, oldest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, youngest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, "北京", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, 50000000);
    if (sqlite3_step(st) != SQLITE_DONE)
        bench_die("hand", sqlite3_errmsg(raw));
    *count = sqlite3_changes(raw);
    sqlite3_finalize(st);
    exec(raw, "COMMIT");
    return bench_now() - t0;
}

static int64_t query_count(sqlite3 *raw, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
        bench_die(sql, sqlite3_errmsg(raw));
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* ------------------------------------------------------------- libcrm */

static double crm_refresh(crm_db *db, const char *name, int64_t *members, const char **method)
{
    crm_record *r;
    double t0 = bench_now();
    bench_check(crm_segment_refresh(&r, db, name), db, "refresh");
    double seconds = bench_now() - t0;
    crm_record_get_int(members, r, "members");
    static char how[16];
    const char *m = "?";
    crm_record_get_text(&m, r, "method");
    snprintf(how, sizeof how, "%s", m);
    *method = how;
    crm_record_free(r);
    return seconds;
}

/* Creates segment `name` from `rule`, refreshes it beside the hand SQL and
 * compares members; 1 when they differ. */
static int measure(crm_db *db, sqlite3 *raw, int n, const char *name, const char *rule)
{
    double t0 = bench_now();
    bench_check(crm_segment_create(db, name, rule, NULL), db, "create");
    double first = bench_now() - t0;
    double best_crm = 1e9, best_hand = 1e9;
    int64_t members = 0, hand = 0;
    const char *method = "?";
    for (int run = 0; run < RUNS; run++) {
        double c = crm_refresh(db, name, &members, &method);
        double h = hand_refresh(raw, crm_db_now(db), &hand);
        best_crm = c < best_crm ? c : best_crm;
        best_hand = h < best_hand ? h : best_hand;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hand WHERE id NOT IN (SELECT customer_id FROM"
             " crm_segment_member m JOIN crm_segment s ON s.id = m.segment_id WHERE s.name = '%s')",
             name);
    int64_t missing = query_count(raw, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM crm_segment_member m JOIN crm_segment s ON s.id = m.segment_id"
             " WHERE s.name = '%s' AND customer_id NOT IN (SELECT id FROM hand)",
             name);
    int64_t extra = query_count(raw, sql);
    bool same = missing == 0 && extra == 0 && hand == members;
    printf("segment %s over %d customers: %lld members (method %s)\n", name, n, (long long)members,
           method);
    printf("  first refresh (create, everyone joins): %.3f s\n", first);
    bench_report_time("  refresh, best of 3", best_crm, "hand-written INSERT ... SELECT",
                      best_hand);
    printf("  ratio %.2fx (target <= 1.20x)\n", best_crm / best_hand);
    printf("  members equal the hand-written query's: %s (%lld missing, %lld extra)\n",
           same ? "yes" : "NO", (long long)missing, (long long)extra);
    return same ? 0 : 1;
}

int main(void)
{
    int n = (int)(1000000 * bench_scale());
    char path[128], csv[128];
    snprintf(path, sizeof path, "/tmp/crm-bench-segment-%d.db", (int)getpid());
    snprintf(csv, sizeof csv, "/tmp/crm-bench-segment-%d.csv", (int)getpid());
    write_csv(csv, n);
    crm_db *db = setup(path, csv, n);
    unlink(csv);
    sqlite3 *raw;
    if (sqlite3_open(path, &raw) != SQLITE_OK)
        bench_die(path, "open raw");
    sqlite3_busy_timeout(raw, 5000);
    exec(raw, "CREATE TABLE hand (id INTEGER PRIMARY KEY)");

    int bad = measure(db, raw, n, "seed", SEED_RULE);
    bad |= measure(db, raw, n, "seed_cheap_first", SEED_RULE_CHEAP_FIRST);
    sqlite3_close(raw);
    crm_db_close(db);
    unlink(path);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return bad;
}
