/* UTC ISO-8601 text <-> epoch seconds, without the process time zone. */
#include "core/core_int.h"

#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no call depends on TZ or locale. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static bool read_digits(const char *s, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

CRM_EXTERN(int) crm_time_parse(int64_t *out_epoch, const char *text)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!out_epoch || !text)
        return crmi_error_thread(CRM_E_INVALID_ARG, "time: NULL argument");
    size_t n = strlen(text);
    bool date_ok = n >= 10 && crmi_date_digits(text, &y, &mo, &d);
    bool shape_ok = date_ok && (n == 10 || ((n == 19 || (n == 20 && text[19] == 'Z')) &&
                                            (text[10] == 'T' || text[10] == ' ') &&
                                            read_digits(text + 11, 2, &h) && text[13] == ':' &&
                                            read_digits(text + 14, 2, &mi) && text[16] == ':' &&
                                            read_digits(text + 17, 2, &s)));
    if (!shape_ok || y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || s > 59)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "time '%.40s': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
                                 text);
    *out_epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return CRM_OK;
}

/* Splits epoch seconds into days since 1970-01-01 and seconds of that day. */
static int64_t split_day(int64_t epoch, int64_t *second_of_day)
{
    int64_t days = epoch / 86400, rem = epoch % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    *second_of_day = rem;
    return days;
}

void crmi_utc_date(int64_t epoch, int64_t *year, int *month, int *day)
{
    int64_t rem;
    civil_from_days(split_day(epoch, &rem), year, month, day);
}

bool crmi_date_digits(const char *text, int *year, int *month, int *day)
{
    return text && read_digits(text, 4, year) && text[4] == '-' && read_digits(text + 5, 2, month) &&
           text[7] == '-' && read_digits(text + 8, 2, day);
}

static char *put_digits(char *p, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        p[i] = (char)('0' + value % 10);
    return p + width;
}

/* Hand-formatted: reading customers formats several times a row, and
 * snprintf was a tenth of an exact lookup. */
CRM_EXTERN(int) crm_time_format(char *buf, size_t buf_size, int64_t epoch)
{
    if (!buf || buf_size < 21)
        return crmi_error_thread(CRM_E_INVALID_ARG, "time format: buffer under 21 bytes");
    int64_t rem, y;
    int m, d;
    civil_from_days(split_day(epoch, &rem), &y, &m, &d);
    if (y < 0 || y > 9999)
        return crmi_error_thread(CRM_E_INVALID_ARG, "time format: year out of range");
    char *p = put_digits(buf, (int)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (int)(rem / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (int)(rem / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (int)(rem % 60), 2);
    *p++ = 'Z';
    *p = '\0';
    return CRM_OK;
}
