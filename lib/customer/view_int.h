/*
 * The customer 360 view is assembled from sections, each written by the
 * module that owns its data. A module adds a section with one prototype here
 * and one row in the section table of lib/customer/view.c; view.c itself
 * knows no module's tables.
 */
#ifndef CRMI_VIEW_INT_H
#define CRMI_VIEW_INT_H

#include "core/db_int.h"

/* What every section writer gets. The customer is visible to the actor
 * (the access check ran), and all sections read one snapshot. */
typedef struct crmi_view_ctx {
    int64_t customer_id;
    const char *customer_no;
    int recent;  /* how many recent transactions to show */
    int64_t now; /* the handle's clock, epoch seconds */
} crmi_view_ctx;

/* Appends one JSON value (object, array or null) for the section to `out`.
 * Writers only read (cached statements are fine): the view may run in a
 * read transaction of its own. Returns CRM_OK or an error recorded on db; an
 * allocation failure may also show as out->failed. */
typedef int (*crmi_view_section_fn)(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out);

/* Appends the current row of `st` as a JSON object: one member per column,
 * named by the column; integers as numbers, NULL columns left out. */
void crmi_view_row_json(crmi_buf *out, sqlite3_stmt *st);

/* lib/customer/view.c */
int crmi_view_profile(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out);

/* lib/product/view.c */
int crmi_view_holdings(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out);
int crmi_view_recent_transactions(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out);
int crmi_view_activity(crm_db *db, const crmi_view_ctx *ctx, crmi_buf *out);

#endif /* CRMI_VIEW_INT_H */
