/* The monthly business report (business-statistics: the month, the month
 * before and the same month last year, by sub-branch and product type) over
 * N generated transactions (10M at CRM_BENCH_SCALE=1), beside the raw SQL
 * aggregates over the same database in the same run, and the peak RSS.
 * Transactions go in through crm_txn_add in one host transaction (the
 * library's bulk path, indexes as the schema builds them). */
#include "benchutil.h"

#include <crm.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
        bench_check(crm_holding_set(db, no, code, (int64_t)(bench_rand64() % 10000000)), db, "holding");
    }
    bench_check(crm_db_commit(db), db, "commit");
}

/* Transactions spread over 2025-10-01 .. 2026-11-01 (13 months). */
static void add_transactions(crm_db *db, int customers, int64_t n)
{
    const int64_t start = 1759276800, span = 1793491200 - 1759276800;
    crm_record *t;
    bench_check(crm_record_new(&t), NULL, "record");
    bench_check(crm_db_begin(db), db, "begin");
    for (int64_t i = 0; i < n; i++) {
        char no[16], product[8], at[32];
        uint64_t r = bench_rand64();
        snprintf(no, sizeof no, "C%07d", (int)(r % (uint64_t)customers));
        snprintf(product, sizeof product, "P%d", (int)((r >> 20) % 6));
        crm_time_format(at, sizeof at, start + (int64_t)((r >> 24) % (uint64_t)span));
        crm_record_set_text(t, "customer_no", no);
        crm_record_set_text(t, "product_code", product);
        crm_record_set_text(t, "type", "deposit");
        crm_record_set_money(t, "amount", (int64_t)((r >> 40) % 1000000) + 1);
        crm_record_set_text(t, "channel", "mobile");
        crm_record_set_text(t, "time", at);
        bench_check(crm_txn_add(db, t), db, "txn");
    }
    bench_check(crm_db_commit(db), db, "commit");
    crm_record_free(t);
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
    double t0 = bench_now();
    add_transactions(db, customers, n);
    double load = bench_now() - t0;
    printf("bench_report: %lld transactions of %d customers loaded in %.1f s (%.0f/s)\n",
           (long long)n, customers, load, (double)n / load);
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
    printf("  peak RSS after the PDF (pango, fontconfig, a CJK font) %.1f MiB\n", bench_peak_rss_mib());
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
