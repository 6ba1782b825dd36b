/* The rule engine's values and their JavaScript semantics: truthiness,
 * ToNumber, ToString, parseFloat, ==, === and <, as json-logic-js gets them
 * from the JavaScript engine. Numbers are formatted and parsed in the C
 * locale whatever the host program's locale is. */
#include "rule/rule_int.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- arena */

struct crmi_chunk {
    crmi_chunk *next;
    size_t size, used;
    _Alignas(max_align_t) unsigned char data[];
};

static crmi_chunk *chunk_new(size_t size)
{
    crmi_chunk *c = crmi_malloc(sizeof *c + size);
    if (c)
        *c = (crmi_chunk){.size = size};
    return c;
}

/* Moves to a chunk with room for n bytes, reusing chunks kept by reset. */
static crmi_chunk *chunk_with_room(crmi_arena *a, size_t n)
{
    if (!a->cur) { /* small first: data handles hold many tiny arenas */
        a->first = a->cur = chunk_new(n > 240 ? n : 240);
        return a->cur;
    }
    while (a->cur->next) {
        a->cur = a->cur->next;
        if (a->cur->size - a->cur->used >= n)
            return a->cur;
    }
    size_t size = a->cur->size * 2;
    if (size < n)
        size = n;
    crmi_chunk *c = chunk_new(size);
    if (!c)
        return NULL;
    a->cur->next = c;
    a->cur = c;
    return c;
}

void *crmi_arena_alloc(crmi_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (a->limit && a->used + n > a->limit) {
        a->over_limit = a->failed = true;
        return NULL;
    }
    crmi_chunk *c = a->cur;
    if (!c || c->size - c->used < n) {
        c = chunk_with_room(a, n);
        if (!c) {
            a->failed = true;
            return NULL;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    a->used += n;
    return p;
}

char *crmi_arena_strndup(crmi_arena *a, const char *s, size_t n)
{
    char *p = crmi_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void crmi_arena_reset(crmi_arena *a)
{
    for (crmi_chunk *c = a->first; c; c = c->next)
        c->used = 0;
    a->cur = a->first;
    a->used = 0;
    a->over_limit = a->failed = false;
}

void crmi_arena_free(crmi_arena *a)
{
    crmi_chunk *c = a->first;
    while (c) {
        crmi_chunk *next = c->next;
        crm_free(c);
        c = next;
    }
    a->first = a->cur = NULL;
    a->used = 0;
}

crmi_array *crmi_array_new(crmi_arena *a, uint32_t n)
{
    crmi_array *arr = crmi_arena_alloc(a, sizeof *arr + (size_t)n * sizeof(crmi_value));
    if (arr)
        *arr = (crmi_array){.n = n, .depth = 1};
    return arr;
}

crmi_object *crmi_object_new(crmi_arena *a, uint32_t n)
{
    crmi_object *o = crmi_arena_alloc(a, sizeof *o + (size_t)n * sizeof(crmi_member));
    if (o)
        *o = (crmi_object){.n = n, .depth = 1};
    return o;
}

/* ---------------------------------------------------------------- locale */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod and printf follow LC_NUMERIC; a host running in a locale with a
 * decimal comma must not change what "1.5" means in a rule. */
static locale_t enter_c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave_c_locale(locale_t old)
{
    if (old)
        uselocale(old);
}

/* ------------------------------------------------------------ truthiness */

bool crmi_js_falsy(const crmi_value *v)
{
    switch (v->type) {
    case CRMI_UNDEF:
    case CRMI_NULL: return true;
    case CRMI_BOOL: return !v->b;
    case CRMI_NUM: return v->u.n == 0 || isnan(v->u.n);
    case CRMI_STR: return v->len == 0;
    default: return false;
    }
}

bool crmi_truthy(const crmi_value *v)
{
    if (v->type == CRMI_ARR)
        return v->u.a->n > 0;
    return !crmi_js_falsy(v);
}

/* ------------------------------------------------------ number to string */

/* Shortest digits that read back as d (d finite, > 0): digits in `dig`,
 * decimal exponent n such that d = 0.dig * 10^n. Returns the digit count. */
static int shortest_digits(double d, char dig[20], int *n)
{
    char buf[40];
    int lo = 0, hi = 16;
    while (lo < hi) { /* round-tripping is monotone in the precision */
        int mid = (lo + hi) / 2;
        snprintf(buf, sizeof buf, "%.*e", mid, d);
        if (strtod(buf, NULL) == d)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(buf, sizeof buf, "%.*e", lo, d);
    int k = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            dig[k++] = *p;
    while (k > 1 && dig[k - 1] == '0')
        k--;
    dig[k] = '\0';
    *n = atoi(p + 1) + 1;
    return k;
}

/* Number::toString's layout of digits and exponent (ECMA-262 6.1.6.1.20). */
static size_t layout_digits(char *o, const char *dig, int k, int n)
{
    size_t len = 0;
    if (k <= n && n <= 21) {
        memcpy(o, dig, (size_t)k);
        len = (size_t)k;
        for (int i = k; i < n; i++)
            o[len++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, dig, (size_t)n);
        o[n] = '.';
        memcpy(o + n + 1, dig + n, (size_t)(k - n));
        len = (size_t)k + 1;
    } else if (-6 < n && n <= 0) {
        o[len++] = '0';
        o[len++] = '.';
        for (int i = 0; i < -n; i++)
            o[len++] = '0';
        memcpy(o + len, dig, (size_t)k);
        len += (size_t)k;
    } else {
        o[len++] = dig[0];
        if (k > 1) {
            o[len++] = '.';
            memcpy(o + len, dig + 1, (size_t)(k - 1));
            len += (size_t)(k - 1);
        }
        len += (size_t)sprintf(o + len, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    o[len] = '\0';
    return len;
}

size_t crmi_num_format(char out[32], double d)
{
    if (isnan(d))
        return (size_t)sprintf(out, "NaN");
    if (isinf(d))
        return (size_t)sprintf(out, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return (size_t)sprintf(out, "0");
    if (d == trunc(d) && fabs(d) < 9007199254740992.0)
        return (size_t)sprintf(out, "%lld", (long long)d);
    char dig[20];
    int n;
    size_t len = 0;
    if (d < 0) {
        out[len++] = '-';
        d = -d;
    }
    locale_t old = enter_c_locale();
    int k = shortest_digits(d, dig, &n);
    leave_c_locale(old);
    return len + layout_digits(out + len, dig, k, n);
}

/* ------------------------------------------------------ string to number */

/* Length of the JavaScript white space or line terminator at s, or 0. */
static size_t js_space(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20)
        return 1;
    if (n >= 2 && c == 0xC2 && s[1] == 0xA0)
        return 2;
    if (n < 3)
        return 0;
    unsigned int cp =
        (unsigned int)(c & 0x0F) << 12 | (unsigned int)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    if ((c & 0xF0) != 0xE0)
        return 0;
    if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF)
        return 3;
    return 0;
}

static size_t skip_space(const char *s, size_t n)
{
    size_t i = 0, w;
    while (i < n && (w = js_space((const unsigned char *)s + i, n - i)) > 0)
        i += w;
    return i;
}

/* Trailing white space: scan forward, remembering where the last run began. */
static size_t trim_end(const char *s, size_t n)
{
    size_t i = 0, end = 0, w;
    while (i < n) {
        w = js_space((const unsigned char *)s + i, n - i);
        if (w == 0) {
            i++;
            while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            end = i;
        } else {
            i += w;
        }
    }
    return end;
}

static size_t digits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Length of the longest StrUnsignedDecimalLiteral prefix (without
 * Infinity), 0 if none. */
static size_t decimal_prefix(const char *s, size_t n)
{
    size_t i = digits(s, n), frac = 0;
    if (i < n && s[i] == '.') {
        frac = digits(s + i + 1, n - i - 1);
        if (i == 0 && frac == 0)
            return 0;
        i += 1 + frac;
    } else if (i == 0) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        size_t e = digits(s + j, n - j);
        if (e > 0)
            i = j + e;
    }
    return i;
}

/* strtod on s[0..n), which is a validated decimal literal. */
static double decimal_value(const char *s, size_t n)
{
    char small[64];
    char *buf = n < sizeof small ? small : crmi_malloc(n + 1);
    if (!buf)
        return NAN;
    memcpy(buf, s, n);
    buf[n] = '\0';
    locale_t old = enter_c_locale();
    double d = strtod(buf, NULL);
    leave_c_locale(old);
    if (buf != small)
        crm_free(buf);
    return d;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* 0x / 0o / 0b literals; NaN if malformed. */
static double radix_value(const char *s, size_t n, int radix)
{
    if (n == 0)
        return NAN;
    double v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = digit_value(s[i]);
        if (d >= radix)
            return NAN;
        v = v * radix + d;
    }
    return v;
}

static bool match_infinity(const char *s, size_t n)
{
    return n == 8 && memcmp(s, "Infinity", 8) == 0;
}

double crmi_str_to_number(const char *s, size_t n)
{
    size_t start = skip_space(s, n);
    size_t end = trim_end(s, n);
    if (end <= start)
        return 0;
    s += start;
    n = end - start;
    if (n > 2 && s[0] == '0') {
        char x = s[1];
        if (x == 'x' || x == 'X')
            return radix_value(s + 2, n - 2, 16);
        if (x == 'o' || x == 'O')
            return radix_value(s + 2, n - 2, 8);
        if (x == 'b' || x == 'B')
            return radix_value(s + 2, n - 2, 2);
    }
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (match_infinity(s + i, n - i))
        return s[0] == '-' ? -INFINITY : INFINITY;
    if (i == n || decimal_prefix(s + i, n - i) != n - i) /* "-" alone is NaN */
        return NAN;
    return decimal_value(s, n);
}

double crmi_str_parse_float(const char *s, size_t n)
{
    size_t start = skip_space(s, n);
    s += start;
    n -= start;
    size_t i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (n - i >= 8 && memcmp(s + i, "Infinity", 8) == 0)
        return s[0] == '-' ? -INFINITY : INFINITY;
    size_t len = decimal_prefix(s + i, n - i);
    if (len == 0)
        return NAN;
    return decimal_value(s, i + len);
}

bool crmi_scalar_number(const char *s, size_t n, double *out)
{
    if (n == 0)
        return false;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        *out = radix_value(s + 2, n - 2, s[1] == 'x' ? 16 : 8);
        return !isnan(*out);
    }
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    const char *r = s + i;
    size_t rn = n - i;
    if (rn == 4 && r[0] == '.' &&
        (!memcmp(r, ".inf", 4) || !memcmp(r, ".Inf", 4) || !memcmp(r, ".INF", 4))) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (i == 0 && rn == 4 &&
        (!memcmp(r, ".nan", 4) || !memcmp(r, ".NaN", 4) || !memcmp(r, ".NAN", 4))) {
        *out = NAN;
        return true;
    }
    /* YAML 1.2 core: [0-9]+(\.[0-9]*)? or \.[0-9]+, then an optional
     * exponent; decimal_prefix accepts exactly that when it consumes all. */
    if (rn == 0 || decimal_prefix(r, rn) != rn)
        return false;
    *out = decimal_value(s, n);
    return true;
}

/* ------------------------------------------------------------ UTF-16 view */

static unsigned int decode_utf8(const unsigned char *p)
{
    if (p[0] < 0x80)
        return p[0];
    if (p[0] < 0xE0)
        return (unsigned int)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    if (p[0] < 0xF0)
        return (unsigned int)(p[0] & 0x0F) << 12 | (unsigned int)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    return (unsigned int)(p[0] & 0x07) << 18 | (unsigned int)(p[1] & 0x3F) << 12 |
           (unsigned int)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

/* Orders code points as their UTF-16 encodings order: surrogate pairs
 * (D800..DBFF first unit) sort between U+D7FF and U+E000. */
static unsigned long utf16_key(unsigned int cp)
{
    return (cp >= 0xE000 && cp <= 0xFFFF) ? cp + 0x110000ul : cp;
}

int crmi_str_cmp_utf16(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    if (i == n)
        return an < bn ? -1 : an > bn;
    while (i > 0 && ((unsigned char)a[i] & 0xC0) == 0x80)
        i--;
    unsigned long ka = utf16_key(decode_utf8((const unsigned char *)a + i));
    unsigned long kb = utf16_key(decode_utf8((const unsigned char *)b + i));
    return ka < kb ? -1 : ka > kb;
}

size_t crmi_utf16_length(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            units += c >= 0xF0 ? 2 : 1;
    }
    return units;
}

bool crmi_str_order_sensitive(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0xEE)
            return true;
    return false;
}

/* ------------------------------------------------------- string building */

void crmi_sb_append(crmi_sb *sb, const char *s, size_t n)
{
    if (sb->failed)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap * 2 : 32;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *p = crmi_arena_alloc(sb->arena, cap);
        if (!p || cap > UINT32_MAX) {
            sb->failed = true;
            return;
        }
        if (sb->len)
            memcpy(p, sb->p, sb->len);
        sb->p = p;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

bool crmi_sb_finish(crmi_sb *sb, crmi_value *out)
{
    if (sb->failed)
        return false;
    *out = crmi_str(sb->p ? sb->p : "", sb->len);
    return true;
}

static void to_string_depth(crmi_sb *sb, const crmi_value *v, bool in_array)
{
    char tmp[32];
    switch (v->type) {
    case CRMI_UNDEF:
        if (!in_array)
            crmi_sb_append(sb, "undefined", 9);
        break;
    case CRMI_NULL:
        if (!in_array)
            crmi_sb_append(sb, "null", 4);
        break;
    case CRMI_BOOL: crmi_sb_append(sb, v->b ? "true" : "false", v->b ? 4 : 5); break;
    case CRMI_NUM: crmi_sb_append(sb, tmp, crmi_num_format(tmp, v->u.n)); break;
    case CRMI_STR: crmi_sb_append(sb, v->u.s, v->len); break;
    case CRMI_ARR:
        for (uint32_t i = 0; i < v->u.a->n; i++) {
            if (i)
                crmi_sb_append(sb, ",", 1);
            to_string_depth(sb, &v->u.a->items[i], true);
        }
        break;
    case CRMI_OBJ: crmi_sb_append(sb, "[object Object]", 15); break;
    }
}

void crmi_to_string(crmi_sb *sb, const crmi_value *v)
{
    to_string_depth(sb, v, false);
}

bool crmi_to_string_value(crmi_value *out, const crmi_value *v, crmi_arena *a, char tmp[32])
{
    switch (v->type) {
    case CRMI_STR: *out = *v; return true;
    case CRMI_NUM: *out = crmi_str(tmp, crmi_num_format(tmp, v->u.n)); return true;
    case CRMI_BOOL: *out = v->b ? crmi_str("true", 4) : crmi_str("false", 5); return true;
    case CRMI_NULL: *out = crmi_str("null", 4); return true;
    case CRMI_UNDEF: *out = crmi_str("undefined", 9); return true;
    case CRMI_OBJ: *out = crmi_str("[object Object]", 15); return true;
    default: {
        crmi_sb sb = {.arena = a};
        crmi_to_string(&sb, v);
        return crmi_sb_finish(&sb, out);
    }
    }
}

crmi_value crmi_to_primitive(const crmi_value *v, crmi_arena *a)
{
    if (v->type != CRMI_ARR && v->type != CRMI_OBJ)
        return *v;
    crmi_value s;
    char tmp[32];
    if (!crmi_to_string_value(&s, v, a, tmp))
        return crmi_str("", 0); /* the caller sees the arena failure */
    return s;
}

double crmi_to_number(const crmi_value *v, crmi_arena *a)
{
    switch (v->type) {
    case CRMI_NULL: return 0;
    case CRMI_BOOL: return v->b;
    case CRMI_NUM: return v->u.n;
    case CRMI_STR: return crmi_str_to_number(v->u.s, v->len);
    case CRMI_ARR:
    case CRMI_OBJ: {
        crmi_value p = crmi_to_primitive(v, a);
        return crmi_str_to_number(p.u.s, p.len);
    }
    default: return NAN;
    }
}

double crmi_parse_float(const crmi_value *v, crmi_arena *a)
{
    if (v->type == CRMI_NUM)
        return v->u.n == 0 ? 0 : v->u.n; /* String(-0) is "0" */
    if (v->type == CRMI_STR)
        return crmi_str_parse_float(v->u.s, v->len);
    crmi_value s;
    char tmp[32];
    if (!crmi_to_string_value(&s, v, a, tmp))
        return NAN;
    return crmi_str_parse_float(s.u.s, s.len);
}

/* ------------------------------------------------------------ comparison */

bool crmi_strict_eq(const crmi_value *a, const crmi_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case CRMI_UNDEF:
    case CRMI_NULL: return true;
    case CRMI_BOOL: return a->b == b->b;
    case CRMI_NUM: return a->u.n == b->u.n;
    case CRMI_STR:
        if (a->len != b->len)
            return false;
        if (a->len > 16) /* codes, tags and names are short: no call for them */
            return memcmp(a->u.s, b->u.s, a->len) == 0;
        for (uint32_t i = 0; i < a->len; i++)
            if (a->u.s[i] != b->u.s[i])
                return false;
        return true;
    case CRMI_ARR: return a->u.a == b->u.a;
    default: return a->u.o == b->u.o;
    }
}

static bool is_object(const crmi_value *v)
{
    return v->type == CRMI_ARR || v->type == CRMI_OBJ;
}

static bool same_js_type(const crmi_value *a, const crmi_value *b)
{
    return a->type == b->type || (is_object(a) && is_object(b));
}

/* The Abstract Equality Comparison of ECMA-262 (7.2.14). */
bool crmi_loose_eq(const crmi_value *a, const crmi_value *b, crmi_arena *ar)
{
    if (same_js_type(a, b))
        return crmi_strict_eq(a, b);
    bool a_nil = a->type == CRMI_NULL || a->type == CRMI_UNDEF;
    bool b_nil = b->type == CRMI_NULL || b->type == CRMI_UNDEF;
    if (a_nil || b_nil)
        return a_nil && b_nil;
    if (a->type == CRMI_NUM && b->type == CRMI_STR)
        return a->u.n == crmi_to_number(b, ar);
    if (a->type == CRMI_STR && b->type == CRMI_NUM)
        return crmi_to_number(a, ar) == b->u.n;
    if (a->type == CRMI_BOOL) {
        crmi_value n = crmi_num(a->b);
        return crmi_loose_eq(&n, b, ar);
    }
    if (b->type == CRMI_BOOL) {
        crmi_value n = crmi_num(b->b);
        return crmi_loose_eq(a, &n, ar);
    }
    if (is_object(b)) {
        crmi_value p = crmi_to_primitive(b, ar);
        return crmi_loose_eq(a, &p, ar);
    }
    crmi_value p = crmi_to_primitive(a, ar);
    return crmi_loose_eq(&p, b, ar);
}

int crmi_js_less(const crmi_value *a, const crmi_value *b, crmi_arena *ar)
{
    if (a->type == CRMI_NUM && b->type == CRMI_NUM) {
        if (isnan(a->u.n) || isnan(b->u.n))
            return -1;
        return a->u.n < b->u.n;
    }
    crmi_value pa = crmi_to_primitive(a, ar), pb = crmi_to_primitive(b, ar);
    if (pa.type == CRMI_STR && pb.type == CRMI_STR)
        return crmi_str_cmp_utf16(pa.u.s, pa.len, pb.u.s, pb.len) < 0;
    double x = crmi_to_number(&pa, ar), y = crmi_to_number(&pb, ar);
    if (isnan(x) || isnan(y))
        return -1;
    return x < y;
}

/* ------------------------------------------------------------------ JSON */

void crmi_json_string(crmi_buf *b, const char *s, size_t n)
{
    crmi_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* U+0085, U+2028 and U+2029 are line breaks to YAML readers: escape
         * them so that the JSON reads back the same through libyaml */
        bool yaml_break = (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85) ||
                          (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                           ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9));
        if (yaml_break) {
            crmi_buf_append(b, s + run, i - run);
            crmi_buf_puts(b, c == 0xC2                         ? "\\u0085"
                             : (unsigned char)s[i + 2] == 0xA8 ? "\\u2028"
                                                               : "\\u2029");
            i += c == 0xC2 ? 1 : 2;
            run = i + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        crmi_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': crmi_buf_puts(b, "\\\""); break;
        case '\\': crmi_buf_puts(b, "\\\\"); break;
        case '\b': crmi_buf_puts(b, "\\b"); break;
        case '\f': crmi_buf_puts(b, "\\f"); break;
        case '\n': crmi_buf_puts(b, "\\n"); break;
        case '\r': crmi_buf_puts(b, "\\r"); break;
        case '\t': crmi_buf_puts(b, "\\t"); break;
        default: crmi_buf_printf(b, "\\u%04x", c);
        }
    }
    crmi_buf_append(b, s + run, n - run);
    crmi_buf_putc(b, '"');
}

void crmi_json_write(crmi_buf *b, const crmi_value *v)
{
    char tmp[32];
    switch (v->type) {
    case CRMI_BOOL: crmi_buf_puts(b, v->b ? "true" : "false"); break;
    case CRMI_NUM:
        if (isfinite(v->u.n))
            crmi_buf_append(b, tmp, crmi_num_format(tmp, v->u.n));
        else
            crmi_buf_puts(b, "null");
        break;
    case CRMI_STR: crmi_json_string(b, v->u.s, v->len); break;
    case CRMI_ARR:
        crmi_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->u.a->n; i++) {
            if (i)
                crmi_buf_putc(b, ',');
            crmi_json_write(b, &v->u.a->items[i]);
        }
        crmi_buf_putc(b, ']');
        break;
    case CRMI_OBJ:
        crmi_buf_putc(b, '{');
        for (uint32_t i = 0; i < v->u.o->n; i++) {
            if (i)
                crmi_buf_putc(b, ',');
            crmi_json_string(b, v->u.o->m[i].key, v->u.o->m[i].klen);
            crmi_buf_putc(b, ':');
            crmi_json_write(b, &v->u.o->m[i].v);
        }
        crmi_buf_putc(b, '}');
        break;
    default: crmi_buf_puts(b, "null");
    }
}
