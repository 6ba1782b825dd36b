/* The outreach module's tables (migration listed in lib/schema.c): the
 * durable outbox of messages, response events, opt-outs, pace alerts and
 * the customer-care calendar. */
#include "core/db_int.h"

const char crmi_schema_outreach[] =
    /* the durable outbox: one row per idempotency key (campaign x customer
     * x channel, or care occasion x customer x channel); a message is
     * handed to the channel at least once and recorded sent exactly once */
    "CREATE TABLE crm_outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  idem_key TEXT NOT NULL UNIQUE,"
    "  campaign_id INTEGER REFERENCES crm_campaign (id),"
    "  occasion TEXT,"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  channel TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'email' OR channel = 'phone'),"
    "  subject TEXT,"
    "  body TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state = 'queued' OR state = 'sent'"
    "    OR state = 'failed' OR state = 'cancelled'),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  not_before INTEGER NOT NULL,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL, sent_at INTEGER) STRICT;"
    "CREATE INDEX crm_outbox_due ON crm_outbox (state, not_before);"
    "CREATE INDEX crm_outbox_customer ON crm_outbox (customer_id, sent_at);"
    "CREATE INDEX crm_outbox_campaign ON crm_outbox (campaign_id, state);"
    /* response events, each counted once by its key; flagged ones (link
     * scanners, implausibly fast clicks) are kept out of effectiveness */
    "CREATE TABLE crm_event ("
    "  id INTEGER PRIMARY KEY,"
    "  event_key TEXT NOT NULL UNIQUE,"
    "  outbox_id INTEGER REFERENCES crm_outbox (id),"
    "  campaign_id INTEGER REFERENCES crm_campaign (id),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  channel TEXT,"
    "  kind TEXT NOT NULL CHECK (kind = 'delivered' OR kind = 'opened' OR kind = 'clicked'"
    "    OR kind = 'replied' OR kind = 'converted' OR kind = 'unsubscribed'),"
    "  amount INTEGER CHECK (amount >= 0),"
    "  at INTEGER NOT NULL,"
    "  source TEXT,"
    "  flagged INTEGER NOT NULL DEFAULT 0, flag_reason TEXT) STRICT;"
    "CREATE INDEX crm_event_campaign ON crm_event (campaign_id, kind, flagged);"
    "CREATE INDEX crm_event_customer ON crm_event (customer_id, at);"
    /* effectiveness asks per message whether an unflagged event of a kind exists */
    "CREATE INDEX crm_event_outbox ON crm_event (outbox_id, kind, flagged);"
    /* opt-outs take effect at once and are kept */
    "CREATE TABLE crm_optout ("
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  channel TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"
    "  PRIMARY KEY (customer_id, channel)) STRICT, WITHOUT ROWID;"
    /* participation lagging the expected pace */
    "CREATE TABLE crm_pace_alert ("
    "  id INTEGER PRIMARY KEY,"
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  at INTEGER NOT NULL,"
    "  expected INTEGER NOT NULL, actual INTEGER NOT NULL,"
    "  message TEXT NOT NULL) STRICT;"
    /* the holiday calendar a host loaded (none: the compiled-in default) */
    "CREATE TABLE crm_care_config ("
    "  name TEXT PRIMARY KEY,"
    "  body TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;";
