/*
 * libcrm risk profiles and suitability: questionnaires, C1..C5, product checks.
 *
 * A customer's risk tolerance is assessed with a questionnaire: each answer
 * scores points, the total maps to a level C1 (conservative) .. C5
 * (aggressive), and some answers cap the level ("I cannot accept any loss"
 * caps at C1). The scoring table is YAML (docs/RISK.md has the format); a
 * sensible default is compiled in (crm_risk_config_default) and a host may
 * load its own. Each assessment is kept (crm_risk_history) and sets the
 * customer's risk_level and risk_assessed_at through the customer module,
 * so the change is validated and audited like any customer update.
 *
 * Investor suitability (the rule of DESIGN.md section 3): a product rated
 * R1..R5 may be sold or marketed to a customer only when the product's R is
 * not above the customer's C and the assessment has not expired. An
 * assessment expires validity_days (default 365) after it was taken; a level
 * set without a questionnaire (an import) expires 365 days after its
 * risk_assessed_at.
 */
#ifndef CRM_RISK_H
#define CRM_RISK_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed questionnaire scoring table. Opaque; immutable once loaded, so
 * one may serve many handles and threads. */
typedef struct crm_risk_config crm_risk_config;

/** The shipped scoring table as YAML text (static storage): eight questions,
 * levels by total score, one year's validity. A starting point for a bank's
 * own table. */
CRM_EXTERN(const char *) crm_risk_config_default(void);

/**
 * Parses a scoring table from YAML or JSON text of `len` bytes (docs/RISK.md):
 * `questions` (each with `id`, `text` and `options`: key -> {text, score,
 * optional max_level}), `levels` (C1..C5 -> the highest total score of that
 * level, ascending) and optional `validity_days` (1..3660, default 365).
 * Free with crm_risk_config_free.
 * @return CRM_OK, CRM_E_INVALID_DATA (crm_last_errmsg names the entry and
 *         why), CRM_E_INVALID_ARG, CRM_E_NOMEM.
 */
CRM_EXTERN(int) crm_risk_config_load(crm_risk_config **out, const char *text, size_t len);

/** Frees a scoring table. NULL is fine. */
CRM_EXTERN(void) crm_risk_config_free(crm_risk_config *config);

/**
 * Parses answers written as a YAML or JSON mapping of question id to option
 * key ("age: b" per line, or {"age": "b"}) into a record of text fields, for
 * crm_risk_assess. Free with crm_record_free.
 * @return CRM_OK, CRM_E_INVALID_DATA (line and column in crm_last_errmsg),
 *         CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_risk_answers_parse(crm_record **out, const char *text, size_t len);

/**
 * Scores a questionnaire for a customer and records it. `answers` holds one
 * text field per question of `config` (NULL: the default table), named by
 * the question's id, whose value is the chosen option's key; every question
 * must be answered and no other field may appear. The level is the first of
 * C1..C5 whose highest score covers the total, lowered to the smallest cap
 * of the chosen options.
 *
 * In one transaction: the assessment is stored (crm_risk_history), the
 * customer's risk_level and risk_assessed_at are updated as by
 * crm_customer_update (validated, audited as "customer.update", version
 * incremented), and an audit entry "risk.assess" records score and level.
 *
 * `*out` (free with crm_record_free) holds customer_no, score (int),
 * risk_level (text), capped_by (the question id that capped the level;
 * absent when none), assessed_at and expires_at (ISO-8601 text).
 *
 * Needs the risk-assessment permission (admin, branch manager for their
 * subtree, relationship manager for their own customers).
 * @return CRM_OK, CRM_E_INVALID_DATA (the message names the question and
 *         why), CRM_E_NOT_FOUND (no such customer, or not visible),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_risk_assess(crm_record **out, crm_db *db, const crm_risk_config *config,
                const char *customer_no, const crm_record *answers);

/**
 * Lists a customer's assessments, newest first. Records: score (int),
 * risk_level, capped_by (absent when none), answers (JSON text),
 * assessed_at, expires_at (ISO-8601), assessed_by (user name). Same access
 * as crm_customer_get. Free the iterator with crm_iter_free.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such customer, or not visible).
 */
CRM_EXTERN(int) crm_risk_history(crm_iter **out, crm_db *db, const char *customer_no);

/**
 * Checks whether product `product_code` is suitable for the customer now
 * (handle's clock). `*out` (free with crm_record_free) holds:
 *  - suitable (int 1 or 0)
 *  - reason_code (text): "suitable", "level_too_low", "assessment_expired"
 *    or "assessment_missing" (checked in the order missing, expired, level)
 *  - reason (text): a sentence for a person, naming the levels and dates
 *  - risk_level (absent when never assessed), risk_rating, expires_at
 *    (ISO-8601; absent when never assessed)
 * A refusal is an answer, not an error: the call returns CRM_OK.
 * Same access as crm_customer_get.
 * @return CRM_OK, CRM_E_NOT_FOUND (customer or product; the message says
 *         which), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_risk_check(crm_record **out, crm_db *db, const char *customer_no, const char *product_code);

#ifdef __cplusplus
}
#endif

#endif /* CRM_RISK_H */
