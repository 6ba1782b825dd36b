/* HTML: one self-contained file (no network): inline CSS, inline SVG charts
 * drawn by crmi_chart_paint, tables sortable by a few lines of inline
 * script, drill-down links to anchors in the detail section. Each group's
 * table streams out before its charts exist; CSS flex order shows the
 * charts above it. */
#include "report/report_int.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <string.h>

#define CHART_W 440
#define CHART_H 240

typedef struct html_out {
    crm_db *db;
    crmi_out o;
    const crmi_report_def *def;
    bool drill; /* the open table has a drill-down column */
} html_out;

static void html_text(crmi_out *o, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '<': crmi_out_puts(o, "&lt;"); break;
        case '>': crmi_out_puts(o, "&gt;"); break;
        case '&': crmi_out_puts(o, "&amp;"); break;
        case '"': crmi_out_puts(o, "&quot;"); break;
        default: crmi_out_write(o, p, 1);
        }
    }
}

static void buf_html_text(crmi_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '<': crmi_buf_puts(b, "&lt;"); break;
        case '>': crmi_buf_puts(b, "&gt;"); break;
        case '&': crmi_buf_puts(b, "&amp;"); break;
        default: crmi_buf_putc(b, *p);
        }
    }
}

static int html_open(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    (void)p;
    html_out *h = crmi_calloc(1, sizeof *h);
    if (!h)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    h->db = db;
    int rc = crmi_out_open(&h->o, db, path);
    if (rc) {
        crm_free(h);
        return rc;
    }
    *out = h;
    return CRM_OK;
}

static int html_close(void *r, int rc)
{
    html_out *h = r;
    int closed = crmi_out_close(&h->o, h->db, "file");
    crm_free(h);
    return rc ? rc : closed;
}

static const char STYLE[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;"
    "margin:24px;color:#222}h1 small,h2 small,th small{color:#777;font-weight:normal}"
    ".meta{color:#555}.group{display:flex;flex-direction:column;margin:16px 0 28px}"
    ".group h3{order:-2;margin:8px 0}.charts{order:-1;display:flex;flex-wrap:wrap;gap:12px}"
    "table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px}"
    "th{background:#eef2f7;cursor:pointer;user-select:none}td.n{text-align:right}"
    "tbody tr:nth-child(even){background:#fafafa}:target{background:#fff3c4}"
    "svg{background:#fff;border:1px solid #e3e3e3}";

/* Sorts a table by the clicked column: numbers by data-v, text otherwise. */
static const char SCRIPT[] =
    "document.querySelectorAll('table.sortable th').forEach(function(th,i){"
    "th.addEventListener('click',function(){var tb=th.closest('table').tBodies[0];"
    "var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';"
    "var rows=Array.prototype.slice.call(tb.rows);rows.sort(function(a,b){"
    "var x=a.cells[i],y=b.cells[i];var u=x.dataset.v,w=y.dataset.v;var c=(u!==undefined&&"
    "w!==undefined)?(parseFloat(u)-parseFloat(w)):x.textContent.localeCompare(y.textContent,"
    "'zh');return asc?c:-c;});rows.forEach(function(r){tb.appendChild(r);});});});";

static int html_begin(void *r, const crmi_report_def *def, const crmi_report_params *p)
{
    html_out *h = r;
    h->def = def;
    crmi_out_puts(&h->o, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                         "<title>");
    html_text(&h->o, def->title);
    crmi_out_printf(&h->o, "</title><style>%s</style></head>\n<body><h1>", STYLE);
    html_text(&h->o, def->title);
    crmi_out_puts(&h->o, " <small>");
    html_text(&h->o, def->title_en ? def->title_en : "");
    crmi_out_puts(&h->o, "</small></h1>\n<p class=\"meta\">");
    if (p->has_period)
        crmi_out_printf(&h->o,
                        "期间 Period: <b>%s</b> · 上期 previous: %s · 去年同期 last year: %s",
                        p->period.label, p->period.prev_label, p->period.yoy_label);
    if (p->branch) {
        crmi_out_puts(&h->o, " · 网点 Branch: ");
        html_text(&h->o, p->branch);
    }
    crmi_out_puts(&h->o, "</p>\n");
    if (def->description) {
        crmi_out_puts(&h->o, "<p>");
        html_text(&h->o, def->description);
        crmi_out_puts(&h->o, "</p>\n");
    }
    return CRM_OK;
}

static int html_section_begin(void *r, const crmi_render_section *s)
{
    html_out *h = r;
    crmi_out_printf(&h->o, "<section id=\"%s\"><h2>", s->is_detail ? "detail" : "summary");
    if (s->is_detail) {
        crmi_out_puts(&h->o, "明细 <small>Detail</small>: ");
        html_text(&h->o, s->def->title);
    } else {
        crmi_out_puts(&h->o, "汇总 <small>Summary</small>");
    }
    crmi_out_puts(&h->o, "</h2>\n");
    return CRM_OK;
}

static int html_group_begin(void *r, const crmi_render_section *s, const char *title,
                            const char *anchor)
{
    html_out *h = r;
    crmi_out_puts(&h->o, "<div class=\"group\">");
    if (title) {
        crmi_out_puts(&h->o, "<h3");
        if (anchor)
            crmi_out_printf(&h->o, " id=\"%s\"", anchor);
        crmi_out_puts(&h->o, ">");
        html_text(&h->o, title);
        crmi_out_puts(&h->o, "</h3>");
    }
    h->drill = !s->is_detail && s->def->detail;
    crmi_out_puts(&h->o, "<table class=\"sortable\"><thead><tr>");
    for (size_t i = 0; i < s->def->n_cols; i++) {
        crmi_out_puts(&h->o, "<th>");
        html_text(&h->o, s->def->cols[i].label);
        crmi_out_puts(&h->o, "<br><small>");
        html_text(&h->o, s->def->cols[i].label_en);
        crmi_out_puts(&h->o, "</small></th>");
    }
    if (h->drill)
        crmi_out_puts(&h->o, "<th>明细<br><small>Detail</small></th>");
    crmi_out_puts(&h->o, "</tr></thead><tbody>\n");
    return CRM_OK;
}

static int html_row(void *r, const crmi_render_section *s, const crm_record *row, const char *drill)
{
    html_out *h = r;
    crmi_out_puts(&h->o, "<tr>");
    for (size_t i = 0; i < s->def->n_cols; i++) {
        const crmi_report_col *col = &s->def->cols[i];
        char buf[32];
        const char *cell = crmi_report_cell(buf, row, col);
        if (col->type == CRMI_COL_TEXT) {
            crmi_out_puts(&h->o, "<td>");
            html_text(&h->o, cell);
        } else {
            crmi_out_printf(&h->o, "<td class=\"n\" data-v=\"%s\">%s", cell[0] ? cell : "0", cell);
        }
        crmi_out_puts(&h->o, "</td>");
    }
    if (h->drill)
        crmi_out_printf(&h->o, "<td>%s%s%s</td>", drill ? "<a href=\"#" : "", drill ? drill : "",
                        drill ? "\">明细 ›</a>" : "");
    crmi_out_puts(&h->o, "</tr>\n");
    return h->o.failed ? crmi_error(h->db, CRM_E_IO, "report file: write failed") : CRM_OK;
}

/* ----------------------------------------------------------------- SVG */

static void svg_rect(void *ctx, double x, double y, double w, double h, unsigned rgb)
{
    crmi_buf_printf(ctx,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                    " fill=\"#%06x\"/>",
                    x, y, w, h, rgb);
}

static void svg_polyline(void *ctx, const double *xy, size_t n, unsigned rgb)
{
    crmi_buf_puts(ctx, "<polyline fill=\"none\" stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < n; i++)
        crmi_buf_printf(ctx, "%.1f,%.1f ", xy[2 * i], xy[2 * i + 1]);
    crmi_buf_printf(ctx, "\" stroke=\"#%06x\"/>", rgb);
}

static void svg_slice(void *ctx, double cx, double cy, double r, double a0, double a1, unsigned rgb)
{
    if (a1 - a0 >= 2 * M_PI - 1e-9) {
        crmi_buf_printf(ctx, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#%06x\"/>", cx, cy,
                        r, rgb);
        return;
    }
    crmi_buf_printf(ctx,
                    "<path d=\"M%.1f,%.1f L%.2f,%.2f A%.1f,%.1f 0 %d 1 %.2f,%.2f Z\""
                    " fill=\"#%06x\"/>",
                    cx, cy, cx + r * cos(a0), cy + r * sin(a0), r, r, a1 - a0 > M_PI ? 1 : 0,
                    cx + r * cos(a1), cy + r * sin(a1), rgb);
}

static void svg_text(void *ctx, double x, double y, const char *s, double size, int anchor)
{
    static const char *const anchors[] = {"start", "middle", "end"};
    crmi_buf_printf(ctx, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%s\">", x, y,
                    size, anchors[anchor]);
    buf_html_text(ctx, s);
    crmi_buf_puts(ctx, "</text>");
}

static int html_group_end(void *r, const crmi_render_section *s, crmi_chart_data *charts)
{
    html_out *h = r;
    crmi_out_puts(&h->o, "</tbody></table>");
    if (s->def->n_charts)
        crmi_out_puts(&h->o, "<div class=\"charts\">");
    for (size_t i = 0; i < s->def->n_charts && i < 8; i++) {
        crmi_buf svg = {0};
        crmi_painter p = {&svg, svg_rect, svg_polyline, svg_slice, svg_text};
        crmi_buf_printf(&svg,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
                        " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                        CHART_W, CHART_H, CHART_W, CHART_H);
        crmi_chart_paint(&p, &charts[i], 8, 4, CHART_W - 16, CHART_H - 8);
        crmi_buf_puts(&svg, "</svg>");
        if (svg.failed) {
            crmi_buf_free(&svg);
            return crmi_error(h->db, CRM_E_NOMEM, "report chart: out of memory");
        }
        crmi_out_write(&h->o, svg.data, svg.len);
        crmi_buf_free(&svg);
    }
    if (s->def->n_charts)
        crmi_out_puts(&h->o, "</div>");
    crmi_out_puts(&h->o, "</div>\n");
    return CRM_OK;
}

static int html_section_end(void *r, const crmi_render_section *s)
{
    html_out *h = r;
    (void)s;
    crmi_out_puts(&h->o, "</section>\n");
    return CRM_OK;
}

static int html_end(void *r)
{
    html_out *h = r;
    crmi_out_printf(&h->o, "<script>%s</script>\n</body></html>\n", SCRIPT);
    return CRM_OK;
}

static const crmi_renderer html_cb = {html_begin, html_section_begin, html_group_begin,
                                      html_row,   html_group_end,     html_section_end,
                                      html_end};
const crmi_render_impl crmi_render_html = {"html", &html_cb, html_open, html_close};
