/* Report definitions: YAML read by the rule engine's loader (libyaml) into
 * a value tree, checked field by field, and kept as owned structures in a
 * catalog sorted by name. The dataset SQL is checked against the views
 * when the report runs (query.c), where the database is at hand. */
#include "report/report_int.h"
#include "rule/rule_int.h"

#include <stdlib.h>
#include <string.h>

static const crmi_load_limits def_limits = {32, 100000, (size_t)1 << 20};

#define MAX_COLUMNS 64

/* A loading context: errors name the definition and field. */
typedef struct loading {
    const char *report; /* the definition's name, once read */
} loading;

static int bad(const loading *L, const char *field, const char *why)
{
    return crmi_error_thread(CRM_E_INVALID_DATA, "report %s, field %s: %s",
                             L->report ? L->report : "(unnamed)", field, why);
}

/* ----------------------------------------------------------- value tree */

static const crmi_value *member(const crmi_value *obj, const char *key)
{
    if (obj->type != CRMI_OBJ)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < obj->u.o->n; i++)
        if (obj->u.o->m[i].klen == n && !memcmp(obj->u.o->m[i].key, key, n))
            return &obj->u.o->m[i].v;
    return NULL;
}

/* Reads a string member into an owned copy; NULL when absent and optional. */
static int get_text(const loading *L, const crmi_value *obj, const char *key, bool required,
                    char **out)
{
    const crmi_value *v = member(obj, key);
    *out = NULL;
    if (!v || v->type == CRMI_NULL)
        return required ? bad(L, key, "required") : CRM_OK;
    if (v->type != CRMI_STR)
        return bad(L, key, "expected text");
    if (!crmi_utf8_valid(v->u.s, v->len))
        return bad(L, key, "not valid UTF-8");
    *out = crmi_strndup(v->u.s, v->len);
    return *out ? CRM_OK : crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
}

static bool is_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 48 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static bool is_report_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* ------------------------------------------------------------ freeing */

static void def_free(crmi_report_def *d)
{
    if (!d)
        return;
    crm_free(d->name);
    crm_free(d->title);
    crm_free(d->title_en);
    crm_free(d->description);
    crm_free(d->dataset);
    for (size_t i = 0; i < d->n_cols; i++) {
        crm_free(d->cols[i].name);
        crm_free(d->cols[i].label);
        crm_free(d->cols[i].label_en);
    }
    crm_free(d->cols);
    crm_free(d->key);
    crm_free(d->filters);
    crm_free(d->sort);
    for (size_t i = 0; i < d->n_charts; i++) {
        crm_free(d->charts[i].title);
        crm_free(d->charts[i].title_en);
    }
    crm_free(d->charts);
    crm_free(d->detail);
    crm_free(d->detail_key);
    crm_free(d);
}

int crmi_report_col_index(const crmi_report_def *def, const char *name)
{
    for (size_t i = 0; i < def->n_cols; i++)
        if (!strcmp(def->cols[i].name, name))
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------ columns */

static int read_col_type(const loading *L, const crmi_value *c, crmi_col_type *out)
{
    char *type = NULL;
    int rc = get_text(L, c, "type", false, &type);
    if (rc)
        return rc;
    *out = CRMI_COL_TEXT;
    if (type && !strcmp(type, "int"))
        *out = CRMI_COL_INT;
    else if (type && !strcmp(type, "money"))
        *out = CRMI_COL_MONEY;
    else if (type && strcmp(type, "text"))
        rc = bad(L, "columns.type", "expected text, int or money");
    crm_free(type);
    return rc;
}

static int read_column(const loading *L, const crmi_value *c, crmi_report_col *col)
{
    if (c->type != CRMI_OBJ)
        return bad(L, "columns", "each column is a mapping");
    int rc = get_text(L, c, "name", true, &col->name);
    if (!rc && !is_identifier(col->name))
        rc = bad(L, "columns.name", "expected a lower-case identifier");
    if (!rc)
        rc = get_text(L, c, "label", true, &col->label);
    if (!rc)
        rc = get_text(L, c, "label_en", false, &col->label_en);
    if (!rc && !col->label_en)
        col->label_en = crmi_strdup(col->name);
    if (!rc)
        rc = read_col_type(L, c, &col->type);
    const crmi_value *cmp = member(c, "compare");
    if (!rc && cmp && cmp->type != CRMI_BOOL)
        rc = bad(L, "columns.compare", "expected true or false");
    col->compared = cmp && cmp->b;
    if (!rc && col->compared && col->type == CRMI_COL_TEXT)
        rc = bad(L, "columns.compare", "only int and money columns are compared");
    return rc;
}

/* A comparison column: `<name>_prev` "上期 label" or `<name>_yoy`. */
static int derive_column(const crmi_report_col *base, bool yoy, crmi_report_col *out)
{
    crmi_buf name = {0}, label = {0}, label_en = {0};
    crmi_buf_printf(&name, "%s_%s", base->name, yoy ? "yoy" : "prev");
    crmi_buf_printf(&label, "%s%s", yoy ? "去年同期" : "上期", base->label);
    crmi_buf_printf(&label_en, "%s (%s)", base->label_en, yoy ? "last year" : "previous");
    *out = (crmi_report_col){crmi_buf_take(&name), crmi_buf_take(&label), crmi_buf_take(&label_en),
                             base->type, false};
    return out->name && out->label && out->label_en
               ? CRM_OK
               : crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
}

static int read_columns(const loading *L, const crmi_value *doc, crmi_report_def *d)
{
    const crmi_value *cols = member(doc, "columns");
    if (!cols || cols->type != CRMI_ARR || cols->u.a->n == 0)
        return bad(L, "columns", "required: a list of columns");
    size_t n = cols->u.a->n, compared = 0;
    if (n > MAX_COLUMNS)
        return bad(L, "columns", "more than 64 columns");
    d->cols = crmi_calloc(3 * n, sizeof *d->cols);
    if (!d->cols)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = CRM_OK;
    for (size_t i = 0; !rc && i < n; i++, d->n_cols++)
        rc = read_column(L, &cols->u.a->items[i], &d->cols[i]);
    d->n_declared = d->n_cols;
    for (size_t i = 0; !rc && i < n; i++) {
        if (crmi_report_col_index(d, d->cols[i].name) != (int)i)
            rc = bad(L, "columns.name", "a column name appears twice");
        if (!rc && d->cols[i].compared) {
            rc = derive_column(&d->cols[i], false, &d->cols[d->n_cols++]);
            if (!rc)
                rc = derive_column(&d->cols[i], true, &d->cols[d->n_cols++]);
            compared++;
        }
    }
    if (!rc && compared && !d->periodic)
        rc = bad(L, "columns.compare", "only a periodic report has comparison columns");
    return rc;
}

/* ------------------------------------------------- column name lists */

static int col_ref(const loading *L, const crmi_report_def *d, const char *field,
                   const crmi_value *v, int *out)
{
    char name[64];
    if (v->type != CRMI_STR || v->len == 0 || v->len >= sizeof name)
        return bad(L, field, "expected a column name");
    memcpy(name, v->u.s, v->len);
    name[v->len] = '\0';
    *out = crmi_report_col_index(d, name);
    return *out < 0 ? bad(L, field, "names no column of the report") : CRM_OK;
}

static int read_col_list(const loading *L, const crmi_report_def *d, const crmi_value *list,
                         const char *field, int **out, size_t *n_out)
{
    *n_out = 0;
    if (!list)
        return CRM_OK;
    if (list->type != CRMI_ARR)
        return bad(L, field, "expected a list of column names");
    *out = crmi_calloc(list->u.a->n + 1, sizeof **out);
    if (!*out)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < list->u.a->n; i++)
        rc = col_ref(L, d, field, &list->u.a->items[i], &(*out)[(*n_out)++]);
    return rc;
}

/* sort: [branch, -txn_volume]: a leading '-' sorts descending. */
static int read_sort(const loading *L, const crmi_value *doc, crmi_report_def *d)
{
    const crmi_value *list = member(doc, "sort");
    if (!list)
        return CRM_OK;
    if (list->type != CRMI_ARR)
        return bad(L, "sort", "expected a list of column names");
    d->sort = crmi_calloc(list->u.a->n + 1, sizeof *d->sort);
    if (!d->sort)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < list->u.a->n; i++) {
        crmi_value v = list->u.a->items[i];
        bool desc = v.type == CRMI_STR && v.len > 1 && v.u.s[0] == '-';
        if (desc) {
            v.u.s++;
            v.len--;
        }
        d->sort[i].desc = desc;
        rc = col_ref(L, d, "sort", &v, &d->sort[i].col);
        d->n_sort++;
    }
    return rc;
}

/* ------------------------------------------------------------- charts */

static int read_chart(const loading *L, const crmi_report_def *d, const crmi_value *c,
                      crmi_report_chart *ch)
{
    static const char *const types[] = {"bar", "line", "pie"};
    char *type = NULL;
    if (c->type != CRMI_OBJ)
        return bad(L, "charts", "each chart is a mapping");
    int rc = get_text(L, c, "type", true, &type);
    int found = -1;
    for (int i = 0; !rc && i < 3; i++)
        if (!strcmp(type, types[i]))
            found = i;
    if (!rc && found < 0)
        rc = bad(L, "charts.type", "expected bar, line or pie");
    ch->type = found < 0 ? CRMI_CHART_BAR : (crmi_chart_type)found;
    crm_free(type);
    const crmi_value *label = member(c, "label"), *value = member(c, "value");
    if (!rc)
        rc = label ? col_ref(L, d, "charts.label", label, &ch->label_col)
                   : bad(L, "charts.label", "required");
    if (!rc)
        rc = value ? col_ref(L, d, "charts.value", value, &ch->value_col)
                   : bad(L, "charts.value", "required");
    if (!rc && d->cols[ch->value_col].type == CRMI_COL_TEXT)
        rc = bad(L, "charts.value", "must name an int or money column");
    if (!rc)
        rc = get_text(L, c, "title", true, &ch->title);
    if (!rc)
        rc = get_text(L, c, "title_en", false, &ch->title_en);
    return rc;
}

static int read_charts(const loading *L, const crmi_value *doc, crmi_report_def *d)
{
    const crmi_value *list = member(doc, "charts");
    if (!list)
        return CRM_OK;
    if (list->type != CRMI_ARR)
        return bad(L, "charts", "expected a list of charts");
    d->charts = crmi_calloc(list->u.a->n + 1, sizeof *d->charts);
    if (!d->charts)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = CRM_OK;
    for (uint32_t i = 0; !rc && i < list->u.a->n; i++, d->n_charts++)
        rc = read_chart(L, d, &list->u.a->items[i], &d->charts[i]);
    return rc;
}

/* ---------------------------------------------------------- definition */

static int read_detail(const loading *L, const crmi_value *doc, crmi_report_def *d)
{
    const crmi_value *detail = member(doc, "detail");
    if (!detail)
        return CRM_OK;
    int rc = detail->type == CRMI_OBJ ? get_text(L, detail, "report", true, &d->detail)
                                      : bad(L, "detail", "expected a mapping: report, key");
    if (!rc && !is_report_name(d->detail))
        rc = bad(L, "detail.report", "expected a report name");
    if (!rc)
        rc = read_col_list(L, d, member(detail, "key"), "detail.key", &d->detail_key,
                           &d->n_detail_key);
    if (!rc && d->n_detail_key == 0)
        rc = bad(L, "detail.key", "required: the columns a detail row is found by");
    return rc;
}

static int read_periodic(const loading *L, const crmi_value *doc, crmi_report_def *d)
{
    const crmi_value *periodic = member(doc, "periodic");
    if (periodic && periodic->type != CRMI_BOOL)
        return bad(L, "periodic", "expected true or false");
    d->periodic = !periodic || periodic->b;
    return CRM_OK;
}

static int read_def(const crmi_value *doc, crmi_report_def **out)
{
    loading L = {NULL};
    if (doc->type != CRMI_OBJ)
        return bad(&L, "(definition)", "expected a mapping");
    crmi_report_def *d = crmi_calloc(1, sizeof *d);
    if (!d)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = get_text(&L, doc, "name", true, &d->name);
    if (!rc && !is_report_name(d->name))
        rc = bad(&L, "name", "expected lower-case letters, digits and '-'");
    L.report = d->name;
    if (!rc)
        rc = get_text(&L, doc, "title", true, &d->title);
    if (!rc)
        rc = get_text(&L, doc, "title_en", false, &d->title_en);
    if (!rc)
        rc = get_text(&L, doc, "description", false, &d->description);
    if (!rc)
        rc = get_text(&L, doc, "dataset", true, &d->dataset);
    if (!rc)
        rc = read_periodic(&L, doc, d);
    if (!rc)
        rc = read_columns(&L, doc, d);
    const crmi_value *group = member(doc, "group");
    d->group = -1;
    if (!rc && group)
        rc = col_ref(&L, d, "group", group, &d->group);
    if (!rc)
        rc = read_col_list(&L, d, member(doc, "key"), "key", &d->key, &d->n_key);
    if (!rc)
        rc = read_col_list(&L, d, member(doc, "filters"), "filters", &d->filters, &d->n_filters);
    if (!rc && d->n_key == 0 && d->n_declared < d->n_cols)
        rc = bad(&L, "key", "required with comparison columns: the columns rows match by");
    if (!rc)
        rc = read_sort(&L, doc, d);
    if (!rc)
        rc = read_charts(&L, doc, d);
    if (!rc)
        rc = read_detail(&L, doc, d);
    if (rc) {
        def_free(d);
        return rc;
    }
    *out = d;
    return CRM_OK;
}

/* ------------------------------------------------------------ catalog */

static int def_cmp(const void *a, const void *b)
{
    return strcmp((*(crmi_report_def *const *)a)->name, (*(crmi_report_def *const *)b)->name);
}

const crmi_report_def *crmi_report_find(const crm_report_catalog *cat, const char *name)
{
    for (size_t i = 0; cat && name && i < cat->n_defs; i++)
        if (!strcmp(cat->defs[i]->name, name))
            return cat->defs[i];
    return NULL;
}

/* A drill-down names a report of the catalog that filters by its key. */
static int check_detail(const crm_report_catalog *cat, const crmi_report_def *d)
{
    loading L = {d->name};
    const crmi_report_def *detail = crmi_report_find(cat, d->detail);
    if (!detail)
        return bad(&L, "detail.report", "names no report of the catalog");
    for (size_t i = 0; i < d->n_detail_key; i++) {
        int col = crmi_report_col_index(detail, d->cols[d->detail_key[i]].name);
        bool filtered = false;
        for (size_t f = 0; col >= 0 && f < detail->n_filters; f++)
            filtered |= detail->filters[f] == col;
        if (!filtered)
            return bad(&L, "detail.key", "each key column must be a filter of the detail report");
    }
    return CRM_OK;
}

/* Puts `d` into the new list `defs` (replacing one of the same name). */
static void merge(crmi_report_def **defs, size_t *n, crmi_report_def *d, crmi_report_def **old)
{
    *old = NULL;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(defs[i]->name, d->name)) {
            *old = defs[i];
            defs[i] = d;
            return;
        }
    defs[(*n)++] = d;
}

static int parse_defs(const crmi_value *root, crmi_report_def ***out, size_t *n_out)
{
    const crmi_value *items = root->type == CRMI_ARR ? root->u.a->items : root;
    size_t n = root->type == CRMI_ARR ? root->u.a->n : 1;
    crmi_report_def **defs = crmi_calloc(n + 1, sizeof *defs);
    if (!defs)
        return crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    int rc = CRM_OK;
    size_t got = 0;
    for (; !rc && got < n; got++)
        rc = read_def(&items[got], &defs[got]);
    if (rc) {
        for (size_t i = 0; i < got; i++)
            def_free(defs[i]);
        crm_free(defs);
        return rc;
    }
    *out = defs;
    *n_out = n;
    return CRM_OK;
}

/* Builds the merged list; on success the catalog takes it and frees the
 * definitions it replaced. */
static int adopt(crm_report_catalog *cat, crmi_report_def **add, size_t n_add)
{
    size_t n = cat->n_defs;
    crmi_report_def **defs = crmi_calloc(n + n_add + 1, sizeof *defs),
                    **replaced = crmi_calloc(n_add + 1, sizeof *replaced);
    int rc = defs && replaced ? CRM_OK : crmi_error_thread(CRM_E_NOMEM, "report: out of memory");
    if (!rc && n)
        memcpy(defs, cat->defs, n * sizeof *defs);
    for (size_t i = 0; !rc && i < n_add; i++)
        merge(defs, &n, add[i], &replaced[i]);
    crm_report_catalog merged = {defs, n};
    for (size_t i = 0; !rc && i < n; i++)
        if (defs[i]->detail)
            rc = check_detail(&merged, defs[i]);
    if (rc) {
        crm_free(defs);
        crm_free(replaced);
        return rc;
    }
    for (size_t i = 0; i < n_add; i++)
        def_free(replaced[i]);
    crm_free(replaced);
    qsort(defs, n, sizeof *defs, def_cmp);
    crm_free(cat->defs);
    cat->defs = defs;
    cat->n_defs = n;
    return CRM_OK;
}

static int load_text(crm_report_catalog *cat, const char *text, size_t len)
{
    crmi_arena arena = {0};
    crmi_value root;
    crmi_pos pos;
    crmi_report_def **add = NULL;
    size_t n_add = 0;
    int rc = crmi_load(&root, &pos, &arena, text, len, &def_limits, "report definition");
    if (!rc && root.type != CRMI_OBJ && root.type != CRMI_ARR)
        rc = crmi_error_thread(CRM_E_INVALID_DATA,
                               "report definition: expected a mapping or a list of them");
    if (!rc)
        rc = parse_defs(&root, &add, &n_add);
    crmi_arena_free(&arena);
    if (!rc && (rc = adopt(cat, add, n_add)) != CRM_OK)
        for (size_t i = 0; i < n_add; i++)
            def_free(add[i]);
    crm_free(add);
    return rc;
}

CRM_EXTERN(int) crm_report_catalog_new(crm_report_catalog **out)
{
    if (!out)
        return crmi_error_thread(CRM_E_INVALID_ARG, "report catalog: NULL argument");
    crm_report_catalog *cat = crmi_calloc(1, sizeof *cat);
    if (!cat)
        return crmi_error_thread(CRM_E_NOMEM, "report catalog: out of memory");
    int rc = load_text(cat, crmi_report_builtins, strlen(crmi_report_builtins));
    if (rc) {
        crm_report_catalog_free(cat);
        return rc;
    }
    *out = cat;
    return CRM_OK;
}

CRM_EXTERN(void) crm_report_catalog_free(crm_report_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_defs; i++)
        def_free(cat->defs[i]);
    crm_free(cat->defs);
    crm_free(cat);
}

CRM_EXTERN(int) crm_report_catalog_load(crm_report_catalog *cat, const char *yaml)
{
    if (!cat || !yaml)
        return crmi_error_thread(CRM_E_INVALID_ARG, "report catalog load: NULL argument");
    return load_text(cat, yaml, strlen(yaml));
}

CRM_EXTERN(int) crm_report_catalog_load_file(crm_report_catalog *cat, const char *path)
{
    if (!cat || !path)
        return crmi_error_thread(CRM_E_INVALID_ARG, "report catalog load: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f)
        return crmi_error_thread(CRM_E_IO, "report definitions %.200s: cannot open", path);
    crmi_buf text = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < def_limits.max_string * 4)
        crmi_buf_append(&text, chunk, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    int rc = failed ? crmi_error_thread(CRM_E_IO, "report definitions %.200s: read error", path)
             : text.failed ? crmi_error_thread(CRM_E_NOMEM, "report definitions: out of memory")
                           : load_text(cat, text.data ? text.data : "", text.len);
    crmi_buf_free(&text);
    return rc;
}

CRM_EXTERN(size_t) crm_report_catalog_count(const crm_report_catalog *cat)
{
    return cat ? cat->n_defs : 0;
}

CRM_EXTERN(const char *) crm_report_catalog_name(const crm_report_catalog *cat, size_t index)
{
    return cat && index < cat->n_defs ? cat->defs[index]->name : NULL;
}

int crmi_report_resolve(crm_db *db, const crm_report_catalog *cat, const char *name,
                        crm_report_catalog **tmp, const crmi_report_def **out)
{
    *tmp = NULL;
    if (!cat) {
        int rc = crm_report_catalog_new(tmp);
        if (rc)
            return crmi_error(db, rc, "%s", crm_last_errmsg());
        cat = *tmp;
    }
    *out = crmi_report_find(cat, name);
    return *out ? CRM_OK : crmi_error(db, CRM_E_NOT_FOUND, "no report %.64s", name);
}

/* ----------------------------------------------------------- describe */

static void json_col_names(crmi_buf *b, const crmi_report_def *d, const int *cols, size_t n)
{
    crmi_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            crmi_buf_putc(b, ',');
        crmi_buf_json_string(b, d->cols[cols[i]].name);
    }
    crmi_buf_putc(b, ']');
}

static void json_field(crmi_buf *b, const char *key, const char *value)
{
    crmi_buf_printf(b, ",\"%s\":", key);
    if (value)
        crmi_buf_json_string(b, value);
    else
        crmi_buf_puts(b, "null");
}

static void describe_columns(crmi_buf *b, const crmi_report_def *d)
{
    static const char *const types[] = {"text", "int", "money"};
    crmi_buf_puts(b, ",\"columns\":[");
    for (size_t i = 0; i < d->n_cols; i++) {
        crmi_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        crmi_buf_json_string(b, d->cols[i].name);
        json_field(b, "label", d->cols[i].label);
        json_field(b, "label_en", d->cols[i].label_en);
        json_field(b, "type", types[d->cols[i].type]);
        crmi_buf_printf(b, ",\"compare\":%s}", d->cols[i].compared ? "true" : "false");
    }
    crmi_buf_putc(b, ']');
}

static void describe_charts(crmi_buf *b, const crmi_report_def *d)
{
    static const char *const types[] = {"bar", "line", "pie"};
    crmi_buf_puts(b, ",\"charts\":[");
    for (size_t i = 0; i < d->n_charts; i++) {
        const crmi_report_chart *c = &d->charts[i];
        crmi_buf_printf(b, "%s{\"type\":\"%s\"", i ? "," : "", types[c->type]);
        json_field(b, "title", c->title);
        json_field(b, "title_en", c->title_en);
        json_field(b, "label", d->cols[c->label_col].name);
        json_field(b, "value", d->cols[c->value_col].name);
        crmi_buf_putc(b, '}');
    }
    crmi_buf_putc(b, ']');
}

CRM_EXTERN(int)
crm_report_describe(char **out_json, const crm_report_catalog *cat, const char *name)
{
    if (!out_json || !name)
        return crmi_error_thread(CRM_E_INVALID_ARG, "report describe: NULL argument");
    crm_report_catalog *tmp = NULL;
    if (!cat && crm_report_catalog_new(&tmp) != CRM_OK)
        return CRM_E_NOMEM;
    const crmi_report_def *d = crmi_report_find(cat ? cat : tmp, name);
    if (!d) {
        crm_report_catalog_free(tmp);
        return crmi_error_thread(CRM_E_NOT_FOUND, "no report %.64s", name);
    }
    crmi_buf b = {0};
    crmi_buf_puts(&b, "{\"name\":");
    crmi_buf_json_string(&b, d->name);
    json_field(&b, "title", d->title);
    json_field(&b, "title_en", d->title_en);
    json_field(&b, "description", d->description);
    crmi_buf_printf(&b, ",\"periodic\":%s", d->periodic ? "true" : "false");
    describe_columns(&b, d);
    crmi_buf_puts(&b, ",\"key\":");
    json_col_names(&b, d, d->key, d->n_key);
    crmi_buf_puts(&b, ",\"filters\":");
    json_col_names(&b, d, d->filters, d->n_filters);
    json_field(&b, "group", d->group >= 0 ? d->cols[d->group].name : NULL);
    if (d->detail) {
        crmi_buf_puts(&b, ",\"detail\":{\"report\":");
        crmi_buf_json_string(&b, d->detail);
        crmi_buf_puts(&b, ",\"key\":");
        json_col_names(&b, d, d->detail_key, d->n_detail_key);
        crmi_buf_putc(&b, '}');
    } else {
        crmi_buf_puts(&b, ",\"detail\":null");
    }
    describe_charts(&b, d);
    crmi_buf_putc(&b, '}');
    crm_report_catalog_free(tmp);
    char *json = crmi_buf_take(&b);
    if (!json)
        return crmi_error_thread(CRM_E_NOMEM, "report describe: out of memory");
    *out_json = json;
    return CRM_OK;
}
