/* The rule engine through its public API: the JsonLogic conformance suite,
 * parsing JSON and YAML, hostile input, data handles and callbacks,
 * explanation, and the customer vocabulary. */
#include "testutil.h"

#include <crm/rule.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static crm_rule *parse(const char *text)
{
    crm_rule *r = NULL;
    int rc = crm_rule_parse(&r, text, strlen(text));
    ck_assert_msg(rc == CRM_OK, "%s: %s", text, crm_last_errmsg());
    return r;
}

static crm_rule_data *data_of(const char *text)
{
    crm_rule_data *d = NULL;
    int rc = crm_rule_data_parse(&d, text, strlen(text));
    ck_assert_msg(rc == CRM_OK, "%s: %s", text, crm_last_errmsg());
    return d;
}

/* The JSON result of a rule on data given as text; caller frees. */
static char *eval_text(const char *rule, const char *data)
{
    crm_rule *r = parse(rule);
    crm_rule_data *d = data_of(data);
    char *out = NULL;
    int rc = crm_rule_eval_json(&out, r, d);
    ck_assert_msg(rc == CRM_OK, "%s on %s: %s", rule, data, crm_last_errmsg());
    crm_rule_data_free(d);
    crm_rule_free(r);
    return out;
}

static void expect_eval(const char *rule, const char *data, const char *want)
{
    char *got = eval_text(rule, data);
    ck_assert_msg(strcmp(got, want) == 0, "%s on %s: got %s, want %s", rule, data, got, want);
    crm_free(got);
}

/* JSON text in the library's canonical form, to compare results. */
static char *canonical(const char *json)
{
    return eval_text("{\"var\": \"\"}", json);
}

/* ------------------------------------------------------------ conformance */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* A file of the conformance suites kept in tests/conformance (ctest sets
 * CRM_CONFORMANCE_DIR to it). */
static char *conformance_path(const char *rel)
{
    const char *dir = getenv("CRM_CONFORMANCE_DIR");
    char *path = malloc(1024);
    ck_assert_ptr_nonnull(path);
    snprintf(path, 1024, "%s/%s", dir ? dir : "tests/conformance", rel);
    return path;
}

static bool conformance_case(const char *rule, const char *data, const char *expected)
{
    char *got = eval_text(rule, data);
    char *want = canonical(expected), *have = canonical(got);
    bool ok = strcmp(want, have) == 0;
    if (!ok)
        fprintf(stderr, "conformance: %s on %s gave %s, expected %s\n", rule, data, got, expected);
    crm_free(got);
    crm_free(want);
    crm_free(have);
    return ok;
}

START_TEST(jsonlogic_conformance)
{
    char *path = conformance_path("jsonlogic/tests.json");
    size_t len;
    char *text = read_file(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s (set CRM_CONFORMANCE_DIR)", path);
    sqlite3 *db;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT value -> 0, value -> 1, value -> 2 "
                                        "FROM json_each(?) WHERE type = 'array'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
    int total = 0, passed = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        total++;
        passed += conformance_case((const char *)sqlite3_column_text(st, 0),
                                   (const char *)sqlite3_column_text(st, 1),
                                   (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("jsonlogic conformance: %d of %d cases pass\n", passed, total);
    ck_assert_int_eq(total, 278);
    ck_assert_int_eq(passed, total);
    free(text);
    free(path);
}
END_TEST

/* ------------------------------------------------------ JavaScript details */

START_TEST(javascript_semantics)
{
    /* == coerces, === does not; "0" and [] */
    expect_eval("{\"==\": [\" 12 \", 12]}", "{}", "true");
    expect_eval("{\"==\": [\"0x10\", 16]}", "{}", "true");
    expect_eval("{\"===\": [\"12\", 12]}", "{}", "false");
    expect_eval("{\"==\": [null, 0]}", "{}", "false");
    expect_eval("[{\"+\": [\"-\"]}, {\"-\": [\"+\"]}, {\"==\": [\"-\", 0]}]", "{}",
                "[null,null,false]");
    expect_eval("{\"==\": [[1], \"1\"]}", "{}", "true");
    expect_eval("{\"!!\": \"0\"}", "{}", "true");
    expect_eval("{\"!!\": [[]]}", "{}", "false");
    expect_eval("{\"!!\": [{\"var\": \"e\"}]}", "{\"e\": []}", "false");
    /* strings compare as strings, strings and numbers as numbers */
    expect_eval("{\"<\": [\"10\", \"9\"]}", "{}", "true");
    expect_eval("{\"<\": [\"10\", 9]}", "{}", "false");
    expect_eval("{\"<\": [null, 1]}", "{}", "true");
    expect_eval("{\"<=\": [\"abc\", 1]}", "{}", "false");
    expect_eval("{\"<\": [1, 2, 3]}", "{}", "true");
    expect_eval("{\"<=\": [1, 1, 0]}", "{}", "false");
    /* UTF-16 order: U+1F600 (a surrogate pair) sorts before U+FF0C */
    expect_eval("{\"<\": [\"😀\", \"，\"]}", "{}", "true");
    expect_eval("{\"<\": [\"北京\", \"上海\"]}", "{}", "false");
    /* numbers print as JavaScript prints them */
    expect_eval("{\"cat\": [0.1, \"|\", 1e21, \"|\", 1e-7, \"|\", 123456789012, \"|\", -0, "
                "\"|\", 0.30000000000000004]}",
                "{}", "\"0.1|1e+21|1e-7|123456789012|0|0.30000000000000004\"");
    expect_eval("{\"+\": [0.1, 0.2]}", "{}", "0.30000000000000004");
    expect_eval("{\"+\": [\"1e3\", \" 2\", \"3px\"]}", "{}", "1005");
    expect_eval("{\"*\": [\"5\"]}", "{}", "\"5\"");
    expect_eval("{\"/\": [1, 0]}", "{}", "null");
    expect_eval("{\"%\": [-7, 2]}", "{}", "-1");
    expect_eval("{\"min\": []}", "{}", "null");
    expect_eval("{\"max\": [1, \"3\", null]}", "{}", "3");
    expect_eval("{\"-\": [\"5\"]}", "{}", "-5");
    /* substr counts UTF-16 units; negative lengths cut from the end */
    expect_eval("{\"substr\": [\"中文abc\", -2]}", "{}", "\"bc\"");
    expect_eval("{\"substr\": [\"中文abc\", 1, -1]}", "{}", "\"文ab\"");
    expect_eval("{\"substr\": [\"中文abc\", 1, 2]}", "{}", "\"文a\"");
    /* var: dotted paths, array indexes, defaults, strings */
    expect_eval("{\"var\": \"a.b.1\"}", "{\"a\": {\"b\": [10, 20]}}", "20");
    expect_eval("{\"var\": [\"a.c\", \"none\"]}", "{\"a\": {\"b\": 1}}", "\"none\"");
    expect_eval("{\"var\": [\"a\", \"none\"]}", "{\"a\": null}", "null");
    expect_eval("{\"var\": \"s.length\"}", "{\"s\": \"中文\"}", "2");
    expect_eval("{\"var\": 1}", "[\"x\", \"y\"]", "\"y\"");
    /* in: substring or strict membership */
    expect_eval("{\"in\": [1, \"a1b\"]}", "{}", "true");
    expect_eval("{\"in\": [\"1\", [1, 2]]}", "{}", "false");
    expect_eval("{\"in\": [\"vip\", {\"var\": \"tags\"}]}", "{\"tags\": [\"new\", \"vip\"]}",
                "true");
    /* and / or return operands; missing_some */
    expect_eval("{\"and\": [1, \"\", 2]}", "{}", "\"\"");
    expect_eval("{\"or\": [0, [], \"x\"]}", "{}", "\"x\"");
    expect_eval("{\"missing_some\": [1, [\"a\", \"b\"]]}", "{\"b\": 0}", "[]");
    expect_eval("{\"reduce\": [[1, 2, 3], {\"+\": [{\"var\": \"current\"}, "
                "{\"var\": \"accumulator\"}]}, 10]}",
                "{}", "16");
    /* objects with other than one key are literals, not operations */
    expect_eval("{\"a\": {\"var\": \"x\"}, \"b\": 2}", "{}", "{\"a\":{\"var\":\"x\"},\"b\":2}");
    /* JavaScript lists integer-like keys first */
    expect_eval("{\"var\": \"\"}", "{\"b\": 1, \"2\": 2, \"1\": 3}", "{\"1\":3,\"2\":2,\"b\":1}");
}
END_TEST

START_TEST(yaml_and_json)
{
    const char *yaml = "and:\n"
                       "  - \">=\": [{var: age}, 18]\n"
                       "  - in: [{var: risk_level}, [C3, C4, C5]]\n"
                       "  - \"!\": {var: risk_expired}\n";
    crm_rule *r = parse(yaml);
    crm_rule_data *d = data_of("age: 30\nrisk_level: C4\nrisk_expired: false\n");
    int yes = -1;
    ck_assert_ok(crm_rule_eval(&yes, r, d));
    ck_assert_int_eq(yes, 1);
    ck_assert_ok(crm_rule_data_set_int(d, "age", 17));
    ck_assert_ok(crm_rule_eval(&yes, r, d));
    ck_assert_int_eq(yes, 0);
    char *json;
    ck_assert_ok(crm_rule_format(&json, r, CRM_RULE_FORMAT_COMPACT));
    ck_assert_str_eq(json, "{\"and\":[{\">=\":[{\"var\":\"age\"},18]},{\"in\":[{\"var\":"
                           "\"risk_level\"},[\"C3\",\"C4\",\"C5\"]]},{\"!\":{\"var\":"
                           "\"risk_expired\"}}]}");
    crm_free(json);
    crm_rule_data_free(d);
    crm_rule_free(r);
    /* quoted scalars are strings, plain ones typed by the YAML 1.2 core schema */
    expect_eval("[12, '12', \"12\", 0x1F, -0.5, 1e3, .inf, ~, null, true, yes, NO, '', 1_000]",
                "{}",
                "[12,\"12\",\"12\",31,-0.5,1000,null,null,null,true,\"yes\",\"NO\",\"\","
                "\"1_000\"]");
    expect_eval("{\"===\": [!!str 5, \"5\"]}", "{}", "true");
    /* U+2028 is an ordinary character in JSON strings, a line break in YAML */
    expect_eval("{\"cat\": [\"a\u2028b\xc2\x85\"]}", "{}", "\"a\\u2028b\\u0085\"");
    /* JSON escapes, including surrogate pairs as other JSON writers emit them */
    expect_eval("{\"cat\": [\"\\u4e2d\\t\", \"\\ud83d\\ude00\"]}", "{}", "\"中\\t😀\"");
}
END_TEST

/* --------------------------------------------------------------- hostile */

#define expect_parse_error_str(text, what) expect_parse_error(text, strlen(text), what)

static void expect_parse_error(const char *text, size_t len, const char *what)
{
    crm_rule *r = NULL;
    int rc = crm_rule_parse(&r, text, len);
    ck_assert_msg(rc == CRM_E_INVALID_DATA, "parse of %.60s gave %d", text, rc);
    ck_assert_ptr_null(r);
    const char *msg = crm_last_errmsg();
    ck_assert_msg(strstr(msg, "line ") && strstr(msg, "column "), "no position in: %s", msg);
    ck_assert_msg(strstr(msg, what) != NULL, "message \"%s\" lacks \"%s\"", msg, what);
}

START_TEST(hostile_rules_fail_cleanly)
{
    const char *unclosed = "{\"and\": [true,\n  {\"var\": \"a\"}";
    expect_parse_error(unclosed, strlen(unclosed), "expected");
    expect_parse_error(unclosed, strlen(unclosed), "line 3");

    /* 100,000-deep nesting, as arrays and as operators */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    ck_assert_ptr_nonnull(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    expect_parse_error(deep, 2 * depth, "nesting deeper than 128");
    free(deep);
    const char *unit = "{\"!\":";
    deep = malloc(depth * strlen(unit) + depth + 2);
    ck_assert_ptr_nonnull(deep);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++, n += strlen(unit))
        memcpy(deep + n, unit, strlen(unit));
    deep[n++] = '1';
    memset(deep + n, '}', depth);
    expect_parse_error(deep, n + depth, "nesting deeper than 128");
    free(deep);

    const char *unknown = "{\"if\": [true, 1,\n {\"=<\": [1, 2]}]}";
    expect_parse_error(unknown, strlen(unknown), "unknown operator \"=<\"");
    expect_parse_error(unknown, strlen(unknown), "did you mean \"<=\"");
    expect_parse_error(unknown, strlen(unknown), "line 2, column 3");

    /* a 10 MB string */
    size_t big = 10u << 20;
    char *huge = malloc(big + 3);
    ck_assert_ptr_nonnull(huge);
    huge[0] = '"';
    memset(huge + 1, 'a', big);
    huge[big + 1] = '"';
    expect_parse_error(huge, big + 2, "longer than the limit");
    crm_rule_data *d = NULL;
    ck_assert_int_eq(crm_rule_data_parse(&d, huge, big + 2), CRM_E_INVALID_DATA);
    free(huge);

    /* many values */
    size_t items = 150000;
    char *wide = malloc(items * 2 + 2);
    ck_assert_ptr_nonnull(wide);
    wide[0] = '[';
    for (size_t i = 0; i < items; i++) {
        wide[1 + 2 * i] = '1';
        wide[2 + 2 * i] = i + 1 < items ? ',' : ']';
    }
    expect_parse_error(wide, items * 2 + 1, "more than 100000 values");
    free(wide);

    expect_parse_error("", 0, "empty input");
    expect_parse_error("\"\xff\"", 3, "line 1");
    expect_parse_error_str("{\"var\": \"a\"}\n---\n{\"var\": \"b\"}", "second document");
    expect_parse_error_str("[&a 1, *a]", "aliases");
    expect_parse_error_str("{\"var\": \"a\", \"var\": \"b\"}", "duplicate key");
    expect_parse_error_str("\"a\\u0000b\"", "U+0000");
    expect_parse_error_str("{[1]: 2}", "mapping key");
    expect_parse_error_str("!!int abc", "tag");
    ck_assert_int_eq(crm_rule_parse(NULL, "1", 1), CRM_E_INVALID_ARG);
}
END_TEST

START_TEST(evaluation_limits)
{
    crm_rule *r;
    crm_rule_data *d;
    int yes;
    /* a rule that raises in json-logic-js raises here, with its position */
    r = parse("{\"if\": [true,\n {\"*\": []}]}");
    ck_assert_ok(crm_rule_data_new(&d));
    ck_assert_int_eq(crm_rule_eval(&yes, r, d), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "line 2, column 3"));
    crm_rule_free(r);
    /* nesting built at run time is bounded */
    char list[8000];
    size_t n = (size_t)snprintf(list, sizeof list, "[");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s1", i ? "," : "");
    snprintf(list + n, sizeof list - n, "]");
    ck_assert_ok(crm_rule_data_set_json(d, "list", list, strlen(list)));
    r = parse("{\"reduce\": [{\"var\": \"list\"}, [{\"var\": \"accumulator\"}], []]}");
    char *out = NULL;
    ck_assert_int_eq(crm_rule_eval_json(&out, r, d), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "nested"));
    crm_rule_free(r);
    /* so is memory: this doubles an array 1000 times */
    r = parse("{\"reduce\": [{\"var\": \"list\"}, {\"merge\": [{\"var\": \"accumulator\"}, "
              "{\"var\": \"accumulator\"}]}, [1]]}");
    ck_assert_int_eq(crm_rule_eval(&yes, r, d), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "64 MiB"));
    crm_rule_free(r);
    /* and the data still works afterwards */
    r = parse("{\"var\": \"list.999\"}");
    ck_assert_ok(crm_rule_eval_json(&out, r, d));
    ck_assert_str_eq(out, "1");
    crm_free(out);
    crm_rule_free(r);
    crm_rule_data_free(d);
}
END_TEST

/* ------------------------------------------------------------------ data */

typedef struct resolver_state {
    int calls;
    int stop_at; /* stop when asked for this call number */
} resolver_state;

static int resolve(crm_rule_data *data, const char *name, void *payload)
{
    resolver_state *st = payload;
    st->calls++;
    if (st->calls == st->stop_at)
        return CRM_E_IO;
    if (strcmp(name, "age") == 0)
        return crm_rule_data_set_int(data, "age", 40);
    if (strcmp(name, "city") == 0)
        return crm_rule_data_set_text(data, "city", "北京");
    return 0; /* unknown: stays missing */
}

START_TEST(resolver_supplies_values_lazily)
{
    crm_rule *r = parse("{\"and\": [{\">\": [{\"var\": \"age\"}, 30]}, {\"==\": [{\"var\": "
                        "\"city\"}, \"北京\"]}, {\"!\": {\"var\": \"nick\"}}, "
                        "{\"<\": [{\"var\": \"age\"}, 60]}]}");
    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    resolver_state st = {0, 0};
    ck_assert_ok(crm_rule_data_set_resolver(d, resolve, &st));
    int yes;
    ck_assert_ok(crm_rule_eval(&yes, r, d));
    ck_assert_int_eq(yes, 1);
    ck_assert_int_eq(st.calls, 3); /* age, city, nick: each asked once */
    ck_assert_ok(crm_rule_eval(&yes, r, d));
    ck_assert_int_eq(st.calls, 3);
    crm_rule_data_clear(d); /* next customer */
    st = (resolver_state){0, 2};
    ck_assert_int_eq(crm_rule_eval(&yes, r, d), CRM_E_IO);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "resolver"));
    crm_rule_data_free(d);
    crm_rule_free(r);
}
END_TEST

typedef struct log_state {
    char seen[256];
    int stop;
} log_state;

static int on_log(const char *json, void *payload)
{
    log_state *st = payload;
    snprintf(st->seen + strlen(st->seen), sizeof st->seen - strlen(st->seen), "%s;", json);
    return st->stop;
}

START_TEST(log_goes_to_the_host)
{
    crm_rule *r = parse("{\"log\": {\"cat\": [\"a\", {\"log\": [[1, \"x\"]]}]}}");
    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    char *out;
    ck_assert_ok(crm_rule_eval_json(&out, r, d)); /* no callback: silent */
    ck_assert_str_eq(out, "\"a1,x\"");
    crm_free(out);
    log_state st = {"", 0};
    ck_assert_ok(crm_rule_data_set_log(d, on_log, &st));
    ck_assert_ok(crm_rule_eval_json(&out, r, d));
    crm_free(out);
    ck_assert_str_eq(st.seen, "[1,\"x\"];\"a1,x\";");
    st = (log_state){"", 1};
    ck_assert_int_eq(crm_rule_eval_json(&out, r, d), CRM_E_STATE);
    crm_rule_data_free(d);
    crm_rule_free(r);
}
END_TEST

START_TEST(data_setters)
{
    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    const char *tags[] = {"vip", "新客户"};
    ck_assert_ok(crm_rule_data_set_text_array(d, "tags", tags, 2));
    ck_assert_ok(crm_rule_data_set_bool(d, "ok", 5));
    ck_assert_ok(crm_rule_data_set_number(d, "rate", 0.25));
    ck_assert_ok(crm_rule_data_set_int(d, "assets", 9007199254740992LL));
    ck_assert_int_eq(crm_rule_data_set_int(d, "assets", 9007199254740993LL), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_rule_data_set_text(d, "name", "张三"));
    ck_assert_int_eq(crm_rule_data_set_text(d, "name", "\xc3\x28"), CRM_E_INVALID_DATA);
    const char *addr = "{city: 上海, zip: '200000'}";
    ck_assert_ok(crm_rule_data_set_json(d, "addr", addr, strlen(addr)));
    ck_assert_int_eq(crm_rule_data_set_json(d, "addr", "{", 1), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_rule_data_set_null(d, "gone"));
    ck_assert_ok(crm_rule_data_unset(d, "gone"));
    ck_assert_ok(crm_rule_data_unset(d, "never_set"));
    crm_rule *r = parse("[{\"var\": \"tags.1\"}, {\"var\": \"ok\"}, {\"var\": \"rate\"}, "
                        "{\"var\": \"assets\"}, {\"var\": \"name\"}, {\"var\": \"addr.zip\"}, "
                        "{\"var\": [\"gone\", \"default\"]}]");
    char *out;
    ck_assert_ok(crm_rule_eval_json(&out, r, d));
    ck_assert_str_eq(out, "[\"新客户\",true,0.25,9007199254740992,\"张三\",\"200000\","
                          "\"default\"]");
    crm_free(out);
    crm_rule_data_clear(d);
    ck_assert_ok(crm_rule_eval_json(&out, r, d));
    ck_assert_str_eq(out, "[null,null,null,null,null,null,\"default\"]");
    crm_free(out);
    crm_rule_free(r);
    crm_rule_data_free(d);
    /* a document that is not an object has no keys to set */
    d = data_of("[1, 2]");
    ck_assert_int_eq(crm_rule_data_set_int(d, "x", 1), CRM_E_STATE);
    crm_rule_data_free(d);
    ck_assert_int_eq(crm_rule_data_new(NULL), CRM_E_INVALID_ARG);
    crm_rule_data_free(NULL);
    crm_rule_free(NULL);
}
END_TEST

static int evaluate_again(crm_rule_data *data, const char *name, void *payload)
{
    int yes;
    (void)name;
    return crm_rule_eval(&yes, payload, data) == CRM_E_STATE ? 0 : 1;
}

START_TEST(no_nested_evaluation)
{
    crm_rule *r = parse("{\"var\": \"x\"}");
    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    ck_assert_ok(crm_rule_data_set_resolver(d, evaluate_again, r));
    int yes;
    ck_assert_ok(crm_rule_eval(&yes, r, d));
    ck_assert_int_eq(yes, 0);
    crm_rule_data_free(d);
    crm_rule_free(r);
}
END_TEST

/* --------------------------------------------------------------- explain */

START_TEST(variables_and_format)
{
    crm_rule *r = parse("{\"and\": [{\">=\": [{\"var\": \"age\"}, 18]}, {\"missing\": "
                        "[\"city\", \"age\"]}, {\"some\": [{\"var\": \"accounts\"}, {\">\": "
                        "[{\"var\": \"balance\"}, 0]}]}, {\"var\": \"customer.tier\"}]}");
    ck_assert_uint_eq(crm_rule_variable_count(r), 4);
    ck_assert_str_eq(crm_rule_variable(r, 0), "age");
    ck_assert_str_eq(crm_rule_variable(r, 1), "city");
    ck_assert_str_eq(crm_rule_variable(r, 2), "accounts");
    ck_assert_str_eq(crm_rule_variable(r, 3), "customer.tier");
    ck_assert_ptr_null(crm_rule_variable(r, 4));
    ck_assert_int_eq(crm_rule_has_dynamic_variables(r), 0);
    char *pretty;
    ck_assert_ok(crm_rule_format(&pretty, r, CRM_RULE_FORMAT_PRETTY));
    ck_assert_str_eq(pretty, "{\n"
                             "  \"and\": [\n"
                             "    {\">=\": [{\"var\": \"age\"}, 18]},\n"
                             "    {\"missing\": [\"city\", \"age\"]},\n"
                             "    {\"some\": [{\"var\": \"accounts\"}, {\">\": [{\"var\": "
                             "\"balance\"}, 0]}]},\n"
                             "    {\"var\": \"customer.tier\"}\n"
                             "  ]\n"
                             "}");
    /* the pretty form parses back to the same rule */
    crm_rule *again = parse(pretty);
    char *a, *b;
    ck_assert_ok(crm_rule_format(&a, r, CRM_RULE_FORMAT_COMPACT));
    ck_assert_ok(crm_rule_format(&b, again, CRM_RULE_FORMAT_COMPACT));
    ck_assert_str_eq(a, b);
    crm_free(a);
    crm_free(b);
    crm_free(pretty);
    crm_rule_free(again);
    crm_rule_free(r);
    r = parse("{\"var\": {\"cat\": [\"a\", \"b\"]}}");
    ck_assert_int_eq(crm_rule_has_dynamic_variables(r), 1);
    ck_assert_uint_eq(crm_rule_variable_count(r), 0);
    ck_assert_int_eq(crm_rule_format(&a, r, (crm_rule_format_style)7), CRM_E_INVALID_ARG);
    crm_rule_free(r);
}
END_TEST

/* ------------------------------------------------------------ vocabulary */

static const struct {
    const char *name;
    crm_rule_var_type type;
} required_vocab[] = {
    {"age", CRM_RULE_VAR_INTEGER},
    {"gender", CRM_RULE_VAR_TEXT},
    {"province", CRM_RULE_VAR_TEXT},
    {"city", CRM_RULE_VAR_TEXT},
    {"branch", CRM_RULE_VAR_TEXT},
    {"manager", CRM_RULE_VAR_TEXT},
    {"assets", CRM_RULE_VAR_INTEGER},
    {"income", CRM_RULE_VAR_INTEGER},
    {"risk_level", CRM_RULE_VAR_TEXT},
    {"risk_expired", CRM_RULE_VAR_BOOL},
    {"tags", CRM_RULE_VAR_TEXT_ARRAY},
    {"txn_count_90d", CRM_RULE_VAR_INTEGER},
    {"txn_amount_90d", CRM_RULE_VAR_INTEGER},
    {"days_since_last_txn", CRM_RULE_VAR_INTEGER},
    {"product_types", CRM_RULE_VAR_TEXT_ARRAY},
};

START_TEST(vocabulary_table)
{
    size_t n = crm_rule_vocab_count();
    for (size_t i = 0; i < sizeof required_vocab / sizeof required_vocab[0]; i++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++) {
            const char *name, *desc;
            crm_rule_var_type type;
            ck_assert_ok(crm_rule_vocab_get(&name, &type, &desc, k));
            if (strcmp(name, required_vocab[i].name) == 0) {
                found = true;
                ck_assert_int_eq(type, required_vocab[i].type);
                ck_assert(strlen(desc) > 0);
            }
        }
        ck_assert_msg(found, "vocabulary lacks %s", required_vocab[i].name);
    }
    ck_assert_int_eq(crm_rule_vocab_get(NULL, NULL, NULL, n), CRM_E_NOT_FOUND);
    ck_assert_str_eq(crm_rule_var_type_name(CRM_RULE_VAR_TEXT_ARRAY), "text[]");

    crm_rule *r = parse("{\"and\": [{\">\": [{\"var\": \"assets\"}, 100]},\n"
                        "  {\"in\": [\"vip\", {\"var\": \"tags\"}]}]}");
    ck_assert_ok(crm_rule_check_vocab(r));
    crm_rule_free(r);
    r = parse("{\"and\": [{\">\": [{\"var\": \"assets\"}, 100]},\n  {\"var\": \"aeg\"}]}");
    ck_assert_int_eq(crm_rule_check_vocab(r), CRM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "did you mean \"age\""));
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "line 2, column 11"));
    crm_rule_free(r);

    crm_rule_data *d;
    ck_assert_ok(crm_rule_data_new(&d));
    ck_assert_ok(crm_rule_data_set_int(d, "age", 30));
    ck_assert_ok(crm_rule_data_set_null(d, "manager"));
    ck_assert_ok(crm_rule_data_set_text(d, "anything_else", "x"));
    ck_assert_ok(crm_rule_data_check_vocab(d));
    ck_assert_ok(crm_rule_data_set_number(d, "age", 30.5));
    ck_assert_int_eq(crm_rule_data_check_vocab(d), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_last_errmsg(), "age"));
    crm_rule_data_free(d);
}
END_TEST

/* docs/RULES.md is the rule author's reference: it must list every
 * vocabulary name with its type, as the table says. */
START_TEST(docs_list_the_vocabulary)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    ck_assert_ptr_nonnull(slash);
    snprintf(slash, sizeof path - (size_t)(slash - path), "/../docs/RULES.md");
    size_t len;
    char *doc = read_file(path, &len);
    ck_assert_msg(doc != NULL, "cannot read %s", path);
    for (size_t i = 0; i < crm_rule_vocab_count(); i++) {
        const char *name;
        crm_rule_var_type type;
        ck_assert_ok(crm_rule_vocab_get(&name, &type, NULL, i));
        char row[160];
        snprintf(row, sizeof row, "| `%s` | %s |", name, crm_rule_var_type_name(type));
        ck_assert_msg(strstr(doc, row) != NULL, "docs/RULES.md lacks the row \"%s\"", row);
    }
    free(doc);
}
END_TEST

static Suite *rule_suite(void)
{
    Suite *s = suite_create("rule");
    TCase *tc = tcase_create("interpreter");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, jsonlogic_conformance);
    tcase_add_test(tc, javascript_semantics);
    tcase_add_test(tc, yaml_and_json);
    tcase_add_test(tc, hostile_rules_fail_cleanly);
    tcase_add_test(tc, evaluation_limits);
    tcase_add_test(tc, resolver_supplies_values_lazily);
    tcase_add_test(tc, log_goes_to_the_host);
    tcase_add_test(tc, data_setters);
    tcase_add_test(tc, no_nested_evaluation);
    tcase_add_test(tc, variables_and_format);
    tcase_add_test(tc, vocabulary_table);
    tcase_add_test(tc, docs_list_the_vocabulary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(rule_suite());
}
