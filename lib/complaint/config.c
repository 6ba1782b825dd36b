/* The workflow configuration: one YAML document with the state machine,
 * the deadlines per severity and channel, business hours, the category
 * taxonomy and the assignment rules. A default is compiled in; a host may
 * store its own (crm_complaint_config_set), checked before it is kept. */
#include "complaint/complaint_int.h"
#include "rule/rule_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const crmi_severities[CRMI_SEVERITY_COUNT] = {"low", "medium", "high", "critical"};
const char *const crmi_channels[CRMI_CHANNEL_COUNT] = {"phone",  "email",  "online",
                                                       "branch", "social", "regulator"};

/* Chinese banking practice (银行业保险业消费投诉处理管理办法): acknowledge
 * quickly, decide within 15 days, extend once to 30 days with a reason;
 * regulator referrals and critical cases are held to shorter limits. */
const char crmi_complaint_default_config[] =
    "workflow:\n"
    "  states:\n"
    "    - {name: new, initial: true}\n"
    "    - {name: assigned, assigned: true}\n"
    "    - {name: in_progress, responded: true}\n"
    "    - {name: waiting_customer, responded: true, paused: true, note_required: true}\n"
    "    - {name: resolved, responded: true, resolved: true, note_required: true}\n"
    "    - {name: closed, responded: true, resolved: true, final: true}\n"
    "  transitions:\n"
    "    - {from: new, to: [assigned, in_progress, resolved]}\n"
    "    - {from: assigned, to: [in_progress, waiting_customer, resolved]}\n"
    "    - {from: in_progress, to: [waiting_customer, resolved]}\n"
    "    - {from: waiting_customer, to: [in_progress, resolved]}\n"
    "    - {from: resolved, to: closed}\n"
    "    - {from: [resolved, closed], to: in_progress, reopen: true}\n"
    "  reopen_window: 7d\n"
    "deadlines:\n"
    "  default: {acknowledge: 24h, resolve: 15d, extend_to: 30d}\n"
    "  severity:\n"
    "    high: {acknowledge: 8h, resolve: 10d, extend_to: 20d}\n"
    "    critical: {acknowledge: 2h, resolve: 5d, extend_to: 10d}\n"
    "  channel:\n"
    "    regulator: {acknowledge: 4h, resolve: 10d, extend_to: 15d}\n"
    "    social: {acknowledge: 4h}\n"
    "  at_risk_percent: 20\n"
    "  branch_manager_after: 2d\n"
    "business_hours:\n"
    "  enabled: false\n"
    "  utc_offset: 8h\n"
    "  open: \"09:00\"\n"
    "  close: \"17:00\"\n"
    "  weekdays: [1, 2, 3, 4, 5]\n"
    "  holidays: []\n"
    "  workdays: []\n"
    "categories: [card, account, transfer, wealth, loan, mortgage, fee, digital, service,\n"
    "             interest, fraud, other]\n"
    "assignment:\n"
    "  - team: REGULATOR\n"
    "    when: {\"==\": [{var: channel}, regulator]}\n"
    "  - team: WEALTH\n"
    "    when: {in: [{var: category}, [wealth, interest]]}\n"
    "  - team: CREDIT\n"
    "    when: {in: [{var: category}, [loan, mortgage, card]]}\n"
    "  - team: GENERAL\n";

/* ------------------------------------------------------------ tree access */

typedef struct parse_ctx {
    crm_db *db;
    crmi_cconfig *cfg;
} parse_ctx;

static const crmi_value *get(const crmi_value *obj, const char *key)
{
    if (!obj || obj->type != CRMI_OBJ)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < obj->u.o->n; i++) {
        const crmi_member *m = &obj->u.o->m[i];
        if (m->klen == n && memcmp(m->key, key, n) == 0)
            return &m->v;
    }
    return NULL;
}

static int bad(parse_ctx *p, const char *key, const char *why)
{
    return crmi_error(p->db, CRM_E_INVALID_DATA, "complaint config %s: %s", key, why);
}

/* Copies a string (or a number's text) into buf. */
static int text_of(parse_ctx *p, const crmi_value *v, const char *key, char *buf, size_t size)
{
    if (v && v->type == CRMI_NUM) {
        crmi_num_format(buf, v->u.n);
        return CRM_OK;
    }
    if (!v || v->type != CRMI_STR || v->len == 0 || v->len >= size)
        return bad(p, key, "expected a non-empty name");
    memcpy(buf, v->u.s, v->len);
    buf[v->len] = '\0';
    return CRM_OK;
}

static bool flag(const crmi_value *obj, const char *key)
{
    const crmi_value *v = get(obj, key);
    return v && v->type == CRMI_BOOL && v->b;
}

/* "15d", "24h", "30m", "90s" or a number of seconds. Days are business
 * days (the length of the business day) when business hours are on. */
static int duration(parse_ctx *p, const crmi_value *v, const char *key, bool business_days,
                    int64_t *out)
{
    char text[32];
    if (!v)
        return CRM_OK;
    if (v->type == CRMI_NUM) {
        if (v->u.n < 0 || v->u.n > 1e10)
            return bad(p, key, "duration out of range");
        *out = (int64_t)v->u.n;
        return CRM_OK;
    }
    if (text_of(p, v, key, text, sizeof text))
        return p->db->errcode;
    char *end;
    long long n = strtoll(text, &end, 10);
    int64_t unit = 0;
    if (end != text && n >= 0 && n <= 100000 && end[0] && !end[1]) {
        unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 0;
        if (end[0] == 'd')
            unit = business_days ? p->cfg->close - p->cfg->open : 86400;
    }
    if (!unit)
        return bad(p, key, "expected a duration like 15d, 24h, 30m or 90s");
    *out = (int64_t)n * unit;
    return CRM_OK;
}

/* ---------------------------------------------------------------- states */

static int parse_states(parse_ctx *p, const crmi_value *list)
{
    static const struct {
        const char *key;
        unsigned int flag;
    } flags[] = {{"initial", CRMI_ST_INITIAL},     {"assigned", CRMI_ST_ASSIGNED},
                 {"responded", CRMI_ST_RESPONDED}, {"paused", CRMI_ST_PAUSED},
                 {"resolved", CRMI_ST_RESOLVED},   {"final", CRMI_ST_FINAL},
                 {"note_required", CRMI_ST_NOTE}};
    if (!list || list->type != CRMI_ARR || list->u.a->n == 0 || list->u.a->n > CRMI_CC_MAX_STATES)
        return bad(p, "workflow.states", "expected a list of 1..16 states");
    for (uint32_t i = 0; i < list->u.a->n; i++) {
        const crmi_value *s = &list->u.a->items[i];
        crmi_cc_state *st = &p->cfg->states[i];
        if (text_of(p, get(s, "name"), "workflow.states.name", st->name, sizeof st->name))
            return p->db->errcode;
        if (crmi_cc_state_find(p->cfg, st->name) >= 0)
            return bad(p, "workflow.states", "a state is named twice");
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            if (flag(s, flags[f].key))
                st->flags |= flags[f].flag;
        p->cfg->n_states++;
    }
    if (crmi_cc_state_with(p->cfg, CRMI_ST_INITIAL) < 0)
        return bad(p, "workflow.states", "no state is marked initial");
    if (crmi_cc_state_with(p->cfg, CRMI_ST_FINAL) < 0)
        return bad(p, "workflow.states", "no state is marked final");
    return CRM_OK;
}

/* A state name or a list of them, as indexes. */
static int state_list(parse_ctx *p, const crmi_value *v, const char *key, int out[], int *n)
{
    const crmi_value *items = v;
    uint32_t count = v ? 1 : 0; /* absent: no &items[0] of a NULL pointer */
    if (v && v->type == CRMI_ARR) {
        items = v->u.a->items;
        count = v->u.a->n;
    }
    *n = 0;
    for (uint32_t i = 0; i < count && i < CRMI_CC_MAX_STATES; i++) {
        char name[CRMI_CC_NAME];
        if (text_of(p, &items[i], key, name, sizeof name))
            return p->db->errcode;
        int s = crmi_cc_state_find(p->cfg, name);
        if (s < 0)
            return crmi_error(p->db, CRM_E_INVALID_DATA, "complaint config %s: no state '%s'", key,
                              name);
        out[(*n)++] = s;
    }
    return *n ? CRM_OK : bad(p, key, "expected a state or a list of states");
}

static int parse_transitions(parse_ctx *p, const crmi_value *list)
{
    if (!list || list->type != CRMI_ARR)
        return bad(p, "workflow.transitions", "expected a list");
    for (uint32_t i = 0; i < list->u.a->n; i++) {
        const crmi_value *t = &list->u.a->items[i];
        int from[CRMI_CC_MAX_STATES], to[CRMI_CC_MAX_STATES], nf, nt;
        if (state_list(p, get(t, "from"), "workflow.transitions.from", from, &nf) ||
            state_list(p, get(t, "to"), "workflow.transitions.to", to, &nt))
            return p->db->errcode;
        for (int a = 0; a < nf; a++)
            for (int b = 0; b < nt; b++) {
                if (p->cfg->n_transitions == CRMI_CC_MAX_TRANSITIONS)
                    return bad(p, "workflow.transitions", "more than 64 transitions");
                p->cfg->transitions[p->cfg->n_transitions++] =
                    (crmi_cc_transition){from[a], to[b], flag(t, "reopen")};
            }
    }
    return CRM_OK;
}

static int parse_workflow(parse_ctx *p, const crmi_value *wf)
{
    if (!wf || wf->type != CRMI_OBJ)
        return bad(p, "workflow", "expected a mapping");
    int rc = parse_states(p, get(wf, "states"));
    if (!rc)
        rc = parse_transitions(p, get(wf, "transitions"));
    if (!rc)
        rc = duration(p, get(wf, "reopen_window"), "workflow.reopen_window", false,
                      &p->cfg->reopen_window);
    return rc;
}

/* ------------------------------------------------------------- deadlines */

static int parse_deadline(parse_ctx *p, const crmi_value *v, const char *key, crmi_cc_deadline *d)
{
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_OBJ)
        return bad(p, key, "expected a mapping of acknowledge, resolve, extend_to");
    bool bd = p->cfg->business;
    int rc = duration(p, get(v, "acknowledge"), key, bd, &d->ack);
    if (!rc)
        rc = duration(p, get(v, "resolve"), key, bd, &d->resolve);
    if (!rc)
        rc = duration(p, get(v, "extend_to"), key, bd, &d->extend_to);
    if (!rc && d->extend_to && d->resolve && d->extend_to < d->resolve)
        rc = bad(p, key, "extend_to is shorter than resolve");
    return rc;
}

static int parse_named_deadlines(parse_ctx *p, const crmi_value *map, const char *key,
                                 const char *const names[], int n, crmi_cc_deadline out[])
{
    if (!map)
        return CRM_OK;
    if (map->type != CRMI_OBJ)
        return bad(p, key, "expected a mapping");
    for (uint32_t i = 0; i < map->u.o->n; i++) {
        const crmi_member *m = &map->u.o->m[i];
        int k = -1;
        for (int j = 0; j < n; j++)
            if (strlen(names[j]) == m->klen && memcmp(names[j], m->key, m->klen) == 0)
                k = j;
        if (k < 0)
            return crmi_error(p->db, CRM_E_INVALID_DATA, "complaint config %s: unknown '%.*s'", key,
                              (int)m->klen, m->key);
        if (parse_deadline(p, &m->v, key, &out[k]))
            return p->db->errcode;
    }
    return CRM_OK;
}

static int parse_deadlines(parse_ctx *p, const crmi_value *d)
{
    crmi_cconfig *c = p->cfg;
    if (!d || d->type != CRMI_OBJ)
        return bad(p, "deadlines", "expected a mapping");
    int rc = parse_deadline(p, get(d, "default"), "deadlines.default", &c->base);
    if (!rc && (!c->base.ack || !c->base.resolve))
        rc = bad(p, "deadlines.default", "acknowledge and resolve are required");
    if (!rc)
        rc = parse_named_deadlines(p, get(d, "severity"), "deadlines.severity", crmi_severities,
                                   CRMI_SEVERITY_COUNT, c->by_severity);
    if (!rc)
        rc = parse_named_deadlines(p, get(d, "channel"), "deadlines.channel", crmi_channels,
                                   CRMI_CHANNEL_COUNT, c->by_channel);
    const crmi_value *pct = get(d, "at_risk_percent");
    c->at_risk_percent = 20;
    if (!rc && pct) {
        if (pct->type != CRMI_NUM || pct->u.n < 0 || pct->u.n > 100)
            return bad(p, "deadlines.at_risk_percent", "expected a number 0..100");
        c->at_risk_percent = (int)pct->u.n;
    }
    c->branch_manager_after = 2 * 86400;
    if (!rc)
        rc = duration(p, get(d, "branch_manager_after"), "deadlines.branch_manager_after", false,
                      &c->branch_manager_after);
    return rc;
}

/* -------------------------------------------------------- business hours */

static int clock_time(parse_ctx *p, const crmi_value *v, const char *key, int *out)
{
    char t[8];
    int h, m;
    if (text_of(p, v, key, t, sizeof t) || sscanf(t, "%d:%d", &h, &m) != 2 || h < 0 || h > 24 ||
        m < 0 || m > 59 || h * 60 + m > 24 * 60)
        return bad(p, key, "expected a time of day like \"09:00\"");
    *out = (h * 60 + m) * 60;
    return CRM_OK;
}

static int date_list(parse_ctx *p, const crmi_value *v, const char *key, int64_t out[], int *n)
{
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_ARR || v->u.a->n > CRMI_CC_MAX_DATES)
        return bad(p, key, "expected a list of at most 128 dates");
    for (uint32_t i = 0; i < v->u.a->n; i++) {
        char d[16];
        int64_t epoch;
        if (text_of(p, &v->u.a->items[i], key, d, sizeof d) || crm_time_parse(&epoch, d))
            return bad(p, key, "expected dates like 2026-10-01");
        out[(*n)++] = epoch / 86400;
    }
    return CRM_OK;
}

static int parse_business_hours(parse_ctx *p, const crmi_value *b)
{
    crmi_cconfig *c = p->cfg;
    c->open = 9 * 3600;
    c->close = 17 * 3600;
    c->weekdays = 0x3e; /* Monday .. Friday */
    if (!b)
        return CRM_OK;
    c->business = flag(b, "enabled");
    int64_t offset = 8 * 3600;
    int rc = duration(p, get(b, "utc_offset"), "business_hours.utc_offset", false, &offset);
    c->utc_offset = (int)offset;
    if (!rc && get(b, "open"))
        rc = clock_time(p, get(b, "open"), "business_hours.open", &c->open);
    if (!rc && get(b, "close"))
        rc = clock_time(p, get(b, "close"), "business_hours.close", &c->close);
    if (!rc && c->close <= c->open)
        rc = bad(p, "business_hours", "close is not after open");
    const crmi_value *wd = get(b, "weekdays");
    if (!rc && wd) {
        c->weekdays = 0;
        for (uint32_t i = 0; wd->type == CRMI_ARR && i < wd->u.a->n; i++) {
            const crmi_value *d = &wd->u.a->items[i];
            if (d->type != CRMI_NUM || d->u.n < 1 || d->u.n > 7)
                return bad(p, "business_hours.weekdays", "expected ISO weekdays 1..7");
            c->weekdays |= 1u << (int)d->u.n;
        }
    }
    if (!rc)
        rc = date_list(p, get(b, "holidays"), "business_hours.holidays", c->holidays,
                       &c->n_holidays);
    if (!rc)
        rc = date_list(p, get(b, "workdays"), "business_hours.workdays", c->workdays,
                       &c->n_workdays);
    return rc;
}

/* ------------------------------------------------ categories, assignment */

static int parse_categories(parse_ctx *p, const crmi_value *v)
{
    if (!v || v->type != CRMI_ARR || v->u.a->n == 0 || v->u.a->n > CRMI_CC_MAX_CATEGORIES)
        return bad(p, "categories", "expected a list of 1..48 category names");
    for (uint32_t i = 0; i < v->u.a->n; i++)
        if (text_of(p, &v->u.a->items[i], "categories", p->cfg->categories[i], CRMI_CC_NAME))
            return p->db->errcode;
    p->cfg->n_categories = (int)v->u.a->n;
    return CRM_OK;
}

/* Each rule's `when` goes back to JSON text and through crm_rule_parse:
 * one parser for every rule in the library. */
static int parse_rule(parse_ctx *p, const crmi_value *when, crm_rule **out)
{
    crmi_buf json = {0};
    crmi_json_write(&json, when);
    if (json.failed) {
        crmi_buf_free(&json);
        return crmi_error(p->db, CRM_E_NOMEM, "complaint config: out of memory");
    }
    int rc = crm_rule_parse(out, json.data, json.len);
    crmi_buf_free(&json);
    if (rc)
        return crmi_error(p->db, rc, "complaint config assignment.when: %s", crm_last_errmsg());
    return CRM_OK;
}

static int parse_assignment(parse_ctx *p, const crmi_value *v)
{
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_ARR || v->u.a->n > CRMI_CC_MAX_RULES)
        return bad(p, "assignment", "expected a list of at most 32 rules");
    for (uint32_t i = 0; i < v->u.a->n; i++) {
        const crmi_value *r = &v->u.a->items[i];
        crmi_cc_rule *rule = &p->cfg->rules[i];
        if (text_of(p, get(r, "team"), "assignment.team", rule->team, sizeof rule->team))
            return p->db->errcode;
        p->cfg->n_rules++;
        if (get(r, "when") && parse_rule(p, get(r, "when"), &rule->when))
            return p->db->errcode;
    }
    return CRM_OK;
}

/* --------------------------------------------------------------- entry */

static int parse_document(parse_ctx *p, const crmi_value *doc)
{
    if (doc->type != CRMI_OBJ)
        return bad(p, "document", "expected a mapping");
    int rc = parse_business_hours(p, get(doc, "business_hours"));
    if (!rc)
        rc = parse_workflow(p, get(doc, "workflow"));
    if (!rc)
        rc = parse_deadlines(p, get(doc, "deadlines"));
    if (!rc)
        rc = parse_categories(p, get(doc, "categories"));
    if (!rc)
        rc = parse_assignment(p, get(doc, "assignment"));
    return rc;
}

int crmi_cconfig_parse(crm_db *db, const char *text, size_t len, crmi_cconfig **out)
{
    static const crmi_load_limits limits = {64, 20000, 4096};
    crmi_cconfig *cfg = crmi_calloc(1, sizeof *cfg);
    if (!cfg)
        return crmi_error(db, CRM_E_NOMEM, "complaint config: out of memory");
    crmi_arena arena = {0};
    crmi_value doc;
    int rc = crmi_load(&doc, NULL, &arena, text, len, &limits, "complaint config");
    if (rc)
        rc = crmi_error(db, rc, "%s", crm_last_errmsg());
    parse_ctx p = {db, cfg};
    if (!rc)
        rc = parse_document(&p, &doc);
    crmi_arena_free(&arena);
    if (rc) {
        crmi_cconfig_free(cfg);
        return rc;
    }
    *out = cfg;
    return CRM_OK;
}

void crmi_cconfig_free(crmi_cconfig *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->n_rules; i++)
        crm_rule_free(cfg->rules[i].when);
    crm_free(cfg);
}

static int parse_any(crm_db *db, const char *text, size_t len, void **out)
{
    return crmi_cconfig_parse(db, text, len, (crmi_cconfig **)out);
}

static void free_any(void *cfg)
{
    crmi_cconfig_free(cfg);
}

static const crmi_config_kind workflow = {
    .what = "complaint config",
    .sql = "SELECT body FROM crm_complaint_config WHERE name = 'workflow'",
    .fallback = crmi_complaint_default_config,
    .parse = parse_any,
    .free = free_any,
};

int crmi_cconfig_load(crm_db *db, const crmi_cconfig **out)
{
    const void *cfg;
    int rc = crmi_config_load(db, &workflow, &cfg);
    *out = cfg;
    return rc;
}

/* ---------------------------------------------------------------- lookups */

int crmi_cc_state_find(const crmi_cconfig *cfg, const char *name)
{
    for (int i = 0; i < cfg->n_states; i++)
        if (strcmp(cfg->states[i].name, name) == 0)
            return i;
    return -1;
}

int crmi_cc_state_with(const crmi_cconfig *cfg, unsigned int flag)
{
    for (int i = 0; i < cfg->n_states; i++)
        if (cfg->states[i].flags & flag)
            return i;
    return -1;
}

const crmi_cc_transition *crmi_cc_transition_find(const crmi_cconfig *cfg, int from, int to)
{
    for (int i = 0; i < cfg->n_transitions; i++)
        if (cfg->transitions[i].from == from && cfg->transitions[i].to == to)
            return &cfg->transitions[i];
    return NULL;
}

static int64_t stricter(int64_t a, int64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

crmi_cc_deadline crmi_cc_deadline_for(const crmi_cconfig *cfg, int severity, int channel)
{
    crmi_cc_deadline d = cfg->base;
    const crmi_cc_deadline *more[] = {&cfg->by_severity[severity], &cfg->by_channel[channel]};
    for (int i = 0; i < 2; i++) {
        d.ack = stricter(d.ack, more[i]->ack);
        d.resolve = stricter(d.resolve, more[i]->resolve);
        d.extend_to = stricter(d.extend_to, more[i]->extend_to);
    }
    if (d.extend_to && d.extend_to < d.resolve)
        d.extend_to = d.resolve;
    return d;
}

int crmi_cc_index(const char *const values[], int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(values[i], v) == 0)
            return i;
    return -1;
}

static int index_of(const char *const values[], int n, const char *v)
{
    int i = crmi_cc_index(values, n, v);
    return i < 0 ? 0 : i; /* stored values passed the CHECK constraints */
}

crmi_cc_deadline crmi_cc_deadline_of(const crmi_cconfig *cfg, const struct crmi_ticket *t)
{
    return crmi_cc_deadline_for(cfg, index_of(crmi_severities, CRMI_SEVERITY_COUNT, t->severity),
                                index_of(crmi_channels, CRMI_CHANNEL_COUNT, t->channel));
}
