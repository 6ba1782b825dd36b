/* The variables alert rules read: the transaction, its product, its
 * customer and the customer's own recent history. They are answered on
 * demand through the rule engine's resolver, a group of them per lookup,
 * so a rule that stops at the amount never pays for the history scan. */
#include "alert/alert_int.h"
#include "customer/customer_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHINA_UTC_OFFSET (8 * 3600)           /* hours are Beijing time */

enum var_id {
    V_AMOUNT,
    V_TYPE,
    V_DIRECTION,
    V_CHANNEL,
    V_HOUR,
    V_PRODUCT_CODE,
    V_PRODUCT_TYPE,
    V_PRODUCT_RISK,
    V_RISK_LEVEL,
    V_RISK_EXPIRED,
    V_AGE,
    V_ASSETS,
    V_HISTORY_COUNT,
    V_HISTORY_MEAN,
    V_HISTORY_STDDEV,
    V_HISTORY_MAX,
    V_ZSCORE,
    V_BURST_COUNT
};

const crmi_alert_var crmi_alert_vars[] = {
    [V_AMOUNT] = {"amount", CRM_RULE_VAR_INTEGER, CRMI_AG_TXN, "the amount, in fen (> 0)"},
    [V_TYPE] = {"type", CRM_RULE_VAR_TEXT, CRMI_AG_TXN,
                "deposit, withdrawal, purchase, redemption, transfer_in, transfer_out, "
                "repayment, card_spend"},
    [V_DIRECTION] = {"direction", CRM_RULE_VAR_TEXT, CRMI_AG_TXN,
                     "\"in\" (deposit, redemption, transfer_in) or \"out\" (the others)"},
    [V_CHANNEL] = {"channel", CRM_RULE_VAR_TEXT, CRMI_AG_TXN, "branch, mobile, online, atm, phone"},
    [V_HOUR] = {"hour", CRM_RULE_VAR_INTEGER, CRMI_AG_TXN,
                "hour of the transaction's time in Beijing time (UTC+8), 0..23"},
    [V_PRODUCT_CODE] = {"product_code", CRM_RULE_VAR_TEXT, CRMI_AG_PRODUCT,
                        "the product's code; null when the transaction names none"},
    [V_PRODUCT_TYPE] = {"product_type", CRM_RULE_VAR_TEXT, CRMI_AG_PRODUCT,
                        "deposit, loan, wealth, fund, insurance, credit_card; null when none"},
    [V_PRODUCT_RISK] = {"product_risk", CRM_RULE_VAR_TEXT, CRMI_AG_PRODUCT,
                        "the product's risk rating R1..R5; null when none"},
    [V_RISK_LEVEL] = {"risk_level", CRM_RULE_VAR_TEXT, CRMI_AG_CUSTOMER,
                      "the customer's risk profile C1..C5; null if never assessed"},
    [V_RISK_EXPIRED] = {"risk_expired", CRM_RULE_VAR_BOOL, CRMI_AG_CUSTOMER,
                        "never assessed, or assessed more than a year before the transaction"},
    [V_AGE] = {"age", CRM_RULE_VAR_INTEGER, CRMI_AG_CUSTOMER,
               "the customer's age in whole years at the transaction; null if unknown"},
    [V_ASSETS] = {"assets", CRM_RULE_VAR_INTEGER, CRMI_AG_CUSTOMER,
                  "the customer's total assets, in fen; null if unknown"},
    [V_HISTORY_COUNT] = {"history_count", CRM_RULE_VAR_INTEGER, CRMI_AG_HISTORY,
                         "the customer's transactions in the history window before this one"},
    [V_HISTORY_MEAN] = {"history_mean", CRM_RULE_VAR_NUMBER, CRMI_AG_HISTORY,
                        "their mean amount, in fen; null when there are none"},
    [V_HISTORY_STDDEV] = {"history_stddev", CRM_RULE_VAR_NUMBER, CRMI_AG_HISTORY,
                          "the sample standard deviation of their amounts; null below 2"},
    [V_HISTORY_MAX] = {"history_max", CRM_RULE_VAR_INTEGER, CRMI_AG_HISTORY,
                       "their largest amount, in fen; null when there are none"},
    [V_ZSCORE] = {"zscore", CRM_RULE_VAR_NUMBER, CRMI_AG_HISTORY,
                  "(amount - history_mean) / history_stddev; null when the deviation is 0 "
                  "or there are fewer than 2"},
    [V_BURST_COUNT] =
        {"burst_count", CRM_RULE_VAR_INTEGER, CRMI_AG_BURST,
         "the customer's transactions in the burst window before this one (counted up to "
         "100)"},
};
const size_t crmi_alert_var_count = sizeof crmi_alert_vars / sizeof crmi_alert_vars[0];

const crmi_alert_var *crmi_alert_var_find(const char *name, size_t len)
{
    for (size_t i = 0; i < crmi_alert_var_count; i++)
        if (strlen(crmi_alert_vars[i].name) == len &&
            memcmp(crmi_alert_vars[i].name, name, len) == 0)
            return &crmi_alert_vars[i];
    return NULL;
}

/* ---------------------------------------------------------------- groups */

static const char SQL_PRODUCT[] = "SELECT code, type, risk_rating FROM crm_product WHERE id = ?1";

static void copy_column(char *out, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", text ? (const char *)text : "");
}

static int load_product(crmi_alert_facts *f)
{
    if (f->txn->product_id == 0)
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(f->db, SQL_PRODUCT);
    if (!st)
        return f->db->errcode;
    sqlite3_bind_int64(st, 1, f->txn->product_id);
    int step = crmi_step(st);
    if (step == SQLITE_ROW) {
        copy_column(f->product_code, sizeof f->product_code, st, 0);
        copy_column(f->product_type, sizeof f->product_type, st, 1);
        copy_column(f->product_risk, sizeof f->product_risk, st, 2);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(f->db, step, "alert: read product");
}

static const char SQL_CUSTOMER[] =
    "SELECT risk_level, risk_assessed_at, birth_date, total_assets FROM crm_customer WHERE id = ?1";

/* Customer facts as of the transaction's time, so a historical feed is
 * judged by the assessment in force when it happened. */
static void read_customer(crmi_alert_facts *f, sqlite3_stmt *st)
{
    int64_t at = f->txn->at;
    f->has_risk_level = sqlite3_column_type(st, 0) != SQLITE_NULL;
    copy_column(f->risk_level, sizeof f->risk_level, st, 0);
    bool assessed = sqlite3_column_type(st, 1) != SQLITE_NULL;
    f->risk_expired = !assessed || sqlite3_column_int64(st, 1) + CRMI_RISK_VALIDITY_SECONDS < at;
    f->age = crmi_age_years((const char *)sqlite3_column_text(st, 2), at);
    f->has_assets = sqlite3_column_type(st, 3) != SQLITE_NULL;
    f->assets = sqlite3_column_int64(st, 3);
}

static int load_customer(crmi_alert_facts *f)
{
    sqlite3_stmt *st = crmi_stmt(f->db, SQL_CUSTOMER);
    if (!st)
        return f->db->errcode;
    sqlite3_bind_int64(st, 1, f->txn->customer_id);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        read_customer(f, st);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(f->db, step, "alert: read customer");
}

/* The window runs up to and including this transaction's second; the
 * transaction itself is left out by id. */
static const char SQL_HISTORY[] =
    "SELECT amount FROM crm_txn WHERE customer_id = ?1 AND at >= ?2 AND at <= ?3 AND id <> ?4";

/* Welford's running mean and variance: no cancellation when amounts are
 * large and alike. */
static void finish_history(crmi_alert_facts *f, double mean, double m2)
{
    f->history_mean = mean;
    f->history_stddev = f->history_count >= 2 ? sqrt(m2 / (double)(f->history_count - 1)) : 0;
    f->has_zscore = f->history_count >= 2 && f->history_stddev > 0;
    f->zscore = f->has_zscore ? ((double)f->txn->amount - mean) / f->history_stddev : 0;
}

static int load_history(crmi_alert_facts *f)
{
    sqlite3_stmt *st = crmi_stmt(f->db, SQL_HISTORY);
    if (!st)
        return f->db->errcode;
    sqlite3_bind_int64(st, 1, f->txn->customer_id);
    sqlite3_bind_int64(st, 2, f->txn->at - f->set->history_days * 86400);
    sqlite3_bind_int64(st, 3, f->txn->at);
    sqlite3_bind_int64(st, 4, f->txn->txn_id);
    double mean = 0, m2 = 0;
    int step;
    while ((step = crmi_step(st)) == SQLITE_ROW) {
        int64_t amount = sqlite3_column_int64(st, 0);
        double delta = (double)amount - mean;
        f->history_count++;
        mean += delta / (double)f->history_count;
        m2 += delta * ((double)amount - mean);
        if (amount > f->history_max)
            f->history_max = amount;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return crmi_sqlite_error(f->db, step, "alert: read history");
    finish_history(f, mean, m2);
    return CRM_OK;
}

/* Covered by the index crm_txn (customer_id, at): no table rows read.
 * Counting stops at BURST_COUNT_CAP, stepped here rather than in a
 * count(*) over a LIMIT subquery (which SQLite materialises), so a feed of
 * thousands of rows in one second costs a small bounded scan per row. */
#define BURST_COUNT_CAP 100
static const char SQL_BURST[] = "SELECT 1 FROM crm_txn WHERE customer_id = ?1"
                                " AND at > ?2 AND at <= ?3 AND id <> ?4 LIMIT ?5";

static int load_burst(crmi_alert_facts *f)
{
    sqlite3_stmt *st = crmi_stmt(f->db, SQL_BURST);
    if (!st)
        return f->db->errcode;
    sqlite3_bind_int64(st, 1, f->txn->customer_id);
    sqlite3_bind_int64(st, 2, f->txn->at - f->set->burst_minutes * 60);
    sqlite3_bind_int64(st, 3, f->txn->at);
    sqlite3_bind_int64(st, 4, f->txn->txn_id);
    sqlite3_bind_int64(st, 5, BURST_COUNT_CAP);
    int step;
    f->burst_count = 0;
    while ((step = crmi_step(st)) == SQLITE_ROW)
        f->burst_count++;
    sqlite3_reset(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(f->db, step, "alert: read burst");
}

static int load_group(crmi_alert_facts *f, crmi_alert_group g)
{
    if (f->loaded[g])
        return CRM_OK;
    int rc = g == CRMI_AG_PRODUCT    ? load_product(f)
             : g == CRMI_AG_CUSTOMER ? load_customer(f)
             : g == CRMI_AG_HISTORY  ? load_history(f)
             : g == CRMI_AG_BURST    ? load_burst(f)
                                     : CRM_OK;
    f->loaded[g] = rc == CRM_OK;
    return rc;
}

/* ---------------------------------------------------------------- values */

typedef enum fact_kind { F_NULL, F_INT, F_NUM, F_TEXT, F_BOOL } fact_kind;

typedef struct fact {
    fact_kind kind;
    int64_t i;
    double d;
    const char *s;
} fact;

static fact f_int(int64_t i)
{
    return (fact){.kind = F_INT, .i = i};
}
static fact f_num(double d)
{
    return (fact){.kind = F_NUM, .d = d};
}
static fact f_text(const char *s)
{
    return (fact){.kind = s && *s ? F_TEXT : F_NULL, .s = s};
}
static fact f_bool(bool b)
{
    return (fact){.kind = F_BOOL, .i = b};
}
static fact f_null(void)
{
    return (fact){.kind = F_NULL};
}

static const char *direction_of(const char *type)
{
    return strcmp(type, "deposit") == 0 || strcmp(type, "redemption") == 0 ||
                   strcmp(type, "transfer_in") == 0
               ? "in"
               : "out";
}

static int hour_of(int64_t at)
{
    int64_t local = at + CHINA_UTC_OFFSET;
    return (int)(((local % 86400) + 86400) % 86400 / 3600);
}

static fact txn_fact(const crmi_alert_facts *f, enum var_id id)
{
    switch (id) {
    case V_AMOUNT: return f_int(f->txn->amount);
    case V_TYPE: return f_text(f->txn->type);
    case V_DIRECTION: return f_text(direction_of(f->txn->type));
    case V_CHANNEL: return f_text(f->txn->channel);
    case V_HOUR: return f_int(hour_of(f->txn->at));
    case V_PRODUCT_CODE: return f_text(f->product_code);
    case V_PRODUCT_TYPE: return f_text(f->product_type);
    case V_PRODUCT_RISK: return f_text(f->product_risk);
    default: return f_null();
    }
}

static fact customer_fact(const crmi_alert_facts *f, enum var_id id)
{
    switch (id) {
    case V_RISK_LEVEL: return f->has_risk_level ? f_text(f->risk_level) : f_null();
    case V_RISK_EXPIRED: return f_bool(f->risk_expired);
    case V_AGE: return f->age >= 0 ? f_int(f->age) : f_null();
    case V_ASSETS: return f->has_assets ? f_int(f->assets) : f_null();
    default: return f_null();
    }
}

static fact history_fact(const crmi_alert_facts *f, enum var_id id)
{
    bool any = f->history_count > 0;
    switch (id) {
    case V_HISTORY_COUNT: return f_int(f->history_count);
    case V_HISTORY_MEAN: return any ? f_num(f->history_mean) : f_null();
    case V_HISTORY_STDDEV: return f->history_count >= 2 ? f_num(f->history_stddev) : f_null();
    case V_HISTORY_MAX: return any ? f_int(f->history_max) : f_null();
    case V_ZSCORE: return f->has_zscore ? f_num(f->zscore) : f_null();
    case V_BURST_COUNT: return f_int(f->burst_count);
    default: return f_null();
    }
}

/* The value of variable `v`, loading its group first. */
static int fact_get(crmi_alert_facts *f, const crmi_alert_var *v, fact *out)
{
    int rc = load_group(f, v->group);
    if (rc)
        return rc;
    enum var_id id = (enum var_id)(v - crmi_alert_vars);
    *out = id <= V_PRODUCT_RISK ? txn_fact(f, id)
           : id <= V_ASSETS     ? customer_fact(f, id)
                                : history_fact(f, id);
    return CRM_OK;
}

static int set_fact(crm_rule_data *data, const char *name, const fact *v)
{
    switch (v->kind) {
    case F_INT: return crm_rule_data_set_int(data, name, v->i);
    case F_NUM: return crm_rule_data_set_number(data, name, v->d);
    case F_TEXT: return crm_rule_data_set_text(data, name, v->s);
    case F_BOOL: return crm_rule_data_set_bool(data, name, (int)v->i);
    default: return crm_rule_data_set_null(data, name);
    }
}

static int resolve(crm_rule_data *data, const char *name, void *payload)
{
    crmi_alert_facts *f = payload;
    const crmi_alert_var *v = crmi_alert_var_find(name, strlen(name));
    fact value;
    if (!v)
        return CRM_OK; /* not an alert variable: stays missing */
    int rc = fact_get(f, v, &value);
    if (!rc)
        rc = set_fact(data, name, &value);
    if (rc && !f->load_error)
        f->load_error = rc;
    return rc;
}

int crmi_alert_facts_bind(crm_rule_data *data, crmi_alert_facts *facts)
{
    crm_rule_data_clear(data);
    return crm_rule_data_set_resolver(data, resolve, facts);
}

static void write_fact(crmi_buf *out, const fact *v)
{
    switch (v->kind) {
    case F_INT: crmi_buf_printf(out, "%lld", (long long)v->i); break;
    case F_NUM:
        if (isfinite(v->d))
            crmi_buf_printf(out, "%.4f", v->d);
        else
            crmi_buf_puts(out, "null");
        break;
    case F_TEXT: crmi_buf_json_string(out, v->s); break;
    case F_BOOL: crmi_buf_puts(out, v->i ? "true" : "false"); break;
    default: crmi_buf_puts(out, "null");
    }
}

int crmi_alert_facts_json(crmi_alert_facts *facts, const crm_rule *rule, crmi_buf *out)
{
    crmi_buf_putc(out, '{');
    size_t n = crm_rule_variable_count(rule);
    for (size_t i = 0; i < n; i++) {
        const char *name = crm_rule_variable(rule, i);
        const crmi_alert_var *v = crmi_alert_var_find(name, strlen(name));
        fact value;
        int rc = v ? fact_get(facts, v, &value) : CRM_OK;
        if (rc)
            return rc;
        crmi_buf_printf(out, "%s", i ? "," : "");
        crmi_buf_json_string(out, name);
        crmi_buf_putc(out, ':');
        if (v)
            write_fact(out, &value);
        else
            crmi_buf_puts(out, "null");
    }
    crmi_buf_putc(out, '}');
    return out->failed ? crmi_error(facts->db, CRM_E_NOMEM, "alert: out of memory") : CRM_OK;
}
