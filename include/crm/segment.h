/*
 * libcrm customer segments: rule-based, static and live, with set operations.
 */
#ifndef CRM_SEGMENT_H
#define CRM_SEGMENT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_SEGMENT_H */
