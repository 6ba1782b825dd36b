/* Teams and assignment: the configuration's rules (JsonLogic over the
 * complaint) choose a team; within it the team's strategy picks a member,
 * preferring one whose skills cover the category and whose branch subtree
 * holds the complaint's branch. */
#include "complaint/complaint_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_USER_ID[] = "SELECT id FROM crm_user WHERE name = ?1";
static const char SQL_ACTIVE_USER_ID[] =
    "SELECT id FROM crm_user WHERE name = ?1 AND status = 'active'";
static const char SQL_TEAM_ID[] = "SELECT id FROM crm_complaint_team WHERE code = ?1";

static int find_id(crm_db *db, const char *sql, const char *key, const char *what, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no %s %.40s", what, key)
                               : crmi_sqlite_error(db, step, what);
}

static int audit_admin(crm_db *db, const char *action, const char *id, const char *after)
{
    crmi_audit_entry e = {
        .action = action, .entity = "complaint_team", .entity_id = id, .after = after};
    return crmi_audit_append(db, &e);
}

/* ------------------------------------------------------------------ teams */

static const char SQL_TEAM_INSERT[] =
    "INSERT INTO crm_complaint_team (code, name, strategy, supervisor_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

static int insert_team(crm_db *db, const char *code, const char *name, const char *strategy,
                       int64_t supervisor)
{
    int64_t existing;
    if (find_id(db, SQL_TEAM_ID, code, "team", &existing) == CRM_OK)
        return crmi_error(db, CRM_E_CONFLICT, "team %s already exists", code);
    crmi_error_clear(db);
    sqlite3_stmt *st = crmi_stmt(db, SQL_TEAM_INSERT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, code);
    crmi_bind_text(st, 2, name);
    crmi_bind_text(st, 3, strategy);
    if (supervisor)
        sqlite3_bind_int64(st, 4, supervisor);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "insert team");
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"name\":");
    crmi_buf_json_string(&after, name);
    crmi_buf_puts(&after, ",\"strategy\":");
    crmi_buf_json_string(&after, strategy);
    crmi_buf_putc(&after, '}');
    if (!rc)
        rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory")
                          : audit_admin(db, "complaint.team_add", code, after.data);
    crmi_buf_free(&after);
    return rc;
}

CRM_EXTERN(int) crm_complaint_team_add(crm_db *db, const crm_record *team)
{
    if (!db || !team)
        return crmi_error(db, CRM_E_INVALID_ARG, "team add: NULL argument");
    crmi_error_clear(db);
    static const char *const known[] = {"code", "name", "strategy", "supervisor"};
    const char *code, *name, *strategy, *supervisor;
    int64_t supervisor_id = 0;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_ADMIN);
    if (!rc)
        rc = crmi_record_check_fields(db, team, known, 4, "team");
    if (!rc && !(rc = crmi_record_text(db, team, "code", true, &code)))
        rc = crmi_validate_code(db, "code", code, 32);
    if (!rc && !(rc = crmi_record_text(db, team, "name", true, &name)))
        rc = crmi_validate_text(db, "name", name, 100);
    if (!rc && !(rc = crmi_record_text(db, team, "strategy", false, &strategy)) && !strategy)
        strategy = "least_open";
    if (!rc && strcmp(strategy, "least_open") != 0 && strcmp(strategy, "round_robin") != 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "field strategy: '%.40s' is not one of least_open, round_robin", strategy);
    if (!rc && !(rc = crmi_record_text(db, team, "supervisor", false, &supervisor)) && supervisor)
        rc = find_id(db, SQL_USER_ID, supervisor, "user", &supervisor_id);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, insert_team(db, code, name, strategy, supervisor_id));
}

static const char SQL_MEMBER_INSERT[] =
    "INSERT OR IGNORE INTO crm_complaint_member (team_id, user_id, skills) VALUES (?1, ?2, ?3)";

static int check_skills(crm_db *db, const crmi_cconfig *cfg, const char *skills)
{
    const char *p = skills;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (int i = 0; i < cfg->n_categories; i++)
            known |= strlen(cfg->categories[i]) == n && memcmp(cfg->categories[i], p, n) == 0;
        if (!known)
            return crmi_error(db, CRM_E_INVALID_DATA, "field skills: '%.*s' is not a category",
                              (int)n, p);
        p += n + (p[n] == ',');
    }
    return CRM_OK;
}

static int insert_member(crm_db *db, const char *team_code, int64_t team, const char *user_name,
                         int64_t user, const char *skills)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MEMBER_INSERT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, team);
    sqlite3_bind_int64(st, 2, user);
    crmi_bind_text(st, 3, skills);
    int rc = crmi_exec_stmt(db, st, "insert team member");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = crmi_error(db, CRM_E_CONFLICT, "user %s is already in team %s", user_name, team_code);
    crmi_buf after = {0};
    crmi_buf_puts(&after, "{\"member\":");
    crmi_buf_json_string(&after, user_name);
    crmi_buf_puts(&after, ",\"skills\":");
    crmi_buf_json_string(&after, skills);
    crmi_buf_putc(&after, '}');
    if (!rc)
        rc = after.failed ? crmi_error(db, CRM_E_NOMEM, "audit: out of memory")
                          : audit_admin(db, "complaint.member_add", team_code, after.data);
    crmi_buf_free(&after);
    return rc;
}

CRM_EXTERN(int)
crm_complaint_team_member_add(crm_db *db, const char *team_code, const char *user_name,
                              const char *skills)
{
    if (!db || !team_code || !user_name)
        return crmi_error(db, CRM_E_INVALID_ARG, "team member add: NULL argument");
    crmi_error_clear(db);
    int64_t team = 0, user = 0;
    const crmi_cconfig *cfg = NULL;
    if (!skills)
        skills = "";
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_ADMIN);
    if (!rc)
        rc = find_id(db, SQL_TEAM_ID, team_code, "team", &team);
    if (!rc)
        rc = find_id(db, SQL_USER_ID, user_name, "user", &user);
    if (!rc)
        rc = crmi_cconfig_load(db, &cfg);
    if (!rc)
        rc = check_skills(db, cfg, skills);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, insert_member(db, team_code, team, user_name, user, skills));
}

/* ------------------------------------------------------------- choosing */

static const char SQL_FACTS[] =
    "SELECT cb.code, cb.path, (SELECT type FROM crm_product WHERE id = cp.product_id),"
    " cp.customer_id IS NOT NULL"
    " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id WHERE cp.id = ?1";

/* The complaint as rule data: channel, category, severity, kind, branch,
 * product_type, has_customer. Also returns the branch path. */
static int rule_facts(crm_db *db, const crmi_ticket *t, crm_rule_data *d, char *path, size_t size)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_FACTS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, t->id);
    int step = sqlite3_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        snprintf(path, size, "%s", (const char *)sqlite3_column_text(st, 1));
        rc = crm_rule_data_set_text(d, "branch", (const char *)sqlite3_column_text(st, 0));
        if (!rc && sqlite3_column_type(st, 2) != SQLITE_NULL)
            rc =
                crm_rule_data_set_text(d, "product_type", (const char *)sqlite3_column_text(st, 2));
        if (!rc)
            rc = crm_rule_data_set_bool(d, "has_customer", sqlite3_column_int(st, 3));
    } else {
        rc = crmi_sqlite_error(db, step, "read complaint facts");
    }
    sqlite3_reset(st);
    const char *names[] = {"channel", "category", "severity", "kind"};
    const char *values[] = {t->channel, t->category, t->severity, t->kind};
    for (int i = 0; !rc && i < 4; i++)
        rc = crm_rule_data_set_text(d, names[i], values[i]);
    return rc == CRM_E_NOMEM ? crmi_error(db, rc, "assignment: out of memory") : rc;
}

typedef struct candidate {
    int64_t user_id, open_count;
    int tier; /* 2: skill fits, +1: branch fits */
} candidate;

static const char SQL_MEMBERS[] =
    "SELECT u.id, m.skills, ub.path,"
    " (SELECT count(*) FROM crm_complaint x WHERE x.assignee_id = u.id"
    "  AND x.resolved_at IS NULL AND x.closed_at IS NULL)"
    " FROM crm_complaint_member m JOIN crm_user u ON u.id = m.user_id"
    " JOIN crm_branch ub ON ub.id = u.branch_id"
    " WHERE m.team_id = ?1 AND u.status = 'active' AND u.id <> ?2 ORDER BY u.id";

static bool has_skill(const char *skills, const char *category)
{
    if (!*skills)
        return true;
    size_t n = strlen(category);
    for (const char *p = skills; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strcspn(p, ",") == n && memcmp(p, category, n) == 0)
            return true;
    }
    return false;
}

static const char SQL_TEAM[] =
    "SELECT strategy, rr_last_user FROM crm_complaint_team WHERE id = ?1";
static const char SQL_RR[] = "UPDATE crm_complaint_team SET rr_last_user = ?1 WHERE id = ?2";

/* The chosen member by the team's strategy among the best tier; 0 if none. */
static int64_t pick(const candidate *c, int n, bool round_robin, int64_t last)
{
    int best_tier = -1;
    for (int i = 0; i < n; i++)
        if (c[i].tier > best_tier)
            best_tier = c[i].tier;
    const candidate *chosen = NULL, *first = NULL;
    for (int i = 0; i < n; i++) {
        if (c[i].tier != best_tier)
            continue;
        if (!first)
            first = &c[i];
        if (round_robin) {
            if (!chosen && c[i].user_id > last)
                chosen = &c[i];
        } else if (!chosen || c[i].open_count < chosen->open_count) {
            chosen = &c[i];
        }
    }
    if (!chosen)
        chosen = first;
    return chosen ? chosen->user_id : 0;
}

#define MAX_MEMBERS 256

static int choose_member(crm_db *db, int64_t team, const crmi_ticket *t, const char *path,
                         int64_t exclude, int64_t *out)
{
    candidate c[MAX_MEMBERS];
    int n = 0, step;
    sqlite3_stmt *st = crmi_stmt(db, SQL_MEMBERS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, team);
    sqlite3_bind_int64(st, 2, exclude);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < MAX_MEMBERS) {
        const char *mpath = (const char *)sqlite3_column_text(st, 2);
        c[n].user_id = sqlite3_column_int64(st, 0);
        c[n].open_count = sqlite3_column_int64(st, 3);
        c[n].tier = (has_skill((const char *)sqlite3_column_text(st, 1), t->category) ? 2 : 0) +
                    (strncmp(path, mpath, strlen(mpath)) == 0 ? 1 : 0);
        n++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        return crmi_sqlite_error(db, step, "read team members");
    if (!(st = crmi_stmt(db, SQL_TEAM)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, team);
    bool rr = false;
    int64_t last = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        rr = strcmp((const char *)sqlite3_column_text(st, 0), "round_robin") == 0;
        last = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    *out = pick(c, n, rr, last);
    if (!*out || !rr)
        return CRM_OK;
    if (!(st = crmi_stmt(db, SQL_RR)))
        return db->errcode;
    sqlite3_bind_int64(st, 1, *out);
    sqlite3_bind_int64(st, 2, team);
    return crmi_exec_stmt(db, st, "advance round robin");
}

/* The first rule that matches and whose team has an eligible member. */
static int choose(crm_db *db, const crmi_cconfig *cfg, const crmi_ticket *t, int64_t exclude,
                  int64_t *team, int64_t *user)
{
    crm_rule_data *d = NULL;
    char path[256] = "";
    int rc = crm_rule_data_new(&d);
    if (rc)
        return crmi_error(db, rc, "assignment: out of memory");
    rc = rule_facts(db, t, d, path, sizeof path);
    *user = 0;
    for (int i = 0; !rc && !*user && i < cfg->n_rules; i++) {
        int yes = 1;
        if (cfg->rules[i].when && (rc = crm_rule_eval(&yes, cfg->rules[i].when, d)))
            rc = crmi_error(db, rc, "assignment rule %d: %s", i + 1, crm_last_errmsg());
        if (rc || !yes)
            continue;
        if (find_id(db, SQL_TEAM_ID, cfg->rules[i].team, "team", team) != CRM_OK) {
            crmi_error_clear(db); /* a rule may name a team not set up (yet) */
            continue;
        }
        rc = choose_member(db, *team, t, path, exclude, user);
    }
    crm_rule_data_free(d);
    if (!rc && !*user)
        rc = crmi_error(db, CRM_E_STATE,
                        "ticket %s: no assignment rule found a team with an"
                        " active member",
                        t->ticket_no);
    return rc;
}

int crmi_ticket_set_assignee(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, int64_t team_id,
                             int64_t user_id, const char *note)
{
    char from[CRMI_CC_NAME];
    snprintf(from, sizeof from, "%s", t->state);
    t->team_id = team_id ? team_id : t->team_id;
    t->assignee_id = user_id;
    int rc = crmi_ticket_save(db, t);
    if (!rc)
        rc = crmi_ticket_event(db, t, "assign", NULL, NULL, note);
    int initial = crmi_cc_state_find(cfg, from),
        assigned = crmi_cc_state_with(cfg, CRMI_ST_ASSIGNED);
    if (!rc && initial >= 0 && (cfg->states[initial].flags & CRMI_ST_INITIAL) && assigned >= 0 &&
        crmi_cc_transition_find(cfg, initial, assigned))
        rc = crmi_ticket_move(db, cfg, t, assigned, note);
    return rc;
}

int crmi_ticket_auto_assign(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t,
                            int64_t exclude_user)
{
    int64_t team = 0, user = 0;
    int rc = choose(db, cfg, t, exclude_user, &team, &user);
    return rc ? rc : crmi_ticket_set_assignee(db, cfg, t, team, user, NULL);
}

static int assign(crm_db *db, const crmi_cconfig *cfg, crmi_ticket *t, const char *assignee,
                  const char *note)
{
    if (!assignee)
        return crmi_ticket_auto_assign(db, cfg, t, 0);
    int64_t user;
    int rc = find_id(db, SQL_ACTIVE_USER_ID, assignee, "active user", &user);
    return rc ? rc : crmi_ticket_set_assignee(db, cfg, t, 0, user, note);
}

CRM_EXTERN(int)
crm_complaint_assign(crm_db *db, const char *ticket_no, const char *assignee, const char *note)
{
    if (!db || !ticket_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint assign: NULL argument");
    crmi_error_clear(db);
    const crmi_cconfig *cfg = NULL;
    crmi_ticket t;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    if (!rc)
        rc = crmi_ticket_load(db, ticket_no, &t);
    if (!rc && t.closed_at)
        rc = crmi_error(db, CRM_E_STATE, "ticket %s is closed", ticket_no);
    if (!rc && note)
        rc = crmi_validate_text(db, "note", note, 2000);
    if (!rc)
        rc = crmi_cconfig_load(db, &cfg);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, assign(db, cfg, &t, assignee, note));
    return rc;
}
