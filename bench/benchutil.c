#include "benchutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

const unsigned char BENCH_KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_scale(void)
{
    const char *s = getenv("CRM_BENCH_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}

void bench_report_rate(const char *name, double crm_ops, double crm_seconds, const char *baseline,
                       double base_ops, double base_seconds)
{
    double crm_rate = crm_ops / crm_seconds, base_rate = base_ops / base_seconds;
    printf("%-40s %12.0f /s   %-28s %12.0f /s   ratio %.2fx\n", name, crm_rate, baseline,
           base_rate, base_rate / crm_rate);
}

void bench_report_time(const char *name, double crm_seconds, const char *baseline,
                       double base_seconds)
{
    printf("%-40s %10.4f s   %-28s %10.4f s   ratio %.2fx\n", name, crm_seconds, baseline,
           base_seconds, crm_seconds / base_seconds);
}

static uint64_t rng_state = 88172645463325252ull;

void bench_seed(uint64_t seed)
{
    rng_state = seed ? seed : 88172645463325252ull;
}

uint64_t bench_rand64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

uint32_t bench_rand(void)
{
    return (uint32_t)(bench_rand64() >> 11);
}

void bench_die(const char *what, const char *msg)
{
    fprintf(stderr, "%s: %s\n", what, msg);
    exit(1);
}

void bench_check(int rc, crm_db *db, const char *what)
{
    if (rc != CRM_OK)
        bench_die(what, db ? crm_db_errmsg(db) : crm_last_errmsg());
}

char *bench_temp_path(const char *stem, const char *ext)
{
    static int serial;
    char *path = malloc(256);
    if (!path)
        bench_die(stem, "out of memory");
    snprintf(path, 256, "/tmp/crm-bench-%s-%d-%d.%s", stem, (int)getpid(), serial++, ext);
    return path;
}

void bench_remove_db(char *path)
{
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    free(path);
}

double bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}
