/*
 * libcrm risk profiles and suitability: questionnaires, C1..C5, product checks.
 */
#ifndef CRM_RISK_H
#define CRM_RISK_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_RISK_H */
