/* Response events and opt-outs. Events are counted once by their key;
 * link scanners and implausibly fast clicks are flagged and kept out of
 * effectiveness; an opt-out is honoured only when it is the customer's own
 * action, and then takes effect at once. */
#include "outreach/outreach_int.h"
#include "rule/rule_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const event_kinds[] = {"delivered", "opened",    "clicked",
                                          "replied",   "converted", "unsubscribed"};

/* A validated event: texts borrow the caller's record or line. */
typedef struct event_in {
    char key[129], kind[16], idem[256], ua[256], via[16], text[64];
    int64_t at, amount;
    bool has_amount;
} event_in;

typedef struct ingest_counts {
    int64_t lines, recorded, duplicates, flagged, optouts;
} ingest_counts;

/* ---------------------------------------------------------------- opt-out */

static const char SQL_OPTOUT_PUT[] =
    "INSERT OR IGNORE INTO crm_optout (customer_id, channel, at, source) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_CONSENT[] =
    "SELECT CASE ?2 WHEN 'sms' THEN consent_sms WHEN 'email' THEN consent_email"
    " ELSE consent_phone END FROM crm_customer WHERE id = ?1";

static int consent_of(crm_db *db, int64_t customer_id, const char *channel, int *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_CONSENT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    crmi_bind_text(st, 2, channel);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "read consent");
}

/* Consent goes through the customer module's change path, so the customer's
 * version, segments and audit trail see it like any other update. */
static int withdraw_consent(crm_db *db, int64_t customer_id, const char *customer_no,
                            const char *channel, const char *source)
{
    static const crmi_field fields[3] = {CRMI_F_CONSENT_SMS, CRMI_F_CONSENT_EMAIL,
                                         CRMI_F_CONSENT_PHONE};
    char reason[160];
    snprintf(reason, sizeof reason, "opt-out from %s (%s)", channel, source);
    crmi_customer c = {0};
    c.set = (uint64_t)1 << fields[crmi_channel_index(channel)];
    c.reason = reason;
    return crmi_customer_change(db, customer_id, customer_no, &c, -1);
}

int crmi_optout_apply(crm_db *db, int64_t customer_id, const char *customer_no, const char *channel,
                      const char *source)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_OPTOUT_PUT);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    crmi_bind_text(st, 2, channel);
    sqlite3_bind_int64(st, 3, crm_db_now(db));
    crmi_bind_text(st, 4, source);
    int rc = crmi_exec_stmt(db, st, "record opt-out");
    bool added = !rc && sqlite3_changes(db->sql) > 0;
    bool every = strcmp(channel, "all") == 0; /* one row for every channel, as targeting reads */
    for (int i = 0; !rc && i < 3; i++) {
        const char *ch = crmi_channel_names[i];
        int consent = 0;
        if (!every && strcmp(channel, ch) != 0)
            continue;
        rc = consent_of(db, customer_id, ch, &consent);
        if (!rc && consent)
            rc = withdraw_consent(db, customer_id, customer_no, ch, source);
    }
    if (rc || !added)
        return rc;
    char after[200];
    snprintf(after, sizeof after, "{\"channel\":\"%s\",\"source\":\"%.120s\"}", channel, source);
    crmi_audit_entry e = {.action = "outreach.optout",
                          .entity = "customer",
                          .entity_id = customer_no,
                          .after = after};
    return crmi_audit_append(db, &e);
}

/* ------------------------------------------------------------- screening */

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool unsubscribe_word(const crmi_ocfg *cfg, const char *text)
{
    char word[64];
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    if (!n || n >= sizeof word)
        return false;
    for (size_t i = 0; i < n; i++)
        word[i] = (char)tolower((unsigned char)text[i]);
    word[n] = '\0';
    for (int i = 0; i < cfg->n_unsub_words; i++)
        if (strcmp(word, cfg->unsub_words[i]) == 0)
            return true;
    return false;
}

/* The message an event answers. */
typedef struct event_target {
    int64_t outbox_id, customer_id, campaign_id, delivered_at;
    char channel[8], customer_no[64];
} event_target;

static const char SQL_MESSAGE[] =
    "SELECT o.id, o.customer_id, o.campaign_id, o.channel, c.customer_no,"
    " coalesce((SELECT min(e.at) FROM crm_event e WHERE e.outbox_id = o.id"
    "  AND e.kind = 'delivered'), o.sent_at)"
    " FROM crm_outbox o JOIN crm_customer c ON c.id = o.customer_id WHERE o.idem_key = ?1";

static int find_message(crm_db *db, const char *idem, event_target *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MESSAGE);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, idem);
    int step = crmi_step(st), rc = CRM_OK;
    if (step == SQLITE_ROW) {
        t->outbox_id = sqlite3_column_int64(st, 0);
        t->customer_id = sqlite3_column_int64(st, 1);
        t->campaign_id = sqlite3_column_int64(st, 2);
        snprintf(t->channel, sizeof t->channel, "%s", sqlite3_column_text(st, 3));
        snprintf(t->customer_no, sizeof t->customer_no, "%s", sqlite3_column_text(st, 4));
        t->delivered_at = sqlite3_column_int64(st, 5);
    } else
        rc = step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "field idem_key: no message %s", idem)
                 : crmi_sqlite_error(db, step, "find message");
    sqlite3_reset(st);
    return rc;
}

/* Why an event is kept out of the figures, or "" when it counts; sets
 * *optout when it is an opt-out by the customer's own action. */
static void screen(const crmi_ocfg *cfg, const event_in *ev, const event_target *t, char *why,
                   size_t size, bool *optout)
{
    bool link = strcmp(ev->kind, "opened") == 0 || strcmp(ev->kind, "clicked") == 0 ||
                (strcmp(ev->kind, "unsubscribed") == 0 && strcmp(ev->via, "click") == 0);
    bool click = strcmp(ev->kind, "clicked") == 0 || (link && strcmp(ev->kind, "opened") != 0);
    why[0] = '\0';
    *optout = false;
    for (int i = 0; link && ev->ua[0] && i < cfg->n_scanners && !why[0]; i++)
        if (contains_ci(ev->ua, cfg->scanners[i]))
            snprintf(why, size, "link scanner user agent (%s)", cfg->scanners[i]);
    if (!why[0] && click && t->delivered_at && ev->at - t->delivered_at < cfg->click_min_seconds)
        snprintf(why, size, "click %llds after delivery, under %llds",
                 (long long)(ev->at - t->delivered_at), (long long)cfg->click_min_seconds);
    bool reply_word = unsubscribe_word(cfg, ev->text);
    if (strcmp(ev->kind, "replied") == 0)
        *optout = reply_word;
    else if (strcmp(ev->kind, "unsubscribed") == 0) {
        bool by_reply = strcmp(ev->via, "reply") == 0 && reply_word;
        bool by_click = strcmp(ev->via, "click") == 0 && !why[0];
        *optout = by_reply || by_click;
        if (!*optout && !why[0])
            snprintf(why, size, "not the customer's action");
    }
}

/* ---------------------------------------------------------------- record */

static const char SQL_SEEN[] = "SELECT 1 FROM crm_event WHERE event_key = ?1";
static const char SQL_EVENT_PUT[] =
    "INSERT INTO crm_event (event_key, outbox_id, campaign_id, customer_id, channel, kind,"
    " amount, at, source, flagged, flag_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11)";
static const char SQL_RESPONDED[] =
    "UPDATE crm_campaign_target SET status = 'responded' WHERE campaign_id = ?1"
    " AND customer_id = ?2 AND (status = 'pending' OR status = 'queued' OR status = 'contacted')";
static const char SQL_CONVERTED[] =
    "UPDATE crm_campaign_target SET status = 'converted', converted_at = ?3,"
    " conversion_amount = coalesce(conversion_amount, 0) + ?4"
    " WHERE campaign_id = ?1 AND customer_id = ?2";

static int seen(crm_db *db, const char *key, bool *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SEEN);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, key);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "find event");
}

static int put_event(crm_db *db, const event_in *ev, const event_target *t, const char *why)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_EVENT_PUT);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, ev->key);
    sqlite3_bind_int64(st, 2, t->outbox_id);
    if (t->campaign_id)
        sqlite3_bind_int64(st, 3, t->campaign_id);
    sqlite3_bind_int64(st, 4, t->customer_id);
    crmi_bind_text(st, 5, t->channel);
    crmi_bind_text(st, 6, ev->kind);
    if (ev->has_amount)
        sqlite3_bind_int64(st, 7, ev->amount);
    sqlite3_bind_int64(st, 8, ev->at);
    crmi_bind_text(st, 9, ev->via[0] ? ev->via : ev->ua[0] ? ev->ua : NULL);
    sqlite3_bind_int(st, 10, why[0] != 0);
    crmi_bind_text(st, 11, why[0] ? why : NULL);
    return crmi_exec_stmt(db, st, "record event");
}

static int advance_target(crm_db *db, const event_in *ev, const event_target *t)
{
    bool converted = strcmp(ev->kind, "converted") == 0;
    bool responded = strcmp(ev->kind, "replied") == 0 || strcmp(ev->kind, "clicked") == 0;
    if (!t->campaign_id || (!converted && !responded))
        return CRM_OK;
    sqlite3_stmt *st = crmi_stmt(db, converted ? SQL_CONVERTED : SQL_RESPONDED);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, t->campaign_id);
    sqlite3_bind_int64(st, 2, t->customer_id);
    if (converted) {
        sqlite3_bind_int64(st, 3, ev->at);
        sqlite3_bind_int64(st, 4, ev->has_amount ? ev->amount : 0);
    }
    return crmi_exec_stmt(db, st, "advance target");
}

static int ingest_one(crm_db *db, const crmi_ocfg *cfg, const event_in *ev, int *outcome,
                      bool *optout)
{
    bool dup = false;
    event_target t = {0};
    char why[128];
    int rc = seen(db, ev->key, &dup);
    *optout = false;
    if (rc || dup) {
        *outcome = CRM_EVENT_DUPLICATE;
        return rc;
    }
    if ((rc = find_message(db, ev->idem, &t)))
        return rc;
    screen(cfg, ev, &t, why, sizeof why, optout);
    rc = put_event(db, ev, &t, why);
    if (!rc && !why[0])
        rc = advance_target(db, ev, &t);
    if (!rc && *optout)
        rc = crmi_optout_apply(db, t.customer_id, t.customer_no, t.channel,
                               strcmp(ev->kind, "replied") == 0 || strcmp(ev->via, "reply") == 0
                                   ? "reply"
                                   : "unsubscribe link");
    *outcome = why[0] ? CRM_EVENT_FLAGGED : CRM_EVENT_RECORDED;
    return rc;
}

static void count(ingest_counts *c, int outcome, bool optout)
{
    c->recorded += outcome != CRM_EVENT_DUPLICATE;
    c->duplicates += outcome == CRM_EVENT_DUPLICATE;
    c->flagged += outcome == CRM_EVENT_FLAGGED;
    c->optouts += optout;
}

/* -------------------------------------------------------------- validate */

static int copy_field(crm_db *db, char *dst, size_t size, const char *name, const char *v,
                      bool required)
{
    if (!v || !*v) {
        dst[0] = '\0';
        return required ? crmi_error(db, CRM_E_INVALID_DATA, "field %s: required", name) : CRM_OK;
    }
    if (strlen(v) >= size || !crmi_utf8_valid(v, strlen(v)))
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: too long or not UTF-8", name);
    memcpy(dst, v, strlen(v) + 1);
    return CRM_OK;
}

/* Fills *ev from named texts; `at` text (NULL: now) and the amount. */
static int event_fill(crm_db *db, event_in *ev, const char *const texts[6], const char *at)
{
    static const char *const names[6] = {"event_key",  "kind", "idem_key",
                                         "user_agent", "via",  "text"};
    char *dst[6] = {ev->key, ev->kind, ev->idem, ev->ua, ev->via, ev->text};
    size_t sizes[6] = {sizeof ev->key, sizeof ev->kind, sizeof ev->idem,
                       sizeof ev->ua,  sizeof ev->via,  sizeof ev->text};
    int rc = CRM_OK;
    for (int i = 0; !rc && i < 6; i++)
        rc = copy_field(db, dst[i], sizes[i], names[i], texts[i], i < 3);
    bool known = false;
    for (size_t i = 0; !rc && i < sizeof event_kinds / sizeof event_kinds[0]; i++)
        known = known || strcmp(ev->kind, event_kinds[i]) == 0;
    if (!rc && !known)
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "field kind: '%s' is not delivered, opened, clicked, replied, converted"
                        " or unsubscribed",
                        ev->kind);
    ev->at = crm_db_now(db);
    if (!rc && at && crm_time_parse(&ev->at, at) != CRM_OK)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field at: '%s' is not an ISO-8601 time", at);
    if (!rc && ev->has_amount && ev->amount < 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field amount: negative");
    if (!rc && strcmp(ev->kind, "converted") == 0 && !ev->has_amount)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field amount: required for a conversion (fen)");
    return rc;
}

static int event_from_record(crm_db *db, const crm_record *r, event_in *ev)
{
    static const char *const known[] = {"event_key", "kind",       "idem_key", "at",
                                        "amount",    "user_agent", "via",      "text"};
    int rc = crmi_record_check_fields(db, r, known, sizeof known / sizeof known[0], "event");
    if (rc)
        return rc;
    memset(ev, 0, sizeof *ev);
    if (crm_record_type(r, "amount") != CRM_TYPE_NULL) {
        if (crm_record_get_int(&ev->amount, r, "amount") != CRM_OK)
            return crmi_error(db, CRM_E_INVALID_DATA, "field amount: expected money in fen");
        ev->has_amount = true;
    }
    const char *texts[6] = {crmi_or_text(r, "event_key"), crmi_or_text(r, "kind"),
                            crmi_or_text(r, "idem_key"),  crmi_or_text(r, "user_agent"),
                            crmi_or_text(r, "via"),       crmi_or_text(r, "text")};
    return event_fill(db, ev, texts, crmi_or_text(r, "at"));
}

/* --------------------------------------------------------------- public */

CRM_EXTERN(int)
crm_event_ingest(int *out_outcome, int *out_optout, crm_db *db, const crm_record *event)
{
    if (!db || !event)
        return crmi_error(db, CRM_E_INVALID_ARG, "event ingest: NULL argument");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    event_in ev;
    int outcome = CRM_EVENT_DUPLICATE;
    bool optout = false;
    int rc = crmi_access_require(db, CRMI_OP_EVENT_INGEST);
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (!rc)
        rc = event_from_record(db, event, &ev);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = ingest_one(db, cfg, &ev, &outcome, &optout);
    char after[96];
    snprintf(after, sizeof after, "{\"kind\":\"%s\",\"outcome\":%d,\"optout\":%d}", ev.kind,
             outcome, optout);
    crmi_audit_entry e = {
        .action = "outreach.event", .entity = "event", .entity_id = ev.key, .after = after};
    if (!rc && outcome != CRM_EVENT_DUPLICATE)
        rc = crmi_audit_append(db, &e);
    rc = crmi_txn_end(db, rc);
    if (!rc && out_outcome)
        *out_outcome = outcome;
    if (!rc && out_optout)
        *out_optout = optout;
    return rc;
}

/* ---------------------------------------------------------------- JSONL */

static const crmi_value *member(const crmi_value *obj, const char *key)
{
    size_t n = strlen(key);
    for (uint32_t i = 0; i < obj->u.o->n; i++)
        if (obj->u.o->m[i].klen == n && memcmp(obj->u.o->m[i].key, key, n) == 0)
            return &obj->u.o->m[i].v;
    return NULL;
}

/* A string member as NUL-terminated text copied into the arena. */
static const char *member_text(crmi_arena *a, const crmi_value *obj, const char *key)
{
    const crmi_value *v = member(obj, key);
    return v && v->type == CRMI_STR ? crmi_arena_strndup(a, v->u.s, v->len) : NULL;
}

static int event_from_line(crm_db *db, crmi_arena *a, const char *line, size_t len, event_in *ev)
{
    static const crmi_load_limits limits = {4, 64, 1024};
    crmi_value obj;
    int rc = crmi_load(&obj, NULL, a, line, len, &limits, "event");
    if (rc)
        return crmi_error(db, CRM_E_INVALID_DATA, "%s", crm_last_errmsg());
    if (obj.type != CRMI_OBJ)
        return crmi_error(db, CRM_E_INVALID_DATA, "expected a JSON object");
    memset(ev, 0, sizeof *ev);
    const crmi_value *amount = member(&obj, "amount");
    if (amount && amount->type != CRMI_NULL) {
        if (amount->type != CRMI_NUM || amount->u.n != (double)(int64_t)amount->u.n)
            return crmi_error(db, CRM_E_INVALID_DATA, "field amount: expected whole fen");
        ev->amount = (int64_t)amount->u.n;
        ev->has_amount = true;
    }
    const char *texts[6] = {member_text(a, &obj, "event_key"), member_text(a, &obj, "kind"),
                            member_text(a, &obj, "idem_key"),  member_text(a, &obj, "user_agent"),
                            member_text(a, &obj, "via"),       member_text(a, &obj, "text")};
    return event_fill(db, ev, texts, member_text(a, &obj, "at"));
}

static int ingest_lines(crm_db *db, const crmi_ocfg *cfg, const char *text, size_t len,
                        ingest_counts *c)
{
    crmi_arena arena = {0};
    int rc = CRM_OK;
    int64_t lineno = 0;
    for (size_t pos = 0; !rc && pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        lineno++;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        event_in ev;
        int outcome;
        bool optout;
        rc = event_from_line(db, &arena, line, n, &ev);
        if (!rc)
            rc = ingest_one(db, cfg, &ev, &outcome, &optout);
        if (rc) {
            char why[400];
            snprintf(why, sizeof why, "%s", crm_db_errmsg(db));
            rc = crmi_error(db, rc, "events line %lld: %s", (long long)lineno, why);
        } else {
            c->lines++;
            count(c, outcome, optout);
        }
        crmi_arena_reset(&arena);
    }
    crmi_arena_free(&arena);
    return rc;
}

static int counts_record(crm_db *db, const ingest_counts *c, crm_record **out)
{
    const struct {
        const char *name;
        int64_t v;
    } f[] = {{"lines", c->lines},
             {"recorded", c->recorded},
             {"duplicates", c->duplicates},
             {"flagged", c->flagged},
             {"optouts", c->optouts}};
    crm_record *r = NULL;
    int rc = crm_record_new(&r);
    for (size_t i = 0; !rc && i < sizeof f / sizeof f[0]; i++)
        rc = crmi_record_put_int(r, f[i].name, f[i].v);
    if (rc) {
        crm_record_free(r);
        return crmi_error(db, CRM_E_NOMEM, "events: out of memory");
    }
    *out = r;
    return CRM_OK;
}

CRM_EXTERN(int) crm_event_ingest_jsonl(crm_record **out, crm_db *db, const char *text, size_t len)
{
    if (!out || !db || !text)
        return crmi_error(db, CRM_E_INVALID_ARG, "event ingest: NULL argument");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    ingest_counts c = {0};
    int rc = crmi_access_require(db, CRMI_OP_EVENT_INGEST);
    if (!rc && !crmi_utf8_valid(text, len))
        rc = crmi_error(db, CRM_E_INVALID_DATA, "events: text is not valid UTF-8");
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = ingest_lines(db, cfg, text, len, &c);
    char after[160];
    snprintf(after, sizeof after,
             "{\"lines\":%lld,\"recorded\":%lld,\"duplicates\":%lld,"
             "\"optouts\":%lld}",
             (long long)c.lines, (long long)c.recorded, (long long)c.duplicates,
             (long long)c.optouts);
    crmi_audit_entry e = {
        .action = "outreach.events", .entity = "event", .entity_id = "jsonl", .after = after};
    if (!rc)
        rc = crmi_audit_append(db, &e);
    rc = crmi_txn_end(db, rc);
    return rc ? rc : counts_record(db, &c, out);
}

/* ---------------------------------------------------------- opt-out API */

CRM_EXTERN(int)
crm_optout_add(crm_db *db, const char *customer_no, const char *channel, const char *source)
{
    if (!db || !customer_no || !source || !*source)
        return crmi_error(db, CRM_E_INVALID_ARG, "optout: NULL argument");
    crmi_error_clear(db);
    int64_t id = 0;
    int rc = crmi_access_require(db, CRMI_OP_EVENT_INGEST);
    if (!rc && channel && crmi_channel_index(channel) < 0)
        rc = crmi_error(db, CRM_E_INVALID_ARG, "field channel: '%s' is not sms, email or phone",
                        channel);
    if (!rc && (strlen(source) > 100 || !crmi_utf8_valid(source, strlen(source))))
        rc = crmi_error(db, CRM_E_INVALID_ARG, "field source: longer than 100 bytes or not UTF-8");
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = crmi_optout_apply(db, id, customer_no, channel ? channel : "all", source);
    return crmi_txn_end(db, rc);
}

static const char SQL_OPTOUTS[] =
    "SELECT c.customer_no, x.channel, strftime('%Y-%m-%dT%H:%M:%SZ', x.at, 'unixepoch') AS at,"
    " x.source FROM crm_optout x JOIN crm_customer c ON c.id = x.customer_id"
    " JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE (:cno IS NULL OR c.customer_no = :cno) AND" CRMI_CUSTOMER_SCOPE
    " ORDER BY x.at DESC, c.customer_no, x.channel";

CRM_EXTERN(int) crm_optout_list(crm_iter **out, crm_db *db, const char *customer_no)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "optout list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (rc == CRM_E_PERMISSION && crmi_access_require(db, CRMI_OP_EVENT_INGEST) == CRM_OK) {
        crmi_error_clear(db);
        rc = CRM_OK;
    }
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_OPTOUTS);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":cno"), customer_no);
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}
