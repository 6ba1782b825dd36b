/*
 * libcrm real-time transaction alerts.
 */
#ifndef CRM_ALERT_H
#define CRM_ALERT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_ALERT_H */
