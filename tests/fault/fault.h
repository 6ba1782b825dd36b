/* Failure-injection harness shared by tests/fault (allocation and I/O
 * failures) and tests/crash (kill -9): realistic scenarios through the public
 * API, and the consistency rules a database must pass after any failure.
 * Public API and SQLite only, so it links against the library's objects
 * (fault tests, which arm internal hooks) or the shared library (crash,
 * concurrency). The checks and set-up helpers are in check.c (library
 * crm_fault_check), the scenarios and the loop in scenarios.c and harness.c
 * (library crm_fault_harness). */
#ifndef CRM_FAULT_H
#define CRM_FAULT_H

#include <crm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fixed master key of every fault-test database. */
extern const unsigned char FAULT_KEY[32];

/* Opens `path` with FAULT_KEY and a fixed clock; NULL with the message
 * in crm_last_errmsg() on failure. */
int fault_open(crm_db **out, const char *path);

/* A resident ID number (GB 11643-1999) for a serial number: 18 characters
 * with a valid check character, distinct for distinct serials < 10^7. */
void fault_id_number(char out[19], long serial);

/* Writes `text` to `path`; exits the test on failure. */
void fault_write_file(const char *path, const char *text);

/* ------------------------------------------------------------ consistency */

/* Checks the database at `path` after a failure, with no injection armed:
 * it opens, passes PRAGMA integrity_check and foreign_key_check, the audit
 * chain verifies, and every rule of the consistency table holds (no record
 * half-written). Prints each violation prefixed with `label`; returns how
 * many there were. `audit_entries` (may be NULL) gets the chain length. */
int fault_check_db(const char *path, const char *label, int64_t *audit_entries);

/* The two halves of fault_check_db, for tests that count them apart.
 * fault_check_audit opens the database with the library (replaying a WAL
 * left by a crash), verifies the audit chain and closes it (checkpointing);
 * fault_check_store then reads the file with SQLite alone: integrity_check,
 * foreign_key_check and the consistency rules. Each returns the number of
 * violations, printed prefixed with `label`. */
int fault_check_audit(const char *path, const char *label, int64_t *audit_entries);
int fault_check_store(const char *path, const char *label);

/* ------------------------------------------------------------- scenarios */

/* What a scenario works on: a fresh copy of the template database and a
 * scratch directory for import and export files. */
typedef struct fault_ctx {
    const char *db_path;
    const char *dir;
    /* Set by fault_step: the first public call that failed and its code,
     * and the calls that succeeded although the injected failure fired. */
    const char *failed_call;
    int failed_code;
    char failed_msg[256];
    bool failed_on_handle; /* the failing call had a handle to report on */
    const char *absorbed_call;
    bool (*fired)(void); /* the injector's "has the failure happened" */
} fault_ctx;

/* Records the outcome of one public call of a scenario; returns rc so a
 * scenario writes `if (fault_step(x, "crm_customer_create", rc, db)) goto out;`.
 * `db` (may be NULL) supplies the message of a failure. */
int fault_step(fault_ctx *x, const char *call, int rc, crm_db *db);

typedef int (*fault_scenario_fn)(fault_ctx *x);

typedef struct fault_scenario {
    const char *name;
    fault_scenario_fn run;
} fault_scenario;

/* The scenario table: one row per realistic sequence of public calls. New
 * modules add a function and a row (tests/fault/scenarios.c). */
extern const fault_scenario fault_scenarios[];
extern const size_t fault_scenario_count;

/* Builds the template every scenario starts from: head office HO and branch
 * BJ, users admin and rm1, product DEP1Y, three customers. */
int fault_template_create(const char *path);

/* ----------------------------------------------------------------- loop */

/* One kind of injected failure: arm the Nth event from now, ask whether it
 * fired, disarm. */
typedef struct fault_injector {
    const char *name; /* "fault_alloc" */
    void (*arm)(long n);
    bool (*fired)(void);
    void (*disarm)(void);
    /* Error codes a failing call may legitimately return. */
    const int *expected_codes;
    size_t n_expected_codes;
} fault_injector;

/* Runs every scenario (or only the one named `only`) with N = 1, 2, 3 ...
 * (every `stride`th point, starting at `first`) until a run completes
 * without the failure firing; checks the promises at every N and prints
 * one line per scenario. Returns the number of broken promises. */
int fault_run(const fault_injector *inj, long first, long stride, const char *only);

#endif
