/*
 * Internal services shared by the files of lib/complaint: the parsed
 * workflow configuration (states, transitions, deadlines, business hours,
 * categories, assignment rules), SLA time arithmetic, ticket lookup and the
 * event history.
 */
#ifndef CRMI_COMPLAINT_INT_H
#define CRMI_COMPLAINT_INT_H

#include "customer/customer_int.h"
#include "core/validate_int.h"
#include "crm/complaint.h"
#include "crm/rule.h"
#include "security/security_int.h"

#define CRMI_CC_NAME 32
#define CRMI_CC_MAX_STATES 16
#define CRMI_CC_MAX_TRANSITIONS 64
#define CRMI_CC_MAX_CATEGORIES 48
#define CRMI_CC_MAX_RULES 32
#define CRMI_CC_MAX_DATES 128

/* What a state means to the clocks and the workflow (YAML flags). */
enum {
    CRMI_ST_INITIAL = 1u << 0,   /* where a new ticket starts */
    CRMI_ST_ASSIGNED = 1u << 1,  /* entered when an initial ticket is assigned */
    CRMI_ST_RESPONDED = 1u << 2, /* entering it stops the first-response clock */
    CRMI_ST_PAUSED = 1u << 3,    /* the resolution clock stands still */
    CRMI_ST_RESOLVED = 1u << 4,  /* the resolution clock stops; reopen may follow */
    CRMI_ST_FINAL = 1u << 5,     /* closed: nothing open remains */
    CRMI_ST_NOTE = 1u << 6       /* entering it requires a note */
};

typedef struct crmi_cc_state {
    char name[CRMI_CC_NAME];
    unsigned int flags;
} crmi_cc_state;

typedef struct crmi_cc_transition {
    int from, to;
    bool reopen; /* allowed only within the reopen window after resolution */
} crmi_cc_transition;

/* Deadlines in SLA seconds (business seconds when business hours are on);
 * 0 when not set at that level. */
typedef struct crmi_cc_deadline {
    int64_t ack, resolve, extend_to;
} crmi_cc_deadline;

typedef struct crmi_cc_rule {
    char team[CRMI_CC_NAME];
    crm_rule *when; /* NULL: always */
} crmi_cc_rule;

#define CRMI_SEVERITY_COUNT 4
#define CRMI_CHANNEL_COUNT 6
extern const char *const crmi_severities[CRMI_SEVERITY_COUNT];
extern const char *const crmi_channels[CRMI_CHANNEL_COUNT];

typedef struct crmi_cconfig {
    crmi_cc_state states[CRMI_CC_MAX_STATES];
    int n_states;
    crmi_cc_transition transitions[CRMI_CC_MAX_TRANSITIONS];
    int n_transitions;
    int64_t reopen_window; /* calendar seconds after resolution */

    crmi_cc_deadline base, by_severity[CRMI_SEVERITY_COUNT], by_channel[CRMI_CHANNEL_COUNT];
    int at_risk_percent;          /* at risk when this share of a budget remains */
    int64_t branch_manager_after; /* calendar seconds past a breach */

    bool business;     /* count deadlines in business hours */
    int utc_offset;    /* seconds east of UTC of the bank's local time */
    int open, close;   /* seconds after local midnight */
    unsigned weekdays; /* bit d: ISO weekday d (1 Monday .. 7 Sunday) works */
    int64_t holidays[CRMI_CC_MAX_DATES], workdays[CRMI_CC_MAX_DATES]; /* local day numbers */
    int n_holidays, n_workdays;

    char categories[CRMI_CC_MAX_CATEGORIES][CRMI_CC_NAME];
    int n_categories;
    crmi_cc_rule rules[CRMI_CC_MAX_RULES];
    int n_rules;
} crmi_cconfig;

/* The compiled-in default configuration (YAML text). */
extern const char crmi_complaint_default_config[];

/* Parses and checks a configuration; messages name the key at fault.
 * Free with crmi_cconfig_free. */
int crmi_cconfig_parse(crm_db *db, const char *text, size_t len, crmi_cconfig **out);
void crmi_cconfig_free(crmi_cconfig *cfg);

/* The configuration in force: the stored one, else the default. Owned by
 * the handle and valid until the next call that loads it (which may find
 * the stored text replaced); do not free. */
int crmi_cconfig_load(crm_db *db, const crmi_cconfig **out);

int crmi_cc_state_find(const crmi_cconfig *cfg, const char *name);
/* The first state with `flag`, or -1. */
int crmi_cc_state_with(const crmi_cconfig *cfg, unsigned int flag);
/* The transition from -> to, or NULL. */
const crmi_cc_transition *crmi_cc_transition_find(const crmi_cconfig *cfg, int from, int to);

/* The index of `v` among `n` values (severities, channels), or -1. */
int crmi_cc_index(const char *const values[], int n, const char *v);

/* The strictest deadlines of the default, the severity and the channel. */
crmi_cc_deadline crmi_cc_deadline_for(const crmi_cconfig *cfg, int severity, int channel);

/* The deadlines of a stored ticket (by its severity and channel). */
struct crmi_ticket;
crmi_cc_deadline crmi_cc_deadline_of(const crmi_cconfig *cfg, const struct crmi_ticket *t);

/* ---------------------------------------------------------- SLA time */

/* The instant `sla_seconds` of SLA time after `start`. */
int64_t crmi_sla_add(const crmi_cconfig *cfg, int64_t start, int64_t sla_seconds);
/* SLA time between two instants (0 when b <= a). */
int64_t crmi_sla_elapsed(const crmi_cconfig *cfg, int64_t a, int64_t b);

/* --------------------------------------------------------- tickets */

/* A ticket's row as the workflow needs it. Times are epoch seconds, 0 for
 * none (NULL in the table); ids 0 for none. */
typedef struct crmi_ticket {
    int64_t id, branch_id, customer_id, team_id, assignee_id;
    char ticket_no[32];
    char state[CRMI_CC_NAME];
    char category[CRMI_CC_NAME];
    char channel[16], severity[16], kind[16];
    int64_t opened_at, ack_budget, ack_due_at, first_response_at;
    int64_t resolve_budget, resolve_used, resolve_since, resolve_due_at;
    int64_t resolved_at, closed_at, reopen_count, escalation_level, extended, breached;
} crmi_ticket;

/* Writes the ticket's state, assignment, clocks and counters back. */
int crmi_ticket_save(crm_db *db, const crmi_ticket *t);

/* Stops the resolution clock, adding the SLA time it ran (a ticket past
 * its budget is marked breached). */
void crmi_clock_stop(const crmi_cconfig *cfg, crmi_ticket *t, int64_t now);

/* Moves a ticket to state index `to` if the workflow allows it, with the
 * clock changes, the history event and, on closing a complaint, the case
 * article proposal. Inside the caller's transaction. */
int crmi_ticket_move(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, int to, const char *note);

/* Loads a ticket the actor may see; CRM_E_NOT_FOUND otherwise. */
int crmi_ticket_load(crm_db *db, const char *ticket_no, crmi_ticket *t);
/* Loads a ticket by id without a scope check (system work: scans). */
int crmi_ticket_load_id(crm_db *db, int64_t id, crmi_ticket *t);

/* Appends an event to the ticket's history and its audit entry. */
int crmi_ticket_event(crm_db *db, const crmi_ticket *t, const char *kind, const char *from,
                      const char *to, const char *note);

/* Picks a handler for a ticket within `team_id` (0: by the rules) and
 * stores team and assignee; moves an initial ticket to the assigned state.
 * `exclude_user` is skipped (a disabled handler). */
int crmi_ticket_auto_assign(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t,
                            int64_t exclude_user);

/* Stores a new assignee (and team), with the state change an initial ticket
 * makes and the events. */
int crmi_ticket_set_assignee(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, int64_t team_id,
                             int64_t user_id, const char *note);

/* Opens a ticket from a validated record: the work behind
 * crm_complaint_open, shared with the knowledge base's hand-off. */
int crmi_complaint_open(crm_db *db, const crm_record *in, const char *kind, char **out_ticket);

/* Re-records the handle's last message with code `code`, prefixed by
 * `prefix` ("article 3"); the message is copied first, as the handle's
 * buffer is also the destination. Returns `code`. */
int crmi_error_recode(crm_db *db, int code, const char *prefix);

/* The visibility condition for complaint rows aliased cp, with the
 * complaint's branch aliased cb; bind with crmi_complaint_scope_bind. */
#define CRMI_COMPLAINT_SCOPE                                                                       \
    " (cp.assignee_id = :scope_uid OR (cp.customer_id IS NULL AND (:scope_all"                     \
    " OR substr(cb.path, 1, length(:actor_path)) = :actor_path))"                                  \
    " OR (cp.customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM crm_customer c"                     \
    " JOIN crm_branch b ON b.id = c.branch_id WHERE c.id = cp.customer_id AND" CRMI_CUSTOMER_SCOPE \
    ")))"

void crmi_complaint_scope_bind(const crm_db *db, sqlite3_stmt *st);

/* Service figures of a complaint row aliased cp, one definition for
 * crm_complaint_stats and the report view crm_v_complaint (lib/report):
 * - resolved within its deadline: resolved and never marked breached (a
 *   breach of either clock marks it: the workflow at first response and on
 *   resolving, the SLA scan while open);
 * - first response within its deadline: the workflow's own test when the
 *   responding state is entered (workflow.c: breached when now > ack_due_at);
 * - minutes from opening to resolution (NULL while unresolved). */
#define CRMI_COMPLAINT_SLA_MET "(cp.resolved_at IS NOT NULL AND cp.breached = 0)"
#define CRMI_COMPLAINT_RESPONDED_IN_TIME "coalesce(cp.first_response_at <= cp.ack_due_at, 0)"
#define CRMI_COMPLAINT_RESOLUTION_MINUTES                                                          \
    "(CASE WHEN cp.resolved_at IS NOT NULL THEN (cp.resolved_at - cp.opened_at) / 60.0 END)"

/* A purged customer's complaints stay (the bank must keep them) but become
 * anonymous: unlinked from the customer, contact details (sealed under the
 * destroyed customer key, and masked) dropped. Called by the customer
 * purge, in its transaction. */
int crmi_complaint_customer_purged(crm_db *db, int64_t customer_id);

#endif /* CRMI_COMPLAINT_INT_H */
