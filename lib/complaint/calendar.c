/* SLA time: either calendar time, or business hours on working days of a
 * local calendar with holidays and make-up working days (调休). Deadlines
 * are SLA seconds; these two functions turn them into instants and back. */
#include "complaint/complaint_int.h"

#define DAY 86400
#define MAX_DAYS 4000 /* no deadline reaches further than ~11 years */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool listed(const int64_t *days, int n, int64_t day)
{
    for (int i = 0; i < n; i++)
        if (days[i] == day)
            return true;
    return false;
}

static bool working_day(const crmi_cconfig *cfg, int64_t day)
{
    if (listed(cfg->workdays, cfg->n_workdays, day))
        return true;
    if (listed(cfg->holidays, cfg->n_holidays, day))
        return false;
    int iso_weekday = (int)((day % 7 + 7 + 3) % 7) + 1; /* day 0 was a Thursday */
    return (cfg->weekdays >> iso_weekday) & 1u;
}

/* The business window [*from, *to) of local day `day` in UTC; false when
 * the day does not work. */
static bool window(const crmi_cconfig *cfg, int64_t day, int64_t *from, int64_t *to)
{
    if (!working_day(cfg, day))
        return false;
    *from = day * DAY + cfg->open - cfg->utc_offset;
    *to = day * DAY + cfg->close - cfg->utc_offset;
    return true;
}

static int64_t local_day(const crmi_cconfig *cfg, int64_t t)
{
    return floor_div(t + cfg->utc_offset, DAY);
}

int64_t crmi_sla_add(const crmi_cconfig *cfg, int64_t start, int64_t sla_seconds)
{
    if (!cfg->business || sla_seconds <= 0)
        return start + (sla_seconds > 0 ? sla_seconds : 0);
    int64_t day = local_day(cfg, start), left = sla_seconds, from, to;
    for (int i = 0; i < MAX_DAYS; i++, day++) {
        if (!window(cfg, day, &from, &to))
            continue;
        if (from < start)
            from = start;
        if (from >= to)
            continue;
        if (left <= to - from)
            return from + left;
        left -= to - from;
    }
    return start + (int64_t)MAX_DAYS * DAY;
}

int64_t crmi_sla_elapsed(const crmi_cconfig *cfg, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    if (!cfg->business)
        return b - a;
    int64_t total = 0, from, to;
    for (int64_t day = local_day(cfg, a), last = local_day(cfg, b); day <= last; day++) {
        if (!window(cfg, day, &from, &to))
            continue;
        if (from < a)
            from = a;
        if (to > b)
            to = b;
        if (to > from)
            total += to - from;
    }
    return total;
}
