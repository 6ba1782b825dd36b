/* CSV (RFC 4180: CRLF, fields with a comma, quote or line break quoted,
 * quotes doubled; an optional UTF-8 BOM so Excel reads Chinese) and JSON
 * (one object whose rows array is written as the rows come). */
#include "report/report_int.h"

#include <string.h>

typedef struct text_out {
    crm_db *db;
    crmi_out o;
    const crmi_report_def *def;
    const crmi_report_params *p;
    size_t rows;
} text_out;

static int text_open(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    text_out *t = crmi_calloc(1, sizeof *t);
    if (!t)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    t->db = db;
    t->p = p;
    int rc = crmi_out_open(&t->o, db, path);
    if (rc) {
        crm_free(t);
        return rc;
    }
    *out = t;
    return CRM_OK;
}

static int text_close(void *r, int rc)
{
    text_out *t = r;
    int closed = crmi_out_close(&t->o, t->db, "file");
    crm_free(t);
    return rc ? rc : closed;
}

static int ok_section(void *r, const crmi_render_section *s)
{
    (void)r, (void)s;
    return CRM_OK;
}

static int ok_group_begin(void *r, const crmi_render_section *s, const char *title,
                          const char *anchor)
{
    (void)r, (void)s, (void)title, (void)anchor;
    return CRM_OK;
}

static int ok_group_end(void *r, const crmi_render_section *s, crmi_chart_data *charts)
{
    (void)r, (void)s, (void)charts;
    return CRM_OK;
}

/* ------------------------------------------------------------------ CSV */

static void csv_field(crmi_out *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        crmi_out_puts(o, s);
        return;
    }
    crmi_out_puts(o, "\"");
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        crmi_out_write(o, s, (size_t)(q - s));
        crmi_out_puts(o, "\"\"");
    }
    crmi_out_puts(o, s);
    crmi_out_puts(o, "\"");
}

static int csv_begin(void *r, const crmi_report_def *def, const crmi_report_params *p)
{
    text_out *t = r;
    t->def = def;
    if (p->bom)
        crmi_out_puts(&t->o, "\xEF\xBB\xBF");
    for (size_t i = 0; i < def->n_cols; i++) {
        if (i)
            crmi_out_puts(&t->o, ",");
        csv_field(&t->o, def->cols[i].name);
    }
    crmi_out_puts(&t->o, "\r\n");
    return CRM_OK;
}

static int csv_row(void *r, const crmi_render_section *s, const crm_record *row, const char *drill)
{
    text_out *t = r;
    (void)drill;
    for (size_t i = 0; i < s->def->n_cols; i++) {
        char buf[32];
        if (i)
            crmi_out_puts(&t->o, ",");
        csv_field(&t->o, crmi_report_cell(buf, row, &s->def->cols[i]));
    }
    crmi_out_puts(&t->o, "\r\n");
    return t->o.failed ? crmi_error(t->db, CRM_E_IO, "report file: write failed") : CRM_OK;
}

static int ok_end(void *r)
{
    (void)r;
    return CRM_OK;
}

static const crmi_renderer csv_cb = {csv_begin,    ok_section, ok_group_begin, csv_row,
                                     ok_group_end, ok_section, ok_end};
const crmi_render_impl crmi_render_csv = {"csv", &csv_cb, text_open, text_close};

/* ----------------------------------------------------------------- JSON */

static void json_text(crmi_out *o, const char *s)
{
    crmi_buf b = {0};
    crmi_buf_json_string(&b, s);
    crmi_out_write(o, b.data ? b.data : "\"\"", b.data ? b.len : 2);
    crmi_buf_free(&b);
}

static void json_period(crmi_out *o, const crmi_report_params *p)
{
    char start[32], end[32];
    if (!p->has_period) {
        crmi_out_puts(o, ",\"period\":null");
        return;
    }
    crm_time_format(start, sizeof start, p->period.start);
    crm_time_format(end, sizeof end, p->period.end);
    crmi_out_printf(o,
                    ",\"period\":{\"kind\":\"%s\",\"label\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
                    "\"previous\":\"%s\",\"last_year\":\"%s\"}",
                    p->period.kind, p->period.label, start, end, p->period.prev_label,
                    p->period.yoy_label);
}

static int json_begin(void *r, const crmi_report_def *def, const crmi_report_params *p)
{
    static const char *const types[] = {"text", "int", "money"};
    text_out *t = r;
    t->def = def;
    crmi_out_puts(&t->o, "{\"report\":");
    json_text(&t->o, def->name);
    crmi_out_puts(&t->o, ",\"title\":");
    json_text(&t->o, def->title);
    json_period(&t->o, p);
    crmi_out_puts(&t->o, ",\"branch\":");
    if (p->branch)
        json_text(&t->o, p->branch);
    else
        crmi_out_puts(&t->o, "null");
    crmi_out_puts(&t->o, ",\"columns\":[");
    for (size_t i = 0; i < def->n_cols; i++) {
        crmi_out_puts(&t->o, i ? ",{\"name\":" : "{\"name\":");
        json_text(&t->o, def->cols[i].name);
        crmi_out_puts(&t->o, ",\"label\":");
        json_text(&t->o, def->cols[i].label);
        crmi_out_puts(&t->o, ",\"label_en\":");
        json_text(&t->o, def->cols[i].label_en);
        crmi_out_printf(&t->o, ",\"type\":\"%s\"}", types[def->cols[i].type]);
    }
    crmi_out_puts(&t->o, "],\"rows\":[");
    return CRM_OK;
}

/* Money is a JSON number with exactly two decimals, written from fen. */
static int json_row(void *r, const crmi_render_section *s, const crm_record *row, const char *drill)
{
    text_out *t = r;
    (void)drill;
    crmi_out_puts(&t->o, t->rows++ ? ",\n{" : "\n{");
    for (size_t i = 0; i < s->def->n_cols; i++) {
        const crmi_report_col *col = &s->def->cols[i];
        char buf[32];
        if (i)
            crmi_out_puts(&t->o, ",");
        json_text(&t->o, col->name);
        crmi_out_puts(&t->o, ":");
        if (crm_record_type(row, col->name) == CRM_TYPE_NULL)
            crmi_out_puts(&t->o, "null");
        else if (col->type == CRMI_COL_TEXT)
            json_text(&t->o, crmi_report_cell(buf, row, col));
        else
            crmi_out_puts(&t->o, crmi_report_cell(buf, row, col));
    }
    crmi_out_puts(&t->o, "}");
    return t->o.failed ? crmi_error(t->db, CRM_E_IO, "report file: write failed") : CRM_OK;
}

static int json_end(void *r)
{
    text_out *t = r;
    crmi_out_puts(&t->o, "\n]}\n");
    return CRM_OK;
}

static const crmi_renderer json_cb = {json_begin,   ok_section, ok_group_begin, json_row,
                                      ok_group_end, ok_section, json_end};
const crmi_render_impl crmi_render_json = {"json", &json_cb, text_open, text_close};
