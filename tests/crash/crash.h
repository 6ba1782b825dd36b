/* Crash safety (kill -9): a writer child runs the workload of this table
 * through the public API until the parent SIGKILLs it; it logs every write
 * before it starts (pending) and after the call returned CRM_OK (committed),
 * so the parent can tell, after the crash, which rows must be there, which
 * may be, and that none is there by halves or twice. */
#ifndef CRM_CRASH_H
#define CRM_CRASH_H

#include <crm.h>
#include <stdint.h>

/* What the writer child works with. Keys are unique per cycle (the cycle
 * number is in every key and ID serial), so rows of a killed cycle never
 * collide with those of later ones. */
typedef struct crash_child {
    crm_db *db;
    int log_fd;      /* O_APPEND: one write() per line */
    const char *dir; /* scratch directory for import files */
    int cycle;
    uint64_t rng;
    int seq;            /* next key number of this cycle */
    long serial;        /* next ID-number serial of this cycle */
    char known[64][33]; /* customers to update and book transactions on */
    int n_known;
    char campaign[16]; /* this cycle's running campaign ("" until set up) */
} crash_child;

/* One kind of write. `run` performs one unit of work and reports it with
 * crash_log: 'P' before the call, 'C' after it returned CRM_OK, both with the
 * key of the rows it writes. `count_sql` counts the rows stored under a
 * logged key (?1 the key, ?2 the logged argument when it uses one): after a
 * crash a committed key must count exactly `expect` rows; a pending one 0,
 * or a multiple of `step` up to `expect` (step == expect: all or nothing). */
typedef struct crash_scenario {
    const char *name;
    unsigned weight; /* how often the child picks it, relative */
    int (*run)(crash_child *c, const struct crash_scenario *s);
    const char *count_sql;
} crash_scenario;

extern const crash_scenario crash_scenarios[];
extern const int crash_scenario_count;

/* The cycle's set-up for the "send" scenario, through the public API: the
 * file channel on <dir>/spool, messages left in flight by an earlier kill
 * sent (the restart), CRASH_SEND_CUSTOMERS new consenting customers and a
 * running campaign "K<cycle>" whose messages to them are queued. */
int crash_send_setup(crash_child *c);
#define CRASH_SEND_CUSTOMERS 4

/* Appends "<state> <scenario> <key> <arg> <expect> <step>" to the log. */
void crash_log(crash_child *c, char state, const crash_scenario *s, const char *key, int64_t arg,
               int64_t expect, int64_t step);

/* xorshift64*: uniform in [0, n). */
uint64_t crash_rand(uint64_t *state, uint64_t n);

/* First ID-number serial of a cycle's customers (fault_id_number). */
#define CRASH_SERIAL_BASE 1000000L
#define CRASH_SERIALS_PER_CYCLE 20000L

#endif
