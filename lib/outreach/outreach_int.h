/*
 * Internal outreach services shared by the files of lib/outreach: the
 * configuration (SMS rules, delivery retries, event screening, pace, care
 * and the holiday calendar), the contact policy's quiet hours, the one
 * message renderer and the outbox insert every producer goes through.
 */
#ifndef CRMI_OUTREACH_INT_H
#define CRMI_OUTREACH_INT_H

#include "access/access_int.h"
#include "crm/outreach.h"
#include "customer/customer_int.h"
#include "security/security_int.h"

#define CRMI_OR_MAX_HOLIDAYS 40
#define CRMI_OR_MAX_DATES 16
#define CRMI_OR_MAX_WORDS 32
#define CRMI_OR_TEMPLATE 1024

typedef struct crmi_holiday {
    char occasion[32];
    char name[64];
    int fixed_month, fixed_day; /* 0: dated per year */
    int n_dates;
    char dates[CRMI_OR_MAX_DATES][11]; /* YYYY-MM-DD */
    char tmpl[CRMI_OR_TEMPLATE];       /* "" : the care holiday template */
} crmi_holiday;

/* The parsed configuration (docs/OUTREACH.md). */
typedef struct crmi_ocfg {
    char optout_text[64];
    int sms_max_segments;
    bool sms_truncate; /* overflow: truncate (else refuse) */
    int64_t retry_base, retry_cap;
    int max_attempts;
    int64_t click_min_seconds;
    int n_scanners, n_unsub_words;
    char scanners[CRMI_OR_MAX_WORDS][48];
    char unsub_words[CRMI_OR_MAX_WORDS][24];
    int64_t pace_expected_bps, pace_lag_bps;
    int64_t hnw_threshold; /* fen */
    int n_care_channels;
    char care_channels[3][8];
    int64_t lead_due_days;
    char birthday_tmpl[CRMI_OR_TEMPLATE], holiday_tmpl[CRMI_OR_TEMPLATE];
    int n_holidays;
    crmi_holiday holidays[CRMI_OR_MAX_HOLIDAYS];
} crmi_ocfg;

extern const char crmi_outreach_default_config[];

/* Parses a configuration document; errors name the key. */
int crmi_ocfg_parse(crm_db *db, const char *text, size_t len, crmi_ocfg **out);
/* The configuration in force (stored, else the default), cached per handle. */
int crmi_ocfg_load(crm_db *db, const crmi_ocfg **out);

/* Index of a channel name (sms, email, phone) or -1. */
int crmi_channel_index(const char *channel);
extern const char *const crmi_channel_names[3];

/* The contact policy's quiet hours: `now` when sending is allowed at `now`,
 * else the end of the quiet period. */
int crmi_quiet_next(crm_db *db, int64_t now, int64_t *out);

/* ----------------------------------------------------------- rendering */

/* What a template's placeholders come from; NULL values render as "". */
typedef struct crmi_render_ctx {
    const char *name, *gender, *branch, *campaign, *product, *occasion;
    const crm_record *vars; /* more placeholders by field name, or NULL */
} crmi_render_ctx;

/* Renders `tmpl` for `channel`; SMS gets the opt-out text and the length
 * rule. `*out` is freed with crm_free. */
int crmi_render(crm_db *db, const crmi_ocfg *cfg, const char *tmpl, const char *channel,
                const crmi_render_ctx *ctx, char **out);

/* The polite masked form of address ("王先生") into buf. */
void crmi_salutation(char *buf, size_t size, const char *name, const char *gender);

/* -------------------------------------------------------------- outbox */

typedef struct crmi_outmsg {
    const char *idem_key;
    int64_t campaign_id; /* 0: none */
    const char *occasion;
    int64_t customer_id;
    const char *channel, *subject, *body;
    int64_t not_before;
} crmi_outmsg;

/* Inserts a queued message unless its key exists; *inserted says which. */
int crmi_outbox_put(crm_db *db, const crmi_outmsg *m, bool *inserted);

/* Records a customer's opt-out from `channel` (sms, email, phone, or "all":
 * every channel) and clears the consent, with the audit entry, inside the
 * caller's transaction. */
int crmi_optout_apply(crm_db *db, int64_t customer_id, const char *customer_no, const char *channel,
                      const char *source);

/* The channels registered on a handle (crm_channel_register). */
typedef struct crmi_channels {
    crm_channel_fn fn[3];
    void *payload[3];
    char *spool_dir[3]; /* the spool channel's folder, owned */
} crmi_channels;
crmi_channels *crmi_channels_of(crm_db *db, bool create);

/* Text of a record field, or NULL. */
const char *crmi_or_text(const crm_record *rec, const char *field);

#endif /* CRMI_OUTREACH_INT_H */
