/*
 * crm-gen: the deterministic demo-data generator. Shared declarations.
 *
 * The generator is a standalone program (it does not link libcrm): it writes
 * the files the library's importers read. Everything it draws comes from its
 * own seeded generators, so one seed and one set of options give the same
 * bytes on every run.
 */
#ifndef CRM_GEN_H
#define CRM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_VERSION "1.0"

/* ---- rng.c: xoshiro256** seeded by splitmix64, and the distributions ---- */

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

/* Independent streams: one per purpose and per entity index. */
enum {
    STREAM_ORG = 1,
    STREAM_STAFF,
    STREAM_IDENTITY,
    STREAM_ACTIVITY,
};

void rng_init(gen_rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t rng_next(gen_rng *r);
uint32_t rng_below(gen_rng *r, uint32_t n); /* uniform in [0, n) */
int rng_range(gen_rng *r, int lo, int hi);  /* uniform in [lo, hi] */
double rng_unit(gen_rng *r);                /* uniform in [0, 1) */
bool rng_chance(gen_rng *r, double p);
double rng_normal(gen_rng *r); /* approximately N(0, 1), |x| <= 6 */
double rng_lognormal(gen_rng *r, double median, double sigma);
unsigned rng_poisson(gen_rng *r, double lambda);
int rng_pick(gen_rng *r, const uint16_t *weights, int n); /* index by weight */
double det_exp(double x);                                 /* exp() from + - * / only */
uint32_t permute_1e8(uint32_t x, uint64_t key);           /* a bijection on [0, 10^8) */

/* ---- cal.c: civil dates as days since 1970-01-01, times as seconds ---- */

int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t days, int *y, int *m, int *d);
int days_in_month(int y, int m);
bool parse_date(const char *s, int64_t *days);
char *fmt_date(char *p, int64_t days);      /* writes YYYY-MM-DD, returns the end */
char *fmt_time(char *p, int64_t epoch_sec); /* writes YYYY-MM-DDTHH:MM:SSZ */
int64_t spring_festival(int year);          /* the day of the lunar new year */
char *fmt_money(char *p, int64_t fen);      /* yuan, up to 2 decimals, no padding */
char *fmt_uint(char *p, uint64_t v);

/* ---- names.c: people's names with pinyin, occupations ---- */

typedef struct person_name {
    char name[24]; /* UTF-8, 2..4 characters */
    char surname_py[16];
    char given_py[24];
    bool compound; /* a two-character surname */
} person_name;

void name_draw(gen_rng *r, bool male, int birth_year, person_name *out);

typedef struct occupation_info {
    const char *name;
    double income_median; /* yuan a year */
    double income_sigma;
    uint8_t kind; /* OCC_* below */
} occupation_info;

enum { OCC_SALARIED, OCC_SELF_EMPLOYED, OCC_RETIRED, OCC_STUDENT, OCC_NONE };

const occupation_info *occupation_draw(gen_rng *r, int age);
void email_draw(gen_rng *r, const person_name *n, int birth_year, const char *phone_digits,
                char *out, size_t size);

/* ---- geo.c: cities, districts with real GB/T 2260 codes, addresses ---- */

typedef struct district_info {
    const char *code; /* 6-digit region code */
    const char *shortname;
    const char *fullname;
} district_info;

typedef struct city_info {
    const char *code;     /* the branch code */
    const char *name;     /* 北京 */
    const char *fullname; /* 北京市 */
    const char *province; /* 北京市, 广东省 */
    int weight;           /* relative number of customers */
    district_info d[4];
} city_info;

int geo_city_count(void);
const city_info *geo_city(int i);
int geo_district_count(const city_info *c);
int geo_region_count(void);                             /* districts in the whole table */
int geo_region_index(const city_info *c, int district); /* dense index of a district */
const char *geo_region_code(int region);
/* A region (dense index) for a person registered in city c's province. */
int geo_region_draw(gen_rng *r, const city_info *c);
bool geo_is_municipality(const city_info *c);
enum { COMMA_NEVER, COMMA_SOMETIMES, COMMA_ALWAYS };
void address_draw(gen_rng *r, const city_info *c, int district, char *out, size_t size, int comma);

/* ---- out.c: CSV (RFC 4180) or JSON Lines tables, UTF-8 or GBK ---- */

enum { FORMAT_CSV, FORMAT_JSONL };

typedef struct gen_table {
    FILE *fp;
    char path[1024];
    int format;
    bool gbk;
    void *cd; /* iconv_t when gbk */
    const char *const *cols;
    int ncols;
    int col;
    char *buf;
    size_t len;
    char *conv;
    size_t conv_cap;
    uint64_t rows;
    int64_t cached_day;
    char cached_date[16];
} gen_table;

void table_open(gen_table *t, const char *dir, const char *base, int format, bool gbk, bool bom,
                const char *const *cols, int ncols);
void t_str(gen_table *t, const char *s);   /* text, quoted or escaped as needed */
void t_plain(gen_table *t, const char *s); /* text that never needs quoting */
void t_num(gen_table *t, const char *s);   /* a number written as is */
void t_int(gen_table *t, int64_t v);
void t_money(gen_table *t, int64_t fen);
void t_date(gen_table *t, int64_t days);
void t_time(gen_table *t, int64_t epoch_sec);
void t_null(gen_table *t);               /* empty field / JSON null */
void t_raw(gen_table *t, const char *s); /* written verbatim: malformed rows */
void t_end(gen_table *t);
/* The 1-based line of the next row (CSV counts its header as line 1). */
uint64_t table_next_line(const gen_table *t);
void table_close(gen_table *t);

void die(const char *fmt, ...);

/* ---- org.c: branches, staff and products ---- */

#define MAX_SUBS 300

typedef struct sub_branch {
    char code[16];
    char name[64];
    int city;     /* index into the city table */
    int district; /* the district it stands in */
    int branch;   /* index of its branch */
    uint64_t cum; /* cumulative weight, for drawing a customer's sub-branch */
    int rm_first; /* staff id of its first relationship manager */
    int rm_count;
} sub_branch;

enum { P_DEPOSIT, P_LOAN, P_WEALTH, P_FUND, P_INSURANCE, P_CARD };

typedef struct product_info {
    const char *code;
    const char *name;
    uint8_t type; /* P_* */
    uint8_t risk; /* 1..5 */
    int term_days;
    int yield_bps;
    int start_offset; /* sale_start, days relative to the end date */
    int end_offset;   /* sale_end, days relative to the end date; NO_END if open */
} product_info;

#define NO_END 99999

/* Indexes of products the simulation refers to by role. */
enum {
    PR_DEP_CUR = 0,
    PR_DEP_TERM_FIRST = 1, /* 1..6: time deposits */
    PR_DEP_TERM_LAST = 6,
    PR_DEP_LCD_OLD = 7, /* large-denomination CD, sale window in the past */
    PR_DEP_LCD_NEW = 8, /* on sale at the end date */
    PR_LN_MORT = 9,
    PR_LN_CAR,
    PR_LN_CONS,
    PR_LN_BIZ,
    PR_CC_STD,
    PR_CC_GOLD,
    PR_CC_PLAT,
    PR_WM_FIRST, /* 16..20 wealth, 21 not yet on sale */
    PR_WM_LAST = PR_WM_FIRST + 4,
    PR_WM_UPCOMING,
    PR_FD_FIRST,
    PR_FD_LAST = PR_FD_FIRST + 5,
    PR_IN_FIRST,
    PR_IN_LAST = PR_IN_FIRST + 3,
    PR_COUNT
};

extern const product_info products[PR_COUNT];
extern const char *const product_type_names[];

typedef struct world {
    /* options */
    const char *dir;
    uint64_t seed;
    uint64_t n;
    int months;
    int64_t end_day;
    double malformed_pct;
    double txn_scale;
    int format;
    bool gbk;
    bool bom;
    /* organisation */
    int nbranches;
    int nsubs;
    sub_branch subs[MAX_SUBS];
    int nstaff;
    int staff_rm_first, staff_rm_count;
    int staff_marketer_first, staff_marketer_count;
    int staff_complaint_first, staff_complaint_count;
    int staff_auditor;
} world;

void org_build(world *w);
void org_write(world *w, uint64_t *nbranch_rows, uint64_t *nuser_rows, uint64_t *nproduct_rows);
/* A staff member's login ([a-z0-9.]) and name, a pure function of the id. */
void staff_identity(const world *w, int staff_id, char *login, size_t size, person_name *name);
int sub_branch_draw(const world *w, gen_rng *r);
void phone_for(uint64_t key_index, uint64_t seed, gen_rng *r, char digits[12]);

/* ---- customer.c: identities, planted duplicates, malformed rows ---- */

enum { ID_RESIDENT, ID_RESIDENT15, ID_PASSPORT };
enum { COHORT_NORMAL, COHORT_DORMANT, COHORT_AT_RISK, COHORT_ANOMALY };
enum {
    MAL_NONE,
    MAL_BAD_CHECK,
    MAL_BIRTH_MISMATCH,
    MAL_PHONE10,
    MAL_BAD_EMAIL,
    MAL_NEG_INCOME,
    MAL_RISK,
    MAL_NO_CUSTNO,
    MAL_MONEY,
    MAL_COMMA,
    MAL_DUP_ID,
    MAL_KINDS
};
enum { PAT_NONE, PAT_SHARED_PHONE, PAT_SAME_NAME };

typedef struct customer {
    uint64_t index;
    char no[16];
    int sub;
    const city_info *city;
    int district;
    bool male;
    int64_t birth;
    int age;
    person_name name;
    int id_kind;
    char id_number[24];
    char phone_digits[12];
    bool phone_plus86;
    char email[96];
    char address[256];
    const occupation_info *occ;
    int64_t income; /* fen a year */
    int64_t assets; /* fen: drawn at the window start; replaced by the simulated end */
    int risk;       /* 0 (never assessed) or 1..5 */
    int64_t risk_day;
    int manager; /* staff id, or -1 */
    bool consent_sms, consent_email, consent_phone;
    int cohort;
    int malformed;
    int pattern;
    uint64_t partner;  /* index of the earlier customer of a planted pair */
    uint64_t dup_line; /* MAL_DUP_ID: line of the row whose ID number it repeats */
    char mal_detail[192];
} customer;

void customers_init(world *w);
void customers_done(void);
void customer_draw(world *w, uint64_t i, customer *c);
/* Writes the row (malformed as decided) and remembers a valid customer as a
 * partner for later planted pairs. */
void customer_write(world *w, gen_table *t, customer *c, uint64_t line);
const char *malformed_kind_name(int kind, int format);
const char *malformed_column(int kind);
const char *risk_level_name(int risk);

/* ---- activity.c: holdings and 24 months of transactions ---- */

typedef struct activity_result {
    int64_t end_assets;
    bool has_wealth, has_insurance;
    bool dormant, at_risk; /* by the documented criteria, computed from the rows */
    bool risk_cancelled;   /* at-risk cohort, but under 20,000 yuan when the drain would start */
    int nanomaly;
    int anomaly_type[2];
    int64_t anomaly_amount[2];
    int64_t anomaly_time[2];
    int64_t usual_max; /* the largest ordinary transfer amount this customer may have */
    uint64_t ntxn, nholdings;
} activity_result;

extern const char *const txn_type_names[];
void activity_init(world *w);
void activity_run(world *w, const customer *c, gen_table *txn, gen_table *hold,
                  activity_result *res);
int64_t window_first_day(const world *w);

#endif /* CRM_GEN_H */
