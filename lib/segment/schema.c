/* The segment module's tables (migration 0003 in lib/schema.c): the tag
 * taxonomy and customers' tags, segments, their members and the joined /
 * left events. */
#include "core/db_int.h"

const char crmi_schema_segment[] =
    /* category > subcategory > tag, one table; names are unique so that
     * rules name a tag alone ({"in": ["vip", {"var": "tags"}]}). A tag may
     * carry a rule that decides who has it (source 'rule'). */
    "CREATE TABLE crm_tag ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind = 'category' OR kind = 'subcategory' OR kind = 'tag'),"
    "  parent_id INTEGER REFERENCES crm_tag (id),"
    "  description TEXT,"
    "  rule TEXT,"
    "  refreshed_at INTEGER,"
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_tag_parent ON crm_tag (parent_id);"
    /* one row per customer, tag and source: a manual tag survives a rule
     * refresh that takes the rule's copy away */
    "CREATE TABLE crm_customer_tag ("
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  tag_id INTEGER NOT NULL REFERENCES crm_tag (id),"
    "  source TEXT NOT NULL CHECK (source = 'manual' OR source = 'rule' OR source = 'model'),"
    "  valid_from INTEGER NOT NULL,"
    "  valid_to INTEGER,"
    "  applied_by TEXT NOT NULL,"
    "  applied_at INTEGER NOT NULL,"
    "  PRIMARY KEY (customer_id, tag_id, source)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_customer_tag_tag ON crm_customer_tag (tag_id, source);"
    /* segments: kind 'rule' (rule), 'static' (a list), or a set operation
     * over operands; branch_id NULL is head office, shared with everyone */
    "CREATE TABLE crm_segment ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind = 'rule' OR kind = 'static' OR kind = 'union'"
    "    OR kind = 'intersection' OR kind = 'exclusion'),"
    "  rule TEXT,"
    "  live INTEGER NOT NULL DEFAULT 0 CHECK (live = 0 OR live = 1),"
    "  branch_id INTEGER REFERENCES crm_branch (id),"
    "  description TEXT,"
    "  member_count INTEGER NOT NULL DEFAULT 0,"
    "  refreshed_at INTEGER,"
    "  diff_from INTEGER NOT NULL DEFAULT 0,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_segment_live ON crm_segment (live) WHERE live = 1;"
    "CREATE TABLE crm_segment_operand ("
    "  segment_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  position INTEGER NOT NULL,"
    "  operand_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  PRIMARY KEY (segment_id, position)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_segment_operand_of ON crm_segment_operand (operand_id);"
    "CREATE TABLE crm_segment_static ("
    "  segment_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  PRIMARY KEY (segment_id, customer_id)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE crm_segment_member ("
    "  segment_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  PRIMARY KEY (segment_id, customer_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX crm_segment_member_customer ON crm_segment_member (customer_id);"
    /* who joined and who left: by refreshes and by live re-evaluation */
    "CREATE TABLE crm_segment_event ("
    "  id INTEGER PRIMARY KEY,"
    "  segment_id INTEGER NOT NULL REFERENCES crm_segment (id),"
    "  customer_id INTEGER NOT NULL REFERENCES crm_customer (id),"
    "  change TEXT NOT NULL CHECK (change = 'joined' OR change = 'left'),"
    "  at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX crm_segment_event_segment ON crm_segment_event (segment_id, id);";
