/* Sorts and keyset cursors. Every order ends with the customer number, so
 * it is total; a cursor carries the sort keys of one row, and "after" it
 * means a row-value comparison with those keys in the order's direction:
 * no OFFSET, so a page costs the same wherever it is, and rows changing
 * between pages neither repeat nor vanish. NULL keys are replaced (ifnull)
 * by a value that sorts last in the chosen direction, so the comparison
 * never meets a NULL. */
#include "search/search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AFTER_1 " > (:after_k1, :after_no)"
#define BEFORE_1 " < (:after_k1, :after_no)"
#define INT_LAST_ASC "9223372036854775807"

static const crmi_sort sorts[] = {
    {"customer_no", " ORDER BY c.customer_no", " AND c.customer_no > :after_no", CRMI_KEY_NONE,
     NULL, 0, NULL},
    {"-customer_no", " ORDER BY c.customer_no DESC", " AND c.customer_no < :after_no",
     CRMI_KEY_NONE, NULL, 0, NULL},
    {"name", " ORDER BY c.name, c.customer_no", " AND (c.name, c.customer_no)" AFTER_1,
     CRMI_KEY_TEXT, "name", 0, NULL},
    {"-name", " ORDER BY c.name DESC, c.customer_no DESC", " AND (c.name, c.customer_no)" BEFORE_1,
     CRMI_KEY_TEXT, "name", 0, NULL},
    /* youngest first: latest birth date first */
    {"age", " ORDER BY ifnull(c.birth_date, '') DESC, c.customer_no DESC",
     " AND (ifnull(c.birth_date, ''), c.customer_no)" BEFORE_1, CRMI_KEY_TEXT, "birth_date", 0, ""},
    {"-age", " ORDER BY ifnull(c.birth_date, '9999-99-99'), c.customer_no",
     " AND (ifnull(c.birth_date, '9999-99-99'), c.customer_no)" AFTER_1, CRMI_KEY_TEXT,
     "birth_date", 0, "9999-99-99"},
    {"total_assets", " ORDER BY ifnull(c.total_assets, " INT_LAST_ASC "), c.customer_no",
     " AND (ifnull(c.total_assets, " INT_LAST_ASC "), c.customer_no)" AFTER_1, CRMI_KEY_INT,
     "total_assets", INT64_MAX, NULL},
    {"-total_assets", " ORDER BY ifnull(c.total_assets, -1) DESC, c.customer_no DESC",
     " AND (ifnull(c.total_assets, -1), c.customer_no)" BEFORE_1, CRMI_KEY_INT, "total_assets", -1,
     NULL},
    {"annual_income", " ORDER BY ifnull(c.annual_income, " INT_LAST_ASC "), c.customer_no",
     " AND (ifnull(c.annual_income, " INT_LAST_ASC "), c.customer_no)" AFTER_1, CRMI_KEY_INT,
     "annual_income", INT64_MAX, NULL},
    {"-annual_income", " ORDER BY ifnull(c.annual_income, -1) DESC, c.customer_no DESC",
     " AND (ifnull(c.annual_income, -1), c.customer_no)" BEFORE_1, CRMI_KEY_INT, "annual_income",
     -1, NULL},
    {"created_at", " ORDER BY c.created_at, c.customer_no",
     " AND (c.created_at, c.customer_no)" AFTER_1, CRMI_KEY_TIME, "created_at", 0, NULL},
    {"-created_at", " ORDER BY c.created_at DESC, c.customer_no DESC",
     " AND (c.created_at, c.customer_no)" BEFORE_1, CRMI_KEY_TIME, "created_at", 0, NULL},
    {"relevance", " ORDER BY " CRMI_NAME_RANK ", length(c.name), c.customer_no",
     " AND (" CRMI_NAME_RANK ", length(c.name), c.customer_no) > (:after_k1, :after_k2, :after_no)",
     CRMI_KEY_RELEVANCE, "name", 0, NULL},
};
#define N_SORTS (sizeof sorts / sizeof sorts[0])

const crmi_sort *crmi_sort_find(const char *name)
{
    for (size_t i = 0; i < N_SORTS; i++)
        if (strcmp(sorts[i].name, name) == 0)
            return &sorts[i];
    return NULL;
}

const crmi_sort *crmi_sort_default(bool has_name)
{
    return crmi_sort_find(has_name ? "relevance" : "customer_no");
}

/* ------------------------------------------------------------- encoding */

/* Parts of a cursor are separated by the unit separator, which validated
 * text (names, codes, dates) never contains; the whole is hex, so the
 * cursor is one opaque token safe in URLs and command lines. */
#define SEP '\x1f'
#define CURSOR_MAX_HEX 1024
#define MAX_PARTS 5

static int key_count(const crmi_sort *sort)
{
    return sort->key == CRMI_KEY_NONE ? 0 : sort->key == CRMI_KEY_RELEVANCE ? 2 : 1;
}

static void put_keys(crmi_buf *b, const crmi_sort *sort, const crm_record *row,
                     const crmi_name_query *nq)
{
    const char *text = NULL;
    int64_t number = 0;
    switch (sort->key) {
    case CRMI_KEY_TEXT:
        crm_record_get_text(&text, row, sort->field);
        crmi_buf_puts(b, text ? text : sort->null_text);
        break;
    case CRMI_KEY_INT:
        if (crm_record_get_int(&number, row, sort->field) != CRM_OK)
            number = sort->null_int;
        crmi_buf_printf(b, "%lld", (long long)number);
        break;
    case CRMI_KEY_TIME:
        crm_record_get_text(&text, row, sort->field);
        crm_time_parse(&number, text ? text : "");
        crmi_buf_printf(b, "%lld", (long long)number);
        break;
    case CRMI_KEY_RELEVANCE:
        crm_record_get_text(&text, row, "name");
        crmi_buf_printf(b, "%d%c%zu", crmi_name_rank(text ? text : "", nq), SEP,
                        crmi_utf8_length(text ? text : ""));
        break;
    case CRMI_KEY_NONE: break;
    }
    if (sort->key != CRMI_KEY_NONE)
        crmi_buf_putc(b, SEP);
}

int crmi_cursor_make(char **out, const crmi_sort *sort, const crm_record *row,
                     const crmi_name_query *nq)
{
    const char *no = NULL;
    crm_record_get_text(&no, row, "customer_no");
    crmi_buf payload = {0};
    crmi_buf_puts(&payload, sort->name);
    crmi_buf_putc(&payload, SEP);
    put_keys(&payload, sort, row, nq);
    crmi_buf_puts(&payload, no ? no : "");
    char *hex = payload.failed ? NULL : crmi_malloc(2 * payload.len + 1);
    if (hex)
        crmi_hex_encode(hex, (const unsigned char *)payload.data, payload.len);
    crmi_buf_free(&payload);
    if (!hex)
        return CRM_E_NOMEM;
    *out = hex;
    return CRM_OK;
}

/* ------------------------------------------------------------- decoding */

static int malformed(crm_db *db)
{
    return crmi_error(db, CRM_E_INVALID_ARG, "filter after: not a cursor from a search result");
}

/* Splits the decoded payload in place; the number of parts, or -1. */
static int split(char *payload, char *parts[MAX_PARTS])
{
    int n = 0;
    parts[n++] = payload;
    for (char *p = payload; *p; p++) {
        if (*p != SEP)
            continue;
        if (n == MAX_PARTS)
            return -1;
        *p = '\0';
        parts[n++] = p + 1;
    }
    return n;
}

static bool parse_int(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return false;
    *out = v;
    return true;
}

static int add_int_key(crm_db *db, crmi_query *q, const char *name, const char *text)
{
    int64_t v;
    if (!parse_int(text, &v))
        return malformed(db);
    crmi_query_int(q, name, v);
    return CRM_OK;
}

static int add_keys(crm_db *db, crmi_query *q, const crmi_sort *sort, char *const *keys)
{
    switch (sort->key) {
    case CRMI_KEY_TEXT: crmi_query_text(q, ":after_k1", keys[0]); return CRM_OK;
    case CRMI_KEY_INT:
    case CRMI_KEY_TIME: return add_int_key(db, q, ":after_k1", keys[0]);
    case CRMI_KEY_RELEVANCE: {
        int rc = add_int_key(db, q, ":after_k1", keys[0]);
        return rc ? rc : add_int_key(db, q, ":after_k2", keys[1]);
    }
    default: return CRM_OK;
    }
}

static int decode(crm_db *db, const char *cursor, char **out)
{
    size_t len = strlen(cursor);
    if (len == 0 || len > CURSOR_MAX_HEX || len % 2)
        return malformed(db);
    char *payload = crmi_malloc(len / 2 + 1);
    if (!payload)
        return crmi_error(db, CRM_E_NOMEM, "search: out of memory");
    if (!crmi_hex_decode((unsigned char *)payload, len / 2, cursor, len) ||
        memchr(payload, '\0', len / 2) || !crmi_utf8_valid(payload, len / 2)) {
        crm_free(payload);
        return malformed(db);
    }
    payload[len / 2] = '\0';
    *out = payload;
    return CRM_OK;
}

int crmi_cursor_add(crm_db *db, crmi_query *q, const crmi_sort *sort, const char *cursor)
{
    char *payload = NULL, *parts[MAX_PARTS];
    int rc = decode(db, cursor, &payload);
    if (rc)
        return rc;
    int n = split(payload, parts);
    const crmi_sort *of = n > 0 ? crmi_sort_find(parts[0]) : NULL;
    if (!of)
        rc = malformed(db);
    else if (of != sort)
        rc = crmi_error(db, CRM_E_INVALID_ARG,
                        "filter after: the cursor continues sort \"%s\", not \"%s\"", of->name,
                        sort->name);
    else if (n != 2 + key_count(sort))
        rc = malformed(db);
    if (!rc)
        rc = add_keys(db, q, sort, parts + 1);
    if (!rc) {
        crmi_query_text(q, ":after_no", parts[n - 1]);
        crmi_query_sql(q, sort->after);
    }
    crm_free(payload);
    return rc;
}
