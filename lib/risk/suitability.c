/* Investor suitability (DESIGN.md section 3): a product rated R may be sold
 * or marketed to a customer rated C only when R <= C and the assessment has
 * not expired. The one implementation of the rule: the public check and the
 * cross-sell recommendations both call crmi_risk_suitable. */
#include "product/product_int.h"
#include "risk/risk_int.h"

#include <stdio.h>
#include <string.h>

/* The level's recorded questionnaire (same level, taken on the day the
 * customer's risk_assessed_at names) carries its own expiry. */
static const char SQL_PROFILE[] = "SELECT c.risk_level, c.risk_assessed_at, " CRMI_RISK_EXPIRES_SQL
                                  " FROM crm_customer c WHERE c.id = ?1";

int crmi_risk_profile_load(crm_db *db, int64_t customer_id, crmi_risk_profile *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_PROFILE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    int step = sqlite3_step(st);
    *out = (crmi_risk_profile){0};
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        sqlite3_column_type(st, 1) != SQLITE_NULL) {
        out->level = ((const char *)sqlite3_column_text(st, 0))[1] - '0';
        out->assessed_at = sqlite3_column_int64(st, 1);
        out->expires_at = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE
               ? crmi_error(db, CRM_E_NOT_FOUND, "customer %lld vanished", (long long)customer_id)
               : crmi_sqlite_error(db, step, "read risk profile");
}

crmi_suitability crmi_risk_suitable(const crmi_risk_profile *p, int rating, int64_t now)
{
    if (p->level == 0)
        return CRMI_UNSUITABLE_MISSING;
    if (p->expires_at < now)
        return CRMI_UNSUITABLE_EXPIRED;
    return rating <= p->level ? CRMI_SUITABLE : CRMI_UNSUITABLE_LEVEL;
}

int crmi_risk_max_suitable_rating(const crmi_risk_profile *p, int64_t now)
{
    int best = 0;
    for (int rating = 1; rating <= 5; rating++)
        if (crmi_risk_suitable(p, rating, now) == CRMI_SUITABLE)
            best = rating;
    return best;
}

/* ------------------------------------------------------------ the check */

static const char SQL_RATING[] = "SELECT risk_rating FROM crm_product WHERE id = ?1";

static int product_rating(crm_db *db, const char *code, int *out)
{
    int64_t id;
    int rc = crmi_product_find(db, code, &id);
    if (rc)
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_RATING);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = ((const char *)sqlite3_column_text(st, 0))[1] - '0';
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "read product rating");
}

static const char *const reason_codes[] = {
    [CRMI_SUITABLE] = "suitable",
    [CRMI_UNSUITABLE_MISSING] = "assessment_missing",
    [CRMI_UNSUITABLE_EXPIRED] = "assessment_expired",
    [CRMI_UNSUITABLE_LEVEL] = "level_too_low",
};

static void day_of(char out[32], int64_t epoch)
{
    crm_time_format(out, 32, epoch);
    out[10] = '\0';
}

static void explain(char *buf, size_t size, crmi_suitability s, const crmi_risk_profile *p,
                    const char *customer_no, const char *product_code, int rating)
{
    char from[32], until[32];
    day_of(from, p->assessed_at);
    day_of(until, p->expires_at);
    switch (s) {
    case CRMI_UNSUITABLE_MISSING:
        snprintf(buf, size, "customer %s has no risk assessment: %s (R%d) cannot be offered",
                 customer_no, product_code, rating);
        break;
    case CRMI_UNSUITABLE_EXPIRED:
        snprintf(buf, size,
                 "the risk assessment of %s (C%d, taken %s) expired on %s: assess again before "
                 "offering %s (R%d)",
                 customer_no, p->level, from, until, product_code, rating);
        break;
    case CRMI_UNSUITABLE_LEVEL:
        snprintf(buf, size, "level too low: %s is rated R%d, above the customer's level C%d",
                 product_code, rating, p->level);
        break;
    default:
        snprintf(buf, size, "%s (R%d) is within the customer's level C%d, assessed until %s",
                 product_code, rating, p->level, until);
    }
}

static int check_record(crm_record **out, crmi_suitability s, const crmi_risk_profile *p,
                        const char *reason, int rating)
{
    char level[3] = {'C', (char)('0' + p->level), '\0'}, rated[3] = {'R', (char)('0' + rating), 0};
    char until[32];
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_int(r, "suitable", s == CRMI_SUITABLE);
    if (!rc)
        rc = crmi_record_put_text(r, "reason_code", reason_codes[s]);
    if (!rc)
        rc = crmi_record_put_text(r, "reason", reason);
    if (!rc && p->level)
        rc = crmi_record_put_text(r, "risk_level", level);
    if (!rc)
        rc = crmi_record_put_text(r, "risk_rating", rated);
    if (!rc && p->level) {
        crm_time_format(until, sizeof until, p->expires_at);
        rc = crmi_record_put_text(r, "expires_at", until);
    }
    if (rc)
        crm_record_free(r);
    else
        *out = r;
    return rc;
}

CRM_EXTERN(int)
crm_risk_check(crm_record **out, crm_db *db, const char *customer_no, const char *product_code)
{
    if (!out || !db || !customer_no || !product_code)
        return crmi_error(db, CRM_E_INVALID_ARG, "risk check: NULL argument");
    crmi_error_clear(db);
    int64_t id;
    int rating = 0;
    crmi_risk_profile p;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    if (!rc)
        rc = product_rating(db, product_code, &rating);
    if (!rc)
        rc = crmi_risk_profile_load(db, id, &p);
    if (rc)
        return rc;
    crmi_suitability s = crmi_risk_suitable(&p, rating, crm_db_now(db));
    char reason[400];
    explain(reason, sizeof reason, s, &p, customer_no, product_code, rating);
    rc = check_record(out, s, &p, reason, rating);
    return rc ? crmi_error(db, rc, "risk check: out of memory") : CRM_OK;
}
