#include "benchutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
