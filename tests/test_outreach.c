/* Outreach: rendering (masked salutation, SMS opt-out text and length),
 * customer care (birthdays, holidays, HNW tasks, consent, idempotence), the
 * durable outbox (transient failures, backoff, exactly-once recording across
 * a restart, quiet hours, cancellation at send time), events (duplicates,
 * scanner and fast clicks, opt-outs only by the customer's action,
 * conversions), pace alerts and effectiveness.
 *
 * Campaign-bound tests run a campaign through the campaign API: created by
 * one marketer, approved by another, targeted, scheduled and running. */
#include "testutil.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY 86400
#define T_NOON 1795608000    /* 2026-11-25T12:00:00Z = 20:00 at UTC+8 */
#define T_MORNING 1795572000 /* 2026-11-25T02:00:00Z = 10:00 at UTC+8 */
#define YUAN 100

static int64_t int_of(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    return crm_record_get_text(&v, r, field) == CRM_OK ? v : "";
}

typedef struct cust {
    const char *no, *name, *gender, *birth, *manager;
    int sms, email;
    int64_t assets_yuan;
} cust;

static void add_customer(crm_db *db, const cust *c)
{
    crm_record *r;
    ck_assert_ok(crm_record_new(&r));
    ck_assert_ok(crm_record_set_text(r, "customer_no", c->no));
    ck_assert_ok(crm_record_set_text(r, "name", c->name));
    ck_assert_ok(crm_record_set_text(r, "id_type", "passport"));
    if (c->gender)
        ck_assert_ok(crm_record_set_text(r, "gender", c->gender));
    ck_assert_ok(crm_record_set_date(r, "birth_date", c->birth));
    ck_assert_ok(crm_record_set_text(r, "branch", "HO"));
    ck_assert_ok(crm_record_set_text(r, "province", "北京市"));
    if (c->manager)
        ck_assert_ok(crm_record_set_text(r, "manager", c->manager));
    ck_assert_ok(crm_record_set_int(r, "consent_sms", c->sms));
    ck_assert_ok(crm_record_set_int(r, "consent_email", c->email));
    ck_assert_ok(crm_record_set_money(r, "total_assets", c->assets_yuan * YUAN));
    int rc = crm_customer_create(db, r);
    crm_record_free(r);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", c->no, crm_db_errmsg(db));
}

static crm_db *bank(const char *path)
{
    test_clock_set(T_MORNING);
    crm_db *db = test_open_admin(path);
    test_add_user(db, "rm1", "relationship_manager", "HO");
    test_add_user(db, "mk", "marketer", "HO");
    test_add_user(db, "mk2", "marketer", "HO");
    static const cust people[] = {
        {"C001", "王小明", "M", "1980-11-25", NULL, 1, 1, 1000},
        {"C002", "李芳", "F", "1990-11-25", NULL, 0, 1, 1000},
        {"C003", "欧阳娜娜", "F", "1985-11-25", "rm1", 1, 1, 8000000},
        {"C004", "张伟", "M", "1975-11-25", NULL, 0, 0, 1000},
        {"C005", "赵敏", "F", "1995-03-01", NULL, 1, 1, 1000},
    };
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
        add_customer(db, &people[i]);
    return db;
}

/* ------------------------------------------------------------ rendering */

START_TEST(render_salutation_and_sms)
{
    crm_db *db = bank(":memory:");
    char *out = NULL;
    ck_assert_ok(
        crm_message_render(&out, db, "{salutation}您好，{product}热销中", "sms", "C001", NULL));
    ck_assert_str_eq(out, "王先生您好，热销中拒收请回复R");
    ck_assert_ptr_null(strstr(out, "王小明"));
    crm_free(out);
    ck_assert_ok(crm_message_render(&out, db, "{salutation}：{{x}}", "email", "C003", NULL));
    ck_assert_str_eq(out, "欧阳女士：{x}"); /* no opt-out text on email */
    crm_free(out);
    ck_assert_int_eq(crm_message_render(&out, db, "{nope}", "sms", "C001", NULL),
                     CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "{nope}"));

    /* 70 characters: one segment; 71: two of 67; 202: four */
    char text[1024] = "";
    for (int i = 0; i < 70; i++)
        strcat(text, "字");
    ck_assert_int_eq(crm_message_segments(text), 1);
    strcat(text, "字");
    ck_assert_int_eq(crm_message_segments(text), 2);
    ck_assert_int_eq(crm_message_segments(""), 0);

    /* too long: truncated to 3 x 67 characters, opt-out text kept */
    char tmpl[2048] = "";
    for (int i = 0; i < 250; i++)
        strcat(tmpl, "长");
    ck_assert_ok(crm_message_render(&out, db, tmpl, "sms", "C001", NULL));
    ck_assert_int_eq(crm_message_segments(out), 3);
    ck_assert_ptr_nonnull(strstr(out, "…拒收请回复R"));
    crm_free(out);
    static const char refuse[] = "sms: {max_segments: 2, overflow: refuse}\n";
    ck_assert_ok(crm_care_config_set(db, refuse, sizeof refuse - 1));
    ck_assert_int_eq(crm_message_render(&out, db, tmpl, "sms", "C001", NULL), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "segments"));
    static const char broken[] = "sms: {overflow: maybe}\n";
    ck_assert_int_eq(crm_care_config_set(db, broken, sizeof broken - 1), CRM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "sms.overflow"));
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------------------------- care */

static int64_t count_rows(crm_iter *it)
{
    const crm_record *r;
    int64_t n = 0;
    while (crm_iter_next(&r, it) == CRM_OK)
        n++;
    crm_iter_free(it);
    return n;
}

static int64_t messages_where(crm_db *db, const char *field, const char *value)
{
    crm_record *f;
    crm_iter *it;
    ck_assert_ok(crm_record_new(&f));
    if (field)
        ck_assert_ok(crm_record_set_text(f, field, value));
    ck_assert_ok(crm_message_list(&it, db, f));
    crm_record_free(f);
    return count_rows(it);
}

START_TEST(care_birthdays_once_through_consenting_channel)
{
    crm_db *db = bank(":memory:");
    ck_assert_ok(crm_optout_add(db, "C001", "sms", "branch"));
    crm_record *s = NULL;
    ck_assert_ok(crm_care_run(&s, db, "2026-11-25"));
    ck_assert_str_eq(text_of(s, "occasions"), "birthday");
    /* C001 opted out of sms: email; C002 email; C003 HNW: an RM task; C004
     * consents to nothing */
    ck_assert_int_eq(int_of(s, "messages"), 2);
    ck_assert_int_eq(int_of(s, "tasks"), 1);
    ck_assert_int_eq(int_of(s, "skipped_no_channel"), 1);
    crm_record_free(s);
    ck_assert_int_eq(messages_where(db, "channel", "email"), 2);
    crm_iter *it;
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "customer_no", "C002"));
    ck_assert_ok(crm_message_list(&it, db, f));
    const crm_record *m;
    ck_assert_ok(crm_iter_next(&m, it));
    ck_assert_str_eq(text_of(m, "idem_key"), "care:birthday:2026-11-25:C002:email");
    ck_assert_ptr_nonnull(strstr(text_of(m, "body"), "李女士"));
    ck_assert_str_eq(text_of(m, "state"), "queued");
    crm_iter_free(it);
    crm_record_free(f);

    ck_assert_ok(crm_care_run(&s, db, "2026-11-25"));
    ck_assert_int_eq(int_of(s, "messages"), 0);
    ck_assert_int_eq(int_of(s, "tasks"), 0);
    ck_assert_int_eq(int_of(s, "already"), 3);
    crm_record_free(s);

    /* a holiday greets everyone; a customer pending deletion is skipped */
    ck_assert_ok(crm_customer_delete_request(db, "C005", "客户申请销户"));
    ck_assert_ok(crm_care_run(&s, db, "2026-09-25"));
    ck_assert_str_eq(text_of(s, "occasions"), "birthday,mid_autumn");
    ck_assert_int_eq(int_of(s, "messages"), 2); /* C001 email, C002 */
    ck_assert_int_eq(int_of(s, "tasks"), 1);
    ck_assert_int_eq(int_of(s, "skipped_restricted"), 1);
    crm_record_free(s);
    ck_assert_int_eq(crm_care_run(&s, db, "2026-13-01"), CRM_E_INVALID_DATA);

    ck_assert_ok(crm_care_calendar(&it, db, 2027));
    bool spring = false;
    while (crm_iter_next(&m, it) == CRM_OK)
        spring = spring || (strcmp(text_of(m, "occasion"), "spring_festival") == 0 &&
                            strcmp(text_of(m, "date"), "2027-02-06") == 0);
    crm_iter_free(it);
    ck_assert(spring);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------- delivery */

#define MAX_KEYS 4096

typedef struct flaky {
    bool down;
    int permanent_for; /* index into keys of a message to refuse, -1 none */
    int calls;
    int n;
    char keys[MAX_KEYS][80];
    int delivered[MAX_KEYS];
} flaky;

static int key_index(flaky *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0)
            return i;
    snprintf(f->keys[f->n], sizeof f->keys[0], "%s", key);
    return f->n++;
}

static int flaky_send(const crm_record *msg, void *payload)
{
    flaky *f = payload;
    f->calls++;
    if (f->down)
        return CRM_CHANNEL_RETRY;
    const char *key = text_of(msg, "idem_key");
    if (f->permanent_for >= 0 && strstr(key, "C005"))
        return CRM_CHANNEL_FAIL;
    f->delivered[key_index(f, key)]++;
    return CRM_CHANNEL_OK;
}

static void add_many(crm_db *db, int n)
{
    for (int i = 0; i < n; i++) {
        char no[16];
        snprintf(no, sizeof no, "M%04d", i);
        cust c = {no, "陈静", "F", "1970-01-01", NULL, 1, 1, 100};
        add_customer(db, &c);
    }
}

static crm_record *drain(crm_db *db, int64_t max)
{
    crm_record *s = NULL;
    int rc = crm_message_send(&s, db, NULL, max);
    ck_assert_msg(rc == CRM_OK, "send: %s", crm_db_errmsg(db));
    return s;
}

START_TEST(transient_failures_then_exactly_once_across_restart)
{
    char *path = test_temp_path("outreach");
    crm_db *db = bank(path);
    add_many(db, 200);
    crm_record *s = NULL;
    ck_assert_ok(crm_care_run(&s, db, "2026-10-01")); /* National Day: everyone */
    int64_t total = int_of(s, "messages");
    ck_assert_int_eq(total, 203);
    crm_record_free(s);

    static flaky f;
    memset(&f, 0, sizeof f);
    f.permanent_for = -1;
    f.down = true;
    ck_assert_ok(crm_channel_register(db, "sms", flaky_send, &f));
    ck_assert_ok(crm_channel_register(db, "email", flaky_send, &f));
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "sent"), 0);
    ck_assert_int_eq(int_of(s, "retried"), total);
    ck_assert_int_eq(int_of(s, "remaining"), total);
    crm_record_free(s);
    ck_assert_int_eq(messages_where(db, "state", "queued"), total);
    /* the backoff holds them: nothing is due a second later */
    test_clock_set(T_MORNING + 1);
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "retried"), 0);
    crm_record_free(s);

    /* recovery: a first drain stops half-way, the process goes away */
    f.down = false;
    test_clock_set(T_MORNING + 120);
    s = drain(db, 100);
    ck_assert_int_eq(int_of(s, "sent"), 100);
    crm_record_free(s);
    crm_db_close(db);

    db = test_open(path);
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    ck_assert_ok(crm_channel_register(db, "sms", flaky_send, &f));
    ck_assert_ok(crm_channel_register(db, "email", flaky_send, &f));
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "sent"), total - 100);
    ck_assert_int_eq(int_of(s, "remaining"), 0);
    crm_record_free(s);
    ck_assert_int_eq(f.n, total);
    for (int i = 0; i < f.n; i++)
        ck_assert_msg(f.delivered[i] == 1, "%s delivered %d times", f.keys[i], f.delivered[i]);
    ck_assert_int_eq(messages_where(db, "state", "sent"), total);
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "sent"), 0);
    crm_record_free(s);
    crm_db_close(db);
    test_remove_db(path);
    free(path);
}
END_TEST

START_TEST(permanent_failure_retry_and_give_up)
{
    crm_db *db = bank(":memory:");
    static const char cfg[] = "delivery: {retry_base_seconds: 10, retry_cap_seconds: 15,"
                              " max_attempts: 3}\n";
    ck_assert_ok(crm_care_config_set(db, cfg, sizeof cfg - 1));
    crm_record *s = NULL;
    ck_assert_ok(crm_care_run(&s, db, "2026-10-01"));
    crm_record_free(s);
    static flaky f;
    memset(&f, 0, sizeof f);
    f.permanent_for = 0;
    ck_assert_ok(crm_channel_register(db, "sms", flaky_send, &f));
    /* no email channel: those stay queued */
    s = drain(db, 0);
    char *js = NULL;
    crm_record_to_json(&js, s);
    ck_assert_msg(int_of(s, "failed") == 1, "C005 refused: %s", js); /* C005 refused */
    crm_free(js);
    ck_assert_int_gt(int_of(s, "no_channel"), 0);
    crm_record_free(s);
    crm_iter *it;
    crm_record *flt;
    ck_assert_ok(crm_record_new(&flt));
    ck_assert_ok(crm_record_set_text(flt, "state", "failed"));
    ck_assert_ok(crm_message_list(&it, db, flt));
    const crm_record *m;
    ck_assert_ok(crm_iter_next(&m, it));
    ck_assert_ptr_nonnull(strstr(text_of(m, "last_error"), "permanent"));
    crm_iter_free(it);

    /* retried: queued again; a channel that stays down gives up after 3 */
    int64_t n = 0;
    ck_assert_ok(crm_message_retry(&n, db, NULL));
    ck_assert_int_eq(n, 1);
    f.down = true;
    for (int i = 0; i < 4; i++) {
        test_clock_set(T_MORNING + 100 * (i + 1));
        crm_record_free(drain(db, 0));
    }
    ck_assert_ok(crm_message_list(&it, db, flt));
    ck_assert_ok(crm_iter_next(&m, it));
    ck_assert_ptr_nonnull(strstr(text_of(m, "last_error"), "gave up after 3 attempts"));
    ck_assert_int_eq(int_of(m, "attempts"), 3);
    ck_assert_int_eq(crm_iter_next(&m, it), CRM_ITER_DONE);
    crm_iter_free(it);
    crm_record_free(flt);

    /* only the roles that run campaigns send */
    ck_assert_ok(crm_db_set_actor(db, "rm1"));
    ck_assert_int_eq(crm_message_send(&s, db, NULL, 0), CRM_E_PERMISSION);
    /* never inside a host transaction */
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    ck_assert_ok(crm_db_begin(db));
    ck_assert_int_eq(crm_message_send(&s, db, NULL, 0), CRM_E_STATE);
    ck_assert_ok(crm_db_rollback(db));
    crm_db_close(db);
}
END_TEST

START_TEST(quiet_hours_delay_and_optout_cancels)
{
    crm_db *db = bank(":memory:");
    test_clock_set(T_NOON + 2 * 3600); /* 22:00 local: quiet until 08:00 */
    crm_record *s = NULL;
    ck_assert_ok(crm_care_run(&s, db, "2026-11-25"));
    crm_record_free(s);
    static flaky f;
    memset(&f, 0, sizeof f);
    f.permanent_for = -1;
    ck_assert_ok(crm_channel_register(db, "email", flaky_send, &f));
    ck_assert_ok(crm_channel_register(db, "sms", flaky_send, &f));
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "sent"), 0);
    ck_assert_str_eq(text_of(s, "quiet_until"), "2026-11-26T00:00:00Z");
    crm_record_free(s);
    ck_assert_int_eq(f.calls, 0);

    /* the customer asks at a branch before the morning: cancelled at send */
    ck_assert_ok(crm_optout_add(db, "C002", NULL, "branch"));
    crm_record *c = NULL;
    ck_assert_ok(crm_customer_get(&c, db, "C002"));
    ck_assert_int_eq(int_of(c, "consent_email"), 0);
    crm_record_free(c);
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_optout_list(&it, db, "C002")); /* one row for every channel */
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text_of(row, "channel"), "all");
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);
    test_clock_set(T_NOON + 12 * 3600 + 60); /* 08:01 local */
    s = drain(db, 0);
    ck_assert_int_eq(int_of(s, "sent"), 1);
    ck_assert_int_eq(int_of(s, "cancelled"), 1);
    crm_record_free(s);
    ck_assert_int_eq(messages_where(db, "state", "cancelled"), 1);
    /* cancelled for the opt-out ('all' counts for email), before consent */
    crm_record *filter;
    ck_assert_ok(crm_record_new(&filter));
    ck_assert_ok(crm_record_set_text(filter, "state", "cancelled"));
    ck_assert_ok(crm_message_list(&it, db, filter));
    crm_record_free(filter);
    ck_assert_ok(crm_iter_next(&row, it));
    ck_assert_str_eq(text_of(row, "last_error"), "customer opted out of email");
    crm_iter_free(it);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------ campaigns */

/* Campaign "WM2026" with sms and email templates. Customers under
 * 1,000,000 yuan are eligible: C004 (no consent) is
 * suppressed, and seed 3 with a 30% control share holds C005 out and keeps
 * C001 (sms) and C002 (email only) as targets. */
static const char WM_DEFINITION[] =
    "name: 稳盈理财\n"
    "eligibility: {\"<\": [{var: assets}, 100000000]}\n"
    "cost_per_message_fen: 5\n"
    "control_bps: 3000\n"
    "seed: 3\n"
    "start: 2026-11-25T02:00:00Z\n"
    "end: 2026-12-05T02:00:00Z\n"
    "channels:\n"
    "  - {channel: sms, body: \"{salutation}，{campaign}新品发售，详询{branch}\"}\n"
    "  - {channel: email, subject: \"{campaign}\", body: \"{salutation}：{campaign}新品发售\"}\n";

static const char *group_of(crm_db *db, const char *code, const char *grp)
{
    static char buf[128];
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "grp", grp));
    crm_iter *it;
    ck_assert_ok(crm_campaign_targets(&it, db, code, f));
    crm_record_free(f);
    buf[0] = '\0';
    const crm_record *r;
    while (crm_iter_next(&r, it) == CRM_OK)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? " " : "",
                 text_of(r, "customer_no"));
    crm_iter_free(it);
    return buf;
}

/* A running campaign `code`: "mk" creates and submits it, "mk2" approves
 * (four eyes), "mk" targets, schedules and starts it; the actor is then
 * "admin" again. */
static void campaign_running(crm_db *db, const char *code, const char *definition)
{
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    int rc = crm_campaign_create(db, code, definition);
    ck_assert_msg(rc == CRM_OK, "create %s: %s", code, crm_db_errmsg(db));
    ck_assert_ok(crm_campaign_submit(db, code));
    ck_assert_ok(crm_db_set_actor(db, "mk2"));
    ck_assert_ok(crm_campaign_approve(db, code));
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    rc = crm_campaign_target(NULL, db, code);
    ck_assert_msg(rc == CRM_OK, "target %s: %s", code, crm_db_errmsg(db));
    ck_assert_ok(crm_campaign_transition(db, code, "scheduled"));
    ck_assert_ok(crm_campaign_transition(db, code, "running"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
}

static int ingest(crm_db *db, const char *key, const char *kind, const char *idem, const char *at,
                  const char *ua, const char *via, const char *text, int *optout)
{
    crm_record *e;
    ck_assert_ok(crm_record_new(&e));
    ck_assert_ok(crm_record_set_text(e, "event_key", key));
    ck_assert_ok(crm_record_set_text(e, "kind", kind));
    ck_assert_ok(crm_record_set_text(e, "idem_key", idem));
    ck_assert_ok(crm_record_set_text(e, "at", at));
    if (ua)
        ck_assert_ok(crm_record_set_text(e, "user_agent", ua));
    if (via)
        ck_assert_ok(crm_record_set_text(e, "via", via));
    if (text)
        ck_assert_ok(crm_record_set_text(e, "text", text));
    if (strcmp(kind, "converted") == 0)
        ck_assert_ok(crm_record_set_money(e, "amount", 5000000));
    int outcome = -1;
    int rc = crm_event_ingest(&outcome, optout, db, e);
    crm_record_free(e);
    ck_assert_msg(rc == CRM_OK, "event %s: %s", key, crm_db_errmsg(db));
    return outcome;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".msg") != NULL && e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

#define SMS1 "campaign:WM2026:v1:C001:sms"
#define MAIL2 "campaign:WM2026:v1:C002:email"

START_TEST(campaign_queue_send_events_effectiveness)
{
    char *path = test_temp_path("outreach-campaign");
    crm_db *db = bank(path);
    campaign_running(db, "WM2026", WM_DEFINITION);
    ck_assert_str_eq(group_of(db, "WM2026", "target"), "C001 C002");
    ck_assert_str_eq(group_of(db, "WM2026", "control"), "C005");
    ck_assert_str_eq(group_of(db, "WM2026", "suppressed"), "C004");
    int64_t n = -1;
    ck_assert_ok(crm_message_queue(&n, db, "WM2026"));
    ck_assert_int_eq(n, 2);
    ck_assert_ok(crm_message_queue(&n, db, "WM2026"));
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(crm_message_queue(&n, db, "NOPE"), CRM_E_NOT_FOUND);

    char dir[] = "/tmp/outreach-spool-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ok(crm_channel_register_spool(db, "sms", dir));
    ck_assert_ok(crm_channel_register_spool(db, "email", dir));
    crm_record *s = NULL;
    ck_assert_ok(crm_message_send(&s, db, "WM2026", 0));
    ck_assert_int_eq(int_of(s, "sent"), 2);
    crm_record_free(s);
    ck_assert_int_eq(count_files(dir), 2);
    char file[256], line[512] = "";
    snprintf(file, sizeof file, "%s/campaign_WM2026_v1_C001_sms.msg", dir);
    FILE *fp = fopen(file, "r");
    ck_assert_ptr_nonnull(fp);
    while (fgets(line, sizeof line, fp) && strstr(line, "王先生") == NULL)
        ;
    fclose(fp);
    ck_assert_str_eq(line, "王先生，稳盈理财新品发售，详询总行拒收请回复R\n");

    ck_assert_ok(crm_db_set_actor(db, "mk")); /* a marketer ingests events */
    /* events: delivered at +0; a click 3 s later and a scanner's click are
     * flagged; the real click counts; duplicates are ignored */
    ck_assert_int_eq(
        ingest(db, "e1", "delivered", SMS1, "2026-11-25T02:00:00Z", NULL, NULL, NULL, NULL),
        CRM_EVENT_RECORDED);
    ck_assert_int_eq(
        ingest(db, "e1", "delivered", SMS1, "2026-11-25T02:00:00Z", NULL, NULL, NULL, NULL),
        CRM_EVENT_DUPLICATE);
    ck_assert_int_eq(
        ingest(db, "e2", "clicked", SMS1, "2026-11-25T02:00:03Z", "Mozilla/5.0", NULL, NULL, NULL),
        CRM_EVENT_FLAGGED);
    ck_assert_int_eq(ingest(db, "e3", "clicked", SMS1, "2026-11-25T02:05:00Z",
                            "Mozilla/5.0 (compatible; Proofpoint URL Defense)", NULL, NULL, NULL),
                     CRM_EVENT_FLAGGED);
    ck_assert_int_eq(ingest(db, "e4", "clicked", SMS1, "2026-11-25T02:10:00Z",
                            "Mozilla/5.0 (iPhone)", NULL, NULL, NULL),
                     CRM_EVENT_RECORDED);
    ck_assert_int_eq(
        ingest(db, "e5", "converted", SMS1, "2026-11-25T03:00:00Z", NULL, NULL, NULL, NULL),
        CRM_EVENT_RECORDED);
    /* an unsubscribe the gateway reports without the customer's action is
     * not honoured; a reply "TD" is */
    int optout = -1;
    ck_assert_int_eq(ingest(db, "e6", "unsubscribed", MAIL2, "2026-11-25T02:30:00Z", NULL,
                            "gateway", NULL, &optout),
                     CRM_EVENT_FLAGGED);
    ck_assert_int_eq(optout, 0);
    ck_assert_int_eq(
        ingest(db, "e7", "replied", MAIL2, "2026-11-25T02:40:00Z", NULL, NULL, " td ", &optout),
        CRM_EVENT_RECORDED);
    ck_assert_int_eq(optout, 1);
    crm_record *c = NULL;
    ck_assert_ok(crm_customer_get(&c, db, "C002"));
    ck_assert_int_eq(int_of(c, "consent_email"), 0);
    crm_record_free(c);

    static const char lines[] =
        "{\"event_key\":\"e8\",\"kind\":\"delivered\",\"idem_key\":\"" MAIL2 "\"}\n\n"
        "{\"event_key\":\"e1\",\"kind\":\"delivered\",\"idem_key\":\"" SMS1 "\"}\n";
    ck_assert_ok(crm_event_ingest_jsonl(&s, db, lines, sizeof lines - 1));
    ck_assert_int_eq(int_of(s, "lines"), 2);
    ck_assert_int_eq(int_of(s, "duplicates"), 1);
    crm_record_free(s);
    static const char bad[] = "{\"event_key\":\"e9\",\"kind\":\"delivered\",\"idem_key\":\"x\"}\n"
                              "{\"event_key\":\"e10\",\"kind\":\"jumped\"}\n";
    ck_assert_int_eq(crm_event_ingest_jsonl(&s, db, bad, sizeof bad - 1), CRM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(crm_db_errmsg(db), "line 1"));

    crm_iter *it;
    ck_assert_ok(crm_event_effectiveness(&it, db, "WM2026", "channel"));
    const crm_record *r;
    int rows = 0;
    while (crm_iter_next(&r, it) == CRM_OK) {
        rows++;
        ck_assert_int_eq(int_of(r, "sent"), 1);
        ck_assert_int_eq(int_of(r, "delivered"), 1);
        if (strcmp(text_of(r, "grp"), "sms") == 0) {
            ck_assert_int_eq(int_of(r, "clicked"), 1);
            ck_assert_int_eq(int_of(r, "converted"), 1);
            ck_assert_int_eq(int_of(r, "amount"), 5000000);
            ck_assert_int_eq(int_of(r, "conversion_bps"), 10000);
        } else
            ck_assert_int_eq(int_of(r, "clicked"), 0);
    }
    crm_iter_free(it);
    ck_assert_int_eq(rows, 2);
    ck_assert_int_eq(crm_event_effectiveness(&it, db, "WM2026", "planet"), CRM_E_INVALID_ARG);

    /* pace: 2 targets x 5% never reaches one response: on pace; with a
     * 100% expectation half-way and one response of two expected... */
    static const char eager[] = "pace: {expected_response_bps: 10000, lag_bps: 1000}\n";
    ck_assert_ok(crm_care_config_set(db, eager, sizeof eager - 1));
    test_clock_set(T_MORNING + 10 * DAY);
    ck_assert_ok(crm_event_pace_check(&s, db, "WM2026"));
    ck_assert_int_eq(int_of(s, "expected"), 2);
    ck_assert_int_eq(int_of(s, "actual"), 2); /* C001 converted, C002 replied */
    ck_assert_int_eq(int_of(s, "lagging"), 0);
    crm_record_free(s);

    /* a second campaign of the same span targeting C003 too (C002's
     * reply TD withdrew her only consent, so targeting leaves her out) with
     * no response at all lags the pace */
    static const char everyone[] = "name: 稳盈理财二期\n"
                                   "control_bps: 0\n"
                                   "start: 2026-11-25T02:00:00Z\n"
                                   "end: 2026-12-05T02:00:00Z\n"
                                   "channels: [{channel: sms, body: \"{campaign}\"},"
                                   " {channel: email, body: \"{campaign}\"}]\n";
    campaign_running(db, "WM2027", everyone);
    ck_assert_str_eq(group_of(db, "WM2027", "target"), "C001 C003 C005");
    ck_assert_ok(crm_db_set_actor(db, "mk"));
    ck_assert_ok(crm_event_pace_check(&s, db, "WM2027"));
    ck_assert_int_eq(int_of(s, "expected"), 3);
    ck_assert_int_eq(int_of(s, "actual"), 0);
    ck_assert_int_eq(int_of(s, "lagging"), 1);
    crm_record_free(s);
    crm_db_close(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    test_remove_db(path);
    free(path);
}
END_TEST

static Suite *outreach_suite(void)
{
    Suite *s = suite_create("outreach");
    TCase *tc = tcase_create("outreach");
    tcase_add_test(tc, render_salutation_and_sms);
    tcase_add_test(tc, care_birthdays_once_through_consenting_channel);
    tcase_add_test(tc, transient_failures_then_exactly_once_across_restart);
    tcase_add_test(tc, permanent_failure_retry_and_give_up);
    tcase_add_test(tc, quiet_hours_delay_and_optout_cancels);
    tcase_add_test(tc, campaign_queue_send_events_effectiveness);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(outreach_suite());
}
