/* The audit log: append-only (triggers refuse UPDATE and DELETE), each entry
 * chained to the previous by HMAC-SHA256 under a key derived from the root
 * secret, so whoever can write the file still cannot forge a consistent
 * chain. */
#include "access/access_int.h"
#include "security/keyring_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CHAIN_LABEL[] = "libcrm audit entry v1";

/* One entry's fields, as stored. */
typedef struct entry_fields {
    int64_t seq, at;
    const char *text[7]; /* actor, action, entity, entity_id, reason, before, after */
} entry_fields;

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/* Canonical form: label, previous MAC, seq and time as 8-byte big-endian,
 * then each text as a 4-byte length (0xFFFFFFFF for NULL) and its bytes. */
static int chain_mac(crm_db *db, unsigned char out[CRMI_MAC_SIZE],
                     const unsigned char prev[CRMI_MAC_SIZE], const entry_fields *e)
{
    enum { NTEXT = 7, NPARTS = 3 + 2 * NTEXT };
    unsigned char numbers[16], lengths[NTEXT][4];
    const void *parts[NPARTS];
    size_t lens[NPARTS], n = 0;
    put_be64(numbers, (uint64_t)e->seq);
    put_be64(numbers + 8, (uint64_t)e->at);
    parts[n] = CHAIN_LABEL, lens[n++] = sizeof CHAIN_LABEL;
    parts[n] = prev, lens[n++] = CRMI_MAC_SIZE;
    parts[n] = numbers, lens[n++] = sizeof numbers;
    for (int i = 0; i < NTEXT; i++) {
        uint32_t len = e->text[i] ? (uint32_t)strlen(e->text[i]) : UINT32_MAX;
        for (int b = 0; b < 4; b++)
            lengths[i][b] = (unsigned char)(len >> (24 - 8 * b));
        parts[n] = lengths[i], lens[n++] = 4;
        parts[n] = e->text[i] ? e->text[i] : "", lens[n++] = e->text[i] ? len : 0;
    }
    if (crmi_mac_parts(db->keys->audit_mac, out, parts, lens, n) != CRM_OK)
        return crmi_error(db, CRM_E_INTERNAL, "audit MAC failed");
    return CRM_OK;
}

static const char SQL_HEAD[] = "SELECT seq, mac FROM crm_audit ORDER BY seq DESC LIMIT 1";
static const char SQL_APPEND[] =
    "INSERT INTO crm_audit (seq, at, actor, action, entity, entity_id, reason, before, after, mac)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* The last entry's sequence number and MAC (0 and zeros when empty). */
static int chain_head(crm_db *db, int64_t *seq, unsigned char mac[CRMI_MAC_SIZE])
{
    struct crmi_keyring *k = db->keys;
    if (db->txn_level > 0 && k->head_seq > 0 && k->head_serial == db->txn_serial &&
        k->head_rollbacks == db->txn_rollbacks) {
        *seq = k->head_seq; /* we hold the write lock: our last append is the head */
        memcpy(mac, k->head_mac, CRMI_MAC_SIZE);
        return CRM_OK;
    }
    sqlite3_stmt *st = crmi_stmt(db, SQL_HEAD);
    if (!st)
        return db->errcode;
    int step = crmi_step(st);
    *seq = 0;
    memset(mac, 0, CRMI_MAC_SIZE);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CRMI_MAC_SIZE) {
        *seq = sqlite3_column_int64(st, 0);
        memcpy(mac, sqlite3_column_blob(st, 1), CRMI_MAC_SIZE);
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return crmi_sqlite_error(db, step, "read audit head");
    return CRM_OK;
}

int crmi_audit_append(crm_db *db, const crmi_audit_entry *in)
{
    if (db->txn_level == 0)
        return crmi_error(db, CRM_E_INTERNAL, "audit append outside a transaction");
    unsigned char prev[CRMI_MAC_SIZE], mac[CRMI_MAC_SIZE];
    entry_fields e = {.at = crm_db_now(db),
                      .text = {crmi_actor_name(db), in->action, in->entity, in->entity_id,
                               in->reason, in->before, in->after}};
    int rc = chain_head(db, &e.seq, prev);
    e.seq++;
    if (!rc)
        rc = chain_mac(db, mac, prev, &e);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_APPEND);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, e.seq);
    sqlite3_bind_int64(st, 2, e.at);
    for (int i = 0; i < 7; i++)
        crmi_bind_text(st, 3 + i, e.text[i]);
    crmi_bind_blob(st, 10, mac, sizeof mac);
    rc = crmi_exec_stmt(db, st, "append audit entry");
    struct crmi_keyring *k = db->keys;
    k->head_seq = rc ? 0 : e.seq;
    memcpy(k->head_mac, mac, CRMI_MAC_SIZE);
    k->head_serial = db->txn_serial;
    k->head_rollbacks = db->txn_rollbacks;
    return rc;
}

/* ------------------------------------------------------------------ list */

static const char SQL_LIST[] =
    "SELECT seq, strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS time, actor, action, entity,"
    " entity_id, reason, before, after, lower(hex(mac)) AS mac FROM crm_audit"
    " WHERE seq > ?1 AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3)"
    " AND (?4 IS NULL OR entity = ?4) AND (?5 IS NULL OR entity_id = ?5)"
    " AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL OR at < ?7)"
    " ORDER BY seq LIMIT ?8";

static int bind_text_filter(crm_db *db, sqlite3_stmt *st, int idx, const crm_record *filter,
                            const char *name)
{
    const char *value = NULL;
    if (crm_record_type(filter, name) == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_get_text(&value, filter, name) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "audit filter %s: expected text", name);
    crmi_bind_text(st, idx, value);
    return CRM_OK;
}

static int bind_time_filter(crm_db *db, sqlite3_stmt *st, int idx, const crm_record *filter,
                            const char *name)
{
    const char *value = NULL;
    int64_t epoch;
    if (crm_record_type(filter, name) == CRM_TYPE_NULL)
        return CRM_OK;
    if (crm_record_get_text(&value, filter, name) != CRM_OK ||
        crm_time_parse(&epoch, value) != CRM_OK)
        return crmi_error(db, CRM_E_INVALID_ARG, "audit filter %s: expected ISO-8601 time", name);
    sqlite3_bind_int64(st, idx, epoch);
    return CRM_OK;
}

static int bind_int_filter(crm_db *db, sqlite3_stmt *st, int idx, const crm_record *filter,
                           const char *name, int64_t fallback)
{
    int64_t value = fallback;
    if (crm_record_type(filter, name) != CRM_TYPE_NULL &&
        (crm_record_get_int(&value, filter, name) != CRM_OK || value < 0))
        return crmi_error(db, CRM_E_INVALID_ARG, "audit filter %s: expected an integer >= 0",
                          name);
    sqlite3_bind_int64(st, idx, value);
    return CRM_OK;
}

static int bind_filters(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    static const char *const known[] = {"after_seq", "actor", "action", "entity", "entity_id",
                                        "since", "until", "limit"};
    for (size_t i = 0; filter && i < crm_record_count(filter); i++) {
        const char *name = crm_record_field_name(filter, i);
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k], name) != 0)
            k++;
        if (k == sizeof known / sizeof known[0])
            return crmi_error(db, CRM_E_INVALID_ARG, "audit filter: unknown field %s", name);
    }
    int rc = bind_int_filter(db, st, 1, filter, "after_seq", 0);
    const char *texts[] = {"actor", "action", "entity", "entity_id"};
    for (int i = 0; !rc && i < 4; i++)
        rc = bind_text_filter(db, st, 2 + i, filter, texts[i]);
    if (!rc)
        rc = bind_time_filter(db, st, 6, filter, "since");
    if (!rc)
        rc = bind_time_filter(db, st, 7, filter, "until");
    if (!rc)
        rc = bind_int_filter(db, st, 8, filter, "limit", INT64_MAX);
    return rc;
}

CRM_EXTERN(int) crm_audit_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "audit list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_AUDIT_READ);
    if (rc)
        return rc;
    sqlite3_stmt *st = crmi_prepare(db, SQL_LIST);
    if (!st)
        return db->errcode;
    rc = bind_filters(db, st, filter);
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- verify */

static const char SQL_WALK[] =
    "SELECT seq, at, actor, action, entity, entity_id, reason, before, after, mac"
    " FROM crm_audit ORDER BY seq";
static const char SQL_TRIGGERS[] =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
    " AND name IN ('crm_audit_no_update', 'crm_audit_no_delete')";

typedef struct checkpoint {
    int64_t seq;
    unsigned char mac[CRMI_MAC_SIZE];
    bool seen;
} checkpoint;

static int parse_checkpoint(crm_db *db, checkpoint *cp, const char *text)
{
    const char *colon = strchr(text, ':');
    char *end = NULL;
    long long seq = colon ? strtoll(text, &end, 10) : 0;
    if (!colon || end != colon || seq <= 0 ||
        !crmi_hex_decode(cp->mac, CRMI_MAC_SIZE, colon + 1, strlen(colon + 1)))
        return crmi_error(db, CRM_E_INVALID_ARG, "checkpoint '%.80s': expected SEQ:64-hex-MAC",
                          text);
    cp->seq = seq;
    return CRM_OK;
}

static int triggers_present(crm_db *db)
{
    int64_t count;
    int rc = crmi_query_int64(db, SQL_TRIGGERS, &count);
    if (rc)
        return rc;
    return count == 2 ? CRM_OK
                      : crmi_error(db, CRM_E_CORRUPT, "audit log triggers were removed: the log "
                                                      "is no longer append-only");
}

/* Checks one stored entry against the running chain; advances it. */
static int verify_entry(crm_db *db, sqlite3_stmt *st, int64_t expected_seq,
                        unsigned char prev[CRMI_MAC_SIZE], checkpoint *cp)
{
    entry_fields e = {.seq = sqlite3_column_int64(st, 0), .at = sqlite3_column_int64(st, 1)};
    for (int i = 0; i < 7; i++)
        e.text[i] = (const char *)sqlite3_column_text(st, 2 + i);
    if (e.seq != expected_seq)
        return crmi_error(db, CRM_E_CORRUPT, "audit chain broken at entry %lld: entries from %lld "
                                             "are missing",
                          (long long)expected_seq, (long long)expected_seq);
    unsigned char mac[CRMI_MAC_SIZE];
    int rc = chain_mac(db, mac, prev, &e);
    if (rc)
        return rc;
    if (sqlite3_column_bytes(st, 9) != CRMI_MAC_SIZE ||
        CRYPTO_memcmp(mac, sqlite3_column_blob(st, 9), CRMI_MAC_SIZE) != 0)
        return crmi_error(db, CRM_E_CORRUPT,
                          "audit chain broken at entry %lld (%s %s %s): its MAC does not match "
                          "its content",
                          (long long)e.seq, e.text[1] ? e.text[1] : "", e.text[2] ? e.text[2] : "",
                          e.text[3] ? e.text[3] : "");
    if (cp && e.seq == cp->seq) {
        if (CRYPTO_memcmp(mac, cp->mac, CRMI_MAC_SIZE) != 0)
            return crmi_error(db, CRM_E_CORRUPT, "audit chain broken at entry %lld: it differs "
                                                 "from the checkpoint (rolled back or rewritten)",
                              (long long)e.seq);
        cp->seen = true;
    }
    memcpy(prev, mac, CRMI_MAC_SIZE);
    return CRM_OK;
}

static int walk_chain(crm_db *db, checkpoint *cp, int64_t *entries, int64_t *first_bad)
{
    unsigned char prev[CRMI_MAC_SIZE] = {0};
    sqlite3_stmt *st = crmi_prepare(db, SQL_WALK);
    if (!st)
        return db->errcode;
    int rc = CRM_OK, step;
    while ((step = crmi_step(st)) == SQLITE_ROW) {
        rc = verify_entry(db, st, *entries + 1, prev, cp);
        if (rc) {
            *first_bad = *entries + 1;
            break;
        }
        (*entries)++;
    }
    sqlite3_finalize(st);
    if (!rc && step != SQLITE_DONE)
        rc = crmi_sqlite_error(db, step, "read audit log");
    if (!rc && cp && !cp->seen) {
        *first_bad = *entries + 1;
        rc = crmi_error(db, CRM_E_CORRUPT,
                        "audit chain broken at entry %lld: the log ends at entry %lld, before "
                        "the checkpoint (truncated or an older copy)",
                        (long long)*entries + 1, (long long)*entries);
    }
    return rc;
}

CRM_EXTERN(int) crm_audit_verify(int64_t *out_entries, int64_t *out_first_bad, crm_db *db,
                                 const char *checkpoint_text)
{
    if (!out_entries || !out_first_bad || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "audit verify: NULL argument");
    crmi_error_clear(db);
    *out_entries = *out_first_bad = 0;
    checkpoint cp = {0};
    int rc = crmi_access_require(db, CRMI_OP_AUDIT_READ);
    if (!rc && checkpoint_text)
        rc = parse_checkpoint(db, &cp, checkpoint_text);
    if (!rc)
        rc = walk_chain(db, checkpoint_text ? &cp : NULL, out_entries, out_first_bad);
    if (!rc)
        rc = triggers_present(db);
    return rc;
}

CRM_EXTERN(int) crm_audit_checkpoint(char **out, crm_db *db)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "audit checkpoint: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_AUDIT_READ);
    int64_t seq;
    unsigned char mac[CRMI_MAC_SIZE];
    if (!rc)
        rc = chain_head(db, &seq, mac);
    if (rc)
        return rc;
    if (seq == 0)
        return crmi_error(db, CRM_E_NOT_FOUND, "the audit log is empty");
    char hex[2 * CRMI_MAC_SIZE + 1];
    crmi_hex_encode(hex, mac, sizeof mac);
    crmi_buf b = {0};
    crmi_buf_printf(&b, "%lld:%s", (long long)seq, hex);
    char *text = crmi_buf_take(&b);
    if (!text)
        return crmi_error(db, CRM_E_NOMEM, "audit checkpoint: out of memory");
    *out = text;
    return CRM_OK;
}
