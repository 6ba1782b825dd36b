/* Crash safety: kill -9 a writer at random points, then check the database.
 *
 * Each cycle forks a child that opens the database and runs the workload of
 * workload.c (imports, creates, updates, transactions) until the parent
 * SIGKILLs it after a random delay (seeded). The child logs each write
 * before it starts and after it returned CRM_OK (crash.h). After each kill
 * the parent checks, with the shared helpers of tests/fault/check.c:
 *  - the database opens (the library replays the WAL) and the audit chain
 *    verifies (fault_check_audit);
 *  - PRAGMA integrity_check, foreign_key_check and every consistency rule
 *    of the failure tests hold: no record written by halves
 *    (fault_check_store);
 *  - every committed write of every cycle so far is there with all its
 *    rows (else: lost), none is there twice (duplicated), and the write the
 *    kill interrupted is there entirely or not at all (half-present; skip
 *    mode imports: a prefix of whole rows).
 *
 * usage: crash [CYCLES]
 * env:   CRM_CRASH_CYCLES (default 100), CRM_CRASH_SEED (default 1),
 *        CRM_CRASH_MAX_DELAY_US (default 300000: the kill lands 2 ms to
 *        302 ms after the fork), CRM_CRASH_KEEP=1 keeps the work directory,
 *        CRM_CRASH_VERBOSE=1 prints one line per cycle. */
#include "crash.h"
#include "fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : fallback;
}

/* ------------------------------------------------------------- child */

static const crash_scenario *pick_scenario(crash_child *c)
{
    unsigned total = 0;
    for (int i = 0; i < crash_scenario_count; i++)
        total += crash_scenarios[i].weight;
    uint64_t r = crash_rand(&c->rng, total);
    for (int i = 0; i < crash_scenario_count; i++) {
        if (r < crash_scenarios[i].weight)
            return &crash_scenarios[i];
        r -= crash_scenarios[i].weight;
    }
    return &crash_scenarios[0];
}

/* Writes until killed. A call that fails ends the child with status 3:
 * nothing in the workload may fail, so the parent reports it. */
static void run_child(const char *db_path, const char *log_path, const char *dir, int cycle,
                      uint64_t seed)
{
    crash_child c = {.dir = dir, .cycle = cycle};
    c.rng = (seed ^ ((uint64_t)cycle * 0x9E3779B97F4A7C15ULL)) | 1;
    c.serial = CRASH_SERIAL_BASE + cycle * CRASH_SERIALS_PER_CYCLE;
    static const char *const template_customers[] = {"T001", "T002", "T003"};
    for (int i = 0; i < 3; i++)
        snprintf(c.known[c.n_known++], sizeof c.known[0], "%s", template_customers[i]);
    c.log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (c.log_fd < 0 || fault_open(&c.db, db_path) != CRM_OK ||
        crm_db_set_actor(c.db, "admin") != CRM_OK) {
        fprintf(stderr, "crash child %d: cannot start: %s\n", cycle, crm_last_errmsg());
        _exit(3);
    }
    if (crash_send_setup(&c) != CRM_OK) {
        fprintf(stderr, "crash child %d: send set-up failed: %s\n", cycle, crm_db_errmsg(c.db));
        _exit(3);
    }
    for (;;) {
        const crash_scenario *s = pick_scenario(&c);
        int rc = s->run(&c, s);
        if (rc != CRM_OK) {
            fprintf(stderr, "crash child %d: scenario %s failed: %s (%s)\n", cycle, s->name,
                    crm_errstr(rc), crm_db_errmsg(c.db));
            _exit(3);
        }
    }
}

/* ------------------------------------------------------- log checking */

typedef struct log_entry {
    char state;
    char scenario[32];
    char key[64];
    long long arg, expect, step;
} log_entry;

typedef struct tally {
    long committed;      /* committed writes checked (all cycles, last check) */
    long lost;           /* committed writes missing rows */
    long duplicated;     /* writes with more rows than they made */
    long half;           /* interrupted writes present by halves */
    long inflight;       /* writes the kill interrupted (over all cycles) */
    long inflight_found; /* ... of which the commit had happened */
} tally;

static const crash_scenario *scenario_named(const char *name)
{
    for (int i = 0; i < crash_scenario_count; i++)
        if (strcmp(crash_scenarios[i].name, name) == 0)
            return &crash_scenarios[i];
    return NULL;
}

/* How many rows the database holds under a logged key; -1 on error.
 * `counts` holds each scenario's prepared count_sql. */
static long long count_rows(sqlite3_stmt **counts, const log_entry *e)
{
    const crash_scenario *s = scenario_named(e->scenario);
    sqlite3_stmt *st = s ? counts[s - crash_scenarios] : NULL;
    if (!st)
        return -1;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, e->key, -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, e->arg);
    return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
}

static int parse_line(log_entry *e, const char *line)
{
    return sscanf(line, "%c %31s %63s %lld %lld %lld", &e->state, e->scenario, e->key, &e->arg,
                  &e->expect, &e->step) == 6
               ? 0
               : -1;
}

/* Judges one logged write: `committed` when its 'C' line follows. */
static void judge(tally *t, sqlite3_stmt **counts, const log_entry *e, bool committed,
                  bool this_cycle, const char *label)
{
    long long n = count_rows(counts, e);
    if (n < 0) {
        printf("%s: %s %s: cannot count its rows\n", label, e->scenario, e->key);
        t->lost++;
        return;
    }
    if (committed) {
        t->committed++;
        if (n < e->expect) {
            printf("%s: lost: %s %s has %lld of its %lld rows\n", label, e->scenario, e->key, n,
                   e->expect);
            t->lost++;
        }
    } else if (n < e->expect && n % e->step != 0) {
        printf("%s: half-present: interrupted %s %s has %lld of %lld rows\n", label, e->scenario,
               e->key, n, e->expect);
        t->half++;
    }
    if (n > e->expect) {
        printf("%s: duplicated: %s %s has %lld rows, made %lld\n", label, e->scenario, e->key, n,
               e->expect);
        t->duplicated++;
    }
    if (!committed && this_cycle) {
        t->inflight++;
        t->inflight_found += n == e->expect;
    }
}

/* Checks every write logged so far against the database at `db_path`.
 * Lines of earlier cycles are checked again: a later crash must not lose
 * them either. `first_new` is the log offset where this cycle's lines start. */
static void check_log(tally *t, const char *db_path, const char *log_path, long first_new,
                      const char *label)
{
    sqlite3 *sql;
    FILE *f = fopen(log_path, "r");
    if (sqlite3_open_v2(db_path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK || !f) {
        printf("%s: cannot read the database or the log\n", label);
        t->lost++;
        sqlite3_close(sql);
        if (f)
            fclose(f);
        return;
    }
    t->committed = 0;
    sqlite3_stmt *counts[64] = {0};
    for (int i = 0; i < crash_scenario_count && i < 64; i++)
        if (sqlite3_prepare_v2(sql, crash_scenarios[i].count_sql, -1, &counts[i], NULL) !=
            SQLITE_OK)
            printf("%s: scenario %s: count_sql: %s\n", label, crash_scenarios[i].name,
                   sqlite3_errmsg(sql));
    char line[256];
    log_entry pending = {0};
    bool have_pending = false, pending_new = false;
    for (long at = ftell(f); fgets(line, sizeof line, f); at = ftell(f)) {
        log_entry e;
        if (!strchr(line, '\n') || parse_line(&e, line) != 0)
            continue; /* cannot happen with one write() a line; ignored */
        bool committed = have_pending && e.state == 'C' && strcmp(e.key, pending.key) == 0 &&
                         e.arg == pending.arg;
        if (have_pending)
            judge(t, counts, &pending, committed, pending_new, label);
        have_pending = e.state == 'P';
        pending = e;
        pending_new = at >= first_new;
    }
    if (have_pending)
        judge(t, counts, &pending, false, pending_new, label);
    fclose(f);
    for (int i = 0; i < 64; i++)
        sqlite3_finalize(counts[i]);
    sqlite3_close(sql);
}

/* Rows that exist twice although no logged key shows it. */
static long global_duplicates(const char *db_path, const char *label)
{
    static const char sql_dup_ids[] =
        "SELECT count(*) FROM (SELECT id_number_idx FROM crm_customer"
        " WHERE id_number_idx IS NOT NULL GROUP BY id_number_idx HAVING count(*) > 1)";
    sqlite3 *sql;
    sqlite3_stmt *st = NULL;
    long n = 1;
    if (sqlite3_open_v2(db_path, &sql, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(sql, sql_dup_ids, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    if (n)
        printf("%s: %ld ID numbers held by two customers\n", label, n);
    sqlite3_finalize(st);
    sqlite3_close(sql);
    return n;
}

/* The file channel against the outbox: every message recorded sent has its
 * spool file, every spool file is a message recorded sent or one in flight
 * (handed to the channel, the kill before its recording: still queued, the
 * next cycle's restart sends it again into the same file), and no key is
 * recorded sent twice. Spool names are the keys with ':' written '_'. */
static long spool_check(const char *db_path, const char *dir, const char *label, long *inflight)
{
    static const char sql_state[] =
        "SELECT state FROM crm_outbox WHERE replace(idem_key, ':', '_') || '.msg' = ?1";
    static const char sql_sent[] =
        "SELECT count(*), count(DISTINCT idem_key) FROM crm_outbox WHERE state = 'sent'";
    char spool[600];
    snprintf(spool, sizeof spool, "%s/spool", dir);
    sqlite3 *sql;
    sqlite3_stmt *st = NULL;
    long bad = 0, files_sent = 0, in_flight = 0;
    if (sqlite3_open_v2(db_path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(sql, sql_state, -1, &st, NULL) != SQLITE_OK) {
        printf("%s: cannot read the outbox\n", label);
        sqlite3_close(sql);
        return 1;
    }
    DIR *d = opendir(spool);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strstr(e->d_name, ".msg"))
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, e->d_name, -1, SQLITE_TRANSIENT);
        const char *state =
            sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "missing";
        if (strcmp(state, "sent") == 0)
            files_sent++;
        else if (strcmp(state, "queued") == 0)
            in_flight++;
        else {
            printf("%s: spool file %s of a message %s\n", label, e->d_name, state);
            bad++;
        }
    }
    if (d)
        closedir(d);
    sqlite3_finalize(st);
    long sent = -1, distinct = -1;
    if (sqlite3_prepare_v2(sql, sql_sent, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        sent = (long)sqlite3_column_int64(st, 0);
        distinct = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(sql);
    if (sent != distinct || sent != files_sent) {
        printf("%s: %ld messages recorded sent (%ld keys), %ld with a spool file\n", label, sent,
               distinct, files_sent);
        bad++;
    }
    *inflight += in_flight;
    return bad;
}

/* ------------------------------------------------------------- parent */

static long file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    long cycles = argc > 1 ? atol(argv[1]) : env_long("CRM_CRASH_CYCLES", 100);
    uint64_t seed = (uint64_t)env_long("CRM_CRASH_SEED", 1);
    long max_delay = env_long("CRM_CRASH_MAX_DELAY_US", 300000);
    bool verbose = getenv("CRM_CRASH_VERBOSE") != NULL;
    if (cycles < 1 || max_delay < 1 ||
        CRASH_SERIAL_BASE + (cycles + 1) * CRASH_SERIALS_PER_CYCLE > 10000000L) {
        fprintf(stderr, "crash: CYCLES 1..%ld, CRM_CRASH_MAX_DELAY_US >= 1\n",
                (10000000L - CRASH_SERIAL_BASE) / CRASH_SERIALS_PER_CYCLE - 1);
        return 2;
    }
    char dir_template[] = "/tmp/crm-crash-XXXXXX";
    char *dir = mkdtemp(dir_template);
    if (!dir) {
        perror("mkdtemp");
        return 2;
    }
    char db_path[512], log_path[512], label[64];
    snprintf(db_path, sizeof db_path, "%s/crm.db", dir);
    snprintf(log_path, sizeof log_path, "%s/committed.log", dir);
    if (fault_template_create(db_path) != CRM_OK)
        return 2;

    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL | 1;
    tally t = {0};
    long integrity = 0, audit = 0, child_failures = 0, finished_early = 0, global_dup = 0;
    long spool_bad = 0, spool_inflight = 0;
    int64_t entries = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int cycle = 1; cycle <= cycles; cycle++) {
        long delay = 2000 + (long)crash_rand(&rng, (uint64_t)max_delay);
        long first_new = file_size(log_path);
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0)
            run_child(db_path, log_path, dir, cycle, seed);
        struct timespec pause = {delay / 1000000, delay % 1000000 * 1000};
        while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
            ;
        kill(pid, SIGKILL);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        double reaped = seconds_since(&t0);
        snprintf(label, sizeof label, "crash: cycle %d (kill after %ld us)", cycle, delay);
        if (!WIFSIGNALED(status)) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                finished_early++;
            } else {
                printf("%s: the writer failed on its own (status %d)\n", label, status);
                child_failures++;
            }
        }
        audit += fault_check_audit(db_path, label, &entries);
        integrity += fault_check_store(db_path, label);
        long inflight = t.inflight;
        check_log(&t, db_path, log_path, first_new, label);
        global_dup += global_duplicates(db_path, label);
        spool_bad += spool_check(db_path, dir, label, &spool_inflight);
        if (verbose)
            printf("%s: %ld writes committed so far, %s, audit chain %lld entries, checks "
                   "%.0f ms\n",
                   label, t.committed,
                   t.inflight > inflight ? "one interrupted" : "none interrupted",
                   (long long)entries, (seconds_since(&t0) - reaped) * 1000);
        fflush(stdout);
    }
    double secs = seconds_since(&t0);
    t.duplicated += global_dup;
    printf("crash: %ld cycles, %ld integrity failures, %ld audit failures, %ld lost, %ld "
           "duplicated\n",
           cycles, integrity, audit, t.lost, t.duplicated);
    printf("crash: %ld committed writes checked after the last kill, %ld writes interrupted by a "
           "kill (%ld had committed, %ld had not), %ld half-present, %ld writer failures, "
           "%lld audit entries; seed %llu, kill after 2..%ld ms, %.1f s\n",
           t.committed, t.inflight, t.inflight_found, t.inflight - t.inflight_found, t.half,
           child_failures, (long long)entries, (unsigned long long)seed, (2000 + max_delay) / 1000,
           secs);
    printf("crash: send: %ld spool mismatches; after the kills %ld spool files were of messages "
           "in flight (sent again by the next cycle's restart)\n",
           spool_bad, spool_inflight);
    if (finished_early)
        printf("crash: %ld writers ran out of keys before the kill\n", finished_early);
    long failures = integrity + audit + t.lost + t.duplicated + t.half + child_failures + spool_bad;
    if (getenv("CRM_CRASH_KEEP"))
        printf("crash: work directory kept: %s\n", dir);
    else {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "crash: could not remove %s\n", dir);
    }
    return failures ? 1 : 0;
}
