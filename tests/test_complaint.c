/* The complaint workflow: intake with sealed contacts, the YAML state
 * machine refusing invalid transitions with a reason, history and audit,
 * the two clocks (pause, extension, reopen), assignment by rules and team
 * strategy, SLA escalation along the ladder with a host callback, business
 * hours, access scope, analysis; and a simulated month of 1,000 complaints
 * on a controlled clock with a planted spike that the hotspot analysis
 * must find. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600
#define DAY 86400
#define T0 1793491200 /* 2026-11-01T00:00:00Z, a Sunday */

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    return crm_record_get_text(&v, r, field) == CRM_OK ? v : "";
}

static int64_t int_of(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

static int64_t time_of(const crm_record *r, const char *field)
{
    int64_t t = 0;
    const char *v = text_of(r, field);
    if (*v)
        ck_assert_ok(crm_time_parse(&t, v));
    return t;
}

static void add_team(crm_db *db, const char *code, const char *strategy, const char *supervisor)
{
    crm_record *t;
    ck_assert_ok(crm_record_new(&t));
    ck_assert_ok(crm_record_set_text(t, "code", code));
    ck_assert_ok(crm_record_set_text(t, "name", code));
    ck_assert_ok(crm_record_set_text(t, "strategy", strategy));
    if (supervisor)
        ck_assert_ok(crm_record_set_text(t, "supervisor", supervisor));
    int rc = crm_complaint_team_add(db, t);
    ck_assert_msg(rc == CRM_OK, "team %s: %s", code, crm_db_errmsg(db));
    crm_record_free(t);
}

static void member(crm_db *db, const char *team, const char *user, const char *skills)
{
    int rc = crm_complaint_team_member_add(db, team, user, skills);
    ck_assert_msg(rc == CRM_OK, "member %s: %s", user, crm_db_errmsg(db));
}

/* Head office > BJ > BJ01, BJ02 and HO > SH > SH01; handlers, supervisors,
 * branch managers and the teams the default rules name. */
static crm_db *desk(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "BJ01", "北京朝阳支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "BJ02", "北京海淀支行", "BJ"));
    ck_assert_ok(crm_branch_add(db, "SH", "上海分行", "HO"));
    ck_assert_ok(crm_branch_add(db, "SH01", "上海浦东支行", "SH"));
    const char *handlers[][2] = {{"kf.bj1", "BJ01"}, {"kf.bj2", "BJ02"}, {"kf.sh1", "SH01"},
                                 {"kf.ho1", "HO"},   {"kf.ho2", "HO"},   {"kf.cr1", "BJ"},
                                 {"kf.cr2", "SH"},   {"kf.wm1", "HO"},   {"kf.reg", "HO"}};
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        test_add_user(db, handlers[i][0], "complaint_handler", handlers[i][1]);
    test_add_user(db, "sup.gen", "complaint_handler", "HO");
    test_add_user(db, "sup.cr", "complaint_handler", "HO");
    test_add_user(db, "bm.bj", "branch_manager", "BJ");
    test_add_user(db, "bm.sh", "branch_manager", "SH");
    test_add_user(db, "rm.a", "relationship_manager", "BJ01");
    test_add_user(db, "aud", "auditor", "HO");
    add_team(db, "GENERAL", "least_open", "sup.gen");
    member(db, "GENERAL", "kf.bj1", "");
    member(db, "GENERAL", "kf.bj2", "");
    member(db, "GENERAL", "kf.sh1", "");
    member(db, "GENERAL", "kf.ho1", "");
    add_team(db, "CREDIT", "round_robin", "sup.cr");
    member(db, "CREDIT", "kf.cr1", "card,loan");
    member(db, "CREDIT", "kf.cr2", "card,loan,mortgage");
    member(db, "CREDIT", "kf.ho2", "mortgage");
    add_team(db, "WEALTH", "least_open", "sup.gen");
    member(db, "WEALTH", "kf.wm1", "wealth,interest");
    add_team(db, "REGULATOR", "least_open", "sup.gen");
    member(db, "REGULATOR", "kf.reg", "");
    return db;
}

static crm_record *complaint(const char *channel, const char *category, const char *severity,
                             const char *branch)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "channel", channel));
    ck_assert_ok(crm_record_set_text(c, "category", category));
    if (severity)
        ck_assert_ok(crm_record_set_text(c, "severity", severity));
    if (branch)
        ck_assert_ok(crm_record_set_text(c, "branch", branch));
    ck_assert_ok(crm_record_set_text(c, "subject", "信用卡年费被重复扣收"));
    ck_assert_ok(
        crm_record_set_text(c, "body", "本月信用卡账单中年费被扣了两次，要求退还多扣的年费。"));
    return c;
}

static char *open_one(crm_db *db, crm_record *c)
{
    char *ticket = NULL;
    int rc = crm_complaint_open(&ticket, db, c);
    ck_assert_msg(rc == CRM_OK, "open: %s", crm_db_errmsg(db));
    crm_record_free(c);
    return ticket;
}

static crm_record *get(crm_db *db, const char *ticket)
{
    crm_record *r = NULL;
    int rc = crm_complaint_get(&r, db, ticket);
    ck_assert_msg(rc == CRM_OK, "get %s: %s", ticket, crm_db_errmsg(db));
    return r;
}

static void expect_state(crm_db *db, const char *ticket, const char *state)
{
    crm_record *r = get(db, ticket);
    ck_assert_str_eq(text_of(r, "state"), state);
    crm_record_free(r);
}

static void move(crm_db *db, const char *ticket, const char *to, const char *note)
{
    int rc = crm_complaint_transition(db, ticket, to, note);
    ck_assert_msg(rc == CRM_OK, "%s -> %s: %s", ticket, to, crm_db_errmsg(db));
}

/* ----------------------------------------------------------------- intake */

START_TEST(open_validates_seals_contacts_and_assigns)
{
    test_clock_set(T0 + 10 * HOUR);
    crm_db *db = desk();
    crm_record *c = complaint("phone", "card", "high", "BJ01");
    ck_assert_ok(crm_record_set_text(c, "contact_name", "赵六"));
    ck_assert_ok(crm_record_set_text(c, "contact_phone", "+8613912345678"));
    ck_assert_ok(crm_record_set_text(c, "contact_email", "Zhao.Liu@Example.com"));
    char *t = open_one(db, c);
    ck_assert_str_eq(t, "TS20261101000001");
    crm_record *r = get(db, t);
    ck_assert_str_eq(text_of(r, "contact_phone"), "139****5678");
    ck_assert_str_eq(text_of(r, "contact_email"), "z***@example.com");
    ck_assert_str_eq(text_of(r, "contact_name"), "赵*");
    ck_assert_str_eq(text_of(r, "state"), "assigned");
    ck_assert_str_eq(text_of(r, "team"), "CREDIT");     /* card: the CREDIT rule */
    ck_assert_str_eq(text_of(r, "assignee"), "kf.cr1"); /* skill + branch BJ covers BJ01 */
    /* high severity: acknowledge within 8 hours, decide within 10 days */
    ck_assert_int_eq(time_of(r, "ack_due_at"), T0 + 18 * HOUR);
    ck_assert_int_eq(time_of(r, "resolve_due_at"), T0 + 10 * HOUR + 10 * DAY);
    crm_record_free(r);
    char *clear = NULL;
    ck_assert_int_eq(crm_complaint_reveal(&clear, db, t, "contact_phone", NULL), CRM_E_INVALID_ARG);
    ck_assert_ok(crm_complaint_reveal(&clear, db, t, "contact_phone", "回访客户"));
    ck_assert_str_eq(clear, "13912345678");
    crm_free(clear);
    ck_assert_ok(crm_complaint_reveal(&clear, db, t, "contact_email", "回访客户"));
    ck_assert_str_eq(clear, "zhao.liu@example.com");
    crm_free(clear);

    /* the audit log holds masked data only, and the reveal with its reason */
    crm_iter *it;
    const crm_record *row;
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "entity_id", t));
    ck_assert_ok(crm_audit_list(&it, db, f));
    int entries = 0, reveals = 0;
    while (crm_iter_next(&row, it) == CRM_OK) {
        entries++;
        ck_assert_ptr_null(strstr(text_of(row, "after"), "13912345678"));
        reveals += strcmp(text_of(row, "action"), "complaint.reveal") == 0 &&
                   strcmp(text_of(row, "reason"), "回访客户") == 0;
    }
    crm_iter_free(it);
    crm_record_free(f);
    ck_assert_int_ge(entries, 4); /* open, assign, transition, 2 reveals */
    ck_assert_int_eq(reveals, 2);

    struct {
        const char *field, *value, *expect;
    } bad[] = {
        {"channel", "fax", "field channel"},
        {"category", "weather", "field category"},
        {"severity", "urgent", "field severity"},
        {"contact_phone", "12345", "contact_phone"},
        {"customer_no", "C404", "field customer_no"},
        {"product_code", "NOPE", "field product_code"},
        {"branch", "XX", "field branch"},
        {"colour", "red", "colour"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = complaint("phone", "card", NULL, NULL);
        ck_assert_ok(crm_record_set_text(c, bad[i].field, bad[i].value));
        char *no = NULL;
        int rc = crm_complaint_open(&no, db, c);
        ck_assert_msg(rc == CRM_E_INVALID_DATA || rc == CRM_E_NOT_FOUND, "%s: %d", bad[i].field,
                      rc);
        ck_assert_msg(strstr(crm_db_errmsg(db), bad[i].expect) != NULL, "%s: %s", bad[i].field,
                      crm_db_errmsg(db));
        crm_record_free(c);
    }
    free(t);
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------------------- state machine */

START_TEST(invalid_transitions_are_refused_with_the_reason)
{
    test_clock_set(T0 + 9 * HOUR);
    crm_db *db = desk();
    char *t = open_one(db, complaint("online", "fee", NULL, "BJ02"));
    expect_state(db, t, "assigned");
    ck_assert_int_eq(crm_complaint_transition(db, t, "closed", NULL), CRM_E_STATE);
    ck_assert_msg(strstr(crm_db_errmsg(db), "assigned -> closed is not allowed") != NULL &&
                      strstr(crm_db_errmsg(db), "in_progress") != NULL,
                  "%s", crm_db_errmsg(db));
    ck_assert_int_eq(crm_complaint_transition(db, t, "archived", NULL), CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_complaint_transition(db, t, "resolved", NULL), CRM_E_INVALID_DATA);
    ck_assert(strstr(crm_db_errmsg(db), "field note") != NULL);
    expect_state(db, t, "assigned");
    test_clock_set(T0 + 10 * HOUR);
    move(db, t, "in_progress", "已电话联系客户");
    test_clock_set(T0 + 11 * HOUR);
    move(db, t, "resolved", "已退还重复扣收的年费");
    move(db, t, "closed", NULL);
    ck_assert_int_eq(crm_complaint_transition(db, t, "waiting_customer", "x"), CRM_E_STATE);
    ck_assert(strstr(crm_db_errmsg(db), "from closed: in_progress") != NULL);
    ck_assert_ok(crm_complaint_rate(db, t, 4));
    ck_assert_int_eq(crm_complaint_rate(db, t, 6), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_complaint_note(db, t, "客户表示满意"));

    /* the history: every step with actor, time and note */
    crm_iter *it;
    const crm_record *e;
    ck_assert_ok(crm_complaint_history(&it, db, t));
    const char *kinds[] = {"open",       "assign",     "transition", "transition",
                           "transition", "transition", "rate",       "note"};
    const char *to[] = {"new", "", "assigned", "in_progress", "resolved", "closed", "", ""};
    int n = 0;
    while (crm_iter_next(&e, it) == CRM_OK) {
        ck_assert_int_lt(n, 8);
        ck_assert_str_eq(text_of(e, "kind"), kinds[n]);
        ck_assert_str_eq(text_of(e, "to_state"), to[n]);
        ck_assert_str_eq(text_of(e, "actor"), "admin");
        ck_assert_int_ge(time_of(e, "at"), T0 + 9 * HOUR);
        n++;
    }
    ck_assert_int_eq(n, 8);
    crm_iter_free(it);
    crm_record *r = get(db, t);
    ck_assert_str_eq(text_of(r, "resolution"), "已退还重复扣收的年费");
    ck_assert_int_eq(int_of(r, "satisfaction"), 4);
    ck_assert_int_eq(time_of(r, "first_response_at"), T0 + 10 * HOUR);
    ck_assert_int_eq(int_of(r, "breached"), 0);
    crm_record_free(r);
    free(t);
    crm_db_close(db);
}
END_TEST

START_TEST(clock_pauses_extends_once_and_reopens_within_window)
{
    test_clock_set(T0);
    crm_db *db = desk();
    char *t = open_one(db, complaint("branch", "service", NULL, "SH01"));
    move(db, t, "in_progress", NULL);
    test_clock_set(T0 + 2 * DAY);
    move(db, t, "waiting_customer", "请客户补充交易流水");
    crm_record *r = get(db, t);
    ck_assert_int_eq(crm_record_type(r, "resolve_due_at"), CRM_TYPE_NULL);
    ck_assert_int_eq(int_of(r, "resolve_used_seconds"), 2 * DAY);
    crm_record_free(r);
    /* five days waiting do not count */
    test_clock_set(T0 + 7 * DAY);
    move(db, t, "in_progress", "客户已补充材料");
    r = get(db, t);
    ck_assert_int_eq(time_of(r, "resolve_due_at"), T0 + 7 * DAY + 13 * DAY);
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_extend(db, t, ""), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_complaint_extend(db, t, "需调取监控录像核实"));
    r = get(db, t);
    ck_assert_int_eq(time_of(r, "resolve_due_at"), T0 + 7 * DAY + 28 * DAY);
    ck_assert_int_eq(int_of(r, "extended"), 1);
    ck_assert_str_eq(text_of(r, "extension_reason"), "需调取监控录像核实");
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_extend(db, t, "再次延期"), CRM_E_STATE);
    ck_assert(strstr(crm_db_errmsg(db), "already extended once") != NULL);

    test_clock_set(T0 + 8 * DAY);
    move(db, t, "resolved", "已核实并致歉");
    move(db, t, "closed", NULL);
    /* reopen within the 7-day window resumes the clock where it stood */
    test_clock_set(T0 + 14 * DAY);
    move(db, t, "in_progress", "客户不认可处理结果");
    r = get(db, t);
    ck_assert_int_eq(int_of(r, "reopen_count"), 1);
    ck_assert_int_eq(crm_record_type(r, "resolved_at"), CRM_TYPE_NULL);
    ck_assert_int_eq(time_of(r, "resolve_due_at"), T0 + 14 * DAY + (30 - 3) * DAY);
    crm_record_free(r);
    move(db, t, "resolved", "补偿已到账");
    test_clock_set(T0 + 22 * DAY + 1);
    ck_assert_int_eq(crm_complaint_transition(db, t, "in_progress", NULL), CRM_E_STATE);
    ck_assert(strstr(crm_db_errmsg(db), "reopen window ended") != NULL);
    free(t);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------- assignment */

START_TEST(assignment_rules_strategies_and_explicit)
{
    test_clock_set(T0 + HOUR);
    crm_db *db = desk();
    /* least open among the GENERAL members whose branch covers BJ01: the
     * BJ01 handler and the head-office one take turns */
    int per_user[4] = {0};
    const char *general[] = {"kf.bj1", "kf.ho1", "kf.bj2", "kf.sh1"};
    for (int i = 0; i < 8; i++) {
        char *t = open_one(db, complaint("email", "service", NULL, "BJ01"));
        crm_record *r = get(db, t);
        ck_assert_str_eq(text_of(r, "team"), "GENERAL");
        for (int u = 0; u < 4; u++)
            per_user[u] += strcmp(text_of(r, "assignee"), general[u]) == 0;
        crm_record_free(r);
        free(t);
    }
    ck_assert_int_eq(per_user[0], 4);
    ck_assert_int_eq(per_user[1], 4);
    ck_assert_int_eq(per_user[2], 0);
    ck_assert_int_eq(per_user[3], 0);
    /* an SH01 complaint: kf.sh1 (covers SH01, no open tickets) */
    char *t = open_one(db, complaint("email", "service", NULL, "SH01"));
    crm_record *r = get(db, t);
    ck_assert_str_eq(text_of(r, "assignee"), "kf.sh1");
    crm_record_free(r);
    free(t);
    /* round robin over the members with the mortgage skill whose branch
     * covers SH01: kf.cr2 (SH) and kf.ho2 (HO) */
    const char *seen[4];
    for (int i = 0; i < 4; i++) {
        t = open_one(db, complaint("phone", "mortgage", NULL, "SH01"));
        r = get(db, t);
        ck_assert_str_eq(text_of(r, "team"), "CREDIT");
        seen[i] = strcmp(text_of(r, "assignee"), "kf.cr2") == 0 ? "kf.cr2" : "kf.ho2";
        ck_assert(strcmp(text_of(r, "assignee"), "kf.cr2") == 0 ||
                  strcmp(text_of(r, "assignee"), "kf.ho2") == 0);
        crm_record_free(r);
        free(t);
    }
    ck_assert_str_ne(seen[0], seen[1]);
    ck_assert_str_eq(seen[0], seen[2]);
    ck_assert_str_eq(seen[1], seen[3]);
    /* regulator referrals: their own team and stricter deadlines */
    t = open_one(db, complaint("regulator", "fee", NULL, "SH01"));
    r = get(db, t);
    ck_assert_str_eq(text_of(r, "team"), "REGULATOR");
    ck_assert_int_eq(time_of(r, "ack_due_at"), T0 + 5 * HOUR);
    ck_assert_int_eq(time_of(r, "resolve_due_at"), T0 + HOUR + 10 * DAY);
    crm_record_free(r);
    /* explicit reassignment, and refusals */
    ck_assert_ok(crm_complaint_assign(db, t, "kf.ho1", "转交总行处理"));
    r = get(db, t);
    ck_assert_str_eq(text_of(r, "assignee"), "kf.ho1");
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_assign(db, t, "nobody", NULL), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_complaint_team_member_add(db, "GENERAL", "kf.bj1", ""), CRM_E_CONFLICT);
    ck_assert_int_eq(crm_complaint_team_member_add(db, "GENERAL", "kf.cr1", "weather"),
                     CRM_E_INVALID_DATA);
    ck_assert_int_eq(crm_complaint_team_member_add(db, "NOPE", "kf.cr1", ""), CRM_E_NOT_FOUND);
    crm_record *team;
    ck_assert_ok(crm_record_new(&team));
    ck_assert_ok(crm_record_set_text(team, "code", "X"));
    ck_assert_ok(crm_record_set_text(team, "name", "X"));
    ck_assert_ok(crm_record_set_text(team, "strategy", "random"));
    ck_assert_int_eq(crm_complaint_team_add(db, team), CRM_E_INVALID_DATA);
    ck_assert_ok(crm_db_set_actor(db, "kf.bj1"));
    ck_assert_ok(crm_record_set_text(team, "strategy", "round_robin"));
    ck_assert_int_eq(crm_complaint_team_add(db, team), CRM_E_PERMISSION);
    crm_record_free(team);
    free(t);
    crm_db_close(db);
}
END_TEST

/* -------------------------------------------------------------------- SLA */

typedef struct notices {
    int n;
    char event[16][24], recipient[16][32], clock[16][16];
    int stop_after;
} notices;

static int collect(const crm_record *notice, void *payload)
{
    notices *ns = payload;
    if (ns->n < 16) {
        snprintf(ns->event[ns->n], 24, "%s", text_of(notice, "event"));
        snprintf(ns->recipient[ns->n], 32, "%s", text_of(notice, "recipient"));
        snprintf(ns->clock[ns->n], 16, "%s", text_of(notice, "clock"));
    }
    ns->n++;
    return ns->stop_after && ns->n >= ns->stop_after;
}

static void scan_at(crm_db *db, int64_t at, notices *ns)
{
    test_clock_set(at);
    ns->n = 0;
    crm_record *sum = NULL;
    int rc = crm_complaint_sla_scan(&sum, db, collect, ns);
    ck_assert_msg(rc == CRM_OK, "scan: %s", crm_db_errmsg(db));
    crm_record_free(sum);
}

START_TEST(sla_scan_escalates_along_the_ladder_on_time)
{
    test_clock_set(T0);
    crm_db *db = desk();
    char *t = open_one(db, complaint("phone", "service", NULL, "SH01"));
    notices ns = {0};
    /* acknowledge within 24h: at risk when 20% (4.8h) remain */
    scan_at(db, T0 + 19 * HOUR, &ns);
    ck_assert_int_eq(ns.n, 0);
    scan_at(db, T0 + 19 * HOUR + 13 * 60, &ns);
    ck_assert_int_eq(ns.n, 1);
    ck_assert_str_eq(ns.event[0], "at_risk");
    ck_assert_str_eq(ns.clock[0], "acknowledge");
    ck_assert_str_eq(ns.recipient[0], "kf.sh1");
    scan_at(db, T0 + 20 * HOUR, &ns);
    ck_assert_int_eq(ns.n, 0); /* notified once per level */
    scan_at(db, T0 + 24 * HOUR, &ns);
    ck_assert_int_eq(ns.n, 0); /* due, not yet past */
    scan_at(db, T0 + 24 * HOUR + 1, &ns);
    ck_assert_int_eq(ns.n, 1);
    ck_assert_str_eq(ns.event[0], "breached");
    ck_assert_str_eq(ns.recipient[0], "sup.gen");
    scan_at(db, T0 + 72 * HOUR - 1, &ns);
    ck_assert_int_eq(ns.n, 0);
    scan_at(db, T0 + 72 * HOUR, &ns);
    ck_assert_int_eq(ns.n, 1);
    ck_assert_str_eq(ns.event[0], "branch_manager");
    ck_assert_str_eq(ns.recipient[0], "bm.sh");
    crm_record *r = get(db, t);
    ck_assert_int_eq(int_of(r, "escalation_level"), 3);
    ck_assert_int_eq(int_of(r, "breached"), 1);
    crm_record_free(r);
    crm_iter *it;
    const crm_record *e;
    ck_assert_ok(crm_complaint_history(&it, db, t));
    int escalations = 0;
    while (crm_iter_next(&e, it) == CRM_OK)
        escalations += strcmp(text_of(e, "kind"), "escalate") == 0;
    crm_iter_free(it);
    ck_assert_int_eq(escalations, 3);

    /* a disabled handler's tickets move to a colleague at the next scan */
    char *t2 = open_one(db, complaint("phone", "service", NULL, "BJ01"));
    r = get(db, t2);
    char was[32];
    snprintf(was, sizeof was, "%s", text_of(r, "assignee"));
    crm_record_free(r);
    ck_assert_ok(crm_user_disable(db, was, "离职"));
    scan_at(db, T0 + 73 * HOUR, &ns);
    ck_assert_int_ge(ns.n, 1);
    ck_assert_str_eq(ns.event[0], "reassigned");
    r = get(db, t2);
    ck_assert_str_ne(text_of(r, "assignee"), was);
    ck_assert_str_eq(ns.recipient[0], text_of(r, "assignee"));
    crm_record_free(r);

    /* the callback may stop a scan; only complaint admins scan */
    char *t3 = open_one(db, complaint("phone", "service", "critical", "BJ01"));
    char *t4 = open_one(db, complaint("phone", "service", "critical", "BJ01"));
    ns.stop_after = 1;
    test_clock_set(T0 + 80 * HOUR);
    ns.n = 0;
    ck_assert_int_eq(crm_complaint_sla_scan(NULL, db, collect, &ns), CRM_E_STATE);
    ck_assert_int_eq(ns.n, 1);
    /* a branch manager scans the tickets of their own subtree: BJ's three */
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    crm_record *sum = NULL;
    ck_assert_ok(crm_complaint_sla_scan(&sum, db, NULL, NULL));
    ck_assert_int_eq(int_of(sum, "scanned"), 3);
    crm_record_free(sum);
    ck_assert_ok(crm_db_set_actor(db, "kf.sh1"));
    ck_assert_int_eq(crm_complaint_sla_scan(NULL, db, NULL, NULL), CRM_E_PERMISSION);
    free(t);
    free(t2);
    free(t3);
    free(t4);
    crm_db_close(db);
}
END_TEST

/* ----------------------------------------------- configuration, calendar */

static const char business_config[] =
    "workflow:\n"
    "  states:\n"
    "    - {name: open, initial: true}\n"
    "    - {name: working, assigned: true, responded: true}\n"
    "    - {name: done, responded: true, resolved: true, final: true}\n"
    "  transitions:\n"
    "    - {from: open, to: [working, done]}\n"
    "    - {from: working, to: done}\n"
    "deadlines:\n"
    "  default: {acknowledge: 4h, resolve: 2d, extend_to: 4d}\n"
    "business_hours:\n"
    "  enabled: true\n"
    "  utc_offset: 8h\n"
    "  open: \"09:00\"\n"
    "  close: \"17:00\"\n"
    "  weekdays: [1, 2, 3, 4, 5]\n"
    "  holidays: [2026-11-04]\n"
    "  workdays: [2026-11-07]\n"
    "categories: [card, other]\n"
    "assignment:\n"
    "  - team: GENERAL\n";

START_TEST(host_config_with_business_hours_and_holidays)
{
    /* Tuesday 2026-11-03 15:00 Beijing time */
    test_clock_set(T0 + 2 * DAY + 7 * HOUR);
    crm_db *db = desk();
    char *text = NULL;
    ck_assert_ok(crm_complaint_config_get(&text, db));
    ck_assert(strstr(text, "waiting_customer") != NULL);
    crm_free(text);
    const char *broken = "workflow: {states: [{name: a}], transitions: []}\n";
    ck_assert_int_eq(crm_complaint_config_set(db, broken, strlen(broken)), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), "workflow.states") != NULL, "%s", crm_db_errmsg(db));
    const char *bad_rule =
        "workflow: {states: [{name: a, initial: true, final: true}],"
        " transitions: []}\ndeadlines: {default: {acknowledge: 1h,"
        " resolve: 1d}}\ncategories: [x]\nassignment: [{team: T, when: {\"=<\": [1, 2]}}]\n";
    ck_assert_int_eq(crm_complaint_config_set(db, bad_rule, strlen(bad_rule)), CRM_E_INVALID_DATA);
    ck_assert_msg(strstr(crm_db_errmsg(db), "assignment.when") != NULL, "%s", crm_db_errmsg(db));
    ck_assert_ok(crm_complaint_config_set(db, business_config, strlen(business_config)));
    ck_assert_ok(crm_complaint_config_get(&text, db));
    ck_assert_str_eq(text, business_config);
    crm_free(text);

    char *t = open_one(db, complaint("online", "card", NULL, "HO"));
    crm_record *r = get(db, t);
    ck_assert_str_eq(text_of(r, "state"), "working");
    /* 4 business hours from Tue 15:00: 2h on Tuesday, Wednesday is a
     * holiday, so Thursday 11:00 (03:00Z) */
    ck_assert_str_eq(text_of(r, "ack_due_at"), "2026-11-05T03:00:00Z");
    /* 2 business days = 16h: Tue 2h, Thu 8h, Fri 6h -> Fri 15:00 */
    ck_assert_str_eq(text_of(r, "resolve_due_at"), "2026-11-06T07:00:00Z");
    crm_record_free(r);
    ck_assert_ok(crm_complaint_extend(db, t, "跨部门核查"));
    r = get(db, t);
    /* 32h: ... Fri 8h, Saturday 7th is a make-up working day 8h, Mon 8h... */
    ck_assert_str_eq(text_of(r, "resolve_due_at"), "2026-11-09T07:00:00Z");
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_transition(db, t, "in_progress", NULL), CRM_E_INVALID_DATA);
    crm_record *c = complaint("online", "fee", NULL, "HO");
    char *no = NULL;
    ck_assert_int_eq(crm_complaint_open(&no, db, c), CRM_E_INVALID_DATA);
    crm_record_free(c);
    ck_assert_ok(crm_db_set_actor(db, "kf.bj1"));
    ck_assert_int_eq(crm_complaint_config_set(db, business_config, strlen(business_config)),
                     CRM_E_PERMISSION);
    free(t);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------ scope */

static void add_customer(crm_db *db, const char *no, const char *manager, const char *branch)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "customer_no", no));
    ck_assert_ok(crm_record_set_text(c, "name", "钱七"));
    ck_assert_ok(crm_record_set_text(c, "branch", branch));
    if (manager)
        ck_assert_ok(crm_record_set_text(c, "manager", manager));
    int rc = crm_customer_create(db, c);
    ck_assert_msg(rc == CRM_OK, "customer: %s", crm_db_errmsg(db));
    crm_record_free(c);
}

/* A customer's complaint contacts go with the customer's purge: sealed under
 * the customer's key, which the purge destroys; the ticket is unlinked and
 * its masked copies dropped. */
START_TEST(purge_shreds_a_customers_complaint_contacts)
{
    test_clock_set(T0 + HOUR);
    crm_db *db = desk();
    add_customer(db, "C001", "rm.a", "BJ01");
    crm_record *c = complaint("phone", "account", NULL, NULL);
    ck_assert_ok(crm_record_set_text(c, "customer_no", "C001"));
    ck_assert_ok(crm_record_set_text(c, "contact_phone", "13912345678"));
    char *t = open_one(db, c);
    char *clear = NULL;
    ck_assert_ok(crm_complaint_reveal(&clear, db, t, "contact_phone", "回访客户"));
    ck_assert_str_eq(clear, "13912345678");
    crm_free(clear);
    ck_assert_ok(crm_customer_delete_request(db, "C001", "客户销户"));
    ck_assert_ok(crm_db_set_actor(db, "bm.bj"));
    ck_assert_ok(crm_customer_delete_approve(db, "C001", "核准"));
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    test_clock_set(T0 + 6 * 366 * DAY);
    int64_t purged = 0;
    ck_assert_ok(crm_customer_purge_due(&purged, db));
    ck_assert_int_eq(purged, 1);
    /* the ticket stays, anonymous, at its branch */
    crm_record *r = get(db, t);
    ck_assert_int_eq(crm_record_type(r, "customer_no"), CRM_TYPE_NULL);
    ck_assert_int_eq(crm_record_type(r, "contact_phone"), CRM_TYPE_NULL);
    ck_assert_str_eq(text_of(r, "branch"), "BJ01");
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_reveal(&clear, db, t, "contact_phone", "回访客户"),
                     CRM_E_NOT_FOUND);
    free(t);
    crm_db_close(db);
}
END_TEST

START_TEST(customer_scope_applies_to_complaints)
{
    test_clock_set(T0 + HOUR);
    crm_db *db = desk();
    test_add_user(db, "rm.b", "relationship_manager", "BJ01");
    add_customer(db, "C001", "rm.a", "BJ01");
    add_customer(db, "C002", "rm.b", "BJ01");
    crm_record *c = complaint("branch", "account", NULL, NULL);
    ck_assert_ok(crm_record_set_text(c, "customer_no", "C001"));
    char *mine = open_one(db, c);
    c = complaint("branch", "account", NULL, NULL);
    ck_assert_ok(crm_record_set_text(c, "customer_no", "C002"));
    char *theirs = open_one(db, c);
    crm_record *r = get(db, mine);
    ck_assert_str_eq(text_of(r, "customer_no"), "C001");
    ck_assert_str_eq(text_of(r, "branch"), "BJ01"); /* the customer's */
    crm_record_free(r);
    ck_assert_ok(crm_db_set_actor(db, "rm.a"));
    ck_assert_ok(crm_complaint_get(&r, db, mine));
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_get(&r, db, theirs), CRM_E_NOT_FOUND);
    ck_assert_int_eq(crm_complaint_note(db, theirs, "看看"), CRM_E_NOT_FOUND);
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_complaint_list(&it, db, NULL));
    int n = 0;
    while (crm_iter_next(&row, it) == CRM_OK) {
        ck_assert_str_ne(text_of(row, "ticket_no"), theirs);
        n++;
    }
    crm_iter_free(it);
    ck_assert_int_eq(n, 1);
    /* the RM cannot open for another RM's customer */
    c = complaint("branch", "account", NULL, NULL);
    ck_assert_ok(crm_record_set_text(c, "customer_no", "C002"));
    char *no = NULL;
    ck_assert_int_eq(crm_complaint_open(&no, db, c), CRM_E_NOT_FOUND);
    crm_record_free(c);
    /* handlers see every complaint; the auditor reads but does not write */
    ck_assert_ok(crm_db_set_actor(db, "kf.sh1"));
    ck_assert_ok(crm_complaint_get(&r, db, theirs));
    crm_record_free(r);
    ck_assert_ok(crm_db_set_actor(db, "aud"));
    ck_assert_ok(crm_complaint_get(&r, db, theirs));
    crm_record_free(r);
    ck_assert_int_eq(crm_complaint_note(db, theirs, "x"), CRM_E_PERMISSION);
    /* list filters */
    ck_assert_ok(crm_db_set_actor(db, "admin"));
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "customer_no", "C002"));
    ck_assert_ok(crm_complaint_list(&it, db, f));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_str_eq(text_of(row, "ticket_no"), theirs);
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);
    ck_assert_ok(crm_record_set_text(f, "shape", "x"));
    ck_assert_int_eq(crm_complaint_list(&it, db, f), CRM_E_INVALID_ARG);
    crm_record_free(f);
    free(mine);
    free(theirs);
    crm_db_close(db);
}
END_TEST

/* ------------------------------------------------------- simulated month */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static bool chance(double p)
{
    return rnd(1000000) < (uint32_t)(p * 1e6);
}

enum { S_NEW, S_ASSIGNED, S_IN_PROGRESS, S_WAITING, S_RESOLVED, S_CLOSED, S_COUNT };
static const char *const sim_states[S_COUNT] = {
    "new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"};
/* The default workflow as the test knows it independently. */
static const bool allowed[S_COUNT][S_COUNT] = {
    [S_NEW] = {[S_ASSIGNED] = 1, [S_IN_PROGRESS] = 1, [S_RESOLVED] = 1},
    [S_ASSIGNED] = {[S_IN_PROGRESS] = 1, [S_WAITING] = 1, [S_RESOLVED] = 1},
    [S_IN_PROGRESS] = {[S_WAITING] = 1, [S_RESOLVED] = 1},
    [S_WAITING] = {[S_IN_PROGRESS] = 1, [S_RESOLVED] = 1},
    [S_RESOLVED] = {[S_CLOSED] = 1, [S_IN_PROGRESS] = 1},
    [S_CLOSED] = {[S_IN_PROGRESS] = 1},
};

static int state_index(const char *name)
{
    for (int i = 0; i < S_COUNT; i++)
        if (strcmp(sim_states[i], name) == 0)
            return i;
    return -1;
}

#define SIM_TICKETS 1000
#define SIM_SPIKE 80 /* extra card complaints on days 20 and 21 */
#define SIM_DAYS 30

typedef struct sim_ticket {
    char no[24];
    int state;
    int64_t opened_at, resolved_at;
    bool stuck, extended;
} sim_ticket;

typedef struct sim {
    crm_db *db;
    sim_ticket t[SIM_TICKETS];
    int n;
    int64_t now, prev_scan;
    int refused, accepted, breached, at_risk, branch_manager, reassigned, late;
} sim;

static const char *const categories[] = {"card",    "account",  "transfer", "wealth",
                                         "loan",    "mortgage", "fee",      "digital",
                                         "service", "interest", "fraud",    "other"};
static const char *const subjects[] = {"银行卡交易异常",   "账户无法正常使用", "跨行转账未到账",
                                       "理财赎回到账慢",   "贷款利率有异议",   "房贷提前还款受阻",
                                       "被收取不明手续费", "手机银行频繁闪退", "网点排队时间过长",
                                       "存款利息计算有误", "疑似被电信诈骗",   "其他服务问题"};

/* When each complaint arrives, and with which category: a steady month
 * plus a planted spike of card complaints on days 20 and 21. */
typedef struct arrival {
    int64_t at;
    int category;
    bool spike;
} arrival;

static int by_time(const void *a, const void *b)
{
    const arrival *x = a, *y = b;
    return (x->at > y->at) - (x->at < y->at);
}

static void plan_arrivals(arrival *a)
{
    for (int i = 0; i < SIM_TICKETS - SIM_SPIKE; i++)
        a[i] = (arrival){T0 + rnd(SIM_DAYS * DAY), (int)rnd(12), false};
    for (int i = SIM_TICKETS - SIM_SPIKE; i < SIM_TICKETS; i++)
        a[i] = (arrival){T0 + 20 * DAY + rnd(2 * DAY), 0, true};
    qsort(a, SIM_TICKETS, sizeof *a, by_time);
}

static const char *pick_channel(void)
{
    uint32_t r = rnd(100);
    return r < 35   ? "phone"
           : r < 55 ? "online"
           : r < 75 ? "branch"
           : r < 85 ? "email"
           : r < 95 ? "social"
                    : "regulator";
}

static const char *pick_severity(void)
{
    uint32_t r = rnd(100);
    return r < 30 ? "low" : r < 80 ? "medium" : r < 95 ? "high" : "critical";
}

static void sim_open(sim *s, const arrival *a)
{
    static const char *const branches[] = {"BJ01", "BJ02", "SH01", "SH01", "HO"};
    test_clock_set(a->at);
    crm_record *c =
        complaint(pick_channel(), categories[a->category], pick_severity(), branches[rnd(5)]);
    ck_assert_ok(
        crm_record_set_text(c, "subject", a->spike ? "信用卡被盗刷" : subjects[a->category]));
    ck_assert_ok(crm_record_set_text(
        c, "body",
        a->spike ? "我的信用卡在境外被盗刷多笔，本人从未出境，要求银行立即处理并退还盗刷款项。"
                 : "客户来电反映问题，要求尽快处理并给予答复。"));
    char *no = open_one(s->db, c);
    sim_ticket *t = &s->t[s->n++];
    snprintf(t->no, sizeof t->no, "%s", no);
    free(no);
    crm_record *r = get(s->db, t->no);
    t->state = state_index(text_of(r, "state"));
    ck_assert_int_eq(t->state, S_ASSIGNED); /* every team has members */
    crm_record_free(r);
    t->opened_at = a->at;
    t->stuck = chance(0.03);
}

/* Tries a transition; a reopen outside the window must be refused. */
static void sim_move(sim *s, sim_ticket *t, int to, const char *note)
{
    bool reopen = (t->state == S_RESOLVED || t->state == S_CLOSED) && to == S_IN_PROGRESS;
    bool in_window = !reopen || s->now - t->resolved_at <= 7 * DAY;
    int rc = crm_complaint_transition(s->db, t->no, sim_states[to], note);
    if (!in_window) {
        ck_assert_int_eq(rc, CRM_E_STATE);
        s->refused++;
        return;
    }
    ck_assert_msg(rc == CRM_OK, "%s %s -> %s: %s", t->no, sim_states[t->state], sim_states[to],
                  crm_db_errmsg(s->db));
    s->accepted++;
    if (to == S_RESOLVED && !t->resolved_at)
        t->resolved_at = s->now;
    if (reopen)
        t->resolved_at = 0;
    t->state = to;
}

static void sim_handle(sim *s, sim_ticket *t)
{
    switch (t->state) {
    case S_ASSIGNED:
        if (chance(0.25))
            sim_move(s, t, S_IN_PROGRESS, "已联系客户了解情况");
        break;
    case S_IN_PROGRESS:
        if (chance(0.03))
            sim_move(s, t, S_WAITING, "等待客户提供材料");
        else if (chance(0.04))
            sim_move(s, t, S_RESOLVED, "已核实处理并答复客户");
        else if (chance(0.003) && !t->extended) {
            ck_assert_ok(crm_complaint_extend(s->db, t->no, "案情复杂需多部门核查"));
            t->extended = true;
        }
        break;
    case S_WAITING:
        if (chance(0.08))
            sim_move(s, t, S_IN_PROGRESS, "客户已补充材料");
        break;
    case S_RESOLVED:
        if (chance(0.06)) {
            sim_move(s, t, S_CLOSED, NULL);
            if (chance(0.7))
                ck_assert_ok(crm_complaint_rate(s->db, t->no, 1 + (int)rnd(5)));
        } else if (chance(0.004)) {
            sim_move(s, t, S_IN_PROGRESS, "客户对结果不满意");
        }
        break;
    case S_CLOSED:
        if (chance(0.0005))
            sim_move(s, t, S_IN_PROGRESS, "客户再次来电");
        break;
    }
}

/* A transition the workflow does not allow from the ticket's state. */
static void sim_try_invalid(sim *s)
{
    if (!s->n)
        return;
    sim_ticket *t = &s->t[rnd((uint32_t)s->n)];
    int to = (int)rnd(S_COUNT);
    if (to == t->state || allowed[t->state][to])
        return;
    int rc = crm_complaint_transition(s->db, t->no, sim_states[to], "无效操作");
    ck_assert_msg(rc == CRM_E_STATE, "%s -> %s: %d", sim_states[t->state], sim_states[to], rc);
    ck_assert(strstr(crm_db_errmsg(s->db), "is not allowed") != NULL);
    s->refused++;
    crm_record *r = get(s->db, t->no);
    ck_assert_str_eq(text_of(r, "state"), sim_states[t->state]);
    crm_record_free(r);
}

/* Checks each escalation against the clocks: a breach is reported by the
 * first scan after the deadline, the branch manager two days after it. */
static int sim_notice(const crm_record *n, void *payload)
{
    sim *s = payload;
    const char *event = text_of(n, "event");
    if (strcmp(event, "reassigned") == 0) {
        s->reassigned++;
        ck_assert_str_ne(text_of(n, "recipient"), "kf.bj2");
        return 0;
    }
    int64_t due = time_of(n, "due_at");
    crm_record *r = get(s->db, text_of(n, "ticket_no"));
    const char *branch = text_of(r, "branch");
    if (strcmp(event, "at_risk") == 0) {
        s->at_risk++;
        s->late += due < s->now;
        ck_assert_str_eq(text_of(n, "recipient"), text_of(r, "assignee"));
    } else if (strcmp(event, "breached") == 0) {
        s->breached++;
        s->late += !(due < s->now && due >= s->prev_scan);
        ck_assert(strncmp(text_of(n, "recipient"), "sup.", 4) == 0);
    } else {
        ck_assert_str_eq(event, "branch_manager");
        s->branch_manager++;
        s->late += !(s->now - due >= 2 * DAY && s->prev_scan - due < 2 * DAY);
        const char *bm = branch[0] == 'B' ? "bm.bj" : branch[0] == 'S' ? "bm.sh" : "";
        ck_assert_str_eq(text_of(n, "recipient"), bm);
    }
    crm_record_free(r);
    return 0;
}

/* After a scan, no open ticket is past a deadline without escalation. */
static void sim_check_escalated(sim *s)
{
    crm_iter *it;
    const crm_record *r;
    crm_record *f;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_int(f, "open", 1));
    ck_assert_ok(crm_complaint_list(&it, s->db, f));
    while (crm_iter_next(&r, it) == CRM_OK) {
        int st = state_index(text_of(r, "state"));
        if (st == S_RESOLVED)
            continue;
        bool ack_late = !*text_of(r, "first_response_at") && time_of(r, "ack_due_at") < s->now;
        bool res_late = *text_of(r, "resolve_due_at") && time_of(r, "resolve_due_at") < s->now;
        if (ack_late || res_late)
            ck_assert_msg(int_of(r, "escalation_level") >= 2, "%s past due, level %lld",
                          text_of(r, "ticket_no"), (long long)int_of(r, "escalation_level"));
        ck_assert_str_ne(text_of(r, "assignee"), s->now > T0 + 10 * DAY + HOUR ? "kf.bj2" : "-");
    }
    crm_iter_free(it);
    crm_record_free(f);
}

static void sim_scan(sim *s)
{
    crm_record *sum = NULL;
    int rc = crm_complaint_sla_scan(&sum, s->db, sim_notice, s);
    ck_assert_msg(rc == CRM_OK, "scan: %s", crm_db_errmsg(s->db));
    crm_record_free(sum);
    s->prev_scan = s->now;
}

/* Every ticket's history is a chain of allowed transitions ending in its
 * state. */
static void sim_check_history(sim *s, const sim_ticket *t)
{
    crm_iter *it;
    const crm_record *e;
    ck_assert_ok(crm_complaint_history(&it, s->db, t->no));
    int at = -1;
    while (crm_iter_next(&e, it) == CRM_OK) {
        const char *kind = text_of(e, "kind");
        if (strcmp(kind, "open") == 0) {
            at = state_index(text_of(e, "to_state"));
        } else if (strcmp(kind, "transition") == 0) {
            int from = state_index(text_of(e, "from_state")),
                to = state_index(text_of(e, "to_state"));
            ck_assert_int_eq(from, at);
            ck_assert_msg(allowed[from][to], "%s: %s -> %s recorded", t->no, sim_states[from],
                          sim_states[to]);
            at = to;
        }
    }
    crm_iter_free(it);
    ck_assert_int_eq(at, t->state);
}

static void sim_run(sim *s)
{
    static arrival a[SIM_TICKETS];
    plan_arrivals(a);
    int next = 0;
    s->prev_scan = T0;
    for (int64_t tick = T0 + HOUR; tick <= T0 + SIM_DAYS * DAY; tick += HOUR) {
        while (next < SIM_TICKETS && a[next].at < tick)
            sim_open(s, &a[next++]);
        test_clock_set(s->now = tick);
        if (tick == T0 + 10 * DAY)
            ck_assert_ok(crm_user_disable(s->db, "kf.bj2", "调岗"));
        for (int i = 0; i < s->n; i++)
            if (!s->t[i].stuck)
                sim_handle(s, &s->t[i]);
        for (int k = 0; k < 2; k++)
            sim_try_invalid(s);
        sim_scan(s);
        if ((tick - T0) % DAY == 0)
            sim_check_escalated(s);
    }
    ck_assert_int_eq(next, SIM_TICKETS);
}

static void sim_check_end(sim *s)
{
    int closed = 0;
    for (int i = 0; i < s->n; i++) {
        sim_ticket *t = &s->t[i];
        crm_record *r = get(s->db, t->no);
        ck_assert_int_ge(state_index(text_of(r, "state")), 0);
        ck_assert_str_eq(text_of(r, "state"), sim_states[t->state]);
        if (t->stuck && t->opened_at < s->now - 3 * DAY)
            ck_assert_int_eq(int_of(r, "escalation_level"), 3);
        closed += t->state == S_CLOSED;
        crm_record_free(r);
        sim_check_history(s, t);
    }
    printf("simulated month: %d tickets, %d closed, %d transitions, %d refused, %d at risk,"
           " %d breached, %d to branch managers, %d reassigned\n",
           s->n, closed, s->accepted, s->refused, s->at_risk, s->breached, s->branch_manager,
           s->reassigned);
    ck_assert_int_eq(s->n, SIM_TICKETS);
    ck_assert_int_gt(closed, SIM_TICKETS / 2);
    ck_assert_int_gt(s->refused, 500);
    ck_assert_int_gt(s->at_risk, 0);
    ck_assert_int_gt(s->breached, 10);
    ck_assert_int_gt(s->branch_manager, 5);
    ck_assert_int_gt(s->reassigned, 0);
    ck_assert_int_eq(s->late, 0);
}

static void check_hotspots(crm_db *db)
{
    crm_record *q;
    crm_iter *it;
    const crm_record *row;
    char since[24], until[24];
    crm_time_format(since, sizeof since, T0 + 7 * DAY);
    crm_time_format(until, sizeof until, T0 + SIM_DAYS * DAY);
    ck_assert_ok(crm_record_new(&q));
    ck_assert_ok(crm_record_set_text(q, "by", "category"));
    ck_assert_ok(crm_record_set_text(q, "since", since));
    ck_assert_ok(crm_record_set_text(q, "until", until));
    ck_assert_ok(crm_record_set_int(q, "factor_pct", 300));
    ck_assert_ok(crm_record_set_int(q, "min_count", 10));
    ck_assert_ok(crm_complaint_hotspots(&it, db, q));
    int rows = 0;
    while (crm_iter_next(&row, it) == CRM_OK) {
        printf("hotspot: %s on %s: %lld complaints, trailing average %.2f, %lld%%\n",
               text_of(row, "key"), text_of(row, "bucket_start"), (long long)int_of(row, "count"),
               int_of(row, "trailing_avg_x100") / 100.0, (long long)int_of(row, "ratio_pct"));
        ck_assert_str_eq(text_of(row, "key"), "card");
        ck_assert(strcmp(text_of(row, "bucket_start"), "2026-11-21T00:00:00Z") == 0 ||
                  strcmp(text_of(row, "bucket_start"), "2026-11-22T00:00:00Z") == 0);
        rows++;
    }
    crm_iter_free(it);
    ck_assert_int_eq(rows, 2);
    ck_assert_ok(crm_record_set_text(q, "by", "weather"));
    ck_assert_int_eq(crm_complaint_hotspots(&it, db, q), CRM_E_INVALID_ARG);
    crm_record_free(q);
}

static void check_stats_and_terms(crm_db *db)
{
    crm_record *q;
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_record_new(&q));
    ck_assert_ok(crm_record_set_text(q, "by", "channel"));
    ck_assert_ok(crm_complaint_stats(&it, db, q));
    int64_t total = 0, last = INT64_MAX;
    while (crm_iter_next(&row, it) == CRM_OK) {
        total += int_of(row, "count");
        ck_assert_int_le(int_of(row, "count"), last);
        last = int_of(row, "count");
        ck_assert_int_eq(int_of(row, "open") + int_of(row, "resolved"), int_of(row, "count"));
    }
    crm_iter_free(it);
    ck_assert_int_eq(total, SIM_TICKETS);
    ck_assert_ok(crm_record_set_text(q, "by", "all"));
    ck_assert_ok(crm_complaint_stats(&it, db, q));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    printf("month: %lld complaints, %lld resolved, average resolution %lld minutes, SLA"
           " compliance %lld%%, satisfaction %.2f from %lld ratings\n",
           (long long)int_of(row, "count"), (long long)int_of(row, "resolved"),
           (long long)int_of(row, "avg_resolution_minutes"),
           (long long)int_of(row, "sla_compliance_pct"),
           int_of(row, "avg_satisfaction_x100") / 100.0, (long long)int_of(row, "rated"));
    ck_assert_int_ge(int_of(row, "sla_compliance_pct"), 50);
    ck_assert_int_lt(int_of(row, "sla_compliance_pct"), 100);
    ck_assert_int_ge(int_of(row, "avg_satisfaction_x100"), 250);
    ck_assert_int_le(int_of(row, "avg_satisfaction_x100"), 350);
    crm_iter_free(it);
    crm_record_free(q);

    char since[24], until[24];
    crm_time_format(since, sizeof since, T0 + 20 * DAY);
    crm_time_format(until, sizeof until, T0 + 22 * DAY);
    ck_assert_ok(crm_record_new(&q));
    ck_assert_ok(crm_record_set_text(q, "since", since));
    ck_assert_ok(crm_record_set_text(q, "until", until));
    ck_assert_ok(crm_record_set_text(q, "category", "card"));
    ck_assert_ok(crm_record_set_int(q, "limit", 40));
    ck_assert_ok(crm_complaint_terms(&it, db, q));
    bool theft = false;
    int n = 0;
    printf("frequent terms of card complaints, days 20-21:");
    while (crm_iter_next(&row, it) == CRM_OK) {
        if (n < 12)
            printf(" %s(%lld)", text_of(row, "term"), (long long)int_of(row, "count"));
        if (strcmp(text_of(row, "term"), "盗刷") == 0)
            theft = int_of(row, "count") >= SIM_SPIKE;
        n++;
    }
    printf("\n");
    crm_iter_free(it);
    ck_assert_int_eq(n, 40);
    ck_assert(theft);
    crm_record_free(q);
}

START_TEST(simulated_month_of_1000_complaints)
{
    test_clock_set(T0);
    static sim s;
    memset(&s, 0, sizeof s);
    s.db = desk();
    sim_run(&s);
    sim_check_end(&s);
    check_hotspots(s.db);
    check_stats_and_terms(s.db);
    crm_db_close(s.db);
}
END_TEST

static Suite *complaint_suite(void)
{
    Suite *s = suite_create("complaint");
    TCase *tc = tcase_create("complaint");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, open_validates_seals_contacts_and_assigns);
    tcase_add_test(tc, invalid_transitions_are_refused_with_the_reason);
    tcase_add_test(tc, clock_pauses_extends_once_and_reopens_within_window);
    tcase_add_test(tc, assignment_rules_strategies_and_explicit);
    tcase_add_test(tc, sla_scan_escalates_along_the_ladder_on_time);
    tcase_add_test(tc, host_config_with_business_hours_and_holidays);
    tcase_add_test(tc, customer_scope_applies_to_complaints);
    tcase_add_test(tc, purge_shreds_a_customers_complaint_contacts);
    tcase_add_test(tc, simulated_month_of_1000_complaints);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(complaint_suite());
}
