/* libFuzzer target for the rule engine. An input is rule text, optionally
 * followed by a NUL byte and data text. Each input is parsed, evaluated,
 * explained and compiled to SQL; when it compiles, SQLite's answer on a
 * fixed table must equal the interpreter's on every row, so the fuzzer hunts
 * disagreements as well as crashes. Any finding aborts. */
#include <crm/rule.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS 6

static sqlite3 *db;
static crm_rule_schema *schema;
static crm_rule_data *rows[N_ROWS];

static const char *const table_sql =
    "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, n REAL, s TEXT, b INTEGER, tags TEXT);"
    "INSERT INTO t VALUES (0, 30, 1.5, 'C3', 1, '[\"vip\"]');"
    "INSERT INTO t VALUES (1, NULL, NULL, NULL, NULL, NULL);"
    "INSERT INTO t VALUES (2, -5, -0.25, '', 0, '[]');"
    "INSERT INTO t VALUES (3, 0, 0, '10', 1, '[\"new\",\"10\"]');"
    "INSERT INTO t VALUES (4, 100000000, 1e21, '北京', 0, '[\"\"]');"
    "INSERT INTO t VALUES (5, 7, 3, ' 12 ', NULL, '[\"中文\",\"vip\"]');";

/* The same rows as interpreter data. */
static const char *const row_json[N_ROWS] = {
    "{\"i\": 30, \"n\": 1.5, \"s\": \"C3\", \"b\": true, \"tags\": [\"vip\"]}",
    "{\"i\": null, \"n\": null, \"s\": null, \"b\": null, \"tags\": null}",
    "{\"i\": -5, \"n\": -0.25, \"s\": \"\", \"b\": false, \"tags\": []}",
    "{\"i\": 0, \"n\": 0, \"s\": \"10\", \"b\": true, \"tags\": [\"new\", \"10\"]}",
    "{\"i\": 100000000, \"n\": 1e21, \"s\": \"北京\", \"b\": false, \"tags\": [\"\"]}",
    "{\"i\": 7, \"n\": 3, \"s\": \" 12 \", \"b\": null, \"tags\": [\"中文\", \"vip\"]}",
};

static void setup(void)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, table_sql, NULL, NULL, NULL) != SQLITE_OK)
        abort();
    if (crm_rule_schema_new(&schema) ||
        crm_rule_schema_add(schema, "i", CRM_RULE_VAR_INTEGER, "t.i") ||
        crm_rule_schema_add(schema, "n", CRM_RULE_VAR_NUMBER, "t.n") ||
        crm_rule_schema_add(schema, "s", CRM_RULE_VAR_TEXT, "t.s") ||
        crm_rule_schema_add(schema, "b", CRM_RULE_VAR_BOOL, "t.b") ||
        crm_rule_schema_add(schema, "tags", CRM_RULE_VAR_TEXT_ARRAY, "t.tags"))
        abort();
    for (int k = 0; k < N_ROWS; k++)
        if (crm_rule_data_parse(&rows[k], row_json[k], strlen(row_json[k])))
            abort();
}

static void bind_params(sqlite3_stmt *st, const crm_rule_sql *sql)
{
    for (size_t i = 0; i < crm_rule_sql_param_count(sql); i++) {
        const char *name, *text = NULL;
        crm_rule_param_type type;
        double d = 0;
        int64_t v = 0;
        crm_rule_sql_param(sql, i, &name, &type, &d, &v, &text);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            abort();
        if (type == CRM_RULE_PARAM_NUMBER)
            sqlite3_bind_double(st, idx, d);
        else if (type == CRM_RULE_PARAM_INTEGER)
            sqlite3_bind_int64(st, idx, v);
        else
            sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC);
    }
}

static void check_agreement(const crm_rule *rule, const crm_rule_sql *sql)
{
    char *q = sqlite3_mprintf("SELECT id, CASE WHEN %s THEN 1 ELSE 0 END FROM t ORDER BY id",
                              crm_rule_sql_text(sql));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "compiled SQL does not prepare: %s\n%s\n", sqlite3_errmsg(db), q);
        abort();
    }
    bind_params(st, sql);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), want = sqlite3_column_int(st, 1), got;
        if (crm_rule_eval(&got, rule, rows[id]) != CRM_OK) {
            fprintf(stderr, "compiled rule raises on row %d: %s\n", id, crm_last_errmsg());
            abort();
        }
        if (got != want) {
            fprintf(stderr, "disagreement on row %d: interpreter %d, SQLite %d\nSQL %s\n", id, got,
                    want, crm_rule_sql_text(sql));
            abort();
        }
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "compiled SQL fails: %s\n%s\n", sqlite3_errmsg(db), q);
        abort();
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
}

static void explain(const crm_rule *rule)
{
    char *text = NULL;
    if (crm_rule_format(&text, rule, CRM_RULE_FORMAT_PRETTY) == CRM_OK) {
        crm_rule *again = NULL; /* the printed form must parse back */
        if (crm_rule_parse(&again, text, strlen(text)) != CRM_OK) {
            fprintf(stderr, "formatted rule does not parse: %s\n%s\n", crm_last_errmsg(), text);
            abort();
        }
        crm_rule_free(again);
    }
    crm_free(text);
    for (size_t i = 0; i < crm_rule_variable_count(rule); i++)
        if (!crm_rule_variable(rule, i))
            abort();
    crm_rule_check_vocab(rule);
}

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size)
{
    if (!db)
        setup();
    const char *text = (const char *)bytes;
    const char *sep = memchr(text, '\0', size);
    size_t rule_len = sep ? (size_t)(sep - text) : size;
    crm_rule *rule = NULL;
    if (crm_rule_parse(&rule, text, rule_len) != CRM_OK)
        return 0;
    explain(rule);
    crm_rule_data *data = NULL;
    if (sep && crm_rule_data_parse(&data, sep + 1, size - rule_len - 1) == CRM_OK) {
        char *out = NULL;
        int truthy;
        crm_rule_eval_json(&out, rule, data);
        crm_free(out);
        crm_rule_eval(&truthy, rule, data);
        crm_rule_data_free(data);
    }
    crm_rule_sql *sql = NULL;
    if (crm_rule_to_sql(&sql, rule, schema, NULL) == CRM_OK)
        check_agreement(rule, sql);
    crm_rule_sql_free(sql);
    crm_rule_free(rule);
    return 0;
}
