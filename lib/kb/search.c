/* Search, suggestions and answers over the published articles: the query
 * goes through the same tokenizer as the articles, its terms are OR-ed in
 * an FTS5 MATCH, and BM25 ranks the hits (title and tags x3). */
#include "complaint/complaint_int.h"
#include "kb/kb_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_TERMS 256

/* The distinct terms of a text. */
typedef struct terms {
    char *text[MAX_TERMS];
    int n;
    bool failed;
} terms;

static int collect(const char *t, size_t n, void *ctx)
{
    terms *q = ctx;
    for (int i = 0; i < q->n; i++)
        if (strlen(q->text[i]) == n && memcmp(q->text[i], t, n) == 0)
            return 0;
    if (q->n == MAX_TERMS)
        return 1;
    if (!(q->text[q->n] = crmi_strndup(t, n))) {
        q->failed = true;
        return 1;
    }
    q->n++;
    return 0;
}

static void terms_free(terms *q)
{
    for (int i = 0; i < q->n; i++)
        crm_free(q->text[i]);
    q->n = 0;
}

/* "t1" OR "t2" ...; terms hold no quotes (the tokenizer keeps letters,
 * digits and CJK only). */
static char *match_expression(const terms *q)
{
    crmi_buf b = {0};
    for (int i = 0; i < q->n; i++)
        crmi_buf_printf(&b, "%s\"%s\"", i ? " OR " : "", q->text[i]);
    return crmi_buf_take(&b);
}

static const char SQL_SEARCH[] =
    "SELECT a.code, a.title, a.kind, a.tags,"
    " CAST(-bm25(crm_kb_fts, 3.0, 1.0) * 1000 AS INTEGER) AS score_x1000"
    " FROM crm_kb_fts JOIN crm_kb_article a ON a.id = crm_kb_fts.rowid"
    " WHERE crm_kb_fts MATCH ?1 ORDER BY bm25(crm_kb_fts, 3.0, 1.0), a.code LIMIT ?2";

/* An iterator over the hits of `text`; no terms: a query that finds nothing. */
static int search_text(crm_iter **out, crm_db *db, const char *text, int limit)
{
    terms q = {0};
    crmi_kb_tokenize(text, collect, &q);
    char *match = q.failed ? NULL : match_expression(&q);
    terms_free(&q);
    if (!match)
        return crmi_error(db, CRM_E_NOMEM, "kb search: out of memory");
    sqlite3_stmt *st = crmi_prepare(db, SQL_SEARCH);
    if (!st) {
        crm_free(match);
        return db->errcode;
    }
    sqlite3_bind_text(st, 1, *match ? match : "\"\"", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, *match ? limit : 0);
    crm_free(match);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

static int check_limit(crm_db *db, int limit)
{
    return limit < 1 || limit > 100
               ? crmi_error(db, CRM_E_INVALID_ARG, "kb search: limit %d is not in 1..100", limit)
               : CRM_OK;
}

CRM_EXTERN(int) crm_kb_search(crm_iter **out, crm_db *db, const char *query, int limit)
{
    if (!out || !db || !query)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb search: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KB_READ);
    if (!rc)
        rc = check_limit(db, limit);
    if (!rc && !crmi_utf8_valid(query, strlen(query)))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "kb search: query is not valid UTF-8");
    return rc ? rc : search_text(out, db, query, limit);
}

static const char SQL_TICKET_TEXT[] =
    "SELECT subject || ' ' || body FROM crm_complaint WHERE id = ?1";

CRM_EXTERN(int) crm_kb_suggest(crm_iter **out, crm_db *db, const char *ticket_no, int limit)
{
    if (!out || !db || !ticket_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb suggest: NULL argument");
    crmi_error_clear(db);
    crmi_ticket t;
    int rc = crmi_access_require(db, CRMI_OP_KB_READ);
    if (!rc)
        rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    if (!rc)
        rc = check_limit(db, limit);
    if (!rc)
        rc = crmi_ticket_load(db, ticket_no, &t);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_TICKET_TEXT);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, t.id);
    char *text = sqlite3_step(st) == SQLITE_ROW
                     ? crmi_strdup((const char *)sqlite3_column_text(st, 0))
                     : NULL;
    sqlite3_reset(st);
    if (!text)
        return crmi_error(db, CRM_E_NOMEM, "kb suggest: out of memory");
    rc = search_text(out, db, text, limit);
    crm_free(text);
    return rc;
}

/* --------------------------------------------------------------- answers */

/* The best two hits: article id and BM25 relevance (positive). */
typedef struct hits {
    int64_t id[2];
    double score[2];
    int n;
} hits;

static const char SQL_TOP2[] =
    "SELECT rowid, -bm25(crm_kb_fts, 3.0, 1.0) FROM crm_kb_fts WHERE crm_kb_fts MATCH ?1"
    " ORDER BY bm25(crm_kb_fts, 3.0, 1.0), rowid LIMIT 2";

static int top_two(crm_db *db, const terms *q, hits *h)
{
    h->n = 0;
    if (!q->n)
        return CRM_OK;
    char *match = match_expression(q);
    sqlite3_stmt *st = match ? crmi_stmt(db, SQL_TOP2) : NULL;
    if (!st) {
        crm_free(match);
        return match ? db->errcode : crmi_error(db, CRM_E_NOMEM, "kb answer: out of memory");
    }
    sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
    crm_free(match);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        h->id[h->n] = sqlite3_column_int64(st, 0);
        h->score[h->n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? CRM_OK : crmi_sqlite_error(db, step, "kb answer");
}

static const char SQL_DOCS[] = "SELECT count(*) FROM crm_kb_fts";
static const char SQL_DF[] = "SELECT doc FROM crm_kb_vocab WHERE term = ?1";
static const char SQL_HAS[] = "SELECT 1 FROM crm_kb_fts WHERE rowid = ?1 AND crm_kb_fts MATCH ?2";

/* How many indexed articles hold `term` (0 when none). */
static int64_t doc_freq(crm_db *db, const char *term)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_DF);
    if (!st)
        return 0;
    crmi_bind_text(st, 1, term);
    int64_t df = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return df;
}

static bool article_has(crm_db *db, int64_t id, const char *term)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_HAS);
    if (!st)
        return false;
    char quoted[160];
    snprintf(quoted, sizeof quoted, "\"%s\"", term);
    sqlite3_bind_int64(st, 1, id);
    crmi_bind_text(st, 2, quoted);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return yes;
}

/* IDF-weighted share of the question's terms the article holds. A pair no
 * article holds is often one that straddles two words ("卡找" in
 * "卡找不到"), so it weighs like a rare term, not like the rarest. A
 * question about other things holds none of its terms and scores 0. */
static double coverage(crm_db *db, const terms *q, int64_t id)
{
    int64_t n = 0;
    if (crmi_query_int64(db, SQL_DOCS, &n) || n == 0)
        return 0;
    double total = 0, held = 0;
    for (int i = 0; i < q->n; i++) {
        int64_t df = doc_freq(db, q->text[i]);
        double w = log(1.0 + (double)n / ((double)(df ? df : 2) + 0.5));
        total += w;
        if (article_has(db, id, q->text[i]))
            held += w;
    }
    return total > 0 ? held / total : 0;
}

static double confidence(crm_db *db, const terms *q, const hits *h)
{
    if (!h->n)
        return 0;
    double margin = h->n == 1 || h->score[0] <= 0 ? 1.0 : (h->score[0] - h->score[1]) / h->score[0];
    double c = coverage(db, q, h->id[0]) * (0.5 + 0.5 * margin);
    return c < 0 ? 0 : c > 1 ? 1 : c;
}

static const char SQL_ARTICLE[] =
    "SELECT code, title, body, kind FROM crm_kb_article WHERE id = ?1";

static int put_article(crm_db *db, crm_record *rec, int64_t id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ARTICLE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int rc = CRM_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; !rc && i < 4; i++)
            rc = crmi_record_put_text(rec, sqlite3_column_name(st, i),
                                      (const char *)sqlite3_column_text(st, i));
    sqlite3_reset(st);
    return rc;
}

/* Opens the consultation ticket for a question nobody could answer. */
static int hand_off(crm_db *db, const char *question, const crm_record *handoff, char **ticket)
{
    crm_record *rec = NULL;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    if (!rc)
        rc = crm_record_new(&rec);
    for (size_t i = 0; !rc && i < crm_record_count(handoff); i++) {
        const char *name = crm_record_field_name(handoff, i), *v;
        if (crm_record_get_text(&v, handoff, name) == CRM_OK)
            rc = crm_record_set_text(rec, name, v);
    }
    char subject[604];
    snprintf(subject, sizeof subject, "%.*s", (int)crmi_utf8_prefix_bytes(question, 200), question);
    const char *defaults[][2] = {
        {"channel", "online"}, {"category", "other"}, {"subject", subject}, {"body", question}};
    for (int i = 0; !rc && i < 4; i++)
        if (crm_record_type(rec, defaults[i][0]) == CRM_TYPE_NULL)
            rc = crm_record_set_text(rec, defaults[i][0], defaults[i][1]);
    if (rc == CRM_E_NOMEM)
        rc = crmi_error(db, rc, "kb answer: out of memory");
    if (!rc)
        rc = crmi_complaint_open(db, rec, "consultation", ticket);
    crm_record_free(rec);
    return rc;
}

static int answer(crm_db *db, const char *question, double min_confidence,
                  const crm_record *handoff, crm_record *rec, double *conf)
{
    terms q = {0};
    hits h = {0};
    crmi_kb_tokenize(question, collect, &q);
    int rc =
        q.failed ? crmi_error(db, CRM_E_NOMEM, "kb answer: out of memory") : top_two(db, &q, &h);
    *conf = rc ? 0 : confidence(db, &q, &h);
    terms_free(&q);
    bool answered = !rc && h.n && *conf >= min_confidence;
    if (!rc && h.n)
        rc = put_article(db, rec, h.id[0]);
    if (!rc)
        rc = crmi_record_put_int(rec, "answered", answered);
    if (!rc)
        rc = crmi_record_put_int(rec, "confidence_pct", (int64_t)lround(*conf * 100));
    char *ticket = NULL;
    if (!rc && !answered && handoff && !(rc = hand_off(db, question, handoff, &ticket)))
        rc = crmi_record_put_text(rec, "handoff_ticket", ticket);
    crm_free(ticket);
    return rc;
}

CRM_EXTERN(int)
crm_kb_answer(crm_record **out, double *out_confidence, crm_db *db, const char *question,
              double min_confidence, const crm_record *handoff)
{
    if (!out || !db || !question)
        return crmi_error(db, CRM_E_INVALID_ARG, "kb answer: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_KB_READ);
    if (!rc && (!*question || !crmi_utf8_valid(question, strlen(question))))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "kb answer: the question must be UTF-8 text");
    if (!rc && !(min_confidence >= 0 && min_confidence <= 1))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "kb answer: min_confidence is not in [0, 1]");
    crm_record *rec = NULL;
    if (!rc && crm_record_new(&rec))
        rc = crmi_error(db, CRM_E_NOMEM, "kb answer: out of memory");
    double conf = 0;
    if (!rc)
        rc = answer(db, question, min_confidence, handoff, rec, &conf);
    if (rc) {
        crm_record_free(rec);
        return rc;
    }
    *out = rec;
    if (out_confidence)
        *out_confidence = conf;
    return CRM_OK;
}
