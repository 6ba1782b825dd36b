/* The failure-injection loop and the consistency rules (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const unsigned char FAULT_KEY[32] = {
    0x3c, 0x11, 0x8e, 0x42, 0x97, 0x0a, 0x5d, 0xe3, 0x21, 0x6f, 0xb4, 0x08, 0xc9, 0x73, 0x1e, 0x55,
    0xaa, 0x02, 0x64, 0xd8, 0x39, 0x7b, 0x90, 0xef, 0x13, 0x46, 0x85, 0xcc, 0x2a, 0x5e, 0x71, 0x9f};

static int64_t fixed_clock(void *payload)
{
    (void)payload;
    return 1795000000; /* 2026-11-18 */
}

int fault_open(crm_db **out, const char *path)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = FAULT_KEY;
    opts.clock = fixed_clock;
    *out = NULL;
    return crm_db_open(out, path, &opts);
}

void fault_id_number(char out[19], long serial)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    /* Beijing Dongcheng; the birth date in mixed radix of serial / 1000
     * (50 years x 12 months x 28 days), the sequence serial % 1000 */
    long days = serial / 1000;
    unsigned year = 1950 + (unsigned)(days % 50), month = 1 + (unsigned)(days / 50 % 12),
             mday = 1 + (unsigned)(days / 600 % 28), seq = (unsigned)(serial % 1000);
    char text[32];
    snprintf(text, sizeof text, "110101%04u%02u%02u%03u", year % 10000, month % 100, mday % 100,
             seq % 1000);
    memcpy(out, text, 17);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (out[i] - '0') * weight[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

void fault_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

/* ------------------------------------------------------------ consistency */

/* Each rule is a query counting the rows that break it. A record written by
 * halves (a customer without its key row, name pieces or audit entry, an
 * audit entry for a customer that does not exist, a version that does not
 * match its update entries) shows up here. New modules add rows. */
static const struct {
    const char *what;
    const char *sql;
} rules[] = {
    {"alert of no transaction", "SELECT count(*) FROM crm_alert a WHERE NOT EXISTS (SELECT 1 FROM "
                                "crm_txn t WHERE t.id = a.txn_id)"},
    {"complaint without its open event",
     "SELECT count(*) FROM crm_complaint c WHERE NOT EXISTS (SELECT 1 FROM crm_audit a"
     " WHERE a.action = 'complaint.open' AND a.entity_id = c.ticket_no)"},
    {"customer without its key row",
     "SELECT count(*) FROM crm_customer c WHERE c.status <> 'purged'"
     " AND NOT EXISTS (SELECT 1 FROM crm_customer_key k WHERE k.customer_id = c.id)"},
    {"key row without its customer",
     "SELECT count(*) FROM crm_customer_key k"
     " WHERE NOT EXISTS (SELECT 1 FROM crm_customer c WHERE c.id = k.customer_id)"},
    {"customer without name pieces",
     "SELECT count(*) FROM crm_customer c WHERE c.status <> 'purged'"
     " AND NOT EXISTS (SELECT 1 FROM crm_customer_name_gram g WHERE g.customer_id = c.id)"},
    {"name pieces of no customer",
     "SELECT count(*) FROM crm_customer_name_gram g"
     " WHERE NOT EXISTS (SELECT 1 FROM crm_customer c WHERE c.id = g.customer_id)"},
    {"customer without a customer.create audit entry",
     "SELECT count(*) FROM crm_customer c WHERE NOT EXISTS (SELECT 1 FROM crm_audit a"
     " WHERE a.action = 'customer.create' AND a.entity_id = c.customer_no)"},
    {"customer.create audit entry without its customer",
     "SELECT count(*) FROM crm_audit a WHERE a.action = 'customer.create' AND NOT EXISTS"
     " (SELECT 1 FROM crm_customer c WHERE c.customer_no = a.entity_id)"},
    {"customer created twice in the audit log",
     "SELECT count(*) FROM (SELECT entity_id FROM crm_audit WHERE action = 'customer.create'"
     " GROUP BY entity_id HAVING count(*) > 1)"},
    {"customer version not 1 + its audited changes",
     "SELECT count(*) FROM crm_customer c WHERE c.version <> 1 + (SELECT count(*) FROM"
     " crm_audit a WHERE a.entity = 'customer' AND a.entity_id = c.customer_no AND a.action IN"
     " ('customer.update', 'customer.delete_request', 'customer.delete_approve',"
     " 'customer.purge', 'customer.assign'))"},
    {"product without a product.add audit entry",
     "SELECT count(*) FROM crm_product p WHERE NOT EXISTS (SELECT 1 FROM crm_audit a"
     " WHERE a.action = 'product.add' AND a.entity_id = p.code)"},
    {"product.add audit entry without its product",
     "SELECT count(*) FROM crm_audit a WHERE a.action = 'product.add' AND NOT EXISTS"
     " (SELECT 1 FROM crm_product p WHERE p.code = a.entity_id)"},
    {"holding without a holding.set audit entry",
     "SELECT count(*) FROM crm_holding h JOIN crm_customer c ON c.id = h.customer_id"
     " WHERE NOT EXISTS (SELECT 1 FROM crm_audit a WHERE a.action = 'holding.set'"
     " AND a.entity_id = c.customer_no)"},
    {"branch without a branch.add audit entry (head office aside)",
     "SELECT count(*) FROM crm_branch b WHERE b.parent_id IS NOT NULL AND NOT EXISTS"
     " (SELECT 1 FROM crm_audit a WHERE a.action = 'branch.add' AND a.entity_id = b.code)"},
    {"branch.add audit entry without its branch",
     "SELECT count(*) FROM crm_audit a WHERE a.action = 'branch.add' AND NOT EXISTS"
     " (SELECT 1 FROM crm_branch b WHERE b.code = a.entity_id)"},
    {"user.add audit entry without its user",
     "SELECT count(*) FROM crm_audit a WHERE a.action = 'user.add' AND NOT EXISTS"
     " (SELECT 1 FROM crm_user u WHERE u.name = a.entity_id)"},
    {"audit sequence with a gap",
     "SELECT count(*) FROM crm_audit WHERE seq > 1 AND seq - 1 NOT IN (SELECT seq FROM crm_audit)"},
};

static int count_violations(sqlite3 *sql, const char *label)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(sql, rules[i].sql, -1, &st, NULL) != SQLITE_OK) {
            printf("%s: rule '%s' does not run: %s\n", label, rules[i].what, sqlite3_errmsg(sql));
            bad++;
            continue;
        }
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) != 0) {
            printf("%s: %lld %s\n", label, (long long)sqlite3_column_int64(st, 0), rules[i].what);
            bad++;
        }
        sqlite3_finalize(st);
    }
    return bad;
}

/* The first column of each row of a check pragma; `ok_row` is the row of a
 * passing integrity_check (NULL: any row is a failure). */
static int pragma_failures(sqlite3 *sql, const char *pragma, const char *ok_row, const char *label)
{
    sqlite3_stmt *st;
    int bad = 0;
    if (sqlite3_prepare_v2(sql, pragma, -1, &st, NULL) != SQLITE_OK) {
        printf("%s: %s: %s\n", label, pragma, sqlite3_errmsg(sql));
        return 1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(st, 0);
        if (!ok_row || !row || strcmp(row, ok_row) != 0) {
            printf("%s: %s: %s\n", label, pragma, row ? row : "(null)");
            bad++;
        }
    }
    sqlite3_finalize(st);
    return bad;
}

static int check_sql(const char *path, const char *label)
{
    sqlite3 *sql;
    int bad = 0;
    if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        printf("%s: sqlite cannot open %s: %s\n", label, path, sqlite3_errmsg(sql));
        sqlite3_close(sql);
        return 1;
    }
    bad += pragma_failures(sql, "PRAGMA integrity_check", "ok", label);
    bad += pragma_failures(sql, "PRAGMA foreign_key_check", NULL, label);
    bad += count_violations(sql, label);
    sqlite3_close(sql);
    return bad;
}

int fault_check_db(const char *path, const char *label, int64_t *audit_entries)
{
    crm_db *db;
    int rc = fault_open(&db, path);
    if (rc) {
        printf("%s: reopen failed: %s\n", label, crm_last_errmsg());
        return 1;
    }
    int bad = 0;
    int64_t entries = 0, first_bad = 0;
    if ((rc = crm_db_set_actor(db, "admin")) != CRM_OK ||
        (rc = crm_audit_verify(&entries, &first_bad, db, NULL)) != CRM_OK) {
        printf("%s: audit verify: %s (first bad entry %lld)\n", label, crm_db_errmsg(db),
               (long long)first_bad);
        bad++;
    }
    crm_db_close(db); /* checkpoints: the raw checks below read one file */
    if (audit_entries)
        *audit_entries = entries;
    return bad + check_sql(path, label);
}

/* ----------------------------------------------------------------- loop */

int fault_step(fault_ctx *x, const char *call, int rc, crm_db *db)
{
    if (rc != CRM_OK) {
        x->failed_call = call;
        x->failed_code = rc;
        x->failed_on_handle = db != NULL;
        const char *msg = db ? crm_db_errmsg(db) : crm_last_errmsg();
        snprintf(x->failed_msg, sizeof x->failed_msg, "%s", msg ? msg : "");
    } else if (!x->absorbed_call && x->fired && x->fired()) {
        x->absorbed_call = call;
    }
    return rc;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

static void remove_db_files(const char *path)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Absorbed failures by call, printed once per scenario so each can be
 * judged (SQLite recovers from some allocation failures by design, and a
 * void call such as crm_db_close has no way to report one). */
typedef struct absorbed_tally {
    const char *call[32];
    long count[32];
    size_t n;
} absorbed_tally;

static void tally(absorbed_tally *t, const char *call)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->call[i], call) == 0) {
            t->count[i]++;
            return;
        }
    if (t->n < 32) {
        t->call[t->n] = call;
        t->count[t->n++] = 1;
    }
}

static bool code_expected(const fault_injector *inj, int code)
{
    for (size_t i = 0; i < inj->n_expected_codes; i++)
        if (inj->expected_codes[i] == code)
            return true;
    return false;
}

typedef struct point_result {
    bool completed;   /* the injected failure did not fire: the loop ends */
    int broken;       /* promises broken at this point */
    bool misreported; /* the failing call returned an unexpected code */
} point_result;

/* Runs one scenario with the failure armed at `n` and checks the database
 * afterwards. */
static point_result run_point(const fault_injector *inj, const fault_scenario *s, long n,
                              const char *dir, const char *template_path, absorbed_tally *t)
{
    char db_path[512], label[160];
    snprintf(db_path, sizeof db_path, "%s/work.db", dir);
    snprintf(label, sizeof label, "%s: scenario %s, point %ld", inj->name, s->name, n);
    remove_db_files(db_path);
    point_result r = {false, 0, false};
    if (copy_file(template_path, db_path) != 0) {
        printf("%s: cannot copy the template\n", label);
        r.broken = 1;
        return r;
    }
    fault_ctx x = {.db_path = db_path, .dir = dir, .fired = inj->fired};
    inj->arm(n);
    int rc = s->run(&x);
    bool fired = inj->fired();
    inj->disarm();
    if (!fired) {
        r.completed = true;
        if (rc != CRM_OK) {
            printf("%s: %s failed without an injected failure: %d %s\n", label, x.failed_call, rc,
                   x.failed_msg);
            r.broken++;
        }
    } else if (rc == CRM_OK) {
        tally(t, x.absorbed_call ? x.absorbed_call : "(cleanup: close or free)");
    } else if (!code_expected(inj, rc) || (x.failed_on_handle && x.failed_msg[0] == '\0')) {
        /* an error, but another code than the failure's or no message on the
         * handle: reported, not fatal */
        r.misreported = true;
        if (getenv("FAULT_VERBOSE"))
            printf("%s: %s returned %d (%s): %s\n", label, x.failed_call, rc, crm_errstr(rc),
                   x.failed_msg);
    }
    r.broken += fault_check_db(db_path, label, NULL);
    return r;
}

static int run_scenario(const fault_injector *inj, const fault_scenario *s, long first, long stride,
                        const char *dir, const char *template_path)
{
    absorbed_tally t = {0};
    long points = 0, misreported = 0, n;
    int broken = 0;
    for (n = first;; n += stride) {
        point_result r = run_point(inj, s, n, dir, template_path, &t);
        broken += r.broken;
        misreported += r.misreported;
        if (r.completed)
            break;
        points++;
    }
    long absorbed = 0;
    for (size_t i = 0; i < t.n; i++)
        absorbed += t.count[i];
    printf("%s: scenario %s: %ld failure points%s (of %ld), %s", inj->name, s->name, points,
           stride > 1 ? " tried" : "", n - 1, broken ? "FAILED" : "all passed");
    if (absorbed) {
        printf("; %ld absorbed without an error:", absorbed);
        for (size_t i = 0; i < t.n; i++)
            printf(" %s x%ld", t.call[i], t.count[i]);
    }
    if (misreported)
        printf("; %ld returned another code than %s or no message (FAULT_VERBOSE=1 lists them)",
               misreported, crm_errstr(inj->expected_codes[0]));
    printf("\n");
    fflush(stdout);
    return broken;
}

int fault_run(const fault_injector *inj, long first, long stride, const char *only)
{
    char dir_template[] = "/tmp/crm-fault-XXXXXX";
    char *dir = mkdtemp(dir_template);
    if (!dir) {
        perror("mkdtemp");
        return 1;
    }
    char template_path[512];
    snprintf(template_path, sizeof template_path, "%s/template.db", dir);
    int broken = 0;
    if (fault_template_create(template_path) != CRM_OK)
        broken = 1;
    for (size_t i = 0; !broken && i < fault_scenario_count; i++)
        if (!only || strcmp(only, fault_scenarios[i].name) == 0)
            broken += run_scenario(inj, &fault_scenarios[i], first, stride, dir, template_path);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return broken;
}
