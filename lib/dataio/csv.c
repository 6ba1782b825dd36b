/* RFC 4180 records: quoted fields with doubled quotes, commas and line
 * breaks inside them, CRLF or LF endings. The parser looks at the buffered
 * text from the start of a record and either finds the whole record, asks
 * for more text, or says why the record is malformed. */
#include "dataio/dataio_int.h"

#include <string.h>

static int64_t count_newlines(const char *p, const char *end)
{
    int64_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* A CR ends a record only before LF (or at the end of the file); a lone CR
 * elsewhere is data, which validation then refuses as a control character. */
static bool is_line_end(const char *p, const char *end, bool eof)
{
    return *p == '\n' || (*p == '\r' && ((p + 1 < end && p[1] == '\n') || (p + 1 == end && eof)));
}

typedef struct cursor {
    const char *p, *end;
    bool eof;
    int64_t lines;
} cursor;

/* A quoted field from the opening quote to just after the closing one. */
static crmi_parse quoted(cursor *c, crmi_fields *f)
{
    size_t field = f->n - 1;
    c->p++;
    for (;;) {
        const char *q = memchr(c->p, '"', (size_t)(c->end - c->p));
        if (!q)
            return c->eof ? crmi_fields_bad(f, field, "a quoted field is not closed")
                          : CRMI_PARSE_MORE;
        if (q + 1 == c->end && !c->eof)
            return CRMI_PARSE_MORE;
        c->lines += count_newlines(c->p, q);
        crmi_fields_put(f, c->p, (size_t)(q - c->p));
        c->p = q + 1;
        if (c->p < c->end && *c->p == '"') {
            crmi_fields_putc(f, '"');
            c->p++;
            continue;
        }
        break;
    }
    if (c->p < c->end && *c->p == '\r' && c->p + 1 == c->end && !c->eof)
        return CRMI_PARSE_MORE;
    if (c->p < c->end && *c->p != ',' && !is_line_end(c->p, c->end, c->eof))
        return crmi_fields_bad(f, field, "text after the closing quote");
    return CRMI_PARSE_DONE;
}

static crmi_parse unquoted(cursor *c, crmi_fields *f)
{
    const char *q = c->p;
    while (q < c->end && *q != ',' && *q != '\n' && *q != '"') {
        if (*q == '\r' && q + 1 == c->end && !c->eof)
            return CRMI_PARSE_MORE;
        if (*q == '\r' && is_line_end(q, c->end, c->eof))
            break;
        q++;
    }
    if (q < c->end && *q == '"')
        return crmi_fields_bad(f, f->n - 1,
                               "a quote inside an unquoted field (enclose the field in quotes and "
                               "double the quote)");
    if (q == c->end && !c->eof)
        return CRMI_PARSE_MORE;
    crmi_fields_put(f, c->p, (size_t)(q - c->p));
    c->p = q;
    return CRMI_PARSE_DONE;
}

/* After a field: a comma (another field follows) or the end of the record. */
static bool record_ends(cursor *c)
{
    if (c->p == c->end)
        return true;
    if (*c->p == ',') {
        c->p++;
        return false;
    }
    if (*c->p == '\r')
        c->p++;
    if (c->p < c->end) {
        c->p++; /* the LF */
        c->lines++;
    }
    return true;
}

/* A blank line is no record. */
static crmi_parse blank_line(const crmi_scan *s, size_t *used, int64_t *lines)
{
    const char *p = s->p;
    if (*p == '\r' && p + 1 == s->end && !s->eof)
        return CRMI_PARSE_MORE;
    if (*p == '\r' && p + 1 < s->end && p[1] == '\n')
        p++;
    else if (*p != '\n')
        return CRMI_PARSE_DONE;
    *used = (size_t)(p + 1 - s->p);
    *lines = 1;
    return CRMI_PARSE_SKIP;
}

crmi_parse crmi_csv_parse(const crmi_scan *s, crmi_fields *f, size_t *used, int64_t *lines)
{
    crmi_fields_reset(f);
    if (s->p == s->end)
        return s->eof ? CRMI_PARSE_END : CRMI_PARSE_MORE;
    crmi_parse st = blank_line(s, used, lines);
    if (st != CRMI_PARSE_DONE)
        return st;
    cursor c = {s->p, s->end, s->eof, 0};
    do {
        if (!crmi_fields_add(f))
            return crmi_fields_bad(f, SIZE_MAX, "more than %d fields", CRMI_FIELDS_MAX);
        crmi_fields_open(f, false, CRMI_CELL_TEXT);
        st = (c.p < c.end && *c.p == '"') ? quoted(&c, f) : unquoted(&c, f);
        if (st != CRMI_PARSE_DONE)
            return st;
        crmi_fields_close(f);
    } while (!record_ends(&c));
    *used = (size_t)(c.p - s->p);
    *lines = c.lines;
    return CRMI_PARSE_DONE;
}

/* ---------------------------------------------------------------- writer */

void crmi_writer_csv_field(crmi_writer *w, const char *s, bool first)
{
    if (!first)
        crmi_writer_put(w, ",", 1);
    if (!s)
        return;
    size_t n = strlen(s);
    if (strcspn(s, ",\"\r\n") == n) {
        crmi_writer_put(w, s, n);
        return;
    }
    crmi_writer_put(w, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        crmi_writer_put(w, s, (size_t)(q - s + 1));
        crmi_writer_put(w, "\"", 1);
    }
    crmi_writer_put(w, s, strlen(s));
    crmi_writer_put(w, "\"", 1);
}
