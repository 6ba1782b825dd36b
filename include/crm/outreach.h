/*
 * libcrm outreach: (to be written by the module's engineer).
 */
#ifndef CRM_OUTREACH_H
#define CRM_OUTREACH_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_OUTREACH_H */
