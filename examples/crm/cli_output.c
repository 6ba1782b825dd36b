/* Output of the crm tool: aligned tables and "field: value" lists for
 * people, JSON for programs. Cells are aligned by display width (CJK
 * characters take two columns) and control characters are shown escaped,
 * so stored text can neither break the layout nor drive the terminal. */
#include "cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- display width */

/* Decodes one UTF-8 character at s; returns its length (1 for a stray byte). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    *cp = len == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> len));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = s[0];
            return 1;
        }
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return len;
}

static bool in_ranges(uint32_t cp, const uint32_t (*ranges)[2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return false;
}

/* East Asian Wide and Fullwidth blocks (Unicode EastAsianWidth W, F). */
static const uint32_t wide[][2] = {
    {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

/* Combining marks and zero-width characters. */
static const uint32_t zero[][2] = {
    {0x0300, 0x036F}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
};

static size_t char_width(uint32_t cp)
{
    if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
        return 0;
    return in_ranges(cp, wide, sizeof wide / sizeof wide[0]) ? 2 : 1;
}

size_t cli_display_width(const char *s)
{
    size_t width = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        width += char_width(cp);
    }
    return width;
}

/* ---------------------------------------------------------------- cells */

/* A copy of `text` with C0 and C1 control characters escaped ("\n",
 * "\x1b"), or NULL when out of memory. */
static char *escape_controls(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(4 * n + 1), *o = out;
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_decode(p, &cp);
        if (cp == '\n' || cp == '\t') {
            o += sprintf(o, "\\%c", cp == '\n' ? 'n' : 't');
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            o += sprintf(o, "\\x%02x", (unsigned int)cp);
        } else {
            memcpy(o, p, len);
            o += len;
        }
        p += len;
    }
    *o = '\0';
    return out;
}

/* Money in fen as yuan with two decimals: -1234.05 */
static void format_money(char *buf, size_t size, int64_t fen)
{
    uint64_t abs = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(buf, size, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", abs / 100,
             (unsigned int)(abs % 100));
}

/* The field as display text ("-" when absent), escaped; NULL when out of memory. */
static char *cell_text(const crm_record *rec, const char *field)
{
    char buf[32];
    const char *text = "-";
    int64_t number = 0;
    switch (crm_record_type(rec, field)) {
    case CRM_TYPE_TEXT:
    case CRM_TYPE_DATE:
        crm_record_get_text(&text, rec, field);
        break;
    case CRM_TYPE_INT:
        crm_record_get_int(&number, rec, field);
        snprintf(buf, sizeof buf, "%" PRId64, number);
        text = buf;
        break;
    case CRM_TYPE_MONEY:
        crm_record_get_int(&number, rec, field);
        format_money(buf, sizeof buf, number);
        text = buf;
        break;
    case CRM_TYPE_NULL:
        break;
    }
    return escape_controls(text);
}

/* ---------------------------------------------------------------- table */

/* Rows of escaped cells, the heading first; kept whole to measure columns. */
typedef struct table {
    size_t ncols, nrows, cap;
    char **cells; /* row-major */
    size_t *widths;
} table;

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->widths);
}

static char **table_new_row(table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
        if (!grown)
            return NULL;
        t->cells = grown;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows++ * t->ncols;
    memset(row, 0, t->ncols * sizeof *row);
    return row;
}

static int table_add_heading(table *t, const cli_column *cols)
{
    char **row = table_new_row(t);
    for (size_t c = 0; row && c < t->ncols; c++)
        if (!(row[c] = escape_controls(cols[c].title)))
            return CRM_E_NOMEM;
    return row ? CRM_OK : CRM_E_NOMEM;
}

static int table_add_record(table *t, const cli_column *cols, const crm_record *rec)
{
    char **row = table_new_row(t);
    for (size_t c = 0; row && c < t->ncols; c++)
        if (!(row[c] = cell_text(rec, cols[c].field)))
            return CRM_E_NOMEM;
    return row ? CRM_OK : CRM_E_NOMEM;
}

static void table_print(table *t)
{
    for (size_t c = 0; c < t->ncols; c++)
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = cli_display_width(t->cells[r * t->ncols + c]);
            t->widths[c] = w > t->widths[c] ? w : t->widths[c];
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, stdout);
            if (c + 1 < t->ncols)
                printf("%*s", (int)(t->widths[c] - cli_display_width(cell) + 2), "");
        }
        putchar('\n');
    }
}

static int print_table(cli_ctx *ctx, crm_iter *it, const cli_column *cols)
{
    table t = {0};
    while (cols[t.ncols].field)
        t.ncols++;
    t.widths = calloc(t.ncols, sizeof *t.widths);
    int rc = t.widths ? table_add_heading(&t, cols) : CRM_E_NOMEM;
    const crm_record *rec;
    while (rc == CRM_OK && (rc = crm_iter_next(&rec, it)) == CRM_OK)
        rc = table_add_record(&t, cols, rec);
    if (rc == CRM_ITER_DONE) {
        table_print(&t);
        rc = CRM_OK;
    }
    table_free(&t);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

/* ----------------------------------------------------------------- JSON */

static int print_json_array(cli_ctx *ctx, crm_iter *it)
{
    const crm_record *rec;
    size_t count = 0;
    int rc;
    fputc('[', stdout);
    while ((rc = crm_iter_next(&rec, it)) == CRM_OK) {
        char *json;
        if ((rc = crm_record_to_json(&json, rec)) != CRM_OK)
            break;
        printf("%s\n  %s", count++ ? "," : "", json);
        crm_free(json);
    }
    printf("%s]\n", count ? "\n" : "");
    return rc == CRM_ITER_DONE ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

static int print_json_record(cli_ctx *ctx, const crm_record *rec)
{
    char *json;
    int rc = crm_record_to_json(&json, rec);
    if (rc)
        return cli_fail(ctx, rc);
    printf("%s\n", json);
    crm_free(json);
    return CLI_EXIT_OK;
}

/* --------------------------------------------------------------- public */

int cli_print_iter(cli_ctx *ctx, crm_iter *it, const cli_column *cols)
{
    return ctx->json ? print_json_array(ctx, it) : print_table(ctx, it, cols);
}

int cli_print_record(cli_ctx *ctx, const crm_record *rec)
{
    if (ctx->json)
        return print_json_record(ctx, rec);
    size_t count = crm_record_count(rec), width = 0;
    for (size_t i = 0; i < count; i++) {
        size_t w = cli_display_width(crm_record_field_name(rec, i));
        width = w > width ? w : width;
    }
    for (size_t i = 0; i < count; i++) {
        const char *field = crm_record_field_name(rec, i);
        char *value = cell_text(rec, field);
        if (!value)
            return cli_fail(ctx, CRM_E_NOMEM);
        printf("%s:%*s %s\n", field, (int)(width - cli_display_width(field)), "", value);
        free(value);
    }
    return CLI_EXIT_OK;
}

static int print_result(cli_ctx *ctx, const crm_record *rec, const char *fmt, va_list ap)
{
    if (ctx->json)
        return print_json_record(ctx, rec);
    vprintf(fmt, ap);
    putchar('\n');
    return CLI_EXIT_OK;
}

int cli_print_result(cli_ctx *ctx, const crm_record *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = print_result(ctx, rec, fmt, ap);
    va_end(ap);
    return status;
}

int cli_record_set_texts(crm_record *rec, const char *const *pairs)
{
    for (; pairs[0]; pairs += 2) {
        int rc = pairs[1] ? crm_record_set_text(rec, pairs[0], pairs[1]) : CRM_OK;
        if (rc)
            return rc;
    }
    return CRM_OK;
}

int cli_report(cli_ctx *ctx, const char *const *pairs, const char *fmt, ...)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = cli_record_set_texts(rec, pairs);
    int status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    if (!status) {
        va_list ap;
        va_start(ap, fmt);
        status = print_result(ctx, rec, fmt, ap);
        va_end(ap);
    }
    crm_record_free(rec);
    return status;
}

int cli_print_fetched(cli_ctx *ctx, int rc, crm_record *rec)
{
    if (rc)
        return cli_fail(ctx, rc);
    int status = cli_print_record(ctx, rec);
    crm_record_free(rec);
    return status;
}

int cli_print_listed(cli_ctx *ctx, int rc, crm_iter *it, const cli_column *cols)
{
    int status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, cols);
    crm_iter_free(it);
    return status;
}
