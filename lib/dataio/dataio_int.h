/*
 * Internals of data import and export: decoding input (UTF-8 or GBK), the
 * streaming CSV and JSON Lines readers, the CSV/JSONL writer, conversion of
 * file cells to typed record fields, and the import engine shared by
 * customers and transactions.
 */
#ifndef CRMI_DATAIO_INT_H
#define CRMI_DATAIO_INT_H

#include "access/access_int.h"
#include "crm/dataio.h"

#include <iconv.h>

/* A record (CSV, possibly over several lines) or a JSON line may hold at
 * most this many bytes: what bounds the reader's memory. */
#define CRMI_RECORD_MAX ((size_t)1 << 20)
#define CRMI_FIELDS_MAX 1024
#define CRMI_CHUNK ((size_t)1 << 16)

/* Marks an input byte that is not valid in the file's encoding: 0xFF never
 * occurs in UTF-8, and it is followed by the offending byte (always >= 0x80,
 * so never a delimiter). Cells holding it are refused naming the byte. */
#define CRMI_BAD_BYTE 0xFF

/* --------------------------------------------------------------- source */

/* A file decoded to UTF-8 in chunks. */
typedef struct crmi_source {
    int fd;
    iconv_t cd; /* (iconv_t)-1: the file is UTF-8 */
    char raw[CRMI_CHUNK];
    size_t raw_len; /* undecoded bytes at raw[0..raw_len) */
    int64_t bytes;  /* bytes read from the file so far */
    bool eof, started;
    const char *label; /* for messages: the file's base name */
} crmi_source;

int crmi_source_open(crmi_source *s, crm_db *db, const char *path, const char *label,
                     crm_text_encoding enc);
/* Decodes up to `cap` (>= 8) bytes into `out`; *n is 0 only at the end. */
int crmi_source_read(crmi_source *s, crm_db *db, char *out, size_t cap, size_t *n);
void crmi_source_close(crmi_source *s);

/* ---------------------------------------------------------------- reader */

typedef enum crmi_cell_type {
    CRMI_CELL_NULL = 0, /* empty CSV cell, JSON null: absent */
    CRMI_CELL_TEXT,
    CRMI_CELL_NUMBER, /* JSON number, its literal text */
    CRMI_CELL_BOOL    /* JSON true/false as "1"/"0" */
} crmi_cell_type;

typedef struct crmi_cell {
    const char *name;
    const char *value; /* NUL-terminated UTF-8; NULL for CRMI_CELL_NULL */
    crmi_cell_type type;
} crmi_cell;

/* One record of the file; everything borrowed until the next read. */
typedef struct crmi_row {
    int64_t line; /* physical line where the record starts */
    size_t n;
    const crmi_cell *cells;
    const char *bad_reason; /* non-NULL: the row is malformed */
    const char *bad_column; /* the cell at fault, or NULL for the whole row */
} crmi_row;

typedef struct crmi_reader crmi_reader;

/* Opens `path`; for CSV also reads the header (a malformed header is
 * CRM_E_INVALID_DATA naming line 1). */
int crmi_reader_open(crmi_reader **out, crm_db *db, const char *path, crm_data_format format,
                     crm_text_encoding enc);
/* The next record: CRM_OK, CRM_ITER_DONE, or an I/O or memory error. */
int crmi_reader_next(crmi_reader *r, crmi_row *row);
/* CSV header names (0 of them for JSON Lines). */
size_t crmi_reader_header(const crmi_reader *r, const char *const **names);
int64_t crmi_reader_bytes(const crmi_reader *r);
/* The file's base name, for messages. */
const char *crmi_reader_label(const crmi_reader *r);
void crmi_reader_close(crmi_reader *r);

/* Format-specific parsing of the record at the reader's position (csv.c,
 * jsonl.c), over the reader state declared in reader.c. */
typedef enum crmi_parse {
    CRMI_PARSE_DONE, /* a record; *used bytes, *lines line breaks */
    CRMI_PARSE_MORE, /* the buffer ends inside the record: read more */
    CRMI_PARSE_BAD,  /* malformed: reason set; resume at the next line */
    CRMI_PARSE_SKIP, /* a blank line: nothing to return */
    CRMI_PARSE_END   /* no more input */
} crmi_parse;

typedef struct crmi_scan {
    const char *p, *end; /* the unconsumed text */
    bool eof;            /* no more input after `end` */
} crmi_scan;

/* What a parser fills: cell texts and names, or the reason it failed. */
typedef struct crmi_fields {
    char *text; /* NUL-separated cell values (and JSON keys) */
    size_t len, cap;
    size_t *value_at, *name_at; /* offsets into text; SIZE_MAX: none */
    crmi_cell_type *types;
    size_t n, cap_n;
    char reason[256];
    size_t bad_field; /* the field at fault, or SIZE_MAX */
    bool failed;      /* out of memory */
} crmi_fields;

crmi_parse crmi_csv_parse(const crmi_scan *s, crmi_fields *f, size_t *used, int64_t *lines);
crmi_parse crmi_jsonl_parse(const crmi_scan *s, crmi_fields *f, size_t *used, int64_t *lines);

/* Field building shared by the parsers: add an entry, then open its name
 * or its value, append text, close. */
void crmi_fields_reset(crmi_fields *f);
bool crmi_fields_add(crmi_fields *f); /* false past CRMI_FIELDS_MAX */
void crmi_fields_open(crmi_fields *f, bool is_name, crmi_cell_type type);
void crmi_fields_putc(crmi_fields *f, char c);
void crmi_fields_put(crmi_fields *f, const char *s, size_t n);
void crmi_fields_close(crmi_fields *f);
crmi_parse crmi_fields_bad(crmi_fields *f, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- writer */

typedef struct crmi_writer crmi_writer;

/* Creates (mode 0600) or truncates `path`; `bom` starts UTF-8 text with a
 * byte order mark. */
int crmi_writer_open(crmi_writer **out, crm_db *db, const char *path, crm_text_encoding enc,
                     bool bom);
void crmi_writer_put(crmi_writer *w, const char *s, size_t n);
/* One CSV field, quoted when it holds a comma, quote, CR or LF. */
void crmi_writer_csv_field(crmi_writer *w, const char *s, bool first);
/* Ends a CSV record (CRLF) or a JSON line (LF), flushing a full buffer. */
void crmi_writer_end_record(crmi_writer *w, bool crlf);
/* Writes out what is buffered; returns the first error so far. */
int crmi_writer_flush(crmi_writer *w);
int64_t crmi_writer_bytes(const crmi_writer *w);
/* Flushes and closes; with keep false (or after a failure) removes a
 * regular file it wrote. Returns the first error. NULL is fine. */
int crmi_writer_close(crmi_writer *w, bool keep);

/* ------------------------------------------------------------ conversion */

typedef enum crmi_col_kind {
    CRMI_COL_TEXT,
    CRMI_COL_DATE,  /* YYYY-MM-DD, YYYY/M/D */
    CRMI_COL_TIME,  /* ISO-8601 text or a date, passed on */
    CRMI_COL_MONEY, /* yuan -> fen */
    CRMI_COL_FLAG,  /* 0/1 and words */
    CRMI_COL_GENDER /* M/F, 男/女 */
} crmi_col_kind;

typedef struct crmi_column {
    const char *name;
    crmi_col_kind kind;
} crmi_column;

typedef struct crmi_columns {
    const crmi_column *cols;
    size_t n;
    bool ext; /* ext.<name> columns are text */
} crmi_columns;

extern const crmi_columns crmi_customer_columns;
extern const crmi_columns crmi_txn_columns;
extern const crmi_columns crmi_holding_columns;

/* The column named `name`, or NULL when the set has none. */
const crmi_column *crmi_column_find(const crmi_columns *set, const char *name);

/* Puts one cell into `rec` typed for its column; CRM_E_INVALID_DATA with
 * the reason in `why`, or CRM_E_NOMEM. */
int crmi_cell_put(crm_record *rec, const crmi_column *col, const crmi_cell *cell, char *why,
                  size_t why_size);

/* Yuan with at most two decimals ("12345.67", "-3", "0.5") to fen, exactly. */
bool crmi_money_parse(int64_t *out_fen, const char *text, char *why, size_t why_size);
/* Fen as yuan with two decimals ("12345.67", "-0.05"); out: 32 bytes. */
void crmi_money_format(char *out, int64_t fen);

/* --------------------------------------------------------- import engine */

typedef enum crmi_import_outcome {
    CRMI_IMPORT_INSERTED,
    CRMI_IMPORT_UPDATED,
    CRMI_IMPORT_SKIPPED
} crmi_import_outcome;

struct crmi_import;

/* What differs between importing customers and transactions. */
typedef struct crmi_import_kind {
    const char *audit_action; /* "customer.import" */
    crmi_op op;
    const crmi_columns *columns;
    /* Validates and stores one row; row-level failures return
     * CRM_E_INVALID_DATA, _CONFLICT, _NOT_FOUND or _PERMISSION with the
     * message on the handle, anything else stops the import. */
    int (*store)(struct crmi_import *x, const crm_record *rec, crmi_import_outcome *outcome);
} crmi_import_kind;

typedef struct crmi_import {
    crm_db *db;
    const crmi_import_kind *kind;
    crm_import_options opts;
    crmi_reader *reader;
    const crmi_column **header_cols; /* CSV: the column of each header field */
    crmi_writer *errors;
    crm_import_stats stats;
    int64_t pending[3]; /* outcomes in the open batch, by crmi_import_outcome */
    int64_t batch_rows;
    bool in_txn;
    bool stopped; /* the progress callback asked to stop */
    int first_code;
    char first_msg[512];
    int64_t start_max_id; /* customers with a larger id came from this import */
} crmi_import;

int crmi_import_run(crm_import_stats *stats, crm_db *db, const char *path,
                    const crm_import_options *opts, const crmi_import_kind *kind);

/* The stop code of a progress callback's non-zero return. */
int crmi_progress_stop(crm_db *db, int value, int64_t rows, const char *what);

#endif /* CRMI_DATAIO_INT_H */
