/* From file cells to typed record fields: the documented columns, money in
 * yuan parsed exactly, and the spellings spreadsheets use for dates,
 * genders and yes/no. Everything else is left to the validation of the
 * module that stores the row. */
#include "dataio/dataio_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const crmi_column customer_cols[] = {
    {"customer_no", CRMI_COL_TEXT},
    {"name", CRMI_COL_TEXT},
    {"id_type", CRMI_COL_TEXT},
    {"id_number", CRMI_COL_TEXT},
    {"gender", CRMI_COL_GENDER},
    {"birth_date", CRMI_COL_DATE},
    {"phone", CRMI_COL_TEXT},
    {"email", CRMI_COL_TEXT},
    {"address", CRMI_COL_TEXT},
    {"card_number", CRMI_COL_TEXT},
    {"city", CRMI_COL_TEXT},
    {"province", CRMI_COL_TEXT},
    {"occupation", CRMI_COL_TEXT},
    {"annual_income", CRMI_COL_MONEY},
    {"total_assets", CRMI_COL_MONEY},
    {"risk_level", CRMI_COL_TEXT},
    {"risk_assessed_at", CRMI_COL_DATE},
    {"branch", CRMI_COL_TEXT},
    {"manager", CRMI_COL_TEXT},
    {"consent_sms", CRMI_COL_FLAG},
    {"consent_email", CRMI_COL_FLAG},
    {"consent_phone", CRMI_COL_FLAG},
};

static const crmi_column txn_cols[] = {
    {"customer_no", CRMI_COL_TEXT}, {"product_code", CRMI_COL_TEXT}, {"type", CRMI_COL_TEXT},
    {"amount", CRMI_COL_MONEY},     {"channel", CRMI_COL_TEXT},      {"time", CRMI_COL_TIME},
    {"ref", CRMI_COL_TEXT},
};

const crmi_columns crmi_customer_columns = {customer_cols,
                                            sizeof customer_cols / sizeof customer_cols[0], true};
const crmi_columns crmi_txn_columns = {txn_cols, sizeof txn_cols / sizeof txn_cols[0], false};

static const crmi_column holding_cols[] = {
    {"customer_no", CRMI_COL_TEXT}, {"product_code", CRMI_COL_TEXT}, {"balance", CRMI_COL_MONEY}};

const crmi_columns crmi_holding_columns = {holding_cols,
                                           sizeof holding_cols / sizeof holding_cols[0], false};

const crmi_column *crmi_column_find(const crmi_columns *set, const char *name)
{
    static const crmi_column ext = {"ext", CRMI_COL_TEXT};
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->cols[i].name, name) == 0)
            return &set->cols[i];
    return set->ext && strncmp(name, "ext.", 4) == 0 ? &ext : NULL;
}

/* ----------------------------------------------------------------- money */

static bool fail(char *why, size_t size, const char *text)
{
    snprintf(why, size, "%s", text);
    return false;
}

bool crmi_money_parse(int64_t *out_fen, const char *text, char *why, size_t why_size)
{
    const char *p = text;
    bool negative = *p == '-';
    p += negative;
    size_t whole = strspn(p, "0123456789");
    if (whole == 0)
        return fail(why, why_size, "not an amount in yuan (digits with up to 2 decimals)");
    if (whole > 16)
        return fail(why, why_size, "amount too large");
    int64_t fen = 0;
    for (size_t i = 0; i < whole; i++)
        fen = fen * 10 + (p[i] - '0');
    p += whole;
    size_t decimals = 0;
    if (*p == '.') {
        decimals = strspn(++p, "0123456789");
        if (decimals == 0 || decimals > 2 || p[decimals] != '\0')
            return fail(why, why_size,
                        decimals > 2 ? "more than 2 decimals (yuan are counted in whole fen)"
                                     : "not an amount in yuan (digits with up to 2 decimals)");
    } else if (*p != '\0') {
        return fail(why, why_size, "not an amount in yuan (digits with up to 2 decimals)");
    }
    fen *= 100;
    if (decimals >= 1)
        fen += (p[0] - '0') * 10;
    if (decimals == 2)
        fen += p[1] - '0';
    *out_fen = negative ? -fen : fen;
    return true;
}

void crmi_money_format(char *out, int64_t fen)
{
    uint64_t v = fen < 0 ? 0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, 32, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", v / 100, (unsigned int)(v % 100));
}

/* ------------------------------------------------------------------ cells */

/* YYYY-MM-DD as is; YYYY/M/D and YYYY-M-D padded. Anything else is passed
 * on for validation to refuse with the field's own message. */
static void normalize_date(char out[16], const char *in)
{
    unsigned int y, m, d;
    char sep1, sep2, extra;
    snprintf(out, 16, "%s", in);
    if (strlen(in) < 8 || strlen(in) > 10)
        return;
    if (sscanf(in, "%4u%c%2u%c%2u%c", &y, &sep1, &m, &sep2, &d, &extra) != 5)
        return;
    if (sep1 != sep2 || (sep1 != '/' && sep1 != '-') || y < 1000 || y > 9999 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return;
    snprintf(out, 16, "%04u-%02u-%02u", y % 10000, m % 100, d % 100);
}

static bool parse_flag(const char *v, int64_t *out)
{
    static const char *const yes[] = {"1", "true", "yes", "y", "是"};
    static const char *const no[] = {"0", "false", "no", "n", "否"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return (*out = 1), true;
        if (strcasecmp(v, no[i]) == 0)
            return (*out = 0), true;
    }
    return false;
}

static const char *gender_code(const char *v)
{
    if (strcmp(v, "男") == 0)
        return "M";
    if (strcmp(v, "女") == 0)
        return "F";
    return v;
}

static int put_text(crm_record *rec, const char *name, const char *value)
{
    return crmi_record_put_text(rec, name, value) ? CRM_E_NOMEM : CRM_OK;
}

static int refuse(char *why, size_t size, const char *text)
{
    snprintf(why, size, "%s", text);
    return CRM_E_INVALID_DATA;
}

int crmi_cell_put(crm_record *rec, const crmi_column *col, const crmi_cell *cell, char *why,
                  size_t why_size)
{
    const char *v = cell->value;
    char date[16];
    int64_t n;
    if (cell->type == CRMI_CELL_BOOL && col->kind != CRMI_COL_FLAG)
        return refuse(why, why_size, "true/false where a value was expected");
    switch (col->kind) {
    case CRMI_COL_MONEY:
        if (!crmi_money_parse(&n, v, why, why_size))
            return CRM_E_INVALID_DATA;
        return crm_record_set_money(rec, cell->name, n) ? CRM_E_NOMEM : CRM_OK;
    case CRMI_COL_FLAG:
        if (!parse_flag(v, &n))
            return refuse(why, why_size, "expected 0 or 1 (or true/false, yes/no, 是/否)");
        return crmi_record_put_int(rec, cell->name, n) ? CRM_E_NOMEM : CRM_OK;
    case CRMI_COL_DATE: normalize_date(date, v); return put_text(rec, cell->name, date);
    case CRMI_COL_GENDER: return put_text(rec, cell->name, gender_code(v));
    default: return put_text(rec, cell->name, v);
    }
}
