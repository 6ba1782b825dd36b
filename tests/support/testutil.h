/* Shared helpers for the Check suites: databases with a known key and a
 * controllable clock. */
#ifndef CRM_TESTUTIL_H
#define CRM_TESTUTIL_H

#include <check.h>
#include <crm.h>

/* A fixed 32-byte master key for tests (never use a constant key elsewhere). */
extern const unsigned char TEST_KEY[32];

/* The clock every test database uses; tests move it with test_clock_set. */
void test_clock_set(int64_t epoch);
int64_t test_clock_now(void);

/* Opens `path` (":memory:" or a file) with TEST_KEY and the test clock. */
crm_db *test_open(const char *path);

/* Opens a database bootstrapped with head office "HO" and admin "admin",
 * acting as admin. */
crm_db *test_open_admin(const char *path);

/* A fresh temporary file path (in TMPDIR or /tmp); free with free(). The
 * file and its -wal/-shm are removed by test_remove_db. */
char *test_temp_path(const char *stem);
void test_remove_db(const char *path);

/* Adds a user with the given roles to branch `branch`. */
void test_add_user(crm_db *db, const char *name, const char *roles, const char *branch);

/* Runs a suite and returns the process exit status for ctest. */
int test_run_suite(Suite *s);

#define ck_assert_ok(expr)                                                                         \
    do {                                                                                           \
        int ck_rc_ = (expr);                                                                       \
        ck_assert_msg(ck_rc_ == CRM_OK, "%s returned %d (%s)", #expr, ck_rc_,                     \
                      crm_errstr(ck_rc_));                                                         \
    } while (0)

#endif
