/*
 * Calendar arithmetic (proleptic Gregorian, days since 1970-01-01) and fast
 * fixed-format printing of dates, times and money.
 */
#include "gen.h"

#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int days_in_month(int y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

bool parse_date(const char *s, int64_t *days)
{
    int y = 0, m = 0, d = 0;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        int v = s[i] - '0';
        if (i < 4)
            y = y * 10 + v;
        else if (i < 7)
            m = m * 10 + v;
        else
            d = d * 10 + v;
    }
    if (y < 1971 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

char *fmt_date(char *p, int64_t days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    p = put2(p, y / 100);
    p = put2(p, y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p = '\0';
    return p;
}

char *fmt_time(char *p, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int sec = (int)(t - days * 86400);
    p = fmt_date(p, days);
    *p++ = 'T';
    p = put2(p, sec / 3600);
    *p++ = ':';
    p = put2(p, sec / 60 % 60);
    *p++ = ':';
    p = put2(p, sec % 60);
    *p++ = 'Z';
    *p = '\0';
    return p;
}

char *fmt_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    *p = '\0';
    return p;
}

/* 12345 fen -> "123.45", 12340 -> "123.4", 12300 -> "123": up to 2 decimals. */
char *fmt_money(char *p, int64_t fen)
{
    if (fen < 0) {
        *p++ = '-';
        fen = -fen;
    }
    p = fmt_uint(p, (uint64_t)(fen / 100));
    int cents = (int)(fen % 100);
    if (cents) {
        *p++ = '.';
        *p++ = (char)('0' + cents / 10);
        if (cents % 10)
            *p++ = (char)('0' + cents % 10);
    }
    *p = '\0';
    return p;
}

/* Lunar new year (春节) by year; outside the table, a date in its usual range. */
int64_t spring_festival(int year)
{
    static const struct {
        short y;
        char m, d;
    } table[] = {
        {2010, 2, 14}, {2011, 2, 3},  {2012, 1, 23}, {2013, 2, 10}, {2014, 1, 31}, {2015, 2, 19},
        {2016, 2, 8},  {2017, 1, 28}, {2018, 2, 16}, {2019, 2, 5},  {2020, 1, 25}, {2021, 2, 12},
        {2022, 2, 1},  {2023, 1, 22}, {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6},
        {2028, 1, 26}, {2029, 2, 13}, {2030, 2, 3},  {2031, 1, 23}, {2032, 2, 11}, {2033, 1, 31},
        {2034, 2, 19}, {2035, 2, 8},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].y == year)
            return days_from_civil(year, table[i].m, table[i].d);
    return days_from_civil(year, 2, 5);
}
