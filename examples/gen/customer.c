/*
 * Customers: identity, contact, finances, suitability, assignment; the
 * planted duplicate pairs; and the malformed rows for import tests.
 *
 * Each customer draws from its own stream (seed, index), so one customer's
 * draws never shift another's. Two pieces of state cross customers, both of
 * fixed size: a table of ID sequence counters per (region, birth date,
 * gender), which makes every resident ID number unique, and a ring of recent
 * valid customers, the partners for planted pairs and duplicate-ID rows.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#define RING 64

typedef struct ring_entry {
    uint64_t index;
    uint64_t line;
    person_name name;
    bool male;
    int64_t birth;
    int id_kind;
    int sub;
    int district;
    char id_number[24];
    char phone_digits[12];
    bool used; /* already one side of a planted pair */
} ring_entry;

static struct {
    uint8_t *id_counts;
    int64_t birth_min;
    int64_t birth_span;
    ring_entry ring[RING];
    uint64_t ring_len; /* entries ever pushed */
    struct {
        uint64_t cohort[4];
        uint64_t shared_phone, same_name;
    } counts; /* so far: each planted kind gets at least one member */
} S;

static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

static char check_char(const char *first17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * id_weights[i];
    return "10X98765432"[sum % 11];
}

void customers_init(world *w)
{
    memset(&S, 0, sizeof S);
    S.birth_min = w->end_day - 92 * 366;
    S.birth_span = 76 * 366;
    size_t cells = (size_t)geo_region_count() * (size_t)S.birth_span * 2;
    S.id_counts = calloc(cells, 1);
    if (!S.id_counts)
        die("out of memory (%zu bytes of ID counters)", cells);
}

void customers_done(void)
{
    free(S.id_counts);
    S.id_counts = NULL;
}

/* Takes the next free sequence number of (region, birth, gender): 250 per
 * gender, starting at a pseudo-random offset so numbers look issued. */
static bool id_take(uint64_t seed, int region, int64_t birth, bool male, int *seq)
{
    size_t cell = ((size_t)region * (size_t)S.birth_span + (size_t)(birth - S.birth_min)) * 2 +
                  (male ? 1 : 0);
    if (S.id_counts[cell] >= 250)
        return false;
    uint64_t h = seed ^ ((uint64_t)cell * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    int k = (int)((S.id_counts[cell]++ + h % 500) % 500);
    *seq = 2 * k + (male ? 1 : 0);
    return true;
}

static void id_format(char *out, int kind, const char *region, int64_t birth, int seq)
{
    int y, m, d;
    civil_from_days(birth, &y, &m, &d);
    if (kind == ID_RESIDENT15) {
        snprintf(out, 24, "%s%02d%02d%02d%03d", region, y % 100, m, d, seq);
        return;
    }
    snprintf(out, 24, "%s%04d%02d%02d%03d", region, y, m, d, seq);
    out[17] = check_char(out);
    out[18] = '\0';
}

static void id_assign(world *w, gen_rng *r, customer *c)
{
    int seq, region = geo_region_draw(r, c->city);
    if (!id_take(w->seed, region, c->birth, c->male, &seq)) {
        /* that day and district is full (hundreds of namesakes' birthdays):
         * any other district of the table will do */
        int n = geo_region_count();
        for (int k = 1; k < n; k++) {
            int other = (region + k) % n;
            if (geo_region_code(other) && id_take(w->seed, other, c->birth, c->male, &seq)) {
                region = other;
                break;
            }
            if (k == n - 1)
                die("ID sequence numbers exhausted");
        }
    }
    id_format(c->id_number, c->id_kind, geo_region_code(region), c->birth, seq);
}

static ring_entry *ring_newest(bool want_unused, bool want_resident)
{
    uint64_t n = S.ring_len < RING ? S.ring_len : RING;
    for (uint64_t k = 1; k <= n; k++) {
        ring_entry *e = &S.ring[(S.ring_len - k) % RING];
        if ((!want_unused || !e->used) && (!want_resident || e->id_kind == ID_RESIDENT))
            return e;
    }
    return NULL;
}

static int age_at(int64_t birth, int64_t day)
{
    int by, bm, bd, y, m, d;
    civil_from_days(birth, &by, &bm, &bd);
    civil_from_days(day, &y, &m, &d);
    return y - by - (m < bm || (m == bm && d < bd));
}

static int64_t birth_draw(world *w, gen_rng *r)
{
    /* age bands of five years from 18 to 87, weighted like a bank's book */
    static const uint16_t band_w[] = {6, 9, 11, 11, 10, 10, 10, 9, 8, 6, 5, 3, 2, 1};
    int band = rng_pick(r, band_w, (int)(sizeof band_w / sizeof band_w[0]));
    int64_t youngest = w->end_day - (int64_t)(18 + band * 5) * 36525 / 100;
    return youngest - (int64_t)rng_below(r, 5 * 365);
}

static int risk_draw(gen_rng *r, int age)
{
    static const uint16_t young[] = {8, 20, 35, 25, 12};
    static const uint16_t mid[] = {12, 28, 35, 18, 7};
    static const uint16_t old[] = {35, 35, 22, 6, 2};
    const uint16_t *t = age < 35 ? young : age < 60 ? mid : old;
    return 1 + rng_pick(r, t, 5);
}

static void decide_cohort(world *w, gen_rng *r, customer *c)
{
    bool late = c->index >= w->n / 2;
    double u = rng_unit(r);
    c->cohort = COHORT_NORMAL;
    /* 4% dormant, 3% at risk, 0.05% anomalous; at least one of each */
    if (w->months >= 8 && (u < 0.04 || (late && S.counts.cohort[COHORT_DORMANT] == 0)))
        c->cohort = COHORT_DORMANT;
    else if (w->months >= 7 &&
             ((u >= 0.04 && u < 0.07) || (late && S.counts.cohort[COHORT_AT_RISK] == 0)))
        c->cohort = COHORT_AT_RISK;
    else if (w->months >= 3 &&
             ((u >= 0.07 && u < 0.0705) || (late && S.counts.cohort[COHORT_ANOMALY] == 0)))
        c->cohort = COHORT_ANOMALY;
    S.counts.cohort[c->cohort]++;
}

static int64_t round_fen(int64_t fen, int64_t unit)
{
    return (fen + unit / 2) / unit * unit;
}

static void finances_draw(world *w, gen_rng *r, customer *c)
{
    c->occ = occupation_draw(r, c->age);
    double income = rng_lognormal(r, c->occ->income_median, c->occ->income_sigma);
    c->income = (int64_t)(income * 100);
    if (rng_chance(r, 0.7))
        c->income = round_fen(c->income, 100 * 100);
    double k = c->age < 26 ? 0.4 : c->age < 36 ? 1.0 : c->age < 46 ? 2.0 : c->age < 61 ? 3.0 : 4.0;
    double base = (income > 20000 ? income : 20000) * k;
    double assets = rng_lognormal(r, base, 1.1);
    if (assets > 2e8)
        assets = 2e8;
    c->assets = (int64_t)(assets * 100) + 10000;
    if (c->cohort == COHORT_AT_RISK && c->assets < 10000000)
        c->assets = 10000000 + (int64_t)rng_below(r, 20000000);
    if (rng_chance(r, 0.08)) {
        c->risk = 0;
        return;
    }
    c->risk = risk_draw(r, c->age);
    /* most assessments are current; about one in five is over a year old */
    int ago = rng_chance(r, 0.2) ? rng_range(r, 366, 1100) : rng_range(r, 0, 364);
    c->risk_day = w->end_day - ago;
}

void customer_draw(world *w, uint64_t i, customer *c)
{
    gen_rng r;
    rng_init(&r, w->seed, STREAM_IDENTITY, i);
    memset(c, 0, sizeof *c);
    c->index = i;
    snprintf(c->no, sizeof c->no, "C%010llu", (unsigned long long)i + 1);
    c->manager = -1;

    if (w->malformed_pct > 0 && rng_unit(&r) * 100.0 < w->malformed_pct) {
        c->malformed = 1 + (int)rng_below(&r, MAL_KINDS - 1);
        if (c->malformed == MAL_DUP_ID && !ring_newest(false, true))
            c->malformed = MAL_BAD_CHECK;
    }
    /* a duplicate ID row is the same person entered again at the same branch */
    ring_entry *src = c->malformed == MAL_DUP_ID ? ring_newest(false, true) : NULL;
    const sub_branch *sb = &w->subs[src ? src->sub : sub_branch_draw(w, &r)];
    c->sub = (int)(sb - w->subs);
    c->city = geo_city(sb->city);
    c->district = src                   ? src->district
                  : rng_chance(&r, 0.7) ? sb->district
                                        : (int)rng_below(&r, (uint32_t)geo_district_count(c->city));

    /* planted pairs: the second customer borrows from a recent one */
    if (src) {
        c->dup_line = src->line;
    } else if (!c->malformed) {
        bool late = i >= w->n / 2;
        double u = rng_unit(&r);
        if (u < 0.004 || (late && S.counts.shared_phone == 0)) {
            if ((src = ring_newest(true, false)))
                c->pattern = PAT_SHARED_PHONE;
        } else if (u < 0.007 || (late && S.counts.same_name == 0)) {
            if ((src = ring_newest(true, false)))
                c->pattern = PAT_SAME_NAME;
        }
        if (src) {
            src->used = true;
            c->partner = src->index;
            if (c->pattern == PAT_SHARED_PHONE)
                S.counts.shared_phone++;
            else
                S.counts.same_name++;
        }
    }
    bool copy_person = src && (c->pattern == PAT_SAME_NAME || c->malformed == MAL_DUP_ID);
    c->male = copy_person ? src->male : rng_chance(&r, 0.505);
    c->birth = copy_person ? src->birth : birth_draw(w, &r);
    c->age = age_at(c->birth, w->end_day);
    int by, bm, bd;
    civil_from_days(c->birth, &by, &bm, &bd);
    if (copy_person)
        c->name = src->name;
    else
        name_draw(&r, c->male, by, &c->name);

    double u = rng_unit(&r);
    bool needs_18 = c->malformed == MAL_BAD_CHECK || c->malformed == MAL_BIRTH_MISMATCH;
    if (c->malformed == MAL_DUP_ID) {
        c->id_kind = ID_RESIDENT;
        memcpy(c->id_number, src->id_number, sizeof c->id_number);
    } else if (!needs_18 && u < 0.01) {
        c->id_kind = ID_PASSPORT;
        snprintf(c->id_number, sizeof c->id_number, "E%08u",
                 permute_1e8((uint32_t)i, w->seed ^ 0x70617373ULL));
    } else {
        c->id_kind = !needs_18 && by >= 1900 && by < 1985 && u < 0.07 ? ID_RESIDENT15 : ID_RESIDENT;
        id_assign(w, &r, c);
    }

    phone_for(i, w->seed, &r, c->phone_digits);
    if (c->pattern == PAT_SHARED_PHONE)
        memcpy(c->phone_digits, src->phone_digits, sizeof c->phone_digits);
    c->phone_plus86 = rng_chance(&r, 0.08);
    if (rng_chance(&r, 0.6) || c->malformed == MAL_BAD_EMAIL)
        email_draw(&r, &c->name, by, c->phone_digits, c->email, sizeof c->email);
    address_draw(&r, c->city, c->district, c->address, sizeof c->address,
                 c->malformed == MAL_COMMA ? COMMA_ALWAYS : COMMA_SOMETIMES);

    if (!c->malformed)
        decide_cohort(w, &r, c);
    finances_draw(w, &r, c);
    if (sb->rm_count && rng_chance(&r, 0.95))
        c->manager = sb->rm_first + (int)rng_below(&r, (uint32_t)sb->rm_count);
    c->consent_sms = rng_chance(&r, 0.7);
    c->consent_email = c->email[0] && rng_chance(&r, 0.5);
    c->consent_phone = rng_chance(&r, 0.35);
}

static const char *const mal_names[MAL_KINDS] = {"",
                                                 "bad_id_check_digit",
                                                 "birth_date_mismatch",
                                                 "phone_10_digits",
                                                 "bad_email",
                                                 "negative_income",
                                                 "unknown_risk_level",
                                                 "missing_customer_no",
                                                 "non_numeric_money",
                                                 "unquoted_comma",
                                                 "duplicate_id_number"};
static const char *const mal_columns[MAL_KINDS] = {
    "",           "id_number",   "birth_date",   "phone",   "email",    "annual_income",
    "risk_level", "customer_no", "total_assets", "address", "id_number"};

const char *malformed_kind_name(int kind, int format)
{
    if (kind == MAL_COMMA && format == FORMAT_JSONL)
        return "invalid_json";
    return mal_names[kind];
}

const char *malformed_column(int kind)
{
    return mal_columns[kind];
}

const char *risk_level_name(int risk)
{
    static const char *const names[] = {"", "C1", "C2", "C3", "C4", "C5"};
    return names[risk];
}

static void write_id(gen_rng *r, gen_table *t, customer *c)
{
    char id[24];
    memcpy(id, c->id_number, sizeof id);
    if (c->malformed == MAL_BAD_CHECK) {
        char good = id[17], bad;
        do
            bad = "0123456789X"[rng_below(r, 11)];
        while (bad == good);
        id[17] = bad;
        snprintf(c->mal_detail, sizeof c->mal_detail, "check character is %c, expected %c", bad,
                 good);
    } else if (c->malformed == MAL_DUP_ID) {
        snprintf(c->mal_detail, sizeof c->mal_detail, "id_number repeats the one on line %llu",
                 (unsigned long long)c->dup_line);
    }
    t_str(t, id);
}

static void write_birth(gen_rng *r, gen_table *t, customer *c)
{
    int64_t b = c->birth;
    if (c->malformed == MAL_BIRTH_MISMATCH) {
        int delta = rng_range(r, 1, 3000);
        b += rng_chance(r, 0.5) ? delta : -delta;
        char given[16], real[16];
        fmt_date(given, b);
        fmt_date(real, c->birth);
        snprintf(c->mal_detail, sizeof c->mal_detail, "birth_date %s, the ID number says %s", given,
                 real);
    }
    t_date(t, b);
}

static void write_contact(gen_rng *r, gen_table *t, customer *c)
{
    char phone[24];
    snprintf(phone, sizeof phone, "%s%s", c->phone_plus86 ? "+86" : "", c->phone_digits);
    if (c->malformed == MAL_PHONE10) {
        phone[strlen(phone) - 1] = '\0';
        snprintf(c->mal_detail, sizeof c->mal_detail, "phone %s has 10 digits", phone);
    }
    t_str(t, phone);
    if (c->malformed == MAL_BAD_EMAIL) {
        char bad[128], *at = strchr(c->email, '@');
        size_t local = at ? (size_t)(at - c->email) : strlen(c->email);
        switch (rng_below(r, 5)) {
        case 0: /* no @ */
            snprintf(bad, sizeof bad, "%.*s.%s", (int)local, c->email, at ? at + 1 : "163.com");
            break;
        case 1: /* no dot in the domain */
            snprintf(bad, sizeof bad, "%.*s@163", (int)local, c->email);
            break;
        case 2: /* a space */ snprintf(bad, sizeof bad, "%.1s %s", c->email, c->email + 1); break;
        case 3: /* two @ */
            snprintf(bad, sizeof bad, "%.*s@@%s", (int)local, c->email, at ? at + 1 : "qq.com");
            break;
        default: /* empty local part */
            snprintf(bad, sizeof bad, "@%s", at ? at + 1 : "126.com");
            break;
        }
        snprintf(c->mal_detail, sizeof c->mal_detail, "email '%s' is not an address", bad);
        t_str(t, bad);
    } else if (c->email[0]) {
        t_str(t, c->email);
    } else {
        t_null(t);
    }
    if (c->malformed != MAL_COMMA) {
        t_str(t, c->address);
    } else if (t->format == FORMAT_CSV) {
        snprintf(c->mal_detail, sizeof c->mal_detail,
                 "address holds an unquoted comma: the row has 22 fields");
        t_raw(t, c->address);
    } else {
        char broken[300];
        snprintf(broken, sizeof broken, "\"%s", c->address);
        snprintf(c->mal_detail, sizeof c->mal_detail,
                 "address string not terminated: the line is not JSON");
        t_raw(t, broken);
    }
}

static void write_money(gen_rng *r, gen_table *t, customer *c)
{
    if (c->malformed == MAL_NEG_INCOME) {
        char b[40];
        b[0] = '-';
        fmt_money(b + 1, c->income > 0 ? c->income : 1200000);
        snprintf(c->mal_detail, sizeof c->mal_detail, "annual_income %s is negative", b);
        t_num(t, b);
    } else {
        t_money(t, c->income);
    }
    if (c->malformed == MAL_MONEY) {
        static const char *const bad[] = {"12.5万", "N/A", "5000元", "abc", "1.2.3", "１２３４５"};
        const char *v = bad[rng_below(r, sizeof bad / sizeof bad[0])];
        snprintf(c->mal_detail, sizeof c->mal_detail, "total_assets '%s' is not a number", v);
        t_str(t, v);
    } else {
        t_money(t, c->assets);
    }
}

static void write_risk(gen_rng *r, gen_table *t, customer *c)
{
    if (c->malformed == MAL_RISK) {
        static const char *const bad[] = {"C6", "C0", "R3", "高"};
        const char *v = bad[rng_below(r, 4)];
        snprintf(c->mal_detail, sizeof c->mal_detail, "risk_level '%s' is not C1..C5", v);
        t_str(t, v);
    } else if (c->risk) {
        t_str(t, risk_level_name(c->risk));
    } else {
        t_null(t);
    }
    if (c->risk)
        t_date(t, c->risk_day);
    else
        t_null(t);
}

static void ring_push(const customer *c, uint64_t line)
{
    ring_entry *e = &S.ring[S.ring_len++ % RING];
    e->index = c->index;
    e->line = line;
    e->name = c->name;
    e->male = c->male;
    e->birth = c->birth;
    e->id_kind = c->id_kind;
    e->sub = c->sub;
    e->district = c->district;
    memcpy(e->id_number, c->id_number, sizeof e->id_number);
    memcpy(e->phone_digits, c->phone_digits, sizeof e->phone_digits);
    e->used = c->pattern != PAT_NONE;
}

void customer_write(world *w, gen_table *t, customer *c, uint64_t line)
{
    gen_rng r;
    rng_init(&r, w->seed, STREAM_IDENTITY, c->index | (1ULL << 63));
    char login[64];
    person_name staff;
    t_str(t, c->malformed == MAL_NO_CUSTNO ? "" : c->no);
    if (c->malformed == MAL_NO_CUSTNO)
        snprintf(c->mal_detail, sizeof c->mal_detail, "customer_no is empty");
    t_str(t, c->name.name);
    t_str(t, c->id_kind == ID_PASSPORT ? "passport" : "resident_id");
    write_id(&r, t, c);
    t_str(t, c->male ? "M" : "F");
    write_birth(&r, t, c);
    write_contact(&r, t, c);
    t_str(t, c->city->fullname);
    t_str(t, c->city->province);
    t_str(t, c->occ->name);
    write_money(&r, t, c);
    write_risk(&r, t, c);
    t_str(t, w->subs[c->sub].code);
    if (c->manager >= 0) {
        staff_identity(w, c->manager, login, sizeof login, &staff);
        t_str(t, login);
    } else {
        t_null(t);
    }
    t_int(t, c->consent_sms);
    t_int(t, c->consent_email);
    t_int(t, c->consent_phone);
    t_end(t);
    if (!c->malformed)
        ring_push(c, line);
}
