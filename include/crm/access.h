/*
 * libcrm access: the branch tree, staff users and their roles, optional
 * password authentication.
 *
 * Every public operation checks the acting user set with crm_db_set_actor()
 * (or crm_user_authenticate()); an unknown or disabled actor gets
 * CRM_E_PERMISSION. Which roles may do what is tabled in docs/ACCESS.md.
 */
#ifndef CRM_ACCESS_H
#define CRM_ACCESS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Staff roles; a user holds one or more (a bit mask). */
typedef enum crm_role {
    CRM_ROLE_ADMIN = 0x01,
    CRM_ROLE_BRANCH_MANAGER = 0x02,
    CRM_ROLE_RELATIONSHIP_MANAGER = 0x04,
    CRM_ROLE_MARKETER = 0x08,
    CRM_ROLE_COMPLAINT_HANDLER = 0x10,
    CRM_ROLE_AUDITOR = 0x20
} crm_role;

/**
 * Parses a comma-separated role list ("admin,auditor"; names as in
 * crm_role_name) into a mask. @return CRM_OK or CRM_E_INVALID_DATA naming the
 * unknown role in crm_last_errmsg().
 */
CRM_EXTERN(int) crm_role_parse(unsigned int *out_mask, const char *text);

/** The name of one role bit ("relationship_manager"), or NULL if unknown. */
CRM_EXTERN(const char *) crm_role_name(crm_role role);

/**
 * Creates the head-office branch and the first admin user of an empty
 * database. Needs no actor, and is refused (CRM_E_STATE) once any user exists.
 * @return CRM_OK, CRM_E_STATE, CRM_E_INVALID_DATA.
 */
CRM_EXTERN(int) crm_access_bootstrap(crm_db *db, const char *head_office_code,
                                     const char *head_office_name, const char *admin_name,
                                     const char *admin_display_name);

/* --------------------------------------------------------------- branches */

/**
 * Adds a branch under `parent_code` (head office > branch > sub-branch, and
 * deeper where a bank needs it: at most 8 levels, 0..7).
 * Codes are 1..32 characters of [A-Za-z0-9_-]; names are UTF-8, 1..100
 * characters. Admin only; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_NOT_FOUND (parent), CRM_E_CONFLICT
 *         (code exists), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_branch_add(crm_db *db, const char *code, const char *name,
                               const char *parent_code);

/**
 * Reads a branch: fields code, name, parent (absent for the head office),
 * level (0 head office, 1 branch, 2 sub-branch, ...). Any active user.
 * Free with crm_record_free().
 */
CRM_EXTERN(int) crm_branch_get(crm_record **out, crm_db *db, const char *code);

/** Lists branches in tree order, with the fields of crm_branch_get. Any active user. */
CRM_EXTERN(int) crm_branch_list(crm_iter **out, crm_db *db);

/* ------------------------------------------------------------------ users */

/**
 * Adds a staff user. Fields of `user`:
 *  - "name" (required): login, 1..64 of [a-z0-9_.-]
 *  - "display_name" (required): UTF-8, 1..100 characters
 *  - "roles" (required): comma-separated role names
 *  - "branch" (required): an existing branch code
 *  - "phone" (optional): mainland mobile, 11 digits, optional +86 (stored
 *    and revealed as the 11 digits)
 *  - "email" (optional)
 * Phone and email are personal data: encrypted at rest, masked on output.
 * Admin only; audited with masked values.
 * @return CRM_OK, CRM_E_INVALID_DATA (message names the field), CRM_E_CONFLICT,
 *         CRM_E_NOT_FOUND (branch), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_user_add(crm_db *db, const crm_record *user);

/**
 * Reads a user: name, display_name, roles, branch, status ("active" or
 * "disabled"), phone and email masked, created_at. Admins see everyone;
 * auditors everyone; branch managers users of their subtree; anyone
 * themselves. Free with crm_record_free().
 */
CRM_EXTERN(int) crm_user_get(crm_record **out, crm_db *db, const char *name);

/** Lists the users the actor may see (as crm_user_get), ordered by name. */
CRM_EXTERN(int) crm_user_list(crm_iter **out, crm_db *db);

/**
 * Disables a user with a reason (audited); their handles lose access at their
 * next call. An admin cannot disable themselves. Admin only.
 */
CRM_EXTERN(int) crm_user_disable(crm_db *db, const char *name, const char *reason);

/**
 * Re-enables a disabled user and clears a login lock-out (so it also serves
 * to unlock an active user). Admin only; audited. Disabling a disabled user
 * is accepted and audited too: the reason is what the audit keeps.
 */
CRM_EXTERN(int) crm_user_enable(crm_db *db, const char *name, const char *reason);

/**
 * Returns a user's phone or email ("phone", "email") in clear. Needs the
 * admin role (or to be that user) and a non-empty reason; every call is
 * audited with who and why. Free with crm_free().
 * @return CRM_OK, CRM_E_NOT_FOUND (no such user or value), CRM_E_PERMISSION,
 *         CRM_E_INVALID_ARG (unknown field, empty reason).
 */
CRM_EXTERN(int) crm_user_reveal(char **out, crm_db *db, const char *name, const char *field,
                                const char *reason);

/* --------------------------------------------------------- authentication */

/**
 * Sets a user's password (PBKDF2-HMAC-SHA256, 600,000 iterations, random
 * salt). At least 10 characters. Admin, or the user themselves; audited
 * without the password.
 */
CRM_EXTERN(int) crm_user_set_password(crm_db *db, const char *name, const char *password);

/**
 * Checks a password. On success the user becomes the handle's actor. Five
 * failures in a row lock the account for 15 minutes (CRM_E_LOCKED) or until
 * an admin re-enables it. Failures and lock-outs are audited.
 * @return CRM_OK, CRM_E_PERMISSION (wrong name or password; the message does
 *         not say which), CRM_E_LOCKED.
 */
CRM_EXTERN(int) crm_user_authenticate(crm_db *db, const char *name, const char *password);

#ifdef __cplusplus
}
#endif
#endif /* CRM_ACCESS_H */
