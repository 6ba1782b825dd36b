/*
 * libcrm the knowledge base: articles, search and question answering.
 *
 * Articles are FAQs, policies and resolved complaint cases. Published
 * articles are indexed for full-text search that works for Chinese: text is
 * split into overlapping character pairs (信用卡挂失 -> 信用 用卡 卡挂 挂失)
 * and lower-cased ASCII words, stored in an SQLite FTS5 index and ranked by
 * BM25 with the title and tags weighing more than the body.
 *
 * An article record has: code (text, required, 1..64 of [A-Za-z0-9_-],
 * unique), title (required, 1..200 characters), body (required, 1..20000),
 * kind ("faq" default, "policy" or "case"), tags (text, comma-separated).
 * Reading adds status ("published" or "proposed"), source_ticket (for cases
 * proposed from a closed complaint), created_at and updated_at.
 *
 * Everyone with an account may search and ask; admins and complaint handlers
 * write (crm/access.h roles).
 */
#ifndef CRM_KB_H
#define CRM_KB_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Adds and publishes an article (fields above). Audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (names the field), CRM_E_CONFLICT (code
 *         exists), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_add(crm_db *db, const crm_record *article);

/**
 * Adds or replaces (by code) every article of a YAML or JSON document: a
 * list of mappings with the fields above ("tags" may also be a list), or a
 * mapping whose "articles" key holds that list. All or nothing, in one
 * transaction; one audit entry. Errors name the article's position and field.
 * @param out_count  receives how many articles were stored (may be NULL).
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_import(int64_t *out_count, crm_db *db, const char *text, size_t len);

/**
 * Reads one article (published or proposed). Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_get(crm_record **out, crm_db *db, const char *code);

/**
 * Lists articles by code with the fields of crm_kb_get except body.
 * `filter` may be NULL or hold "kind" and "status" (text).
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * Publishes a proposed article (a case proposed when its complaint closed),
 * adding it to the search index. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE (already published),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_publish(crm_db *db, const char *code);

/**
 * Full-text search over published articles, best first (BM25), at most
 * `limit` (1..100). Records: code, title, kind, tags, score_x1000 (BM25
 * relevance x 1000, higher is better). A query without a searchable term
 * yields no rows.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_search(crm_iter **out, crm_db *db, const char *query, int limit);

/**
 * Articles suggested for a complaint, from its subject and body: rows as
 * crm_kb_search. Needs read access to the ticket.
 * @return CRM_OK, CRM_E_NOT_FOUND (ticket), CRM_E_INVALID_ARG,
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_kb_suggest(crm_iter **out, crm_db *db, const char *ticket_no, int limit);

/**
 * Answers a customer's question with the best article and a confidence in
 * [0, 1]: the IDF-weighted share of the question's terms the article holds
 * (terms no article knows weigh most, so an off-topic question scores low),
 * blended with how clearly the best article beats the runner-up.
 *
 * Below `min_confidence` the question is handed to a person: when `handoff`
 * is not NULL a consultation ticket ("ZX...") is opened with its fields
 * (those of crm_complaint_open; channel defaults to "online", category to
 * "other", subject and body to the question), which needs complaint write
 * access.
 *
 * @param out  receives a record: answered (1/0), confidence_pct (0..100) and,
 *        when an article was found, code, title, body, kind; handoff_ticket
 *        when a ticket was opened. Free with crm_record_free.
 * @param out_confidence  receives the confidence (may be NULL).
 * @return CRM_OK, CRM_E_INVALID_ARG (empty question, threshold outside
 *         [0, 1]), CRM_E_INVALID_DATA (handoff fields), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_kb_answer(crm_record **out, double *out_confidence, crm_db *db, const char *question,
              double min_confidence, const crm_record *handoff);

#ifdef __cplusplus
}
#endif

#endif /* CRM_KB_H */
