/*
 * libcrm outreach: delivery channels, message rendering, the durable outbox,
 * response events, opt-outs, pace monitoring, effectiveness and customer
 * care (birthday and holiday greetings). docs/OUTREACH.md has the concepts
 * and the configuration file.
 *
 * Messages. A message is one row of the outbox, keyed by an idempotency key:
 * "campaign:<code>:v<version>:<customer_no>:<channel>" for campaign sends,
 * "care:<occasion>:<date>:<customer_no>:<channel>" for greetings. Queuing
 * the same key twice adds nothing. crm_message_send hands due messages to
 * the channel's callback outside any write transaction, then records the
 * outcome in its own transaction: a message reaches the callback at least
 * once (again after a crash between the two steps) and is recorded sent
 * exactly once. A callback must therefore be idempotent per key (the spool
 * channel overwrites the file of that key).
 *
 * Message records (crm_message_list) have: idem_key, campaign (code),
 * occasion, customer_no, channel, subject, body, state (queued, sent,
 * failed, cancelled), attempts, not_before, last_error, created_at,
 * sent_at (times ISO-8601).
 *
 * Templates. Placeholders in braces: {salutation} (the polite masked form
 * of address: surname + 先生/女士, e.g. 王先生; "尊敬的客户" when the gender
 * is unknown; never the full name), {campaign} (campaign name), {product}
 * (the first promoted product's name), {branch} (branch name), {occasion}
 * (care: the holiday's name), and any field of the `vars` record where a
 * call takes one. "{{" and "}}" are literal braces; an unknown placeholder
 * is CRM_E_INVALID_DATA. SMS bodies get the configured opt-out text
 * appended ("拒收请回复R") and must fit the configured number of segments
 * (default 3): 70 characters (UTF-8 code points) in one segment, 67 per
 * segment when split (160 and 153 for plain ASCII text); longer messages
 * are truncated with "…" before the opt-out text, or refused when the
 * configuration says overflow: refuse.
 *
 * Quiet hours come from the contact policy (crm_contact_policy):
 * quiet_start_min, quiet_end_min (local minutes of the day) and
 * utc_offset_min; defaults 1260, 480, 480 (21:00-08:00 at UTC+8). A message
 * queued in quiet hours waits (not_before = the end of the quiet period);
 * none is sent while they last.
 *
 * Access: sending and queuing need "run campaigns" (admin, marketer);
 * events and opt-outs "ingest response events" (admin, marketer); care
 * "run customer care" (admin, marketer); reading "read campaigns", with
 * rows limited to the customers the actor may see.
 */
#ifndef CRM_OUTREACH_H
#define CRM_OUTREACH_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------- channels */

/** What a channel callback returns. Any other value counts as CRM_CHANNEL_FAIL. */
typedef enum crm_channel_result {
    CRM_CHANNEL_OK = 0,    /**< accepted for delivery: recorded sent */
    CRM_CHANNEL_RETRY = 1, /**< transient failure: tried again after a backoff */
    CRM_CHANNEL_FAIL = 2   /**< permanent failure: the message is failed */
} crm_channel_result;

/**
 * Delivers one message. `message` is borrowed for the call and has the text
 * fields idem_key, channel, customer_no, subject (email), body, campaign or
 * occasion, and the integer attempt (1 for the first try). Contact details
 * are not passed: they stay sealed; the gateway resolves the customer
 * number. Called with no libcrm transaction open; it must not call libcrm
 * on the same handle. Returns a crm_channel_result.
 */
typedef int (*crm_channel_fn)(const crm_record *message, void *payload);

/**
 * Registers `fn` as the delivery callback of `channel` ("sms", "email",
 * "phone") on this handle, replacing the previous one; fn NULL removes it.
 * `payload` is passed back unchanged and must outlive the registration.
 * Messages of a channel without a callback stay queued.
 * @return CRM_OK, CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int)
crm_channel_register(crm_db *db, const char *channel, crm_channel_fn fn, void *payload);

/**
 * Registers the built-in spool channel for `channel`: each message becomes
 * the file `<dir>/<idem_key>.msg` (bytes outside [A-Za-z0-9._-] of the key
 * replaced by '_'), written to a temporary file and renamed into place, with
 * header lines (idem_key, channel, customer_no, campaign or occasion,
 * subject), an empty line and the body. A redelivery overwrites the same
 * file. For demos and tests.
 * @return CRM_OK, CRM_E_IO (not a directory), CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_channel_register_spool(crm_db *db, const char *channel, const char *dir);

/* -------------------------------------------------------------- messages */

/**
 * Renders `tmpl` for one customer as crm_message_send would for `channel`
 * (see Templates above): a preview. `vars` (may be NULL) adds placeholders;
 * its fields campaign, product and occasion fill those placeholders.
 * `*out` is freed with crm_free. Needs "read campaigns" and a visible
 * customer.
 * @return CRM_OK, CRM_E_INVALID_DATA (unknown placeholder, SMS too long
 *         under overflow: refuse), CRM_E_NOT_FOUND, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_message_render(char **out, crm_db *db, const char *tmpl, const char *channel,
                   const char *customer_no, const crm_record *vars);

/**
 * The number of SMS segments `text` takes (70 characters in one segment,
 * 67 per segment when split; 160 and 153 for plain ASCII). 0 for "", -1
 * for NULL or invalid UTF-8. Cannot fail otherwise.
 */
CRM_EXTERN(int) crm_message_segments(const char *text);

/**
 * Queues the messages of running campaign `campaign_code` (its latest
 * version): one per customer of the target group (crm_campaign_target grp
 * 'target') on the customer's chosen channel, rendered from the campaign's
 * template for that channel, with not_before delayed past quiet hours.
 * Keys already queued are left alone, so calling again adds only new
 * targets. Target rows move from pending to queued. One transaction,
 * audited. `*out_queued` (may be NULL) receives the number added.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such campaign), CRM_E_STATE (not
 *         running), CRM_E_INVALID_DATA (a template fails to render),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_message_queue(int64_t *out_queued, crm_db *db, const char *campaign_code);

/**
 * Hands up to `max` due messages (state queued, not_before reached on the
 * handle's clock; 0 or less: all due) to their channels' callbacks, oldest
 * first; `campaign_code` limits it to one campaign (NULL: every campaign
 * and care message). Messages of campaigns that are not running stay
 * queued; during quiet hours nothing is sent. Before calling the callback
 * the customer is checked again: an opt-out, withdrawn consent for the
 * channel, a restricted or purged customer or a pending deletion cancels
 * the message (state cancelled, last_error says why). Outcomes are
 * recorded in batches of up to 64, each in its own transaction with an
 * audit entry: OK marks sent (sent_at, the campaign target 'contacted');
 * RETRY adds an attempt and waits retry_base_seconds * 2^(attempts-1),
 * capped at retry_cap_seconds (defaults 60 s and 1 hour); FAIL, or RETRY
 * on the max_attempts-th try (default 8), marks failed with last_error.
 * `*out` (may be NULL; free with crm_record_free) gets the counts: sent,
 * retried, failed, cancelled, no_channel (left queued for want of a
 * callback), remaining (queued messages left, due or not) and quiet_until
 * (ISO time, only while quiet hours hold). Must not be called inside a
 * host transaction (CRM_E_STATE): callbacks run outside transactions.
 * @return CRM_OK, CRM_E_STATE, CRM_E_PERMISSION, CRM_E_BUSY.
 */
CRM_EXTERN(int)
crm_message_send(crm_record **out, crm_db *db, const char *campaign_code, int64_t max);

/**
 * Lists outbox messages, newest first. `filter` (may be NULL) takes the text
 * fields campaign (code), occasion, customer_no, channel, state, and the
 * integer limit (default 1000). Only customers the actor may see.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_message_list(crm_iter **out, crm_db *db, const crm_record *filter);

/**
 * Puts failed messages back in the queue (attempts reset, due now): those of
 * campaign `campaign_code`, or every failed message for NULL. Audited.
 * `*out_count` (may be NULL) receives how many.
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_message_retry(int64_t *out_count, crm_db *db, const char *campaign_code);

/* ---------------------------------------------------------------- events */

/** How crm_event_ingest counted an event. */
typedef enum crm_event_outcome {
    CRM_EVENT_RECORDED = 0,  /**< new and counted */
    CRM_EVENT_DUPLICATE = 1, /**< its event_key was seen before: ignored */
    CRM_EVENT_FLAGGED = 2    /**< new, kept, but out of effectiveness figures */
} crm_event_outcome;

/**
 * Records one response event. Fields of `event`:
 *  - event_key (text, required): the channel's unique id; a repeat is a
 *    duplicate and changes nothing;
 *  - kind (text, required): delivered, opened, clicked, replied, converted,
 *    unsubscribed;
 *  - idem_key (text, required): the message it answers (its customer,
 *    campaign and channel come from there);
 *  - at (ISO time, default now); amount (money, fen: converted);
 *  - user_agent (text: opened, clicked, unsubscribed via a link);
 *  - via (text: unsubscribed: "reply" or "click"); text (the reply text).
 * Screening: a click (or link unsubscribe) less than click_min_seconds
 * (default 10) after delivery (the delivered event, else the send time), or
 * an open or click whose user agent contains a known link scanner (the
 * configured list, case-insensitive) is flagged. An opt-out is honoured
 * only when it is the customer's action: a reply whose text is one of the
 * unsubscribe words (R, TD, 退订, ...; kind replied or unsubscribed with
 * via reply), or an unflagged unsubscribe click; any other unsubscribe is
 * flagged "not the customer's action". An honoured opt-out writes
 * crm_optout and clears consent_<channel> at once, audited. A reply or an
 * unflagged click marks the campaign target 'responded'; converted marks
 * it 'converted' with the amount. One transaction.
 * `*out_outcome` (may be NULL) gets a crm_event_outcome; `*out_optout` (may
 * be NULL) 1 when an opt-out was honoured.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_NOT_FOUND (no such message),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_event_ingest(int *out_outcome, int *out_optout, crm_db *db, const crm_record *event);

/**
 * Ingests JSON Lines: one event object per line with the fields of
 * crm_event_ingest ("amount" in fen as a number); blank lines are skipped.
 * All or nothing: an invalid line fails the batch naming its line number.
 * `*out` (free with crm_record_free) gets lines, recorded, duplicates,
 * flagged and optouts.
 * @return as crm_event_ingest.
 */
CRM_EXTERN(int) crm_event_ingest_jsonl(crm_record **out, crm_db *db, const char *text, size_t len);

/**
 * Compares a campaign's participation with the expected pace: expected =
 * targets x expected_response_bps (default 5%) x the elapsed share of
 * start_at..end_at; actual = targets that responded or converted. When
 * actual falls short of expected by more than lag_bps of it (default 30%)
 * a crm_pace_alert row is written (audited). `*out` gets campaign,
 * targets, elapsed_bps, expected, actual, lagging (0/1) and message.
 * Needs "run campaigns".
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_STATE (no start_at/end_at),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_event_pace_check(crm_record **out, crm_db *db, const char *campaign_code);

/**
 * Effectiveness of a campaign's sent messages grouped `by` "channel",
 * "province" or "branch" (branch code): rows with grp, sent, delivered,
 * opened, clicked, replied, converted (messages with at least one unflagged
 * event of that kind), amount (fen), and delivered_bps, open_bps, click_bps,
 * conversion_bps (of sent). Flagged events never count. Only customers the
 * actor may see. Needs "read campaigns".
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown `by`), CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_event_effectiveness(crm_iter **out, crm_db *db, const char *campaign_code, const char *by);

/* --------------------------------------------------------------- opt-outs */

/**
 * Records that a customer asked not to be contacted on `channel` (NULL: on
 * every channel, one crm_optout row with channel "all"), e.g. at a branch:
 * the crm_optout row and consent_<channel> = 0, effective at once (queued
 * messages are cancelled at send time); `source` says where ("branch",
 * "phone call"). Audited. Already opted out is not an error.
 * @return CRM_OK, CRM_E_NOT_FOUND, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int)
crm_optout_add(crm_db *db, const char *customer_no, const char *channel, const char *source);

/**
 * Lists opt-outs (customer_no, channel, at, source), newest first; of one
 * customer, or all for NULL. Only customers the actor may see. Needs
 * "ingest response events" or "read campaigns".
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_optout_list(crm_iter **out, crm_db *db, const char *customer_no);

/* ------------------------------------------------------------------ care */

/**
 * Replaces the outreach configuration (SMS rules, retries, event screening,
 * pace, care settings and the holiday calendar) with the YAML or JSON
 * `text` of `len` bytes, checked first; keys left out keep their defaults
 * (a holidays list given replaces the whole calendar). Audited.
 * @return CRM_OK, CRM_E_INVALID_DATA (naming the key), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_care_config_set(crm_db *db, const char *text, size_t len);

/**
 * The configuration in force as text: the stored one, else the compiled-in
 * default. Free with crm_free.
 * @return CRM_OK, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_care_config_get(char **out, crm_db *db);

/**
 * The holiday calendar of `year`: rows occasion, name, date, ordered by
 * date (fixed-date holidays every year; lunar ones where the calendar
 * lists that year).
 * @return CRM_OK, CRM_E_INVALID_ARG, CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_care_calendar(crm_iter **out, crm_db *db, int year);

/**
 * Generates the greetings of `date` ("YYYY-MM-DD"): birthdays (born on that
 * month and day; 29 February birthdays on 28 February in other years) and
 * the holidays of the calendar falling on it. Each customer gets one
 * greeting per occasion, ever: on the first of the configured channels
 * (default sms, then email) with consent and no opt-out, queued in the
 * outbox under "care:<occasion>:<date>:<customer_no>:<channel>" (sent by
 * crm_message_send). High-net-worth customers (total_assets at least
 * hnw_threshold_yuan, default 6,000,000 yuan) get instead a task for their
 * relationship manager (a crm_lead with the occasion "<occasion>:<date>",
 * due lead_due_days later), or the first active relationship manager of
 * their branch; with none, the message. Restricted customers and those
 * pending deletion are skipped. Running again adds nothing. One
 * transaction, audited. `*out` gets date, occasions, messages, tasks,
 * already (done before), skipped_restricted, skipped_no_channel.
 * @return CRM_OK, CRM_E_INVALID_DATA (bad date or template),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_care_run(crm_record **out, crm_db *db, const char *date);

#ifdef __cplusplus
}
#endif

#endif /* CRM_OUTREACH_H */
