/*
 * Internal report services shared by the files of lib/report: definitions
 * (catalog.c), periods (period.c), the views and the SQL a run executes
 * (query.c), and the renderers (render_*.c) that consume a run's rows.
 */
#ifndef CRMI_REPORT_INT_H
#define CRMI_REPORT_INT_H

#include "access/access_int.h"
#include "crm/report.h"

#include <stdio.h>

/* ------------------------------------------------------------ definitions */

typedef enum crmi_col_type { CRMI_COL_TEXT, CRMI_COL_INT, CRMI_COL_MONEY } crmi_col_type;

typedef struct crmi_report_col {
    char *name, *label, *label_en;
    crmi_col_type type;
    bool compared; /* gets <name>_prev and <name>_yoy columns */
} crmi_report_col;

typedef enum crmi_chart_type { CRMI_CHART_BAR, CRMI_CHART_LINE, CRMI_CHART_PIE } crmi_chart_type;

typedef struct crmi_report_chart {
    crmi_chart_type type;
    char *title, *title_en;
    int label_col, value_col; /* indexes into the output columns */
} crmi_report_chart;

typedef struct crmi_report_sort {
    int col; /* output column */
    bool desc;
} crmi_report_sort;

/* One definition, everything owned. Output columns are the declared ones
 * followed, for each compared one, by its _prev and _yoy columns. */
typedef struct crmi_report_def {
    char *name, *title, *title_en, *description;
    char *dataset; /* SQL over the report views */
    bool periodic;
    crmi_report_col *cols;
    size_t n_cols;     /* output columns */
    size_t n_declared; /* the dataset's own columns, first in cols */
    int *key;          /* output columns identifying a row */
    size_t n_key;
    int *filters;
    size_t n_filters;
    int group; /* output column, or -1 */
    crmi_report_sort *sort;
    size_t n_sort;
    crmi_report_chart *charts;
    size_t n_charts;
    char *detail;    /* name of the detail report, or NULL */
    int *detail_key; /* output columns of this report matching the detail's key */
    size_t n_detail_key;
} crmi_report_def;

struct crm_report_catalog {
    crmi_report_def **defs; /* sorted by name */
    size_t n_defs;
};

/* The definition named `name` (NULL when absent). */
const crmi_report_def *crmi_report_find(const crm_report_catalog *cat, const char *name);

/* The output column named `name`, or -1. */
int crmi_report_col_index(const crmi_report_def *def, const char *name);

/* The built-in definitions as one YAML document (a list). */
extern const char crmi_report_builtins[];

/* Resolves `cat` (NULL: a temporary catalog of the built-ins in *tmp, which
 * the caller frees) and the definition `name`. Errors on `db`. */
int crmi_report_resolve(crm_db *db, const crm_report_catalog *cat, const char *name,
                        crm_report_catalog **tmp, const crmi_report_def **out);

/* ---------------------------------------------------------------- periods */

typedef struct crmi_period {
    char kind[8];
    char label[40], prev_label[40], yoy_label[40];
    int64_t start, end;           /* [start, end), epoch seconds UTC */
    int64_t prev_start, prev_end; /* the period before */
    int64_t yoy_start, yoy_end;   /* the same period last year */
} crmi_period;

/* Parses "2026-11-25", "2026-W47", "2026-10", "2026-Q4", "2026"; false when
 * the text is none of them. */
bool crmi_period_parse(crmi_period *out, const char *text);

/* ------------------------------------------------------------------- runs */

/* Parameters of a run, checked against the definition. */
typedef struct crmi_report_params {
    bool has_period;
    crmi_period period;
    char *branch_path; /* owned; NULL: the actor's whole view */
    const char *branch;
    bool bom, detail;
} crmi_report_params;

int crmi_report_params_read(crm_db *db, const crmi_report_def *def, const crm_record *params,
                            crmi_report_params *out);
void crmi_report_params_clear(crmi_report_params *p);

/* Runs `def` with checked parameters; `filters` (may be NULL) gives filter
 * values by field name as in crm_report_run; rows are ordered by the output
 * columns `first` before the definition's own order. Rows typed by column. */
int crmi_report_open(crm_iter **out, crm_db *db, const crmi_report_def *def,
                     const crmi_report_params *p, const crm_record *filters, const int *first,
                     size_t n_first);

/* ------------------------------------------------------------- rendering */

/* Writes money in fen as yuan with two decimals ("-1234.05") into buf (at
 * least 32 bytes): exact, by integer arithmetic. */
void crmi_money_text(char *buf, int64_t fen);

/* A value of a row as text for display (money as yuan); "" when absent. */
const char *crmi_report_cell(char buf[32], const crm_record *row, const crmi_report_col *col);

/* Accumulated chart data: the first CRM_REPORT_CHART_MAX points of a
 * (group of a) section. Summary rows are few; the cap keeps a chart's
 * memory fixed when they are not. */
typedef struct crmi_chart_data {
    const crmi_report_chart *spec;
    size_t n;
    int64_t total_rows;
    char *labels[CRM_REPORT_CHART_MAX];
    double values[CRM_REPORT_CHART_MAX]; /* display units: yuan for money */
} crmi_chart_data;

void crmi_chart_add(crmi_chart_data *d, const crmi_report_def *def, const crm_record *row);
void crmi_chart_clear(crmi_chart_data *d);

/* What a chart is drawn with: SVG text or cairo. Coordinates in points. */
typedef struct crmi_painter {
    void *ctx;
    void (*rect)(void *ctx, double x, double y, double w, double h, unsigned rgb);
    void (*polyline)(void *ctx, const double *xy, size_t n, unsigned rgb);
    void (*slice)(void *ctx, double cx, double cy, double r, double a0, double a1, unsigned rgb);
    /* anchor: 0 start, 1 middle, 2 end */
    void (*text)(void *ctx, double x, double y, const char *s, double size, int anchor);
} crmi_painter;

/* Lays a chart out in a w x h box at (x, y) and paints it. */
void crmi_chart_paint(const crmi_painter *p, const crmi_chart_data *d, double x, double y, double w,
                      double h);

/* A chart's bar/slice colour. */
unsigned crmi_chart_color(size_t i);

/* The sections of a written report: the summary, then optionally the
 * detail report's rows grouped by the drill-down key. */
typedef struct crmi_render_section {
    const crmi_report_def *def;
    bool is_detail;
    const crmi_report_def *parent; /* for a detail section */
} crmi_render_section;

/* A renderer: callbacks fed by the streaming driver in render.c. Each
 * returns a CRM code. Group callbacks come only for sections with a group
 * column or, in a detail section, per drill-down key. */
typedef struct crmi_renderer {
    int (*begin)(void *r, const crmi_report_def *def, const crmi_report_params *p);
    int (*section_begin)(void *r, const crmi_render_section *s);
    int (*group_begin)(void *r, const crmi_render_section *s, const char *title,
                       const char *anchor);
    int (*row)(void *r, const crmi_render_section *s, const crm_record *row, const char *drill);
    int (*group_end)(void *r, const crmi_render_section *s, crmi_chart_data *charts);
    int (*section_end)(void *r, const crmi_render_section *s);
    int (*end)(void *r);
} crmi_renderer;

/* The drill-down anchor of a row: "d-" and the hex of its key values. */
void crmi_report_anchor(crmi_buf *out, const crm_record *row, const crmi_report_def *def,
                        const int *cols, size_t n);

/* The renderers. Each `open` sets up its state for `path` (errors on db);
 * the driver then calls the callbacks and finally `close`, which frees
 * everything (also after a failure) and returns the first error. */
typedef struct crmi_render_impl {
    const char *format;
    const crmi_renderer *cb;
    int (*open)(void **out, crm_db *db, const char *path, const crmi_report_params *p);
    int (*close)(void *r, int rc);
} crmi_render_impl;

extern const crmi_render_impl crmi_render_csv, crmi_render_json, crmi_render_html, crmi_render_xlsx,
    crmi_render_pdf;

/* Shared by the text renderers: a buffered file that remembers a write error. */
typedef struct crmi_out {
    FILE *f;
    bool failed;
} crmi_out;

int crmi_out_open(crmi_out *o, crm_db *db, const char *path);
void crmi_out_puts(crmi_out *o, const char *s);
void crmi_out_write(crmi_out *o, const char *s, size_t n);
void crmi_out_printf(crmi_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Closes; CRM_E_IO naming `path` when any write failed. */
int crmi_out_close(crmi_out *o, crm_db *db, const char *what);

#endif /* CRMI_REPORT_INT_H */
