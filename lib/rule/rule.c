/* Rules: the parsed document becomes a tree of operator nodes. Operators
 * are resolved here, so a misspelt one is an error with its position even
 * in a branch that never runs; variable names are split into paths once. */
#include "rule/rule_int.h"

#include <stdatomic.h>
#include <string.h>

/* Rule ids start at 1: 0 means "no rule" in a lookup cache. */
static atomic_uint_fast64_t last_rule_id;

static const struct {
    const char *name;
    crmi_rule_op op;
} op_table[] = {
    {"var", CRMI_ROP_VAR},
    {"missing", CRMI_ROP_MISSING},
    {"missing_some", CRMI_ROP_MISSING_SOME},
    {"if", CRMI_ROP_IF},
    {"?:", CRMI_ROP_IF},
    {"and", CRMI_ROP_AND},
    {"or", CRMI_ROP_OR},
    {"!", CRMI_ROP_NOT},
    {"!!", CRMI_ROP_NOTNOT},
    {"==", CRMI_ROP_EQ},
    {"!=", CRMI_ROP_NE},
    {"===", CRMI_ROP_SEQ},
    {"!==", CRMI_ROP_SNE},
    {"<", CRMI_ROP_LT},
    {"<=", CRMI_ROP_LE},
    {">", CRMI_ROP_GT},
    {">=", CRMI_ROP_GE},
    {"min", CRMI_ROP_MIN},
    {"max", CRMI_ROP_MAX},
    {"+", CRMI_ROP_ADD},
    {"-", CRMI_ROP_SUB},
    {"*", CRMI_ROP_MUL},
    {"/", CRMI_ROP_DIV},
    {"%", CRMI_ROP_MOD},
    {"map", CRMI_ROP_MAP},
    {"filter", CRMI_ROP_FILTER},
    {"reduce", CRMI_ROP_REDUCE},
    {"all", CRMI_ROP_ALL},
    {"none", CRMI_ROP_NONE},
    {"some", CRMI_ROP_SOME},
    {"merge", CRMI_ROP_MERGE},
    {"in", CRMI_ROP_IN},
    {"cat", CRMI_ROP_CAT},
    {"substr", CRMI_ROP_SUBSTR},
    {"log", CRMI_ROP_LOG},
};
#define N_OPS (sizeof op_table / sizeof op_table[0])

const char *crmi_rule_op_name(crmi_rule_op op)
{
    for (size_t i = 0; i < N_OPS; i++)
        if (op_table[i].op == op)
            return op_table[i].name;
    return op == CRMI_ROP_ARRAY ? "array" : "value";
}

static int find_op(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPS; i++)
        if (strlen(op_table[i].name) == len && memcmp(op_table[i].name, name, len) == 0)
            return (int)op_table[i].op;
    return -1;
}

/* Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment); only for suggesting a name after a typo. */
size_t crmi_edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
    if (an > 24 || bn > 24)
        return 99;
    size_t d[25][25];
    for (size_t i = 0; i <= an; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= bn; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= an; i++) {
        for (size_t j = 1; j <= bn; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[an][bn];
}

static bool same_letters(const char *a, size_t an, const char *b)
{
    if (an != strlen(b))
        return false;
    unsigned char count[256] = {0};
    for (size_t i = 0; i < an; i++) {
        count[(unsigned char)a[i]]++;
        count[(unsigned char)b[i]]--;
    }
    for (size_t i = 0; i < 256; i++)
        if (count[i])
            return false;
    return true;
}

/* The closest operator name; a transposition ("=<" for "<=") wins ties. */
static const char *suggest_op(const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < N_OPS; i++) {
        const char *cand = op_table[i].name;
        size_t d = crmi_edit_distance(name, len, cand, strlen(cand));
        if (d < best_d || (d == best_d && best && same_letters(name, len, cand) &&
                           !same_letters(name, len, best))) {
            best_d = d;
            best = cand;
        }
    }
    return best;
}

/* ----------------------------------------------------------------- paths */

uint32_t crmi_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int64_t array_index(const char *s, size_t n)
{
    if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < 4294967295 ? v : -1;
}

const crmi_path *crmi_path_new(crmi_arena *a, const char *name, size_t len)
{
    uint32_t nseg = 1;
    for (size_t i = 0; i < len; i++)
        nseg += name[i] == '.';
    crmi_path *p = crmi_arena_alloc(a, sizeof *p + nseg * sizeof(crmi_seg));
    char *full = crmi_arena_strndup(a, name, len);
    if (!p || !full)
        return NULL;
    p->full = full;
    p->full_len = (uint32_t)len;
    p->nseg = nseg;
    p->id = CRMI_PATH_NO_ID;
    size_t start = 0;
    for (uint32_t k = 0; k < nseg; k++) {
        size_t end = start;
        while (end < len && name[end] != '.')
            end++;
        char *s = crmi_arena_strndup(a, name + start, end - start);
        if (!s)
            return NULL;
        p->seg[k] = (crmi_seg){s, (uint32_t)(end - start), crmi_hash(s, end - start),
                               array_index(s, end - start)};
        start = end + 1;
    }
    return p;
}

/* --------------------------------------------------------------- building */

typedef struct builder {
    crm_rule *rule;
    size_t cap_vars;
} builder;

static int nomem(void)
{
    return crmi_error_thread(CRM_E_NOMEM, "rule: out of memory");
}

static int add_variable(builder *B, const crmi_path *p, crmi_pos pos)
{
    crm_rule *r = B->rule;
    for (size_t i = 0; i < r->nvars; i++)
        if (r->vars[i]->full_len == p->full_len && !memcmp(r->vars[i]->full, p->full, p->full_len))
            return CRM_OK;
    if (r->nvars == B->cap_vars) {
        size_t cap = B->cap_vars ? B->cap_vars * 2 : 8;
        const crmi_path **grown = crmi_realloc(r->vars, cap * sizeof *grown);
        if (!grown)
            return nomem();
        r->vars = grown;
        crmi_pos *grown_pos = crmi_realloc(r->var_pos, cap * sizeof *grown_pos);
        if (!grown_pos)
            return nomem();
        r->var_pos = grown_pos;
        B->cap_vars = cap;
    }
    r->var_pos[r->nvars] = pos;
    r->vars[r->nvars++] = p;
    return CRM_OK;
}

/* A variable name from a constant key: JavaScript's String(key). */
static int key_path(builder *B, const crmi_value *key, const crmi_path **out)
{
    crmi_value s;
    char tmp[32];
    if (!crmi_to_string_value(&s, key, &B->rule->arena, tmp))
        return nomem();
    *out = crmi_path_new(&B->rule->arena, s.u.s, s.len);
    return *out ? CRM_OK : nomem();
}

static bool is_whole_key(const crmi_value *k)
{
    return k->type == CRMI_UNDEF || k->type == CRMI_NULL || (k->type == CRMI_STR && k->len == 0);
}

static int prepare_var(builder *B, crmi_node *n, bool in_scope)
{
    crmi_value key = n->nargs ? n->args[0]->lit : crmi_undef();
    if (n->nargs && n->args[0]->op != CRMI_ROP_LIT) {
        B->rule->dynamic_vars |= !in_scope;
        return CRM_OK;
    }
    if (is_whole_key(&key)) {
        n->var_whole = true;
        return CRM_OK;
    }
    int rc = key_path(B, &key, &n->path);
    if (rc == CRM_OK)
        ((crmi_path *)n->path)->id = B->rule->npaths++;
    if (rc == CRM_OK && !in_scope)
        rc = add_variable(B, n->path, n->nargs ? n->args[0]->pos : n->pos);
    return rc;
}

static int note_key(builder *B, const crmi_value *k, crmi_pos pos)
{
    if (is_whole_key(k) || k->type == CRMI_ARR || k->type == CRMI_OBJ)
        return CRM_OK;
    const crmi_path *p;
    int rc = key_path(B, k, &p);
    return rc ? rc : add_variable(B, p, pos);
}

static int note_key_array(builder *B, const crmi_array *a, crmi_pos pos)
{
    int rc = CRM_OK;
    for (uint32_t i = 0; i < a->n && rc == CRM_OK; i++)
        rc = note_key(B, &a->items[i], a->pos ? a->pos[i] : pos);
    return rc;
}

/* Keys of missing / missing_some, when they are constants, are variables.
 * As in json-logic-js, a first argument that is an array holds the keys. */
static int note_missing_keys(builder *B, const crmi_node *n, bool in_scope)
{
    if (in_scope)
        return CRM_OK;
    uint32_t first = n->op == CRMI_ROP_MISSING_SOME ? 1 : 0;
    for (uint32_t i = first; i < n->nargs; i++)
        if (n->args[i]->op != CRMI_ROP_LIT) {
            B->rule->dynamic_vars = true;
            return CRM_OK;
        }
    if (n->op == CRMI_ROP_MISSING) {
        if (n->nargs && n->args[0]->lit.type == CRMI_ARR)
            return note_key_array(B, n->args[0]->lit.u.a, n->args[0]->pos);
        int rc = CRM_OK;
        for (uint32_t i = 0; i < n->nargs && rc == CRM_OK; i++)
            rc = note_key(B, &n->args[i]->lit, n->args[i]->pos);
        return rc;
    }
    if (n->nargs < 2)
        return CRM_OK;
    const crmi_value *opt = &n->args[1]->lit;
    crmi_pos pos = n->args[1]->pos;
    if (opt->type != CRMI_ARR)
        return note_key(B, opt, pos);
    if (opt->u.a->n && opt->u.a->items[0].type == CRMI_ARR)
        return note_key_array(B, opt->u.a->items[0].u.a, pos);
    return note_key_array(B, opt->u.a, pos);
}

static bool is_scoped(crmi_rule_op op)
{
    return op == CRMI_ROP_MAP || op == CRMI_ROP_FILTER || op == CRMI_ROP_REDUCE || op == CRMI_ROP_ALL ||
           op == CRMI_ROP_NONE || op == CRMI_ROP_SOME;
}

static crmi_node *node_new(builder *B, crmi_rule_op op, uint32_t nargs, crmi_pos pos)
{
    crmi_node *n = crmi_arena_alloc(&B->rule->arena, sizeof *n);
    crmi_node **args = crmi_arena_alloc(&B->rule->arena, (nargs ? nargs : 1) * sizeof *args);
    if (!n || !args)
        return NULL;
    *n = (crmi_node){.op = (uint8_t)op, .nargs = nargs, .pos = pos, .args = args};
    return n;
}

static int build(builder *B, const crmi_value *v, crmi_pos pos, bool in_scope, crmi_node **out);

static void absorb_flags(crmi_node *n, const crmi_node *arg)
{
    n->uses_data |= arg->uses_data;
    n->has_log |= arg->has_log;
}

static int build_array(builder *B, const crmi_value *v, crmi_pos pos, bool in_scope,
                       crmi_node **out)
{
    const crmi_array *a = v->u.a;
    crmi_node *n = node_new(B, CRMI_ROP_ARRAY, a->n, pos);
    if (!n)
        return nomem();
    bool all_literal = true;
    for (uint32_t i = 0; i < a->n; i++) {
        int rc = build(B, &a->items[i], a->pos ? a->pos[i] : pos, in_scope, &n->args[i]);
        if (rc)
            return rc;
        absorb_flags(n, n->args[i]);
        all_literal &= n->args[i]->op == CRMI_ROP_LIT;
    }
    if (all_literal) {
        n->op = CRMI_ROP_LIT;
        n->nargs = 0;
        n->lit = *v;
    }
    *out = n;
    return CRM_OK;
}

static int unknown_operator(const crmi_member *m, crmi_pos kpos)
{
    const char *hint = suggest_op(m->key, m->klen);
    return crmi_error_thread(CRM_E_INVALID_DATA,
                             "rule: line %u, column %u: unknown operator \"%.40s\"%s%s%s "
                             "(expected an operator of docs/RULES.md, or an object with other "
                             "than one key as a literal)",
                             kpos.line, kpos.col, m->key, hint ? " (did you mean \"" : "",
                             hint ? hint : "", hint ? "\"?)" : "");
}

static int build_operation(builder *B, const crmi_object *o, bool in_scope, crmi_node **out)
{
    const crmi_member *m = &o->m[0];
    crmi_pos kpos = o->pos ? o->pos[0] : (crmi_pos){0, 0};
    crmi_pos vpos = o->pos ? o->pos[1] : kpos;
    int op = find_op(m->key, m->klen);
    if (op < 0)
        return unknown_operator(m, kpos);
    /* {"op": x} is shorthand for {"op": [x]} */
    bool listed = m->v.type == CRMI_ARR;
    uint32_t nargs = listed ? m->v.u.a->n : 1;
    crmi_node *n = node_new(B, (crmi_rule_op)op, nargs, kpos);
    if (!n)
        return nomem();
    for (uint32_t i = 0; i < nargs; i++) {
        const crmi_value *arg = listed ? &m->v.u.a->items[i] : &m->v;
        crmi_pos apos = listed && m->v.u.a->pos ? m->v.u.a->pos[i] : vpos;
        bool scoped_arg = is_scoped((crmi_rule_op)op) && i == 1;
        int rc = build(B, arg, apos, in_scope || scoped_arg, &n->args[i]);
        if (rc)
            return rc;
        absorb_flags(n, n->args[i]);
    }
    n->has_log |= op == CRMI_ROP_LOG;
    bool reads_data = op == CRMI_ROP_VAR || op == CRMI_ROP_MISSING || op == CRMI_ROP_MISSING_SOME;
    n->uses_data |= reads_data && !in_scope;
    int rc = CRM_OK;
    if (op == CRMI_ROP_VAR)
        rc = prepare_var(B, n, in_scope);
    else if (op == CRMI_ROP_MISSING || op == CRMI_ROP_MISSING_SOME)
        rc = note_missing_keys(B, n, in_scope);
    *out = n;
    return rc;
}

/* Recursion here follows the document, whose depth the loader bounded. */
static int build(builder *B, const crmi_value *v, crmi_pos pos, bool in_scope, crmi_node **out)
{
    if (v->type == CRMI_ARR)
        return build_array(B, v, pos, in_scope, out);
    if (v->type == CRMI_OBJ && v->u.o->n == 1)
        return build_operation(B, v->u.o, in_scope, out);
    crmi_node *n = node_new(B, CRMI_ROP_LIT, 0, pos);
    if (!n)
        return nomem();
    n->lit = *v;
    *out = n;
    return CRM_OK;
}

int crmi_rule_build(crm_rule *rule, const crmi_value *doc, const crmi_pos *doc_pos)
{
    builder B = {.rule = rule};
    return build(&B, doc, *doc_pos, false, &rule->root);
}

/* ------------------------------------------------------------ public API */

static const crmi_load_limits rule_limits = {CRM_RULE_MAX_DEPTH, CRM_RULE_MAX_NODES,
                                             CRM_RULE_MAX_STRING};

CRM_EXTERN(int) crm_rule_parse(crm_rule **out, const char *text, size_t len)
{
    crmi_error_clear(NULL);
    if (!out || (!text && len))
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule: NULL argument");
    crm_rule *rule = crmi_calloc(1, sizeof *rule);
    if (!rule)
        return nomem();
    rule->id = atomic_fetch_add(&last_rule_id, 1) + 1;
    crmi_pos pos;
    int rc =
        crmi_load(&rule->source, &pos, &rule->arena, text ? text : "", len, &rule_limits, "rule");
    if (rc == CRM_OK)
        rc = crmi_rule_build(rule, &rule->source, &pos);
    if (rc) {
        crm_rule_free(rule);
        return rc;
    }
    *out = rule;
    return CRM_OK;
}

CRM_EXTERN(void) crm_rule_free(crm_rule *rule)
{
    if (!rule)
        return;
    crm_free(rule->vars);
    crm_free(rule->var_pos);
    crmi_arena_free(&rule->arena);
    crm_free(rule);
}

CRM_EXTERN(size_t) crm_rule_variable_count(const crm_rule *rule)
{
    return rule ? rule->nvars : 0;
}

CRM_EXTERN(const char *) crm_rule_variable(const crm_rule *rule, size_t index)
{
    return rule && index < rule->nvars ? rule->vars[index]->full : NULL;
}

CRM_EXTERN(int) crm_rule_has_dynamic_variables(const crm_rule *rule)
{
    return rule && rule->dynamic_vars;
}

/* ------------------------------------------------------------ formatting */

#define FORMAT_WIDTH 80

/* Length of v in the spaced one-line style, or more than `budget` once it
 * is clearly too long. */
static size_t flat_len(const crmi_value *v, size_t budget)
{
    char tmp[32];
    switch (v->type) {
    case CRMI_NUM: return crmi_num_format(tmp, v->u.n);
    case CRMI_STR: return v->len + 2;
    case CRMI_BOOL: return v->b ? 4 : 5;
    case CRMI_ARR: {
        size_t len = 2;
        for (uint32_t i = 0; i < v->u.a->n && len <= budget; i++)
            len += (i ? 2 : 0) + flat_len(&v->u.a->items[i], budget - len);
        return len;
    }
    case CRMI_OBJ: {
        size_t len = 2;
        for (uint32_t i = 0; i < v->u.o->n && len <= budget; i++)
            len += (i ? 2 : 0) + v->u.o->m[i].klen + 4 + flat_len(&v->u.o->m[i].v, budget - len);
        return len;
    }
    default: return 4;
    }
}

static void write_flat(crmi_buf *b, const crmi_value *v)
{
    if (v->type == CRMI_ARR) {
        crmi_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->u.a->n; i++) {
            if (i)
                crmi_buf_puts(b, ", ");
            write_flat(b, &v->u.a->items[i]);
        }
        crmi_buf_putc(b, ']');
    } else if (v->type == CRMI_OBJ) {
        crmi_buf_putc(b, '{');
        for (uint32_t i = 0; i < v->u.o->n; i++) {
            if (i)
                crmi_buf_puts(b, ", ");
            crmi_json_string(b, v->u.o->m[i].key, v->u.o->m[i].klen);
            crmi_buf_puts(b, ": ");
            write_flat(b, &v->u.o->m[i].v);
        }
        crmi_buf_putc(b, '}');
    } else {
        crmi_json_write(b, v);
    }
}

static void newline(crmi_buf *b, size_t indent)
{
    crmi_buf_putc(b, '\n');
    for (size_t i = 0; i < indent; i++)
        crmi_buf_putc(b, ' ');
}

/* Parts that fit the line stay on one line; others open up, one item per
 * line. The depth is the document's, which the loader bounded. */
static void write_pretty(crmi_buf *b, const crmi_value *v, size_t indent, size_t col)
{
    size_t room = FORMAT_WIDTH > col ? FORMAT_WIDTH - col : 0;
    if ((v->type != CRMI_ARR && v->type != CRMI_OBJ) || flat_len(v, room) <= room) {
        write_flat(b, v);
        return;
    }
    bool arr = v->type == CRMI_ARR;
    uint32_t n = arr ? v->u.a->n : v->u.o->n;
    crmi_buf_putc(b, arr ? '[' : '{');
    for (uint32_t i = 0; i < n; i++) {
        newline(b, indent + 2);
        size_t c = indent + 2;
        if (!arr) {
            const crmi_member *m = &v->u.o->m[i];
            crmi_json_string(b, m->key, m->klen);
            crmi_buf_puts(b, ": ");
            c += m->klen + 4;
        }
        write_pretty(b, arr ? &v->u.a->items[i] : &v->u.o->m[i].v, indent + 2, c);
        if (i + 1 < n)
            crmi_buf_putc(b, ',');
    }
    newline(b, indent);
    crmi_buf_putc(b, arr ? ']' : '}');
}

CRM_EXTERN(int) crm_rule_format(char **out, const crm_rule *rule, crm_rule_format_style style)
{
    crmi_error_clear(NULL);
    if (!out || !rule || (style != CRM_RULE_FORMAT_PRETTY && style != CRM_RULE_FORMAT_COMPACT))
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule format: NULL argument or unknown style");
    crmi_buf b = {0};
    if (style == CRM_RULE_FORMAT_COMPACT)
        crmi_json_write(&b, &rule->source);
    else
        write_pretty(&b, &rule->source, 0, 0);
    char *text = crmi_buf_take(&b);
    if (!text)
        return nomem();
    *out = text;
    return CRM_OK;
}
