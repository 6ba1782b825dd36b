/*
 * A customer's products and their transactions over the window (--months
 * calendar months up to --end-date), simulated month by month with every
 * holding's balance kept, so holdings.csv holds the balances the rows lead
 * to. Memory is one customer's holdings and one month of events.
 *
 * Balance model (README "Transactions"): each holding moves only by its own
 * transactions. Deposit products: deposit and transfer_in add, withdrawal and
 * transfer_out subtract. Wealth, fund and insurance: purchase adds,
 * redemption subtracts. Loans (outstanding principal): repayment subtracts.
 * Credit cards (amount owed): card_spend adds, repayment subtracts.
 */
#include "gen.h"

#include <string.h>

const char *const txn_type_names[] = {"deposit",     "withdrawal",   "purchase",  "redemption",
                                      "transfer_in", "transfer_out", "repayment", "card_spend"};
enum {
    TX_DEPOSIT,
    TX_WITHDRAWAL,
    TX_PURCHASE,
    TX_REDEMPTION,
    TX_TRANSFER_IN,
    TX_TRANSFER_OUT,
    TX_REPAYMENT,
    TX_CARD_SPEND
};
static const char *const channel_names[] = {"branch", "mobile", "online", "atm", "phone"};
enum { CH_BRANCH, CH_MOBILE, CH_ONLINE, CH_ATM, CH_PHONE, NCH };

/* channel weights by kind of transaction and age group (<35, 35-59, 60+) */
enum { CC_TRANSFER, CC_CASH_OUT, CC_CASH_IN, CC_INVEST, CC_REPAY, CC_CARD, NCC };
static const uint16_t channel_w[NCC][3][NCH] = {
    {{3, 75, 20, 0, 2}, {8, 62, 25, 0, 5}, {35, 35, 12, 0, 18}},
    {{15, 0, 0, 85, 0}, {25, 0, 0, 75, 0}, {55, 0, 0, 45, 0}},
    {{40, 0, 0, 60, 0}, {55, 0, 0, 45, 0}, {75, 0, 0, 25, 0}},
    {{5, 80, 15, 0, 0}, {20, 60, 20, 0, 0}, {55, 30, 10, 0, 5}},
    {{5, 25, 70, 0, 0}, {5, 25, 70, 0, 0}, {10, 20, 70, 0, 0}},
    {{0, 45, 55, 0, 0}, {0, 45, 55, 0, 0}, {0, 40, 60, 0, 0}},
};
/* hour of day (local) for self-service channels */
static const uint16_t hour_w[24] = {1, 1, 0, 0, 0, 0, 1, 3, 5, 6, 6, 6,
                                    7, 6, 6, 6, 6, 6, 6, 7, 8, 8, 6, 3};

/* day weights: flat, cash (Spring Festival), card (festival, 618, Double Eleven, 1212) */
enum { K_FLAT, K_CASH, K_CARD, NKIND };
#define MAX_MONTHS 120
typedef struct month_info {
    int64_t first; /* first day */
    int ndays;     /* days inside the window (the last month stops at the end date) */
    int y, m;
    double cum[NKIND][31];
    double scale[NKIND]; /* sum of day weights / average month length */
} month_info;

static month_info months[MAX_MONTHS];
static int nmonths;
static int64_t dormant_cutoff; /* epoch seconds: end date - 180 days, 00:00Z */

#define LOCAL_OFFSET (8 * 3600) /* China Standard Time, UTC+8 */

static double day_weight(int kind, int64_t day)
{
    if (kind == K_FLAT)
        return 1.0;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int64_t rel = day - spring_festival(m == 12 ? y + 1 : y);
    double wt = 1.0;
    if (rel >= -21 && rel <= -1)
        wt = kind == K_CASH ? 3.0 : 2.2;
    else if (rel >= 0 && rel <= 6)
        wt = kind == K_CASH ? 1.6 : 1.3;
    if (kind == K_CARD) {
        if (m == 11 && d <= 10)
            wt = 1.8;
        else if (m == 11 && d == 11)
            wt = 12.0;
        else if (m == 6 && d < 18)
            wt = 1.3;
        else if (m == 6 && d == 18)
            wt = 4.0;
        else if (m == 12 && d == 12)
            wt = 3.0;
    }
    if (m == 10 && d <= 7)
        wt *= 1.3;
    return wt;
}

int64_t window_first_day(const world *w)
{
    (void)w;
    return months[0].first;
}

void activity_init(world *w)
{
    int ey, em, ed;
    civil_from_days(w->end_day, &ey, &em, &ed);
    nmonths = w->months;
    for (int k = 0; k < nmonths; k++) {
        month_info *mi = &months[k];
        int back = nmonths - 1 - k;
        int idx = ey * 12 + (em - 1) - back;
        mi->y = idx / 12;
        mi->m = idx % 12 + 1;
        mi->first = days_from_civil(mi->y, mi->m, 1);
        mi->ndays = k == nmonths - 1 ? ed : days_in_month(mi->y, mi->m);
        for (int kind = 0; kind < NKIND; kind++) {
            double sum = 0;
            for (int d = 0; d < mi->ndays; d++) {
                sum += day_weight(kind, mi->first + d);
                mi->cum[kind][d] = sum;
            }
            mi->scale[kind] = sum / 30.44;
        }
    }
    dormant_cutoff = (w->end_day - 180) * 86400;
}

/* ---- one customer's simulation ---- */

#define MAX_HOLD 16
#define MAX_EV 512
#define NO_DAY INT64_MIN
#define AT_RISK_MIN 2000000 /* fen: 20,000 yuan of assets when the drain starts */

enum { AMT_ABS, AMT_FRAC, AMT_STMT }; /* FRAC and STMT amounts are permille */

typedef struct holding {
    int prod;
    int type;
    int64_t bal;
    int64_t param;    /* installment, SIP amount, premium, monthly card spend */
    int day;          /* day of month of the scheduled transaction */
    int month;        /* insurance: anniversary month */
    int64_t open_day; /* first purchase or deposit inside the window */
    int64_t open_amt;
    int64_t stmt;   /* credit card: owed at the end of last month */
    int64_t wd_day; /* at-risk time deposits: early withdrawal */
} holding;

typedef struct event {
    int64_t t;
    int16_t h;
    int8_t type;
    int8_t chan;
    int8_t mode;
    int8_t anomaly;
    int64_t v;
} event;

typedef struct sim {
    const world *w;
    const customer *c;
    gen_rng r;
    holding h[MAX_HOLD];
    int nh;
    event ev[MAX_EV];
    int nev;
    int agegrp;
    double act;
    int64_t inc_m, mean_out, mean_in, usual_max, card_mean;
    double lam_wd, lam_tout, lam_tin, lam_dep, lam_card;
    bool salaried, pension; /* neither: irregular income by transfer_in */
    int dormant_from;
    int risk_from;
    int anomaly_month;
    int64_t anomaly_x;
    int bonus_offset;
    gen_table *txn;
    activity_result *res;
    int64_t last_t;
    int64_t month_first; /* first day of the month being generated */
    int applied_this_month;
    int64_t net_this_month;
} sim;

static bool is_asset(int type)
{
    return type == P_DEPOSIT || type == P_WEALTH || type == P_FUND || type == P_INSURANCE;
}

static int add_holding(sim *s, int prod)
{
    holding *h = &s->h[s->nh];
    memset(h, 0, sizeof *h);
    h->prod = prod;
    h->type = products[prod].type;
    h->open_day = NO_DAY;
    h->wd_day = NO_DAY;
    return s->nh++;
}

static bool holds(const sim *s, int prod)
{
    for (int i = 0; i < s->nh; i++)
        if (s->h[i].prod == prod)
            return true;
    return false;
}

/* A product of [first, last] with risk rating <= max_risk, not yet held. */
static int pick_product(sim *s, int first, int last, int max_risk)
{
    int cand[16], n = 0;
    for (int p = first; p <= last; p++)
        if (products[p].risk <= max_risk && !holds(s, p))
            cand[n++] = p;
    return n ? cand[rng_below(&s->r, (uint32_t)n)] : -1;
}

static int64_t round_to(int64_t fen, int64_t unit)
{
    return fen / unit * unit;
}

static int64_t day_in_window(sim *s, int64_t lo, int64_t hi)
{
    int64_t first = months[0].first, last = s->w->end_day;
    if (lo < first)
        lo = first;
    if (hi > last)
        hi = last;
    if (lo > hi)
        return NO_DAY;
    return lo + (int64_t)rng_below(&s->r, (uint32_t)(hi - lo + 1));
}

static void choose_products(sim *s)
{
    const customer *c = s->c;
    gen_rng *r = &s->r;
    double income = (double)c->income / 100, assets = (double)c->assets / 100;
    bool dormant = c->cohort == COHORT_DORMANT;
    add_holding(s, PR_DEP_CUR);
    if (rng_chance(r, c->age > 45 ? 0.5 : 0.25)) {
        int n = rng_chance(r, 0.3) ? 2 : 1;
        for (int k = 0; k < n; k++) {
            int p = pick_product(s, PR_DEP_TERM_FIRST, PR_DEP_TERM_LAST, 1);
            if (p >= 0)
                add_holding(s, p);
        }
    }
    if (assets > 300000 && rng_chance(r, 0.15))
        add_holding(s, rng_chance(r, 0.6) ? PR_DEP_LCD_OLD : PR_DEP_LCD_NEW);
    if (c->age >= 22 && c->age <= 65 && income >= 30000 && rng_chance(r, 0.45))
        add_holding(s, income < 150000 ? PR_CC_STD : income < 400000 ? PR_CC_GOLD : PR_CC_PLAT);
    if (!dormant) {
        if (c->age >= 26 && c->age <= 55 && income >= 60000 && rng_chance(r, 0.18))
            add_holding(s, PR_LN_MORT);
        if (c->age >= 23 && c->age <= 50 && rng_chance(r, 0.06))
            add_holding(s, PR_LN_CAR);
        if (c->age >= 22 && c->age <= 55 && rng_chance(r, 0.07))
            add_holding(s, PR_LN_CONS);
        if (rng_chance(r, c->occ->kind == OCC_SELF_EMPLOYED ? 0.3 : 0.01))
            add_holding(s, PR_LN_BIZ);
    }
    /* suitability: wealth and funds only up to the customer's level */
    bool wealth = false;
    double pw = assets >= 500000 ? 0.45 : assets >= 100000 ? 0.25 : 0.06;
    if (c->risk >= 2 && rng_chance(r, pw)) {
        int n = rng_chance(r, 0.35) ? 2 : 1;
        for (int k = 0; k < n; k++) {
            int p = pick_product(s, PR_WM_FIRST, PR_WM_LAST, c->risk);
            if (p >= 0) {
                add_holding(s, p);
                wealth = true;
            }
        }
    }
    if (c->risk >= 3 && rng_chance(r, c->age < 40 ? 0.22 : 0.12)) {
        int n = rng_chance(r, 0.3) ? 2 : 1;
        for (int k = 0; k < n; k++) {
            int p = pick_product(s, PR_FD_FIRST, PR_FD_LAST, c->risk);
            if (p >= 0)
                add_holding(s, p);
        }
    }
    /* the planted association: wealth holders also insure */
    if (rng_chance(r, wealth ? 0.55 : 0.08)) {
        int p = pick_product(s, PR_IN_FIRST, PR_IN_LAST, c->risk > 1 ? c->risk : 1);
        if (p >= 0)
            add_holding(s, p);
    }
}

/* Splits the starting assets over the asset holdings, sets up the loans,
 * cards, plans and first purchases. */
static void open_balances(sim *s)
{
    const customer *c = s->c;
    gen_rng *r = &s->r;
    int64_t end = s->w->end_day;
    double wsum = 0, wt[MAX_HOLD];
    for (int i = 0; i < s->nh; i++) {
        int t = s->h[i].type;
        wt[i] = !is_asset(t)                 ? 0
                : s->h[i].prod == PR_DEP_CUR ? 1.0 + rng_unit(r)
                : t == P_DEPOSIT             ? 1.5
                : t == P_WEALTH              ? 2.5
                : t == P_FUND                ? 1.0
                                             : 0.8;
        wsum += wt[i];
    }
    for (int i = 0; i < s->nh; i++) {
        holding *h = &s->h[i];
        int64_t share = (int64_t)((double)c->assets * wt[i] / wsum);
        switch (h->type) {
        case P_DEPOSIT:
            if (h->prod == PR_DEP_CUR) {
                h->bal = share;
            } else if (h->prod == PR_DEP_LCD_OLD || h->prod == PR_DEP_LCD_NEW) {
                int64_t amt = round_to(share > 20000000 ? share : 20000000, 100000);
                const product_info *p = &products[h->prod];
                int64_t day = end + p->start_offset +
                              (int64_t)rng_below(r, (uint32_t)(p->end_offset - p->start_offset));
                if (day > end)
                    day = end;
                if (day >= months[0].first) {
                    h->open_day = day;
                    h->open_amt = amt;
                } else {
                    h->bal = amt;
                }
            } else {
                int64_t amt = round_to(share, 10000) + 10000;
                if (rng_chance(r, 0.35) &&
                    (h->open_day = day_in_window(s, months[0].first, end)) != NO_DAY)
                    h->open_amt = amt;
                else
                    h->bal = amt;
            }
            break;
        case P_WEALTH:
        case P_FUND: {
            int64_t unit = h->type == P_WEALTH ? 100000 : 100;
            int64_t floor = h->type == P_WEALTH ? 1000000 : 100000;
            int64_t amt = round_to(share, unit);
            if (amt < floor)
                amt = floor;
            h->param = amt; /* reference size for later purchases */
            if (rng_chance(r, 0.3) &&
                (h->open_day = day_in_window(s, months[0].first, end - 30)) != NO_DAY)
                h->open_amt = amt;
            else
                h->bal = amt;
            if (h->type == P_FUND && rng_chance(r, 0.4)) {
                h->param = -(int64_t)rng_range(r, 5, 30) * 10000; /* negative: a monthly plan */
                h->day = rng_range(r, 1, 28);
            }
            break;
        }
        case P_INSURANCE:
            h->bal = share > 200000 ? share : 200000;
            h->param = round_to(h->bal / rng_range(r, 2, 8), 100) + 200000;
            h->month = rng_range(r, 1, 12);
            h->day = rng_range(r, 1, 28);
            break;
        case P_LOAN: {
            double inc = (double)(c->income > 3000000 ? c->income : 3000000);
            double principal = h->prod == PR_LN_MORT   ? inc * (3 + 5 * rng_unit(r))
                               : h->prod == PR_LN_CAR  ? 8000000 + 22000000 * rng_unit(r)
                               : h->prod == PR_LN_CONS ? 2000000 + 18000000 * rng_unit(r)
                                                       : inc * (1 + 3 * rng_unit(r));
            int remaining = h->prod == PR_LN_MORT  ? rng_range(r, 60, 300)
                            : h->prod == PR_LN_CAR ? rng_range(r, 12, 48)
                                                   : rng_range(r, 6, 36);
            h->bal = round_to((int64_t)(principal * (0.3 + 0.65 * rng_unit(r))), 100);
            h->param = h->bal / remaining + 1;
            h->day = rng_range(r, 1, 28);
            break;
        }
        case P_CARD:
            h->param = (int64_t)((double)s->inc_m * (0.1 + 0.25 * rng_unit(r))) + 20000;
            h->bal = (int64_t)((double)h->param * rng_unit(r));
            h->day = rng_range(r, 5, 25);
            break;
        }
    }
}

static void setup(sim *s)
{
    const customer *c = s->c;
    gen_rng *r = &s->r;
    int M = s->w->months;
    double scale = s->w->txn_scale;
    s->agegrp = c->age < 35 ? 0 : c->age < 60 ? 1 : 2;
    s->act = rng_lognormal(r, 0.85, 0.55);
    if (s->act < 0.1)
        s->act = 0.1;
    if (s->act > 5)
        s->act = 5;
    s->inc_m = c->income / 12;
    s->salaried = c->occ->kind == OCC_SALARIED && rng_chance(r, 0.85);
    s->pension = c->occ->kind == OCC_RETIRED;
    s->lam_wd = 0.3 * s->act * scale;
    s->lam_tout = 0.5 * s->act * scale;
    s->lam_tin = 0.2 * s->act * scale;
    s->lam_dep = 0.08 * s->act * scale;
    s->lam_card = 2.0 * s->act * scale;
    /* spending takes 50-85% of income; customers about to leave were savers,
     * so they have something to take away */
    double spend = c->cohort == COHORT_AT_RISK ? 0.3 + 0.2 * rng_unit(r) : 0.5 + 0.35 * rng_unit(r);
    s->mean_out = (int64_t)((double)s->inc_m * spend / (0.8 * s->act * scale));
    if (s->mean_out < 2000)
        s->mean_out = 2000;
    s->mean_in = s->inc_m;
    int64_t u = s->mean_out > s->mean_in ? s->mean_out : s->mean_in;
    if (u < 20000)
        u = 20000;
    s->usual_max = 6 * u;
    s->dormant_from = c->cohort == COHORT_DORMANT ? M - rng_range(r, 7, 12) : M;
    if (s->dormant_from < 1)
        s->dormant_from = 1;
    s->risk_from = c->cohort == COHORT_AT_RISK ? M - 6 : M;
    s->anomaly_month = -1;
    if (c->cohort == COHORT_ANOMALY) {
        int lo = M - 12 > 0 ? M - 12 : 0;
        s->anomaly_month = rng_range(r, lo, M - 2);
        int64_t x = u * rng_range(r, 60, 150);
        if (x < 20000000)
            x = 20000000 + (int64_t)rng_below(r, 30000000);
        s->anomaly_x = round_to(x, 100000);
    }
    s->bonus_offset = rng_range(r, 8, 20);
    choose_products(s);
    open_balances(s);
    /* dormant and at-risk customers buy nothing new in their last months */
    int quiet = s->dormant_from < s->risk_from ? s->dormant_from : s->risk_from;
    int64_t quiet_day = quiet < M ? months[quiet].first : INT64_MAX;
    for (int i = 0; i < s->nh; i++) {
        holding *h = &s->h[i];
        if (h->open_day != NO_DAY && h->open_day >= quiet_day) {
            h->bal = h->open_amt;
            h->open_day = NO_DAY;
        }
        if (h->type == P_DEPOSIT && h->prod != PR_DEP_CUR && c->cohort == COHORT_AT_RISK)
            h->wd_day =
                quiet_day + (int64_t)rng_below(r, (uint32_t)(s->w->end_day - quiet_day + 1));
    }
}

/* ---- events ---- */

static int64_t local_seconds(sim *s, int chan)
{
    gen_rng *r = &s->r;
    switch (chan) {
    case CH_BRANCH: return 9 * 3600 + rng_below(r, 8 * 3600);
    case CH_PHONE: return 9 * 3600 + rng_below(r, 12 * 3600);
    case CH_ATM: {
        int hour = rng_pick(r, hour_w, 24);
        if (hour < 7)
            hour = 7 + (int)rng_below(r, 3);
        return (int64_t)hour * 3600 + rng_below(r, 3600);
    }
    default: return (int64_t)rng_pick(r, hour_w, 24) * 3600 + rng_below(r, 3600);
    }
}

static void push(sim *s, int64_t day, int64_t secs, int h, int type, int chan, int mode, int64_t v)
{
    if (s->nev == MAX_EV)
        return;
    event *e = &s->ev[s->nev++];
    /* hours follow local habits (UTC+8), but nothing happens before 08:00 on
     * the first of a month, so every time falls in the same month in UTC */
    if (day == s->month_first && secs < LOCAL_OFFSET)
        secs += LOCAL_OFFSET;
    e->t = day * 86400 + secs - LOCAL_OFFSET;
    e->h = (int16_t)h;
    e->type = (int8_t)type;
    e->chan = (int8_t)chan;
    e->mode = (int8_t)mode;
    e->anomaly = 0;
    e->v = v;
}

static int chan_for(sim *s, int cls)
{
    return rng_pick(&s->r, channel_w[cls][s->agegrp], NCH);
}

static int64_t day_draw(sim *s, const month_info *mi, int kind)
{
    double x = rng_unit(&s->r) * mi->cum[kind][mi->ndays - 1];
    int d = 0;
    while (d < mi->ndays - 1 && x >= mi->cum[kind][d])
        d++;
    return mi->first + d;
}

static int64_t amount(sim *s, int64_t mean, int64_t cap)
{
    int64_t a = (int64_t)rng_lognormal(&s->r, (double)mean, 0.7);
    if (a > cap)
        a = cap;
    return a < 100 ? 100 : a;
}

/* count events of a kind this month, each at a day drawn by its weights */
static void scatter(sim *s, const month_info *mi, int kind, double lambda, int h, int type, int cls,
                    int64_t mean, int64_t cap)
{
    unsigned n = rng_poisson(&s->r, lambda * mi->scale[kind]);
    for (unsigned k = 0; k < n; k++) {
        int chan = chan_for(s, cls);
        int64_t day = day_draw(s, mi, kind);
        int64_t secs = local_seconds(s, chan);
        int64_t a = amount(s, mean, cap);
        if (chan == CH_ATM)
            a = a < 10000 ? 10000 : round_to(a, 10000);
        /* Double Eleven starts at midnight */
        if (type == TX_CARD_SPEND && mi->m == 11 && day == mi->first + 10 && rng_chance(&s->r, 0.4))
            secs = rng_below(&s->r, 2 * 3600);
        push(s, day, secs, h, type, chan, AMT_ABS, a);
    }
}

static bool in_month(const month_info *mi, int64_t day)
{
    return day >= mi->first && day < mi->first + mi->ndays;
}

static void current_account_events(sim *s, int k, const month_info *mi, bool risk_phase)
{
    gen_rng *r = &s->r;
    int64_t cap = s->usual_max;
    if (!risk_phase) {
        if (s->salaried) {
            int day = days_in_month(mi->y, mi->m) - rng_range(r, 0, 2);
            if (day <= mi->ndays)
                push(s, mi->first + day - 1, 8 * 3600 + rng_below(r, 4 * 3600), 0, TX_DEPOSIT,
                     CH_ONLINE, AMT_ABS, (int64_t)((double)s->inc_m * (0.97 + 0.06 * rng_unit(r))));
            /* the year-end bonus lands two or three weeks before the festival */
            int64_t bonus = spring_festival(mi->m == 12 ? mi->y + 1 : mi->y) - s->bonus_offset;
            if (in_month(mi, bonus))
                push(s, bonus, 8 * 3600 + rng_below(r, 4 * 3600), 0, TX_DEPOSIT, CH_ONLINE, AMT_ABS,
                     (int64_t)((double)s->inc_m * (1 + 3 * rng_unit(r))));
        } else if (s->pension) {
            if (mi->ndays >= 10)
                push(s, mi->first + 9, 7 * 3600 + rng_below(r, 3 * 3600), 0, TX_DEPOSIT, CH_ONLINE,
                     AMT_ABS, s->inc_m);
        } else {
            scatter(s, mi, K_FLAT, 1.0, 0, TX_TRANSFER_IN, CC_TRANSFER, s->mean_in, cap);
        }
        scatter(s, mi, K_CASH, s->lam_wd, 0, TX_WITHDRAWAL, CC_CASH_OUT, s->mean_out, cap);
        scatter(s, mi, K_CASH, s->lam_tout, 0, TX_TRANSFER_OUT, CC_TRANSFER, s->mean_out, cap);
        scatter(s, mi, K_FLAT, s->lam_tin, 0, TX_TRANSFER_IN, CC_TRANSFER, s->mean_out * 4 / 5,
                cap);
        scatter(s, mi, K_FLAT, s->lam_dep, 0, TX_DEPOSIT, CC_CASH_IN, s->mean_out, cap);
    } else {
        /* at risk: the salary has gone elsewhere and the money follows, out
         * of the largest asset holding, twice a month */
        int src = 0;
        for (int i = 1; i < s->nh; i++)
            if (is_asset(s->h[i].type) && s->h[i].bal > s->h[src].bal)
                src = i;
        int type = src == 0                      ? TX_TRANSFER_OUT
                   : s->h[src].type == P_DEPOSIT ? TX_WITHDRAWAL
                                                 : TX_REDEMPTION;
        for (int n = 0; n < 2; n++) {
            int chan = chan_for(s, src == 0 ? CC_TRANSFER : CC_INVEST);
            push(s, day_draw(s, mi, K_FLAT), local_seconds(s, chan), src, type, chan, AMT_FRAC,
                 rng_range(r, 150, 250));
        }
    }
    if (k == s->anomaly_month) {
        int64_t day = mi->first + rng_below(r, (uint32_t)(mi->ndays > 4 ? mi->ndays - 4 : 1));
        int64_t secs = 10 * 3600 + rng_below(r, 6 * 3600);
        push(s, day, secs, 0, TX_TRANSFER_IN, CH_ONLINE, AMT_ABS, s->anomaly_x);
        s->ev[s->nev - 1].anomaly = 1;
        day += rng_range(r, 1, 3);
        if (day > mi->first + mi->ndays - 1)
            day = mi->first + mi->ndays - 1;
        push(s, day, secs + rng_below(r, 3600), 0, TX_TRANSFER_OUT, CH_MOBILE, AMT_ABS,
             s->anomaly_x * rng_range(r, 950, 1000) / 1000);
        s->ev[s->nev - 1].anomaly = 2;
    }
}

static void holding_events(sim *s, int i, int k, const month_info *mi, bool risk_phase)
{
    gen_rng *r = &s->r;
    holding *h = &s->h[i];
    if (h->open_day != NO_DAY && in_month(mi, h->open_day)) {
        int chan = chan_for(s, CC_INVEST);
        push(s, h->open_day, local_seconds(s, chan), i,
             h->type == P_DEPOSIT ? TX_DEPOSIT : TX_PURCHASE, chan, AMT_ABS, h->open_amt);
    }
    switch (h->type) {
    case P_DEPOSIT:
        if (risk_phase && h->wd_day != NO_DAY && in_month(mi, h->wd_day)) {
            int chan = chan_for(s, CC_INVEST);
            push(s, h->wd_day, local_seconds(s, chan), i, TX_WITHDRAWAL, chan, AMT_FRAC, 1000);
        }
        break;
    case P_LOAN:
        if (h->day <= mi->ndays)
            push(s, mi->first + h->day - 1, 6 * 3600 + rng_below(r, 3 * 3600), i, TX_REPAYMENT,
                 chan_for(s, CC_REPAY), AMT_ABS, h->param);
        break;
    case P_CARD:
        scatter(s, mi, K_CARD, s->lam_card, i, TX_CARD_SPEND, CC_CARD,
                h->param * 10 / (int64_t)(20 * s->act * s->w->txn_scale + 1), h->param * 3);
        if (h->day <= mi->ndays && h->stmt > 0)
            push(s, mi->first + h->day - 1, 6 * 3600 + rng_below(r, 3 * 3600), i, TX_REPAYMENT,
                 chan_for(s, CC_REPAY), AMT_STMT,
                 rng_chance(r, 0.85) ? 1000 : rng_range(r, 200, 600));
        break;
    case P_WEALTH:
    case P_FUND:
        if (risk_phase) {
            int chan = chan_for(s, CC_INVEST);
            push(s, day_draw(s, mi, K_FLAT), local_seconds(s, chan), i, TX_REDEMPTION, chan,
                 AMT_FRAC, rng_range(r, 200, 400));
            break;
        }
        if (h->param < 0 && h->day <= mi->ndays)
            push(s, mi->first + h->day - 1, 7 * 3600 + rng_below(r, 2 * 3600), i, TX_PURCHASE,
                 CH_ONLINE, AMT_ABS, -h->param);
        if (rng_chance(r, 0.06 * s->w->txn_scale)) {
            int chan = chan_for(s, CC_INVEST);
            int64_t ref = h->param > 0 ? h->param : -h->param * 10;
            int64_t a = round_to((int64_t)rng_lognormal(r, (double)ref * 0.3, 0.5),
                                 h->type == P_WEALTH ? 100000 : 100);
            int64_t floor = h->type == P_WEALTH ? 1000000 : 100000;
            push(s, day_draw(s, mi, K_FLAT), local_seconds(s, chan), i, TX_PURCHASE, chan, AMT_ABS,
                 a < floor ? floor : a);
        }
        if (rng_chance(r, 0.05 * s->w->txn_scale)) {
            int chan = chan_for(s, CC_INVEST);
            push(s, day_draw(s, mi, K_FLAT), local_seconds(s, chan), i, TX_REDEMPTION, chan,
                 AMT_FRAC, rng_range(r, 100, h->type == P_WEALTH ? 500 : 700));
        }
        break;
    case P_INSURANCE:
        if (risk_phase) {
            if (k == s->w->months - 4) {
                int chan = chan_for(s, CC_INVEST);
                push(s, day_draw(s, mi, K_FLAT), local_seconds(s, chan), i, TX_REDEMPTION, chan,
                     AMT_FRAC, rng_range(r, 500, 800));
            }
        } else if (mi->m == h->month && h->day <= mi->ndays) {
            push(s, mi->first + h->day - 1, 9 * 3600 + rng_below(r, 8 * 3600), i, TX_PURCHASE,
                 chan_for(s, CC_REPAY), AMT_ABS, h->param);
        }
        break;
    }
}

static int sign_of(int ptype, int ttype)
{
    switch (ttype) {
    case TX_DEPOSIT:
    case TX_TRANSFER_IN:
    case TX_PURCHASE:
    case TX_CARD_SPEND: return 1;
    default: return ptype == P_CARD || ptype == P_LOAN || ttype != TX_REPAYMENT ? -1 : 0;
    }
}

static void apply(sim *s, const event *e)
{
    holding *h = &s->h[e->h];
    int64_t amt = e->mode == AMT_ABS    ? e->v
                  : e->mode == AMT_FRAC ? h->bal * e->v / 1000
                                        : h->stmt * e->v / 1000;
    int sign = sign_of(h->type, e->type);
    if (sign < 0 && amt > h->bal) {
        if (h->prod == PR_DEP_CUR && e->mode == AMT_ABS && e->anomaly == 0)
            amt = h->bal * rng_range(&s->r, 300, 900) / 1000;
        else
            amt = h->bal;
        if (e->chan == CH_ATM)
            amt = round_to(amt, 10000);
    }
    if (amt < 100)
        return;
    h->bal += sign * amt;
    if (e->type == TX_REPAYMENT && h->type == P_CARD)
        h->stmt -= amt;
    if (is_asset(h->type))
        s->net_this_month += sign * amt;
    if (e->anomaly) {
        activity_result *res = s->res;
        int a = res->nanomaly++;
        res->anomaly_type[a] = e->type;
        res->anomaly_amount[a] = amt;
        res->anomaly_time[a] = e->t;
    }
    gen_table *t = s->txn;
    t_plain(t, s->c->no);
    t_plain(t, products[h->prod].code);
    t_plain(t, txn_type_names[e->type]);
    t_money(t, amt);
    t_plain(t, channel_names[e->chan]);
    t_time(t, e->t);
    t_end(t);
    s->res->ntxn++;
    s->last_t = e->t;
    s->applied_this_month++;
}

static void sort_events(sim *s)
{
    for (int i = 1; i < s->nev; i++) {
        event e = s->ev[i];
        int j = i - 1;
        while (j >= 0 && s->ev[j].t > e.t) {
            s->ev[j + 1] = s->ev[j];
            j--;
        }
        s->ev[j + 1] = e;
    }
}

static int64_t asset_total(const sim *s)
{
    int64_t sum = 0;
    for (int i = 0; i < s->nh; i++)
        if (is_asset(s->h[i].type))
            sum += s->h[i].bal;
    return sum;
}

void activity_run(world *w, const customer *c, gen_table *txn, gen_table *hold,
                  activity_result *res)
{
    static sim s; /* one customer at a time: a few tens of kilobytes, reused */
    memset(res, 0, sizeof *res);
    s.w = w;
    s.c = c;
    s.nh = 0;
    s.txn = txn;
    s.res = res;
    s.last_t = INT64_MIN;
    rng_init(&s.r, w->seed, STREAM_ACTIVITY, c->index);
    setup(&s);
    int M = w->months;
    int64_t before_risk = 0;
    bool falling = M >= 7;
    for (int k = 0; k < M; k++) {
        const month_info *mi = &months[k];
        if (k == M - 6) {
            before_risk = asset_total(&s);
            /* with next to nothing left there is nothing to see leaving: the
             * customer stays an ordinary one */
            if (c->cohort == COHORT_AT_RISK && before_risk < AT_RISK_MIN) {
                s.risk_from = M;
                res->risk_cancelled = true;
            }
        }
        s.nev = 0;
        s.month_first = mi->first;
        s.applied_this_month = 0;
        s.net_this_month = 0;
        for (int i = 0; i < s.nh; i++)
            s.h[i].stmt = s.h[i].type == P_CARD ? s.h[i].bal : 0;
        if (k < s.dormant_from) {
            bool risk_phase = k >= s.risk_from;
            current_account_events(&s, k, mi, risk_phase);
            for (int i = 1; i < s.nh; i++)
                holding_events(&s, i, k, mi, risk_phase);
            sort_events(&s);
            for (int i = 0; i < s.nev; i++)
                apply(&s, &s.ev[i]);
        }
        /* every customer outside the dormant and at-risk cohorts has a
         * transaction in the end date's month */
        if (k == M - 1 && s.applied_this_month == 0 && c->cohort != COHORT_DORMANT &&
            c->cohort != COHORT_AT_RISK) {
            event e = {0};
            int chan = chan_for(&s, CC_TRANSFER);
            e.t = day_draw(&s, mi, K_FLAT) * 86400 + local_seconds(&s, chan) - LOCAL_OFFSET;
            e.type = TX_TRANSFER_IN;
            e.chan = (int8_t)chan;
            e.v = amount(&s, s.mean_out, s.usual_max);
            apply(&s, &e);
        }
        if (k >= M - 6 && s.net_this_month >= 0)
            falling = false;
    }
    res->end_assets = asset_total(&s);
    res->at_risk = falling && res->end_assets * 2 <= before_risk;
    res->dormant = s.last_t < dormant_cutoff;
    res->usual_max = s.usual_max;
    for (int i = 0; i < s.nh; i++) {
        const holding *h = &s.h[i];
        res->has_wealth |= h->type == P_WEALTH;
        res->has_insurance |= h->type == P_INSURANCE;
        t_plain(hold, c->no);
        t_plain(hold, products[h->prod].code);
        t_money(hold, h->bal);
        t_end(hold);
        res->nholdings++;
    }
}
