/*
 * libcrm reports: customer, business, campaign and complaint reports for a
 * day up to a year, as CSV, JSON, HTML with charts, XLSX and PDF.
 *
 * A report is a definition (YAML; docs/REPORTS.md): a dataset written in SQL
 * over the documented report views (crm_v_customer, crm_v_holding, crm_v_txn,
 * crm_v_complaint, crm_v_lead, crm_v_period), its columns with Chinese and English labels and types,
 * grouping, sorting, the filters a caller may apply, comparison columns for
 * the previous period and the same period last year, charts, and the detail
 * report a summary row drills down to. Every view is limited to the acting
 * user's customers (an RM's book, a branch manager's subtree; complaints as
 * crm_complaint_list shows them, and only to users who may read complaints;
 * campaign target lists only to users who may read campaigns)
 * and has no clear personal data, so a definition cannot see more than its
 * runner.
 *
 * Built-in definitions are compiled in; a host loads more (or replaces a
 * built-in of the same name) into a catalog. Runs stream rows: memory does
 * not grow with the number of rows, in every output format.
 */
#ifndef CRM_REPORT_H
#define CRM_REPORT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A set of report definitions: the built-ins plus loaded ones. Opaque. */
typedef struct crm_report_catalog crm_report_catalog;

/**
 * Creates a catalog holding the built-in definitions (customer-analysis,
 * business-statistics, business-products, rm-performance,
 * complaint-analysis, complaint-hotspots, campaign-analysis,
 * campaign-channels).
 * @param out receives the catalog; free it with crm_report_catalog_free().
 * @return CRM_OK or CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_report_catalog_new(crm_report_catalog **out);

/** Frees a catalog. NULL is fine. */
CRM_EXTERN(void) crm_report_catalog_free(crm_report_catalog *cat);

/**
 * Adds the definitions of a YAML (or JSON) document: one definition (a
 * mapping with `name`) or a list of them. A definition replaces one of the
 * same name. All or nothing: on failure the catalog is unchanged.
 * @return CRM_OK, CRM_E_INVALID_ARG (NULL), CRM_E_INVALID_DATA with the
 *         line, definition and field at fault in crm_last_errmsg().
 */
CRM_EXTERN(int) crm_report_catalog_load(crm_report_catalog *cat, const char *yaml);

/** Like crm_report_catalog_load with the text of a file; CRM_E_IO if unreadable. */
CRM_EXTERN(int) crm_report_catalog_load_file(crm_report_catalog *cat, const char *path);

/** Number of definitions in the catalog. Cannot fail; 0 for NULL. */
CRM_EXTERN(size_t) crm_report_catalog_count(const crm_report_catalog *cat);

/**
 * The name of the i-th definition (0-based, in name order), or NULL past the
 * end. Valid until the catalog changes or is freed.
 */
CRM_EXTERN(const char *) crm_report_catalog_name(const crm_report_catalog *cat, size_t index);

/**
 * Describes a definition as one JSON object: name, title, title_en,
 * description, periodic, columns (name, label, label_en, type, in output
 * order, comparison columns included), key, filters, group, detail (report
 * and key) and charts. Free with crm_free().
 * @param cat the catalog, or NULL for the built-ins.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_NOMEM.
 */
CRM_EXTERN(int)
crm_report_describe(char **out_json, const crm_report_catalog *cat, const char *name);

/**
 * Parses a period: a day "2026-11-25", an ISO week "2026-W47", a month
 * "2026-10", a quarter "2026-Q4" or a year "2026". The record has text
 * fields kind (day, week, month, quarter, year), label, start, end (end
 * exclusive, UTC ISO-8601), previous_label, previous_start, previous_end,
 * last_year_label, last_year_start, last_year_end. Same period last year: the
 * same date (28 February for 29 February), the same ISO week number (week 52
 * when last year has no week 53), month, quarter. Free with crm_record_free().
 * @return CRM_OK, CRM_E_INVALID_DATA naming the period, CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_report_period(crm_record **out, const char *period);

/**
 * Runs report `name` and streams its rows: one record per row, fields named
 * by the columns of crm_report_describe (money fields typed CRM_TYPE_MONEY,
 * in fen). Needs an actor allowed to run reports; rows cover only the
 * actor's customers.
 *
 * `params` (may be NULL for a report without a period) holds:
 *  - "period": text, required by periodic reports (see crm_report_period);
 *  - "branch": text, a branch code: only customers of its subtree (a branch
 *    outside the actor's view is CRM_E_PERMISSION);
 *  - one text or int field per filter the definition names: only rows whose
 *    column equals it (a drill-down runs the detail report this way);
 *  - "bom", "detail": rendering options, ignored here.
 *
 * @param cat the catalog, or NULL for the built-ins; a catalog passed in
 *            must outlive the iterator.
 * @param out receives the iterator: crm_iter_next, then crm_iter_free.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such report, or unknown branch),
 *         CRM_E_INVALID_ARG (unknown parameter or filter, missing period),
 *         CRM_E_INVALID_DATA (bad period; a definition whose dataset reads
 *         anything but the report views, or lacks a declared column),
 *         CRM_E_PERMISSION (also a dataset naming crm_v_complaint when the
 *         actor may not read complaints, or a campaign view when the actor
 *         may not read campaigns).
 */
CRM_EXTERN(int)
crm_report_run(crm_iter **out, crm_db *db, const crm_report_catalog *cat, const char *name,
               const crm_record *params);

/**
 * Runs report `name` (as crm_report_run) and writes it to the file `path` in
 * `format`: "csv" (RFC 4180, CRLF, money in yuan with 2 decimals; params
 * "bom" = 1 starts it with a UTF-8 byte order mark for Excel), "json" (one
 * object: report, period, columns, rows), "html" (one self-contained file:
 * inline SVG charts, sortable tables, drill-down links to detail sections;
 * no network), "xlsx" (a formatted sheet per section, money number formats,
 * native charts) or "pdf" (tables, charts, page numbers; Chinese text in an
 * embedded Noto CJK font). HTML, XLSX and PDF include the detail report's
 * rows as drill-down sections unless params "detail" = 0.
 *
 * Rows stream from the database to the file; charts are computed from the
 * summary rows (at most CRM_REPORT_CHART_MAX points each).
 * @return the codes of crm_report_run, CRM_E_INVALID_ARG (unknown format),
 *         CRM_E_IO (file not writable), CRM_E_NOT_SUPPORTED (a format whose
 *         library was not built in).
 */
CRM_EXTERN(int)
crm_report_write(crm_db *db, const crm_report_catalog *cat, const char *name,
                 const crm_record *params, const char *format, const char *path);

/** Charts show at most this many points (categories or slices). */
#define CRM_REPORT_CHART_MAX 40

#ifdef __cplusplus
}
#endif

#endif /* CRM_REPORT_H */
