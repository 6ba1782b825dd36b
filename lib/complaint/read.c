/* Reading tickets: one, a filtered list, a history, and the audited clear
 * text of a sealed contact field. */
#include "complaint/complaint_int.h"
#include "product/product_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

#define COMPLAINT_COLUMNS                                                                                                                                       \
    "SELECT cp.ticket_no, cp.kind, cp.channel, cp.category, cp.severity, cp.subject, cp.body,"                                                                  \
    " (SELECT customer_no FROM crm_customer WHERE id = cp.customer_id) AS customer_no,"                                                                         \
    " cp.contact_name_masked AS contact_name, cp.contact_phone_masked AS contact_phone,"                                                                        \
    " cp.contact_email_masked AS contact_email, cb.code AS branch,"                                                                                             \
    " (SELECT code FROM crm_product WHERE id = cp.product_id) AS product_code, cp.state,"                                                                       \
    " (SELECT code FROM crm_complaint_team WHERE id = cp.team_id) AS team,"                                                                                     \
    " (SELECT name FROM crm_user WHERE id = cp.assignee_id) AS assignee,"                                                                                       \
    " " ISO("cp.opened_at") " AS opened_at, " ISO(                                                                                                              \
        "cp.ack_due_at") " AS ack_due_at,"                                                                                                                      \
                         " " ISO(                                                                                                                               \
                             "cp.first_response_at") " AS first_response_at,"                                                                                   \
                                                     " " ISO(                                                                                                   \
                                                         "cp.resolve_due_at") " AS "                                                                            \
                                                                              "resolve_due_at,"                                                                 \
                                                                              " cp.resolve_used "                                                               \
                                                                              "AS "                                                                             \
                                                                              "resolve_used_"                                                                   \
                                                                              "seconds, "                                                                       \
                                                                              "cp.extended, "                                                                   \
                                                                              "cp.extension_"                                                                   \
                                                                              "reason,"                                                                         \
                                                                              " cp.escalation_"                                                                 \
                                                                              "level, " ISO(                                                                    \
                                                                                  "cp.resolved_"                                                                \
                                                                                  "at") " AS "                                                                  \
                                                                                        "resolved"                                                              \
                                                                                        "_at,"                                                                  \
                                                                                        " " ISO(                                                                \
                                                                                            "cp."                                                               \
                                                                                            "clos"                                                              \
                                                                                            "ed_"                                                               \
                                                                                            "at") " AS closed_at, cp.reopen_count, cp.breached, cp.resolution," \
                                                                                                  " cp.satisfaction"                                            \
                                                                                                  " FROM crm_complaint cp JOIN crm_branch cb ON cb.id = cp.branch_id"

static const char SQL_GET[] =
    COMPLAINT_COLUMNS " WHERE cp.ticket_no = :no AND" CRMI_COMPLAINT_SCOPE;

CRM_EXTERN(int) crm_complaint_get(crm_record **out, crm_db *db, const char *ticket_no)
{
    if (!out || !db || !ticket_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint get: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_stmt(db, SQL_GET);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_bind_text(st, sqlite3_bind_parameter_index(st, ":no"), ticket_no);
    crmi_complaint_scope_bind(db, st);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = crmi_record_from_row(out, st);
    else
        rc = step == SQLITE_DONE ? crmi_error(db, CRM_E_NOT_FOUND, "no ticket %.40s", ticket_no)
                                 : crmi_sqlite_error(db, step, "read ticket");
    sqlite3_reset(st);
    if (rc == CRM_E_NOMEM)
        return crmi_error(db, rc, "complaint: out of memory");
    return rc;
}

static const char SQL_LIST[] =
    COMPLAINT_COLUMNS " WHERE" CRMI_COMPLAINT_SCOPE " AND (:state IS NULL OR cp.state = :state)"
                      " AND (:channel IS NULL OR cp.channel = :channel)"
                      " AND (:category IS NULL OR cp.category = :category)"
                      " AND (:severity IS NULL OR cp.severity = :severity)"
                      " AND (:kind IS NULL OR cp.kind = :kind)"
                      " AND (:assignee IS NULL OR cp.assignee_id ="
                      "   (SELECT id FROM crm_user WHERE name = :assignee))"
                      " AND (:customer_no IS NULL OR cp.customer_id ="
                      "   (SELECT id FROM crm_customer WHERE customer_no = :customer_no))"
                      " AND (:open IS NULL OR (cp.closed_at IS NULL) = :open)"
                      " AND (:since IS NULL OR cp.opened_at >= :since)"
                      " AND (:until IS NULL OR cp.opened_at < :until)"
                      " ORDER BY cp.opened_at DESC, cp.id DESC LIMIT :limit";

static int bind_list_filter(crm_db *db, sqlite3_stmt *st, const crm_record *filter)
{
    static const char *const known[] = {"state", "channel",  "category",    "severity",
                                        "kind",  "assignee", "customer_no", "open",
                                        "since", "until",    "limit"};
    int rc = crmi_filter_check(db, filter, known, sizeof known / sizeof known[0], "complaint list");
    for (int i = 0; !rc && i < 7; i++) {
        const char *v = NULL;
        char param[24] = ":";
        if (filter && crm_record_type(filter, known[i]) != CRM_TYPE_NULL &&
            crm_record_get_text(&v, filter, known[i]) != CRM_OK)
            return crmi_error(db, CRM_E_INVALID_ARG, "complaint list filter %s: expected text",
                              known[i]);
        strcat(param, known[i]);
        crmi_bind_text(st, sqlite3_bind_parameter_index(st, param), v);
    }
    bool present;
    int64_t v;
    if (!rc && !(rc = crmi_field_int(db, filter, "open", 0, 1, &present, &v)) && present)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":open"), v);
    if (!rc && !(rc = crmi_filter_time(db, filter, "since", "complaint list", &present, &v)) &&
        present)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), v);
    if (!rc && !(rc = crmi_filter_time(db, filter, "until", "complaint list", &present, &v)) &&
        present)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), v);
    if (!rc && !(rc = crmi_field_int(db, filter, "limit", 0, INT64_MAX, &present, &v)))
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), present ? v : -1);
    if (rc == CRM_E_INVALID_DATA)
        rc = crmi_error_recode(db, CRM_E_INVALID_ARG, "complaint list");
    return rc;
}

CRM_EXTERN(int) crm_complaint_list(crm_iter **out, crm_db *db, const crm_record *filter)
{
    if (!out || !db)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint list: NULL argument");
    crmi_error_clear(db);
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_LIST);
    if (!st)
        return rc ? rc : db->errcode;
    crmi_complaint_scope_bind(db, st);
    if ((rc = bind_list_filter(db, st, filter))) {
        sqlite3_finalize(st);
        return rc;
    }
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

static const char SQL_HISTORY[] =
    "SELECT " ISO("at") " AS at, actor, kind, from_state, to_state, note"
                        " FROM crm_complaint_event WHERE complaint_id = ?1 ORDER BY id";

CRM_EXTERN(int) crm_complaint_history(crm_iter **out, crm_db *db, const char *ticket_no)
{
    if (!out || !db || !ticket_no)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint history: NULL argument");
    crmi_error_clear(db);
    crmi_ticket t;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_READ);
    if (!rc)
        rc = crmi_ticket_load(db, ticket_no, &t);
    sqlite3_stmt *st = rc ? NULL : crmi_prepare(db, SQL_HISTORY);
    if (!st)
        return rc ? rc : db->errcode;
    sqlite3_bind_int64(st, 1, t.id);
    return crmi_iter_new(out, db, st, NULL, NULL, NULL);
}

/* ----------------------------------------------------------------- reveal */

static const char SQL_PHONE[] = "SELECT contact_phone FROM crm_complaint WHERE id = ?1";
static const char SQL_EMAIL[] = "SELECT contact_email FROM crm_complaint WHERE id = ?1";

static int unseal_contact(crm_db *db, const crmi_ticket *t, const char *field, char **out)
{
    bool phone = strcmp(field, "contact_phone") == 0;
    sqlite3_stmt *st = crmi_stmt(db, phone ? SQL_PHONE : SQL_EMAIL);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, t->id);
    int step = sqlite3_step(st), rc;
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        crmi_field_ref ref = {"crm_complaint", field, t->ticket_no};
        const unsigned char *blob = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        unsigned char key[CRM_KEY_SIZE];
        if (!t->customer_id)
            rc = crmi_unseal(db, &ref, blob, len, out);
        else if (!(rc = crmi_customer_key_load(db, t->customer_id, key)))
            rc = crmi_unseal_subject(db, key, &ref, blob, len, out);
        OPENSSL_cleanse(key, sizeof key);
    } else {
        rc = step == SQLITE_ROW || step == SQLITE_DONE
                 ? crmi_error(db, CRM_E_NOT_FOUND, "ticket %s has no %s", t->ticket_no, field)
                 : crmi_sqlite_error(db, step, "read contact");
    }
    sqlite3_reset(st);
    return rc;
}

static int audit_reveal(crm_db *db, const crmi_ticket *t, const char *field, const char *reason)
{
    char after[64];
    snprintf(after, sizeof after, "{\"field\":\"%s\"}", field);
    crmi_audit_entry e = {.action = "complaint.reveal",
                          .entity = "complaint",
                          .entity_id = t->ticket_no,
                          .reason = reason,
                          .after = after};
    return crmi_audit_append(db, &e);
}

CRM_EXTERN(int)
crm_complaint_reveal(char **out, crm_db *db, const char *ticket_no, const char *field,
                     const char *reason)
{
    if (!out || !db || !ticket_no || !field)
        return crmi_error(db, CRM_E_INVALID_ARG, "complaint reveal: NULL argument");
    crmi_error_clear(db);
    if (strcmp(field, "contact_phone") != 0 && strcmp(field, "contact_email") != 0)
        return crmi_error(db, CRM_E_INVALID_ARG,
                          "complaint reveal: field must be contact_phone or contact_email");
    if (!reason || !*reason)
        return crmi_error(db, CRM_E_INVALID_ARG, "a reason is required to reveal personal data");
    crmi_ticket t;
    char *clear = NULL;
    int rc = crmi_access_require(db, CRMI_OP_COMPLAINT_WRITE);
    if (!rc)
        rc = crmi_validate_text(db, "reason", reason, 500);
    if (!rc)
        rc = crmi_ticket_load(db, ticket_no, &t);
    if (rc || (rc = crmi_txn_begin(db)))
        return rc;
    rc = unseal_contact(db, &t, field, &clear);
    if (!rc)
        rc = audit_reveal(db, &t, field, reason);
    rc = crmi_txn_end(db, rc);
    if (rc)
        crm_free(clear);
    else
        *out = clear;
    return rc;
}

/* ------------------------------------------------------------------ purge */

static const char SQL_SHRED_CONTACTS[] =
    "UPDATE crm_complaint SET customer_id = NULL, contact_name_masked = NULL,"
    " contact_phone = NULL, contact_phone_masked = NULL, contact_email = NULL,"
    " contact_email_masked = NULL WHERE customer_id = ?1";

int crmi_complaint_customer_purged(crm_db *db, int64_t customer_id)
{
    sqlite3_stmt *st = crmi_stmt(db, SQL_SHRED_CONTACTS);
    if (!st)
        return db->errcode;
    sqlite3_bind_int64(st, 1, customer_id);
    return crmi_exec_stmt(db, st, "purge complaint contacts");
}
