/*
 * libcrm data in and out: importing customers and transactions from CSV or
 * JSON Lines files, exporting customers, the data-quality report and the
 * statistics behind customer reports.
 *
 * Files
 * -----
 * CSV follows RFC 4180: fields separated by commas, records ended by CRLF
 * or LF, fields holding commas, quotes or line breaks enclosed in double
 * quotes with inner quotes doubled. The first record names the columns. A
 * UTF-8 byte order mark at the start is skipped. A quote inside an unquoted
 * field, text after a closing quote, a record with more or fewer fields than
 * the header, a record over 1 MiB and an unclosed quote at the end of the
 * file are malformed rows: reported, and reading goes on at the line after
 * the one where the malformed record started.
 *
 * JSON Lines: one JSON object per line, its members the columns; values are
 * strings, numbers, true/false (for consents) or null (absent). Blank lines
 * are skipped.
 *
 * Encodings: UTF-8, or GBK as Excel in China saves it (decoded as GB18030,
 * its superset, so rare characters survive). Bytes that are not valid in the
 * encoding refuse the row, naming line and column.
 *
 * Line numbers are the 1-based physical lines where a record starts (the
 * CSV header is line 1), as an editor shows them.
 *
 * Customer columns
 * ----------------
 * The field names of crm_customer_create (include/crm/customer.h):
 * customer_no, name, id_type, id_number, gender, birth_date, phone, email,
 * address, card_number, city, province, occupation, annual_income,
 * total_assets, risk_level, risk_assessed_at, branch, manager, consent_sms,
 * consent_email, consent_phone, and ext.<name> for extension attributes.
 * Any other column is refused: in a CSV header the whole file (a misspelt
 * column would otherwise lose its data silently), in a JSON Lines object
 * that row. An empty cell (or null) means the value is absent.
 *  - Money (annual_income, total_assets, amount) is in yuan with at most two
 *    decimals ("12345.67" is 1234567 fen), parsed exactly; more decimals,
 *    exponents, separators or anything else is refused naming the column.
 *  - Dates: YYYY-MM-DD, also YYYY/M/D as Excel writes them.
 *  - gender: M or F, also 男 or 女.
 *  - Consents: 1/0, true/false, yes/no, y/n, 是/否.
 * Every row then goes through the same validation as crm_customer_create.
 *
 * Transaction columns: customer_no, product_code, type, amount (yuan),
 * channel, time (ISO-8601 or a date), ref (the core-banking id): the fields
 * of crm_txn_add.
 *
 * Error file
 * ----------
 * With `errors_path`, every refused row is written to a CSV file (UTF-8,
 * mode 0600) with the columns line, column, reason: the line where the row
 * starts, the column at fault (empty when the row as a whole is malformed)
 * and why.
 */
#ifndef CRM_DATAIO_H
#define CRM_DATAIO_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** File formats. */
typedef enum crm_data_format {
    CRM_FORMAT_CSV = 0,  /**< RFC 4180 with a header record */
    CRM_FORMAT_JSONL = 1 /**< JSON Lines: one object per line */
} crm_data_format;

/** Text encodings of files. */
typedef enum crm_text_encoding {
    CRM_ENCODING_UTF8 = 0,
    CRM_ENCODING_GBK = 1 /**< GBK / CP936, read and written as GB18030 */
} crm_text_encoding;

/** What a bad row does to an import. */
typedef enum crm_import_mode {
    CRM_IMPORT_STRICT = 0, /**< all or nothing: one transaction, any bad row rolls it back */
    CRM_IMPORT_SKIP = 1    /**< good rows committed in batches, bad rows reported */
} crm_import_mode;

/**
 * What to do with a customer whose ID number (or customer_no) is already
 * stored, including by an earlier row of the same file.
 */
typedef enum crm_on_duplicate {
    CRM_DUPLICATE_ERROR = 0, /**< refuse the row (CRM_E_CONFLICT) */
    CRM_DUPLICATE_SKIP = 1,  /**< leave the stored customer, count the row as skipped */
    CRM_DUPLICATE_UPDATE = 2 /**< update the stored customer with the row's values */
} crm_on_duplicate;

/**
 * Progress of an import or export: rows done so far and input bytes read
 * (output bytes written for an export). Called once per batch and at the
 * end. Return 0 to go on, non-zero to stop: the call then fails with the
 * returned value if that is a CRM_E_* code, else with CRM_E_STATE.
 */
typedef int (*crm_progress_fn)(int64_t rows, int64_t bytes, void *payload);

#define CRM_IMPORT_OPTIONS_VERSION 1

/**
 * Options for crm_customer_import and crm_txn_import. Initialise with
 * CRM_IMPORT_OPTIONS_INIT or crm_import_options_init(); fields are only ever
 * appended.
 */
typedef struct crm_import_options {
    unsigned int version;          /**< CRM_IMPORT_OPTIONS_VERSION */
    crm_data_format format;        /**< default CSV */
    crm_text_encoding encoding;    /**< default UTF-8 */
    crm_import_mode mode;          /**< default strict */
    crm_on_duplicate on_duplicate; /**< default error; customers, and transactions by ref */
    const char *errors_path;       /**< error file to write, or NULL */
    crm_progress_fn progress;      /**< or NULL */
    void *progress_payload;
    unsigned int batch_size; /**< rows per commit in skip mode and per progress call; 0: 1000 */
} crm_import_options;

#define CRM_IMPORT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CRM_IMPORT_OPTIONS_VERSION, CRM_FORMAT_CSV, CRM_ENCODING_UTF8, CRM_IMPORT_STRICT,          \
            CRM_DUPLICATE_ERROR, NULL, NULL, NULL, 0                                               \
    }

/** Fills `opts` with the defaults of CRM_IMPORT_OPTIONS_INIT (for ctypes users). */
CRM_EXTERN(int) crm_import_options_init(crm_import_options *opts, unsigned int version);

#define CRM_IMPORT_STATS_VERSION 1

/**
 * Counts of an import, filled by the library. The caller sets `version`
 * (CRM_IMPORT_STATS_INIT or crm_import_stats_init()); the library writes the
 * fields that version has, so fields are only ever appended.
 * read = inserted + updated + skipped + refused, except after a rollback
 * (a strict import that refused a row, or an error that ended an import):
 * rows rolled back count only in read.
 */
typedef struct crm_import_stats {
    unsigned int version; /**< CRM_IMPORT_STATS_VERSION */
    int64_t read;         /**< data rows read (not the header, not blank lines) */
    int64_t inserted;     /**< new customers or transactions stored */
    int64_t updated;      /**< stored customers updated (CRM_DUPLICATE_UPDATE) */
    int64_t skipped;      /**< duplicates left alone (CRM_DUPLICATE_SKIP) */
    int64_t refused;      /**< bad rows, each reported in the error file */
    int64_t bytes;        /**< input bytes read */
} crm_import_stats;

#define CRM_IMPORT_STATS_INIT                                                                      \
    {                                                                                              \
        CRM_IMPORT_STATS_VERSION, 0, 0, 0, 0, 0, 0                                                 \
    }

/** Zeroes `stats` and sets its version (for ctypes users). */
CRM_EXTERN(int) crm_import_stats_init(crm_import_stats *stats, unsigned int version);

/**
 * Imports customers from the file at `path` (columns above). Streams: memory
 * does not grow with the file. Each row is validated like
 * crm_customer_create and stored encrypted, blind-indexed and audited; the
 * import itself adds one audit entry (action "customer.import") with the
 * counts. Admin or branch manager (rows of their own subtree only: others
 * are refused rows).
 *
 * Strict mode runs in one transaction and stores nothing when any row is
 * bad; every bad row is still reported (error file), and crm_db_errmsg()
 * names the first: "customers.csv line 1832, column id_number: check digit
 * is 7, expected X". Skip mode commits good rows every `batch_size` rows and
 * returns CRM_OK even when rows were refused: check stats->refused. Inside a
 * host transaction (crm_db_begin) batches are savepoints of it. The actor's
 * right is checked again at each batch: a user disabled meanwhile (by any
 * handle) stops the import with CRM_E_PERMISSION, earlier batches kept.
 *
 * @param stats  may be NULL; otherwise filled whenever the file was opened,
 *               also when the call fails.
 * @param opts   may be NULL for the defaults.
 * @return CRM_OK; in strict mode CRM_E_INVALID_DATA, CRM_E_CONFLICT,
 *         CRM_E_NOT_FOUND or CRM_E_PERMISSION of the first bad row;
 *         CRM_E_INVALID_DATA for a malformed CSV header or unknown column
 *         (nothing stored); CRM_E_IO (file unreadable, error file
 *         unwritable); CRM_E_PERMISSION; the progress callback's stop code;
 *         CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_customer_import(crm_import_stats *stats, crm_db *db, const char *path,
                                    const crm_import_options *opts);

/**
 * Imports transactions (columns customer_no, product_code, type, amount in
 * yuan, channel, time, ref) from `path`, each row through crm_txn_add: same
 * validation, same access (admin only), same alert rules. Modes, error file,
 * progress and returns as crm_customer_import. `on_duplicate` applies to a
 * row whose ref is already recorded (by an earlier import or an earlier row
 * of the file): refused (CRM_E_CONFLICT, naming column ref), skipped, or the
 * stored transaction updated with the row's values (an update raises no
 * alerts); rows without a ref are always new. So importing the same feed
 * twice does not double it. Transactions are not audited one by one (see
 * crm_txn_add); the import adds one "txn.import" audit entry.
 */
CRM_EXTERN(int) crm_txn_import(crm_import_stats *stats, crm_db *db, const char *path,
                               const crm_import_options *opts);

/**
 * Imports holdings (columns customer_no, product_code, balance in yuan: a
 * core-banking balance feed) from `path`, each row as crm_holding_set: the
 * balance set, 0 removing the holding, a change audited against the
 * customer, an unchanged balance writing nothing; admin only. `on_duplicate`
 * applies to a holding already stored (a non-zero balance of that customer
 * in that product): refused (CRM_E_CONFLICT, naming column product_code),
 * kept, or set to the row's balance (CRM_DUPLICATE_UPDATE: a daily feed).
 * Modes, error file, progress and returns as crm_customer_import; the
 * import adds one "holding.import" audit entry.
 */
CRM_EXTERN(int) crm_holding_import(crm_import_stats *stats, crm_db *db, const char *path,
                                   const crm_import_options *opts);

/* ------------------------------------------------------------- export */

/** Export flags, combined with |. */
#define CRM_EXPORT_CLEAR                                                                           \
    0x1u                    /**< personal fields in clear text (needs reveal rights and a reason) */
#define CRM_EXPORT_BOM 0x2u /**< start a UTF-8 CSV with a byte order mark (for Excel) */

#define CRM_EXPORT_OPTIONS_VERSION 1

/**
 * Options for crm_customer_export. Initialise with CRM_EXPORT_OPTIONS_INIT or
 * crm_export_options_init(); fields are only ever appended.
 */
typedef struct crm_export_options {
    unsigned int version;       /**< CRM_EXPORT_OPTIONS_VERSION */
    crm_data_format format;     /**< default CSV */
    crm_text_encoding encoding; /**< default UTF-8 */
    unsigned int flags;         /**< CRM_EXPORT_* */
    /**
     * Which customers, or NULL for all the actor sees: text fields "branch"
     * (that branch and its sub-branches), "manager" (login), "status"
     * (active, restricted), "province", "city", "risk_level", "gender".
     * Unknown fields are CRM_E_INVALID_ARG.
     */
    const crm_record *filter;
    const char *reason; /**< why; required with CRM_EXPORT_CLEAR, audited */
    crm_progress_fn progress;
    void *progress_payload;
} crm_export_options;

#define CRM_EXPORT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CRM_EXPORT_OPTIONS_VERSION, CRM_FORMAT_CSV, CRM_ENCODING_UTF8, 0, NULL, NULL, NULL, NULL   \
    }

/** Fills `opts` with the defaults of CRM_EXPORT_OPTIONS_INIT (for ctypes users). */
CRM_EXTERN(int) crm_export_options_init(crm_export_options *opts, unsigned int version);

/**
 * Writes the customers the actor sees (and `filter` selects) to `path`
 * (created with mode 0600, or truncated), ordered by customer_no, in the
 * import columns, so a clear export imports again. Money in yuan ("12.50").
 * CSV always has every column, ext.<name> ones included; JSON Lines objects
 * hold the fields that have values. Streams: memory does not grow with the
 * number of customers.
 *
 * Personal fields (id_number, phone, email, address, card_number) are
 * masked unless CRM_EXPORT_CLEAR is given, which needs the right to reveal
 * (admin, branch manager) and a reason. Every export is audited (action
 * "customer.export": row count, clear or masked, filter, reason). On
 * failure the partial file is removed. Admin, branch manager, marketer.
 *
 * @param out_rows  receives the number of customers written; may be NULL.
 * @return CRM_OK, CRM_E_PERMISSION, CRM_E_INVALID_ARG (bad filter, clear
 *         export without a reason), CRM_E_NOT_FOUND (filter branch), CRM_E_IO,
 *         the progress callback's stop code.
 */
CRM_EXTERN(int) crm_customer_export(int64_t *out_rows, crm_db *db, const char *path,
                                    const crm_export_options *opts);

/* ---------------------------------------------------------- reporting */

/**
 * The data-quality report over the customers the actor sees, as an
 * iterator of records with fields:
 *  - "kind": duplicate_phone (one phone under different ID numbers),
 *    duplicate_name_birth_date (same name and birth date), missing_contact
 *    (neither phone nor email), missing_id_number, missing_risk_level,
 *    risk_expired (assessment older than a year), invalid_value (a stored
 *    value that today's validation refuses, e.g. stored before a rule
 *    changed);
 *  - "customer_no": the customer, or for duplicates every customer of the
 *    group, comma-separated in customer_no order;
 *  - "customers" (int): how many customers the row concerns;
 *  - "detail": what is wrong, personal data masked.
 * Rows come grouped by kind in the order above. Any user who can read
 * customers; free with crm_iter_free.
 * @return CRM_OK, CRM_E_PERMISSION, CRM_E_INVALID_ARG.
 */
CRM_EXTERN(int) crm_customer_quality(crm_iter **out, crm_db *db);

/**
 * Customer statistics for reports over the customers the actor sees, as an
 * iterator of records, one per value of `dimension`:
 *  - "age_band": key <25, 25-34, 35-44, 45-54, 55-64, 65+ (in that order);
 *  - "gender", "province", "occupation", "risk_level", "branch" (key is the
 *    branch code; also "name"): ordered by customers, most first;
 *    each of these rows has customers (int), total_assets and annual_income
 *    (money, sums in fen);
 *  - "product_type": business-type preference from holdings: key is the
 *    product type, customers holding it (int), balance (money), ordered by
 *    balance;
 *  - "activity": keys active_30d, active_90d, active_365d (customers with a
 *    transaction in the last 30/90/365 days; each includes the shorter
 *    windows), dormant (none in 365 days); customers, total_assets (money),
 *    and for the active rows txn_count (int) and txn_amount (money) in the
 *    window.
 * Customers without a value for the dimension are counted in a row without
 * "key". Any user who can read customers; free with crm_iter_free.
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown dimension), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_customer_stats(crm_iter **out, crm_db *db, const char *dimension);

#ifdef __cplusplus
}
#endif
#endif /* CRM_DATAIO_H */
