/* Differential test of the interpreter against the reference implementation,
 * json-logic-js 2.0.5 under node: generated rules over every operator, on
 * generated data, must give the same JSON result (or both raise). Skips,
 * saying why, when node or the npm package is not available, and in
 * sanitizer builds (node is not instrumented and the run is long).
 * CRM_TEST_SEED overrides the seed. */
#include "testutil.h"

#include <crm/rule.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED true
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED true
#endif
#endif
#ifndef SANITIZED
#define SANITIZED false
#endif

#define N_CASES 30000

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

static void out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

/* No emoji: substr can split them, and a lone surrogate has no UTF-8 form. */
static const char *const strings[] = {"",     "0",    "10",  "9",        "1e3",  " 12 ", "abc",
                                      "中文", "北京", "C3",  "vip",      "a,b",  "-1",   "1.50",
                                      "null", "true", "x.y", "Infinity", "0x1A", "，"};
#define N_STRINGS (sizeof strings / sizeof strings[0])
static const char *const numbers[] = {"0",  "1",    "-1",  "2", "0.5", "-2.5",  "3",
                                      "10", "1e21", "0.1", "7", "100", "-0.25", "1e-7"};
#define N_NUMBERS (sizeof numbers / sizeof numbers[0])
static const char *const names[] = {
    "a", "b", "c", "s", "list", "obj.k", "obj", "list.1", "n", "missing_name", ""};
#define N_NAMES (sizeof names / sizeof names[0])

static void gen(rng *r, FILE *f, int depth);

static void gen_scalar(rng *r, FILE *f)
{
    switch (rnd(r, 6)) {
    case 0:
    case 1: out(f, "%s", numbers[rnd(r, N_NUMBERS)]); break;
    case 2:
    case 3: out(f, "\"%s\"", strings[rnd(r, N_STRINGS)]); break;
    case 4: out(f, "null"); break;
    default: out(f, rnd(r, 2) ? "true" : "false");
    }
}

static void gen_list(rng *r, FILE *f, int depth, uint32_t n)
{
    out(f, "[");
    for (uint32_t i = 0; i < n; i++) {
        out(f, i ? ", " : "");
        gen(r, f, depth);
    }
    out(f, "]");
}

static void gen(rng *r, FILE *f, int depth)
{
    static const char *const ops[] = {
        "==",  "!=",  "===",    "!==",    "<",      "<=",   ">",     ">=",      "!",
        "!!",  "and", "or",     "if",     "?:",     "+",    "-",     "*",       "/",
        "%",   "min", "max",    "cat",    "substr", "in",   "merge", "missing", "missing_some",
        "var", "map", "filter", "reduce", "all",    "some", "none"};
    if (depth <= 0 || rnd(r, 5) == 0) {
        if (rnd(r, 3) == 0)
            out(f, "{\"var\": \"%s\"}", names[rnd(r, N_NAMES)]);
        else if (rnd(r, 8) == 0)
            gen_list(r, f, 0, rnd(r, 3));
        else
            gen_scalar(r, f);
        return;
    }
    const char *op = ops[rnd(r, sizeof ops / sizeof ops[0])];
    out(f, "{\"%s\": ", op);
    bool scoped = !strcmp(op, "map") || !strcmp(op, "filter") || !strcmp(op, "all") ||
                  !strcmp(op, "some") || !strcmp(op, "none") || !strcmp(op, "reduce");
    if (scoped) {
        out(f, "[");
        if (rnd(r, 3))
            out(f, "{\"var\": \"list\"}");
        else
            gen(r, f, depth - 1);
        out(f, ", ");
        if (!strcmp(op, "reduce"))
            out(f, "{\"+\": [{\"var\": \"current\"}, {\"var\": \"accumulator\"}]}, 0]");
        else {
            gen(r, f, depth - 1);
            out(f, "]");
        }
    } else if (!strcmp(op, "var") && rnd(r, 2)) {
        out(f, "[\"%s\", ", names[rnd(r, N_NAMES)]);
        gen_scalar(r, f);
        out(f, "]");
    } else if (!strcmp(op, "missing_some")) {
        out(f, "[%u, [\"a\", \"b\", \"zz\"]]", rnd(r, 4));
    } else if (!strcmp(op, "*") && rnd(r, 3)) {
        gen_list(r, f, depth - 1, 1 + rnd(r, 3));
    } else {
        gen_list(r, f, depth - 1, rnd(r, 4));
    }
    out(f, "}");
}

static const char *const data_pool[] = {
    "{\"a\": 1, \"b\": \"10\", \"c\": null, \"s\": \"中文abc\", \"list\": [1, 2, 3], "
    "\"obj\": {\"k\": \"v\"}, \"n\": -2.5}",
    "{\"a\": \"\", \"b\": 0, \"c\": true, \"s\": \"\", \"list\": [], \"obj\": {}, \"n\": 0}",
    "{\"a\": [1], \"b\": \" 12 \", \"c\": false, \"s\": \"北京\", \"list\": [\"a\", null, 2.5], "
    "\"obj\": {\"k\": [1, 2]}, \"n\": 1e21}",
    "{\"list\": [\"vip\", \"new\"], \"a\": \"abc\", \"b\": \"9\"}",
};

static bool have(const char *cmd)
{
    return system(cmd) == 0;
}

static char *read_line(FILE *f)
{
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 2 > cap)
            buf = realloc(buf, cap *= 2);
        buf[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* Our result for one case: canonical JSON, or "ERROR". */
static char *ours(const char *rule_text, const char *data_text)
{
    crm_rule *r;
    crm_rule_data *d;
    ck_assert_msg(crm_rule_parse(&r, rule_text, strlen(rule_text)) == CRM_OK, "%s: %s", rule_text,
                  crm_last_errmsg());
    ck_assert_ok(crm_rule_data_parse(&d, data_text, strlen(data_text)));
    char *json = NULL;
    int rc = crm_rule_eval_json(&json, r, d);
    crm_rule_data_free(d);
    crm_rule_free(r);
    return rc == CRM_OK ? json : strdup("ERROR");
}

/* Node's JSON in our canonical form (the same writer prints both). */
static char *canonical(const char *json)
{
    if (strcmp(json, "ERROR") == 0)
        return strdup(json);
    crm_rule *r;
    crm_rule_data *d;
    const char *whole = "{\"var\": \"\"}";
    ck_assert_ok(crm_rule_parse(&r, whole, strlen(whole)));
    ck_assert_msg(crm_rule_data_parse(&d, json, strlen(json)) == CRM_OK, "node gave %s", json);
    char *text;
    ck_assert_ok(crm_rule_eval_json(&text, r, d));
    crm_rule_data_free(d);
    crm_rule_free(r);
    return text;
}

static const char *const node_script =
    "const jl = require('json-logic-js');\n"
    "const lines = require('fs').readFileSync(process.argv[2], 'utf8').split('\\n');\n"
    "const out = [];\n"
    "for (let i = 0; i + 1 < lines.length; i += 2) {\n"
    "  try {\n"
    "    const r = jl.apply(JSON.parse(lines[i]), JSON.parse(lines[i + 1]));\n"
    "    out.push(JSON.stringify(r === undefined ? null : r));\n"
    "  } catch (e) { out.push('ERROR'); }\n"
    "}\n"
    "process.stdout.write(out.join('\\n') + '\\n');\n";

START_TEST(matches_json_logic_js)
{
    if (SANITIZED) {
        printf("rule node differential test: skipped (sanitizer build)\n");
        return;
    }
    if (!have("node --version > /dev/null 2>&1")) {
        printf("rule node differential test: skipped (node is not installed)\n");
        return;
    }
    if (!have("node -e \"require('json-logic-js')\" > /dev/null 2>&1") &&
        !have("npm install --no-audit --no-fund --silent --prefix . json-logic-js@2.0.5 "
              "> /dev/null 2>&1")) {
        printf("rule node differential test: skipped (npm could not install "
               "json-logic-js@2.0.5)\n");
        return;
    }
    const char *env = getenv("CRM_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261125u;
    rng r = {seed * 2654435761u + 7};
    FILE *cases = fopen("rule_node_cases.txt", "w"), *script = fopen("rule_node.js", "w");
    ck_assert_ptr_nonnull(cases);
    ck_assert_ptr_nonnull(script);
    fputs(node_script, script);
    fclose(script);
    for (int i = 0; i < N_CASES; i++) {
        gen(&r, cases, 1 + (int)rnd(&r, 4));
        out(cases, "\n%s\n", data_pool[rnd(&r, sizeof data_pool / sizeof data_pool[0])]);
    }
    fclose(cases);
    FILE *node = popen("node rule_node.js rule_node_cases.txt", "r");
    ck_assert_ptr_nonnull(node);
    FILE *in = fopen("rule_node_cases.txt", "r");
    int n = 0;
    char *rule, *data, *want;
    while ((rule = read_line(in)) && (data = read_line(in))) {
        want = read_line(node);
        ck_assert_msg(want != NULL, "node stopped after %d cases", n);
        char *got = ours(rule, data), *w = canonical(want), *g = canonical(got);
        ck_assert_msg(strcmp(w, g) == 0,
                      "seed %llu: case %d differs\n  rule %s\n  data %s\n  json-logic-js %s\n"
                      "  libcrm %s",
                      (unsigned long long)seed, n, rule, data, want, got);
        free(w);
        free(g);
        crm_free(got);
        free(want);
        free(rule);
        free(data);
        n++;
    }
    fclose(in);
    pclose(node);
    printf("rule node differential test: seed %llu, %d cases, 0 differences from "
           "json-logic-js 2.0.5\n",
           (unsigned long long)seed, n);
    ck_assert_int_eq(n, N_CASES);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rule_node");
    TCase *tc = tcase_create("differential");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, matches_json_logic_js);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
