/*
 * libcrm rules: JsonLogic (jsonlogic.com) written in JSON or YAML, with two
 * evaluators over one parsed rule: an interpreter for one record, and a
 * compiler to a parameterised SQL boolean expression for whole tables.
 * Segments, campaign eligibility, reward tiers, complaint assignment and
 * alerts all use this language. docs/RULES.md is the language guide.
 *
 * Semantics are those of the reference implementation, json-logic-js 2.0.5,
 * which follows JavaScript: numbers are IEEE doubles (integers, and so
 * money in fen, are exact up to 2^53 = 9,007,199,254,740,992), `==`
 * coerces between strings and numbers, strings compare in UTF-16 code unit
 * order, and an empty array is false. The interpreter and the compiled SQL
 * agree on every rule the compiler accepts; what SQL cannot express exactly
 * is refused with CRM_E_NOT_SUPPORTED, so callers can fall back to the
 * interpreter.
 *
 * Handles: a crm_rule is immutable after parsing and may be shared by
 * threads. A crm_rule_data holds the values a rule reads plus the scratch
 * memory of evaluations; use it from one thread at a time. A
 * crm_rule_schema maps variable names to SQL; a crm_rule_sql is one
 * compiled rule. Every handle has its _free, which accepts NULL.
 *
 * Errors of calls on these handles are described by crm_last_errmsg();
 * parse errors give the line and column (1-based) and what was expected:
 *   "rule: line 3, column 9: unknown operator \"=<\" (did you mean \"<=\"?)"
 *
 * Example:
 *   crm_rule *r;
 *   crm_rule_data *d;
 *   int yes;
 *   const char *text = "{\"and\": [{\">=\": [{\"var\": \"age\"}, 18]},"
 *                      " {\"in\": [{\"var\": \"risk_level\"}, [\"C3\", \"C4\"]]}]}";
 *   if (crm_rule_parse(&r, text, strlen(text)) != CRM_OK)
 *       fprintf(stderr, "%s\n", crm_last_errmsg());
 *   crm_rule_data_new(&d);
 *   crm_rule_data_set_int(d, "age", 42);
 *   crm_rule_data_set_text(d, "risk_level", "C3");
 *   crm_rule_eval(&yes, r, d);    // yes == 1
 *   crm_rule_data_free(d);
 *   crm_rule_free(r);
 */
#ifndef CRM_RULE_H
#define CRM_RULE_H

#include "crm/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ limits */

/** Deepest nesting of arrays and objects in a rule or data document. */
#define CRM_RULE_MAX_DEPTH 128
/** Most values (scalars, arrays, objects) in one rule. */
#define CRM_RULE_MAX_NODES 100000
/** Longest string in a rule, in bytes. */
#define CRM_RULE_MAX_STRING 65536
/** Longest rule or data text, in bytes. */
#define CRM_RULE_MAX_TEXT (64u << 20)

/* ------------------------------------------------------------------- rules */

/** A parsed rule. Immutable; may be shared between threads. Opaque. */
typedef struct crm_rule crm_rule;

/**
 * Parses a rule from JSON or YAML text (YAML 1.2 core schema: unquoted
 * 12, -0.5, 1e3 are numbers, true/false booleans, null or ~ null; quoted
 * scalars are always strings). Operators are checked here: an unknown
 * operator is an error even in a branch that would never run. Aliases,
 * duplicate keys, tags other than the core ones, strings holding U+0000
 * and input past the CRM_RULE_MAX_* limits are refused.
 *
 * @param out   receives the rule; free it with crm_rule_free().
 * @param text  UTF-8 text; need not be NUL-terminated.
 * @param len   its length in bytes.
 * @return CRM_OK; CRM_E_INVALID_DATA with crm_last_errmsg() naming line,
 *         column and what was expected; CRM_E_INVALID_ARG for NULL
 *         arguments; CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_rule_parse(crm_rule **out, const char *text, size_t len);

/** Frees a rule. NULL is fine. */
CRM_EXTERN(void) crm_rule_free(crm_rule *rule);

/** Output styles for crm_rule_format(). */
typedef enum crm_rule_format_style {
    CRM_RULE_FORMAT_PRETTY = 0, /**< indented JSON; short parts on one line */
    CRM_RULE_FORMAT_COMPACT = 1 /**< one line of JSON, no spaces */
} crm_rule_format_style;

/**
 * Prints the rule as JSON (a YAML rule comes out as the equivalent JSON),
 * for review and storage.
 *
 * @param out   receives NUL-terminated text; free with crm_free().
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_rule_format(char **out, const crm_rule *rule, crm_rule_format_style style);

/**
 * The number of distinct data variables the rule reads: the names of `var`
 * with a constant name, and the keys of `missing` / `missing_some`, outside
 * the per-element logic of map, filter, reduce, all, some and none (there
 * `var` reads the element). Cannot fail; 0 for NULL.
 */
CRM_EXTERN(size_t) crm_rule_variable_count(const crm_rule *rule);

/**
 * The `index`-th variable name (0-based, in order of first use), dotted as
 * written ("customer.age"); NULL past the end. Borrowed: valid while the
 * rule lives.
 */
CRM_EXTERN(const char *) crm_rule_variable(const crm_rule *rule, size_t index);

/**
 * 1 when some variable name is computed at evaluation time
 * ({"var": {"cat": ...}}), so the list above is incomplete; else 0.
 */
CRM_EXTERN(int) crm_rule_has_dynamic_variables(const crm_rule *rule);

/* -------------------------------------------------------------------- data */

/**
 * The values a rule reads: a JSON object built with the setters, or any
 * JSON/YAML document, or values supplied on demand by a resolver callback.
 * Also holds the scratch memory of evaluations, so evaluating again with
 * the same data allocates nothing. One thread at a time. Opaque.
 */
typedef struct crm_rule_data crm_rule_data;

/**
 * Supplies a value on demand. Called during an evaluation, at most once per
 * name until crm_rule_data_clear(), when the rule reads a top-level `name`
 * (the part of a dotted path before the first dot) that is not set. Answer
 * by calling a crm_rule_data_set_* function for exactly that name on
 * `data`, or set nothing to leave it missing. Return 0 to go on, non-zero
 * to stop the evaluation: it then fails with the returned value if that is
 * a CRM_E_* code, else with CRM_E_STATE.
 */
typedef int (*crm_rule_resolve_fn)(crm_rule_data *data, const char *name, void *payload);

/**
 * Receives the argument of a `log` operation as one line of JSON (valid
 * during the call). Return 0 to go on, non-zero to stop the evaluation as
 * for the resolver. Without a log callback, `log` just returns its value:
 * the library never writes to stdout.
 */
typedef int (*crm_rule_log_fn)(const char *json, void *payload);

/** Creates empty data: an object with no keys. Free with crm_rule_data_free(). */
CRM_EXTERN(int) crm_rule_data_new(crm_rule_data **out);

/**
 * Creates data from JSON or YAML text. The document may be any value; when
 * it is not an object the setters fail with CRM_E_STATE. Limits as for
 * rules, except strings up to 1 MiB and 1,000,000 values.
 * @return CRM_OK, CRM_E_INVALID_DATA (message with line and column),
 *         CRM_E_INVALID_ARG, CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_rule_data_parse(crm_rule_data **out, const char *text, size_t len);

/** Frees data. NULL is fine. */
CRM_EXTERN(void) crm_rule_data_free(crm_rule_data *data);

/**
 * Sets a top-level key (the name is taken as is: "a.b" is one key, which
 * {"var": "a.b"} does not reach; nest with crm_rule_data_set_json instead).
 * Setting a key again replaces its value; a failed call leaves the old
 * value (unless it failed for lack of memory). Do not replace a value while an
 * evaluation is reading it (that is: from a resolver, set only the name you
 * were asked for).
 * @return CRM_OK; CRM_E_INVALID_ARG for NULL data or name; CRM_E_STATE when
 *         the data was parsed from a document that is not an object;
 *         CRM_E_INVALID_DATA for bad values (see each); CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_rule_data_set_null(crm_rule_data *data, const char *name);
/** Sets a boolean (0 false, anything else true). */
CRM_EXTERN(int) crm_rule_data_set_bool(crm_rule_data *data, const char *name, int value);
/** Sets a number. NaN and infinities are allowed, as in JavaScript. */
CRM_EXTERN(int) crm_rule_data_set_number(crm_rule_data *data, const char *name, double value);
/**
 * Sets an integer, e.g. money in fen. |value| must be <= 2^53 so that it
 * is exact as a JavaScript number, else CRM_E_INVALID_DATA.
 */
CRM_EXTERN(int) crm_rule_data_set_int(crm_rule_data *data, const char *name, int64_t value);
/** Sets a UTF-8 string (copied). NULL sets null; invalid UTF-8 is CRM_E_INVALID_DATA. */
CRM_EXTERN(int) crm_rule_data_set_text(crm_rule_data *data, const char *name, const char *value);
/** Sets an array of `count` UTF-8 strings (copied), e.g. tag names. */
CRM_EXTERN(int)
crm_rule_data_set_text_array(crm_rule_data *data, const char *name, const char *const *items,
                             size_t count);
/**
 * Sets a value given as JSON or YAML text (any value: object, array,
 * scalar). Parse errors as crm_rule_data_parse().
 */
CRM_EXTERN(int)
crm_rule_data_set_json(crm_rule_data *data, const char *name, const char *text, size_t len);
/** Removes a key (CRM_OK if it was absent). */
CRM_EXTERN(int) crm_rule_data_unset(crm_rule_data *data, const char *name);
/**
 * Removes every key set with the setters or by the resolver, and forgets
 * which names the resolver was asked for; keeps the callbacks. For reusing
 * one data handle for the next customer. A parsed document's keys go too.
 */
CRM_EXTERN(void) crm_rule_data_clear(crm_rule_data *data);

/** Installs (or with NULL removes) the resolver. CRM_E_INVALID_ARG for NULL data. */
CRM_EXTERN(int)
crm_rule_data_set_resolver(crm_rule_data *data, crm_rule_resolve_fn fn, void *payload);
/** Installs (or with NULL removes) the log callback. CRM_E_INVALID_ARG for NULL data. */
CRM_EXTERN(int) crm_rule_data_set_log(crm_rule_data *data, crm_rule_log_fn fn, void *payload);

/* ------------------------------------------------------------- interpreter */

/**
 * Evaluates the rule and reports whether its result is truthy (JsonLogic
 * truthiness: false, null, 0, NaN, "" and [] are false). The fast path for
 * eligibility checks: no allocation once `data` has warmed up.
 *
 * @param out_truthy  receives 1 or 0.
 * @return CRM_OK; CRM_E_INVALID_DATA when the rule raises an error as
 *         json-logic-js would throw (e.g. {"*": []}) or exceeds the
 *         evaluation limits (64 MiB of scratch memory, values nested 512
 *         deep), with the rule position in crm_last_errmsg(); a callback's
 *         stop code; CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_rule_eval(int *out_truthy, const crm_rule *rule, crm_rule_data *data);

/**
 * Evaluates the rule and returns its result as one line of JSON, as
 * JSON.stringify would print it (undefined, NaN and infinities print as
 * null).
 * @param out  receives the text; free with crm_free().
 * @return as crm_rule_eval(), plus CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_rule_eval_json(char **out, const crm_rule *rule, crm_rule_data *data);

/* ------------------------------------------------------ vocabulary, schema */

/** Types of variables, for the vocabulary and for SQL schemas. */
typedef enum crm_rule_var_type {
    CRM_RULE_VAR_INTEGER = 1,   /**< whole numbers, |v| <= 2^53; SQL INTEGER or NULL */
    CRM_RULE_VAR_NUMBER = 2,    /**< any number; SQL INTEGER, REAL or NULL */
    CRM_RULE_VAR_TEXT = 3,      /**< UTF-8 string; SQL TEXT (BINARY collation) or NULL */
    CRM_RULE_VAR_BOOL = 4,      /**< true/false; SQL 0, 1 or NULL */
    CRM_RULE_VAR_TEXT_ARRAY = 5 /**< array of strings; SQL TEXT holding a JSON array, or NULL */
} crm_rule_var_type;

/** "integer", "number", "text", "bool", "text[]"; "unknown" otherwise. Static. */
CRM_EXTERN(const char *) crm_rule_var_type_name(crm_rule_var_type type);

/**
 * The customer vocabulary: the variable names segments and campaigns use
 * (age, gender, province, city, branch, manager, assets, income,
 * risk_level, risk_expired, tags, txn_count_90d, txn_amount_90d,
 * days_since_last_txn, product_types, ...), one table that both evaluators
 * and docs/RULES.md follow. The number of entries; cannot fail.
 */
CRM_EXTERN(size_t) crm_rule_vocab_count(void);

/**
 * Entry `index` of the vocabulary: its name, type and a one-line
 * description (static strings). Any out pointer may be NULL.
 * @return CRM_OK or CRM_E_NOT_FOUND past the end.
 */
CRM_EXTERN(int)
crm_rule_vocab_get(const char **out_name, crm_rule_var_type *out_type, const char **out_description,
                   size_t index);

/**
 * Checks that every variable the rule reads is a vocabulary name and that
 * no name is computed. For rules about customers, before they are stored.
 * @return CRM_OK; CRM_E_NOT_FOUND with the first unknown name, its
 *         position and the closest known name in crm_last_errmsg();
 *         CRM_E_NOT_SUPPORTED for a computed name; CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_rule_check_vocab(const crm_rule *rule);

/**
 * Checks that each vocabulary name set in `data` holds a value of its
 * declared type (null is allowed; an integer is a number with no
 * fraction). For hosts that build customer data themselves.
 * @return CRM_OK; CRM_E_INVALID_DATA naming the key; CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_rule_data_check_vocab(const crm_rule_data *data);

/** Maps variable names to SQL expressions for crm_rule_to_sql(). Opaque. */
typedef struct crm_rule_schema crm_rule_schema;

/** Creates an empty schema. Free with crm_rule_schema_free(). */
CRM_EXTERN(int) crm_rule_schema_new(crm_rule_schema **out);

/** Frees a schema. NULL is fine. */
CRM_EXTERN(void) crm_rule_schema_free(crm_rule_schema *schema);

/**
 * Declares variable `name` (as a rule writes it, dots included) as the SQL
 * expression `sql_expr` of type `type`. The expression is trusted SQL from
 * the program, not from rule authors; it must yield values of that type or
 * NULL (SQL NULL is the JSON null, and every declared variable counts as
 * present, so a `var` default never applies). A vocabulary name must be
 * declared with its vocabulary type. Declaring a name again replaces it.
 * @return CRM_OK; CRM_E_INVALID_ARG for NULL or empty arguments, an
 *         unknown type, or a vocabulary name with another type; CRM_E_NOMEM.
 */
CRM_EXTERN(int)
crm_rule_schema_add(crm_rule_schema *schema, const char *name, crm_rule_var_type type,
                    const char *sql_expr);

/**
 * Declares a vocabulary name with the type the vocabulary gives it.
 * @return as crm_rule_schema_add(), or CRM_E_NOT_FOUND for a name that is
 *         not in the vocabulary.
 */
CRM_EXTERN(int)
crm_rule_schema_bind(crm_rule_schema *schema, const char *name, const char *sql_expr);

/* -------------------------------------------------------------- SQL output */

/** A rule compiled to SQL: expression text and parameters. Opaque. */
typedef struct crm_rule_sql crm_rule_sql;

/** Types of SQL parameters. Numbers with no fraction (up to 2^53) come as
 * integers: the same value, and faster against INTEGER columns. */
typedef enum crm_rule_param_type {
    CRM_RULE_PARAM_NUMBER = 1,  /**< bind as a double (sqlite3_bind_double) */
    CRM_RULE_PARAM_INTEGER = 2, /**< bind as a 64-bit integer (sqlite3_bind_int64) */
    CRM_RULE_PARAM_TEXT = 3     /**< bind as UTF-8 text */
} crm_rule_param_type;

/**
 * Compiles a rule to an SQL boolean expression over the variables of
 * `schema`, for SQLite (3.38 or newer for the JSON functions that arrays
 * need). The expression is true exactly for the rows whose data makes the
 * rule truthy, and false or NULL otherwise: use it as a WHERE condition, or
 * wrap it as coalesce((expr), 0) for a 0/1 value. Every constant of the rule
 * is a named parameter ":<prefix><n>" (n from 1); no rule value is ever
 * part of the SQL text.
 *
 * Refused with CRM_E_NOT_SUPPORTED, and a message naming the construct and
 * its position, is anything SQL cannot evaluate exactly as the interpreter
 * does: variables not in the schema or with computed names; comparing a
 * text variable with a number or boolean (JavaScript's string-to-number
 * conversion); ordering two text variables, or a text variable against a
 * string with characters at or above U+E000 (UTF-16 order); arithmetic on
 * text; division by anything but a non-zero constant; `%` except of an
 * integer variable by a non-zero whole constant; map, filter, reduce, all,
 * some, none, merge, substr and log over data; `cat` of numbers; results
 * that are arrays or mix types. docs/RULES.md lists the rules.
 *
 * @param out           receives the compiled rule; free with crm_rule_sql_free().
 * @param param_prefix  letters, digits and '_' (starting with a letter or
 *                      '_'), so that two compiled rules in one statement do
 *                      not collide; NULL means "p".
 * @return CRM_OK, CRM_E_NOT_SUPPORTED, CRM_E_INVALID_ARG, CRM_E_NOMEM.
 */
CRM_EXTERN(int)
crm_rule_to_sql(crm_rule_sql **out, const crm_rule *rule, const crm_rule_schema *schema,
                const char *param_prefix);

/** Frees a compiled rule. NULL is fine. */
CRM_EXTERN(void) crm_rule_sql_free(crm_rule_sql *sql);

/** The SQL expression; borrowed, valid until crm_rule_sql_free(). */
CRM_EXTERN(const char *) crm_rule_sql_text(const crm_rule_sql *sql);

/** The number of parameters. Cannot fail; 0 for NULL. */
CRM_EXTERN(size_t) crm_rule_sql_param_count(const crm_rule_sql *sql);

/**
 * Parameter `index` (0-based): its name as it appears in the SQL
 * (":p1"), its type, and its value in the out pointer of that type (the
 * others are left alone; any may be NULL). Text is borrowed like the SQL.
 * @return CRM_OK or CRM_E_NOT_FOUND past the end.
 */
CRM_EXTERN(int)
crm_rule_sql_param(const crm_rule_sql *sql, size_t index, const char **out_name,
                   crm_rule_param_type *out_type, double *out_number, int64_t *out_integer,
                   const char **out_text);

#ifdef __cplusplus
}
#endif
#endif /* CRM_RULE_H */
