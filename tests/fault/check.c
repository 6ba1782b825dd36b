/* The consistency checks every failure test runs on a database after a
 * failure (allocation or I/O error, kill -9, see fault.h), and the shared
 * set-up helpers: one copy, linked by tests/fault, tests/crash and
 * tests/concurrency (the library crm_fault_check). */
#include "fault.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Each rule is a query counting the rows that break it; a lookup of audit
 * entries names the entity first so the (entity, entity_id) index serves it
 * (without it each rule scans the log once per row: quadratic over a run). A record written by
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
     " WHERE a.entity = 'complaint' AND a.entity_id = c.ticket_no"
     " AND a.action = 'complaint.open')"},
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
     /* entity first: the audit log's (entity, entity_id) index answers it */
     "SELECT count(*) FROM crm_customer c WHERE NOT EXISTS (SELECT 1 FROM crm_audit a"
     " WHERE a.entity = 'customer' AND a.entity_id = c.customer_no"
     " AND a.action = 'customer.create')"},
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
     " WHERE a.entity = 'product' AND a.entity_id = p.code AND a.action = 'product.add')"},
    {"product.add audit entry without its product",
     "SELECT count(*) FROM crm_audit a WHERE a.action = 'product.add' AND NOT EXISTS"
     " (SELECT 1 FROM crm_product p WHERE p.code = a.entity_id)"},
    {"holding without a holding.set audit entry",
     "SELECT count(*) FROM crm_holding h JOIN crm_customer c ON c.id = h.customer_id"
     " WHERE NOT EXISTS (SELECT 1 FROM crm_audit a WHERE a.entity = 'customer'"
     " AND a.entity_id = c.customer_no AND a.action = 'holding.set')"},
    {"branch without a branch.add audit entry (head office aside)",
     "SELECT count(*) FROM crm_branch b WHERE b.parent_id IS NOT NULL AND NOT EXISTS"
     " (SELECT 1 FROM crm_audit a WHERE a.entity = 'branch' AND a.entity_id = b.code"
     " AND a.action = 'branch.add')"},
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

int fault_check_store(const char *path, const char *label)
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

int fault_check_audit(const char *path, const char *label, int64_t *audit_entries)
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
    crm_db_close(db); /* checkpoints: fault_check_store then reads one file */
    if (audit_entries)
        *audit_entries = entries;
    return bad;
}

int fault_check_db(const char *path, const char *label, int64_t *audit_entries)
{
    int bad = fault_check_audit(path, label, audit_entries);
    return bad + fault_check_store(path, label);
}
