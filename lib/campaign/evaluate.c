/* Evaluation: conversions of the target and the control group, revenue,
 * cost, ROI, the uplift with a two-proportion z-test, the channels
 * compared and each goal's attainment. Money stays in fen; doubles serve
 * only the statistics. */
#include "campaign/campaign_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHANNEL_SLOTS 4 /* sms, email, phone, none */

typedef struct group_stats {
    int64_t size, conversions, revenue;
} group_stats;

typedef struct evaluation {
    int64_t from, to;
    group_stats target, control;
    group_stats channels[CHANNEL_SLOTS];
    int64_t messages, message_cost, reward_cost, cost;
    bool has_z;
    double z, p;
    int64_t new_cards, wealth_sales, deposit_growth;
} evaluation;

static const char *const channel_names[CHANNEL_SLOTS] = {"sms", "email", "phone", "none"};

/* Per customer (each layer computed once): purchases of promoted products
 * in the window, then conversion and revenue; summed by group and
 * channel. Control customers convert only by purchase: they were not
 * contacted. Converted events are summed per customer once (`converted`)
 * and joined: a subquery per target would read all the campaign's events
 * for each target. */
static const char SQL_GROUPS[] =
    "WITH converted AS (SELECT customer_id, sum(amount) AS amount FROM crm_event"
    "  WHERE campaign_id = :cid AND kind = 'converted' AND flagged = 0 GROUP BY customer_id)"
    "SELECT grp, channel, count(*), sum(conv), sum(rev) FROM ("
    " SELECT grp, channel,"
    "  (bought IS NOT NULL OR (grp = 'target' AND (status = 'converted'"
    "   OR ev.customer_id IS NOT NULL))) AS conv,"
    "  CASE WHEN grp <> 'target' THEN 0 WHEN bought > 0 THEN bought"
    "   ELSE coalesce(conversion_amount, ev.amount, 0) END AS rev"
    " FROM (SELECT t.customer_id, t.grp, t.channel, t.status, t.conversion_amount,"
    "   (SELECT sum(tx.amount) FROM crm_txn tx WHERE tx.customer_id = t.customer_id"
    "    AND tx.type = 'purchase' AND tx.at >= :from AND tx.at <= :to AND tx.product_id IN"
    "    (SELECT product_id FROM crm_campaign_product WHERE campaign_id = :cid)) AS bought"
    "  FROM crm_campaign_target t WHERE t.campaign_id = :cid AND t.grp <> 'suppressed'"
    "  LIMIT -1 OFFSET 0) x LEFT JOIN converted ev ON ev.customer_id = x.customer_id"
    "  LIMIT -1 OFFSET 0)"
    " GROUP BY grp, channel";
static const char SQL_COSTS[] =
    "SELECT (SELECT count(*) FROM crm_outbox WHERE campaign_id = :cid AND state = 'sent'),"
    " (SELECT coalesce(sum(amount), 0) FROM crm_campaign_reward WHERE campaign_id = :cid)";
static const char SQL_GOAL_FACTS[] =
    "SELECT (SELECT count(*) FROM crm_campaign_target t WHERE t.campaign_id = :cid"
    "   AND t.grp = 'target' AND (EXISTS (SELECT 1 FROM crm_txn x JOIN crm_product p"
    "   ON p.id = x.product_id WHERE x.customer_id = t.customer_id AND p.type = 'credit_card'"
    "   AND x.type = 'purchase' AND x.at >= :from AND x.at <= :to)"
    "   OR EXISTS (SELECT 1 FROM crm_holding h JOIN crm_product p ON p.id = h.product_id"
    "   WHERE h.customer_id = t.customer_id AND p.type = 'credit_card'"
    "   AND h.updated_at >= :from AND h.updated_at <= :to))),"
    " coalesce(sum(CASE WHEN x.type = 'purchase' AND p.type = 'wealth' THEN x.amount END), 0),"
    " coalesce(sum(CASE x.type WHEN 'deposit' THEN x.amount WHEN 'withdrawal' THEN -x.amount"
    "   END), 0)"
    " FROM crm_campaign_target t JOIN crm_txn x ON x.customer_id = t.customer_id"
    " AND x.at >= :from AND x.at <= :to LEFT JOIN crm_product p ON p.id = x.product_id"
    " WHERE t.campaign_id = :cid AND t.grp = 'target'";
static const char SQL_GOALS[] =
    "SELECT id, metric, target, deadline FROM crm_campaign_goal WHERE campaign_id = ?1 ORDER BY id";
static const char SQL_GOAL_SET[] =
    "UPDATE crm_campaign_goal SET achieved = ?2, computed_at = ?3 WHERE id = ?1";
static const char SQL_STORE[] =
    "INSERT OR REPLACE INTO crm_campaign_eval (campaign_id, at, body) VALUES (?1, ?2, ?3)";

static void bind_window(sqlite3_stmt *st, const crmi_campaign *c, const evaluation *ev)
{
    int idx;
    if ((idx = sqlite3_bind_parameter_index(st, ":cid")))
        sqlite3_bind_int64(st, idx, c->id);
    if ((idx = sqlite3_bind_parameter_index(st, ":from")))
        sqlite3_bind_int64(st, idx, ev->from);
    if ((idx = sqlite3_bind_parameter_index(st, ":to")))
        sqlite3_bind_int64(st, idx, ev->to);
}

static size_t channel_slot(const unsigned char *name)
{
    for (size_t i = 0; name && i + 1 < CHANNEL_SLOTS; i++)
        if (strcmp((const char *)name, channel_names[i]) == 0)
            return i;
    return CHANNEL_SLOTS - 1;
}

static int read_groups(crm_db *db, const crmi_campaign *c, evaluation *ev)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GROUPS);
    if (!st)
        return db->errcode;
    bind_window(st, c, ev);
    int step;
    while ((step = crmi_step(st)) == SQLITE_ROW) {
        bool target = strcmp((const char *)sqlite3_column_text(st, 0), "target") == 0;
        group_stats row = {sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                           sqlite3_column_int64(st, 4)};
        group_stats *g = target ? &ev->target : &ev->control;
        g->size += row.size;
        g->conversions += row.conversions;
        g->revenue += row.revenue;
        if (target) {
            group_stats *ch = &ev->channels[channel_slot(sqlite3_column_text(st, 1))];
            ch->size += row.size;
            ch->conversions += row.conversions;
            ch->revenue += row.revenue;
        }
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "evaluate groups");
}

static int read_costs_and_goal_facts(crm_db *db, const crmi_campaign *c, evaluation *ev)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_COSTS);
    if (!st)
        return db->errcode;
    bind_window(st, c, ev);
    int step = crmi_step(st);
    if (step == SQLITE_ROW) {
        ev->messages = sqlite3_column_int64(st, 0);
        ev->reward_cost = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "evaluate costs");
    ev->message_cost = ev->messages * c->cost_per_message;
    ev->cost = ev->message_cost + ev->reward_cost;
    if (!(st = crmi_stmt(db, SQL_GOAL_FACTS)))
        return db->errcode;
    bind_window(st, c, ev);
    if ((step = crmi_step(st)) == SQLITE_ROW) {
        ev->new_cards = sqlite3_column_int64(st, 0);
        ev->wealth_sales = sqlite3_column_int64(st, 1);
        ev->deposit_growth = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "evaluate goals");
}

/* Two-proportion z-test with the pooled proportion; two-sided p. */
static void z_test(evaluation *ev)
{
    double n1 = (double)ev->target.size, n2 = (double)ev->control.size;
    if (n1 <= 0 || n2 <= 0)
        return;
    double p1 = (double)ev->target.conversions / n1, p2 = (double)ev->control.conversions / n2;
    double pooled = (double)(ev->target.conversions + ev->control.conversions) / (n1 + n2);
    double se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    if (!(se > 0))
        return;
    ev->has_z = true;
    ev->z = (p1 - p2) / se;
    ev->p = erfc(fabs(ev->z) / sqrt(2.0));
}

static int64_t rate_bps(const group_stats *g)
{
    return g->size ? g->conversions * 10000 / g->size : 0;
}

/* (revenue - cost) / cost in basis points, without overflow. */
static int64_t roi_bps(int64_t revenue, int64_t cost)
{
    int64_t net = revenue - cost;
    return net / cost * 10000 + net % cost * 10000 / cost;
}

static void iso(char out[24], int64_t t)
{
    crm_time_format(out, 24, t);
}

static bool money_metric(const char *m)
{
    return !strcmp(m, "wealth_sales") || !strcmp(m, "deposit_growth") || !strcmp(m, "revenue");
}

static int64_t achieved_of(const evaluation *ev, const char *metric)
{
    if (!strcmp(metric, "conversions"))
        return ev->target.conversions;
    if (!strcmp(metric, "new_cards"))
        return ev->new_cards;
    if (!strcmp(metric, "wealth_sales"))
        return ev->wealth_sales;
    if (!strcmp(metric, "deposit_growth"))
        return ev->deposit_growth;
    return ev->target.revenue;
}

static int write_goals(crm_db *db, const crmi_campaign *c, const evaluation *ev, crmi_buf *b)
{
    sqlite3_stmt *st = crmi_prepare(db, SQL_GOALS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    crmi_buf_puts(b, ",\"goals\":[");
    int step, rc = CRM_OK, n = 0;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        const char *metric = (const char *)sqlite3_column_text(st, 1);
        int64_t target = sqlite3_column_int64(st, 2), achieved = achieved_of(ev, metric);
        char deadline[24];
        iso(deadline, sqlite3_column_int64(st, 3));
        crmi_buf_printf(
            b,
            "%s{\"metric\":\"%s\",\"unit\":\"%s\",\"target\":%lld,\"achieved\":%lld,"
            "\"attainment_bps\":%lld,\"met\":%s,\"deadline\":\"%s\",\"overdue\":%s}",
            n++ ? "," : "", metric, money_metric(metric) ? "fen" : "count", (long long)target,
            (long long)achieved, (long long)(achieved > 0 ? achieved * 10000 / target : 0),
            achieved >= target ? "true" : "false", deadline,
            achieved < target && crm_db_now(db) > sqlite3_column_int64(st, 3) ? "true" : "false");
        sqlite3_stmt *set = crmi_stmt(db, SQL_GOAL_SET);
        if (!set) {
            rc = db->errcode;
            break;
        }
        sqlite3_bind_int64(set, 1, sqlite3_column_int64(st, 0));
        sqlite3_bind_int64(set, 2, achieved);
        sqlite3_bind_int64(set, 3, crm_db_now(db));
        rc = crmi_exec_stmt(db, set, "goal progress");
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "goals");
    sqlite3_finalize(st);
    crmi_buf_putc(b, ']');
    return rc;
}

static void write_channels(const evaluation *ev, crmi_buf *b)
{
    crmi_buf_puts(b, ",\"channels\":[");
    int n = 0;
    for (size_t i = 0; i < CHANNEL_SLOTS; i++) {
        const group_stats *g = &ev->channels[i];
        if (!g->size)
            continue;
        crmi_buf_printf(b,
                        "%s{\"channel\":\"%s\",\"size\":%lld,\"conversions\":%lld,"
                        "\"rate_bps\":%lld,\"revenue\":%lld}",
                        n++ ? "," : "", channel_names[i], (long long)g->size,
                        (long long)g->conversions, (long long)rate_bps(g), (long long)g->revenue);
    }
    crmi_buf_putc(b, ']');
}

static void write_summary(const crmi_campaign *c, const evaluation *ev, int64_t now, crmi_buf *b)
{
    char at[24], from[24], to[24];
    iso(at, now);
    iso(from, ev->from);
    iso(to, ev->to);
    crmi_buf_printf(b, "{\"campaign\":\"%s\",\"version\":%lld,\"at\":\"%s\",", c->code,
                    (long long)c->version, at);
    crmi_buf_printf(b, "\"window\":{\"from\":\"%s\",\"to\":\"%s\"},", from, to);
    crmi_buf_printf(b,
                    "\"target_size\":%lld,\"control_size\":%lld,\"target_conversions\":%lld,"
                    "\"control_conversions\":%lld,\"conversions\":%lld,",
                    (long long)ev->target.size, (long long)ev->control.size,
                    (long long)ev->target.conversions, (long long)ev->control.conversions,
                    (long long)ev->target.conversions);
    crmi_buf_printf(b, "\"target_rate_bps\":%lld,\"control_rate_bps\":%lld,\"uplift_bps\":%lld,",
                    (long long)rate_bps(&ev->target), (long long)rate_bps(&ev->control),
                    (long long)(rate_bps(&ev->target) - rate_bps(&ev->control)));
    if (ev->has_z)
        crmi_buf_printf(b, "\"z\":%.4f,\"p_value\":%.6f,\"significant\":%s,", ev->z, ev->p,
                        ev->p < 0.05 ? "true" : "false");
    else
        crmi_buf_puts(b, "\"z\":null,\"p_value\":null,\"significant\":false,");
    crmi_buf_printf(b,
                    "\"revenue\":%lld,\"messages\":%lld,\"message_cost\":%lld,"
                    "\"reward_cost\":%lld,\"cost\":%lld,",
                    (long long)ev->target.revenue, (long long)ev->messages,
                    (long long)ev->message_cost, (long long)ev->reward_cost, (long long)ev->cost);
    if (ev->cost > 0)
        crmi_buf_printf(b, "\"roi_bps\":%lld", (long long)roi_bps(ev->target.revenue, ev->cost));
    else
        crmi_buf_puts(b, "\"roi_bps\":null");
}

static int eval_record(crm_db *db, const evaluation *ev, const char *json, crm_record **out)
{
    crm_record *rec;
    if (crm_record_new(&rec))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    const struct {
        const char *name;
        int64_t v;
        bool money;
    } f[] = {{"conversions", ev->target.conversions, false},
             {"target_size", ev->target.size, false},
             {"control_size", ev->control.size, false},
             {"target_conversions", ev->target.conversions, false},
             {"control_conversions", ev->control.conversions, false},
             {"target_rate_bps", rate_bps(&ev->target), false},
             {"control_rate_bps", rate_bps(&ev->control), false},
             {"uplift_bps", rate_bps(&ev->target) - rate_bps(&ev->control), false},
             {"significant", ev->has_z && ev->p < 0.05, false},
             {"messages", ev->messages, false},
             {"revenue", ev->target.revenue, true},
             {"cost", ev->cost, true},
             {"reward_cost", ev->reward_cost, true},
             {"message_cost", ev->message_cost, true}};
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < sizeof f / sizeof f[0]; i++)
        rc = f[i].money ? crm_record_set_money(rec, f[i].name, f[i].v)
                        : crm_record_set_int(rec, f[i].name, f[i].v);
    if (!rc && ev->cost > 0)
        rc = crm_record_set_int(rec, "roi_bps", roi_bps(ev->target.revenue, ev->cost));
    char num[32];
    if (!rc && ev->has_z) {
        snprintf(num, sizeof num, "%.4f", ev->z);
        rc = crm_record_set_text(rec, "z", num);
        snprintf(num, sizeof num, "%.6f", ev->p);
        if (!rc)
            rc = crm_record_set_text(rec, "p_value", num);
    }
    if (!rc)
        rc = crm_record_set_text(rec, "json", json);
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "out of memory");
    }
    *out = rec;
    return CRM_OK;
}

static int store(crm_db *db, const crmi_campaign *c, int64_t now, const char *json)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_STORE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_int64(st, 2, now);
    crmi_bind_text(st, 3, json);
    return crmi_exec_stmt(db, st, "store evaluation");
}

int crmi_campaign_evaluate(crm_db *db, const crmi_campaign *c, char **json, crm_record **rec)
{
    int64_t now = crm_db_now(db);
    evaluation ev = {0};
    ev.from = c->has_start ? c->start_at : c->targeted_at;
    ev.to = c->has_end && c->end_at < now ? c->end_at : now;
    int rc = read_groups(db, c, &ev);
    if (!rc)
        rc = read_costs_and_goal_facts(db, c, &ev);
    z_test(&ev);
    crmi_buf b = {0};
    if (!rc) {
        write_summary(c, &ev, now, &b);
        write_channels(&ev, &b);
        rc = write_goals(db, c, &ev, &b);
        crmi_buf_putc(&b, '}');
    }
    if (!rc && b.failed)
        rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    if (!rc)
        rc = store(db, c, now, b.data);
    if (!rc && rec)
        rc = eval_record(db, &ev, b.data, rec);
    if (!rc && !(*json = crmi_buf_take(&b)))
        rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    if (rc && rec && *rec) {
        crm_record_free(*rec);
        *rec = NULL;
    }
    crmi_buf_free(&b);
    return rc;
}

CRM_EXTERN(int) crm_campaign_evaluate(crm_record **out, crm_db *db, const char *code)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign evaluate: NULL argument");
    crmi_error_clear(db);
    crmi_campaign c;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    if (!rc && !c.targeted)
        rc = crmi_error(db, CRM_E_STATE, "campaign %s: no target list to evaluate yet", c.code);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    char *json = NULL;
    crm_record *rec = NULL;
    rc = crmi_campaign_evaluate(db, &c, &json, &rec);
    if (!rc)
        rc = crmi_campaign_audit(db, &c, "campaign.evaluate", NULL, json);
    crm_free(json);
    rc = crmi_txn_end(db, rc);
    if (rc)
        crm_record_free(rec);
    else
        *out = rec;
    return rc;
}
