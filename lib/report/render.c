/* crm_report_write: streams a run's rows into a renderer, section by
 * section and group by group. Only chart data is kept, capped at
 * CRM_REPORT_CHART_MAX points per chart: summary rows are few, detail rows
 * pass straight through. */
#include "report/report_int.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdarg.h>
#include <string.h>

void crmi_money_text(char *buf, int64_t fen)
{
    uint64_t abs = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(buf, 32, "%s%llu.%02u", fen < 0 ? "-" : "", (unsigned long long)(abs / 100),
             (unsigned)(abs % 100));
}

const char *crmi_report_cell(char buf[32], const crm_record *row, const crmi_report_col *col)
{
    const char *text;
    int64_t v;
    if (col->type == CRMI_COL_TEXT)
        return crm_record_get_text(&text, row, col->name) == CRM_OK ? text : "";
    if (crm_record_get_int(&v, row, col->name) != CRM_OK)
        return "";
    if (col->type == CRMI_COL_MONEY)
        crmi_money_text(buf, v);
    else
        snprintf(buf, 32, "%lld", (long long)v);
    return buf;
}

void crmi_report_anchor(crmi_buf *out, const crm_record *row, const crmi_report_def *def,
                        const int *cols, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    crmi_buf_puts(out, "d-");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        const unsigned char *s =
            (const unsigned char *)crmi_report_cell(buf, row, &def->cols[cols[i]]);
        if (i)
            crmi_buf_putc(out, '-');
        for (; *s; s++) {
            crmi_buf_putc(out, hex[*s >> 4]);
            crmi_buf_putc(out, hex[*s & 15]);
        }
    }
}

/* --------------------------------------------------------------- charts */

void crmi_chart_add(crmi_chart_data *d, const crmi_report_def *def, const crm_record *row)
{
    d->total_rows++;
    if (d->n >= CRM_REPORT_CHART_MAX)
        return;
    char buf[32];
    int64_t v = 0;
    crm_record_get_int(&v, row, def->cols[d->spec->value_col].name);
    d->labels[d->n] = crmi_strdup(crmi_report_cell(buf, row, &def->cols[d->spec->label_col]));
    /* display units only: a chart's geometry, never a stored amount */
    d->values[d->n] =
        def->cols[d->spec->value_col].type == CRMI_COL_MONEY ? (double)v / 100.0 : (double)v;
    d->n++;
}

void crmi_chart_clear(crmi_chart_data *d)
{
    for (size_t i = 0; i < d->n; i++)
        crm_free(d->labels[i]);
    d->n = 0;
    d->total_rows = 0;
}

unsigned crmi_chart_color(size_t i)
{
    static const unsigned palette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                       0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    return palette[i % (sizeof palette / sizeof palette[0])];
}

static void format_value(char *buf, double v)
{
    if (fabs(v) >= 1e8)
        snprintf(buf, 32, "%.2f亿", v / 1e8);
    else if (fabs(v) >= 1e4)
        snprintf(buf, 32, "%.1f万", v / 1e4);
    else
        snprintf(buf, 32, "%.0f", v);
}

static double max_value(const crmi_chart_data *d)
{
    double m = 0;
    for (size_t i = 0; i < d->n; i++)
        m = d->values[i] > m ? d->values[i] : m;
    return m > 0 ? m : 1;
}

static void paint_bars(const crmi_painter *p, const crmi_chart_data *d, double x, double y,
                       double w, double h)
{
    double label_w = w * 0.3, bar_w = w * 0.55, step = h / (double)(d->n ? d->n : 1);
    double bar_h = step * 0.7 > 16 ? 16 : step * 0.7, m = max_value(d);
    for (size_t i = 0; i < d->n; i++) {
        double by = y + step * (double)i, len = d->values[i] > 0 ? bar_w * d->values[i] / m : 0;
        char buf[32];
        p->text(p->ctx, x + label_w - 4, by + bar_h * 0.8, d->labels[i], 9, 2);
        p->rect(p->ctx, x + label_w, by, len < 1 ? 1 : len, bar_h, crmi_chart_color(0));
        format_value(buf, d->values[i]);
        p->text(p->ctx, x + label_w + len + 4, by + bar_h * 0.8, buf, 8, 0);
    }
}

static void paint_line(const crmi_painter *p, const crmi_chart_data *d, double x, double y,
                       double w, double h)
{
    double xy[2 * CRM_REPORT_CHART_MAX], m = max_value(d), plot_h = h - 20;
    double step = d->n > 1 ? w / (double)(d->n - 1) : 0;
    p->rect(p->ctx, x, y + plot_h, w, 1, 0x888888);
    p->rect(p->ctx, x, y, 1, plot_h, 0x888888);
    size_t every = d->n / 8 + 1;
    for (size_t i = 0; i < d->n; i++) {
        double v = d->values[i] > 0 ? d->values[i] : 0;
        xy[2 * i] = x + step * (double)i;
        xy[2 * i + 1] = y + plot_h - plot_h * v / m;
        p->rect(p->ctx, xy[2 * i] - 2, xy[2 * i + 1] - 2, 4, 4, crmi_chart_color(1));
        if (i % every == 0)
            p->text(p->ctx, xy[2 * i], y + h - 4, d->labels[i], 8, 1);
    }
    p->polyline(p->ctx, xy, d->n, crmi_chart_color(0));
}

static void paint_pie(const crmi_painter *p, const crmi_chart_data *d, double x, double y, double w,
                      double h)
{
    double total = 0, r = (h < w * 0.5 ? h : w * 0.5) / 2 - 4, a = -M_PI / 2;
    for (size_t i = 0; i < d->n; i++)
        total += d->values[i] > 0 ? d->values[i] : 0;
    double cx = x + r + 4, cy = y + h / 2, lx = x + 2 * r + 20;
    double step = h / (double)(d->n ? d->n : 1) > 14 ? 14 : h / (double)(d->n ? d->n : 1);
    for (size_t i = 0; i < d->n; i++) {
        double v = d->values[i] > 0 ? d->values[i] : 0, share = total > 0 ? v / total : 0;
        if (share > 0)
            p->slice(p->ctx, cx, cy, r, a, a + share * 2 * M_PI, crmi_chart_color(i));
        a += share * 2 * M_PI;
        char text[160];
        snprintf(text, sizeof text, "%.100s %.1f%%", d->labels[i], share * 100);
        p->rect(p->ctx, lx, y + step * (double)i + 2, 8, 8, crmi_chart_color(i));
        p->text(p->ctx, lx + 12, y + step * (double)i + 10, text, 8, 0);
    }
}

void crmi_chart_paint(const crmi_painter *p, const crmi_chart_data *d, double x, double y, double w,
                      double h)
{
    char title[256];
    snprintf(title, sizeof title, "%s%s%s", d->spec->title, d->spec->title_en ? " " : "",
             d->spec->title_en ? d->spec->title_en : "");
    p->text(p->ctx, x + w / 2, y + 12, title, 11, 1);
    y += 20;
    h -= 24;
    if (d->n == 0)
        p->text(p->ctx, x + w / 2, y + h / 2, "(无数据 no data)", 9, 1);
    else if (d->spec->type == CRMI_CHART_BAR)
        paint_bars(p, d, x, y, w, h);
    else if (d->spec->type == CRMI_CHART_LINE)
        paint_line(p, d, x, y, w, h);
    else
        paint_pie(p, d, x, y, w, h);
}

/* ------------------------------------------------------------ text file */

int crmi_out_open(crmi_out *o, crm_db *db, const char *path)
{
    o->failed = false;
    o->f = fopen(path, "wb");
    return o->f ? CRM_OK : crmi_error(db, CRM_E_IO, "report file %.200s: cannot create", path);
}

void crmi_out_write(crmi_out *o, const char *s, size_t n)
{
    if (n && fwrite(s, 1, n, o->f) != n)
        o->failed = true;
}

void crmi_out_puts(crmi_out *o, const char *s)
{
    crmi_out_write(o, s, strlen(s));
}

void crmi_out_printf(crmi_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0)
        o->failed = true;
    va_end(ap);
}

int crmi_out_close(crmi_out *o, crm_db *db, const char *what)
{
    if (!o->f)
        return CRM_OK;
    bool failed = o->failed || fclose(o->f) != 0;
    o->f = NULL;
    return failed ? crmi_error(db, CRM_E_IO, "report %s: write failed", what) : CRM_OK;
}

/* --------------------------------------------------------------- driver */

typedef struct driver {
    crm_db *db;
    const crmi_render_impl *impl;
    void *r;
    const crmi_report_params *p;
    crmi_chart_data charts[8];
    size_t n_charts;
} driver;

static void charts_reset(driver *d, const crmi_report_def *def)
{
    for (size_t i = 0; i < d->n_charts; i++)
        crmi_chart_clear(&d->charts[i]);
    d->n_charts = def->n_charts < 8 ? def->n_charts : 8;
    for (size_t i = 0; i < d->n_charts; i++)
        d->charts[i] = (crmi_chart_data){.spec = &def->charts[i]};
}

/* The text that starts a new group: the group column's value, or the
 * drill-down key's values joined by " / ". */
static void group_title(crmi_buf *out, const crm_record *row, const crmi_report_def *def,
                        const int *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        if (i)
            crmi_buf_puts(out, " / ");
        crmi_buf_puts(out, crmi_report_cell(buf, row, &def->cols[cols[i]]));
    }
}

typedef struct section_state {
    const crmi_render_section *s;
    const int *group_cols; /* columns whose change starts a group */
    size_t n_group;
    crmi_buf current; /* title of the open group */
    bool open;
} section_state;

static int end_group(driver *d, section_state *st)
{
    if (!st->open)
        return CRM_OK;
    st->open = false;
    int rc = d->impl->cb->group_end(d->r, st->s, d->charts);
    charts_reset(d, st->s->def);
    return rc;
}

static int start_group(driver *d, section_state *st, const char *title, const char *anchor)
{
    st->open = true;
    return d->impl->cb->group_begin(d->r, st->s, title, anchor);
}

static int feed_row(driver *d, section_state *st, const crm_record *row)
{
    const crmi_report_def *def = st->s->def;
    int rc = CRM_OK;
    crmi_buf title = {0}, anchor = {0}, drill = {0};
    if (st->n_group) {
        group_title(&title, row, def, st->group_cols, st->n_group);
        if (!st->open || !st->current.data ||
            strcmp(title.data ? title.data : "", st->current.data)) {
            rc = end_group(d, st);
            if (st->s->is_detail)
                crmi_report_anchor(&anchor, row, def, st->group_cols, st->n_group);
            if (!rc)
                rc = start_group(d, st, title.data ? title.data : "", anchor.data);
            crmi_buf_free(&st->current);
            crmi_buf_puts(&st->current, title.data ? title.data : "");
        }
    }
    if (!st->s->is_detail && def->detail && d->p->detail)
        crmi_report_anchor(&drill, row, def, def->detail_key, def->n_detail_key);
    for (size_t i = 0; !rc && i < d->n_charts; i++)
        crmi_chart_add(&d->charts[i], def, row);
    if (!rc)
        rc = d->impl->cb->row(d->r, st->s, row, drill.data);
    if (!rc && (title.failed || anchor.failed || drill.failed || st->current.failed))
        rc = crmi_error(d->db, CRM_E_NOMEM, "report: out of memory");
    crmi_buf_free(&title);
    crmi_buf_free(&anchor);
    crmi_buf_free(&drill);
    return rc;
}

static int stream(driver *d, section_state *st, crm_iter *it)
{
    const crm_record *row;
    int rc;
    while ((rc = crm_iter_next(&row, it)) == CRM_OK)
        if ((rc = feed_row(d, st, row)) != CRM_OK)
            return rc;
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static int run_section(driver *d, const crmi_render_section *s, const crm_record *filters,
                       const int *group_cols, size_t n_group)
{
    crm_iter *it = NULL;
    section_state st = {s, group_cols, n_group, {0}, false};
    charts_reset(d, s->def);
    int rc = crmi_report_open(&it, d->db, s->def, d->p, filters, s->is_detail ? group_cols : NULL,
                              s->is_detail ? n_group : 0);
    if (!rc)
        rc = d->impl->cb->section_begin(d->r, s);
    if (!rc && !n_group)
        rc = start_group(d, &st, NULL, NULL);
    if (!rc)
        rc = stream(d, &st, it);
    if (!rc && !st.open && !s->is_detail && n_group)
        rc = start_group(d, &st, "", NULL); /* an empty report still shows its table */
    int end = end_group(d, &st);
    rc = rc ? rc : end;
    if (!rc)
        rc = d->impl->cb->section_end(d->r, s);
    crm_iter_free(it);
    crmi_buf_free(&st.current);
    charts_reset(d, s->def);
    return rc;
}

/* The caller's filters that the detail report also has. */
static int detail_filters(crm_db *db, const crmi_report_def *detail, const crm_record *params,
                          crm_record **out)
{
    int rc = crm_record_new(out);
    size_t n = params ? crm_record_count(params) : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *field = crm_record_field_name(params, i), *text;
        int col = crmi_report_col_index(detail, field);
        for (size_t f = 0; col >= 0 && f < detail->n_filters; f++)
            if (detail->filters[f] == col && crm_record_get_text(&text, params, field) == CRM_OK)
                rc = crmi_record_put_text(*out, field, text);
    }
    return rc ? crmi_error(db, rc, "report: out of memory") : CRM_OK;
}

static int run_detail(driver *d, const crm_report_catalog *cat, const crmi_report_def *def,
                      const crm_record *params)
{
    const crmi_report_def *detail = crmi_report_find(cat, def->detail);
    int cols[16];
    size_t n = def->n_detail_key < 16 ? def->n_detail_key : 16;
    for (size_t i = 0; i < n; i++)
        cols[i] = crmi_report_col_index(detail, def->cols[def->detail_key[i]].name);
    crm_record *filters = NULL;
    int rc = detail_filters(d->db, detail, params, &filters);
    crmi_render_section s = {detail, true, def};
    if (!rc)
        rc = run_section(d, &s, filters, cols, n);
    crm_record_free(filters);
    return rc;
}

static const crmi_render_impl *const impls[] = {
    &crmi_render_csv, &crmi_render_json, &crmi_render_html, &crmi_render_xlsx, &crmi_render_pdf};

static int render(driver *d, const crm_report_catalog *cat, const crmi_report_def *def,
                  const crm_record *params)
{
    int group_col = def->group;
    crmi_render_section main = {def, false, NULL};
    int rc = d->impl->cb->begin(d->r, def, d->p);
    if (!rc)
        rc = run_section(d, &main, params, &group_col, group_col >= 0 ? 1 : 0);
    if (!rc && def->detail && d->p->detail && d->impl->cb->group_begin &&
        strcmp(d->impl->format, "csv") && strcmp(d->impl->format, "json"))
        rc = run_detail(d, cat, def, params);
    if (!rc)
        rc = d->impl->cb->end(d->r);
    return rc;
}

static int write_report(crm_db *db, const crm_report_catalog *cat, const crmi_report_def *def,
                        const crm_record *params, const crmi_render_impl *impl, const char *path)
{
    crmi_report_params p = {0};
    driver d = {db, impl, NULL, &p, {{0}}, 0};
    int rc = crmi_report_params_read(db, def, params, &p);
    if (!rc)
        rc = impl->open(&d.r, db, path, &p);
    if (!rc)
        rc = impl->close(d.r, render(&d, cat, def, params));
    crmi_report_params_clear(&p);
    return rc;
}

CRM_EXTERN(int)
crm_report_write(crm_db *db, const crm_report_catalog *cat, const char *name,
                 const crm_record *params, const char *format, const char *path)
{
    if (!db || !name || !format || !path)
        return crmi_error(db, CRM_E_INVALID_ARG, "report write: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_REPORT_RUN);
    if (rc)
        return rc;
    const crmi_render_impl *impl = NULL;
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++)
        if (!strcmp(impls[i]->format, format))
            impl = impls[i];
    if (!impl)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "report format %.16s: expected csv, json, html, xlsx or pdf", format);
    crm_report_catalog *tmp = NULL;
    const crmi_report_def *def = NULL;
    rc = crmi_report_resolve(db, cat, name, &tmp, &def);
    if (!rc)
        rc = write_report(db, cat ? cat : tmp, def, params, impl, path);
    crm_report_catalog_free(tmp);
    return rc;
}
