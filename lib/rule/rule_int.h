/*
 * Internals of the rule engine: the value type with JavaScript semantics,
 * the parsed rule tree, the interpreter, the data handle and the SQL
 * compiler. Shared by the files of lib/rule; the segmentation module uses
 * the SQL binding helper at the end.
 */
#ifndef CRMI_RULE_INT_H
#define CRMI_RULE_INT_H

#include "core/core_int.h"
#include "crm/rule.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Values built while evaluating may nest deeper than parsed input (reduce
 * can wrap its accumulator once per element); recursive walks over values
 * (JSON output, string conversion) stay within this bound. */
#define CRMI_MAX_VALUE_DEPTH 512
/* Scratch memory one evaluation may use before it is stopped. */
#define CRMI_EVAL_MEMORY_LIMIT ((size_t)64 << 20)
/* Data documents may be larger than rules. */
#define CRMI_DATA_MAX_NODES 1000000u
#define CRMI_DATA_MAX_STRING ((size_t)1 << 20)

/* ----------------------------------------------------------------- arena */

typedef struct crmi_chunk crmi_chunk;

/* A bump allocator. Reset keeps its chunks, so an evaluation that fits in
 * what the previous ones used allocates nothing. */
typedef struct crmi_arena {
    crmi_chunk *first, *cur;
    size_t used;     /* bytes handed out since the last reset */
    size_t limit;    /* 0: none */
    bool over_limit; /* an allocation failed because of the limit */
    bool failed;     /* an allocation failed since the last reset */
} crmi_arena;

void *crmi_arena_alloc(crmi_arena *a, size_t n);
char *crmi_arena_strndup(crmi_arena *a, const char *s, size_t n);
void crmi_arena_reset(crmi_arena *a);
void crmi_arena_free(crmi_arena *a);

/* ---------------------------------------------------------------- values */

typedef enum crmi_vtype {
    CRMI_UNDEF = 0, /* JavaScript undefined: a missing argument */
    CRMI_NULL,
    CRMI_BOOL,
    CRMI_NUM,
    CRMI_STR,
    CRMI_ARR,
    CRMI_OBJ
} crmi_vtype;

typedef struct crmi_array crmi_array;
typedef struct crmi_object crmi_object;

/* A JSON value, passed by value. Strings, arrays and objects are borrowed
 * from whoever owns them (the rule, the data handle or the evaluation
 * arena); strings are UTF-8 with a length and need not end in NUL. */
typedef struct crmi_value {
    uint8_t type;
    uint8_t b;
    uint32_t len;
    union {
        double n;
        const char *s;
        const crmi_array *a;
        const crmi_object *o;
    } u;
} crmi_value;

/* 1-based line and column of a parsed item; 0 when built at run time. */
typedef struct crmi_pos {
    uint32_t line, col;
} crmi_pos;

struct crmi_array {
    uint32_t n, depth;
    const crmi_pos *pos; /* n positions, or NULL */
    crmi_value items[];
};

typedef struct crmi_member {
    const char *key;
    uint32_t klen;
    crmi_value v;
} crmi_member;

struct crmi_object {
    uint32_t n, depth;
    const crmi_pos *pos; /* 2n positions (key, value), or NULL */
    crmi_member m[];
};

static inline crmi_value crmi_undef(void)
{
    return (crmi_value){.type = CRMI_UNDEF};
}
static inline crmi_value crmi_null(void)
{
    return (crmi_value){.type = CRMI_NULL};
}
static inline crmi_value crmi_bool(bool b)
{
    return (crmi_value){.type = CRMI_BOOL, .b = b};
}
static inline crmi_value crmi_num(double n)
{
    return (crmi_value){.type = CRMI_NUM, .u.n = n};
}
static inline crmi_value crmi_str(const char *s, size_t len)
{
    return (crmi_value){.type = CRMI_STR, .len = (uint32_t)len, .u.s = s};
}
static inline uint32_t crmi_value_depth(const crmi_value *v)
{
    if (v->type == CRMI_ARR)
        return v->u.a->depth;
    if (v->type == CRMI_OBJ)
        return v->u.o->depth;
    return 0;
}

crmi_array *crmi_array_new(crmi_arena *a, uint32_t n);
crmi_object *crmi_object_new(crmi_arena *a, uint32_t n);

/* JavaScript's truthiness as JsonLogic defines it: [] is false. */
bool crmi_truthy(const crmi_value *v);
/* JavaScript's `!v` (plain JS: [] is true). */
bool crmi_js_falsy(const crmi_value *v);

/* Number.prototype.toString(): shortest round-trip digits, JS layout.
 * Writes at most 32 bytes with NUL; returns the length. */
size_t crmi_num_format(char out[32], double d);
/* ToNumber of a string (whitespace, hex/octal/binary, Infinity). */
double crmi_str_to_number(const char *s, size_t n);
/* parseFloat of a string: the longest decimal prefix, else NaN. */
double crmi_str_parse_float(const char *s, size_t n);
/* Parses a YAML/JSON plain scalar as a number; false if it is not one. */
bool crmi_scalar_number(const char *s, size_t n, double *out);

/* Compares two UTF-8 strings in UTF-16 code unit order, as JavaScript's
 * < does. Returns <0, 0, >0. */
int crmi_str_cmp_utf16(const char *a, size_t an, const char *b, size_t bn);
/* Length in UTF-16 code units of a UTF-8 string. */
size_t crmi_utf16_length(const char *s, size_t n);
/* Does the string hold a code point in U+E000..U+FFFF or above U+FFFF,
 * where UTF-16 order and byte order disagree? */
bool crmi_str_order_sensitive(const char *s, size_t n);

/* A string being built in an arena (ToString, cat). */
typedef struct crmi_sb {
    crmi_arena *arena;
    char *p;
    size_t len, cap;
    bool failed;
} crmi_sb;
void crmi_sb_append(crmi_sb *sb, const char *s, size_t n);
/* Finishes the string; false if an allocation failed. */
bool crmi_sb_finish(crmi_sb *sb, crmi_value *out);

/* Appends JavaScript's ToString(v) (Array.join for arrays; null and
 * undefined elements of arrays become ""). */
void crmi_to_string(crmi_sb *sb, const crmi_value *v);
/* ToString for primitives without allocation when possible: the result may
 * point at `tmp` (32 bytes). Arrays and objects go through `sb`. */
bool crmi_to_string_value(crmi_value *out, const crmi_value *v, crmi_arena *a, char tmp[32]);
/* ToNumber, and parseFloat(ToString(v)); arrays need the arena. NaN on
 * allocation failure is avoided by the callers checking arena->used. */
double crmi_to_number(const crmi_value *v, crmi_arena *a);
double crmi_parse_float(const crmi_value *v, crmi_arena *a);
/* ToPrimitive with hint number: arrays and objects become strings. */
crmi_value crmi_to_primitive(const crmi_value *v, crmi_arena *a);

/* JavaScript ===, == and the relational comparison. `js_less` returns 1
 * (true), 0 (false) or -1 (undefined: a NaN was involved). */
bool crmi_strict_eq(const crmi_value *a, const crmi_value *b);
bool crmi_loose_eq(const crmi_value *a, const crmi_value *b, crmi_arena *ar);
int crmi_js_less(const crmi_value *a, const crmi_value *b, crmi_arena *ar);

/* JSON.stringify. `indent` < 0: compact. Undefined and non-finite numbers
 * print as null. */
void crmi_json_write(crmi_buf *b, const crmi_value *v);
void crmi_json_string(crmi_buf *b, const char *s, size_t n);

/* ---------------------------------------------------------------- loader */

typedef struct crmi_load_limits {
    uint32_t max_depth;
    uint32_t max_nodes;
    size_t max_string;
} crmi_load_limits;

/* Parses one JSON or YAML document into a value tree in `arena`, with
 * positions. Errors go to the thread's message with line and column. */
int crmi_load(crmi_value *out, crmi_pos *out_pos, crmi_arena *arena, const char *text, size_t len,
              const crmi_load_limits *limits, const char *what);

/* ------------------------------------------------------------------ rules */

typedef enum crmi_rule_op {
    CRMI_ROP_LIT = 0, /* a constant value */
    CRMI_ROP_ARRAY,   /* an array literal holding logic */
    CRMI_ROP_VAR,
    CRMI_ROP_MISSING,
    CRMI_ROP_MISSING_SOME,
    CRMI_ROP_IF,
    CRMI_ROP_AND,
    CRMI_ROP_OR,
    CRMI_ROP_NOT,
    CRMI_ROP_NOTNOT,
    CRMI_ROP_EQ,
    CRMI_ROP_NE,
    CRMI_ROP_SEQ,
    CRMI_ROP_SNE,
    CRMI_ROP_LT,
    CRMI_ROP_LE,
    CRMI_ROP_GT,
    CRMI_ROP_GE,
    CRMI_ROP_MIN,
    CRMI_ROP_MAX,
    CRMI_ROP_ADD,
    CRMI_ROP_SUB,
    CRMI_ROP_MUL,
    CRMI_ROP_DIV,
    CRMI_ROP_MOD,
    CRMI_ROP_MAP,
    CRMI_ROP_FILTER,
    CRMI_ROP_REDUCE,
    CRMI_ROP_ALL,
    CRMI_ROP_NONE,
    CRMI_ROP_SOME,
    CRMI_ROP_MERGE,
    CRMI_ROP_IN,
    CRMI_ROP_CAT,
    CRMI_ROP_SUBSTR,
    CRMI_ROP_LOG,
    CRMI_ROP_COUNT_
} crmi_rule_op;

/* The name of an operator as written in rules ("==", "var"). */
const char *crmi_rule_op_name(crmi_rule_op op);

/* One segment of a dotted variable path, prepared at parse time. */
typedef struct crmi_seg {
    const char *s; /* NUL-terminated */
    uint32_t len;
    uint32_t hash;
    int64_t index; /* canonical array index, or -1 */
} crmi_seg;

#define CRMI_PATH_NO_ID UINT32_MAX

typedef struct crmi_path {
    const char *full; /* the whole name, NUL-terminated */
    uint32_t full_len;
    uint32_t nseg;
    uint32_t id; /* number within its rule, for lookup caches; or CRMI_PATH_NO_ID */
    crmi_seg seg[];
} crmi_path;

typedef struct crmi_node crmi_node;
struct crmi_node {
    uint8_t op;
    bool uses_data; /* reads the evaluation's data (not a scoped element) */
    bool has_log;   /* calls log somewhere below */
    bool var_whole; /* var with "" / null: the whole data */
    uint32_t nargs;
    crmi_pos pos;
    crmi_value lit;        /* CRMI_ROP_LIT */
    const crmi_path *path; /* CRMI_ROP_VAR with a constant name */
    crmi_node **args;
};

struct crm_rule {
    uint64_t id; /* unique in the process: keys data handles' lookup caches */
    uint32_t npaths;
    crmi_arena arena;
    crmi_value source; /* the parsed document, for formatting */
    crmi_node *root;
    const crmi_path **vars; /* distinct data variables, first use first */
    crmi_pos *var_pos;      /* where each is first used */
    size_t nvars;
    bool dynamic_vars; /* some variable names are computed */
};

uint32_t crmi_hash(const char *s, size_t n);
/* Edit distance for "did you mean" hints; large for long strings. */
size_t crmi_edit_distance(const char *a, size_t an, const char *b, size_t bn);
/* Splits a variable name at dots into a path allocated in `a`. */
const crmi_path *crmi_path_new(crmi_arena *a, const char *name, size_t len);

/* Builds the node tree of a parsed document. */
int crmi_rule_build(crm_rule *rule, const crmi_value *doc, const crmi_pos *doc_pos);

/* ------------------------------------------------------------------- data */

typedef struct crmi_entry { /* what a lookup reads comes first */
    uint32_t hash;
    uint32_t klen;
    const char *key; /* in the handle's key arena */
    crmi_value v;
    bool present;   /* false: unset, or asked of the resolver without answer */
    bool asked;     /* the resolver was asked for it */
    crmi_arena own; /* storage of v, unless it lives in the document */
} crmi_entry;

/* Where a rule's variable was last found in a data handle. Entry numbers
 * never change (entries are only added), so a hit needs no key compare. */
typedef struct crmi_lookup_cache {
    uint64_t rule_id;
    uint32_t path_id;
    uint32_t entry;
} crmi_lookup_cache;
#define CRMI_LOOKUP_CACHE 64

struct crm_rule_data {
    crmi_entry *entries; /* insertion order */
    uint32_t n, cap;
    uint32_t *index; /* open addressing: entry number + 1, 0 empty */
    uint32_t index_cap;

    bool root_is_value; /* parsed from a document that is not an object */
    crmi_value root;
    crmi_arena keys;    /* the entries' keys, packed together */
    crmi_arena doc;     /* the parsed document */
    crmi_arena scratch; /* evaluation temporaries */

    crm_rule_resolve_fn resolver;
    void *resolver_payload;
    crm_rule_log_fn log;
    void *log_payload;
    bool busy;        /* an evaluation is running: no nested one */
    bool whole_built; /* `whole` holds this evaluation's {"var": ""} object */
    crmi_value whole;
    crmi_lookup_cache cache[CRMI_LOOKUP_CACHE];
};

/* Looks up a top-level name, asking the resolver once when it is unknown.
 * Sets *found; returns CRM_OK or the resolver's stop code. */
int crmi_data_get(crm_rule_data *d, uint64_t rule_id, const crmi_path *path, crmi_value *out,
                  bool *found);
/* The whole data as one value (objects are materialised in scratch). */
int crmi_data_whole(crm_rule_data *d, crmi_value *out);

/* -------------------------------------------------------------- evaluator */

/* Evaluates `node` against `data` (root scope); results live in
 * data->scratch until the next evaluation with it. */
int crmi_eval(crmi_value *out, const crm_rule *rule, const crmi_node *node, crm_rule_data *data);

/* ------------------------------------------------------------------ schema */

typedef struct crmi_schema_var {
    char *name;
    char *sql;
    crm_rule_var_type type;
} crmi_schema_var;

struct crm_rule_schema {
    crmi_schema_var *vars;
    size_t n, cap;
};

/* The vocabulary entry for a name, or NULL. */
typedef struct crmi_vocab_entry {
    const char *name;
    crm_rule_var_type type;
    const char *description;
} crmi_vocab_entry;
const crmi_vocab_entry *crmi_vocab_find(const char *name, size_t len);

const crmi_schema_var *crmi_schema_find(const crm_rule_schema *s, const char *name, size_t len);

/* One parameter of a compiled rule. */
typedef struct crmi_sql_param {
    crm_rule_param_type type;
    double number;
    int64_t integer;
    char *text;
    char *name; /* ":p1" */
} crmi_sql_param;

struct crm_rule_sql {
    char *text;
    crmi_sql_param *params;
    size_t nparams;
};

/* Binds every parameter of `sql` by name into `stmt` (prepared from SQL
 * that contains the compiled expression). For the segmentation module.
 * Returns CRM_OK, or CRM_E_INVALID_ARG naming a parameter the statement
 * lacks, or the mapped SQLite error. */
int crmi_rule_sql_bind(sqlite3_stmt *stmt, const crm_rule_sql *sql);

#endif /* CRMI_RULE_INT_H */
