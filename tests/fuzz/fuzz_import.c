/* libFuzzer target for the data import readers (CSV and JSON Lines, UTF-8
 * and GBK) through the public API: crm_customer_import and crm_txn_import
 * on an in-memory database with a branch, a manager, a customer and a
 * product. The first byte of an input chooses the options, the rest is the
 * file:
 *   bit 0  format: CSV (0) or JSON Lines (1)
 *   bit 1  encoding: UTF-8 (0) or GBK (1)
 *   bit 2  mode: strict (0) or skip (1)
 *   bits 3-4  on duplicate: error, skip, update
 *   bit 5  customers (0) or transactions (1)
 *   bit 6  write an error file
 * The import runs inside a host transaction that is rolled back, so every
 * input starts from the same database. Besides crashes, the target checks
 * the promises of include/crm/dataio.h: the counts add up, a failure leaves
 * a message, and the database passes its integrity check. Any finding
 * aborts. */
#include <crm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static crm_db *db;
static char input_path[64], errors_path[64];

static int64_t fixed_clock(void *payload)
{
    (void)payload;
    return 1795000000; /* 2026-11-18 */
}

static void must(int rc, const char *what)
{
    if (rc != CRM_OK) {
        fprintf(stderr, "fuzz_import set-up: %s: %s\n", what, crm_last_errmsg());
        abort();
    }
}

static crm_record *record_of(const char *const *pairs)
{
    crm_record *r = NULL;
    must(crm_record_new(&r), "record");
    for (; pairs[0]; pairs += 2)
        must(crm_record_set_text(r, pairs[0], pairs[1]), pairs[0]);
    return r;
}

static void remove_files(void)
{
    unlink(input_path);
    unlink(errors_path);
}

static void setup(void)
{
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.key = KEY;
    opts.clock = fixed_clock;
    must(crm_db_open(&db, ":memory:", &opts), "open");
    must(crm_access_bootstrap(db, "HO", "总行", "admin", "管理员"), "bootstrap");
    must(crm_db_set_actor(db, "admin"), "actor");
    must(crm_branch_add(db, "BJ", "北京分行", "HO"), "branch");
    static const char *const user[] = {"name",     "rm1",   "display_name",
                                       "客户经理", "roles", "relationship_manager",
                                       "branch",   "BJ",    NULL};
    static const char *const customer[] = {
        "customer_no",        "C1", "name", "张三", "branch", "BJ", "manager", "rm1", "id_number",
        "110101198001010010", NULL};
    static const char *const product[] = {"code",   "WM01",        "name", "稳健理财", "type",
                                          "wealth", "risk_rating", "R2",   NULL};
    crm_record *r = record_of(user);
    must(crm_user_add(db, r), "user");
    crm_record_free(r);
    r = record_of(customer);
    must(crm_customer_create(db, r), "customer");
    crm_record_free(r);
    r = record_of(product);
    must(crm_product_add(db, r), "product");
    crm_record_free(r);
    snprintf(input_path, sizeof input_path, "/tmp/crm-fuzz-import-%ld.in", (long)getpid());
    snprintf(errors_path, sizeof errors_path, "/tmp/crm-fuzz-import-%ld.err", (long)getpid());
    atexit(remove_files);
}

static void write_input(const unsigned char *bytes, size_t size)
{
    FILE *f = fopen(input_path, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0)
        abort();
}

static void check_integrity(void)
{
    crm_iter *it = NULL; /* a read after the rollback: the store still answers */
    if (crm_customer_quality(&it, db) != CRM_OK) {
        fprintf(stderr, "database unusable after an import: %s\n", crm_db_errmsg(db));
        abort();
    }
    crm_iter_free(it);
}

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *bytes, size_t size)
{
    if (!db)
        setup();
    if (size == 0)
        return 0;
    unsigned flags = bytes[0];
    write_input(bytes + 1, size - 1);
    crm_import_options opts = CRM_IMPORT_OPTIONS_INIT;
    opts.format = flags & 1 ? CRM_FORMAT_JSONL : CRM_FORMAT_CSV;
    opts.encoding = flags & 2 ? CRM_ENCODING_GBK : CRM_ENCODING_UTF8;
    opts.mode = flags & 4 ? CRM_IMPORT_SKIP : CRM_IMPORT_STRICT;
    opts.on_duplicate = (crm_on_duplicate)((flags >> 3) % 3);
    opts.errors_path = flags & 64 ? errors_path : NULL;
    opts.batch_size = 2;
    crm_import_stats stats = CRM_IMPORT_STATS_INIT;
    must(crm_db_begin(db), "begin");
    int rc = flags & 32 ? crm_txn_import(&stats, db, input_path, &opts)
                        : crm_customer_import(&stats, db, input_path, &opts);
    if (rc != CRM_OK && crm_db_errmsg(db)[0] == '\0') {
        fprintf(stderr, "import failed with %d and no message\n", rc);
        abort();
    }
    if (rc == CRM_OK &&
        stats.inserted + stats.updated + stats.skipped + stats.refused != stats.read) {
        fprintf(stderr, "counts do not add up: read %lld\n", (long long)stats.read);
        abort();
    }
    must(crm_db_rollback(db), "rollback");
    check_integrity();
    return 0;
}
