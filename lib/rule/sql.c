/* The compiler from rules to SQL. Every subexpression gets a static kind
 * (number, text, boolean, array of text, or a compile-time constant) and a
 * statement of what SQL NULL stands for in it (JSON null, NaN, or false);
 * each operator is then translated only where JavaScript's rules for those
 * kinds have an exact SQL counterpart, and refused otherwise. Parts that do
 * not read data are evaluated here by the interpreter itself. Constants go
 * into named parameters, never into the SQL text. */
#include "rule/rule_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum kind { K_CONST, K_NUM, K_STR, K_BOOL, K_ARR } kind;

/* What SQL NULL means in an expression. */
typedef enum nullmean {
    N_NONE, /* never NULL */
    N_NULL, /* JSON null (a variable's NULL) */
    N_NAN,  /* NaN (arithmetic on null or infinities) */
    N_FALSE /* false (a condition) */
} nullmean;

typedef struct sx {
    kind k;
    nullmean nul;
    bool integer;    /* K_NUM holding whole numbers only (an integer variable) */
    crmi_value c;    /* K_CONST */
    const char *sql; /* otherwise */
} sx;

typedef struct comp {
    const crm_rule *rule;
    const crm_rule_schema *schema;
    const char *prefix;
    crmi_arena arena;
    crmi_sql_param *params;
    size_t nparams, cap;
    crm_rule_data *fold; /* empty data for evaluating constant parts */
} comp;

static int cv(comp *C, const crmi_node *n, sx *out);
static int cb(comp *C, const crmi_node *n, sx *out);

/* ---------------------------------------------------------------- helpers */

static int nomem(void)
{
    return crmi_error_thread(CRM_E_NOMEM, "rule sql: out of memory");
}

static int refuse(const crmi_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const crmi_node *n, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return crmi_error_thread(CRM_E_NOT_SUPPORTED,
                             "rule sql: line %u, column %u: %s: %s; evaluate this rule with the "
                             "interpreter instead",
                             n->pos.line, n->pos.col, crmi_rule_op_name((crmi_rule_op)n->op), msg);
}

static const char *fmt(comp *C, const char *f, ...) __attribute__((format(printf, 2, 3)));

static const char *fmt(comp *C, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int len = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *p = len >= 0 ? crmi_arena_alloc(&C->arena, (size_t)len + 1) : NULL;
    if (!p)
        return NULL;
    va_start(ap, f);
    vsnprintf(p, (size_t)len + 1, f, ap);
    va_end(ap);
    return p;
}

static sx constant(crmi_value v)
{
    return (sx){.k = K_CONST, .c = v};
}

/* Is the whole of s inside one pair of parentheses? */
static bool wrapped(const char *s)
{
    if (s[0] != '(')
        return false;
    int depth = 0;
    bool quoted = false;
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '(')
            depth++;
        else if (!quoted && *p == ')' && --depth == 0)
            return p[1] == '\0';
    }
    return false;
}

/* An expression; its SQL is parenthesized so that it can go anywhere. */
static sx expr_of(comp *C, kind k, nullmean nul, const char *sql)
{
    if (sql && !wrapped(sql))
        sql = fmt(C, "(%s)", sql);
    return (sx){.k = k, .nul = nul, .sql = sql};
}

static int done(sx *out, sx v)
{
    if (v.k != K_CONST && !v.sql)
        return nomem();
    *out = v;
    return CRM_OK;
}

static crmi_sql_param *new_param(comp *C)
{
    if (C->nparams == C->cap) {
        size_t cap = C->cap ? C->cap * 2 : 8;
        crmi_sql_param *grown = crmi_realloc(C->params, cap * sizeof *grown);
        if (!grown)
            return NULL;
        C->params = grown;
        C->cap = cap;
    }
    crmi_sql_param *p = &C->params[C->nparams];
    *p = (crmi_sql_param){0};
    char name[48];
    snprintf(name, sizeof name, ":%s%zu", C->prefix, C->nparams + 1);
    p->name = crmi_strdup(name);
    if (!p->name)
        return NULL;
    C->nparams++;
    return p;
}

static const char *param_number(comp *C, double d)
{
    crmi_sql_param *p = new_param(C);
    if (!p)
        return NULL;
    /* whole numbers go in as integers: the same value, and SQLite compares
     * an INTEGER column with an integer faster than with a double */
    if (d == trunc(d) && fabs(d) <= 9007199254740992.0) {
        p->type = CRM_RULE_PARAM_INTEGER;
        p->integer = (int64_t)d;
    } else {
        p->type = CRM_RULE_PARAM_NUMBER;
        p->number = d;
    }
    return p->name;
}

static const char *param_integer(comp *C, int64_t i)
{
    crmi_sql_param *p = new_param(C);
    if (!p)
        return NULL;
    p->type = CRM_RULE_PARAM_INTEGER;
    p->integer = i;
    return p->name;
}

static const char *param_text(comp *C, const char *s, size_t n)
{
    crmi_sql_param *p = new_param(C);
    if (!p)
        return NULL;
    p->type = CRM_RULE_PARAM_TEXT;
    p->text = crmi_strndup(s, n);
    return p->text ? p->name : NULL;
}

static crmi_value num_of(const crmi_value *c, comp *C)
{
    crmi_value p = crmi_to_primitive(c, &C->arena);
    return crmi_num(crmi_to_number(&p, &C->arena));
}

/* Copies a value computed by the interpreter out of its scratch memory. */
static bool copy_value(crmi_arena *a, const crmi_value *in, crmi_value *out)
{
    *out = *in;
    if (in->type == CRMI_STR) {
        out->u.s = crmi_arena_strndup(a, in->u.s, in->len);
        return out->u.s != NULL;
    }
    if (in->type == CRMI_ARR) {
        crmi_array *arr = crmi_array_new(a, in->u.a->n);
        if (!arr)
            return false;
        arr->depth = in->u.a->depth;
        for (uint32_t i = 0; i < in->u.a->n; i++)
            if (!copy_value(a, &in->u.a->items[i], &arr->items[i]))
                return false;
        out->u.a = arr;
    } else if (in->type == CRMI_OBJ) {
        crmi_object *o = crmi_object_new(a, in->u.o->n);
        if (!o)
            return false;
        o->depth = in->u.o->depth;
        for (uint32_t i = 0; i < in->u.o->n; i++) {
            const crmi_member *m = &in->u.o->m[i];
            o->m[i] = (crmi_member){crmi_arena_strndup(a, m->key, m->klen), m->klen, m->v};
            if (!o->m[i].key || !copy_value(a, &m->v, &o->m[i].v))
                return false;
        }
        out->u.o = o;
    }
    return true;
}

/* A part that reads no data is a constant: the interpreter computes it. */
static int fold(comp *C, const crmi_node *n, sx *out)
{
    if (n->op == CRMI_ROP_LIT) {
        *out = constant(n->lit);
        return CRM_OK;
    }
    crmi_value v;
    int rc = crmi_eval(&v, C->rule, n, C->fold);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", crm_last_errmsg());
        return refuse(n, "this part raises an error when evaluated (%s)", why);
    }
    crmi_value copy;
    if (!copy_value(&C->arena, &v, &copy))
        return nomem();
    *out = constant(copy);
    return CRM_OK;
}

static bool foldable(const crmi_node *n)
{
    return !n->uses_data && !n->has_log;
}

static const crmi_node *arg_node(const crmi_node *n, uint32_t i)
{
    return i < n->nargs ? n->args[i] : NULL;
}

/* An argument as a value; a missing one is undefined. */
static int arg_value(comp *C, const crmi_node *n, uint32_t i, sx *out)
{
    const crmi_node *a = arg_node(n, i);
    if (!a) {
        *out = constant(crmi_undef());
        return CRM_OK;
    }
    return cv(C, a, out);
}

/* Arguments the operator ignores are still evaluated by json-logic-js: they
 * must compile, so that what raises an error there is refused here. */
static int check_extra(comp *C, const crmi_node *n, uint32_t from)
{
    for (uint32_t i = from; i < n->nargs; i++) {
        sx ignored;
        int rc = cv(C, n->args[i], &ignored);
        if (rc)
            return rc;
    }
    return CRM_OK;
}

static sx bool_const(bool b)
{
    return constant(crmi_bool(b));
}

/* A condition's value as 0/1, never NULL. */
static sx normalize(comp *C, sx v)
{
    if (v.k == K_BOOL && v.nul == N_FALSE)
        return expr_of(C, K_BOOL, N_NONE, fmt(C, "%s IS 1", v.sql));
    return v;
}

/* SQL for a constant used where kind k is expected. */
static const char *const_sql(comp *C, const crmi_value *c)
{
    switch (c->type) {
    case CRMI_NUM: return isnan(c->u.n) ? "NULL" : param_number(C, c->u.n);
    case CRMI_STR: return param_text(C, c->u.s, c->len);
    case CRMI_BOOL: return param_integer(C, c->b);
    default: return "NULL";
    }
}

static int take_sql(comp *C, crmi_buf *b, const char *wrap, const char **out)
{
    char *text = crmi_buf_take(b);
    *out = text ? fmt(C, wrap, text) : NULL;
    crm_free(text);
    return *out ? CRM_OK : nomem();
}

/* --------------------------------------------------------------- truthiness */

/* The condition "v is truthy" (JsonLogic: [] is false). */
static sx truth(comp *C, sx v)
{
    switch (v.k) {
    case K_CONST: return bool_const(crmi_truthy(&v.c));
    case K_NUM: return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s <> 0", v.sql));
    case K_STR: return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s <> ''", v.sql));
    case K_BOOL: return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s <> 0", v.sql));
    default: return expr_of(C, K_BOOL, N_FALSE, fmt(C, "json_array_length(%s) > 0", v.sql));
    }
}

static sx negate(comp *C, sx b)
{
    if (b.k == K_CONST)
        return bool_const(!crmi_truthy(&b.c));
    if (b.nul == N_NONE)
        return expr_of(C, K_BOOL, N_NONE, fmt(C, "NOT %s", b.sql));
    return expr_of(C, K_BOOL, N_NONE, fmt(C, "%s IS NOT 1", b.sql));
}

/* ------------------------------------------------------------- variables */

static int c_var(comp *C, const crmi_node *n, sx *out)
{
    if (!n->path)
        return refuse(n, n->var_whole ? "the whole data object has no SQL form"
                                      : "the variable name is computed at run time");
    int rc = check_extra(C, n, 1);
    if (rc)
        return rc;
    const crmi_schema_var *v = crmi_schema_find(C->schema, n->path->full, n->path->full_len);
    if (!v)
        return refuse(n, "variable \"%.60s\" is not in the SQL schema", n->path->full);
    static const kind kinds[] = {[CRM_RULE_VAR_INTEGER] = K_NUM,
                                 [CRM_RULE_VAR_NUMBER] = K_NUM,
                                 [CRM_RULE_VAR_TEXT] = K_STR,
                                 [CRM_RULE_VAR_BOOL] = K_BOOL,
                                 [CRM_RULE_VAR_TEXT_ARRAY] = K_ARR};
    sx r = expr_of(C, kinds[v->type], N_NULL, v->sql);
    r.integer = v->type == CRM_RULE_VAR_INTEGER;
    return done(out, r);
}

/* ------------------------------------------------------- choice of values */

/* The kind shared by the results of if / and / or; constants must be of
 * that kind's JSON type, or null, or NaN (which SQL can only hold as NULL). */
static int unify(const crmi_node *n, sx *vals, uint32_t count, kind *k, nullmean *nul)
{
    static const uint8_t js_type[] = {
        [K_NUM] = CRMI_NUM, [K_STR] = CRMI_STR, [K_BOOL] = CRMI_BOOL, [K_ARR] = CRMI_ARR};
    *k = K_CONST;
    *nul = N_NONE;
    for (uint32_t i = 0; i < count; i++) {
        nullmean m = vals[i].nul;
        kind vk = vals[i].k;
        if (vk == K_CONST) {
            const crmi_value *c = &vals[i].c;
            m = c->type == CRMI_NULL                     ? N_NULL
                : (c->type == CRMI_NUM && isnan(c->u.n)) ? N_NAN
                                                         : N_NONE;
            vk = c->type == CRMI_NUM    ? K_NUM
                 : c->type == CRMI_STR  ? K_STR
                 : c->type == CRMI_BOOL ? K_BOOL
                 : c->type == CRMI_NULL ? K_CONST
                                        : K_ARR;
            if (vk == K_ARR || (vk != K_CONST && js_type[vk] != c->type))
                return refuse(n, "its possible results have different types");
        }
        if (vk != K_CONST && *k != K_CONST && *k != vk)
            return refuse(n, "its possible results have different types");
        if (vk != K_CONST)
            *k = vk;
        if (m != N_NONE && *nul != N_NONE && m != *nul)
            return refuse(n, "its possible results mix null and NaN");
        if (m != N_NONE)
            *nul = m;
    }
    return CRM_OK;
}

static const char *value_sql(comp *C, const sx *v)
{
    return v->k == K_CONST ? const_sql(C, &v->c) : v->sql;
}

/* CASE WHEN conds[i] THEN vals[i] ... ELSE vals[nconds] END */
static int choose(comp *C, const crmi_node *n, sx *conds, sx *vals, uint32_t nconds, sx *out)
{
    kind k;
    nullmean nul;
    for (uint32_t i = 0; i <= nconds; i++)
        vals[i] = normalize(C, vals[i]);
    int rc = unify(n, vals, nconds + 1, &k, &nul);
    if (rc)
        return rc;
    if (k == K_CONST) /* every result is null */
        return done(out, constant(crmi_null()));
    crmi_buf b = {0};
    crmi_buf_puts(&b, "(CASE");
    for (uint32_t i = 0; i < nconds; i++) {
        const char *v = value_sql(C, &vals[i]);
        crmi_buf_printf(&b, " WHEN %s THEN %s", conds[i].sql, v ? v : "");
    }
    const char *e = value_sql(C, &vals[nconds]);
    crmi_buf_printf(&b, " ELSE %s END)", e ? e : "");
    char *text = crmi_buf_take(&b);
    const char *sql = text ? fmt(C, "%s", text) : NULL;
    crm_free(text);
    return done(out, expr_of(C, k, nul, sql));
}

#define MAX_BRANCHES 256

static int value_if(comp *C, const crmi_node *n, sx *out)
{
    sx conds[MAX_BRANCHES], vals[MAX_BRANCHES + 1];
    uint32_t k = 0, i;
    if (n->nargs > 2 * MAX_BRANCHES)
        return refuse(n, "more than %d branches", MAX_BRANCHES);
    for (i = 0; i + 1 < n->nargs; i += 2) {
        sx c;
        int rc = cb(C, n->args[i], &c);
        if (rc)
            return rc;
        if (c.k == K_CONST && !crmi_truthy(&c.c))
            continue;
        if ((rc = cv(C, n->args[i + 1], &vals[k])))
            return rc;
        if (c.k == K_CONST) /* always taken: what follows never runs */
            return k == 0 ? done(out, vals[0]) : choose(C, n, conds, vals, k, out);
        conds[k++] = c;
    }
    int rc = CRM_OK;
    if (n->nargs == i + 1)
        rc = cv(C, n->args[i], &vals[k]);
    else
        vals[k] = constant(crmi_null());
    if (rc)
        return rc;
    return k == 0 ? done(out, vals[0]) : choose(C, n, conds, vals, k, out);
}

/* and: the first falsy operand, else the last; or: the first truthy one. */
static int value_and_or(comp *C, const crmi_node *n, sx *out)
{
    if (n->nargs == 0)
        return done(out, constant(crmi_undef()));
    if (n->nargs > MAX_BRANCHES)
        return refuse(n, "more than %d operands", MAX_BRANCHES);
    sx conds[MAX_BRANCHES], vals[MAX_BRANCHES + 1];
    uint32_t k = 0;
    bool is_or = n->op == CRMI_ROP_OR;
    for (uint32_t i = 0; i < n->nargs; i++) {
        sx v;
        int rc = cv(C, n->args[i], &v);
        if (rc)
            return rc;
        v = normalize(C, v);
        if (i + 1 == n->nargs) {
            vals[k] = v;
            break;
        }
        sx t = truth(C, v);
        if (t.k == K_CONST) {
            if (crmi_truthy(&t.c) == is_or) { /* decided here */
                vals[k] = v;
                break;
            }
            continue;
        }
        conds[k] = is_or ? t : negate(C, t);
        vals[k++] = v;
    }
    return k == 0 ? done(out, vals[0]) : choose(C, n, conds, vals, k, out);
}

/* ------------------------------------------------------------ comparisons */

/* Relational operand classes after JavaScript's ToPrimitive. */
typedef enum rclass { R_STR_CONST, R_NUM_CONST, R_STR, R_NUM } rclass;

static rclass rel_class(comp *C, const crmi_node *n, sx *v, int *rc)
{
    *rc = CRM_OK;
    switch (v->k) {
    case K_CONST: {
        crmi_value p = crmi_to_primitive(&v->c, &C->arena);
        if (p.type == CRMI_STR) {
            v->c = p;
            return R_STR_CONST;
        }
        v->c = num_of(&p, C);
        return R_NUM_CONST;
    }
    case K_STR: return R_STR;
    case K_ARR: *rc = refuse(n, "an array of text cannot be ordered in SQL"); return R_NUM;
    default: return R_NUM;
    }
}

/* SQL for a numeric operand under ToNumber (null is 0; NaN stays NULL). */
static const char *num_operand(comp *C, const sx *v)
{
    if (v->k == K_CONST)
        return param_number(C, v->c.u.n);
    if (v->nul == N_NULL || v->nul == N_FALSE)
        return fmt(C, "coalesce(%s, 0)", v->sql);
    return v->sql;
}

/* a < b (strict) or a <= b, JavaScript's way, for a variable side and a
 * constant. When the variable is null JavaScript compares 0 instead: that
 * case is decided now and added as "IS NULL" if it holds. */
static sx rel_var_const(comp *C, const sx *var, const char *var_sql, const crmi_value *c,
                        bool var_left, bool strict)
{
    const char *op = strict ? "<" : "<=";
    const char *p = const_sql(C, c);
    const char *cmp =
        var_left ? fmt(C, "%s %s %s", var_sql, op, p) : fmt(C, "%s %s %s", p, op, var_sql);
    if (var->nul != N_NULL)
        return expr_of(C, K_BOOL, N_FALSE, cmp);
    crmi_value null = crmi_null();
    int r = var_left ? crmi_js_less(strict ? &null : c, strict ? c : &null, &C->arena)
                     : crmi_js_less(strict ? c : &null, strict ? &null : c, &C->arena);
    bool null_case = strict ? r == 1 : r == 0;
    if (!null_case)
        return expr_of(C, K_BOOL, N_FALSE, cmp);
    return expr_of(C, K_BOOL, N_FALSE, fmt(C, "(%s IS NULL OR %s)", var_sql, cmp));
}

static int rel(comp *C, const crmi_node *n, sx a, sx b, bool strict, sx *out)
{
    int rc;
    rclass ca = rel_class(C, n, &a, &rc);
    if (rc)
        return rc;
    rclass cb_ = rel_class(C, n, &b, &rc);
    if (rc)
        return rc;
    if (a.k == K_CONST && b.k == K_CONST) {
        int r = strict ? crmi_js_less(&a.c, &b.c, &C->arena) : crmi_js_less(&b.c, &a.c, &C->arena);
        return done(out, bool_const(strict ? r == 1 : r == 0));
    }
    if (ca == R_STR || cb_ == R_STR) {
        const sx *s = ca == R_STR ? &a : &b, *o = ca == R_STR ? &b : &a;
        rclass co = ca == R_STR ? cb_ : ca;
        if (co == R_STR)
            return refuse(n, "ordering two text values differs between JavaScript (UTF-16) and "
                             "SQL, and null converts to a number");
        if (co != R_STR_CONST)
            return refuse(n, "comparing text with a number converts the text with "
                             "JavaScript's Number(), which SQL cannot do exactly");
        if (crmi_str_order_sensitive(o->c.u.s, o->c.len))
            return refuse(n, "text with characters at or above U+E000 orders differently in "
                             "UTF-16 (JavaScript) and UTF-8 (SQL)");
        return done(out, rel_var_const(C, s, s->sql, &o->c, ca == R_STR, strict));
    }
    if (ca == R_STR_CONST) /* against a number: the string becomes a number */
        a.c = num_of(&a.c, C), ca = R_NUM_CONST;
    if (cb_ == R_STR_CONST)
        b.c = num_of(&b.c, C), cb_ = R_NUM_CONST;
    const sx *k = a.k == K_CONST ? &a : b.k == K_CONST ? &b : NULL;
    if (k && isnan(k->c.u.n))
        return done(out, bool_const(false));
    if (k) {
        const sx *var = k == &a ? &b : &a;
        const char *vs = var->nul == N_FALSE ? num_operand(C, var) : var->sql;
        return done(out, rel_var_const(C, var, vs, &k->c, var == &a, strict));
    }
    const char *sa = num_operand(C, &a), *sb = num_operand(C, &b);
    return done(out, expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s %s %s", sa, strict ? "<" : "<=", sb)));
}

static sx and2(comp *C, sx x, sx y)
{
    if (x.k == K_CONST)
        return crmi_truthy(&x.c) ? y : x;
    if (y.k == K_CONST)
        return crmi_truthy(&y.c) ? x : y;
    return expr_of(C, K_BOOL, N_FALSE, fmt(C, "(%s AND %s)", x.sql, y.sql));
}

static int c_relational(comp *C, const crmi_node *n, sx *out)
{
    bool swap = n->op == CRMI_ROP_GT || n->op == CRMI_ROP_GE;
    bool strict = n->op == CRMI_ROP_LT || n->op == CRMI_ROP_GT;
    bool between = !swap && n->nargs >= 3;
    sx a, b, c = constant(crmi_undef()), r;
    int rc;
    if ((rc = arg_value(C, n, 0, &a)) || (rc = arg_value(C, n, 1, &b)) ||
        (between && (rc = arg_value(C, n, 2, &c))) || (rc = check_extra(C, n, swap ? 2 : 3)))
        return rc;
    if (c.k == K_CONST && c.c.type == CRMI_UNDEF)
        between = false;
    if ((rc = swap ? rel(C, n, b, a, strict, &r) : rel(C, n, a, b, strict, &r)))
        return rc;
    if (between) {
        sx r2;
        if ((rc = rel(C, n, b, c, strict, &r2)))
            return rc;
        r = and2(C, r, r2);
    }
    return done(out, r);
}

/* ------------------------------------------------------------- equality */

static bool is_nil(const crmi_value *c)
{
    return c->type == CRMI_NULL || c->type == CRMI_UNDEF;
}

/* x == c for a non-null x of kind k: an SQL condition, a constant, or a
 * refusal (NULL with *rc set). */
static sx loose_nonnull(comp *C, const crmi_node *n, const sx *x, crmi_value c, int *rc)
{
    if (is_nil(&c))
        return bool_const(false);
    switch (x->k) {
    case K_STR:
        c = crmi_to_primitive(&c, &C->arena);
        if (c.type != CRMI_STR) {
            *rc = refuse(n, "comparing text with a number or boolean converts the text with "
                            "JavaScript's Number(), which SQL cannot do exactly");
            return bool_const(false);
        }
        return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s = %s", x->sql, const_sql(C, &c)));
    case K_NUM:
    case K_BOOL: {
        crmi_value d = num_of(&c, C);
        if (isnan(d.u.n) || (x->k == K_BOOL && d.u.n != 0 && d.u.n != 1))
            return bool_const(false);
        return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s = %s", x->sql, const_sql(C, &d)));
    }
    default:
        if (c.type == CRMI_ARR || c.type == CRMI_OBJ) /* compared by reference */
            return bool_const(false);
        *rc = refuse(n, "comparing an array with a scalar joins it into text, which SQL "
                        "cannot do exactly");
        return bool_const(false);
    }
}

/* Adds the null case to a condition on a nullable variable. */
static sx with_null_case(comp *C, const sx *x, sx nonnull, bool null_case)
{
    if (x->nul != N_NULL || !null_case)
        return nonnull;
    if (nonnull.k == K_CONST)
        return crmi_truthy(&nonnull.c) ? bool_const(true)
                                       : expr_of(C, K_BOOL, N_NONE, fmt(C, "%s IS NULL", x->sql));
    return expr_of(C, K_BOOL, N_FALSE, fmt(C, "(%s IS NULL OR %s)", x->sql, nonnull.sql));
}

static bool numeric_kind(kind k)
{
    return k == K_NUM || k == K_BOOL;
}

/* x == y (loose) or x === y (strict) for two expressions. */
static int eq_vars(comp *C, const crmi_node *n, const sx *x, const sx *y, bool strict, sx *out)
{
    bool same = x->k == y->k || (!strict && numeric_kind(x->k) && numeric_kind(y->k));
    if (x->k == K_ARR || y->k == K_ARR)
        return refuse(n, "arrays compare by reference or as joined text; SQL has neither");
    if (!same && !strict)
        return refuse(n, "comparing text with a number or boolean converts the text with "
                         "JavaScript's Number(), which SQL cannot do exactly");
    if (!same) /* different types: equal only when both are null */
        return done(out, x->nul == N_NULL && y->nul == N_NULL
                             ? expr_of(C, K_BOOL, N_NONE,
                                       fmt(C, "(%s IS NULL AND %s IS NULL)", x->sql, y->sql))
                             : bool_const(false));
    bool nan = x->nul == N_NAN || y->nul == N_NAN;
    return done(out, expr_of(C, K_BOOL, nan ? N_FALSE : N_NONE,
                             fmt(C, nan ? "%s = %s" : "%s IS %s", x->sql, y->sql)));
}

static sx strict_nonnull(comp *C, const sx *x, const crmi_value *c)
{
    static const uint8_t js_type[] = {
        [K_NUM] = CRMI_NUM, [K_STR] = CRMI_STR, [K_BOOL] = CRMI_BOOL, [K_ARR] = CRMI_ARR};
    if (x->k == K_ARR || js_type[x->k] != c->type || (c->type == CRMI_NUM && isnan(c->u.n)))
        return bool_const(false);
    return expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s = %s", x->sql, const_sql(C, c)));
}

static int equality(comp *C, const crmi_node *n, sx a, sx b, bool strict, sx *out)
{
    a = normalize(C, a);
    b = normalize(C, b);
    if (a.k == K_CONST && b.k == K_CONST)
        return done(out, bool_const(strict ? crmi_strict_eq(&a.c, &b.c)
                                           : crmi_loose_eq(&a.c, &b.c, &C->arena)));
    if (a.k != K_CONST && b.k != K_CONST)
        return eq_vars(C, n, &a, &b, strict, out);
    const sx *x = a.k == K_CONST ? &b : &a;
    crmi_value c = a.k == K_CONST ? a.c : b.c;
    int rc = CRM_OK;
    sx nonnull = strict ? strict_nonnull(C, x, &c) : loose_nonnull(C, n, x, c, &rc);
    if (rc)
        return rc;
    bool null_case = strict ? c.type == CRMI_NULL : is_nil(&c);
    return done(out, with_null_case(C, x, nonnull, null_case));
}

static int c_equality(comp *C, const crmi_node *n, sx *out)
{
    sx a, b, r;
    int rc;
    if ((rc = arg_value(C, n, 0, &a)) || (rc = arg_value(C, n, 1, &b)) ||
        (rc = check_extra(C, n, 2)))
        return rc;
    bool strict = n->op == CRMI_ROP_SEQ || n->op == CRMI_ROP_SNE;
    if ((rc = equality(C, n, a, b, strict, &r)))
        return rc;
    bool negated = n->op == CRMI_ROP_NE || n->op == CRMI_ROP_SNE;
    return done(out, negated ? negate(C, r) : r);
}

/* ------------------------------------------------------------------- in */

static bool has_index_of(const crmi_value *o)
{
    for (uint32_t i = 0; i < o->u.o->n; i++)
        if (o->u.o->m[i].klen == 7 && memcmp(o->u.o->m[i].key, "indexOf", 7) == 0)
            return true;
    return false;
}

/* a in a constant list: strict equality with each element. */
static int in_const_list(comp *C, const crmi_node *n, const sx *x, const crmi_array *list, sx *out)
{
    static const uint8_t js_type[] = {
        [K_NUM] = CRMI_NUM, [K_STR] = CRMI_STR, [K_BOOL] = CRMI_BOOL, [K_ARR] = CRMI_ARR};
    crmi_buf b = {0};
    bool any = false, has_null = false;
    for (uint32_t i = 0; i < list->n; i++) {
        const crmi_value *e = &list->items[i];
        has_null |= e->type == CRMI_NULL;
        if (x->k == K_ARR || e->type != js_type[x->k] || (e->type == CRMI_NUM && isnan(e->u.n)))
            continue;
        const char *p = const_sql(C, e);
        crmi_buf_printf(&b, "%s%s", any ? ", " : "", p ? p : "");
        any = true;
    }
    char *items = crmi_buf_take(&b);
    if (!items)
        return nomem();
    sx r =
        any ? expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s IN (%s)", x->sql, items)) : bool_const(false);
    crm_free(items);
    (void)n;
    return done(out, with_null_case(C, x, r, has_null));
}

/* ToString of a constant, as String.prototype.indexOf converts its argument. */
static crmi_value const_string(comp *C, const crmi_value *c)
{
    crmi_value s;
    char tmp[32];
    if (!crmi_to_string_value(&s, c, &C->arena, tmp))
        return crmi_str("", 0);
    if (s.u.s == tmp)
        s.u.s = crmi_arena_strndup(&C->arena, tmp, s.len);
    return s;
}

/* a in b where b is a constant. */
static int in_const(comp *C, const crmi_node *n, const sx *x, const crmi_value *b, sx *out)
{
    if (crmi_js_falsy(b))
        return done(out, bool_const(false));
    if (b->type == CRMI_ARR)
        return in_const_list(C, n, x, b->u.a, out);
    if (b->type == CRMI_OBJ && has_index_of(b))
        return refuse(n, "the object's \"indexOf\" is not a function (TypeError)");
    if (b->type != CRMI_STR)
        return done(out, bool_const(false));
    if (x->k != K_STR)
        return refuse(n, "searching text for a number or boolean formats it the JavaScript "
                         "way, which SQL cannot do exactly");
    const char *p = param_text(C, b->u.s, b->len);
    sx r = expr_of(C, K_BOOL, N_FALSE, fmt(C, "instr(%s, %s) > 0", p, x->sql));
    bool null_case = false;
    for (uint32_t i = 0; i + 4 <= b->len && !null_case; i++)
        null_case = memcmp(b->u.s + i, "null", 4) == 0;
    return done(out, with_null_case(C, x, r, null_case));
}

/* a in b for two constants (the node reads data only in ignored arguments). */
static int const_in(comp *C, const crmi_node *n, const crmi_value *a, const crmi_value *b, sx *out)
{
    bool found = false;
    if (crmi_js_falsy(b))
        return done(out, bool_const(false));
    if (b->type == CRMI_OBJ && has_index_of(b))
        return refuse(n, "the object's \"indexOf\" is not a function (TypeError)");
    if (b->type == CRMI_ARR)
        for (uint32_t i = 0; i < b->u.a->n && !found; i++)
            found = crmi_strict_eq(a, &b->u.a->items[i]);
    if (b->type == CRMI_STR) {
        crmi_value s = const_string(C, a);
        for (uint32_t i = 0; i + s.len <= b->len && !found; i++)
            found = memcmp(b->u.s + i, s.u.s, s.len) == 0;
    }
    return done(out, bool_const(found));
}

/* a in b where b is text or an array of text from the data. */
static int in_expr(comp *C, const crmi_node *n, const sx *a, const sx *b, sx *out)
{
    if (b->k == K_NUM || b->k == K_BOOL) /* numbers and booleans have no indexOf */
        return done(out, bool_const(false));
    if (b->k == K_ARR) {
        if (a->k == K_CONST && a->c.type != CRMI_STR)
            return done(out, bool_const(false)); /* only strings are in it */
        if (a->k != K_CONST && a->k != K_STR)
            return done(out, bool_const(false));
        const char *needle = a->k == K_CONST ? param_text(C, a->c.u.s, a->c.len) : a->sql;
        return done(
            out,
            expr_of(C, K_BOOL, N_NONE,
                    fmt(C, "EXISTS (SELECT 1 FROM json_each(%s) AS crm_je WHERE crm_je.value = %s)",
                        b->sql, needle)));
    }
    if (a->k == K_CONST) {
        crmi_value s = const_string(C, &a->c);
        if (s.len == 0)
            return done(out, expr_of(C, K_BOOL, N_FALSE, fmt(C, "%s <> ''", b->sql)));
        return done(out, expr_of(C, K_BOOL, N_FALSE,
                                 fmt(C, "instr(%s, %s) > 0", b->sql, param_text(C, s.u.s, s.len))));
    }
    if (a->k != K_STR)
        return refuse(n, "searching text for a number or boolean formats it the JavaScript "
                         "way, which SQL cannot do exactly");
    const char *needle =
        a->nul == N_NULL ? fmt(C, "coalesce(%s, %s)", a->sql, param_text(C, "null", 4)) : a->sql;
    return done(out, expr_of(C, K_BOOL, N_FALSE,
                             fmt(C, "(%s <> '' AND instr(%s, %s) > 0)", b->sql, b->sql, needle)));
}

/* a in [e1, e2, ...] where the list holds expressions: a === e1 OR ...
 * (one flat OR: SQLite's parser has a small stack). */
static int in_array_node(comp *C, const crmi_node *n, const sx *a, const crmi_node *list, sx *out)
{
    crmi_buf b = {0};
    uint32_t terms = 0;
    for (uint32_t i = 0; i < list->nargs; i++) {
        sx e, eq;
        int rc = cv(C, list->args[i], &e);
        if (rc == CRM_OK)
            rc = equality(C, n, *a, e, true, &eq);
        if (rc || (eq.k == K_CONST && crmi_truthy(&eq.c))) {
            crmi_buf_free(&b);
            return rc ? rc : done(out, eq);
        }
        if (eq.k != K_CONST)
            crmi_buf_printf(&b, "%s%s", terms++ ? " OR " : "", eq.sql);
    }
    if (terms == 0) {
        crmi_buf_free(&b);
        return done(out, bool_const(false));
    }
    const char *sql;
    int rc = take_sql(C, &b, "(%s)", &sql);
    return rc ? rc : done(out, expr_of(C, K_BOOL, N_FALSE, sql));
}

static int c_in(comp *C, const crmi_node *n, sx *out)
{
    sx a, b;
    int rc;
    if ((rc = arg_value(C, n, 0, &a)) || (rc = check_extra(C, n, 2)))
        return rc;
    a = normalize(C, a);
    const crmi_node *bn = arg_node(n, 1);
    if (bn && bn->op == CRMI_ROP_ARRAY && bn->uses_data && !bn->has_log)
        return in_array_node(C, n, &a, bn, out);
    if ((rc = arg_value(C, n, 1, &b)))
        return rc;
    if (b.k == K_CONST && a.k == K_CONST)
        return const_in(C, n, &a.c, &b.c, out);
    if (b.k == K_CONST)
        return in_const(C, n, &a, &b.c, out);
    return in_expr(C, n, &a, &b, out);
}

/* -------------------------------------------------------- missing, _some */

/* The keys of missing(...): constants naming schema variables. */
static int missing_key_var(comp *C, const crmi_node *n, const crmi_value *key, const sx **out,
                           sx *slot)
{
    *out = NULL;
    if (key->type == CRMI_ARR || key->type == CRMI_OBJ)
        return refuse(n, "keys must be names");
    if (is_nil(key) || (key->type == CRMI_STR && key->len == 0))
        return CRM_OK; /* the whole data: never missing */
    crmi_value s = const_string(C, key);
    const crmi_schema_var *v = crmi_schema_find(C->schema, s.u.s, s.len);
    if (!v)
        return refuse(n, "variable \"%.60s\" is not in the SQL schema", s.u.s);
    *slot = expr_of(C, v->type == CRM_RULE_VAR_TEXT ? K_STR : K_NUM, N_NULL, v->sql);
    if (!slot->sql)
        return nomem();
    *out = slot;
    return CRM_OK;
}

/* Arguments [0, count) as constants into vals. */
static int const_args(comp *C, const crmi_node *n, uint32_t count, crmi_value *vals)
{
    for (uint32_t i = 0; i < count && i < n->nargs; i++) {
        sx v;
        int rc = cv(C, n->args[i], &v);
        if (rc)
            return rc;
        if (v.k != K_CONST)
            return refuse(n, "the keys must be constants");
        vals[i] = v.c;
    }
    return CRM_OK;
}

static void keys_of(const crmi_value *vals, uint32_t nvals, const crmi_value **keys, uint32_t *n)
{
    if (nvals > 0 && vals[0].type == CRMI_ARR) {
        *keys = vals[0].u.a->items;
        *n = vals[0].u.a->n;
    } else {
        *keys = vals;
        *n = nvals;
    }
}

/* Builds "present" terms (or "missing" ones) over the keys. */
static int key_terms(comp *C, const crmi_node *n, const crmi_value *keys, uint32_t nkeys,
                     bool present, crmi_buf *b, uint32_t *count)
{
    *count = 0;
    for (uint32_t i = 0; i < nkeys; i++) {
        sx slot;
        const sx *x;
        int rc = missing_key_var(C, n, &keys[i], &x, &slot);
        if (rc)
            return rc;
        const char *sep = *count ? (present ? " + " : " OR ") : "";
        if (!x)
            crmi_buf_printf(b, "%s%s", sep, present ? "1" : "0");
        else if (x->k == K_STR)
            crmi_buf_printf(b,
                            present ? "%s(%s IS NOT NULL AND %s <> '')" : "%s%s IS NULL OR %s = ''",
                            sep, x->sql, x->sql);
        else
            crmi_buf_printf(b, present ? "%s(%s IS NOT NULL)" : "%s%s IS NULL", sep, x->sql);
        (*count)++;
    }
    return CRM_OK;
}

static int c_missing(comp *C, const crmi_node *n, sx *out)
{
    crmi_value buf[64],
        *vals = n->nargs <= 64 ? buf : crmi_arena_alloc(&C->arena, n->nargs * sizeof *vals);
    if (!vals)
        return nomem();
    int rc = const_args(C, n, n->nargs, vals);
    if (rc)
        return rc;
    const crmi_value *keys;
    uint32_t nkeys, count;
    keys_of(vals, n->nargs, &keys, &nkeys);
    crmi_buf b = {0};
    if ((rc = key_terms(C, n, keys, nkeys, false, &b, &count))) {
        crmi_buf_free(&b);
        return rc;
    }
    if (count == 0) {
        crmi_buf_free(&b);
        return done(out, bool_const(false));
    }
    const char *sql;
    if ((rc = take_sql(C, &b, "(%s)", &sql)))
        return rc;
    return done(out, expr_of(C, K_BOOL, N_FALSE, sql));
}

/* missing_some [need, options] is truthy when fewer than `need` keys are
 * present and some key is missing: present < min(need - len + nkeys, nkeys). */
static int c_missing_some(comp *C, const crmi_node *n, sx *out)
{
    crmi_value v[2] = {crmi_undef(), crmi_undef()};
    int rc = const_args(C, n, 2, v);
    if (rc == CRM_OK)
        rc = check_extra(C, n, 2);
    if (rc)
        return rc;
    if (is_nil(&v[1]))
        return refuse(n, "the second argument must be a list of keys (TypeError)");
    const crmi_value *opts = v[1].type == CRMI_ARR ? v[1].u.a->items : &v[1], *keys;
    uint32_t nopts = v[1].type == CRMI_ARR ? v[1].u.a->n : 1, nkeys, count;
    keys_of(opts, nopts, &keys, &nkeys);
    double len = v[1].type == CRMI_ARR   ? v[1].u.a->n
                 : v[1].type == CRMI_STR ? (double)crmi_utf16_length(v[1].u.s, v[1].len)
                                         : NAN;
    crmi_value need_p = crmi_to_primitive(&v[0], &C->arena);
    double need = crmi_to_number(&need_p, &C->arena);
    double limit = (isnan(len) || isnan(need)) ? nkeys : fmin(need - len + nkeys, nkeys);
    crmi_buf b = {0};
    if ((rc = key_terms(C, n, keys, nkeys, true, &b, &count))) {
        crmi_buf_free(&b);
        return rc;
    }
    if (count == 0) {
        crmi_buf_free(&b);
        return done(out, bool_const(false));
    }
    const char *sum;
    if ((rc = take_sql(C, &b, "(%s)", &sum)))
        return rc;
    return done(out, expr_of(C, K_BOOL, N_NONE, fmt(C, "%s < %s", sum, param_number(C, limit))));
}

/* ------------------------------------------------------------ arithmetic */

/* parseFloat(v) as SQL: NULL (null, NaN) stays NULL, meaning NaN. */
static int pf_operand(comp *C, const crmi_node *n, const sx *v, const char **sql, bool *nan)
{
    *nan = false;
    switch (v->k) {
    case K_CONST: {
        double d = crmi_parse_float(&v->c, &C->arena);
        *nan = isnan(d);
        *sql = param_number(C, d);
        return CRM_OK;
    }
    case K_NUM: *sql = v->sql; return CRM_OK;
    case K_BOOL:
        *nan = true;
        *sql = "NULL";
        return CRM_OK; /* parseFloat(true) is NaN */
    default:
        return refuse(n, "arithmetic on text or arrays parses them the JavaScript way, "
                         "which SQL cannot do exactly");
    }
}

/* Number(v) as SQL: null and false are 0, NaN stays NULL. */
static int tn_operand(comp *C, const crmi_node *n, const sx *v, const char **sql, bool *nan)
{
    *nan = false;
    if (v->k == K_CONST) {
        crmi_value d = num_of(&v->c, C);
        *nan = isnan(d.u.n);
        *sql = param_number(C, d.u.n);
        return CRM_OK;
    }
    if (v->k != K_NUM && v->k != K_BOOL)
        return refuse(n, "arithmetic on text or arrays converts them with JavaScript's "
                         "Number(), which SQL cannot do exactly");
    *sql = num_operand(C, v);
    return CRM_OK;
}

static int nan_result(sx *out)
{
    return done(out, constant(crmi_num(NAN)));
}

static int c_add_mul(comp *C, const crmi_node *n, sx *out)
{
    bool add = n->op == CRMI_ROP_ADD;
    if (!add && n->nargs == 0)
        return refuse(n, "needs at least one argument (TypeError)");
    if (!add && n->nargs == 1) /* reduce with one element returns it as is */
        return cv(C, n->args[0], out);
    crmi_buf b = {0};
    crmi_buf_puts(&b, add ? "(0.0" : "((0.0 + ");
    bool any_nan = false;
    for (uint32_t i = 0; i < n->nargs; i++) {
        sx v;
        const char *s = NULL;
        bool nan;
        int rc = cv(C, n->args[i], &v);
        if (rc == CRM_OK)
            rc = pf_operand(C, n, &v, &s, &nan);
        if (rc) {
            crmi_buf_free(&b);
            return rc;
        }
        any_nan |= nan;
        crmi_buf_printf(&b, add ? " + %s" : i == 0 ? "%s)" : " * %s", s ? s : "");
    }
    crmi_buf_putc(&b, ')');
    if (any_nan) {
        crmi_buf_free(&b);
        return nan_result(out);
    }
    const char *sql;
    int rc = take_sql(C, &b, "%s", &sql);
    return rc ? rc : done(out, expr_of(C, K_NUM, N_NAN, sql));
}

static int c_sub_div(comp *C, const crmi_node *n, sx *out)
{
    sx a, b;
    int rc;
    if ((rc = arg_value(C, n, 0, &a)) || (rc = arg_value(C, n, 1, &b)) ||
        (rc = check_extra(C, n, 2)))
        return rc;
    const char *sa = NULL, *sb = NULL;
    bool nan_a, nan_b;
    if ((rc = tn_operand(C, n, &a, &sa, &nan_a)))
        return rc;
    bool unary = n->op == CRMI_ROP_SUB && b.k == K_CONST && b.c.type == CRMI_UNDEF;
    if (unary)
        return nan_a ? nan_result(out)
                     : done(out, expr_of(C, K_NUM, N_NAN, fmt(C, "(0.0 - %s)", sa)));
    if (n->op == CRMI_ROP_DIV && b.k != K_CONST)
        return refuse(n, "division by a value from the data can give Infinity or NaN where SQL "
                         "gives NULL; divide by a constant");
    if ((rc = tn_operand(C, n, &b, &sb, &nan_b)))
        return rc;
    if (nan_a || nan_b)
        return nan_result(out);
    if (n->op == CRMI_ROP_SUB)
        return done(out, expr_of(C, K_NUM, N_NAN, fmt(C, "(0.0 + %s - %s)", sa, sb)));
    double d = num_of(&b.c, C).u.n;
    if (d == 0 || isinf(d))
        return refuse(n, "division by zero or infinity has no SQL form");
    return done(out, expr_of(C, K_NUM, N_NAN, fmt(C, "((0.0 + %s) / %s)", sa, sb)));
}

static int c_mod(comp *C, const crmi_node *n, sx *out)
{
    sx a, b;
    int rc;
    if ((rc = arg_value(C, n, 0, &a)) || (rc = arg_value(C, n, 1, &b)) ||
        (rc = check_extra(C, n, 2)))
        return rc;
    double d = b.k == K_CONST ? num_of(&b.c, C).u.n : NAN;
    if (a.k != K_NUM || !a.integer || a.nul == N_NAN || b.k != K_CONST || d != trunc(d) || d == 0 ||
        fabs(d) > 9007199254740992.0)
        return refuse(n, "%% is compiled only for an integer variable and a non-zero whole "
                         "constant (SQL's %% truncates fractions)");
    return done(out,
                expr_of(C, K_NUM, N_NONE,
                        fmt(C, "(coalesce(%s, 0) %% %s)", a.sql, param_integer(C, (int64_t)d))));
}

static int c_min_max(comp *C, const crmi_node *n, sx *out)
{
    crmi_buf b = {0};
    bool any_nan = false;
    crmi_buf_puts(&b, n->nargs == 1 ? "(0.0 + " : n->op == CRMI_ROP_MIN ? "min(" : "max(");
    for (uint32_t i = 0; i < n->nargs; i++) {
        sx v;
        const char *s = NULL;
        bool nan;
        int rc = cv(C, n->args[i], &v);
        if (rc == CRM_OK)
            rc = tn_operand(C, n, &v, &s, &nan);
        if (rc) {
            crmi_buf_free(&b);
            return rc;
        }
        any_nan |= nan;
        crmi_buf_printf(&b, "%s%s", i ? ", " : "", s ? s : "");
    }
    crmi_buf_putc(&b, ')');
    if (any_nan) {
        crmi_buf_free(&b);
        return nan_result(out);
    }
    const char *sql;
    int rc = take_sql(C, &b, "%s", &sql);
    return rc ? rc : done(out, expr_of(C, K_NUM, N_NAN, sql));
}

/* ------------------------------------------------------------------- cat */

static int c_cat(comp *C, const crmi_node *n, sx *out)
{
    crmi_buf b = {0};
    uint32_t pieces = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        sx v;
        int rc = cv(C, n->args[i], &v);
        if (rc) {
            crmi_buf_free(&b);
            return rc;
        }
        v = normalize(C, v);
        const char *s = NULL;
        if (v.k == K_CONST && is_nil(&v.c))
            continue;
        if (v.k == K_CONST) {
            crmi_value t = const_string(C, &v.c);
            s = param_text(C, t.u.s, t.len);
        } else if (v.k == K_STR) {
            s = v.nul == N_NONE ? v.sql : fmt(C, "coalesce(%s, '')", v.sql);
        } else if (v.k == K_BOOL) {
            s = fmt(C, "(CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE '' END)", v.sql);
        } else {
            crmi_buf_free(&b);
            return refuse(n, "joining numbers or arrays formats them the JavaScript way, which "
                             "SQL cannot do exactly");
        }
        crmi_buf_printf(&b, "%s%s", pieces++ ? " || " : "", s ? s : "");
    }
    if (pieces == 0) {
        crmi_buf_free(&b);
        return done(out, constant(crmi_str("", 0)));
    }
    const char *sql;
    int rc = take_sql(C, &b, "(%s)", &sql);
    return rc ? rc : done(out, expr_of(C, K_STR, N_NONE, sql));
}

/* ------------------------------------------------------------- dispatch */

static int cv(comp *C, const crmi_node *n, sx *out)
{
    if (foldable(n))
        return fold(C, n, out);
    sx b;
    int rc;
    switch (n->op) {
    case CRMI_ROP_VAR: return c_var(C, n, out);
    case CRMI_ROP_IF: return value_if(C, n, out);
    case CRMI_ROP_AND:
    case CRMI_ROP_OR: return value_and_or(C, n, out);
    case CRMI_ROP_NOT:
    case CRMI_ROP_NOTNOT:
    case CRMI_ROP_EQ:
    case CRMI_ROP_NE:
    case CRMI_ROP_SEQ:
    case CRMI_ROP_SNE:
    case CRMI_ROP_LT:
    case CRMI_ROP_LE:
    case CRMI_ROP_GT:
    case CRMI_ROP_GE:
    case CRMI_ROP_IN:
        if ((rc = cb(C, n, &b)))
            return rc;
        return done(out, normalize(C, b));
    case CRMI_ROP_ADD:
    case CRMI_ROP_MUL: return c_add_mul(C, n, out);
    case CRMI_ROP_SUB:
    case CRMI_ROP_DIV: return c_sub_div(C, n, out);
    case CRMI_ROP_MOD: return c_mod(C, n, out);
    case CRMI_ROP_MIN:
    case CRMI_ROP_MAX: return c_min_max(C, n, out);
    case CRMI_ROP_CAT: return c_cat(C, n, out);
    case CRMI_ROP_MISSING:
    case CRMI_ROP_MISSING_SOME:
    case CRMI_ROP_ARRAY:
        return refuse(n, "its result is an array, which SQL has only as a condition");
    case CRMI_ROP_LOG: return refuse(n, "log calls the host program");
    default: return refuse(n, "no SQL form for this operator over data");
    }
}

/* A rough cost of evaluating a condition per row: a subquery costs most,
 * then each function call or nested expression; a bare column test least. */
static size_t sql_cost(const char *sql)
{
    size_t cost = 1;
    for (const char *p = sql; *p; p++)
        cost += *p == '(' ? 10 : 0;
    for (const char *p = sql; (p = strstr(p, "SELECT")); p += 6)
        cost += 1000;
    return cost;
}

/* Operands of AND/OR are written cheapest first: SQLite tests a row's
 * conditions in the order written and stops at the first that decides, so
 * "city = ? AND assets >= ? AND age ..." computes the age only for the
 * few rows the cheap tests let through. Both are commutative in SQL. */
static int bool_and_or(comp *C, const crmi_node *n, sx *out)
{
    bool is_or = n->op == CRMI_ROP_OR;
    const char **sql = crmi_calloc(n->nargs ? n->nargs : 1, sizeof *sql);
    if (!sql)
        return nomem();
    uint32_t terms = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        sx t;
        int rc = cb(C, n->args[i], &t);
        if (rc || (t.k == K_CONST && crmi_truthy(&t.c) == is_or)) { /* error, or decides all */
            crm_free(sql);
            return rc ? rc : done(out, t);
        }
        if (t.k != K_CONST)
            sql[terms++] = t.sql;
    }
    if (terms == 0) { /* every operand constant and not deciding: the last decides */
        crm_free(sql);
        return done(out, bool_const(is_or ? false : n->nargs > 0));
    }
    for (uint32_t i = 1; i < terms; i++) { /* stable insertion sort by cost */
        const char *t = sql[i];
        size_t cost = sql_cost(t);
        uint32_t j = i;
        for (; j > 0 && sql_cost(sql[j - 1]) > cost; j--)
            sql[j] = sql[j - 1];
        sql[j] = t;
    }
    crmi_buf b = {0};
    for (uint32_t i = 0; i < terms; i++)
        crmi_buf_printf(&b, "%s%s", i ? (is_or ? " OR " : " AND ") : "", sql[i]);
    crm_free(sql);
    const char *text;
    int rc = take_sql(C, &b, "(%s)", &text);
    return rc ? rc : done(out, expr_of(C, K_BOOL, N_FALSE, text));
}

static int bool_if(comp *C, const crmi_node *n, sx *out)
{
    crmi_buf b = {0};
    uint32_t whens = 0, i;
    sx result = bool_const(false);
    bool decided = false;
    for (i = 0; i + 1 < n->nargs && !decided; i += 2) {
        sx c, t;
        int rc = cb(C, n->args[i], &c);
        if (rc == CRM_OK && !(c.k == K_CONST && !crmi_truthy(&c.c)))
            rc = cb(C, n->args[i + 1], &t);
        if (rc) {
            crmi_buf_free(&b);
            return rc;
        }
        if (c.k == K_CONST && !crmi_truthy(&c.c))
            continue;
        if (c.k == K_CONST) { /* always taken */
            result = t;
            decided = true;
            break;
        }
        crmi_buf_printf(&b, " WHEN %s THEN %s", c.sql,
                        t.k == K_CONST ? (crmi_truthy(&t.c) ? "1" : "0") : t.sql);
        whens++;
    }
    if (!decided && n->nargs == i + 1) {
        int rc = cb(C, n->args[i], &result);
        if (rc) {
            crmi_buf_free(&b);
            return rc;
        }
    }
    if (whens == 0) {
        crmi_buf_free(&b);
        return done(out, result);
    }
    const char *e = result.k == K_CONST ? (crmi_truthy(&result.c) ? "1" : "0") : result.sql;
    crmi_buf_printf(&b, " ELSE %s END)", e);
    const char *sql;
    int rc = take_sql(C, &b, "(CASE%s", &sql);
    return rc ? rc : done(out, expr_of(C, K_BOOL, N_FALSE, sql));
}

static int cb(comp *C, const crmi_node *n, sx *out)
{
    if (foldable(n)) {
        sx v;
        int rc = fold(C, n, &v);
        return rc ? rc : done(out, bool_const(crmi_truthy(&v.c)));
    }
    sx v;
    int rc;
    switch (n->op) {
    case CRMI_ROP_AND:
    case CRMI_ROP_OR: return bool_and_or(C, n, out);
    case CRMI_ROP_IF: return bool_if(C, n, out);
    case CRMI_ROP_NOT:
    case CRMI_ROP_NOTNOT:
        if ((rc = n->nargs ? cb(C, n->args[0], &v) : CRM_OK) || (rc = check_extra(C, n, 1)))
            return rc;
        if (!n->nargs)
            v = bool_const(false);
        return done(out, n->op == CRMI_ROP_NOT ? negate(C, v) : v);
    case CRMI_ROP_EQ:
    case CRMI_ROP_NE:
    case CRMI_ROP_SEQ:
    case CRMI_ROP_SNE: return c_equality(C, n, out);
    case CRMI_ROP_LT:
    case CRMI_ROP_LE:
    case CRMI_ROP_GT:
    case CRMI_ROP_GE: return c_relational(C, n, out);
    case CRMI_ROP_IN: return c_in(C, n, out);
    case CRMI_ROP_MISSING: return c_missing(C, n, out);
    case CRMI_ROP_MISSING_SOME: return c_missing_some(C, n, out);
    case CRMI_ROP_ARRAY: /* a literal list is truthy when not empty */
        if ((rc = check_extra(C, n, 0)))
            return rc;
        return done(out, bool_const(n->nargs > 0));
    default:
        if ((rc = cv(C, n, &v)))
            return rc;
        return done(out, truth(C, v));
    }
}

/* ------------------------------------------------------------ public API */

static bool valid_prefix(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > 32 || (p[0] >= '0' && p[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static bool name_used(const char *sql, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(sql, name); p; p = strstr(p + 1, name)) {
        char next = p[len];
        bool word = (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
                    (next >= 'A' && next <= 'Z') || next == '_';
        if (!word)
            return true;
    }
    return false;
}

static void free_params(crmi_sql_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crm_free(params[i].name);
        crm_free(params[i].text);
    }
    crm_free(params);
}

/* Parameters of parts compiled and then dropped (decided by a constant) do
 * not appear in the SQL; leave them out so every parameter can be bound. */
static void drop_unused_params(comp *C, const char *sql)
{
    size_t k = 0;
    for (size_t i = 0; i < C->nparams; i++) {
        if (name_used(sql, C->params[i].name)) {
            C->params[k++] = C->params[i];
        } else {
            crm_free(C->params[i].name);
            crm_free(C->params[i].text);
        }
    }
    C->nparams = k;
}

/* SQLite's parser has a fixed stack (100 entries): about 30 levels of
 * operators in parentheses overflow it. Deeper rules stay with the
 * interpreter. */
#define MAX_SQL_NESTING 24

static int nesting(const char *sql)
{
    int depth = 0, max = 0;
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '(' && ++depth > max)
            max = depth;
        else if (!quoted && *p == ')')
            depth--;
    }
    return max;
}

static int finish(comp *C, const crmi_node *root, const sx *r, crm_rule_sql **out)
{
    const char *text = r->k == K_CONST ? (crmi_truthy(&r->c) ? "1" : "0") : r->sql;
    if (nesting(text) > MAX_SQL_NESTING)
        return refuse(root,
                      "the compiled condition nests parentheses %d deep, more than "
                      "SQLite's parser takes (%d)",
                      nesting(text), MAX_SQL_NESTING);
    crm_rule_sql *s = crmi_calloc(1, sizeof *s);
    char *copy = crmi_strdup(text);
    if (!s || !copy) {
        crm_free(s);
        crm_free(copy);
        return nomem();
    }
    drop_unused_params(C, copy);
    s->text = copy;
    s->params = C->params;
    s->nparams = C->nparams;
    C->params = NULL;
    C->nparams = 0;
    *out = s;
    return CRM_OK;
}

CRM_EXTERN(int)
crm_rule_to_sql(crm_rule_sql **out, const crm_rule *rule, const crm_rule_schema *schema,
                const char *param_prefix)
{
    crmi_error_clear(NULL);
    if (!out || !rule || !schema)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule sql: NULL argument");
    const char *prefix = param_prefix ? param_prefix : "p";
    if (!valid_prefix(prefix))
        return crmi_error_thread(CRM_E_INVALID_ARG,
                                 "rule sql: parameter prefix \"%.40s\" must "
                                 "be letters, digits and _",
                                 prefix);
    comp C = {.rule = rule, .schema = schema, .prefix = prefix};
    int rc = crm_rule_data_new(&C.fold);
    sx r;
    if (rc == CRM_OK)
        rc = cb(&C, rule->root, &r);
    if (rc == CRM_OK)
        rc = finish(&C, rule->root, &r, out);
    free_params(C.params, C.nparams);
    crm_rule_data_free(C.fold);
    crmi_arena_free(&C.arena);
    return rc;
}

CRM_EXTERN(void) crm_rule_sql_free(crm_rule_sql *sql)
{
    if (!sql)
        return;
    free_params(sql->params, sql->nparams);
    crm_free(sql->text);
    crm_free(sql);
}

CRM_EXTERN(const char *) crm_rule_sql_text(const crm_rule_sql *sql)
{
    return sql ? sql->text : NULL;
}

CRM_EXTERN(size_t) crm_rule_sql_param_count(const crm_rule_sql *sql)
{
    return sql ? sql->nparams : 0;
}

CRM_EXTERN(int)
crm_rule_sql_param(const crm_rule_sql *sql, size_t index, const char **out_name,
                   crm_rule_param_type *out_type, double *out_number, int64_t *out_integer,
                   const char **out_text)
{
    if (!sql || index >= sql->nparams)
        return crmi_error_thread(CRM_E_NOT_FOUND, "rule sql: no parameter %zu", index);
    const crmi_sql_param *p = &sql->params[index];
    if (out_name)
        *out_name = p->name;
    if (out_type)
        *out_type = p->type;
    if (p->type == CRM_RULE_PARAM_NUMBER && out_number)
        *out_number = p->number;
    if (p->type == CRM_RULE_PARAM_INTEGER && out_integer)
        *out_integer = p->integer;
    if (p->type == CRM_RULE_PARAM_TEXT && out_text)
        *out_text = p->text;
    return CRM_OK;
}

int crmi_rule_sql_bind(sqlite3_stmt *stmt, const crm_rule_sql *sql)
{
    for (size_t i = 0; i < sql->nparams; i++) {
        const crmi_sql_param *p = &sql->params[i];
        int idx = sqlite3_bind_parameter_index(stmt, p->name);
        if (idx == 0)
            return crmi_error_thread(CRM_E_INVALID_ARG,
                                     "rule sql: the statement has no "
                                     "parameter %s",
                                     p->name);
        int rc = p->type == CRM_RULE_PARAM_NUMBER ? sqlite3_bind_double(stmt, idx, p->number)
                 : p->type == CRM_RULE_PARAM_INTEGER
                     ? sqlite3_bind_int64(stmt, idx, p->integer)
                     : sqlite3_bind_text(stmt, idx, p->text, -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
            return crmi_sqlite_error(NULL, rc, "bind rule parameter");
    }
    return CRM_OK;
}
