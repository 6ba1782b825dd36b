/* The report views and the one statement a run executes.
 *
 * The views are common table expressions put in front of a definition's
 * dataset, each limited by the customer scope of lib/customer (the one
 * scope check) and by the run's branch; none has a clear personal field.
 * The period is a one-row view, crm_v_period, defined again around each
 * copy of the dataset: once for the period, once for the period before and
 * once for the same period last year, joined on the definition's key. A
 * dataset is first prepared against empty stand-ins of the views with an
 * authorizer that refuses any table read, so it can read the views only. */
#include "complaint/complaint_int.h"
#include "report/report_int.h"

#include <string.h>
#include <strings.h>

/* A view; a dataset naming one with an `op` beyond running reports needs
 * that permission too (complaints: CRMI_OP_COMPLAINT_READ; campaigns:
 * CRMI_OP_CAMPAIGN_READ). */
typedef struct report_view {
    const char *name, *columns, *body;
    crmi_op op;
} report_view;

#define BRANCH_FILTER                                                                              \
    " AND (:branch_path IS NULL OR substr(b.path, 1, length(:branch_path)) = :branch_path)"

/* The branch parameter for complaints: the complaint's own branch. */
#define COMPLAINT_BRANCH_FILTER                                                                    \
    " AND (:branch_path IS NULL OR substr(cb.path, 1, length(:branch_path)) = :branch_path)"

/* The version lib/campaign acts on: approved or later, not superseded. */
#define ACTIVE_CAMPAIGN " k.status NOT IN ('draft', 'submitted', 'rejected', 'superseded')"

/* Whether the target has an unflagged response event of `kind` (0/1);
 * flagged events (link scanners, too-fast clicks) never count. */
#define TARGET_EVENT(kind)                                                                         \
    "EXISTS (SELECT 1 FROM crm_event e WHERE e.customer_id = t.customer_id AND e.campaign_id ="    \
    " t.campaign_id AND e.kind = '" kind "' AND e.flagged = 0)"

/* Age in whole years at the run's `as_of` from a YYYY-MM-DD birth date. */
#define AGE_SQL                                                                                    \
    "CAST(strftime('%Y', :as_of, 'unixepoch') AS INTEGER) - CAST(substr(c.birth_date, 1, 4)"       \
    " AS INTEGER) - (strftime('%m-%d', :as_of, 'unixepoch') < substr(c.birth_date, 6, 5))"

static const report_view views[] = {
    {"crm_v_customer",
     "customer_no, gender, age, age_band, province, city, occupation, risk_level, branch,"
     " branch_name, manager, manager_name, status, created_at, ended_at, total_assets,"
     " annual_income, consent_sms, consent_email, consent_phone, value_tier, activity",
     "SELECT customer_no, gender, age, CASE WHEN age IS NULL THEN '未知' WHEN age < 30 THEN"
     " '18-29' WHEN age < 40 THEN '30-39' WHEN age < 50 THEN '40-49' WHEN age < 60 THEN '50-59'"
     " ELSE '60+' END, province, city, occupation, risk_level, branch, branch_name, manager,"
     " manager_name, status, created_at, ended_at, total_assets, annual_income, consent_sms,"
     " consent_email, consent_phone, value_tier, activity FROM (SELECT c.customer_no, c.gender,"
     " CASE WHEN"
     " c.birth_date IS NULL THEN NULL ELSE " AGE_SQL " END AS age, c.province, c.city,"
     " c.occupation, c.risk_level, b.code AS branch, b.name AS branch_name, m.name AS manager,"
     " m.display_name AS manager_name, c.status, c.created_at,"
     " c.relationship_ended_at AS ended_at, c.total_assets, c.annual_income, c.consent_sms,"
     " c.consent_email, c.consent_phone, s.value_tier, s.activity FROM crm_customer c"
     " JOIN crm_branch b ON b.id = c.branch_id LEFT JOIN crm_user m ON m.id = c.manager_id"
     " LEFT JOIN crm_customer_score s ON s.customer_id = c.id WHERE" CRMI_CUSTOMER_SCOPE
         BRANCH_FILTER ")",
     CRMI_OP_REPORT_RUN},
    {"crm_v_holding",
     "customer_no, branch, branch_name, manager, manager_name, product_code, product_name,"
     " product_type, risk_rating, balance, updated_at",
     "SELECT c.customer_no, b.code, b.name, m.name, m.display_name, p.code, p.name, p.type,"
     " p.risk_rating, h.balance, h.updated_at FROM crm_holding h JOIN crm_customer c ON"
     " c.id = h.customer_id JOIN crm_branch b ON b.id = c.branch_id JOIN crm_product p ON"
     " p.id = h.product_id LEFT JOIN crm_user m ON m.id = c.manager_id"
     " WHERE" CRMI_CUSTOMER_SCOPE BRANCH_FILTER,
     CRMI_OP_REPORT_RUN},
    {"crm_v_txn",
     "customer_no, branch, branch_name, manager, manager_name, product_code, product_name,"
     " product_type, type, amount, channel, at",
     "SELECT c.customer_no, b.code, b.name, m.name, m.display_name, p.code, p.name,"
     " coalesce(p.type, 'none'), t.type, t.amount, t.channel, t.at FROM crm_txn t"
     " JOIN crm_customer c ON c.id = t.customer_id JOIN crm_branch b ON b.id = c.branch_id"
     " LEFT JOIN crm_product p ON p.id = t.product_id LEFT JOIN crm_user m ON"
     " m.id = c.manager_id WHERE" CRMI_CUSTOMER_SCOPE BRANCH_FILTER,
     CRMI_OP_REPORT_RUN},
    /* complaints the actor may read (lib/complaint's scope), by the
     * complaint's branch; no subject, body or contact details */
    {"crm_v_complaint",
     "ticket_no, kind, channel, severity, category, customer_no, branch, branch_name, manager,"
     " manager_name, product_code, product_name, product_type, state, opened_at, ack_due_at,"
     " first_response_at, responded_in_time, resolve_due_at, resolved_at, resolution_minutes,"
     " sla_met, breached, closed_at, reopen_count, escalation_level, satisfaction",
     "SELECT cp.ticket_no, cp.kind, cp.channel, cp.severity, cp.category, c.customer_no, cb.code,"
     " cb.name, m.name, m.display_name, p.code, p.name, p.type, cp.state, cp.opened_at,"
     " cp.ack_due_at, cp.first_response_at, " CRMI_COMPLAINT_RESPONDED_IN_TIME ","
     " cp.resolve_due_at, cp.resolved_at, " CRMI_COMPLAINT_RESOLUTION_MINUTES
     ", " CRMI_COMPLAINT_SLA_MET
     ", cp.breached, cp.closed_at, cp.reopen_count, cp.escalation_level,"
     " cp.satisfaction FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id"
     " LEFT JOIN crm_customer c ON c.id = cp.customer_id LEFT JOIN crm_user m ON"
     " m.id = c.manager_id LEFT JOIN crm_product p ON p.id = cp.product_id"
     " WHERE" CRMI_COMPLAINT_SCOPE COMPLAINT_BRANCH_FILTER,
     CRMI_OP_COMPLAINT_READ},
    /* leads of the actor's customers (lib/campaign's crm_lead); manager is
     * the RM the lead was given to */
    {"crm_v_lead",
     "customer_no, branch, branch_name, manager, manager_name, campaign_code, occasion, status,"
     " amount, due_at, created_at, updated_at",
     "SELECT c.customer_no, b.code, b.name, m.name, m.display_name, k.code, l.occasion, l.status,"
     " l.amount, l.due_at, l.created_at, l.updated_at FROM crm_lead l JOIN crm_customer c ON"
     " c.id = l.customer_id JOIN crm_branch b ON b.id = c.branch_id JOIN crm_user m ON"
     " m.id = l.rm_id LEFT JOIN crm_campaign k ON k.id = l.campaign_id"
     " WHERE" CRMI_CUSTOMER_SCOPE BRANCH_FILTER,
     CRMI_OP_REPORT_RUN},
    /* campaigns with their active version (as lib/campaign acts on it) and
     * the figures of its last stored evaluation (crm_campaign_evaluate's
     * JSON, read, never computed again); campaign-wide aggregates */
    {"crm_v_campaign",
     "campaign_code, version, name, status, branch, start_at, end_at, budget, evaluated_at,"
     " target_size, control_size, target_conversions, control_conversions, target_rate_bps,"
     " control_rate_bps, uplift_bps, significant, revenue, messages, cost, roi_bps, goals,"
     " goals_met, goal_attainment_bps, evaluation",
     "SELECT k.code, k.version, k.name, k.status, kb.code, coalesce(k.start_at, k.targeted_at,"
     " k.decided_at), coalesce(k.end_at, k.completed_at), k.budget, e.at,"
     " json_extract(e.body, '$.target_size'), json_extract(e.body, '$.control_size'),"
     " json_extract(e.body, '$.target_conversions'), json_extract(e.body,"
     " '$.control_conversions'), json_extract(e.body, '$.target_rate_bps'),"
     " json_extract(e.body, '$.control_rate_bps'), json_extract(e.body, '$.uplift_bps'),"
     " json_extract(e.body, '$.significant'), json_extract(e.body, '$.revenue'),"
     " json_extract(e.body, '$.messages'), json_extract(e.body, '$.cost'),"
     " json_extract(e.body, '$.roi_bps'), CASE WHEN e.body IS NOT NULL THEN (SELECT count(*)"
     " FROM json_each(e.body, '$.goals')) END, CASE WHEN e.body IS NOT NULL THEN (SELECT"
     " count(*) FROM json_each(e.body, '$.goals') g WHERE json_extract(g.value, '$.met')) END,"
     " (SELECT min(json_extract(g.value, '$.attainment_bps')) FROM json_each(e.body, '$.goals')"
     " g), e.body FROM crm_campaign k LEFT JOIN crm_branch kb ON kb.id = k.branch_id"
     " LEFT JOIN crm_campaign_eval e ON e.campaign_id = k.id AND e.at = (SELECT max(x.at) FROM"
     " crm_campaign_eval x WHERE x.campaign_id = k.id) WHERE" ACTIVE_CAMPAIGN
     " AND (:branch_path IS NULL OR kb.path IS NULL"
     " OR substr(kb.path, 1, length(:branch_path)) = :branch_path)",
     CRMI_OP_CAMPAIGN_READ},
    /* the channels compared in that stored evaluation */
    {"crm_v_campaign_channel", "campaign_code, channel, size, conversions, rate_bps, revenue",
     "SELECT k.code, json_extract(j.value, '$.channel'), json_extract(j.value, '$.size'),"
     " json_extract(j.value, '$.conversions'), json_extract(j.value, '$.rate_bps'),"
     " json_extract(j.value, '$.revenue') FROM crm_campaign k JOIN crm_campaign_eval e ON"
     " e.campaign_id = k.id AND e.at = (SELECT max(x.at) FROM crm_campaign_eval x WHERE"
     " x.campaign_id = k.id), json_each(e.body, '$.channels') j WHERE" ACTIVE_CAMPAIGN,
     CRMI_OP_CAMPAIGN_READ},
    /* the target lists of active versions, for the actor's customers only,
     * each row with its messages and its unflagged response events */
    {"crm_v_campaign_target",
     "campaign_code, customer_no, branch, branch_name, manager, manager_name, grp, reason,"
     " channel, status, queued, sent, delivered, opened, clicked, converted, conversion_amount,"
     " converted_at",
     "SELECT k.code, c.customer_no, b.code, b.name, m.name, m.display_name, t.grp, t.reason,"
     " t.channel, t.status, (SELECT count(*) FROM crm_outbox o WHERE o.customer_id ="
     " t.customer_id AND o.campaign_id = t.campaign_id), (SELECT count(*) FROM crm_outbox o"
     " WHERE o.customer_id = t.customer_id AND o.campaign_id = t.campaign_id AND"
     " o.state = 'sent'), " TARGET_EVENT("delivered") ", " TARGET_EVENT(
         "opened") ","
                   " " TARGET_EVENT("clicked") ", t.status = 'converted' OR " TARGET_EVENT(
                       "converted") ","
                                    " t.conversion_amount, t.converted_at FROM crm_campaign_target "
                                    "t JOIN crm_campaign k ON"
                                    " k.id = t.campaign_id JOIN crm_customer c ON c.id = "
                                    "t.customer_id JOIN crm_branch b ON"
                                    " b.id = c.branch_id LEFT JOIN crm_user m ON m.id = "
                                    "c.manager_id WHERE" ACTIVE_CAMPAIGN
                                    " AND" CRMI_CUSTOMER_SCOPE BRANCH_FILTER,
     CRMI_OP_CAMPAIGN_READ},
};

#define PERIOD_COLUMNS "start_at, end_at, label, prev_start_at, prev_end_at"

/* ------------------------------------------------------------- checking */

/* Only what a SELECT over views needs; a table read is refused because the
 * stand-ins read none (CTE columns are not table reads). */
static int dataset_authorizer(void *payload, int action, const char *a, const char *b,
                              const char *c, const char *d)
{
    (void)payload, (void)a, (void)b, (void)c, (void)d;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    default: return SQLITE_DENY;
    }
}

static void put_stand_ins(crmi_buf *sql)
{
    crmi_buf_puts(sql, "WITH ");
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        crmi_buf_printf(sql, "%s(%s) AS (SELECT ", views[i].name, views[i].columns);
        for (const char *p = views[i].columns; *p; p++)
            if (*p == ',')
                crmi_buf_puts(sql, "NULL, ");
        crmi_buf_puts(sql, "NULL WHERE 0), ");
    }
    crmi_buf_puts(sql, "crm_v_period(" PERIOD_COLUMNS ") AS (SELECT 0, 0, '', 0, 0)");
}

static bool blank_tail(const char *tail)
{
    for (; tail && *tail; tail++)
        if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';')
            return false;
    return true;
}

static int check_columns(crm_db *db, const crmi_report_def *def, sqlite3_stmt *st)
{
    int n = sqlite3_column_count(st);
    for (size_t i = 0; i < def->n_declared; i++) {
        bool found = false;
        for (int c = 0; c < n && !found; c++)
            found = !strcmp(sqlite3_column_name(st, c), def->cols[i].name);
        if (!found)
            return crmi_error(db, CRM_E_INVALID_DATA,
                              "report %s, field dataset: returns no column %s", def->name,
                              def->cols[i].name);
    }
    return CRM_OK;
}

/* Whether `sql` mentions `name` (SQL names are case-insensitive). A mention
 * in a comment counts too: it only asks for a permission too many. */
static bool mentions(const char *sql, const char *name)
{
    size_t n = strlen(name);
    for (; *sql; sql++)
        if (!strncasecmp(sql, name, n))
            return true;
    return false;
}

/* The permissions of the views the dataset reads beyond running reports. */
static int require_views(crm_db *db, const crmi_report_def *def)
{
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        if (views[i].op != CRMI_OP_REPORT_RUN && mentions(def->dataset, views[i].name)) {
            int rc = crmi_access_require(db, views[i].op);
            if (rc)
                return rc;
        }
    return CRM_OK;
}

/* Prepares the dataset against empty stand-ins of the views. */
static int check_dataset(crm_db *db, const crmi_report_def *def)
{
    crmi_buf sql = {0};
    put_stand_ins(&sql);
    crmi_buf_printf(&sql, " SELECT * FROM (%s\n)", def->dataset);
    if (sql.failed)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    sqlite3_set_authorizer(db->sql, dataset_authorizer, NULL);
    int prc = sqlite3_prepare_v2(db->sql, sql.data, (int)sql.len, &st, &tail);
    sqlite3_set_authorizer(db->sql, NULL, NULL);
    int rc = CRM_OK;
    if (prc != SQLITE_OK)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "report %s, field dataset: %s", def->name,
                        sqlite3_errmsg(db->sql));
    else if (!blank_tail(tail) || !sqlite3_stmt_readonly(st))
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "report %s, field dataset: one SELECT statement only", def->name);
    else if (sqlite3_bind_parameter_count(st) > 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "report %s, field dataset: parameters are not allowed (the period is the"
                        " view crm_v_period)",
                        def->name);
    else
        rc = check_columns(db, def, st);
    sqlite3_finalize(st);
    crmi_buf_free(&sql);
    return rc;
}

/* ------------------------------------------------------------- assembly */

static void put_views(crmi_buf *sql)
{
    crmi_buf_puts(sql, "WITH ");
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        crmi_buf_printf(sql, "%s(%s) AS NOT MATERIALIZED (%s), ", views[i].name, views[i].columns,
                        views[i].body);
}

/* One copy of the dataset over the period named by `slot` (cur, prev, yoy). */
static void put_dataset(crmi_buf *sql, const crmi_report_def *def, const char *slot)
{
    crmi_buf_printf(sql,
                    "r_%s AS (WITH crm_v_period(" PERIOD_COLUMNS ") AS (SELECT :%s_start,"
                    " :%s_end, :%s_label, :%s_prev_start, :%s_prev_end) SELECT * FROM (%s\n))",
                    slot, slot, slot, slot, slot, slot, def->dataset);
}

static void put_comparison_join(crmi_buf *sql, const crmi_report_def *def, const char *slot)
{
    crmi_buf_printf(sql, " LEFT JOIN r_%s ON ", slot);
    for (size_t k = 0; k < def->n_key; k++)
        crmi_buf_printf(sql, "%sr_%s.%s IS r_cur.%s", k ? " AND " : "", slot,
                        def->cols[def->key[k]].name, def->cols[def->key[k]].name);
}

static void put_select(crmi_buf *sql, const crmi_report_def *def)
{
    crmi_buf_puts(sql, " SELECT ");
    for (size_t i = 0; i < def->n_declared; i++)
        crmi_buf_printf(sql, "%sr_cur.%s", i ? ", " : "", def->cols[i].name);
    for (size_t i = 0; i < def->n_declared; i++)
        if (def->cols[i].compared)
            crmi_buf_printf(sql, ", r_prev.%s, r_yoy.%s", def->cols[i].name, def->cols[i].name);
    crmi_buf_puts(sql, " FROM r_cur");
    if (def->n_declared < def->n_cols) {
        put_comparison_join(sql, def, "prev");
        put_comparison_join(sql, def, "yoy");
    }
}

/* The column's expression in the final SELECT. */
static void put_col_ref(crmi_buf *sql, const crmi_report_def *def, int col)
{
    const char *name = def->cols[col].name;
    if ((size_t)col < def->n_declared) {
        crmi_buf_printf(sql, "r_cur.%s", name);
        return;
    }
    size_t len = strlen(name) - 4; /* without _prev / _yoy */
    bool yoy = !strcmp(name + strlen(name) - 4, "_yoy");
    if (!yoy)
        len = strlen(name) - 5;
    crmi_buf_printf(sql, "r_%s.%.*s", yoy ? "yoy" : "prev", (int)len, name);
}

static void put_order(crmi_buf *sql, const crmi_report_def *def, const int *first, size_t n_first)
{
    const char *sep = " ORDER BY ";
    for (size_t i = 0; i < n_first; i++, sep = ", ")
        crmi_buf_puts(sql, sep), put_col_ref(sql, def, first[i]);
    if (def->group >= 0)
        crmi_buf_puts(sql, sep), put_col_ref(sql, def, def->group), sep = ", ";
    for (size_t i = 0; i < def->n_sort; i++, sep = ", ") {
        crmi_buf_puts(sql, sep);
        put_col_ref(sql, def, def->sort[i].col);
        if (def->sort[i].desc)
            crmi_buf_puts(sql, " DESC");
    }
}

static bool is_option(const char *field)
{
    return !strcmp(field, "period") || !strcmp(field, "branch") || !strcmp(field, "bom") ||
           !strcmp(field, "detail");
}

/* WHERE terms for the filters given, bound later by name (:f_<column>). */
static int put_filters(crm_db *db, crmi_buf *sql, const crmi_report_def *def,
                       const crm_record *filters)
{
    size_t n = filters ? crm_record_count(filters) : 0;
    const char *sep = " WHERE ";
    for (size_t i = 0; i < n; i++) {
        const char *field = crm_record_field_name(filters, i);
        if (is_option(field))
            continue;
        int col = crmi_report_col_index(def, field);
        bool allowed = false;
        for (size_t f = 0; col >= 0 && f < def->n_filters; f++)
            allowed |= def->filters[f] == col;
        if (!allowed)
            return crmi_error(db, CRM_E_INVALID_ARG,
                              "report %s parameter %.48s: not a parameter or filter of the report",
                              def->name, field);
        crmi_buf_puts(sql, sep);
        put_col_ref(sql, def, col);
        crmi_buf_printf(sql, " IS :f_%s", field);
        sep = " AND ";
    }
    return CRM_OK;
}

static int build_sql(crm_db *db, crmi_buf *sql, const crmi_report_def *def,
                     const crm_record *filters, const int *first, size_t n_first)
{
    put_views(sql);
    put_dataset(sql, def, "cur");
    if (def->n_declared < def->n_cols) {
        crmi_buf_puts(sql, ", ");
        put_dataset(sql, def, "prev");
        crmi_buf_puts(sql, ", ");
        put_dataset(sql, def, "yoy");
    }
    put_select(sql, def);
    int rc = put_filters(db, sql, def, filters);
    put_order(sql, def, first, n_first);
    if (!rc && sql->failed)
        rc = crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    return rc;
}

/* ------------------------------------------------------------- binding */

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx)
        sqlite3_bind_int64(st, idx, v);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx)
        crmi_bind_text(st, idx, v);
}

/* One copy's crm_v_period: its bounds, label and the bounds of the period
 * before it (its label parsed again gives them). */
static void bind_slot(sqlite3_stmt *st, const char *slot, int64_t start, int64_t end,
                      const char *label)
{
    crmi_period self;
    char name[32];
    bool parsed = crmi_period_parse(&self, label);
    snprintf(name, sizeof name, ":%s_start", slot);
    bind_named_int(st, name, start);
    snprintf(name, sizeof name, ":%s_end", slot);
    bind_named_int(st, name, end);
    snprintf(name, sizeof name, ":%s_label", slot);
    bind_named_text(st, name, label);
    snprintf(name, sizeof name, ":%s_prev_start", slot);
    bind_named_int(st, name, parsed ? self.prev_start : start);
    snprintf(name, sizeof name, ":%s_prev_end", slot);
    bind_named_int(st, name, parsed ? self.prev_end : start);
}

static void bind_period(sqlite3_stmt *st, const crmi_report_params *p)
{
    const crmi_period *q = &p->period;
    bind_slot(st, "cur", q->start, q->end, q->label);
    bind_slot(st, "prev", q->prev_start, q->prev_end, q->prev_label);
    bind_slot(st, "yoy", q->yoy_start, q->yoy_end, q->yoy_label);
}

static void bind_filters(sqlite3_stmt *st, const crm_record *filters)
{
    size_t n = filters ? crm_record_count(filters) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *field = crm_record_field_name(filters, i);
        char name[64];
        snprintf(name, sizeof name, ":f_%s", field);
        int idx = sqlite3_bind_parameter_index(st, name);
        const char *text;
        int64_t v;
        if (!idx)
            continue;
        if (crm_record_get_text(&text, filters, field) == CRM_OK)
            crmi_bind_text(st, idx, text);
        else if (crm_record_get_int(&v, filters, field) == CRM_OK)
            sqlite3_bind_int64(st, idx, v);
    }
}

static void bind_all(crm_db *db, sqlite3_stmt *st, const crmi_report_params *p,
                     const crm_record *filters)
{
    crmi_complaint_scope_bind(db, st); /* the customer scope and the complaint view's */
    bind_named_text(st, ":branch_path", p->branch_path);
    bind_named_int(st, ":as_of", p->has_period ? p->period.end - 1 : crm_db_now(db));
    if (p->has_period)
        bind_period(st, p);
    bind_filters(st, filters);
}

/* ----------------------------------------------------------------- rows */

static int row_to_record(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    const crmi_report_def *def = ctx;
    crm_record *rec;
    int rc = crm_record_new(&rec);
    for (size_t i = 0; !rc && i < def->n_cols; i++) {
        const crmi_report_col *col = &def->cols[i];
        int type = sqlite3_column_type(st, (int)i);
        if (type == SQLITE_NULL)
            continue;
        if (col->type == CRMI_COL_MONEY)
            rc = crm_record_set_money(rec, col->name, sqlite3_column_int64(st, (int)i));
        else if (col->type == CRMI_COL_INT)
            rc = crmi_record_put_int(rec, col->name, sqlite3_column_int64(st, (int)i));
        else
            rc =
                crmi_record_put_text(rec, col->name, (const char *)sqlite3_column_text(st, (int)i));
    }
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "report row: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

/* ----------------------------------------------------------- parameters */

static const char SQL_BRANCH_PATH[] = "SELECT path FROM crm_branch WHERE code = ?1";

static int read_branch(crm_db *db, const char *code, crmi_report_params *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH_PATH);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = sqlite3_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW)
        out->branch_path = crmi_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND,
                                                "report parameter branch: no branch %.32s", code)
                                   : crmi_sqlite_error(db, step, "report branch");
    if (!out->branch_path)
        return crmi_error(db, CRM_E_NOMEM, "report: out of memory");
    if (!crmi_access_branch_visible(db, out->branch_path))
        rc = crmi_error(db, CRM_E_PERMISSION,
                        "report parameter branch: %.32s is outside your branch's subtree", code);
    out->branch = code;
    return rc;
}

static int read_flag(crm_db *db, const crm_record *params, const char *field, bool dflt, bool *out)
{
    int64_t v;
    *out = dflt;
    if (crm_record_type(params, field) == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_get_int(&v, params, field) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "report parameter %s: expected 0 or 1", field);
    *out = v != 0;
    return CRM_OK;
}

int crmi_report_params_read(crm_db *db, const crmi_report_def *def, const crm_record *params,
                            crmi_report_params *out)
{
    const char *period = NULL, *branch = NULL;
    *out = (crmi_report_params){.detail = true};
    if (params && crm_record_type(params, "period") != CRM_TYPE_NULL &&
        crm_record_get_text(&period, params, "period") != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "report parameter period: expected text");
    if (params && crm_record_type(params, "branch") != CRM_TYPE_NULL &&
        crm_record_get_text(&branch, params, "branch") != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "report parameter branch: expected text");
    if (def->periodic && !period)
        return crmi_error(db, CRM_E_INVALID_ARG, "report %s parameter period: required", def->name);
    if (period && !(out->has_period = crmi_period_parse(&out->period, period)))
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "report parameter period: %.40s is not YYYY-MM-DD, YYYY-Www, YYYY-MM,"
                          " YYYY-Qn or YYYY",
                          period);
    int rc = branch ? read_branch(db, branch, out) : CRM_OK;
    if (!rc && params)
        rc = read_flag(db, params, "bom", false, &out->bom);
    if (!rc && params)
        rc = read_flag(db, params, "detail", true, &out->detail);
    return rc;
}

void crmi_report_params_clear(crmi_report_params *p)
{
    crm_free(p->branch_path);
    p->branch_path = NULL;
}

/* What a run's iterator keeps: the definition, and the temporary catalog
 * of built-ins it lives in when the caller passed none. */
typedef struct run_ctx {
    const crmi_report_def *def;
    crm_report_catalog *owned;
} run_ctx;

static void run_ctx_free(void *p)
{
    run_ctx *ctx = p;
    if (ctx)
        crm_report_catalog_free(ctx->owned);
    crm_free(ctx);
}

static int run_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *p)
{
    return row_to_record(out, db, st, (void *)((run_ctx *)p)->def);
}

/* Checks the dataset, builds, prepares and binds the statement; the
 * iterator owns ctx from here on (freed on failure too). */
static int open_statement(crm_iter **out, crm_db *db, run_ctx *ctx, const crmi_report_params *p,
                          const crm_record *filters, const int *first, size_t n_first)
{
    crmi_buf sql = {0};
    int rc = require_views(db, ctx->def);
    if (!rc)
        rc = check_dataset(db, ctx->def);
    if (!rc)
        rc = build_sql(db, &sql, ctx->def, filters, first, n_first);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, sql.data);
    crmi_buf_free(&sql);
    if (!rc && !st)
        rc = db->errcode;
    if (rc) {
        run_ctx_free(ctx);
        return rc;
    }
    bind_all(db, st, p, filters);
    return crmi_iter_new(out, db, st, run_row, ctx, run_ctx_free);
}

int crmi_report_open(crm_iter **out, crm_db *db, const crmi_report_def *def,
                     const crmi_report_params *p, const crm_record *filters, const int *first,
                     size_t n_first)
{
    run_ctx *ctx = crmi_calloc(1, sizeof *ctx);
    if (!ctx)
        return crmi_error(db, CRM_E_NOMEM, "report run: out of memory");
    ctx->def = def;
    return open_statement(out, db, ctx, p, filters, first, n_first);
}

static int open_run(crm_iter **out, crm_db *db, run_ctx *ctx, const crm_record *params)
{
    crmi_report_params p = {0};
    int rc = crmi_report_params_read(db, ctx->def, params, &p);
    if (rc)
        run_ctx_free(ctx);
    else
        rc = open_statement(out, db, ctx, &p, params, NULL, 0);
    crmi_report_params_clear(&p);
    return rc;
}

CRM_EXTERN(int)
crm_report_run(crm_iter **out, crm_db *db, const crm_report_catalog *cat, const char *name,
               const crm_record *params)
{
    if (!out || !db || !name)
        return crmi_error(db, CRM_E_INVALID_ARG, "report run: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_REPORT_RUN);
    if (rc)
        return rc;
    run_ctx *ctx = crmi_calloc(1, sizeof *ctx);
    if (!ctx)
        return crmi_error(db, CRM_E_NOMEM, "report run: out of memory");
    rc = crmi_report_resolve(db, cat, name, &ctx->owned, &ctx->def);
    if (rc) {
        run_ctx_free(ctx);
        return rc;
    }
    return open_run(out, db, ctx, params);
}
