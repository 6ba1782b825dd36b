/*
 * The bank itself: head office, branches and sub-branches, staff, products.
 * Sizes follow the number of customers: about one branch per 20,000 customers
 * (at least 3, at most one per city in the table), 2-4 sub-branches each,
 * one relationship manager per ~500 customers (at least one per sub-branch).
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

const char *const product_type_names[] = {"deposit", "loan",      "wealth",
                                          "fund",    "insurance", "credit_card"};

/* Sale windows are relative to --end-date so any end date gives a product
 * shelf with old, current and upcoming windows. */
const product_info products[PR_COUNT] = {
    {"DEP-CUR", "活期储蓄", P_DEPOSIT, 1, 0, 20, -6000, NO_END},
    {"DEP-T3M", "整存整取三个月", P_DEPOSIT, 1, 90, 105, -6000, NO_END},
    {"DEP-T6M", "整存整取六个月", P_DEPOSIT, 1, 180, 125, -6000, NO_END},
    {"DEP-T1Y", "整存整取一年", P_DEPOSIT, 1, 365, 145, -6000, NO_END},
    {"DEP-T2Y", "整存整取两年", P_DEPOSIT, 1, 730, 160, -6000, NO_END},
    {"DEP-T3Y", "整存整取三年", P_DEPOSIT, 1, 1095, 185, -6000, NO_END},
    {"DEP-T5Y", "整存整取五年", P_DEPOSIT, 1, 1825, 190, -6000, NO_END},
    {"DEP-LCD-A", "个人大额存单三年期A款", P_DEPOSIT, 1, 1095, 215, -420, -330},
    {"DEP-LCD-B", "个人大额存单三年期B款", P_DEPOSIT, 1, 1095, 200, -60, 30},
    {"LN-MORT", "个人住房贷款", P_LOAN, 1, 10950, 350, -6000, NO_END},
    {"LN-CAR", "个人汽车贷款", P_LOAN, 1, 1825, 420, -4000, NO_END},
    {"LN-CONS", "个人消费贷款", P_LOAN, 1, 1095, 385, -3000, NO_END},
    {"LN-BIZ", "个人经营贷款", P_LOAN, 1, 1095, 365, -3000, NO_END},
    {"CC-STD", "标准信用卡", P_CARD, 1, 0, 0, -6000, NO_END},
    {"CC-GOLD", "金卡信用卡", P_CARD, 1, 0, 0, -6000, NO_END},
    {"CC-PLAT", "白金信用卡", P_CARD, 1, 0, 0, -5000, NO_END},
    {"WM-STB90", "稳健增利90天", P_WEALTH, 2, 90, 280, -3000, NO_END},
    {"WM-STB180", "稳健增利180天", P_WEALTH, 2, 180, 300, -3000, NO_END},
    {"WM-FIX1Y", "固收增强一年期", P_WEALTH, 3, 365, 340, -2500, NO_END},
    {"WM-MIX", "多元配置混合", P_WEALTH, 3, 540, 380, -2000, NO_END},
    {"WM-EQ", "权益精选", P_WEALTH, 4, 730, 450, -2000, NO_END},
    {"WM-NEW", "稳健增利365天（新发）", P_WEALTH, 2, 365, 310, 10, 40},
    {"FD-BOND", "安心纯债债券基金", P_FUND, 3, 0, 350, -4000, NO_END},
    {"FD-BAL", "平衡配置混合基金", P_FUND, 3, 0, 500, -4000, NO_END},
    {"FD-GRW", "成长精选混合基金", P_FUND, 4, 0, 700, -3500, NO_END},
    {"FD-IDX", "沪深300指数基金", P_FUND, 4, 0, 650, -4000, NO_END},
    {"FD-TECH", "科技创新股票基金", P_FUND, 5, 0, 900, -2000, NO_END},
    {"FD-QDII", "全球科技QDII基金", P_FUND, 5, 0, 850, -2000, NO_END},
    {"IN-ANN", "养老年金保险", P_INSURANCE, 1, 7300, 250, -5000, NO_END},
    {"IN-HLTH", "重大疾病保险", P_INSURANCE, 1, 7300, 0, -5000, NO_END},
    {"IN-PAR", "分红型两全保险", P_INSURANCE, 2, 3650, 300, -5000, NO_END},
    {"IN-ULI", "投资连结保险", P_INSURANCE, 3, 3650, 400, -3000, NO_END},
};

static const char *const mobile_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199"};

/* Unique by construction: the last 8 digits are a permutation of the key. */
void phone_for(uint64_t key_index, uint64_t seed, gen_rng *r, char digits[12])
{
    const char *prefix =
        mobile_prefixes[rng_below(r, sizeof mobile_prefixes / sizeof mobile_prefixes[0])];
    uint32_t suffix = permute_1e8((uint32_t)key_index, seed ^ 0x70686f6e65ULL);
    snprintf(digits, 12, "%s%08u", prefix, suffix);
}

void org_build(world *w)
{
    gen_rng r;
    rng_init(&r, w->seed, STREAM_ORG, 0);
    uint64_t nb = (w->n + 10000) / 20000;
    if (nb < 3)
        nb = 3;
    if (nb > (uint64_t)geo_city_count())
        nb = (uint64_t)geo_city_count();
    w->nbranches = (int)nb;
    w->nsubs = 0;
    uint64_t cum = 0;
    for (int b = 0; b < w->nbranches; b++) {
        const city_info *c = geo_city(b);
        int nd = geo_district_count(c);
        int ns = rng_range(&r, 2, 4);
        if (ns > nd)
            ns = nd;
        for (int k = 0; k < ns; k++) {
            sub_branch *s = &w->subs[w->nsubs++];
            snprintf(s->code, sizeof s->code, "%s%02d", c->code, k + 1);
            snprintf(s->name, sizeof s->name, "%s%s支行", c->name, c->d[k].shortname);
            s->city = b;
            s->district = k;
            s->branch = b;
            cum += (uint64_t)c->weight * (uint64_t)rng_range(&r, 600, 1400);
            s->cum = cum;
        }
    }
    /* relationship managers: ~1 per 500 customers, spread by weight */
    uint64_t want = (w->n + 499) / 500;
    if (want < (uint64_t)w->nsubs)
        want = (uint64_t)w->nsubs;
    int next = w->nbranches; /* ids 0..nbranches-1 are the branch managers */
    w->staff_rm_first = next;
    uint64_t prev = 0;
    for (int i = 0; i < w->nsubs; i++) {
        sub_branch *s = &w->subs[i];
        uint64_t share = (want * (s->cum - prev) + cum / 2) / cum;
        prev = s->cum;
        s->rm_first = next;
        s->rm_count = share ? (int)share : 1;
        next += s->rm_count;
    }
    w->staff_rm_count = next - w->staff_rm_first;
    w->staff_marketer_first = next;
    w->staff_marketer_count = 2 + w->nbranches / 10;
    next += w->staff_marketer_count;
    w->staff_complaint_first = next;
    w->staff_complaint_count = 2 + w->nbranches / 10;
    next += w->staff_complaint_count;
    w->staff_auditor = next++;
    w->nstaff = next;
}

int sub_branch_draw(const world *w, gen_rng *r)
{
    uint64_t total = w->subs[w->nsubs - 1].cum;
    uint64_t x = rng_next(r) % total;
    int lo = 0, hi = w->nsubs - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (x < w->subs[mid].cum)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void staff_identity(const world *w, int staff_id, char *login, size_t size, person_name *name)
{
    gen_rng r;
    rng_init(&r, w->seed, STREAM_STAFF, (uint64_t)staff_id);
    bool male = rng_chance(&r, 0.5);
    name_draw(&r, male, 1965 + rng_range(&r, 0, 35), name);
    snprintf(login, size, "%s%s.%d", name->surname_py, name->given_py, 10001 + staff_id);
}

static void write_user(const world *w, gen_table *t, int id, const char *roles, const char *branch)
{
    char login[64], digits[12], email[96];
    person_name name;
    gen_rng r;
    staff_identity(w, id, login, sizeof login, &name);
    rng_init(&r, w->seed, STREAM_STAFF, (uint64_t)id + 0x100000000ULL);
    phone_for(99999999u - (uint64_t)id, w->seed, &r, digits);
    snprintf(email, sizeof email, "%s@demobank.com.cn", login);
    t_str(t, login);
    t_str(t, name.name);
    t_str(t, roles);
    t_str(t, branch);
    t_str(t, digits);
    t_str(t, email);
    t_end(t);
}

void org_write(world *w, uint64_t *nbranch_rows, uint64_t *nuser_rows, uint64_t *nproduct_rows)
{
    static const char *const branch_cols[] = {"code", "name", "parent"};
    static const char *const user_cols[] = {"name",   "display_name", "roles",
                                            "branch", "phone",        "email"};
    static const char *const product_cols[] = {
        "code", "name", "type", "risk_rating", "term_days", "yield_bps", "sale_start", "sale_end"};
    gen_table t;
    table_open(&t, w->dir, "branches", w->format, w->gbk, w->bom, branch_cols, 3);
    t_str(&t, "HO");
    t_str(&t, "总行");
    t_null(&t);
    t_end(&t);
    for (int b = 0; b < w->nbranches; b++) {
        const city_info *c = geo_city(b);
        char name[64];
        snprintf(name, sizeof name, "%s分行", c->name);
        t_str(&t, c->code);
        t_str(&t, name);
        t_str(&t, "HO");
        t_end(&t);
        for (int i = 0; i < w->nsubs; i++)
            if (w->subs[i].branch == b) {
                t_str(&t, w->subs[i].code);
                t_str(&t, w->subs[i].name);
                t_str(&t, c->code);
                t_end(&t);
            }
    }
    *nbranch_rows = t.rows;
    table_close(&t);

    table_open(&t, w->dir, "users", w->format, w->gbk, w->bom, user_cols, 6);
    for (int b = 0; b < w->nbranches; b++)
        write_user(w, &t, b, "branch_manager", geo_city(b)->code);
    for (int i = 0; i < w->nsubs; i++)
        for (int k = 0; k < w->subs[i].rm_count; k++)
            write_user(w, &t, w->subs[i].rm_first + k, "relationship_manager", w->subs[i].code);
    for (int k = 0; k < w->staff_marketer_count; k++)
        write_user(w, &t, w->staff_marketer_first + k,
                   k == w->staff_marketer_count - 1 ? "marketer,complaint_handler" : "marketer",
                   "HO");
    for (int k = 0; k < w->staff_complaint_count; k++)
        write_user(w, &t, w->staff_complaint_first + k, "complaint_handler",
                   geo_city(k % w->nbranches)->code);
    write_user(w, &t, w->staff_auditor, "auditor", "HO");
    *nuser_rows = t.rows;
    table_close(&t);

    table_open(&t, w->dir, "products", w->format, w->gbk, w->bom, product_cols, 8);
    for (int p = 0; p < PR_COUNT; p++) {
        const product_info *pi = &products[p];
        char risk[4] = {'R', (char)('0' + pi->risk), '\0', '\0'};
        t_str(&t, pi->code);
        t_str(&t, pi->name);
        t_str(&t, product_type_names[pi->type]);
        t_str(&t, risk);
        t_int(&t, pi->term_days);
        t_int(&t, pi->yield_bps);
        t_date(&t, w->end_day + pi->start_offset);
        if (pi->end_offset == NO_END)
            t_null(&t);
        else
            t_date(&t, w->end_day + pi->end_offset);
        t_end(&t);
    }
    *nproduct_rows = t.rows;
    table_close(&t);
}
