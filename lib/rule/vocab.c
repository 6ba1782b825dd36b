/* The customer vocabulary, the one table of variable names that rules
 * about customers use, and SQL schemas that map names to SQL. The
 * interpreter checks data against the table, the SQL compiler takes types
 * from it, and docs/RULES.md lists it (a test keeps the three in step). */
#include "rule/rule_int.h"

#include <math.h>
#include <string.h>

static const crmi_vocab_entry vocab[] = {
    {"age", CRM_RULE_VAR_INTEGER, "age in whole years today, from the birth date"},
    {"gender", CRM_RULE_VAR_TEXT, "\"M\" or \"F\""},
    {"province", CRM_RULE_VAR_TEXT, "province of the customer's address"},
    {"city", CRM_RULE_VAR_TEXT, "city of the customer's address"},
    {"branch", CRM_RULE_VAR_TEXT, "code of the branch the customer belongs to"},
    {"manager", CRM_RULE_VAR_TEXT, "user name of the assigned relationship manager; null if none"},
    {"assets", CRM_RULE_VAR_INTEGER, "total assets held with the bank, in fen"},
    {"income", CRM_RULE_VAR_INTEGER, "annual income, in fen"},
    {"risk_level", CRM_RULE_VAR_TEXT,
     "risk profile \"C1\" (conservative) .. \"C5\" (aggressive); "
     "null if never assessed"},
    {"risk_expired", CRM_RULE_VAR_BOOL, "the risk assessment has expired or never happened"},
    {"tags", CRM_RULE_VAR_TEXT_ARRAY, "names of the customer's tags valid today"},
    {"txn_count_90d", CRM_RULE_VAR_INTEGER, "number of transactions in the last 90 days"},
    {"txn_amount_90d", CRM_RULE_VAR_INTEGER, "total amount of those transactions, in fen"},
    {"days_since_last_txn", CRM_RULE_VAR_INTEGER,
     "whole days since the last transaction; null if there is none"},
    {"product_types", CRM_RULE_VAR_TEXT_ARRAY,
     "types of products held: deposit, loan, wealth, fund, insurance, credit_card"},
    {"value_tier", CRM_RULE_VAR_TEXT,
     "value tier by assets under management (ordinary, gold, platinum, diamond by default); "
     "null until scored"},
    {"activity", CRM_RULE_VAR_TEXT, "active, dormant or at_risk; null until scored"},
    {"rfm", CRM_RULE_VAR_TEXT,
     "recency, frequency and monetary quintiles as three digits 1..5, e.g. \"545\"; null until "
     "scored"},
    {"cluster", CRM_RULE_VAR_INTEGER, "cluster of the last clustering run; null if none"},
    {"propensity_bps", CRM_RULE_VAR_INTEGER,
     "score of the last propensity model, 0..10000 basis points; null if none"},
};
#define N_VOCAB (sizeof vocab / sizeof vocab[0])

const crmi_vocab_entry *crmi_vocab_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_VOCAB; i++)
        if (strlen(vocab[i].name) == len && memcmp(vocab[i].name, name, len) == 0)
            return &vocab[i];
    return NULL;
}

CRM_EXTERN(const char *) crm_rule_var_type_name(crm_rule_var_type type)
{
    switch (type) {
    case CRM_RULE_VAR_INTEGER: return "integer";
    case CRM_RULE_VAR_NUMBER: return "number";
    case CRM_RULE_VAR_TEXT: return "text";
    case CRM_RULE_VAR_BOOL: return "bool";
    case CRM_RULE_VAR_TEXT_ARRAY: return "text[]";
    default: return "unknown";
    }
}

CRM_EXTERN(size_t) crm_rule_vocab_count(void)
{
    return N_VOCAB;
}

CRM_EXTERN(int)
crm_rule_vocab_get(const char **out_name, crm_rule_var_type *out_type, const char **out_description,
                   size_t index)
{
    if (index >= N_VOCAB)
        return crmi_error_thread(CRM_E_NOT_FOUND, "vocabulary: no entry %zu (there are %zu)", index,
                                 (size_t)N_VOCAB);
    if (out_name)
        *out_name = vocab[index].name;
    if (out_type)
        *out_type = vocab[index].type;
    if (out_description)
        *out_description = vocab[index].description;
    return CRM_OK;
}

static const char *closest_name(const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_d = len / 2 + 2;
    for (size_t i = 0; i < N_VOCAB; i++) {
        size_t d = crmi_edit_distance(name, len, vocab[i].name, strlen(vocab[i].name));
        if (d < best_d) {
            best_d = d;
            best = vocab[i].name;
        }
    }
    return best;
}

CRM_EXTERN(int) crm_rule_check_vocab(const crm_rule *rule)
{
    crmi_error_clear(NULL);
    if (!rule)
        return crmi_error_thread(CRM_E_INVALID_ARG, "vocabulary: NULL rule");
    for (size_t i = 0; i < rule->nvars; i++) {
        const crmi_path *p = rule->vars[i];
        if (crmi_vocab_find(p->full, p->full_len))
            continue;
        const char *hint = closest_name(p->full, p->full_len);
        return crmi_error_thread(
            CRM_E_NOT_FOUND, "rule: line %u, column %u: \"%.60s\" is not a customer variable%s%s%s",
            rule->var_pos[i].line, rule->var_pos[i].col, p->full, hint ? " (did you mean \"" : "",
            hint ? hint : "", hint ? "\"?)" : "");
    }
    if (rule->dynamic_vars)
        return crmi_error_thread(CRM_E_NOT_SUPPORTED, "rule: a variable name is computed, so it "
                                                      "cannot be checked against the vocabulary");
    return CRM_OK;
}

static bool value_has_type(const crmi_value *v, crm_rule_var_type type)
{
    if (v->type == CRMI_NULL)
        return true;
    switch (type) {
    case CRM_RULE_VAR_INTEGER:
        return v->type == CRMI_NUM && v->u.n == trunc(v->u.n) && fabs(v->u.n) <= 9007199254740992.0;
    case CRM_RULE_VAR_NUMBER: return v->type == CRMI_NUM;
    case CRM_RULE_VAR_TEXT: return v->type == CRMI_STR;
    case CRM_RULE_VAR_BOOL: return v->type == CRMI_BOOL;
    default:
        if (v->type != CRMI_ARR)
            return false;
        for (uint32_t i = 0; i < v->u.a->n; i++)
            if (v->u.a->items[i].type != CRMI_STR)
                return false;
        return true;
    }
}

CRM_EXTERN(int) crm_rule_data_check_vocab(const crm_rule_data *data)
{
    crmi_error_clear(NULL);
    if (!data)
        return crmi_error_thread(CRM_E_INVALID_ARG, "vocabulary: NULL data");
    for (uint32_t i = 0; i < data->n; i++) {
        const crmi_entry *e = &data->entries[i];
        const crmi_vocab_entry *ve = e->present ? crmi_vocab_find(e->key, e->klen) : NULL;
        if (ve && !value_has_type(&e->v, ve->type))
            return crmi_error_thread(CRM_E_INVALID_DATA, "rule data: %s must be %s (%s) or null",
                                     e->key, crm_rule_var_type_name(ve->type), ve->description);
    }
    return CRM_OK;
}

/* ---------------------------------------------------------------- schema */

CRM_EXTERN(int) crm_rule_schema_new(crm_rule_schema **out)
{
    crmi_error_clear(NULL);
    if (!out)
        return crmi_error_thread(CRM_E_INVALID_ARG, "schema: NULL out");
    *out = crmi_calloc(1, sizeof **out);
    return *out ? CRM_OK : crmi_error_thread(CRM_E_NOMEM, "schema: out of memory");
}

CRM_EXTERN(void) crm_rule_schema_free(crm_rule_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        crm_free(s->vars[i].name);
        crm_free(s->vars[i].sql);
    }
    crm_free(s->vars);
    crm_free(s);
}

const crmi_schema_var *crmi_schema_find(const crm_rule_schema *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->vars[i].name) == len && memcmp(s->vars[i].name, name, len) == 0)
            return &s->vars[i];
    return NULL;
}

static int schema_put(crm_rule_schema *s, const char *name, crm_rule_var_type type, const char *sql)
{
    char *n = crmi_strdup(name), *q = crmi_strdup(sql);
    crmi_schema_var *slot = (crmi_schema_var *)crmi_schema_find(s, name, strlen(name));
    if (n && q && !slot && s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        crmi_schema_var *grown = crmi_realloc(s->vars, cap * sizeof *grown);
        if (grown) {
            s->vars = grown;
            s->cap = cap;
        }
    }
    if (!n || !q || (!slot && s->n == s->cap)) {
        crm_free(n);
        crm_free(q);
        return crmi_error_thread(CRM_E_NOMEM, "schema: out of memory");
    }
    if (slot) {
        crm_free(slot->name);
        crm_free(slot->sql);
    } else {
        slot = &s->vars[s->n++];
    }
    *slot = (crmi_schema_var){n, q, type};
    return CRM_OK;
}

CRM_EXTERN(int)
crm_rule_schema_add(crm_rule_schema *s, const char *name, crm_rule_var_type type,
                    const char *sql_expr)
{
    crmi_error_clear(NULL);
    if (!s || !name || !*name || !sql_expr || !*sql_expr)
        return crmi_error_thread(CRM_E_INVALID_ARG, "schema: NULL or empty argument");
    if (type < CRM_RULE_VAR_INTEGER || type > CRM_RULE_VAR_TEXT_ARRAY)
        return crmi_error_thread(CRM_E_INVALID_ARG, "schema: %s: unknown type %d", name, (int)type);
    const crmi_vocab_entry *ve = crmi_vocab_find(name, strlen(name));
    if (ve && ve->type != type)
        return crmi_error_thread(CRM_E_INVALID_ARG,
                                 "schema: %s is a vocabulary name of type %s, not %s", name,
                                 crm_rule_var_type_name(ve->type), crm_rule_var_type_name(type));
    return schema_put(s, name, type, sql_expr);
}

CRM_EXTERN(int) crm_rule_schema_bind(crm_rule_schema *s, const char *name, const char *sql_expr)
{
    crmi_error_clear(NULL);
    if (!name)
        return crmi_error_thread(CRM_E_INVALID_ARG, "schema: NULL name");
    const crmi_vocab_entry *ve = crmi_vocab_find(name, strlen(name));
    if (!ve)
        return crmi_error_thread(CRM_E_NOT_FOUND, "schema: \"%s\" is not a vocabulary name", name);
    return crm_rule_schema_add(s, name, ve->type, sql_expr);
}
