/*
 * libcrm value and behaviour analytics: RFM, value tiers, activity, clusters, cross-sell, propensity.
 */
#ifndef CRM_ANALYTICS_H
#define CRM_ANALYTICS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_ANALYTICS_H */
