/*
 * libcrm campaigns: plan, approve, target, reward, dispatch leads, evaluate.
 *
 * A campaign is known by its code and lives in versions. It is defined by
 * a YAML or JSON document (docs/CAMPAIGNS.md has every key): name,
 * description, products promoted (codes), eligible segments (names), an
 * extra eligibility rule (JsonLogic over the customer vocabulary of
 * docs/RULES.md), budget, cost per message, channels with their message
 * templates, control-group share, goals, reward rules, schedule and the
 * days a lead stays due. Money in the document is yuan with at most two
 * decimals ("budget: 50000.50") or fen ("budget_fen: 5000050"); inside it
 * is int64 fen, shares and rates basis points.
 *
 * Lifecycle of a version: draft -> submitted -> approved or rejected;
 * approved -> scheduled -> running <-> paused -> completed -> archived.
 * A rejected version goes back to draft when edited. Approval needs the
 * approve right and a different user than the version's author (four
 * eyes). An approved (or later) version is frozen: editing makes version
 * N+1 as a draft with the same code; the old version keeps working until
 * the new one is approved, then it becomes "superseded". Every change is
 * audited; a refused transition is CRM_E_STATE naming both states.
 *
 * Which version a call acts on: editing, submit, approve and reject act
 * on the latest version; targeting, dispatch, transitions, rewards and
 * evaluation act on the active version (the latest one approved or
 * later), CRM_E_STATE when there is none.
 *
 * Roles: planners (admin, marketer) create, edit, submit and target;
 * admins, branch managers and marketers approve; admins and marketers run
 * (schedule, pause, dispatch, rewards, evaluate); every campaign reader
 * reads. Relationship managers and branch managers work leads.
 */
#ifndef CRM_CAMPAIGN_H
#define CRM_CAMPAIGN_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ planning */

/**
 * Creates version 1 of campaign `code` (1..32 of [A-Za-z0-9_-]) as a draft
 * from `definition` (YAML or JSON text). Products and segments must exist
 * and be visible; the eligibility rule must use only vocabulary names.
 * Audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (the message names the key and why,
 *         with line and column for syntax errors), CRM_E_NOT_FOUND (a
 *         product, segment or rule variable), CRM_E_CONFLICT (code taken),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_create(crm_db *db, const char *code, const char *definition);

/**
 * Creates campaign `code` from template `template_name` (a built-in one or
 * one added with crm_campaign_template_add); `overrides` (YAML or JSON
 * mapping, may be NULL) replaces whole top-level keys of the template.
 * Otherwise as crm_campaign_create.
 */
CRM_EXTERN(int)
crm_campaign_from_template(crm_db *db, const char *code, const char *template_name,
                           const char *overrides);

/**
 * Replaces the definition of campaign `code`. A draft or rejected latest
 * version is changed in place (and is a draft again); an approved or later
 * one stays as it is and the new definition becomes version N+1, a draft.
 * `out_version` (may be NULL) receives the version written. Audited.
 * @return as crm_campaign_create; CRM_E_NOT_FOUND for an unknown code,
 *         CRM_E_STATE when the latest version is submitted or archived.
 */
CRM_EXTERN(int)
crm_campaign_update(int64_t *out_version, crm_db *db, const char *code, const char *definition);

/**
 * Reads the latest version of `code`: code, version, name, description,
 * template, status, budget, reward_spent, cost_per_message (money),
 * control_bps, seed, lead_due_days, start_at, end_at, created_by,
 * created_at, submitted_at, decided_by, decided_at, decision_reason,
 * targeted_at, completed_at, products (codes joined by ","), segments
 * (names joined by ","), channels (in order, joined by ","), definition
 * (the document text), and active_version when an older version is the
 * active one. Absent fields are unset. Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_get(crm_record **out, crm_db *db, const char *code);

/**
 * Lists the latest version of every campaign by code: code, version, name,
 * status, budget, reward_spent, start_at, end_at, created_by. `status` may
 * be NULL (all) or one status to filter by.
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown status), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_list(crm_iter **out, crm_db *db, const char *status);

/* ----------------------------------------------------------- lifecycle */

/** Submits the latest version (a draft) for approval. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE, CRM_E_PERMISSION. */
CRM_EXTERN(int) crm_campaign_submit(crm_db *db, const char *code);

/**
 * Approves the latest version (submitted). The acting user must hold the
 * approve right and not be the version's author: approving one's own is
 * CRM_E_PERMISSION ("four eyes"). A branch manager approves only campaigns
 * written in their own subtree (admins and marketers: any). Older active
 * versions become superseded. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_approve(crm_db *db, const char *code);

/** Rejects the latest version (submitted) with a required `reason`; same
 * rights as approval. @return as crm_campaign_approve, CRM_E_INVALID_ARG
 * without a reason. */
CRM_EXTERN(int) crm_campaign_reject(crm_db *db, const char *code, const char *reason);

/**
 * Moves the active version to `status`: "scheduled" (from approved; needs
 * a target list), "running" (from scheduled, or from paused: resume),
 * "paused" (from running), "completed" (from running or paused: evaluates
 * it and adds it to the case library), "archived" (from completed).
 * Audited.
 * @return CRM_OK, CRM_E_INVALID_ARG (another status), CRM_E_NOT_FOUND,
 *         CRM_E_STATE ("cannot go from draft to running"), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_transition(crm_db *db, const char *code, const char *status);

/* -------------------------------------------------- templates and cases */

/**
 * Lists the templates: the built-in ones (new wealth product launch
 * "wealth_launch", "holiday_promotion", "dormant_reactivation",
 * "birthday_offer", "card_activation") and those the host added. Records:
 * name, description, builtin (int 0/1), body (the YAML text).
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_templates(crm_iter **out, crm_db *db);

/**
 * Adds or replaces a host template `name` (1..32 of [A-Za-z0-9_-], not a
 * built-in name) with `body`, a definition document (checked as
 * crm_campaign_create parses it, without resolving products and segments).
 * Audited. @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_CONFLICT (a built-in
 * name), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_template_add(crm_db *db, const char *name, const char *body);

/**
 * Lists the case library: completed campaigns with their results.
 * Records: code, version, name, template, completed_at, summary (the
 * evaluation JSON of crm_campaign_evaluate).
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_cases(crm_iter **out, crm_db *db);

/* ------------------------------------------------------------ targeting */

/**
 * Builds the target list of the active version (approved or scheduled;
 * again replaces the list) in one transaction. Eligible: members of the
 * campaign's segments (their current membership; any segment) and, with
 * an eligibility rule, matching it; with neither, every customer. Each
 * eligible customer is then suppressed for the first reason that holds,
 * in this order: "restricted" (not active, or deletion requested),
 * "unsuitable" (a promoted product is rated above the customer's risk
 * level, or the assessment is missing or expired), "no_consent" (no
 * consent for any of the campaign's channels), "opted_out" (opted out of
 * every consenting channel), "frequency_cap" (the contact policy's cap of
 * messages sent across campaigns in the rolling window is reached). The
 * rest is split by a deterministic hash of the campaign's seed and the
 * customer into the control group (control_bps of them, held out) and the
 * target group. Target and control customers get their channel: the first
 * of the campaign's channels with consent and no opt-out.
 *
 * `out` receives a record: eligible, target, control, suppressed,
 * restricted, unsuitable, no_consent, opted_out, frequency_cap (int) and
 * elapsed_ms (the time taken). Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_target(crm_record **out, crm_db *db, const char *code);

/**
 * Lists the target list of the active version within the actor's
 * customer scope, by customer number. `filter` may be NULL or hold "grp"
 * (target, control, suppressed), "reason", "status", "limit". Records:
 * customer_no, name, grp, reason, channel, status, conversion_amount.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_NOT_FOUND, CRM_E_STATE,
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_campaign_targets(crm_iter **out, crm_db *db, const char *code, const crm_record *filter);

/**
 * Reads the bank-wide contact policy: freq_cap (messages per window,
 * default 4), freq_window_days (default 30), quiet_start_min and
 * quiet_end_min (minutes after local midnight, UTC+8; default 1260 and
 * 480: 21:00-08:00). The outreach module delays sends in quiet hours.
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_policy_get(crm_record **out, crm_db *db);

/**
 * Changes the fields of the contact policy that `policy` holds (the
 * fields of crm_campaign_policy_get: freq_cap 1..1000, freq_window_days
 * 1..365, quiet minutes 0..1439). Audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_policy_set(crm_db *db, const crm_record *policy);

/* -------------------------------------------------------------- rewards */

/**
 * Answers and grants the reward for a purchase of `amount` fen by customer
 * `customer_no` under the active version's rules, once per `ref` (the
 * purchase's reference: asking again returns the first answer). The first
 * tier whose [min, max) range holds the amount applies: its bonus_bps of
 * the amount, or its fixed amount; the per-customer cap and the remaining
 * budget cut it down, so rewards stop when the budget is spent. When the
 * customer was referred (crm_campaign_referral_add) and this is their
 * first purchase, the referrer's and referee's rewards are granted too.
 * The budget check and the spend update run in one transaction.
 * `out` receives: reward (money, this purchase's tier reward), bonus_bps,
 * tier (int, 1-based; 0 none), capped (int 0/1: cut by cap or budget),
 * referral_reward (money, to the referee), referrer_reward (money),
 * budget_left (money), repeated (int 0/1). Audited.
 * @return CRM_OK, CRM_E_INVALID_ARG (amount < 0, no ref), CRM_E_NOT_FOUND,
 *         CRM_E_STATE (not running), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_campaign_reward(crm_record **out, crm_db *db, const char *code, const char *customer_no,
                    int64_t amount, const char *ref);

/**
 * Registers that `referrer_no` referred `referee_no` to the campaign
 * (once per referee; a customer cannot refer themself). Audited.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_NOT_FOUND, CRM_E_CONFLICT,
 *         CRM_E_STATE, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_campaign_referral_add(crm_db *db, const char *code, const char *referrer_no,
                          const char *referee_no);

/* --------------------------------------------------------- evaluation */

/**
 * Evaluates the active version (or the last completed one) now and stores
 * the evaluation for the report module. `out` receives: conversions,
 * target_size, control_size, target_conversions, control_conversions
 * (int), target_rate_bps, control_rate_bps, uplift_bps (int), z and
 * p_value (text, decimal), significant (int: p < 0.05), revenue, cost,
 * reward_cost, message_cost (money), messages (int), roi_bps (int; absent
 * when cost is 0), and json: the whole evaluation with the channel
 * comparison and each goal's attainment (docs/CAMPAIGNS.md). Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_campaign_evaluate(crm_record **out, crm_db *db, const char *code);

/* ---------------------------------------------------------------- leads */

/**
 * Turns the active version's target group into leads for relationship
 * managers: each customer goes to their own RM, or, without one, to the
 * RM of the customer's branch with the fewest open leads; due lead_due_days
 * from now. Customers who already have a lead for the campaign, and those
 * whose branch has no RM, are skipped. `out_created` and `out_skipped`
 * (may be NULL) receive the counts. Audited.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE (not approved or later, or
 *         no target list), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_campaign_dispatch(int64_t *out_created, int64_t *out_skipped, crm_db *db, const char *code);

/**
 * Lists leads by due date: an RM sees their own, a branch manager their
 * subtree's, admins all. `filter` may be NULL or hold "campaign" (code),
 * "status" (open, contacted, interested, declined, converted), "rm" (user
 * name), "due_before" (ISO-8601), "limit". Records: id, campaign (code, or
 * absent for care tasks), occasion, customer_no, customer_name, rm,
 * branch, due_at, status, amount (money), note, overdue (int 0/1).
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_lead_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * Records the outcome of lead `lead_id`: "contacted", "interested",
 * "declined", or "converted" with `amount` fen (>= 0; ignored otherwise).
 * An RM may record only their own leads; a converted lead marks the
 * customer converted on the campaign's target list. Audited.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_NOT_FOUND (also another RM's
 *         lead), CRM_E_STATE (already converted), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_lead_outcome(crm_db *db, int64_t lead_id, const char *outcome, int64_t amount,
                 const char *note);

#ifdef __cplusplus
}
#endif

#endif /* CRM_CAMPAIGN_H */
