/* Timing and reporting helpers shared by every benchmark. Each figure is
 * printed beside the same work done by raw SQLite (or a hand-written
 * baseline) in the same run, as a ratio. */
#ifndef CRM_BENCHUTIL_H
#define CRM_BENCHUTIL_H

#include <crm.h>
#include <stdint.h>

/* Monotonic time in seconds. */
double bench_now(void);

/* Prints one line: name, libcrm rate, baseline rate, ratio (baseline/libcrm
 * for rates: how many times slower libcrm is; < 1 means faster). */
void bench_report_rate(const char *name, double crm_ops, double crm_seconds, const char *baseline,
                       double base_ops, double base_seconds);

/* Prints one line comparing two durations of the same work (crm / base). */
void bench_report_time(const char *name, double crm_seconds, const char *baseline,
                       double base_seconds);

/* The scale factor from CRM_BENCH_SCALE (default 1.0): CI runs small. */
double bench_scale(void);

/* A fixed key for benchmark databases. */
extern const unsigned char BENCH_KEY[32];

/* xorshift64 from a fixed seed, so every run generates the same data. */
void bench_seed(uint64_t seed);
uint64_t bench_rand64(void);
uint32_t bench_rand(void);

/* Prints "what: msg" and exits 1. */
void bench_die(const char *what, const char *msg);

/* Dies with the handle's (or the thread's) message unless rc is CRM_OK. */
void bench_check(int rc, crm_db *db, const char *what);

/* A new path under /tmp, unique in this process (free with bench_remove_db
 * or free()). */
char *bench_temp_path(const char *stem, const char *ext);

/* Removes a database with its -wal and -shm files, and frees the path. */
void bench_remove_db(char *path);

/* The process's peak resident set so far, in MiB. */
double bench_peak_rss_mib(void);

#endif
