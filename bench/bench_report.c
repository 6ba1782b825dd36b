/* The monthly business report (business-statistics: the month, the month
 * before and the same month last year, by sub-branch and product type) over
 * N generated transactions (10M at CRM_BENCH_SCALE=1), beside the raw SQL
 * aggregates over the same database in the same run, and the peak RSS.
 *
 * Only the report run and the raw aggregates are measured. Branches,
 * products, customers and holdings go in through the API; the transactions
 * are a fixture written straight into crm_txn (see add_transactions). */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const types[] = {"deposit", "loan",      "wealth",
                                    "fund",    "insurance", "credit_card"};

static void setup_bank(crm_db *db, int customers)
{
    char code[16], parent[16];
    bench_check(crm_db_begin(db), db, "begin");
    for (int b = 0; b < 4; b++) {
        snprintf(parent, sizeof parent, "B%d", b);
        bench_check(crm_branch_add(db, parent, "分行", "HO"), db, "branch");
        for (int s = 0; s < 3; s++) {
            snprintf(code, sizeof code, "B%d%d", b, s);
            bench_check(crm_branch_add(db, code, "支行", parent), db, "branch");
        }
    }
    for (int i = 0; i < 6; i++) {
        crm_record *p;
        bench_check(crm_record_new(&p), NULL, "record");
        snprintf(code, sizeof code, "P%d", i);
        crm_record_set_text(p, "code", code);
        crm_record_set_text(p, "name", "产品");
        crm_record_set_text(p, "type", types[i]);
        crm_record_set_text(p, "risk_rating", "R1");
        bench_check(crm_product_add(db, p), db, "product");
        crm_record_free(p);
    }
    for (int i = 0; i < customers; i++) {
        crm_record *c;
        char no[16];
        bench_check(crm_record_new(&c), NULL, "record");
        snprintf(no, sizeof no, "C%07d", i);
        snprintf(code, sizeof code, "B%d%d", i % 4, (i / 4) % 3);
        crm_record_set_text(c, "customer_no", no);
        crm_record_set_text(c, "name", "王小明");
        crm_record_set_text(c, "branch", code);
        bench_check(crm_customer_create(db, c), db, "customer");
        crm_record_free(c);
        snprintf(code, sizeof code, "P%d", i % 6);
        bench_check(crm_holding_set(db, no, code, (int64_t)(bench_rand64() % 10000000)), db,
                    "holding");
    }
    bench_check(crm_db_commit(db), db, "commit");
}

static void sql_check(int rc, sqlite3 *sql, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        bench_die(what, sqlite3_errmsg(sql));
}

static void sql_exec(sqlite3 *sql, const char *text)
{
    sql_check(sqlite3_exec(sql, text, NULL, NULL, NULL), sql, text);
}

/* The ids of the rows `query` returns, in order, into ids (at most max). */
static int load_ids(sqlite3 *sql, const char *query, int64_t *ids, int max)
{
    sqlite3_stmt *st;
    int n = 0;
    sql_check(sqlite3_prepare_v2(sql, query, -1, &st, NULL), sql, query);
    while (n < max && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The indexes of crm_txn as the schema made them: dropped before the load,
 * built again from the same statements after it. */
static char **drop_txn_indexes(sqlite3 *sql, int *n)
{
    static char *saved[8];
    sqlite3_stmt *st;
    *n = 0;
    sql_check(sqlite3_prepare_v2(sql,
                                 "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                 " AND tbl_name = 'crm_txn' AND sql IS NOT NULL",
                                 -1, &st, NULL),
              sql, "list indexes");
    char drops[8][128];
    while (*n < 8 && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(drops[*n], sizeof drops[*n], "DROP INDEX \"%s\"", sqlite3_column_text(st, 0));
        saved[(*n)++] = strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++)
        sql_exec(sql, drops[i]);
    return saved;
}

/* Fixture, not measured: n transactions spread evenly over 2025-10-01 ..
 * 2026-11-01 (13 months) in time order, random customers, products and
 * amounts, written through a plain SQLite connection as the
 * rows crm_txn_add stores (customer and product ids resolved once; no alert
 * rules exist here). crm_txn_add checks and evaluates alert rules per row,
 * and crm_txn_import goes row by row through it: minutes at 10M rows, and
 * neither is what this bench measures. Runs in a child process so the
 * parent's peak RSS is the report's. */
static void load_transactions(const char *path, int customers, int64_t n)
{
    const int64_t start = 1759276800, span = 1793491200 - 1759276800;
    int64_t *cust = malloc(sizeof *cust * (size_t)customers), prod[6];
    sqlite3 *sql;
    sqlite3_stmt *st;
    if (!cust)
        bench_die("fixture", "out of memory");
    sql_check(sqlite3_open(path, &sql), sql, "open");
    sql_exec(sql, "PRAGMA synchronous = OFF");
    if (load_ids(sql, "SELECT id FROM crm_customer ORDER BY customer_no", cust, customers) !=
            customers ||
        load_ids(sql, "SELECT id FROM crm_product ORDER BY code", prod, 6) != 6)
        bench_die("fixture", "customers or products missing");
    int n_indexes;
    sql_exec(sql, "BEGIN");
    char **indexes = drop_txn_indexes(sql, &n_indexes);
    sql_check(sqlite3_prepare_v2(sql,
                                 "INSERT INTO crm_txn (customer_id, product_id, type, amount,"
                                 " channel, at) VALUES (?1, ?2, 'deposit', ?3, 'mobile', ?4)",
                                 -1, &st, NULL),
              sql, "prepare insert");
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = bench_rand64();
        sqlite3_bind_int64(st, 1, cust[r % (uint64_t)customers]);
        sqlite3_bind_int64(st, 2, prod[(r >> 20) % 6]);
        sqlite3_bind_int64(st, 3, (int64_t)((r >> 40) % 1000000) + 1);
        sqlite3_bind_int64(st, 4, start + span * i / n); /* a feed arrives in time order */
        sql_check(sqlite3_step(st), sql, "insert");
        sqlite3_reset(st);
        if (i % 1000000 == 999999) { /* commit in batches so the WAL is checkpointed */
            sql_exec(sql, "COMMIT");
            sql_exec(sql, "BEGIN");
        }
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n_indexes; i++) {
        sql_exec(sql, indexes[i]);
        free(indexes[i]);
    }
    sql_exec(sql, "COMMIT");
    sql_exec(sql, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(sql);
    free(cust);
}

static void add_transactions(const char *path, int customers, int64_t n)
{
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        bench_die("fixture", "fork failed");
    if (child == 0) {
        load_transactions(path, customers, n);
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("fixture", "the loading process failed");
}

static double report_seconds(crm_db *db, int64_t *rows, int64_t *volume)
{
    crm_record *p;
    crm_iter *it;
    const crm_record *r;
    bench_check(crm_record_new(&p), NULL, "record");
    crm_record_set_text(p, "period", "2026-10");
    double t0 = bench_now();
    bench_check(crm_report_run(&it, db, NULL, "business-statistics", p), db, "report");
    *rows = *volume = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        int64_t v = 0;
        crm_record_get_int(&v, r, "txn_volume");
        *volume += v;
        (*rows)++;
    }
    double s = bench_now() - t0;
    crm_iter_free(it);
    crm_record_free(p);
    return s;
}

/* The same numbers by hand: the holdings aggregate and the transaction
 * aggregate of each of the three months. */
static double raw_seconds(const char *path, int64_t *volume)
{
    static const char holdings[] =
        "SELECT b.code, p.type, count(*), sum(h.balance) FROM crm_holding h JOIN crm_customer c"
        " ON c.id = h.customer_id JOIN crm_branch b ON b.id = c.branch_id JOIN crm_product p ON"
        " p.id = h.product_id GROUP BY 1, 2";
    static const char txns[] =
        "SELECT b.code, p.type, count(*), sum(t.amount) FROM crm_txn t JOIN crm_customer c ON"
        " c.id = t.customer_id JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_product p"
        " ON p.id = t.product_id WHERE t.at >= ?1 AND t.at < ?2 GROUP BY 1, 2";
    static const int64_t months[3][2] = {
        {1790812800, 1793491200}, {1788220800, 1790812800}, {1759276800, 1761955200}};
    sqlite3 *sql;
    sqlite3_stmt *st;
    sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL);
    double t0 = bench_now();
    sqlite3_prepare_v2(sql, holdings, -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_finalize(st);
    *volume = 0;
    for (int m = 0; m < 3; m++) {
        sqlite3_prepare_v2(sql, txns, -1, &st, NULL);
        sqlite3_bind_int64(st, 1, months[m][0]);
        sqlite3_bind_int64(st, 2, months[m][1]);
        while (sqlite3_step(st) == SQLITE_ROW)
            if (m == 0)
                *volume += sqlite3_column_int64(st, 3);
        sqlite3_finalize(st);
    }
    double s = bench_now() - t0;
    sqlite3_close(sql);
    return s;
}

int main(void)
{
    int64_t n = (int64_t)(10000000 * bench_scale());
    int customers = n / 500 > 1000 ? (int)(n / 500) : 1000;
    char path[] = "/tmp/bench_report.XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = BENCH_KEY;
    crm_db *db;
    bench_check(crm_db_open(&db, path, &opts), NULL, "open");
    bench_check(crm_access_bootstrap(db, "HO", "总行", "admin", "管理员"), db, "bootstrap");
    bench_check(crm_db_set_actor(db, "admin"), db, "actor");
    setup_bank(db, customers);
    crm_db_close(db);
    double t0 = bench_now();
    add_transactions(path, customers, n);
    double load = bench_now() - t0;
    printf("bench_report: %lld transactions of %d customers loaded in %.1f s (fixture: raw SQL"
           " inserts, indexes rebuilt; not measured)\n",
           (long long)n, customers, load);
    bench_check(crm_db_open(&db, path, &opts), NULL, "reopen");
    bench_check(crm_db_set_actor(db, "admin"), db, "actor");
    int64_t rows, volume, raw_volume;
    report_seconds(db, &rows, &volume); /* warm the page cache, as the raw run will be */
    double raw = raw_seconds(path, &raw_volume);
    double crm = report_seconds(db, &rows, &volume);
    if (volume != raw_volume) {
        fprintf(stderr, "bench_report: volumes differ: %lld vs %lld\n", (long long)volume,
                (long long)raw_volume);
        return 1;
    }
    printf("  monthly business report: %lld rows, volume %lld fen\n", (long long)rows,
           (long long)volume);
    bench_report_time("  business-statistics 2026-10 (month, previous, last year)", crm,
                      "raw SQL aggregates", raw);
    printf("  report / raw SQL %.2fx (target <= 1.5x: %s)\n", crm / raw,
           crm <= 1.5 * raw ? "met" : "missed");
    printf("  peak RSS after the run %.1f MiB\n", bench_peak_rss_mib());
    t0 = bench_now();
    crm_record *p;
    bench_check(crm_record_new(&p), NULL, "record");
    crm_record_set_text(p, "period", "2026-10");
    char out[64];
    snprintf(out, sizeof out, "%s.pdf", path);
    bench_check(crm_report_write(db, NULL, "business-statistics", p, "pdf", out), db, "write");
    printf("  the same report as PDF with charts and detail: %.3f s\n", bench_now() - t0);
    crm_record_free(p);
    printf("  peak RSS after the PDF (pango, fontconfig, a CJK font) %.1f MiB\n",
           bench_peak_rss_mib());
    crm_db_close(db);
    remove(out);
    char side[64];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
    return 0;
}
