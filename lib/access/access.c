/* Access control in one place: the acting user, and the table of which roles
 * may perform which operation. */
#include "access/access_int.h"

#include <stdio.h>
#include <string.h>

#define ALL_ROLES                                                                                  \
    (CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER |                   \
     CRM_ROLE_MARKETER | CRM_ROLE_COMPLAINT_HANDLER | CRM_ROLE_AUDITOR)

/* Which roles may perform each operation (docs/ACCESS.md mirrors this). */
static const unsigned int allowed_roles[CRMI_OP_COUNT] = {
    [CRMI_OP_BRANCH_READ] = ALL_ROLES,
    [CRMI_OP_BRANCH_ADMIN] = CRM_ROLE_ADMIN,
    [CRMI_OP_USER_READ] = ALL_ROLES, /* rows are filtered by crmi_access_branch_visible */
    [CRMI_OP_USER_ADMIN] = CRM_ROLE_ADMIN,
    [CRMI_OP_AUDIT_READ] = CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR,
    [CRMI_OP_KEY_ADMIN] = CRM_ROLE_ADMIN,
    [CRMI_OP_CUSTOMER_READ] = ALL_ROLES,
    [CRMI_OP_CUSTOMER_WRITE] =
        CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER,
    [CRMI_OP_CUSTOMER_REVEAL] =
        CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER,
    [CRMI_OP_CUSTOMER_DELETE] =
        CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER,
    [CRMI_OP_CUSTOMER_APPROVE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER,
    [CRMI_OP_CUSTOMER_PURGE] = CRM_ROLE_ADMIN,
    [CRMI_OP_CUSTOMER_IMPORT] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER,
    [CRMI_OP_CUSTOMER_EXPORT] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_MARKETER,
    [CRMI_OP_PRODUCT_READ] = ALL_ROLES,
    [CRMI_OP_PRODUCT_ADMIN] = CRM_ROLE_ADMIN,
    [CRMI_OP_TXN_WRITE] = CRM_ROLE_ADMIN,
    [CRMI_OP_SEGMENT_READ] = ALL_ROLES,
    [CRMI_OP_SEGMENT_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_MARKETER,
    [CRMI_OP_TAG_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER |
                          CRM_ROLE_MARKETER,
    [CRMI_OP_TAG_ADMIN] = CRM_ROLE_ADMIN | CRM_ROLE_MARKETER,
    [CRMI_OP_RISK_ASSESS] =
        CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER,
    [CRMI_OP_ANALYTICS_RUN] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_MARKETER,
    [CRMI_OP_ALERT_READ] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER |
                           CRM_ROLE_RELATIONSHIP_MANAGER | CRM_ROLE_AUDITOR,
    [CRMI_OP_ALERT_ADMIN] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER,
    [CRMI_OP_COMPLAINT_READ] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER |
                               CRM_ROLE_RELATIONSHIP_MANAGER | CRM_ROLE_COMPLAINT_HANDLER |
                               CRM_ROLE_AUDITOR,
    [CRMI_OP_COMPLAINT_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER |
                                CRM_ROLE_RELATIONSHIP_MANAGER | CRM_ROLE_COMPLAINT_HANDLER,
    [CRMI_OP_COMPLAINT_ADMIN] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER,
    [CRMI_OP_KB_READ] = ALL_ROLES,
    [CRMI_OP_KB_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_COMPLAINT_HANDLER,
    [CRMI_OP_REPORT_RUN] = ALL_ROLES,
    [CRMI_OP_CAMPAIGN_READ] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER |
                              CRM_ROLE_RELATIONSHIP_MANAGER | CRM_ROLE_MARKETER | CRM_ROLE_AUDITOR,
    [CRMI_OP_CAMPAIGN_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_MARKETER,
    [CRMI_OP_CAMPAIGN_APPROVE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_MARKETER,
    [CRMI_OP_CAMPAIGN_RUN] = CRM_ROLE_ADMIN | CRM_ROLE_MARKETER,
    [CRMI_OP_LEAD_READ] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER |
                          CRM_ROLE_RELATIONSHIP_MANAGER | CRM_ROLE_MARKETER,
    [CRMI_OP_LEAD_WRITE] = CRM_ROLE_ADMIN | CRM_ROLE_BRANCH_MANAGER | CRM_ROLE_RELATIONSHIP_MANAGER,
    [CRMI_OP_EVENT_INGEST] = CRM_ROLE_ADMIN | CRM_ROLE_MARKETER,
    [CRMI_OP_CARE_RUN] = CRM_ROLE_ADMIN | CRM_ROLE_MARKETER,
};

static const char *const op_names[CRMI_OP_COUNT] = {
    [CRMI_OP_BRANCH_READ] = "read branches",
    [CRMI_OP_BRANCH_ADMIN] = "manage branches",
    [CRMI_OP_USER_READ] = "read users",
    [CRMI_OP_USER_ADMIN] = "manage users",
    [CRMI_OP_AUDIT_READ] = "read the audit log",
    [CRMI_OP_KEY_ADMIN] = "manage keys",
    [CRMI_OP_CUSTOMER_READ] = "read customers",
    [CRMI_OP_CUSTOMER_WRITE] = "create or change customers",
    [CRMI_OP_CUSTOMER_REVEAL] = "reveal customers' personal data",
    [CRMI_OP_CUSTOMER_DELETE] = "request a customer's deletion",
    [CRMI_OP_CUSTOMER_APPROVE] = "approve deletions or reassign customers",
    [CRMI_OP_CUSTOMER_PURGE] = "purge customers",
    [CRMI_OP_CUSTOMER_IMPORT] = "import customers",
    [CRMI_OP_CUSTOMER_EXPORT] = "export customers",
    [CRMI_OP_PRODUCT_READ] = "read products",
    [CRMI_OP_PRODUCT_ADMIN] = "manage products",
    [CRMI_OP_TXN_WRITE] = "record holdings and transactions",
    [CRMI_OP_SEGMENT_READ] = "read segments",
    [CRMI_OP_SEGMENT_WRITE] = "manage segments",
    [CRMI_OP_TAG_WRITE] = "tag customers",
    [CRMI_OP_TAG_ADMIN] = "manage the tag taxonomy",
    [CRMI_OP_RISK_ASSESS] = "assess customers' risk tolerance",
    [CRMI_OP_ANALYTICS_RUN] = "run customer analytics",
    [CRMI_OP_ALERT_READ] = "read transaction alerts",
    [CRMI_OP_ALERT_ADMIN] = "handle transaction alerts",
    [CRMI_OP_COMPLAINT_READ] = "read complaints",
    [CRMI_OP_COMPLAINT_WRITE] = "handle complaints",
    [CRMI_OP_COMPLAINT_ADMIN] = "configure the complaint workflow",
    [CRMI_OP_KB_READ] = "search the knowledge base",
    [CRMI_OP_KB_WRITE] = "edit the knowledge base",
    [CRMI_OP_REPORT_RUN] = "run reports",
    [CRMI_OP_CAMPAIGN_READ] = "read campaigns",
    [CRMI_OP_CAMPAIGN_WRITE] = "plan campaigns",
    [CRMI_OP_CAMPAIGN_APPROVE] = "approve campaigns",
    [CRMI_OP_CAMPAIGN_RUN] = "run campaigns",
    [CRMI_OP_LEAD_READ] = "read leads",
    [CRMI_OP_LEAD_WRITE] = "record lead outcomes",
    [CRMI_OP_EVENT_INGEST] = "ingest response events",
    [CRMI_OP_CARE_RUN] = "run customer care",
};

static const char *const role_names[] = {"admin",     "branch_manager",    "relationship_manager",
                                         "marketer",  "complaint_handler", "auditor"};
#define N_ROLES (sizeof role_names / sizeof role_names[0])

CRM_EXTERN(const char *) crm_role_name(crm_role role)
{
    for (size_t i = 0; i < N_ROLES; i++)
        if ((unsigned int)role == 1u << i)
            return role_names[i];
    return NULL;
}

void crmi_roles_format(char *buf, size_t size, unsigned int roles)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_ROLES; i++)
        if (roles & (1u << i)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", role_names[i]);
            if (n < 0 || (size_t)n >= size - used)
                return;
            used += (size_t)n;
        }
}

CRM_EXTERN(int) crm_role_parse(unsigned int *out_mask, const char *text)
{
    if (!out_mask || !text)
        return crmi_error_thread(CRM_E_INVALID_ARG, "roles: NULL argument");
    unsigned int mask = 0;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < N_ROLES && !(strlen(role_names[i]) == len && strncmp(role_names[i], p, len) == 0))
            i++;
        if (i == N_ROLES)
            return crmi_error_thread(CRM_E_INVALID_DATA, "roles: unknown role '%.*s'",
                                     (int)(len > 40 ? 40 : len), p);
        mask |= 1u << i;
        p += len + (p[len] == ',');
    }
    if (!mask)
        return crmi_error_thread(CRM_E_INVALID_DATA, "roles: at least one role is required");
    *out_mask = mask;
    return CRM_OK;
}

void crmi_actor_free(struct crmi_actor *actor)
{
    if (!actor)
        return;
    crm_free(actor->name);
    crm_free(actor->branch);
    crm_free(actor->branch_path);
    crm_free(actor);
}

void crmi_actor_invalidate(crm_db *db)
{
    if (db->actor)
        db->actor->data_version = -1;
}

const char *crmi_actor_name(const crm_db *db)
{
    return db->actor ? db->actor->name : "(system)";
}

static const char SQL_ACTOR[] =
    "SELECT u.id, u.roles, u.status, b.code, b.path FROM crm_user u"
    " JOIN crm_branch b ON b.id = u.branch_id WHERE u.name = ?";
/* Reads the named user; CRM_E_PERMISSION when absent or disabled. */
static int load_actor(crm_db *db, const char *name, struct crmi_actor *a)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_ACTOR);
    if (!st)
        return db->errcode;
    crmi_bind_text(st, 1, name);
    int step = crmi_step(st);
    int rc = CRM_OK;
    if (step != SQLITE_ROW)
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_PERMISSION, "unknown user '%.64s'", name)
                                 : crmi_sqlite_error(db, step, "load user");
    else if (strcmp((const char *)sqlite3_column_text(st, 2), "active") != 0)
        rc = crmi_error(db, CRM_E_PERMISSION, "user '%.64s' is disabled", name);
    if (!rc) {
        a->user_id = sqlite3_column_int64(st, 0);
        a->roles = (unsigned int)sqlite3_column_int64(st, 1);
        crm_free(a->branch);
        crm_free(a->branch_path);
        a->branch = crmi_strdup((const char *)sqlite3_column_text(st, 3));
        a->branch_path = crmi_strdup((const char *)sqlite3_column_text(st, 4));
        if (!a->branch || !a->branch_path)
            rc = crmi_error(db, CRM_E_NOMEM, "load user: out of memory");
    }
    sqlite3_reset(st);
    return rc;
}

CRM_EXTERN(int) crm_db_set_actor(crm_db *db, const char *user_name)
{
    if (!db)
        return crmi_error_thread(CRM_E_INVALID_ARG, "set actor: NULL handle");
    crmi_error_clear(db);
    crmi_actor_free(db->actor);
    db->actor = NULL;
    if (!user_name)
        return CRM_OK;
    struct crmi_actor *a = crmi_calloc(1, sizeof *a);
    if (!a || !(a->name = crmi_strdup(user_name))) {
        crmi_actor_free(a);
        return crmi_error(db, CRM_E_NOMEM, "set actor: out of memory");
    }
    int rc = crmi_data_version(db, &a->data_version);
    if (!rc)
        rc = load_actor(db, user_name, a);
    if (rc) {
        crmi_actor_free(a);
        return rc;
    }
    db->actor = a;
    return CRM_OK;
}

CRM_EXTERN(const char *) crm_db_actor(const crm_db *db)
{
    return db && db->actor ? db->actor->name : NULL;
}

/* Reloads the actor when any connection (or this one, after a user change)
 * may have changed it; a disabled actor is dropped from the handle. */
static int refresh_actor(crm_db *db, bool *reloaded)
{
    struct crmi_actor *a = db->actor;
    int64_t version;
    int rc = crmi_data_version(db, &version);
    *reloaded = !rc && version != a->data_version;
    if (!*reloaded)
        return rc;
    rc = load_actor(db, a->name, a);
    if (rc == CRM_E_PERMISSION) {
        char name[80];
        snprintf(name, sizeof name, "%s", a->name);
        crmi_actor_free(a);
        db->actor = NULL;
        return crmi_error(db, CRM_E_PERMISSION, "user '%s' is no longer active", name);
    }
    if (!rc)
        a->data_version = version;
    return rc;
}

int crmi_access_require_open(crm_db *db, crmi_op op, bool *reloaded)
{
    *reloaded = false;
    if (!db->actor)
        return crmi_error(db, CRM_E_PERMISSION, "no acting user: call crm_db_set_actor first");
    int rc = refresh_actor(db, reloaded);
    if (rc)
        return rc;
    if ((db->actor->roles & allowed_roles[op]) == 0)
        return crmi_error(db, CRM_E_PERMISSION, "user '%s' may not %s", db->actor->name,
                          op_names[op]);
    return CRM_OK;
}

int crmi_access_require(crm_db *db, crmi_op op)
{
    bool reloaded;
    return crmi_access_require_open(db, op, &reloaded);
}

bool crmi_access_branch_visible(const crm_db *db, const char *branch_path)
{
    const struct crmi_actor *a = db->actor;
    if (!a)
        return false;
    if (a->roles & (CRM_ROLE_ADMIN | CRM_ROLE_AUDITOR))
        return true;
    return strncmp(branch_path, a->branch_path, strlen(a->branch_path)) == 0;
}
