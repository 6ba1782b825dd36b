/* Shared helpers of the crm tool: option parsing, help, dispatch, errors and
 * exit statuses, opening the database, reading secrets. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static const char globals_note[] =
    "Global options (--db, --key-file, --as, --json) work here too; see 'crm --help'.\n";

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* ------------------------------------------------------------- messages */

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *space = *command ? " " : "";
    fprintf(stderr, "crm%s%s: ", space, command);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'crm%s%s --help' for usage.\n", space, command);
    return CLI_EXIT_USAGE;
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_ERROR;
}

int cli_exit_code(int rc)
{
    switch (rc) {
    case CRM_OK:
        return CLI_EXIT_OK;
    case CRM_E_INVALID_ARG:
    case CRM_E_INVALID_DATA:
        return CLI_EXIT_INVALID;
    case CRM_E_NOT_FOUND:
        return CLI_EXIT_NOT_FOUND;
    case CRM_E_PERMISSION:
    case CRM_E_LOCKED:
        return CLI_EXIT_PERMISSION;
    case CRM_E_CONFLICT:
    case CRM_E_STATE: /* already done, or not in the state the call needs */
        return CLI_EXIT_CONFLICT;
    default:
        return CLI_EXIT_ERROR;
    }
}

int cli_fail(const cli_ctx *ctx, int rc)
{
    const char *detail = (ctx && ctx->db) ? crm_db_errmsg(ctx->db) : "";
    if (!*detail)
        detail = crm_last_errmsg();
    if (*detail)
        fprintf(stderr, "crm: %s: %s\n", crm_errstr(rc), detail);
    else
        fprintf(stderr, "crm: %s\n", crm_errstr(rc));
    return cli_exit_code(rc);
}

int cli_parse_int(int64_t *out, const char *command, const char *option, const char *text)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return cli_usage_error(command, "--%s: '%s' is not a whole number", option, text);
    *out = value;
    return CLI_EXIT_OK;
}

/* "[-+]DIGITS[.D[D]]" yuan as fen, by integer arithmetic only; false on any
 * other text or when the amount does not fit in int64. */
static bool yuan_to_fen(int64_t *out, const char *text)
{
    const char *p = text;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    const uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t fen = 0;
    int digits = 0, decimals = -1; /* -1 until the decimal point */
    for (; *p; p++) {
        if (*p == '.' && decimals < 0 && digits > 0) {
            decimals = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || decimals == 2)
            return false;
        uint64_t digit = (uint64_t)(*p - '0');
        if (fen > (limit - digit) / 10)
            return false;
        fen = fen * 10 + digit;
        digits++;
        decimals += decimals >= 0;
    }
    if (digits == 0 || decimals == 0)
        return false;
    for (int d = decimals < 0 ? 0 : decimals; d < 2; d++) {
        if (fen > limit / 10)
            return false;
        fen *= 10;
    }
    *out = (negative && fen) ? -(int64_t)(fen - 1) - 1 : (int64_t)fen;
    return true;
}

int cli_parse_yuan(int64_t *out_fen, const char *command, const char *option, const char *text)
{
    if (!yuan_to_fen(out_fen, text))
        return cli_usage_error(command, "--%s: '%s' is not yuan with up to two decimals (1234.56)",
                               option, text);
    return CLI_EXIT_OK;
}

/* -------------------------------------------------------------- options */

/* Matches "--name" or "--name=value" at argv[*i]. A value-taking option
 * without "=" takes the next argument, whatever it looks like. Returns 1 on
 * a match, 0 when argv[*i] is another option, -1 on a missing value. */
static int take_option(const char *command, const cli_opt *opt, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    size_t len = strlen(opt->name);
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, opt->name, len) != 0)
        return 0;
    const char *rest = arg + 2 + len;
    if (*rest != '\0' && *rest != '=')
        return 0;
    if (!opt->metavar) {
        if (*rest == '=') {
            cli_usage_error(command, "--%s takes no value", opt->name);
            return -1;
        }
        *opt->value = "1";
        return 1;
    }
    if (*rest == '=') {
        *opt->value = rest + 1;
        return 1;
    }
    if (*i + 1 >= argc) {
        cli_usage_error(command, "--%s needs a value (%s)", opt->name, opt->metavar);
        return -1;
    }
    *opt->value = argv[++*i];
    return 1;
}

static int take_any(const char *command, const cli_opt *opts, int argc, char **argv, int *i)
{
    for (const cli_opt *opt = opts; opt && opt->name; opt++) {
        int taken = take_option(command, opt, argc, argv, i);
        if (taken)
            return taken;
    }
    return 0;
}

int cli_parse_open(cli_ctx *ctx, const cli_spec *spec, int argc, char **argv)
{
    int status = cli_parse(ctx, spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    status = cli_open(ctx, 0, true);
    return status ? status : CLI_CONTINUE;
}

int cli_take_global(cli_ctx *ctx, const char *command, int argc, char **argv, int *i)
{
    const char *json = NULL;
    const cli_opt globals[] = {
        {"db", "PATH", NULL, &ctx->db_path, false},
        {"key-file", "PATH", NULL, &ctx->key_file, false},
        {"as", "USER", NULL, &ctx->actor, false},
        {"json", NULL, NULL, &json, false},
        {NULL, NULL, NULL, NULL, false},
    };
    int taken = take_any(command, globals, argc, argv, i);
    if (json)
        ctx->json = true;
    return taken;
}

static void print_option_help(const cli_opt *opts)
{
    int width = (int)strlen("--help");
    for (const cli_opt *opt = opts; opt && opt->name; opt++) {
        int w = 2 + (int)strlen(opt->name) + (opt->metavar ? 1 + (int)strlen(opt->metavar) : 0);
        width = w > width ? w : width;
    }
    for (const cli_opt *opt = opts; opt && opt->name; opt++) {
        int w = printf("  --%s%s%s", opt->name, opt->metavar ? " " : "",
                       opt->metavar ? opt->metavar : "");
        printf("%*s  %s%s\n", width + 2 - w, "", opt->help, opt->required ? " (required)" : "");
    }
    printf("  %-*s  show this help\n", width, "--help");
}

static void print_spec_help(const cli_spec *spec)
{
    printf("Usage: crm %s%s%s\n\n%s\n\nOptions:\n", spec->command, *spec->synopsis ? " " : "",
           spec->synopsis, spec->about);
    print_option_help(spec->opts);
    printf("\n%s", globals_note);
}

static int check_complete(const cli_spec *spec, int nargs)
{
    if (nargs < spec->min_args)
        return cli_usage_error(spec->command, "missing argument (usage: crm %s %s)", spec->command,
                               spec->synopsis);
    for (const cli_opt *opt = spec->opts; opt && opt->name; opt++)
        if (opt->required && !*opt->value)
            return cli_usage_error(spec->command, "option --%s is required", opt->name);
    return CLI_CONTINUE;
}

int cli_parse(cli_ctx *ctx, const cli_spec *spec, int argc, char **argv)
{
    int nargs = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && is_help(arg)) {
            print_spec_help(spec);
            return CLI_EXIT_OK;
        }
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            int taken = take_any(spec->command, spec->opts, argc, argv, &i);
            if (!taken)
                taken = cli_take_global(ctx, spec->command, argc, argv, &i);
            if (taken < 0)
                return CLI_EXIT_USAGE;
            if (!taken)
                return cli_usage_error(spec->command, "unknown option %s", arg);
        } else if (nargs < spec->max_args) {
            spec->args[nargs++] = arg;
        } else {
            return cli_usage_error(spec->command, "unexpected argument '%s'", arg);
        }
    }
    return check_complete(spec, nargs);
}

/* ------------------------------------------------------------- dispatch */

const cli_command *cli_find_command(const cli_command *cmds, const char *name)
{
    for (const cli_command *cmd = cmds; cmd->name; cmd++)
        if (strcmp(cmd->name, name) == 0)
            return cmd;
    return NULL;
}

void cli_print_commands(const cli_command *cmds)
{
    int width = 0;
    for (const cli_command *cmd = cmds; cmd->name; cmd++)
        width = (int)strlen(cmd->name) > width ? (int)strlen(cmd->name) : width;
    for (const cli_command *cmd = cmds; cmd->name; cmd++)
        printf("  %-*s  %s\n", width, cmd->name, cmd->summary);
}

static void print_group_help(const cli_group *group)
{
    printf("Usage: crm %s SUBCOMMAND [options]\n\n%s\n\nSubcommands:\n", group->name, group->about);
    cli_print_commands(group->subs);
    printf("\nRun 'crm %s SUBCOMMAND --help' for a subcommand's options.\n%s", group->name,
           globals_note);
}

int cli_dispatch(cli_ctx *ctx, const cli_group *group, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && !is_help(argv[i]); i++) {
        int taken = cli_take_global(ctx, group->name, argc, argv, &i);
        if (taken < 0)
            return CLI_EXIT_USAGE;
        if (!taken)
            return cli_usage_error(group->name, "unknown option %s", argv[i]);
    }
    if (i >= argc)
        return cli_usage_error(group->name, "missing subcommand");
    if (is_help(argv[i])) {
        print_group_help(group);
        return CLI_EXIT_OK;
    }
    const cli_command *sub = cli_find_command(group->subs, argv[i]);
    if (!sub)
        return cli_usage_error(group->name, "unknown subcommand '%s'", argv[i]);
    return sub->run(ctx, argc - i, argv + i);
}

/* ------------------------------------------------------------- database */

int cli_check_key_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return cli_error("key file %s does not exist; create one with 'crm keygen' or "
                             "give --key-file",
                             path);
        return cli_error("key file %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return cli_error("key file %s is not a regular file", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return cli_error("key file %s is accessible by group or others (mode %04o); "
                         "run 'chmod 600 %s'",
                         path, (unsigned int)(st.st_mode & 07777), path);
    return CLI_EXIT_OK;
}

int cli_open(cli_ctx *ctx, unsigned int flags, bool set_actor)
{
    int rc = crm_version_check(CRM_VERSION_NUMBER);
    if (rc)
        return cli_fail(ctx, rc);
    int status = cli_check_key_file(ctx->key_file);
    if (status)
        return status;
    crm_db_options opts = CRM_DB_OPTIONS_INIT;
    opts.flags = flags;
    opts.key_file = ctx->key_file;
    rc = crm_db_open(&ctx->db, ctx->db_path, &opts);
    if (rc)
        return cli_fail(ctx, rc);
    if (set_actor && ctx->actor) {
        rc = crm_db_set_actor(ctx->db, ctx->actor);
        if (rc)
            return cli_fail(ctx, rc);
    }
    return CLI_EXIT_OK;
}

/* -------------------------------------------------------------- secrets */

void cli_wipe(void *buf, size_t size)
{
    volatile unsigned char *p = buf;
    while (size--)
        *p++ = 0;
}

static char *read_line_quietly(char *buf, size_t size, const char *prompt)
{
    struct termios saved, quiet;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) != 0)
        return fgets(buf, (int)size, stdin);
    fputs(prompt, stderr);
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    char *line = fgets(buf, (int)size, stdin);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fputc('\n', stderr);
    return line;
}

int cli_read_secret(char *buf, size_t size, const char *prompt)
{
    if (size > INT_MAX)
        size = INT_MAX;
    if (!read_line_quietly(buf, size, prompt))
        return cli_error("no password on standard input");
    size_t len = strcspn(buf, "\r\n");
    if (buf[len] == '\0' && len == size - 1 && !feof(stdin)) {
        cli_wipe(buf, size);
        return cli_error("password line too long");
    }
    buf[len] = '\0';
    return CLI_EXIT_OK;
}

int cli_read_text(char **out, size_t *out_len, const char *path, const char *what, size_t max_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return cli_error("%s %s: %s", what, path, strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    while (buf && len <= max_len) {
        if (len == cap) {
            char *grown = realloc(buf, cap * 2 + 1);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf)
        return cli_error("%s %s: out of memory", what, path);
    if (failed) {
        free(buf);
        return cli_error("%s %s: read error", what, path);
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return CLI_EXIT_OK;
}
