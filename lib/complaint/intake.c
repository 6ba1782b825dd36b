/* Intake: a complaint from any channel becomes a ticket with its clocks
 * started and, when a rule and a team member fit, its handler. Contact
 * details of people who may not be customers are sealed and kept masked. */
#include "complaint/complaint_int.h"
#include "product/product_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

typedef struct intake {
    const char *channel, *category, *severity, *subject, *body, *customer_no;
    const char *contact_name, *contact_phone_in, *contact_email_in, *product_code, *branch;
    char phone[12];
    char *email;
    int severity_index, channel_index;
    int64_t customer_id, product_id, branch_id;
} intake;

static int check_category(crm_db *db, const crmi_cconfig *cfg, const char *category)
{
    for (int i = 0; i < cfg->n_categories; i++)
        if (strcmp(cfg->categories[i], category) == 0)
            return CRM_OK;
    crmi_buf list = {0};
    for (int i = 0; i < cfg->n_categories; i++)
        crmi_buf_printf(&list, "%s%s", i ? ", " : "", cfg->categories[i]);
    int rc = crmi_error(db, CRM_E_INVALID_DATA, "field category: '%.40s' is not one of %s",
                        category, list.data ? list.data : "");
    crmi_buf_free(&list);
    return rc;
}

static int read_texts(crm_db *db, const crm_record *rec, intake *in)
{
    struct {
        const char *field;
        bool required;
        const char **out;
        size_t max;
    } texts[] = {
        {"channel", true, &in->channel, 0},
        {"category", true, &in->category, 0},
        {"severity", false, &in->severity, 0},
        {"subject", true, &in->subject, 200},
        {"body", true, &in->body, 5000},
        {"customer_no", false, &in->customer_no, 0},
        {"contact_name", false, &in->contact_name, 50},
        {"contact_phone", false, &in->contact_phone_in, 0},
        {"contact_email", false, &in->contact_email_in, 0},
        {"product_code", false, &in->product_code, 0},
        {"branch", false, &in->branch, 0},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int rc = crmi_record_text(db, rec, texts[i].field, texts[i].required, texts[i].out);
        if (!rc && texts[i].max && *texts[i].out)
            rc = crmi_validate_text(db, texts[i].field, *texts[i].out, texts[i].max);
        if (rc)
            return rc;
    }
    return CRM_OK;
}

static int validate(crm_db *db, const crmi_cconfig *cfg, const crm_record *rec, intake *in)
{
    static const char *const known[] = {
        "channel",      "category",      "severity",      "subject",      "body",  "customer_no",
        "contact_name", "contact_phone", "contact_email", "product_code", "branch"};
    int rc = crmi_record_check_fields(db, rec, known, sizeof known / sizeof known[0], "complaint");
    if (!rc)
        rc = read_texts(db, rec, in);
    if (rc)
        return rc;
    if (!in->severity)
        in->severity = "medium";
    if ((in->channel_index = crmi_cc_index(crmi_channels, CRMI_CHANNEL_COUNT, in->channel)) < 0)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "field channel: '%.40s' is not one of phone, email, online, branch,"
                          " social, regulator",
                          in->channel);
    if ((in->severity_index = crmi_cc_index(crmi_severities, CRMI_SEVERITY_COUNT, in->severity)) <
        0)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "field severity: '%.40s' is not one of low, medium, high, critical",
                          in->severity);
    rc = check_category(db, cfg, in->category);
    if (!rc && in->contact_phone_in)
        rc = crmi_validate_mobile(db, "contact_phone", in->contact_phone_in, in->phone);
    if (!rc && in->contact_email_in)
        rc = crmi_validate_email(db, "contact_email", in->contact_email_in, &in->email);
    return rc;
}

static const char SQL_BRANCH_BY_CODE[] = "SELECT id FROM crm_branch WHERE code = ?1";
static const char SQL_CUSTOMER_BRANCH[] = "SELECT branch_id FROM crm_customer WHERE id = ?1";

static int lookup_id(crm_db *db, const char *sql, const char *text, int64_t num, int64_t *out,
                     const char *what)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    if (!st)
        return db->errcode;
    if (text)
        crmi_bind_text(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, num);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CRM_OK;
    return step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "%s", what)
                               : crmi_sqlite_error(db, step, what);
}

/* Customer, product and branch: the branch defaults to the customer's,
 * else the actor's. */
static int resolve_links(crm_db *db, intake *in)
{
    int rc = CRM_OK;
    if (in->customer_no && (rc = crmi_customer_find(db, in->customer_no, &in->customer_id, NULL)))
        return crmi_error(db, rc, "field customer_no: no customer %.40s", in->customer_no);
    if (in->product_code && (rc = crmi_product_find(db, in->product_code, &in->product_id)))
        return rc;
    if (in->branch)
        return lookup_id(db, SQL_BRANCH_BY_CODE, in->branch, 0, &in->branch_id,
                         "field branch: no such branch");
    if (in->customer_id)
        return lookup_id(db, SQL_CUSTOMER_BRANCH, NULL, in->customer_id, &in->branch_id,
                         "customer branch");
    return lookup_id(db, SQL_BRANCH_BY_CODE, db->actor->branch, 0, &in->branch_id, "actor branch");
}

static const char SQL_NEXT_ID[] = "SELECT coalesce(max(id), 0) + 1 FROM crm_complaint";

static int next_ticket_no(crm_db *db, const char *kind, crmi_ticket *t)
{
    int64_t next;
    int rc = crmi_query_int64(db, SQL_NEXT_ID, &next);
    if (rc)
        return rc;
    char day[24];
    crm_time_format(day, sizeof day, crm_db_now(db));
    snprintf(t->ticket_no, sizeof t->ticket_no, "%s%.4s%.2s%.2s%06lld",
             strcmp(kind, "consultation") == 0 ? "ZX" : "TS", day, day + 5, day + 8,
             (long long)next);
    t->id = next;
    return CRM_OK;
}

static const char SQL_INSERT[] =
    "INSERT INTO crm_complaint (id, ticket_no, kind, channel, severity, category, customer_id,"
    " contact_name_masked, contact_phone, contact_phone_masked, contact_email,"
    " contact_email_masked, branch_id, product_id, subject, body, state, opened_at, ack_budget,"
    " ack_due_at, resolve_budget, resolve_since, resolve_due_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?18, ?22, ?18)";

/* Binds a masked copy (or NULL) at idx. */
static int bind_masked(crm_db *db, sqlite3_stmt *st, int idx, crm_mask_kind kind, const char *value)
{
    char *masked = NULL;
    if (value && crm_mask(&masked, kind, value) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_DATA, "contact: cannot mask value");
    sqlite3_bind_text(st, idx, masked, -1, SQLITE_TRANSIENT);
    crm_free(masked);
    return CRM_OK;
}

/* A customer's contact details are sealed under that customer's own key,
 * so purging the customer shreds them here too; anyone else's under the
 * data key. */
static int bind_sealed_contact(crm_db *db, sqlite3_stmt *st, int idx, const crmi_field_ref *ref,
                               const char *value, const unsigned char *customer_key)
{
    return customer_key ? crmi_bind_sealed_subject(db, st, idx, customer_key, ref, value)
                        : crmi_bind_sealed(db, st, idx, ref, value);
}

static int bind_contact(crm_db *db, sqlite3_stmt *st, const intake *in, const crmi_ticket *t)
{
    crmi_field_ref phone = {"crm_complaint", "contact_phone", t->ticket_no};
    crmi_field_ref email = {"crm_complaint", "contact_email", t->ticket_no};
    const char *ph = in->contact_phone_in ? in->phone : NULL;
    unsigned char key[CRM_KEY_SIZE];
    const unsigned char *customer_key = in->customer_id ? key : NULL;
    int rc = customer_key ? crmi_customer_key_load(db, in->customer_id, key) : CRM_OK;
    if (!rc)
        rc = bind_masked(db, st, 8, CRM_MASK_NAME, in->contact_name);
    if (!rc)
        rc = bind_sealed_contact(db, st, 9, &phone, ph, customer_key);
    if (!rc)
        rc = bind_masked(db, st, 10, CRM_MASK_PHONE, ph);
    if (!rc)
        rc = bind_sealed_contact(db, st, 11, &email, in->email, customer_key);
    if (!rc)
        rc = bind_masked(db, st, 12, CRM_MASK_EMAIL, in->email);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

static void bind_opt_id(sqlite3_stmt *st, int idx, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, idx, id);
    else
        sqlite3_bind_null(st, idx);
}

static int insert_ticket(crm_db *db, const crmi_cconfig *cfg, const intake *in, crmi_ticket *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_INSERT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, t->id);
    crmi_bind_text(st, 2, t->ticket_no);
    crmi_bind_text(st, 3, t->kind);
    crmi_bind_text(st, 4, in->channel);
    crmi_bind_text(st, 5, in->severity);
    crmi_bind_text(st, 6, in->category);
    bind_opt_id(st, 7, in->customer_id);
    int rc = bind_contact(db, st, in, t);
    if (rc) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return rc;
    }
    sqlite3_bind_int64(st, 13, in->branch_id);
    bind_opt_id(st, 14, in->product_id);
    crmi_bind_text(st, 15, in->subject);
    crmi_bind_text(st, 16, in->body);
    crmi_bind_text(st, 17, cfg->states[crmi_cc_state_with(cfg, CRMI_ST_INITIAL)].name);
    sqlite3_bind_int64(st, 18, t->opened_at);
    sqlite3_bind_int64(st, 19, t->ack_budget);
    sqlite3_bind_int64(st, 20, t->ack_due_at);
    sqlite3_bind_int64(st, 21, t->resolve_budget);
    sqlite3_bind_int64(st, 22, t->resolve_due_at);
    return crmi_exec_stmt(db, st, "insert complaint");
}

/* The ticket's starting values: deadlines from the configuration. */
static void start_clocks(const crmi_cconfig *cfg, const intake *in, int64_t now, crmi_ticket *t)
{
    crmi_cc_deadline d = crmi_cc_deadline_for(cfg, in->severity_index, in->channel_index);
    t->opened_at = now;
    t->ack_budget = d.ack;
    t->ack_due_at = crmi_sla_add(cfg, now, d.ack);
    t->resolve_budget = d.resolve;
    t->resolve_since = now;
    t->resolve_due_at = crmi_sla_add(cfg, now, d.resolve);
}

static int create(crm_db *db, const crmi_cconfig *cfg, intake *in, const char *kind,
                  char **out_ticket)
{
    crmi_ticket t = {0};
    snprintf(t.kind, sizeof t.kind, "%s", kind);
    int rc = next_ticket_no(db, kind, &t);
    if (rc)
        return rc;
    start_clocks(cfg, in, crm_db_now(db), &t);
    if ((rc = insert_ticket(db, cfg, in, &t)) || (rc = crmi_ticket_load_id(db, t.id, &t)))
        return rc;
    rc = crmi_ticket_event(db, &t, "open", NULL, t.state, NULL);
    if (!rc) {
        rc = crmi_ticket_auto_assign(db, cfg, &t, 0);
        if (rc == CRM_E_STATE) { /* nobody to take it yet: it waits in the initial state */
            crmi_error_clear(db);
            rc = CRM_OK;
        }
    }
    if (!rc && !(*out_ticket = crmi_strdup(t.ticket_no)))
        rc = crmi_error(db, CRM_E_NOMEM, "complaint: out of memory");
    return rc;
}

int crmi_complaint_open(crm_db *db, const crm_record *rec, const char *kind, char **out_ticket)
{
    const crmi_cconfig *cfg = NULL;
    intake in = {0};
    int rc = crmi_cconfig_load(db, &cfg);
    if (!rc)
        rc = validate(db, cfg, rec, &in);
    if (!rc)
        rc = resolve_links(db, &in);
    if (!rc && !(rc = crmi_txn_begin(db)))
        rc = crmi_txn_end(db, create(db, cfg, &in, kind, out_ticket));
    crm_free(in.email);
    return rc;
}

CRM_EXTERN(int) crm_complaint_open(char **out_ticket, crm_db *db, const crm_record *complaint)
{
    if (!out_ticket || !db || !complaint)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint open: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    return rc ? rc : crmi_complaint_open(db, complaint, "complaint", out_ticket);
}
