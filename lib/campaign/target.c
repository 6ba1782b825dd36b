/* Targeting: the eligible customers, the suppressions in their documented
 * order, the control group, and the chosen channel, in set-based SQL
 * inside one transaction (a million customers in about 1.5 s); and the
 * bank-wide contact policy the suppressions and the outreach module read. */
#include "campaign/campaign_int.h"
#include "product/product_int.h"
#include "risk/risk_int.h"
#include "segment/segment_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* --------------------------------------------------------- the policy */

typedef struct policy_field {
    const char *name;
    int64_t fallback, min, max;
} policy_field;

/* The one definition of the policy's names, defaults and ranges; the
 * outreach module reads quiet hours through crmi_contact_policy. */
static const policy_field policy_fields[] = {
    {"freq_cap", 4, 1, 1000},
    {"freq_window_days", 30, 1, 365},
    {"quiet_start_min", 21 * 60, 0, 1439},
    {"quiet_end_min", 8 * 60, 0, 1439},
    {"utc_offset_min", 8 * 60, -12 * 60, 14 * 60},
};
#define N_POLICY (sizeof policy_fields / sizeof policy_fields[0])

static const char SQL_POLICY_GET[] = "SELECT value FROM crm_contact_policy WHERE name = ?1";
static const char SQL_POLICY_SET[] = "INSERT INTO crm_contact_policy (name, value) VALUES (?1, ?2)"
                                     " ON CONFLICT (name) DO UPDATE SET value = excluded.value";

static int policy_value(crm_db *db, const policy_field *f, int64_t *out)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_POLICY_GET);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, f->name);
    int step = crmi_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : f->fallback;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "policy");
}

int crmi_contact_policy(crm_db *db, const char *name, int64_t *out)
{
    for (size_t i = 0; i < N_POLICY; i++)
        if (strcmp(policy_fields[i].name, name) == 0)
            return policy_value(db, &policy_fields[i], out);
    return crmi_error(db, CRM_E_INTERNAL, "contact policy: no field %s", name);
}

CRM_EXTERN(int) crm_campaign_policy_get(crm_record **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "contact policy: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    crm_record *rec = NULL;
    if (!rc && crm_record_new(&rec))
        rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < N_POLICY; i++) {
        int64_t v;
        if (!(rc = policy_value(db, &policy_fields[i], &v)) &&
            crmi_record_put_int(rec, policy_fields[i].name, v))
            rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    }
    if (rc)
        crm_record_free(rec);
    else
        *out = rec;
    return rc;
}

CRM_EXTERN(int) crm_campaign_policy_set(crm_db *db, const crm_record *policy)
{
    if (!db || !policy)
        return crmi_error(db, CRM_E_INVALID_ARG, "contact policy: NULL argument");
    crmi_error_clear(db);
    const char *known[N_POLICY];
    for (size_t i = 0; i < N_POLICY; i++)
        known[i] = policy_fields[i].name;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    if (!rc)
        rc = crmi_record_check_fields(db, policy, known, N_POLICY, "contact policy");
    int64_t values[N_POLICY];
    bool present[N_POLICY];
    for (size_t i = 0; !rc && i < N_POLICY; i++)
        rc = crmi_field_int(db, policy, policy_fields[i].name, policy_fields[i].min,
                            policy_fields[i].max, &present[i], &values[i]);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    crmi_buf after = {0};
    crmi_buf_putc(&after, '{');
    for (size_t i = 0; !rc && i < N_POLICY; i++) {
        if (!present[i])
            continue;
        sqlite3_stmt *st = crmi_stmt(db, SQL_POLICY_SET);
        if (!st) {
            rc = db->errcode;
            break;
        }
        crmi_bind_text(st, 1, policy_fields[i].name);
        sqlite3_bind_int64(st, 2, values[i]);
        rc = crmi_exec_stmt(db, st, "policy");
        crmi_buf_printf(&after, "%s\"%s\":%lld", after.len > 1 ? "," : "", policy_fields[i].name,
                        (long long)values[i]);
    }
    crmi_buf_putc(&after, '}');
    if (!rc) {
        crmi_audit_entry e = {.action = "campaign.policy",
                              .entity = "contact_policy",
                              .entity_id = "bank",
                              .after = after.failed ? NULL : after.data};
        rc = crmi_audit_append(db, &e);
    }
    crmi_buf_free(&after);
    return crmi_txn_end(db, rc);
}

/* ---------------------------------------------------------- the bucket */

/* splitmix64: a well-mixed hash of seed and customer id, so the control
 * group is random-looking but the same on every re-targeting. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* crmi_campaign_bucket(seed, customer_id): 0..9999 */
static void bucket_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t seed = (uint64_t)sqlite3_value_int64(argv[0]);
    uint64_t id = (uint64_t)sqlite3_value_int64(argv[1]);
    sqlite3_result_int64(ctx, (int64_t)(mix(mix(seed) ^ id) % 10000));
}

static int register_bucket(crm_db *db)
{
    int rc = sqlite3_create_function_v2(db->sql, "crmi_campaign_bucket", 2,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                        NULL, bucket_fn, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CRM_OK : crmi_sqlite_error(db, rc, "register bucket function");
}

/* --------------------------------------------------------- the targeting */

/* The few customers whose contact is limited, found once per targeting
 * from the small tables that say so, so the million-row statement makes
 * no per-customer lookup in them: flags bits 1, 2, 4 = opted out of sms,
 * email, phone ('all' sets the three), bit 8 = reached the frequency cap
 * of messages sent in the window, across every campaign and care message. */
static const char SQL_CONTACT_CREATE[] =
    "CREATE TEMP TABLE IF NOT EXISTS crmi_campaign_contact"
    " (customer_id INTEGER PRIMARY KEY, flags INTEGER NOT NULL)";
static const char SQL_CONTACT_CLEAR[] = "DELETE FROM temp.crmi_campaign_contact";
/* one customer's channels are distinct (the primary key), so their bits add */
static const char SQL_CONTACT_OPTOUT[] =
    "INSERT INTO temp.crmi_campaign_contact (customer_id, flags)"
    " SELECT customer_id, CASE WHEN max(channel = 'all') THEN 7 ELSE sum(CASE channel"
    "   WHEN 'sms' THEN 1 WHEN 'email' THEN 2 WHEN 'phone' THEN 4 ELSE 0 END) END"
    " FROM crm_optout GROUP BY customer_id";
static const char SQL_CONTACT_CAPPED[] =
    "INSERT INTO temp.crmi_campaign_contact (customer_id, flags)"
    " SELECT customer_id, 8 FROM crm_outbox WHERE state = 'sent' AND sent_at > ?1"
    " GROUP BY customer_id HAVING count(*) >= ?2"
    " ON CONFLICT (customer_id) DO UPDATE SET flags = flags | 8";
static const char SQL_TARGET_CLEAR[] = "DELETE FROM crm_campaign_target WHERE campaign_id = ?1";
static const char SQL_MAX_RATING[] =
    "SELECT coalesce(max(CAST(substr(p.risk_rating, 2) AS INTEGER)), 0) FROM crm_campaign_product"
    " cp JOIN crm_product p ON p.id = cp.product_id WHERE cp.campaign_id = ?1";
static const char SQL_CHANNELS[] =
    "SELECT channel FROM crm_campaign_channel WHERE campaign_id = ?1 ORDER BY position";
static const char SQL_N_SEGMENTS[] =
    "SELECT count(*), (SELECT eligibility FROM crm_campaign WHERE id = ?1)"
    " FROM crm_campaign_segment WHERE campaign_id = ?1";

/* The channels customer c consents to, as the bits above. */
#define CONSENT_BITS                                                                               \
    "((c.consent_sms = 1) | ((c.consent_email = 1) << 1) | ((c.consent_phone = 1) << 2))"
/* The first of the campaign's channels (:ch1..:ch3, bits :b1..:b3) in mask. */
#define FIRST_CHANNEL(mask)                                                                        \
    "CASE WHEN " mask " & :b1 THEN :ch1 WHEN " mask " & :b2 THEN :ch2 WHEN " mask                  \
    " & :b3 THEN :ch3 END"

#define FIRST_CONSENTED FIRST_CHANNEL("consent")
/* restricted, unsuitable or no consent, read from the row of customer c */
#define PRE_REASON                                                                                 \
    "CASE WHEN c.status <> 'active' OR c.deletion_requested_at IS NOT NULL THEN 'restricted'"      \
    " WHEN :min_level IS NOT NULL AND (c.risk_level IS NULL OR c.risk_level < :min_level"          \
    "   OR (CASE WHEN :questionnaires THEN " CRMI_RISK_EXPIRES_SQL                                 \
    "   ELSE c.risk_assessed_at + " CRMI_RISK_VALIDITY_SQL " END) < :now) THEN 'unsuitable'"       \
    " WHEN NOT ((c.consent_sms = 1 AND :bits & 1) OR (c.consent_email = 1 AND :bits & 2)"          \
    "   OR (c.consent_phone = 1 AND :bits & 4)) THEN 'no_consent' END"
/* Every eligible customer with the reasons read from the customer row
 * (restricted, unsuitable, no consent) and, when none applies, the group
 * and the first consented channel; opt-outs and the frequency cap are
 * applied afterwards to the few customers they concern (SQL_TARGET_LIMIT).
 * The inner layer is produced once per customer (OFFSET 0 keeps SQLite
 * from flattening it, which would compute `pre` once per use). The
 * eligible customers come from `source`: the one segment's members
 * directly, in customer order so the list's b-tree is appended to (the
 * common case, a third cheaper), or every customer filtered by segment
 * union and rule. The questionnaire's own expiry is looked up only when
 * questionnaires exist. */
#define TARGET_FILL(source)                                                                        \
    "INSERT INTO crm_campaign_target (campaign_id, customer_id, grp, reason, channel)"             \
    " SELECT :cid, id, CASE WHEN pre IS NOT NULL THEN 'suppressed'"                                \
    "   WHEN crmi_campaign_bucket(:seed, id) < :control_bps THEN 'control' ELSE 'target' END,"     \
    "   pre, CASE WHEN pre IS NULL THEN " FIRST_CONSENTED " END"                                   \
    " FROM (SELECT c.id AS id, " CONSENT_BITS " AS consent, " PRE_REASON " AS pre" source          \
    " LIMIT -1 OFFSET 0)"

static const char SQL_TARGET_FILL_ONE[] = TARGET_FILL(
    " FROM crm_campaign_segment cs JOIN crm_segment_member m ON m.segment_id = cs.segment_id"
    " JOIN crm_customer c ON c.id = m.customer_id WHERE cs.campaign_id = :cid"
    " AND c.status <> 'purged'"
    " AND (:has_rule = 0 OR c.id IN (SELECT customer_id FROM temp.crmi_seg_new))");
static const char SQL_TARGET_FILL_ANY[] = TARGET_FILL(
    " FROM crm_customer c WHERE c.status <> 'purged'"
    " AND (:n_segments = 0 OR c.id IN (SELECT m.customer_id FROM crm_campaign_segment cs"
    "   JOIN crm_segment_member m ON m.segment_id = cs.segment_id WHERE cs.campaign_id = :cid))"
    " AND (:has_rule = 0 OR c.id IN (SELECT customer_id FROM temp.crmi_seg_new))");

/* The listed customers not yet suppressed whose contact is limited: the
 * first channel they consent to and have not opted out of, else
 * 'opted_out'; with one, 'frequency_cap' if over the cap. Driven by the
 * small contact table through the list's primary key; the group drawn
 * stays for those who remain. */
#define LIMITED_CHANNEL FIRST_CHANNEL("(" CONSENT_BITS " & ~x.flags)")
static const char SQL_TARGET_LIMIT[] =
    "UPDATE crm_campaign_target AS t SET (grp, reason, channel) = (SELECT"
    "   CASE WHEN reason IS NULL THEN t.grp ELSE 'suppressed' END, reason,"
    "   CASE WHEN reason IS NULL THEN ch END"
    " FROM (SELECT ch, CASE WHEN ch IS NULL THEN 'opted_out' WHEN capped THEN 'frequency_cap'"
    "   END AS reason FROM (SELECT x.flags & 8 AS capped, " LIMITED_CHANNEL " AS ch"
    "   FROM temp.crmi_campaign_contact x JOIN crm_customer c ON c.id = x.customer_id"
    "   WHERE x.customer_id = t.customer_id)))"
    " WHERE t.campaign_id = :cid AND t.reason IS NULL"
    " AND t.customer_id IN (SELECT customer_id FROM temp.crmi_campaign_contact)";
static const char SQL_QUESTIONNAIRES[] = "SELECT EXISTS (SELECT 1 FROM crm_risk_assessment)";
/* one pass over the campaign's key range, no sort; columns in the order
 * of count_fields */
static const char SQL_COUNTS[] =
    "SELECT count(*) FILTER (WHERE grp = 'target'), count(*) FILTER (WHERE grp = 'control'),"
    " count(*) FILTER (WHERE grp = 'suppressed'), count(*) FILTER (WHERE reason = 'restricted'),"
    " count(*) FILTER (WHERE reason = 'unsuitable'), count(*) FILTER (WHERE reason = 'no_consent'),"
    " count(*) FILTER (WHERE reason = 'opted_out'),"
    " count(*) FILTER (WHERE reason = 'frequency_cap')"
    " FROM crm_campaign_target WHERE campaign_id = ?1";
static const char SQL_TARGETED[] = "UPDATE crm_campaign SET targeted_at = ?2 WHERE id = ?1";

typedef struct targeting {
    int64_t rating, n_segments;
    const char *channels[CRMI_CAMPAIGN_MAX_CHANNELS];
    char channel_text[CRMI_CAMPAIGN_MAX_CHANNELS][8];
    char *eligibility;
} targeting;

static int read_setup(crm_db *db, const crmi_campaign *c, targeting *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_MAX_RATING);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int step = crmi_step(st);
    t->rating = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW || !(st = crmi_stmt(db, SQL_N_SEGMENTS)))
        return step != SQLITE_ROW ? crmi_sqlite_error(db, step, "campaign products") : db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    if ((step = crmi_step(st)) == SQLITE_ROW) {
        t->n_segments = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
            !(t->eligibility = crmi_strdup((const char *)sqlite3_column_text(st, 1))))
            step = SQLITE_NOMEM;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW || !(st = crmi_stmt(db, SQL_CHANNELS)))
        return step != SQLITE_ROW ? crmi_sqlite_error(db, step, "campaign segments") : db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    size_t n = 0;
    while ((step = crmi_step(st)) == SQLITE_ROW && n < CRMI_CAMPAIGN_MAX_CHANNELS) {
        snprintf(t->channel_text[n], sizeof t->channel_text[n], "%s",
                 (const char *)sqlite3_column_text(st, 0));
        t->channels[n] = t->channel_text[n];
        n++;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE || step == SQLITE_ROW ? CRM_OK
                                                     : crmi_sqlite_error(db, step, "channels");
}

static int run(crm_db *db, const char *sql, const char *context)
{
    sqlite3_stmt *st = crmi_stmt(db, sql);
    return st ? crmi_exec_stmt(db, st, context) : db->errcode;
}

static int fill_contact(crm_db *db)
{
    int64_t cap, days;
    int rc = policy_value(db, &policy_fields[0], &cap);
    if (!rc)
        rc = policy_value(db, &policy_fields[1], &days);
    if (!rc)
        rc = crmi_exec(db, SQL_CONTACT_CREATE, "contact limits table");
    if (!rc)
        rc = run(db, SQL_CONTACT_CLEAR, "contact limits");
    if (!rc)
        rc = run(db, SQL_CONTACT_OPTOUT, "opt-outs");
    sqlite3_stmt *st = NULL;
    if (!rc && !(st = crmi_stmt(db, SQL_CONTACT_CAPPED)))
        rc = db->errcode;
    if (!rc) {
        sqlite3_bind_int64(st, 1, crm_db_now(db) - days * 86400);
        sqlite3_bind_int64(st, 2, cap);
        rc = crmi_exec_stmt(db, st, "frequency cap");
    }
    return rc;
}

/* The customers matching the extra rule, into temp.crmi_seg_new. */
static int fill_rule(crm_db *db, const char *eligibility)
{
    crm_rule *rule = NULL;
    int rc = crmi_customer_rule_parse(db, eligibility, "eligibility", &rule);
    if (!rc)
        rc = crmi_rule_customers(db, rule, NULL, NULL, NULL, "eligibility");
    crm_rule_free(rule);
    return rc;
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

/* sms 1, email 2, phone 4 (the contact flags); 0 for no channel */
static int64_t channel_bit(const char *channel)
{
    static const char *const names[] = {"sms", "email", "phone"};
    for (int i = 0; channel && i < 3; i++)
        if (strcmp(channel, names[i]) == 0)
            return (int64_t)1 << i;
    return 0;
}

static void bind_channels(sqlite3_stmt *st, const targeting *t)
{
    static const char *const names[] = {":ch1", ":ch2", ":ch3"};
    static const char *const bits[] = {":b1", ":b2", ":b3"};
    int64_t all = 0;
    for (size_t i = 0; i < CRMI_CAMPAIGN_MAX_CHANNELS; i++) {
        crmi_bind_text(st, sqlite3_bind_parameter_index(st, names[i]), t->channels[i]);
        bind_named_int(st, bits[i], channel_bit(t->channels[i]));
        all |= channel_bit(t->channels[i]);
    }
    bind_named_int(st, ":bits", all); /* only the fill has it */
}

static int fill_targets(crm_db *db, const crmi_campaign *c, const targeting *t)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_TARGET_CLEAR);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int64_t questionnaires = 0;
    int rc = crmi_exec_stmt(db, st, "clear target list");
    if (!rc)
        rc = crmi_query_int64(db, SQL_QUESTIONNAIRES, &questionnaires);
    if (rc || !(st = crmi_stmt(db, t->n_segments == 1 ? SQL_TARGET_FILL_ONE : SQL_TARGET_FILL_ANY)))
        return rc ? rc : db->errcode;
    bind_named_int(st, ":questionnaires", questionnaires);
    bind_named_int(st, ":cid", c->id);
    bind_named_int(st, ":seed", c->seed);
    bind_named_int(st, ":control_bps", c->control_bps);
    /* 'C1' < 'C2' < ... as text: the level a customer needs at least */
    char min_level[3] = {'C', (char)('0' + t->rating), '\0'};
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":min_level"),
                   t->rating ? min_level : NULL);
    bind_named_int(st, ":now", crm_db_now(db));
    bind_named_int(st, ":n_segments", t->n_segments);
    bind_named_int(st, ":has_rule", t->eligibility != NULL);
    bind_channels(st, t);
    if ((rc = crmi_exec_stmt(db, st, "build target list")) ||
        !(st = crmi_stmt(db, SQL_TARGET_LIMIT)))
        return rc ? rc : db->errcode;
    bind_named_int(st, ":cid", c->id);
    bind_channels(st, t);
    return crmi_exec_stmt(db, st, "apply opt-outs and frequency cap");
}

static const char *const count_fields[] = {"target",     "control",      "suppressed",
                                           "restricted", "unsuitable",   "no_consent",
                                           "opted_out",  "frequency_cap"};
#define N_COUNTS (sizeof count_fields / sizeof count_fields[0])

static int count_targets(crm_db *db, const crmi_campaign *c, int64_t counts[N_COUNTS])
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_COUNTS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, c->id);
    int step = crmi_step(st);
    for (size_t i = 0; i < N_COUNTS; i++)
        counts[i] = step == SQLITE_ROW ? sqlite3_column_int64(st, (int)i) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CRM_OK : crmi_sqlite_error(db, step, "count targets");
}

static int record_counts(crm_db *db, const crmi_campaign *c, const int64_t counts[N_COUNTS],
                         int64_t elapsed_ms, crm_record **out)
{
    crmi_buf after = {0};
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec) ? CRM_E_NOMEM : CRM_OK;
    int64_t eligible = counts[0] + counts[1] + counts[2];
    if (!rc)
        rc = crmi_record_put_int(rec, "eligible", eligible);
    crmi_buf_printf(&after, "{\"eligible\":%lld", (long long)eligible);
    for (size_t i = 0; !rc && i < N_COUNTS; i++) {
        rc = crmi_record_put_int(rec, count_fields[i], counts[i]);
        crmi_buf_printf(&after, ",\"%s\":%lld", count_fields[i], (long long)counts[i]);
    }
    crmi_buf_putc(&after, '}');
    if (!rc)
        rc = crmi_record_put_int(rec, "elapsed_ms", elapsed_ms);
    if (rc || after.failed)
        rc = crmi_error(db, CRM_E_NOMEM, "out of memory");
    if (!rc)
        rc = crmi_campaign_audit(db, c, "campaign.target", NULL, after.data);
    crmi_buf_free(&after);
    if (!rc && out)
        *out = rec;
    else
        crm_record_free(rec);
    return rc;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const targetable[] = {"approved", "scheduled", NULL};

static int target(crm_db *db, const crmi_campaign *c, crm_record **out)
{
    double started = monotonic_seconds();
    targeting t = {0};
    int rc = register_bucket(db);
    if (!rc)
        rc = read_setup(db, c, &t);
    if (!rc)
        rc = fill_contact(db);
    if (!rc) /* the statement names the rule's scratch table even without a rule */
        rc = t.eligibility ? fill_rule(db, t.eligibility) : crmi_seg_new_ready(db);
    if (!rc)
        rc = fill_targets(db, c, &t);
    if (!rc) {
        sqlite3_stmt *st = crmi_stmt(db, SQL_TARGETED);
        if (!st)
            rc = db->errcode;
        if (!rc) {
            sqlite3_bind_int64(st, 1, c->id);
            sqlite3_bind_int64(st, 2, crm_db_now(db));
            rc = crmi_exec_stmt(db, st, "campaign targeted");
        }
    }
    int64_t counts[N_COUNTS];
    if (!rc)
        rc = count_targets(db, c, counts);
    if (!rc)
        rc = record_counts(db, c, counts, (int64_t)((monotonic_seconds() - started) * 1000), out);
    crm_free(t.eligibility);
    return rc;
}

CRM_EXTERN(int) crm_campaign_target(crm_record **out, crm_db *db, const char *code)
{
    if (!db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign target: NULL argument");
    crmi_error_clear(db);
    crmi_campaign c;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_WRITE);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    if (!rc)
        rc = crmi_campaign_require_status(db, &c, targetable,
                                          "the target list is built when approved or scheduled");
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    return crmi_txn_end(db, target(db, &c, out));
}

/* ---------------------------------------------------------- the list */

static const char SQL_TARGETS[] =
    "SELECT c.customer_no, c.name, t.grp, t.reason, t.channel, t.status, t.conversion_amount"
    " FROM crm_campaign_target t JOIN crm_customer c ON c.id = t.customer_id"
    " JOIN crm_branch b ON b.id = c.branch_id WHERE t.campaign_id = :cid"
    " AND (:grp IS NULL OR t.grp = :grp) AND (:reason IS NULL OR t.reason = :reason)"
    " AND (:status IS NULL OR t.status = :status) AND" CRMI_CUSTOMER_SCOPE
    " ORDER BY c.customer_no LIMIT :limit";

static int target_row(crm_record **out, crm_db *db, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    crm_record *rec;
    int rc = crmi_record_from_row(&rec, st);
    if (!rc)
        rc = crmi_record_as_money(rec, "conversion_amount");
    for (int i = 0; !rc && i < sqlite3_column_count(st); i++)
        if (sqlite3_column_type(st, i) == SQLITE_NULL)
            rc = crm_record_unset(rec, sqlite3_column_name(st, i));
    if (rc) {
        crm_record_free(rec);
        return crmi_error(db, rc, "read target: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

CRM_EXTERN(int)
crm_campaign_targets(crm_iter **out, crm_db *db, const char *code, const crm_record *filter)
{
    if (!out || !db || !code)
        return crmi_error(db, CRM_E_INVALID_ARG, "campaign targets: NULL argument");
    crmi_error_clear(db);
    static const char *const known[] = {"grp", "reason", "status", "limit"};
    const char *grp = NULL, *reason = NULL, *status = NULL;
    int64_t limit;
    crmi_campaign c;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (!rc)
        rc = crmi_filter_check(db, filter, known, 4, "campaign targets");
    if (!rc)
        rc = crmi_filter_text(db, filter, "grp", "campaign targets", &grp);
    if (!rc)
        rc = crmi_filter_text(db, filter, "reason", "campaign targets", &reason);
    if (!rc)
        rc = crmi_filter_text(db, filter, "status", "campaign targets", &status);
    if (!rc)
        rc = crmi_filter_limit(db, filter, "campaign targets", &limit);
    if (!rc)
        rc = crmi_campaign_active(db, code, &c);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_TARGETS);
    if (rc || !st)
        return rc ? rc : db->errcode;
    bind_named_int(st, ":cid", c.id);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":grp"), grp);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":reason"), reason);
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":status"), status);
    bind_named_int(st, ":limit", limit);
    crmi_customer_scope_bind(db, st);
    return crmi_iter_new(out, db, st, target_row, NULL, NULL);
}
