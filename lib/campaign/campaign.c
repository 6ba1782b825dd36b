/* Campaign versions: create, edit (a frozen version gets a successor),
 * read, list, and the lifecycle with four-eyes approval. */
#include "campaign/campaign_int.h"
#include "product/product_int.h"
#include "segment/segment_int.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- loading */

#define CAMPAIGN_COLUMNS                                                                           \
    "SELECT id, version, created_by, code, status, budget, reward_spent, cost_per_message,"        \
    " control_bps, seed, lead_due_days, start_at, end_at, targeted_at FROM crm_campaign"

static const char SQL_LATEST[] = CAMPAIGN_COLUMNS " WHERE code = ?1 ORDER BY version DESC LIMIT 1";
static const char SQL_ACTIVE[] = CAMPAIGN_COLUMNS
    " WHERE code = ?1 AND status <> 'draft' AND status <> 'submitted' AND status <> 'rejected'"
    " AND status <> 'superseded' ORDER BY version DESC LIMIT 1";

static void campaign_from_row(sqlite3_stmt *st, crmi_campaign *c)
{
    *c = (crmi_campaign){0};
    c->id = sqlite3_column_int64(st, 0);
    c->version = sqlite3_column_int64(st, 1);
    c->created_by = sqlite3_column_int64(st, 2);
    snprintf(c->code, sizeof c->code, "%s", (const char *)sqlite3_column_text(st, 3));
    snprintf(c->status, sizeof c->status, "%s", (const char *)sqlite3_column_text(st, 4));
    c->budget = sqlite3_column_int64(st, 5);
    c->reward_spent = sqlite3_column_int64(st, 6);
    c->cost_per_message = sqlite3_column_int64(st, 7);
    c->control_bps = sqlite3_column_int64(st, 8);
    c->seed = sqlite3_column_int64(st, 9);
    c->lead_due_days = sqlite3_column_int64(st, 10);
    c->has_start = sqlite3_column_type(st, 11) != SQLITE_NULL;
    c->start_at = sqlite3_column_int64(st, 11);
    c->has_end = sqlite3_column_type(st, 12) != SQLITE_NULL;
    c->end_at = sqlite3_column_int64(st, 12);
    c->targeted = sqlite3_column_type(st, 13) != SQLITE_NULL;
    c->targeted_at = sqlite3_column_int64(st, 13);
}

static int load(crm_db *db, const char *sql, const char *code, crmi_campaign *out, int missing,
                const char *why)
{
    if (!code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign: NULL code");
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        campaign_from_row(st, out);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE ? crmi_error(db, missing, "campaign %.40s: %s", code, why)
                               : crmi_sqlite_error(db, step, "read campaign");
}

int crmi_campaign_latest(crm_db *db, const char *code, crmi_campaign *out)
{
    return load(db, SQL_LATEST, code, out, CRM_E_NOT_FOUND, "no such campaign");
}

int crmi_campaign_active(crm_db *db, const char *code, crmi_campaign *out)
{
    int rc = crmi_campaign_latest(db, code, out);
    if (rc)
        return rc;
    return load(db, SQL_ACTIVE, code, out, CRM_E_STATE,
                "no approved version yet (submit it and have it approved)");
}

int crmi_campaign_require_status(crm_db *db, const crmi_campaign *c, const char *const allowed[],
                                 const char *what)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(c->status, allowed[i]) == 0)
            return CRM_OK;
    return crmi_error(db, CRM_E_STATE, "campaign %s version %lld is %s: %s", c->code,
                      (long long)c->version, c->status, what);
}

int crmi_campaign_audit(crm_db *db, const crmi_campaign *c, const char *action, const char *before,
                        const char *after)
{
    char id[64];
    snprintf(id, sizeof id, "%s v%lld", c->code, (long long)c->version);
    crmi_audit_entry e = {
        .action = action, .entity = "campaign", .entity_id = id, .before = before, .after = after};
    return crmi_audit_append(db, &e);
}

/* ------------------------------------------------------ the definition */

static const char SQL_INSERT[] =
    "INSERT INTO crm_campaign (code, version, name, description, template, definition,"
    " branch_id, eligibility, reward_rules, budget, cost_per_message, control_bps, seed,"
    " lead_due_days, start_at, end_at, created_by, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT branch_id FROM crm_user WHERE id = ?17), ?7, ?8,"
    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?16, ?16)";
static const char SQL_REWRITE[] =
    "UPDATE crm_campaign SET name = ?3, description = ?4, template = coalesce(?5, template),"
    " definition = ?6, eligibility = ?7, reward_rules = ?8, budget = ?9, cost_per_message = ?10,"
    " control_bps = ?11, seed = ?12, lead_due_days = ?13, start_at = ?14, end_at = ?15,"
    " status = 'draft', submitted_at = NULL, decided_by = NULL, decided_at = NULL,"
    " decision_reason = NULL, updated_at = ?16 WHERE code = ?1 AND version = ?2";
static const char SQL_CLEAR_PRODUCTS[] = "DELETE FROM crm_campaign_product WHERE campaign_id = ?1";
static const char SQL_CLEAR_SEGMENTS[] = "DELETE FROM crm_campaign_segment WHERE campaign_id = ?1";
static const char SQL_CLEAR_CHANNELS[] = "DELETE FROM crm_campaign_channel WHERE campaign_id = ?1";
static const char SQL_CLEAR_GOALS[] = "DELETE FROM crm_campaign_goal WHERE campaign_id = ?1";
static const char SQL_ADD_PRODUCT[] =
    "INSERT INTO crm_campaign_product (campaign_id, product_id) VALUES (?1, ?2)";
static const char SQL_ADD_SEGMENT[] =
    "INSERT INTO crm_campaign_segment (campaign_id, segment_id) VALUES (?1, ?2)";
static const char SQL_ADD_CHANNEL[] = "INSERT INTO crm_campaign_channel (campaign_id, channel,"
                                      " position, subject, body) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_ADD_GOAL[] = "INSERT INTO crm_campaign_goal (campaign_id, metric, target,"
                                   " deadline) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_ID_OF[] = "SELECT id FROM crm_campaign WHERE code = ?1 AND version = ?2";

static void bind_opt_time(sqlite3_stmt *st, int idx, bool present, int64_t t)
{
    if (present)
        sqlite3_bind_int64(st, idx, t);
    else
        sqlite3_bind_null(st, idx);
}

/* A seed that depends on the code alone when the document gives none, so
 * re-targeting draws the same control group. */
static int64_t default_seed(const char *code)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)code; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (int64_t)(h & 0x7fffffff);
}

static int write_row(crm_db *db, const char *sql, const char *code, int64_t version,
                     const crmi_campaign_def *def, const char *text, const char *template_name)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    sqlite3_bind_int64(st, 2, version);
    crmi_bind_text(st, 3, def->name);
    crmi_bind_text(st, 4, def->description);
    crmi_bind_text(st, 5, template_name);
    crmi_bind_text(st, 6, text);
    crmi_bind_text(st, 7, def->eligibility);
    crmi_bind_text(st, 8, def->rewards_json);
    sqlite3_bind_int64(st, 9, def->budget);
    sqlite3_bind_int64(st, 10, def->cost_per_message);
    sqlite3_bind_int64(st, 11, def->control_bps);
    sqlite3_bind_int64(st, 12, def->seed ? def->seed : default_seed(code));
    sqlite3_bind_int64(st, 13, def->lead_due_days);
    bind_opt_time(st, 14, def->has_start, def->start_at);
    bind_opt_time(st, 15, def->has_end, def->end_at);
    sqlite3_bind_int64(st, 16, crm_db_now(db));
    if (sqlite3_bind_parameter_index(st, "?17"))
        sqlite3_bind_int64(st, 17, db->actor ? db->actor->user_id : 0);
    return crmi_exec_stmt(db, st, "store campaign");
}

static int exec_id(crm_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    return crmi_exec_stmt(db, st, "campaign children");
}

static int add_pair(crm_db *db, const char *sql, int64_t id, int64_t other)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, other);
    return crmi_exec_stmt(db, st, "campaign children");
}

static int add_products_segments(crm_db *db, int64_t id, const crmi_campaign_def *def)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < def->n_products; i++) {
        int64_t pid;
        if ((rc = crmi_product_find(db, def->products[i], &pid)))
            return crmi_error(db, rc, "campaign definition: products: no product %.40s",
                              def->products[i]);
        rc = add_pair(db, SQL_ADD_PRODUCT, id, pid);
    }
    for (size_t i = 0; !rc && i < def->n_segments; i++) {
        crmi_segment seg = {0};
        if ((rc = crmi_segment_find(db, def->segments[i], &seg)))
            return crmi_error(db, rc, "campaign definition: segments: no segment %.100s",
                              def->segments[i]);
        rc = add_pair(db, SQL_ADD_SEGMENT, id, seg.id);
        crmi_segment_clear(&seg);
    }
    return rc;
}

static int add_channels_goals(crm_db *db, int64_t id, const crmi_campaign_def *def)
{
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < def->n_channels; i++) {
        sqlite3_stmt *st = crmi_stmt(db, SQL_ADD_CHANNEL);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, id);
        crmi_bind_text(st, 2, def->channels[i].channel);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        crmi_bind_text(st, 4, def->channels[i].subject);
        crmi_bind_text(st, 5, def->channels[i].body);
        rc = crmi_exec_stmt(db, st, "store channel");
    }
    for (size_t i = 0; !rc && i < def->n_goals; i++) {
        sqlite3_stmt *st = crmi_stmt(db, SQL_ADD_GOAL);
        if (!st)
            return db->errcode;
        sqlite3_bind_int64(st, 1, id);
        crmi_bind_text(st, 2, def->goals[i].metric);
        sqlite3_bind_int64(st, 3, def->goals[i].target);
        sqlite3_bind_int64(st, 4, def->goals[i].deadline);
        rc = crmi_exec_stmt(db, st, "store goal");
    }
    return rc;
}

static int id_of(crm_db *db, const char *code, int64_t version, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ID_OF);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    sqlite3_bind_int64(st, 2, version);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "read campaign id");
}

/* Writes version `version` of `code` (new row, or rewriting a draft) with
 * its products, segments, channels and goals. */
static int store_version(crm_db *db, const char *code, int64_t version, bool rewrite,
                         const char *text, const char *template_name)
{
    crmi_campaign_def def;
    int rc = crmi_campaign_def_parse(db, text, &def);
    if (rc)
        return rc;
    int64_t id = 0;
    rc =
        write_row(db, rewrite ? SQL_REWRITE : SQL_INSERT, code, version, &def, text, template_name);
    if (!rc)
        rc = id_of(db, code, version, &id);
    if (!rc && rewrite) {
        const char *clear[] = {SQL_CLEAR_PRODUCTS, SQL_CLEAR_SEGMENTS, SQL_CLEAR_CHANNELS,
                               SQL_CLEAR_GOALS};
        for (size_t i = 0; !rc && i < 4; i++)
            rc = exec_id(db, clear[i], id);
    }
    if (!rc)
        rc = add_products_segments(db, id, &def);
    if (!rc)
        rc = add_channels_goals(db, id, &def);
    crmi_campaign_def_clear(&def);
    return rc;
}

static int create_campaign(crm_db *db, const char *code, const char *text,
                           const char *template_name)
{
    crmi_campaign existing;
    int rc = crmi_validate_code(db, "code", code, 32);
    if (rc)
        return rc;
    rc = crmi_campaign_latest(db, code, &existing);
    if (rc != CRM_E_NOT_FOUND)
        return rc ? rc : crmi_error(db, CRM_E_CONFLICT, "campaign %s already exists", code);
    crmi_error_clear(db);
    if ((rc = crmi_txn_begin(db)))
        return rc;
    rc = store_version(db, code, 1, false, text, template_name);
    crmi_campaign c = {0};
    if (!rc)
        rc = crmi_campaign_latest(db, code, &c);
    if (!rc)
        rc = crmi_campaign_audit(db, &c, "campaign.create", NULL,
                                 template_name ? "{\"status\":\"draft\",\"from\":\"template\"}"
                                               : "{\"status\":\"draft\"}");
    return crmi_txn_end(db, rc);
}

CRM_EXTERN(int) crm_campaign_create(crm_db *db, const char *code, const char *definition)
{
    if (!db || !code || !definition)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign create: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    return rc ? rc : create_campaign(db, code, definition, NULL);
}

CRM_EXTERN(int)
crm_campaign_from_template(crm_db *db, const char *code, const char *template_name,
                           const char *overrides)
{
    if (!db || !code || !template_name)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign from template: NULL argument");
    crmi_error_clear(db);
    char *text = NULL;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    if (!rc)
        rc = crmi_campaign_template_merge(db, template_name, overrides, &text);
    if (!rc)
        rc = create_campaign(db, code, text, template_name);
    crm_free(text);
    return rc;
}

static const char *const editable_in_place[] = {"draft", "rejected", NULL};
static const char *const frozen[] = {"approved", "scheduled", "running",
                                     "paused",   "completed", NULL};

CRM_EXTERN(int)
crm_campaign_update(int64_t *out_version, crm_db *db, const char *code, const char *definition)
{
    if (!db || !code || !definition)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign update: NULL argument");
    crmi_error_clear(db);
    crmi_campaign c;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    if (!rc)
        rc = crmi_campaign_latest(db, code, &c);
    if (rc)
        return rc;
    bool in_place = crmi_campaign_require_status(db, &c, editable_in_place, "") == CRM_OK;
    if (!in_place && (rc = crmi_campaign_require_status(
                          db, &c, frozen, "it cannot be edited (wait for the decision)")))
        return rc;
    crmi_error_clear(db);
    if ((rc = crmi_txn_begin(db)))
        return rc;
    int64_t version = in_place ? c.version : c.version + 1;
    rc = store_version(db, code, version, in_place, definition, NULL);
    crmi_campaign now;
    if (!rc)
        rc = crmi_campaign_latest(db, code, &now);
    if (!rc)
        rc = crmi_campaign_audit(db, &now, in_place ? "campaign.edit" : "campaign.new_version",
                                 NULL, "{\"status\":\"draft\"}");
    rc = crmi_txn_end(db, rc);
    if (!rc && out_version)
        *out_version = version;
    return rc;
}

/* ------------------------------------------------------------- reading */

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

static const char
    SQL_GET[] = "SELECT k.code, k.version, k.name, k.description, k.template, k.status, k.budget,"
                " k.reward_spent, k.cost_per_message, k.control_bps, k.seed, k.lead_due_days,"
                " " ISO("k.start_at") " AS start_at, " ISO(
                    "k.end_at") " AS end_at, u.name AS created_by,"
                                " " ISO("k.created_at") " AS created_at, " ISO(
                                    "k.submitted_at") " AS submitted_at,"
                                                      " d.name AS decided_by, " ISO(
                                                          "k.decided_at") " AS decided_at, "
                                                                          "k.decision_reason,"
                                                                          " " ISO("k.targeted_at") " AS targeted_at, " ISO(
                                                                              "k.completed_at") " A"
                                                                                                "S "
                                                                                                "co"
                                                                                                "mp"
                                                                                                "le"
                                                                                                "te"
                                                                                                "d_"
                                                                                                "at"
                                                                                                ","
                                                                                                " ("
                                                                                                "SE"
                                                                                                "LE"
                                                                                                "CT"
                                                                                                " g"
                                                                                                "ro"
                                                                                                "up"
                                                                                                "_c"
                                                                                                "on"
                                                                                                "ca"
                                                                                                "t("
                                                                                                "co"
                                                                                                "de"
                                                                                                ", "
                                                                                                "',"
                                                                                                "')"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "(S"
                                                                                                "EL"
                                                                                                "EC"
                                                                                                "T "
                                                                                                "p."
                                                                                                "co"
                                                                                                "de"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                "_p"
                                                                                                "ro"
                                                                                                "du"
                                                                                                "ct"
                                                                                                " c"
                                                                                                "p"
                                                                                                "  "
                                                                                                " J"
                                                                                                "OI"
                                                                                                "N "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "pr"
                                                                                                "od"
                                                                                                "uc"
                                                                                                "t "
                                                                                                "p "
                                                                                                "ON"
                                                                                                " p"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "= "
                                                                                                "cp"
                                                                                                ".p"
                                                                                                "ro"
                                                                                                "du"
                                                                                                "ct"
                                                                                                "_i"
                                                                                                "d "
                                                                                                "WH"
                                                                                                "ER"
                                                                                                "E "
                                                                                                "cp"
                                                                                                ".c"
                                                                                                "am"
                                                                                                "pa"
                                                                                                "ig"
                                                                                                "n_"
                                                                                                "id"
                                                                                                " ="
                                                                                                " k"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "OR"
                                                                                                "DE"
                                                                                                "R "
                                                                                                "BY"
                                                                                                " p"
                                                                                                ".c"
                                                                                                "od"
                                                                                                "e)"
                                                                                                ")"
                                                                                                "  "
                                                                                                " A"
                                                                                                "S "
                                                                                                "pr"
                                                                                                "od"
                                                                                                "uc"
                                                                                                "ts"
                                                                                                ","
                                                                                                " ("
                                                                                                "SE"
                                                                                                "LE"
                                                                                                "CT"
                                                                                                " g"
                                                                                                "ro"
                                                                                                "up"
                                                                                                "_c"
                                                                                                "on"
                                                                                                "ca"
                                                                                                "t("
                                                                                                "na"
                                                                                                "me"
                                                                                                ", "
                                                                                                "',"
                                                                                                "')"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "(S"
                                                                                                "EL"
                                                                                                "EC"
                                                                                                "T "
                                                                                                "s."
                                                                                                "na"
                                                                                                "me"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                "_s"
                                                                                                "eg"
                                                                                                "me"
                                                                                                "nt"
                                                                                                " c"
                                                                                                "s"
                                                                                                "  "
                                                                                                " J"
                                                                                                "OI"
                                                                                                "N "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "se"
                                                                                                "gm"
                                                                                                "en"
                                                                                                "t "
                                                                                                "s "
                                                                                                "ON"
                                                                                                " s"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "= "
                                                                                                "cs"
                                                                                                ".s"
                                                                                                "eg"
                                                                                                "me"
                                                                                                "nt"
                                                                                                "_i"
                                                                                                "d "
                                                                                                "WH"
                                                                                                "ER"
                                                                                                "E "
                                                                                                "cs"
                                                                                                ".c"
                                                                                                "am"
                                                                                                "pa"
                                                                                                "ig"
                                                                                                "n_"
                                                                                                "id"
                                                                                                " ="
                                                                                                " k"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "OR"
                                                                                                "DE"
                                                                                                "R "
                                                                                                "BY"
                                                                                                " s"
                                                                                                ".n"
                                                                                                "am"
                                                                                                "e)"
                                                                                                ")"
                                                                                                "  "
                                                                                                " A"
                                                                                                "S "
                                                                                                "se"
                                                                                                "gm"
                                                                                                "en"
                                                                                                "ts"
                                                                                                ","
                                                                                                " ("
                                                                                                "SE"
                                                                                                "LE"
                                                                                                "CT"
                                                                                                " g"
                                                                                                "ro"
                                                                                                "up"
                                                                                                "_c"
                                                                                                "on"
                                                                                                "ca"
                                                                                                "t("
                                                                                                "ch"
                                                                                                "an"
                                                                                                "ne"
                                                                                                "l,"
                                                                                                " '"
                                                                                                ",'"
                                                                                                ") "
                                                                                                "FR"
                                                                                                "OM"
                                                                                                " ("
                                                                                                "SE"
                                                                                                "LE"
                                                                                                "CT"
                                                                                                " c"
                                                                                                "ha"
                                                                                                "nn"
                                                                                                "el"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                "_c"
                                                                                                "ha"
                                                                                                "nn"
                                                                                                "el"
                                                                                                "  "
                                                                                                " W"
                                                                                                "HE"
                                                                                                "RE"
                                                                                                " c"
                                                                                                "am"
                                                                                                "pa"
                                                                                                "ig"
                                                                                                "n_"
                                                                                                "id"
                                                                                                " ="
                                                                                                " k"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "OR"
                                                                                                "DE"
                                                                                                "R "
                                                                                                "BY"
                                                                                                " p"
                                                                                                "os"
                                                                                                "it"
                                                                                                "io"
                                                                                                "n)"
                                                                                                ") "
                                                                                                "AS"
                                                                                                " c"
                                                                                                "ha"
                                                                                                "nn"
                                                                                                "el"
                                                                                                "s,"
                                                                                                " k"
                                                                                                ".d"
                                                                                                "ef"
                                                                                                "in"
                                                                                                "it"
                                                                                                "io"
                                                                                                "n,"
                                                                                                " ("
                                                                                                "SE"
                                                                                                "LE"
                                                                                                "CT"
                                                                                                " a"
                                                                                                ".v"
                                                                                                "er"
                                                                                                "si"
                                                                                                "on"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                " a"
                                                                                                " W"
                                                                                                "HE"
                                                                                                "RE"
                                                                                                " a"
                                                                                                ".c"
                                                                                                "od"
                                                                                                "e "
                                                                                                "= "
                                                                                                "k."
                                                                                                "co"
                                                                                                "de"
                                                                                                " A"
                                                                                                "ND"
                                                                                                " a"
                                                                                                ".v"
                                                                                                "er"
                                                                                                "si"
                                                                                                "on"
                                                                                                " <"
                                                                                                " k"
                                                                                                ".v"
                                                                                                "er"
                                                                                                "si"
                                                                                                "on"
                                                                                                "  "
                                                                                                " A"
                                                                                                "ND"
                                                                                                " a"
                                                                                                ".s"
                                                                                                "ta"
                                                                                                "tu"
                                                                                                "s "
                                                                                                "IN"
                                                                                                " ("
                                                                                                "'a"
                                                                                                "pp"
                                                                                                "ro"
                                                                                                "ve"
                                                                                                "d'"
                                                                                                ", "
                                                                                                "'s"
                                                                                                "ch"
                                                                                                "ed"
                                                                                                "ul"
                                                                                                "ed"
                                                                                                "',"
                                                                                                " '"
                                                                                                "ru"
                                                                                                "nn"
                                                                                                "in"
                                                                                                "g'"
                                                                                                ", "
                                                                                                "'p"
                                                                                                "au"
                                                                                                "se"
                                                                                                "d'"
                                                                                                ", "
                                                                                                "'c"
                                                                                                "om"
                                                                                                "pl"
                                                                                                "et"
                                                                                                "ed"
                                                                                                "',"
                                                                                                " '"
                                                                                                "ar"
                                                                                                "ch"
                                                                                                "iv"
                                                                                                "ed"
                                                                                                "')"
                                                                                                "  "
                                                                                                " O"
                                                                                                "RD"
                                                                                                "ER"
                                                                                                " B"
                                                                                                "Y "
                                                                                                "a."
                                                                                                "ve"
                                                                                                "rs"
                                                                                                "io"
                                                                                                "n "
                                                                                                "DE"
                                                                                                "SC"
                                                                                                " L"
                                                                                                "IM"
                                                                                                "IT"
                                                                                                " 1"
                                                                                                ") "
                                                                                                "AS"
                                                                                                " a"
                                                                                                "ct"
                                                                                                "iv"
                                                                                                "e_"
                                                                                                "ve"
                                                                                                "rs"
                                                                                                "io"
                                                                                                "n"
                                                                                                " F"
                                                                                                "RO"
                                                                                                "M "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "ca"
                                                                                                "mp"
                                                                                                "ai"
                                                                                                "gn"
                                                                                                " k"
                                                                                                " J"
                                                                                                "OI"
                                                                                                "N "
                                                                                                "cr"
                                                                                                "m_"
                                                                                                "us"
                                                                                                "er"
                                                                                                " u"
                                                                                                " O"
                                                                                                "N "
                                                                                                "u."
                                                                                                "id"
                                                                                                " ="
                                                                                                " k"
                                                                                                ".c"
                                                                                                "re"
                                                                                                "at"
                                                                                                "ed"
                                                                                                "_b"
                                                                                                "y"
                                                                                                " L"
                                                                                                "EF"
                                                                                                "T "
                                                                                                "JO"
                                                                                                "IN"
                                                                                                " c"
                                                                                                "rm"
                                                                                                "_u"
                                                                                                "se"
                                                                                                "r "
                                                                                                "d "
                                                                                                "ON"
                                                                                                " d"
                                                                                                ".i"
                                                                                                "d "
                                                                                                "= "
                                                                                                "k."
                                                                                                "de"
                                                                                                "ci"
                                                                                                "de"
                                                                                                "d_"
                                                                                                "by"
                                                                                                " W"
                                                                                                "HE"
                                                                                                "RE"
                                                                                                " k"
                                                                                                ".c"
                                                                                                "od"
                                                                                                "e "
                                                                                                "= "
                                                                                                "?1"
                                                                                                " O"
                                                                                                "RD"
                                                                                                "ER"
                                                                                                " B"
                                                                                                "Y "
                                                                                                "k."
                                                                                                "ve"
                                                                                                "rs"
                                                                                                "io"
                                                                                                "n "
                                                                                                "DE"
                                                                                                "SC"
                                                                                                " L"
                                                                                                "IM"
                                                                                                "IT"
                                                                                                " "
                                                                                                "1";

/* Drops NULL columns (absent fields) and types the money ones. */
static int campaign_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    static const char *const money[] = {"budget", "reward_spent", "cost_per_message"};
    for (size_t i = 0; !rc && i < sizeof money / sizeof money[0]; i++)
        rc = crmi_record_as_money(rec, money[i]);
    for (int i = 0; !rc && i < sqlite3_column_count(st); i++)
        if (sqlite3_column_type(st, i) == SQLITE_NULL)
            rc = crm_record_unset(rec, sqlite3_column_name(st, i));
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "read campaign: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

CRM_EXTERN(int) crm_campaign_get(crm_record **out, crm_db *db, const char *code)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (rc || !st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, 1, code);
    int step = crmi_step(st);
    if (step == SQLITE_ROW)
        rc = campaign_row(out, db, st, NULL);
    else if (step == SQLITE_DONE)
        rc = crmi_error(db, CRM_E_NOT_FOUND, "campaign %.40s: no such campaign", code);
    else
        rc = crmi_sqlite_error(db, step, "read campaign");
    sqlite3_reset(st);
    return rc;
}

static const char SQL_LIST[] =
    "SELECT k.code, k.version, k.name, k.status, k.budget, k.reward_spent,"
    " " ISO("k.start_at") " AS start_at, " ISO(
        "k.end_at") " AS end_at, u.name AS created_by"
                    " FROM crm_campaign k JOIN crm_user u ON u.id = k.created_by"
                    " WHERE k.version = (SELECT max(version) FROM crm_campaign x WHERE x.code = "
                    "k.code)"
                    " AND (?1 IS NULL OR k.status = ?1) ORDER BY k.code";

static const char *const all_statuses[] = {"draft",     "submitted",  "approved", "rejected",
                                           "scheduled", "running",    "paused",   "completed",
                                           "archived",  "superseded", NULL};

CRM_EXTERN(int) crm_campaign_list(crm_iter **out, crm_db *db, const char *status)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (rc)
        return rc;
    bool known = !status;
    for (size_t i = 0; status && all_statuses[i]; i++)
        known = known || strcmp(status, all_statuses[i]) == 0;
    if (!known)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign list: status %.20s is not a status",
                          status);
    sqlite3_stmt *st = crmi_prepare(db, SQL_LIST);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, status);
    return crmi_iter_new(out, db, st, campaign_row, NULL, NULL);
}

/* ----------------------------------------------------------- lifecycle */

static const char SQL_SET_STATUS[] =
    "UPDATE crm_campaign SET status = ?2, updated_at = ?3,"
    " submitted_at = CASE WHEN ?2 = 'submitted' THEN ?3 ELSE submitted_at END,"
    " decided_by = CASE WHEN ?2 IN ('approved', 'rejected') THEN ?4 ELSE decided_by END,"
    " decided_at = CASE WHEN ?2 IN ('approved', 'rejected') THEN ?3 ELSE decided_at END,"
    " decision_reason = CASE WHEN ?2 IN ('approved', 'rejected') THEN ?5 ELSE decision_reason END,"
    " completed_at = CASE WHEN ?2 = 'completed' THEN ?3 ELSE completed_at END WHERE id = ?1";
static const char SQL_SUPERSEDE[] =
    "UPDATE crm_campaign SET status = 'superseded', updated_at = ?3 WHERE code = ?1"
    " AND version < ?2 AND status IN ('approved', 'scheduled', 'running', 'paused')";
static const char SQL_ADD_CASE[] = "INSERT OR REPLACE INTO crm_campaign_case (campaign_id, "
                                   "summary, created_at) VALUES (?1, ?2, ?3)";

static int set_status(crm_db *db, crmi_campaign *c, const char *to, const char *reason)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET_STATUS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    crmi_bind_text(st, 2, to);
    sqlite3_bind_int64(st, 3, crm_db_now(db));
    sqlite3_bind_int64(st, 4, db->actor ? db->actor->user_id : 0);
    crmi_bind_text(st, 5, reason);
    int rc = crmi_exec_stmt(db, st, "campaign status");
    if (rc)
        return rc;
    crmi_buf before = {0}, after = {0};
    crmi_buf_printf(&before, "{\"status\":\"%s\"}", c->status);
    crmi_buf_printf(&after, "{\"status\":\"%s\"", to);
    if (reason) {
        crmi_buf_puts(&after, ",\"reason\":");
        crmi_buf_json_string(&after, reason);
    }
    crmi_buf_putc(&after, '}');
    char action[48];
    snprintf(action, sizeof action, "campaign.%s", to);
    rc = before.failed || after.failed
             ? crmi_error(db, CRM_E_NOMEM, "out of memory")
             : crmi_campaign_audit(db, c, action, before.data, after.data);
    crmi_buf_free(&before);
    crmi_buf_free(&after);
    snprintf(c->status, sizeof c->status, "%s", to);
    return rc;
}

/* A move of the latest version from one of `from` to `to`. */
static const char SQL_ZONE[] = "SELECT b.path FROM crm_campaign k"
                               " JOIN crm_branch b ON b.id = k.branch_id WHERE k.id = ?";

/* A branch manager decides only on campaigns of their own subtree (the
 * author's branch); admins and marketers decide bank-wide. */
static int require_zone(crm_db *db, const crmi_campaign *c)
{
    if (db->actor->roles & (CRM_ROLE_ADMIN | CRM_ROLE_MARKETER))
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(db, SQL_ZONE);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int step = crmi_step(st), rc = CRM_OK;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "campaign zone");
    else if (step == SQLITE_DONE ||
             !crmi_access_branch_visible(db, (const char *)sqlite3_column_text(st, 0)))
        rc = crmi_error(db, CRM_E_PERMISSION,
                        "campaign %s: user '%s' decides only on campaigns of their own branches",
                        c->code, db->actor->name);
    sqlite3_reset(st);
    return rc;
}

static int move_latest(crm_db *db, const char *code, crmi_op op, const char *const from[],
                       const char *to, const char *reason)
{
    crmi_campaign c;
    int rc = crmi_access_require(db, op);
    if (!rc)
        rc = crmi_campaign_latest(db, code, &c);
    if (!rc && crmi_campaign_require_status(db, &c, from, "") != CRM_OK)
        rc = crmi_error(db, CRM_E_STATE, "campaign %s version %lld: cannot go from %s to %s",
                        c.code, (long long)c.version, c.status, to);
    if (!rc && op == CRMI_OP_CAMPAIGN_APPROVE && db->actor->user_id == c.created_by)
        rc = crmi_error(db, CRM_E_PERMISSION,
                        "campaign %s version %lld: the author may not decide on their own "
                        "campaign (four eyes): another user with the approve right must",
                        c.code, (long long)c.version);
    if (!rc && op == CRMI_OP_CAMPAIGN_APPROVE)
        rc = require_zone(db, &c);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = set_status(db, &c, to, reason);
    if (!rc && strcmp(to, "approved") == 0) {
        sqlite3_stmt *st = crmi_stmt(db, SQL_SUPERSEDE);
        if (!st)
            rc = db->errcode;
        if (!rc) {
            crmi_bind_text(st, 1, c.code);
            sqlite3_bind_int64(st, 2, c.version);
            sqlite3_bind_int64(st, 3, crm_db_now(db));
            rc = crmi_exec_stmt(db, st, "supersede campaign");
        }
    }
    return crmi_txn_end(db, rc);
}

static const char *const from_draft[] = {"draft", NULL};
static const char *const from_submitted[] = {"submitted", NULL};

CRM_EXTERN(int) crm_campaign_submit(crm_db *db, const char *code)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign submit: NULL argument");
    crmi_error_clear(db);
    return move_latest(db, code, CRMI_OP_CAMPAIGN_WRITE, from_draft, "submitted", NULL);
}

CRM_EXTERN(int) crm_campaign_approve(crm_db *db, const char *code)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign approve: NULL argument");
    crmi_error_clear(db);
    return move_latest(db, code, CRMI_OP_CAMPAIGN_APPROVE, from_submitted, "approved", NULL);
}

CRM_EXTERN(int) crm_campaign_reject(crm_db *db, const char *code, const char *reason)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign reject: NULL argument");
    crmi_error_clear(db);
    if (!reason || !*reason)
        return crmi_error(db, CRM_E_INVALID_ARG, "field reason: a rejection needs a reason");
    int rc = crmi_validate_text(db, "reason", reason, 500);
    return rc ? rc
              : move_latest(db, code, CRMI_OP_CAMPAIGN_APPROVE, from_submitted, "rejected", reason);
}

/* The moves of an active version, by target status. */
static const struct {
    const char *to;
    const char *from[3];
} moves[] = {
    {"scheduled", {"approved", NULL}}, {"running", {"scheduled", "paused", NULL}},
    {"paused", {"running", NULL}},     {"completed", {"running", "paused", NULL}},
    {"archived", {"completed", NULL}},
};

static int complete(crm_db *db, const crmi_campaign *c)
{
    char *json = NULL;
    int rc = crmi_campaign_evaluate(db, c, &json, NULL);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_ADD_CASE);
    if (!rc && !st)
        rc = db->errcode;
    if (!rc) {
        sqlite3_bind_int64(st, 1, c->id);
        crmi_bind_text(st, 2, json);
        sqlite3_bind_int64(st, 3, crm_db_now(db));
        rc = crmi_exec_stmt(db, st, "add case");
    }
    crm_free(json);
    return rc;
}

static int transition(crm_db *db, const char *code, size_t m)
{
    crmi_campaign c;
    int rc = crmi_campaign_active(db, code, &c);
    if (!rc && crmi_campaign_require_status(db, &c, moves[m].from, "") != CRM_OK)
        rc = crmi_error(db, CRM_E_STATE, "campaign %s version %lld: cannot go from %s to %s",
                        c.code, (long long)c.version, c.status, moves[m].to);
    if (!rc && m == 0 && !c.targeted)
        rc = crmi_error(db, CRM_E_STATE,
                        "campaign %s version %lld: build the target list before scheduling", c.code,
                        (long long)c.version);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = set_status(db, &c, moves[m].to, NULL);
    if (!rc && strcmp(moves[m].to, "completed") == 0)
        rc = complete(db, &c);
    return crmi_txn_end(db, rc);
}

CRM_EXTERN(int) crm_campaign_transition(crm_db *db, const char *code, const char *status)
{
    if (!db || !code || !status)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign transition: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_RUN);
    if (rc)
        return rc;
    for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++)
        if (strcmp(moves[m].to, status) == 0)
            return transition(db, code, m);
    return crmi_error(db, CRM_E_INVALID_ARG,
                      "field status: %.20s is not one of scheduled, running, paused, completed, "
                      "archived",
                      status);
}

/* ----------------------------------------------------------------- cases */

static const char SQL_CASES[] = "SELECT k.code, k.version, k.name, k.template, " ISO(
    "k.completed_at") " AS completed_at,"
                      " cc.summary FROM crm_campaign_case cc JOIN crm_campaign k ON k.id = "
                      "cc.campaign_id"
                      " ORDER BY k.completed_at DESC, k.code";

CRM_EXTERN(int) crm_campaign_cases(crm_iter **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign cases: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_CASES);
    if (rc || !st)
        return rc ? rc : db->errcode;
    return crmi_iter_new(out, db, st, campaign_row, NULL, NULL);
}
