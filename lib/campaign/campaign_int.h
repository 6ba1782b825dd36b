/*
 * Internals of campaigns, shared by the files of lib/campaign: the parsed
 * definition document, the stored campaign row, and the evaluation the
 * completion step files in the case library.
 */
#ifndef CRMI_CAMPAIGN_INT_H
#define CRMI_CAMPAIGN_INT_H

#include "crm/campaign.h"
#include "customer/customer_int.h"
#include "rule/rule_int.h"

#define CRMI_CAMPAIGN_MAX_CHANNELS 3
#define CRMI_CAMPAIGN_MAX_GOALS 5
#define CRMI_CAMPAIGN_MAX_TIERS 16
#define CRMI_CAMPAIGN_MAX_LIST 64 /* products, segments */

typedef struct crmi_campaign_channel {
    const char *channel, *subject, *body;
} crmi_campaign_channel;

typedef struct crmi_campaign_goal {
    const char *metric;
    int64_t target; /* fen for money metrics, a count otherwise */
    int64_t deadline;
} crmi_campaign_goal;

/* A purchase in [min, max) (max -1: no upper bound) earns bonus_bps of
 * the amount, or fixed fen. */
typedef struct crmi_reward_tier {
    int64_t min, max, bonus_bps, fixed;
} crmi_reward_tier;

typedef struct crmi_reward_rules {
    crmi_reward_tier tiers[CRMI_CAMPAIGN_MAX_TIERS];
    size_t n_tiers;
    int64_t cap;      /* per customer, fen; -1: none */
    int64_t referrer; /* fen */
    int64_t referee;  /* fen */
} crmi_reward_rules;

/* A parsed definition document; every string lives in `arena`. */
typedef struct crmi_campaign_def {
    crmi_arena arena;
    const char *name, *description;
    const char *products[CRMI_CAMPAIGN_MAX_LIST];
    size_t n_products;
    const char *segments[CRMI_CAMPAIGN_MAX_LIST];
    size_t n_segments;
    char *eligibility;  /* compact JSON, or NULL */
    char *rewards_json; /* compact JSON of the rewards key, or NULL */
    int64_t budget, cost_per_message, control_bps, seed, lead_due_days;
    bool has_start, has_end;
    int64_t start_at, end_at;
    crmi_campaign_channel channels[CRMI_CAMPAIGN_MAX_CHANNELS];
    size_t n_channels;
    crmi_campaign_goal goals[CRMI_CAMPAIGN_MAX_GOALS];
    size_t n_goals;
    crmi_reward_rules rewards;
} crmi_campaign_def;

/* Parses a definition document; errors on `db` name the key. Checks the
 * eligibility rule's vocabulary but resolves no product or segment. */
int crmi_campaign_def_parse(crm_db *db, const char *text, crmi_campaign_def *out);
void crmi_campaign_def_clear(crmi_campaign_def *def);

/* The definition text of a template merged with overrides (top-level keys
 * replaced), as JSON; free with crm_free. CRM_E_NOT_FOUND for an unknown
 * template. */
int crmi_campaign_template_merge(crm_db *db, const char *template_name, const char *overrides,
                                 char **out);

/* One stored version of a campaign. */
typedef struct crmi_campaign {
    int64_t id, version, created_by;
    char code[33];
    char status[16];
    int64_t budget, reward_spent, cost_per_message, control_bps, seed, lead_due_days;
    bool has_start, has_end, targeted;
    int64_t start_at, end_at, targeted_at;
} crmi_campaign;

/* The latest version of `code`; CRM_E_NOT_FOUND naming the code. */
int crmi_campaign_latest(crm_db *db, const char *code, crmi_campaign *out);
/* The active version (approved or later, not superseded); CRM_E_STATE
 * when there is none. */
int crmi_campaign_active(crm_db *db, const char *code, crmi_campaign *out);

/* Requires `c` to be in one of `allowed` (NULL-terminated); CRM_E_STATE
 * naming the state and what the call needs otherwise. */
int crmi_campaign_require_status(crm_db *db, const crmi_campaign *c, const char *const allowed[],
                                 const char *what);

/* Appends the audit entry of a campaign change ("campaign.target"). */
int crmi_campaign_audit(crm_db *db, const crmi_campaign *c, const char *action, const char *before,
                        const char *after);

/* Evaluates version `c` at now, stores it in crm_campaign_eval and gives
 * the JSON (free with crm_free) and the record (may be NULL). Inside the
 * caller's transaction. */
int crmi_campaign_evaluate(crm_db *db, const crmi_campaign *c, char **json, crm_record **rec);

/* Money of a definition value: yuan as a number or text with at most two
 * decimals; false with the reason in `why`. */
/* The bank-wide contact policy value `name` (freq_cap, freq_window_days,
 * quiet_start_min, quiet_end_min, utc_offset_min), its default when unset. */
int crmi_contact_policy(crm_db *db, const char *name, int64_t *out);

bool crmi_campaign_money(const crmi_value *v, int64_t *out, char *why, size_t why_size);

#endif /* CRMI_CAMPAIGN_INT_H */
