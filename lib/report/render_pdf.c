/* PDF through cairo and pango: A4 landscape pages, a table per group with
 * its header repeated on each page, charts drawn by crmi_chart_paint, and
 * page numbers. Text is set with pango in Noto Sans CJK (fonts-noto-cjk),
 * which cairo embeds as a subset, so Chinese reads anywhere. Each page is
 * finished as soon as it is full: memory does not grow with the rows. */
#include "report/report_int.h"

#include <string.h>

#ifdef CRM_HAVE_PDF
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#define PAGE_W 842.0
#define PAGE_H 595.0
#define MARGIN 36.0
#define ROW_H 15.0
#define CHART_W 370.0
#define CHART_H 200.0
#define FONT "Noto Sans CJK SC"

typedef struct pdf_out {
    crm_db *db;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoLayout *layout;
    double y;
    int page;
    const crmi_report_def *def; /* of the section being written */
    const crmi_report_def *report;
    const crmi_report_params *p;
} pdf_out;

static void set_rgb(cairo_t *cr, unsigned rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                         (rgb & 255) / 255.0);
}

/* Draws text at (x, y baseline-ish top) within `width` (0: unbounded). */
static void draw_text(pdf_out *d, double x, double y, const char *s, double size, double width,
                      int anchor, bool bold)
{
    char font[64];
    snprintf(font, sizeof font, FONT " %s %.1f", bold ? "Bold" : "", size);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(d->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(d->layout, width > 0 ? (int)(width * PANGO_SCALE) : -1);
    pango_layout_set_ellipsize(d->layout, width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
    pango_layout_set_alignment(d->layout, anchor == 2   ? PANGO_ALIGN_RIGHT
                                          : anchor == 1 ? PANGO_ALIGN_CENTER
                                                        : PANGO_ALIGN_LEFT);
    pango_layout_set_text(d->layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(d->layout, &w, &h);
    if (width <= 0 && anchor)
        x -= anchor == 1 ? w / 2.0 : w;
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, d->layout);
}

static void footer(pdf_out *d)
{
    char text[256];
    set_rgb(d->cr, 0x666666);
    snprintf(text, sizeof text, "%s · 第 %d 页 Page %d", d->report->title, d->page, d->page);
    draw_text(d, PAGE_W / 2, PAGE_H - MARGIN + 8, text, 8, 0, 1, false);
    set_rgb(d->cr, 0x222222);
}

static void new_page(pdf_out *d)
{
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MARGIN;
}

static int pdf_open(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    pdf_out *d = crmi_calloc(1, sizeof *d);
    if (!d)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    d->db = db;
    d->p = p;
    d->surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(d->surface);
        crm_free(d);
        return crmi_error(db, CRM_E_IO, "report file %.200s: cannot create", path);
    }
    d->cr = cairo_create(d->surface);
    d->layout = pango_cairo_create_layout(d->cr);
    d->page = 1;
    d->y = MARGIN;
    *out = d;
    return CRM_OK;
}

static int pdf_close(void *r, int rc)
{
    pdf_out *d = r;
    if (d->report)
        footer(d);
    g_object_unref(d->layout);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->surface);
    cairo_status_t st = cairo_surface_status(d->surface);
    cairo_surface_destroy(d->surface);
    if (!rc && st != CAIRO_STATUS_SUCCESS)
        rc = crmi_error(d->db, CRM_E_IO, "report pdf: %s", cairo_status_to_string(st));
    crm_free(d);
    return rc;
}

static int pdf_begin(void *r, const crmi_report_def *def, const crmi_report_params *p)
{
    pdf_out *d = r;
    char line[256];
    d->report = def;
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, def->title);
    set_rgb(d->cr, 0x222222);
    snprintf(line, sizeof line, "%s  %s", def->title, def->title_en ? def->title_en : "");
    draw_text(d, MARGIN, d->y, line, 16, 0, 0, true);
    d->y += 26;
    if (p->has_period) {
        snprintf(line, sizeof line,
                 "期间 Period: %s   上期 previous: %s   去年同期 last year: %s%s%s",
                 p->period.label, p->period.prev_label, p->period.yoy_label,
                 p->branch ? "   网点 Branch: " : "", p->branch ? p->branch : "");
        draw_text(d, MARGIN, d->y, line, 9, 0, 0, false);
        d->y += 18;
    }
    return CRM_OK;
}

static int pdf_section_begin(void *r, const crmi_render_section *s)
{
    pdf_out *d = r;
    d->def = s->def;
    if (d->y > PAGE_H - MARGIN - 80)
        new_page(d);
    char line[256];
    snprintf(line, sizeof line, "%s %s", s->is_detail ? "明细 Detail:" : "汇总 Summary",
             s->is_detail ? s->def->title : "");
    draw_text(d, MARGIN, d->y, line, 13, 0, 0, true);
    d->y += 22;
    return CRM_OK;
}

static double col_width(const pdf_out *d)
{
    return (PAGE_W - 2 * MARGIN) / (double)d->def->n_cols;
}

static void table_header(pdf_out *d)
{
    double w = col_width(d);
    set_rgb(d->cr, 0xEEF2F7);
    cairo_rectangle(d->cr, MARGIN, d->y, PAGE_W - 2 * MARGIN, 2 * ROW_H);
    cairo_fill(d->cr);
    set_rgb(d->cr, 0x222222);
    for (size_t i = 0; i < d->def->n_cols; i++) {
        double x = MARGIN + w * (double)i + 2;
        draw_text(d, x, d->y + 1, d->def->cols[i].label, 7, w - 4, 0, true);
        draw_text(d, x, d->y + ROW_H, d->def->cols[i].label_en, 6, w - 4, 0, false);
    }
    d->y += 2 * ROW_H;
}

static int pdf_group_begin(void *r, const crmi_render_section *s, const char *title,
                           const char *anchor)
{
    pdf_out *d = r;
    (void)s, (void)anchor;
    if (d->y > PAGE_H - MARGIN - 5 * ROW_H)
        new_page(d);
    if (title) {
        set_rgb(d->cr, 0x1F4E79);
        draw_text(d, MARGIN, d->y, title, 10, 0, 0, true);
        set_rgb(d->cr, 0x222222);
        d->y += ROW_H + 3;
    }
    table_header(d);
    return CRM_OK;
}

static int pdf_row(void *r, const crmi_render_section *s, const crm_record *row, const char *drill)
{
    pdf_out *d = r;
    (void)drill;
    if (d->y > PAGE_H - MARGIN - ROW_H) {
        new_page(d);
        table_header(d);
    }
    double w = col_width(d);
    for (size_t i = 0; i < s->def->n_cols; i++) {
        char buf[32];
        const crmi_report_col *col = &s->def->cols[i];
        draw_text(d, MARGIN + w * (double)i + 2, d->y + 2, crmi_report_cell(buf, row, col), 7,
                  w - 4, col->type == CRMI_COL_TEXT ? 0 : 2, false);
    }
    set_rgb(d->cr, 0xDDDDDD);
    cairo_rectangle(d->cr, MARGIN, d->y + ROW_H - 0.5, PAGE_W - 2 * MARGIN, 0.5);
    cairo_fill(d->cr);
    set_rgb(d->cr, 0x222222);
    d->y += ROW_H;
    return CRM_OK;
}

/* --------------------------------------------------------------- charts */

static void cairo_rect_fill(void *ctx, double x, double y, double w, double h, unsigned rgb)
{
    pdf_out *d = ctx;
    set_rgb(d->cr, rgb);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_fill(d->cr);
}

static void cairo_poly(void *ctx, const double *xy, size_t n, unsigned rgb)
{
    pdf_out *d = ctx;
    set_rgb(d->cr, rgb);
    cairo_set_line_width(d->cr, 1.5);
    for (size_t i = 0; i < n; i++)
        (i ? cairo_line_to : cairo_move_to)(d->cr, xy[2 * i], xy[2 * i + 1]);
    cairo_stroke(d->cr);
}

static void cairo_slice(void *ctx, double cx, double cy, double r, double a0, double a1,
                        unsigned rgb)
{
    pdf_out *d = ctx;
    set_rgb(d->cr, rgb);
    cairo_move_to(d->cr, cx, cy);
    cairo_arc(d->cr, cx, cy, r, a0, a1);
    cairo_close_path(d->cr);
    cairo_fill(d->cr);
}

static void cairo_label(void *ctx, double x, double y, const char *s, double size, int anchor)
{
    pdf_out *d = ctx;
    set_rgb(d->cr, 0x222222);
    draw_text(d, x, y - size * 1.1, s, size * 0.8, 0, anchor, false);
}

static int pdf_group_end(void *r, const crmi_render_section *s, crmi_chart_data *charts)
{
    pdf_out *d = r;
    crmi_painter p = {d, cairo_rect_fill, cairo_poly, cairo_slice, cairo_label};
    size_t n = s->def->n_charts < 8 ? s->def->n_charts : 8;
    d->y += 8;
    for (size_t i = 0; i < n; i++) {
        if (i % 2 == 0 && d->y + CHART_H > PAGE_H - MARGIN)
            new_page(d);
        crmi_chart_paint(&p, &charts[i], MARGIN + (double)(i % 2) * (CHART_W + 20), d->y, CHART_W,
                         CHART_H);
        if (i % 2 == 1 || i + 1 == n)
            d->y += CHART_H + 10;
    }
    return CRM_OK;
}

static int pdf_section_end(void *r, const crmi_render_section *s)
{
    pdf_out *d = r;
    (void)s;
    d->y += 10;
    return CRM_OK;
}

static int pdf_end(void *r)
{
    (void)r;
    return CRM_OK;
}

static const crmi_renderer pdf_cb = {pdf_begin,     pdf_section_begin, pdf_group_begin, pdf_row,
                                     pdf_group_end, pdf_section_end,   pdf_end};
const crmi_render_impl crmi_render_pdf = {"pdf", &pdf_cb, pdf_open, pdf_close};

#else

static int pdf_unsupported(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    (void)out, (void)path, (void)p;
    return crmi_error(db, CRM_E_NOT_SUPPORTED, "report format pdf: built without cairo and pango");
}

const crmi_render_impl crmi_render_pdf = {"pdf", NULL, pdf_unsupported, NULL};

#endif
