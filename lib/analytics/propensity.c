/* Propensity: logistic regression trained on history. Labels come from the
 * horizon after a cutoff, features from before it; a seeded shuffle and a
 * 70/30 split, standardisation on the training part, batch gradient descent
 * with a fixed number of iterations, AUC on the hold-out part. Then every
 * visible customer is scored on today's features and the score stored. */
#include "analytics/analytics_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_FEAT 8
#define LEARNING_RATE 0.5
#define L2 1e-4

static const char *const feature_names[N_FEAT] = {"age",
                                                  "annual_income",
                                                  "aum",
                                                  "txn_count_90d",
                                                  "txn_amount_90d",
                                                  "recency_days",
                                                  "target_txns_365d",
                                                  "product_types_365d"};

typedef struct params {
    const char *target;
    int64_t horizon_days, cutoff, seed, iterations;
} params;

typedef struct sample {
    int64_t id;
    double x[N_FEAT];
    int y;
} sample;

typedef struct samples {
    sample *items;
    size_t n, cap;
} samples;

typedef struct model {
    double mean[N_FEAT], sd[N_FEAT];
    double w[N_FEAT + 1]; /* w[0]: intercept */
} model;

/* Features as of `cut`; age and income missing count as 0 before scaling
 * (the mean after), like the clustering's imputation. */
static void features_of(const crmi_facts *f, int64_t cut, double *x)
{
    static const crmi_feature shared[6] = {
        CRMI_FEAT_AGE,           CRMI_FEAT_INCOME,         CRMI_FEAT_AUM,
        CRMI_FEAT_TXN_COUNT_90D, CRMI_FEAT_TXN_AMOUNT_90D, CRMI_FEAT_RECENCY};
    for (int j = 0; j < 6; j++)
        if (!crmi_feature_value(f, shared[j], cut, &x[j]))
            x[j] = NAN;
    x[6] = (double)f->type365;
    x[7] = (double)f->types365;
}

static int load(crm_db *db, const params *p, int64_t cut, samples *out)
{
    crmi_facts_query q = {.cut = cut,
                          .window_days = 90,
                          .rfm_days = 365,
                          .target = p->target,
                          .horizon_days = p->horizon_days};
    sqlite3_stmt *st = NULL;
    crmi_facts f;
    int rc = crmi_facts_open(db, &q, &st);
    while (!rc && (rc = crmi_facts_next(db, st, &f)) == CRM_OK) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 1024;
            sample *grown = crmi_realloc(out->items, cap * sizeof *grown);
            if (!grown) {
                rc = crmi_error(db, CRM_E_NOMEM, "propensity: out of memory");
                break;
            }
            out->items = grown;
            out->cap = cap;
        }
        sample *s = &out->items[out->n++];
        s->id = f.id;
        s->y = f.label > 0;
        features_of(&f, cut, s->x);
    }
    sqlite3_finalize(st);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static void shuffle(samples *s, uint64_t seed)
{
    crmi_rng rng;
    crmi_rng_seed(&rng, seed);
    for (size_t i = s->n; i > 1; i--) {
        size_t j = (size_t)crmi_rng_below(&rng, i);
        sample t = s->items[i - 1];
        s->items[i - 1] = s->items[j];
        s->items[j] = t;
    }
}

static void fit_scaling(model *m, const sample *xs, size_t n)
{
    for (int j = 0; j < N_FEAT; j++) {
        double sum = 0, sq = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(xs[i].x[j])) {
                sum += xs[i].x[j];
                k++;
            }
        m->mean[j] = k ? sum / (double)k : 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(xs[i].x[j]))
                sq += (xs[i].x[j] - m->mean[j]) * (xs[i].x[j] - m->mean[j]);
        m->sd[j] = k > 1 && sq > 0 ? sqrt(sq / (double)(k - 1)) : 1;
    }
}

static double predict(const model *m, const double *x)
{
    double z = m->w[0];
    for (int j = 0; j < N_FEAT; j++)
        z += m->w[j + 1] * (isnan(x[j]) ? 0 : (x[j] - m->mean[j]) / m->sd[j]);
    return 1.0 / (1.0 + exp(-z));
}

static void train(model *m, const sample *xs, size_t n, int64_t iterations)
{
    memset(m->w, 0, sizeof m->w);
    for (int64_t it = 0; it < iterations; it++) {
        double grad[N_FEAT + 1] = {0};
        for (size_t i = 0; i < n; i++) {
            double err = predict(m, xs[i].x) - xs[i].y;
            grad[0] += err;
            for (int j = 0; j < N_FEAT; j++)
                grad[j + 1] += err * (isnan(xs[i].x[j]) ? 0 : (xs[i].x[j] - m->mean[j]) / m->sd[j]);
        }
        m->w[0] -= LEARNING_RATE * grad[0] / (double)n;
        for (int j = 1; j <= N_FEAT; j++)
            m->w[j] -= LEARNING_RATE * (grad[j] / (double)n + L2 * m->w[j]);
    }
}

/* ------------------------------------------------------------------- AUC */

typedef struct scored {
    double p;
    int y;
} scored;

static int scored_cmp(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return x < y ? -1 : x > y;
}

/* The Mann-Whitney AUC: the chance a positive outscores a negative, ties
 * counting half (average ranks). -1 when a class is empty. */
static double auc(crm_db *db, const model *m, const sample *xs, size_t n, int *rc)
{
    scored *s = crmi_malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        *rc = crmi_error(db, CRM_E_NOMEM, "propensity: out of memory");
        return -1;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        s[i] = (scored){predict(m, xs[i].x), xs[i].y};
        pos += (size_t)xs[i].y;
    }
    qsort(s, n, sizeof *s, scored_cmp);
    double rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p)
            j++;
        double avg_rank = ((double)i + 1 + (double)j) / 2.0;
        for (size_t k = i; k < j; k++)
            if (s[k].y)
                rank_sum += avg_rank;
        i = j;
    }
    crm_free(s);
    size_t neg = n - pos;
    if (!pos || !neg)
        return -1;
    return (rank_sum - (double)pos * ((double)pos + 1) / 2.0) / ((double)pos * (double)neg);
}

/* ---------------------------------------------------------------- storing */

static const char SQL_SCORE[] =
    "UPDATE crm_customer_score SET propensity_bps = ?2, propensity_target = ?3,"
    " propensity_at = ?4 WHERE customer_id = ?1";
static const char SQL_MODEL[] =
    "INSERT INTO crm_propensity_model (target, cutoff, horizon_days, train, test, positives,"
    " auc_bps, weights, seed, trained_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

static int store_scores(crm_db *db, const model *m, const samples *today, const char *target,
                        int64_t now)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < today->n; i++) {
        if ((rc = crmi_score_row_ensure(db, today->items[i].id)))
            break;
        sqlite3_stmt *st = crmi_stmt(db, SQL_SCORE);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, today->items[i].id);
        sqlite3_bind_int64(st, 2, llround(predict(m, today->items[i].x) * 10000.0));
        crmi_bind_text(st, 3, target);
        sqlite3_bind_int64(st, 4, now);
        rc = crmi_exec_stmt(db, st, "store propensity");
    }
    return rc;
}

static char *weights_json(const model *m)
{
    crmi_buf b = {0};
    crmi_buf_printf(&b, "{\"intercept\":%.6f", m->w[0]);
    for (int j = 0; j < N_FEAT; j++)
        crmi_buf_printf(&b, ",\"%s\":%.6f", feature_names[j], m->w[j + 1]);
    crmi_buf_putc(&b, '}');
    return crmi_buf_take(&b);
}

typedef struct outcome {
    size_t customers, train, test, positives;
    int64_t auc_bps;
    char *weights;
} outcome;

static int store_model(crm_db *db, const params *p, const outcome *o, int64_t now)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MODEL);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, p->target);
    sqlite3_bind_int64(st, 2, p->cutoff);
    sqlite3_bind_int64(st, 3, p->horizon_days);
    sqlite3_bind_int64(st, 4, (int64_t)o->train);
    sqlite3_bind_int64(st, 5, (int64_t)o->test);
    sqlite3_bind_int64(st, 6, (int64_t)o->positives);
    sqlite3_bind_int64(st, 7, o->auc_bps);
    crmi_bind_text(st, 8, o->weights);
    sqlite3_bind_int64(st, 9, p->seed);
    sqlite3_bind_int64(st, 10, now);
    return crmi_exec_stmt(db, st, "store propensity model");
}

static int summary(crm_record **out, const params *p, const outcome *o)
{
    char cutoff[32];
    crm_time_format(cutoff, sizeof cutoff, p->cutoff);
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_text(r, "target", p->target);
    if (!rc)
        rc = crmi_record_put_text(r, "cutoff", cutoff);
    if (!rc)
        rc = crmi_record_put_int(r, "horizon_days", p->horizon_days);
    const struct {
        const char *name;
        int64_t v;
    } ints[] = {{"customers", (int64_t)o->customers},
                {"train", (int64_t)o->train},
                {"test", (int64_t)o->test},
                {"positives", (int64_t)o->positives},
                {"auc_bps", o->auc_bps},
                {"seed", p->seed},
                {"iterations", p->iterations}};
    for (size_t i = 0; !rc && i < sizeof ints / sizeof ints[0]; i++)
        rc = crmi_record_put_int(r, ints[i].name, ints[i].v);
    if (!rc)
        rc = crmi_record_put_text(r, "weights", o->weights);
    if (rc)
        crm_record_free(r);
    else
        *out = r;
    return rc;
}

static int persist(crm_record **out, crm_db *db, const params *p, const model *m, outcome *o,
                   const samples *today)
{
    int64_t now = crm_db_now(db);
    crm_record *result = NULL;
    char *json = NULL;
    int rc = (o->weights = weights_json(m)) ? summary(&result, p, o) : CRM_E_NOMEM;
    if (!rc)
        rc = crm_record_to_json(&json, result);
    if (rc)
        rc = crmi_error(db, CRM_E_NOMEM, "propensity: out of memory");
    if (!rc && !(rc = crmi_txn_begin(db))) {
        rc = store_model(db, p, o, now);
        if (!rc)
            rc = store_scores(db, m, today, p->target, now);
        if (!rc)
            rc = crmi_analytics_audit(db, "analytics.propensity", json);
        rc = crmi_txn_end(db, rc);
    }
    crm_free(json);
    if (rc)
        crm_record_free(result);
    else
        *out = result;
    return rc;
}

static int evaluate(crm_db *db, const params *p, samples *hist, model *m, outcome *o)
{
    o->customers = hist->n;
    for (size_t i = 0; i < hist->n; i++)
        o->positives += (size_t)hist->items[i].y;
    if (hist->n < 20)
        return crmi_error(db, CRM_E_STATE, "propensity: %zu customers visible, at least 20 needed",
                          hist->n);
    shuffle(hist, (uint64_t)p->seed);
    o->train = hist->n * 7 / 10;
    o->test = hist->n - o->train;
    fit_scaling(m, hist->items, o->train);
    train(m, hist->items, o->train, p->iterations);
    int rc = CRM_OK;
    double a = auc(db, m, hist->items + o->train, o->test, &rc);
    if (!rc && a < 0)
        rc = crmi_error(db, CRM_E_STATE,
                        "propensity: the hold-out set needs customers who bought %s in the %lld "
                        "days after the cutoff and customers who did not (%zu of %zu did)",
                        p->target, (long long)p->horizon_days, o->positives, o->customers);
    o->auc_bps = rc ? 0 : llround(a * 10000.0);
    return rc;
}

static int run(crm_record **out, crm_db *db, const params *p)
{
    samples hist = {0}, today = {0};
    model m;
    outcome o = {0};
    int rc = load(db, p, p->cutoff, &hist);
    if (!rc)
        rc = evaluate(db, p, &hist, &m, &o);
    if (!rc)
        rc = load(db, p, crm_db_now(db), &today);
    if (!rc)
        rc = persist(out, db, p, &m, &o, &today);
    crm_free(o.weights);
    crm_free(hist.items);
    crm_free(today.items);
    return rc;
}

static int read_params(crm_db *db, const crm_record *in, params *p)
{
    static const char *const known[] = {"target", "horizon_days", "cutoff", "seed", "iterations"};
    bool has_cutoff = false;
    int rc = crmi_params_check(db, in, known, 5, "propensity");
    if (!rc && in && crm_record_type(in, "target") != CRM_TYPE_NULL)
        rc = crmi_field_enum(db, in, "target", &crmi_product_types, true, &p->target);
    if (!rc)
        rc = crmi_param_int(db, in, "horizon_days", 7, 365, &p->horizon_days);
    if (!rc && in)
        rc = crmi_field_time(db, in, "cutoff", &has_cutoff, &p->cutoff);
    if (!rc)
        rc = crmi_param_int(db, in, "seed", INT64_MIN, INT64_MAX, &p->seed);
    if (!rc)
        rc = crmi_param_int(db, in, "iterations", 1, 100000, &p->iterations);
    /* by default the horizon ends at the start of today, so runs on one day
     * agree */
    if (!rc && !has_cutoff)
        p->cutoff = crm_db_now(db) / CRMI_DAY * CRMI_DAY - p->horizon_days * CRMI_DAY;
    if (!rc && p->cutoff + p->horizon_days * CRMI_DAY > crm_db_now(db))
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "field cutoff: the %lld days after it have not all passed yet",
                        (long long)p->horizon_days);
    return rc;
}

CRM_EXTERN(int) crm_analytics_propensity_run(crm_record **out, crm_db *db, const crm_record *in)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "propensity: NULL argument");
    crmi_error_clear(db);
    params p = {.target = "wealth", .horizon_days = 90, .seed = 1, .iterations = 500};
    int rc = crmi_access_require(db, CRMI_OP_ANALYTICS_RUN);
    if (!rc)
        rc = read_params(db, in, &p);
    return rc ? rc : run(out, db, &p);
}
