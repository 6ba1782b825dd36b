/*
 * libcrm the complaint workflow: intake, assignment, SLA, escalation, hotspots.
 */
#ifndef CRM_COMPLAINT_H
#define CRM_COMPLAINT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_COMPLAINT_H */
