/*
 * Internals of the alert module: the rule set (parsed from YAML, shipped
 * default or the host's), the per-handle state, the variables offered to
 * alert rules and the check run inside every transaction insert.
 */
#ifndef CRMI_ALERT_INT_H
#define CRMI_ALERT_INT_H

#include "access/access_int.h"
#include "crm/alert.h"
#include "crm/rule.h"

/* ------------------------------------------------------------- rule set */

typedef struct crmi_alert_rule {
    char *name, *severity, *description; /* description may be NULL */
    crm_rule *rule;
} crmi_alert_rule;

typedef struct crmi_alert_set {
    crmi_alert_rule *rules;
    size_t n;
    int64_t history_days;  /* the window of the history_* variables */
    int64_t burst_minutes; /* the window of burst_count */
    bool custom;           /* the host's, not the shipped default */
} crmi_alert_set;

/* The shipped rule set (YAML). */
extern const char crmi_alert_default_yaml[];

/* Parses and checks a rule set; errors on `db` name line, rule and reason. */
int crmi_alert_set_parse(crmi_alert_set **out, crm_db *db, const char *text, size_t len);
void crmi_alert_set_free(crmi_alert_set *set);

/* ------------------------------------------------------- handle state */

typedef struct crmi_alert_state {
    crmi_alert_set *set;     /* the active set, parsed once */
    int64_t set_version;     /* crm_alert_ruleset.version it came from (0: default) */
    uint64_t checked_serial; /* db->txn_serial when the version was last read */
    bool checked;
    crm_rule_data *data; /* reused for every transaction */
    crm_alert_fn fn;
    void *payload;
} crmi_alert_state;

/* The handle's alert state, created on first use; NULL with the error on
 * the handle. */
crmi_alert_state *crmi_alert_state_get(crm_db *db);

/* The active rule set: the stored version is read once per outermost
 * transaction, and the set parsed again only when it changed. */
int crmi_alert_active_set(crm_db *db, const crmi_alert_set **out);

/* ------------------------------------------------------------ variables */

typedef enum crmi_alert_group {
    CRMI_AG_TXN,      /* from the insert itself */
    CRMI_AG_PRODUCT,  /* one point lookup */
    CRMI_AG_CUSTOMER, /* one point lookup */
    CRMI_AG_HISTORY,  /* one range scan of crm_txn (customer_id, at) */
    CRMI_AG_BURST,    /* one index-only count */
    CRMI_AG_COUNT
} crmi_alert_group;

typedef struct crmi_alert_var {
    const char *name;
    crm_rule_var_type type;
    crmi_alert_group group;
    const char *description;
} crmi_alert_var;

extern const crmi_alert_var crmi_alert_vars[];
extern const size_t crmi_alert_var_count;

/* The variable named `name` (`len` bytes), or NULL. */
const crmi_alert_var *crmi_alert_var_find(const char *name, size_t len);

/* --------------------------------------------------------------- check */

/* A transaction just stored, as the alert check sees it; the check reads
 * customer_id and product_id from the row when a rule is active. */
typedef struct crmi_alert_txn {
    int64_t txn_id, customer_id, product_id; /* product_id 0: none */
    int64_t amount, at;
    const char *type, *channel; /* borrowed */
} crmi_alert_txn;

/* What the variables of one transaction hold, loaded group by group as
 * rules read them. */
typedef struct crmi_alert_facts {
    crm_db *db;
    const crmi_alert_txn *txn;
    const crmi_alert_set *set;
    bool loaded[CRMI_AG_COUNT];
    int load_error; /* the first failed lookup: stops the evaluation */
    char product_code[40], product_type[16], product_risk[4];
    char risk_level[4];
    bool has_risk_level, risk_expired, has_assets;
    int age; /* -1: unknown */
    int64_t assets;
    int64_t history_count, history_max, burst_count;
    double history_mean, history_stddev, zscore;
    bool has_zscore;
} crmi_alert_facts;

/* Installs the resolver that answers every alert variable from `facts`. */
int crmi_alert_facts_bind(crm_rule_data *data, crmi_alert_facts *facts);

/* Appends {"name": value, ...} for the variables `rule` reads. */
int crmi_alert_facts_json(crmi_alert_facts *facts, const crm_rule *rule, crmi_buf *out);

/* Runs the active rules on a transaction just stored, inside the caller's
 * transaction: stores each alert raised and hands it to the callback. A
 * failure (rule error, store error, callback stop) is the insert's. */
int crmi_alert_check_txn(crm_db *db, crmi_alert_txn *txn);

/* ------------------------------------------------------------- reading */

/* The alert row mapper of list and get (money and JSON typed). */
int crmi_alert_from_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx);

/* Reads one alert (visible to the actor) as a record. */
int crmi_alert_read(crm_record **out, crm_db *db, int64_t id);

#endif /* CRMI_ALERT_INT_H */
