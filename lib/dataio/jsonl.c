/* JSON Lines: one object per physical line (JSON strings cannot hold a raw
 * line break), its members flat: strings, numbers (kept as their literal
 * text, so money stays exact), true/false and null. */
#include "dataio/dataio_int.h"

#include <string.h>

typedef struct json {
    const char *p, *end;
    crmi_fields *f;
} json;

static void skip_ws(json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(crmi_fields *f, unsigned int cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    crmi_fields_put(f, b, n);
}

/* \uXXXX, with a surrogate pair when needed; j->p is after the 'u'. */
static bool unicode_escape(json *j)
{
    if (j->end - j->p < 4)
        return false;
    int hi = hex4(j->p);
    j->p += 4;
    if (hi <= 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
        return false; /* NUL, bad digits, a lone low surrogate */
    unsigned int cp = (unsigned int)hi;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
            return false;
        int lo = hex4(j->p + 2);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return false;
        j->p += 6;
        cp = 0x10000 + (((unsigned int)hi - 0xD800) << 10) + ((unsigned int)lo - 0xDC00);
    }
    put_utf8(j->f, cp);
    return true;
}

static bool simple_escape(json *j)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = j->p < j->end && *j->p ? strchr(from, *j->p) : NULL;
    if (!hit)
        return false;
    crmi_fields_putc(j->f, to[hit - from]);
    j->p++;
    return true;
}

/* A string from its opening quote; its text goes to the open field. */
static bool string(json *j)
{
    j->p++;
    for (;;) {
        const char *q = j->p;
        while (q < j->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
            q++;
        crmi_fields_put(j->f, j->p, (size_t)(q - j->p));
        j->p = q;
        if (q == j->end || (unsigned char)*q < 0x20)
            return false;
        j->p++;
        if (*q == '"')
            return true;
        bool ok = j->p < j->end && *j->p == 'u' ? (j->p++, unicode_escape(j)) : simple_escape(j);
        if (!ok)
            return false;
    }
}

static size_t digits(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && p[n] >= '0' && p[n] <= '9')
        n++;
    return n;
}

/* The JSON number grammar; the literal text is kept. */
static bool number(json *j)
{
    const char *p = j->p;
    if (p < j->end && *p == '-')
        p++;
    size_t n = digits(p, j->end);
    if (n == 0 || (n > 1 && *p == '0'))
        return false;
    p += n;
    if (p < j->end && *p == '.') {
        if ((n = digits(++p, j->end)) == 0)
            return false;
        p += n;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if ((n = digits(p, j->end)) == 0)
            return false;
        p += n;
    }
    crmi_fields_put(j->f, j->p, (size_t)(p - j->p));
    j->p = p;
    return true;
}

static bool literal(json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return false;
    j->p += n;
    return true;
}

static crmi_parse value(json *j, size_t field)
{
    crmi_fields *f = j->f;
    char c = j->p < j->end ? *j->p : '\0';
    bool ok;
    if (c == '"') {
        crmi_fields_open(f, false, CRMI_CELL_TEXT);
        ok = string(j);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        crmi_fields_open(f, false, CRMI_CELL_NUMBER);
        ok = number(j);
    } else if (c == 't' || c == 'f') {
        crmi_fields_open(f, false, CRMI_CELL_BOOL);
        ok = literal(j, c == 't' ? "true" : "false");
        crmi_fields_putc(f, c == 't' ? '1' : '0');
    } else if (c == 'n') {
        crmi_fields_open(f, false, CRMI_CELL_NULL);
        ok = literal(j, "null");
    } else if (c == '{' || c == '[') {
        return crmi_fields_bad(f, field, "nested objects and arrays are not supported");
    } else {
        ok = false;
    }
    crmi_fields_close(f);
    return ok ? CRMI_PARSE_DONE : crmi_fields_bad(f, field, "not a valid JSON value");
}

static bool same_name(const crmi_fields *f, size_t a, size_t b)
{
    return strcmp(f->text + f->name_at[a], f->text + f->name_at[b]) == 0;
}

static crmi_parse member(json *j)
{
    crmi_fields *f = j->f;
    if (!crmi_fields_add(f))
        return crmi_fields_bad(f, SIZE_MAX, "more than %d members", CRMI_FIELDS_MAX);
    size_t field = f->n - 1;
    crmi_fields_open(f, true, CRMI_CELL_NULL);
    bool ok = j->p < j->end && *j->p == '"' && string(j);
    crmi_fields_close(f);
    if (!ok)
        return crmi_fields_bad(f, SIZE_MAX, "expected a member name in double quotes");
    for (size_t i = 0; i < field; i++)
        if (same_name(f, i, field))
            return crmi_fields_bad(f, field, "appears twice");
    skip_ws(j);
    if (j->p == j->end || *j->p != ':')
        return crmi_fields_bad(f, field, "expected ':' after the name");
    j->p++;
    skip_ws(j);
    return value(j, field);
}

static crmi_parse object(json *j)
{
    crmi_fields *f = j->f;
    if (j->p == j->end || *j->p != '{')
        return crmi_fields_bad(f, SIZE_MAX, "not a JSON object");
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return CRMI_PARSE_DONE;
    }
    for (;;) {
        crmi_parse st = member(j);
        if (st != CRMI_PARSE_DONE)
            return st;
        skip_ws(j);
        char c = j->p < j->end ? *j->p++ : '\0';
        if (c == '}')
            return CRMI_PARSE_DONE;
        if (c != ',')
            return crmi_fields_bad(f, f->n - 1, "expected ',' or '}' after the value");
        skip_ws(j);
    }
}

crmi_parse crmi_jsonl_parse(const crmi_scan *s, crmi_fields *f, size_t *used, int64_t *lines)
{
    crmi_fields_reset(f);
    if (s->p == s->end)
        return s->eof ? CRMI_PARSE_END : CRMI_PARSE_MORE;
    const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
    if (!nl && !s->eof)
        return CRMI_PARSE_MORE;
    json j = {s->p, nl ? nl : s->end, f};
    *used = (size_t)(j.end - s->p) + (nl != NULL);
    *lines = nl != NULL;
    skip_ws(&j);
    if (j.p == j.end)
        return CRMI_PARSE_SKIP;
    crmi_parse st = object(&j);
    if (st != CRMI_PARSE_DONE)
        return st;
    skip_ws(&j);
    return j.p == j.end ? CRMI_PARSE_DONE : crmi_fields_bad(f, SIZE_MAX, "text after the object");
}
