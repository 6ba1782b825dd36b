/* The complaint module's tables (migration listed in lib/schema.c):
 * complaints and their event history, handling teams, the workflow
 * configuration a host loaded, and the knowledge base with its full-text
 * index. */
#include "core/db_int.h"

const char crmi_schema_complaint[] =
    /* the workflow, deadline and assignment YAML a host loaded (none: the
     * compiled-in default) */
    "CREATE TABLE crm_complaint_config ("
    "  name TEXT PRIMARY KEY,"
    "  body TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    /* teams of handlers: assignment rules name a team, a strategy picks
     * the handler within it */
    "CREATE TABLE crm_complaint_team ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  strategy TEXT NOT NULL CHECK (strategy = 'least_open' OR strategy = 'round_robin'),"
    "  supervisor_id INTEGER REFERENCES crm_user (id),"
    "  rr_last_user INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE crm_complaint_member ("
    "  team_id INTEGER NOT NULL REFERENCES crm_complaint_team (id),"
    "  user_id INTEGER NOT NULL REFERENCES crm_user (id),"
    "  skills TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (team_id, user_id)) STRICT, WITHOUT ROWID;"
    /* one row per complaint or consultation; clocks in epoch seconds.
     * *_used is SLA time consumed before *_since (the last start or
     * resume); a clock runs while its *_since is not NULL. */
    "CREATE TABLE crm_complaint ("
    "  id INTEGER PRIMARY KEY,"
    "  ticket_no TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind = 'complaint' OR kind = 'consultation'),"
    "  channel TEXT NOT NULL CHECK (channel = 'phone' OR channel = 'email' OR channel = 'online'"
    "    OR channel = 'branch' OR channel = 'social' OR channel = 'regulator'),"
    "  severity TEXT NOT NULL CHECK (severity = 'low' OR severity = 'medium'"
    "    OR severity = 'high' OR severity = 'critical'),"
    "  category TEXT NOT NULL,"
    "  customer_id INTEGER REFERENCES crm_customer (id),"
    "  contact_name_masked TEXT,"
    "  contact_phone BLOB, contact_phone_masked TEXT,"
    "  contact_email BLOB, contact_email_masked TEXT,"
    "  branch_id INTEGER NOT NULL REFERENCES crm_branch (id),"
    "  product_id INTEGER REFERENCES crm_product (id),"
    "  subject TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  team_id INTEGER REFERENCES crm_complaint_team (id),"
    "  assignee_id INTEGER REFERENCES crm_user (id),"
    "  opened_at INTEGER NOT NULL,"
    "  ack_budget INTEGER NOT NULL, ack_due_at INTEGER,"
    "  first_response_at INTEGER,"
    "  resolve_budget INTEGER NOT NULL, resolve_used INTEGER NOT NULL DEFAULT 0,"
    "  resolve_since INTEGER, resolve_due_at INTEGER,"
    "  extended INTEGER NOT NULL DEFAULT 0, extension_reason TEXT,"
    "  escalation_level INTEGER NOT NULL DEFAULT 0,"
    "  resolved_at INTEGER, closed_at INTEGER, reopen_count INTEGER NOT NULL DEFAULT 0,"
    "  breached INTEGER NOT NULL DEFAULT 0,"
    "  resolution TEXT,"
    "  satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_complaint_opened ON crm_complaint (opened_at);"
    "CREATE INDEX crm_complaint_customer ON crm_complaint (customer_id) WHERE customer_id IS NOT "
    "NULL;"
    "CREATE INDEX crm_complaint_assignee ON crm_complaint (assignee_id, resolved_at);"
    "CREATE INDEX crm_complaint_open ON crm_complaint (closed_at, resolve_due_at);"
    /* the history: every transition, assignment, note, extension and
     * escalation with who, when and why */
    "CREATE TABLE crm_complaint_event ("
    "  id INTEGER PRIMARY KEY,"
    "  complaint_id INTEGER NOT NULL REFERENCES crm_complaint (id),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  from_state TEXT, to_state TEXT,"
    "  note TEXT) STRICT;"
    "CREATE INDEX crm_complaint_event_complaint ON crm_complaint_event (complaint_id, id);"
    /* knowledge base: articles, and their full-text index over text the
     * library tokenises itself (CJK bigrams, lower-cased words), so the
     * index needs no tokenizer registered on the connection */
    "CREATE TABLE crm_kb_article ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind = 'faq' OR kind = 'policy' OR kind = 'case'),"
    "  status TEXT NOT NULL CHECK (status = 'published' OR status = 'proposed'),"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  tags TEXT NOT NULL DEFAULT '',"
    "  source_complaint_id INTEGER REFERENCES crm_complaint (id),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE VIRTUAL TABLE crm_kb_fts USING fts5(title, body, tokenize = 'unicode61');"
    "CREATE VIRTUAL TABLE crm_kb_vocab USING fts5vocab(crm_kb_fts, 'row');";
