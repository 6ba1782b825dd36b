/* Internals of the tag system shared by the files of lib/tag. */
#ifndef CRMI_TAG_INT_H
#define CRMI_TAG_INT_H

#include "crm/tag.h"
#include "segment/segment_int.h"

#define CRMI_TAG_NAME_MAX_CHARS 50

/* Finds a taxonomy node by name: its id, kind ("category", ...) into
 * kind[16] and whether it has a rule; CRM_E_NOT_FOUND naming `field`. */
int crmi_tag_find(crm_db *db, const char *field, const char *name, int64_t *id, char kind[16],
                  bool *has_rule);

/* Re-applies the rule of tag `tag_id` (NULL rule: takes every rule
 * application away), audited under `name`; *changed gets the count of
 * applications added and removed. Inside the caller's transaction. */
int crmi_tag_rule_apply(crm_db *db, int64_t tag_id, const char *name, const char *rule,
                        int64_t *changed);

#endif /* CRMI_TAG_INT_H */
