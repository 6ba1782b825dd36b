/* Timing and reporting helpers shared by every benchmark. Each figure is
 * printed beside the same work done by raw SQLite (or a hand-written
 * baseline) in the same run, as a ratio. */
#ifndef CRM_BENCHUTIL_H
#define CRM_BENCHUTIL_H

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

#endif
