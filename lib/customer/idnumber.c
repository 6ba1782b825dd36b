/* Resident identity numbers, GB 11643-1999: region, birth date, sequence
 * (odd = male) and an ISO 7064 MOD 11-2 check character. Old 15-digit
 * numbers (born 19xx, no check character) convert to 18. */
#include "customer/customer_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char check_character(const char digits17[17])
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char table[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (digits17[i] - '0') * weights[i];
    return table[sum % 11];
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Writes the error into `why` and returns false. */
static bool fail(char *why, size_t size, const char *msg)
{
    snprintf(why, size, "%s", msg);
    return false;
}

bool crmi_id_number_parse(crmi_id_info *out, const char *in, int64_t today, char *why,
                          size_t why_size)
{
    size_t n = strlen(in);
    char id[19] = {0};
    if (n == 15 && all_digits(in, 15)) {
        memcpy(id, in, 6);
        memcpy(id + 6, "19", 2);
        memcpy(id + 8, in + 6, 9);
        id[17] = check_character(id);
    } else if (n == 18 && all_digits(in, 17) && (isdigit((unsigned char)in[17]) || in[17] == 'X' || in[17] == 'x')) {
        memcpy(id, in, 18);
        id[17] = (char)toupper((unsigned char)id[17]);
        char want = check_character(id);
        if (want != id[17]) {
            snprintf(why, why_size, "check digit is %c, expected %c", id[17], want);
            return false;
        }
    } else {
        return fail(why, why_size, "expected 18 characters (17 digits and a digit or X) or 15 "
                                   "digits");
    }
    int region = (id[0] - '0') * 10 + (id[1] - '0');
    const char *province = crmi_province_by_code(region);
    if (!province)
        return fail(why, why_size, "unknown province code in the first two digits");
    char date[11];
    snprintf(date, sizeof date, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
    int64_t born;
    if (crm_time_parse(&born, date) != CRM_OK || born > today || date[0] < '1' ||
        strncmp(date, "1900", 4) < 0)
        return fail(why, why_size, "digits 7-14 are not a plausible birth date");
    memcpy(out->number, id, sizeof out->number);
    memcpy(out->birth_date, date, sizeof out->birth_date);
    out->gender = ((id[16] - '0') % 2) ? 'M' : 'F';
    out->province = province;
    return true;
}

CRM_EXTERN(int) crm_id_number_parse(crm_record **out, const char *id_number)
{
    if (!out || !id_number)
        return crmi_error_thread(CRM_E_INVALID_ARG, "id number: NULL argument");
    crmi_id_info info;
    char why[128];
    if (!crmi_id_number_parse(&info, id_number, INT64_MAX, why, sizeof why))
        return crmi_error_thread(CRM_E_INVALID_DATA, "id_number: %s", why);
    crm_record *rec = NULL;
    char gender[2] = {info.gender, '\0'};
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = crmi_record_put_text(rec, "id_number", info.number);
    if (!rc)
        rc = crmi_record_put_text(rec, "birth_date", info.birth_date);
    if (!rc)
        rc = crmi_record_put_text(rec, "gender", gender);
    if (!rc)
        rc = crmi_record_put_text(rec, "province", info.province);
    if (rc) {
        crm_record_free(rec);
        return rc;
    }
    *out = rec;
    return CRM_OK;
}

bool crmi_luhn_valid(const char *digits)
{
    size_t n = strlen(digits);
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        if (d < 0 || d > 9)
            return false;
        if (i % 2 == 1 && (d *= 2) > 9)
            d -= 9;
        sum += d;
    }
    return n > 0 && sum % 10 == 0;
}
