/* Report periods: a day, an ISO week, a month, a quarter or a year, with
 * the period before it and the same period a year earlier. Dates go through
 * crm_time_parse and crmi_utc_date, the library's one calendar. */
#include "report/report_int.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400

static int64_t date_epoch(int64_t y, int m, int d)
{
    char text[40];
    int64_t epoch = 0;
    snprintf(text, sizeof text, "%04d-%02d-%02d", (int)y, m, d);
    crm_time_parse(&epoch, text);
    return epoch;
}

static int days_in_month(int64_t y, int m)
{
    int64_t next = m == 12 ? date_epoch(y + 1, 1, 1) : date_epoch(y, m + 1, 1);
    return (int)((next - date_epoch(y, m, 1)) / DAY);
}

/* Reads exactly `n` digits. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------- months */

/* `months` consecutive months from (y, m): the span and its label. */
static void month_span(int64_t y, int m, int months, int64_t *start, int64_t *end)
{
    int64_t ey = y + (m - 1 + months) / 12;
    int em = (m - 1 + months) % 12 + 1;
    *start = date_epoch(y, m, 1);
    *end = date_epoch(ey, em, 1);
}

static void month_label(char *buf, int64_t y, int m, int months)
{
    if (months == 1)
        snprintf(buf, 40, "%04d-%02d", (int)y, m);
    else if (months == 3)
        snprintf(buf, 40, "%04d-Q%d", (int)y, (m - 1) / 3 + 1);
    else
        snprintf(buf, 40, "%04d", (int)y);
}

static void month_period(crmi_period *p, int64_t y, int m, int months, const char *kind)
{
    strcpy(p->kind, kind);
    month_span(y, m, months, &p->start, &p->end);
    month_label(p->label, y, m, months);
    int64_t py = m - months < 1 ? y - 1 : y;
    int pm = m - months < 1 ? m - months + 12 : m - months;
    month_span(py, pm, months, &p->prev_start, &p->prev_end);
    month_label(p->prev_label, py, pm, months);
    month_span(y - 1, m, months, &p->yoy_start, &p->yoy_end);
    month_label(p->yoy_label, y - 1, m, months);
}

/* ---------------------------------------------------------------- days */

static void day_label(char *buf, int64_t epoch)
{
    int64_t y;
    int m, d;
    crmi_utc_date(epoch, &y, &m, &d);
    snprintf(buf, 40, "%04d-%02d-%02d", (int)y, m, d);
}

static bool day_period(crmi_period *p, int64_t y, int m, int d)
{
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    strcpy(p->kind, "day");
    p->start = date_epoch(y, m, d);
    p->end = p->start + DAY;
    p->prev_start = p->start - DAY;
    p->prev_end = p->start;
    int last_year_d = d > days_in_month(y - 1, m) ? days_in_month(y - 1, m) : d;
    p->yoy_start = date_epoch(y - 1, m, last_year_d);
    p->yoy_end = p->yoy_start + DAY;
    day_label(p->label, p->start);
    day_label(p->prev_label, p->prev_start);
    day_label(p->yoy_label, p->yoy_start);
    return true;
}

/* --------------------------------------------------------------- weeks */

/* Monday of ISO week 1: the week holding 4 January. */
static int64_t iso_week1(int64_t y)
{
    int64_t jan4 = date_epoch(y, 1, 4) / DAY;
    int64_t weekday = ((jan4 + 3) % 7 + 7) % 7; /* 0 = Monday; 1970-01-01 was a Thursday */
    return (jan4 - weekday) * DAY;
}

static int iso_weeks(int64_t y)
{
    return (int)((iso_week1(y + 1) - iso_week1(y)) / (7 * DAY));
}

/* The label of the ISO week starting on Monday `start`: the year of its Thursday. */
static void week_label(char *buf, int64_t start)
{
    int64_t y;
    int m, d;
    crmi_utc_date(start + 3 * DAY, &y, &m, &d);
    int week = (int)((start - iso_week1(y)) / (7 * DAY)) + 1;
    snprintf(buf, 40, "%04d-W%02d", (int)y, week);
}

static bool week_period(crmi_period *p, int64_t y, int w)
{
    if (w < 1 || w > iso_weeks(y))
        return false;
    strcpy(p->kind, "week");
    p->start = iso_week1(y) + (int64_t)(w - 1) * 7 * DAY;
    p->end = p->start + 7 * DAY;
    p->prev_start = p->start - 7 * DAY;
    p->prev_end = p->start;
    int last_year_w = w > iso_weeks(y - 1) ? iso_weeks(y - 1) : w;
    p->yoy_start = iso_week1(y - 1) + (int64_t)(last_year_w - 1) * 7 * DAY;
    p->yoy_end = p->yoy_start + 7 * DAY;
    week_label(p->label, p->start);
    week_label(p->prev_label, p->prev_start);
    week_label(p->yoy_label, p->yoy_start);
    return true;
}

bool crmi_period_parse(crmi_period *out, const char *text)
{
    int y, a, b;
    crmi_period p = {0};
    size_t n = text ? strlen(text) : 0;
    if (n < 4 || !digits(text, 4, &y) || y < 1971 || y > 9998)
        return false;
    bool ok = false;
    if (n == 4) {
        month_period(&p, y, 1, 12, "year");
        ok = true;
    } else if (n == 7 && text[4] == '-' && text[5] == 'Q' && digits(text + 6, 1, &a)) {
        ok = a >= 1 && a <= 4;
        if (ok)
            month_period(&p, y, (a - 1) * 3 + 1, 3, "quarter");
    } else if (n == 7 && text[4] == '-' && digits(text + 5, 2, &a)) {
        ok = a >= 1 && a <= 12;
        if (ok)
            month_period(&p, y, a, 1, "month");
    } else if (n == 8 && text[4] == '-' && text[5] == 'W' && digits(text + 6, 2, &a)) {
        ok = week_period(&p, y, a);
    } else if (n == 10 && text[4] == '-' && text[7] == '-' && digits(text + 5, 2, &a) &&
               digits(text + 8, 2, &b)) {
        ok = day_period(&p, y, a, b);
    }
    if (ok)
        *out = p;
    return ok;
}

/* ------------------------------------------------------------- public */

static int put_time(crm_record *rec, const char *field, int64_t epoch)
{
    char buf[32];
    crm_time_format(buf, sizeof buf, epoch);
    return crmi_record_put_text(rec, field, buf);
}

CRM_EXTERN(int) crm_report_period(crm_record **out, const char *period)
{
    crmi_period p;
    if (!out || !period)
        return crmi_error_thread(CRM_E_INVALID_ARG, "report period: NULL argument");
    if (!crmi_period_parse(&p, period))
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "period %.40s: expected YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY-Qn "
                                 "or YYYY",
                                 period);
    crm_record *rec;
    int rc = crm_record_new(&rec);
    if (rc)
        return rc;
    const char *texts[][2] = {{"kind", p.kind},
                              {"label", p.label},
                              {"previous_label", p.prev_label},
                              {"last_year_label", p.yoy_label}};
    for (size_t i = 0; !rc && i < 4; i++)
        rc = crmi_record_put_text(rec, texts[i][0], texts[i][1]);
    const struct {
        const char *field;
        int64_t at;
    } times[] = {{"start", p.start},
                 {"end", p.end},
                 {"previous_start", p.prev_start},
                 {"previous_end", p.prev_end},
                 {"last_year_start", p.yoy_start},
                 {"last_year_end", p.yoy_end}};
    for (size_t i = 0; !rc && i < 6; i++)
        rc = put_time(rec, times[i].field, times[i].at);
    if (rc) {
        crm_record_free(rec);
        return rc;
    }
    *out = rec;
    return CRM_OK;
}
