/*
 * libcrm campaign: (to be written by the module's engineer).
 */
#ifndef CRM_CAMPAIGN_H
#define CRM_CAMPAIGN_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_CAMPAIGN_H */
