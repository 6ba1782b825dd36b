/*
 * libcrm the tag system: a layered taxonomy of customer tags.
 */
#ifndef CRM_TAG_H
#define CRM_TAG_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_TAG_H */
