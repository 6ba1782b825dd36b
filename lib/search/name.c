/* Fuzzy name search over crm_customer_name_gram, which holds every distinct
 * 2-character piece of each name with ASCII letters lower-cased (a
 * 1-character name holds itself); see crmi_customer_index_name.
 *
 * A query of 2+ characters: each of its pieces must be in the name, so the
 * rarest piece alone selects a superset of the answers from the index
 * (counting a piece's rows is a bounded range count), and containment of
 * the whole query, checked with instr, removes the rest. A 1-character
 * query is a scan of the piece index: a 2-character index cannot find a
 * name by its last character. */
#include "search/search_int.h"

#include <string.h>

/* Counting stops here (the LIMIT of SQL_GRAM_COUNT): past this a piece is
 * common enough either way, and counting costs as much as it saves. */
#define GRAM_COUNT_CAP 20000

static const char SQL_GRAM_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM crm_customer_name_gram WHERE gram = ?1 LIMIT 20000)";

static const char SQL_NAME_BY_GRAM[] =
    " AND c.id IN (SELECT g.customer_id FROM crm_customer_name_gram g WHERE g.gram = :name_gram)"
    " AND instr(" CRMI_NAME_FOLDED ", :name_q) > 0";

static const char SQL_NAME_BY_FIRST_CHAR[] =
    " AND c.id IN (SELECT g.customer_id FROM crm_customer_name_gram g"
    " WHERE g.gram >= :name_q AND g.gram < :name_q_end)";

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int crmi_name_query_init(crm_db *db, crmi_name_query *nq, const char *text)
{
    while (is_space(*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && is_space(text[n - 1]))
        n--;
    if (n == 0)
        return crmi_error(db, CRM_E_INVALID_ARG, "filter name: empty");
    if (!crmi_utf8_valid(text, n) || n >= sizeof nq->text)
        return crmi_error(db, CRM_E_INVALID_ARG, "filter name: not valid UTF-8 or too long");
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if ((unsigned char)c < 0x20)
            return crmi_error(db, CRM_E_INVALID_ARG, "filter name: control character");
        nq->text[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
    }
    nq->text[n] = '\0';
    nq->chars = crmi_utf8_length(nq->text);
    if (nq->chars > CRMI_NAME_MAX_CHARS)
        return crmi_error(db, CRM_E_INVALID_ARG, "filter name: longer than %d characters",
                          CRMI_NAME_MAX_CHARS);
    return CRM_OK;
}

static int gram_count(crm_db *db, const char *gram, size_t len, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GRAM_COUNT);
    if (!st)
        return db->errcode;
    sqlite3_bind_text(st, 1, gram, (int)len, SQLITE_STATIC);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "count name pieces");
}

/* The byte range of the query's rarest 2-character piece. */
static int rarest_gram(crm_db *db, const crmi_name_query *nq, size_t *from, size_t *to)
{
    int64_t best = GRAM_COUNT_CAP + 1;
    for (size_t i = 0; i + 2 <= nq->chars && best > 0; i++) {
        size_t a = crmi_utf8_prefix_bytes(nq->text, i), b = crmi_utf8_prefix_bytes(nq->text, i + 2);
        int64_t count;
        int rc = gram_count(db, nq->text + a, b - a, &count);
        if (rc)
            return rc;
        if (count < best) {
            best = count;
            *from = a;
            *to = b;
        }
    }
    return CRM_OK;
}

static bool has_ascii_letter(const char *s)
{
    for (; *s; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            return true;
    return false;
}

int crmi_name_add(crm_db *db, crmi_query *q, const crmi_name_query *nq)
{
    crmi_query_text(q, ":name_q", nq->text);
    if (nq->chars < 2) {
        /* Texts compare bytewise: everything starting with the character
         * sorts before it with its last byte raised by one (the last byte of
         * a UTF-8 character is at most 0xBF, so it never overflows). */
        char end[sizeof nq->text];
        size_t n = strlen(nq->text);
        memcpy(end, nq->text, n + 1);
        end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
        crmi_query_sql(q, SQL_NAME_BY_FIRST_CHAR);
        crmi_query_text(q, ":name_q_end", end);
        return CRM_OK;
    }
    size_t from = 0, to = 0;
    int rc = rarest_gram(db, nq, &from, &to);
    if (rc)
        return rc;
    char gram[sizeof nq->text];
    memcpy(gram, nq->text + from, to - from);
    gram[to - from] = '\0';
    crmi_query_sql(q, SQL_NAME_BY_GRAM);
    crmi_query_text(q, ":name_gram", gram);
    crmi_query_int(q, ":name_fold", has_ascii_letter(nq->text));
    return CRM_OK;
}

/* a[0..n) equals the lower-case b[0..n) with ASCII letters folded, as
 * SQLite's lower() folds them. */
static bool ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (a[i] >= 'A' && a[i] <= 'Z') ? (char)(a[i] + ('a' - 'A')) : a[i];
        if (c != b[i])
            return false;
    }
    return true;
}

int crmi_name_rank(const char *name, const crmi_name_query *nq)
{
    size_t n = strlen(name), k = strlen(nq->text);
    if (n == k && ascii_ieq(name, nq->text, k))
        return 0;
    if (n >= k && ascii_ieq(name, nq->text, k))
        return 1;
    if (n >= k && ascii_ieq(name + n - k, nq->text, k))
        return 2;
    return 3;
}

const char *crmi_name_rank_label(int rank)
{
    static const char *const labels[] = {"exact", "prefix", "suffix", "contains"};
    return labels[rank >= 0 && rank <= 3 ? rank : 3];
}
