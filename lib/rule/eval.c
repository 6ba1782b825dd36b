/* The interpreter: json-logic-js 2.0.5's apply(), operator by operator.
 * Values are passed by value and borrow their storage; whatever an
 * evaluation builds lives in the data handle's scratch arena, which is
 * reset (not freed) each time, so a warm evaluation does not allocate.
 * Recursion follows the rule tree, whose depth the parser bounded. */
#include "rule/rule_int.h"

#include <math.h>
#include <string.h>

typedef struct ev {
    const crm_rule *rule;
    crm_rule_data *data;
    crmi_arena *arena;
} ev;

static int eval(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out);

static int walk(ev *E, const crmi_value *scope, const crmi_path *p, const crmi_value *dflt,
                crmi_value *out);

/* Most arguments are literals or plain variables: take them directly. */
static inline int eval_arg(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    static const crmi_value null = {.type = CRMI_NULL};
    if (n->op == CRMI_ROP_LIT) {
        *out = n->lit;
        return CRM_OK;
    }
    if (n->op == CRMI_ROP_VAR && n->path && n->nargs == 1)
        return walk(E, scope, n->path, &null, out);
    return eval(E, n, scope, out);
}

static int fail(const crmi_node *n, const char *msg)
{
    return crmi_error_thread(CRM_E_INVALID_DATA, "rule: line %u, column %u: %s: %s", n->pos.line,
                             n->pos.col, crmi_rule_op_name((crmi_rule_op)n->op), msg);
}

/* An allocation in the scratch arena failed: the evaluation limit, or real
 * memory exhaustion. */
static int out_of_memory(const ev *E, const crmi_node *n)
{
    if (E->arena->over_limit)
        return fail(n, "evaluation needs more than 64 MiB of scratch memory");
    return crmi_error_thread(CRM_E_NOMEM, "rule: out of memory");
}

static int check_depth(const crmi_node *n, uint32_t depth)
{
    return depth > CRMI_MAX_VALUE_DEPTH ? fail(n, "result nested more than 512 levels deep")
                                        : CRM_OK;
}

static int array_value(ev *E, const crmi_node *n, crmi_array *a, crmi_value *out)
{
    uint32_t depth = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t d = crmi_value_depth(&a->items[i]);
        depth = d > depth ? d : depth;
    }
    a->depth = depth + 1;
    *out = (crmi_value){.type = CRMI_ARR, .u.a = a};
    (void)E;
    return check_depth(n, a->depth);
}

/* ------------------------------------------------------------- arguments */

#define STACK_ARGS 8

/* Evaluates every argument, left to right, as json-logic-js does before it
 * calls an operation. `*vals` points at `buf` or at arena memory. */
static int eval_args(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *buf,
                     crmi_value **vals)
{
    *vals = buf;
    if (n->nargs > STACK_ARGS) {
        *vals = crmi_arena_alloc(E->arena, n->nargs * sizeof **vals);
        if (!*vals)
            return out_of_memory(E, n);
    }
    for (uint32_t i = 0; i < n->nargs; i++) {
        int rc = eval_arg(E, n->args[i], scope, &(*vals)[i]);
        if (rc)
            return rc;
    }
    return CRM_OK;
}

static inline crmi_value arg(const crmi_value *vals, uint32_t nargs, uint32_t i)
{
    return i < nargs ? vals[i] : crmi_undef();
}

/* ------------------------------------------------------------------- var */

static const char replacement_char[] = "\xEF\xBF\xBD";

/* The UTF-16 code unit at `index` of a string, as a one-unit string; a
 * lone half of a surrogate pair becomes U+FFFD. */
static crmi_value string_unit(const crmi_value *s, int64_t index)
{
    int64_t unit = 0;
    for (uint32_t i = 0; i < s->len;) {
        unsigned char c = (unsigned char)s->u.s[i];
        uint32_t w = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        int64_t units = w == 4 ? 2 : 1;
        if (index < unit + units)
            return w == 4 ? crmi_str(replacement_char, 3) : crmi_str(s->u.s + i, w);
        unit += units;
        i += w;
    }
    return crmi_undef();
}

/* data[segment] for one step of a path; undefined when absent. */
static crmi_value property(const crmi_value *v, const crmi_seg *seg)
{
    static const char length[] = "length";
    bool is_length = seg->len == 6 && memcmp(seg->s, length, 6) == 0;
    switch (v->type) {
    case CRMI_OBJ:
        for (uint32_t i = 0; i < v->u.o->n; i++) {
            const crmi_member *m = &v->u.o->m[i];
            if (m->klen == seg->len && memcmp(m->key, seg->s, seg->len) == 0)
                return m->v;
        }
        return crmi_undef();
    case CRMI_ARR:
        if (seg->index >= 0 && seg->index < v->u.a->n)
            return v->u.a->items[seg->index];
        return is_length ? crmi_num(v->u.a->n) : crmi_undef();
    case CRMI_STR:
        if (seg->index >= 0)
            return string_unit(v, seg->index);
        return is_length ? crmi_num((double)crmi_utf16_length(v->u.s, v->len)) : crmi_undef();
    default: return crmi_undef();
    }
}

static int whole_data(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    if (scope) {
        *out = *scope;
        return CRM_OK;
    }
    int rc = crmi_data_whole(E->data, out);
    return rc ? out_of_memory(E, n) : CRM_OK;
}

/* Walks a dotted path from the scope (or the data handle at the root). */
static int walk(ev *E, const crmi_value *scope, const crmi_path *p, const crmi_value *dflt,
                crmi_value *out)
{
    crmi_value v;
    uint32_t i = 0;
    if (scope) {
        v = *scope;
    } else if (E->data->root_is_value) {
        v = E->data->root;
    } else {
        bool found;
        int rc = crmi_data_get(E->data, E->rule->id, p, &v, &found);
        if (rc)
            return rc;
        if (!found) {
            *out = *dflt;
            return CRM_OK;
        }
        i = 1;
    }
    for (; i < p->nseg; i++) {
        if (v.type == CRMI_NULL || v.type == CRMI_UNDEF) {
            *out = *dflt;
            return CRM_OK;
        }
        v = property(&v, &p->seg[i]);
        if (v.type == CRMI_UNDEF) {
            *out = *dflt;
            return CRM_OK;
        }
    }
    *out = v;
    return CRM_OK;
}

/* var with a key computed at run time (or taken from `missing`). */
static int lookup_key(ev *E, const crmi_node *n, const crmi_value *scope, const crmi_value *key,
                      const crmi_value *dflt, crmi_value *out)
{
    if (key->type == CRMI_UNDEF || key->type == CRMI_NULL ||
        (key->type == CRMI_STR && key->len == 0))
        return whole_data(E, n, scope, out);
    crmi_value s;
    char tmp[32];
    if (!crmi_to_string_value(&s, key, E->arena, tmp))
        return out_of_memory(E, n);
    const crmi_path *p = crmi_path_new(E->arena, s.u.s, s.len);
    if (!p)
        return out_of_memory(E, n);
    return walk(E, scope, p, dflt, out);
}

static int eval_var(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    crmi_value key = crmi_undef(), dflt = crmi_null();
    int rc;
    if (!n->path && !n->var_whole && n->nargs > 0 && (rc = eval(E, n->args[0], scope, &key)))
        return rc;
    if (n->nargs > 1) {
        crmi_value b;
        if ((rc = eval(E, n->args[1], scope, &b)))
            return rc;
        if (b.type != CRMI_UNDEF)
            dflt = b;
    }
    for (uint32_t i = 2; i < n->nargs; i++) { /* evaluated, unused, as in JS */
        crmi_value ignored;
        if ((rc = eval(E, n->args[i], scope, &ignored)))
            return rc;
    }
    if (n->path)
        return walk(E, scope, n->path, &dflt, out);
    if (n->var_whole)
        return whole_data(E, n, scope, out);
    return lookup_key(E, n, scope, &key, &dflt, out);
}

/* ------------------------------------------------------- missing, _some */

static bool one_key_object(const crmi_value *v)
{
    return v->type == CRMI_OBJ && v->u.o->n == 1;
}

/* json-logic-js looks a key up as apply({"var": key}), which evaluates a
 * key (or an item of a key list) that is an object with one key as an
 * operation. Data shaped like logic is not run here: refuse it (where the
 * key names no operator, json-logic-js throws too). */
static bool holds_logic(const crmi_value *v)
{
    if (one_key_object(v))
        return true;
    for (uint32_t i = 0; v->type == CRMI_ARR && i < v->u.a->n; i++)
        if (holds_logic(&v->u.a->items[i])) /* bounded by the value depth */
            return true;
    return false;
}

static int logic_shaped_key(const crmi_node *n, const crmi_value *k)
{
    return holds_logic(k) ? fail(n, "a key holding an object with one key would be evaluated "
                                    "as an operation (json-logic-js evaluates it, or throws)")
                          : CRM_OK;
}

static int missing_keys(ev *E, const crmi_node *n, const crmi_value *scope, const crmi_value *keys,
                        uint32_t nkeys, crmi_value *out)
{
    crmi_array *res = crmi_array_new(E->arena, nkeys);
    if (!res)
        return out_of_memory(E, n);
    uint32_t count = 0;
    for (uint32_t i = 0; i < nkeys; i++) {
        const crmi_value *k = &keys[i];
        crmi_value key = *k, dflt = crmi_null(), v;
        int rc = logic_shaped_key(n, k);
        if (rc)
            return rc;
        if (k->type == CRMI_ARR) { /* {"var": [name, default]} */
            key = k->u.a->n > 0 ? k->u.a->items[0] : crmi_undef();
            if (k->u.a->n > 1 && k->u.a->items[1].type != CRMI_UNDEF)
                dflt = k->u.a->items[1];
        }
        if ((rc = lookup_key(E, n, scope, &key, &dflt, &v)))
            return rc;
        if (v.type == CRMI_NULL || (v.type == CRMI_STR && v.len == 0))
            res->items[count++] = *k;
    }
    res->n = count;
    return array_value(E, n, res, out);
}

/* The keys of missing(...values): the first value when it is an array. */
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

static int op_missing_some(ev *E, const crmi_node *n, const crmi_value *scope,
                           const crmi_value *vals, crmi_value *out)
{
    crmi_value need = arg(vals, n->nargs, 0), options = arg(vals, n->nargs, 1);
    if (options.type == CRMI_UNDEF || options.type == CRMI_NULL)
        return fail(n, "the second argument must be a list of keys (JavaScript raises "
                       "TypeError reading its length)");
    const crmi_value *opts = options.type == CRMI_ARR ? options.u.a->items : &options;
    uint32_t nopts = options.type == CRMI_ARR ? options.u.a->n : 1;
    const crmi_value *keys;
    uint32_t nkeys;
    keys_of(opts, nopts, &keys, &nkeys);
    crmi_value missing;
    int rc = missing_keys(E, n, scope, keys, nkeys, &missing);
    if (rc)
        return rc;
    double len = options.type == CRMI_ARR   ? options.u.a->n
                 : options.type == CRMI_STR ? (double)crmi_utf16_length(options.u.s, options.len)
                                            : NAN;
    crmi_value present = crmi_num(len - missing.u.a->n);
    if (crmi_js_less(&present, &need, E->arena) == 0) { /* present >= need */
        crmi_array *empty = crmi_array_new(E->arena, 0);
        if (!empty)
            return out_of_memory(E, n);
        return array_value(E, n, empty, out);
    }
    *out = missing;
    return CRM_OK;
}

/* ---------------------------------------------------------- control flow */

static int eval_if(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    uint32_t i;
    for (i = 0; i + 1 < n->nargs; i += 2) {
        crmi_value c;
        int rc = eval(E, n->args[i], scope, &c);
        if (rc)
            return rc;
        if (crmi_truthy(&c))
            return eval(E, n->args[i + 1], scope, out);
    }
    if (n->nargs == i + 1)
        return eval(E, n->args[i], scope, out);
    *out = crmi_null();
    return CRM_OK;
}

/* and: the first falsy operand or the last; or: the first truthy one. */
static int eval_and_or(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    bool stop_on = n->op == CRMI_ROP_OR;
    *out = crmi_undef();
    for (uint32_t i = 0; i < n->nargs; i++) {
        int rc = eval(E, n->args[i], scope, out);
        if (rc)
            return rc;
        if (crmi_truthy(out) == stop_on)
            break;
    }
    return CRM_OK;
}

/* ------------------------------------------- map, filter, reduce, quants */

static int apply_logic(ev *E, const crmi_node *logic, const crmi_value *datum, crmi_value *out)
{
    if (!logic) {
        *out = crmi_undef();
        return CRM_OK;
    }
    return eval(E, logic, datum, out);
}

static int op_map_filter(ev *E, const crmi_node *n, const crmi_value *list, crmi_value *out)
{
    const crmi_node *logic = n->nargs > 1 ? n->args[1] : NULL;
    uint32_t count = list->type == CRMI_ARR ? list->u.a->n : 0;
    crmi_array *res = crmi_array_new(E->arena, count);
    if (!res)
        return out_of_memory(E, n);
    uint32_t k = 0;
    for (uint32_t i = 0; i < count; i++) {
        const crmi_value *item = &list->u.a->items[i];
        crmi_value r;
        int rc = apply_logic(E, logic, item, &r);
        if (rc)
            return rc;
        if (n->op == CRMI_ROP_MAP)
            res->items[k++] = r;
        else if (crmi_truthy(&r))
            res->items[k++] = *item;
    }
    res->n = k;
    return array_value(E, n, res, out);
}

static int op_reduce(ev *E, const crmi_node *n, const crmi_value *scope, const crmi_value *list,
                     crmi_value *out)
{
    crmi_value acc = crmi_null();
    if (n->nargs > 2) {
        int rc = eval(E, n->args[2], scope, &acc);
        if (rc)
            return rc;
    }
    const crmi_node *logic = n->nargs > 1 ? n->args[1] : NULL;
    for (uint32_t i = 0; list->type == CRMI_ARR && i < list->u.a->n; i++) {
        crmi_object *o = crmi_object_new(E->arena, 2);
        if (!o)
            return out_of_memory(E, n);
        o->m[0] = (crmi_member){"current", 7, list->u.a->items[i]};
        o->m[1] = (crmi_member){"accumulator", 11, acc};
        uint32_t d0 = crmi_value_depth(&o->m[0].v), d1 = crmi_value_depth(&acc);
        o->depth = (d0 > d1 ? d0 : d1) + 1;
        int rc = check_depth(n, o->depth);
        if (rc)
            return rc;
        crmi_value datum = {.type = CRMI_OBJ, .u.o = o};
        if ((rc = apply_logic(E, logic, &datum, &acc)))
            return rc;
    }
    *out = acc;
    return CRM_OK;
}

/* all: every element truthy (false for []); some: any; none: not any. */
static int op_quantifier(ev *E, const crmi_node *n, const crmi_value *list, crmi_value *out)
{
    const crmi_node *logic = n->nargs > 1 ? n->args[1] : NULL;
    bool empty = list->type != CRMI_ARR || list->u.a->n == 0;
    if (empty) {
        *out = crmi_bool(n->op == CRMI_ROP_NONE);
        return CRM_OK;
    }
    for (uint32_t i = 0; i < list->u.a->n; i++) {
        crmi_value r;
        int rc = apply_logic(E, logic, &list->u.a->items[i], &r);
        if (rc)
            return rc;
        bool t = crmi_truthy(&r);
        if (n->op == CRMI_ROP_ALL && !t) {
            *out = crmi_bool(false);
            return CRM_OK;
        }
        if (n->op != CRMI_ROP_ALL && t) {
            *out = crmi_bool(n->op == CRMI_ROP_SOME);
            return CRM_OK;
        }
    }
    *out = crmi_bool(n->op != CRMI_ROP_SOME);
    return CRM_OK;
}

static int eval_scoped(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    crmi_value list = crmi_undef();
    if (n->nargs > 0) {
        int rc = eval(E, n->args[0], scope, &list);
        if (rc)
            return rc;
    }
    switch (n->op) {
    case CRMI_ROP_MAP:
    case CRMI_ROP_FILTER: return op_map_filter(E, n, &list, out);
    case CRMI_ROP_REDUCE: return op_reduce(E, n, scope, &list, out);
    default: return op_quantifier(E, n, &list, out);
    }
}

/* ------------------------------------------------------------ arithmetic */

static int op_add(ev *E, const crmi_value *vals, uint32_t nargs, crmi_value *out)
{
    double acc = 0;
    for (uint32_t i = 0; i < nargs; i++) {
        crmi_value a = crmi_num(acc);
        acc = crmi_parse_float(&a, E->arena) + crmi_parse_float(&vals[i], E->arena);
    }
    *out = crmi_num(acc);
    return CRM_OK;
}

static int op_mul(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    if (n->nargs == 0)
        return fail(n, "needs at least one argument (JavaScript raises TypeError: reduce of "
                       "empty array with no initial value)");
    if (n->nargs == 1) { /* reduce without an initial value returns it untouched */
        *out = vals[0];
        return CRM_OK;
    }
    double acc = crmi_parse_float(&vals[0], E->arena);
    for (uint32_t i = 1; i < n->nargs; i++) {
        crmi_value a = crmi_num(acc);
        acc = crmi_parse_float(&a, E->arena) * crmi_parse_float(&vals[i], E->arena);
    }
    *out = crmi_num(acc);
    return CRM_OK;
}

static double num_arg(ev *E, const crmi_value *vals, uint32_t nargs, uint32_t i)
{
    crmi_value v = arg(vals, nargs, i);
    return crmi_to_number(&v, E->arena);
}

static void op_min_max(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    bool is_min = n->op == CRMI_ROP_MIN;
    double r = is_min ? INFINITY : -INFINITY;
    for (uint32_t i = 0; i < n->nargs; i++) {
        double v = crmi_to_number(&vals[i], E->arena);
        if (isnan(v)) {
            r = NAN;
            break;
        }
        bool better = is_min ? (v < r || (v == 0 && r == 0 && signbit(v)))
                             : (v > r || (v == 0 && r == 0 && !signbit(v)));
        if (better)
            r = v;
    }
    *out = crmi_num(r);
}

static void op_arith(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    uint32_t k = n->nargs;
    double a = num_arg(E, vals, k, 0);
    switch (n->op) {
    case CRMI_ROP_SUB:
        if (k < 2 || vals[1].type == CRMI_UNDEF)
            *out = crmi_num(-a);
        else
            *out = crmi_num(a - num_arg(E, vals, k, 1));
        break;
    case CRMI_ROP_DIV: *out = crmi_num(a / num_arg(E, vals, k, 1)); break;
    default: *out = crmi_num(fmod(a, num_arg(E, vals, k, 1))); break;
    }
}

/* --------------------------------------------------------------- strings */

static int op_cat(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    if (n->nargs == 1 && vals[0].type == CRMI_STR) {
        *out = vals[0];
        return CRM_OK;
    }
    crmi_sb sb = {.arena = E->arena};
    for (uint32_t i = 0; i < n->nargs; i++)
        if (vals[i].type != CRMI_NULL && vals[i].type != CRMI_UNDEF)
            crmi_to_string(&sb, &vals[i]);
    return crmi_sb_finish(&sb, out) ? CRM_OK : out_of_memory(E, n);
}

/* ToIntegerOrInfinity. */
static double to_integer(ev *E, const crmi_value *v)
{
    double d = crmi_to_number(v, E->arena);
    return isnan(d) ? 0 : trunc(d);
}

/* String.prototype.substr over UTF-16 code units. */
static int js_substr(ev *E, const crmi_node *n, const crmi_value *s, const crmi_value *start,
                     const crmi_value *length, crmi_value *out)
{
    double size = (double)crmi_utf16_length(s->u.s, s->len);
    double from = to_integer(E, start);
    from = from < 0 ? fmax(size + from, 0) : fmin(from, size);
    double count = length->type == CRMI_UNDEF ? size : to_integer(E, length);
    count = fmin(fmax(count, 0), size - from);
    crmi_sb sb = {.arena = E->arena};
    double unit = 0;
    for (uint32_t i = 0; i < s->len && count > 0;) {
        unsigned char c = (unsigned char)s->u.s[i];
        uint32_t w = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        double units = w == 4 ? 2 : 1;
        bool first_in = unit >= from && unit < from + count;
        bool last_in = unit + units - 1 >= from && unit + units - 1 < from + count;
        if (first_in && last_in)
            crmi_sb_append(&sb, s->u.s + i, w);
        else if (first_in || last_in) /* half a surrogate pair */
            crmi_sb_append(&sb, replacement_char, 3);
        unit += units;
        i += w;
    }
    return crmi_sb_finish(&sb, out) ? CRM_OK : out_of_memory(E, n);
}

static int op_substr(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    crmi_value source = arg(vals, n->nargs, 0), start = arg(vals, n->nargs, 1);
    crmi_value end = arg(vals, n->nargs, 2), zero = crmi_num(0), s;
    char tmp[32];
    if (!crmi_to_string_value(&s, &source, E->arena, tmp))
        return out_of_memory(E, n);
    if (crmi_js_less(&end, &zero, E->arena) != 1) {
        crmi_value len = end;
        return js_substr(E, n, &s, &start, &len, out);
    }
    /* json-logic-js: temp = substr(start); temp.substr(0, temp.length + end),
     * where + concatenates when `end` is (or converts to) a string */
    crmi_value temp, undef = crmi_undef(), len;
    int rc = js_substr(E, n, &s, &start, &undef, &temp);
    if (rc)
        return rc;
    double temp_len = (double)crmi_utf16_length(temp.u.s, temp.len);
    crmi_value e = crmi_to_primitive(&end, E->arena);
    if (e.type == CRMI_STR) {
        crmi_sb sb = {.arena = E->arena};
        crmi_value tl = crmi_num(temp_len);
        crmi_to_string(&sb, &tl);
        crmi_sb_append(&sb, e.u.s, e.len);
        if (!crmi_sb_finish(&sb, &len))
            return out_of_memory(E, n);
    } else {
        len = crmi_num(temp_len + crmi_to_number(&e, E->arena));
    }
    crmi_value start0 = crmi_num(0);
    return js_substr(E, n, &temp, &start0, &len, out);
}

static bool contains(const crmi_value *hay, const crmi_value *needle)
{
    if (needle->len == 0)
        return true;
    if (needle->len > hay->len)
        return false;
    for (uint32_t i = 0; i + needle->len <= hay->len; i++)
        if (hay->u.s[i] == needle->u.s[0] && memcmp(hay->u.s + i, needle->u.s, needle->len) == 0)
            return true;
    return false;
}

static int op_in(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    crmi_value a = arg(vals, n->nargs, 0), b = arg(vals, n->nargs, 1);
    *out = crmi_bool(false);
    if (crmi_js_falsy(&b))
        return CRM_OK;
    if (b.type == CRMI_STR) {
        crmi_value s;
        char tmp[32];
        if (!crmi_to_string_value(&s, &a, E->arena, tmp))
            return out_of_memory(E, n);
        *out = crmi_bool(contains(&b, &s));
    } else if (b.type == CRMI_ARR) {
        for (uint32_t i = 0; i < b.u.a->n && !out->b; i++)
            out->b = crmi_strict_eq(&a, &b.u.a->items[i]);
    } else if (b.type == CRMI_OBJ) {
        for (uint32_t i = 0; i < b.u.o->n; i++)
            if (b.u.o->m[i].klen == 7 && memcmp(b.u.o->m[i].key, "indexOf", 7) == 0)
                return fail(n, "the object's \"indexOf\" is not a function (TypeError)");
    }
    return CRM_OK;
}

static int op_merge(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n->nargs; i++)
        total += vals[i].type == CRMI_ARR ? vals[i].u.a->n : 1;
    if (total > UINT32_MAX / 2)
        return fail(n, "result too large");
    crmi_array *res = crmi_array_new(E->arena, (uint32_t)total);
    if (!res)
        return out_of_memory(E, n);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (vals[i].type == CRMI_ARR) {
            memcpy(res->items + k, vals[i].u.a->items, vals[i].u.a->n * sizeof(crmi_value));
            k += vals[i].u.a->n;
        } else {
            res->items[k++] = vals[i];
        }
    }
    return array_value(E, n, res, out);
}

static int op_log(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    *out = arg(vals, n->nargs, 0);
    if (!E->data->log)
        return CRM_OK;
    crmi_buf b = {0};
    crmi_json_write(&b, out);
    char *text = crmi_buf_take(&b);
    if (!text)
        return crmi_error_thread(CRM_E_NOMEM, "rule: out of memory");
    int rc = E->data->log(text, E->data->log_payload);
    crm_free(text);
    if (rc)
        return crmi_error_thread(rc < 0 && rc >= CRM_E_INTERNAL ? rc : CRM_E_STATE,
                                 "rule: line %u, column %u: the log callback stopped the "
                                 "evaluation",
                                 n->pos.line, n->pos.col);
    return CRM_OK;
}

/* ----------------------------------------------------------- comparisons */

/* <, <=, >, >= with JavaScript's abstract relational comparison; < and <=
 * also take the three-argument "between" form. */
static bool compare(ev *E, crmi_rule_op op, const crmi_value *a, const crmi_value *b)
{
    switch (op) {
    case CRMI_ROP_LT: return crmi_js_less(a, b, E->arena) == 1;
    case CRMI_ROP_GT: return crmi_js_less(b, a, E->arena) == 1;
    case CRMI_ROP_LE: return crmi_js_less(b, a, E->arena) == 0;
    default: return crmi_js_less(a, b, E->arena) == 0;
    }
}

static void op_compare(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    crmi_value a = arg(vals, n->nargs, 0), b = arg(vals, n->nargs, 1);
    crmi_value c = arg(vals, n->nargs, 2);
    bool r = compare(E, (crmi_rule_op)n->op, &a, &b);
    bool between = (n->op == CRMI_ROP_LT || n->op == CRMI_ROP_LE) && c.type != CRMI_UNDEF;
    if (between && r)
        r = compare(E, (crmi_rule_op)n->op, &b, &c);
    *out = crmi_bool(r);
}

static void op_equality(ev *E, const crmi_node *n, const crmi_value *vals, crmi_value *out)
{
    crmi_value a = arg(vals, n->nargs, 0), b = arg(vals, n->nargs, 1);
    bool r;
    switch (n->op) {
    case CRMI_ROP_EQ: r = crmi_loose_eq(&a, &b, E->arena); break;
    case CRMI_ROP_NE: r = !crmi_loose_eq(&a, &b, E->arena); break;
    case CRMI_ROP_SEQ: r = crmi_strict_eq(&a, &b); break;
    default: r = !crmi_strict_eq(&a, &b); break;
    }
    *out = crmi_bool(r);
}

/* --------------------------------------------------------------- dispatch */

static int eval_array(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    crmi_array *a = crmi_array_new(E->arena, n->nargs);
    if (!a)
        return out_of_memory(E, n);
    for (uint32_t i = 0; i < n->nargs; i++) {
        int rc = eval(E, n->args[i], scope, &a->items[i]);
        if (rc)
            return rc;
    }
    return array_value(E, n, a, out);
}

/* Operations that take their arguments evaluated. */
static int eval_eager(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    crmi_value buf[STACK_ARGS], *vals;
    int rc = eval_args(E, n, scope, buf, &vals);
    if (rc)
        return rc;
    switch (n->op) {
    case CRMI_ROP_EQ:
    case CRMI_ROP_NE:
    case CRMI_ROP_SEQ:
    case CRMI_ROP_SNE: op_equality(E, n, vals, out); break;
    case CRMI_ROP_LT:
    case CRMI_ROP_LE:
    case CRMI_ROP_GT:
    case CRMI_ROP_GE: op_compare(E, n, vals, out); break;
    case CRMI_ROP_NOT:
    case CRMI_ROP_NOTNOT: {
        crmi_value a = arg(vals, n->nargs, 0);
        *out = crmi_bool(crmi_truthy(&a) == (n->op == CRMI_ROP_NOTNOT));
        break;
    }
    case CRMI_ROP_MIN:
    case CRMI_ROP_MAX: op_min_max(E, n, vals, out); break;
    case CRMI_ROP_ADD: rc = op_add(E, vals, n->nargs, out); break;
    case CRMI_ROP_MUL: rc = op_mul(E, n, vals, out); break;
    case CRMI_ROP_SUB:
    case CRMI_ROP_DIV:
    case CRMI_ROP_MOD: op_arith(E, n, vals, out); break;
    case CRMI_ROP_MISSING: {
        const crmi_value *keys;
        uint32_t nkeys;
        keys_of(vals, n->nargs, &keys, &nkeys);
        rc = missing_keys(E, n, scope, keys, nkeys, out);
        break;
    }
    case CRMI_ROP_MISSING_SOME: rc = op_missing_some(E, n, scope, vals, out); break;
    case CRMI_ROP_IN: rc = op_in(E, n, vals, out); break;
    case CRMI_ROP_CAT: rc = op_cat(E, n, vals, out); break;
    case CRMI_ROP_SUBSTR: rc = op_substr(E, n, vals, out); break;
    case CRMI_ROP_MERGE: rc = op_merge(E, n, vals, out); break;
    case CRMI_ROP_LOG: rc = op_log(E, n, vals, out); break;
    default: rc = crmi_error_thread(CRM_E_INTERNAL, "rule: unexpected operator %d", n->op);
    }
    if (rc == CRM_OK && E->arena->failed) /* a conversion ran out of scratch */
        rc = out_of_memory(E, n);
    return rc;
}

/* The shapes eligibility rules are made of (a comparison of two operands,
 * a negation) without the general argument buffer. */
static int eval_binary(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    crmi_value v[2];
    int rc = eval_arg(E, n->args[0], scope, &v[0]);
    if (rc == CRM_OK)
        rc = eval_arg(E, n->args[1], scope, &v[1]);
    if (rc)
        return rc;
    switch (n->op) {
    case CRMI_ROP_EQ:
    case CRMI_ROP_NE:
    case CRMI_ROP_SEQ:
    case CRMI_ROP_SNE: op_equality(E, n, v, out); break;
    case CRMI_ROP_IN: rc = op_in(E, n, v, out); break;
    default: op_compare(E, n, v, out); break;
    }
    if (rc == CRM_OK && E->arena->failed)
        rc = out_of_memory(E, n);
    return rc;
}

static bool binary_shape(const crmi_node *n)
{
    return n->nargs == 2 && ((n->op >= CRMI_ROP_EQ && n->op <= CRMI_ROP_GE) || n->op == CRMI_ROP_IN);
}

static int eval(ev *E, const crmi_node *n, const crmi_value *scope, crmi_value *out)
{
    if (binary_shape(n))
        return eval_binary(E, n, scope, out);
    if ((n->op == CRMI_ROP_NOT || n->op == CRMI_ROP_NOTNOT) && n->nargs == 1) {
        int rc = eval_arg(E, n->args[0], scope, out);
        if (rc == CRM_OK)
            *out = crmi_bool(crmi_truthy(out) == (n->op == CRMI_ROP_NOTNOT));
        return rc;
    }
    switch (n->op) {
    case CRMI_ROP_LIT: *out = n->lit; return CRM_OK;
    case CRMI_ROP_VAR: return eval_var(E, n, scope, out);
    case CRMI_ROP_ARRAY: return eval_array(E, n, scope, out);
    case CRMI_ROP_IF: return eval_if(E, n, scope, out);
    case CRMI_ROP_AND:
    case CRMI_ROP_OR: return eval_and_or(E, n, scope, out);
    case CRMI_ROP_MAP:
    case CRMI_ROP_FILTER:
    case CRMI_ROP_REDUCE:
    case CRMI_ROP_ALL:
    case CRMI_ROP_NONE:
    case CRMI_ROP_SOME: return eval_scoped(E, n, scope, out);
    default: return eval_eager(E, n, scope, out);
    }
}

int crmi_eval(crmi_value *out, const crm_rule *rule, const crmi_node *node, crm_rule_data *data)
{
    crmi_arena_reset(&data->scratch);
    data->whole_built = false;
    ev E = {rule, data, &data->scratch};
    data->busy = true;
    int rc = eval(&E, node, NULL, out);
    data->busy = false;
    return rc;
}

/* ------------------------------------------------------------ public API */

static int check_eval_args(const void *out, const crm_rule *rule, const crm_rule_data *data)
{
    if (!out || !rule || !data)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule eval: NULL argument");
    if (data->busy)
        return crmi_error_thread(CRM_E_STATE, "rule eval: this data is in use by an evaluation "
                                              "(a callback may not evaluate with it)");
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_eval(int *out_truthy, const crm_rule *rule, crm_rule_data *data)
{
    int rc = check_eval_args(out_truthy, rule, data);
    if (rc)
        return rc;
    crmi_value v;
    if ((rc = crmi_eval(&v, rule, rule->root, data)))
        return rc;
    *out_truthy = crmi_truthy(&v);
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_eval_json(char **out, const crm_rule *rule, crm_rule_data *data)
{
    int rc = check_eval_args(out, rule, data);
    if (rc)
        return rc;
    crmi_value v;
    if ((rc = crmi_eval(&v, rule, rule->root, data)))
        return rc;
    crmi_buf b = {0};
    crmi_json_write(&b, &v);
    char *text = crmi_buf_take(&b);
    if (!text)
        return crmi_error_thread(CRM_E_NOMEM, "rule: out of memory");
    *out = text;
    return CRM_OK;
}
