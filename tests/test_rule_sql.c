/* The rule compiler to SQL, through the public API: compiled expressions,
 * refusals, parameters, and the property that matters most: for every rule
 * the compiler accepts, SQLite's answer on each row equals the
 * interpreter's. Rules and rows are generated from a seed (CRM_TEST_SEED
 * overrides it; the seed is printed with every disagreement). */
#include "testutil.h"

#include <crm/rule.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- generator */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s % n);
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The schema of the generated table: name, type, SQL. */
static const struct {
    const char *name;
    crm_rule_var_type type;
    const char *sql;
} vars[] = {
    {"i", CRM_RULE_VAR_INTEGER, "t.i"},       {"n", CRM_RULE_VAR_NUMBER, "t.n"},
    {"s", CRM_RULE_VAR_TEXT, "t.s"},          {"s2", CRM_RULE_VAR_TEXT, "t.s2"},
    {"b", CRM_RULE_VAR_BOOL, "t.b"},          {"tags", CRM_RULE_VAR_TEXT_ARRAY, "t.tags"},
    {"k", CRM_RULE_VAR_INTEGER, "(t.i * 3)"}, {"x.y", CRM_RULE_VAR_NUMBER, "t.n2"},
};
#define N_VARS (sizeof vars / sizeof vars[0])

static const char *const text_pool[] = {
    "",     "0",    "10", "9",  "1e3",      " 12 ",  "0x1A", "abc",  "ABC",  "中文", "北京",
    "上海", "C1",   "C3", "C5", "M",        "F",     "-1",   "1.50", "null", "true", "a,b",
    "vip",  "１２", "😀",  "é",  "Infinity", "\t7\n", "3",    "-0",   ".5",   "5.",   "1,2",
};
#define N_TEXT (sizeof text_pool / sizeof text_pool[0])

static const double num_pool[] = {0,    1,   -1, 2, 0.5, -2.5,    3,   10, 100,  1e21,
                                  -0.0, 1.5, 7,  9, 12,  1000000, 0.1, -7, 1e-7, 123456789};
#define N_NUM (sizeof num_pool / sizeof num_pool[0])

static const char *const tag_pool[] = {"[]",         "[\"vip\"]", "[\"vip\",\"new\"]",
                                       "[\"中文\"]", "[\"\"]",    "[\"new\",\"10\"]"};
#define N_TAGS (sizeof tag_pool / sizeof tag_pool[0])

static void gen_json_text(sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '\t')
            sb_printf(b, "\\t");
        else if (*p == '\n')
            sb_printf(b, "\\n");
        else
            sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

static void gen_const(rng *r, sbuf *b)
{
    switch (rnd(r, 12)) {
    case 0:
    case 1:
    case 2: sb_printf(b, "%.17g", num_pool[rnd(r, N_NUM)]); break;
    case 3:
    case 4:
    case 5: gen_json_text(b, text_pool[rnd(r, N_TEXT)]); break;
    case 6: sb_printf(b, "null"); break;
    case 7: sb_printf(b, rnd(r, 2) ? "true" : "false"); break;
    case 8: sb_printf(b, "[]"); break;
    case 9: sb_printf(b, "[\"vip\"]"); break;
    case 10: sb_printf(b, "[%d]", (int)rnd(r, 3)); break;
    default: gen_json_text(b, text_pool[rnd(r, N_TEXT)]); break;
    }
}

static void gen_list(rng *r, sbuf *b)
{
    uint32_t n = rnd(r, 4);
    sb_printf(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_printf(b, ", ");
        if (rnd(r, 2))
            gen_json_text(b, text_pool[rnd(r, N_TEXT)]);
        else
            gen_const(r, b);
    }
    sb_printf(b, "]");
}

static void gen_var(rng *r, sbuf *b)
{
    const char *name = vars[rnd(r, N_VARS)].name;
    if (rnd(r, 6) == 0)
        sb_printf(b, "{\"var\": [\"%s\", %d]}", name, (int)rnd(r, 3));
    else
        sb_printf(b, "{\"var\": \"%s\"}", name);
}

static void gen_value(rng *r, sbuf *b, int depth);
static void gen_bool(rng *r, sbuf *b, int depth);

static void gen_args(rng *r, sbuf *b, int depth, uint32_t n, bool as_bool)
{
    sb_printf(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_printf(b, ", ");
        if (as_bool)
            gen_bool(r, b, depth);
        else
            gen_value(r, b, depth);
    }
    sb_printf(b, "]");
}

static void gen_compare(rng *r, sbuf *b, int depth)
{
    static const char *const ops[] = {"==", "!=", "===", "!==", "<", "<=", ">", ">="};
    const char *op = ops[rnd(r, 8)];
    uint32_t n = 2;
    if ((op[0] == '<') && rnd(r, 4) == 0)
        n = 3;
    sb_printf(b, "{\"%s\": ", op);
    /* mostly a variable against a constant, as real rules are */
    if (depth <= 1 || rnd(r, 3) == 0) {
        sb_printf(b, "[");
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                sb_printf(b, ", ");
            if (rnd(r, 2) == (i % 2))
                gen_var(r, b);
            else
                gen_const(r, b);
        }
        sb_printf(b, "]");
    } else {
        gen_args(r, b, depth - 1, n, false);
    }
    sb_printf(b, "}");
}

static void gen_in(rng *r, sbuf *b, int depth)
{
    sb_printf(b, "{\"in\": [");
    if (rnd(r, 2))
        gen_var(r, b);
    else
        gen_const(r, b);
    sb_printf(b, ", ");
    switch (rnd(r, 5)) {
    case 0: gen_list(r, b); break;
    case 1: gen_json_text(b, text_pool[rnd(r, N_TEXT)]); break;
    case 2: sb_printf(b, "{\"var\": \"tags\"}"); break;
    case 3: sb_printf(b, "{\"var\": \"%s\"}", rnd(r, 2) ? "s" : "s2"); break;
    default:
        sb_printf(b, "[");
        gen_var(r, b);
        sb_printf(b, ", ");
        gen_const(r, b);
        sb_printf(b, "]");
    }
    sb_printf(b, "]}");
    (void)depth;
}

static void gen_missing(rng *r, sbuf *b)
{
    uint32_t n = 1 + rnd(r, 3);
    bool some = rnd(r, 2);
    if (some)
        sb_printf(b, "{\"missing_some\": [%d, [", (int)rnd(r, 4));
    else
        sb_printf(b, "{\"missing\": [");
    for (uint32_t i = 0; i < n; i++)
        sb_printf(b, "%s\"%s\"", i ? ", " : "", vars[rnd(r, N_VARS)].name);
    sb_printf(b, some ? "]]}" : "]}");
}

static void gen_bool(rng *r, sbuf *b, int depth)
{
    if (depth <= 0) {
        gen_compare(r, b, 0);
        return;
    }
    switch (rnd(r, 10)) {
    case 0:
    case 1:
    case 2: gen_compare(r, b, depth); break;
    case 3:
        sb_printf(b, "{\"%s\": ", rnd(r, 2) ? "and" : "or");
        gen_args(r, b, depth - 1, rnd(r, 4), true);
        sb_printf(b, "}");
        break;
    case 4:
        sb_printf(b, "{\"%s\": ", rnd(r, 2) ? "!" : "!!");
        gen_bool(r, b, depth - 1);
        sb_printf(b, "}");
        break;
    case 5:
        sb_printf(b, "{\"if\": ");
        gen_args(r, b, depth - 1, 1 + rnd(r, 5), true);
        sb_printf(b, "}");
        break;
    case 6: gen_in(r, b, depth); break;
    case 7: gen_missing(r, b); break;
    default: gen_value(r, b, depth - 1); break;
    }
}

static void gen_value(rng *r, sbuf *b, int depth)
{
    static const char *const arith[] = {"+", "-", "*", "/", "%", "min", "max", "cat"};
    if (depth <= 0) {
        if (rnd(r, 3))
            gen_var(r, b);
        else
            gen_const(r, b);
        return;
    }
    switch (rnd(r, 9)) {
    case 0:
    case 1:
    case 2: gen_var(r, b); break;
    case 3: gen_const(r, b); break;
    case 4:
    case 5:
        sb_printf(b, "{\"%s\": ", arith[rnd(r, 8)]);
        if (rnd(r, 2)) { /* a variable and a constant */
            sb_printf(b, "[");
            gen_var(r, b);
            sb_printf(b, ", ");
            gen_const(r, b);
            sb_printf(b, "]");
        } else {
            gen_args(r, b, depth - 1, 1 + rnd(r, 3), false);
        }
        sb_printf(b, "}");
        break;
    case 6:
        sb_printf(b, "{\"if\": ");
        gen_args(r, b, depth - 1, 1 + rnd(r, 4), false);
        sb_printf(b, "}");
        break;
    case 7:
        sb_printf(b, "{\"%s\": ", rnd(r, 2) ? "and" : "or");
        gen_args(r, b, depth - 1, 1 + rnd(r, 3), false);
        sb_printf(b, "}");
        break;
    default: gen_bool(r, b, depth - 1); break;
    }
}

/* ------------------------------------------------------------------ rows */

#define N_ROWS 48

typedef struct row {
    int has_i, has_n, has_s, has_s2, has_b, has_tags, has_n2;
    int64_t i;
    double n, n2;
    const char *s, *s2, *tags;
    int b;
} row;

static void gen_rows(rng *r, row *rows)
{
    static const int64_t ints[] = {0,  1,  -1,  2,  3,       7,          9,
                                   10, 12, 100, -5, 1000000, -123456789, 1000000000000000LL};
    for (int k = 0; k < N_ROWS; k++) {
        row *w = &rows[k];
        w->has_i = rnd(r, 6) != 0;
        w->i = ints[rnd(r, sizeof ints / sizeof ints[0])];
        w->has_n = rnd(r, 6) != 0;
        w->n = num_pool[rnd(r, N_NUM)] * (rnd(r, 4) == 0 ? -1 : 1);
        w->has_n2 = rnd(r, 6) != 0;
        w->n2 = num_pool[rnd(r, N_NUM)];
        w->has_s = rnd(r, 6) != 0;
        w->s = text_pool[rnd(r, N_TEXT)];
        w->has_s2 = rnd(r, 6) != 0;
        w->s2 = text_pool[rnd(r, N_TEXT)];
        w->has_b = rnd(r, 5) != 0;
        w->b = (int)rnd(r, 2);
        w->has_tags = rnd(r, 5) != 0;
        w->tags = tag_pool[rnd(r, N_TAGS)];
    }
}

static sqlite3 *make_table(const row *rows)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, n REAL, "
                                  "s TEXT, s2 TEXT, b INTEGER, tags TEXT, n2 ANY)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?)", -1, &st, NULL), SQLITE_OK);
    for (int k = 0; k < N_ROWS; k++) {
        const row *w = &rows[k];
        sqlite3_bind_int(st, 1, k);
        w->has_i ? sqlite3_bind_int64(st, 2, w->i) : sqlite3_bind_null(st, 2);
        w->has_n ? sqlite3_bind_double(st, 3, w->n) : sqlite3_bind_null(st, 3);
        w->has_s ? sqlite3_bind_text(st, 4, w->s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 4);
        w->has_s2 ? sqlite3_bind_text(st, 5, w->s2, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 5);
        w->has_b ? sqlite3_bind_int(st, 6, w->b) : sqlite3_bind_null(st, 6);
        w->has_tags ? sqlite3_bind_text(st, 7, w->tags, -1, SQLITE_STATIC)
                    : sqlite3_bind_null(st, 7);
        w->has_n2 ? sqlite3_bind_double(st, 8, w->n2) : sqlite3_bind_null(st, 8);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return db;
}

/* The interpreter's data for a row: the same values, NULL as null. */
static crm_rule_data *row_data(const row *w)
{
    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    ck_assert_ok(w->has_i ? crm_rule_data_set_int(d, "i", w->i) : crm_rule_data_set_null(d, "i"));
    ck_assert_ok(w->has_i ? crm_rule_data_set_int(d, "k", w->i * 3)
                          : crm_rule_data_set_null(d, "k"));
    ck_assert_ok(w->has_n ? crm_rule_data_set_number(d, "n", w->n)
                          : crm_rule_data_set_null(d, "n"));
    ck_assert_ok(crm_rule_data_set_text(d, "s", w->has_s ? w->s : NULL));
    ck_assert_ok(crm_rule_data_set_text(d, "s2", w->has_s2 ? w->s2 : NULL));
    ck_assert_ok(w->has_b ? crm_rule_data_set_bool(d, "b", w->b) : crm_rule_data_set_null(d, "b"));
    if (w->has_tags)
        ck_assert_ok(crm_rule_data_set_json(d, "tags", w->tags, strlen(w->tags)));
    else
        ck_assert_ok(crm_rule_data_set_null(d, "tags"));
    char x[64];
    if (w->has_n2)
        snprintf(x, sizeof x, "{\"y\": %.17g}", w->n2);
    else
        snprintf(x, sizeof x, "{\"y\": null}");
    ck_assert_ok(crm_rule_data_set_json(d, "x", x, strlen(x)));
    return d;
}

static crm_rule_schema *make_schema(void)
{
    crm_rule_schema *s;
    ck_assert_ok(crm_rule_schema_new(&s));
    for (size_t i = 0; i < N_VARS; i++)
        ck_assert_ok(crm_rule_schema_add(s, vars[i].name, vars[i].type, vars[i].sql));
    return s;
}

static void bind_all(sqlite3_stmt *st, const crm_rule_sql *sql)
{
    for (size_t i = 0; i < crm_rule_sql_param_count(sql); i++) {
        const char *name, *text = NULL;
        crm_rule_param_type type;
        double d = 0;
        int64_t v = 0;
        ck_assert_ok(crm_rule_sql_param(sql, i, &name, &type, &d, &v, &text));
        int idx = sqlite3_bind_parameter_index(st, name);
        ck_assert_msg(idx > 0, "parameter %s not in the SQL", name);
        if (type == CRM_RULE_PARAM_NUMBER)
            sqlite3_bind_double(st, idx, d);
        else if (type == CRM_RULE_PARAM_INTEGER)
            sqlite3_bind_int64(st, idx, v);
        else
            sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
    }
}

static uint64_t test_seed(void)
{
    const char *env = getenv("CRM_TEST_SEED");
    return env ? strtoull(env, NULL, 10) : 20261125u;
}

/* Checks one compiled rule on every row; returns the number of cases. */
static int check_rule(sqlite3 *db, crm_rule *rule, const crm_rule_sql *sql, crm_rule_data **data,
                      const row *rows, const char *text, uint64_t seed)
{
    (void)rows;
    char *q = sqlite3_mprintf("SELECT id, CASE WHEN %s THEN 1 ELSE 0 END FROM t ORDER BY id",
                              crm_rule_sql_text(sql));
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    ck_assert_msg(rc == SQLITE_OK, "seed %llu: rule %s\nSQL %s does not prepare: %s",
                  (unsigned long long)seed, text, crm_rule_sql_text(sql), sqlite3_errmsg(db));
    bind_all(st, sql);
    int cases = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), want = sqlite3_column_int(st, 1), got;
        int erc = crm_rule_eval(&got, rule, data[id]);
        ck_assert_msg(erc == CRM_OK, "seed %llu: rule %s raises %s on row %d, yet compiled",
                      (unsigned long long)seed, text, crm_last_errmsg(), id);
        if (got != want) {
            char *row_json = NULL;
            crm_rule *whole;
            const char *w = "{\"var\": \"\"}";
            ck_assert_ok(crm_rule_parse(&whole, w, strlen(w)));
            ck_assert_ok(crm_rule_eval_json(&row_json, whole, data[id]));
            crm_rule_free(whole);
            ck_abort_msg("seed %llu: disagreement on rule\n  %s\nrow %d %s\ninterpreter %d, "
                         "SQLite %d\nSQL %s",
                         (unsigned long long)seed, text, id, row_json, got, want,
                         crm_rule_sql_text(sql));
            crm_free(row_json);
        }
        cases++;
    }
    ck_assert_msg(rc == SQLITE_DONE, "seed %llu: rule %s\nSQL %s fails: %s",
                  (unsigned long long)seed, text, crm_rule_sql_text(sql), sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_free(q);
    return cases;
}

#define TARGET_CASES 120000

START_TEST(interpreter_and_sql_agree)
{
    uint64_t seed = test_seed();
    rng r = {seed * 2654435761u + 1};
    row rows[N_ROWS];
    gen_rows(&r, rows);
    sqlite3 *db = make_table(rows);
    crm_rule_data *data[N_ROWS];
    for (int k = 0; k < N_ROWS; k++)
        data[k] = row_data(&rows[k]);
    crm_rule_schema *schema = make_schema();
    long cases = 0, rules = 0, refused = 0, attempts = 0;
    sbuf b = {0};
    while (cases < TARGET_CASES && attempts < 200000) {
        attempts++;
        b.len = 0;
        gen_bool(&r, &b, 1 + (int)rnd(&r, 4));
        crm_rule *rule;
        int rc = crm_rule_parse(&rule, b.p, b.len);
        ck_assert_msg(rc == CRM_OK, "seed %llu: generated rule does not parse: %s\n%s",
                      (unsigned long long)seed, crm_last_errmsg(), b.p);
        crm_rule_sql *sql = NULL;
        rc = crm_rule_to_sql(&sql, rule, schema, NULL);
        if (rc == CRM_E_NOT_SUPPORTED) {
            refused++;
        } else {
            ck_assert_msg(rc == CRM_OK, "seed %llu: %s: %s", (unsigned long long)seed, b.p,
                          crm_last_errmsg());
            cases += check_rule(db, rule, sql, data, rows, b.p, seed);
            rules++;
        }
        crm_rule_sql_free(sql);
        crm_rule_free(rule);
    }
    printf("rule sql property test: seed %llu, %ld rules compiled (%ld refused), %ld cases, "
           "0 disagreements\n",
           (unsigned long long)seed, rules, refused, cases);
    ck_assert_int_ge(cases, 100000);
    free(b.p);
    crm_rule_schema_free(schema);
    for (int k = 0; k < N_ROWS; k++)
        crm_rule_data_free(data[k]);
    sqlite3_close(db);
}
END_TEST

/* ------------------------------------------------------------ unit tests */

static crm_rule *parse(const char *text)
{
    crm_rule *r;
    int rc = crm_rule_parse(&r, text, strlen(text));
    ck_assert_msg(rc == CRM_OK, "%s: %s", text, crm_last_errmsg());
    return r;
}

static crm_rule_sql *compile(const char *text, const crm_rule_schema *s)
{
    crm_rule *r = parse(text);
    crm_rule_sql *sql;
    int rc = crm_rule_to_sql(&sql, r, s, NULL);
    ck_assert_msg(rc == CRM_OK, "%s: %s", text, crm_last_errmsg());
    crm_rule_free(r);
    return sql;
}

static void expect_refused(const char *text, const crm_rule_schema *s, const char *why)
{
    crm_rule *r = parse(text);
    crm_rule_sql *sql = NULL;
    int rc = crm_rule_to_sql(&sql, r, s, NULL);
    ck_assert_msg(rc == CRM_E_NOT_SUPPORTED, "%s compiled to %s", text,
                  sql ? crm_rule_sql_text(sql) : "?");
    ck_assert_msg(strstr(crm_last_errmsg(), why) != NULL, "%s: message %s lacks %s", text,
                  crm_last_errmsg(), why);
    ck_assert_msg(strstr(crm_last_errmsg(), "line ") != NULL, "no position: %s", crm_last_errmsg());
    crm_rule_free(r);
}

START_TEST(compiles_with_parameters)
{
    crm_rule_schema *s = make_schema();
    crm_rule_sql *sql = compile("{\"and\": [{\">=\": [{\"var\": \"i\"}, 18]},"
                                " {\"in\": [{\"var\": \"s\"}, [\"C3\", \"C4\", \"北京\"]]}]}",
                                s);
    const char *text = crm_rule_sql_text(sql);
    ck_assert_ptr_null(strstr(text, "18"));
    ck_assert_ptr_null(strstr(text, "C3"));
    ck_assert_ptr_null(strstr(text, "北京"));
    ck_assert_uint_eq(crm_rule_sql_param_count(sql), 4);
    const char *name, *str = NULL;
    crm_rule_param_type type;
    double d = 0;
    int64_t whole = 0;
    ck_assert_ok(crm_rule_sql_param(sql, 0, &name, &type, &d, &whole, NULL));
    ck_assert_str_eq(name, ":p1");
    ck_assert_int_eq(type, CRM_RULE_PARAM_INTEGER); /* whole numbers bind as integers */
    ck_assert_int_eq(whole, 18);
    ck_assert_ok(crm_rule_sql_param(sql, 3, &name, &type, NULL, NULL, &str));
    ck_assert_int_eq(type, CRM_RULE_PARAM_TEXT);
    ck_assert_str_eq(str, "北京");
    ck_assert_int_eq(crm_rule_sql_param(sql, 4, &name, NULL, NULL, NULL, NULL), CRM_E_NOT_FOUND);
    crm_rule_sql_free(sql);

    /* a value that looks like SQL stays a parameter */
    sql = compile("{\"==\": [{\"var\": \"s\"}, \"x' OR 1=1 --\"]}", s);
    ck_assert_ptr_null(strstr(crm_rule_sql_text(sql), "OR 1=1"));
    crm_rule_sql_free(sql);

    /* constant rules become constant conditions */
    sql = compile("{\"<\": [1, 2]}", s);
    ck_assert_str_eq(crm_rule_sql_text(sql), "1");
    crm_rule_sql_free(sql);

    /* a custom prefix, for two rules in one statement */
    crm_rule *r = parse("{\"==\": [{\"var\": \"i\"}, 1]}");
    ck_assert_ok(crm_rule_to_sql(&sql, r, s, "seg_a"));
    ck_assert_ptr_nonnull(strstr(crm_rule_sql_text(sql), ":seg_a1"));
    crm_rule_sql_free(sql);
    ck_assert_int_eq(crm_rule_to_sql(&sql, r, s, "1x"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_rule_to_sql(&sql, r, s, "a;b"), CRM_E_INVALID_ARG);
    crm_rule_free(r);
    crm_rule_schema_free(s);
}
END_TEST

START_TEST(refuses_what_sql_cannot_match)
{
    crm_rule_schema *s = make_schema();
    expect_refused("{\"==\": [{\"var\": \"s\"}, 10]}", s, "Number()");
    expect_refused("{\"<\": [{\"var\": \"s\"}, {\"var\": \"s2\"}]}", s, "UTF-16");
    expect_refused("{\"<\": [{\"var\": \"s\"}, \"１２\"]}", s, "U+E000");
    expect_refused("{\"==\": [{\"var\": \"unknown\"}, 1]}", s, "not in the SQL schema");
    expect_refused("{\"==\": [{\"var\": {\"cat\": [\"i\"]}}, 1]}", s, "computed");
    expect_refused("{\">\": [{\"/\": [1, {\"var\": \"i\"}]}, 1]}", s, "divide by a constant");
    expect_refused("{\">\": [{\"%\": [{\"var\": \"n\"}, 2]}, 0]}", s, "integer variable");
    expect_refused("{\"some\": [{\"var\": \"tags\"}, {\"==\": [{\"var\": \"\"}, \"vip\"]}]}", s,
                   "no SQL form");
    expect_refused("{\"log\": {\"var\": \"i\"}}", s, "host");
    expect_refused("{\"==\": [{\"cat\": [{\"var\": \"i\"}]}, \"1\"]}", s, "JavaScript way");
    expect_refused("{\"*\": []}", s, "raises an error");
    crm_rule_schema_free(s);
}
END_TEST

START_TEST(schema_follows_vocabulary)
{
    crm_rule_schema *s;
    ck_assert_ok(crm_rule_schema_new(&s));
    ck_assert_int_eq(crm_rule_schema_add(s, "age", CRM_RULE_VAR_TEXT, "c.age"), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_rule_schema_add(s, "age", CRM_RULE_VAR_INTEGER, "c.age"));
    ck_assert_ok(crm_rule_schema_bind(s, "tags", "c.tags_json"));
    ck_assert_int_eq(crm_rule_schema_bind(s, "no_such_name", "x"), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_rule_schema_add(s, "x", (crm_rule_var_type)99, "x"), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_rule_schema_add(s, "x", CRM_RULE_VAR_TEXT, ""), CRM_E_INVALID_ARG);
    crm_rule_sql *sql = compile("{\"and\": [{\">=\": [{\"var\": \"age\"}, 30]},"
                                " {\"in\": [\"vip\", {\"var\": \"tags\"}]}]}",
                                s);
    ck_assert_ptr_nonnull(strstr(crm_rule_sql_text(sql), "c.age"));
    ck_assert_ptr_nonnull(strstr(crm_rule_sql_text(sql), "json_each((c.tags_json))"));
    crm_rule_sql_free(sql);
    /* conditions are written cheapest first, whatever the rule's order */
    sql = compile("{\"and\": [{\"in\": [\"vip\", {\"var\": \"tags\"}]},"
                  " {\">=\": [{\"var\": \"age\"}, 30]}]}",
                  s);
    const char *text = crm_rule_sql_text(sql);
    ck_assert(strstr(text, "c.age") < strstr(text, "json_each"));
    crm_rule_sql_free(sql);
    crm_rule_schema_free(s);
    crm_rule_schema_free(NULL);
    crm_rule_sql_free(NULL);
}
END_TEST

static Suite *rule_sql_suite(void)
{
    Suite *s = suite_create("rule_sql");
    TCase *tc = tcase_create("compiler");
    tcase_add_test(tc, compiles_with_parameters);
    tcase_add_test(tc, refuses_what_sql_cannot_match);
    tcase_add_test(tc, schema_follows_vocabulary);
    suite_add_tcase(s, tc);
    TCase *prop = tcase_create("property");
    tcase_set_timeout(prop, 600);
    tcase_add_test(prop, interpreter_and_sql_agree);
    suite_add_tcase(s, prop);
    return s;
}

int main(void)
{
    return test_run_suite(rule_sql_suite());
}
