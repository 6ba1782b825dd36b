/* crm keygen; crm key rotate-data | reencrypt | rotate-master */
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int cmd_keygen(cli_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    const cli_spec spec = {
        .command = "keygen",
        .synopsis = "[PATH]",
        .about = "Writes a new random 256-bit master key as 64 hex digits to PATH with mode 0600.\n"
                 "PATH defaults to the key file (--key-file, $CRM_KEY_FILE, else ./crm.key).\n"
                 "An existing file is never overwritten (exit 6). Keep a copy of the key outside\n"
                 "this machine: without it the personal data in the database cannot be read.",
        .max_args = 1,
        .args = &path,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (!path)
        path = ctx->key_file;
    int rc = crm_key_generate_file(path);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"key_file", path, NULL},
                      "wrote a new master key to %s (mode 0600)", path);
}

static int key_rotate_data(cli_ctx *ctx, int argc, char **argv)
{
    const cli_spec spec = {
        .command = "key rotate-data",
        .synopsis = "",
        .about = "Makes a fresh data key the active one: new values are encrypted under it, older\n"
                 "values stay readable until 'crm key reencrypt' moves them. Admin only; audited.",
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK)
        return status;
    int rc = crm_db_rotate_data_key(ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    return cli_report(ctx, (const char *[]){"data_key", "rotated", NULL},
                      "data key rotated; run 'crm key reencrypt' to move existing values to it");
}

/* Steps until nothing is left under a retired key; a step that leaves as
 * many values as before would loop for ever, so it ends the run. */
static int reencrypt_all(cli_ctx *ctx, int batch, int64_t *out_steps)
{
    bool progress = isatty(STDERR_FILENO);
    int64_t remaining = 0, before = INT64_MAX;
    int rc;
    *out_steps = 0;
    do {
        rc = crm_db_reencrypt_step(ctx->db, batch, &remaining);
        if (rc)
            break;
        ++*out_steps;
        if (progress)
            fprintf(stderr, "\rre-encrypting: %lld values left   ", (long long)remaining);
        if (remaining >= before) {
            if (progress)
                fputc('\n', stderr);
            return cli_error("re-encryption made no progress (%lld values left)",
                             (long long)remaining);
        }
        before = remaining;
    } while (remaining > 0);
    if (progress)
        fputc('\n', stderr);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int key_reencrypt(cli_ctx *ctx, int argc, char **argv)
{
    const char *batch_text = "1000";
    const cli_opt opts[] = {
        {"batch", "N", "values re-encrypted per transaction (default 1000)", &batch_text, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "key reencrypt",
        .synopsis = "[--batch N]",
        .about =
            "Re-encrypts every value still under a retired data key, N per transaction, until\n"
            "none is left; the retired keys are then destroyed. Progress goes to stderr when it\n"
            "is a terminal. Admin only.",
        .opts = opts,
    };
    int64_t batch, steps;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE ||
        (status = cli_parse_int(&batch, spec.command, "batch", batch_text)) != CLI_EXIT_OK)
        return status;
    if (batch < INT_MIN || batch > INT_MAX)
        return cli_usage_error(spec.command, "--batch: %lld is out of range", (long long)batch);
    if ((status = cli_open(ctx, 0, true)) != CLI_EXIT_OK ||
        (status = reencrypt_all(ctx, (int)batch, &steps)) != CLI_EXIT_OK)
        return status;
    crm_record *rec = NULL;
    int rc = crm_record_new(&rec);
    if (!rc)
        rc = crm_record_set_int(rec, "remaining", 0);
    if (!rc)
        rc = crm_record_set_int(rec, "steps", steps);
    status = rc ? cli_fail(ctx, rc)
                : cli_print_result(ctx, rec, "re-encryption complete after %lld step(s)",
                                   (long long)steps);
    crm_record_free(rec);
    return status;
}

static int rotate_master_with(cli_ctx *ctx, const char *new_key_file)
{
    unsigned char key[CRM_KEY_SIZE];
    int rc = crm_key_load_file(key, new_key_file);
    if (!rc)
        rc = crm_db_rotate_master_key(ctx->db, key);
    cli_wipe(key, sizeof key);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int key_rotate_master(cli_ctx *ctx, int argc, char **argv)
{
    const char *new_key_file = NULL;
    const cli_opt opts[] = {
        {"new-key-file", "PATH", "the new master key (make one with 'crm keygen PATH')",
         &new_key_file, true},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "key rotate-master",
        .synopsis = "--new-key-file PATH",
        .about = "Rewraps the database's keys under the master key in PATH, atomically. From then\n"
                 "on the database opens only with the new key: put it where --key-file points and\n"
                 "keep a copy outside this machine. Admin only; audited.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE || (status = cli_check_key_file(new_key_file)) != CLI_EXIT_OK ||
        (status = cli_open(ctx, 0, true)) != CLI_EXIT_OK ||
        (status = rotate_master_with(ctx, new_key_file)) != CLI_EXIT_OK)
        return status;
    return cli_report(ctx, (const char *[]){"new_key_file", new_key_file, NULL},
                      "master key rotated: the database now opens only with the key in %s",
                      new_key_file);
}

static const cli_command key_subcommands[] = {
    {"rotate-data", "make a fresh data key the active one", key_rotate_data},
    {"reencrypt", "move values under retired data keys to the active one", key_reencrypt},
    {"rotate-master", "rewrap the database's keys under a new master key", key_rotate_master},
    {NULL, NULL, NULL},
};

int cmd_key(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "key",
        "Key rotation. Personal data is encrypted under data keys that are wrapped by the\n"
        "master key in the key file; each can be replaced without downtime.",
        key_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
