/* Input validation shared by every module. Each function names `field` in
 * its error message and records it on db. */
#ifndef CRMI_VALIDATE_INT_H
#define CRMI_VALIDATE_INT_H

#include "core/db_int.h"

/* Mainland mobile: optional +86, then 1[3-9] and 9 digits. `out` gets the
 * 11 digits. */
int crmi_validate_mobile(crm_db *db, const char *field, const char *in, char out[12]);

/* Email address; `*out` gets the lower-cased form (free with crm_free). */
int crmi_validate_email(crm_db *db, const char *field, const char *in, char **out);

/* Identifier codes: 1..max_len of [A-Za-z0-9_-]. */
int crmi_validate_code(crm_db *db, const char *field, const char *in, size_t max_len);

/* Required UTF-8 text without control characters, at most max_chars code points. */
int crmi_validate_text(crm_db *db, const char *field, const char *in, size_t max_chars);

/* Reads a text field of a record: CRM_E_INVALID_DATA if required and absent
 * or not text; *out NULL when absent. */
int crmi_record_text(crm_db *db, const crm_record *rec, const char *field, bool required,
                     const char **out);

/* Refuses fields a call does not know, so a typo is an error, not ignored. */
int crmi_record_check_fields(crm_db *db, const crm_record *rec, const char *const known[],
                             size_t n_known, const char *what);

#endif
