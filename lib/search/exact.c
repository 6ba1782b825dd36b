/* Exact keys: customer number, and the personal identifiers matched by
 * blind index after the normalisation the store applies before indexing
 * (lib/customer/validate.c), so that any way of writing a value finds it. */
#include "search/search_int.h"

#include <ctype.h>
#include <string.h>

static const char *const exact_names[CRMI_EXACT_COUNT] = {"customer_no", "id_number", "phone",
                                                          "card_number", "email"};

/* The conditions; a resident ID is indexed in its 18-character form, other
 * ID types as entered. A value that parses as a resident ID but was written
 * differently (lower-case x, 15 digits) is looked up both ways, so a
 * passport number that happens to look like one is still found. */
#define BY_CUSTOMER_NO " AND c.customer_no = :x_customer_no"
#define BY_ID_NUMBER " AND c.id_number_idx = :x_id_number"
#define BY_ID_NUMBER_2 " AND (c.id_number_idx = :x_id_number OR c.id_number_idx = :x_id_number_raw)"
#define BY_PHONE " AND c.phone_idx = :x_phone"
#define BY_CARD_NUMBER " AND c.card_number_idx = :x_card_number"
#define BY_EMAIL " AND c.email_idx = :x_email"

/* The whole crm_customer_find_by statement of each, static so the handle
 * caches it (crmi_stmt_lend): an exact lookup is prepared once. No LIMIT,
 * no IN list: both would make SQLite build a temporary b-tree per run. The
 * customer number and the resident ID have unique indexes, so at most one
 * row comes back and the order by customer number needs no sort (SQLite
 * would sort anyway: it does not infer it from a partial unique index). */
#define FIND_ONE(condition) CRMI_CUSTOMER_SELECT " WHERE" CRMI_CUSTOMER_SCOPE condition
#define FIND(condition) FIND_ONE(condition) " ORDER BY c.customer_no"
static const char FIND_CUSTOMER_NO[] = FIND_ONE(BY_CUSTOMER_NO);
static const char FIND_ID_NUMBER[] = FIND_ONE(BY_ID_NUMBER);
static const char FIND_ID_NUMBER_2[] = FIND(BY_ID_NUMBER_2);
static const char FIND_PHONE[] = FIND(BY_PHONE);
static const char FIND_CARD_NUMBER[] = FIND(BY_CARD_NUMBER);
static const char FIND_EMAIL[] = FIND(BY_EMAIL);

/* Appends a condition and notes the equivalent find_by statement. */
static void condition(crmi_query *q, const char *fragment, const char *find_sql)
{
    crmi_query_sql(q, fragment);
    q->find_sql = find_sql;
}

crmi_exact crmi_exact_key(const char *name)
{
    int k = 0;
    while (k < CRMI_EXACT_COUNT && strcmp(exact_names[k], name) != 0)
        k++;
    return (crmi_exact)k;
}

static int bad(crm_db *db, const char *field, const char *why)
{
    return crmi_error(db, CRM_E_INVALID_DATA, "field %s: %s", field, why);
}

static int add_customer_no(crm_db *db, crmi_query *q, const char *value)
{
    int rc = crmi_validate_code(db, "customer_no", value, 32);
    if (rc)
        return rc;
    condition(q, BY_CUSTOMER_NO, FIND_CUSTOMER_NO);
    crmi_query_text(q, ":x_customer_no", value);
    return CRM_OK;
}

/* Other ID types are kept as entered: 5..30 letters, digits, ( ) or -. */
static bool plausible_other_id(const char *v)
{
    size_t n = strlen(v);
    bool ok = n >= 5 && n <= 30;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)v[i]) || strchr("()-", v[i]);
    return ok;
}

/* Shaped like a resident ID (15 digits, or 17 and a digit or X): then a
 * failed check is a typo worth reporting, not another ID type. */
static bool resident_shaped(const char *v)
{
    size_t n = strlen(v), digits = strspn(v, "0123456789");
    return (n == 15 && digits == 15) ||
           (n == 18 && (digits == 18 || (digits == 17 && (v[17] == 'X' || v[17] == 'x'))));
}

static int add_id_number(crm_db *db, crmi_query *q, const char *value)
{
    crmi_id_info id;
    char why[128];
    bool resident = crmi_id_number_parse(&id, value, crm_db_now(db), why, sizeof why);
    if (!resident && (resident_shaped(value) || !plausible_other_id(value)))
        return bad(db, "id_number", why);
    const char *number = resident ? id.number : value;
    bool both = strcmp(number, value) != 0;
    condition(q, both ? BY_ID_NUMBER_2 : BY_ID_NUMBER, both ? FIND_ID_NUMBER_2 : FIND_ID_NUMBER);
    int rc = crmi_query_blind(db, q, ":x_id_number", "id_number", number);
    if (!rc && both)
        rc = crmi_query_blind(db, q, ":x_id_number_raw", "id_number", value);
    return rc;
}

static int add_phone(crm_db *db, crmi_query *q, const char *value)
{
    char phone[12];
    int rc = crmi_validate_mobile(db, "phone", value, phone);
    if (rc)
        return rc;
    condition(q, BY_PHONE, FIND_PHONE);
    return crmi_query_blind(db, q, ":x_phone", "phone", phone);
}

static int add_card_number(crm_db *db, crmi_query *q, const char *value)
{
    char digits[24];
    size_t n = 0;
    for (const char *p = value; *p && n < sizeof digits - 1; p++)
        if (*p != ' ' && *p != '-')
            digits[n++] = *p;
    digits[n] = '\0';
    if (n < 16 || n > 19 || strspn(digits, "0123456789") != n)
        return bad(db, "card_number", "expected 16..19 digits");
    if (!crmi_luhn_valid(digits))
        return bad(db, "card_number", "fails the Luhn check");
    condition(q, BY_CARD_NUMBER, FIND_CARD_NUMBER);
    return crmi_query_blind(db, q, ":x_card_number", "card_number", digits);
}

static int add_email(crm_db *db, crmi_query *q, const char *value)
{
    char *email;
    int rc = crmi_validate_email(db, "email", value, &email);
    if (rc)
        return rc;
    condition(q, BY_EMAIL, FIND_EMAIL);
    rc = crmi_query_blind(db, q, ":x_email", "email", email);
    crm_free(email);
    return rc;
}

int crmi_exact_add(crm_db *db, crmi_query *q, crmi_exact key, const char *value)
{
    switch (key) {
    case CRMI_EXACT_CUSTOMER_NO: return add_customer_no(db, q, value);
    case CRMI_EXACT_ID_NUMBER: return add_id_number(db, q, value);
    case CRMI_EXACT_PHONE: return add_phone(db, q, value);
    case CRMI_EXACT_CARD_NUMBER: return add_card_number(db, q, value);
    case CRMI_EXACT_EMAIL: return add_email(db, q, value);
    default: return crmi_error(db, CRM_E_INVALID_ARG, "unknown exact key");
    }
}
