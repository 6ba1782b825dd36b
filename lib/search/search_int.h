/*
 * Internals of customer search, shared by the files of lib/search.
 *
 * A search is one SELECT assembled from static fragments: the customer
 * columns (CRMI_CUSTOMER_SELECT), the actor's scope (CRMI_CUSTOMER_SCOPE),
 * one fragment per filter, the keyset condition of a cursor, ORDER BY and
 * LIMIT. Every value is a named parameter recorded beside the fragment
 * that uses it (crmi_query) and bound after the statement is prepared; no
 * value ever becomes SQL text.
 */
#ifndef CRMI_SEARCH_INT_H
#define CRMI_SEARCH_INT_H

#include "crm/search.h"
#include "customer/customer_int.h"

/* ----------------------------------------------------------------- query */

typedef enum crmi_qtype { CRMI_Q_INT, CRMI_Q_TEXT, CRMI_Q_BLOB } crmi_qtype;

/* One named parameter: its static name (":f_city") and value. */
typedef struct crmi_qparam {
    const char *name;
    crmi_qtype type;
    int64_t number;
    char *bytes; /* owned text, or blob of `len` bytes */
    size_t len;
} crmi_qparam;

typedef struct crmi_query {
    crmi_buf sql;
    crmi_qparam *params;
    size_t n_params, cap_params;
    struct crm_rule_sql *where; /* a compiled rule; its parameters are bound by name too */
    const char *find_sql;       /* an exact key's whole static statement (crmi_exact_add) */
    bool failed;                /* an allocation failed */
} crmi_query;

/* Appends a static fragment. */
void crmi_query_sql(crmi_query *q, const char *fragment);
/* Record a parameter used by the fragments (name is a static string). */
void crmi_query_int(crmi_query *q, const char *name, int64_t value);
void crmi_query_text(crmi_query *q, const char *name, const char *value);
void crmi_query_blob(crmi_query *q, const char *name, const void *value, size_t len);
/* Adds the blind index of a normalised personal value as a blob parameter. */
int crmi_query_blind(crm_db *db, crmi_query *q, const char *name, const char *label,
                     const char *normalized);
/* Prepares the statement (owned by the caller) and binds every parameter,
 * the compiled rule's and the actor's scope. */
int crmi_query_prepare(sqlite3_stmt **out, crm_db *db, crmi_query *q);
/* Binds every parameter and the scope into a prepared statement. */
int crmi_query_bind(crm_db *db, crmi_query *q, sqlite3_stmt *st);
void crmi_query_free(crmi_query *q);

/* --------------------------------------------------------- exact values */

/* The exact-match keys of find_by and of the search filter. */
typedef enum crmi_exact {
    CRMI_EXACT_CUSTOMER_NO,
    CRMI_EXACT_ID_NUMBER,
    CRMI_EXACT_PHONE,
    CRMI_EXACT_CARD_NUMBER,
    CRMI_EXACT_EMAIL,
    CRMI_EXACT_COUNT
} crmi_exact;

/* The key named `name`, or CRMI_EXACT_COUNT. */
crmi_exact crmi_exact_key(const char *name);

/* Normalises `value` as the store does and appends the condition; sets
 * q->find_sql to the whole static statement of that condition alone. */
int crmi_exact_add(crm_db *db, crmi_query *q, crmi_exact key, const char *value);

/* ------------------------------------------------------------------ names */

#define CRMI_NAME_MAX_CHARS 50

/* A name query: trimmed, ASCII letters lower-cased as the store indexes. */
typedef struct crmi_name_query {
    char text[4 * CRMI_NAME_MAX_CHARS + 1];
    size_t chars;
} crmi_name_query;

/* Normalises the query; CRM_E_INVALID_ARG when empty or too long. */
int crmi_name_query_init(crm_db *db, crmi_name_query *nq, const char *text);

/* Appends the candidate and containment conditions (picks the rarest
 * 2-character piece of the query as the driver). */
int crmi_name_add(crm_db *db, crmi_query *q, const crmi_name_query *nq);

/* The relevance tier of `name` for the query, as the SQL of CRMI_NAME_RANK
 * computes it: 0 exact, 1 prefix, 2 suffix, 3 contains. */
int crmi_name_rank(const char *name, const crmi_name_query *nq);
/* "exact", "prefix", "suffix", "contains". */
const char *crmi_name_rank_label(int rank);

/* The name as the query compares it: ASCII letters folded as the store
 * folds them, but only when the query has letters (:name_fold): without
 * any, folding cannot change a match, and lower() is the costliest part of
 * ranking many candidates. */
#define CRMI_NAME_FOLDED "(CASE WHEN :name_fold THEN lower(c.name) ELSE c.name END)"

/* The rank in SQL, over the parameters :name_q and :name_fold. */
#define CRMI_NAME_RANK                                                                             \
    "(CASE WHEN " CRMI_NAME_FOLDED " = :name_q THEN 0"                                             \
    " WHEN substr(" CRMI_NAME_FOLDED ", 1, length(:name_q)) = :name_q THEN 1"                      \
    " WHEN substr(" CRMI_NAME_FOLDED ", -length(:name_q)) = :name_q THEN 2 ELSE 3 END)"

/* ------------------------------------------------------ sorts and cursors */

typedef enum crmi_sort_key {
    CRMI_KEY_NONE,     /* customer_no alone */
    CRMI_KEY_TEXT,     /* a text field of the record */
    CRMI_KEY_INT,      /* an integer or money field */
    CRMI_KEY_TIME,     /* an ISO time field, compared as epoch seconds */
    CRMI_KEY_RELEVANCE /* name rank and name length */
} crmi_sort_key;

typedef struct crmi_sort {
    const char *name;     /* as the filter writes it: "-total_assets" */
    const char *order_by; /* " ORDER BY ..." */
    const char *after;    /* " AND (keys) > (:after_k1, ..., :after_no)" */
    crmi_sort_key key;
    const char *field;     /* the record field holding the key */
    int64_t null_int;      /* what SQL puts for a NULL key (ifnull) */
    const char *null_text; /* same for text keys */
} crmi_sort;

/* The sort named `name`, or NULL. */
const crmi_sort *crmi_sort_find(const char *name);
const crmi_sort *crmi_sort_default(bool has_name);

/* The cursor of a result row (free with crm_free). */
int crmi_cursor_make(char **out, const crmi_sort *sort, const crm_record *row,
                     const crmi_name_query *nq);
/* Decodes a cursor of `sort` and appends its keyset condition. */
int crmi_cursor_add(crm_db *db, crmi_query *q, const crmi_sort *sort, const char *cursor);

/* ------------------------------------------------------------------ rules */

/* Compiles a JsonLogic rule over the customer's profile variables and
 * appends it as a condition. */
int crmi_search_where_add(crm_db *db, crmi_query *q, const char *rule_text);
/* Binds the compiled rule's own parameters (it names them: ":w1"); returns
 * a SQLite code. */
int crmi_search_where_bind(sqlite3_stmt *st, const struct crm_rule_sql *where);
void crmi_search_where_free(struct crm_rule_sql *where);

/* The customer vocabulary bound to SQL over the aliases c, b, m of
 * CRMI_CUSTOMER_SELECT (lib/search/where.c): the one binding that search,
 * segments and tags use. Its expressions read the clock parameters
 * :search_now and :search_ymd; bind them with crmi_customer_clock_bind. */
struct crm_rule_schema;
struct crm_rule_data;
int crmi_customer_schema_new(crm_db *db, struct crm_rule_schema **out);
/* Binds the clock parameters a statement has (from crm_db_now). */
void crmi_customer_clock_bind(const crm_db *db, sqlite3_stmt *st);

/* Resolver (crm_rule_resolve_fn) answering each customer variable for one
 * customer with the same SQL, so the interpreter and the compiled rule see
 * the same values. Payload: a crmi_customer_data. */
typedef struct crmi_customer_data {
    crm_db *db;
    int64_t customer_id;
} crmi_customer_data;
int crmi_customer_resolve(struct crm_rule_data *data, const char *name, void *payload);

/* ------------------------------------------------------------ filters */

/* What the filter asks besides conditions: the sort, the cursor, the
 * limit and the name query that ranks. */
typedef struct crmi_search_opts {
    const crmi_sort *sort;
    const char *after;
    int64_t limit; /* -1: none */
    bool has_name;
    crmi_name_query name;
    const char *status;
} crmi_search_opts;

/* Validates every field of `filter` and appends its condition. */
int crmi_search_filter_add(crm_db *db, crmi_query *q, const crm_record *filter,
                           crmi_search_opts *opts);

#endif /* CRMI_SEARCH_INT_H */
