/* Rules over customers: which active customers of a branch subtree a rule
 * selects. The compiled SQL does the work in one statement; a rule SQL
 * cannot express runs through the interpreter, streaming one customer at a
 * time (memory does not grow with the bank). Segments and rule tags both
 * use this. */
#include "rule/rule_int.h"
#include "segment/segment_int.h"

#include <string.h>

static const char SQL_SEG_NEW_CREATE[] =
    "CREATE TEMP TABLE IF NOT EXISTS crmi_seg_new (customer_id INTEGER PRIMARY KEY)";
static const char SQL_SEG_NEW_CLEAR[] = "DELETE FROM temp.crmi_seg_new";
static const char SQL_SEG_NEW_ADD[] = "INSERT INTO temp.crmi_seg_new (customer_id) VALUES (?1)";

int crmi_seg_new_ready(crm_db *db)
{
    return crmi_exec(db, SQL_SEG_NEW_CREATE, "segment scratch table");
}

int crmi_customer_rule_parse(crm_db *db, const char *text, const char *context, crm_rule **out)
{
    crm_rule *rule = NULL;
    int rc = crm_rule_parse(&rule, text, strlen(text));
    if (!rc)
        rc = crm_rule_check_vocab(rule);
    if (rc) {
        crm_rule_free(rule);
        return crmi_error(db, rc, "%s: %s", context, crm_last_errmsg());
    }
    *out = rule;
    return CRM_OK;
}

#define UNIVERSE " WHERE" CRMI_SEGMENT_UNIVERSE

/* Whether the rule reads top-level variable `name` (joins only what it needs:
 * the branch and manager joins are a third of a plain scan's cost). */
static bool reads(const crm_rule *rule, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < crm_rule_variable_count(rule); i++) {
        const char *v = crm_rule_variable(rule, i);
        if (strncmp(v, name, n) == 0 && (v[n] == '\0' || v[n] == '.'))
            return true;
    }
    return false;
}

int crmi_segment_universe_bind(crm_db *db, sqlite3_stmt *st, const char *branch_path)
{
    int idx = sqlite3_bind_parameter_index(st, ":seg_path");
    int rc = crmi_bind_text(st, idx, branch_path);
    crmi_customer_clock_bind(db, st);
    return rc == SQLITE_OK ? CRM_OK : crmi_sqlite_error(db, rc, "bind segment scope");
}

/* One statement: SELECT count(*) or INSERT ... SELECT with the rule. */
static int by_sql(crm_db *db, const crm_rule *rule, const crm_rule_sql *sql,
                  const char *branch_path, int64_t *count)
{
    crmi_buf b = {0};
    crmi_buf_puts(&b, count ? "SELECT count(*)"
                            : "INSERT INTO temp.crmi_seg_new (customer_id) SELECT c.id");
    crmi_buf_puts(&b, " FROM crm_customer c");
    if (reads(rule, "branch"))
        crmi_buf_puts(&b, " JOIN crm_branch b ON b.id = c.branch_id");
    if (reads(rule, "manager"))
        crmi_buf_puts(&b, " LEFT JOIN crm_user m ON m.id = c.manager_id");
    crmi_buf_puts(&b, UNIVERSE " AND (");
    crmi_buf_puts(&b, crm_rule_sql_text(sql));
    crmi_buf_puts(&b, ")");
    if (b.failed) {
        crmi_buf_free(&b);
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    sqlite3_stmt *st = crmi_prepare(db, b.data);
    crmi_buf_free(&b);
    if (!st)
        return db->errcode;
    int rc = crmi_segment_universe_bind(db, st, branch_path);
    if (!rc && crmi_rule_sql_bind(st, sql) != CRM_OK)
        rc = crmi_error(db, CRM_E_INTERNAL, "segment rule: %s", crm_last_errmsg());
    if (!rc) {
        int step = crmi_step(st);
        if (step == SQLITE_ROW && count)
            *count = sqlite3_column_int64(st, 0);
        else if (step != SQLITE_DONE)
            rc = crmi_sqlite_error(db, step, "segment rule");
    }
    sqlite3_finalize(st);
    return rc;
}

int crmi_rule_customer_matches(crm_db *db, const crm_rule *rule, int64_t customer_id, bool *out)
{
    crm_rule_data *data;
    int rc = crm_rule_data_new(&data);
    if (rc)
        return crmi_error(db, rc, "out of memory");
    crmi_customer_data who = {db, customer_id};
    crm_rule_data_set_resolver(data, crmi_customer_resolve, &who);
    int truthy = 0;
    rc = crm_rule_eval(&truthy, rule, data);
    crm_rule_data_free(data);
    if (rc && db->errcode != rc)
        rc = crmi_error(db, rc, "segment rule: %s", crm_last_errmsg());
    *out = truthy != 0;
    return rc;
}

static const char SQL_STREAM[] = "SELECT c.id FROM crm_customer c" UNIVERSE;

static int add_match(crm_db *db, int64_t id, int64_t *count)
{
    if (count) {
        (*count)++;
        return CRM_OK;
    }
    sqlite3_stmt *st = crmi_stmt(db, SQL_SEG_NEW_ADD);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    return crmi_exec_stmt(db, st, "segment member");
}

/* The interpreter over each customer; one data handle reused, so memory
 * stays flat whatever the number of customers. */
static int by_interpreter(crm_db *db, const crm_rule *rule, const char *branch_path, int64_t *count)
{
    crm_rule_data *data;
    if (crm_rule_data_new(&data))
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    crmi_customer_data who = {db, 0};
    crm_rule_data_set_resolver(data, crmi_customer_resolve, &who);
    sqlite3_stmt *st = crmi_prepare(db, SQL_STREAM);
    int rc = st ? crmi_segment_universe_bind(db, st, branch_path) : db->errcode;
    int step = SQLITE_DONE;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW) {
        int truthy = 0;
        who.customer_id = sqlite3_column_int64(st, 0);
        crm_rule_data_clear(data);
        rc = crm_rule_eval(&truthy, rule, data);
        if (rc && db->errcode != rc)
            rc = crmi_error(db, rc, "segment rule: %s", crm_last_errmsg());
        if (!rc && truthy)
            rc = add_match(db, who.customer_id, count);
    }
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "segment customers");
    sqlite3_finalize(st);
    crm_rule_data_free(data);
    return rc;
}

int crmi_rule_customers(crm_db *db, const crm_rule *rule, const char *branch_path, int64_t *count,
                        crmi_rule_method *method, const char *context)
{
    int rc = CRM_OK;
    if (count) {
        *count = 0;
    } else {
        sqlite3_stmt *st;
        if ((rc = crmi_seg_new_ready(db)) || !(st = crmi_stmt(db, SQL_SEG_NEW_CLEAR)))
            return rc ? rc : db->errcode;
        if ((rc = crmi_exec_stmt(db, st, context)))
            return rc;
    }
    crm_rule_schema *schema = NULL;
    crm_rule_sql *sql = NULL;
    if ((rc = crmi_customer_schema_new(db, &schema)))
        return rc;
    int compiled = crm_rule_to_sql(&sql, rule, schema, "r");
    crm_rule_schema_free(schema);
    if (compiled == CRM_E_NOMEM)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    if (method)
        *method = compiled == CRM_OK ? CRMI_BY_SQL : CRMI_BY_INTERPRETER;
    rc = compiled == CRM_OK ? by_sql(db, rule, sql, branch_path, count)
                            : by_interpreter(db, rule, branch_path, count);
    crm_rule_sql_free(sql);
    return rc;
}
