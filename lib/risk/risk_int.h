/*
 * Internals of the risk module: the parsed questionnaire, and the one
 * suitability rule (DESIGN.md section 3) that the public check, cross-sell
 * recommendations and any later caller share.
 */
#ifndef CRMI_RISK_INT_H
#define CRMI_RISK_INT_H

#include "customer/customer_int.h"
#include "crm/risk.h"
#include "rule/rule_int.h"

/* Customers whose level was set without a recorded questionnaire (imports,
 * crm_customer_update) expire this long after risk_assessed_at: the same
 * year the customer module's risk_expired uses. */
#define CRMI_RISK_DEFAULT_VALIDITY_DAYS (CRMI_RISK_VALIDITY_SECONDS / 86400)

/* When customer c's assessment expires, in SQL over alias c: the expiry
 * of the recorded questionnaire that set the level (same level, taken on
 * the day risk_assessed_at names), else risk_assessed_at plus the default
 * validity. NULL when never assessed. crmi_risk_profile_load and
 * set-based callers (campaign targeting) share it. */
#define CRMI_RISK_EXPIRES_SQL                                                                      \
    "coalesce((SELECT a.expires_at FROM crm_risk_assessment a WHERE a.customer_id = c.id"         \
    " AND a.level = c.risk_level AND a.assessed_at >= c.risk_assessed_at"                         \
    " AND a.assessed_at < c.risk_assessed_at + 86400 ORDER BY a.id DESC LIMIT 1),"                \
    " c.risk_assessed_at + " CRMI_RISK_VALIDITY_SQL ")"

typedef struct crmi_risk_option {
    const char *key, *text;
    int64_t score;
    int max_level; /* 1..5 caps the level at C<max_level>; 0: no cap */
} crmi_risk_option;

typedef struct crmi_risk_question {
    const char *id, *text;
    crmi_risk_option *options;
    size_t n_options;
} crmi_risk_question;

struct crm_risk_config {
    crmi_arena arena; /* every string and array below */
    crmi_risk_question *questions;
    size_t n_questions;
    int64_t max_score[5]; /* C1..C5: the highest total score of each level */
    int64_t validity_days;
};

/* Why a product is or is not suitable. */
typedef enum crmi_suitability {
    CRMI_SUITABLE = 0,
    CRMI_UNSUITABLE_MISSING, /* never assessed */
    CRMI_UNSUITABLE_EXPIRED, /* the assessment expired */
    CRMI_UNSUITABLE_LEVEL    /* product rating above the customer's level */
} crmi_suitability;

/* The customer's current assessment: level 1..5 (0 when none) and when it
 * expires (the recorded questionnaire's expiry when it set the level, else
 * risk_assessed_at + CRMI_RISK_DEFAULT_VALIDITY_DAYS). */
typedef struct crmi_risk_profile {
    int level;
    int64_t assessed_at, expires_at;
} crmi_risk_profile;

int crmi_risk_profile_load(crm_db *db, int64_t customer_id, crmi_risk_profile *out);

/* The suitability rule: rating 1..5 (R1..R5) for a profile at `now`. */
crmi_suitability crmi_risk_suitable(const crmi_risk_profile *p, int rating, int64_t now);

/* The highest rating (1..5) suitable for the profile at `now`, 0 when none
 * is (no assessment, or expired). */
int crmi_risk_max_suitable_rating(const crmi_risk_profile *p, int64_t now);

/* The shipped questionnaire, parsed once per call (free with crm_risk_config_free). */
int crmi_risk_config_default(crm_risk_config **out);

/* Small readers of parsed YAML shared with the analytics configuration. */
const crmi_value *crmi_yaml_member(const crmi_value *obj, const char *key);
/* A whole number member within [min, max]; *out keeps its default when the
 * member is absent. Errors (thread message) name `what`.`key`. */
int crmi_yaml_int(const crmi_value *obj, const char *what, const char *key, int64_t min,
                  int64_t max, int64_t *out);
/* Parses YAML/JSON text with the rule loader's limits for configuration. */
int crmi_yaml_parse(crmi_value *out, crmi_arena *arena, const char *text, size_t len,
                    const char *what);

#endif /* CRMI_RISK_INT_H */
