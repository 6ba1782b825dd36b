/* Concurrency: many sessions, each its own handle, on one database file.
 *
 * PROCESSES processes x THREADS threads (default 4 x 250 = 1,000 sessions)
 * each open their own crm_db on one WAL database and run a realistic mix for
 * SECONDS: exact lookups by customer number and by phone, combined searches,
 * name searches, optimistic updates (read the version, write with it; a
 * CRM_E_CONFLICT from a stale version is retried, as an application does),
 * small strict imports and transaction adds. Every other failure a caller
 * sees counts as an error: busy and locked waits belong inside the library.
 *
 * Lost updates: each update adds 1 fen to the annual income of one of 2,000
 * hot customers, which start at 0; at the end their incomes must sum to the
 * number of updates that returned CRM_OK. Imports and transaction adds are
 * counted the same way, and the database must pass the checks of
 * tests/fault/check.c (integrity, audit chain, consistency rules).
 *
 * usage: concurrency
 * env:   CRM_CONC_PROCESSES (4), CRM_CONC_THREADS (250 per process),
 *        CRM_CONC_SECONDS (20), CRM_CONC_CUSTOMERS (2000 to look up),
 *        CRM_CONC_THINK_MS (50: a session pauses 0..2x this between two
 *        operations, as a person at a screen does; 0: back to back). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "fault.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum op_kind { OP_GET, OP_PHONE, OP_SEARCH, OP_NAME, OP_UPDATE, OP_IMPORT, OP_TXN, OP_KINDS };
static const char *const op_names[OP_KINDS] = {"lookup_no", "lookup_phone", "search", "name_search",
                                               "update",    "import",       "txn_add"};
/* The mix, out of 100: mostly reads, as at a branch counter. */
static const int op_weight[OP_KINDS] = {30, 15, 10, 10, 20, 3, 12};

#define HOT_CUSTOMERS 2000
#define IMPORT_ROWS 3
#define BUCKETS 240 /* latency histogram: bucket i holds [1.1^i, 1.1^(i+1)) us */
#define SERIAL_SETUP 100000L
#define SERIAL_IMPORT 3000000L
#define SERIALS_PER_SESSION 5000L

/* Shared by every process (an anonymous shared mapping made before fork). */
typedef struct shared_stats {
    atomic_long ops[OP_KINDS], errors[OP_KINDS], hist[OP_KINDS][BUCKETS];
    atomic_long conflicts_retried, increments, imported_rows, txns_added;
    atomic_long sessions, messages_printed, max_rss_kb;
} shared_stats;

typedef struct config {
    int processes, threads, seconds, customers, think_ms;
    char dir[256], db_path[300];
} config;

static config cfg;
static shared_stats *stats;
static double deadline;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int env_int(const char *name, int fallback)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : fallback;
}

static uint64_t next_rand(uint64_t *s, uint64_t n)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (x * 0x2545F4914F6CDD1DULL) % n;
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊"};

/* ------------------------------------------------------------ session */

typedef struct session {
    int id; /* 0 .. sessions-1 */
    crm_db *db;
    uint64_t rng;
    long imports, txns;
    char csv[320];
} session;

static void report_error(session *s, enum op_kind kind, int rc)
{
    atomic_fetch_add(&stats->errors[kind], 1);
    if (atomic_fetch_add(&stats->messages_printed, 1) < 10)
        printf("concurrency: session %d: %s: %s: %s\n", s->id, op_names[kind], crm_errstr(rc),
               s->db ? crm_db_errmsg(s->db) : crm_last_errmsg());
}

static int drain(crm_iter *it)
{
    const crm_record *rec;
    int rc;
    while ((rc = crm_iter_next(&rec, it)) == CRM_OK)
        ;
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static void customer_no(char out[16], long i)
{
    snprintf(out, 16, "K%05ld", i);
}

static int op_get(session *s)
{
    char no[16];
    crm_record *r = NULL;
    customer_no(no, (long)next_rand(&s->rng, (uint64_t)cfg.customers));
    int rc = crm_customer_get(&r, s->db, no);
    crm_record_free(r);
    return rc;
}

static int op_phone(session *s)
{
    char phone[32];
    snprintf(phone, sizeof phone, "137%08ld",
             SERIAL_SETUP + (long)next_rand(&s->rng, (uint64_t)cfg.customers));
    crm_iter *it = NULL;
    int rc = crm_customer_find_by(&it, s->db, "phone", phone);
    return rc ? rc : drain(it);
}

/* name (2 characters) + risk level + assets, richest first, a page of 20 */
static int op_search(session *s, bool name_only)
{
    char name[16];
    snprintf(name, sizeof name, "%s%s", surnames[next_rand(&s->rng, 8)],
             given[next_rand(&s->rng, 8)]);
    crm_record *f = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&f);
    if (!rc)
        rc = crm_record_set_text(f, "name", name);
    if (!rc && !name_only) {
        static const char *const risks[] = {"C1", "C2", "C3", "C4", "C5"};
        rc = crm_record_set_text(f, "risk_level", risks[next_rand(&s->rng, 5)]);
        if (!rc)
            rc = crm_record_set_money(f, "assets_min", 1000000);
        if (!rc)
            rc = crm_record_set_text(f, "sort", "-total_assets");
    }
    if (!rc)
        rc = crm_record_set_int(f, "limit", 20);
    if (!rc)
        rc = crm_customer_search(&it, s->db, f);
    crm_record_free(f);
    return rc ? rc : drain(it);
}

/* One optimistic increment: read income and version, write income + 1 with
 * that version; a stale version means another session won: read again. */
static int op_update(session *s)
{
    char no[16];
    snprintf(no, sizeof no, "HOT%04d", (int)next_rand(&s->rng, HOT_CUSTOMERS));
    for (int attempt = 0; attempt < 10000; attempt++) {
        crm_record *got = NULL, *change = NULL;
        int64_t version = 0, income = 0;
        int rc = crm_customer_get(&got, s->db, no);
        if (!rc)
            rc = crm_record_get_int(&version, got, "version");
        if (!rc)
            rc = crm_record_get_int(&income, got, "annual_income");
        if (!rc)
            rc = crm_record_new(&change);
        if (!rc)
            rc = crm_record_set_money(change, "annual_income", income + 1);
        if (!rc)
            rc = crm_customer_update(s->db, no, change, version);
        crm_record_free(change);
        crm_record_free(got);
        if (rc != CRM_E_CONFLICT) {
            if (!rc)
                atomic_fetch_add(&stats->increments, 1);
            return rc;
        }
        atomic_fetch_add(&stats->conflicts_retried, 1);
    }
    return CRM_E_CONFLICT;
}

static int op_import(session *s)
{
    if (s->imports * IMPORT_ROWS >= SERIALS_PER_SESSION)
        return CRM_OK;
    FILE *f = fopen(s->csv, "wb");
    if (!f)
        return CRM_E_IO;
    fputs("customer_no,name,id_number,total_assets,risk_level,branch,manager\n", f);
    for (int i = 0; i < IMPORT_ROWS; i++) {
        char id[19];
        fault_id_number(id,
                        SERIAL_IMPORT + s->id * SERIALS_PER_SESSION + s->imports * IMPORT_ROWS + i);
        fprintf(f, "I%d-%ld-%d,%s%s,%s,%d.00,C3,BJ,rm1\n", s->id, s->imports, i,
                surnames[next_rand(&s->rng, 8)], given[next_rand(&s->rng, 8)], id,
                (int)next_rand(&s->rng, 900000));
    }
    if (fclose(f) != 0)
        return CRM_E_IO;
    s->imports++;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    int rc = crm_customer_import(&st, s->db, s->csv, NULL);
    if (!rc)
        atomic_fetch_add(&stats->imported_rows, st.inserted);
    return rc;
}

static int op_txn(session *s)
{
    static const char *const types[] = {"deposit", "withdrawal", "purchase", "card_spend"};
    char no[16], ref[48];
    customer_no(no, (long)next_rand(&s->rng, (uint64_t)cfg.customers));
    snprintf(ref, sizeof ref, "X%d-%ld", s->id, s->txns++);
    crm_record *t = NULL;
    int rc = crm_record_new(&t);
    if (!rc)
        rc = crm_record_set_text(t, "customer_no", no);
    if (!rc)
        rc = crm_record_set_text(t, "type", types[next_rand(&s->rng, 4)]);
    if (!rc)
        rc = crm_record_set_money(t, "amount", 100 + (int64_t)next_rand(&s->rng, 500000));
    if (!rc)
        rc = crm_record_set_text(t, "channel", "mobile");
    if (!rc)
        rc = crm_record_set_text(t, "ref", ref);
    if (!rc)
        rc = crm_txn_add(s->db, t);
    crm_record_free(t);
    if (!rc)
        atomic_fetch_add(&stats->txns_added, 1);
    return rc;
}

static int run_op(session *s, enum op_kind kind)
{
    switch (kind) {
    case OP_GET: return op_get(s);
    case OP_PHONE: return op_phone(s);
    case OP_SEARCH: return op_search(s, false);
    case OP_NAME: return op_search(s, true);
    case OP_UPDATE: return op_update(s);
    case OP_IMPORT: return op_import(s);
    default: return op_txn(s);
    }
}

static enum op_kind pick_op(session *s)
{
    int r = (int)next_rand(&s->rng, 100);
    for (int k = 0; k < OP_KINDS; k++) {
        if (r < op_weight[k])
            return (enum op_kind)k;
        r -= op_weight[k];
    }
    return OP_GET;
}

static void record_latency(enum op_kind kind, double seconds)
{
    double us = seconds * 1e6;
    int b = us < 1 ? 0 : (int)(log(us) / log(1.1));
    atomic_fetch_add(&stats->hist[kind][b < BUCKETS ? b : BUCKETS - 1], 1);
    atomic_fetch_add(&stats->ops[kind], 1);
}

/* A person reads the screen between two actions: 0 to 2 x THINK_MS. */
static void think(session *s)
{
    if (cfg.think_ms <= 0)
        return;
    long us = (long)next_rand(&s->rng, (uint64_t)cfg.think_ms * 2000 + 1);
    struct timespec pause = {us / 1000000, us % 1000000 * 1000};
    nanosleep(&pause, NULL);
}

static pthread_barrier_t start_line;

static void *session_main(void *arg)
{
    session *s = arg;
    int rc = fault_open(&s->db, cfg.db_path);
    if (!rc && (rc = crm_db_set_actor(s->db, "admin")) != CRM_OK) {
        crm_db_close(s->db);
        s->db = NULL;
    }
    if (rc)
        report_error(s, OP_GET, rc);
    else
        atomic_fetch_add(&stats->sessions, 1);
    /* every session of the process is open before the clock starts */
    if (pthread_barrier_wait(&start_line) == PTHREAD_BARRIER_SERIAL_THREAD)
        deadline = now_s() + cfg.seconds;
    pthread_barrier_wait(&start_line);
    while (s->db && now_s() < deadline) {
        enum op_kind kind = pick_op(s);
        double t0 = now_s();
        rc = run_op(s, kind);
        record_latency(kind, now_s() - t0);
        if (rc)
            report_error(s, kind, rc);
        think(s);
    }
    crm_db_close(s->db);
    return NULL;
}

/* One process: THREADS sessions. */
static int run_process(int p)
{
    pthread_t *threads = calloc((size_t)cfg.threads, sizeof *threads);
    session *sessions = calloc((size_t)cfg.threads, sizeof *sessions);
    pthread_attr_t attr;
    if (!threads || !sessions || pthread_attr_init(&attr) != 0 ||
        pthread_attr_setstacksize(&attr, 1u << 20) != 0 ||
        pthread_barrier_init(&start_line, NULL, (unsigned)cfg.threads) != 0)
        return 2;
    for (int t = 0; t < cfg.threads; t++) {
        session *s = &sessions[t];
        s->id = p * cfg.threads + t;
        s->rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(s->id + 1) | 1;
        snprintf(s->csv, sizeof s->csv, "%s/import-%d.csv", cfg.dir, s->id);
        if (pthread_create(&threads[t], &attr, session_main, s) != 0) {
            fprintf(stderr, "concurrency: cannot start thread %d of process %d\n", t, p);
            return 2;
        }
    }
    for (int t = 0; t < cfg.threads; t++)
        pthread_join(threads[t], NULL);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss = ru.ru_maxrss, seen = atomic_load(&stats->max_rss_kb);
    while (rss > seen && !atomic_compare_exchange_weak(&stats->max_rss_kb, &seen, rss))
        ;
    free(threads);
    free(sessions);
    fflush(stdout); /* the process ends with _exit */
    return 0;
}

/* ------------------------------------------------------------- set-up */

/* The template of the failure tests plus CUSTOMERS customers to look up
 * (K00000..) and HOT_CUSTOMERS hot ones (HOT0000..) with an income of 0. */
static int create_database(void)
{
    char csv[320];
    snprintf(csv, sizeof csv, "%s/customers.csv", cfg.dir);
    FILE *f = fopen(csv, "wb");
    if (!f || fault_template_create(cfg.db_path) != CRM_OK)
        return 2;
    fputs("customer_no,name,id_number,phone,total_assets,annual_income,risk_level,branch,manager\n",
          f);
    uint64_t rng = 12345;
    for (long i = 0; i < cfg.customers + HOT_CUSTOMERS; i++) {
        char id[19], no[16];
        long serial = SERIAL_SETUP + i;
        fault_id_number(id, serial);
        if (i < cfg.customers)
            customer_no(no, i);
        else
            snprintf(no, sizeof no, "HOT%04ld", i - cfg.customers);
        fprintf(f, "%s,%s%s,%s,137%08ld,%d.00,0,C%d,BJ,%s\n", no, surnames[next_rand(&rng, 8)],
                given[next_rand(&rng, 8)], id, serial, (int)next_rand(&rng, 5000000),
                1 + (int)next_rand(&rng, 5), next_rand(&rng, 2) ? "rm1" : "");
    }
    if (fclose(f) != 0)
        return 2;
    crm_db *db = NULL;
    crm_import_stats st = CRM_IMPORT_STATS_INIT;
    int rc = fault_open(&db, cfg.db_path);
    if (!rc)
        rc = crm_db_set_actor(db, "admin");
    if (!rc)
        rc = crm_customer_import(&st, db, csv, NULL);
    if (rc)
        fprintf(stderr, "concurrency: set-up: %s\n", db ? crm_db_errmsg(db) : crm_last_errmsg());
    crm_db_close(db);
    return rc ? 2 : 0;
}

/* ------------------------------------------------------------- results */

static int64_t query_int(sqlite3 *sql, const char *q)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Writes that returned CRM_OK but are not in the database. */
static long lost_writes(void)
{
    sqlite3 *sql;
    long lost = 0;
    if (sqlite3_open_v2(cfg.db_path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
    int64_t income = query_int(
        sql, "SELECT total(annual_income) FROM crm_customer WHERE customer_no GLOB 'HOT*'");
    int64_t imported =
        query_int(sql, "SELECT count(*) FROM crm_customer WHERE customer_no GLOB 'I*'");
    int64_t txns = query_int(sql, "SELECT count(*) FROM crm_txn WHERE ref GLOB 'X*'");
    sqlite3_close(sql);
    long increments = atomic_load(&stats->increments);
    if (income != increments) {
        printf("concurrency: lost updates: %ld increments returned CRM_OK, incomes sum to %lld\n",
               increments, (long long)income);
        lost += labs(increments - (long)income);
    }
    if (imported != atomic_load(&stats->imported_rows) || txns != atomic_load(&stats->txns_added)) {
        printf("concurrency: lost writes: %ld imported rows and %ld transactions returned CRM_OK, "
               "%lld and %lld stored\n",
               atomic_load(&stats->imported_rows), atomic_load(&stats->txns_added),
               (long long)imported, (long long)txns);
        lost++;
    }
    return lost;
}

/* The upper bound of the bucket holding the q-quantile, in ms. */
static double percentile_ms(const long *hist, long total, double q)
{
    long want = (long)ceil(q * (double)total), seen = 0;
    for (int b = 0; b < BUCKETS; b++)
        if ((seen += hist[b]) >= want && want > 0)
            return pow(1.1, b + 1) / 1000;
    return 0;
}

static void print_line(const char *what, const long *hist, long ops, long errors, long lost)
{
    printf("concurrency: %s: %d sessions, %d processes, ops %ld, errors %ld, lost updates %ld, "
           "p50 %.2f ms, p99 %.2f ms\n",
           what, cfg.processes * cfg.threads, cfg.processes, ops, errors, lost,
           percentile_ms(hist, ops, 0.50), percentile_ms(hist, ops, 0.99));
}

static long print_results(long lost)
{
    long all_hist[BUCKETS] = {0}, all_ops = 0, all_errors = 0;
    for (int k = 0; k < OP_KINDS; k++) {
        long hist[BUCKETS];
        for (int b = 0; b < BUCKETS; b++)
            all_hist[b] += hist[b] = atomic_load(&stats->hist[k][b]);
        long ops = atomic_load(&stats->ops[k]), errors = atomic_load(&stats->errors[k]);
        all_ops += ops;
        all_errors += errors;
        print_line(op_names[k], hist, ops, errors, k == OP_UPDATE ? lost : 0);
    }
    print_line("all", all_hist, all_ops, all_errors, lost);
    printf("concurrency: %ld sessions opened, %ld stale versions retried, %ld increments, %.0f "
           "ops/s over %d s, think time 0..%d ms, peak RSS per process %ld MB\n",
           atomic_load(&stats->sessions), atomic_load(&stats->conflicts_retried),
           atomic_load(&stats->increments), (double)all_ops / cfg.seconds, cfg.seconds,
           2 * cfg.think_ms, atomic_load(&stats->max_rss_kb) / 1024);
    return all_errors;
}

int main(void)
{
    cfg.processes = env_int("CRM_CONC_PROCESSES", 4);
    cfg.threads = env_int("CRM_CONC_THREADS", 250);
    cfg.seconds = env_int("CRM_CONC_SECONDS", 20);
    cfg.customers = env_int("CRM_CONC_CUSTOMERS", 2000);
    cfg.think_ms = env_int("CRM_CONC_THINK_MS", 50);
    if (cfg.processes < 1 || cfg.threads < 1 || cfg.seconds < 1 || cfg.customers < 1 ||
        (long)cfg.processes * cfg.threads * SERIALS_PER_SESSION + SERIAL_IMPORT > 16000000L ||
        cfg.customers > 1000000) {
        fprintf(stderr, "concurrency: bad CRM_CONC_* settings (sessions at most 2,600)\n");
        return 2;
    }
    snprintf(cfg.dir, sizeof cfg.dir, "/tmp/crm-conc-XXXXXX");
    if (!mkdtemp(cfg.dir))
        return 2;
    snprintf(cfg.db_path, sizeof cfg.db_path, "%s/crm.db", cfg.dir);
    stats = mmap(NULL, sizeof *stats, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stats == MAP_FAILED || create_database() != 0)
        return 2;
    fflush(stdout);
    pid_t *pids = calloc((size_t)cfg.processes, sizeof *pids);
    for (int p = 0; p < cfg.processes; p++) {
        if ((pids[p] = fork()) == 0)
            _exit(run_process(p));
        if (pids[p] < 0)
            return 2;
    }
    long failures = 0;
    for (int p = 0; p < cfg.processes; p++) {
        int status;
        while (waitpid(pids[p], &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("concurrency: process %d ended with status %d\n", p, status);
            failures++;
        }
    }
    free(pids);
    failures += fault_check_db(cfg.db_path, "concurrency: after the run", NULL);
    long lost = lost_writes();
    failures += print_results(lost) + lost;
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cfg.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "concurrency: could not remove %s\n", cfg.dir);
    return failures ? 1 : 0;
}
