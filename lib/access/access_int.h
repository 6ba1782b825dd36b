/*
 * Internal access control: the acting user and the one table of which roles
 * may perform which operation. Every public operation calls
 * crmi_access_require first; nothing else decides permissions.
 */
#ifndef CRMI_ACCESS_INT_H
#define CRMI_ACCESS_INT_H

#include "core/db_int.h"
#include "crm/access.h"

/* Operations that need a permission. Modules append theirs; the role table
 * in access.c has one row per value. */
typedef enum crmi_op {
    CRMI_OP_BRANCH_READ,
    CRMI_OP_BRANCH_ADMIN,
    CRMI_OP_USER_READ,
    CRMI_OP_USER_ADMIN,
    CRMI_OP_AUDIT_READ,
    CRMI_OP_KEY_ADMIN,
    CRMI_OP_CUSTOMER_READ,    /* get, search, 360 view: rows filtered by scope */
    CRMI_OP_CUSTOMER_WRITE,   /* create, update */
    CRMI_OP_CUSTOMER_REVEAL,  /* clear text of personal fields */
    CRMI_OP_CUSTOMER_DELETE,  /* request deletion */
    CRMI_OP_CUSTOMER_APPROVE, /* approve deletion, assign, move a book */
    CRMI_OP_CUSTOMER_PURGE,
    CRMI_OP_CUSTOMER_IMPORT,
    CRMI_OP_CUSTOMER_EXPORT,
    CRMI_OP_PRODUCT_READ,
    CRMI_OP_PRODUCT_ADMIN,
    CRMI_OP_TXN_WRITE, /* holdings and transactions: the core-banking feed */
    CRMI_OP_SEGMENT_READ,    /* segments and their members (members filtered by scope) */
    CRMI_OP_SEGMENT_WRITE,   /* create, change, refresh, delete segments */
    CRMI_OP_TAG_WRITE,       /* apply and remove tags on customers */
    CRMI_OP_TAG_ADMIN,       /* the tag taxonomy and rule-driven tags */
    CRMI_OP_RISK_ASSESS,     /* record a risk questionnaire for a customer */
    CRMI_OP_ANALYTICS_RUN,   /* RFM, value tiers, clustering, cross-sell, propensity */
    CRMI_OP_ALERT_READ,      /* transaction alerts (filtered by scope) */
    CRMI_OP_ALERT_ADMIN,     /* acknowledge and close alerts, alert rules */
    CRMI_OP_COMPLAINT_READ,  /* complaints (filtered by scope) */
    CRMI_OP_COMPLAINT_WRITE, /* open complaints, notes, transitions */
    CRMI_OP_COMPLAINT_ADMIN, /* workflow, deadlines, teams, assignment rules, SLA scans */
    CRMI_OP_KB_READ,         /* knowledge-base search and answers */
    CRMI_OP_KB_WRITE,        /* knowledge-base articles */
    CRMI_OP_REPORT_RUN,      /* run reports (rows filtered by scope) */
    CRMI_OP_CAMPAIGN_READ,    /* campaigns, targets, evaluations (targets filtered by scope) */
    CRMI_OP_CAMPAIGN_WRITE,   /* create, edit, submit, target campaigns; templates */
    CRMI_OP_CAMPAIGN_APPROVE, /* approve or reject another user's campaign */
    CRMI_OP_CAMPAIGN_RUN,     /* schedule, pause, resume, complete; dispatch leads, send */
    CRMI_OP_LEAD_READ,        /* lead task lists (an RM: their own) */
    CRMI_OP_LEAD_WRITE,       /* record lead outcomes */
    CRMI_OP_EVENT_INGEST,     /* response events from channels; opt-outs */
    CRMI_OP_CARE_RUN,         /* birthday and holiday greetings */
    CRMI_OP_COUNT
} crmi_op;

struct crmi_actor {
    int64_t user_id;
    char *name;
    char *branch;      /* branch code */
    char *branch_path; /* "/HO/BJ/" for subtree checks */
    unsigned int roles;
    int64_t data_version; /* PRAGMA data_version when last loaded */
};

/* Checks that the handle has an active actor allowed to perform `op`.
 * Reloads the actor when another connection changed the database, so a
 * disabled user loses access at once. CRM_E_PERMISSION otherwise. */
int crmi_access_require(crm_db *db, crmi_op op);

/* crmi_access_require for a read whose statement has just been stepped, so
 * its read transaction is open: the check reads inside it instead of opening
 * a transaction of its own (a lock round trip per call). *reloaded is set
 * when the actor was reloaded: its scope may differ from the one bound, so
 * the caller runs the statement again. */
int crmi_access_require_open(crm_db *db, crmi_op op, bool *reloaded);

/* True when the actor's view covers `branch_path` (admins, auditors: all;
 * others: their own branch's subtree). Call after crmi_access_require. */
bool crmi_access_branch_visible(const crm_db *db, const char *branch_path);

/* The audit actor name: the acting user, or "(system)". */
const char *crmi_actor_name(const crm_db *db);

/* Drops the cached actor so the next check reloads it (after user changes). */
void crmi_actor_invalidate(crm_db *db);

void crmi_actor_free(struct crmi_actor *actor);

/* Branch rows, shared by crm_branch_add and crm_access_bootstrap. */
int crmi_branch_insert(crm_db *db, const char *code, const char *name, const char *parent_code);
int crmi_branch_audit_add(crm_db *db, const char *code, const char *name, const char *parent);

/* Formats a role mask as "admin,auditor" into buf. */
void crmi_roles_format(char *buf, size_t size, unsigned int roles);

#endif /* CRMI_ACCESS_INT_H */
