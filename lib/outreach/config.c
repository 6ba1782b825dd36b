/* The outreach configuration: one YAML document with the SMS rules, the
 * delivery retry schedule, event screening (link scanners, implausibly fast
 * clicks, opt-out replies), the expected pace, customer care and the holiday
 * calendar. A default is compiled in; a host may store its own
 * (crm_care_config_set) in crm_care_config, checked before it is kept. */
#include "campaign/campaign_int.h"
#include "outreach/outreach_int.h"
#include "rule/rule_int.h"

#include <stdio.h>
#include <string.h>

const char *const crmi_channel_names[3] = {"sms", "email", "phone"};

/* Lunar festivals move in the Gregorian calendar: they are listed per year
 * (from the official State Council holiday notices and the lunar tables). */
const char crmi_outreach_default_config[] =
    "sms:\n"
    "  optout_text: \"拒收请回复R\"\n"
    "  max_segments: 3\n"
    "  overflow: truncate\n"
    "delivery:\n"
    "  retry_base_seconds: 60\n"
    "  retry_cap_seconds: 3600\n"
    "  max_attempts: 8\n"
    "events:\n"
    "  click_min_seconds: 10\n"
    "  scanners: [barracuda, proofpoint, mimecast, safelinks, symantec, trendmicro, fireeye,\n"
    "             zscaler, forcepoint, headlesschrome, phantomjs, bot, crawler, spider,\n"
    "             scanner, preview, curl, wget, python-requests, go-http-client, java/]\n"
    "  unsubscribe_replies: [R, TD, T, N, 退订, 取消, STOP, UNSUBSCRIBE]\n"
    "pace:\n"
    "  expected_response_bps: 500\n"
    "  lag_bps: 3000\n"
    "care:\n"
    "  hnw_threshold_yuan: 6000000\n"
    "  channels: [sms, email]\n"
    "  lead_due_days: 3\n"
    "  birthday: \"{salutation}，今天是您的生日，{branch}全体员工祝您生日快乐，万事如意！\"\n"
    "  holiday: \"{salutation}，{occasion}将至，{branch}祝您节日快乐，阖家幸福！\"\n"
    "holidays:\n"
    "  - {occasion: new_year, name: 元旦, fixed: \"01-01\"}\n"
    "  - occasion: spring_festival\n"
    "    name: 春节\n"
    "    dates: [2025-01-29, 2026-02-17, 2027-02-06, 2028-01-26, 2029-02-13, 2030-02-03]\n"
    "  - occasion: lantern\n"
    "    name: 元宵节\n"
    "    dates: [2025-02-12, 2026-03-03, 2027-02-20, 2028-02-09, 2029-02-27, 2030-02-17]\n"
    "  - occasion: qingming\n"
    "    name: 清明节\n"
    "    dates: [2025-04-04, 2026-04-05, 2027-04-05, 2028-04-04, 2029-04-04, 2030-04-05]\n"
    "    template: \"{salutation}，清明时节，{branch}祝您出行平安、身体安康。\"\n"
    "  - occasion: dragon_boat\n"
    "    name: 端午节\n"
    "    dates: [2025-05-31, 2026-06-19, 2027-06-09, 2028-05-28, 2029-06-16, 2030-06-05]\n"
    "  - occasion: mid_autumn\n"
    "    name: 中秋节\n"
    "    dates: [2025-10-06, 2026-09-25, 2027-09-15, 2028-10-03, 2029-09-22, 2030-09-12]\n"
    "  - {occasion: national_day, name: 国庆节, fixed: \"10-01\"}\n";

/* ------------------------------------------------------------ tree access */

static const crmi_value *get(const crmi_value *obj, const char *key)
{
    if (!obj || obj->type != CRMI_OBJ)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < obj->u.o->n; i++) {
        const crmi_member *m = &obj->u.o->m[i];
        if (m->klen == n && memcmp(m->key, key, n) == 0)
            return &m->v;
    }
    return NULL;
}

static int bad(crm_db *db, const char *key, const char *why)
{
    return crmi_error(db, CRM_E_INVALID_DATA, "outreach config %s: %s", key, why);
}

/* A string (or a number's text) into buf; absent leaves buf as it is. */
static int text_at(crm_db *db, const crmi_value *obj, const char *key, char *buf, size_t size)
{
    const crmi_value *v = get(obj, key);
    if (!v)
        return CRM_OK;
    if (v->type == CRMI_NUM) {
        char num[32];
        crmi_num_format(num, v->u.n);
        snprintf(buf, size, "%s", num);
        return CRM_OK;
    }
    if (v->type != CRMI_STR || v->len >= size)
        return bad(db, key, "expected a text of bounded length");
    memcpy(buf, v->u.s, v->len);
    buf[v->len] = '\0';
    return crmi_utf8_valid(buf, v->len) ? CRM_OK : bad(db, key, "not valid UTF-8");
}

static int int_at(crm_db *db, const crmi_value *obj, const char *key, int64_t min, int64_t max,
                  int64_t *out)
{
    const crmi_value *v = get(obj, key);
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_NUM || v->u.n != (double)(int64_t)v->u.n || v->u.n < (double)min ||
        v->u.n > (double)max) {
        char why[96];
        snprintf(why, sizeof why, "expected a whole number from %lld to %lld", (long long)min,
                 (long long)max);
        return bad(db, key, why);
    }
    *out = (int64_t)v->u.n;
    return CRM_OK;
}

/* A list of short words (lower-cased when `lower`). */
static int words_at(crm_db *db, const crmi_value *obj, const char *key, char (*out)[24],
                    size_t width, int *n, bool lower)
{
    const crmi_value *v = get(obj, key);
    if (!v)
        return CRM_OK;
    if (v->type != CRMI_ARR || v->u.a->n > CRMI_OR_MAX_WORDS)
        return bad(db, key, "expected a list of at most 32 words");
    *n = 0;
    for (uint32_t i = 0; i < v->u.a->n; i++) {
        const crmi_value *w = &v->u.a->items[i];
        char *dst = (char *)out + (size_t)*n * width;
        if (w->type != CRMI_STR || w->len == 0 || w->len >= width)
            return bad(db, key, "expected non-empty short words");
        memcpy(dst, w->u.s, w->len);
        dst[w->len] = '\0';
        for (char *c = dst; lower && *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        (*n)++;
    }
    return CRM_OK;
}

/* --------------------------------------------------------------- sections */

static int parse_sms(crm_db *db, const crmi_value *s, crmi_ocfg *c)
{
    int64_t seg = c->sms_max_segments;
    char overflow[16] = "truncate";
    int rc = text_at(db, s, "optout_text", c->optout_text, sizeof c->optout_text);
    if (!rc)
        rc = int_at(db, s, "max_segments", 1, 10, &seg);
    if (!rc)
        rc = text_at(db, s, "overflow", overflow, sizeof overflow);
    if (!rc && strcmp(overflow, "truncate") != 0 && strcmp(overflow, "refuse") != 0)
        rc = bad(db, "sms.overflow", "expected truncate or refuse");
    c->sms_max_segments = (int)seg;
    c->sms_truncate = strcmp(overflow, "truncate") == 0;
    return rc;
}

static int parse_delivery(crm_db *db, const crmi_value *d, crmi_ocfg *c)
{
    int64_t attempts = c->max_attempts;
    int rc = int_at(db, d, "retry_base_seconds", 1, 86400, &c->retry_base);
    if (!rc)
        rc = int_at(db, d, "retry_cap_seconds", 1, 7 * 86400, &c->retry_cap);
    if (!rc)
        rc = int_at(db, d, "max_attempts", 1, 100, &attempts);
    if (!rc && c->retry_cap < c->retry_base)
        rc = bad(db, "delivery.retry_cap_seconds", "is below retry_base_seconds");
    c->max_attempts = (int)attempts;
    return rc;
}

static int parse_events(crm_db *db, const crmi_value *e, crmi_ocfg *c)
{
    int rc = int_at(db, e, "click_min_seconds", 0, 3600, &c->click_min_seconds);
    if (!rc)
        rc = words_at(db, e, "scanners", (char(*)[24])c->scanners, sizeof c->scanners[0],
                      &c->n_scanners, true);
    if (!rc)
        rc = words_at(db, e, "unsubscribe_replies", c->unsub_words, sizeof c->unsub_words[0],
                      &c->n_unsub_words, true);
    return rc;
}

static int parse_pace(crm_db *db, const crmi_value *p, crmi_ocfg *c)
{
    int rc = int_at(db, p, "expected_response_bps", 1, 10000, &c->pace_expected_bps);
    return rc ? rc : int_at(db, p, "lag_bps", 0, 10000, &c->pace_lag_bps);
}

static int parse_care(crm_db *db, const crmi_value *k, crmi_ocfg *c)
{
    int64_t yuan = c->hnw_threshold / 100;
    int rc = int_at(db, k, "hnw_threshold_yuan", 0, INT64_MAX / 100, &yuan);
    c->hnw_threshold = yuan * 100;
    if (!rc)
        rc = int_at(db, k, "lead_due_days", 1, 365, &c->lead_due_days);
    if (!rc)
        rc = text_at(db, k, "birthday", c->birthday_tmpl, sizeof c->birthday_tmpl);
    if (!rc)
        rc = text_at(db, k, "holiday", c->holiday_tmpl, sizeof c->holiday_tmpl);
    char words[CRMI_OR_MAX_WORDS][24];
    int n = -1;
    if (!rc)
        rc = words_at(db, k, "channels", words, sizeof words[0], &n, true);
    for (int i = 0; !rc && i < n; i++)
        if (crmi_channel_index(words[i]) < 0 || i >= 3)
            rc = bad(db, "care.channels", "expected up to three of sms, email, phone");
    if (!rc && n == 0)
        rc = bad(db, "care.channels", "expected at least one channel");
    for (int i = 0; !rc && n > 0 && i < n; i++)
        snprintf(c->care_channels[i], sizeof c->care_channels[i], "%.7s", words[i]);
    if (!rc && n > 0)
        c->n_care_channels = n;
    return rc;
}

static bool date_valid(const char *s)
{
    int y, m, d;
    int64_t t;
    return strlen(s) == 10 && crmi_date_digits(s, &y, &m, &d) && crm_time_parse(&t, s) == CRM_OK;
}

static int parse_holiday(crm_db *db, const crmi_value *h, crmi_holiday *out)
{
    char fixed[8] = "";
    int rc = text_at(db, h, "occasion", out->occasion, sizeof out->occasion);
    if (!rc && (!out->occasion[0] || crmi_validate_code(db, "holidays.occasion", out->occasion,
                                                        sizeof out->occasion - 1)))
        rc = bad(db, "holidays.occasion", "expected a code like mid_autumn");
    if (!rc)
        rc = text_at(db, h, "name", out->name, sizeof out->name);
    if (!rc && !out->name[0])
        rc = bad(db, "holidays.name", "required");
    if (!rc)
        rc = text_at(db, h, "template", out->tmpl, sizeof out->tmpl);
    if (!rc)
        rc = text_at(db, h, "fixed", fixed, sizeof fixed);
    if (!rc && fixed[0] &&
        (sscanf(fixed, "%2d-%2d", &out->fixed_month, &out->fixed_day) != 2 ||
         out->fixed_month < 1 || out->fixed_month > 12 || out->fixed_day < 1 ||
         out->fixed_day > 31))
        rc = bad(db, "holidays.fixed", "expected MM-DD");
    const crmi_value *dates = get(h, "dates");
    if (!rc && dates && (dates->type != CRMI_ARR || dates->u.a->n > CRMI_OR_MAX_DATES))
        rc = bad(db, "holidays.dates", "expected a list of at most 16 dates");
    for (uint32_t i = 0; !rc && dates && i < dates->u.a->n; i++) {
        const crmi_value *d = &dates->u.a->items[i];
        if (d->type != CRMI_STR || d->len != 10)
            return bad(db, "holidays.dates", "expected YYYY-MM-DD dates");
        memcpy(out->dates[i], d->u.s, 10);
        out->dates[i][10] = '\0';
        if (!date_valid(out->dates[i]))
            return bad(db, "holidays.dates", "expected YYYY-MM-DD dates");
        out->n_dates++;
    }
    if (!rc && !fixed[0] && out->n_dates == 0)
        rc = bad(db, "holidays", "each holiday needs fixed: MM-DD or dates");
    return rc;
}

static int parse_holidays(crm_db *db, const crmi_value *list, crmi_ocfg *c)
{
    if (!list)
        return CRM_OK;
    if (list->type != CRMI_ARR || list->u.a->n > CRMI_OR_MAX_HOLIDAYS)
        return bad(db, "holidays", "expected a list of at most 40 holidays");
    c->n_holidays = 0;
    for (uint32_t i = 0; i < list->u.a->n; i++) {
        crmi_holiday *h = &c->holidays[c->n_holidays];
        memset(h, 0, sizeof *h);
        int rc = parse_holiday(db, &list->u.a->items[i], h);
        if (rc)
            return rc;
        for (int j = 0; j < c->n_holidays; j++)
            if (strcmp(c->holidays[j].occasion, h->occasion) == 0)
                return bad(db, "holidays", "an occasion is listed twice");
        c->n_holidays++;
    }
    return CRM_OK;
}

static int parse_document(crm_db *db, const crmi_value *doc, crmi_ocfg *c)
{
    if (doc->type != CRMI_OBJ)
        return bad(db, "(document)", "expected a mapping");
    int rc = parse_sms(db, get(doc, "sms"), c);
    if (!rc)
        rc = parse_delivery(db, get(doc, "delivery"), c);
    if (!rc)
        rc = parse_events(db, get(doc, "events"), c);
    if (!rc)
        rc = parse_pace(db, get(doc, "pace"), c);
    if (!rc)
        rc = parse_care(db, get(doc, "care"), c);
    if (!rc)
        rc = parse_holidays(db, get(doc, "holidays"), c);
    return rc;
}

int crmi_ocfg_parse(crm_db *db, const char *text, size_t len, crmi_ocfg **out)
{
    static const crmi_load_limits limits = {32, 20000, 4096};
    crmi_ocfg *cfg = crmi_calloc(1, sizeof *cfg);
    if (!cfg)
        return crmi_error(db, CRM_E_NOMEM, "outreach config: out of memory");
    /* the default first: values a host leaves out keep their defaults */
    crmi_arena arena = {0};
    crmi_value doc;
    int rc = crmi_load(&doc, NULL, &arena, crmi_outreach_default_config,
                       sizeof crmi_outreach_default_config - 1, &limits, "outreach config");
    if (!rc)
        rc = parse_document(db, &doc, cfg);
    crmi_arena_reset(&arena);
    if (!rc && text != crmi_outreach_default_config &&
        (rc = crmi_load(&doc, NULL, &arena, text, len, &limits, "outreach config")))
        rc = crmi_error(db, rc, "%s", crm_last_errmsg());
    if (!rc && text != crmi_outreach_default_config)
        rc = parse_document(db, &doc, cfg);
    crmi_arena_free(&arena);
    if (rc) {
        crm_free(cfg);
        return rc;
    }
    *out = cfg;
    return CRM_OK;
}

/* ------------------------------------------------------- handle's cache */

static int parse_any(crm_db *db, const char *text, size_t len, void **out)
{
    return crmi_ocfg_parse(db, text, len, (crmi_ocfg **)out);
}

static const crmi_config_kind outreach = {
    .what = "outreach config",
    .sql = "SELECT body FROM crm_care_config WHERE name = 'outreach'",
    .fallback = crmi_outreach_default_config,
    .parse = parse_any,
    .free = crm_free,
};

int crmi_ocfg_load(crm_db *db, const crmi_ocfg **out)
{
    const void *cfg;
    int rc = crmi_config_load(db, &outreach, &cfg);
    *out = cfg;
    return rc;
}

/* ------------------------------------------------------- public: config */

static const char SQL_SET[] =
    "INSERT INTO crm_care_config (name, body, updated_at) VALUES ('outreach', ?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at";

static int store(crm_db *db, const char *text, size_t len)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SET);
    if (!st)
        return db->errcode;
    crmi_bind_text_len(st, 1, text, (int)len);
    sqlite3_bind_int64(st, 2, crm_db_now(db));
    int rc = crmi_exec_stmt(db, st, "store outreach config");
    char after[64];
    snprintf(after, sizeof after, "{\"bytes\":%zu}", len);
    crmi_audit_entry e = {.action = "care.config_set",
                          .entity = "care_config",
                          .entity_id = "outreach",
                          .after = after};
    return rc ? rc : crmi_audit_append(db, &e);
}

CRM_EXTERN(int) crm_care_config_set(crm_db *db, const char *text, size_t len)
{
    if (!db || !text)
        return crmi_error(db, CRM_E_INVALID_ARG, "outreach config: NULL argument");
    crmi_error_clear(db);
    crmi_ocfg *cfg = NULL;
    int rc = crmi_access_require(db, CRMI_OP_CARE_RUN);
    if (!rc && (len > (1u << 20) || !crmi_utf8_valid(text, len)))
        rc = crmi_error(db, CRM_E_INVALID_DATA,
                        "outreach config: text is not valid UTF-8 or longer than 1 MiB");
    if (!rc)
        rc = crmi_ocfg_parse(db, text, len, &cfg);
    crm_free(cfg);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, store(db, text, len));
}

static const char SQL_GET[] = "SELECT body FROM crm_care_config WHERE name = 'outreach'";

CRM_EXTERN(int) crm_care_config_get(char **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "outreach config: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    int step = crmi_step(st);
    const char *text = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                          : crmi_outreach_default_config;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read outreach config");
    else if (!(*out = crmi_strdup(text)))
        rc = crmi_error(db, CRM_E_NOMEM, "outreach config: out of memory");
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------- quiet hours */

int crmi_channel_index(const char *channel)
{
    for (int i = 0; channel && i < 3; i++)
        if (strcmp(channel, crmi_channel_names[i]) == 0)
            return i;
    return -1;
}

/* Quiet hours are local minutes of the day [start, end), wrapping past
 * midnight when start > end (the default 21:00-08:00 at UTC+8); the
 * contact policy (lib/campaign/target.c) holds the names and defaults. */
int crmi_quiet_next(crm_db *db, int64_t now, int64_t *out)
{
    int64_t start, end, offset;
    int rc = crmi_contact_policy(db, "quiet_start_min", &start);
    if (!rc)
        rc = crmi_contact_policy(db, "quiet_end_min", &end);
    if (!rc)
        rc = crmi_contact_policy(db, "utc_offset_min", &offset);
    if (rc)
        return rc;
    int64_t local = now + offset * 60;
    int64_t day = local - ((local % 86400) + 86400) % 86400;
    int64_t minute = (local - day) / 60;
    bool quiet = start == end  ? false
                 : start < end ? minute >= start && minute < end
                               : minute >= start || minute < end;
    if (!quiet) {
        *out = now;
        return CRM_OK;
    }
    int64_t end_local = day + end * 60;
    if (end_local <= local)
        end_local += 86400;
    *out = end_local - offset * 60;
    return CRM_OK;
}

const char *crmi_or_text(const crm_record *rec, const char *field)
{
    const char *v = NULL;
    return rec && crm_record_get_text(&v, rec, field) == CRM_OK ? v : NULL;
}
