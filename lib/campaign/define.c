/* Campaign definition documents: one parser for created campaigns,
 * templates and template overrides, so a template that loads is a
 * campaign that can be created. YAML or JSON through the rule loader
 * (libyaml); money as yuan with at most two decimals or as fen, never a
 * floating-point amount. */
#include "campaign/campaign_int.h"
#include "dataio/dataio_int.h"
#include "risk/risk_int.h"
#include "segment/segment_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHAT "campaign definition"
#define MONEY_MAX 90000000000000000LL /* 900 trillion yuan in fen: far above any budget */

static const char *const known_keys[] = {"name",       "description",      "products",
                                         "segments",   "eligibility",      "budget",
                                         "budget_fen", "cost_per_message", "cost_per_message_fen",
                                         "channels",   "control_bps",      "seed",
                                         "goals",      "rewards",          "start",
                                         "end",        "lead_due_days"};

bool crmi_campaign_money(const crmi_value *v, int64_t *out, char *why, size_t why_size)
{
    char text[64];
    if (v->type == CRMI_NUM) {
        if (!isfinite(v->u.n) || fabs(v->u.n) > 9.0e14) {
            snprintf(why, why_size, "amount out of range");
            return false;
        }
        /* the number the author wrote, if it had at most two decimals:
         * its two-decimal text reads back as the same double */
        snprintf(text, sizeof text, "%.2f", v->u.n);
        if (strtod(text, NULL) != v->u.n) {
            snprintf(why, why_size, "yuan take at most two decimals");
            return false;
        }
    } else if (v->type == CRMI_STR && v->len < sizeof text) {
        memcpy(text, v->u.s, v->len);
        text[v->len] = '\0';
    } else {
        snprintf(why, why_size, "expected an amount in yuan");
        return false;
    }
    if (!crmi_money_parse(out, text, why, why_size))
        return false;
    if (*out < 0) {
        snprintf(why, why_size, "must not be negative");
        return false;
    }
    return true;
}

/* Reads money key `key` (yuan) or `key`_fen (whole fen); keeps *out when
 * both are absent. */
static int money_key(crm_db *db, const crmi_value *obj, const char *where, const char *key,
                     int64_t *out)
{
    char fen_key[64], why[128];
    snprintf(fen_key, sizeof fen_key, "%s_fen", key);
    const crmi_value *yuan = crmi_yaml_member(obj, key);
    const crmi_value *fen = crmi_yaml_member(obj, fen_key);
    if (yuan && fen)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s: give %s or %s, not both", where, key,
                          fen_key);
    if (yuan && !crmi_campaign_money(yuan, out, why, sizeof why))
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s.%s: %s", where, key, why);
    if (fen && crmi_yaml_int(obj, WHAT, fen_key, 0, MONEY_MAX, out))
        return crmi_error(db, CRM_E_INVALID_DATA, "%s", crm_last_errmsg());
    return CRM_OK;
}

static int int_key(crm_db *db, const crmi_value *obj, const char *key, int64_t min, int64_t max,
                   int64_t *out)
{
    if (crmi_yaml_int(obj, WHAT, key, min, max, out))
        return crmi_error(db, CRM_E_INVALID_DATA, "%s", crm_last_errmsg());
    return CRM_OK;
}

/* Optional text; required ones are checked by the caller. */
static int text_key(crm_db *db, const crmi_value *obj, const char *where, const char *key,
                    size_t max_chars, const char **out)
{
    const crmi_value *v = crmi_yaml_member(obj, key);
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    if (v->type != CRMI_STR || v->len == 0)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s%s: expected text", where, key);
    if (crmi_utf8_length(v->u.s) > max_chars)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s%s: longer than %zu characters", where,
                          key, max_chars);
    *out = v->u.s;
    return CRM_OK;
}

static int time_key(crm_db *db, const crmi_value *obj, const char *where, const char *key,
                    bool *present, int64_t *out)
{
    const crmi_value *v = crmi_yaml_member(obj, key);
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_STR || crm_time_parse(out, v->u.s) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          WHAT ": %s%s: expected a date (YYYY-MM-DD) or ISO-8601 time", where, key);
    if (present)
        *present = true;
    return CRM_OK;
}

/* A list of codes or names (a single text is a list of one). */
static int name_list(crm_db *db, const crmi_value *obj, const char *key, const char **out,
                     size_t *n)
{
    const crmi_value *v = crmi_yaml_member(obj, key);
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    if (v->type == CRMI_STR) {
        out[(*n)++] = v->u.s;
        return CRM_OK;
    }
    if (v->type != CRMI_ARR || v->u.a->n > CRMI_CAMPAIGN_MAX_LIST)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s: expected a list of at most %d names",
                          key, CRMI_CAMPAIGN_MAX_LIST);
    for (uint32_t i = 0; i < v->u.a->n; i++) {
        const crmi_value *item = &v->u.a->items[i];
        if (item->type != CRMI_STR || item->len == 0)
            return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s[%u]: expected a name", key, i + 1);
        for (size_t j = 0; j < *n; j++)
            if (strcmp(out[j], item->u.s) == 0)
                return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s: %s appears twice", key,
                                  item->u.s);
        out[(*n)++] = item->u.s;
    }
    return CRM_OK;
}

static char *json_of(crmi_campaign_def *def, const crmi_value *v)
{
    crmi_buf b = {0};
    crmi_json_write(&b, v);
    char *out = b.failed ? NULL : crmi_arena_strndup(&def->arena, b.data, b.len);
    crmi_buf_free(&b);
    return out;
}

static int parse_eligibility(crm_db *db, const crmi_value *root, crmi_campaign_def *def)
{
    const crmi_value *v = crmi_yaml_member(root, "eligibility");
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    if (!(def->eligibility = json_of(def, v)))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    crm_rule *rule = NULL;
    int rc = crmi_customer_rule_parse(db, def->eligibility, WHAT ": eligibility", &rule);
    crm_rule_free(rule);
    return rc;
}

static int parse_channel(crm_db *db, const crmi_value *v, size_t index, crmi_campaign_def *def)
{
    char where[48];
    snprintf(where, sizeof where, "channels[%zu].", index + 1);
    crmi_campaign_channel *ch = &def->channels[def->n_channels];
    int rc = text_key(db, v, where, "channel", 10, &ch->channel);
    if (!rc)
        rc = text_key(db, v, where, "subject", 200, &ch->subject);
    if (!rc)
        rc = text_key(db, v, where, "body", 2000, &ch->body);
    if (rc)
        return rc;
    if (!ch->channel || (strcmp(ch->channel, "sms") && strcmp(ch->channel, "email") &&
                         strcmp(ch->channel, "phone")))
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %schannel: expected sms, email or phone",
                          where);
    if (!ch->body)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %sbody: a message template is required",
                          where);
    for (size_t i = 0; i < def->n_channels; i++)
        if (strcmp(def->channels[i].channel, ch->channel) == 0)
            return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": channels: %s appears twice",
                              ch->channel);
    def->n_channels++;
    return CRM_OK;
}

static int parse_channels(crm_db *db, const crmi_value *root, crmi_campaign_def *def)
{
    const crmi_value *v = crmi_yaml_member(root, "channels");
    if (!v || v->type != CRMI_ARR || v->u.a->n == 0 || v->u.a->n > CRMI_CAMPAIGN_MAX_CHANNELS)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          WHAT ": channels: expected a list of 1 to 3 channels, each with channel "
                               "(sms, email, phone) and body");
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < v->u.a->n; i++)
        rc = parse_channel(db, &v->u.a->items[i], i, def);
    return rc;
}

static bool money_metric(const char *metric)
{
    return !strcmp(metric, "wealth_sales") || !strcmp(metric, "deposit_growth") ||
           !strcmp(metric, "revenue");
}

static int parse_goal(crm_db *db, const crmi_value *v, size_t index, crmi_campaign_def *def)
{
    char where[48];
    snprintf(where, sizeof where, "goals[%zu].", index + 1);
    crmi_campaign_goal *g = &def->goals[def->n_goals];
    static const char *const metrics[] = {"conversions", "new_cards", "wealth_sales",
                                          "deposit_growth", "revenue"};
    int rc = text_key(db, v, where, "metric", 20, &g->metric);
    bool known = false;
    for (size_t i = 0; !rc && g->metric && i < sizeof metrics / sizeof metrics[0]; i++)
        known = known || strcmp(g->metric, metrics[i]) == 0;
    if (!rc && !known)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          WHAT ": %smetric: expected conversions, new_cards, wealth_sales, "
                               "deposit_growth or revenue",
                          where);
    for (size_t i = 0; !rc && i < def->n_goals; i++)
        if (strcmp(def->goals[i].metric, g->metric) == 0)
            return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": goals: %s appears twice", g->metric);
    g->target = 0;
    if (!rc && money_metric(g->metric))
        rc = money_key(db, v, where, "target", &g->target);
    else if (!rc)
        rc = int_key(db, v, "target", 1, 1000000000, &g->target);
    bool has_deadline = false;
    if (!rc)
        rc = time_key(db, v, where, "deadline", &has_deadline, &g->deadline);
    if (!rc && (g->target <= 0 || !has_deadline))
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        WHAT ": %s a goal needs a positive target and a deadline", where);
    if (!rc)
        def->n_goals++;
    return rc;
}

static int parse_goals(crm_db *db, const crmi_value *root, crmi_campaign_def *def)
{
    const crmi_value *v = crmi_yaml_member(root, "goals");
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    if (v->type != CRMI_ARR || v->u.a->n > CRMI_CAMPAIGN_MAX_GOALS)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": goals: expected a list of at most %d",
                          CRMI_CAMPAIGN_MAX_GOALS);
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < v->u.a->n; i++)
        rc = parse_goal(db, &v->u.a->items[i], i, def);
    return rc;
}

static int parse_tier(crm_db *db, const crmi_value *v, size_t index, crmi_reward_rules *r)
{
    char where[48];
    snprintf(where, sizeof where, "rewards.tiers[%zu]", index + 1);
    crmi_reward_tier *t = &r->tiers[r->n_tiers];
    *t = (crmi_reward_tier){0, -1, 0, 0};
    int rc = money_key(db, v, where, "min", &t->min);
    if (!rc)
        rc = money_key(db, v, where, "max", &t->max);
    if (!rc)
        rc = int_key(db, v, "bonus_bps", 1, 10000, &t->bonus_bps);
    if (!rc)
        rc = money_key(db, v, where, "fixed", &t->fixed);
    if (rc)
        return rc;
    if ((t->bonus_bps > 0) == (t->fixed > 0))
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s: give bonus_bps or fixed, one of them",
                          where);
    if (t->max >= 0 && t->max <= t->min)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": %s: max must be above min", where);
    r->n_tiers++;
    return CRM_OK;
}

static int parse_rewards(crm_db *db, const crmi_value *root, crmi_campaign_def *def)
{
    crmi_reward_rules *r = &def->rewards;
    *r = (crmi_reward_rules){.cap = -1};
    const crmi_value *v = crmi_yaml_member(root, "rewards");
    if (!v || v->type == CRMI_NULL)
        return CRM_OK;
    if (v->type != CRMI_OBJ)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          WHAT
                          ": rewards: expected a mapping of tiers, per_customer_cap, referral");
    if (!(def->rewards_json = json_of(def, v)))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    const crmi_value *tiers = crmi_yaml_member(v, "tiers");
    if (tiers && (tiers->type != CRMI_ARR || tiers->u.a->n > CRMI_CAMPAIGN_MAX_TIERS))
        return crmi_error(db, CRM_E_INVALID_DATA,
                          WHAT ": rewards.tiers: expected a list of at "
                               "most %d tiers",
                          CRMI_CAMPAIGN_MAX_TIERS);
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && tiers && i < tiers->u.a->n; i++)
        rc = parse_tier(db, &tiers->u.a->items[i], i, r);
    if (!rc)
        rc = money_key(db, v, "rewards", "per_customer_cap", &r->cap);
    const crmi_value *ref = crmi_yaml_member(v, "referral");
    if (!rc && ref)
        rc = money_key(db, ref, "rewards.referral", "referrer", &r->referrer);
    if (!rc && ref)
        rc = money_key(db, ref, "rewards.referral", "referee", &r->referee);
    return rc;
}

static int check_keys(crm_db *db, const crmi_value *root)
{
    for (uint32_t i = 0; i < root->u.o->n; i++) {
        const crmi_member *m = &root->u.o->m[i];
        bool known = false;
        for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++)
            known = known || (strlen(known_keys[k]) == m->klen &&
                              memcmp(known_keys[k], m->key, m->klen) == 0);
        if (!known)
            return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": unknown key %.*s", (int)m->klen,
                              m->key);
    }
    return CRM_OK;
}

static int parse_numbers(crm_db *db, const crmi_value *root, crmi_campaign_def *def)
{
    int rc = money_key(db, root, "top", "budget", &def->budget);
    if (!rc)
        rc = money_key(db, root, "top", "cost_per_message", &def->cost_per_message);
    if (!rc)
        rc = int_key(db, root, "control_bps", 0, 5000, &def->control_bps);
    if (!rc)
        rc = int_key(db, root, "seed", 0, INT32_MAX, &def->seed);
    if (!rc)
        rc = int_key(db, root, "lead_due_days", 1, 365, &def->lead_due_days);
    if (!rc)
        rc = time_key(db, root, "", "start", &def->has_start, &def->start_at);
    if (!rc)
        rc = time_key(db, root, "", "end", &def->has_end, &def->end_at);
    if (!rc && def->has_start && def->has_end && def->end_at <= def->start_at)
        rc = crmi_error(db, CRM_E_INVALID_DATA, WHAT ": end: must be after start");
    return rc;
}

static const crmi_load_limits def_limits = {64, 100000, 64 * 1024};

static int parse_root(crm_db *db, const char *text, crmi_campaign_def *def, crmi_value *root)
{
    crmi_pos pos;
    if (!text)
        return crmi_error(db, CRM_E_INVALID_ARG, WHAT ": NULL text");
    int rc = crmi_load(root, &pos, &def->arena, text, strlen(text), &def_limits, WHAT);
    if (rc)
        return crmi_error(db, rc, "%s", crm_last_errmsg());
    if (root->type != CRMI_OBJ)
        return crmi_error(db, CRM_E_INVALID_DATA, WHAT ": expected a mapping at the top");
    return CRM_OK;
}

int crmi_campaign_def_parse(crm_db *db, const char *text, crmi_campaign_def *def)
{
    *def = (crmi_campaign_def){.lead_due_days = 7};
    crmi_value root;
    int rc = parse_root(db, text, def, &root);
    if (!rc)
        rc = check_keys(db, &root);
    if (!rc)
        rc = text_key(db, &root, "", "name", 100, &def->name);
    if (!rc && !def->name)
        rc = crmi_error(db, CRM_E_INVALID_DATA, WHAT ": name: required");
    if (!rc)
        rc = text_key(db, &root, "", "description", 2000, &def->description);
    if (!rc)
        rc = name_list(db, &root, "products", def->products, &def->n_products);
    if (!rc)
        rc = name_list(db, &root, "segments", def->segments, &def->n_segments);
    if (!rc)
        rc = parse_eligibility(db, &root, def);
    if (!rc)
        rc = parse_numbers(db, &root, def);
    if (!rc)
        rc = parse_channels(db, &root, def);
    if (!rc)
        rc = parse_goals(db, &root, def);
    if (!rc)
        rc = parse_rewards(db, &root, def);
    if (rc)
        crmi_campaign_def_clear(def);
    return rc;
}

void crmi_campaign_def_clear(crmi_campaign_def *def)
{
    crmi_arena_free(&def->arena);
    *def = (crmi_campaign_def){0};
}

/* ------------------------------------------------------------ templates */

typedef struct builtin_template {
    const char *name, *description, *body;
} builtin_template;

/* Products and segments are the bank's own: a campaign from a template
 * names them in its overrides. */
static const builtin_template builtins[] = {
    {"wealth_launch", "新理财产品首发",
     "name: 新理财产品首发\n"
     "description: 面向风险等级匹配的中高端客户推介新发理财产品\n"
     "eligibility: {\">=\": [{var: assets}, 5000000]}\n"
     "budget: 200000\n"
     "cost_per_message: 0.05\n"
     "control_bps: 1000\n"
     "lead_due_days: 7\n"
     "channels:\n"
     "  - channel: sms\n"
     "    body: \"{salutation}，您好！{product}现已发售，欢迎垂询您的客户经理。\"\n"
     "  - channel: email\n"
     "    subject: \"{product}首发\"\n"
     "    body: \"{salutation}：我行新发理财产品{product}，期待为您服务。\"\n"
     "goals:\n"
     "  - {metric: wealth_sales, target: 50000000, deadline: 2027-03-31}\n"
     "rewards:\n"
     "  tiers:\n"
     "    - {min: 100000, max: 500000, bonus_bps: 50}\n"
     "    - {min: 500000, bonus_bps: 100}\n"
     "  per_customer_cap: 10000\n"},
    {"holiday_promotion", "节日促销",
     "name: 节日促销\n"
     "description: 节假日期间的存款与消费促销\n"
     "budget: 100000\n"
     "cost_per_message: 0.05\n"
     "control_bps: 500\n"
     "channels:\n"
     "  - channel: sms\n"
     "    body: \"{salutation}，节日快乐！{product}限时优惠进行中。\"\n"
     "goals:\n"
     "  - {metric: deposit_growth, target: 10000000, deadline: 2027-02-28}\n"
     "rewards:\n"
     "  tiers:\n"
     "    - {min: 50000, fixed: 88}\n"
     "  referral: {referrer: 50, referee: 30}\n"},
    {"dormant_reactivation", "沉睡客户唤醒",
     "name: 沉睡客户唤醒\n"
     "description: 180 天无交易客户的唤醒关怀\n"
     "eligibility: {\">=\": [{var: days_since_last_txn}, 180]}\n"
     "budget: 30000\n"
     "cost_per_message: 0.05\n"
     "control_bps: 2000\n"
     "lead_due_days: 14\n"
     "channels:\n"
     "  - channel: phone\n"
     "    body: \"{salutation}，好久不见，{product}欢迎了解。\"\n"
     "  - channel: sms\n"
     "    body: \"{salutation}，我行为您准备了{product}专属礼遇。\"\n"
     "goals:\n"
     "  - {metric: conversions, target: 100, deadline: 2027-06-30}\n"},
    {"birthday_offer", "生日礼遇",
     "name: 生日礼遇\n"
     "description: 客户生日当月的专属礼遇\n"
     "budget: 20000\n"
     "cost_per_message: 0.05\n"
     "channels:\n"
     "  - channel: sms\n"
     "    body: \"{salutation}，生日快乐！{product}生日专享礼遇已为您准备。\"\n"
     "rewards:\n"
     "  tiers:\n"
     "    - {min: 10000, fixed: 66}\n"
     "  per_customer_cap: 66\n"},
    {"card_activation", "信用卡激活",
     "name: 信用卡激活\n"
     "description: 新发信用卡未激活客户的激活提醒\n"
     "budget: 50000\n"
     "cost_per_message: 0.05\n"
     "control_bps: 1000\n"
     "channels:\n"
     "  - channel: sms\n"
     "    body: \"{salutation}，您的{product}尚未激活，激活即享首刷礼。\"\n"
     "  - channel: phone\n"
     "    body: \"{salutation}，提醒您激活{product}。\"\n"
     "goals:\n"
     "  - {metric: new_cards, target: 500, deadline: 2027-03-31}\n"
     "rewards:\n"
     "  tiers:\n"
     "    - {min: 0.01, fixed: 50}\n"
     "  per_customer_cap: 50\n"},
};
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

static const builtin_template *builtin_find(const char *name)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

static const char SQL_TEMPLATE_BODY[] = "SELECT body FROM crm_campaign_template WHERE name = ?1";

/* The template's text: built-in or stored (free with crm_free). */
static int template_body(crm_db *db, const char *name, char **out)
{
    const builtin_template *b = builtin_find(name);
    if (b)
        return (*out = crmi_strdup(b->body)) ? CRM_OK
                                             : crmi_error(db, CRM_E_NOMEM, "out of memory");
    sqlite3_stmt *st = crmi_stmt(db, SQL_TEMPLATE_BODY);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? crmi_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return *out ? CRM_OK : crmi_error(db, CRM_E_NOMEM, "out of memory");
    return step == SQLITE_DONE
               ? crmi_error(db, CRM_E_NOT_FOUND, "template %.40s: no such template", name)
               : crmi_sqlite_error(db, step, "read template");
}

static bool has_key(const crmi_value *obj, const crmi_member *m)
{
    for (uint32_t i = 0; obj && obj->type == CRMI_OBJ && i < obj->u.o->n; i++)
        if (obj->u.o->m[i].klen == m->klen && memcmp(obj->u.o->m[i].key, m->key, m->klen) == 0)
            return true;
    return false;
}

/* Writes the template's members that `over` does not replace, then
 * `over`'s, as one JSON object. */
static void merge_json(crmi_buf *b, const crmi_value *base, const crmi_value *over)
{
    bool first = true;
    crmi_buf_putc(b, '{');
    for (int pass = 0; pass < 2; pass++) {
        const crmi_value *src = pass ? over : base;
        for (uint32_t i = 0; src && src->type == CRMI_OBJ && i < src->u.o->n; i++) {
            const crmi_member *m = &src->u.o->m[i];
            if (!pass && has_key(over, m))
                continue;
            if (!first)
                crmi_buf_putc(b, ',');
            first = false;
            crmi_json_string(b, m->key, m->klen);
            crmi_buf_putc(b, ':');
            crmi_json_write(b, &m->v);
        }
    }
    crmi_buf_putc(b, '}');
}

int crmi_campaign_template_merge(crm_db *db, const char *template_name, const char *overrides,
                                 char **out)
{
    char *body = NULL;
    int rc = template_body(db, template_name, &body);
    if (rc)
        return rc;
    crmi_campaign_def scratch = {0};
    crmi_value base, over = crmi_null();
    rc = parse_root(db, body, &scratch, &base);
    if (!rc && overrides && *overrides)
        rc = parse_root(db, overrides, &scratch, &over);
    crmi_buf b = {0};
    if (!rc) {
        merge_json(&b, &base, &over);
        if (!(*out = crmi_buf_take(&b)))
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    crmi_buf_free(&b);
    crmi_arena_free(&scratch.arena);
    crm_free(body);
    return rc;
}

/* --------------------------------------------------- template listing */

static const char SQL_TEMPLATE_UPSERT[] =
    "INSERT INTO crm_campaign_template (name, description, body, updated_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET description ="
    " excluded.description, body = excluded.body, updated_at = excluded.updated_at";

CRM_EXTERN(int) crm_campaign_template_add(crm_db *db, const char *name, const char *body)
{
    if (!db || !name || !body)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign template: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    if (!rc)
        rc = crmi_validate_code(db, "name", name, 32);
    if (!rc && builtin_find(name))
        rc = crmi_error(db, CRM_E_CONFLICT, "template %s: a built-in template has this name", name);
    crmi_campaign_def def = {0};
    if (!rc)
        rc = crmi_campaign_def_parse(db, body, &def);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    sqlite3_stmt *st = crmi_stmt(db, SQL_TEMPLATE_UPSERT);
    if (!st)
        rc = db->errcode;
    if (!rc) {
        crmi_bind_text(st, 1, name);
        crmi_bind_text(st, 2, def.description ? def.description : def.name);
        crmi_bind_text(st, 3, body);
        sqlite3_bind_int64(st, 4, crm_db_now(db));
        rc = crmi_exec_stmt(db, st, "store template");
    }
    crmi_campaign_def_clear(&def);
    if (!rc) {
        crmi_audit_entry e = {
            .action = "campaign.template", .entity = "campaign_template", .entity_id = name};
        rc = crmi_audit_append(db, &e);
    }
    return crmi_txn_end(db, rc);
}

/* The compiled-in templates go into a temporary table so that one ordered
 * statement lists them with the stored ones. */
static const char SQL_TPL_TEMP[] =
    "CREATE TEMP TABLE IF NOT EXISTS crmi_campaign_builtin (name TEXT PRIMARY KEY,"
    " description TEXT, body TEXT)";
static const char SQL_TPL_CLEAR[] = "DELETE FROM temp.crmi_campaign_builtin";
static const char SQL_TPL_ADD[] =
    "INSERT INTO temp.crmi_campaign_builtin (name, description, body) VALUES (?1, ?2, ?3)";
static const char SQL_TPL_LIST[] =
    "SELECT name, description, 1 AS builtin, body FROM temp.crmi_campaign_builtin"
    " UNION ALL SELECT name, description, 0, body"
    " FROM crm_campaign_template ORDER BY builtin DESC, name";

static int fill_builtins(crm_db *db)
{
    sqlite3_stmt *st;
    int rc = crmi_exec(db, SQL_TPL_TEMP, "template list");
    if (!rc && !(st = crmi_stmt(db, SQL_TPL_CLEAR)))
        rc = db->errcode;
    if (!rc)
        rc = crmi_exec_stmt(db, st, "template list");
    for (size_t i = 0; !rc && i < N_BUILTINS; i++) {
        if (!(st = crmi_stmt(db, SQL_TPL_ADD)))
            return db->errcode;
        crmi_bind_text(st, 1, builtins[i].name);
        crmi_bind_text(st, 2, builtins[i].description);
        crmi_bind_text(st, 3, builtins[i].body);
        rc = crmi_exec_stmt(db, st, "template list");
    }
    return rc;
}

CRM_EXTERN(int) crm_campaign_templates(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign templates: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (!rc)
        rc = fill_builtins(db);
    if (rc)
        return rc;
    sqlite3_stmt *st = crmi_prepare(db, SQL_TPL_LIST);
    return st ? crmi_iter_new(out, db, st, NULL, NULL, NULL) : db->errcode;
}
