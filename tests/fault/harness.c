/* The failure-injection loop (see fault.h); the consistency rules it checks
 * at every point are in check.c. */
#include "fault.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
