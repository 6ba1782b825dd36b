/*
 * The schema of every module, as one ordered list of migrations. A database
 * records how many it has applied (PRAGMA user_version); opening runs the
 * rest in one transaction. Migrations are only ever appended, never edited.
 */
#include "core/db_int.h"
#include "security/security_int.h"

static const char migration_0001[] =
    /* security: metadata, wrapped keys, the audit chain */
    "CREATE TABLE crm_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL) STRICT;"
    "CREATE TABLE crm_key ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('root', 'data')),"
    "  state TEXT NOT NULL CHECK (state IN ('active', 'retired')),"
    "  wrapped BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE crm_audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  entity_id TEXT,"
    "  reason TEXT,"
    "  before TEXT,"
    "  after TEXT,"
    "  mac BLOB NOT NULL) STRICT;"
    "CREATE INDEX crm_audit_entity ON crm_audit (entity, entity_id);"
    "CREATE INDEX crm_audit_actor ON crm_audit (actor, at);"
    "CREATE TRIGGER crm_audit_no_update BEFORE UPDATE ON crm_audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER crm_audit_no_delete BEFORE DELETE ON crm_audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    /* access: branch tree and staff */
    "CREATE TABLE crm_branch ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  parent_id INTEGER REFERENCES crm_branch (id),"
    "  level INTEGER NOT NULL,"
    "  path TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE crm_user ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  display_name TEXT NOT NULL,"
    "  roles INTEGER NOT NULL,"
    "  branch_id INTEGER NOT NULL REFERENCES crm_branch (id),"
    "  phone BLOB,"
    "  phone_idx BLOB,"
    "  phone_masked TEXT,"
    "  email BLOB,"
    "  email_idx BLOB,"
    "  email_masked TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),"
    "  pw_hash TEXT,"
    "  failed_logins INTEGER NOT NULL DEFAULT 0,"
    "  locked_until INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_user_branch ON crm_user (branch_id);"
    "CREATE INDEX crm_user_phone_idx ON crm_user (phone_idx);"
    "CREATE INDEX crm_user_email_idx ON crm_user (email_idx);";

static const char migration_0002[] =
    /* customers: one row each; personal fields sealed under the customer's
     * own key (crm_customer_key) so purge can shred them; blind indexes for
     * exact lookup; masked copies for display. */
    "CREATE TABLE crm_customer ("
    "  id INTEGER PRIMARY KEY,"
    "  customer_no TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  id_type TEXT NOT NULL,"
    "  id_number BLOB, id_number_idx BLOB, id_number_masked TEXT,"
    "  gender TEXT CHECK (gender IN ('M', 'F')),"
    "  birth_date TEXT,"
    "  phone BLOB, phone_idx BLOB, phone_masked TEXT,"
    "  email BLOB, email_idx BLOB, email_masked TEXT,"
    "  address BLOB, address_masked TEXT,"
    "  card_number BLOB, card_number_idx BLOB, card_number_masked TEXT,"
    "  city TEXT, province TEXT, occupation TEXT,"
    "  annual_income INTEGER CHECK (annual_income >= 0),"
    "  total_assets INTEGER CHECK (total_assets >= 0),"
    /* CHECKs spell lists out: SQLite 3.40 builds a temporary table for an
     * IN list of three or more on every INSERT. */
    "  risk_level TEXT CHECK (risk_level GLOB 'C[1-5]'),"
    "  risk_assessed_at INTEGER,"
    "  branch_id INTEGER NOT NULL REFERENCES crm_branch (id),"
    "  manager_id INTEGER REFERENCES crm_user (id),"
    "  consent_sms INTEGER NOT NULL DEFAULT 0, consent_email INTEGER NOT NULL DEFAULT 0,"
    "  consent_phone INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL DEFAULT 'active'"
    "    CHECK (status = 'active' OR status = 'restricted' OR status = 'purged'),"
    "  deletion_requested_by INTEGER REFERENCES crm_user (id),"
    "  deletion_requested_at INTEGER, deletion_reason TEXT,"
    "  relationship_ended_at INTEGER,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;"
    "CREATE UNIQUE INDEX crm_customer_id_number ON crm_customer (id_number_idx)"
    "  WHERE id_number_idx IS NOT NULL;"
    "CREATE INDEX crm_customer_phone ON crm_customer (phone_idx) WHERE phone_idx IS NOT NULL;"
    "CREATE INDEX crm_customer_card ON crm_customer (card_number_idx)"
    "  WHERE card_number_idx IS NOT NULL;"
    "CREATE INDEX crm_customer_email ON crm_customer (email_idx) WHERE email_idx IS NOT NULL;"
    "CREATE INDEX crm_customer_branch ON crm_customer (branch_id);"
    "CREATE INDEX crm_customer_manager ON crm_customer (manager_id);"
    "CREATE TABLE crm_customer_key ("
    "  customer_id INTEGER PRIMARY KEY REFERENCES crm_customer (id),"
    "  wrapped BLOB NOT NULL) STRICT;"
    "CREATE TABLE crm_customer_ext ("
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  name TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY (customer_id, name)) STRICT, WITHOUT ROWID;"
    /* fuzzy name search: every 2-character piece of each name (a
     * 1-character name: itself); by customer for renames and purges */
    "CREATE TABLE crm_customer_name_gram ("
    "  gram TEXT NOT NULL, customer_id INTEGER NOT NULL,"
    "  PRIMARY KEY (gram, customer_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_customer_name_gram_customer ON crm_customer_name_gram (customer_id);"
    /* products, holdings, transactions */
    "CREATE TABLE crm_product ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  type TEXT NOT NULL CHECK (type = 'deposit' OR type = 'loan' OR type = 'wealth'"
    "    OR type = 'fund' OR type = 'insurance' OR type = 'credit_card'),"
    "  risk_rating TEXT NOT NULL CHECK (risk_rating GLOB 'R[1-5]'),"
    "  term_days INTEGER, yield_bps INTEGER,"
    "  sale_start TEXT, sale_end TEXT,"
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE crm_holding ("
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  product_id INTEGER NOT NULL REFERENCES crm_product (id),"
    "  balance INTEGER NOT NULL CHECK (balance >= 0),"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (customer_id, product_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_holding_product ON crm_holding (product_id);"
    "CREATE TABLE crm_txn ("
    "  id INTEGER PRIMARY KEY,"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  product_id INTEGER REFERENCES crm_product (id),"
    "  type TEXT NOT NULL CHECK (type = 'deposit' OR type = 'withdrawal' OR type = 'purchase'"
    "    OR type = 'redemption' OR type = 'transfer_in' OR type = 'transfer_out'"
    "    OR type = 'repayment' OR type = 'card_spend'),"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  channel TEXT NOT NULL CHECK (channel = 'branch' OR channel = 'mobile'"
    "    OR channel = 'online' OR channel = 'atm' OR channel = 'phone'),"
    "  at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_txn_customer_at ON crm_txn (customer_id, at);"
    "CREATE INDEX crm_txn_at ON crm_txn (at);";

static const char migration_0007[] =
    /* each name's last character alone, so 1-character name queries are an
     * index range (crmi_customer_index_name writes it for new names) */
    "INSERT OR IGNORE INTO crm_customer_name_gram (gram, customer_id)"
    "  SELECT substr(lower(name), -1), id FROM crm_customer"
    "  WHERE status <> 'purged' AND name <> '';";

/* Later modules keep their schema beside their code. */
extern const char crmi_schema_segment[]; /* lib/segment/schema.c */
extern const char crmi_schema_risk[]; /* lib/risk/schema.c */
extern const char crmi_schema_alert[]; /* lib/alert/schema.c */
extern const char crmi_schema_complaint[]; /* lib/complaint/schema.c */
extern const char crmi_schema_campaign[]; /* lib/campaign/schema.c */
extern const char crmi_schema_outreach[]; /* lib/outreach/schema.c */

const crmi_migration crmi_migrations[] = {
    {"0001 security and access: keys, audit, branches, users", migration_0001},
    {"0002 customers, products, holdings, transactions", migration_0002},
    {"0003 segments and the tag system", crmi_schema_segment},
    {"0004 risk profiles, value scores and analytics", crmi_schema_risk},
    {"0005 transaction alerts and transaction references", crmi_schema_alert},
    {"0006 complaints and the knowledge base", crmi_schema_complaint},
    {"0007 name index: each name's last character", migration_0007},
    {"0008 campaigns: versions, goals, targets, leads, rewards, evaluations", crmi_schema_campaign},
    {"0009 outreach: outbox, response events, opt-outs, care", crmi_schema_outreach},
};
const int crmi_migration_count = (int)(sizeof crmi_migrations / sizeof crmi_migrations[0]);

const crmi_sealed_column crmi_sealed_columns[] = {
    {"crm_user", "phone", "name"},
    {"crm_user", "email", "name"},
    /* customer fields are sealed under each customer's key; the keys
     * themselves are sealed under the data key and rotate with it */
    {"crm_customer_key", "wrapped", "customer_id"},
    /* contact details of complainants, who may not be customers */
    {"crm_complaint", "contact_phone", "ticket_no"},
    {"crm_complaint", "contact_email", "ticket_no"},
};
const int crmi_sealed_column_count =
    (int)(sizeof crmi_sealed_columns / sizeof crmi_sealed_columns[0]);
