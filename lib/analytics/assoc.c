/* Cross-sell: association rules over the product types customers hold
 * (Apriori over the six types: level by level, an itemset is counted only
 * when all its subsets one smaller were frequent), and per-customer
 * recommendations of products not held, filtered by suitability. */
#include "analytics/analytics_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N_MASKS (1u << CRMI_N_TYPES)
#define MAX_ANTECEDENT 3

/* The bit mask of the types a visible customer holds (bit i: type i of
 * crmi_product_types; the types are distinct, so sum(DISTINCT) is an OR). */
static const char SQL_MASKS[] =
    "SELECT (SELECT total(DISTINCT CASE p.type WHEN 'deposit' THEN 1 WHEN 'loan' THEN 2"
    "   WHEN 'wealth' THEN 4 WHEN 'fund' THEN 8 WHEN 'insurance' THEN 16"
    "   WHEN 'credit_card' THEN 32 END)"
    "   FROM crm_holding h JOIN crm_product p ON p.id = h.product_id"
    "   WHERE h.customer_id = c.id)"
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id WHERE" CRMI_CUSTOMER_SCOPE;

typedef struct basket_counts {
    uint64_t customers;
    uint64_t by_mask[N_MASKS]; /* customers holding exactly this set */
    uint64_t support[N_MASKS]; /* customers holding at least this set */
    bool frequent[N_MASKS];
} basket_counts;

static int count_baskets(crm_db *db, basket_counts *bc)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MASKS);
    if (!st)
        return db->errcode;
    crmi_customer_scope_bind(db, st);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        bc->by_mask[(unsigned)sqlite3_column_int(st, 0) & (N_MASKS - 1)]++;
        bc->customers++;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "read holdings");
}

static int bits(unsigned m)
{
    return __builtin_popcount(m);
}

static uint64_t count_superset(const basket_counts *bc, unsigned set)
{
    uint64_t n = 0;
    for (unsigned m = 0; m < N_MASKS; m++)
        if ((m & set) == set)
            n += bc->by_mask[m];
    return n;
}

/* Apriori: level k counts only sets whose every (k-1)-subset is frequent. */
static void find_frequent(basket_counts *bc, uint64_t min_count)
{
    bc->frequent[0] = true;
    for (int level = 1; level <= MAX_ANTECEDENT + 1; level++)
        for (unsigned set = 1; set < N_MASKS; set++) {
            if (bits(set) != level)
                continue;
            bool candidate = true;
            for (unsigned b = 0; b < CRMI_N_TYPES && candidate; b++)
                if (set & (1u << b))
                    candidate = bc->frequent[set & ~(1u << b)];
            if (!candidate)
                continue;
            bc->support[set] = count_superset(bc, set);
            bc->frequent[set] = bc->support[set] >= min_count && bc->support[set] > 0;
        }
}

static void set_name(char *buf, size_t size, unsigned set)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned b = 0; b < CRMI_N_TYPES; b++)
        if (set & (1u << b))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "+" : "",
                                     crmi_product_types.values[b]);
}

/* ---------------------------------------------------------------- storing */

static const char SQL_CLEAR[] = "DELETE FROM crm_assoc_rule";
static const char SQL_RULE[] =
    "INSERT INTO crm_assoc_rule (antecedent, antecedent_mask, antecedent_size, consequent,"
    " consequent_mask, support_bps, confidence_bps, lift_bps, customers, run_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

static int64_t bps(double x)
{
    return (int64_t)llround(x * 10000.0);
}

static int store_rule(crm_db *db, const basket_counts *bc, unsigned ante, unsigned cons,
                      int64_t now)
{
    char a[96], c[32];
    double n = (double)bc->customers, both = (double)bc->support[ante | cons];
    double confidence = both / (double)bc->support[ante];
    double lift = confidence / ((double)bc->support[cons] / n);
    set_name(a, sizeof a, ante);
    set_name(c, sizeof c, cons);
    sqlite3_stmt *st = crmi_stmt(db, SQL_RULE);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, a);
    sqlite3_bind_int(st, 2, (int)ante);
    sqlite3_bind_int(st, 3, bits(ante));
    crmi_bind_text(st, 4, c);
    sqlite3_bind_int(st, 5, (int)cons);
    sqlite3_bind_int64(st, 6, bps(both / n));
    sqlite3_bind_int64(st, 7, bps(confidence));
    sqlite3_bind_int64(st, 8, bps(lift));
    sqlite3_bind_int64(st, 9, (int64_t)bc->customers);
    sqlite3_bind_int64(st, 10, now);
    return crmi_exec_stmt(db, st, "store association rule");
}

static double confidence_of(const basket_counts *bc, unsigned ante, unsigned cons)
{
    return (double)bc->support[ante | cons] / (double)bc->support[ante];
}

/* A rule adds nothing when a rule with a smaller antecedent predicts the
 * same consequent at least as confidently ("deposit+wealth => insurance"
 * beside "wealth => insurance" when every customer has a deposit). */
static bool improves_on_subsets(const basket_counts *bc, unsigned ante, unsigned cons)
{
    double conf = confidence_of(bc, ante, cons);
    for (unsigned sub = (ante - 1) & ante; sub; sub = (sub - 1) & ante)
        if (bc->frequent[sub | cons] && confidence_of(bc, sub, cons) >= conf)
            return false;
    return true;
}

static int store_rules(crm_db *db, const basket_counts *bc, int64_t min_conf_bps, int *stored)
{
    int64_t now = crm_db_now(db);
    sqlite3_stmt *clear = crmi_stmt(db, SQL_CLEAR);
    int rc = clear ? crmi_exec_stmt(db, clear, "clear association rules") : db->errcode;
    for (unsigned set = 1; !rc && set < N_MASKS; set++) {
        if (bits(set) < 2 || !bc->frequent[set])
            continue;
        for (unsigned b = 0; !rc && b < CRMI_N_TYPES; b++) {
            unsigned cons = 1u << b, ante = set & ~cons;
            if (!(set & cons) || bps(confidence_of(bc, ante, cons)) < min_conf_bps ||
                !improves_on_subsets(bc, ante, cons))
                continue;
            rc = store_rule(db, bc, ante, cons, now);
            (*stored)++;
        }
    }
    return rc;
}

static const char SQL_RULES[] =
    "SELECT antecedent, consequent, support_bps, confidence_bps, lift_bps, customers"
    " FROM crm_assoc_rule"
    " ORDER BY lift_bps DESC, confidence_bps DESC, antecedent_size, antecedent, consequent";

static int run_assoc(crm_db *db, int64_t min_support_bps, int64_t min_conf_bps)
{
    basket_counts *bc = crmi_calloc(1, sizeof *bc);
    if (!bc)
        return crmi_error(db, CRM_E_NOMEM, "assoc: out of memory");
    int rc = count_baskets(db, bc), stored = 0;
    if (!rc) {
        uint64_t min_count = (uint64_t)ceil((double)bc->customers * (double)min_support_bps / 1e4);
        find_frequent(bc, min_count ? min_count : 1);
    }
    if (!rc && !(rc = crmi_txn_begin(db))) {
        rc = store_rules(db, bc, min_conf_bps, &stored);
        char json[160];
        snprintf(json, sizeof json,
                 "{\"customers\":%llu,\"rules\":%d,\"min_support_bps\":%lld,"
                 "\"min_confidence_bps\":%lld}",
                 (unsigned long long)bc->customers, stored, (long long)min_support_bps,
                 (long long)min_conf_bps);
        if (!rc)
            rc = crmi_analytics_audit(db, "analytics.assoc", json);
        rc = crmi_txn_end(db, rc);
    }
    crm_free(bc);
    return rc;
}

CRM_EXTERN(int) crm_analytics_assoc_run(crm_iter **out, crm_db *db, const crm_record *params)
{
    static const char *const known[] = {"min_support_bps", "min_confidence_bps"};
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "assoc: NULL argument");
    crmi_error_clear(db);
    int64_t min_support = 500, min_conf = 1000;
    int rc = crmi_access_require(db, CRMI_OP_ANALYTICS_RUN);
    if (!rc)
        rc = crmi_params_check(db, params, known, 2, "assoc");
    if (!rc)
        rc = crmi_param_int(db, params, "min_support_bps", 0, 10000, &min_support);
    if (!rc)
        rc = crmi_param_int(db, params, "min_confidence_bps", 0, 10000, &min_conf);
    if (!rc)
        rc = run_assoc(db, min_support, min_conf);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_RULES);
    if (!st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* -------------------------------------------------------- recommendations */

static const char SQL_HELD[] =
    "SELECT total(DISTINCT CASE p.type WHEN 'deposit' THEN 1 WHEN 'loan' THEN 2"
    " WHEN 'wealth' THEN 4 WHEN 'fund' THEN 8 WHEN 'insurance' THEN 16"
    " WHEN 'credit_card' THEN 32 END)"
    " FROM crm_holding h JOIN crm_product p ON p.id = h.product_id WHERE h.customer_id = ?1";
static const char SQL_HAS_RULES[] = "SELECT count(*) FROM crm_assoc_rule";

/* The best applicable rule per predicted type, then its products the
 * customer lacks, on sale today, rated no higher than the suitable maximum. */
static const char SQL_RECOMMEND[] =
    "WITH best AS (SELECT antecedent, consequent, confidence_bps, lift_bps,"
    "   row_number() OVER (PARTITION BY consequent ORDER BY confidence_bps DESC, lift_bps DESC,"
    "   antecedent_size, antecedent) AS rn FROM crm_assoc_rule"
    "   WHERE (antecedent_mask & :held) = antecedent_mask AND (consequent_mask & :held) = 0)"
    " SELECT p.code AS product_code, p.name AS product_name, p.type, p.risk_rating,"
    " best.confidence_bps, best.lift_bps, best.antecedent || ' => ' || best.consequent AS rule"
    " FROM best JOIN crm_product p ON p.type = best.consequent"
    " WHERE best.rn = 1 AND p.risk_rating <= :max_rating"
    " AND (p.sale_start IS NULL OR p.sale_start <= :today)"
    " AND (p.sale_end IS NULL OR p.sale_end >= :today)"
    " AND NOT EXISTS (SELECT 1 FROM crm_holding h WHERE h.customer_id = :cid"
    "   AND h.product_id = p.id)"
    " ORDER BY best.confidence_bps DESC, best.lift_bps DESC, p.code LIMIT :limit";

static int read_int(crm_db *db, const char *sql, int64_t id, bool bind_id, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    if (bind_id)
        sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "read holdings");
}

static int recommend(crm_iter **out, crm_db *db, int64_t id, int limit)
{
    int64_t held, rules, now = crm_db_now(db);
    crmi_risk_profile profile;
    int rc = read_int(db, SQL_HAS_RULES, 0, false, &rules);
    if (!rc && !rules)
        rc = crmi_error(db, CRM_E_STATE,
                        "recommend: no association rules yet: run the "
                        "association analysis (crm analytics assoc) first");
    if (!rc)
        rc = read_int(db, SQL_HELD, id, true, &held);
    if (!rc)
        rc = crmi_risk_profile_load(db, id, &profile);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_RECOMMEND);
    if (!st)
        return rc ? rc : db->errcode;
    int max_rating = crmi_risk_max_suitable_rating(&profile, now);
    char rating[3] = {'R', (char)('0' + max_rating), '\0'}, today[32];
    crm_time_format(today, sizeof today, now);
    today[10] = '\0';
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":held"), held);
    /* no suitable rating: NULL matches nothing */
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":max_rating"), max_rating ? rating : NULL);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":today"), today);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cid"), id);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), limit ? limit : 10);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

CRM_EXTERN(int)
crm_analytics_recommend(crm_iter **out, crm_db *db, const char *customer_no, int limit)
{
    if (!out || !db || !customer_no || limit < 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "recommend: NULL argument or negative limit");
    crmi_error_clear(db);
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    return rc ? rc : recommend(out, db, id, limit);
}
