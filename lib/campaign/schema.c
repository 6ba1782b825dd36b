/* The campaign module's tables (migration listed in lib/schema.c):
 * campaigns and their versions, what they promote and whom they are for,
 * goals, target lists with suppression reasons, leads for relationship
 * managers, rewards, evaluations,
 * templates and the case library, and the bank-wide contact policy. */
#include "core/db_int.h"

const char crmi_schema_campaign[] =
    /* one row per version: an approved version is frozen, a change makes
     * the next version (same code) as a draft. Money in fen, shares and
     * rates in basis points, times in epoch seconds. */
    "CREATE TABLE crm_campaign ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  name TEXT NOT NULL,"
    "  description TEXT,"
    "  template TEXT,"
    "  definition TEXT NOT NULL DEFAULT '',"
    "  branch_id INTEGER REFERENCES crm_branch (id),"
    "  status TEXT NOT NULL DEFAULT 'draft' CHECK (status = 'draft' OR status = 'submitted'"
    "    OR status = 'approved' OR status = 'rejected' OR status = 'scheduled'"
    "    OR status = 'running' OR status = 'paused' OR status = 'completed'"
    "    OR status = 'archived' OR status = 'superseded'),"
    "  eligibility TEXT,"
    "  reward_rules TEXT,"
    "  budget INTEGER NOT NULL DEFAULT 0 CHECK (budget >= 0),"
    "  reward_spent INTEGER NOT NULL DEFAULT 0 CHECK (reward_spent >= 0),"
    "  cost_per_message INTEGER NOT NULL DEFAULT 0 CHECK (cost_per_message >= 0),"
    "  control_bps INTEGER NOT NULL DEFAULT 0 CHECK (control_bps BETWEEN 0 AND 5000),"
    "  seed INTEGER NOT NULL DEFAULT 0,"
    "  lead_due_days INTEGER NOT NULL DEFAULT 7 CHECK (lead_due_days > 0),"
    "  start_at INTEGER, end_at INTEGER,"
    "  created_by INTEGER NOT NULL REFERENCES crm_user (id),"
    "  submitted_at INTEGER,"
    "  decided_by INTEGER REFERENCES crm_user (id),"
    "  decided_at INTEGER, decision_reason TEXT,"
    "  targeted_at INTEGER, completed_at INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE (code, version)) STRICT;"
    "CREATE INDEX crm_campaign_status ON crm_campaign (status);"
    /* products promoted and eligible segments: many to many */
    "CREATE TABLE crm_campaign_product ("
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  product_id INTEGER NOT NULL REFERENCES crm_product (id),"
    "  PRIMARY KEY (campaign_id, product_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_campaign_product_product ON crm_campaign_product (product_id);"
    "CREATE TABLE crm_campaign_segment ("
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  segment_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  PRIMARY KEY (campaign_id, segment_id)) STRICT, WITHOUT ROWID;"
    /* the channels a campaign uses, each with its message template */
    "CREATE TABLE crm_campaign_channel ("
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  channel TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'email' OR channel = 'phone'),"
    "  position INTEGER NOT NULL DEFAULT 0,"
    "  subject TEXT,"
    "  body TEXT NOT NULL,"
    "  PRIMARY KEY (campaign_id, channel)) STRICT, WITHOUT ROWID;"
    /* measurable goals; achieved is the last computed progress */
    "CREATE TABLE crm_campaign_goal ("
    "  id INTEGER PRIMARY KEY,"
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  metric TEXT NOT NULL CHECK (metric = 'conversions' OR metric = 'new_cards'"
    "    OR metric = 'wealth_sales' OR metric = 'deposit_growth' OR metric = 'revenue'),"
    "  target INTEGER NOT NULL CHECK (target > 0),"
    "  deadline INTEGER NOT NULL,"
    "  achieved INTEGER NOT NULL DEFAULT 0,"
    "  computed_at INTEGER,"
    "  UNIQUE (campaign_id, metric)) STRICT;"
    /* the target list: every eligible customer once, in the target group,
     * the held-out control group, or suppressed with the reason; status
     * follows the targeted customer through contact and conversion */
    /* No REFERENCES here: targeting writes a million rows in one statement
     * from crm_customer and crm_campaign themselves, and the foreign-key
     * probes would double its cost; customers are never deleted (purge
     * leaves a tombstone) and campaigns neither. */
    "CREATE TABLE crm_campaign_target ("
    "  campaign_id INTEGER NOT NULL,"
    "  customer_id INTEGER NOT NULL,"
    "  grp TEXT NOT NULL CHECK (grp = 'target' OR grp = 'control' OR grp = 'suppressed'),"
    "  reason TEXT,"
    "  channel TEXT,"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending' OR status = 'queued'"
    "    OR status = 'contacted' OR status = 'responded' OR status = 'converted'),"
    "  converted_at INTEGER, conversion_amount INTEGER,"
    "  PRIMARY KEY (campaign_id, customer_id)) STRICT, WITHOUT ROWID;"
    /* no secondary index: a campaign's rows are one primary-key range
     * (campaign, customer), and a million-row list is written a third
     * faster without them */
    /* RM tasks: from a campaign's target list or from customer care
     * (occasion set, campaign_id NULL) */
    "CREATE TABLE crm_lead ("
    "  id INTEGER PRIMARY KEY,"
    "  campaign_id INTEGER REFERENCES crm_campaign (id),"
    "  occasion TEXT,"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  rm_id INTEGER NOT NULL REFERENCES crm_user (id),"
    "  branch_id INTEGER NOT NULL REFERENCES crm_branch (id),"
    "  due_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'contacted'"
    "    OR status = 'interested' OR status = 'declined' OR status = 'converted'),"
    "  amount INTEGER CHECK (amount >= 0),"
    "  note TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  CHECK ((campaign_id IS NULL) <> (occasion IS NULL))) STRICT;"
    "CREATE UNIQUE INDEX crm_lead_campaign ON crm_lead (campaign_id, customer_id)"
    "  WHERE campaign_id IS NOT NULL;"
    "CREATE UNIQUE INDEX crm_lead_occasion ON crm_lead (occasion, customer_id)"
    "  WHERE occasion IS NOT NULL;"
    "CREATE INDEX crm_lead_rm ON crm_lead (rm_id, status, due_at);"
    /* rewards granted (tiered purchase bonuses, referral rewards); ref
     * makes granting a purchase's reward idempotent */
    "CREATE TABLE crm_campaign_reward ("
    "  id INTEGER PRIMARY KEY,"
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  kind TEXT NOT NULL CHECK (kind = 'tier' OR kind = 'referrer' OR kind = 'referee'),"
    "  purchase_amount INTEGER NOT NULL DEFAULT 0 CHECK (purchase_amount >= 0),"
    "  bonus_bps INTEGER NOT NULL DEFAULT 0,"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  ref TEXT,"
    "  at INTEGER NOT NULL,"
    "  UNIQUE (campaign_id, kind, ref)) STRICT;"
    "CREATE INDEX crm_campaign_reward_customer ON crm_campaign_reward (campaign_id, customer_id);"
    "CREATE TABLE crm_campaign_referral ("
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  referee_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  referrer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  at INTEGER NOT NULL, converted_at INTEGER,"
    "  PRIMARY KEY (campaign_id, referee_id)) STRICT, WITHOUT ROWID;"
    /* evaluations as computed (JSON), kept for the report module */
    "CREATE TABLE crm_campaign_eval ("
    "  campaign_id INTEGER NOT NULL REFERENCES crm_campaign (id),"
    "  at INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  PRIMARY KEY (campaign_id, at)) STRICT, WITHOUT ROWID;"
    /* templates a host added beside the compiled-in ones, and the case
     * library of completed campaigns with their results */
    "CREATE TABLE crm_campaign_template ("
    "  name TEXT PRIMARY KEY,"
    "  description TEXT,"
    "  body TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE crm_campaign_case ("
    "  campaign_id INTEGER PRIMARY KEY REFERENCES crm_campaign (id),"
    "  summary TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL) STRICT;"
    /* the bank-wide contact policy (frequency cap, quiet hours), by name */
    "CREATE TABLE crm_contact_policy ("
    "  name TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL) STRICT;";
