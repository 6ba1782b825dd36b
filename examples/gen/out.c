/*
 * Output tables: CSV per RFC 4180 (header row, CRLF line ends, fields quoted
 * when they hold a comma, quote, CR or LF, quotes doubled) or JSON Lines (one
 * object per line, keys in column order). Rows are staged as UTF-8 in a
 * fixed buffer; with --encoding gbk each full buffer goes through iconv.
 * Memory per table is constant whatever the number of rows.
 */
#include "gen.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BUF_CAP (1u << 17)
#define FLUSH_AT (BUF_CAP - 8192)

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crm-gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void flush(gen_table *t)
{
    if (t->len == 0)
        return;
    if (!t->gbk) {
        if (fwrite(t->buf, 1, t->len, t->fp) != t->len)
            die("%s: write failed: %s", t->path, strerror(errno));
        t->len = 0;
        return;
    }
    char *in = t->buf;
    size_t in_left = t->len;
    while (in_left) {
        char *out = t->conv;
        size_t out_left = t->conv_cap;
        size_t rc = iconv((iconv_t)t->cd, &in, &in_left, &out, &out_left);
        size_t produced = t->conv_cap - out_left;
        if (produced && fwrite(t->conv, 1, produced, t->fp) != produced)
            die("%s: write failed: %s", t->path, strerror(errno));
        if (rc == (size_t)-1 && errno != E2BIG)
            die("%s: row %llu: text not representable in GBK near \"%.12s\"", t->path,
                (unsigned long long)t->rows + 1, in);
    }
    t->len = 0;
}

static void put(gen_table *t, const char *s, size_t n)
{
    if (t->len + n > BUF_CAP)
        flush(t);
    if (n > BUF_CAP)
        die("%s: field too long", t->path);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static void putc_(gen_table *t, char c)
{
    if (t->len + 1 > BUF_CAP)
        flush(t);
    t->buf[t->len++] = c;
}

static void puts_(gen_table *t, const char *s)
{
    put(t, s, strlen(s));
}

void table_open(gen_table *t, const char *dir, const char *base, int format, bool gbk, bool bom,
                const char *const *cols, int ncols)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s/%s.%s", dir, base,
             format == FORMAT_CSV ? "csv" : "jsonl");
    t->fp = fopen(t->path, "wb");
    if (!t->fp)
        die("%s: %s", t->path, strerror(errno));
    t->format = format;
    t->gbk = gbk;
    t->cols = cols;
    t->ncols = ncols;
    t->cached_day = INT64_MIN;
    t->buf = malloc(BUF_CAP);
    if (!t->buf)
        die("out of memory");
    if (gbk) {
        iconv_t cd = iconv_open("GBK", "UTF-8");
        if (cd == (iconv_t)-1)
            die("iconv cannot convert UTF-8 to GBK: %s", strerror(errno));
        t->cd = cd;
        t->conv_cap = BUF_CAP;
        t->conv = malloc(t->conv_cap);
        if (!t->conv)
            die("out of memory");
    }
    if (format == FORMAT_CSV) {
        if (bom)
            puts_(t, "\xEF\xBB\xBF");
        for (int i = 0; i < ncols; i++) {
            if (i)
                putc_(t, ',');
            puts_(t, cols[i]);
        }
        put(t, "\r\n", 2);
    }
}

static void sep(gen_table *t)
{
    if (t->format == FORMAT_CSV) {
        if (t->col)
            putc_(t, ',');
    } else {
        putc_(t, t->col ? ',' : '{');
        putc_(t, '"');
        puts_(t, t->cols[t->col]);
        put(t, "\":", 2);
    }
    t->col++;
}

static void csv_text(gen_table *t, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        puts_(t, s);
        return;
    }
    putc_(t, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putc_(t, '"');
        putc_(t, *p);
    }
    putc_(t, '"');
}

static void json_text(gen_table *t, const char *s)
{
    putc_(t, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putc_(t, '\\');
            putc_(t, (char)*p);
        } else if (*p < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            puts_(t, esc);
        } else {
            putc_(t, (char)*p);
        }
    }
    putc_(t, '"');
}

void t_str(gen_table *t, const char *s)
{
    sep(t);
    if (t->format == FORMAT_CSV)
        csv_text(t, s);
    else
        json_text(t, s);
}

void t_plain(gen_table *t, const char *s)
{
    sep(t);
    if (t->format == FORMAT_JSONL)
        putc_(t, '"');
    puts_(t, s);
    if (t->format == FORMAT_JSONL)
        putc_(t, '"');
}

void t_num(gen_table *t, const char *s)
{
    sep(t);
    puts_(t, s);
}

void t_int(gen_table *t, int64_t v)
{
    char b[24], *p = b;
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    fmt_uint(p, (uint64_t)v);
    t_num(t, b);
}

void t_money(gen_table *t, int64_t fen)
{
    char b[32];
    fmt_money(b, fen);
    t_num(t, b);
}

void t_date(gen_table *t, int64_t days)
{
    char b[16];
    fmt_date(b, days);
    t_str(t, b);
}

/* Rows of one customer repeat days: the date part is cached. */
void t_time(gen_table *t, int64_t epoch_sec)
{
    int64_t day = epoch_sec >= 0 ? epoch_sec / 86400 : (epoch_sec - 86399) / 86400;
    int sec = (int)(epoch_sec - day * 86400);
    if (day != t->cached_day) {
        fmt_date(t->cached_date, day);
        t->cached_day = day;
    }
    char b[24];
    memcpy(b, t->cached_date, 10);
    b[10] = 'T';
    b[11] = (char)('0' + sec / 36000);
    b[12] = (char)('0' + sec / 3600 % 10);
    b[13] = ':';
    b[14] = (char)('0' + sec / 600 % 6);
    b[15] = (char)('0' + sec / 60 % 10);
    b[16] = ':';
    b[17] = (char)('0' + sec % 60 / 10);
    b[18] = (char)('0' + sec % 10);
    b[19] = 'Z';
    b[20] = '\0';
    t_plain(t, b);
}

void t_null(gen_table *t)
{
    sep(t);
    if (t->format == FORMAT_JSONL)
        puts_(t, "null");
}

void t_raw(gen_table *t, const char *s)
{
    sep(t);
    puts_(t, s);
}

void t_end(gen_table *t)
{
    if (t->col != t->ncols && t->format == FORMAT_CSV)
        die("%s: row %llu has %d of %d fields", t->path, (unsigned long long)t->rows + 1, t->col,
            t->ncols);
    if (t->format == FORMAT_CSV)
        put(t, "\r\n", 2);
    else
        put(t, "}\n", 2);
    t->col = 0;
    t->rows++;
    if (t->len >= FLUSH_AT)
        flush(t);
}

uint64_t table_next_line(const gen_table *t)
{
    return t->rows + (t->format == FORMAT_CSV ? 2 : 1);
}

void table_close(gen_table *t)
{
    flush(t);
    if (fclose(t->fp) != 0)
        die("%s: %s", t->path, strerror(errno));
    if (t->gbk)
        iconv_close((iconv_t)t->cd);
    free(t->buf);
    free(t->conv);
    t->fp = NULL;
}
