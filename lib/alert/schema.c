/* The alert module's tables (migration listed in lib/schema.c), and the
 * core-banking reference of transactions that makes a feed idempotent. */
#include "core/db_int.h"

const char crmi_schema_alert[] =
    /* the core-banking system's transaction id: importing a feed twice
     * finds each row already recorded */
    "ALTER TABLE crm_txn ADD COLUMN ref TEXT;"
    "CREATE UNIQUE INDEX crm_txn_ref ON crm_txn (ref) WHERE ref IS NOT NULL;"
    /* one row per alert raised by a rule on a transaction */
    "CREATE TABLE crm_alert ("
    "  id INTEGER PRIMARY KEY,"
    "  rule TEXT NOT NULL,"
    "  severity TEXT NOT NULL CHECK (severity = 'low' OR severity = 'medium'"
    "    OR severity = 'high'),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  txn_id INTEGER NOT NULL REFERENCES crm_txn (id),"
    "  details TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'open' CHECK (state = 'open' OR state = 'acknowledged'"
    "    OR state = 'closed'),"
    "  note TEXT,"
    "  raised_at INTEGER NOT NULL,"
    "  handled_by INTEGER REFERENCES crm_user (id),"
    "  handled_at INTEGER) STRICT;"
    "CREATE INDEX crm_alert_customer ON crm_alert (customer_id, id);"
    "CREATE INDEX crm_alert_state ON crm_alert (state, id);"
    "CREATE INDEX crm_alert_txn ON crm_alert (txn_id);"
    /* the host's own rule set; no row: the shipped defaults. `version`
     * grows with every change so each handle knows when to re-read it. */
    "CREATE TABLE crm_alert_ruleset ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  source TEXT,"
    "  version INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;";
