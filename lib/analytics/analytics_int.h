/*
 * Internals of the analytics module: the per-customer facts every run reads
 * (one streaming query), the features made of them, the configuration, a
 * seeded random generator, and parameter readers.
 */
#ifndef CRMI_ANALYTICS_INT_H
#define CRMI_ANALYTICS_INT_H

#include "crm/analytics.h"
#include "product/product_int.h"
#include "risk/risk_int.h"

#define CRMI_DAY 86400
#define CRMI_N_TYPES 6 /* crmi_product_types; bit i of a type mask is type i */

struct crm_analytics_config {
    int64_t tier_min_yuan[3]; /* gold, platinum, diamond; ordinary below */
    int64_t rfm_window_days;
    int64_t dormant_days;
    int64_t at_risk_window_days;
    int64_t balance_drop_percent;
    int64_t min_balance_yuan;
    int64_t activity_drop_percent;
    int64_t min_previous_txns;
};

extern const char *const crmi_value_tiers[4]; /* ordinary, gold, platinum, diamond */

/* The defaults, parsed (free with crm_analytics_config_free). */
int crmi_analytics_config_default(crm_analytics_config **out);

/* ---------------------------------------------------------------- facts */

/* What one query knows of a customer as of `cut`. Counts and amounts cover
 * transactions before `cut`; label counts purchases of the target type in
 * [cut, cut + horizon). */
typedef struct crmi_facts {
    int64_t id;
    int age; /* -1 unknown */
    bool has_income, has_assets, has_aum, has_last;
    int64_t income, total_assets;
    int64_t aum;      /* asset holdings now (has_aum: any asset holding) */
    int64_t products; /* holdings now */
    int64_t last_at;  /* last transaction before cut */
    int64_t cnt90, amt90;
    int64_t cnt_w, amt_w, cnt_w2, amt_w2; /* at-risk window, and the one before */
    int64_t cnt_rfm, amt_rfm;
    int64_t flow_w;     /* net asset flow over the at-risk window */
    int64_t flow_since; /* net asset flow from cut to now */
    int64_t type365;    /* transactions in the target type, 365 days before cut */
    int64_t types365;   /* distinct product types used, 365 days before cut */
    int64_t label;
} crmi_facts;

typedef struct crmi_facts_query {
    int64_t cut;
    int64_t window_days; /* at-risk window (90 when unused) */
    int64_t rfm_days;    /* RFM window (365 when unused) */
    const char *target;  /* product type of type365/label, or NULL */
    int64_t horizon_days;
} crmi_facts_query;

/* Opens the facts of every visible customer, by id (an owned statement:
 * finalize it). Call after crmi_access_require. */
int crmi_facts_open(crm_db *db, const crmi_facts_query *q, sqlite3_stmt **out);
/* The next customer: CRM_OK, CRM_ITER_DONE, or an error. */
int crmi_facts_next(crm_db *db, sqlite3_stmt *st, crmi_facts *out);

/* Features by name (crm/analytics.h lists them). */
typedef enum crmi_feature {
    CRMI_FEAT_AGE,
    CRMI_FEAT_INCOME,
    CRMI_FEAT_TOTAL_ASSETS,
    CRMI_FEAT_AUM,
    CRMI_FEAT_PRODUCTS,
    CRMI_FEAT_TXN_COUNT_90D,
    CRMI_FEAT_TXN_AMOUNT_90D,
    CRMI_FEAT_RECENCY,
    CRMI_FEAT_COUNT
} crmi_feature;

extern const char *const crmi_feature_names[CRMI_FEAT_COUNT];
extern const char *const crmi_feature_units[CRMI_FEAT_COUNT]; /* "yuan" for money in fen */

/* The feature's value for a customer as of `cut`; false when unknown. */
bool crmi_feature_value(const crmi_facts *f, crmi_feature feat, int64_t cut, double *out);

/* The asset balance at `cut` (aum now less the flow since), or total_assets
 * for a customer without asset holdings. */
int64_t crmi_facts_aum_at_cut(const crmi_facts *f);

/* --------------------------------------------------------------- random */

/* xoshiro256** seeded through splitmix64: the same numbers on every
 * platform for a seed (never rand()). */
typedef struct crmi_rng {
    uint64_t s[4];
} crmi_rng;

void crmi_rng_seed(crmi_rng *r, uint64_t seed);
uint64_t crmi_rng_next(crmi_rng *r);
double crmi_rng_unit(crmi_rng *r);                /* [0, 1) */
uint64_t crmi_rng_below(crmi_rng *r, uint64_t n); /* [0, n), unbiased */

/* ----------------------------------------------------------- parameters */

/* Refuses unknown parameter names (NULL params: fine). */
int crmi_params_check(crm_db *db, const crm_record *params, const char *const known[], size_t n,
                      const char *what);
/* An int parameter within [min, max], else *out keeps its default. */
int crmi_param_int(crm_db *db, const crm_record *params, const char *name, int64_t min, int64_t max,
                   int64_t *out);

/* Upserts one customer's row of crm_customer_score. */
int crmi_score_row_ensure(crm_db *db, int64_t customer_id);

/* Audits an analytics run (entity "analytics", no personal data). */
int crmi_analytics_audit(crm_db *db, const char *action, const char *after_json);

#endif /* CRMI_ANALYTICS_INT_H */
