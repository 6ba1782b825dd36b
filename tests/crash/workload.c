/* The writer child's workload: one row per kind of write a bank's systems
 * make all day (see crash.h). Every row runs real public calls on real-looking
 * data: Chinese names, valid resident ID numbers, CSV batches like the ones
 * the branches upload, campaign messages sent through the file channel. To
 * cover a new kind of write: write a run function that logs 'P' before and
 * 'C' after the call, give the SQL that counts what it stored under the
 * logged key, add one row. */
#include "crash.h"
#include "fault.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t crash_rand(uint64_t *state, uint64_t n)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return n ? (x * 0x2545F4914F6CDD1DULL) % n : 0;
}

void crash_log(crash_child *c, char state, const crash_scenario *s, const char *key, int64_t arg,
               int64_t expect, int64_t step)
{
    char line[256];
    int n = snprintf(line, sizeof line, "%c %s %s %lld %lld %lld\n", state, s->name, key,
                     (long long)arg, (long long)expect, (long long)step);
    /* one write: the line is in the file whole or not at all when the kill
     * lands; a failed write ends the child, which the parent reports */
    if (n <= 0 || n >= (int)sizeof line || write(c->log_fd, line, (size_t)n) != n)
        _exit(4);
}

/* ------------------------------------------------------------- data */

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                       "吴", "周", "徐", "孙", "马", "朱", "胡", "欧阳"};
static const char *const given[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强",
                                    "磊", "军", "洋", "勇",   "艳", "杰", "娟", "涛"};
static const char *const risk_levels[] = {"C1", "C2", "C3", "C4", "C5"};

static void draw_name(crash_child *c, char *out, size_t size)
{
    snprintf(out, size, "%s%s", surnames[crash_rand(&c->rng, 16)], given[crash_rand(&c->rng, 16)]);
}

/* A key unique over the whole run: prefix, cycle, sequence ("C12-7"). */
static void new_key(crash_child *c, const char *prefix, char out[33])
{
    snprintf(out, 33, "%s%d-%d", prefix, c->cycle, c->seq++);
}

/* The next ID-number serial, or -1 when this cycle has used its range. */
static long next_serial(crash_child *c)
{
    long base = CRASH_SERIAL_BASE + c->cycle * CRASH_SERIALS_PER_CYCLE;
    return c->serial < base + CRASH_SERIALS_PER_CYCLE ? c->serial++ : -1;
}

static void remember(crash_child *c, const char *customer_no)
{
    int slot = c->n_known < 64 ? c->n_known++ : 3 + (int)crash_rand(&c->rng, 61);
    snprintf(c->known[slot], sizeof c->known[slot], "%s", customer_no);
}

static const char *pick_known(crash_child *c)
{
    return c->known[crash_rand(&c->rng, (uint64_t)c->n_known)];
}

/* ------------------------------------------------------------- create */

static int customer_record(crm_record **out, crash_child *c, const char *no, long serial)
{
    char id[19], name[32], phone[16];
    fault_id_number(id, serial);
    draw_name(c, name, sizeof name);
    snprintf(phone, sizeof phone, "139%08ld", serial % 100000000L);
    int rc = crm_record_new(out);
    if (!rc)
        rc = crm_record_set_text(*out, "customer_no", no);
    if (!rc)
        rc = crm_record_set_text(*out, "name", name);
    if (!rc)
        rc = crm_record_set_text(*out, "id_number", id);
    if (!rc)
        rc = crm_record_set_text(*out, "phone", phone);
    if (!rc)
        rc = crm_record_set_text(*out, "branch", "BJ");
    if (!rc && crash_rand(&c->rng, 2))
        rc = crm_record_set_text(*out, "manager", "rm1");
    if (!rc)
        rc = crm_record_set_text(*out, "risk_level", risk_levels[crash_rand(&c->rng, 5)]);
    if (!rc)
        rc = crm_record_set_money(*out, "total_assets", (int64_t)crash_rand(&c->rng, 500000000));
    return rc;
}

static int run_create(crash_child *c, const crash_scenario *s)
{
    char no[33];
    long serial = next_serial(c);
    if (serial < 0)
        return CRM_OK;
    new_key(c, "C", no);
    crm_record *r = NULL;
    int rc = customer_record(&r, c, no, serial);
    if (!rc) {
        crash_log(c, 'P', s, no, 0, 1, 1);
        if ((rc = crm_customer_create(c->db, r)) == CRM_OK) {
            crash_log(c, 'C', s, no, 0, 1, 1);
            remember(c, no);
        }
    }
    crm_record_free(r);
    return rc;
}

/* ------------------------------------------------------------- update */

/* Reads a customer and changes its income and a note with its version: the
 * logged argument is the version the update makes. */
static int run_update(crash_child *c, const crash_scenario *s)
{
    const char *no = pick_known(c);
    crm_record *got = NULL, *change = NULL;
    int64_t version = 0;
    char note[48];
    snprintf(note, sizeof note, "第%d轮-%d", c->cycle, c->seq++);
    int rc = crm_customer_get(&got, c->db, no);
    if (!rc)
        rc = crm_record_get_int(&version, got, "version");
    if (!rc)
        rc = crm_record_new(&change);
    if (!rc)
        rc = crm_record_set_money(change, "annual_income", (int64_t)crash_rand(&c->rng, 90000000));
    if (!rc)
        rc = crm_record_set_text(change, "ext.crash_note", note);
    if (!rc) {
        crash_log(c, 'P', s, no, version + 1, 1, 1);
        if ((rc = crm_customer_update(c->db, no, change, version)) == CRM_OK)
            crash_log(c, 'C', s, no, version + 1, 1, 1);
    }
    crm_record_free(change);
    crm_record_free(got);
    return rc;
}

/* ------------------------------------------------------------- imports */

/* Writes a customer CSV of `good` rows numbered "<key>-<i>", plus, when
 * `with_bad`, a row with a wrong check character and a duplicate of a
 * template customer. Returns the rows written or -1 (no serials left). */
static int write_batch(crash_child *c, const char *path, const char *key, int good, int with_bad)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs("customer_no,name,id_number,phone,total_assets,risk_level,branch,manager\r\n", f);
    int written = 0;
    for (int i = 0; i < good; i++) {
        long serial = next_serial(c);
        if (serial < 0)
            break;
        char id[19], name[32];
        fault_id_number(id, serial);
        draw_name(c, name, sizeof name);
        fprintf(f, "%s-%d,%s,%s,138%08ld,%llu.%02u,%s,BJ,%s\r\n", key, i, name, id,
                serial % 100000000L, (unsigned long long)crash_rand(&c->rng, 3000000),
                (unsigned)crash_rand(&c->rng, 100), risk_levels[crash_rand(&c->rng, 5)],
                crash_rand(&c->rng, 2) ? "rm1" : "");
        written++;
        if (with_bad && i == good / 2) {
            id[17] = id[17] == '0' ? '1' : '0'; /* wrong check character: refused */
            fprintf(f, "%s-bad,坏行,%s,,1,C1,BJ,\r\n", key, id);
            fputs("T002,李四,,,100,C4,BJ,\r\n", f); /* stored already: skipped */
        }
    }
    return fclose(f) == 0 ? written : -1;
}

/* A branch's CSV in strict mode: one transaction, all rows or none. */
static int run_import(crash_child *c, const crash_scenario *s)
{
    char key[33], path[512];
    new_key(c, "B", key);
    snprintf(path, sizeof path, "%s/batch.csv", c->dir);
    int rows = write_batch(c, path, key, 5 + (int)crash_rand(&c->rng, 26), 0);
    if (rows <= 0)
        return rows < 0 ? CRM_E_IO : CRM_OK;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    crash_log(c, 'P', s, key, 0, rows, rows);
    int rc = crm_customer_import(&stats, c->db, path, NULL);
    if (!rc && stats.inserted != rows)
        rc = CRM_E_INTERNAL;
    if (!rc) {
        crash_log(c, 'C', s, key, 0, rows, rows);
        char first[40];
        snprintf(first, sizeof first, "%s-0", key);
        remember(c, first);
    }
    return rc;
}

/* Skip mode, batches of 4 with a bad row and a duplicate: good rows commit
 * batch by batch, so a crash may leave any prefix of them. */
static int run_import_skip(crash_child *c, const crash_scenario *s)
{
    char key[33], path[512];
    new_key(c, "S", key);
    snprintf(path, sizeof path, "%s/batch.csv", c->dir);
    int rows = write_batch(c, path, key, 6 + (int)crash_rand(&c->rng, 20), 1);
    if (rows <= 0)
        return rows < 0 ? CRM_E_IO : CRM_OK;
    crm_import_options opts = CRM_IMPORT_OPTIONS_INIT;
    opts.mode = CRM_IMPORT_SKIP;
    opts.on_duplicate = CRM_DUPLICATE_SKIP;
    opts.batch_size = 4;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    crash_log(c, 'P', s, key, 0, rows, 1);
    int rc = crm_customer_import(&stats, c->db, path, &opts);
    if (!rc && (stats.inserted != rows || stats.refused != 1 || stats.skipped != 1))
        rc = CRM_E_INTERNAL;
    if (!rc)
        crash_log(c, 'C', s, key, 0, rows, 1);
    return rc;
}

/* ------------------------------------------------------- transactions */

static const char *const txn_types[] = {"deposit", "withdrawal", "purchase", "transfer_in",
                                        "card_spend"};
static const char *const channels[] = {"branch", "mobile", "online", "atm", "phone"};

static int txn_record(crm_record **out, crash_child *c, const char *ref)
{
    int rc = crm_record_new(out);
    if (!rc)
        rc = crm_record_set_text(*out, "customer_no", pick_known(c));
    if (!rc)
        rc = crm_record_set_text(*out, "type", txn_types[crash_rand(&c->rng, 5)]);
    if (!rc)
        rc = crm_record_set_money(*out, "amount", 100 + (int64_t)crash_rand(&c->rng, 2000000));
    if (!rc)
        rc = crm_record_set_text(*out, "channel", channels[crash_rand(&c->rng, 5)]);
    if (!rc)
        rc = crm_record_set_text(*out, "ref", ref);
    return rc;
}

/* One core-banking transaction, committed on its own. */
static int run_txn(crash_child *c, const crash_scenario *s)
{
    char ref[33];
    new_key(c, "R", ref);
    crm_record *t = NULL;
    int rc = txn_record(&t, c, ref);
    if (!rc) {
        crash_log(c, 'P', s, ref, 0, 1, 1);
        if ((rc = crm_txn_add(c->db, t)) == CRM_OK)
            crash_log(c, 'C', s, ref, 0, 1, 1);
    }
    crm_record_free(t);
    return rc;
}

/* A feed of a few transactions in one host transaction: all or none. */
static int run_txn_batch(crash_child *c, const crash_scenario *s)
{
    char key[33], ref[48];
    new_key(c, "H", key);
    int n = 3 + (int)crash_rand(&c->rng, 8);
    crash_log(c, 'P', s, key, 0, n, n);
    int rc = crm_db_begin(c->db);
    for (int i = 0; !rc && i < n; i++) {
        crm_record *t = NULL;
        snprintf(ref, sizeof ref, "%s-%d", key, i);
        if ((rc = txn_record(&t, c, ref)) == CRM_OK)
            rc = crm_txn_add(c->db, t);
        crm_record_free(t);
    }
    if (crm_db_txn_depth(c->db) > 0) {
        if (rc)
            crm_db_rollback(c->db);
        else
            rc = crm_db_commit(c->db);
    }
    if (!rc)
        crash_log(c, 'C', s, key, 0, n, n);
    return rc;
}

/* ------------------------------------------------------------- send */

/* No quiet hours (the test runs at any time of day) and no frequency cap
 * (customers of earlier cycles are targeted again by later campaigns only
 * when they have not been sent one yet: a cap of one keeps each cycle's
 * list short). */
static int send_policy(crm_db *db)
{
    crm_record *p = NULL;
    int rc = crm_record_new(&p);
    if (!rc)
        rc = crm_record_set_int(p, "quiet_start_min", 0);
    if (!rc)
        rc = crm_record_set_int(p, "quiet_end_min", 0);
    if (!rc)
        rc = crm_record_set_int(p, "freq_cap", 1);
    if (!rc)
        rc = crm_campaign_policy_set(db, p);
    crm_record_free(p);
    return rc;
}

/* Send customers live in a branch of their own, which the campaign's
 * eligibility rule names: each cycle's target list holds them (a few per
 * cycle), not every customer the other scenarios made. */
#define SEND_BRANCH "SND"

static int send_branch(crm_db *db)
{
    int rc = crm_branch_add(db, SEND_BRANCH, "营销演练支行", "HO");
    return rc == CRM_E_CONFLICT ? CRM_OK : rc;
}

static int send_customer(crash_child *c, int i)
{
    char no[33];
    snprintf(no, sizeof no, "S%d-%d", c->cycle, i);
    long serial = next_serial(c);
    crm_record *r = NULL;
    int rc = serial < 0 ? CRM_E_INTERNAL : customer_record(&r, c, no, serial);
    if (!rc)
        rc = crm_record_set_int(r, "consent_sms", 1);
    if (!rc)
        rc = crm_record_set_text(r, "branch", SEND_BRANCH);
    if (!rc)
        rc = crm_record_unset(r, "manager");
    if (!rc)
        rc = crm_customer_create(c->db, r);
    crm_record_free(r);
    return rc;
}

/* A second marketer approves what admin drafted (four eyes); made by the
 * first cycle that gets this far. */
static int second_approver(crm_db *db)
{
    static const char *const f[] = {"name",     "mk2",    "display_name", "市场二", "roles",
                                    "marketer", "branch", "BJ",           NULL};
    crm_record *u = NULL;
    int rc = crm_record_new(&u);
    for (int i = 0; !rc && f[i]; i += 2)
        rc = crm_record_set_text(u, f[i], f[i + 1]);
    if (!rc)
        rc = crm_user_add(db, u);
    crm_record_free(u);
    return rc == CRM_E_CONFLICT ? CRM_OK : rc;
}

static int act(crm_db *db, const char *user, int rc)
{
    return rc ? rc : crm_db_set_actor(db, user);
}

int crash_send_setup(crash_child *c)
{
    char spool[512], code[16], def[256];
    snprintf(spool, sizeof spool, "%s/spool", c->dir);
    (void)mkdir(spool, 0700);
    int rc = crm_channel_register_spool(c->db, "sms", spool);
    crm_record *out = NULL;
    if (!rc && (rc = crm_message_send(&out, c->db, NULL, 0)) == CRM_OK) /* the restart */
        crm_record_free(out);
    if (!rc)
        rc = send_policy(c->db);
    if (!rc)
        rc = send_branch(c->db);
    for (int i = 0; !rc && i < CRASH_SEND_CUSTOMERS; i++)
        rc = send_customer(c, i);
    if (!rc)
        rc = second_approver(c->db);
    snprintf(code, sizeof code, "K%d", c->cycle);
    snprintf(def, sizeof def,
             "name: 断电演练%d\ncontrol_bps: 0\neligibility: {\"==\": [{var: branch}, " SEND_BRANCH
             "]}\nchannels: [{channel: sms, body: \"{salutation}，您好\"}]\n",
             c->cycle);
    if (!rc)
        rc = crm_campaign_create(c->db, code, def);
    if (!rc)
        rc = crm_campaign_submit(c->db, code);
    rc = act(c->db, "mk2", rc);
    if (!rc)
        rc = crm_campaign_approve(c->db, code);
    rc = act(c->db, "admin", rc);
    if (!rc)
        rc = crm_campaign_target(NULL, c->db, code);
    if (!rc)
        rc = crm_campaign_transition(c->db, code, "scheduled");
    if (!rc)
        rc = crm_campaign_transition(c->db, code, "running");
    int64_t queued = 0;
    if (!rc)
        rc = crm_message_queue(&queued, c->db, code);
    if (!rc)
        snprintf(c->campaign, sizeof c->campaign, "%s", code);
    return rc;
}

/* One queued message of the cycle's campaign handed to the file channel
 * and recorded sent: the key is the message's idempotency key. */
static int run_send(crash_child *c, const crash_scenario *s)
{
    crm_record *f = NULL;
    crm_iter *it = NULL;
    const crm_record *m;
    char key[64] = "";
    int rc = crm_record_new(&f);
    if (!rc)
        rc = crm_record_set_text(f, "campaign", c->campaign);
    if (!rc)
        rc = crm_record_set_text(f, "state", "queued");
    if (!rc)
        rc = crm_message_list(&it, c->db, f);
    /* the list is newest first; send takes the oldest due message */
    const char *v = NULL;
    while (!rc && crm_iter_next(&m, it) == CRM_OK)
        if (crm_record_get_text(&v, m, "idem_key") == CRM_OK)
            snprintf(key, sizeof key, "%s", v);
    crm_iter_free(it);
    crm_record_free(f);
    if (rc || !key[0] || strchr(key, ' '))
        return rc; /* all sent: nothing to do */
    crash_log(c, 'P', s, key, 0, 1, 1);
    crm_record *out = NULL;
    if ((rc = crm_message_send(&out, c->db, c->campaign, 1)) != CRM_OK)
        return rc;
    int64_t sent = 0;
    crm_record_get_int(&sent, out, "sent");
    crm_record_free(out);
    if (sent != 1)
        return CRM_E_STATE;
    crash_log(c, 'C', s, key, 0, 1, 1);
    return CRM_OK;
}

/* ------------------------------------------------------------- table */

/* The rows "<key>-<i>" of a batch, as an index range ('.' follows '-'). */
#define CUSTOMERS_UNDER_KEY                                                                        \
    "SELECT count(*) FROM crm_customer WHERE customer_no > ?1 || '-' AND customer_no < ?1 || '.'"

const crash_scenario crash_scenarios[] = {
    {"create", 3, run_create, "SELECT count(*) FROM crm_customer WHERE customer_no = ?1"},
    {"update", 3, run_update,
     "SELECT count(*) FROM crm_customer WHERE customer_no = ?1 AND version >= ?2"},
    {"import", 2, run_import, CUSTOMERS_UNDER_KEY},
    {"import_skip", 1, run_import_skip, CUSTOMERS_UNDER_KEY},
    {"txn", 4, run_txn, "SELECT count(*) FROM crm_txn WHERE ref = ?1"},
    {"txn_batch", 2, run_txn_batch,
     "SELECT count(*) FROM crm_txn WHERE ref > ?1 || '-' AND ref < ?1 || '.'"},
    {"send", 2, run_send, "SELECT count(*) FROM crm_outbox WHERE idem_key = ?1 AND state = 'sent'"},
};
const int crash_scenario_count = (int)(sizeof crash_scenarios / sizeof crash_scenarios[0]);
