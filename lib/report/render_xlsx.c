/* XLSX through libxlsxwriter in constant-memory mode (rows are flushed as
 * they are written): a formatted sheet per section, money as numbers with
 * a two-decimal format, native charts on their own sheet referring to the
 * summary rows. */
#include "report/report_int.h"

#include <string.h>

#ifdef CRM_HAVE_XLSX
#include <xlsxwriter.h>

#define MAX_CHARTS 64

typedef struct xlsx_out {
    crm_db *db;
    lxw_workbook *wb;
    lxw_worksheet *sheet, *chart_sheet;
    const char *sheet_name;
    lxw_format *title, *head, *money, *group;
    lxw_row_t row, group_first;
    int charts;
    const crmi_report_params *p;
    char group_title[128];
} xlsx_out;

static int xlsx_open(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    xlsx_out *x = crmi_calloc(1, sizeof *x);
    if (!x)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE};
    x->db = db;
    x->p = p;
    x->wb = workbook_new_opt(path, &opts);
    if (!x->wb) {
        crm_free(x);
        return crmi_error(db, CRM_E_IO, "report file %.200s: cannot create", path);
    }
    x->title = workbook_add_format(x->wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    x->head = workbook_add_format(x->wb);
    format_set_bold(x->head);
    format_set_text_wrap(x->head);
    format_set_bg_color(x->head, 0xEEF2F7);
    format_set_border(x->head, LXW_BORDER_THIN);
    x->money = workbook_add_format(x->wb);
    format_set_num_format(x->money, "#,##0.00");
    x->group = workbook_add_format(x->wb);
    format_set_bold(x->group);
    format_set_font_color(x->group, 0x1F4E79);
    *out = x;
    return CRM_OK;
}

static int xlsx_close(void *r, int rc)
{
    xlsx_out *x = r;
    lxw_error err = workbook_close(x->wb);
    if (!rc && err != LXW_NO_ERROR)
        rc = crmi_error(x->db, CRM_E_IO, "report xlsx: %s", lxw_strerror(err));
    crm_free(x);
    return rc;
}

static int xlsx_begin(void *r, const crmi_report_def *def, const crmi_report_params *p)
{
    xlsx_out *x = r;
    x->sheet = workbook_add_worksheet(x->wb, "Summary");
    if (def->n_charts)
        x->chart_sheet = workbook_add_worksheet(x->wb, "Charts");
    (void)p;
    return x->sheet ? CRM_OK : crmi_error(x->db, CRM_E_NOMEM, "report xlsx: out of memory");
}

static int xlsx_section_begin(void *r, const crmi_render_section *s)
{
    xlsx_out *x = r;
    char title[256];
    if (s->is_detail)
        x->sheet = workbook_add_worksheet(x->wb, "Detail");
    if (!x->sheet)
        return crmi_error(x->db, CRM_E_NOMEM, "report xlsx: out of memory");
    x->sheet_name = s->is_detail ? "Detail" : "Summary";
    x->row = 0;
    snprintf(title, sizeof title, "%s %s%s%s", s->def->title,
             s->def->title_en ? s->def->title_en : "", x->p->has_period ? "  " : "",
             x->p->has_period ? x->p->period.label : "");
    worksheet_write_string(x->sheet, x->row++, 0, title, x->title);
    x->row++;
    for (size_t i = 0; i < s->def->n_cols; i++) {
        char head[256];
        snprintf(head, sizeof head, "%s\n%s", s->def->cols[i].label, s->def->cols[i].label_en);
        worksheet_set_column(x->sheet, (lxw_col_t)i, (lxw_col_t)i, 16, NULL);
        worksheet_write_string(x->sheet, x->row, (lxw_col_t)i, head, x->head);
    }
    x->row++;
    return CRM_OK;
}

static int xlsx_group_begin(void *r, const crmi_render_section *s, const char *title,
                            const char *anchor)
{
    xlsx_out *x = r;
    (void)s, (void)anchor;
    snprintf(x->group_title, sizeof x->group_title, "%s", title ? title : "");
    if (title)
        worksheet_write_string(x->sheet, x->row++, 0, title, x->group);
    x->group_first = x->row;
    return CRM_OK;
}

static int xlsx_row(void *r, const crmi_render_section *s, const crm_record *row, const char *drill)
{
    xlsx_out *x = r;
    (void)drill;
    for (size_t i = 0; i < s->def->n_cols; i++) {
        const crmi_report_col *col = &s->def->cols[i];
        const char *text;
        int64_t v;
        lxw_col_t c = (lxw_col_t)i;
        if (col->type == CRMI_COL_TEXT) {
            if (crm_record_get_text(&text, row, col->name) == CRM_OK)
                worksheet_write_string(x->sheet, x->row, c, text, NULL);
        } else if (crm_record_get_int(&v, row, col->name) == CRM_OK) {
            /* a spreadsheet number is a double: yuan for display */
            worksheet_write_number(x->sheet, x->row, c,
                                   col->type == CRMI_COL_MONEY ? (double)v / 100.0 : (double)v,
                                   col->type == CRMI_COL_MONEY ? x->money : NULL);
        }
    }
    x->row++;
    return CRM_OK;
}

static const uint8_t chart_types[] = {LXW_CHART_BAR, LXW_CHART_LINE, LXW_CHART_PIE};

/* One native chart over the group's rows, laid out on the chart sheet. */
static void add_chart(xlsx_out *x, const crmi_chart_data *d, const char *group)
{
    lxw_row_t last = x->group_first + (lxw_row_t)d->n - 1;
    lxw_chart *chart = workbook_add_chart(x->wb, chart_types[d->spec->type]);
    if (!chart)
        return;
    lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
    chart_series_set_categories(series, x->sheet_name, x->group_first,
                                (lxw_col_t)d->spec->label_col, last, (lxw_col_t)d->spec->label_col);
    chart_series_set_values(series, x->sheet_name, x->group_first, (lxw_col_t)d->spec->value_col,
                            last, (lxw_col_t)d->spec->value_col);
    char title[256];
    snprintf(title, sizeof title, "%s%s%s", group ? group : "", group ? " " : "", d->spec->title);
    chart_title_set_name(chart, title);
    if (d->spec->type != CRMI_CHART_PIE)
        chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    worksheet_insert_chart(x->chart_sheet, (lxw_row_t)(x->charts / 2) * 18,
                           (lxw_col_t)(x->charts % 2) * 9, chart);
    x->charts++;
}

static int xlsx_group_end(void *r, const crmi_render_section *s, crmi_chart_data *charts)
{
    xlsx_out *x = r;
    for (size_t i = 0; !s->is_detail && x->chart_sheet && i < s->def->n_charts && i < 8; i++)
        if (charts[i].n && x->charts < MAX_CHARTS && charts[i].total_rows == (int64_t)charts[i].n)
            add_chart(x, &charts[i], x->group_title[0] ? x->group_title : NULL);
    return CRM_OK;
}

static int xlsx_section_end(void *r, const crmi_render_section *s)
{
    (void)r, (void)s;
    return CRM_OK;
}

static int xlsx_end(void *r)
{
    (void)r;
    return CRM_OK;
}

static const crmi_renderer xlsx_cb = {xlsx_begin, xlsx_section_begin, xlsx_group_begin,
                                      xlsx_row,   xlsx_group_end,     xlsx_section_end,
                                      xlsx_end};
const crmi_render_impl crmi_render_xlsx = {"xlsx", &xlsx_cb, xlsx_open, xlsx_close};

#else

static int xlsx_unsupported(void **out, crm_db *db, const char *path, const crmi_report_params *p)
{
    (void)out, (void)path, (void)p;
    return crmi_error(db, CRM_E_NOT_SUPPORTED, "report format xlsx: built without libxlsxwriter");
}

const crmi_render_impl crmi_render_xlsx = {"xlsx", NULL, xlsx_unsupported, NULL};

#endif
