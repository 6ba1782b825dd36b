/* Masking of personal data for display (DESIGN.md 3, JR/T 0171-2020).
 * Works on code points so Chinese names and addresses mask correctly. */
#include "core/core_int.h"
#include "crm/security.h"

#include <string.h>

/* Appends the code points [from, to) of `s`, or one '*' for each. */
static void copy_chars(crmi_buf *b, const char *s, size_t from, size_t to, bool hide)
{
    size_t start = crmi_utf8_prefix_bytes(s, from), end = crmi_utf8_prefix_bytes(s, to);
    if (!hide) {
        crmi_buf_append(b, s + start, end - start);
        return;
    }
    for (size_t i = from; i < to; i++)
        crmi_buf_putc(b, '*');
}

/* Keeps `head` leading and `tail` trailing characters; hides the rest. When
 * the value is too short to hide anything that way, hides all but the
 * last `tail` characters (or everything). */
static void keep_ends(crmi_buf *b, const char *s, size_t head, size_t tail)
{
    size_t n = crmi_utf8_length(s);
    if (n <= head + tail) {
        size_t keep = n > tail ? tail : 0;
        copy_chars(b, s, 0, n - keep, true);
        copy_chars(b, s, n - keep, n, false);
        return;
    }
    copy_chars(b, s, 0, head, false);
    copy_chars(b, s, head, n - tail, true);
    copy_chars(b, s, n - tail, n, false);
}

static void mask_phone(crmi_buf *b, const char *s)
{
    if (strncmp(s, "+86", 3) == 0) {
        crmi_buf_puts(b, "+86");
        s += 3;
    }
    keep_ends(b, s, 3, 4);
}

static void mask_email(crmi_buf *b, const char *s)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s) {
        keep_ends(b, s, 1, 0);
        return;
    }
    copy_chars(b, s, 0, 1, false);
    crmi_buf_puts(b, "***");
    crmi_buf_puts(b, at);
}

static void mask_address(crmi_buf *b, const char *s)
{
    size_t n = crmi_utf8_length(s), head = n > 6 ? 6 : n / 2;
    copy_chars(b, s, 0, head, false);
    if (head < n)
        crmi_buf_puts(b, "****");
}

/* Chinese names keep the surname (first character); Latin names the first
 * letter; spaces stay so the shape of the name is still recognisable. */
static void mask_name(crmi_buf *b, const char *s)
{
    size_t n = crmi_utf8_length(s);
    copy_chars(b, s, 0, 1, false);
    for (size_t i = 1; i < n; i++) {
        size_t at = crmi_utf8_prefix_bytes(s, i);
        crmi_buf_putc(b, s[at] == ' ' ? ' ' : '*');
    }
}

CRM_EXTERN(int) crm_mask(char **out, crm_mask_kind kind, const char *value)
{
    if (!out || !value)
        return crmi_error_thread(CRM_E_INVALID_ARG, "mask: NULL argument");
    if (!crmi_utf8_valid(value, strlen(value)))
        return crmi_error_thread(CRM_E_INVALID_DATA, "mask: value is not valid UTF-8");
    crmi_buf b = {0};
    switch (kind) {
    case CRM_MASK_ID_NUMBER: keep_ends(&b, value, 1, 1); break;
    case CRM_MASK_PHONE: mask_phone(&b, value); break;
    case CRM_MASK_CARD: keep_ends(&b, value, 6, 4); break;
    case CRM_MASK_EMAIL: mask_email(&b, value); break;
    case CRM_MASK_ADDRESS: mask_address(&b, value); break;
    case CRM_MASK_NAME: mask_name(&b, value); break;
    default: return crmi_error_thread(CRM_E_INVALID_ARG, "mask: unknown kind %d", (int)kind);
    }
    char *text = crmi_buf_take(&b);
    if (!text)
        return crmi_error_thread(CRM_E_NOMEM, "mask: out of memory");
    *out = text;
    return CRM_OK;
}
