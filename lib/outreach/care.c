/* Customer care: birthday and holiday greetings, once per customer per
 * occasion, through a consenting channel; high-net-worth customers get a
 * task for their relationship manager instead of a mass message. */
#include "outreach/outreach_int.h"

#include <stdio.h>
#include <string.h>

typedef struct occasion {
    const char *code, *name, *tmpl;
} occasion;

typedef struct care_counts {
    int64_t messages, tasks, already, skipped_restricted, skipped_no_channel;
} care_counts;

typedef struct care_run {
    crm_db *db;
    const crmi_ocfg *cfg;
    char date[11];
    int64_t day; /* the date's midnight, UTC */
    int64_t not_before;
    care_counts n;
} care_run;

static bool holiday_on(const crmi_holiday *h, const char *date, int month, int day)
{
    if (h->fixed_month)
        return h->fixed_month == month && h->fixed_day == day;
    for (int i = 0; i < h->n_dates; i++)
        if (strcmp(h->dates[i], date) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ one customer */

enum {
    COL_ID,
    COL_NO,
    COL_NAME,
    COL_GENDER,
    COL_BRANCH,
    COL_ASSETS,
    COL_MANAGER,
    COL_BRANCH_ID,
    COL_CONSENT, /* sms, email, phone */
    COL_BLOCKED = COL_CONSENT + 3,
    COL_OPTOUTS
};

static const char SQL_CUSTOMERS[] =
    "SELECT c.id, c.customer_no, c.name, c.gender, b.name, coalesce(c.total_assets, 0),"
    " (SELECT u.id FROM crm_user u WHERE u.id = c.manager_id AND u.status = 'active'),"
    " c.branch_id, c.consent_sms, c.consent_email, c.consent_phone,"
    " c.status <> 'active' OR c.deletion_requested_at IS NOT NULL,"
    " (SELECT group_concat(x.channel, ',') FROM crm_optout x WHERE x.customer_id = c.id)"
    " FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE c.status <> 'purged'"
    " AND (?1 OR substr(c.birth_date, 6, 5) = ?2 OR substr(c.birth_date, 6, 5) = ?3)"
    " ORDER BY c.id";
static const char SQL_BRANCH_RM[] =
    "SELECT id FROM crm_user WHERE branch_id = ?1 AND status = 'active' AND (roles & ?2) <> 0"
    " ORDER BY id LIMIT 1";
static const char SQL_LEAD[] =
    "INSERT OR IGNORE INTO crm_lead (occasion, customer_id, rm_id, branch_id, due_at, note,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
static const char SQL_GREETED[] =
    "SELECT 1 FROM crm_outbox WHERE customer_id = ?1 AND occasion = ?2 LIMIT 1";

/* The customer's manager, else the first active RM of the branch; 0: none. */
static int rm_for(crm_db *db, sqlite3_stmt *c, int64_t *rm)
{
    *rm = sqlite3_column_int64(c, COL_MANAGER);
    if (*rm)
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(db, SQL_BRANCH_RM);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, sqlite3_column_int64(c, COL_BRANCH_ID));
    sqlite3_bind_int(st, 2, CRM_ROLE_RELATIONSHIP_MANAGER);
    int step = crmi_step(st);
    *rm = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "find RM");
}

static int add_task(care_run *r, sqlite3_stmt *c, const occasion *o, const char *occ_key,
                    int64_t rm)
{
    sqlite3_stmt *st = crmi_stmt(r->db, SQL_LEAD);
    if (!st)
        return r->db->errcode;
    char note[128];
    snprintf(note, sizeof note, "客户关怀：%s问候", o->name);
    crmi_bind_text(st, 1, occ_key);
    sqlite3_bind_int64(st, 2, sqlite3_column_int64(c, COL_ID));
    sqlite3_bind_int64(st, 3, rm);
    sqlite3_bind_int64(st, 4, sqlite3_column_int64(c, COL_BRANCH_ID));
    sqlite3_bind_int64(st, 5, r->day + r->cfg->lead_due_days * 86400);
    crmi_bind_text(st, 6, note);
    sqlite3_bind_int64(st, 7, crm_db_now(r->db));
    int rc = crmi_exec_stmt(r->db, st, "add care task");
    if (!rc && sqlite3_changes(r->db->sql) > 0)
        r->n.tasks++;
    else if (!rc)
        r->n.already++;
    return rc;
}

static int greeted(crm_db *db, int64_t customer_id, const char *occ_key, bool *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_GREETED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    crmi_bind_text(st, 2, occ_key);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "find greeting");
}

/* The first configured channel the customer consents to and has not
 * opted out of (that channel or 'all', as targeting reads it), or NULL. */
static const char *channel_for(const crmi_ocfg *cfg, sqlite3_stmt *c)
{
    const char *optouts = (const char *)sqlite3_column_text(c, COL_OPTOUTS);
    for (int i = 0; i < cfg->n_care_channels; i++) {
        const char *ch = cfg->care_channels[i];
        int idx = crmi_channel_index(ch);
        bool opted_out = optouts && (strstr(optouts, ch) || strstr(optouts, "all"));
        if (sqlite3_column_int(c, COL_CONSENT + idx) && !opted_out)
            return ch;
    }
    return NULL;
}

static int send_greeting(care_run *r, sqlite3_stmt *c, const occasion *o, const char *occ_key)
{
    bool done = false;
    int64_t customer_id = sqlite3_column_int64(c, COL_ID);
    int rc = greeted(r->db, customer_id, occ_key, &done);
    const char *channel = rc || done ? NULL : channel_for(r->cfg, c);
    if (rc || done || !channel) {
        r->n.already += done;
        r->n.skipped_no_channel += !rc && !done;
        return rc;
    }
    crmi_render_ctx ctx = {.name = (const char *)sqlite3_column_text(c, COL_NAME),
                           .gender = (const char *)sqlite3_column_text(c, COL_GENDER),
                           .branch = (const char *)sqlite3_column_text(c, COL_BRANCH),
                           .occasion = o->name};
    char *body = NULL, key[256];
    const char *customer_no = (const char *)sqlite3_column_text(c, COL_NO);
    if ((rc = crmi_render(r->db, r->cfg, o->tmpl, channel, &ctx, &body)))
        return rc;
    snprintf(key, sizeof key, "care:%s:%s:%s:%s", o->code, r->date, customer_no, channel);
    crmi_outmsg m = {key,     0,
                     occ_key, customer_id,
                     channel, strcmp(channel, "email") == 0 ? o->name : NULL,
                     body,    r->not_before};
    bool inserted = false;
    rc = crmi_outbox_put(r->db, &m, &inserted);
    crm_free(body);
    r->n.messages += inserted;
    r->n.already += !rc && !inserted;
    return rc;
}

static int care_customer(care_run *r, sqlite3_stmt *c, const occasion *o)
{
    char occ_key[64];
    snprintf(occ_key, sizeof occ_key, "%s:%s", o->code, r->date);
    if (sqlite3_column_int(c, COL_BLOCKED)) {
        r->n.skipped_restricted++;
        return CRM_OK;
    }
    if (sqlite3_column_int64(c, COL_ASSETS) >= r->cfg->hnw_threshold) {
        int64_t rm = 0;
        int rc = rm_for(r->db, c, &rm);
        if (rc || rm)
            return rc ? rc : add_task(r, c, o, occ_key, rm);
    }
    return send_greeting(r, c, o, occ_key);
}

/* ------------------------------------------------------------ one occasion */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int care_occasion(care_run *r, const occasion *o, bool birthday)
{
    int y, m, d;
    crmi_date_digits(r->date, &y, &m, &d);
    char md[6], md2[6];
    snprintf(md, sizeof md, "%02d-%02d", m, d);
    /* 29 February birthdays are greeted on 28 February in common years */
    snprintf(md2, sizeof md2, "%s", m == 2 && d == 28 && !leap(y) ? "02-29" : md);
    sqlite3_stmt *st = crmi_prepare(r->db, SQL_CUSTOMERS);
    if (!st)
        return r->db->errcode;
    sqlite3_bind_int(st, 1, !birthday);
    crmi_bind_text(st, 2, md);
    crmi_bind_text(st, 3, md2);
    int step, rc = CRM_OK;
    while (!rc && (step = crmi_step(st)) == SQLITE_ROW)
        rc = care_customer(r, st, o);
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(r->db, step, "read customers for care");
    sqlite3_finalize(st);
    return rc;
}

static int care_all(care_run *r, char *occasions, size_t size)
{
    int y, m, d;
    crmi_date_digits(r->date, &y, &m, &d);
    occasion birthday = {"birthday", "生日", r->cfg->birthday_tmpl};
    int rc = care_occasion(r, &birthday, true);
    snprintf(occasions, size, "birthday");
    for (int i = 0; !rc && i < r->cfg->n_holidays; i++) {
        const crmi_holiday *h = &r->cfg->holidays[i];
        if (!holiday_on(h, r->date, m, d))
            continue;
        occasion o = {h->occasion, h->name, h->tmpl[0] ? h->tmpl : r->cfg->holiday_tmpl};
        rc = care_occasion(r, &o, false);
        size_t used = strlen(occasions);
        snprintf(occasions + used, size - used, ",%s", h->occasion);
    }
    char after[640];
    snprintf(after, sizeof after, "{\"occasions\":\"%.500s\",\"messages\":%lld,\"tasks\":%lld}",
             occasions, (long long)r->n.messages, (long long)r->n.tasks);
    crmi_audit_entry e = {
        .action = "care.run", .entity = "care", .entity_id = r->date, .after = after};
    return rc ? rc : crmi_audit_append(r->db, &e);
}

static int care_record(crm_db *db, const care_run *r, const char *occasions, crm_record **out)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = crmi_record_put_text(rec, "date", r->date);
    if (!rc)
        rc = crmi_record_put_text(rec, "occasions", occasions);
    const struct {
        const char *name;
        int64_t v;
    } f[] = {{"messages", r->n.messages},
             {"tasks", r->n.tasks},
             {"already", r->n.already},
             {"skipped_restricted", r->n.skipped_restricted},
             {"skipped_no_channel", r->n.skipped_no_channel}};
    for (size_t i = 0; !rc && i < sizeof f / sizeof f[0]; i++)
        rc = crmi_record_put_int(rec, f[i].name, f[i].v);
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, CRM_E_NOMEM, "care: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

CRM_EXTERN(int) crm_care_run(crm_record **out, crm_db *db, const char *date)
{
    if (!out || !db || !date)
        return crmi_error(db, CRM_E_INVALID_ARG, "care run: NULL argument");
    crmi_error_clear(db);
    care_run r = {.db = db};
    char occasions[512];
    int rc = crmi_access_require(db, CRMI_OP_CARE_RUN);
    if (!rc && (strlen(date) != 10 || crm_time_parse(&r.day, date) != CRM_OK))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field date: '%s' is not YYYY-MM-DD", date);
    if (!rc)
        rc = crmi_ocfg_load(db, &r.cfg);
    if (!rc)
        rc = crmi_quiet_next(db, crm_db_now(db), &r.not_before);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    snprintf(r.date, sizeof r.date, "%s", date);
    rc = crmi_txn_end(db, care_all(&r, occasions, sizeof occasions));
    return rc ? rc : care_record(db, &r, occasions, out);
}

/* --------------------------------------------------------------- calendar */

static const char SQL_CALENDAR[] =
    "SELECT json_extract(value, '$.occasion') AS occasion, json_extract(value, '$.name') AS name,"
    " json_extract(value, '$.date') AS date FROM json_each(?1) ORDER BY date, occasion";

static void calendar_json(const crmi_ocfg *cfg, int year, crmi_buf *b)
{
    char prefix[8], date[11];
    snprintf(prefix, sizeof prefix, "%04d-", year);
    crmi_buf_putc(b, '[');
    bool first = true;
    for (int i = 0; i < cfg->n_holidays; i++) {
        const crmi_holiday *h = &cfg->holidays[i];
        for (int k = 0; k < (h->fixed_month ? 1 : h->n_dates); k++) {
            if (h->fixed_month)
                snprintf(date, sizeof date, "%04d-%02d-%02d", year, h->fixed_month, h->fixed_day);
            else if (strncmp(h->dates[k], prefix, 5) == 0)
                snprintf(date, sizeof date, "%s", h->dates[k]);
            else
                continue;
            crmi_buf_puts(b, first ? "{\"occasion\":" : ",{\"occasion\":");
            crmi_buf_json_string(b, h->occasion);
            crmi_buf_puts(b, ",\"name\":");
            crmi_buf_json_string(b, h->name);
            crmi_buf_printf(b, ",\"date\":\"%s\"}", date);
            first = false;
        }
    }
    crmi_buf_putc(b, ']');
}

CRM_EXTERN(int) crm_care_calendar(crm_iter **out, crm_db *db, int year)
{
    if (!out || !db || year < 1900 || year > 9999)
        return crmi_error(db, CRM_E_INVALID_ARG, "care calendar: NULL argument or bad year");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (rc == CRM_E_PERMISSION && crmi_access_require(db, CRMI_OP_CARE_RUN) == CRM_OK) {
        crmi_error_clear(db);
        rc = CRM_OK;
    }
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (rc)
        return rc;
    crmi_buf b = {0};
    calendar_json(cfg, year, &b);
    if (b.failed) {
        crmi_buf_free(&b);
        return crmi_error(db, CRM_E_NOMEM, "care calendar: out of memory");
    }
    sqlite3_stmt *st = crmi_prepare(db, SQL_CALENDAR);
    if (st)
        crmi_bind_text_len(st, 1, b.data, (int)b.len);
    crmi_buf_free(&b);
    return st ? crmi_iter_new(out, db, st, NULL, NULL, NULL) : db->errcode;
}
