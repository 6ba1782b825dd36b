/*
 * libcrm the tag system: a layered taxonomy of customer tags.
 *
 * The taxonomy has three levels: categories, subcategories (under a
 * category) and tags (under a category or a subcategory). Every name is
 * unique across the taxonomy, so a rule names a tag alone:
 * {"in": ["高净值", {"var": "tags"}]}.
 *
 * A customer gets a tag from one of three sources, each kept apart (one
 * customer may have a tag manually and by rule at once):
 *  - manual: staff apply and remove it (crm_tag_apply / crm_tag_remove);
 *  - rule: the tag carries a JsonLogic rule over the customer vocabulary
 *    (docs/RULES.md); crm_tag_refresh gives it to every customer the rule
 *    matches and takes it from the others;
 *  - model: a scoring model or another module applies it through
 *    crm_tag_apply, usually with a validity period.
 * Each application has a validity period [valid_from, valid_to): a tag is
 * held while the handle's clock is inside it (valid_to NULL: open-ended).
 * The `tags` rule variable holds the tags valid now.
 *
 * Every change is audited (entity "customer" or "tag"). Tag changes on a
 * customer re-evaluate their live segments (segment.h) in the same
 * transaction.
 */
#ifndef CRM_TAG_H
#define CRM_TAG_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where a customer's tag came from. */
typedef enum crm_tag_source {
    CRM_TAG_MANUAL = 1, /**< applied by a member of staff */
    CRM_TAG_RULE = 2,   /**< the tag's rule matched at the last refresh */
    CRM_TAG_MODEL = 3   /**< applied by a model or another module */
} crm_tag_source;

/** "manual", "rule", "model"; "unknown" otherwise. Static. */
CRM_EXTERN(const char *) crm_tag_source_name(crm_tag_source source);

/**
 * Adds a category (parent NULL) or a subcategory (parent: a category).
 * Names are 1..50 characters, unique across the taxonomy. Admins and
 * marketers; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (name, or a parent that is not a
 *         category), CRM_E_NOT_FOUND (parent), CRM_E_CONFLICT (name taken),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_tag_category_add(crm_db *db, const char *name, const char *parent, const char *description);

/**
 * Adds a tag under a category or subcategory `parent`. Same rules for the
 * name; `description` may be NULL. Admins and marketers; audited.
 * @return as crm_tag_category_add().
 */
CRM_EXTERN(int)
crm_tag_add(crm_db *db, const char *name, const char *parent, const char *description);

/**
 * Sets (or with NULL removes) the rule of tag `tag`: JsonLogic in JSON or
 * YAML over the customer vocabulary. Takes effect at the next
 * crm_tag_refresh; removing the rule also removes the tag's rule-sourced
 * applications. Admins and marketers; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (parse error with line and column),
 *         CRM_E_NOT_FOUND (tag, or a name outside the vocabulary),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_tag_set_rule(crm_db *db, const char *tag, const char *rule_text);

/**
 * Lists the taxonomy depth-first by path. Records: name, kind ("category",
 * "subcategory", "tag"), parent (absent for categories), path
 * ("客户价值/资产/高净值"), description, rule (compact JSON, tags with a rule
 * only), refreshed_at (ISO-8601, after a refresh). Any active user.
 * Free with crm_iter_free. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_tag_list(crm_iter **out, crm_db *db);

/**
 * Applies `tag` to a customer from `source` (CRM_TAG_MANUAL or
 * CRM_TAG_MODEL; rule tags come only from crm_tag_refresh), valid from
 * `valid_from` to `valid_to` (ISO-8601 times or dates; NULL: now, and
 * open-ended). Applying again from the same source replaces the period.
 * The customer must be visible to the actor. Staff who may tag (admin,
 * branch manager, RM, marketer); audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (times; valid_to not after
 *         valid_from), CRM_E_INVALID_ARG (source), CRM_E_NOT_FOUND
 *         (customer, or a tag that is not a tag), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_tag_apply(crm_db *db, const char *customer_no, const char *tag, crm_tag_source source,
              const char *valid_from, const char *valid_to);

/**
 * Removes a customer's `tag` from `source` (manual or model).
 * @return CRM_OK, CRM_E_NOT_FOUND (customer, tag, or no such application),
 *         CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_tag_remove(crm_db *db, const char *customer_no, const char *tag, crm_tag_source source);

/**
 * Lists a customer's tag applications, valid or not, by tag then source.
 * Records: tag, category (the top-level category), source, valid_from,
 * valid_to (absent when open), valid (int 1 when held now), applied_by.
 * Same access as crm_customer_get.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_tag_customer_list(crm_iter **out, crm_db *db, const char *customer_no);

/**
 * Re-applies rule tags: for tag `tag` (or every tag with a rule when
 * NULL), customers the rule matches now get the rule application and the
 * others lose it, in one transaction, audited once per tag with the
 * counts. Uses the compiled SQL of the rule, or the interpreter over each
 * customer when the rule cannot compile. `out_changed` (may be NULL)
 * receives how many applications were added or removed. Admins and
 * marketers.
 * @return CRM_OK, CRM_E_NOT_FOUND (tag), CRM_E_STATE (the tag has no
 *         rule), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_tag_refresh(int64_t *out_changed, crm_db *db, const char *tag);

/**
 * Tag statistics over the customers the actor sees, one record per tag:
 * tag, category, customers (holding it now from any
 * source), manual, rule, model (holding it now from that source), by
 * category then tag name (UTF-8 byte order). Any
 * active user. @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_tag_stats(crm_iter **out, crm_db *db);

#ifdef __cplusplus
}
#endif

#endif /* CRM_TAG_H */
