/* Records: typed values by field name, the ABI-stable way every module passes
 * rows in and out. Few fields per record, so a linear array is fastest; each
 * field keeps a hash of its name so a lookup compares strings only on a
 * likely match (customer rows carry ~30 fields and are read by name).
 * A record sized at creation also gets a pool: the first fields' names and
 * texts are carved from it instead of one allocation each. The pool never
 * moves or is reused, so borrowed texts stay valid; a field set again takes
 * a block of its own. */
#include "core/db_int.h"

#include <string.h>

typedef struct field {
    char *name; /* owns the block that also holds the text */
    uint32_t hash;
    crm_value_type type;
    char *text; /* NULL, or inside the name's block */
    int64_t number;
} field;

struct crm_record {
    field *fields;
    size_t count, cap;
    char *pool;
    size_t pool_used, pool_size;
};

/* Pool bytes per field a sized record reserves: a name and a short value. */
#define POOL_PER_FIELD 40

static bool in_pool(const crm_record *rec, const char *block)
{
    return rec->pool && block >= rec->pool && block < rec->pool + rec->pool_size;
}

/* Frees a field's block unless the pool holds it. */
static void release(const crm_record *rec, char *block)
{
    if (!in_pool(rec, block))
        crm_free(block);
}

CRM_EXTERN(int) crm_record_new(crm_record **out)
{
    return crmi_record_new_sized(out, 0);
}

CRM_EXTERN(void) crm_record_free(crm_record *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; i < rec->count; i++)
        release(rec, rec->fields[i].name);
    crm_free(rec->fields);
    crm_free(rec->pool);
    crm_free(rec);
}

/* FNV-1a */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static field *find_hashed(const crm_record *rec, const char *name, uint32_t hash)
{
    for (size_t i = 0; i < rec->count; i++)
        if (rec->fields[i].hash == hash && strcmp(rec->fields[i].name, name) == 0)
            return &rec->fields[i];
    return NULL;
}

static field *find(const crm_record *rec, const char *name)
{
    return find_hashed(rec, name, name_hash(name));
}

static bool reserve(crm_record *rec, size_t cap)
{
    field *grown = crmi_realloc(rec->fields, cap * sizeof *grown);
    if (!grown)
        return false;
    rec->fields = grown;
    rec->cap = cap;
    return true;
}

/* Room for one more field; false when out of memory. */
static bool grow(crm_record *rec)
{
    return rec->count < rec->cap || reserve(rec, rec->cap ? rec->cap * 2 : 8);
}

int crmi_record_new_sized(crm_record **out, size_t fields)
{
    if (!out)
        return crmi_error_thread(CRM_E_INVALID_ARG, "record: NULL out");
    crm_record *rec = crmi_calloc(1, sizeof *rec);
    if (rec && fields) {
        rec->pool_size = fields * POOL_PER_FIELD;
        rec->pool = crmi_malloc(rec->pool_size);
    }
    if (!rec || (fields && (!rec->pool || !reserve(rec, fields)))) {
        crm_record_free(rec);
        return crmi_error_thread(CRM_E_NOMEM, "record: out of memory");
    }
    *out = rec;
    return CRM_OK;
}

/* A field's name and text share one block (name, NUL, text, NUL): from the
 * pool for a field set the first time while it has room, else allocated. */
static char *field_block(crm_record *rec, bool first, const char *name, size_t name_len,
                         const char *text)
{
    size_t text_size = text ? strlen(text) + 1 : 0, size = name_len + 1 + text_size;
    char *block;
    if (first && rec->pool_size - rec->pool_used >= size) {
        block = rec->pool + rec->pool_used;
        rec->pool_used += size;
    } else if (!(block = crmi_malloc(size))) {
        return NULL;
    }
    memcpy(block, name, name_len + 1);
    if (text)
        memcpy(block + name_len + 1, text, text_size);
    return block;
}

static int check_args(const crm_record *rec, const char *name)
{
    if (!rec || !name || !*name)
        return crmi_error_thread(CRM_E_INVALID_ARG, "record: NULL record or field name");
    return CRM_OK;
}

static int put(crm_record *rec, const char *name, crm_value_type type, const char *text,
               int64_t number)
{
    uint32_t hash = name_hash(name);
    field *f = find_hashed(rec, name, hash);
    size_t name_len = strlen(name);
    /* The new block is made before the old one is freed: `text` may point
     * into this very record. */
    char *block = f || grow(rec) ? field_block(rec, !f, name, name_len, text) : NULL;
    if (!block)
        return crmi_error_thread(CRM_E_NOMEM, "record: out of memory");
    if (f)
        release(rec, f->name);
    else
        f = &rec->fields[rec->count++];
    *f = (field){.name = block,
                 .hash = hash,
                 .type = type,
                 .text = text ? block + name_len + 1 : NULL,
                 .number = number};
    return CRM_OK;
}

int crmi_record_put_text(crm_record *rec, const char *field_name, const char *value)
{
    return put(rec, field_name, value ? CRM_TYPE_TEXT : CRM_TYPE_NULL, value, 0);
}

int crmi_record_put_int(crm_record *rec, const char *field_name, int64_t value)
{
    return put(rec, field_name, CRM_TYPE_INT, NULL, value);
}

CRM_EXTERN(int) crm_record_set_text(crm_record *rec, const char *field_name, const char *value)
{
    int rc = check_args(rec, field_name);
    if (rc)
        return rc;
    if (value && !crmi_utf8_valid(value, strlen(value)))
        return crmi_error_thread(CRM_E_INVALID_DATA, "field %s: not valid UTF-8", field_name);
    return crmi_record_put_text(rec, field_name, value);
}

CRM_EXTERN(int) crm_record_set_int(crm_record *rec, const char *field_name, int64_t value)
{
    int rc = check_args(rec, field_name);
    return rc ? rc : put(rec, field_name, CRM_TYPE_INT, NULL, value);
}

CRM_EXTERN(int) crm_record_set_money(crm_record *rec, const char *field_name, int64_t fen)
{
    int rc = check_args(rec, field_name);
    return rc ? rc : put(rec, field_name, CRM_TYPE_MONEY, NULL, fen);
}

CRM_EXTERN(int) crm_record_set_date(crm_record *rec, const char *field_name, const char *date)
{
    int rc = check_args(rec, field_name);
    if (rc)
        return rc;
    int64_t epoch;
    if (!date || strlen(date) != 10 || crm_time_parse(&epoch, date) != CRM_OK)
        return crmi_error_thread(CRM_E_INVALID_DATA, "field %s: '%.20s' is not a date YYYY-MM-DD",
                                 field_name, date ? date : "(null)");
    return put(rec, field_name, CRM_TYPE_DATE, date, 0);
}

CRM_EXTERN(int) crm_record_unset(crm_record *rec, const char *field_name)
{
    int rc = check_args(rec, field_name);
    if (rc)
        return rc;
    field *f = find(rec, field_name);
    if (f) {
        release(rec, f->name);
        size_t i = (size_t)(f - rec->fields);
        memmove(f, f + 1, (rec->count - i - 1) * sizeof *f);
        rec->count--;
    }
    return CRM_OK;
}

CRM_EXTERN(int) crm_record_get_text(const char **out, const crm_record *rec, const char *field_name)
{
    int rc = check_args(rec, field_name);
    if (rc || !out)
        return rc ? rc : crmi_error_thread(CRM_E_INVALID_ARG, "record: NULL out");
    const field *f = find(rec, field_name);
    if (!f || f->type == CRM_TYPE_NULL)
        return crmi_error_thread(CRM_E_NOT_FOUND, "field %s: not set", field_name);
    if (f->type != CRM_TYPE_TEXT && f->type != CRM_TYPE_DATE)
        return crmi_error_thread(CRM_E_INVALID_ARG, "field %s: not text", field_name);
    *out = f->text;
    return CRM_OK;
}

CRM_EXTERN(int) crm_record_get_int(int64_t *out, const crm_record *rec, const char *field_name)
{
    int rc = check_args(rec, field_name);
    if (rc || !out)
        return rc ? rc : crmi_error_thread(CRM_E_INVALID_ARG, "record: NULL out");
    const field *f = find(rec, field_name);
    if (!f || f->type == CRM_TYPE_NULL)
        return crmi_error_thread(CRM_E_NOT_FOUND, "field %s: not set", field_name);
    if (f->type != CRM_TYPE_INT && f->type != CRM_TYPE_MONEY)
        return crmi_error_thread(CRM_E_INVALID_ARG, "field %s: not a number", field_name);
    *out = f->number;
    return CRM_OK;
}

CRM_EXTERN(crm_value_type) crm_record_type(const crm_record *rec, const char *field_name)
{
    const field *f = (rec && field_name) ? find(rec, field_name) : NULL;
    return f ? f->type : CRM_TYPE_NULL;
}

CRM_EXTERN(size_t) crm_record_count(const crm_record *rec)
{
    return rec ? rec->count : 0;
}

CRM_EXTERN(const char *) crm_record_field_name(const crm_record *rec, size_t index)
{
    return (rec && index < rec->count) ? rec->fields[index].name : NULL;
}

CRM_EXTERN(int) crm_record_to_json(char **out, const crm_record *rec)
{
    if (!out || !rec)
        return crmi_error_thread(CRM_E_INVALID_ARG, "record: NULL argument");
    crmi_buf b = {0};
    crmi_buf_putc(&b, '{');
    for (size_t i = 0; i < rec->count; i++) {
        const field *f = &rec->fields[i];
        if (i)
            crmi_buf_putc(&b, ',');
        crmi_buf_json_string(&b, f->name);
        crmi_buf_putc(&b, ':');
        if (f->type == CRM_TYPE_NULL)
            crmi_buf_puts(&b, "null");
        else if (f->type == CRM_TYPE_INT || f->type == CRM_TYPE_MONEY)
            crmi_buf_printf(&b, "%lld", (long long)f->number);
        else
            crmi_buf_json_string(&b, f->text);
    }
    crmi_buf_putc(&b, '}');
    char *json = crmi_buf_take(&b);
    if (!json)
        return crmi_error_thread(CRM_E_NOMEM, "record: out of memory");
    *out = json;
    return CRM_OK;
}

int crmi_record_from_row(crm_record **out, sqlite3_stmt *st)
{
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    int columns = sqlite3_column_count(st);
    for (int i = 0; rc == CRM_OK && i < columns; i++) {
        const char *name = sqlite3_column_name(st, i);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            rc = crmi_record_put_int(rec, name, sqlite3_column_int64(st, i));
            break;
        case SQLITE_NULL:
            break; /* absent fields read as not set */
        default:
            rc = crmi_record_put_text(rec, name, (const char *)sqlite3_column_text(st, i));
        }
    }
    if (rc) {
        crm_record_free(rec);
        return rc;
    }
    *out = rec;
    return CRM_OK;
}
