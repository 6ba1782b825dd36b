/*
 * libcrm value and behaviour analytics: RFM, value tiers, activity, clusters, cross-sell,
 * propensity.
 *
 * Each run covers the customers the acting user sees (admin and marketer:
 * all; branch manager: their subtree) and needs the analytics permission.
 * Per-customer results are stored, one row per customer, in the table
 * crm_customer_score (columns in docs/ANALYTICS.md) so rules and segments can
 * use them; crm_analytics_customer_get reads them back with the access of
 * crm_customer_get. Runs are deterministic: the same data, parameters and
 * seed give the same output.
 *
 * Records carry no floating point: shares, confidences and probabilities are
 * integers in basis points (1/10000: 5500 = 55%), lift is in basis points of
 * 1 (34200 = 3.42), money in fen. Times are the handle's clock
 * (crm_db_now), so windows end "now".
 *
 * Customer features, by name (clustering picks some; docs/ANALYTICS.md):
 *   age             whole years from the birth date
 *   annual_income   fen
 *   total_assets    fen (the customer record's field)
 *   aum             fen: balances of deposit, wealth, fund and insurance holdings
 *   products        number of products held
 *   txn_count_90d   transactions in the last 90 days
 *   txn_amount_90d  their total amount, fen
 *   recency_days    whole days since the last transaction (window length when none)
 */
#ifndef CRM_ANALYTICS_H
#define CRM_ANALYTICS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------- configuration */

/** Parameters of value scoring (tiers, RFM window, activity). Opaque;
 * immutable once loaded. */
typedef struct crm_analytics_config crm_analytics_config;

/** The shipped parameters as YAML text (static storage): tiers ordinary,
 * gold (50,000 yuan), platinum (500,000), diamond (6,000,000); RFM over 365
 * days; dormant after 180 days; at-risk over 90-day windows. */
CRM_EXTERN(const char *) crm_analytics_config_default(void);

/**
 * Parses parameters from YAML or JSON text (docs/ANALYTICS.md); keys left
 * out keep their defaults. Free with crm_analytics_config_free.
 * @return CRM_OK, CRM_E_INVALID_DATA (crm_last_errmsg names the key),
 *         CRM_E_INVALID_ARG, CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_analytics_config_load(crm_analytics_config **out, const char *text, size_t len);

/** Frees parameters. NULL is fine. */
CRM_EXTERN(void) crm_analytics_config_free(crm_analytics_config *config);

/* ---------------------------------------------- RFM, tiers and activity */

/**
 * Scores every visible customer and stores the scores with the time
 * (crm_customer_score): recency_days, frequency (transactions in the RFM
 * window), monetary (their amount, fen), r_score / f_score / m_score
 * (quintiles 1..5 among customers with a transaction in the window: ceil(5 x
 * the share of them whose value is no better), so 5 is best (most recent,
 * most frequent, largest) and equal values share a score; customers without
 * one score 1), rfm ("545"), aum, value_tier and activity
 * ("active", "dormant", "at_risk": definitions in docs/ANALYTICS.md).
 * `config` NULL: the defaults.
 *
 * `*out` (free with crm_record_free): customers (int), scored_at (ISO-8601),
 * counts per tier ("tier_gold" ...) and per activity ("active", "dormant",
 * "at_risk").
 * @return CRM_OK, CRM_E_PERMISSION, CRM_E_NOMEM.
 */
CRM_EXTERN(int)
crm_analytics_score_run(crm_record **out, crm_db *db, const crm_analytics_config *config);

/**
 * The stored analytics of one customer: customer_no and, for each run that
 * covered the customer, its fields: the scores above and scored_at; cluster
 * and clustered_at; propensity_bps, propensity_target and propensity_at.
 * Same access as crm_customer_get. Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such customer, or not visible).
 */
CRM_EXTERN(int) crm_analytics_customer_get(crm_record **out, crm_db *db, const char *customer_no);

/* ------------------------------------------------------------ clustering */

/**
 * k-means clustering of the visible customers with k-means++ seeding over
 * standardised features (each feature's z-score; a missing value counts as
 * the feature's mean). Deterministic for a seed (its own xoshiro256**
 * generator). Memory: the rows stream from SQLite but k-means
 * needs them all: two customers x features matrices of doubles (raw and
 * standardised) and 24 bytes per customer, e.g. about 88 MB for 1M customers
 * and 4 features.
 *
 * `params` may be NULL or hold: "features" (text, comma-separated names
 * from the list above; default "age,aum,txn_count_90d,recency_days"), "k"
 * (int 2..50, default 4), "seed" (int, default 1), "max_iterations" (int
 * 1..1000, default 100).
 *
 * Stores each customer's cluster (crm_customer_score.cluster, 0-based,
 * numbered by descending size) and replaces the profiles
 * (crm_analytics_cluster_profiles). `*out`: customers, k, features,
 * iterations (run until no customer moved, or the limit), converged (0/1),
 * inertia_milli (sum of squared standardised distances x 1000).
 * @return CRM_OK, CRM_E_INVALID_DATA (unknown feature or bad parameter, named),
 *         CRM_E_STATE (fewer customers than k), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_analytics_cluster_run(crm_record **out, crm_db *db, const crm_record *params);

/**
 * The profiles of the last clustering, one record per cluster and feature,
 * by cluster then feature: cluster (int), size (int), feature (text), mean
 * (text, two decimals, in the feature's own unit: money in yuan, age in
 * years, counts, days), unit (text). Needs the analytics permission.
 */
CRM_EXTERN(int) crm_analytics_cluster_profiles(crm_iter **out, crm_db *db);

/* ------------------------------------------------------------ cross-sell */

/**
 * Association rules over the product types the visible customers hold
 * (deposit, loan, wealth, fund, insurance, credit_card), by Apriori: every
 * rule "A => b" with A a set of one to three types and b one type, whose
 * support (share of customers holding A and b) and confidence (share of the
 * holders of A who hold b) reach the thresholds. Lift = confidence / share
 * of customers holding b. A rule is kept only when it is more confident than
 * every rule with a smaller antecedent and the same consequent (so
 * "deposit+wealth => insurance" is dropped beside "wealth => insurance" when
 * everybody has a deposit). The rules are stored (they drive
 * crm_analytics_recommend) and returned by lift, then confidence, descending,
 * then smaller antecedents first.
 *
 * `params` may be NULL or hold "min_support_bps" (default 500 = 5%) and
 * "min_confidence_bps" (default 1000 = 10%).
 * Records: antecedent (text, types joined by "+"), consequent, support_bps,
 * confidence_bps, lift_bps, customers (int, customers counted).
 * @return CRM_OK, CRM_E_INVALID_DATA (bad parameter, named), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_analytics_assoc_run(crm_iter **out, crm_db *db, const crm_record *params);

/**
 * Products to offer a customer: those of a type the stored rules predict
 * from the types the customer holds, which the customer does not hold, on
 * sale today, and suitable for the customer (crm_risk_check's rule: nothing
 * is offered to a customer whose assessment is missing or expired). Ranked
 * by the best rule's confidence, then lift, then product code. `limit` 0
 * means 10. Records: product_code, product_name, type, risk_rating,
 * confidence_bps, lift_bps, rule ("wealth => insurance").
 * Same access as crm_customer_get.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE (no rules yet: run
 *         crm_analytics_assoc_run), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_analytics_recommend(crm_iter **out, crm_db *db, const char *customer_no, int limit);

/* ------------------------------------------------------------ propensity */

/**
 * Trains a logistic-regression propensity model on history and scores every
 * visible customer. The target: the customer made a "purchase" of a product
 * of type `target` in the `horizon_days` after a cutoff; the features
 * (age, annual_income, aum at the time, txn_count_90d, txn_amount_90d,
 * recency_days, transactions in products of the target type and distinct
 * product types used, both over the 365 days before) are computed from
 * before the cutoff only. Deterministic: a seeded shuffle, a 70/30 split,
 * batch gradient descent with a fixed number of iterations. The AUC on the
 * hold-out set is reported. Each customer's score (features as of now) is
 * stored in crm_customer_score (propensity_bps, propensity_target).
 *
 * `params` may be NULL or hold: "target" (text product type, default
 * "wealth"), "horizon_days" (int 7..365, default 90), "cutoff" (ISO-8601
 * text or date; default the start of today (UTC) less horizon_days), "seed" (int, default 1),
 * "iterations" (int 1..100000, default 500).
 *
 * `*out`: target, cutoff (ISO-8601), customers, train, test, positives
 * (ints), auc_bps (hold-out AUC x 10000), weights (JSON text: intercept and
 * one weight per standardised feature), seed.
 * @return CRM_OK, CRM_E_INVALID_DATA (bad parameter, named), CRM_E_STATE
 *         (too few customers, or the hold-out set lacks a positive or a
 *         negative), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_analytics_propensity_run(crm_record **out, crm_db *db, const crm_record *params);

#ifdef __cplusplus
}
#endif

#endif /* CRM_ANALYTICS_H */
