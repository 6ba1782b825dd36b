/* Value and behaviour scores: RFM quintiles, value tier by assets under
 * management, and activity state, for every visible customer, stored with
 * the time in crm_customer_score. */
#include "analytics/analytics_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ACT_ACTIVE, ACT_DORMANT, ACT_AT_RISK };
static const char *const activity_names[3] = {"active", "dormant", "at_risk"};

typedef struct scored {
    int64_t id;
    bool has_last;
    int64_t recency_days, frequency, monetary, aum;
    int r, f, m, tier, activity;
} scored;

typedef struct scored_list {
    scored *items;
    size_t n, cap;
} scored_list;

static int push(crm_db *db, scored_list *l, const scored *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        scored *grown = crmi_realloc(l->items, cap * sizeof *grown);
        if (!grown)
            return crmi_error(db, CRM_E_NOMEM, "analytics score: out of memory");
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n++] = *s;
    return CRM_OK;
}

/* ------------------------------------------------------------ definitions */

static int tier_of(const crm_analytics_config *c, int64_t aum)
{
    int tier = 0;
    for (int i = 0; i < 3; i++)
        if (aum >= c->tier_min_yuan[i] * 100)
            tier = i + 1;
    return tier;
}

/* Falling balances: the asset balance at the start of the window, rebuilt
 * from today's holdings and the window's flows, was at least
 * min_balance_yuan and today's is at least balance_drop_percent lower. */
static bool balances_fell(const crm_analytics_config *c, const crmi_facts *f)
{
    if (!f->has_aum)
        return false;
    int64_t start = f->aum - f->flow_w;
    return start >= c->min_balance_yuan * 100 && start > 0 &&
           (double)f->aum <= (double)start * (double)(100 - c->balance_drop_percent) / 100.0;
}

/* Falling activity: the window's transaction count and amount are both at
 * least activity_drop_percent below the previous window's, which had at
 * least min_previous_txns transactions. */
static bool activity_fell(const crm_analytics_config *c, const crmi_facts *f)
{
    double keep = (double)(100 - c->activity_drop_percent) / 100.0;
    return f->cnt_w2 >= c->min_previous_txns && (double)f->cnt_w <= (double)f->cnt_w2 * keep &&
           (double)f->amt_w <= (double)f->amt_w2 * keep;
}

static int activity_of(const crm_analytics_config *c, const crmi_facts *f, int64_t now)
{
    if (!f->has_last || now - f->last_at >= c->dormant_days * CRMI_DAY)
        return ACT_DORMANT;
    return balances_fell(c, f) || activity_fell(c, f) ? ACT_AT_RISK : ACT_ACTIVE;
}

static scored score_of(const crm_analytics_config *c, const crmi_facts *f, int64_t now)
{
    scored s = {.id = f->id, .has_last = f->has_last, .r = 1, .f = 1, .m = 1};
    s.recency_days = f->has_last ? (now - f->last_at) / CRMI_DAY : 0;
    s.frequency = f->cnt_rfm;
    s.monetary = f->amt_rfm;
    s.aum = crmi_facts_aum_at_cut(f);
    s.tier = tier_of(c, s.aum);
    s.activity = activity_of(c, f, now);
    return s;
}

/* -------------------------------------------------------------- quintiles */

typedef struct keyed {
    int64_t key; /* larger is better */
    size_t index;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

enum { DIM_R, DIM_F, DIM_M };

static int64_t key_of(const scored *s, int dim)
{
    return dim == DIM_R ? -s->recency_days : dim == DIM_F ? s->frequency : s->monetary;
}

static int *score_slot(scored *s, int dim)
{
    return dim == DIM_R ? &s->r : dim == DIM_F ? &s->f : &s->m;
}

/* Quintile 1..5 among the customers with a transaction in the window: the
 * share of them whose value is at most this one's (the cumulative
 * distribution), times 5, rounded up; so equal values share a score and a
 * tie at the top scores 5. */
static int assign_quintiles(crm_db *db, scored_list *l)
{
    keyed *k = crmi_malloc((l->n ? l->n : 1) * sizeof *k);
    if (!k)
        return crmi_error(db, CRM_E_NOMEM, "analytics score: out of memory");
    for (int dim = DIM_R; dim <= DIM_M; dim++) {
        size_t m = 0;
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].frequency > 0)
                k[m++] = (keyed){key_of(&l->items[i], dim), i};
        qsort(k, m, sizeof *k, keyed_cmp);
        for (size_t first = 0, last; first < m; first = last + 1) {
            for (last = first; last + 1 < m && k[last + 1].key == k[first].key; last++)
                ;
            int score = (int)((5 * (last + 1) + m - 1) / m);
            for (size_t p = first; p <= last; p++)
                *score_slot(&l->items[k[p].index], dim) = score;
        }
    }
    crm_free(k);
    return CRM_OK;
}

/* ---------------------------------------------------------------- storing */

static const char SQL_STORE[] =
    "INSERT INTO crm_customer_score (customer_id, recency_days, frequency, monetary, r_score,"
    " f_score, m_score, rfm, aum, value_tier, activity, scored_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " ON CONFLICT (customer_id) DO UPDATE SET recency_days = excluded.recency_days,"
    " frequency = excluded.frequency, monetary = excluded.monetary, r_score = excluded.r_score,"
    " f_score = excluded.f_score, m_score = excluded.m_score, rfm = excluded.rfm,"
    " aum = excluded.aum, value_tier = excluded.value_tier, activity = excluded.activity,"
    " scored_at = excluded.scored_at";

static int store_one(crm_db *db, const scored *s, int64_t now)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STORE);
    if (!st)
        return db->errcode;
    char rfm[4] = {(char)('0' + s->r), (char)('0' + s->f), (char)('0' + s->m), '\0'};
    sqlite3_bind_int64(st, 1, s->id);
    if (s->has_last)
        sqlite3_bind_int64(st, 2, s->recency_days);
    sqlite3_bind_int64(st, 3, s->frequency);
    sqlite3_bind_int64(st, 4, s->monetary);
    sqlite3_bind_int(st, 5, s->r);
    sqlite3_bind_int(st, 6, s->f);
    sqlite3_bind_int(st, 7, s->m);
    crmi_bind_text(st, 8, rfm);
    sqlite3_bind_int64(st, 9, s->aum);
    crmi_bind_text(st, 10, crmi_value_tiers[s->tier]);
    crmi_bind_text(st, 11, activity_names[s->activity]);
    sqlite3_bind_int64(st, 12, now);
    return crmi_exec_stmt(db, st, "store customer score");
}

static int summary(crm_record **out, const scored_list *l, int64_t now, char **json)
{
    int64_t tiers[4] = {0}, acts[3] = {0};
    for (size_t i = 0; i < l->n; i++) {
        tiers[l->items[i].tier]++;
        acts[l->items[i].activity]++;
    }
    char when[32], name[32];
    crm_time_format(when, sizeof when, now);
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_int(r, "customers", (int64_t)l->n);
    if (!rc)
        rc = crmi_record_put_text(r, "scored_at", when);
    for (int i = 0; !rc && i < 4; i++) {
        snprintf(name, sizeof name, "tier_%s", crmi_value_tiers[i]);
        rc = crmi_record_put_int(r, name, tiers[i]);
    }
    for (int i = 0; !rc && i < 3; i++)
        rc = crmi_record_put_int(r, activity_names[i], acts[i]);
    if (!rc)
        rc = crm_record_to_json(json, r);
    if (rc)
        crm_record_free(r);
    else
        *out = r;
    return rc;
}

static int store_all(crm_db *db, const scored_list *l, int64_t now, const char *json)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < l->n; i++)
        rc = store_one(db, &l->items[i], now);
    return rc ? rc : crmi_analytics_audit(db, "analytics.score", json);
}

static int collect(crm_db *db, const crm_analytics_config *c, int64_t now, scored_list *l)
{
    crmi_facts_query q = {.cut = now,
                          .window_days = c->at_risk_window_days,
                          .rfm_days = c->rfm_window_days,
                          .horizon_days = 0};
    sqlite3_stmt *st = NULL;
    crmi_facts f;
    int rc = crmi_facts_open(db, &q, &st);
    while (!rc && (rc = crmi_facts_next(db, st, &f)) == CRM_OK) {
        scored s = score_of(c, &f, now);
        rc = push(db, l, &s);
    }
    sqlite3_finalize(st);
    return rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static int run(crm_record **out, crm_db *db, const crm_analytics_config *c)
{
    int64_t now = crm_db_now(db);
    scored_list l = {0};
    crm_record *result = NULL;
    char *json = NULL;
    int rc = collect(db, c, now, &l);
    if (!rc)
        rc = assign_quintiles(db, &l);
    if (!rc && summary(&result, &l, now, &json))
        rc = crmi_error(db, CRM_E_NOMEM, "analytics score: out of memory");
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, store_all(db, &l, now, json));
    crm_free(json);
    crm_free(l.items);
    if (rc)
        crm_record_free(result);
    else
        *out = result;
    return rc;
}

CRM_EXTERN(int)
crm_analytics_score_run(crm_record **out, crm_db *db, const crm_analytics_config *config)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "analytics score: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_ANALYTICS_RUN);
    if (rc)
        return rc;
    crm_analytics_config *own = NULL;
    if (!config && (rc = crmi_analytics_config_default(&own)))
        return crmi_error(db, rc, "%s", crm_last_errmsg());
    rc = run(out, db, config ? config : own);
    crm_analytics_config_free(own);
    return rc;
}

/* ---------------------------------------------------------------- reading */

static const char SQL_GET[] =
    "SELECT ?2 AS customer_no, recency_days, frequency, monetary, r_score, f_score, m_score, rfm,"
    " aum, value_tier, activity,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', scored_at, 'unixepoch') AS scored_at, cluster,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', clustered_at, 'unixepoch') AS clustered_at,"
    " propensity_bps, propensity_target,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', propensity_at, 'unixepoch') AS propensity_at"
    " FROM crm_customer_score WHERE customer_id = ?1";

static int read_scores(crm_record **out, crm_db *db, int64_t id, const char *customer_no)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GET);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    crmi_bind_text(st, 2, customer_no);
    int step = sqlite3_step(st), rc;
    if (step == SQLITE_ROW)
        rc = crmi_record_from_row(out, st);
    else if (step == SQLITE_DONE)
        rc = (rc = crm_record_new(out)) ? rc
                                        : crmi_record_put_text(*out, "customer_no", customer_no);
    else
        rc = crmi_sqlite_error(db, step, "read customer scores");
    sqlite3_reset(st);
    if (!rc) {
        crmi_record_as_money(*out, "monetary");
        crmi_record_as_money(*out, "aum");
    }
    return rc;
}

CRM_EXTERN(int) crm_analytics_customer_get(crm_record **out, crm_db *db, const char *customer_no)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "analytics customer: NULL argument");
    crmi_error_clear(db);
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    return rc ? rc : read_scores(out, db, id, customer_no);
}
