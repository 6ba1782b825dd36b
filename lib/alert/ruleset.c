/* Alert rule sets: the YAML format, the set shipped compiled in, and the
 * per-handle cache of the active set. The document is read with the rule
 * engine's loader (libyaml); each rule's `when` is handed back to
 * crm_rule_parse as JSON, so alert rules are exactly the rule language. */
#include "alert/alert_int.h"
#include "rule/rule_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Tuned on crm-gen data (docs/ALERTS.md, "Tuning on generated data"):
 * every planted anomalous transfer raises an alert, under 0.1% of ordinary
 * transactions do. */
const char crmi_alert_default_yaml[] =
    "# libcrm default alert rules (docs/ALERTS.md). Amounts are fen.\n"
    "history_days: 90\n"
    "burst_minutes: 10\n"
    "rules:\n"
    "  - name: large_transfer\n"
    "    severity: medium\n"
    "    description: a transfer of 500,000 yuan or more (大额转账)\n"
    "    when:\n"
    "      and:\n"
    "        - in: [{var: type}, [transfer_in, transfer_out]]\n"
    "        - \">=\": [{var: amount}, 50000000]\n"
    "  - name: amount_far_above_pattern\n"
    "    severity: high\n"
    "    description: a transfer far above the customer's own 90-day pattern (异常大额)\n"
    "    when:\n"
    "      and:\n"
    "        - in: [{var: type}, [transfer_in, transfer_out]]\n"
    "        - \">=\": [{var: amount}, 10000000]\n"
    "        - or:\n"
    "            - and:\n"
    "                - \">=\": [{var: history_count}, 3]\n"
    "                - \">=\": [{var: zscore}, 8]\n"
    "                - \">=\": [{var: amount}, {\"*\": [10, {var: history_max}]}]\n"
    "            - and:\n"
    "                - \">=\": [{var: history_count}, 1]\n"
    "                - \">=\": [{var: amount}, {\"*\": [20, {var: history_max}]}]\n"
    "  - name: burst\n"
    "    severity: medium\n"
    "    description: 5 or more earlier transactions within 10 minutes (频繁交易)\n"
    "    when: {\">=\": [{var: burst_count}, 5]}\n"
    "  - name: unsuitable_high_risk_purchase\n"
    "    severity: high\n"
    "    description: an R4/R5 product bought by a customer rated lower or not validly "
    "assessed (适当性)\n"
    "    when:\n"
    "      and:\n"
    "        - \"==\": [{var: type}, purchase]\n"
    "        - in: [{var: product_risk}, [R4, R5]]\n"
    "        - or:\n"
    "            - var: risk_expired\n"
    "            - \"<\": [{substr: [{var: risk_level}, 1]}, {substr: [{var: product_risk}, "
    "1]}]\n";

CRM_EXTERN(const char *) crm_alert_default_rules(void)
{
    return crmi_alert_default_yaml;
}

/* ---------------------------------------------------------------- parse */

typedef struct parser {
    crm_db *db;
    crmi_alert_set *set;
} parser;

static int fail(parser *p, crmi_pos pos, const char *fmt, const char *arg)
{
    char why[300];
    snprintf(why, sizeof why, fmt, arg);
    return crmi_error(p->db, CRM_E_INVALID_DATA, "alert rules: line %u, column %u: %s", pos.line,
                      pos.col, why);
}

static bool key_is(const crmi_member *m, const char *key)
{
    return m->klen == strlen(key) && memcmp(m->key, key, m->klen) == 0;
}

static int read_int(parser *p, const crmi_member *m, crmi_pos pos, int64_t min, int64_t max,
                    int64_t *out)
{
    double d = m->v.u.n;
    /* range before the cast: converting an out-of-range double is undefined */
    if (m->v.type != CRMI_NUM || !(d >= (double)min && d <= (double)max) || d != floor(d)) {
        char what[120];
        snprintf(what, sizeof what, "%.*s: expected a whole number %lld..%lld", (int)m->klen,
                 m->key, (long long)min, (long long)max);
        return fail(p, pos, "%s", what);
    }
    *out = (int64_t)d;
    return CRM_OK;
}

/* A text member as an owned string (1..`max` bytes, no NUL). */
static int read_text(parser *p, const crmi_member *m, crmi_pos pos, size_t max, char **out)
{
    if (m->v.type != CRMI_STR || m->v.len == 0 || m->v.len > max)
        return fail(p, pos, "%s: expected text", m->key);
    if (!(*out = crmi_strndup(m->v.u.s, m->v.len)))
        return crmi_error(p->db, CRM_E_NOMEM, "alert rules: out of memory");
    return CRM_OK;
}

static int check_name(parser *p, const crmi_alert_rule *r, crmi_pos pos)
{
    for (const char *c = r->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return fail(p, pos, "rule name \"%s\": use a..z, 0..9 and _", r->name);
    for (size_t i = 0; i + 1 < p->set->n; i++)
        if (strcmp(p->set->rules[i].name, r->name) == 0)
            return fail(p, pos, "rule name \"%s\" appears twice", r->name);
    return CRM_OK;
}

static int check_severity(parser *p, const crmi_alert_rule *r, crmi_pos pos)
{
    static const char *const known[] = {"low", "medium", "high"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(r->severity, known[i]) == 0)
            return CRM_OK;
    return fail(p, pos, "severity \"%s\": expected low, medium or high", r->severity);
}

/* Every variable must be an alert variable: a misspelt one would be
 * missing (null) on every transaction and the rule would never fire. */
static int check_variables(parser *p, const crmi_alert_rule *r, crmi_pos pos)
{
    if (crm_rule_has_dynamic_variables(r->rule))
        return fail(p, pos, "rule %s: variable names must be constant", r->name);
    size_t n = crm_rule_variable_count(r->rule);
    for (size_t i = 0; i < n; i++) {
        const char *name = crm_rule_variable(r->rule, i);
        if (crmi_alert_var_find(name, strlen(name)))
            continue;
        char what[200];
        snprintf(what, sizeof what, "rule %s: unknown variable \"%.80s\" (docs/ALERTS.md)", r->name,
                 name);
        return fail(p, pos, "%s", what);
    }
    return CRM_OK;
}

/* The `when` value back to JSON, then through the rule parser. */
static int read_when(parser *p, crmi_alert_rule *r, const crmi_value *when, crmi_pos pos)
{
    crmi_buf json = {0};
    crmi_json_write(&json, when);
    if (json.failed) {
        crmi_buf_free(&json);
        return crmi_error(p->db, CRM_E_NOMEM, "alert rules: out of memory");
    }
    int rc = crm_rule_parse(&r->rule, json.data, json.len);
    crmi_buf_free(&json);
    if (rc == CRM_E_INVALID_DATA)
        return fail(p, pos, "when: %s", crm_last_errmsg());
    return rc ? crmi_error(p->db, rc, "alert rules: %s", crm_last_errmsg()) : CRM_OK;
}

static int read_rule_member(parser *p, crmi_alert_rule *r, const crmi_member *m, crmi_pos pos)
{
    if (key_is(m, "name"))
        return read_text(p, m, pos, 64, &r->name);
    if (key_is(m, "severity"))
        return read_text(p, m, pos, 16, &r->severity);
    if (key_is(m, "description"))
        return read_text(p, m, pos, 500, &r->description);
    if (key_is(m, "when"))
        return read_when(p, r, &m->v, pos);
    return fail(p, pos, "unknown key \"%s\" (name, severity, description, when)", m->key);
}

static int read_rule(parser *p, const crmi_value *v, crmi_pos pos)
{
    if (v->type != CRMI_OBJ)
        return fail(p, pos, "%s", "a rule is a mapping with name, severity, when");
    crmi_alert_rule *r = &p->set->rules[p->set->n++];
    const crmi_object *o = v->u.o;
    for (uint32_t i = 0; i < o->n; i++) {
        int rc = read_rule_member(p, r, &o->m[i], o->pos ? o->pos[2 * i] : pos);
        if (rc)
            return rc;
    }
    if (!r->name || !r->severity || !r->rule)
        return fail(p, pos, "%s", "a rule needs name, severity and when");
    int rc = check_name(p, r, pos);
    if (!rc)
        rc = check_severity(p, r, pos);
    return rc ? rc : check_variables(p, r, pos);
}

static int read_rules(parser *p, const crmi_member *m, crmi_pos pos)
{
    if (m->v.type != CRMI_ARR)
        return fail(p, pos, "%s", "rules: expected a list of rules (empty: no alerts)");
    const crmi_array *a = m->v.u.a;
    if (!(p->set->rules = crmi_calloc(a->n ? a->n : 1, sizeof *p->set->rules)))
        return crmi_error(p->db, CRM_E_NOMEM, "alert rules: out of memory");
    for (uint32_t i = 0; i < a->n; i++) {
        int rc = read_rule(p, &a->items[i], a->pos ? a->pos[i] : pos);
        if (rc)
            return rc;
    }
    return CRM_OK;
}

static int read_top_member(parser *p, const crmi_member *m, crmi_pos pos)
{
    if (key_is(m, "history_days"))
        return read_int(p, m, pos, 1, 366, &p->set->history_days);
    if (key_is(m, "burst_minutes"))
        return read_int(p, m, pos, 1, 1440, &p->set->burst_minutes);
    if (key_is(m, "rules"))
        return read_rules(p, m, pos);
    return fail(p, pos, "unknown key \"%s\" (history_days, burst_minutes, rules)", m->key);
}

static int read_document(parser *p, const crmi_value *doc, crmi_pos pos)
{
    if (doc->type != CRMI_OBJ)
        return fail(p, pos, "%s", "expected a mapping with rules");
    const crmi_object *o = doc->u.o;
    for (uint32_t i = 0; i < o->n; i++) {
        int rc = read_top_member(p, &o->m[i], o->pos ? o->pos[2 * i] : pos);
        if (rc)
            return rc;
    }
    return p->set->rules ? CRM_OK : fail(p, pos, "%s", "rules: missing");
}

int crmi_alert_set_parse(crmi_alert_set **out, crm_db *db, const char *text, size_t len)
{
    static const crmi_load_limits limits = {CRM_RULE_MAX_DEPTH, CRM_RULE_MAX_NODES,
                                            CRM_RULE_MAX_STRING};
    parser p = {db, crmi_calloc(1, sizeof(crmi_alert_set))};
    crmi_arena arena = {0};
    crmi_value doc;
    crmi_pos pos;
    if (!p.set)
        return crmi_error(db, CRM_E_NOMEM, "alert rules: out of memory");
    *p.set = (crmi_alert_set){.history_days = 90, .burst_minutes = 10};
    int rc = crmi_load(&doc, &pos, &arena, text, len, &limits, "alert rules");
    if (rc)
        rc = crmi_error(db, rc, "%s", crm_last_errmsg());
    else
        rc = read_document(&p, &doc, pos);
    crmi_arena_free(&arena);
    if (rc)
        crmi_alert_set_free(p.set);
    else
        *out = p.set;
    return rc;
}

void crmi_alert_set_free(crmi_alert_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        crm_free(set->rules[i].name);
        crm_free(set->rules[i].severity);
        crm_free(set->rules[i].description);
        crm_rule_free(set->rules[i].rule);
    }
    crm_free(set->rules);
    crm_free(set);
}

/* ---------------------------------------------------------- handle state */

static const char state_key = 0; /* its address keys the handle's state */

static void state_free(void *p)
{
    crmi_alert_state *st = p;
    crmi_alert_set_free(st->set);
    crm_rule_data_free(st->data);
    crm_free(st);
}

crmi_alert_state *crmi_alert_state_get(crm_db *db)
{
    crmi_alert_state *st = crmi_db_slot(db, &state_key);
    if (st)
        return st;
    if (!(st = crmi_calloc(1, sizeof *st)) || crm_rule_data_new(&st->data) != CRM_OK) {
        crm_free(st);
        crmi_error(db, CRM_E_NOMEM, "alert: out of memory");
        return NULL;
    }
    if (crmi_db_slot_set(db, &state_key, st, state_free) != CRM_OK) {
        state_free(st);
        return NULL;
    }
    return st;
}

static const char SQL_VERSION[] = "SELECT version, source FROM crm_alert_ruleset WHERE id = 1";

/* Parses the stored set (or the default) when its version moved. */
static int reload(crm_db *db, crmi_alert_state *st, sqlite3_stmt *q)
{
    int64_t version = 0;
    const char *source = NULL;
    int step = crmi_step(q);
    if (step == SQLITE_ROW) {
        version = sqlite3_column_int64(q, 0);
        source = (const char *)sqlite3_column_text(q, 1);
    } else if (step != SQLITE_DONE) {
        return crmi_sqlite_error(db, step, "alert: read rule set");
    }
    if (st->set && version == st->set_version)
        return CRM_OK;
    crmi_alert_set *set = NULL;
    const char *text = source ? source : crmi_alert_default_yaml;
    int rc = crmi_alert_set_parse(&set, db, text, strlen(text));
    if (rc)
        return rc;
    set->custom = source != NULL;
    crmi_alert_set_free(st->set);
    st->set = set;
    st->set_version = version;
    return CRM_OK;
}

int crmi_alert_active_set(crm_db *db, const crmi_alert_set **out)
{
    crmi_alert_state *st = crmi_alert_state_get(db);
    if (!st)
        return db->errcode;
    if (!st->checked || st->checked_serial != db->txn_serial || db->txn_level == 0) {
        sqlite3_stmt *q = crmi_stmt(db, SQL_VERSION);
        if (!q)
            return db->errcode;
        int rc = reload(db, st, q);
        sqlite3_reset(q);
        if (rc)
            return rc;
        st->checked = true;
        st->checked_serial = db->txn_serial;
    }
    *out = st->set;
    return CRM_OK;
}
