/*
 * Internal services of the knowledge base: the tokenizer every piece of
 * indexed and searched text goes through (shared with the complaint
 * module's frequent-terms analysis), and the case proposal the complaint
 * workflow makes when a complaint is closed.
 */
#ifndef CRMI_KB_INT_H
#define CRMI_KB_INT_H

#include "access/access_int.h"
#include "core/validate_int.h"
#include "crm/kb.h"
#include "security/security_int.h"

/* Receives each token (UTF-8, not NUL-terminated); non-zero stops. */
typedef int (*crmi_token_fn)(const char *token, size_t len, void *ctx);

/* Splits text into search terms: runs of ASCII letters and digits (and
 * their full-width forms) as lower-cased words; runs of CJK characters as
 * overlapping character pairs (a lone character as itself); everything else
 * separates. Common question fillers ("请问", "怎么") are dropped. Returns
 * what `fn` returned to stop, else 0. */
int crmi_kb_tokenize(const char *text, crmi_token_fn fn, void *ctx);

/* The tokens of `text` joined by single spaces, for the FTS5 table; free
 * with crm_free. NULL when out of memory. */
char *crmi_kb_terms(const char *text);

/* Proposes the closed complaint `complaint_id` as a case article (status
 * "proposed", code "CASE-<ticket>") from its category, subject and
 * resolution; replaces an earlier proposal of the same ticket. Inside the
 * caller's transaction; audited. */
int crmi_kb_propose_case(crm_db *db, int64_t complaint_id);

#endif /* CRMI_KB_INT_H */
