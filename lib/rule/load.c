/* Reads one JSON or YAML document with libyaml into a value tree. libyaml
 * produces events; containers being filled sit on an explicit stack, so no
 * input can drive recursion. Depth, value count and string length are
 * bounded before anything is built past them. */
#include "rule/rule_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct item {
    crmi_value v;
    crmi_pos pos;
    const char *key; /* members of a mapping */
    uint32_t klen;
    crmi_pos kpos;
} item;

typedef struct frame {
    bool is_map;
    crmi_pos pos;
    size_t first;  /* its items start here on the item stack */
    bool have_key; /* a mapping holds a key waiting for its value */
    const char *key;
    uint32_t klen;
    crmi_pos kpos;
} frame;

typedef struct loader {
    crmi_arena *arena;
    const crmi_load_limits *lim;
    const char *what; /* "rule" or "data", for messages */
    item *items;
    size_t n_items, cap_items;
    frame *frames;
    size_t depth, cap_frames;
    uint32_t nodes;
    bool done; /* the document's root value is complete */
    crmi_value root;
    crmi_pos root_pos;
} loader;

static crmi_pos mark_pos(yaml_mark_t m)
{
    return (crmi_pos){(uint32_t)m.line + 1, (uint32_t)m.column + 1};
}

static int fail_at(const loader *L, crmi_pos p, const char *msg)
{
    return crmi_error_thread(CRM_E_INVALID_DATA, "%s: line %u, column %u: %s", L->what, p.line,
                             p.col, msg);
}

static int nomem(const loader *L)
{
    return crmi_error_thread(CRM_E_NOMEM, "%s: out of memory while parsing", L->what);
}

/* ------------------------------------------------------------- scalars */

static bool is_null_word(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '~') ||
           (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static int bool_word(const char *s, size_t n)
{
    if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4)))
        return 1;
    if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5)))
        return 0;
    return -1;
}

#define YAML_CORE "tag:yaml.org,2002:"

/* Resolves a scalar by the YAML 1.2 core schema: only plain (unquoted)
 * scalars can be null, booleans or numbers, unless an explicit core tag
 * says otherwise. */
static int scalar_value(loader *L, const yaml_event_t *ev, crmi_value *out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    crmi_pos p = mark_pos(ev->start_mark);
    if (n > L->lim->max_string) {
        char msg[160];
        snprintf(msg, sizeof msg, "string of %zu bytes is longer than the limit of %zu bytes", n,
                 L->lim->max_string);
        return fail_at(L, p, msg);
    }
    if (memchr(s, '\0', n))
        return fail_at(L, p, "strings may not contain the character U+0000");
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    const char *kind = NULL; /* what a tag demands: "str", "int", ... */
    if (tag && strcmp(tag, "!") != 0) {
        if (strncmp(tag, YAML_CORE, strlen(YAML_CORE)) != 0)
            return fail_at(L, p,
                           "unsupported tag: expected one of !!str, !!int, !!float, "
                           "!!bool, !!null");
        kind = tag + strlen(YAML_CORE);
    } else if (!plain || (tag && strcmp(tag, "!") == 0)) {
        kind = "str";
    }
    if (kind && strcmp(kind, "str") == 0) {
        char *copy = crmi_arena_strndup(L->arena, s, n);
        if (!copy)
            return nomem(L);
        *out = crmi_str(copy, n);
        return CRM_OK;
    }
    if ((!kind || !strcmp(kind, "null")) && is_null_word(s, n)) {
        *out = crmi_null();
        return CRM_OK;
    }
    int b = bool_word(s, n);
    if ((!kind || !strcmp(kind, "bool")) && b >= 0) {
        *out = crmi_bool(b);
        return CRM_OK;
    }
    double d;
    if ((!kind || !strcmp(kind, "int") || !strcmp(kind, "float")) && crmi_scalar_number(s, n, &d)) {
        *out = crmi_num(d);
        return CRM_OK;
    }
    if (kind)
        return fail_at(L, p, "the value does not match its tag");
    char *copy = crmi_arena_strndup(L->arena, s, n);
    if (!copy)
        return nomem(L);
    *out = crmi_str(copy, n);
    return CRM_OK;
}

/* ------------------------------------------------------------ containers */

static int push_item(loader *L, const item *it)
{
    if (L->n_items == L->cap_items) {
        size_t cap = L->cap_items ? L->cap_items * 2 : 64;
        item *grown = crmi_realloc(L->items, cap * sizeof *grown);
        if (!grown)
            return nomem(L);
        L->items = grown;
        L->cap_items = cap;
    }
    L->items[L->n_items++] = *it;
    return CRM_OK;
}

/* Hands a finished value to the container on top of the stack (or makes
 * it the document's root). In a mapping a scalar may be a key instead. */
static int deliver(loader *L, crmi_value v, crmi_pos pos)
{
    if (L->depth == 0) {
        L->root = v;
        L->root_pos = pos;
        L->done = true;
        return CRM_OK;
    }
    frame *f = &L->frames[L->depth - 1];
    item it = {.v = v, .pos = pos};
    if (f->is_map) {
        if (!f->have_key) {
            /* JSON keys are strings; so must YAML's be, to mean the same */
            if (v.type != CRMI_STR)
                return fail_at(L, pos, "expected a string as mapping key (quote it)");
            f->have_key = true;
            f->kpos = pos;
            f->key = v.u.s;
            f->klen = v.len;
            return CRM_OK;
        }
        f->have_key = false;
        it.key = f->key;
        it.klen = f->klen;
        it.kpos = f->kpos;
    }
    return push_item(L, &it);
}

static int open_container(loader *L, bool is_map, crmi_pos pos)
{
    if (L->depth >= L->lim->max_depth) {
        char msg[96];
        snprintf(msg, sizeof msg, "nesting deeper than %u levels", L->lim->max_depth);
        return fail_at(L, pos, msg);
    }
    if (L->depth == L->cap_frames) {
        size_t cap = L->cap_frames ? L->cap_frames * 2 : 16;
        frame *grown = crmi_realloc(L->frames, cap * sizeof *grown);
        if (!grown)
            return nomem(L);
        L->frames = grown;
        L->cap_frames = cap;
    }
    L->frames[L->depth++] = (frame){.is_map = is_map, .pos = pos, .first = L->n_items};
    return CRM_OK;
}

static int cmp_key_ptr(const void *a, const void *b)
{
    const item *x = *(item *const *)a, *y = *(item *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int check_duplicates(loader *L, item *its, size_t n)
{
    if (n < 2)
        return CRM_OK;
    item **sorted = crmi_malloc(n * sizeof *sorted);
    if (!sorted)
        return nomem(L);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &its[i];
    qsort(sorted, n, sizeof *sorted, cmp_key_ptr);
    const item *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (cmp_key_ptr(&sorted[i - 1], &sorted[i]) == 0)
            dup = sorted[i - 1] > sorted[i] ? sorted[i - 1] : sorted[i];
    crm_free(sorted);
    if (!dup)
        return CRM_OK;
    char msg[128];
    snprintf(msg, sizeof msg, "duplicate key \"%.60s\"", dup->key);
    return fail_at(L, dup->kpos, msg);
}

/* A canonical array index ("0", "17"; not "01"), as JavaScript orders
 * such keys first. -1 otherwise. */
static int64_t index_key(const char *s, size_t n)
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

static int cmp_index_item(const void *a, const void *b)
{
    const item *x = a, *y = b;
    int64_t i = index_key(x->key, x->klen), j = index_key(y->key, y->klen);
    return (i > j) - (i < j);
}

/* JavaScript lists integer-like keys first, ascending, then the others in
 * insertion order; JSON output must match. */
static void order_keys(item *its, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (index_key(its[i].key, its[i].klen) >= 0)
            k++;
    if (k == 0 || k == n) {
        if (k)
            qsort(its, n, sizeof *its, cmp_index_item);
        return;
    }
    item *tmp = crmi_malloc(n * sizeof *tmp);
    if (!tmp)
        return; /* order is cosmetic; keep insertion order */
    size_t a = 0, b = k;
    for (size_t i = 0; i < n; i++)
        tmp[index_key(its[i].key, its[i].klen) >= 0 ? a++ : b++] = its[i];
    qsort(tmp, k, sizeof *tmp, cmp_index_item);
    memcpy(its, tmp, n * sizeof *tmp);
    crm_free(tmp);
}

static int close_map(loader *L, item *its, size_t n, crmi_value *out)
{
    int rc = check_duplicates(L, its, n);
    if (rc)
        return rc;
    order_keys(its, n);
    crmi_object *o = crmi_object_new(L->arena, (uint32_t)n);
    crmi_pos *pos = crmi_arena_alloc(L->arena, 2 * n * sizeof *pos + 1);
    if (!o || !pos)
        return nomem(L);
    uint32_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        o->m[i] = (crmi_member){its[i].key, its[i].klen, its[i].v};
        pos[2 * i] = its[i].kpos;
        pos[2 * i + 1] = its[i].pos;
        uint32_t d = crmi_value_depth(&its[i].v);
        depth = d > depth ? d : depth;
    }
    o->depth = depth + 1;
    o->pos = pos;
    *out = (crmi_value){.type = CRMI_OBJ, .u.o = o};
    return CRM_OK;
}

static int close_seq(loader *L, item *its, size_t n, crmi_value *out)
{
    crmi_array *a = crmi_array_new(L->arena, (uint32_t)n);
    crmi_pos *pos = crmi_arena_alloc(L->arena, n * sizeof *pos + 1);
    if (!a || !pos)
        return nomem(L);
    uint32_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        a->items[i] = its[i].v;
        pos[i] = its[i].pos;
        uint32_t d = crmi_value_depth(&its[i].v);
        depth = d > depth ? d : depth;
    }
    a->depth = depth + 1;
    a->pos = pos;
    *out = (crmi_value){.type = CRMI_ARR, .u.a = a};
    return CRM_OK;
}

static int close_container(loader *L)
{
    frame f = L->frames[--L->depth];
    item *its = L->items ? L->items + f.first : NULL; /* NULL + 0 is undefined */
    size_t n = L->n_items - f.first;
    crmi_value v;
    int rc = f.is_map ? close_map(L, its, n, &v) : close_seq(L, its, n, &v);
    if (rc)
        return rc;
    L->n_items = f.first;
    return deliver(L, v, f.pos);
}

/* ---------------------------------------------------------------- events */

static int count_node(loader *L, crmi_pos p)
{
    if (++L->nodes <= L->lim->max_nodes)
        return CRM_OK;
    char msg[96];
    snprintf(msg, sizeof msg, "more than %u values", L->lim->max_nodes);
    return fail_at(L, p, msg);
}

static int on_event(loader *L, const yaml_event_t *ev)
{
    crmi_pos p = mark_pos(ev->start_mark);
    int rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (L->done)
            return fail_at(L, p, "expected the end of input, found a second document");
        return CRM_OK;
    case YAML_ALIAS_EVENT:
        return fail_at(L, p, "aliases (*name) are not supported: write the value out");
    case YAML_SCALAR_EVENT: {
        crmi_value v;
        if ((rc = count_node(L, p)) || (rc = scalar_value(L, ev, &v)))
            return rc;
        return deliver(L, v, p);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if ((rc = count_node(L, p)))
            return rc;
        return open_container(L, ev->type == YAML_MAPPING_START_EVENT, p);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return close_container(L);
    default: return CRM_OK;
    }
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static crmi_pos offset_pos(const char *text, size_t len, size_t offset)
{
    crmi_pos p = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            p.line++;
            p.col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

static int yaml_failure(const loader *L, const yaml_parser_t *ps, const char *text, size_t len)
{
    if (ps->error == YAML_MEMORY_ERROR)
        return nomem(L);
    char msg[400];
    crmi_pos p;
    if (ps->error == YAML_READER_ERROR) {
        p = offset_pos(text, len, ps->problem_offset);
        snprintf(msg, sizeof msg, "%s", ps->problem ? ps->problem : "unreadable input");
    } else {
        p = mark_pos(ps->problem_mark);
        if (ps->context)
            snprintf(msg, sizeof msg, "%s (%s started at line %zu, column %zu)",
                     ps->problem ? ps->problem : "syntax error", ps->context,
                     ps->context_mark.line + 1, ps->context_mark.column + 1);
        else
            snprintf(msg, sizeof msg, "%s", ps->problem ? ps->problem : "syntax error");
    }
    return fail_at(L, p, msg);
}

static int run_parser(loader *L, const char *text, size_t len)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps))
        return nomem(L);
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);
    int rc = CRM_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev)) {
            rc = yaml_failure(L, &ps, text, len);
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(L, &ev);
        yaml_event_delete(&ev);
        if (rc || end)
            break;
    }
    yaml_parser_delete(&ps);
    return rc;
}

/* The value of 4 hex digits, or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Bytes of a raw U+0085, U+2028 or U+2029 at p (YAML 1.1 line breaks,
 * plain characters to JSON), or 0. */
static size_t yaml_break_at(const char *p, size_t avail)
{
    const unsigned char *u = (const unsigned char *)p;
    if (avail >= 2 && u[0] == 0xC2 && u[1] == 0x85)
        return 2;
    if (avail >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
        return 3;
    return 0;
}

static bool needs_json_fixes(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\\' && i + 2 < len && text[i + 1] == 'u' &&
            (text[i + 2] == 'd' || text[i + 2] == 'D'))
            return true;
        if (yaml_break_at(text + i, len - i))
            return true;
    }
    return false;
}

/* Makes JSON read through libyaml as JSON means it, inside double-quoted
 * strings: surrogate-pair escapes ("\ud83d\ude00", which Python's json.dumps
 * writes for every emoji, and libyaml rejects) become "\U0001F600", and raw
 * U+0085 / U+2028 / U+2029 (line breaks to YAML 1.1) become \u escapes.
 * Returns NULL when nothing needs fixing. */
static char *json_fixes(const char *text, size_t len, size_t *out_len)
{
    if (!needs_json_fixes(text, len))
        return NULL;
    char *out = crmi_malloc(3 * len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool in_dq = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        size_t brk = in_dq ? yaml_break_at(text + i, len - i) : 0;
        if (brk) {
            unsigned int cp = brk == 2                             ? 0x85
                              : (unsigned char)text[i + 2] == 0xA8 ? 0x2028
                                                                   : 0x2029;
            o += (size_t)sprintf(out + o, "\\u%04X", cp);
            i += brk - 1;
            continue;
        }
        if (!in_dq || c == '"' || c != '\\' || i + 1 >= len) {
            if (c == '"')
                in_dq = !in_dq;
            out[o++] = c;
            continue;
        }
        long hi = i + 11 < len && text[i + 1] == 'u' ? hex4(text + i + 2) : -1;
        long lo = hi >= 0 && text[i + 6] == '\\' && text[i + 7] == 'u' ? hex4(text + i + 8) : -1;
        if (hi >= 0xD800 && hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
            unsigned int cp =
                0x10000 + (unsigned int)((hi - 0xD800) << 10) + (unsigned int)(lo - 0xDC00);
            o += (size_t)sprintf(out + o, "\\U%08X", cp);
            i += 11;
            continue;
        }
        out[o++] = c;
        out[o++] = text[++i];
    }
    *out_len = o;
    return out;
}

int crmi_load(crmi_value *out, crmi_pos *out_pos, crmi_arena *arena, const char *text, size_t len,
              const crmi_load_limits *limits, const char *what)
{
    loader L = {.arena = arena, .lim = limits, .what = what};
    if (len > CRM_RULE_MAX_TEXT)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "%s: line 1, column 1: text of %zu bytes is longer than the "
                                 "limit of %u bytes",
                                 what, len, (unsigned)CRM_RULE_MAX_TEXT);
    size_t fixed_len = 0;
    char *fixed = json_fixes(text, len, &fixed_len);
    int rc = fixed ? run_parser(&L, fixed, fixed_len) : run_parser(&L, text, len);
    crm_free(fixed);
    crm_free(L.items);
    crm_free(L.frames);
    if (rc)
        return rc;
    if (!L.done)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "%s: line 1, column 1: empty input, expected a JSON or YAML value",
                                 what);
    *out = L.root;
    if (out_pos)
        *out_pos = L.root_pos;
    return CRM_OK;
}
