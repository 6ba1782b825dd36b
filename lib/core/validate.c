/* Validators shared by every module: each names the field at fault and
 * writes the normalised form used for storage and blind indexes. */
#include "core/validate_int.h"

#include <ctype.h>
#include <string.h>

int crmi_validate_mobile(crm_db *db, const char *field, const char *in, char out[12])
{
    const char *digits = strncmp(in, "+86", 3) == 0 ? in + 3 : in;
    size_t n = strlen(digits);
    bool ok = n == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)digits[i]);
    if (!ok)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "field %s: not a mainland mobile number (11 digits 1[3-9]xxxxxxxxx, "
                          "optional +86)",
                          field);
    memcpy(out, digits, 12);
    return CRM_OK;
}

/* A pragmatic address check: one '@', a non-empty local part of printable
 * ASCII without spaces, a domain of dot-separated labels. Lower-cased. */
int crmi_validate_email(crm_db *db, const char *field, const char *in, char **out)
{
    size_t n = strlen(in);
    const char *at = strchr(in, '@');
    bool ok = n >= 3 && n <= 254 && at && at != in && !strchr(at + 1, '@') &&
              strchr(at + 1, '.') && at[1] != '.' && in[n - 1] != '.' && !strstr(at, "..");
    for (size_t i = 0; ok && i < n; i++)
        ok = in[i] > ' ' && in[i] < 0x7f;
    if (!ok)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: not an email address", field);
    char *lower = crmi_strdup(in);
    if (!lower)
        return crmi_error(db, CRM_E_NOMEM, "out of memory");
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *out = lower;
    return CRM_OK;
}

int crmi_validate_code(crm_db *db, const char *field, const char *in, size_t max_len)
{
    size_t n = in ? strlen(in) : 0;
    bool ok = n >= 1 && n <= max_len;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)in[i]) || in[i] == '_' || in[i] == '-';
    if (!ok)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: expected 1..%zu of [A-Za-z0-9_-]",
                          field, max_len);
    return CRM_OK;
}

int crmi_validate_text(crm_db *db, const char *field, const char *in, size_t max_chars)
{
    size_t n = in ? strlen(in) : 0;
    if (n == 0)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: required", field);
    if (!crmi_utf8_valid(in, n))
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: not valid UTF-8", field);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)in[i] < 0x20)
            return crmi_error(db, CRM_E_INVALID_DATA, "field %s: control character", field);
    if (crmi_utf8_length(in) > max_chars)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: longer than %zu characters", field,
                          max_chars);
    return CRM_OK;
}

int crmi_record_text(crm_db *db, const crm_record *rec, const char *field, bool required,
                     const char **out)
{
    *out = NULL;
    crm_value_type type = crm_record_type(rec, field);
    if (type == CRM_TYPE_NULL)
        return required ? crmi_error(db, CRM_E_INVALID_DATA, "field %s: required", field) : CRM_OK;
    if (type != CRM_TYPE_TEXT)
        return crmi_error(db, CRM_E_INVALID_DATA, "field %s: expected text", field);
    return crm_record_get_text(out, rec, field);
}

int crmi_record_check_fields(crm_db *db, const crm_record *rec, const char *const known[],
                             size_t n_known, const char *what)
{
    for (size_t i = 0; i < crm_record_count(rec); i++) {
        const char *name = crm_record_field_name(rec, i);
        size_t k = 0;
        while (k < n_known && strcmp(known[k], name) != 0)
            k++;
        if (k == n_known)
            return crmi_error(db, CRM_E_INVALID_DATA, "%s: unknown field %s", what, name);
    }
    return CRM_OK;
}
