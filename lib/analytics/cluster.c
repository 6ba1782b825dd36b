/* k-means clustering of customers: features chosen by the caller, each
 * standardised (z-score, a missing value taking the mean), k-means++ seeding
 * from a seeded generator, Lloyd iterations until nobody moves. Memory is
 * customers x features doubles: the matrix must be in memory for the
 * iterations; rows arrive streamed from SQLite. */
#include "analytics/analytics_int.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_FEATURES CRMI_FEAT_COUNT

typedef struct dataset {
    size_t n, d, cap;
    crmi_feature feat[MAX_FEATURES];
    int64_t *ids;
    double *raw; /* n x d in original units (NAN when missing) */
    double *z;   /* n x d standardised */
    double mean[MAX_FEATURES], sd[MAX_FEATURES];
} dataset;

typedef struct kmeans {
    int64_t k, seed, max_iterations, iterations;
    bool converged;
    double *centers; /* k x d */
    int *assign;
    size_t *size;
    double inertia;
} kmeans;

/* --------------------------------------------------------------- features */

static int parse_features(crm_db *db, const char *list, dataset *ds)
{
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int f = 0; f < CRMI_FEAT_COUNT; f++)
            if (strlen(crmi_feature_names[f]) == len && !memcmp(crmi_feature_names[f], p, len))
                found = f;
        for (size_t i = 0; found >= 0 && i < ds->d; i++)
            if ((int)ds->feat[i] == found)
                return crmi_error(db, CRM_E_INVALID_DATA, "field features: %.*s appears twice",
                                  (int)len, p);
        if (found < 0)
            return crmi_error(db, CRM_E_INVALID_DATA,
                              "field features: '%.*s' is not a feature (age, annual_income, "
                              "total_assets, aum, products, txn_count_90d, txn_amount_90d, "
                              "recency_days)",
                              (int)(len > 40 ? 40 : len), p);
        ds->feat[ds->d++] = (crmi_feature)found;
        p += len + (p[len] == ',');
    }
    return ds->d ? CRM_OK : crmi_error(db, CRM_E_INVALID_DATA, "field features: none given");
}

static int grow(crm_db *db, dataset *ds)
{
    size_t cap = ds->cap ? ds->cap * 2 : 1024;
    int64_t *ids = crmi_realloc(ds->ids, cap * sizeof *ids);
    if (ids)
        ds->ids = ids;
    double *raw = ids ? crmi_realloc(ds->raw, cap * ds->d * sizeof *raw) : NULL;
    if (!raw)
        return crmi_error(db, CRM_E_NOMEM, "cluster: out of memory for %zu customers", cap);
    ds->raw = raw;
    ds->cap = cap;
    return CRM_OK;
}

static int load(crm_db *db, dataset *ds)
{
    int64_t now = crm_db_now(db);
    crmi_facts_query q = {.cut = now, .window_days = 90, .rfm_days = 365};
    sqlite3_stmt *st = NULL;
    crmi_facts f;
    int rc = crmi_facts_open(db, &q, &st);
    while (!rc && (rc = crmi_facts_next(db, st, &f)) == CRM_OK) {
        if (ds->n == ds->cap && (rc = grow(db, ds)))
            break;
        ds->ids[ds->n] = f.id;
        for (size_t j = 0; j < ds->d; j++) {
            double v;
            ds->raw[ds->n * ds->d + j] = crmi_feature_value(&f, ds->feat[j], now, &v) ? v : NAN;
        }
        ds->n++;
    }
    sqlite3_finalize(st);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static int standardise(crm_db *db, dataset *ds)
{
    size_t cells = ds->n * ds->d;
    ds->z = crmi_malloc((cells > 0 ? cells : 1) * sizeof *ds->z);
    if (!ds->z)
        return crmi_error(db, CRM_E_NOMEM, "cluster: out of memory");
    for (size_t j = 0; j < ds->d; j++) {
        double sum = 0, sq = 0;
        size_t m = 0;
        for (size_t i = 0; i < ds->n; i++) {
            double v = ds->raw[i * ds->d + j];
            if (!isnan(v)) {
                sum += v;
                m++;
            }
        }
        ds->mean[j] = m ? sum / (double)m : 0;
        for (size_t i = 0; i < ds->n; i++) {
            double v = ds->raw[i * ds->d + j];
            if (!isnan(v))
                sq += (v - ds->mean[j]) * (v - ds->mean[j]);
        }
        ds->sd[j] = m > 1 && sq > 0 ? sqrt(sq / (double)(m - 1)) : 1;
        for (size_t i = 0; i < ds->n; i++) {
            double v = ds->raw[i * ds->d + j];
            ds->z[i * ds->d + j] = isnan(v) ? 0 : (v - ds->mean[j]) / ds->sd[j];
        }
    }
    return CRM_OK;
}

/* ---------------------------------------------------------------- k-means */

static double dist2(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/* k-means++: the first center uniformly, each next one with probability
 * proportional to the squared distance to the nearest chosen center. */
static void seed_centers(const dataset *ds, kmeans *km, double *nearest)
{
    crmi_rng rng;
    crmi_rng_seed(&rng, (uint64_t)km->seed);
    size_t first = (size_t)crmi_rng_below(&rng, ds->n);
    memcpy(km->centers, &ds->z[first * ds->d], ds->d * sizeof(double));
    for (size_t i = 0; i < ds->n; i++)
        nearest[i] = dist2(&ds->z[i * ds->d], km->centers, ds->d);
    for (int64_t c = 1; c < km->k; c++) {
        double total = 0;
        for (size_t i = 0; i < ds->n; i++)
            total += nearest[i];
        double target = crmi_rng_unit(&rng) * total, acc = 0;
        size_t pick = ds->n - 1;
        for (size_t i = 0; i < ds->n; i++)
            if ((acc += nearest[i]) > target) {
                pick = i;
                break;
            }
        double *center = &km->centers[c * ds->d];
        memcpy(center, &ds->z[pick * ds->d], ds->d * sizeof(double));
        for (size_t i = 0; i < ds->n; i++) {
            double d2 = dist2(&ds->z[i * ds->d], center, ds->d);
            if (d2 < nearest[i])
                nearest[i] = d2;
        }
    }
}

/* Assigns every customer to its nearest center; returns how many moved. */
static size_t assign_all(const dataset *ds, kmeans *km)
{
    size_t moved = 0;
    km->inertia = 0;
    for (size_t i = 0; i < ds->n; i++) {
        int best = 0;
        double best_d = DBL_MAX;
        for (int64_t c = 0; c < km->k; c++) {
            double d2 = dist2(&ds->z[i * ds->d], &km->centers[c * ds->d], ds->d);
            if (d2 < best_d) {
                best_d = d2;
                best = (int)c;
            }
        }
        moved += km->assign[i] != best;
        km->assign[i] = best;
        km->inertia += best_d;
    }
    return moved;
}

/* Centers become their members' means; an empty cluster takes the customer
 * farthest from its center, so k clusters remain. */
static void update_centers(const dataset *ds, kmeans *km)
{
    memset(km->centers, 0, (size_t)km->k * ds->d * sizeof(double));
    memset(km->size, 0, (size_t)km->k * sizeof(size_t));
    for (size_t i = 0; i < ds->n; i++) {
        km->size[km->assign[i]]++;
        for (size_t j = 0; j < ds->d; j++)
            km->centers[km->assign[i] * ds->d + j] += ds->z[i * ds->d + j];
    }
    for (int64_t c = 0; c < km->k; c++) {
        if (km->size[c]) {
            for (size_t j = 0; j < ds->d; j++)
                km->centers[c * ds->d + j] /= (double)km->size[c];
            continue;
        }
        size_t far = 0;
        double far_d = -1;
        for (size_t i = 0; i < ds->n; i++) {
            const double *own = &km->centers[km->assign[i] * ds->d];
            double d2 = km->size[km->assign[i]] > 1 ? dist2(&ds->z[i * ds->d], own, ds->d) : -1;
            if (d2 > far_d) {
                far_d = d2;
                far = i;
            }
        }
        km->size[km->assign[far]]--;
        km->assign[far] = (int)c;
        km->size[c] = 1;
        memcpy(&km->centers[c * ds->d], &ds->z[far * ds->d], ds->d * sizeof(double));
    }
}

static void lloyd(const dataset *ds, kmeans *km)
{
    for (size_t i = 0; i < ds->n; i++)
        km->assign[i] = -1;
    for (km->iterations = 1; km->iterations <= km->max_iterations; km->iterations++) {
        size_t moved = assign_all(ds, km);
        update_centers(ds, km);
        if (moved == 0) {
            km->converged = true;
            break;
        }
    }
    if (km->iterations > km->max_iterations)
        km->iterations = km->max_iterations;
    assign_all(ds, km);
}

/* Clusters are numbered by descending size (then by their first member), so
 * the biggest is cluster 0 whatever order seeding found them in. */
static void renumber(const dataset *ds, kmeans *km, int *order)
{
    int rank[64];
    for (int64_t c = 0; c < km->k; c++)
        order[c] = (int)c;
    for (int64_t a = 1; a < km->k; a++)
        for (int64_t b = a; b > 0 && km->size[order[b]] > km->size[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (int64_t c = 0; c < km->k; c++)
        rank[order[c]] = (int)c;
    for (size_t i = 0; i < ds->n; i++)
        km->assign[i] = rank[km->assign[i]];
    size_t sizes[64];
    for (int64_t c = 0; c < km->k; c++)
        sizes[c] = km->size[order[c]];
    memcpy(km->size, sizes, (size_t)km->k * sizeof(size_t));
}

/* ---------------------------------------------------------------- storing */

static const char SQL_SET_CLUSTER[] =
    "UPDATE crm_customer_score SET cluster = ?2, clustered_at = ?3 WHERE customer_id = ?1";
static const char SQL_CLEAR_PROFILES[] = "DELETE FROM crm_cluster_profile";
static const char SQL_PROFILE[] =
    "INSERT INTO crm_cluster_profile (cluster, position, feature, size, mean, unit, run_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static int store_assignments(crm_db *db, const dataset *ds, const kmeans *km, int64_t now)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < ds->n; i++) {
        if ((rc = crmi_score_row_ensure(db, ds->ids[i])))
            break;
        sqlite3_stmt *st = crmi_stmt(db, SQL_SET_CLUSTER);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, ds->ids[i]);
        sqlite3_bind_int(st, 2, km->assign[i]);
        sqlite3_bind_int64(st, 3, now);
        rc = crmi_exec_stmt(db, st, "store cluster");
    }
    return rc;
}

/* The mean in original units of feature j over cluster c's known values. */
static double cluster_mean(const dataset *ds, const kmeans *km, int c, size_t j)
{
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < ds->n; i++) {
        double v = ds->raw[i * ds->d + j];
        if (km->assign[i] == c && !isnan(v)) {
            sum += v;
            m++;
        }
    }
    return m ? sum / (double)m : ds->mean[j];
}

static int store_profiles(crm_db *db, const dataset *ds, const kmeans *km, int64_t now)
{
    sqlite3_stmt *clear = crmi_stmt(db, SQL_CLEAR_PROFILES);
    int rc = clear ? crmi_exec_stmt(db, clear, "clear cluster profiles") : db->errcode;
    for (int c = 0; !rc && c < km->k; c++)
        for (size_t j = 0; !rc && j < ds->d; j++) {
            sqlite3_stmt *st = crmi_stmt(db, SQL_PROFILE);
            if (!st)
                return db->errcode;
            sqlite3_bind_int(st, 1, c);
            sqlite3_bind_int64(st, 2, (int64_t)j);
            crmi_bind_text(st, 3, crmi_feature_names[ds->feat[j]]);
            sqlite3_bind_int64(st, 4, (int64_t)km->size[c]);
            sqlite3_bind_double(st, 5, cluster_mean(ds, km, c, j));
            crmi_bind_text(st, 6, crmi_feature_units[ds->feat[j]]);
            sqlite3_bind_int64(st, 7, now);
            rc = crmi_exec_stmt(db, st, "store cluster profile");
        }
    return rc;
}

static int summary(crm_record **out, const dataset *ds, const kmeans *km, const char *features)
{
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_int(r, "customers", (int64_t)ds->n);
    if (!rc)
        rc = crmi_record_put_int(r, "k", km->k);
    if (!rc)
        rc = crmi_record_put_text(r, "features", features);
    if (!rc)
        rc = crmi_record_put_int(r, "seed", km->seed);
    if (!rc)
        rc = crmi_record_put_int(r, "iterations", km->iterations);
    if (!rc)
        rc = crmi_record_put_int(r, "converged", km->converged);
    if (!rc)
        rc = crmi_record_put_int(r, "inertia_milli", (int64_t)llround(km->inertia * 1000));
    if (rc)
        crm_record_free(r);
    else
        *out = r;
    return rc;
}

static int store(crm_db *db, const dataset *ds, const kmeans *km, const crm_record *result)
{
    int64_t now = crm_db_now(db);
    char *json = NULL;
    int rc = crm_record_to_json(&json, result);
    if (rc)
        return crmi_error(db, rc, "cluster: out of memory");
    if (!(rc = crmi_txn_begin(db))) {
        rc = store_assignments(db, ds, km, now);
        if (!rc)
            rc = store_profiles(db, ds, km, now);
        if (!rc)
            rc = crmi_analytics_audit(db, "analytics.cluster", json);
        rc = crmi_txn_end(db, rc);
    }
    crm_free(json);
    return rc;
}

static int cluster(crm_record **out, crm_db *db, dataset *ds, kmeans *km, const char *features)
{
    int rc = load(db, ds);
    if (!rc && ds->n < (size_t)km->k)
        rc = crmi_error(db, CRM_E_STATE, "cluster: %zu customers visible, fewer than k = %lld",
                        ds->n, (long long)km->k);
    if (!rc)
        rc = standardise(db, ds);
    double *nearest = rc ? NULL : crmi_malloc(ds->n * sizeof *nearest);
    km->centers = nearest ? crmi_malloc((size_t)km->k * ds->d * sizeof(double)) : NULL;
    km->assign = km->centers ? crmi_malloc(ds->n * sizeof(int)) : NULL;
    km->size = km->assign ? crmi_malloc((size_t)km->k * sizeof(size_t)) : NULL;
    if (!rc && !km->size)
        rc = crmi_error(db, CRM_E_NOMEM, "cluster: out of memory");
    if (!rc) {
        int order[64];
        seed_centers(ds, km, nearest);
        lloyd(ds, km);
        renumber(ds, km, order);
        crm_record *result = NULL;
        rc = summary(&result, ds, km, features)
                 ? crmi_error(db, CRM_E_NOMEM, "cluster: out of memory")
                 : store(db, ds, km, result);
        if (rc)
            crm_record_free(result);
        else
            *out = result;
    }
    crm_free(nearest);
    return rc;
}

CRM_EXTERN(int) crm_analytics_cluster_run(crm_record **out, crm_db *db, const crm_record *params)
{
    static const char *const known[] = {"features", "k", "seed", "max_iterations"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "cluster: NULL argument");
    crmi_error_clear(db);
    dataset ds = {0};
    kmeans km = {.k = 4, .seed = 1, .max_iterations = 100};
    const char *features = "age,aum,txn_count_90d,recency_days";
    int rc = crmi_access_require(db, CRMI_OP_ANALYTICS_RUN);
    if (!rc)
        rc = crmi_params_check(db, params, known, 4, "cluster");
    if (!rc && params && crm_record_type(params, "features") != CRM_TYPE_NULL)
        rc = crmi_record_text(db, params, "features", true, &features);
    if (!rc)
        rc = crmi_param_int(db, params, "k", 2, 50, &km.k);
    if (!rc)
        rc = crmi_param_int(db, params, "seed", INT64_MIN, INT64_MAX, &km.seed);
    if (!rc)
        rc = crmi_param_int(db, params, "max_iterations", 1, 1000, &km.max_iterations);
    if (!rc)
        rc = parse_features(db, features, &ds);
    if (!rc)
        rc = cluster(out, db, &ds, &km, features);
    crm_free(ds.ids);
    crm_free(ds.raw);
    crm_free(ds.z);
    crm_free(km.centers);
    crm_free(km.assign);
    crm_free(km.size);
    return rc;
}

/* --------------------------------------------------------------- profiles */

static const char SQL_PROFILES[] =
    "SELECT cluster, size, feature,"
    " printf('%.2f', CASE WHEN unit = 'yuan' THEN mean / 100.0 ELSE mean END) AS mean, unit"
    " FROM crm_cluster_profile ORDER BY cluster, position";

CRM_EXTERN(int) crm_analytics_cluster_profiles(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "cluster profiles: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_ANALYTICS_RUN);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_PROFILES);
    if (!st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
