/* Rewards: tiered purchase rewards and referral rewards under a
 * per-customer cap and the campaign budget. The answer, the grant and the
 * budget update commit together, once per purchase reference. */
#include "campaign/campaign_int.h"

#include <stdio.h>
#include <string.h>

typedef struct grant {
    int64_t reward, bonus_bps, tier, referee, referrer, budget_left;
    bool capped, repeated;
} grant;

static const char SQL_DEFINITION[] = "SELECT definition FROM crm_campaign WHERE id = ?1";
static const char SQL_PREVIOUS[] =
    "SELECT kind, amount, bonus_bps FROM crm_campaign_reward WHERE campaign_id = ?1 AND ref = ?2";
static const char SQL_GRANTED[] = "SELECT coalesce(sum(amount), 0) FROM crm_campaign_reward"
                                  " WHERE campaign_id = ?1 AND customer_id = ?2";
static const char SQL_ADD_REWARD[] =
    "INSERT INTO crm_campaign_reward (campaign_id, customer_id, kind, purchase_amount, bonus_bps,"
    " amount, ref, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_SPEND[] =
    "UPDATE crm_campaign SET reward_spent = reward_spent + ?2 WHERE id = ?1"
    " AND reward_spent + ?2 <= budget";
static const char SQL_REFERRAL_OPEN[] =
    "SELECT referrer_id FROM crm_campaign_referral WHERE campaign_id = ?1 AND referee_id = ?2"
    " AND converted_at IS NULL";
static const char SQL_REFERRAL_CONVERT[] = "UPDATE crm_campaign_referral SET converted_at = ?3"
                                           " WHERE campaign_id = ?1 AND referee_id = ?2";

static int load_rules(crm_db *db, const crmi_campaign *c, crmi_campaign_def *def)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_DEFINITION);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int step = crmi_step(st);
    char *text = step == SQLITE_ROW ? crmi_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "read campaign rules");
    if (!text)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    int rc = crmi_campaign_def_parse(db, text, def);
    crm_free(text);
    return rc;
}

/* The answer already given for `ref`, if any. */
static int previous(crm_db *db, const crmi_campaign *c, const char *ref, grant *g)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_PREVIOUS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    crmi_bind_text(st, 2, ref);
    int step;
    while ((step = crmi_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        int64_t amount = sqlite3_column_int64(st, 1);
        g->repeated = true;
        if (strcmp(kind, "tier") == 0) {
            g->reward = amount;
            g->bonus_bps = sqlite3_column_int64(st, 2);
        } else if (strcmp(kind, "referee") == 0) {
            g->referee = amount;
        } else {
            g->referrer = amount;
        }
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "read rewards");
}

static int granted_to(crm_db *db, const crmi_campaign *c, int64_t customer_id, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GRANTED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, customer_id);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "read rewards");
}

/* Cuts `want` to what the customer's cap and the budget leave, records it
 * and spends it. */
static int pay(crm_db *db, crmi_campaign *c, const crmi_reward_rules *r, int64_t customer_id,
               const char *kind, int64_t purchase, int64_t bonus_bps, const char *ref, int64_t want,
               int64_t *paid, bool *capped)
{
    int64_t granted = 0;
    int rc = granted_to(db, c, customer_id, &granted);
    if (rc)
        return rc;
    int64_t amount = want;
    if (r->cap >= 0 && amount > r->cap - granted)
        amount = r->cap - granted > 0 ? r->cap - granted : 0;
    if (amount > c->budget - c->reward_spent)
        amount = c->budget - c->reward_spent;
    if (capped && amount < want)
        *capped = true;
    sqlite3_stmt *st = crmi_stmt(db, SQL_ADD_REWARD);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, customer_id);
    crmi_bind_text(st, 3, kind);
    sqlite3_bind_int64(st, 4, purchase);
    sqlite3_bind_int64(st, 5, bonus_bps);
    sqlite3_bind_int64(st, 6, amount);
    crmi_bind_text(st, 7, ref);
    sqlite3_bind_int64(st, 8, crm_db_now(db));
    if ((rc = crmi_exec_stmt(db, st, "grant reward")) || !(st = crmi_stmt(db, SQL_SPEND)))
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, amount);
    if ((rc = crmi_exec_stmt(db, st, "spend budget")))
        return rc;
    if (sqlite3_changes(db->sql) != 1)
        return crmi_error(db, CRM_E_CONFLICT, "campaign %s: budget changed meanwhile", c->code);
    c->reward_spent += amount;
    *paid = amount;
    return CRM_OK;
}

static void pick_tier(const crmi_reward_rules *r, int64_t amount, grant *g)
{
    for (size_t i = 0; i < r->n_tiers; i++) {
        const crmi_reward_tier *t = &r->tiers[i];
        if (amount < t->min || (t->max >= 0 && amount >= t->max))
            continue;
        g->tier = (int64_t)i + 1;
        g->bonus_bps = t->bonus_bps;
        /* amount <= INT64_MAX / 10000 is checked by the caller */
        g->reward = t->bonus_bps ? amount * t->bonus_bps / 10000 : t->fixed;
        return;
    }
}

/* The referral rewards when `customer_id` is an unconverted referee. */
static int pay_referral(crm_db *db, crmi_campaign *c, const crmi_reward_rules *r,
                        int64_t customer_id, const char *ref, grant *g)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_REFERRAL_OPEN);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, customer_id);
    int step = crmi_step(st);
    int64_t referrer = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "read referral");
    if (!(st = crmi_stmt(db, SQL_REFERRAL_CONVERT)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, customer_id);
    sqlite3_bind_int64(st, 3, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "referral converted");
    if (!rc && r->referee)
        rc = pay(db, c, r, customer_id, "referee", 0, 0, ref, r->referee, &g->referee, &g->capped);
    if (!rc && r->referrer)
        rc = pay(db, c, r, referrer, "referrer", 0, 0, ref, r->referrer, &g->referrer, &g->capped);
    return rc;
}

static int audit_grant(crm_db *db, const crmi_campaign *c, const char *ref, const grant *g)
{
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"ref\":");
    crmi_buf_json_string(&after, ref);
    crmi_buf_printf(&after,
                    ",\"reward\":%lld,\"bonus_bps\":%lld,\"referee\":%lld,\"referrer\":%lld}",
                    (long long)g->reward, (long long)g->bonus_bps, (long long)g->referee,
                    (long long)g->referrer);
    int rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "out of memory")
                          : crmi_campaign_audit(db, c, "campaign.reward", NULL, after.data);
    crmi_buf_free(&after);
    return rc;
}

static int grant_reward(crm_db *db, crmi_campaign *c, int64_t customer_id, int64_t amount,
                        const char *ref, grant *g)
{
    int rc = previous(db, c, ref, g);
    if (rc || g->repeated)
        return rc;
    crmi_campaign_def def;
    if ((rc = load_rules(db, c, &def)))
        return rc;
    pick_tier(&def.rewards, amount, g);
    int64_t want = g->reward;
    rc = pay(db, c, &def.rewards, customer_id, "tier", amount, g->bonus_bps, ref, want, &g->reward,
             &g->capped);
    if (!rc && amount > 0)
        rc = pay_referral(db, c, &def.rewards, customer_id, ref, g);
    if (!rc)
        rc = audit_grant(db, c, ref, g);
    crmi_campaign_def_clear(&def);
    return rc;
}

static int grant_record(crm_record **out, crm_db *db, const crmi_campaign *c, const grant *g)
{
    crm_record *rec;
    if (crm_record_new(&rec))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    int rc = crm_record_set_money(rec, "reward", g->reward);
    if (!rc)
        rc = crm_record_set_int(rec, "bonus_bps", g->bonus_bps);
    if (!rc)
        rc = crm_record_set_int(rec, "tier", g->tier);
    if (!rc)
        rc = crm_record_set_int(rec, "capped", g->capped);
    if (!rc)
        rc = crm_record_set_money(rec, "referral_reward", g->referee);
    if (!rc)
        rc = crm_record_set_money(rec, "referrer_reward", g->referrer);
    if (!rc)
        rc = crm_record_set_money(rec, "budget_left", c->budget - c->reward_spent);
    if (!rc)
        rc = crm_record_set_int(rec, "repeated", g->repeated);
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "out of memory");
    }
    *out = rec;
    return CRM_OK;
}

static const char *const rewarding[] = {"running", NULL};

CRM_EXTERN(int)
crm_campaign_reward(crm_record **out, crm_db *db, const char *code, const char *customer_no,
                    int64_t amount, const char *ref)
{
    if (!db || !code || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign reward: NULL argument");
    crmi_error_clear(db);
    if (amount < 0 || amount > INT64_MAX / 10000)
        return crmi_error(db, CRM_E_INVALID_ARG, "field amount: %lld fen is out of range",
                          (long long)amount);
    if (!ref || !*ref || strlen(ref) > 100)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "field ref: the purchase reference (1..100 bytes) is required");
    crmi_campaign c;
    int64_t customer_id;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    if (!rc)
        rc = crmi_campaign_require_status(db, &c, rewarding, "rewards are granted while running");
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &customer_id, NULL);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    grant g = {0};
    rc = grant_reward(db, &c, customer_id, amount, ref, &g);
    rc = crmi_txn_end(db, rc);
    return rc || !out ? rc : grant_record(out, db, &c, &g);
}

static const char SQL_REFERRAL_ADD[] =
    "INSERT INTO crm_campaign_referral (campaign_id, referee_id, referrer_id, at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
static const char *const referring[] = {"approved", "scheduled", "running", "paused", NULL};

CRM_EXTERN(int)
crm_campaign_referral_add(crm_db *db, const char *code, const char *referrer_no,
                          const char *referee_no)
{
    if (!db || !code || !referrer_no || !referee_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign referral: NULL argument");
    crmi_error_clear(db);
    if (strcmp(referrer_no, referee_no) == 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "referral: %.40s cannot refer themself",
                          referee_no);
    crmi_campaign c;
    int64_t referrer, referee;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    if (!rc)
        rc = crmi_campaign_require_status(db, &c, referring, "referrals need an approved campaign");
    if (!rc)
        rc = crmi_customer_find(db, referrer_no, &referrer, NULL);
    if (!rc)
        rc = crmi_customer_find(db, referee_no, &referee, NULL);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_REFERRAL_ADD);
    if (!st)
        rc = db->errcode;
    if (!rc) {
        sqlite3_bind_int64(st, 1, c.id);
        sqlite3_bind_int64(st, 2, referee);
        sqlite3_bind_int64(st, 3, referrer);
        sqlite3_bind_int64(st, 4, crm_db_now(db));
        rc = crmi_exec_stmt(db, st, "add referral");
    }
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_CONFLICT, "referral: %.40s was already referred to %s",
                        referee_no, c.code);
    if (!rc) {
        crmi_buf after = {0};
        crmi_buf_puts(&after, "{\"referrer\":");
        crmi_buf_json_string(&after, referrer_no);
        crmi_buf_puts(&after, ",\"referee\":");
        crmi_buf_json_string(&after, referee_no);
        crmi_buf_putc(&after, '}');
        rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "out of memory")
                          : crmi_campaign_audit(db, &c, "campaign.referral", NULL, after.data);
        crmi_buf_free(&after);
    }
    return crmi_txn_end(db, rc);
}
