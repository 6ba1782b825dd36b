/*
 * crm-gen: deterministic demo data for libcrm.
 *
 *   crm-gen --out DIR [--customers N] [--seed S] [--months 24]
 *           [--end-date 2026-10-31] [--malformed-percent P]
 *           [--encoding utf-8|gbk] [--format csv|jsonl] [--bom] [--txn-scale F]
 *
 * Writes branches, users, products, customers, holdings and transactions
 * (CSV or JSON Lines), patterns.json (the planted patterns and which customers
 * carry them) and malformed.json (every malformed customer row, by line).
 * Same seed and options, same bytes. Customers stream through one at a time:
 * memory does not grow with N. See README.md for every file and column.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const customer_cols[] = {
    "customer_no",      "name",       "id_type",       "id_number",    "gender",
    "birth_date",       "phone",      "email",         "address",      "city",
    "province",         "occupation", "annual_income", "total_assets", "risk_level",
    "risk_assessed_at", "branch",     "manager",       "consent_sms",  "consent_email",
    "consent_phone"};
static const char *const holding_cols[] = {"customer_no", "product_code", "balance"};
static const char *const txn_cols[] = {"customer_no", "product_code", "type",
                                       "amount",      "channel",      "time"};

static void usage(FILE *f)
{
    fputs("Usage: crm-gen --out DIR [options]\n\n"
          "Writes deterministic demo data for libcrm into DIR (created if missing).\n\n"
          "  --customers N          customers to generate (default 1000)\n"
          "  --seed S               random seed, any 64-bit number (default 1)\n"
          "  --months M             months of transactions, 1..120 (default 24)\n"
          "  --end-date YYYY-MM-DD  last day of the data (default 2026-10-31)\n"
          "  --malformed-percent P  make about P% of customer rows malformed (default 0)\n"
          "  --encoding utf-8|gbk   CSV encoding (default utf-8; JSON Lines is always UTF-8)\n"
          "  --format csv|jsonl     file format (default csv)\n"
          "  --bom                  start UTF-8 CSV files with a byte order mark\n"
          "  --txn-scale F          multiply discretionary transaction rates (default 1)\n"
          "  --help                 show this help\n",
          f);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s)
        return false;
    *out = v;
    return true;
}

static void parse_args(int argc, char **argv, world *w)
{
    memset(w, 0, sizeof *w);
    w->n = 1000;
    w->seed = 1;
    w->months = 24;
    w->txn_scale = 1.0;
    if (!parse_date("2026-10-31", &w->end_day))
        die("bad default date");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[64];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            v = eq + 1;
            a = name;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--bom") == 0) {
            w->bom = true;
            continue;
        }
        static const char *const with_value[] = {
            "--out",       "--customers", "--seed",
            "--months",    "--end-date",  "--malformed-percent",
            "--txn-scale", "--encoding",  "--format"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= strcmp(a, with_value[k]) == 0;
        if (!known) {
            usage(stderr);
            die("unknown option %s", a);
        }
        if (!v) {
            if (i + 1 >= argc) {
                usage(stderr);
                die("%s needs a value", a);
            }
            v = argv[++i];
        }
        uint64_t u;
        if (strcmp(a, "--out") == 0) {
            w->dir = v;
        } else if (strcmp(a, "--customers") == 0) {
            if (!parse_u64(v, &w->n) || w->n < 1 || w->n > 50000000)
                die("--customers: expected 1..50000000, got '%s'", v);
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(v, &w->seed))
                die("--seed: expected a non-negative integer, got '%s'", v);
        } else if (strcmp(a, "--months") == 0) {
            if (!parse_u64(v, &u) || u < 1 || u > 120)
                die("--months: expected 1..120, got '%s'", v);
            w->months = (int)u;
        } else if (strcmp(a, "--end-date") == 0) {
            if (!parse_date(v, &w->end_day))
                die("--end-date: expected a date YYYY-MM-DD (1971..2200), got '%s'", v);
        } else if (strcmp(a, "--malformed-percent") == 0) {
            if (!parse_double(v, &w->malformed_pct) || w->malformed_pct < 0 ||
                w->malformed_pct > 100)
                die("--malformed-percent: expected 0..100, got '%s'", v);
        } else if (strcmp(a, "--txn-scale") == 0) {
            if (!parse_double(v, &w->txn_scale) || w->txn_scale < 0.05 || w->txn_scale > 20)
                die("--txn-scale: expected 0.05..20, got '%s'", v);
        } else if (strcmp(a, "--encoding") == 0) {
            if (strcmp(v, "utf-8") == 0 || strcmp(v, "utf8") == 0)
                w->gbk = false;
            else if (strcmp(v, "gbk") == 0)
                w->gbk = true;
            else
                die("--encoding: expected utf-8 or gbk, got '%s'", v);
        } else {
            if (strcmp(v, "csv") == 0)
                w->format = FORMAT_CSV;
            else if (strcmp(v, "jsonl") == 0)
                w->format = FORMAT_JSONL;
            else
                die("--format: expected csv or jsonl, got '%s'", v);
        }
    }
    if (!w->dir) {
        usage(stderr);
        die("--out DIR is required");
    }
    if (w->format == FORMAT_JSONL && w->gbk)
        die("--encoding gbk applies to CSV only: JSON Lines is UTF-8");
    if (w->bom && (w->gbk || w->format != FORMAT_CSV))
        die("--bom applies to UTF-8 CSV only");
}

/* ---- patterns.json and malformed.json, streamed through temporary files ---- */

enum { L_ASSOC, L_ANOMALY, L_DORMANT, L_AT_RISK, L_PHONE, L_NAME, NLISTS };

typedef struct list {
    FILE *fp;
    uint64_t n;
} list;

static void list_item(list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_item(list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(l->n++ ? ",\n      " : "\n      ", l->fp);
    vfprintf(l->fp, fmt, ap);
    va_end(ap);
}

static void list_copy(list *l, FILE *out)
{
    char buf[1 << 14];
    size_t got;
    rewind(l->fp);
    while ((got = fread(buf, 1, sizeof buf, l->fp)) > 0)
        if (fwrite(buf, 1, got, out) != got)
            die("patterns.json: write failed");
    fputs(l->n ? "\n    ]" : "]", out);
    fclose(l->fp);
}

static FILE *open_out(const world *w, const char *base)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", w->dir, base);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("%s: %s", path, strerror(errno));
    return f;
}

static void json_escape(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

typedef struct totals {
    uint64_t valid, wealth, insurance, both;
    uint64_t holdings, txns;
    uint64_t planted_dormant, planted_at_risk, mismatch_dormant, mismatch_at_risk;
} totals;

static void record_patterns(const customer *c, const activity_result *res, list *lists, totals *tot)
{
    char no2[16], a[32], b[32], ta[24], tb[24];
    tot->valid++;
    tot->wealth += res->has_wealth;
    tot->insurance += res->has_insurance;
    if (res->has_wealth && res->has_insurance) {
        tot->both++;
        list_item(&lists[L_ASSOC], "\"%s\"", c->no);
    }
    if (res->dormant)
        list_item(&lists[L_DORMANT], "\"%s\"", c->no);
    if (res->at_risk)
        list_item(&lists[L_AT_RISK], "\"%s\"", c->no);
    tot->planted_dormant += c->cohort == COHORT_DORMANT;
    bool planted_risk = c->cohort == COHORT_AT_RISK && !res->risk_cancelled;
    tot->planted_at_risk += planted_risk;
    tot->mismatch_dormant += res->dormant != (c->cohort == COHORT_DORMANT);
    tot->mismatch_at_risk += planted_risk && !res->at_risk;
    if (res->nanomaly == 2) {
        char usual[32];
        fmt_money(usual, res->usual_max);
        fmt_money(a, res->anomaly_amount[0]);
        fmt_money(b, res->anomaly_amount[1]);
        fmt_time(ta, res->anomaly_time[0]);
        fmt_time(tb, res->anomaly_time[1]);
        list_item(&lists[L_ANOMALY],
                  "{\"customer_no\": \"%s\", \"usual_max\": \"%s\", \"transactions\": ["
                  "{\"product_code\": \"DEP-CUR\", \"type\": \"%s\", \"amount\": \"%s\", "
                  "\"time\": \"%s\"}, "
                  "{\"product_code\": \"DEP-CUR\", \"type\": \"%s\", \"amount\": \"%s\", "
                  "\"time\": \"%s\"}]}",
                  c->no, usual, txn_type_names[res->anomaly_type[0]], a, ta,
                  txn_type_names[res->anomaly_type[1]], b, tb);
    }
    snprintf(no2, sizeof no2, "C%010llu", (unsigned long long)c->partner + 1);
    if (c->pattern == PAT_SHARED_PHONE)
        list_item(&lists[L_PHONE], "{\"phone\": \"%s\", \"customer_nos\": [\"%s\", \"%s\"]}",
                  c->phone_digits, no2, c->no);
    if (c->pattern == PAT_SAME_NAME) {
        char bd[16];
        fmt_date(bd, c->birth);
        list_item(&lists[L_NAME],
                  "{\"name\": \"%s\", \"birth_date\": \"%s\", \"customer_nos\": [\"%s\", \"%s\"]}",
                  c->name.name, bd, no2, c->no);
    }
}

static void write_patterns(const world *w, list *lists, const totals *t)
{
    FILE *f = open_out(w, "patterns.json");
    char end[16], start[16], cutoff[16], before[16];
    fmt_date(end, w->end_day);
    fmt_date(start, window_first_day(w));
    fmt_date(cutoff, w->end_day - 180);
    double v = (double)t->valid;
    double support = t->valid ? (double)t->both / v : 0;
    double confidence = t->wealth ? (double)t->both / (double)t->wealth : 0;
    double base = t->valid ? (double)t->insurance / v : 0;
    fprintf(f,
            "{\n  \"generator\": \"crm-gen %s\",\n  \"seed\": %llu,\n  \"customers\": %llu,\n"
            "  \"valid_customers\": %llu,\n  \"window_start\": \"%s\",\n  \"end_date\": \"%s\",\n"
            "  \"months\": %d,\n",
            GEN_VERSION, (unsigned long long)w->seed, (unsigned long long)w->n,
            (unsigned long long)t->valid, start, end, w->months);
    fprintf(f,
            "  \"association\": {\n    \"rule\": \"holds a wealth product (type wealth) => holds "
            "an insurance product (type insurance), over valid customers' holdings\",\n"
            "    \"customers\": %llu, \"wealth\": %llu, \"insurance\": %llu, \"both\": %llu,\n"
            "    \"support\": %.6f, \"confidence\": %.6f, \"lift\": %.4f,\n"
            "    \"customer_nos\": [",
            (unsigned long long)t->valid, (unsigned long long)t->wealth,
            (unsigned long long)t->insurance, (unsigned long long)t->both, support, confidence,
            base > 0 ? confidence / base : 0);
    list_copy(&lists[L_ASSOC], f);
    fputs("\n  },\n  \"anomalous_transfers\": {\n    \"rule\": \"a transfer_in of at least 60 "
          "times the customer's usual transfer size and at least 200000 yuan, sent on by a "
          "transfer_out of 95-100% of it 1-3 days later; ordinary transfers never exceed "
          "usual_max\",\n    \"items\": [",
          f);
    list_copy(&lists[L_ANOMALY], f);
    fprintf(f,
            "\n  },\n  \"dormant\": {\n    \"rule\": \"no transaction with time >= %sT00:00:00Z "
            "(end date - 180 days); every other valid customer has one in the end date's "
            "month or is at risk\",\n    \"planted\": %llu,\n    \"customer_nos\": [",
            cutoff, (unsigned long long)t->planted_dormant);
    list_copy(&lists[L_DORMANT], f);
    int ey, em, ed;
    civil_from_days(w->end_day, &ey, &em, &ed);
    int idx = ey * 12 + em - 1 - 5;
    fmt_date(before, days_from_civil(idx / 12, idx % 12 + 1, 1));
    fprintf(f,
            "\n  },\n  \"at_risk\": {\n    \"rule\": \"over the 6 calendar months from %s to the "
            "end date, the net flow of asset holdings (deposit, wealth, fund, insurance; see "
            "README) is negative in every month, and their balance at the end is at most half "
            "of that at %s\",\n    \"planted\": %llu,\n    \"customer_nos\": [",
            before, before, (unsigned long long)t->planted_at_risk);
    list_copy(&lists[L_AT_RISK], f);
    fputs("\n  },\n  \"shared_phone\": {\n    \"rule\": \"two customers with different ID "
          "numbers and the same mobile number (one may carry +86); otherwise every phone is "
          "unique\",\n    \"groups\": [",
          f);
    list_copy(&lists[L_PHONE], f);
    fputs("\n  },\n  \"same_name_birth_date\": {\n    \"rule\": \"two customers with different ID "
          "numbers, the same name and the same birth date (planted; common names can also "
          "coincide by chance)\",\n    \"groups\": [",
          f);
    list_copy(&lists[L_NAME], f);
    fputs("\n  }\n}\n", f);
    if (fclose(f) != 0)
        die("patterns.json: %s", strerror(errno));
}

static void malformed_item(FILE *f, uint64_t *n, const world *w, const customer *c, uint64_t line)
{
    fprintf(f,
            "%s\n    {\"line\": %llu, \"customer_no\": \"%s\", \"kind\": \"%s\", "
            "\"column\": \"%s\", ",
            *n ? "," : "", (unsigned long long)line, c->no,
            malformed_kind_name(c->malformed, w->format), malformed_column(c->malformed));
    if (c->malformed == MAL_DUP_ID)
        fprintf(f, "\"duplicate_of_line\": %llu, ", (unsigned long long)c->dup_line);
    fputs("\"detail\": ", f);
    json_escape(f, c->mal_detail);
    fputc('}', f);
    (*n)++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    world w;
    parse_args(argc, argv, &w);
    double t0 = now();
    if (mkdir(w.dir, 0777) != 0 && errno != EEXIST)
        die("%s: %s", w.dir, strerror(errno));

    org_build(&w);
    uint64_t nbranch_rows, nuser, nproduct;
    org_write(&w, &nbranch_rows, &nuser, &nproduct);
    customers_init(&w);
    activity_init(&w);

    gen_table cust, hold, txn;
    table_open(&cust, w.dir, "customers", w.format, w.gbk, w.bom, customer_cols, 21);
    table_open(&hold, w.dir, "holdings", w.format, w.gbk, w.bom, holding_cols, 3);
    table_open(&txn, w.dir, "transactions", w.format, w.gbk, w.bom, txn_cols, 6);
    list lists[NLISTS];
    for (int i = 0; i < NLISTS; i++) {
        lists[i].n = 0;
        if (!(lists[i].fp = tmpfile()))
            die("tmpfile: %s", strerror(errno));
    }
    FILE *mal = open_out(&w, "malformed.json");
    fprintf(mal,
            "{\n  \"file\": \"customers.%s\",\n  \"format\": \"%s\",\n  \"encoding\": \"%s\",\n"
            "  \"first_data_line\": %d,\n  \"malformed\": [",
            w.format == FORMAT_CSV ? "csv" : "jsonl", w.format == FORMAT_CSV ? "csv" : "jsonl",
            w.gbk ? "gbk" : "utf-8", w.format == FORMAT_CSV ? 2 : 1);
    uint64_t nmal = 0;

    totals tot = {0};
    customer c;
    activity_result res;
    for (uint64_t i = 0; i < w.n; i++) {
        customer_draw(&w, i, &c);
        uint64_t line = table_next_line(&cust);
        if (!c.malformed) {
            activity_run(&w, &c, &txn, &hold, &res);
            c.assets = res.end_assets;
            tot.holdings += res.nholdings;
            tot.txns += res.ntxn;
        }
        customer_write(&w, &cust, &c, line);
        if (c.malformed)
            malformed_item(mal, &nmal, &w, &c, line);
        else
            record_patterns(&c, &res, lists, &tot);
    }
    table_close(&cust);
    table_close(&hold);
    table_close(&txn);
    fprintf(mal, "%s],\n  \"count\": %llu\n}\n", nmal ? "\n  " : "", (unsigned long long)nmal);
    if (fclose(mal) != 0)
        die("malformed.json: %s", strerror(errno));
    write_patterns(&w, lists, &tot);
    customers_done();

    if (tot.mismatch_dormant || tot.mismatch_at_risk)
        fprintf(stderr,
                "crm-gen: warning: %llu planted dormant and %llu planted at-risk customers "
                "differ from the computed lists\n",
                (unsigned long long)tot.mismatch_dormant, (unsigned long long)tot.mismatch_at_risk);
    fprintf(stderr,
            "crm-gen: %llu customers (%llu malformed), %d branches, %d sub-branches, %llu users, "
            "%llu products, %llu holdings, %llu transactions in %.2f s -> %s\n",
            (unsigned long long)w.n, (unsigned long long)nmal, w.nbranches, w.nsubs,
            (unsigned long long)nuser, (unsigned long long)nproduct,
            (unsigned long long)tot.holdings, (unsigned long long)tot.txns, now() - t0, w.dir);
    return 0;
}
