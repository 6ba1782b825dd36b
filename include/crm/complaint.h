/*
 * libcrm the complaint workflow: intake, assignment, SLA, escalation, hotspots.
 *
 * A complaint (or a consultation handed off by the knowledge base) is a
 * ticket ("TS20261118000042"; consultations "ZX...") that moves through a
 * state machine defined in YAML (docs/COMPLAINTS.md; a default is compiled
 * in): new, assigned, in_progress, waiting_customer, resolved, closed, with
 * reopen within a window. A refused transition fails with CRM_E_STATE and a
 * message naming the states and the allowed ones. Every transition,
 * assignment, note, extension and escalation is kept in the ticket's
 * history (actor, time, note) and audited.
 *
 * Two clocks run per ticket, both in SLA time (calendar time, or business
 * hours with a holiday calendar when configured) and both read from the
 * handle's clock (crm_db_now): first response (stopped by the first move to
 * a "responded" state) and resolution (stands still while the ticket waits
 * for the customer, stops at resolution, resumes on reopen). Deadlines come
 * from the configuration per severity and channel, the strictest applying;
 * the default follows Chinese banking practice: acknowledge within 24 hours,
 * decide within 15 days, extendable once to 30 days with a recorded reason,
 * shorter for critical cases and regulator referrals.
 *
 * A complaint record (crm_complaint_open) has these fields:
 *
 * | field         | type | notes                                                      |
 * |---------------|------|------------------------------------------------------------|
 * | channel       | text | required: phone, email, online, branch, social, regulator  |
 * | category      | text | required: one of the configuration's categories            |
 * | severity      | text | low, medium (default), high, critical                      |
 * | subject       | text | required, 1..200 characters                                |
 * | body          | text | required, 1..5000 characters: the complaint in full        |
 * | customer_no   | text | optional: a customer the actor can see                     |
 * | contact_name  | text | optional (stored masked only)                              |
 * | contact_phone | text | optional mobile: sealed at rest, shown masked              |
 * | contact_email | text | optional: sealed at rest, shown masked                     |
 * | product_code  | text | optional: an existing product                              |
 * | branch        | text | optional branch code; default the customer's, else the     |
 * |               |      | actor's branch                                             |
 *
 * Reading (crm_complaint_get/list) returns ticket_no, kind, channel,
 * category, severity, subject, body, customer_no, contact_name,
 * contact_phone, contact_email (masked), branch, product_code, state, team,
 * assignee, opened_at, ack_due_at, first_response_at, resolve_due_at (absent
 * while the clock is paused or stopped), resolve_used_seconds, extended (0/1),
 * extension_reason, escalation_level (0 none, 1 handler, 2 supervisor,
 * 3 branch manager), resolved_at, closed_at, reopen_count, breached (0/1),
 * resolution, satisfaction (1..5). Times are ISO-8601 text.
 *
 * Visibility: a complaint linked to a customer is visible to whoever may see
 * that customer (crm_customer_get's scope); one without a customer to the
 * actor's branch subtree (all branches for admins, auditors, marketers and
 * complaint handlers); and always to its assignee. Others read as
 * CRM_E_NOT_FOUND.
 */
#ifndef CRM_COMPLAINT_H
#define CRM_COMPLAINT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- configuration */

/**
 * Replaces the workflow configuration (states, transitions, reopen window,
 * deadlines, business hours and holidays, categories, assignment rules) with
 * the YAML or JSON `text` of `len` bytes, after checking all of it: an error
 * names the key at fault. Tickets already open keep the deadlines they
 * were given. Admins and branch managers; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_config_set(crm_db *db, const char *text, size_t len);

/**
 * The configuration in force as YAML text: the stored one, else the
 * compiled-in default. Free with crm_free. Anyone who may read complaints.
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_config_get(char **out, crm_db *db);

/* ------------------------------------------------------------------ teams */

/**
 * Adds a handling team. Fields: "code" (required, 1..32 of [A-Za-z0-9_-],
 * named by assignment rules), "name" (required), "strategy" ("least_open",
 * the default: the member with the fewest open tickets; or "round_robin"),
 * "supervisor" (optional user name: the second rung of the escalation
 * ladder). Admins and branch managers; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_CONFLICT, CRM_E_NOT_FOUND
 *         (supervisor), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_team_add(crm_db *db, const crm_record *team);

/**
 * Adds user `user_name` to team `team_code` with `skills`, a comma-separated
 * list of categories the member handles ("" or NULL: any). Assignment
 * prefers members whose skills cover the complaint's category and whose
 * branch subtree holds the complaint's branch, then relaxes branch, then
 * skills. Admins and branch managers; audited.
 * @return CRM_OK, CRM_E_NOT_FOUND (team or user), CRM_E_CONFLICT (already a
 *         member), CRM_E_INVALID_DATA (unknown category), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_complaint_team_member_add(crm_db *db, const char *team_code, const char *user_name,
                              const char *skills);

/* ---------------------------------------------------------------- tickets */

/**
 * Opens a complaint from `complaint` (fields above), starts both clocks and
 * assigns it by the configuration's rules when a rule's team has an active
 * member (else it stays in the initial state for crm_complaint_assign).
 * Contact details are sealed and stored masked; the audit entry holds masked
 * data only.
 * @param out_ticket  receives the ticket number; free with crm_free.
 * @return CRM_OK, CRM_E_INVALID_DATA (names the field), CRM_E_NOT_FOUND
 *         (customer, product or branch, named), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_open(char **out_ticket, crm_db *db, const crm_record *complaint);

/**
 * Assigns a ticket to `assignee` (a user name), or with NULL by the
 * assignment rules and the team's strategy. A ticket in the initial state
 * moves to the configuration's assigned state. `note` may be NULL.
 * Handlers and managers (complaint write); audited.
 * @return CRM_OK, CRM_E_NOT_FOUND (ticket or user), CRM_E_STATE (final
 *         state, or no rule or member can take it; the message says which),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_complaint_assign(crm_db *db, const char *ticket_no, const char *assignee, const char *note);

/**
 * Moves a ticket to state `to_state`, if the workflow allows it: otherwise
 * CRM_E_STATE with the reason ("ticket TS..: new -> closed is not allowed;
 * from new: assigned, in_progress, resolved"). A reopen transition is allowed
 * only within the reopen window after resolution. States marked
 * note_required need a `note` (for a resolved state it is the resolution).
 * Closing a resolved complaint proposes it as a case article for the
 * knowledge base (status "proposed"; crm_kb_publish). Audited.
 * @return CRM_OK, CRM_E_STATE, CRM_E_INVALID_DATA (unknown state, missing
 *         note), CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_complaint_transition(crm_db *db, const char *ticket_no, const char *to_state, const char *note);

/**
 * Adds a note (1..2000 characters) to the ticket's history. Audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_note(crm_db *db, const char *ticket_no, const char *note);

/**
 * Extends the resolution deadline once, to the configured extend_to (30 days
 * by default), for `reason` (required: it is recorded and audited). A
 * second extension, or one on a resolved ticket, is CRM_E_STATE.
 * @return CRM_OK, CRM_E_STATE, CRM_E_INVALID_DATA, CRM_E_NOT_FOUND,
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_extend(crm_db *db, const char *ticket_no, const char *reason);

/**
 * Records the customer's satisfaction score, 1..5, on a resolved or closed
 * ticket. Audited. @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_STATE,
 * CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_rate(crm_db *db, const char *ticket_no, int score);

/**
 * Reads one ticket (fields above). Free with crm_record_free.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_get(crm_record **out, crm_db *db, const char *ticket_no);

/**
 * Lists visible tickets, newest first, with the fields of crm_complaint_get.
 * `filter` may be NULL or hold: "state", "channel", "category", "severity",
 * "kind", "assignee", "customer_no" (text), "open" (int 1: not in a final
 * state), "since", "until" (opened, ISO-8601; until exclusive), "limit"
 * (int). @return CRM_OK, CRM_E_INVALID_ARG (unknown filter field),
 * CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * The ticket's history, oldest first: at (ISO-8601), actor, kind (open,
 * assign, transition, note, extend, escalate, reassign, rate), from_state,
 * to_state, note. @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_history(crm_iter **out, crm_db *db, const char *ticket_no);

/**
 * The clear text of a sealed contact field ("contact_phone" or
 * "contact_email") for `reason` (required), audited with who and why.
 * Handlers and managers. Free *out with crm_free.
 * @return CRM_OK, CRM_E_NOT_FOUND (ticket, or field empty),
 *         CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_complaint_reveal(char **out, crm_db *db, const char *ticket_no, const char *field,
                     const char *reason);

/* -------------------------------------------------------- SLA escalation */

/**
 * Called by crm_complaint_sla_scan for each escalation and reassignment.
 * `notice` holds: ticket_no, event ("at_risk", "breached",
 * "branch_manager", "reassigned"), clock ("acknowledge" or "resolve"; absent
 * for reassigned), level (int), recipient (user name; absent when nobody
 * holds that rung), due_at (ISO-8601). It is borrowed for the call, which
 * comes after the escalation was committed. Return 0 to go on, non-zero to
 * stop the scan: what was recorded stays, the rest waits for the next scan.
 */
typedef int (*crm_complaint_notify_fn)(const crm_record *notice, void *payload);

/**
 * Checks every open ticket of the actor's branch subtree (the whole bank
 * for an admin) against its clocks at crm_db_now and escalates
 * along the ladder: at risk (at most at_risk_percent of a budget left) to
 * the handler (level 1), breached to the team's supervisor (level 2),
 * breached for branch_manager_after to the manager of the ticket's branch
 * or the nearest branch above it (level 3). A level is notified once; the
 * level only rises. Open tickets whose handler was disabled are reassigned
 * within their team. Each escalation is an event in the ticket's history and
 * an audit entry; `notify` (may be NULL) is told of each after it is
 * recorded. Admins and branch managers (a scheduler runs it as one).
 * @param out_summary  receives (may be NULL) a record with ints scanned,
 *        at_risk, breached, escalated, reassigned; free with crm_record_free.
 * @return CRM_OK, CRM_E_STATE (the callback stopped the scan),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_complaint_sla_scan(crm_record **out_summary, crm_db *db, crm_complaint_notify_fn notify,
                       void *payload);

/* --------------------------------------------------------------- analysis */

/**
 * Complaint figures grouped by a dimension over a period. `query` fields:
 * "by" (required: category, product, branch, channel, severity, kind, or
 * "all"), "since", "until" (opened, ISO-8601 or dates; until exclusive;
 * default all time). One record per group, largest first: key, count, open,
 * resolved, avg_resolution_minutes (from opening to resolution, calendar time,
 * resolved tickets only), sla_met (resolved tickets never breached),
 * sla_compliance_pct (sla_met per resolved, 0..100), rated,
 * avg_satisfaction_x100 (mean score x 100). Visible tickets only.
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_stats(crm_iter **out, crm_db *db, const crm_record *query);

/**
 * Spikes: buckets of a period where a dimension's volume stands well above
 * its trailing average. `query` fields: "by" (as crm_complaint_stats,
 * default "category"), "since", "until" (required), "bucket" ("day", the
 * default, or "week"), "window" (trailing buckets averaged, default 7),
 * "factor_pct" (a spike has count >= factor_pct/100 x the trailing average;
 * default 200), "min_count" (default 5). Buckets before `since` feed the
 * trailing average of the first ones. Records: key, bucket_start
 * (ISO-8601), count, trailing_avg_x100, ratio_pct; ordered by ratio, highest
 * first. @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_hotspots(crm_iter **out, crm_db *db, const crm_record *query);

/**
 * The most frequent terms (Chinese character pairs and words, as the
 * knowledge base tokenises them) in the subjects and bodies of complaints
 * opened in a period. `query` may be NULL or hold "since", "until",
 * "category", "limit" (default 20). Records: term, count (tickets holding
 * it), ordered by count. @return CRM_OK, CRM_E_INVALID_ARG,
 * CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_complaint_terms(crm_iter **out, crm_db *db, const crm_record *query);

#ifdef __cplusplus
}
#endif

#endif /* CRM_COMPLAINT_H */
