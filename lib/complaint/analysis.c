/* Analysis over visible complaints: volumes and service figures by a
 * dimension, spikes against the trailing average, and frequent terms. All
 * of it is SQL over the complaint table; only the grouping expression
 * varies, chosen from a fixed list (never text from the caller). */
#include "complaint/complaint_int.h"
#include "kb/kb_int.h"
#include "product/product_int.h"

#include <string.h>

static const struct dimension {
    const char *name, *sql;
} dimensions[] = {
    {"category", "cp.category"},
    {"product", "coalesce((SELECT code FROM crm_product WHERE id = cp.product_id), '(none)')"},
    {"branch", "cb.code"},
    {"channel", "cp.channel"},
    {"severity", "cp.severity"},
    {"kind", "cp.kind"},
    {"all", "'all'"},
};

static int dimension_sql(crm_db *db, const crm_record *q, const char *dflt, const char *what,
                         const char **out)
{
    const char *by = NULL;
    if (q && crm_record_type(q, "by") != CRM_TYPE_NULL && crm_record_get_text(&by, q, "by"))
        return crmi_error(db, CRM_E_INVALID_ARG, "%s: field by: expected text", what);
    if (!by && !(by = dflt))
        return crmi_error(db, CRM_E_INVALID_ARG, "%s: field by: required", what);
    for (size_t i = 0; i < sizeof dimensions / sizeof dimensions[0]; i++)
        if (strcmp(dimensions[i].name, by) == 0) {
            *out = dimensions[i].sql;
            return CRM_OK;
        }
    return crmi_error(db, CRM_E_INVALID_ARG,
                      "%s: field by: '%.40s' is not one of category, product, branch, channel,"
                      " severity, kind, all",
                      what, by);
}

/* Period bounds as bound parameters :since and :until (NULL: open). */
static int bind_period(crm_db *db, sqlite3_stmt *st, const crm_record *q, const char *what,
                       int64_t *since, int64_t *until)
{
    bool has;
    int64_t v;
    int rc = crmi_filter_time(db, q, "since", what, &has, &v);
    if (!rc && has)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), *since = v);
    if (!rc && !(rc = crmi_filter_time(db, q, "until", what, &has, &v)) && has)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), *until = v);
    return rc;
}

static int int_option(crm_db *db, const crm_record *q, const char *field, int64_t min, int64_t max,
                      int64_t dflt, const char *what, int64_t *out)
{
    bool has;
    int rc = q ? crmi_field_int(db, q, field, min, max, &has, out) : CRM_OK;
    if (!q || !has)
        *out = dflt;
    return rc ? crmi_error_recode(db, CRM_E_INVALID_ARG, what) : CRM_OK;
}

/* Prepares `head` + key expression + `tail`, then binds the scope. */
static sqlite3_stmt *prepare_with_key(crm_db *db, const char *head, const char *key,
                                      const char *tail)
{
    crmi_buf sql = {0};
    crmi_buf_puts(&sql, head);
    crmi_buf_puts(&sql, key);
    crmi_buf_puts(&sql, tail);
    sqlite3_stmt *st = sql.failed ? NULL : crmi_prepare(db, sql.data);
    if (sql.failed)
        crmi_error(db, CRM_E_NOMEM, "complaint analysis: out of memory");
    crmi_buf_free(&sql);
    if (st)
        crmi_complaint_scope_bind(db, st);
    return st;
}

#define PERIOD_WHERE                                                                               \
    " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id WHERE" CRMI_COMPLAINT_SCOPE \
    " AND (:since IS NULL OR cp.opened_at >= :since) AND (:until IS NULL OR cp.opened_at < "       \
    ":until)"

static const char STATS_HEAD[] = "SELECT ";
static const char STATS_TAIL[] =
    " AS key, count(*) AS count, sum(cp.resolved_at IS NULL) AS open,"
    " sum(cp.resolved_at IS NOT NULL) AS resolved,"
    " CAST(round(avg(" CRMI_COMPLAINT_RESOLUTION_MINUTES ")) AS INTEGER) AS avg_resolution_minutes,"
    " sum(" CRMI_COMPLAINT_SLA_MET ") AS sla_met,"
    " CASE WHEN sum(cp.resolved_at IS NOT NULL) > 0 THEN 100 * sum(" CRMI_COMPLAINT_SLA_MET ")"
    "   / sum(cp.resolved_at IS NOT NULL) END AS sla_compliance_pct,"
    " count(cp.satisfaction) AS rated,"
    " CAST(round(avg(cp.satisfaction) * 100) AS INTEGER) AS avg_satisfaction_x100" PERIOD_WHERE
    " GROUP BY 1 ORDER BY count DESC, key";

CRM_EXTERN(int) crm_complaint_stats(crm_iter **out, crm_db *db, const crm_record *query)
{
    static const char *const known[] = {"by", "since", "until"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint stats: NULL argument");
    crmi_error_clear(db);
    const char *key;
    int64_t since = 0, until = 0;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    if (!rc)
        rc = crmi_filter_check(db, query, known, 3, "complaint stats");
    if (!rc)
        rc = dimension_sql(db, query, NULL, "complaint stats", &key);
    sqlite3_stmt *st = rc ? NULL : prepare_with_key(db, STATS_HEAD, key, STATS_TAIL);
    if (!st)
        return rc ? rc : db->errcode;
    if ((rc = bind_period(db, st, query, "complaint stats", &since, &until))) {
        sqlite3_finalize(st);
        return rc;
    }
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- spikes */

/* Buckets are counted from :origin, `window` buckets before `since`, so the
 * first reported buckets have a full trailing window; empty buckets count
 * as zero because the frame is a RANGE of bucket numbers. */
static const char SPIKE_HEAD[] = "WITH counts AS (SELECT ";
static const char SPIKE_TAIL[] =
    " AS key, (cp.opened_at - :origin) / :len AS bucket, count(*) AS n"
    " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id WHERE" CRMI_COMPLAINT_SCOPE
    " AND cp.opened_at >= :origin AND cp.opened_at < :until GROUP BY 1, 2),"
    " trailing AS (SELECT key, bucket, n, coalesce(sum(n) OVER (PARTITION BY key ORDER BY bucket"
    "   RANGE BETWEEN :window PRECEDING AND 1 PRECEDING), 0) AS before FROM counts)"
    " SELECT key, strftime('%Y-%m-%dT%H:%M:%SZ', :origin + bucket * :len, 'unixepoch')"
    "   AS bucket_start, n AS count, before * 100 / :window AS trailing_avg_x100,"
    "   n * 100 * :window / max(before, :window) AS ratio_pct"
    " FROM trailing WHERE bucket >= :window AND n >= :min_count"
    "   AND n * 100 * :window >= :factor * max(before, :window)"
    " ORDER BY ratio_pct DESC, count DESC, key, bucket";

typedef struct spike_query {
    const char *key;
    int64_t since, until, len, window, factor, min_count;
} spike_query;

static int read_spike_query(crm_db *db, const crm_record *q, spike_query *s)
{
    static const char *const known[] = {"by",     "since",      "until",    "bucket",
                                        "window", "factor_pct", "min_count"};
    const char *what = "complaint hotspots", *bucket = "day";
    bool has_since, has_until;
    int rc = crmi_filter_check(db, q, known, 7, what);
    if (!rc)
        rc = dimension_sql(db, q, "category", what, &s->key);
    if (!rc && !(rc = crmi_filter_time(db, q, "since", what, &has_since, &s->since)))
        rc = crmi_filter_time(db, q, "until", what, &has_until, &s->until);
    if (!rc && (!has_since || !has_until || s->until <= s->since))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "%s: since and until are required, since first",
                        what);
    if (!rc && q && crm_record_type(q, "bucket") != CRM_TYPE_NULL &&
        crm_record_get_text(&bucket, q, "bucket"))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "%s: field bucket: expected text", what);
    if (!rc && strcmp(bucket, "day") != 0 && strcmp(bucket, "week") != 0)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "%s: field bucket: '%.20s' is not day or week", what,
                        bucket);
    s->len = strcmp(bucket, "week") == 0 ? 7 * 86400 : 86400;
    if (!rc)
        rc = int_option(db, q, "window", 1, 366, 7, what, &s->window);
    if (!rc)
        rc = int_option(db, q, "factor_pct", 100, 100000, 200, what, &s->factor);
    if (!rc)
        rc = int_option(db, q, "min_count", 1, 1000000, 5, what, &s->min_count);
    return rc;
}

static void bind_named(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

CRM_EXTERN(int) crm_complaint_hotspots(crm_iter **out, crm_db *db, const crm_record *query)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint hotspots: NULL argument");
    crmi_error_clear(db);
    spike_query s = {0};
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    if (!rc)
        rc = read_spike_query(db, query, &s);
    sqlite3_stmt *st = rc ? NULL : prepare_with_key(db, SPIKE_HEAD, s.key, SPIKE_TAIL);
    if (!st)
        return rc ? rc : db->errcode;
    bind_named(st, ":origin", s.since - s.window * s.len);
    bind_named(st, ":until", s.until);
    bind_named(st, ":len", s.len);
    bind_named(st, ":window", s.window);
    bind_named(st, ":factor", s.factor);
    bind_named(st, ":min_count", s.min_count);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ----------------------------------------------------------------- terms */

/* crm_terms_json(text): the text's terms as a JSON array, so SQL can count
 * them with json_each. Terms hold letters, digits and CJK only: no escapes. */
static int json_term(const char *t, size_t n, void *ctx)
{
    crmi_buf *b = ctx;
    if (b->len > 1)
        crmi_buf_putc(b, ',');
    crmi_buf_putc(b, '"');
    crmi_buf_append(b, t, n);
    crmi_buf_putc(b, '"');
    return 0;
}

static void terms_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    crmi_buf b = {0};
    crmi_buf_putc(&b, '[');
    if (text)
        crmi_kb_tokenize(text, json_term, &b);
    crmi_buf_putc(&b, ']');
    if (b.failed)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    crmi_buf_free(&b);
}

static const char SQL_TERMS[] =
    "SELECT j.value AS term, count(DISTINCT cp.id) AS count"
    " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id,"
    " json_each(crm_terms_json(cp.subject || ' ' || cp.body)) j"
    " WHERE" CRMI_COMPLAINT_SCOPE
    " AND (:since IS NULL OR cp.opened_at >= :since) AND (:until IS NULL OR cp.opened_at < :until)"
    " AND (:category IS NULL OR cp.category = :category)"
    " GROUP BY j.value ORDER BY count DESC, term LIMIT :limit";

/* The statement of SQL_TERMS, registering the function on this connection
 * the first time (registering expires the connection's statements, so it
 * is done once, not per call). */
static sqlite3_stmt *prepare_terms(crm_db *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, SQL_TERMS, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        int rc = sqlite3_create_function_v2(db->sql, "crm_terms_json", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                            NULL, terms_json, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            crmi_sqlite_error(db, rc, "register crm_terms_json");
            return NULL;
        }
        st = crmi_prepare(db, SQL_TERMS);
    }
    if (st)
        crmi_complaint_scope_bind(db, st);
    return st;
}

CRM_EXTERN(int) crm_complaint_terms(crm_iter **out, crm_db *db, const crm_record *query)
{
    static const char *const known[] = {"since", "until", "category", "limit"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint terms: NULL argument");
    crmi_error_clear(db);
    const char *category = NULL;
    int64_t since = 0, until = 0, limit = 20;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    if (!rc)
        rc = crmi_filter_check(db, query, known, 4, "complaint terms");
    if (!rc && query && crm_record_type(query, "category") != CRM_TYPE_NULL &&
        crm_record_get_text(&category, query, "category"))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "complaint terms: field category: expected text");
    if (!rc)
        rc = int_option(db, query, "limit", 1, 1000, 20, "complaint terms", &limit);
    sqlite3_stmt *st = rc ? NULL : prepare_terms(db);
    if (!st)
        return rc ? rc : db->errcode;
    if ((rc = bind_period(db, st, query, "complaint terms", &since, &until))) {
        sqlite3_finalize(st);
        return rc;
    }
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":category"), category);
    bind_named(st, ":limit", limit);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
