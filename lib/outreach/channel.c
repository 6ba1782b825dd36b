/* Delivery channels: the host registers a callback per channel name on a
 * handle; the built-in spool channel writes each message as one file. */
#include "outreach/outreach_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char channels_key = 0;

static void channels_free(void *p)
{
    crmi_channels *c = p;
    for (int i = 0; i < 3; i++)
        crm_free(c->spool_dir[i]);
    crm_free(c);
}

crmi_channels *crmi_channels_of(crm_db *db, bool create)
{
    crmi_channels *c = crmi_db_slot(db, &channels_key);
    if (c || !create)
        return c;
    if (!(c = crmi_calloc(1, sizeof *c))) {
        crmi_error(db, CRM_E_NOMEM, "channel: out of memory");
        return NULL;
    }
    if (crmi_db_slot_set(db, &channels_key, c, channels_free) != CRM_OK) {
        crm_free(c);
        return NULL;
    }
    return c;
}

static int channel_arg(crm_db *db, const char *channel)
{
    int i = crmi_channel_index(channel);
    if (i < 0)
        crmi_error(db, CRM_E_INVALID_ARG, "channel: '%s' is not sms, email or phone",
                   channel ? channel : "(null)");
    return i;
}

CRM_EXTERN(int)
crm_channel_register(crm_db *db, const char *channel, crm_channel_fn fn, void *payload)
{
    if (!db)
        return crmi_error(NULL, CRM_E_INVALID_ARG, "channel: NULL handle");
    crmi_error_clear(db);
    int i = channel_arg(db, channel);
    crmi_channels *c = i < 0 ? NULL : crmi_channels_of(db, true);
    if (!c)
        return db->errcode;
    crm_free(c->spool_dir[i]);
    c->spool_dir[i] = NULL;
    c->fn[i] = fn;
    c->payload[i] = payload;
    return CRM_OK;
}

/* ------------------------------------------------------------ spool files */

/* The file name is the idempotency key with every byte outside
 * [A-Za-z0-9._-] replaced by '_', plus ".msg": a redelivered message
 * replaces its own file. */
static void spool_name(char *buf, size_t size, const char *key)
{
    size_t n = 0;
    for (; key[n] && n + 5 < size; n++) {
        char ch = key[n];
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        buf[n] = keep ? ch : '_';
    }
    snprintf(buf + n, size - n, ".msg");
}

static void spool_header(FILE *f, const char *name, const crm_record *msg)
{
    const char *v = crmi_or_text(msg, name);
    if (v)
        fprintf(f, "%s: %s\n", name, v);
}

/* Written to a temporary file, then renamed over the final name, so a
 * reader never sees half a message, even when the process dies. */
static int spool_write(const char *dir, const crm_record *msg)
{
    const char *key = crmi_or_text(msg, "idem_key");
    const char *body = crmi_or_text(msg, "body");
    if (!key || !body)
        return CRM_CHANNEL_FAIL;
    char name[512], path[4096], tmp[4200];
    spool_name(name, sizeof name, key);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%s", dir, (long)getpid(), name);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return errno == ENOSPC || errno == EMFILE || errno == ENFILE ? CRM_CHANNEL_RETRY
                                                                     : CRM_CHANNEL_FAIL;
    static const char *const headers[] = {"idem_key", "channel",  "customer_no",
                                          "campaign", "occasion", "subject"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        spool_header(f, headers[i], msg);
    fprintf(f, "\n%s\n", body);
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return CRM_CHANNEL_RETRY;
    }
    return CRM_CHANNEL_OK;
}

static int spool_send(const crm_record *msg, void *payload)
{
    return spool_write(payload, msg);
}

CRM_EXTERN(int) crm_channel_register_spool(crm_db *db, const char *channel, const char *dir)
{
    if (!db || !dir)
        return crmi_error(db, CRM_E_INVALID_ARG, "channel spool: NULL argument");
    crmi_error_clear(db);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return crmi_error(db, CRM_E_IO, "channel spool: '%s' is not a directory", dir);
    int i = channel_arg(db, channel);
    crmi_channels *c = i < 0 ? NULL : crmi_channels_of(db, true);
    char *copy = c ? crmi_strdup(dir) : NULL;
    if (!copy)
        return c ? crmi_error(db, CRM_E_NOMEM, "channel spool: out of memory") : db->errcode;
    crm_free(c->spool_dir[i]);
    c->spool_dir[i] = copy;
    c->fn[i] = spool_send;
    c->payload[i] = copy;
    return CRM_OK;
}
