/* Customer validation: each field normalised and checked, then the fields
 * checked against each other (a resident ID fixes birth date, gender and
 * province). Every message names the field and says why. */
#include "customer/customer_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const crmi_personal_names[CRMI_PF_COUNT] = {"id_number", "phone", "email", "address",
                                                        "card_number"};

typedef enum kind { K_TEXT, K_CODE, K_MONEY, K_DATE, K_FLAG, K_SPECIAL } kind;

typedef struct field_spec {
    const char *name;
    crmi_field field;
    kind kind;
    size_t max; /* characters for text */
} field_spec;

static const field_spec specs[] = {
    {"customer_no", CRMI_F_CUSTOMER_NO, K_CODE, 32},
    {"name", CRMI_F_NAME, K_TEXT, 50},
    {"id_type", CRMI_F_ID_TYPE, K_SPECIAL, 0},
    {"id_number", CRMI_F_ID_NUMBER, K_SPECIAL, 0},
    {"gender", CRMI_F_GENDER, K_SPECIAL, 0},
    {"birth_date", CRMI_F_BIRTH_DATE, K_DATE, 0},
    {"phone", CRMI_F_PHONE, K_SPECIAL, 0},
    {"email", CRMI_F_EMAIL, K_SPECIAL, 0},
    {"address", CRMI_F_ADDRESS, K_TEXT, 200},
    {"card_number", CRMI_F_CARD_NUMBER, K_SPECIAL, 0},
    {"city", CRMI_F_CITY, K_TEXT, 50},
    {"province", CRMI_F_PROVINCE, K_SPECIAL, 0},
    {"occupation", CRMI_F_OCCUPATION, K_TEXT, 50},
    {"annual_income", CRMI_F_ANNUAL_INCOME, K_MONEY, 0},
    {"total_assets", CRMI_F_TOTAL_ASSETS, K_MONEY, 0},
    {"risk_level", CRMI_F_RISK_LEVEL, K_SPECIAL, 0},
    {"risk_assessed_at", CRMI_F_RISK_ASSESSED_AT, K_DATE, 0},
    {"branch", CRMI_F_BRANCH, K_CODE, 32},
    {"manager", CRMI_F_MANAGER, K_TEXT, 64}, /* a login, looked up when stored */
    {"consent_sms", CRMI_F_CONSENT_SMS, K_FLAG, 0},
    {"consent_email", CRMI_F_CONSENT_EMAIL, K_FLAG, 0},
    {"consent_phone", CRMI_F_CONSENT_PHONE, K_FLAG, 0},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

/* Authentication data is never stored (JR/T 0171-2020). */
static const char *const forbidden[] = {"password", "passwd", "pin", "pin_code", "cvv", "cvv2",
                                        "cvc", "cvc2", "otp", "security_code", "passcode",
                                        "biometric", "fingerprint"};

static const char *const id_types[] = {"resident_id",    "passport",          "hk_macao_permit",
                                       "taiwan_permit", "foreign_permanent", "other"};

static int invalid(crm_db *db, const char *field, const char *why)
{
    return crmi_error(db, CRM_E_INVALID_DATA, "field %s: %s", field, why);
}

void crmi_customer_clear(crmi_customer *c)
{
    char **texts[] = {&c->customer_no, &c->name,       &c->id_type,  &c->gender,
                      &c->birth_date,  &c->city,       &c->province, &c->occupation,
                      &c->risk_level,  &c->branch,     &c->manager};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        crm_free(*texts[i]);
    for (int i = 0; i < CRMI_PF_COUNT; i++)
        crm_free(c->personal[i]);
    crm_record_free(c->ext);
    *c = (crmi_customer){0};
}

static int keep(crm_db *db, char **slot, const char *value)
{
    crm_free(*slot);
    *slot = value ? crmi_strdup(value) : NULL;
    return (!value || *slot) ? CRM_OK : crmi_error(db, CRM_E_NOMEM, "out of memory");
}

const char *crmi_customer_field_name(crmi_field f)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (specs[i].field == f)
            return specs[i].name;
    return "ext";
}

static const field_spec *spec_of(const char *name)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

static int check_name_allowed(crm_db *db, const char *name)
{
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (strcasecmp(name, forbidden[i]) == 0)
            return invalid(db, name, "authentication data is never stored (JR/T 0171-2020)");
    return CRM_OK;
}

static int validate_ext(crm_db *db, crmi_customer *c, const char *name, const crm_record *in)
{
    const char *attr = name + 4, *value;
    bool ok = *attr && strlen(attr) <= 64;
    for (const char *p = attr; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    if (!ok)
        return invalid(db, name, "extension names are ext. and 1..64 of [a-z0-9_]");
    int rc = check_name_allowed(db, attr) ? invalid(db, name, "authentication data is never stored "
                                                             "(JR/T 0171-2020)")
                                          : CRM_OK;
    if (!rc)
        rc = crmi_record_text(db, in, name, false, &value);
    if (!rc && value)
        rc = crmi_validate_text(db, name, value, 500);
    if (!rc && !c->ext)
        rc = crm_record_new(&c->ext) ? crmi_error(db, CRM_E_NOMEM, "out of memory") : CRM_OK;
    if (!rc)
        rc = crmi_record_put_text(c->ext, attr, value);
    c->set |= 1ull << CRMI_F_EXT;
    return rc;
}

static int read_money(crm_db *db, const crm_record *in, const char *name, int64_t *out)
{
    crm_value_type t = crm_record_type(in, name);
    if (t != CRM_TYPE_MONEY && t != CRM_TYPE_INT)
        return invalid(db, name, "expected an amount in fen");
    crm_record_get_int(out, in, name);
    return *out < 0 ? invalid(db, name, "must not be negative") : CRM_OK;
}

static int read_date(crm_db *db, const crm_record *in, const char *name, const char **out)
{
    int64_t epoch;
    if (crm_record_get_text(out, in, name) != CRM_OK || strlen(*out) != 10 ||
        crm_time_parse(&epoch, *out) != CRM_OK)
        return invalid(db, name, "expected a date YYYY-MM-DD");
    if (epoch > crm_db_now(db))
        return invalid(db, name, "is in the future");
    return CRM_OK;
}

static int read_flag(crm_db *db, const crm_record *in, const char *name, int *out)
{
    int64_t v;
    if (crm_record_type(in, name) != CRM_TYPE_INT || crm_record_get_int(&v, in, name) ||
        (v != 0 && v != 1))
        return invalid(db, name, "expected 0 or 1");
    *out = (int)v;
    return CRM_OK;
}

static int one_of(crm_db *db, const char *name, const char *value, const char *const *options,
                  size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, options[i]) == 0)
            return CRM_OK;
    return invalid(db, name, "not one of the allowed values");
}

/* Personal and enumerated fields, each with its own rule. */
static int validate_special(crm_db *db, crmi_customer *c, const field_spec *s, const char *v)
{
    static const char *const genders[] = {"M", "F"};
    static const char *const levels[] = {"C1", "C2", "C3", "C4", "C5"};
    char digits[24], phone[12];
    int rc;
    switch (s->field) {
    case CRMI_F_ID_TYPE:
        rc = one_of(db, s->name, v, id_types, sizeof id_types / sizeof id_types[0]);
        return rc ? rc : keep(db, &c->id_type, v);
    case CRMI_F_GENDER:
        rc = one_of(db, s->name, v, genders, 2);
        return rc ? rc : keep(db, &c->gender, v);
    case CRMI_F_RISK_LEVEL:
        rc = one_of(db, s->name, v, levels, 5);
        return rc ? rc : keep(db, &c->risk_level, v);
    case CRMI_F_PROVINCE: {
        const char *full = crmi_province_by_name(v);
        return full ? keep(db, &c->province, full) : invalid(db, s->name, "unknown province");
    }
    case CRMI_F_PHONE:
        rc = crmi_validate_mobile(db, s->name, v, phone);
        return rc ? rc : keep(db, &c->personal[CRMI_PF_PHONE], phone);
    case CRMI_F_EMAIL:
        crm_free(c->personal[CRMI_PF_EMAIL]);
        c->personal[CRMI_PF_EMAIL] = NULL;
        return crmi_validate_email(db, s->name, v, &c->personal[CRMI_PF_EMAIL]);
    case CRMI_F_CARD_NUMBER: {
        size_t n = 0;
        for (const char *p = v; *p && n < sizeof digits - 1; p++)
            if (*p != ' ' && *p != '-')
                digits[n++] = *p;
        digits[n] = '\0';
        if (n < 16 || n > 19 || strspn(digits, "0123456789") != n)
            return invalid(db, s->name, "expected 16..19 digits");
        if (!crmi_luhn_valid(digits))
            return invalid(db, s->name, "fails the Luhn check");
        return keep(db, &c->personal[CRMI_PF_CARD_NUMBER], digits);
    }
    default: /* id_number: checked with id_type in check_identity */
        return keep(db, &c->personal[CRMI_PF_ID_NUMBER], v);
    }
}

static int validate_text_field(crm_db *db, crmi_customer *c, const field_spec *s, const char *v)
{
    int rc = s->kind == K_CODE ? crmi_validate_code(db, s->name, v, s->max)
                               : crmi_validate_text(db, s->name, v, s->max);
    if (rc)
        return rc;
    switch (s->field) {
    case CRMI_F_CUSTOMER_NO: return keep(db, &c->customer_no, v);
    case CRMI_F_NAME: return keep(db, &c->name, v);
    case CRMI_F_ADDRESS: return keep(db, &c->personal[CRMI_PF_ADDRESS], v);
    case CRMI_F_CITY: return keep(db, &c->city, v);
    case CRMI_F_OCCUPATION: return keep(db, &c->occupation, v);
    case CRMI_F_BRANCH: return keep(db, &c->branch, v);
    default: return keep(db, &c->manager, v);
    }
}

static int validate_field(crm_db *db, crmi_customer *c, const field_spec *s, const crm_record *in)
{
    const char *v = NULL;
    int64_t epoch;
    c->set |= 1ull << s->field;
    switch (s->kind) {
    case K_MONEY:
        return read_money(db, in, s->name,
                          s->field == CRMI_F_ANNUAL_INCOME ? &c->annual_income : &c->total_assets);
    case K_FLAG:
        return read_flag(db, in, s->name,
                         s->field == CRMI_F_CONSENT_SMS     ? &c->consent_sms
                         : s->field == CRMI_F_CONSENT_EMAIL ? &c->consent_email
                                                            : &c->consent_phone);
    case K_DATE:
        if (read_date(db, in, s->name, &v))
            return db->errcode;
        if (s->field == CRMI_F_BIRTH_DATE)
            return keep(db, &c->birth_date, v);
        crm_time_parse(&epoch, v);
        c->risk_assessed_at = epoch;
        return CRM_OK;
    default:
        break;
    }
    if (crm_record_type(in, s->name) != CRM_TYPE_TEXT)
        return invalid(db, s->name, "expected text");
    crm_record_get_text(&v, in, s->name);
    return s->kind == K_SPECIAL ? validate_special(db, c, s, v)
                                : validate_text_field(db, c, s, v);
}

/* Checks the ID number against its type and, for resident IDs, derives or
 * checks birth date, gender and province. */
static int check_identity(crm_db *db, crmi_customer *c)
{
    const char *type = c->id_type ? c->id_type : "resident_id";
    char *number = c->personal[CRMI_PF_ID_NUMBER];
    if (!number)
        return CRM_OK;
    if (strcmp(type, "resident_id") != 0) {
        size_t n = strlen(number);
        bool ok = n >= 5 && n <= 30;
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)number[i]) || strchr("()-", number[i]);
        return ok ? CRM_OK : invalid(db, "id_number", "expected 5..30 letters, digits, ( ) or -");
    }
    crmi_id_info id;
    char why[128];
    if (!crmi_id_number_parse(&id, number, crm_db_now(db), why, sizeof why))
        return invalid(db, "id_number", why);
    char gender[2] = {id.gender, '\0'};
    if (c->birth_date && strcmp(c->birth_date, id.birth_date) != 0)
        return invalid(db, "birth_date", "does not match the ID number");
    if (c->gender && strcmp(c->gender, gender) != 0)
        return invalid(db, "gender", "does not match the ID number");
    if (c->province && strcmp(c->province, id.province) != 0)
        return invalid(db, "province", "does not match the ID number's region");
    int rc = keep(db, &c->personal[CRMI_PF_ID_NUMBER], id.number);
    if (!rc && !c->birth_date && !(rc = keep(db, &c->birth_date, id.birth_date)))
        c->set |= 1ull << CRMI_F_BIRTH_DATE;
    if (!rc && !c->gender && !(rc = keep(db, &c->gender, gender)))
        c->set |= 1ull << CRMI_F_GENDER;
    if (!rc && !c->province && !(rc = keep(db, &c->province, id.province)))
        c->set |= 1ull << CRMI_F_PROVINCE;
    return rc;
}

static int check_required(crm_db *db, const crmi_customer *c, bool is_update)
{
    if (is_update)
        return CRMI_HAS(c, CRMI_F_CUSTOMER_NO) ? invalid(db, "customer_no", "cannot change")
                                               : CRM_OK;
    if (!c->customer_no)
        return invalid(db, "customer_no", "required");
    if (!c->name)
        return invalid(db, "name", "required");
    return c->branch ? CRM_OK : invalid(db, "branch", "required");
}

int crmi_customer_validate(crm_db *db, const crm_record *in, bool is_update, crmi_customer *out)
{
    *out = (crmi_customer){0};
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < crm_record_count(in); i++) {
        const char *name = crm_record_field_name(in, i);
        const field_spec *s = spec_of(name);
        if (crm_record_type(in, name) == CRM_TYPE_NULL && s) {
            out->set |= 1ull << s->field; /* cleared by an update */
            continue;
        }
        if (s)
            rc = validate_field(db, out, s, in);
        else if (strncmp(name, "ext.", 4) == 0)
            rc = validate_ext(db, out, name, in);
        else if (!(rc = check_name_allowed(db, name)))
            rc = crmi_error(db, CRM_E_INVALID_DATA, "unknown field %s", name);
    }
    if (!rc)
        rc = check_required(db, out, is_update);
    if (!rc && !is_update && !out->id_type)
        rc = keep(db, &out->id_type, "resident_id");
    if (!rc)
        rc = check_identity(db, out);
    if (rc)
        crmi_customer_clear(out);
    return rc;
}
