/*
 * core_banking: a core-banking program embedding libcrm
 * =====================================================
 *
 * What it shows, in the order a host program does it:
 *  1. checks at run time that the installed libcrm can serve the headers it
 *     was compiled with (crm_version_check);
 *  2. opens (creating if needed) the CRM database, with the master key handed
 *     over by a key-provider callback, here read from a key file; a real host
 *     would ask its HSM or key-management service at that point;
 *  3. bootstraps an empty database (head office and first admin);
 *  4. sets the acting user, so every call is checked and audited as that user;
 *  5. loads reference data as ONE host transaction: several branches and
 *     users committed together, or not at all;
 *  6. shows that a failed batch leaves nothing behind (crm_db_rollback);
 *  7. reads users back through an iterator, verifies the audit chain, closes.
 * Every failure is reported with crm_errstr() and crm_db_errmsg().
 *
 * Build against an installed libcrm, found through pkg-config only:
 *
 *     cmake --install build --prefix /tmp/p
 *     PKG_CONFIG_PATH=/tmp/p/lib/pkgconfig make -C examples/embed O=/tmp/out
 *
 * O= names the directory for the binary (default: the current directory).
 * Without make:
 *
 *     cc -std=c11 core_banking.c $(pkg-config --cflags --libs libcrm) -o core_banking
 *
 * Run it with a database path and a key file (or CRM_KEY_FILE); make a key
 * with `crm keygen KEYFILE` (mode 0600):
 *
 *     LD_LIBRARY_PATH=/tmp/p/lib /tmp/out/core_banking bank.db bank.key
 *
 * Running it again is safe: reference data already loaded is left alone.
 * Exit status 0 on success, 1 on any failure.
 */
#include <crm.h>

#include <stdio.h>
#include <stdlib.h>

#define ADMIN "core.admin"

/* Reports a failed libcrm call; the handle's message names what went wrong.
 * Returns 1, the exit status. */
static int fail(const crm_db *db, const char *what, int rc)
{
    fprintf(stderr, "core_banking: %s: %s: %s\n", what, crm_errstr(rc),
            db ? crm_db_errmsg(db) : crm_last_errmsg());
    return 1;
}

/* Where the host keeps its master key: a file here, an HSM slot or a KMS
 * key id in production. */
typedef struct key_source {
    const char *path;
} key_source;

/* The key provider: libcrm calls it once while opening. Returning non-zero
 * refuses, and the open fails with CRM_E_KEY. */
static int key_from_file(unsigned char key_out[32], void *payload)
{
    const key_source *source = payload;
    int rc = crm_key_load_file(key_out, source->path);
    if (rc)
        fprintf(stderr, "core_banking: key file %s: %s: %s\n", source->path, crm_errstr(rc),
                crm_last_errmsg());
    return rc;
}

static int open_database(crm_db **out, const char *path, key_source *key)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.flags = CRM_OPEN_CREATE;
    opts.busy_timeout_ms = 10000;
    opts.key_provider = key_from_file;
    opts.key_provider_payload = key;
    int rc = crm_db_open(out, path, &opts);
    if (rc)
        return fail(NULL, "open", rc);
    printf("opened %s\n", path);
    return 0;
}

/* An empty database gets its head office and first admin; a set-up one
 * answers CRM_E_STATE, which is fine. */
static int bootstrap(crm_db *db)
{
    int rc = crm_access_bootstrap(db, "HO", "总行", ADMIN, "核心系统管理员");
    if (rc == CRM_E_STATE) {
        printf("database already initialised\n");
        return 0;
    }
    if (rc)
        return fail(db, "bootstrap", rc);
    printf("bootstrapped head office HO and admin %s\n", ADMIN);
    return 0;
}

typedef struct branch_row {
    const char *code, *name, *parent;
} branch_row;

typedef struct user_row {
    const char *name, *display_name, *roles, *branch, *phone;
} user_row;

static const branch_row branches[] = {
    {"BJ", "北京分行", "HO"},
    {"BJ01", "北京海淀支行", "BJ"},
    {"BJ02", "北京朝阳支行", "BJ"},
};

static const user_row users[] = {
    {"liu.yang", "刘洋", "relationship_manager", "BJ01", "13712345678"},
    {"sun.li", "孙丽", "branch_manager", "BJ", "+8618600001234"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int add_user(crm_db *db, const user_row *u)
{
    crm_record *rec;
    int rc = crm_record_new(&rec);
    if (rc)
        return rc;
    if (!(rc = crm_record_set_text(rec, "name", u->name)) &&
        !(rc = crm_record_set_text(rec, "display_name", u->display_name)) &&
        !(rc = crm_record_set_text(rec, "roles", u->roles)) &&
        !(rc = crm_record_set_text(rec, "branch", u->branch)) &&
        !(rc = crm_record_set_text(rec, "phone", u->phone)))
        rc = crm_user_add(db, rec);
    crm_record_free(rec);
    return rc;
}

/* Adds every branch, then every user; stops at the first failure. */
static int add_reference_data(crm_db *db, const branch_row *b, size_t nb, const user_row *u,
                              size_t nu)
{
    int rc = CRM_OK;
    for (size_t i = 0; rc == CRM_OK && i < nb; i++)
        rc = crm_branch_add(db, b[i].code, b[i].name, b[i].parent);
    for (size_t i = 0; rc == CRM_OK && i < nu; i++)
        rc = add_user(db, &u[i]);
    return rc;
}

/* One host transaction: all of it is committed, or none of it. */
static int load_reference_data(crm_db *db)
{
    crm_record *existing;
    if (crm_branch_get(&existing, db, branches[0].code) == CRM_OK) {
        crm_record_free(existing);
        printf("reference data already loaded\n");
        return 0;
    }
    int rc = crm_db_begin(db);
    if (rc)
        return fail(db, "begin", rc);
    rc = add_reference_data(db, branches, COUNT(branches), users, COUNT(users));
    if (rc) {
        int status = fail(db, "reference data", rc);
        crm_db_rollback(db);
        return status;
    }
    if ((rc = crm_db_commit(db)) != CRM_OK)
        return fail(db, "commit", rc);
    printf("batch committed: %zu branches, %zu users\n", COUNT(branches), COUNT(users));
    return 0;
}

/* A batch whose second change is refused: the host rolls the whole batch
 * back, so the first change is not kept either. */
static int show_rollback(crm_db *db)
{
    static const branch_row sh = {"SH", "上海分行", "HO"};
    static const user_row bad = {"zhou.qi", "周琪", "marketer", "SH", "12345"};
    int rc = crm_db_begin(db);
    if (rc)
        return fail(db, "begin", rc);
    rc = add_reference_data(db, &sh, 1, &bad, 1);
    if (rc == CRM_OK) {
        crm_db_rollback(db);
        fprintf(stderr, "core_banking: an invalid phone number was accepted\n");
        return 1;
    }
    printf("batch refused (%s: %s)\n", crm_errstr(rc), crm_db_errmsg(db));
    if ((rc = crm_db_rollback(db)) != CRM_OK)
        return fail(db, "rollback", rc);
    crm_record *branch;
    rc = crm_branch_get(&branch, db, sh.code);
    if (rc == CRM_OK) {
        crm_record_free(branch);
        fprintf(stderr, "core_banking: branch %s survived the rollback\n", sh.code);
        return 1;
    }
    if (rc != CRM_E_NOT_FOUND)
        return fail(db, "branch get", rc);
    printf("batch rolled back: branch %s was not kept\n", sh.code);
    return 0;
}

static const char *text_or(const crm_record *rec, const char *field, const char *fallback)
{
    const char *value;
    return crm_record_get_text(&value, rec, field) == CRM_OK ? value : fallback;
}

static int list_users(crm_db *db)
{
    crm_iter *it;
    int rc = crm_user_list(&it, db);
    if (rc)
        return fail(db, "user list", rc);
    const crm_record *u;
    while ((rc = crm_iter_next(&u, it)) == CRM_OK)
        printf("user %s %s branch=%s phone=%s\n", text_or(u, "name", "?"),
               text_or(u, "display_name", "?"), text_or(u, "branch", "?"),
               text_or(u, "phone", "-"));
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? 0 : fail(db, "user list", rc);
}

static int verify_audit(crm_db *db)
{
    int64_t entries, first_bad;
    int rc = crm_audit_verify(&entries, &first_bad, db, NULL);
    if (rc)
        return fail(db, "audit verify", rc);
    printf("audit chain intact: %lld entries\n", (long long)entries);
    return 0;
}

static int run(crm_db *db)
{
    if (bootstrap(db))
        return 1;
    int rc = crm_db_set_actor(db, ADMIN);
    if (rc)
        return fail(db, "set actor", rc);
    if (load_reference_data(db) || show_rollback(db) || list_users(db) || verify_audit(db))
        return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DATABASE [KEYFILE]\n(KEYFILE defaults to $CRM_KEY_FILE)\n",
                argv[0]);
        return 2;
    }
    key_source key = {argc == 3 ? argv[2] : getenv("CRM_KEY_FILE")};
    if (!key.path || !*key.path) {
        fprintf(stderr, "core_banking: no key file: give KEYFILE or set CRM_KEY_FILE\n");
        return 2;
    }
    int rc = crm_version_check(CRM_VERSION_NUMBER);
    if (rc)
        return fail(NULL, "version check", rc);
    printf("libcrm %s at run time, built against %s\n", crm_version_string(), CRM_VERSION_STRING);

    crm_db *db = NULL;
    int status = open_database(&db, argv[1], &key);
    if (!status)
        status = run(db);
    crm_db_close(db);
    if (!status)
        printf("closed\n");
    return status;
}
