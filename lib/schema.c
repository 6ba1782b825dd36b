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

const crmi_migration crmi_migrations[] = {
    {"0001 security and access: keys, audit, branches, users", migration_0001},
};
const int crmi_migration_count = (int)(sizeof crmi_migrations / sizeof crmi_migrations[0]);

const crmi_sealed_column crmi_sealed_columns[] = {
    {"crm_user", "phone", "name"},
    {"crm_user", "email", "name"},
};
const int crmi_sealed_column_count =
    (int)(sizeof crmi_sealed_columns / sizeof crmi_sealed_columns[0]);
