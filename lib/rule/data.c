/* Data handles: the top-level keys a rule reads, in a hash table so a
 * variable lookup costs one probe; values set through the API own their
 * storage in a per-key arena that is reused when the key is set again. */
#include "rule/rule_int.h"

#include <math.h>
#include <string.h>

static const crmi_load_limits data_limits = {CRM_RULE_MAX_DEPTH, CRMI_DATA_MAX_NODES,
                                             CRMI_DATA_MAX_STRING};

static int nomem(void)
{
    return crmi_error_thread(CRM_E_NOMEM, "rule data: out of memory");
}

CRM_EXTERN(int) crm_rule_data_new(crm_rule_data **out)
{
    crmi_error_clear(NULL);
    if (!out)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL out");
    crm_rule_data *d = crmi_calloc(1, sizeof *d);
    if (!d)
        return nomem();
    d->scratch.limit = CRMI_EVAL_MEMORY_LIMIT;
    *out = d;
    return CRM_OK;
}

CRM_EXTERN(void) crm_rule_data_free(crm_rule_data *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n; i++)
        crmi_arena_free(&d->entries[i].own);
    crmi_arena_free(&d->keys);
    crm_free(d->entries);
    crm_free(d->index);
    crmi_arena_free(&d->doc);
    crmi_arena_free(&d->scratch);
    crm_free(d);
}

/* ------------------------------------------------------------ hash table */

/* Keys are short: a plain loop beats a call to memcmp. */
static inline bool same_key(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static crmi_entry *find(const crm_rule_data *d, const char *key, size_t klen, uint32_t hash)
{
    if (!d->index_cap)
        return NULL;
    uint32_t mask = d->index_cap - 1;
    for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
        uint32_t slot = d->index[i];
        if (slot == 0)
            return NULL;
        crmi_entry *e = &d->entries[slot - 1];
        if (e->hash == hash && e->klen == klen && same_key(e->key, key, klen))
            return e;
    }
}

static void index_put(crm_rule_data *d, uint32_t entry)
{
    uint32_t mask = d->index_cap - 1;
    uint32_t i = d->entries[entry].hash & mask;
    while (d->index[i])
        i = (i + 1) & mask;
    d->index[i] = entry + 1;
}

static int grow(crm_rule_data *d)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 16;
        crmi_entry *grown = crmi_realloc(d->entries, cap * sizeof *grown);
        if (!grown)
            return nomem();
        d->entries = grown;
        d->cap = cap;
    }
    if ((d->n + 1) * 2 <= d->index_cap)
        return CRM_OK;
    uint32_t icap = d->index_cap ? d->index_cap * 2 : 32;
    uint32_t *index = crmi_calloc(icap, sizeof *index);
    if (!index)
        return nomem();
    crm_free(d->index);
    d->index = index;
    d->index_cap = icap;
    for (uint32_t i = 0; i < d->n; i++)
        index_put(d, i);
    return CRM_OK;
}

/* The entry for key, created (not present) when missing. */
static int entry_for(crmi_entry **out, crm_rule_data *d, const char *key, size_t klen)
{
    uint32_t hash = crmi_hash(key, klen);
    crmi_entry *e = find(d, key, klen, hash);
    if (!e) {
        int rc = grow(d);
        if (rc)
            return rc;
        char *copy = crmi_arena_strndup(&d->keys, key, klen);
        if (!copy)
            return nomem();
        e = &d->entries[d->n];
        *e = (crmi_entry){.hash = hash, .klen = (uint32_t)klen, .key = copy};
        index_put(d, d->n++);
    }
    *out = e;
    return CRM_OK;
}

static crmi_lookup_cache *cache_slot(crm_rule_data *d, uint64_t rule_id, uint32_t path_id)
{
    return &d->cache[(path_id + (uint32_t)rule_id * 7u) & (CRMI_LOOKUP_CACHE - 1)];
}

int crmi_data_get(crm_rule_data *d, uint64_t rule_id, const crmi_path *path, crmi_value *out,
                  bool *found)
{
    const crmi_seg *seg = &path->seg[0];
    bool cacheable = rule_id && path->id != CRMI_PATH_NO_ID;
    crmi_lookup_cache *slot = cacheable ? cache_slot(d, rule_id, path->id) : NULL;
    crmi_entry *e;
    if (slot && slot->rule_id == rule_id && slot->path_id == path->id) {
        e = &d->entries[slot->entry];
    } else {
        e = find(d, seg->s, seg->len, seg->hash);
        if (e && slot)
            *slot = (crmi_lookup_cache){rule_id, path->id, (uint32_t)(e - d->entries)};
    }
    if (e && e->present) {
        *out = e->v;
        *found = true;
        return CRM_OK;
    }
    *found = false;
    if (!d->resolver || (e && e->asked))
        return CRM_OK;
    int rc = entry_for(&e, d, seg->s, seg->len);
    if (rc)
        return rc;
    e->asked = true;
    rc = d->resolver(d, seg->s, d->resolver_payload);
    if (rc)
        return crmi_error_thread(rc < 0 && rc >= CRM_E_INTERNAL ? rc : CRM_E_STATE,
                                 "rule: the resolver stopped the evaluation at \"%s\"", seg->s);
    e = find(d, seg->s, seg->len, seg->hash);
    if (e && e->present) {
        *out = e->v;
        *found = true;
    }
    return CRM_OK;
}

int crmi_data_whole(crm_rule_data *d, crmi_value *out)
{
    if (d->root_is_value) {
        *out = d->root;
        return CRM_OK;
    }
    if (d->whole_built) { /* one object per evaluation: it is === itself */
        *out = d->whole;
        return CRM_OK;
    }
    uint32_t count = 0, depth = 0;
    for (uint32_t i = 0; i < d->n; i++)
        count += d->entries[i].present;
    crmi_object *o = crmi_object_new(&d->scratch, count);
    if (!o)
        return CRM_E_NOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        const crmi_entry *e = &d->entries[i];
        if (!e->present)
            continue;
        o->m[k++] = (crmi_member){e->key, e->klen, e->v};
        uint32_t vd = crmi_value_depth(&e->v);
        depth = vd > depth ? vd : depth;
    }
    o->depth = depth + 1;
    *out = d->whole = (crmi_value){.type = CRMI_OBJ, .u.o = o};
    d->whole_built = true;
    return CRM_OK;
}

/* --------------------------------------------------------------- parsing */

static int adopt_document(crm_rule_data *d, const crmi_value *doc)
{
    if (doc->type != CRMI_OBJ) {
        d->root_is_value = true;
        d->root = *doc;
        return CRM_OK;
    }
    for (uint32_t i = 0; i < doc->u.o->n; i++) {
        const crmi_member *m = &doc->u.o->m[i];
        crmi_entry *e;
        int rc = entry_for(&e, d, m->key, m->klen);
        if (rc)
            return rc;
        e->v = m->v;
        e->present = true;
    }
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_data_parse(crm_rule_data **out, const char *text, size_t len)
{
    crmi_error_clear(NULL);
    if (!out || (!text && len))
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL argument");
    crm_rule_data *d;
    int rc = crm_rule_data_new(&d);
    if (rc)
        return rc;
    crmi_value doc;
    rc = crmi_load(&doc, NULL, &d->doc, text ? text : "", len, &data_limits, "data");
    if (rc == CRM_OK)
        rc = adopt_document(d, &doc);
    if (rc) {
        crm_rule_data_free(d);
        return rc;
    }
    *out = d;
    return CRM_OK;
}

/* --------------------------------------------------------------- setters */

/* The entry to set: its old value's storage is recycled. */
static int begin_set(crmi_entry **out, crm_rule_data *d, const char *name)
{
    crmi_error_clear(NULL);
    if (!d || !name)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL argument");
    if (d->root_is_value)
        return crmi_error_thread(CRM_E_STATE, "rule data: the data is not an object, so it has "
                                              "no keys to set");
    size_t len = strlen(name);
    if (!crmi_utf8_valid(name, len))
        return crmi_error_thread(CRM_E_INVALID_DATA, "rule data: key is not valid UTF-8");
    int rc = entry_for(out, d, name, len);
    if (rc == CRM_OK) {
        (*out)->present = false;
        crmi_arena_reset(&(*out)->own);
        d->whole_built = false;
    }
    return rc;
}

static int set_scalar(crm_rule_data *d, const char *name, crmi_value v)
{
    crmi_entry *e;
    int rc = begin_set(&e, d, name);
    if (rc)
        return rc;
    e->v = v;
    e->present = true;
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_data_set_null(crm_rule_data *d, const char *name)
{
    return set_scalar(d, name, crmi_null());
}

CRM_EXTERN(int) crm_rule_data_set_bool(crm_rule_data *d, const char *name, int value)
{
    return set_scalar(d, name, crmi_bool(value != 0));
}

CRM_EXTERN(int) crm_rule_data_set_number(crm_rule_data *d, const char *name, double value)
{
    return set_scalar(d, name, crmi_num(value));
}

#define MAX_SAFE_INTEGER 9007199254740992LL

CRM_EXTERN(int) crm_rule_data_set_int(crm_rule_data *d, const char *name, int64_t value)
{
    if (value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER)
        return crmi_error_thread(CRM_E_INVALID_DATA,
                                 "rule data: %s = %lld is beyond 2^53, where numbers stop being "
                                 "exact",
                                 name ? name : "?", (long long)value);
    return set_scalar(d, name, crmi_num((double)value));
}

static int copy_text(crmi_value *out, crmi_arena *a, const char *text)
{
    size_t len = strlen(text);
    char *copy = crmi_arena_strndup(a, text, len);
    if (!copy)
        return nomem();
    *out = crmi_str(copy, len);
    return CRM_OK;
}

static int check_text(const char *name, const char *text)
{
    size_t len = strlen(text);
    if (len > UINT32_MAX || !crmi_utf8_valid(text, len))
        return crmi_error_thread(CRM_E_INVALID_DATA, "rule data: %s is not valid UTF-8",
                                 name ? name : "?");
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_data_set_text(crm_rule_data *d, const char *name, const char *value)
{
    if (!value)
        return crm_rule_data_set_null(d, name);
    crmi_entry *e;
    int rc = check_text(name, value);
    if (rc == CRM_OK)
        rc = begin_set(&e, d, name);
    if (rc == CRM_OK)
        rc = copy_text(&e->v, &e->own, value);
    if (rc == CRM_OK)
        e->present = true;
    return rc;
}

CRM_EXTERN(int)
crm_rule_data_set_text_array(crm_rule_data *d, const char *name, const char *const *items,
                             size_t count)
{
    if (!items && count)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL items");
    if (count > UINT32_MAX)
        return crmi_error_thread(CRM_E_INVALID_DATA, "rule data: too many items");
    for (size_t i = 0; i < count; i++) {
        if (!items[i])
            return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: %s item %zu is NULL",
                                     name ? name : "?", i);
        int rc = check_text(name, items[i]);
        if (rc)
            return rc;
    }
    crmi_entry *e;
    int rc = begin_set(&e, d, name);
    if (rc)
        return rc;
    crmi_array *a = crmi_array_new(&e->own, (uint32_t)count);
    if (!a)
        return nomem();
    for (size_t i = 0; i < count; i++)
        if ((rc = copy_text(&a->items[i], &e->own, items[i])))
            return rc;
    e->v = (crmi_value){.type = CRMI_ARR, .u.a = a};
    e->present = true;
    return CRM_OK;
}

CRM_EXTERN(int)
crm_rule_data_set_json(crm_rule_data *d, const char *name, const char *text, size_t len)
{
    if (!text && len)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL text");
    crmi_arena fresh = {0};
    crmi_value v;
    int rc = crmi_load(&v, NULL, &fresh, text ? text : "", len, &data_limits, "data");
    crmi_entry *e;
    if (rc == CRM_OK)
        rc = begin_set(&e, d, name);
    if (rc) {
        crmi_arena_free(&fresh);
        return rc;
    }
    crmi_arena_free(&e->own);
    e->own = fresh;
    e->v = v;
    e->present = true;
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_data_unset(crm_rule_data *d, const char *name)
{
    crmi_error_clear(NULL);
    if (!d || !name)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL argument");
    size_t len = strlen(name);
    crmi_entry *e = find(d, name, len, crmi_hash(name, len));
    if (e) {
        e->present = false;
        crmi_arena_reset(&e->own);
    }
    return CRM_OK;
}

CRM_EXTERN(void) crm_rule_data_clear(crm_rule_data *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n; i++) {
        d->entries[i].present = false;
        d->entries[i].asked = false;
        crmi_arena_reset(&d->entries[i].own);
    }
    if (d->root_is_value)
        d->root = crmi_null();
}

CRM_EXTERN(int) crm_rule_data_set_resolver(crm_rule_data *d, crm_rule_resolve_fn fn, void *payload)
{
    if (!d)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL data");
    d->resolver = fn;
    d->resolver_payload = payload;
    return CRM_OK;
}

CRM_EXTERN(int) crm_rule_data_set_log(crm_rule_data *d, crm_rule_log_fn fn, void *payload)
{
    if (!d)
        return crmi_error_thread(CRM_E_INVALID_ARG, "rule data: NULL data");
    d->log = fn;
    d->log_payload = payload;
    return CRM_OK;
}
