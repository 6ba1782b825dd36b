/* The streaming reader: a bounded buffer of decoded text, the record parser
 * of the file's format, line counting, recovery after a malformed record,
 * and the checks every cell gets (well-formed UTF-8 or GBK). */
#include "dataio/dataio_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- fields */

void crmi_fields_reset(crmi_fields *f)
{
    f->len = 0;
    f->n = 0;
    f->reason[0] = '\0';
    f->bad_field = SIZE_MAX;
}

static bool grow_text(crmi_fields *f, size_t extra)
{
    if (f->len + extra <= f->cap)
        return true;
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->len + extra)
        cap *= 2;
    char *text = crmi_realloc(f->text, cap);
    if (!text) {
        f->failed = true;
        return false;
    }
    f->text = text;
    f->cap = cap;
    return true;
}

bool crmi_fields_add(crmi_fields *f)
{
    if (f->n == CRMI_FIELDS_MAX)
        return false;
    if (f->n == f->cap_n) {
        size_t cap = f->cap_n ? f->cap_n * 2 : 32;
        size_t *v = crmi_realloc(f->value_at, cap * sizeof *v);
        if (v)
            f->value_at = v;
        size_t *k = crmi_realloc(f->name_at, cap * sizeof *k);
        if (k)
            f->name_at = k;
        crmi_cell_type *t = crmi_realloc(f->types, cap * sizeof *t);
        if (t)
            f->types = t;
        if (!v || !k || !t) {
            f->failed = true;
            return false;
        }
        f->cap_n = cap;
    }
    f->value_at[f->n] = f->name_at[f->n] = SIZE_MAX;
    f->types[f->n] = CRMI_CELL_NULL;
    f->n++;
    return true;
}

void crmi_fields_open(crmi_fields *f, bool is_name, crmi_cell_type type)
{
    if (is_name) {
        f->name_at[f->n - 1] = f->len;
        return;
    }
    f->value_at[f->n - 1] = f->len;
    f->types[f->n - 1] = type;
}

void crmi_fields_put(crmi_fields *f, const char *s, size_t n)
{
    if (n && grow_text(f, n)) {
        memcpy(f->text + f->len, s, n);
        f->len += n;
    }
}

void crmi_fields_putc(crmi_fields *f, char c)
{
    crmi_fields_put(f, &c, 1);
}

void crmi_fields_close(crmi_fields *f)
{
    crmi_fields_putc(f, '\0');
}

crmi_parse crmi_fields_bad(crmi_fields *f, size_t field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof f->reason, fmt, ap);
    va_end(ap);
    f->bad_field = field;
    return CRMI_PARSE_BAD;
}

static void fields_free(crmi_fields *f)
{
    crm_free(f->text);
    crm_free(f->value_at);
    crm_free(f->name_at);
    crm_free(f->types);
}

/* ---------------------------------------------------------------- reader */

typedef crmi_parse (*parse_fn)(const crmi_scan *s, crmi_fields *f, size_t *used, int64_t *lines);

struct crmi_reader {
    crm_db *db;
    char label[96];
    crm_data_format format;
    parse_fn parse;
    crmi_source src;
    char *buf; /* decoded text; the next record starts at buf[start] */
    size_t cap, start, len;
    bool eof;
    int64_t line; /* the physical line of buf[start] */
    crmi_fields f;
    crmi_cell *cells;
    size_t cells_cap;
    char **header;
    size_t n_header;
    char reason[300];
};

static int nomem(crmi_reader *r)
{
    return crmi_error(r->db, CRM_E_NOMEM, "%s: out of memory", r->label);
}

/* Moves the unread text to the front and reads another chunk after it. */
static int fill(crmi_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
    if (r->cap - r->len < CRMI_CHUNK) {
        size_t cap = r->len + 2 * CRMI_CHUNK;
        char *buf = crmi_realloc(r->buf, cap);
        if (!buf)
            return nomem(r);
        r->buf = buf;
        r->cap = cap;
    }
    size_t n;
    int rc = crmi_source_read(&r->src, r->db, r->buf + r->len, r->cap - r->len, &n);
    if (rc)
        return rc;
    r->len += n;
    r->eof = n == 0;
    return CRM_OK;
}

/* Goes on at the line after the one where a malformed record started. */
static int resync(crmi_reader *r)
{
    for (;;) {
        const char *nl = memchr(r->buf + r->start, '\n', r->len - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            r->line++;
            return CRM_OK;
        }
        r->start = r->len;
        if (r->eof)
            return CRM_OK;
        int rc = fill(r);
        if (rc)
            return rc;
    }
}

/* Why a cell's bytes are not text: a marker names the byte the encoding
 * refused; otherwise the file was not UTF-8. */
static const char *bad_text(crmi_reader *r, const char *s)
{
    const char *mark = strchr(s, (char)CRMI_BAD_BYTE);
    if (r->src.cd != (iconv_t)-1 && mark)
        snprintf(r->reason, sizeof r->reason, "byte 0x%02X is not valid GBK",
                 (unsigned int)(unsigned char)mark[1]);
    else
        snprintf(r->reason, sizeof r->reason,
                 "not valid UTF-8 (if the file was saved as GBK, import it with encoding gbk)");
    return r->reason;
}

static const char *cell_name(const crmi_reader *r, size_t i)
{
    if (r->format == CRM_FORMAT_CSV)
        return i < r->n_header ? r->header[i] : NULL;
    return r->f.name_at[i] == SIZE_MAX ? NULL : r->f.text + r->f.name_at[i];
}

/* Fills the row's cells from the parsed fields and checks their text. */
static int make_cells(crmi_reader *r, crmi_row *row)
{
    crmi_fields *f = &r->f;
    if (f->n > r->cells_cap) {
        crmi_cell *cells = crmi_realloc(r->cells, f->n * sizeof *cells);
        if (!cells)
            return nomem(r);
        r->cells = cells;
        r->cells_cap = f->n;
    }
    for (size_t i = 0; i < f->n; i++) {
        crmi_cell *c = &r->cells[i];
        c->name = cell_name(r, i);
        c->value = f->value_at[i] == SIZE_MAX ? NULL : f->text + f->value_at[i];
        c->type = f->types[i];
        if (c->value && !*c->value && c->type == CRMI_CELL_TEXT && r->format == CRM_FORMAT_CSV)
            c->type = CRMI_CELL_NULL;
        if (c->type == CRMI_CELL_NULL)
            c->value = NULL;
        const char *bad = c->name && !crmi_utf8_valid(c->name, strlen(c->name))      ? c->name
                          : c->value && !crmi_utf8_valid(c->value, strlen(c->value)) ? c->value
                                                                                     : NULL;
        if (bad && !row->bad_reason) {
            row->bad_reason = bad_text(r, bad);
            row->bad_column = bad == c->name ? NULL : c->name;
        }
    }
    row->n = f->n;
    row->cells = r->cells;
    return CRM_OK;
}

static int bad_row(crmi_reader *r, crmi_row *row)
{
    snprintf(r->reason, sizeof r->reason, "%s", r->f.reason);
    *row = (crmi_row){.line = r->line, .bad_reason = r->reason};
    if (r->f.bad_field != SIZE_MAX)
        row->bad_column = cell_name(r, r->f.bad_field);
    return resync(r);
}

static bool field_count_differs(crmi_reader *r)
{
    if (r->format != CRM_FORMAT_CSV || !r->header || r->f.n == r->n_header)
        return false;
    crmi_fields_bad(&r->f, SIZE_MAX, "%zu fields, but the header has %zu", r->f.n, r->n_header);
    return true;
}

/* One parse step: a record, a skipped line, or a request for more text. */
static int step(crmi_reader *r, crmi_row *row, bool *got)
{
    if (!r->buf) /* nothing read yet: no offset may be applied to a NULL buffer */
        return fill(r);
    crmi_scan scan = {r->buf + r->start, r->buf + r->len, r->eof};
    size_t used = 0;
    int64_t lines = 0;
    crmi_parse st = r->parse(&scan, &r->f, &used, &lines);
    if (r->f.failed)
        return nomem(r);
    if (st == CRMI_PARSE_MORE && r->len - r->start >= CRMI_RECORD_MAX)
        st = crmi_fields_bad(&r->f, SIZE_MAX,
                             "record longer than %zu bytes (is a quote not closed?)",
                             CRMI_RECORD_MAX);
    if (st == CRMI_PARSE_DONE && field_count_differs(r))
        st = CRMI_PARSE_BAD;
    switch (st) {
    case CRMI_PARSE_MORE: return fill(r);
    case CRMI_PARSE_END: *got = true; return CRM_ITER_DONE;
    case CRMI_PARSE_SKIP:
        r->start += used;
        r->line += lines;
        return CRM_OK;
    case CRMI_PARSE_BAD: *got = true; return bad_row(r, row);
    default:
        *got = true;
        *row = (crmi_row){.line = r->line};
        r->start += used;
        r->line += lines;
        return make_cells(r, row);
    }
}

int crmi_reader_next(crmi_reader *r, crmi_row *row)
{
    bool got = false;
    int rc = CRM_OK;
    while (!rc && !got)
        rc = step(r, row, &got);
    return rc;
}

/* --------------------------------------------------------------- header */

static int header_error(crmi_reader *r, int64_t line, const char *why, const char *column)
{
    if (column)
        return crmi_error(r->db, CRM_E_INVALID_DATA, "%s line %lld, column %s: %s", r->label,
                          (long long)line, column, why);
    return crmi_error(r->db, CRM_E_INVALID_DATA, "%s line %lld: %s", r->label, (long long)line,
                      why);
}

static void trim_spaces(char *s)
{
    size_t n = strlen(s), lead = strspn(s, " \t");
    while (n > lead && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + lead, n - lead);
    s[n - lead] = '\0';
}

static int check_header_name(crmi_reader *r, int64_t line, size_t i)
{
    const char *name = r->header[i];
    if (!crmi_utf8_valid(name, strlen(name)))
        return header_error(r, line, bad_text(r, name), NULL);
    if (!*name)
        return crmi_error(r->db, CRM_E_INVALID_DATA, "%s line %lld: header field %zu is empty",
                          r->label, (long long)line, i + 1);
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->header[j], name) == 0)
            return header_error(r, line, "appears twice in the header", name);
    return CRM_OK;
}

static int read_header(crmi_reader *r)
{
    crmi_row row;
    int rc = crmi_reader_next(r, &row);
    if (rc == CRM_ITER_DONE)
        return header_error(r, r->line, "the file is empty: the first line must name the columns",
                            NULL);
    if (!rc && row.bad_reason)
        return crmi_error(r->db, CRM_E_INVALID_DATA, "%s line %lld (header): %s", r->label,
                          (long long)row.line, row.bad_reason);
    if (rc)
        return rc;
    if (!(r->header = crmi_calloc(row.n, sizeof *r->header)))
        return nomem(r);
    for (size_t i = 0; i < row.n && !rc; i++) {
        r->header[i] =
            crmi_strdup(r->f.value_at[i] == SIZE_MAX ? "" : r->f.text + r->f.value_at[i]);
        if (!r->header[i])
            return nomem(r);
        r->n_header = i + 1;
        trim_spaces(r->header[i]);
        rc = check_header_name(r, row.line, i);
    }
    return rc;
}

/* ------------------------------------------------------------ lifecycle */

static void set_label(crmi_reader *r, const char *path)
{
    const char *base = strrchr(path, '/');
    snprintf(r->label, sizeof r->label, "%s", base && base[1] ? base + 1 : path);
}

int crmi_reader_open(crmi_reader **out, crm_db *db, const char *path, crm_data_format format,
                     crm_text_encoding enc)
{
    if (format != CRM_FORMAT_CSV && format != CRM_FORMAT_JSONL)
        return crmi_error(db, CRM_E_INVALID_ARG, "import: unknown format %d", (int)format);
    crmi_reader *r = crmi_calloc(1, sizeof *r);
    if (!r)
        return crmi_error(db, CRM_E_NOMEM, "import: out of memory");
    r->db = db;
    r->format = format;
    r->parse = format == CRM_FORMAT_CSV ? crmi_csv_parse : crmi_jsonl_parse;
    r->line = 1;
    set_label(r, path);
    int rc = crmi_source_open(&r->src, db, path, r->label, enc);
    if (!rc && format == CRM_FORMAT_CSV)
        rc = read_header(r);
    if (rc) {
        crmi_reader_close(r);
        return rc;
    }
    *out = r;
    return CRM_OK;
}

void crmi_reader_close(crmi_reader *r)
{
    if (!r)
        return;
    crmi_source_close(&r->src);
    for (size_t i = 0; i < r->n_header; i++)
        crm_free(r->header[i]);
    crm_free(r->header);
    fields_free(&r->f);
    crm_free(r->cells);
    crm_free(r->buf);
    crm_free(r);
}

size_t crmi_reader_header(const crmi_reader *r, const char *const **names)
{
    *names = (const char *const *)r->header;
    return r->n_header;
}

int64_t crmi_reader_bytes(const crmi_reader *r)
{
    return r->src.bytes;
}

const char *crmi_reader_label(const crmi_reader *r)
{
    return r->label;
}
