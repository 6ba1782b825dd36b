/* Risk questionnaires: scoring answers against the table, storing the
 * assessment, and moving the customer's level through the customer
 * module's update path (validated, audited, versioned). */
#include "risk/risk_int.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400

typedef struct scored {
    int64_t score;
    int level;             /* 1..5 */
    const char *capped_by; /* question id, or NULL */
    char *answers_json;
} scored;

static const crmi_risk_option *find_option(const crmi_risk_question *q, const char *key)
{
    for (size_t i = 0; i < q->n_options; i++)
        if (strcmp(q->options[i].key, key) == 0)
            return &q->options[i];
    return NULL;
}

static bool is_question(const crm_risk_config *c, const char *id)
{
    for (size_t i = 0; i < c->n_questions; i++)
        if (strcmp(c->questions[i].id, id) == 0)
            return true;
    return false;
}

static int refuse_unknown_answers(crm_db *db, const crm_risk_config *c, const crm_record *answers)
{
    for (size_t i = 0; i < crm_record_count(answers); i++) {
        const char *name = crm_record_field_name(answers, i);
        if (!is_question(c, name))
            return crmi_error(db, CRM_E_INVALID_DATA,
                              "field %.40s: not a question of the questionnaire", name);
    }
    return CRM_OK;
}

/* The chosen option of question q; errors name the question. */
static int answer_of(crm_db *db, const crmi_risk_question *q, const crm_record *answers,
                     const crmi_risk_option **out)
{
    const char *key = NULL;
    if (crm_record_get_text(&key, answers, q->id) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: required (question \"%s\")", q->id,
                          q->text);
    if (!(*out = find_option(q, key)))
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: '%.20s' is not one of its options",
                          q->id, key);
    return CRM_OK;
}

static int level_for(const crm_risk_config *c, int64_t score)
{
    for (int i = 0; i < 5; i++)
        if (score <= c->max_score[i])
            return i + 1;
    return 5;
}

static int score_answers(crm_db *db, const crm_risk_config *c, const crm_record *answers,
                         scored *out)
{
    int rc = refuse_unknown_answers(db, c, answers);
    int cap = 5;
    crmi_buf json = {0};
    crmi_buf_putc(&json, '{');
    for (size_t i = 0; !rc && i < c->n_questions; i++) {
        const crmi_risk_option *o = NULL;
        if ((rc = answer_of(db, &c->questions[i], answers, &o)))
            break;
        out->score += o->score;
        if (o->max_level && o->max_level < cap) {
            cap = o->max_level;
            out->capped_by = c->questions[i].id;
        }
        if (i)
            crmi_buf_putc(&json, ',');
        crmi_buf_json_string(&json, c->questions[i].id);
        crmi_buf_putc(&json, ':');
        crmi_buf_json_string(&json, o->key);
    }
    crmi_buf_putc(&json, '}');
    if (!rc && json.failed)
        rc = crmi_error(db, CRM_E_NOMEM, "risk assess: out of memory");
    if (rc) {
        crmi_buf_free(&json);
        return rc;
    }
    out->level = level_for(c, out->score);
    if (out->level <= cap)
        out->capped_by = NULL;
    else
        out->level = cap;
    out->answers_json = crmi_buf_take(&json);
    return CRM_OK;
}

/* --------------------------------------------------------------- storing */

static const char SQL_INSERT[] =
    "INSERT INTO crm_risk_assessment (customer_id, score, level, capped_by, answers,"
    " assessed_at, expires_at, assessed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int store_assessment(crm_db *db, int64_t customer_id, const scored *s, const char *level,
                            int64_t now, int64_t expires)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int64(st, 2, s->score);
    crmi_bind_text(st, 3, level);
    crmi_bind_text(st, 4, s->capped_by);
    crmi_bind_text(st, 5, s->answers_json);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, expires);
    crmi_bind_text(st, 8, crmi_actor_name(db));
    return crmi_exec_stmt(db, st, "store risk assessment");
}

/* The customer's new level and assessment date, validated and applied as
 * crm_customer_update would (audited "customer.update"). */
static int update_customer(crm_db *db, int64_t id, const char *customer_no, const char *level,
                           int64_t now)
{
    char day[32];
    crm_record *changes = NULL;
    crmi_customer c;
    crm_time_format(day, sizeof day, now);
    day[10] = '\0';
    int rc = crm_record_new(&changes);
    if (!rc)
        rc = crm_record_set_text(changes, "risk_level", level);
    if (!rc)
        rc = crm_record_set_date(changes, "risk_assessed_at", day);
    if (rc) {
        crm_record_free(changes);
        return crmi_error(db, rc, "risk assess: out of memory");
    }
    rc = crmi_customer_validate(db, changes, true, &c);
    crm_record_free(changes);
    if (rc)
        return rc;
    c.reason = "risk questionnaire";
    rc = crmi_customer_change(db, id, customer_no, &c, -1);
    crmi_customer_clear(&c);
    return rc;
}

static int audit_assessment(crm_db *db, const char *customer_no, const scored *s, const char *level)
{
    char after[160];
    snprintf(after, sizeof after, "{\"score\":%lld,\"risk_level\":\"%s\"%s%s%s}",
             (long long)s->score, level, s->capped_by ? ",\"capped_by\":\"" : "",
             s->capped_by ? s->capped_by : "", s->capped_by ? "\"" : "");
    crmi_audit_entry e = {.action = "risk.assess",
                          .entity = "customer",
                          .entity_id = customer_no,
                          .reason = "risk questionnaire",
                          .after = after};
    return crmi_audit_append(db, &e);
}

static int record_assessment(crm_db *db, int64_t id, const char *customer_no, const scored *s,
                             int64_t now, int64_t expires)
{
    const char level[3] = {'C', (char)('0' + s->level), '\0'};
    int rc = store_assessment(db, id, s, level, now, expires);
    if (!rc)
        rc = update_customer(db, id, customer_no, level, now);
    return rc ? rc : audit_assessment(db, customer_no, s, level);
}

static int result_record(crm_record **out, const char *customer_no, const scored *s, int64_t now,
                         int64_t expires)
{
    char level[3] = {'C', (char)('0' + s->level), '\0'}, when[32], until[32];
    crm_time_format(when, sizeof when, now);
    crm_time_format(until, sizeof until, expires);
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    if (!rc)
        rc = crmi_record_put_text(r, "customer_no", customer_no);
    if (!rc)
        rc = crmi_record_put_int(r, "score", s->score);
    if (!rc)
        rc = crmi_record_put_text(r, "risk_level", level);
    if (!rc && s->capped_by)
        rc = crmi_record_put_text(r, "capped_by", s->capped_by);
    if (!rc)
        rc = crmi_record_put_text(r, "assessed_at", when);
    if (!rc)
        rc = crmi_record_put_text(r, "expires_at", until);
    if (rc)
        crm_record_free(r);
    else
        *out = r;
    return rc;
}

static int assess(crm_record **out, crm_db *db, const crm_risk_config *config,
                  const char *customer_no, const crm_record *answers)
{
    int64_t id, now = crm_db_now(db);
    scored s = {0};
    int rc = crmi_customer_find(db, customer_no, &id, NULL);
    if (!rc)
        rc = score_answers(db, config, answers, &s);
    int64_t expires = now + config->validity_days * DAY;
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, record_assessment(db, id, customer_no, &s, now, expires));
    if (!rc && (rc = result_record(out, customer_no, &s, now, expires)))
        rc = crmi_error(db, rc, "risk assess: out of memory");
    crm_free(s.answers_json);
    return rc;
}

CRM_EXTERN(int)
crm_risk_assess(crm_record **out, crm_db *db, const crm_risk_config *config,
                const char *customer_no, const crm_record *answers)
{
    if (!out || !db || !customer_no || !answers)
        return crmi_error(db, CRM_E_INVALID_ARG, "risk assess: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_RISK_ASSESS);
    if (rc)
        return rc;
    crm_risk_config *own = NULL;
    if (!config && (rc = crmi_risk_config_default(&own)))
        return crmi_error(db, rc, "%s", crm_last_errmsg());
    rc = assess(out, db, config ? config : own, customer_no, answers);
    crm_risk_config_free(own);
    return rc;
}

/* ---------------------------------------------------------------- history */

static const char SQL_HISTORY[] =
    "SELECT score, level AS risk_level, capped_by, answers,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', assessed_at, 'unixepoch') AS assessed_at,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', expires_at, 'unixepoch') AS expires_at, assessed_by"
    " FROM crm_risk_assessment WHERE customer_id = ?1 ORDER BY assessed_at DESC, id DESC";

CRM_EXTERN(int) crm_risk_history(crm_iter **out, crm_db *db, const char *customer_no)
{
    if (!out || !db || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "risk history: NULL argument");
    crmi_error_clear(db);
    int64_t id;
    int rc = crmi_access_require(db, CRMI_OP_CUSTOMER_READ);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_HISTORY);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, id);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
