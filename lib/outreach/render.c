/* The one message renderer: campaign sends, care greetings and previews
 * all go through crmi_render, so placeholders, the masked form of address,
 * the SMS opt-out text and the SMS length rule are the same everywhere. */
#include "outreach/outreach_int.h"

#include <stdio.h>
#include <string.h>

/* Two-character surnames; every other name's surname is its first
 * character. */
static const char *const compound_surnames[] = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐",
    "宇文", "夏侯", "端木", "司徒", "西门", "南宫", "独孤", "澹台", "轩辕", "呼延", "申屠"};

void crmi_salutation(char *buf, size_t size, const char *name, const char *gender)
{
    bool male = gender && strcmp(gender, "M") == 0, female = gender && strcmp(gender, "F") == 0;
    if (!name || (unsigned char)name[0] < 0x80 || (!male && !female)) {
        snprintf(buf, size, "尊敬的客户");
        return;
    }
    size_t chars = 1;
    for (size_t i = 0; i < sizeof compound_surnames / sizeof compound_surnames[0]; i++)
        if (strncmp(name, compound_surnames[i], strlen(compound_surnames[i])) == 0 &&
            crmi_utf8_length(name) > 2)
            chars = 2;
    size_t bytes = crmi_utf8_prefix_bytes(name, chars);
    snprintf(buf, size, "%.*s%s", (int)bytes, name, male ? "先生" : "女士");
}

/* ----------------------------------------------------------- placeholders */

static const char *builtin(const crmi_render_ctx *ctx, const char *key, char *salutation,
                           size_t size, bool *found)
{
    *found = true;
    if (strcmp(key, "salutation") == 0) {
        crmi_salutation(salutation, size, ctx->name, ctx->gender);
        return salutation;
    }
    const struct {
        const char *key, *value;
    } table[] = {{"campaign", ctx->campaign},
                 {"product", ctx->product},
                 {"branch", ctx->branch},
                 {"occasion", ctx->occasion}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(key, table[i].key) == 0)
            return table[i].value ? table[i].value : "";
    *found = false;
    return NULL;
}

static int put_var(crm_db *db, crmi_buf *b, const crmi_render_ctx *ctx, const char *key)
{
    char salutation[64];
    bool found;
    const char *v = builtin(ctx, key, salutation, sizeof salutation, &found);
    int64_t n;
    if (!found && ctx->vars && crm_record_get_text(&v, ctx->vars, key) == CRM_OK)
        found = true;
    else if (!found && ctx->vars && crm_record_get_int(&n, ctx->vars, key) == CRM_OK) {
        crmi_buf_printf(b, "%lld", (long long)n);
        return CRM_OK;
    }
    if (!found)
        return crmi_error(db, CRM_E_INVALID_DATA, "template: unknown placeholder {%s}", key);
    crmi_buf_puts(b, v);
    return CRM_OK;
}

/* "{name}" placeholders; "{{" and "}}" stand for braces. */
static int expand(crm_db *db, const char *tmpl, const crmi_render_ctx *ctx, crmi_buf *b)
{
    for (const char *p = tmpl; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            crmi_buf_putc(b, p[0]);
            p += 2;
            continue;
        }
        if (*p != '{') {
            crmi_buf_putc(b, *p++);
            continue;
        }
        const char *close = strchr(p, '}');
        char key[48];
        if (!close || close - p - 1 <= 0 || (size_t)(close - p - 1) >= sizeof key)
            return crmi_error(db, CRM_E_INVALID_DATA, "template: unclosed or empty placeholder");
        memcpy(key, p + 1, (size_t)(close - p - 1));
        key[close - p - 1] = '\0';
        int rc = put_var(db, b, ctx, key);
        if (rc)
            return rc;
        p = close + 1;
    }
    return b->failed ? crmi_error(db, CRM_E_NOMEM, "template: out of memory") : CRM_OK;
}

/* ------------------------------------------------------------------- SMS */

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* One segment holds 70 UCS-2 characters (160 GSM-7 ones for plain ASCII);
 * a multi-part message 67 (153) per segment, the rest is the part header. */
static int segments_of(size_t chars, bool ascii)
{
    size_t single = ascii ? 160 : 70, multi = ascii ? 153 : 67;
    if (chars == 0)
        return 0;
    return chars <= single ? 1 : (int)((chars + multi - 1) / multi);
}

CRM_EXTERN(int) crm_message_segments(const char *text)
{
    if (!text || !crmi_utf8_valid(text, strlen(text)))
        return -1;
    return segments_of(crmi_utf8_length(text), ascii_only(text));
}

/* Appends the opt-out text and applies the length rule: a message over
 * max_segments is truncated (body cut, "…" marks the cut, the opt-out text
 * kept whole) or refused, as configured. */
static int sms_finish(crm_db *db, const crmi_ocfg *cfg, crmi_buf *b)
{
    bool has_optout = b->len >= strlen(cfg->optout_text) &&
                      strcmp(b->data + b->len - strlen(cfg->optout_text), cfg->optout_text) == 0;
    if (!has_optout)
        crmi_buf_puts(b, cfg->optout_text);
    if (b->failed)
        return crmi_error(db, CRM_E_NOMEM, "sms: out of memory");
    bool ascii = ascii_only(b->data);
    size_t chars = crmi_utf8_length(b->data);
    int segs = segments_of(chars, ascii);
    if (segs <= cfg->sms_max_segments)
        return CRM_OK;
    size_t limit = (size_t)cfg->sms_max_segments * (ascii ? 153 : 67);
    if (!cfg->sms_truncate)
        return crmi_error(db, CRM_E_INVALID_DATA,
                          "sms: %zu characters need %d segments, more than the %d allowed", chars,
                          segs, cfg->sms_max_segments);
    const char *mark = ascii ? "..." : "…";
    size_t keep = limit - crmi_utf8_length(cfg->optout_text) - crmi_utf8_length(mark);
    size_t cut = crmi_utf8_prefix_bytes(b->data, keep);
    b->len = cut;
    b->data[cut] = '\0';
    crmi_buf_puts(b, mark);
    crmi_buf_puts(b, cfg->optout_text);
    return b->failed ? crmi_error(db, CRM_E_NOMEM, "sms: out of memory") : CRM_OK;
}

int crmi_render(crm_db *db, const crmi_ocfg *cfg, const char *tmpl, const char *channel,
                const crmi_render_ctx *ctx, char **out)
{
    if (!tmpl || !crmi_utf8_valid(tmpl, strlen(tmpl)))
        return crmi_error(db, CRM_E_INVALID_DATA, "template: missing or not valid UTF-8");
    crmi_buf b = {0};
    int rc = expand(db, tmpl, ctx, &b);
    if (!rc && strcmp(channel, "sms") == 0)
        rc = sms_finish(db, cfg, &b);
    if (!rc && b.len == 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "template: renders as an empty message");
    if (rc) {
        crmi_buf_free(&b);
        return rc;
    }
    *out = crmi_buf_take(&b);
    return *out ? CRM_OK : crmi_error(db, CRM_E_NOMEM, "template: out of memory");
}

/* --------------------------------------------------------------- preview */

static const char SQL_CUSTOMER[] =
    "SELECT c.name, c.gender, b.name FROM crm_customer c JOIN crm_branch b ON b.id = c.branch_id"
    " WHERE c.id = ?1";

CRM_EXTERN(int)
crm_message_render(char **out, crm_db *db, const char *tmpl, const char *channel,
                   const char *customer_no, const crm_record *vars)
{
    if (!out || !db || !tmpl || !channel || !customer_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "message render: NULL argument");
    crmi_error_clear(db);
    const crmi_ocfg *cfg = NULL;
    int64_t id = 0;
    int rc = crmi_access_require(db, CRMI_OP_CAMPAIGN_READ);
    if (!rc && crmi_channel_index(channel) < 0)
        rc = crmi_error(db, CRM_E_INVALID_DATA, "field channel: '%s' is not sms, email or phone",
                        channel);
    if (!rc)
        rc = crmi_ocfg_load(db, &cfg);
    if (!rc)
        rc = crmi_customer_find(db, customer_no, &id, NULL);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_CUSTOMER);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, id);
    int step = crmi_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return crmi_sqlite_error(db, step, "read customer");
    }
    crmi_render_ctx ctx = {.name = (const char *)sqlite3_column_text(st, 0),
                           .gender = (const char *)sqlite3_column_text(st, 1),
                           .branch = (const char *)sqlite3_column_text(st, 2),
                           .vars = vars};
    ctx.campaign = crmi_or_text(vars, "campaign");
    ctx.product = crmi_or_text(vars, "product");
    ctx.occasion = crmi_or_text(vars, "occasion");
    rc = crmi_render(db, cfg, tmpl, channel, &ctx, out);
    sqlite3_reset(st);
    return rc;
}
