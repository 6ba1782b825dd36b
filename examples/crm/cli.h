/*
 * The crm command-line tool: shared helpers for every command.
 *
 * A command is a function `int run(cli_ctx *ctx, int argc, char **argv)`
 * that returns the process exit status; argv[0] is the command's own name.
 * It declares its options and arguments in a cli_spec, calls cli_parse, then
 * calls the library and prints the result with cli_print_* or cli_report.
 * Failures go through cli_fail, which prints the library's message and maps
 * the code to an exit status. The tool is a thin shell: every rule lives in
 * libcrm.
 */
#ifndef CRM_CLI_H
#define CRM_CLI_H

#include <crm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define CLI_PRINTF(fmt, first)
#endif

/* Exit statuses (documented in `crm --help`). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INVALID = 3,
    CLI_EXIT_NOT_FOUND = 4,
    CLI_EXIT_PERMISSION = 5,
    CLI_EXIT_CONFLICT = 6
};

/* Returned by cli_parse when the command should go on running. */
#define CLI_CONTINUE (-1)

/* What the global options chose, and the database once opened. main()
 * closes the database after the command returns. */
typedef struct cli_ctx {
    const char *db_path;  /* --db, CRM_DB, ./crm.db */
    const char *key_file; /* --key-file, CRM_KEY_FILE, ./crm.key */
    const char *actor;    /* --as, CRM_USER, or NULL */
    bool json;            /* --json */
    crm_db *db;           /* set by cli_open */
} cli_ctx;

typedef int (*cli_run_fn)(cli_ctx *ctx, int argc, char **argv);

/* A command or a subcommand: one row of a dispatch table. */
typedef struct cli_command {
    const char *name;
    const char *summary; /* one line, lower case, no full stop */
    cli_run_fn run;
} cli_command;

/* A command with subcommands ("user", "audit"). `subs` ends with a row whose
 * name is NULL. */
typedef struct cli_group {
    const char *name;  /* "user" */
    const char *about; /* a paragraph for --help */
    const cli_command *subs;
} cli_group;

/* One --option. Flags (metavar NULL) store "1" in *value when given. */
typedef struct cli_opt {
    const char *name;    /* without the leading "--" */
    const char *metavar; /* "TEXT", or NULL for a flag */
    const char *help;
    const char **value; /* receives the option's value */
    bool required;
} cli_opt;

/* The command line of one (sub)command. */
typedef struct cli_spec {
    const char *command;  /* "user add": used in help and messages */
    const char *synopsis; /* what follows the command in the usage line */
    const char *about;    /* a paragraph for --help */
    const cli_opt *opts;  /* ends with a row whose name is NULL; or NULL */
    int min_args, max_args;
    const char **args; /* receives the positional arguments (max_args slots) */
} cli_spec;

/* ------------------------------------------------------------ cli.c */

/* Parses argv[1..] against `spec`; global options are accepted anywhere.
 * Returns CLI_CONTINUE, CLI_EXIT_OK after printing --help, or
 * CLI_EXIT_USAGE after printing the error to stderr. */
int cli_parse(cli_ctx *ctx, const cli_spec *spec, int argc, char **argv);

/* cli_parse, then on success cli_open as the acting user: returns
 * CLI_CONTINUE when the command should go on, else an exit status. */
int cli_parse_open(cli_ctx *ctx, const cli_spec *spec, int argc, char **argv);

/* Consumes a global option (--db, --key-file, --as, --json) at argv[*i].
 * Returns 1 when it was one, 0 when not, -1 on a missing value (printed). */
int cli_take_global(cli_ctx *ctx, const char *command, int argc, char **argv, int *i);

/* Runs the subcommand named by argv[1] (argv[0] is the group's name); handles
 * --help and unknown or missing subcommands. */
int cli_dispatch(cli_ctx *ctx, const cli_group *group, int argc, char **argv);

/* Prints the lines "  name   summary" for a dispatch table. */
void cli_print_commands(const cli_command *cmds);

/* The row of `cmds` named `name`, or NULL. */
const cli_command *cli_find_command(const cli_command *cmds, const char *name);

/* Prints "crm COMMAND: message" and a pointer to --help to stderr; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Prints "crm: message" to stderr; returns CLI_EXIT_ERROR. */
int cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Parses a whole decimal integer option value; a usage error otherwise. */
int cli_parse_int(int64_t *out, const char *command, const char *option, const char *text);

/* Parses an amount in yuan with up to two decimals ("1234.5", "-0.07") into
 * fen exactly, by integer arithmetic; a usage error naming the option
 * otherwise (also when it does not fit in int64). The sign is the caller's
 * to check. */
int cli_parse_yuan(int64_t *out_fen, const char *command, const char *option, const char *text);

/* The exit status for a libcrm result code. */
int cli_exit_code(int rc);

/* Prints "crm: <crm_errstr>: <detail>" for a failed libcrm call, the detail
 * coming from the handle or else the thread; returns cli_exit_code(rc). */
int cli_fail(const cli_ctx *ctx, int rc);

/* Refuses a key file that is missing or that group or others may access.
 * Returns an exit status (0 when fine), the problem printed. */
int cli_check_key_file(const char *path);

/* Opens ctx->db_path with ctx->key_file after checking the runtime library
 * version and the key file; then sets ctx->actor as the acting user when
 * `set_actor`. `flags` are CRM_OPEN_*. Returns an exit status. */
int cli_open(cli_ctx *ctx, unsigned int flags, bool set_actor);

/* Reads one line from stdin into `buf` without its line ending, prompting on
 * stderr and turning echo off when stdin is a terminal. Returns an exit
 * status. Wipe the buffer with cli_wipe after use. */
int cli_read_secret(char *buf, size_t size, const char *prompt);

/* Reads all of `path` ("-": standard input) into a new buffer (free with
 * free()), NUL-terminated, at most one byte past `max_len` (the library
 * refuses longer text with its own message). Returns an exit status; `what`
 * names the input in errors. */
int cli_read_text(char **out, size_t *out_len, const char *path, const char *what, size_t max_len);

/* The size limit of configuration and answer files (YAML). */
#define CLI_CONFIG_MAX (1u << 20)

/* Overwrites memory that held a secret. */
void cli_wipe(void *buf, size_t size);

/* ----------------------------------------------------- cli_output.c */

/* A table column: the record field shown and its heading. */
typedef struct cli_column {
    const char *field;
    const char *title;
} cli_column;

/* Prints every record of `it`: an aligned table of `cols` (ending with a row
 * whose field is NULL), or with --json an array of objects with every
 * field. Frees nothing. Returns an exit status. */
int cli_print_iter(cli_ctx *ctx, crm_iter *it, const cli_column *cols);

/* Prints one record as aligned "field: value" lines, or as a JSON object.
 * Returns an exit status. */
int cli_print_record(cli_ctx *ctx, const crm_record *rec);

/* Prints a record a library call just returned and frees it, or reports
 * the call's failure (rc) with cli_fail. Returns an exit status. */
int cli_print_fetched(cli_ctx *ctx, int rc, crm_record *rec);

/* The same for an iterator a list call filled in: printed (or the failure
 * reported), then freed. */
int cli_print_listed(cli_ctx *ctx, int rc, crm_iter *it, const cli_column *cols);

/* Prints a command's outcome: `rec` as a JSON object with --json, otherwise
 * the formatted message as one line. Returns an exit status. */
int cli_print_result(cli_ctx *ctx, const crm_record *rec, const char *fmt, ...) CLI_PRINTF(3, 4);

/* Like cli_print_result with a record of text fields given as name, value
 * pairs ending with a NULL name; NULL values are skipped. */
int cli_report(cli_ctx *ctx, const char *const *pairs, const char *fmt, ...) CLI_PRINTF(3, 4);

/* Sets the text fields of `rec` from name, value pairs ending with a NULL
 * name, skipping NULL values. Returns a libcrm code. */
int cli_record_set_texts(crm_record *rec, const char *const *pairs);

/* Columns on a terminal taken by UTF-8 text: CJK characters count two. */
size_t cli_display_width(const char *s);

/* ------------------------------------ commands: one cmd_<module>.c each */

int cmd_keygen(cli_ctx *ctx, int argc, char **argv);
int cmd_key(cli_ctx *ctx, int argc, char **argv);
int cmd_init(cli_ctx *ctx, int argc, char **argv);
int cmd_user(cli_ctx *ctx, int argc, char **argv);
int cmd_login(cli_ctx *ctx, int argc, char **argv);
int cmd_branch(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_mask(cli_ctx *ctx, int argc, char **argv);
int cmd_rule(cli_ctx *ctx, int argc, char **argv);
int cmd_version(cli_ctx *ctx, int argc, char **argv);
int cmd_product(cli_ctx *ctx, int argc, char **argv);
int cmd_segment(cli_ctx *ctx, int argc, char **argv);
int cmd_campaign(cli_ctx *ctx, int argc, char **argv); /* also cmd_lead */
int cmd_lead(cli_ctx *ctx, int argc, char **argv);
int cmd_tag(cli_ctx *ctx, int argc, char **argv);
int cmd_txn(cli_ctx *ctx, int argc, char **argv);
int cmd_holding(cli_ctx *ctx, int argc, char **argv);
/* 'crm customer view' (cmd_view.c), a row of cmd_customer's table. */
int cmd_customer_view(cli_ctx *ctx, int argc, char **argv);
/* 'crm customer search' (cmd_search.c), a row of cmd_customer's table. */
int cmd_customer_search(cli_ctx *ctx, int argc, char **argv);
int cmd_customer(cli_ctx *ctx, int argc, char **argv);
/* cmd_dataio.c: rows of cmd_customer's table (import, export, quality,
 * stats) and of cmd_txn's (import). */
int cmd_customer_import(cli_ctx *ctx, int argc, char **argv);
int cmd_customer_export(cli_ctx *ctx, int argc, char **argv);
int cmd_customer_quality(cli_ctx *ctx, int argc, char **argv);
int cmd_customer_stats(cli_ctx *ctx, int argc, char **argv);
int cmd_txn_import(cli_ctx *ctx, int argc, char **argv);
int cmd_holding_import(cli_ctx *ctx, int argc, char **argv);
int cmd_alert(cli_ctx *ctx, int argc, char **argv);
int cmd_complaint(cli_ctx *ctx, int argc, char **argv);
int cmd_kb(cli_ctx *ctx, int argc, char **argv);
int cmd_risk(cli_ctx *ctx, int argc, char **argv);
int cmd_analytics(cli_ctx *ctx, int argc, char **argv);
int cmd_report(cli_ctx *ctx, int argc, char **argv);
/* cmd_outreach.c: outbox, event, optout, care; cli_campaign_send is the
 * 'send' row of the campaign command's table. */
int cmd_outbox(cli_ctx *ctx, int argc, char **argv);
int cmd_event(cli_ctx *ctx, int argc, char **argv);
int cmd_optout(cli_ctx *ctx, int argc, char **argv);
int cmd_care(cli_ctx *ctx, int argc, char **argv);
int cli_campaign_send(cli_ctx *ctx, int argc, char **argv);

#endif /* CRM_CLI_H */
