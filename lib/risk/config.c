/* The questionnaire scoring table: the shipped default and the YAML reader
 * (libyaml through the rule engine's loader, so one parser serves every
 * YAML the library reads). */
#include "risk/risk_int.h"

#include <math.h>
#include <string.h>

static const char default_config[] =
    "# 个人投资者风险承受能力评估问卷: the default scoring table of libcrm.\n"
    "# Each answer scores points; the total picks the level (the first whose\n"
    "# highest score covers it); max_level caps the level whatever the total.\n"
    "validity_days: 365\n"
    "questions:\n"
    "  - id: age\n"
    "    text: 您的年龄\n"
    "    options:\n"
    "      a: {text: 18-30岁, score: 3}\n"
    "      b: {text: 31-50岁, score: 4}\n"
    "      c: {text: 51-65岁, score: 2}\n"
    "      d: {text: 65岁以上, score: 1}\n"
    "  - id: income\n"
    "    text: 您家庭的年收入\n"
    "    options:\n"
    "      a: {text: 10万元以下, score: 1}\n"
    "      b: {text: 10万-50万元, score: 2}\n"
    "      c: {text: 50万-100万元, score: 3}\n"
    "      d: {text: 100万元以上, score: 4}\n"
    "  - id: investable_share\n"
    "    text: 可用于投资的资产占家庭总资产的比例\n"
    "    options:\n"
    "      a: {text: 10%以下, score: 1}\n"
    "      b: {text: 10%-25%, score: 2}\n"
    "      c: {text: 25%-50%, score: 3}\n"
    "      d: {text: 50%以上, score: 4}\n"
    "  - id: experience\n"
    "    text: 您的投资经验\n"
    "    options:\n"
    "      a: {text: 只有银行存款, score: 1}\n"
    "      b: {text: 国债或银行理财, score: 2}\n"
    "      c: {text: 基金或股票, 3年以内, score: 3}\n"
    "      d: {text: 股票、基金或期货, 3年以上, score: 4}\n"
    "  - id: knowledge\n"
    "    text: 您的金融投资知识\n"
    "    options:\n"
    "      a: {text: 很少, score: 1}\n"
    "      b: {text: 一般, score: 2}\n"
    "      c: {text: 丰富, score: 3}\n"
    "      d: {text: 专业, score: 4}\n"
    "  - id: horizon\n"
    "    text: 您计划的投资期限\n"
    "    options:\n"
    "      a: {text: 1年以内, score: 1}\n"
    "      b: {text: 1-3年, score: 2}\n"
    "      c: {text: 3-5年, score: 3}\n"
    "      d: {text: 5年以上, score: 4}\n"
    "  - id: goal\n"
    "    text: 您的投资目的\n"
    "    options:\n"
    "      a: {text: 保本并获得稳定收益, score: 1}\n"
    "      b: {text: 稳健增值, score: 2}\n"
    "      c: {text: 较高收益, 可承受一定波动, score: 3}\n"
    "      d: {text: 追求高收益, 可承受较大波动, score: 4}\n"
    "  - id: loss_tolerance\n"
    "    text: 您能承受的最大本金亏损\n"
    "    options:\n"
    "      a: {text: 不能承受任何亏损, score: 1, max_level: C1}\n"
    "      b: {text: 10%以内, score: 2}\n"
    "      c: {text: 10%-30%, score: 3}\n"
    "      d: {text: 30%以上, score: 4}\n"
    "levels: {C1: 12, C2: 17, C3: 22, C4: 27, C5: 32}\n";

CRM_EXTERN(const char *) crm_risk_config_default(void)
{
    return default_config;
}

/* ----------------------------------------------------------- YAML helpers */

static const crmi_load_limits config_limits = {32, 100000, 65536};

int crmi_yaml_parse(crmi_value *out, crmi_arena *arena, const char *text, size_t len,
                    const char *what)
{
    crmi_pos pos;
    int rc = crmi_load(out, &pos, arena, text, len, &config_limits, what);
    if (!rc && out->type != CRMI_OBJ)
        rc = crmi_error_thread(CRM_E_INVALID_DATA, "%s: expected a mapping at the top", what);
    return rc;
}

const crmi_value *crmi_yaml_member(const crmi_value *obj, const char *key)
{
    if (!obj || obj->type != CRMI_OBJ)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < obj->u.o->n; i++)
        if (obj->u.o->m[i].klen == n && memcmp(obj->u.o->m[i].key, key, n) == 0)
            return &obj->u.o->m[i].v;
    return NULL;
}

int crmi_yaml_int(const crmi_value *obj, const char *what, const char *key, int64_t min,
                  int64_t max, int64_t *out)
{
    const crmi_value *v = crmi_yaml_member(obj, key);
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_NUM || v->u.n != floor(v->u.n) || v->u.n < (double)min ||
        v->u.n > (double)max)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "%s: %s: expected a whole number from %lld to %lld", what, key,
                                 (long long)min, (long long)max);
    *out = (int64_t)v->u.n;
    return CRM_OK;
}

/* ---------------------------------------------------------------- parsing */

#define WHAT "risk config"

static int level_of(const crmi_value *v)
{
    if (v->type == CRMI_STR && v->len == 2 && v->u.s[0] == 'C' && v->u.s[1] >= '1' &&
        v->u.s[1] <= '5')
        return v->u.s[1] - '0';
    return 0;
}

static const char *text_member(const crmi_value *obj, const char *key)
{
    const crmi_value *v = crmi_yaml_member(obj, key);
    return v && v->type == CRMI_STR && v->len ? v->u.s : NULL;
}

static int parse_option(crmi_risk_option *o, const crmi_member *m, const char *qid)
{
    o->key = m->key;
    o->text = text_member(&m->v, "text");
    o->score = -1;
    if (!o->text)
        return crmi_error_thread(CRM_E_INVALID_DATA, WHAT ": question %s, option %s: text required",
                                 qid, m->key);
    if (crmi_yaml_int(&m->v, WHAT, "score", 0, 1000, &o->score) || o->score < 0)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 WHAT ": question %s, option %s: score must be a whole number "
                                      "from 0 to 1000",
                                 qid, m->key);
    const crmi_value *cap = crmi_yaml_member(&m->v, "max_level");
    if (cap && !(o->max_level = level_of(cap)))
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 WHAT ": question %s, option %s: max_level must be C1..C5", qid,
                                 m->key);
    return CRM_OK;
}

static int parse_question(crm_risk_config *c, crmi_risk_question *q, const crmi_value *v,
                          size_t index)
{
    q->id = text_member(v, "id");
    q->text = text_member(v, "text");
    const crmi_value *opts = crmi_yaml_member(v, "options");
    if (!q->id || !q->text)
        return crmi_error_thread(CRM_E_INVALID_DATA, WHAT ": question %zu: id and text required",
                                 index + 1);
    for (size_t i = 0; i < index; i++)
        if (strcmp(c->questions[i].id, q->id) == 0)
            return crmi_error_thread(CRM_E_INVALID_DATA, WHAT ": question %s appears twice", q->id);
    if (!opts || opts->type != CRMI_OBJ || opts->u.o->n < 2)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 WHAT ": question %s: options must map at least two keys to "
                                      "{text, score}",
                                 q->id);
    q->n_options = opts->u.o->n;
    q->options = crmi_arena_alloc(&c->arena, q->n_options * sizeof *q->options);
    if (!q->options)
        return crmi_error_thread(CRM_E_NOMEM, WHAT ": out of memory");
    memset(q->options, 0, q->n_options * sizeof *q->options);
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < q->n_options; i++)
        rc = parse_option(&q->options[i], &opts->u.o->m[i], q->id);
    return rc;
}

static int parse_questions(crm_risk_config *c, const crmi_value *root)
{
    const crmi_value *qs = crmi_yaml_member(root, "questions");
    if (!qs || qs->type != CRMI_ARR || qs->u.a->n == 0)
        return crmi_error_thread(CRM_E_INVALID_DATA, WHAT ": questions: a non-empty list required");
    c->n_questions = qs->u.a->n;
    c->questions = crmi_arena_alloc(&c->arena, c->n_questions * sizeof *c->questions);
    if (!c->questions)
        return crmi_error_thread(CRM_E_NOMEM, WHAT ": out of memory");
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < c->n_questions; i++)
        rc = parse_question(c, &c->questions[i], &qs->u.a->items[i], i);
    return rc;
}

static int64_t highest_possible_score(const crm_risk_config *c)
{
    int64_t total = 0;
    for (size_t i = 0; i < c->n_questions; i++) {
        int64_t best = 0;
        for (size_t j = 0; j < c->questions[i].n_options; j++)
            if (c->questions[i].options[j].score > best)
                best = c->questions[i].options[j].score;
        total += best;
    }
    return total;
}

static int parse_levels(crm_risk_config *c, const crmi_value *root)
{
    static const char *const names[5] = {"C1", "C2", "C3", "C4", "C5"};
    const crmi_value *levels = crmi_yaml_member(root, "levels");
    if (!levels || levels->type != CRMI_OBJ || levels->u.o->n != 5)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 WHAT ": levels: map each of C1..C5 to its highest total score");
    for (int i = 0; i < 5; i++) {
        c->max_score[i] = -1;
        int rc = crmi_yaml_int(levels, WHAT ": levels", names[i], 0, 1000000, &c->max_score[i]);
        if (rc)
            return rc;
        if (c->max_score[i] < 0 || (i > 0 && c->max_score[i] <= c->max_score[i - 1]))
            return crmi_error_thread(CRM_E_INVALID_DATA,
                                     WHAT ": levels: %s must be given and above the level below",
                                     names[i]);
    }
    int64_t top = highest_possible_score(c);
    if (c->max_score[4] < top)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 WHAT ": levels: C5 is %lld, below the highest possible total %lld",
                                 (long long)c->max_score[4], (long long)top);
    return CRM_OK;
}

CRM_EXTERN(int) crm_risk_config_load(crm_risk_config **out, const char *text, size_t len)
{
    crmi_error_clear(NULL);
    if (!out || !text)
        return crmi_error_thread(CRM_E_INVALID_ARG, WHAT ": NULL argument");
    crm_risk_config *c = crmi_calloc(1, sizeof *c);
    if (!c)
        return crmi_error_thread(CRM_E_NOMEM, WHAT ": out of memory");
    c->validity_days = CRMI_RISK_DEFAULT_VALIDITY_DAYS;
    crmi_value root;
    int rc = crmi_yaml_parse(&root, &c->arena, text, len, WHAT);
    if (!rc)
        rc = crmi_yaml_int(&root, WHAT, "validity_days", 1, 3660, &c->validity_days);
    if (!rc)
        rc = parse_questions(c, &root);
    if (!rc)
        rc = parse_levels(c, &root);
    if (rc) {
        crm_risk_config_free(c);
        return rc;
    }
    *out = c;
    return CRM_OK;
}

CRM_EXTERN(void) crm_risk_config_free(crm_risk_config *config)
{
    if (!config)
        return;
    crmi_arena_free(&config->arena);
    crm_free(config);
}

int crmi_risk_config_default(crm_risk_config **out)
{
    return crm_risk_config_load(out, default_config, sizeof default_config - 1);
}

/* ---------------------------------------------------------------- answers */

static int put_answer(crm_record *rec, const crmi_member *m)
{
    char num[32];
    if (m->v.type == CRMI_NUM) { /* "age: 1" for an option keyed 1 */
        crmi_num_format(num, m->v.u.n);
        return crm_record_set_text(rec, m->key, num);
    }
    if (m->v.type != CRMI_STR)
        return crmi_error_thread(CRM_E_INVALID_DATA, "answers: %s: expected an option key", m->key);
    return crm_record_set_text(rec, m->key, m->v.u.s);
}

CRM_EXTERN(int) crm_risk_answers_parse(crm_record **out, const char *text, size_t len)
{
    crmi_error_clear(NULL);
    if (!out || !text)
        return crmi_error_thread(CRM_E_INVALID_ARG, "answers: NULL argument");
    crmi_arena arena = {0};
    crmi_value root;
    crm_record *rec = NULL;
    int rc = crmi_yaml_parse(&root, &arena, text, len, "answers");
    if (!rc)
        rc = crm_record_new(&rec);
    for (uint32_t i = 0; !rc && i < root.u.o->n; i++)
        rc = put_answer(rec, &root.u.o->m[i]);
    crmi_arena_free(&arena);
    if (rc) {
        crm_record_free(rec);
        return rc;
    }
    *out = rec;
    return CRM_OK;
}
